"""``agentclinic run``: benchmark a doctor over a dataset with a live progress display and a summary table."""

from __future__ import annotations

import asyncio
import inspect
import json
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from agentclinic_sim.cli.console import console, err_console, fail
from agentclinic_sim.cli.live import LiveView
from agentclinic_sim.cli.settings import SettingsInput, command_from_settings
from agentclinic_sim.cli.views import summary_table
from agentclinic_sim.heap import startup_without_collector
from agentclinic_sim.run_folder import load_manifest
from agentclinic_sim.run_settings import FLAG_NAMES, RunError, RunSettings, resumed_settings
from agentclinic_sim.transcript import EpisodeRecord
from models.backends import BackendError
from models.backends.reference import URI_FORMS, TinyReference, is_deterministic, parse_backend
from scenarios import DatasetError

if TYPE_CHECKING:
    from agentclinic_sim.runner import Progress as RunProgress

MEDGEMMA_HINT = """[bold]Plug in MedGemma[/] (the MedGemma report's setup: MedGemma 27B doctor, GPT-4o patient, measurement and judge):
  agentclinic run --dataset medqa-ext --doctor medgemma-27b --patient openai:gpt-4o --measurement openai:gpt-4o --moderator openai:gpt-4o
or serve MedGemma with vLLM ([dim]vllm serve google/medgemma-27b-text-it[/]) and point the doctor at it:
  agentclinic run --dataset medqa-ext --doctor openai:google/medgemma-27b-text-it@http://localhost:8000/v1 --patient openai:gpt-4o --measurement openai:gpt-4o --moderator openai:gpt-4o"""


