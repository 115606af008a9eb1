"""Which model a trainer starts from: ``tiny-random`` (a fresh tiny Gemma 3), ``tiny`` (the trained tiny
doctor), ``tiny:<path>``, a checkpoint folder, ``hf:<id or path>`` or a MedGemma preset. Loading itself
(dtype, 4-bit, device) is ``models.backends.loading.load_model``, shared with inference."""

from __future__ import annotations

from typing import Any

from models.backends.loading import LoadedModel, load_model
from models.tiny import resolve_tiny


def model_source(model: str) -> str:
    """A model spec as ``load_model`` takes it (a folder, a hub id or a preset alias)."""
    tiny = resolve_tiny(model)
    if tiny is not None:
        return str(tiny)
    scheme, _, rest = model.partition(":")
    return rest if scheme == "hf" and rest else model


def load_policy(model: str, *, dtype: str | None = None, load_in_4bit: bool = False) -> LoadedModel:
    """Load a model for training (no device map: the trainer places it), with a pad token set."""
    loaded = load_model(model_source(model), name=model, dtype=dtype, load_in_4bit=load_in_4bit, for_training=True)
    tokenizer: Any = loaded.tokenizer
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return loaded
