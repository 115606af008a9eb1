"""Supervised fine-tuning of the doctor on whole consultations (TRL ``SFTTrainer``), loss on its own turns only.

Data: the oracle doctor's consultations on a dataset split, or (``from_run``) the transcripts of any run whose
reward reaches ``min_reward``. Each chat is rendered by the doctor's renderer and tokenised turn by turn
(``ChatTokens``), giving ``input_ids`` with ``assistant_masks`` that are 1 on the doctor's tokens, its
``<end_of_turn>`` included so that it learns to stop. Passing token rows (rather than ``messages`` with
``assistant_only_loss``) works with any chat template: TRL only patches the stock Gemma 3 template with
generation markers, and refuses others.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import Field

from agentclinic_sim.role_clients import close_cast
from models.backends.hf import HFBackend
from models.training.common import TrainSettings, adapter_config, load_start_model
from models.training.data import NoTrainingData, oracle_chats, token_rows, transcript_chats
from models.training.final_model import save_final
from models.training.model_card import with_model_card
from models.training.tokens import ChatTokens
from models.training.trainer_fields import trl
from models.training.trainer_setup import (
    end_processes,
    on_cpu,
    quiet_libraries,
    trainer_arguments,
    without_printed_logs,
)
from models.training.training_folder import check_before_loading, last_checkpoint, no_empty_folder_left


class SFTSettings(TrainSettings):
    """``agentclinic train sft``."""

    from_run: Path | None = Field(
        None, description="Train on this run's transcripts (folder) instead of oracle demonstrations."
    )
    min_reward: float = Field(1.0, description="With --from: keep episodes whose reward is at least this.")
    batch_size: int = Field(
        4, ge=1, description="Consultations per optimiser step.", json_schema_extra=trl("per_device_train_batch_size")
    )
    max_length: int = Field(
        4096,
        ge=64,
        description="Longest token sequence trained on (longer ones are cut).",
        json_schema_extra=trl("max_length"),
    )
    out: Path = Field(Path("runs/sft"), description="Run folder: checkpoints, final model, curve.csv/png, steps.csv.")


def train_sft(settings: SFTSettings, report: Callable[[int, str | None], None] | None = None) -> dict[str, Any]:
    """Run SFT; returns the final model's folder and its last evaluation scores. A run that fails before writing
    anything leaves no ``--out`` folder behind."""
    with no_empty_folder_left(settings.out):
        return _train_sft(settings, report)


def _train_sft(settings: SFTSettings, report: Callable[[int, str | None], None] | None) -> dict[str, Any]:
    check_before_loading(settings)  # before TRL is imported: bad input fails in a second
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    from models.training.evaluation_callback import EvaluationCallback  # transformers is loaded by now

    quiet_libraries()
    train_cases = settings.cases(settings.split)
    if not train_cases:
        raise NoTrainingData(f"no cases in {settings.dataset} (split={settings.split})")
    loaded = load_start_model(settings)
    chat = ChatTokens(HFBackend.from_loaded(loaded.model, loaded.tokenizer))
    if settings.from_run is not None:
        chats, read = transcript_chats(settings.from_run, settings.min_reward)
        if not chats:
            raise NoTrainingData(
                f"none of the {read} episodes in {settings.from_run} has reward >= {settings.min_reward} "
                "and a chat-format doctor prompt; lower --min-reward or choose another run"
            )
        source = f"transcripts of {settings.from_run} with reward >= {settings.min_reward} ({len(chats)} of {read})"
    else:
        chats = oracle_chats(train_cases, settings.max_turns)
        source = f"oracle demonstrations on {settings.dataset} split={settings.split} ({len(chats)} cases)"
    dataset = Dataset.from_list(token_rows(chats, chat))
    splits = settings.evaluation_splits(train_cases)
    settings.out.mkdir(parents=True, exist_ok=True)
    arguments = SFTConfig(
        **trainer_arguments(settings, cpu=on_cpu()),
        dataset_num_proc=None,
    )
    cast = settings.roles([case for cases in splits.values() for case in cases])
    callback = EvaluationCallback(settings, loaded.tokenizer, splits, report, cast, kind="sft")
    trainer = without_printed_logs(
        with_model_card(SFTTrainer, settings, "sft", source)(
            model=loaded.model,
            args=arguments,
            train_dataset=dataset,
            processing_class=loaded.tokenizer,
            peft_config=adapter_config(settings, loaded.model),
            callbacks=[callback],
        )
    )
    try:
        trainer.train(resume_from_checkpoint=last_checkpoint(settings.out) if settings.resume else None)
    finally:
        close_cast(cast)
    final = save_final(trainer, loaded.tokenizer, settings, "sft", {"data": source})
    end_processes(trainer)
    return {"final": final, "scores": callback.last_scores, "data": source}
