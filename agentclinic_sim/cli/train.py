"""``agentclinic train sft`` / ``agentclinic train grpo``: train the doctor, with flags derived from each
trainer's settings model (``SFTSettings``, ``GRPOSettings``), a rich progress bar, and the learning curve."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from agentclinic_sim.cli.console import console, err_console, fail
from agentclinic_sim.cli.settings import TIMEOUT_FLAG, SettingsInput, command_from_settings
from models.backends import BackendError
from models.training.data import TrainingSetupError
from models.training.grpo import GRPOSettings
from models.training.sft import SFTSettings
from models.training.tokens import TemplateMismatch
from models.training.trainer_setup import is_main_process
from models.training.training_folder import RESUME_MAY_CHANGE, finished_steps, recorded_training
from scenarios import DatasetError

TRAIN_EXTRA_HINT = "training needs the train extra: pip install 'agentclinic-sim[train]'"

train_app = typer.Typer(
    help="Train the doctor on environment rewards: SFT on demonstrations, then multi-turn GRPO.",
    no_args_is_help=True,
)


class TrainingProgress:
    """A step bar; each evaluation printed as a line above it."""

    def __init__(self, total: int, title: str):
        self.bar = Progress(
            TextColumn(f"[bold]{title}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("steps"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,  # gone when training ends or fails; the evaluations printed above it stay
        )
        self.task = self.bar.add_task(title, total=total)

    def __call__(self, step: int, line: str | None) -> None:
        self.bar.update(self.task, completed=step)
        if line:
            self.bar.console.print(line, highlight=False)


def _train(kind: str, settings: Any) -> None:
    started = time.perf_counter()
    progress = TrainingProgress(settings.max_steps, f"train {kind}")
    train: Callable[[Any, TrainingProgress], dict[str, Any]]
    try:
        if kind == "sft":
            from models.training.sft import train_sft

            train = train_sft
        else:
            from models.training.grpo import train_grpo

            train = train_grpo
        with progress.bar:
            result = train(settings, progress)
    except ImportError as exc:
        fail(f"{TRAIN_EXTRA_HINT} ({exc})")
    except (TrainingSetupError, TemplateMismatch, DatasetError, BackendError) as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        err_console.print(
            f"interrupted: continue from the last checkpoint with: agentclinic train {kind} --out {settings.out} "
            "--resume (add the flags you started with)",
            soft_wrap=True,
        )
        raise typer.Exit(130) from None
    if not is_main_process():
        return  # the other processes of a distributed run stay quiet
    final = result["final"]
    for split, scores in result["scores"].items():
        console.print(
            f"{split}: greedy reward {scores['reward']:.3f}, accuracy {scores['accuracy']:.1%}, "
            f"turns {scores['turns']:.1f}, tests {scores['tests']:.1f}",
            highlight=False,
        )
    console.print(
        f"trained in {time.perf_counter() - started:.0f} s; model: {final}\n"
        f"curve: {settings.out / 'curve.csv'} and curve.png; steps: {settings.out / 'steps.csv'}\n"
        f"play it: agentclinic run --doctor hf:{final} --dataset {settings.dataset} --split {settings.split} "
        f"--max-turns {settings.max_turns} --max-tokens {settings.max_tokens}",
        soft_wrap=True,
        highlight=False,
    )


def resumed(request: SettingsInput[Any], kind: str) -> Any:
    """The settings of this invocation; with ``--resume``, those the training in ``--out`` started with, where the
    flags given anew must agree with them (only where it is, and how it logs and keeps checkpoints, may change).
    A training that has finished is not run again."""
    settings = request.build()
    recorded = recorded_training(settings.out) if settings.resume else None
    if recorded is None:
        return settings
    trainer, values = recorded
    if trainer != kind:
        fail(f"{settings.out} holds a {trainer} training: continue it with agentclinic train {trainer} --resume")
    try:
        started = request.model.model_validate(values)
    except ValidationError as exc:
        fail(
            f"{settings.out}: the settings this training started with no longer read "
            f"({str(exc).splitlines()[0]}); continue it with the version that started it, or train anew"
        )
    chosen = {name: getattr(settings, name) for name in request.requested}
    differing = [
        f"{request.flag(name)} (the training has {getattr(started, name)!r}, given {value!r})"
        for name, value in chosen.items()
        if name not in RESUME_MAY_CHANGE and value != getattr(started, name)
    ]
    if differing:
        fail(
            "--resume continues a training with the settings it started with; these differ: "
            + "; ".join(differing)
            + ". Drop them, or train into another --out."
        )
    steps = finished_steps(settings.out)
    if steps is not None and steps >= started.max_steps:
        console.print(f"{settings.out} finished its {steps} steps; nothing to resume (model: {settings.out / 'final'})")
        raise typer.Exit(0)
    keep = {name: value for name, value in chosen.items() if name in RESUME_MAY_CHANGE}
    return started.model_copy(update={**keep, "out": settings.out, "resume": True})


def sft_from_settings(request: SettingsInput[SFTSettings]) -> None:
    """Supervised fine-tuning of the doctor on whole consultations, loss on its own turns only.

    By default: oracle demonstrations on the demo train split, from a fresh tiny model, on CPU. With
    --from RUN: the doctor turns of that run's episodes whose reward is at least --min-reward. Writes
    OUT/final (the model), OUT/curve.csv and curve.png (greedy reward per step) and OUT/steps.csv.
    """
    _train("sft", resumed(request, "sft"))


def grpo_from_settings(request: SettingsInput[GRPOSettings]) -> None:
    """Multi-turn GRPO of the doctor on the environment's reward (deterministic patient, measurement and judge).

    Start from an SFT model whose sampled reward is not zero (GRPO learns from differences within a group).
    Each step plays --batch-size consultations (--num-generations per case), batching doctor turns. Logs
    reward, accuracy, turns, tests and malformed actions per step to OUT/steps.csv; evaluations to curve.csv.
    """
    _train("grpo", resumed(request, "grpo"))


DATA_DIR_OPTION = {"data_dir": {"envvar": "AGENTCLINIC_DATA"}}
train_app.command("sft")(
    command_from_settings(
        SFTSettings, sft_from_settings, flags={"from_run": "from", **TIMEOUT_FLAG}, options=DATA_DIR_OPTION
    )
)
train_app.command("grpo")(
    command_from_settings(GRPOSettings, grpo_from_settings, flags=TIMEOUT_FLAG, options=DATA_DIR_OPTION)
)
