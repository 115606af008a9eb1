"""Run summaries, streamed from a transcript: accuracy with a 95% Wilson interval and by disease category, turns,
tests and tokens, and exam recommendation (the mean of each episode's ``ExamScore``).

Every figure but the token counts and wall times is over the completed episodes (an errored one has no outcome).
``exam_precision`` is the mean over the episodes whose precision is defined (they requested a test), ``exam_recall``
and ``exam_f1`` over the episodes with a score (their case lists tests); all three are None when none has one,
as they are for runs recorded before episodes were scored. ``tests_per_correct`` is every test requested over
the correct diagnoses (None when none is correct), ``turns_to_diagnosis`` the mean turns of the episodes that
ended with a diagnosis, right or wrong (None when none did). ``accuracy_by_category`` groups the episodes by
the disease category of their correct diagnosis (``agentclinic_sim.disease_category``), those without one
under ``"unresolved"``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, Field

from agentclinic_sim.disease_category import UNRESOLVED, disease_category
from agentclinic_sim.transcript import SUMMARY, TRANSCRIPTS, EpisodeRecord, iter_latest_records, transcript_path
from agents.patient.feedback import FIELDS as FEEDBACK_ANSWERS

Z_95 = 1.959963984540054
FEEDBACK = {answer: f"feedback_{answer}" for answer in FEEDBACK_ANSWERS}
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


class CategoryAccuracy(BaseModel):
    """The episodes of one disease category: how many, how many correct, and the share correct."""

    n: int = 0
    correct: int = 0
    accuracy: float | None = None


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


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
    exam_precision: float | None = Field(None, description="Mean precision of the test requests (module docstring).")
    exam_recall: float | None = Field(None, description="Mean recall of the tests the cases list.")
    exam_f1: float | None = Field(None, description="Mean F1 of the test requests against the tests the cases list.")
    exam_scored: int = Field(0, description="Completed episodes with an exam score (their case lists tests).")
    tests_per_correct: float | None = Field(None, description="Tests requested per correct diagnosis.")
    turns_to_diagnosis: float | None = Field(None, description="Mean turns of the episodes that gave a diagnosis.")
    accuracy_by_category: dict[str, CategoryAccuracy] = Field(
        default_factory=dict, description="Disease category of the correct diagnosis (or 'unresolved') -> accuracy."
    )

    feedback_confidence: float | None = Field(
        None, description="Mean of the patient's confidence in the doctor, 1-10 (None: no episode has feedback)."
    )
    feedback_follow_up: float | None = Field(
        None, description="Mean of the patient's willingness to come back and follow the advice, 1-10."
    )
    feedback_rating: float | None = Field(None, description="Mean of the patient's rating of the doctor, 1-10.")


class _Tally:
    """The sums the summary's means and ratios are made from, over the completed episodes."""

    def __init__(self) -> None:
        self.turns = self.tests = 0
        self.diagnosed_turns: list[int] = []
        self.precision: list[float] = []
        self.recall: list[float] = []
        self.f1: list[float] = []
        self.per_sample: dict[int, list[int]] = {}
        self.feedback: dict[str, list[int]] = {name: [] for name in FEEDBACK}

    def add(self, record: EpisodeRecord, summary: RunSummary) -> None:
        correct = bool(record.correct)
        summary.completed += 1
        summary.correct += correct
        self.turns += record.turns_used
        self.tests += len(record.tests_requested)
        if record.diagnosis is not None:
            self.diagnosed_turns.append(record.turns_used)
        if record.exam is not None:
            if record.exam.precision is not None:
                self.precision.append(record.exam.precision)
            self.recall.append(record.exam.recall)
            self.f1.append(record.exam.f1)
        if record.patient_feedback is not None:
            for name, answers in self.feedback.items():
                answer = getattr(record.patient_feedback, name)
                answers.extend([] if answer is None else [answer])
        bucket = self.per_sample.setdefault(record.sample, [0, 0])
        bucket[0] += correct
        bucket[1] += 1
        category = summary.accuracy_by_category.setdefault(
            disease_category(record.correct_diagnosis) or UNRESOLVED, CategoryAccuracy()
        )
        category.n += 1
        category.correct += correct

    def finish(self, summary: RunSummary) -> None:
        if summary.completed:
            summary.accuracy = summary.correct / summary.completed
            summary.accuracy_ci95 = wilson_interval(summary.correct, summary.completed)
            summary.mean_turns = self.turns / summary.completed
            summary.tests_per_episode = self.tests / summary.completed
        summary.tests_per_correct = self.tests / summary.correct if summary.correct else None
        summary.turns_to_diagnosis = _mean([float(turns) for turns in self.diagnosed_turns])
        summary.exam_precision, summary.exam_recall, summary.exam_f1 = map(
            _mean, (self.precision, self.recall, self.f1)
        )
        summary.exam_scored = len(self.f1)
        for name, answers in self.feedback.items():
            setattr(summary, FEEDBACK[name], statistics.fmean(answers) if answers else None)
        for category in summary.accuracy_by_category.values():
            category.accuracy = category.correct / category.n
        summary.accuracy_by_category = dict(sorted(summary.accuracy_by_category.items()))
        summary.per_sample_accuracy = {sample: c / n for sample, (c, n) in sorted(self.per_sample.items())}
        if len(summary.per_sample_accuracy) > 1:
            values = list(summary.per_sample_accuracy.values())
            summary.sample_accuracy_mean = statistics.fmean(values)
            summary.sample_accuracy_sd = statistics.stdev(values)


def summarise(records: Iterable[EpisodeRecord]) -> RunSummary:
    """One pass, constant memory in the number of episodes."""
    summary = RunSummary()
    tally = _Tally()
    for record in records:
        summary.n += 1
        summary.episode_wall_s += record.wall_s
        for role, count in record.tokens_by_role().items():
            summary.tokens_by_role[role] = summary.tokens_by_role.get(role, 0) + count
        if record.error is not None:
            summary.errored += 1
            first_line = record.error.splitlines()[0][:200] if record.error else "error"
            summary.errors[first_line] = summary.errors.get(first_line, 0) + 1
        else:
            tally.add(record, summary)
    tally.finish(summary)
    return summary


def summarise_file(path: Path) -> RunSummary:
    """Each (case, sample) counts once, by its latest record in the file."""
    return summarise(iter_latest_records(path))


def recorded_wall_s(path: Path) -> float | None:
    """The run's wall time as its ``summary.json`` records it, for a run folder or its ``transcripts.jsonl``;
    None for another file, or a folder without a readable summary."""
    source = transcript_path(path)
    if source.name != TRANSCRIPTS:
        return None
    try:
        return RunSummary.model_validate_json((source.parent / SUMMARY).read_bytes()).wall_s
    except (OSError, ValueError):
        return None
