"""LoRA and QLoRA for the doctor: which layers get adapters, the peft config both trainers take, and merging.

* ``lora``: adapters on the language model's linear layers (q, k, v, o, gate, up, down: the layers Google's
  MedGemma fine-tuning notebook adapts), the base weights frozen in bf16 on GPU (float32 on CPU).
* ``qlora``: the same adapters on a base loaded in 4-bit (nf4, double quantisation, bf16 compute); needs a CUDA
  GPU with bitsandbytes.
* A multimodal Gemma 3 (MedGemma 4B / 27B multimodal) has the same projection names in its vision tower; the
  targets are then a pattern that matches the language model's layers only, so the vision tower stays frozen.

A trained adapter is saved alone (``adapter_config.json`` + ``adapter_model.safetensors``) in ``OUT/final``;
``models.backends.loading.load_model`` serves such a folder as a doctor (base model + adapter), and
``merge_adapter`` writes a plain model with the adapter folded in.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from models.backends.loading import is_multimodal

Adapter = Literal["none", "lora", "qlora"]
LANGUAGE_PROJECTIONS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
MULTIMODAL_TARGETS = r".*language_model.*\.(" + "|".join(LANGUAGE_PROJECTIONS) + r")$"
"""For Gemma3ForConditionalGeneration: the language model's projections, never ``vision_tower`` ones."""


class LoraSettings(BaseModel):
    """The adapter a trainer fits instead of every weight (``--adapter lora`` / ``qlora``)."""

    help_panel: ClassVar[str] = "Adapter"
    """The group its flags are shown under in a command's help."""

    adapter: Adapter = Field(
        "none", description="none (train every weight), lora, or qlora (LoRA on a 4-bit base; CUDA only)."
    )
    lora_r: int = Field(16, ge=1, description="LoRA rank.")
    lora_alpha: int = Field(16, ge=1, description="LoRA scaling (alpha).")
    lora_dropout: float = Field(0.05, ge=0.0, lt=1.0, description="Dropout on the LoRA path.")
    merge: bool = Field(False, description="Also write OUT/merged: the base model with the adapter folded in.")


def target_modules(model: Any) -> list[str] | str:
    """The modules to adapt: names for a text model, a language-model-only pattern for a multimodal one."""
    if is_multimodal(model):
        return MULTIMODAL_TARGETS
    present = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    return [name for name in LANGUAGE_PROJECTIONS if name in present]


def peft_config(settings: LoraSettings, model: Any) -> Any:
    """The ``peft.LoraConfig`` for ``model`` (None when no adapter is asked for)."""
    if settings.adapter == "none":
        return None
    from peft import LoraConfig

    return LoraConfig(
        r=settings.lora_r,
        lora_alpha=settings.lora_alpha,
        lora_dropout=settings.lora_dropout,
        target_modules=target_modules(model),
        bias="none",
        task_type="CAUSAL_LM",
    )


def adapted_modules(model: Any) -> list[str]:
    """Names of the modules that carry LoRA weights in a peft model (for tests and the run record)."""
    suffix = re.compile(r"\.lora_A(\.\w+)?$")
    return sorted({suffix.sub("", name) for name, _ in model.named_modules() if suffix.search(name)})


def merge_adapter(adapter_folder: Path, target: Path) -> Path:
    """Fold a saved adapter into its base model and save the plain model (and tokenizer) to ``target``."""
    from models.backends.loading import load_model

    loaded = load_model(str(adapter_folder), name=f"adapter {adapter_folder}", for_training=True)
    merged = loaded.model.merge_and_unload()
    merged.save_pretrained(str(target))
    loaded.tokenizer.save_pretrained(str(target))
    return target
