"""Run summaries: accuracy with a 95% Wilson interval, turns, tests and tokens, streamed from a transcript."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, Field

from agentclinic_sim.transcript import EpisodeRecord, iter_latest_records

Z_95 = 1.959963984540054
FEEDBACK = {"confidence": "feedback_confidence", "follow_up": "feedback_follow_up", "rating": "feedback_rating"}
"""Each answer of the patient's feedback -> the summary field holding its mean."""


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """95% Wilson score interval, clamped to [0, 1]; exactly 0 (1) at the bound when none (all) succeed."""
    if n == 0:
        return (0.0, 0.0)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if successes == 0 else min(1.0, max(0.0, centre - half))
    high = 1.0 if successes == n else min(1.0, max(0.0, centre + half))
    return (low, high)


class RunSummary(BaseModel):
    n: int = Field(0, description="Episodes in the file, each (case, sample) once by its latest outcome.")
    completed: int = 0
    errored: int = 0
    correct: int = 0
    accuracy: float | None = None
    accuracy_ci95: tuple[float, float] | None = None
    mean_turns: float | None = None
    tests_per_episode: float | None = None
    tokens_by_role: dict[str, int] = Field(default_factory=dict)
    episode_wall_s: float = 0.0
    wall_s: float | None = Field(None, description="Wall time of the run, all its invocations (set by the runner).")
    per_sample_accuracy: dict[int, float] = Field(default_factory=dict)
    sample_accuracy_mean: float | None = None
    sample_accuracy_sd: float | None = None
    errors: dict[str, int] = Field(default_factory=dict, description="error message (first line) -> count")
    feedback_confidence: float | None = Field(
        None, description="Mean of the patient's confidence in the doctor, 1-10 (None: no episode has feedback)."
    )
    feedback_follow_up: float | None = Field(
        None, description="Mean of the patient's willingness to come back and follow the advice, 1-10."
    )
    feedback_rating: float | None = Field(None, description="Mean of the patient's rating of the doctor, 1-10.")


def summarise(records: Iterable[EpisodeRecord]) -> RunSummary:
    """One pass, constant memory in the number of episodes."""
    summary = RunSummary()
    turns = tests = 0
    per_sample: dict[int, list[int]] = {}
    feedback: dict[str, list[int]] = {name: [] for name in FEEDBACK}
    for record in records:
        summary.n += 1
        summary.episode_wall_s += record.wall_s
        for role, count in record.tokens_by_role().items():
            summary.tokens_by_role[role] = summary.tokens_by_role.get(role, 0) + count
        if record.error is not None:
            summary.errored += 1
            first_line = record.error.splitlines()[0][:200] if record.error else "error"
            summary.errors[first_line] = summary.errors.get(first_line, 0) + 1
            continue
        summary.completed += 1
        summary.correct += bool(record.correct)
        turns += record.turns_used
        tests += len(record.tests_requested)
        bucket = per_sample.setdefault(record.sample, [0, 0])
        bucket[0] += bool(record.correct)
        bucket[1] += 1
        if record.patient_feedback is not None:
            for name, answers in feedback.items():
                answer = getattr(record.patient_feedback, name)
                answers.extend([] if answer is None else [answer])
    for name, answers in feedback.items():
        setattr(summary, FEEDBACK[name], statistics.fmean(answers) if answers else None)
    if summary.completed:
        summary.accuracy = summary.correct / summary.completed
        summary.accuracy_ci95 = wilson_interval(summary.correct, summary.completed)
        summary.mean_turns = turns / summary.completed
        summary.tests_per_episode = tests / summary.completed
    summary.per_sample_accuracy = {sample: c / n for sample, (c, n) in sorted(per_sample.items())}
    if len(summary.per_sample_accuracy) > 1:
        values = list(summary.per_sample_accuracy.values())
        summary.sample_accuracy_mean = statistics.fmean(values)
        summary.sample_accuracy_sd = statistics.stdev(values)
    return summary


def summarise_file(path: Path) -> RunSummary:
    """Each (case, sample) counts once, by its latest record in the file."""
    return summarise(iter_latest_records(path))
