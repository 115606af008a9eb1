"""Loading a transformers model and its tokenizer: the one place that holds the dtype, 4-bit and device rules,
for inference (``HFBackend``) and training (the trainers) alike.

* bf16 on GPU, float32 on CPU; fp16 is refused (Gemma overflows in it); transformers 5 takes ``dtype=``.
* ``device_map="auto"`` on GPU for inference; training leaves placement to the trainer (accelerate).
* ``load_in_4bit``: nf4 with double quantisation and bf16 compute (QLoRA's settings); needs a GPU.
* A multimodal checkpoint (its config has a ``vision_config``: Gemma3ForConditionalGeneration, MedGemma 4B /
  27B multimodal) also loads its processor (``AutoProcessor``), which turns images into ``pixel_values``;
  when it has none, the model is used for text only and a warning says so.
* A GGUF (``gemma3-270m``, ``<path>.gguf``) is converted once into a folder in the cache (``gguf.py``).
* A local path must be an existing folder; a hub id is loaded from the local cache when it is there,
  and otherwise the hub is probed once with a short timeout, so an unreachable hub, a gated model
  (MedGemma) or a wrong id is reported in one line in seconds instead of after retries.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.backends.base import BackendError
from models.backends.gguf import gguf_model_folder, is_gguf_model
from models.backends.medgemma import ModelClass, preset_for

HUB_PROBE_TIMEOUT_S = 10.0
ADAPTER_CONFIG = "adapter_config.json"
LOCAL_FOLDER_HINT = "A local model folder works as hf:/path/to/model."


def _one_line(exc: BaseException) -> str:
    """An exception's message with its line breaks and runs of spaces collapsed."""
    return " ".join(str(exc).split()) or type(exc).__name__


def _access_hint(repo_id: str) -> str:
    """How to get at a gated model (MedGemma is one), and the local-folder alternative."""
    gated = "MedGemma is gated:" if "medgemma" in repo_id.lower() else "If the model is gated,"
    return (
        f"{gated} accept its terms on https://huggingface.co/{repo_id}, then log in with `hf auth login` "
        "or set HF_TOKEN. " + LOCAL_FOLDER_HINT
    )


def looks_like_path(model: str) -> bool:
    """True for values that can only be a local path: leading ``/``, ``.`` or ``~``, two or more ``/``, a backslash."""
    return model.startswith(("/", ".", "~")) or model.count("/") > 1 or "\\" in model


CHECKPOINTING_ALIAS_WARNING = r"`(is_gradient_checkpointing|gradient_checkpointing_(enable|disable))` is deprecated"
"""transformers 5's FutureWarning for its old activation-checkpointing names, which peft (wrapping a model in an
adapter) and TRL (around each GRPO generation) still use."""


def quiet_library_deprecations() -> None:
    """Ignore the FutureWarning transformers gives when peft or TRL reads ``is_gradient_checkpointing`` or calls
    ``gradient_checkpointing_enable`` / ``_disable``: those calls are inside the libraries, not in this package
    (which names ``activation_checkpointing``), and the warning would print on every adapter load and training
    run. Only that message from ``transformers.modeling_utils`` is ignored; every other FutureWarning still shows."""
    warnings.filterwarnings(
        "ignore",
        message=CHECKPOINTING_ALIAS_WARNING,
        category=FutureWarning,
        module=r"transformers\.modeling_utils",
    )


def local_model_path(model: str, name: str) -> Path | None:
    """The local folder ``model`` names, or None when it is a hub id.

    A path-like value (see ``looks_like_path``) or any value that exists on disk (``org/name`` included)
    is a local path and must be an existing folder; anything else must be a valid hub id.
    Raises ``BackendError`` with one line naming the path otherwise.
    """
    path = Path(model).expanduser()
    if looks_like_path(model) or path.exists():
        if not path.exists():
            raise BackendError(f"{name}: cannot load it: the local path {path.absolute()} does not exist")
        if not path.is_dir():
            raise BackendError(f"{name}: cannot load it: the local path {path.absolute()} is not a folder")
        return path
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(model)
    except HFValidationError:
        raise BackendError(
            f"{name}: cannot load {model!r}: it is neither an existing local folder nor a hub id of the form org/name"
        ) from None
    return None


