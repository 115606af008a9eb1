"""Saving the trained model: ``OUT/final`` (model, tokenizer and ``agentclinic_training.json``, the record of what
it was trained on) and, when ``--merge`` asks for it, the adapter merged into its base in ``OUT/merged``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from models.training.common import TrainSettings
from models.training.lora import adapted_modules, merge_adapter
from models.training.model_card import MODEL_CARD, model_card
from models.training.training_folder import FINAL, MERGED, TRAINING_RECORD


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
