"""The callback a training runs with (``EvaluationCallback``): it records the settings a training starts with, scores
greedy episodes at the start, every ``eval_every`` steps and at the end (the learning curve), logs each step to
``steps.csv`` (``StepLog``) and reports progress.

It subclasses transformers' ``TrainerCallback``, so this module imports transformers: the trainers import it once
TRL is loaded, never at start-up.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from agents.cast import CastSpec
from models.training.common import TrainSettings
from models.training.evaluate import Curve, curve_rows, evaluate_policy
from models.training.trainer_setup import is_main_process
from models.training.training_folder import STEPS_CSV, TRAINING_SETTINGS, save_training_settings
from scenarios import Case

Report = Callable[[int, str | None], None]
"""Told each logged step, with a one-line summary after each evaluation (e.g. a progress bar)."""


class StepLog:
    """Appends each logged training step to ``OUT/steps.csv`` (columns grow as new keys appear)."""

    def __init__(self, out: Path):
        self.path = out / STEPS_CSV
        self.rows: list[dict[str, Any]] = []
        if self.path.is_file():  # a resumed run continues the file
            with self.path.open(encoding="utf-8") as handle:
                self.rows = list(csv.DictReader(handle))

    def add(self, step: int, logs: dict[str, Any]) -> None:
        self.rows = [row for row in self.rows if int(row["step"]) < step]  # steps redone after a resume
        self.rows.append({"step": step, **{k: v for k, v in logs.items() if isinstance(v, int | float)}})
        fields = list(dict.fromkeys(key for row in self.rows for key in row))
        with self.path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(self.rows)


class EvaluationCallback(TrainerCallback):
    """A ``TrainerCallback`` that records the settings a ``kind`` training starts with (``training.json``, for
    ``--resume``), scores greedy episodes on each split at the start, every ``eval_every`` steps and at the end
    (``curve.csv`` / ``curve.png``), logs each step to ``steps.csv``, and reports to ``report``. Only the main
    process writes; every process plays the evaluations."""

    def __init__(
        self,
        settings: TrainSettings,
        tokenizer: Any,
        splits: dict[str, list[Case]],
        report: Report | None = None,
        cast: CastSpec | None = None,
        kind: str = "sft",
    ) -> None:
        self.settings = settings
        self.tokenizer = tokenizer
        self.splits = splits
        self.report = report
        self.cast = cast
        self.kind = kind
        self.main = is_main_process()
        self.curve = Curve(settings.out) if self.main else None
        self.steps = StepLog(settings.out) if self.main else None
        self.config = settings.rollout_config()
        self.last_scores: dict[str, dict[str, float]] = {}

    def evaluate(self, model: Any, step: int) -> None:
        # Every rank plays the same greedy episodes (identical weights give identical turns, so sharded
        # models stay in step); only the main process writes the curve and reports.
        for name, cases in self.splits.items():
            stats, _ = evaluate_policy(model, self.tokenizer, cases, self.config, cast=self.cast)
            self.last_scores[name] = stats
            if self.curve is not None:
                self.curve.add(step, name, stats)
        if self.curve is None:
            return
        self.curve.plot()
        if self.report is not None:
            scores = "  ".join(
                f"{name}: reward {stats['reward']:.2f} turns {stats['turns']:.1f}"
                for name, stats in self.last_scores.items()
            )
            self.report(step, f"eval @ {step}  {scores}")

    def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        if self.main and not (self.settings.out / TRAINING_SETTINGS).is_file():
            save_training_settings(self.settings, self.kind)
        # Every process reads the curve, so that all decide alike whether a resumed training scores its start.
        if self.settings.eval_first and (state.global_step == 0 or not curve_rows(self.settings.out)):
            self.evaluate(model, state.global_step)

    def on_step_end(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        if state.global_step % self.settings.eval_every == 0 and state.global_step < state.max_steps:
            self.evaluate(model, state.global_step)

    def on_train_end(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        self.evaluate(model, state.global_step)

    def on_log(self, args: Any, state: Any, control: Any, logs: dict | None = None, **kwargs: Any) -> None:
        if logs and "loss" in logs and self.steps is not None:
            self.steps.add(state.global_step, logs)
            if self.report is not None:
                self.report(state.global_step, None)
