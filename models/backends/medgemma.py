"""MedGemma presets: model ids, the transformers class each needs, and generation defaults.

Kept inside ``models.backends`` so the backends package stays a leaf.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from models.backends.base import GenerationConfig

ModelClass = Literal["causal-lm", "image-text-to-text"]


@dataclass(frozen=True)
class ModelPreset:
    alias: str
    model_id: str
    model_class: ModelClass
    description: str


PRESETS: dict[str, ModelPreset] = {
    preset.alias: preset
    for preset in [
        ModelPreset(
            "medgemma-4b",
            "google/medgemma-4b-it",
            "image-text-to-text",
            "MedGemma 4B instruction-tuned, multimodal (Gemma3ForConditionalGeneration)",
        ),
        ModelPreset(
            "medgemma-27b",
            "google/medgemma-27b-text-it",
            "causal-lm",
            "MedGemma 27B text-only instruction-tuned (Gemma3ForCausalLM) — the MedGemma report's doctor",
        ),
        ModelPreset(
            "medgemma-27b-mm",
            "google/medgemma-27b-it",
            "image-text-to-text",
            "MedGemma 27B multimodal (Gemma3ForConditionalGeneration)",
        ),
    ]
}

# The MedGemma report ran the doctor greedily; reasoning output needs far more than AgentClinic's 200 tokens.
DOCTOR_GENERATION = GenerationConfig(max_tokens=1024, temperature=0.0)


def preset_for(model: str) -> ModelPreset | None:
    """A preset by alias ('medgemma-27b') or by its hub id ('google/medgemma-27b-text-it')."""
    if model in PRESETS:
        return PRESETS[model]
    return next((preset for preset in PRESETS.values() if preset.model_id == model), None)
