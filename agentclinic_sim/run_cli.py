"""``agentclinic run``: benchmark a doctor over a dataset with a live progress display and a summary table."""

from __future__ import annotations

import asyncio
import time
import traceback
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from agentclinic_sim.console import console, err_console, fail
from agentclinic_sim.runner import Progress as RunProgress
from agentclinic_sim.runner import RunError, Runner, RunSettings, flag_of, load_manifest, resumed_settings
from agentclinic_sim.transcript import EpisodeRecord
from agentclinic_sim.views import summary_table
from agents.biases import DOCTOR_BIASES, PATIENT_BIASES
from models.backends import BackendError
from models.backends.uri import URI_FORMS
from scenarios import DatasetError

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


def run_command(
    ctx: typer.Context,
    dataset: Annotated[
        str, typer.Option(help="demo, medqa, medqa-ext, nejm, nejm-ext, mimiciv, or a .jsonl path.")
    ] = "demo",
    data_dir: Annotated[
        Path | None, typer.Option(envvar="AGENTCLINIC_DATA", help="Folder with the case files.")
    ] = None,
    split: Annotated[str, typer.Option(help="all, train or test (deterministic by case hash).")] = "all",
    limit: Annotated[int | None, typer.Option(min=1, help="Run only the first N cases.")] = None,
    cases: Annotated[str | None, typer.Option(help="Comma-separated case ids (medqa:3 or 3).")] = None,
    doctor: Annotated[str, typer.Option(help=f"Doctor backend: {URI_FORMS}, or oracle.")] = "tiny",
    patient: Annotated[str, typer.Option(help="retrieval (deterministic) or a backend URI.")] = "retrieval",
    measurement: Annotated[str, typer.Option(help="lookup (deterministic) or a backend URI.")] = "lookup",
    moderator: Annotated[str, typer.Option(help="match (deterministic) or a backend URI.")] = "match",
    doctor_format: Annotated[str, typer.Option(help="chat (messages) or agentclinic (one prompt per turn).")] = "chat",
    max_turns: Annotated[int, typer.Option(min=1, help="Doctor utterances allowed per consultation.")] = 20,
    samples: Annotated[int, typer.Option(min=1, help="Episodes per case (use with --temperature > 0).")] = 1,
    concurrency: Annotated[int, typer.Option(min=1, help="Consultations in flight at once.")] = 16,
    seed: Annotated[int, typer.Option(help="Base seed; sample k uses seed + k.")] = 0,
    temperature: Annotated[
        float, typer.Option(min=0.0, help="Doctor sampling temperature (0 = greedy, as in the MedGemma report).")
    ] = 0.0,
    max_tokens: Annotated[
        int | None, typer.Option(min=1, help="Doctor max new tokens (default 1024; 48 for tiny).")
    ] = None,
    doctor_bias: Annotated[str | None, typer.Option(help=f"One of: {', '.join(DOCTOR_BIASES)}.")] = None,
    patient_bias: Annotated[
        str | None, typer.Option(help=f"LLM patient only. One of: {', '.join(PATIENT_BIASES)}.")
    ] = None,
    missing: Annotated[str, typer.Option(help="Answer to tests the case lacks: normal or unavailable.")] = "normal",
    api_key_env: Annotated[
        str, typer.Option(help="Environment variable holding the API key for openai: backends.")
    ] = "OPENAI_API_KEY",
    max_retries: Annotated[
        int,
        typer.Option(
            min=0, help="Retries (exponential backoff with jitter) on timeouts, 429, 5xx and malformed replies."
        ),
    ] = 4,
    timeout: Annotated[float, typer.Option(help="Seconds before one API request times out.")] = 120.0,
    load_in_4bit: Annotated[
        bool, typer.Option(help="Load hf:/medgemma doctors in 4-bit (nf4, bf16 compute; needs bitsandbytes and a GPU).")
    ] = False,
    out: Annotated[Path | None, typer.Option(help="Run folder (default runs/<dataset>-<time>).")] = None,
    resume: Annotated[
        bool,
        typer.Option(
            help="Continue the run in --out with the settings it was started with (from OUT/run.json); "
            "only how it runs (--concurrency, --max-retries, --timeout, ...) may change."
        ),
    ] = False,
    retry_errored: Annotated[
        bool,
        typer.Option(
            help="Resume the run in --out and run its errored episodes again (earlier attempts move to "
            "OUT/errored.jsonl)."
        ),
    ] = False,
    allow_remote_mimic: Annotated[
        bool, typer.Option(help="Allow MIMIC-IV cases to reach a remote API (only with zero retention assured).")
    ] = False,
) -> None:
    """Run doctor consultations over a dataset and score them.

    With no options it runs offline: the bundled demo cases, the tiny doctor, and deterministic
    patient, measurement and judge. Results go to OUT/transcripts.jsonl (one line per episode) and
    OUT/summary.json. After a crash or Ctrl-C, `agentclinic run --out OUT --resume` continues the
    same run; `--retry-errored` also runs its errored episodes again.
    """
    if timeout <= 0:
        fail("--timeout must be more than 0 seconds")
    values: dict[str, Any] = {
        "dataset": dataset,
        "data_dir": data_dir,
        "split": split,
        "limit": limit,
        "case_ids": cases.split(",") if cases else None,
        "doctor": doctor,
        "patient": patient,
        "measurement": measurement,
        "moderator": moderator,
        "doctor_format": doctor_format,
        "max_turns": max_turns,
        "samples": samples,
        "concurrency": concurrency,
        "seed": seed,
        "temperature": temperature,
        "max_tokens": max_tokens,
        "doctor_bias": doctor_bias,
        "patient_bias": patient_bias,
        "missing": missing,
        "allow_remote_mimic": allow_remote_mimic,
        "api_key_env": api_key_env,
        "max_retries": max_retries,
        "timeout_s": timeout,
        "load_in_4bit": load_in_4bit,
    }
    parameter_of = {"case_ids": "cases", "timeout_s": "timeout"}
    if resume or retry_errored:
        if out is None:
            flag = "--resume" if resume else "--retry-errored"
            fail(f"{flag} needs --out DIR (the run folder to continue)")
        given = {
            field: value
            for field, value in values.items()
            if given_on_command_line(ctx, parameter_of.get(field, field))
        }
        try:
            settings = resumed_settings(load_manifest(out).settings, given)
        except RunError as exc:
            fail(str(exc))
        settings = settings.model_copy(update={"out": out, "resume": True, "retry_errored": retry_errored})
    else:
        out = out or Path("runs") / f"{Path(dataset).stem}-{time.strftime('%Y%m%d-%H%M%S')}"
        try:
            settings = RunSettings(**values, out=out)
        except ValidationError as exc:
            fail(settings_error(exc))
    run_settings(settings, title=f"{settings.dataset} · doctor {settings.doctor}")


def given_on_command_line(ctx: typer.Context, parameter: str) -> bool:
    """Whether the user typed this option (not its default or an environment variable)."""
    source = ctx.get_parameter_source(parameter)
    return source is not None and source.name == "COMMANDLINE"  # typer may carry its own copy of click's enum


def settings_error(error: ValidationError) -> str:
    """The first problem of a settings ``ValidationError``, named by its flag (``--split: …``)."""
    first = error.errors(include_url=False)[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    return f"{flag_of(field)}: {first['msg']}" if field else first["msg"]


def run_settings(settings: RunSettings, title: str) -> None:
    """Build the runner, run it with a live progress bar, print the summary. Bad input exits 2; a bug in
    this package stops the run with exit 1 and its traceback (finished episodes stay saved)."""
    out = settings.out
    try:
        runner = Runner(settings)
    except (RunError, DatasetError, BackendError) as exc:
        fail(str(exc))
    live = LiveProgress()
    try:
        with live.bar:
            summary = asyncio.run(runner.run(live))
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
    doctor = settings.doctor
    if doctor in {"tiny", "oracle"} or doctor.startswith("tiny:"):
        console.print(MEDGEMMA_HINT, soft_wrap=True)
    if summary.completed == 0:
        raise typer.Exit(1)