class LiveProgress:
    """Done / total, running accuracy, errors and ETA, updated as episodes finish."""

    def __init__(self) -> None:
        self.bar = Progress(
            TextColumn("[bold]consultations"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("acc {task.fields[accuracy]}"),
            TextColumn("[red]err {task.fields[errors]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=err_console,
        )
        self.task: Any = None

    def __call__(self, progress: RunProgress, record: EpisodeRecord | None) -> None:
        accuracy = f"{progress.accuracy:.1%}" if progress.accuracy is not None else "-"
        if self.task is None:
            self.task = self.bar.add_task(
                "run", total=progress.total, completed=progress.done, accuracy=accuracy, errors=progress.errored
            )
        self.bar.update(self.task, completed=progress.done, accuracy=accuracy, errors=progress.errored)


def run_from_settings(request: SettingsInput[RunSettings]) -> None:
    """Run doctor consultations over a dataset and score them.

    With no options it runs offline: the bundled demo cases, the tiny doctor, and deterministic
    patient, measurement and judge. Results go to OUT/transcripts.jsonl (one line per episode) and
    OUT/summary.json. After a crash or Ctrl-C, `agentclinic run --out OUT --resume` continues the
    same run; `--retry-errored` also runs its errored episodes again. `--config FILE.yaml` reads the
    settings from a file; flags typed on the command line override it.
    """
    if "timeout_s" in request.given and request.values["timeout_s"] <= 0:
        fail("--timeout must be more than 0 seconds")
    checked = request.build()  # bad values exit 2 here, named by their flag or config line
    if checked.continues:
        flag = "--resume" if checked.resume else "--retry-errored"
        if "out" not in request.values:
            fail(f"{flag} needs --out DIR (the run folder to continue)")
        # what this invocation asked for (typed flags and the config file); the run's own settings fill the rest
        chosen = {name: getattr(checked, name) for name in request.requested - INVOCATION_FIELDS}
        try:
            settings = resumed_settings(load_manifest(checked.out, flag).settings, chosen, flag)
        except RunError as exc:
            fail(str(exc))
        update = {"out": checked.out, "resume": True, "retry_errored": checked.retry_errored}
        settings = settings.model_copy(update=update)
    elif "out" in request.values:
        settings = checked
    else:
        out = Path("runs") / f"{Path(checked.dataset).stem}-{time.strftime('%Y%m%d-%H%M%S')}"
        settings = checked.model_copy(update={"out": out})
    run_settings(settings, title=f"{settings.dataset} · doctor {settings.doctor}", live=bool(request.extra.get("live")))


MEASURES_PANEL = "What is measured"
"""Help's group for the flags that change what a run measures besides accuracy (the vignette baseline, the
patient's view of the doctor)."""

INVOCATION_FIELDS = frozenset({"out", "resume", "retry_errored"})
"""Fields that say which run folder to use and how to continue it, not what the run is."""

run_command = command_from_settings(
    RunSettings,
    run_from_settings,
    flags=FLAG_NAMES,
    help_overrides={
        "doctor": f"Doctor backend: {URI_FORMS}, or oracle.",
        "out": "Run folder (default runs/<dataset>-<time>).",
    },
    options={
        "data_dir": {"envvar": "AGENTCLINIC_DATA"},
        "out": {"show_default": False},
        "mode": {"rich_help_panel": MEASURES_PANEL},
        "patient_feedback": {"rich_help_panel": MEASURES_PANEL},
    },
    extra=[
        inspect.Parameter(
            "live",
            inspect.Parameter.KEYWORD_ONLY,
            default=False,
            annotation=Annotated[
                bool,
                typer.Option(
                    "--live",
                    help="Show each episode as it progresses (current turn, latest line), the running accuracy "
                    "and errors as they happen, instead of the progress bar. `agentclinic watch OUT` shows the "
                    "same from another terminal.",
                ),
            ],
        )
    ],
)
"""``agentclinic run``: its options are ``RunSettings``' fields (see ``settings_cli``)."""


def tiny_doctor_note(doctor: str) -> str:
    """What the tiny doctor is, from the training record shipped beside its weights."""
    from models.tiny import resolve_tiny

    folder = resolve_tiny(doctor)
    record_path = folder / "agentclinic_training.json" if folder else None
    if record_path is None or not record_path.is_file():
        return f"doctor {doctor}: a tiny random Gemma 3 (untrained): its replies are noise, a plumbing check."
    record = json.loads(record_path.read_text(encoding="utf-8"))
    return (
        f"doctor {doctor}: a 1.4M-parameter Gemma 3 trained by this package ({record.get('recipe', record['trainer'])}). "
        "It has memorised the synthetic demo cases; it knows no medicine."
    )


def run_settings(settings: RunSettings, title: str, live: bool = False) -> None:
    """Build the runner, run it with a live progress bar, print the summary. Bad input exits 2; a bug in
    this package stops the run with exit 1 and its traceback (finished episodes stay saved)."""
    out = settings.out
    with startup_without_collector():
        from agentclinic_sim.runner import Runner  # the graph and LangGraph load when a run starts, not for --help

        try:
            runner = Runner(settings)
        except (RunError, DatasetError, BackendError) as exc:
            fail(str(exc))
    try:
        if live:
            view = LiveView(title)
            try:
                with Live(view, console=err_console, refresh_per_second=4):
                    summary = asyncio.run(runner.run(event_hook=view.apply))
            finally:
                if not err_console.is_terminal:  # the last frame ends its line before anything else is printed
                    err_console.print()
        else:
            bar = LiveProgress()
            with bar.bar:
                summary = asyncio.run(runner.run(bar))
    except RunError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        err_console.print(
            f"interrupted: finished episodes are in {runner.transcripts}; continue with: "
            f"agentclinic run --out {out} --resume",
            soft_wrap=True,
        )
        raise typer.Exit(130) from None
    except Exception as exc:  # not a backend failure: a bug in this package, which must not pass as a result
        err_console.print(traceback.format_exc(), markup=False, highlight=False, soft_wrap=True)
        fail(
            f"internal error ({type(exc).__name__}: {exc}); the run stopped. This is a bug in agentclinic-sim: "
            f"please report it with the traceback above. Finished episodes are saved in {runner.transcripts}.",
            code=1,
        )
    console.print(summary_table(summary, title))
    console.print(
        f"transcripts: {runner.transcripts}\nsummary: {out / 'summary.json'}\nreplay: agentclinic replay {out}",
        soft_wrap=True,
    )
    if summary.errored:
        console.print(
            f"{summary.errored} episode(s) errored; run them again with: agentclinic run --out {out} --retry-errored",
            soft_wrap=True,
        )
    doctor = parse_backend(settings.doctor)
    if isinstance(doctor, TinyReference):
        console.print(tiny_doctor_note(doctor.uri), soft_wrap=True, highlight=False)
    if isinstance(doctor, TinyReference) or is_deterministic(doctor.uri, "oracle"):
        console.print(MEDGEMMA_HINT, soft_wrap=True)
    if summary.completed == 0:
        raise typer.Exit(1)
