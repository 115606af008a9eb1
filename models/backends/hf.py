"""Local transformers models (MedGemma, any Gemma 3 checkpoint, the tiny offline model) with batched generation.

Concurrent ``chat`` calls are gathered for a few milliseconds and decoded together in one
``generate`` call (left padding), so many episodes' doctor turns share the GPU. Greedy results are the
same as decoding one prompt at a time. bf16 on GPU (never fp16: Gemma overflows), float32 on CPU,
``device_map="auto"``, optional 4-bit (nf4) loading; transformers 5 takes ``dtype=``.

Loading fails fast with one clear line: a local path must be an existing folder; a hub id is loaded from
the local cache when it is there, and otherwise the hub is probed once with a short timeout, so an
unreachable hub, a gated model (MedGemma) or a wrong id is reported in seconds instead of after retries.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.backends.base import BackendError, Completion, GenerationConfig, Message, Usage
from models.backends.gemma_chat import BOS, END_OF_TURN, gemma_messages, strip_at_stops
from models.backends.medgemma import ModelClass, preset_for


@dataclass
class _Pending:
    prompt_ids: list[int]
    config: GenerationConfig
    future: asyncio.Future[Completion]
    queued_at: float = field(default_factory=time.perf_counter)


def _config_key(config: GenerationConfig) -> str:
    return config.model_dump_json()


HUB_PROBE_TIMEOUT_S = 10.0
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


def local_model_path(model: str, name: str) -> Path | None:
    """The local folder ``model`` names, or None when it is a hub id.

    A path-like value (see ``looks_like_path``) or any value that exists on disk (``org/name`` included)
    is a local path and must be an existing folder; anything else must be a valid hub id.
    Raises ``BackendError`` with one line naming the path otherwise.
    """
    path = Path(model).expanduser()
    if looks_like_path(model) or path.exists():
        if not path.exists():
            raise BackendError(f"{name}: cannot load {model!r}: the local path {path.absolute()} does not exist")
        if not path.is_dir():
            raise BackendError(f"{name}: cannot load {model!r}: the local path {path.absolute()} is not a folder")
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


class HFBackend:
    """A transformers causal LM behind the ``ChatBackend`` interface."""

    is_remote = False

    def __init__(
        self,
        model: str,
        *,
        model_class: ModelClass | None = None,
        name: str | None = None,
        device: str | None = None,
        dtype: str | None = None,
        load_in_4bit: bool = False,
        max_batch_size: int = 16,
        batch_window_s: float = 0.005,
    ):
        preset = preset_for(model)
        self.model_id = preset.model_id if preset else model
        self.name = name or f"hf:{model}"
        local_path = local_model_path(self.model_id, self.name)  # fails before torch is imported
        source = str(local_path) if local_path else self.model_id
        self._hub_probed = False

        import torch
        import transformers

        transformers.utils.logging.disable_progress_bar()
        self.max_batch_size = max_batch_size
        self.batch_window_s = batch_window_s
        model_class = model_class or (preset.model_class if preset else "causal-lm")

        on_gpu = torch.cuda.is_available() if device is None else device.startswith("cuda")
        if dtype in {"float16", "fp16"}:
            raise BackendError("fp16 overflows in Gemma models; use bfloat16 (the default on GPU) or float32")
        torch_dtype = getattr(torch, dtype) if dtype else (torch.bfloat16 if on_gpu else torch.float32)
        kwargs: dict[str, Any] = {"dtype": torch_dtype}
        if on_gpu and device is None:
            kwargs["device_map"] = "auto"
        if load_in_4bit:
            kwargs["quantization_config"] = transformers.BitsAndBytesConfig(
                load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16
            )
        auto_class = (
            transformers.AutoModelForImageTextToText
            if model_class == "image-text-to-text"
            else transformers.AutoModelForCausalLM
        )
        hub = local_path is None
        self.tokenizer = self._from_pretrained(transformers.AutoTokenizer.from_pretrained, source, hub=hub)
        self.model = self._from_pretrained(auto_class.from_pretrained, source, hub=hub, **kwargs)
        if device is not None and "device_map" not in kwargs:
            self.model.to(device)
        self.model.eval()
        self.tokenizer.padding_side = "left"
        self.pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        end_of_turn = self.tokenizer.convert_tokens_to_ids(END_OF_TURN)
        self.stop_ids = [i for i in {self.tokenizer.eos_token_id, end_of_turn} if isinstance(i, int) and i >= 0]
        self._pending: list[_Pending] = []
        self._worker: asyncio.Task[None] | None = None
        self._torch = torch

    def _from_pretrained(self, load: Callable[..., Any], source: str, *, hub: bool, **kwargs: Any) -> Any:
        """``load(source)`` from local files; for a hub id not (fully) cached, probe the hub once, then download."""
        from huggingface_hub import constants

        try:
            return load(source, local_files_only=True, **kwargs)
        except OSError as exc:
            if not hub:
                raise BackendError(f"{self.name}: cannot load {source!r}: {_one_line(exc)}") from None
        if constants.is_offline_mode():
            raise BackendError(
                f"{self.name}: offline mode is on (HF_HUB_OFFLINE) and {source!r} is not cached in "
                f"{constants.HF_HUB_CACHE}; unset HF_HUB_OFFLINE to download it. {LOCAL_FOLDER_HINT}"
            )
        if not self._hub_probed:
            probe_hub(source, self.name)
            self._hub_probed = True
        try:
            return load(source, **kwargs)
        except OSError as exc:
            raise BackendError(f"{self.name}: cannot load {source!r}: {_one_line(exc)}") from None

    # -- prompts -------------------------------------------------------------------------------------
    def render(self, messages: Sequence[Message]) -> str:
        """The exact prompt text: Gemma rules applied, generation prompt added, ``<bos>`` once."""
        return self.tokenizer.apply_chat_template(gemma_messages(messages), tokenize=False, add_generation_prompt=True)

    def encode(self, messages: Sequence[Message]) -> list[int]:
        text = self.render(messages)
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        if not text.startswith(BOS) and self.tokenizer.bos_token_id is not None:
            ids = [self.tokenizer.bos_token_id, *ids]
        return ids

    # -- generation ----------------------------------------------------------------------------------
    def generate_batch(self, prompts: Sequence[list[int]], config: GenerationConfig) -> list[tuple[str, int]]:
        """Decode several prompts in one ``generate`` call; returns (text, completion tokens) per prompt."""
        torch = self._torch
        width = max(len(ids) for ids in prompts)
        input_ids = torch.tensor([[self.pad_id] * (width - len(ids)) + ids for ids in prompts])
        attention = torch.tensor([[0] * (width - len(ids)) + [1] * len(ids) for ids in prompts])
        device = self.model.device
        sampling: dict[str, Any] = {"do_sample": False}
        if config.temperature > 0:
            sampling = {"do_sample": True, "temperature": config.temperature, "top_p": config.top_p}
            if config.seed is not None:
                torch.manual_seed(config.seed)
        with torch.inference_mode():
            output = self.model.generate(
                input_ids=input_ids.to(device),
                attention_mask=attention.to(device),
                max_new_tokens=config.max_tokens,
                eos_token_id=self.stop_ids,
                pad_token_id=self.pad_id,
                **sampling,
            )
        results = []
        for row in output[:, width:].tolist():
            end = next((i for i, token in enumerate(row) if token in self.stop_ids), len(row))
            text = self.tokenizer.decode(row[:end], skip_special_tokens=True)
            results.append((strip_at_stops(text, config.stop), end))
        return results

    async def chat(self, messages: Sequence[Message], config: GenerationConfig) -> Completion:
        loop = asyncio.get_running_loop()
        pending = _Pending(self.encode(messages), config, loop.create_future())
        self._pending.append(pending)
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._drain())
        return await pending.future

    async def _drain(self) -> None:
        while self._pending:
            await asyncio.sleep(self.batch_window_s)
            key = _config_key(self._pending[0].config)
            batch = [p for p in self._pending if _config_key(p.config) == key][: self.max_batch_size]
            taken = {id(p) for p in batch}
            self._pending = [p for p in self._pending if id(p) not in taken]
            start = time.perf_counter()
            try:
                results = await asyncio.to_thread(self.generate_batch, [p.prompt_ids for p in batch], batch[0].config)
            except Exception as exc:  # a failed batch fails each of its requests, not the worker
                for p in batch:
                    if not p.future.done():
                        p.future.set_exception(BackendError(f"{self.name}: generation failed: {exc}"))
                continue
            latency = time.perf_counter() - start
            for p, (text, n_tokens) in zip(batch, results, strict=True):
                if not p.future.done():
                    p.future.set_result(
                        Completion(
                            text=text,
                            usage=Usage(prompt_tokens=len(p.prompt_ids), completion_tokens=n_tokens),
                            latency_s=latency + (start - p.queued_at),
                            backend=self.name,
                        )
                    )
