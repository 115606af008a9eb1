"""Scoring a policy on cases with greedy rollouts, and the learning curve a training run writes.

``curve.csv`` gets one row per evaluation (step, split, reward, accuracy, turns, tests, malformed, tokens,
wall seconds); ``curve.png`` plots reward and turns per step, so a collapse into one-turn guessing shows.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agents.cast import CastSpec
from models.training.hf_policy import HFPolicy
from models.training.rollouts import RolloutConfig, RolloutPlayer, Trajectory
from scenarios import Case

CURVE_CSV = "curve.csv"
CURVE_PNG = "curve.png"
CURVE_FIELDS = ["step", "split", "reward", "accuracy", "turns", "tests", "malformed", "generated_tokens", "wall_s"]


def mean_stats(trajectories: Sequence[Trajectory]) -> dict[str, float]:
    """Mean of each trajectory statistic (reward, correct -> accuracy, turns, tests, malformed, tokens)."""
    if not trajectories:
        return {}
    rows = [t.stats() for t in trajectories]
    means = {key: sum(row[key] for row in rows) / len(rows) for key in rows[0]}
    means["accuracy"] = means.pop("correct")
    return means


def evaluate_policy(
    model: Any,
    tokenizer: Any,
    cases: Sequence[Case],
    config: RolloutConfig,
    *,
    batch_size: int = 64,
    cast: CastSpec | None = None,
) -> tuple[dict[str, float], list[Trajectory]]:
    """Greedy rollouts of ``model`` (left in the mode it was in) on every case; mean statistics and trajectories.
    ``cast``: who plays the other roles (default: the deterministic ones)."""
    player = RolloutPlayer(HFPolicy.from_loaded(model, tokenizer), config, cast=cast, max_batch_size=batch_size)
    trajectories = player.play(list(cases), greedy=True)
    return mean_stats(trajectories), trajectories


class Curve:
    """Appends evaluation rows to ``OUT/curve.csv`` and redraws ``OUT/curve.png``."""

    def __init__(self, out: Path):
        self.path = out / CURVE_CSV
        self.started = time.perf_counter()
        out.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            with self.path.open("w", newline="", encoding="utf-8") as handle:
                csv.writer(handle).writerow(CURVE_FIELDS)

    def add(self, step: int, split: str, stats: dict[str, float]) -> None:
        row = {**stats, "step": step, "split": split, "wall_s": round(time.perf_counter() - self.started, 2)}
        with self.path.open("a", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerow([row.get(field, "") for field in CURVE_FIELDS])

    def rows(self) -> list[dict[str, str]]:
        return curve_rows(self.path.parent)

    def plot(self) -> Path | None:
        """Draw reward and turns per step for each split; None when matplotlib is missing."""
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            return None
        rows = self.rows()
        figure, (reward_axis, turns_axis) = plt.subplots(1, 2, figsize=(10, 4))
        for split in sorted({row["split"] for row in rows}):
            points = [row for row in rows if row["split"] == split]
            steps = [int(row["step"]) for row in points]
            reward_axis.plot(steps, [float(row["reward"]) for row in points], marker="o", label=split)
            turns_axis.plot(steps, [float(row["turns"]) for row in points], marker="o", label=split)
        reward_axis.set(xlabel="step", ylabel="greedy reward", title="reward", ylim=(-0.05, 1.05))
        turns_axis.set(xlabel="step", ylabel="doctor turns per episode", title="turns")
        reward_axis.legend()
        figure.tight_layout()
        target = self.path.with_name(CURVE_PNG)
        figure.savefig(target, dpi=100)
        plt.close(figure)
        return target


def curve_rows(out: Path) -> list[dict[str, str]]:
    """The evaluations ``OUT/curve.csv`` holds so far (none without the file): any process may read them."""
    path = out / CURVE_CSV
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