def probe_hub(repo_id: str, name: str, timeout_s: float = HUB_PROBE_TIMEOUT_S) -> None:
    """Ask the hub once, without retries, whether ``repo_id`` can be downloaded with the current login.

    Raises ``BackendError`` with one line when the hub cannot be reached or refuses the model
    (gated, not found, private); returns when a download may proceed.
    """
    from huggingface_hub import constants, get_hf_file_metadata, hf_hub_url
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        HTTPError,
        RemoteEntryNotFoundError,
        RepositoryNotFoundError,
    )

    try:
        get_hf_file_metadata(hf_hub_url(repo_id, "config.json"), timeout=timeout_s)
    except RemoteEntryNotFoundError:
        return  # the repository is reachable; transformers explains what is missing from it
    except GatedRepoError:
        raise BackendError(
            f"{name}: this login has no access to the gated model {repo_id!r}. " + _access_hint(repo_id)
        ) from None
    except RepositoryNotFoundError:
        raise BackendError(
            f"{name}: the hub has no model {repo_id!r} that this login can see (wrong id, or private or gated "
            "without a login). " + _access_hint(repo_id)
        ) from None
    except HfHubHTTPError as exc:
        raise BackendError(
            f"{name}: the model hub at {constants.ENDPOINT} refused {repo_id!r}: {_one_line(exc)}"
        ) from None
    except (HTTPError, OSError) as exc:
        raise BackendError(
            f"{name}: cannot reach the model hub at {constants.ENDPOINT} ({_one_line(exc)}) and {repo_id!r} "
            "is not in the local cache. " + _access_hint(repo_id)
        ) from None


def _offline_error(repo_id: str, name: str) -> BackendError:
    """Offline mode is on and ``repo_id`` is not (fully) in the local cache."""
    from huggingface_hub import constants

    return BackendError(
        f"{name}: offline mode is on (HF_HUB_OFFLINE) and {repo_id!r} is not cached in "
        f"{constants.HF_HUB_CACHE}; unset HF_HUB_OFFLINE to download it. {LOCAL_FOLDER_HINT}"
    )


def check_hub_model(repo_id: str, name: str) -> None:
    """Whether a hub id can load, asked without torch or transformers (a training asks before it imports them):
    yes when its config is in the local cache; otherwise offline mode refuses it and the hub is probed once
    (``probe_hub``). Raises ``BackendError`` with one line when it cannot load."""
    from huggingface_hub import constants, try_to_load_from_cache

    if isinstance(try_to_load_from_cache(repo_id, "config.json"), str):
        return
    if constants.is_offline_mode():
        raise _offline_error(repo_id, name)
    probe_hub(repo_id, name)


def _from_pretrained(load: Callable[..., Any], source: str, name: str, *, hub: bool, **kwargs: Any) -> Any:
    """``load(source)`` from local files; for a hub id not (fully) cached, probe the hub once, then download."""
    from huggingface_hub import constants

    try:
        return load(source, local_files_only=True, **kwargs)
    except OSError as exc:
        if not hub:
            raise BackendError(f"{name}: cannot load {source!r}: {_one_line(exc)}") from None
    if constants.is_offline_mode():
        raise _offline_error(source, name)
    probe_hub(source, name)
    try:
        return load(source, **kwargs)
    except OSError as exc:
        raise BackendError(f"{name}: cannot load {source!r}: {_one_line(exc)}") from None


@dataclass(frozen=True)
class LoadedModel:
    model: Any
    tokenizer: Any
    model_id: str
    """The hub id or local folder the weights came from (a preset alias resolved)."""
    processor: Any = None
    """A multimodal model's processor (images -> ``pixel_values``); None for a text-only model."""


def resolve_dtype(dtype: str | None, on_gpu: bool) -> Any:
    """The torch dtype to load in: the one asked for, else bf16 on GPU and float32 on CPU; never fp16."""
    import torch

    if dtype in {"float16", "fp16", "half"}:
        raise BackendError("fp16 overflows in Gemma models; use bfloat16 (the default on GPU) or float32")
    if dtype is None or dtype == "auto":
        return torch.bfloat16 if on_gpu else torch.float32
    aliases = {"bf16": "bfloat16", "fp32": "float32"}
    resolved = getattr(torch, aliases.get(dtype, dtype), None)
    if not isinstance(resolved, torch.dtype):
        raise BackendError(f"unknown dtype {dtype!r}; use bfloat16 or float32")
    return resolved


