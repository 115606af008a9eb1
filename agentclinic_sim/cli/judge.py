"""``agentclinic judge``: ask the free judge about one pair of diagnoses, or measure it against an LLM judge
on a finished run (``agentclinic judge agreement RUN_DIR --with BACKEND``)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from pydantic import Field
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

from agentclinic_sim.cli.console import console, err_console, fail
from agentclinic_sim.cli.settings import TIMEOUT_FLAG, SettingsInput, command_from_settings
from agentclinic_sim.privacy import MimicPrivacyError, check_credentialed_privacy
from agentclinic_sim.rejudge import REJUDGED, AgreementReport, RejudgedPair, rejudge, report, run_pairs
from agentclinic_sim.run_folder import load_manifest
from agentclinic_sim.run_settings import RunError, select_cases
from agentclinic_sim.transcript import iter_latest_records, transcript_path
from agents.judge.agreement import Agreement
from agents.judge.moderator import DiagnosisMatcher, LLMModerator
from models.backends import BackendError
from models.backends.api_settings import ApiSettings
from models.backends.reference import URI_FORMS, is_deterministic
from models.backends.uri import backend_from_uri
from scenarios import DatasetError

if TYPE_CHECKING:
    from typer._click import Context

AGREEMENT_SUMMARY = "judge_agreement.json"
T = TypeVar("T")


class _PairByDefault(TyperGroup):
    """``agentclinic judge "A" "B"`` runs the ``pair`` command; ``agentclinic judge agreement …`` its own."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["pair", *args]
        return super().parse_args(ctx, args)


judge_app = typer.Typer(
    cls=_PairByDefault,
    help="Judge diagnoses, one pair or a run's against an LLM judge.\n\n"
    '`agentclinic judge "GBS" "Guillain-Barre syndrome"` prints the free judge\'s verdict and why; '
    "`agentclinic judge agreement RUN_DIR --with openai:gpt-4o` measures the free judge against an LLM judge on a "
    "run's diagnoses.",
    no_args_is_help=True,
)

JUDGE_FLAGS = {"judge": "with", **TIMEOUT_FLAG}


class PairSettings(ApiSettings):
    """A diagnosis and the truth to hold it to, and the LLM judge to ask as well (its calls: ``ApiSettings``)."""

    diagnosis: str = Field(description="The doctor's diagnosis.")
    truth: str = Field(description="The case's correct diagnosis.")
    judge: str | None = Field(None, description=f"An LLM judge to ask as well: {URI_FORMS}.")
    as_json: bool = Field(False, description="Print the verdicts as one JSON object.")


class AgreementSettings(ApiSettings):
    """A finished run and the LLM judge to measure the free judge against (its calls: ``ApiSettings``)."""

    run: Path = Field(description="A run folder (or its transcripts.jsonl).")
    judge: str = Field(description=f"The LLM judge to measure against: {URI_FORMS}.")
    concurrency: int = Field(8, ge=1, description="LLM calls in flight at once.")
    show: int = Field(20, ge=0, description="Disagreements to list.")
    allow_remote_mimic: bool = Field(
        False, description="Allow MIMIC-IV diagnoses to reach a remote API (only with zero retention assured)."
    )


async def _closing(judge: LLMModerator, work: Awaitable[T]) -> T:
    """Await ``work``, then close the judge's client on the same loop (no 'unclosed connector' noise)."""
    from agentclinic_sim.role_clients import aclose_backends  # loads the roles: not for --help

    try:
        return await work
    finally:
        await aclose_backends([judge.chat_backend])


def _llm_judge(uri: str, api: ApiSettings) -> LLMModerator:
    if is_deterministic(uri):
        fail(f"--with {uri}: give an LLM backend ({URI_FORMS}); 'match' is the free judge itself")
    try:
        backend = backend_from_uri(uri, api=api)
    except BackendError as exc:
        fail(f"--with {uri}: {exc}")
    return LLMModerator(backend)


def pair_from_settings(request: SettingsInput[PairSettings]) -> None:
    """Whether DIAGNOSIS names the same condition as TRUTH, by the free judge (and --with an LLM judge), and why.

    Exit status: 0 when the judge says same (with --with, the LLM judge), 1 when it says different, 2 on bad input.
    """
    settings = request.build()
    diagnosis, truth = settings.diagnosis, settings.truth
    if not diagnosis.strip() or not truth.strip():
        fail("DIAGNOSIS and TRUTH must both name something")
    verdicts = [DiagnosisMatcher().judge(diagnosis, truth)]
    if settings.judge is not None:
        llm = _llm_judge(settings.judge, settings)
        try:
            verdicts.append(asyncio.run(_closing(llm, llm.ajudge(diagnosis, truth))))
        except BackendError as exc:
            fail(f"--with {settings.judge}: {exc}", code=1)
    if settings.as_json:
        console.print_json(json.dumps([v.model_dump(exclude={"reply"}) for v in verdicts]))
    else:
        for verdict in verdicts:
            answer = "[green]same[/]" if verdict.correct else "[red]different[/]"
            console.print(f"{answer}  [dim]({escape(verdict.judge)})[/]  {escape(verdict.reason)}", highlight=False)
    raise typer.Exit(0 if verdicts[-1].correct else 1)


