"""What both trainers share: the settings every training run has, the cases it trains and evaluates on,
the callback that evaluates, logs and draws the learning curve, and how a finished model is saved.

A run folder ``OUT`` holds ``checkpoint-N/`` (resumable with ``--resume``), ``final/`` (model, tokenizer
and ``agentclinic_training.json`` saying what it was trained on), ``curve.csv`` / ``curve.png`` (greedy
evaluations) and ``steps.csv`` (per-step training logs). ``README.md`` in ``OUT``, ``final/`` and each
checkpoint is this project's model card (``model_card``), never TRL's stock one.
"""

from __future__ import annotations

import csv
import datetime
import importlib.util
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from agentclinic_sim.privacy import MimicPrivacyError
from agentclinic_sim.rewards import RewardConfig
from agentclinic_sim.role_settings import RoleSettings
from agentclinic_sim.run_folder import RUN_SETTINGS, prepare_out_dir
from agentclinic_sim.run_settings import RunError
from agents.cast import CastSpec
from models.backends.base import BackendError
from models.backends.gguf import check_gguf_model, is_gguf_model
from models.backends.loading import check_hub_model, local_model_path
from models.backends.medgemma import preset_for
from models.training.data import TrainingSetupError
from models.training.evaluate import Curve, evaluate_policy
from models.training.lora import LoraSettings, adapted_modules, merge_adapter, peft_config
from models.training.policy import load_policy, model_source
from models.training.rollouts import RolloutConfig
from models.training.trainer_fields import declared_trainer_arguments, trl
from scenarios import Case, CaseSelection
from scenarios.split import Split

FINAL = "final"
MERGED = "merged"
TRAINING_RECORD = "agentclinic_training.json"
STEPS_CSV = "steps.csv"


class TrainSettings(LoraSettings, RoleSettings, CaseSelection):
    """Settings every training run has (SFT and GRPO add their own): the cases from ``CaseSelection`` (training
    on its train split by default), who plays the patient, measurement reader and judge in rollouts and
    evaluations from ``RoleSettings``, the adapter from ``LoraSettings``."""

    model: str = Field(
        "tiny-random",
        description="Start from: tiny-random, tiny, gemma3-270m, a checkpoint folder, hf:<id or .gguf>, or a "
        "MedGemma preset.",
    )
    split: Split = Field("train", description="The split trained on.")
    eval_split: Literal["train", "test", "all", "none"] = Field(
        "test", description="A second split scored at each evaluation beside the training split (none: only that one)."
    )
    max_turns: int = Field(6, ge=1, description="Doctor turns per consultation.")
    max_tokens: int = Field(48, ge=1, description="New tokens per doctor turn.")
    learning_rate: float = Field(
        1e-3,
        gt=0.0,
        description="Peak learning rate (constant after a short warm-up).",
        json_schema_extra=trl("learning_rate"),
    )
    max_steps: int = Field(100, ge=1, description="Optimiser steps.", json_schema_extra=trl("max_steps"))
    eval_every: int = Field(20, ge=1, description="Score greedy episodes every N steps (and at start and end).")
    eval_first: bool = Field(True, description="Score the starting model before the first step.")
    save_every: int = Field(
        50, ge=1, description="Write a resumable checkpoint every N steps.", json_schema_extra=trl("save_steps")
    )
    keep_checkpoints: int = Field(
        2, ge=1, description="How many of the newest checkpoints to keep.", json_schema_extra=trl("save_total_limit")
    )
    seed: int = Field(0, description="Seed for sampling, shuffling and initialisation.", json_schema_extra=trl("seed"))
    dtype: str | None = Field(None, description="bfloat16 or float32 (default: bf16 on GPU, float32 on CPU).")
    report_to: str = Field(
        "none",
        description="Tracker for the trainer's logs: none, tensorboard or trackio.",
        json_schema_extra=trl("report_to"),
    )
    out: Path = Field(
        Path("runs/train"),
        description="Run folder: checkpoints, final model, curve.csv/png, steps.csv.",
        json_schema_extra=trl("output_dir"),
    )
    resume: bool = Field(False, description="Continue from the last checkpoint in --out.")
    rewards: RewardConfig = Field(
        default_factory=RewardConfig, description="What each event is worth (AgentClinic's 1/0)."
    )

    def check_model(self) -> None:
        """Refuse a start model that cannot load (``check_start_model``), before anything heavy is imported."""
        check_start_model(self.model)

    def rollout_config(self, **overrides: Any) -> RolloutConfig:
        return RolloutConfig(max_turns=self.max_turns, max_tokens=self.max_tokens, rewards=self.rewards, **overrides)

    def evaluation_splits(self, train_cases: list[Case]) -> dict[str, list[Case]]:
        """The splits scored at each evaluation: the training split, and ``eval_split`` unless it is the same."""
        splits = {self.split: train_cases}
        if self.eval_split not in {"none", self.split}:
            splits[self.eval_split] = self.cases(self.eval_split)
        return splits

    def roles(self, cases: list[Case]) -> CastSpec:
        """The cast rollouts and evaluations play with (backends built once, MIMIC privacy checked)."""
        try:
            return self.cast_spec(cases)
        except MimicPrivacyError as exc:
            raise TrainingSetupError(str(exc)) from None

    def cases(self, split: Split) -> list[Case]:
        return self.load_split(split)