def load_model(
    model: str,
    *,
    name: str | None = None,
    model_class: ModelClass | None = None,
    device: str | None = None,
    dtype: str | None = None,
    load_in_4bit: bool = False,
    for_training: bool = False,
) -> LoadedModel:
    """Load a model and tokenizer by preset alias, hub id, local folder or GGUF (``gemma3-270m``, a ``.gguf``).

    ``for_training``: no ``device_map`` (the trainer places the model), model left in train mode.
    Raises ``BackendError`` (one line) when it cannot be loaded.
    """
    name = name or f"hf:{model}"
    if is_gguf_model(model):
        model = str(gguf_model_folder(model, name))  # converted once into the cache
    preset = preset_for(model)
    model_id = preset.model_id if preset else model
    local_path = local_model_path(model_id, name)  # fails before torch is imported
    source = str(local_path) if local_path else model_id
    if local_path is not None and (local_path / ADAPTER_CONFIG).is_file():
        return _load_adapter(
            local_path, name, model_class=model_class, device=device, dtype=dtype,
            load_in_4bit=load_in_4bit, for_training=for_training,
        )  # fmt: skip

    import torch
    import transformers

    transformers.utils.logging.disable_progress_bar()
    quiet_library_deprecations()
    model_class = model_class or (preset.model_class if preset else "causal-lm")
    on_gpu = torch.cuda.is_available() if device is None else device.startswith("cuda")
    kwargs: dict[str, Any] = {"dtype": resolve_dtype(dtype, on_gpu)}
    if on_gpu and device is None and not for_training:
        kwargs["device_map"] = "auto"
    if load_in_4bit:
        if not on_gpu:
            raise BackendError(
                f"{name}: 4-bit loading needs a CUDA GPU (bitsandbytes); on a CPU, drop --load-in-4bit (run) "
                "or --adapter qlora (train)"
            )
        kwargs["quantization_config"] = transformers.BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16,
        )
    auto_class = (
        transformers.AutoModelForImageTextToText
        if model_class == "image-text-to-text"
        else transformers.AutoModelForCausalLM
    )
    hub = local_path is None
    tokenizer = _from_pretrained(transformers.AutoTokenizer.from_pretrained, source, name, hub=hub)
    loaded = _from_pretrained(auto_class.from_pretrained, source, name, hub=hub, **kwargs)
    if device is not None and "device_map" not in kwargs and not load_in_4bit:
        loaded.to(device)
    if not for_training:
        loaded.eval()
    processor = _load_processor(transformers, loaded, source, name, hub=hub)
    return LoadedModel(model=loaded, tokenizer=tokenizer, model_id=model_id, processor=processor)


def _load_adapter(folder: Path, name: str, *, for_training: bool, **base_options: Any) -> LoadedModel:
    """A LoRA adapter folder: its base model (named in ``adapter_config.json``) with the adapter on top, and the
    tokenizer saved beside the adapter (else the base's)."""
    import json

    try:
        base = json.loads((folder / ADAPTER_CONFIG).read_text(encoding="utf-8"))["base_model_name_or_path"]
    except (ValueError, KeyError, TypeError):
        raise BackendError(f"{name}: {folder / ADAPTER_CONFIG} names no base_model_name_or_path") from None
    try:
        from peft import PeftModel
    except ImportError:
        raise BackendError(f"{name}: {folder} is a LoRA adapter; serving it needs peft (pip install peft)") from None
    loaded = load_model(base, name=f"{name} (base {base})", for_training=for_training, **base_options)
    model = PeftModel.from_pretrained(loaded.model, str(folder), is_trainable=for_training)
    if not for_training:
        model.eval()
    tokenizer = loaded.tokenizer
    if (folder / "tokenizer_config.json").is_file():
        import transformers

        tokenizer = transformers.AutoTokenizer.from_pretrained(str(folder))
    return LoadedModel(model=model, tokenizer=tokenizer, model_id=loaded.model_id, processor=loaded.processor)


def is_multimodal(model: Any) -> bool:
    """Whether a loaded model reads images (its config has a vision tower's config)."""
    return getattr(getattr(model, "config", None), "vision_config", None) is not None


def _load_processor(transformers: Any, model: Any, source: str, name: str, *, hub: bool) -> Any:
    """The processor of a multimodal model (None for a text model, or with a warning when it has none)."""
    if not is_multimodal(model):
        return None
    try:
        return _from_pretrained(transformers.AutoProcessor.from_pretrained, source, name, hub=hub)
    except (BackendError, ValueError, TypeError) as exc:
        warnings.warn(f"{name}: no image processor could be loaded ({exc}); images will not be shown", stacklevel=3)
        return None
