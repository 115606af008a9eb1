"""A training's run folder (``--out``): what it holds, the checks made before a model loads, the settings recorded
for ``--resume``, and its checkpoints.

``OUT`` holds ``checkpoint-N/`` (resumable with ``--resume``), ``final/`` (model, tokenizer and
``agentclinic_training.json`` saying what it was trained on; see ``final_model``), ``curve.csv`` / ``curve.png``
(greedy evaluations), ``steps.csv`` (per-step training logs) and ``training.json`` (the settings it started with).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from agentclinic_sim.run_folder import RUN_SETTINGS, prepare_out_dir
from agentclinic_sim.run_settings import RunError
from models.training.common import TrainSettings
from models.training.data import TrainingSetupError

FINAL = "final"
MERGED = "merged"
TRAINING_RECORD = "agentclinic_training.json"
STEPS_CSV = "steps.csv"
TRACKERS = {"none": None, "tensorboard": "tensorboard", "trackio": "trackio"}
"""``--report-to`` values, with the package each needs."""
TRAINING_FILES = ("checkpoint-*", FINAL, "curve.csv", STEPS_CSV, "training.json")
"""What a training leaves in its folder; a new one refuses a folder holding any of it."""
TRAINING_SETTINGS = "training.json"
"""The settings a training started with (``{"trainer": "sft", "settings": {...}}``), read back by ``--resume``."""
RESUME_MAY_CHANGE = frozenset({"out", "resume", "report_to", "keep_checkpoints", "save_every"})
"""Settings a resumed training may be given anew: where it is, and how it logs and keeps checkpoints."""


def save_training_settings(settings: TrainSettings, kind: str) -> None:
    """Record what a new training starts with, for ``--resume`` (written whole, or not at all)."""
    record = {"trainer": kind, "settings": settings.model_dump(mode="json")}
    partial = settings.out / f".{TRAINING_SETTINGS}.partial"
    partial.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    partial.replace(settings.out / TRAINING_SETTINGS)


def recorded_training(out: Path) -> tuple[str, dict[str, Any]] | None:
    """(trainer, settings) a training in ``out`` started with: its ``training.json``, else the record of its
    final model (a training made before that file existed); None when neither is there."""
    for path in (out / TRAINING_SETTINGS, out / FINAL / TRAINING_RECORD):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            return str(record["trainer"]), dict(record["settings"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return None


def finished_steps(out: Path) -> int | None:
    """The steps of the final model a training in ``out`` saved; None when it has not finished."""
    try:
        return int(json.loads((out / FINAL / TRAINING_RECORD).read_text(encoding="utf-8"))["steps"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def check_before_loading(settings: TrainSettings) -> None:
    """Refuse, before any model loads, what would fail later or lose work: a tracker that is unknown or not
    installed, a new training in a folder that holds one (it would delete that run's checkpoints and mix the two
    learning curves) or a run, a start model that cannot load (``settings.check_model``) and an ``--out`` that
    cannot be a folder. ``--out`` is created last, once the rest has passed. ``--resume`` with no checkpoint
    starts from the first step, and says so."""
    if settings.report_to not in TRACKERS:
        raise TrainingSetupError(f"--report-to {settings.report_to!r}: use one of {', '.join(TRACKERS)}")
    package = TRACKERS[settings.report_to]
    if package is not None and importlib.util.find_spec(package) is None:
        raise TrainingSetupError(f"--report-to {settings.report_to} needs its package: pip install {package}")
    if settings.out.is_dir():
        check_out_holds_no_other_work(settings)
    settings.check_model()
    try:
        prepare_out_dir(settings.out)
    except RunError as exc:
        raise TrainingSetupError(str(exc)) from None
    if settings.resume and last_checkpoint(settings.out) is None:
        print(f"--resume: no checkpoint in {settings.out}; training starts from its first step", file=sys.stderr)


def check_out_holds_no_other_work(settings: TrainSettings) -> None:
    """Refuse an existing ``--out`` that holds an ``agentclinic run``, or a training unless ``--resume``."""
    if (settings.out / RUN_SETTINGS).is_file():
        raise TrainingSetupError(
            f"{settings.out} holds an `agentclinic run` ({RUN_SETTINGS}): train into a folder of its own (--out)"
        )
    held = sorted({path.name for pattern in TRAINING_FILES for path in settings.out.glob(pattern)})
    first_process = os.environ.get("RANK", "0") == "0"  # under a launcher, the others may see its first files
    if held and not settings.resume and first_process:
        raise TrainingSetupError(
            f"{settings.out} already holds a training ({', '.join(held[:4])}): pass --resume to continue it, "
            "or choose another --out"
        )


@contextmanager
def no_empty_folder_left(out: Path) -> Iterator[None]:
    """Remove ``out`` (and the parents made for it) when the block ends with it empty: a training that fails
    before writing anything (a model that cannot load, no cases) leaves no trace. A folder that was there before
    the block is left as it was."""
    created = [folder for folder in (out, *out.parents) if not folder.exists()]
    try:
        yield
    finally:
        if created and out.is_dir() and not any(out.iterdir()):
            with suppress(OSError):  # another process may have written into a parent meanwhile: keep it
                for folder in created:
                    folder.rmdir()


def last_checkpoint(out: Path) -> str | None:
    """The newest ``checkpoint-N`` in ``out``, for ``--resume``."""
    checkpoints = sorted(out.glob("checkpoint-*"), key=lambda path: int(path.name.rsplit("-", 1)[-1]))
    return str(checkpoints[-1]) if checkpoints else None
