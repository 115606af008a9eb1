"""Comparing runs that played the same cases: each episode of one run is paired with the episode of the same
(case, sample) in the others, so that the runs are compared on the same consultations (``agentclinic compare``).

``load_run`` reads a run folder; ``compare_runs`` pairs the runs' episodes and computes, on the episodes every
run completed, each run's accuracy and means, and for each pair of runs the paired differences
(``paired_stats``), McNemar's test and the discordant cases. Which settings differ is read from each ``run.json``;
runs judged on different cases or by different judges are refused (``ComparisonError``) unless forced.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from itertools import combinations
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agentclinic_sim.metrics import FEEDBACK, summarise, wilson_interval
from agentclinic_sim.paired_stats import PairedDifference, holm, mcnemar_exact, paired_difference
from agentclinic_sim.run_folder import RUN_SETTINGS, load_manifest
from agentclinic_sim.run_settings import EPISODE_FIELDS, RunError, RunSettings
from agentclinic_sim.transcript import TRANSCRIPTS, EpisodeRecord, iter_latest_records

JUDGED_ON = ("dataset", "split", "test_fraction", "moderator")
"""Settings that must agree for a comparison to mean anything: where the cases come from and the judge. Which of
them each run played (``case_ids``, ``limit``, ``samples``) may differ: only the episodes both have are paired."""


def _part(record: EpisodeRecord, field: str, name: str) -> float | None:
    """``record.<field>.<name>`` as a number, for fields a record may lack (an older transcript, or a run
    without the exam or the patient's feedback); ``None`` when absent."""
    value = getattr(getattr(record, field, None), name, None)
    return float(value) if isinstance(value, int | float) else None


EPISODE_METRICS: dict[str, Callable[[EpisodeRecord], float | None]] = {
    "accuracy": lambda r: float(r.correct) if r.correct is not None else None,
    "turns": lambda r: float(r.turns_used),
    "tests": lambda r: float(len(r.tests_requested)),
    "tokens": lambda r: float(sum(r.tokens_by_role().values())),
    "exam_precision": lambda r: _part(r, "exam", "precision"),
    "exam_recall": lambda r: _part(r, "exam", "recall"),
    "exam_f1": lambda r: _part(r, "exam", "f1"),
    **{
        summary_field: partial(_part, field="patient_feedback", name=answer)
        for answer, summary_field in FEEDBACK.items()
    },
}
"""Each episode's number for a metric (``None``: the episode has none); runs show a metric only when some
paired episode has it."""

PAIRED_METRICS = ("accuracy", "turns", "tests", "tokens", "exam_f1")
"""The metrics whose run-to-run difference gets a paired bootstrap interval."""


class ComparisonError(Exception):
    """The runs cannot be compared (a folder that is not a run, too few runs, different cases or judges)."""


class Run(BaseModel):
    """One run folder as compared: its settings and its latest record of each (case, sample)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    name: str
    path: Path
    settings: RunSettings
    records: dict[tuple[str, int], EpisodeRecord]
    skipped_lines: int = 0


def load_run(path: Path, name: str | None = None) -> Run:
    """Read the run folder ``path``, or raise ``ComparisonError`` saying in one line why it is not one."""
    what = "the --out of `agentclinic run`"
    if not path.exists():
        raise ComparisonError(f"{path}: no such folder")
    if not path.is_dir():
        raise ComparisonError(f"{path} is not a folder: give a run folder ({what})")
    if not (path / RUN_SETTINGS).is_file():
        raise ComparisonError(f"{path} is not a run folder: it has no {RUN_SETTINGS} ({what})")
    try:
        settings = load_manifest(path).settings
    except RunError as exc:
        raise ComparisonError(str(exc)) from None
    if not (path / TRANSCRIPTS).is_file():
        raise ComparisonError(f"{path} has no {TRANSCRIPTS}: the run has not finished an episode yet")
    skipped: list[int] = []
    records = {record.key: record for record in iter_latest_records(path, on_bad_line=lambda n, _: skipped.append(n))}
    if not records:
        raise ComparisonError(f"{path / TRANSCRIPTS} holds no episode")
    return Run(
        name=name or path.name,
        path=path,
        settings=settings,
        records=records,
        skipped_lines=len(skipped),
    )


def run_names(paths: Sequence[Path]) -> list[str]:
    """Short names for the runs: each folder's name, or its path as given where two names clash."""
    names = [path.name or str(path) for path in paths]
    return [name if names.count(name) == 1 else str(path) for name, path in zip(names, paths, strict=True)]


def load_runs(paths: Sequence[Path]) -> list[Run]:
    """The runs in ``paths`` (two or more, each once), or ``ComparisonError``."""
    if len(paths) < 2:
        given = f"got one: {paths[0]}" if paths else "got none"
        raise ComparisonError(f"compare needs two or more run folders ({given})")
    seen: dict[Path, Path] = {}
    for path in paths:
        if path.exists() and path.resolve() in seen:
            also = "" if str(seen[path.resolve()]) == str(path) else f" (as {seen[path.resolve()]} too)"
            raise ComparisonError(f"{path} is given twice{also}: compare two different runs")
        seen.setdefault(path.resolve(), path)
    return [load_run(path, name) for path, name in zip(paths, run_names(paths), strict=True)]


def settings_differences(runs: Sequence[Run]) -> dict[str, list[Any]]:
    """Each setting that changes what an episode is (``EPISODE_FIELDS``) whose value is not the same in every run
    -> its value in each run; how the runs ran (concurrency, retries, folders) is left out."""
    dumps = [run.settings.model_dump(mode="json") for run in runs]
    values = {name: [dump.get(name) for dump in dumps] for name in EPISODE_FIELDS}
    return {name: each for name, each in values.items() if any(value != each[0] for value in each)}


def refuse_incomparable(runs: Sequence[Run], differences: dict[str, list[Any]]) -> None:
    """Raise ``ComparisonError`` when the runs differ in the cases they played or the judge that scored them."""
    differing = [name for name in JUDGED_ON if name in differences]
    if not differing:
        return
    described = "; ".join(
        f"{name} ({', '.join(f'{run.name}: {value}' for run, value in zip(runs, differences[name], strict=True))})"
        for name in differing
    )
    raise ComparisonError(
        f"the runs were not played on the same cases or judged by the same judge: {described}. "
        "Add --force to compare them anyway"
    )


class RunResult(BaseModel):
    """One run on the episodes every run completed (its accuracy and means), and how many it has besides."""

    name: str
    path: str
    episodes: int = Field(description="Its (case, sample) episodes, each by its latest record.")
    shared: int = Field(description="Of them, those every compared run has.")
    not_shared: int = Field(description="Of them, those some other run lacks (left out of the comparison).")
    errored: int = Field(description="Its errored episodes among the shared ones (left out of the comparison).")
    correct: int
    paired: int = Field(description="Episodes compared: shared and completed in every run.")
    accuracy: float
    accuracy_ci95: tuple[float, float] = Field(description="95% Wilson interval of the accuracy.")
    own_accuracy: float | None = Field(None, description="Its accuracy over all its completed episodes.")
    means: dict[str, float] = Field(default_factory=dict, description="metric -> mean over the compared episodes.")
    accuracy_by_category: dict[str, float] | None = Field(
        None, description="Over the paired episodes, by the MeSH category of the correct diagnosis (metrics)."
    )


class Discordant(BaseModel):
    """An episode one run got right and the other wrong: both diagnoses and the judge's reasons."""

    case_id: str
    sample: int
    correct_diagnosis: str
    diagnosis_a: str | None
    reason_a: str | None
    diagnosis_b: str | None
    reason_b: str | None


class PairResult(BaseModel):
    """Two runs compared episode by episode (b's minus a's)."""

    a: str
    b: str
    pairs: int
    both_correct: int
    only_a_correct: int = Field(description="Right in a, wrong in b.")
    only_b_correct: int = Field(description="Wrong in a, right in b.")
    both_wrong: int
    mcnemar_p: float = Field(description="Exact two-sided McNemar p-value on the discordant pairs.")
    mcnemar_p_holm: float | None = Field(None, description="Holm-adjusted over all pairs (more than two runs).")
    differences: list[PairedDifference]
    right_only_in_a: list[Discordant]
    right_only_in_b: list[Discordant]


class Comparison(BaseModel):
    """``agentclinic compare``'s whole result (``--json`` prints it)."""

    runs: list[RunResult]
    settings_differences: dict[str, list[Any]]
    forced: bool = False
    shared: int = Field(description="(case, sample) episodes every run has.")
    paired: int = Field(description="Of them, those every run completed (not errored): the compared episodes.")
    cases: int = Field(description="Distinct cases among the compared episodes.")
    samples_per_case: float
    bootstrap: int
    seed: int
    pairs: list[PairResult]
    notes: list[str] = Field(default_factory=list)


def compare_runs(runs: Sequence[Run], *, resamples: int = 2000, seed: int = 0, force: bool = False) -> Comparison:
    """Pair the runs' episodes by (case, sample) and compare them (``ComparisonError`` when they cannot be)."""
    differences = settings_differences(runs)
    if not force:
        refuse_incomparable(runs, differences)
    shared = set.intersection(*(set(run.records) for run in runs))
    completed = [key for key in shared if all(run.records[key].correct is not None for run in runs)]
    keys = sorted(completed, key=_in_case_order)
    if not keys:
        raise ComparisonError(
            "no (case, sample) was completed by every run, so there is nothing to pair"
            + "".join(f"; {run.name} has {len(run.records)} episodes (first {min(run.records)[0]})" for run in runs)
        )
    results = [_run_result(run, shared, keys) for run in runs]
    pairs = [_pair_result(a, b, keys, resamples, seed) for a, b in combinations(runs, 2)]
    if len(pairs) > 1:
        for pair, adjusted in zip(pairs, holm([pair.mcnemar_p for pair in pairs]), strict=True):
            pair.mcnemar_p_holm = adjusted
    cases = len({case for case, _ in keys})
    return Comparison(
        runs=results,
        settings_differences=differences,
        forced=force and any(name in differences for name in JUDGED_ON),
        shared=len(shared),
        paired=len(keys),
        cases=cases,
        samples_per_case=len(keys) / cases,
        bootstrap=resamples,
        seed=seed,
        pairs=pairs,
        notes=_notes(runs, len(keys), cases),
    )


def _in_case_order(key: tuple[str, int]) -> tuple[str, int, str, int]:
    """demo:2 before demo:10: the dataset, then the case's number (ids that are not numbers after them)."""
    dataset, _, local = key[0].rpartition(":")
    return (dataset, int(local) if local.isdigit() else -1, local, key[1])


def _run_result(run: Run, shared: set[tuple[str, int]], keys: Sequence[tuple[str, int]]) -> RunResult:
    records = [run.records[key] for key in keys]
    correct = sum(bool(record.correct) for record in records)
    means: dict[str, float] = {}
    for metric, value_of in EPISODE_METRICS.items():
        values = [value for value in map(value_of, records) if value is not None]
        if values and metric != "accuracy":
            means[metric] = sum(values) / len(values)
    completed = [record for record in run.records.values() if record.correct is not None]
    return RunResult(
        name=run.name,
        path=str(run.path),
        episodes=len(run.records),
        shared=len(shared),
        not_shared=len(run.records) - len(shared),
        errored=sum(run.records[key].correct is None for key in shared),
        correct=correct,
        paired=len(keys),
        accuracy=correct / len(keys),
        accuracy_ci95=wilson_interval(correct, len(keys)),
        own_accuracy=sum(bool(r.correct) for r in completed) / len(completed) if completed else None,
        means=means,
        accuracy_by_category={
            category: tally.accuracy
            for category, tally in summarise(records).accuracy_by_category.items()
            if tally.accuracy is not None
        }
        or None,
    )


def _pair_result(a: Run, b: Run, keys: Sequence[tuple[str, int]], resamples: int, seed: int) -> PairResult:
    outcomes = [(bool(a.records[key].correct), bool(b.records[key].correct)) for key in keys]
    only_a = [key for key, (right_a, right_b) in zip(keys, outcomes, strict=True) if right_a and not right_b]
    only_b = [key for key, (right_a, right_b) in zip(keys, outcomes, strict=True) if right_b and not right_a]
    differences = [
        found
        for metric in PAIRED_METRICS
        if (found := _difference(metric, [(key[0], a.records[key], b.records[key]) for key in keys], resamples, seed))
    ]
    return PairResult(
        a=a.name,
        b=b.name,
        pairs=len(keys),
        both_correct=sum(right_a and right_b for right_a, right_b in outcomes),
        only_a_correct=len(only_a),
        only_b_correct=len(only_b),
        both_wrong=sum(not right_a and not right_b for right_a, right_b in outcomes),
        mcnemar_p=mcnemar_exact(len(only_a), len(only_b)),
        differences=differences,
        right_only_in_a=[_discordant(a.records[key], b.records[key]) for key in only_a],
        right_only_in_b=[_discordant(a.records[key], b.records[key]) for key in only_b],
    )


def _difference(
    metric: str, pairs: Sequence[tuple[str, EpisodeRecord, EpisodeRecord]], resamples: int, seed: int
) -> PairedDifference | None:
    """The paired difference of ``metric`` over the pairs where both episodes have it; None if none has."""
    value_of = EPISODE_METRICS[metric]
    clusters: list[str] = []
    values_a: list[float] = []
    values_b: list[float] = []
    for case, record_a, record_b in pairs:
        value_a, value_b = value_of(record_a), value_of(record_b)
        if value_a is not None and value_b is not None:
            clusters.append(case)
            values_a.append(value_a)
            values_b.append(value_b)
    if not clusters:
        return None
    return paired_difference(metric, clusters, values_a, values_b, resamples=resamples, seed=seed)


def _discordant(a: EpisodeRecord, b: EpisodeRecord) -> Discordant:
    return Discordant(
        case_id=a.case_id,
        sample=a.sample,
        correct_diagnosis=a.correct_diagnosis,
        diagnosis_a=a.diagnosis,
        reason_a=a.verdict.reason if a.verdict else None,
        diagnosis_b=b.diagnosis,
        reason_b=b.verdict.reason if b.verdict else None,
    )


def _notes(runs: Sequence[Run], paired: int, cases: int) -> list[str]:
    notes = []
    if paired > cases:
        notes.append(
            "several samples per case: McNemar's test counts each (case, sample) as its own pair, which overstates "
            "the evidence when a case's samples agree; the bootstrap intervals resample whole cases and do not"
        )
    for run in runs:
        if run.skipped_lines:
            notes.append(f"{run.name}: {run.skipped_lines} unreadable line(s) of {TRANSCRIPTS} skipped")
    return notes