def _check_privacy(run: Path, datasets: set[str], judge: LLMModerator, allow_remote: bool) -> None:
    """MIMIC diagnoses stay local unless allowed. The run's cases (from OUT/run.json) decide; without them,
    a dataset named like MIMIC counts as credentialed."""
    try:
        cases = select_cases(load_manifest(run).settings)
        credentialed = any(case.credentialed for case in cases)
    except (RunError, DatasetError):
        credentialed = any("mimic" in name.lower() for name in datasets)
    try:
        check_credentialed_privacy(credentialed, {"judge": judge.chat_backend}, allow_remote)
    except MimicPrivacyError as exc:
        fail(str(exc))


def _agreement_table(result: AgreementReport, judge: str) -> Table:
    table = Table(title=f"free judge (match) against {judge}", show_header=False)
    table.add_column(style="bold")
    table.add_column()

    def line(agreement: Agreement) -> str:
        return (
            f"{agreement.rate:.1%} of {agreement.pairs}  ·  false accepts {agreement.false_accepts} "
            f"({agreement.false_accept_rate:.1%})  ·  false rejects {agreement.false_rejects}"
        )

    table.add_row("distinct pairs", line(result.pairs))
    table.add_row("episodes", line(result.episodes))
    table.add_row("accuracy (match)", f"{result.accuracy_match:.1%}")
    table.add_row("accuracy (LLM judge)", f"{result.accuracy_llm:.1%}")
    if result.failed:
        table.add_row("LLM calls failed", f"[red]{result.failed}[/] (left out; run the command again to retry them)")
    return table


def agreement_from_settings(request: SettingsInput[AgreementSettings]) -> None:
    """Re-judge a run's diagnoses with an LLM judge and print how often the free judge agrees with it.

    Each distinct (diagnosis, correct diagnosis) pair is asked once. The LLM's verdicts are saved in
    RUN/judge_agreement.jsonl as they arrive (a second call asks only about pairs not answered yet) and the
    figures in RUN/judge_agreement.json. A false accept is the free judge saying "same" where the LLM judge
    says "different".
    """
    settings = request.build()
    run = settings.run
    transcripts = transcript_path(run)
    if not transcripts.is_file():
        fail(f"{run} holds no transcripts.jsonl: give a run folder written by `agentclinic run`")
    folder = transcripts.parent
    pairs = run_pairs(iter_latest_records(transcripts))
    if not pairs.counts:
        fail(f"{transcripts} has no episode that ended in a diagnosis: nothing to judge")
    judge = _llm_judge(settings.judge, settings)
    _check_privacy(folder, pairs.datasets, judge, settings.allow_remote_mimic)
    bar = Progress(
        TextColumn("[bold]re-judging"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err_console
    )
    task: Any = bar.add_task("pairs", total=len(pairs.counts))
    with bar:
        work = rejudge(
            pairs, judge, folder / REJUDGED, concurrency=settings.concurrency, on_pair=lambda _: bar.advance(task)
        )
        judged = asyncio.run(_closing(judge, work))
    result = report(judged)
    (folder / AGREEMENT_SUMMARY).write_text(result.model_dump_json(indent=2) + "\n", encoding="utf-8")
    console.print(_agreement_table(result, judge.name))
    skipped = [f"{pairs.without_diagnosis} without a diagnosis"] if pairs.without_diagnosis else []
    skipped += [f"{pairs.errored} errored"] if pairs.errored else []
    if skipped:
        console.print(f"episodes left out: {', '.join(skipped)}", highlight=False)
    _print_disagreements(judged, settings.show)
    console.print(f"verdicts: {folder / REJUDGED}\nfigures: {folder / AGREEMENT_SUMMARY}", highlight=False)
    failures = [pair.error for pair in judged if pair.error is not None]
    if failures:  # the figures leave those pairs out: say why, and do not pass as a measurement
        fail(
            f"{len(failures)} of {len(judged)} LLM calls failed (first: {failures[0]}); the verdicts that came back "
            "are saved, and running the command again asks only for the rest",
            code=1,
        )


def _print_disagreements(judged: list[RejudgedPair], show: int) -> None:
    differing = [pair for pair in judged if pair.llm is not None and pair.llm != pair.match]
    differing.sort(key=lambda pair: (-pair.episodes, pair.truth, pair.diagnosis))
    for pair in differing[:show]:
        kind = "false accept" if pair.match else "false reject"
        console.print(
            f"[yellow]{kind}[/] {escape(repr(pair.diagnosis))} vs {escape(repr(pair.truth))}"
            f"  [dim]match: {escape(pair.match_reason)}[/]",
            highlight=False,
        )
    if len(differing) > show:
        console.print(f"… and {len(differing) - show} more (all in {REJUDGED})", highlight=False)


judge_app.command("pair")(
    command_from_settings(
        PairSettings, pair_from_settings, flags={**JUDGE_FLAGS, "as_json": "json"}, arguments=("diagnosis", "truth")
    )
)
judge_app.command("agreement")(
    command_from_settings(AgreementSettings, agreement_from_settings, flags=JUDGE_FLAGS, arguments=("run",))
)