def load_start_model(settings: TrainSettings) -> Any:
    """The model a run starts from, with a 4-bit base for QLoRA."""
    return load_policy(settings.model, dtype=settings.dtype, load_in_4bit=settings.adapter == "qlora")


def adapter_config(settings: TrainSettings, model: Any) -> Any:
    """The peft config for the trainer: None without ``--adapter``, and None when the starting model already
    carries an adapter (an SFT adapter folder given to GRPO: training continues on that adapter)."""
    if hasattr(model, "peft_config"):
        return None
    return peft_config(settings, model)


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
    import torch

    return not torch.cuda.is_available()


TRACKERS = {"none": None, "tensorboard": "tensorboard", "trackio": "trackio"}
"""``--report-to`` values, with the package each needs."""
TRAINING_FILES = ("checkpoint-*", FINAL, "curve.csv", STEPS_CSV, "training.json")
"""What a training leaves in its folder; a new one refuses a folder holding any of it."""


def check_start_model(model: str) -> None:
    """Refuse a ``--model`` that cannot load, in one line and before torch or TRL is imported: a local path that
    is not there or not a folder, a value that is neither a path nor a hub id, and a hub id (or preset) that is
    neither cached nor downloadable (offline, gated, unknown). A tiny model is built on first use: not checked."""
    if model == "tiny-random" or model.partition(":")[0] == "tiny":
        return
    source = model_source(model)  # not a tiny URI, so nothing is built here
    if is_gguf_model(source):
        try:
            check_gguf_model(source, "--model")
        except BackendError as exc:
            raise TrainingSetupError(str(exc)) from None
        return
    preset = preset_for(source)
    model_id = preset.model_id if preset else source
    try:
        if local_model_path(model_id, "--model") is None:
            check_hub_model(model_id, "--model")
    except BackendError as exc:
        raise TrainingSetupError(str(exc)) from None


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


