"""Which model a trainer starts from: ``tiny-random`` (a fresh tiny Gemma 3), ``tiny`` (the trained tiny
doctor), ``tiny:<path>``, a checkpoint folder, ``hf:<id or path>`` or a MedGemma preset; refusing one that cannot
load before anything heavy is imported (``check_start_model``). Loading itself (dtype, 4-bit, device) is
``models.backends.loading.load_model``, shared with inference."""

from __future__ import annotations

from typing import Any

from models.backends.base import BackendError
from models.backends.gguf import check_gguf_model, is_gguf_model
from models.backends.loading import LoadedModel, check_hub_model, load_model, local_model_path
from models.backends.medgemma import preset_for
from models.tiny import resolve_tiny
from models.training.data import TrainingSetupError


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
