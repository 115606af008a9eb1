"""This project's model card (``README.md``), and the trainer class that writes it wherever a model is saved:
each checkpoint, ``final/``, and the run folder where TRL would write its own stock card."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from models.training.common import TrainSettings
from models.training.lora import adapted_modules
from models.training.training_folder import FINAL, TRAINING_RECORD

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

    class ProjectCardTrainer(trainer_class):
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