def save_final(trainer: Any, tokenizer: Any, settings: TrainSettings, kind: str, extra: dict[str, Any]) -> Path:
    """Save the trained model and tokenizer to ``OUT/final`` with a record of what it was trained on."""
    target = settings.out / FINAL
    trainer.save_model(str(target))  # collective under sharded training: every rank calls it
    if not trainer.is_world_process_zero():
        return target
    tokenizer.save_pretrained(str(target))
    model = trainer.accelerator.unwrap_model(trainer.model)
    adapted = adapted_modules(model)
    record = {
        "trainer": kind,
        "base_model": settings.model,
        "adapter": "lora" if adapted else "none",
        "adapted_modules": len(adapted),
        "processes": trainer.accelerator.num_processes,
        "dataset": settings.dataset,
        "split": settings.split,
        "test_fraction": settings.test_fraction,
        "max_turns": settings.max_turns,
        "steps": trainer.state.global_step,
        "settings": settings.model_dump(mode="json"),
        **extra,
    }
    (target / TRAINING_RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    if adapted and settings.merge:
        merged = merge_adapter(target, settings.out / MERGED)
        (merged / TRAINING_RECORD).write_text(json.dumps({**record, "merged_from": str(target)}, indent=2) + "\n")
        card = model_card(settings, kind, trainer.state.global_step, str(extra.get("data", settings.dataset)), False)
        (merged / MODEL_CARD).write_text(card, encoding="utf-8")
    return target


MODEL_CARD = "README.md"
CARD_SETTINGS = (
    "learning_rate",
    "batch_size",
    "num_generations",
    "temperature",
    "beta",
    "max_turns",
    "max_tokens",
    "adapter",
    "lora_r",
    "seed",
)
"""The settings a model card lists (those a trainer has; the LoRA rank only with an adapter)."""
TRAINER_CLASSES = {"sft": "SFTTrainer", "grpo": "GRPOTrainer"}


def model_card(settings: TrainSettings, kind: str, steps: int, data: str, adapter: bool) -> str:
    """This project's model card (``README.md``) for a model trained by ``kind`` (sft or grpo) after ``steps``
    steps on ``data``: the base model as given, the dataset and split, the key settings and the date, and that it
    is a research artefact, not medical advice. ``adapter``: the folder holds a LoRA adapter, not a whole model."""
    shown = {
        name: getattr(settings, name)
        for name in CARD_SETTINGS
        if hasattr(settings, name) and (name != "lora_r" or settings.adapter != "none")
    }
    library = "peft" if adapter else "transformers"
    return "\n".join(
        [
            "---",
            f"library_name: {library}",
            "tags:",
            "- agentclinic-sim",
            f"- {kind}",
            "---",
            "",
            f"# AgentClinic doctor ({kind.upper()})",
            "",
            f"A doctor model for the agentclinic-sim consultation environment, trained with `agentclinic train {kind}`"
            f" (TRL {TRAINER_CLASSES[kind]}).",
            "",
            f"- Base model: {settings.model}",
            f"- Trainer: {kind}",
            f"- Data: {data}",
            f"- Dataset: {settings.dataset}, split {settings.split} (test fraction {settings.test_fraction})",
            f"- Steps: {steps} of {settings.max_steps}",
            f"- Settings: {', '.join(f'{name}={value}' for name, value in shown.items())}",
            f"- Date: {datetime.date.today().isoformat()}",
            "",
            f"Every setting is recorded in `{FINAL}/{TRAINING_RECORD}` of the training folder.",
            "",
            "This is a research artefact for studying consultation agents in a simulated clinic. It is not a medical "
            "device, it has not been validated for clinical use, and nothing it writes is medical advice.",
            "",
        ]
    )


def with_model_card(trainer_class: type, settings: TrainSettings, kind: str, data: str) -> type:
    """``trainer_class`` (TRL's ``SFTTrainer`` or ``GRPOTrainer``) writing ``model_card`` as ``README.md`` where a
    model is saved (each checkpoint, ``final/``) and where TRL writes its own card (the run folder, before each
    checkpoint), instead of TRL's stock card ("a fine-tuned version of [None]") or peft's adapter template."""

    class ProjectCardTrainer(trainer_class):  # type: ignore[misc, valid-type]
        def write_card(self, folder: str) -> None:
            """This project's card as ``folder/README.md`` (when the folder is there: a model was saved in it)."""
            if Path(folder).is_dir():
                adapter = bool(adapted_modules(self.accelerator.unwrap_model(self.model)))
                card = model_card(settings, kind, self.state.global_step, data, adapter)
                Path(folder, MODEL_CARD).write_text(card, encoding="utf-8")

        def create_model_card(self, *args: Any, **kwargs: Any) -> None:
            """TRL's hook, called before each checkpoint (and by ``push_to_hub``): this project's card instead."""
            if self.is_world_process_zero():
                self.write_card(self.args.output_dir)

        def save_model(self, output_dir: str | None = None, _internal_call: bool = False) -> None:
            """Save as transformers does, then put this project's card over any the model's own saving wrote."""
            super().save_model(output_dir, _internal_call=_internal_call)
            if self.args.should_save:
                self.write_card(output_dir or self.args.output_dir)

    ProjectCardTrainer.__name__ = ProjectCardTrainer.__qualname__ = f"AgentClinic{trainer_class.__name__}"
    return ProjectCardTrainer


def end_processes(trainer: Any) -> None:
    """In a distributed run, wait for every process (the first may still be merging the adapter) and take the
    process group down, as torch asks before exit: one left up is torn down during the interpreter's own
    shutdown, which can abort a process after training has finished."""
    if trainer.accelerator.num_processes > 1:
        trainer.accelerator.wait_for_everyone()
        trainer.accelerator.end_training()


class StepLog:
    """Appends each logged training step to ``OUT/steps.csv`` (columns grow as new keys appear)."""

    def __init__(self, out: Path):
        self.path = out / STEPS_CSV
        self.rows: list[dict[str, Any]] = []
        if self.path.is_file():  # a resumed run continues the file
            with self.path.open(encoding="utf-8") as handle:
                self.rows = list(csv.DictReader(handle))

    def add(self, step: int, logs: dict[str, Any]) -> None:
        self.rows = [row for row in self.rows if int(row["step"]) < step]  # steps redone after a resume
        self.rows.append({"step": step, **{k: v for k, v in logs.items() if isinstance(v, int | float)}})
        fields = list(dict.fromkeys(key for row in self.rows for key in row))
        with self.path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(self.rows)


def evaluation_callback(  # noqa: C901  # the callback class defined inside for its closure over the settings (issue 24)
    settings: TrainSettings,
    tokenizer: Any,
    splits: dict[str, list[Case]],
    report: Any | None = None,
    cast: CastSpec | None = None,
    kind: str = "sft",
) -> Any:
    """A ``TrainerCallback`` that records the settings a ``kind`` training starts with (``training.json``, for
    ``--resume``), scores greedy episodes on each split at the start, every ``eval_every`` steps and at the end
    (``curve.csv`` / ``curve.png``), logs each step to ``steps.csv``, and reports to ``report`` (a callable taking
    a one-line summary), e.g. a rich progress bar."""
    from transformers import TrainerCallback

    main = is_main_process()
    curve = Curve(settings.out) if main else None
    steps = StepLog(settings.out) if main else None
    config = settings.rollout_config()

    class EvaluationCallback(TrainerCallback):  # type: ignore[misc]
        def __init__(self) -> None:
            self.last_scores: dict[str, dict[str, float]] = {}

        def evaluate(self, model: Any, step: int) -> None:
            # Every rank plays the same greedy episodes (identical weights give identical turns, so sharded
            # models stay in step); only the main process writes the curve and reports.
            for name, cases in splits.items():
                stats, _ = evaluate_policy(model, tokenizer, cases, config, cast=cast)
                self.last_scores[name] = stats
                if curve is not None:
                    curve.add(step, name, stats)
            if curve is None:
                return
            curve.plot()
            if report is not None:
                scores = "  ".join(
                    f"{name}: reward {stats['reward']:.2f} turns {stats['turns']:.1f}"
                    for name, stats in self.last_scores.items()
                )
                report(step, f"eval @ {step}  {scores}")

        def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
            if main and not (settings.out / TRAINING_SETTINGS).is_file():
                save_training_settings(settings, kind)
            if settings.eval_first and (state.global_step == 0 or not curve.rows()):
                self.evaluate(model, state.global_step)

        def on_step_end(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
            if state.global_step % settings.eval_every == 0 and state.global_step < state.max_steps:
                self.evaluate(model, state.global_step)

        def on_train_end(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
            self.evaluate(model, state.global_step)

        def on_log(self, args: Any, state: Any, control: Any, logs: dict | None = None, **kwargs: Any) -> None:
            if logs and "loss" in logs and steps is not None:
                steps.add(state.global_step, logs)
                if report is not None:
                    report(state.global_step, None)

    return EvaluationCallback()
