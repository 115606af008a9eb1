"""The settings every training run has (``TrainSettings``; SFT and GRPO add their own), and the model a run of
them starts from (``load_start_model``, with ``adapter_config`` for its LoRA adapter).

The rest of a training is in files of their own: the run folder and ``--resume`` (``training_folder``), the trainer's
arguments (``trainer_setup``), the evaluation callback (``evaluation_callback``), the saved model
(``final_model``) and its card (``model_card``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from agentclinic_sim.privacy import MimicPrivacyError
from agentclinic_sim.role_settings import RoleSettings
from agents.cast import CastSpec
from models.training.data import TrainingSetupError
from models.training.lora import LoraSettings, peft_config
from models.training.policy import check_start_model, load_policy
from models.training.rollouts import RolloutConfig, RolloutRules
from models.training.trainer_fields import trl
from scenarios import Case, CaseSelection
from scenarios.split import Split


class TrainSettings(LoraSettings, RoleSettings, RolloutRules, CaseSelection):
    """Settings every training run has (SFT and GRPO add their own): the cases from ``CaseSelection`` (training
    on its train split by default), who plays the patient, measurement reader and judge in rollouts and
    evaluations from ``RoleSettings``, the adapter from ``LoraSettings``, the consultations' rules from
    ``RolloutRules``."""

    model: str = Field(
        "tiny-random",
        description="Start from: tiny-random, tiny, gemma3-270m, a checkpoint folder, hf:<id or .gguf>, or a "
        "MedGemma preset.",
    )
    split: Split = Field("train", description="The split trained on.")
    eval_split: Literal["train", "test", "all", "none"] = Field(
        "test", description="A second split scored at each evaluation beside the training split (none: only that one)."
    )
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

    def check_model(self) -> None:
        """Refuse a start model that cannot load (``check_start_model``), before anything heavy is imported."""
        check_start_model(self.model)

    def rollout_config(self, **overrides: Any) -> RolloutConfig:
        """How this training's rollouts are played: its rules (``RolloutRules``), with ``overrides``."""
        rules = {name: getattr(self, name) for name in RolloutRules.model_fields}
        return RolloutConfig(**{**rules, **overrides})

    def evaluation_splits(self, train_cases: list[Case]) -> dict[str, list[Case]]:
        """The splits scored at each evaluation: the training split, and ``eval_split`` unless it is the same."""
        splits: dict[str, list[Case]] = {self.split: train_cases}
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
