"""``agentclinic compare RUN_A RUN_B [RUN_C ...]``: runs that played the same cases, compared episode by episode.

The pairing and the statistics are the core's (``comparison.py``, ``paired_stats.py``, ``comparison_plots.py``);
this module reads the flags and lays the result out as tables, or prints it as JSON."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from rich.markup import escape
from rich.table import Table

from agentclinic_sim.cli.console import console, err_console, fail
from agentclinic_sim.cli.html_files import check_html_target, write_html
from agentclinic_sim.cli.settings import SettingsInput, command_from_settings
from agentclinic_sim.cli.side_by_side import side_by_side_page
from agentclinic_sim.comparison import (
    PAIRED_METRICS,
    Comparison,
    ComparisonError,
    PairResult,
    Run,
    compare_runs,
    load_runs,
)
from agentclinic_sim.paired_stats import PairedDifference
from agentclinic_sim.transcript import TRANSCRIPTS
from scenarios import names_case

LABELS = {
    "turns": "mean turns",
    "tests": "tests / episode",
    "tokens": "tokens / episode",
    "exam_precision": "exam precision",
    "exam_recall": "exam recall",
    "exam_f1": "exam F1",
    "feedback_confidence": "patient confidence",
    "feedback_follow_up": "patient follow-up",
    "feedback_rating": "patient rating",
}

DOC = (
    "Compare runs that played the same cases, episode by episode (paired).\n\n"
    "Each episode of one run is paired with the episode of the same case and sample in the others (a MedGemma 4B "
    "run and a 27B run on the same cases, a trained doctor and its base). Only the episodes every run completed "
    "are compared, so that a difference comes from the doctors, not from which cases each run happened to get.\n\n"
    "For each run: accuracy with its 95% Wilson interval, mean turns, tests and tokens (and exam F1 and the "
    "patient's feedback when the transcripts have them).\n\n"
    "For each pair of runs A, B: how B differs from A (B - A), with a 95% paired bootstrap interval that "
    "resamples whole cases, so that several samples of one case count as one case's evidence; an interval that "
    "leaves out 0 says the difference is unlikely to be the luck of the cases. And McNemar's exact p-value on the "
    "discordant episodes (right in one run, wrong in the other): were both runs equally accurate, the chance of a "
    "split at least this lopsided. With more than two runs the p-values are also Holm-adjusted for the number of "
    "comparisons. Then the discordant cases, with both diagnoses and the judge's reasons.\n\n"
    "Runs on different datasets, case selections or judges are refused unless --force.\n\n"
    "Example: agentclinic compare runs/medgemma-4b runs/medgemma-27b --plot plots/"
)


class CompareSettings(BaseModel):
    """Which runs to compare, and how."""

    runs: list[Path] = Field(description="Two or more run folders (the --out of `agentclinic run`), first = baseline.")
    force: bool = Field(False, description="Compare runs on different datasets, case selections or judges anyway.")
    bootstrap: int = Field(2000, ge=100, description="Bootstrap resamples of the cases for each interval.")
    seed: int = Field(0, description="Seed of the bootstrap (the same seed gives the same intervals).")
    show: int = Field(10, ge=0, description="Discordant cases shown per direction (--json has them all).")
    plot: Path | None = Field(
        None, description="Write PNG plots here: accuracy, accuracy against tests and turns, by category."
    )
    as_json: bool = Field(False, description="Print the whole result as JSON on stdout, for scripts.")
    html: Path | None = Field(
        None,
        description="Write each pair of runs' discordant cases (or --case's episodes) side by side as an HTML page, "
        "the first turn where they diverge marked; with more than two runs, one page per pair "
        "(OUT-<a>-vs-<b>.html).",
    )
    case: str | None = Field(None, description="With --html: this case (demo:3 or 3) instead of the discordant ones.")


def compare_from_settings(request: SettingsInput[CompareSettings]) -> None:
    settings = request.build()
    if settings.plot is not None and settings.plot.exists() and not settings.plot.is_dir():
        fail(f"--plot {settings.plot} is a file: give a folder for the PNG files")
    if settings.case is not None and settings.html is None:
        fail("--case chooses what --html shows: give --html OUT.html too")
    if settings.html is not None:
        check_html_target(settings.html, *(path / TRANSCRIPTS for path in settings.runs))
    try:
        runs = load_runs(settings.runs)
        comparison = compare_runs(runs, resamples=settings.bootstrap, seed=settings.seed, force=settings.force)
    except ComparisonError as exc:
        fail(str(exc))
    pages = side_by_side_pages(comparison, runs, settings)
    if settings.as_json:
        sys.stdout.write(comparison.model_dump_json(indent=2) + "\n")
    else:
        print_comparison(comparison, settings.show)
    if settings.plot is not None:
        write_plots(comparison, settings.plot, settings.as_json)
    for target, page, shown in pages:
        write_html(target, page, f"{shown} episode{'' if shown == 1 else 's'} side by side", quiet=settings.as_json)


def side_by_side_pages(
    comparison: Comparison, runs: list[Run], settings: CompareSettings
) -> list[tuple[Path, str, int]]:
    """``--html``: for each pair of runs, a page of its discordant episodes (or ``--case``'s) in two columns, with
    where it goes and how many episodes it shows; exit 2 when ``--case`` is not in both runs."""
    if settings.html is None:
        return []
    pages: list[tuple[Path, str, int]] = []
    by_name = {run.name: run for run in runs}
    for pair in comparison.pairs:
        a, b = by_name[pair.a], by_name[pair.b]
        keys = _case_keys(a, b, settings.case) if settings.case else _discordant_keys(pair)
        target = settings.html
        if len(comparison.pairs) > 1:
            target = settings.html.with_name(f"{settings.html.stem}-{pair.a}-vs-{pair.b}{settings.html.suffix}")
        shown = [(a.records[key], b.records[key]) for key in keys]
        page = side_by_side_page(shown, (pair.a, pair.b), f"{pair.a} vs {pair.b}")
        pages.append((target, page, len(keys)))
    return pages


def _discordant_keys(pair: PairResult) -> list[tuple[str, int]]:
    return [(found.case_id, found.sample) for found in (*pair.right_only_in_a, *pair.right_only_in_b)]


def _case_keys(a: Run, b: Run, case: str) -> list[tuple[str, int]]:
    """The episodes of ``case`` (``demo:3`` or ``3``) both runs hold, or exit 2 naming what is missing."""
    keys = [key for key in a.records if key in b.records and names_case(key[0], case)]
    if not keys:
        fail(f"--case {case}: no episode of it in both {a.name} and {b.name}")
    return sorted(keys)


def write_plots(comparison: Comparison, folder: Path, quiet: bool) -> None:
    from agentclinic_sim.comparison_plots import plot_comparison

    try:
        written = plot_comparison(comparison, folder)
    except OSError as exc:
        fail(f"--plot {folder} cannot be written ({exc.strerror or exc})")
    (err_console if quiet else console).print(f"wrote {', '.join(str(path) for path in written)}", markup=False)


def print_comparison(comparison: Comparison, show: int) -> None:
    console.print(overview(comparison), markup=False)
    if comparison.settings_differences:
        console.print(differences_table(comparison))
    console.print(runs_table(comparison))
    console.print(pairs_table(comparison))
    for pair in comparison.pairs:
        for table in discordant_tables(pair, show):
            console.print(table)
    for note in comparison.notes:
        console.print(f"note: {note}", markup=False)


def overview(comparison: Comparison) -> str:
    lines = [
        f"{comparison.paired} paired episodes ({comparison.cases} cases) compared; "
        f"{comparison.shared} (case, sample) episodes are shared by all {len(comparison.runs)} runs."
    ]
    for run in comparison.runs:
        lines.append(
            f"  {run.name}: {run.episodes} episodes, {run.shared} shared, {run.not_shared} not shared, "
            f"{run.errored} errored among the shared"
        )
    if not comparison.settings_differences:
        lines.append("  their settings are the same (where and how fast they ran aside)")
    if comparison.forced:
        lines.append("  --force: the runs differ in their cases or judge (see below)")
    return "\n".join(lines)


def differences_table(comparison: Comparison) -> Table:
    table = Table(title="settings that differ")
    table.add_column("setting", style="bold")
    for run in comparison.runs:
        table.add_column(escape(run.name))
    for name, values in comparison.settings_differences.items():
        table.add_row(name, *(escape(_setting(value)) for value in values))
    return table


def _setting(value: Any) -> str:
    return "-" if value is None else ",".join(map(str, value)) if isinstance(value, list) else str(value)


def runs_table(comparison: Comparison) -> Table:
    metrics = [metric for metric in LABELS if any(metric in run.means for run in comparison.runs)]
    table = Table(title=f"each run, on the {comparison.paired} paired episodes")
    table.add_column("run", style="bold")
    table.add_column("accuracy (95% CI)")
    for metric in metrics:
        table.add_column(LABELS[metric], justify="right")
    shows_own = any(run.not_shared or run.errored for run in comparison.runs)
    if shows_own:
        table.add_column("accuracy, all its episodes", justify="right")
    for run in comparison.runs:
        low, high = run.accuracy_ci95
        row = [escape(run.name), f"{run.accuracy:.1%} ({low:.1%} – {high:.1%}) {run.correct}/{run.paired}"]
        row += [_number(run.means[metric]) if metric in run.means else "-" for metric in metrics]
        if shows_own:
            row.append(f"{run.own_accuracy:.1%}" if run.own_accuracy is not None else "-")
        table.add_row(*row)
    return table


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 or value == 0 else f"{value:.2f}"


def pairs_table(comparison: Comparison) -> Table:
    metrics = [m for m in PAIRED_METRICS if m != "accuracy" and any(_find(p, m) for p in comparison.pairs)]
    table = Table(title=f"paired differences, B − A (95% bootstrap interval over {comparison.cases} cases)")
    table.add_column("A → B", style="bold")
    table.add_column("accuracy")
    table.add_column("McNemar p")
    table.add_column("right only in A", justify="right")
    table.add_column("right only in B", justify="right")
    for metric in metrics:
        table.add_column(LABELS[metric])
    for pair in comparison.pairs:
        p_value = f"{pair.mcnemar_p:.3g}" + (
            f" (Holm {pair.mcnemar_p_holm:.3g})" if pair.mcnemar_p_holm is not None else ""
        )
        accuracy = _find(pair, "accuracy")
        row = [
            f"{escape(pair.a)} → {escape(pair.b)}",
            _difference(accuracy, percent=True) if accuracy else "-",
            p_value,
            str(pair.only_a_correct),
            str(pair.only_b_correct),
        ]
        row += [_difference(found) if (found := _find(pair, metric)) else "-" for metric in metrics]
        table.add_row(*row)
    return table


def _find(pair: PairResult, metric: str) -> PairedDifference | None:
    return next((found for found in pair.differences if found.metric == metric), None)


def _difference(found: PairedDifference, percent: bool = False) -> str:
    def shown(value: float) -> str:
        return f"{value * 100:+.1f} pt" if percent else f"{value:+.2f}"

    interval = f" ({shown(found.ci95[0])} … {shown(found.ci95[1])})" if found.ci95 else ""
    return shown(found.difference) + interval


def discordant_tables(pair: PairResult, show: int) -> list[Table]:
    tables = []
    for right, wrong, cases in ((pair.a, pair.b, pair.right_only_in_a), (pair.b, pair.a, pair.right_only_in_b)):
        if not cases or show == 0:
            continue
        more = f" (first {show} of {len(cases)})" if len(cases) > show else ""
        table = Table(title=f"right in {escape(right)}, wrong in {escape(wrong)}: {len(cases)}{more}")
        table.add_column("case · sample", style="bold")
        table.add_column("correct diagnosis")
        table.add_column(f"{escape(pair.a)}: diagnosis — judge's reason")
        table.add_column(f"{escape(pair.b)}: diagnosis — judge's reason")
        for case in cases[:show]:
            table.add_row(
                f"{escape(case.case_id)} · {case.sample}",
                escape(case.correct_diagnosis),
                escape(_said(case.diagnosis_a, case.reason_a)),
                escape(_said(case.diagnosis_b, case.reason_b)),
            )
        tables.append(table)
    return tables


def _said(diagnosis: str | None, reason: str | None) -> str:
    if diagnosis is None:
        return "(no diagnosis given)"
    return f"{diagnosis} — {reason}" if reason else diagnosis


compare_command = command_from_settings(
    CompareSettings,
    compare_from_settings,
    arguments=("runs",),
    flags={"as_json": "--json"},
    config_option=False,
    doc=DOC,
)
"""``agentclinic compare RUNS...``: its options are ``CompareSettings``' fields."""
