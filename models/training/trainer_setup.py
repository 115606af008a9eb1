"""The TRL trainer around the settings: the ``TrainingArguments`` both trainers share, quieter libraries and logs
on the command line, which process writes, and a distributed run's orderly end."""

from __future__ import annotations

import os
from typing import Any

from models.training.common import TrainSettings
from models.training.trainer_fields import declared_trainer_arguments


def trainer_arguments(settings: TrainSettings, *, cpu: bool, warmup: bool = True) -> dict[str, Any]:
    """The ``TrainingArguments`` both trainers take from the shared settings.

    ``warmup``: a short linear warm-up (its first step runs at learning rate 0). GRPO goes without: each of its
    steps costs a batch of rollouts, and it starts from a model that already plays. Activation (gradient)
    checkpointing is for GPUs (TRL turns it on by default): on a CPU it only repeats forward passes. It is set by
    transformers 5's name, ``activation_checkpointing``: the old ``gradient_checkpointing`` warns on every run."""
    return {
        **declared_trainer_arguments(settings),
        "use_cpu": cpu,
        "bf16": not cpu,
        "lr_scheduler_type": "constant_with_warmup" if warmup else "constant",
        "warmup_steps": min(10, max(settings.max_steps // 10, 1)) if warmup else 0,
        "activation_checkpointing": not cpu,
        "logging_steps": 1,
        "save_strategy": "steps",
        "disable_tqdm": True,
    }


def without_printed_logs(trainer: Any) -> Any:
    """Drop transformers' ``PrinterCallback`` (a raw dict printed per step when tqdm is off): the CLI shows a
    progress bar and the logs go to ``steps.csv`` and ``report_to``."""
    from transformers.trainer_callback import PrinterCallback

    trainer.remove_callback(PrinterCallback)
    return trainer


def quiet_libraries() -> None:
    """No per-map progress bars from datasets and no experimental-API banner from TRL on the command line."""
    import datasets

    datasets.disable_progress_bars()
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")


def is_main_process() -> bool:
    """Whether this is the first process of a distributed run (or the only one): the one that writes logs."""
    return int(os.environ.get("RANK", "0")) == 0


def on_cpu() -> bool:
    """Whether this training runs on the CPU (no CUDA device)."""
    import torch

    return not torch.cuda.is_available()


def end_processes(trainer: Any) -> None:
    """In a distributed run, wait for every process (the first may still be merging the adapter) and take the
    process group down, as torch asks before exit: one left up is torn down during the interpreter's own
    shutdown, which can abort a process after training has finished."""
    if trainer.accelerator.num_processes > 1:
        trainer.accelerator.wait_for_everyone()
        trainer.accelerator.end_training()
