"""Local transformers models (MedGemma, any Gemma 3 checkpoint, the tiny offline model) with batched generation.

Concurrent ``chat`` calls are gathered for a few milliseconds and decoded together in one
``generate`` call (left padding), so many episodes' doctor turns share the GPU; requests that differ
only in their seed share a batch. Greedy results are the same as decoding one prompt at a time.

``HFBackend(model)`` loads through ``load_model`` (dtype, 4-bit and device rules live there);
``HFBackend.from_loaded(model, tokenizer)`` wraps a model already in memory, such as a live peft
model inside a trainer. ``generate_batch`` returns token-level results: the generated ids through the
stop token and, when asked, each token's sampling logprob (what RL trainers need). Gemma's chat rules
(``gemma_chat``) apply to Gemma tokenizers only; any other tokenizer gets its own chat template as is.

Multi-turn rollouts pass a ``TurnCache`` to ``generate_batch``: it keeps the keys and values each call computed,
and the next call prefills only what is new in each prompt (the environment's reply and the generation prompt)
instead of the whole conversation again. Reuse is decided by token ids (the longest common prefix of a prompt
and a cached row), so a prompt that does not continue a cached one is simply prefilled in full.

Images (``Message.images``) reach a multimodal Gemma 3 model (``google/medgemma-4b-it``: loaded with its
processor): each image becomes the processor's image placeholder (``<start_of_image>``) after its message's
text — where Gemma 3's own template puts an image part that follows a text part — and the processor expands
it into the image's soft tokens and turns the image into ``pixel_values``, which ``generate`` receives with
``token_type_ids`` marking the image tokens. The placeholder goes into the text rendered by the Gemma rules,
so the system-folding and role-merging rules hold for image prompts too. ``accepts_images`` says whether a
backend can do this; giving images to one that cannot is a ``BackendError``, never a silent drop.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from models.backends.base import BackendError, Completion, GenerationConfig, ImageData, Message, Usage
from models.backends.cpu_threads import choose_cpu_threads
from models.backends.gemma_chat import BOS, END_OF_TURN, strip_at_stops, template_messages, uses_gemma_turns
from models.backends.loading import is_multimodal, load_model
from models.backends.medgemma import ModelClass


@dataclass
class _Pending:
    prompt_ids: list[int]
    config: GenerationConfig
    future: asyncio.Future[Completion]
    pixel_values: Any = None
    queued_at: float = field(default_factory=time.perf_counter)


@dataclass(frozen=True)
class Prompt:
    """A prompt ready for ``generate_batch``: its token ids and, when it holds images, their ``pixel_values``."""

    ids: list[int]
    pixel_values: Any = None


@dataclass
class _CachedBatch:
    """The keys and values one ``generate`` call left behind, with the ids each row of them holds."""

    layers: list[tuple[Any, Any]]
    """Per layer, (keys, values) of shape (rows, heads, columns, head_dim)."""
    rows: list[list[int]]
    """Per row, the ids whose keys and values the row holds, from column ``starts[row]`` on."""
    starts: list[int]


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the longest common prefix of two id lists (binary search over slice comparisons, done in C)."""
    low, high = 0, min(len(a), len(b))
    if a[:high] == b[:high]:
        return high
    while low < high:  # invariant: a[:low] == b[:low] and a[:high] != b[:high]
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


class TurnCache:
    """Keys and values kept between the turns of multi-turn batched generation (rollouts), so that each turn
    prefills only the ids its prompts add to the previous turn's.

    Pass one to ``HFBackend.generate_batch(..., cache=...)`` for every turn of the same conversations and call
    ``next_turn()`` before each turn: a turn may reuse what the previous turn (and the current one) stored; anything
    older is released. Reuse is by token ids: each prompt takes the cached row sharing its longest prefix, so a
    wrong or missing match costs only speed, never correctness. The keys and values belong to the model weights they
    were computed with: use one cache per set of weights (one rollout), never across an optimiser step.
    """

    def __init__(self) -> None:
        self._previous: list[_CachedBatch] = []
        self._current: list[_CachedBatch] = []
        self.prefilled_tokens = 0
        """Prompt ids (padding excluded) the model computed, over the cache's life."""
        self.reused_tokens = 0
        """Prompt ids not computed for their row (taken from an earlier turn or from a prompt rows share)."""

    def next_turn(self) -> None:
        """Start a turn: what the turn before stored stays usable; anything older is released."""
        self._previous, self._current = self._current, []

    def clear(self) -> None:
        self._previous, self._current = [], []

    def _match(self, prompt: Sequence[int]) -> tuple[_CachedBatch | None, int, int]:
        """The cached batch and row sharing the longest prefix with ``prompt``, and that prefix's length."""
        best: tuple[_CachedBatch | None, int, int] = (None, 0, 0)
        for batch in (*self._current, *self._previous):
            for row, ids in enumerate(batch.rows):
                if not ids or ids[0] != prompt[0]:
                    continue
                shared = _common_prefix(prompt, ids)
                if shared > best[2]:
                    best = (batch, row, shared)
        return best

    def prefix(self, prompts: Sequence[Sequence[int]], config: Any, computed: int = 0) -> tuple[Any, int]:
        """A ``DynamicCache`` holding the first columns of the left-padded batch of ``prompts``, and its width.

        Each prompt of length n sits in columns [width - n, width); the returned cache covers columns [0, past):
        padding (masked) and each row's first ids, copied from the cached row that holds them. ``past`` is as
        large as every row allows (each row keeps at least its last id to prefill); (None, 0) when nothing is
        reusable. ``computed``: prompt ids already run through the model for this call (counted as prefilled)."""
        from transformers import DynamicCache

        width = max(len(ids) for ids in prompts)
        matches = [self._match(ids) if ids else (None, 0, 0) for ids in prompts]
        # Columns [past, width) are prefilled: they must hold every id a row cannot take from the cache.
        new = max(len(ids) - min(shared, len(ids) - 1) for ids, (_, _, shared) in zip(prompts, matches, strict=True))
        past = width - new
        if past <= 0:
            self._count(prompts, computed, 0)
            return None, 0
        first = next(batch for batch, _, _ in matches if batch is not None)
        layers = []
        for index, (keys, values) in enumerate(first.layers):
            shape = (len(prompts), keys.shape[1], past, keys.shape[3])
            new_keys, new_values = keys.new_zeros(shape), values.new_zeros((*shape[:3], values.shape[3]))
            for row, (ids, (batch, source, _)) in enumerate(zip(prompts, matches, strict=True)):
                taken = past - (width - len(ids))  # this row's ids that fall in the cached columns
                if taken <= 0 or batch is None:
                    continue
                begin = batch.starts[source]
                old_keys, old_values = batch.layers[index]
                new_keys[row, :, past - taken :] = old_keys[source, :, begin : begin + taken]
                new_values[row, :, past - taken :] = old_values[source, :, begin : begin + taken]
            layers.append((new_keys, new_values))
        self._count(prompts, computed, sum(max(0, past - (width - len(ids))) for ids in prompts))
        return DynamicCache(ddp_cache_data=layers, config=config), past

    def _count(self, prompts: Sequence[Sequence[int]], computed: int, taken: int) -> None:
        total = sum(len(ids) for ids in prompts)
        prefilled = computed + total - taken
        self.prefilled_tokens += prefilled
        self.reused_tokens += max(0, total - prefilled)

    def unserved(self, prompts: Sequence[Sequence[int]]) -> list[list[int]]:
        """The distinct prompts worth prefilling once before ``generate``: those the cache holds less than half of,
        when several rows share one (a GRPO group's first turn) or other rows are served (so that the unserved ones
        do not widen everyone's prefill). Empty when one plain prefill costs the same."""
        served, unserved = 0, {}
        for ids in prompts:
            if ids and self._match(ids)[2] * 2 >= len(ids):
                served += 1
            elif len(ids) > 1:
                unserved.setdefault(tuple(ids), 0)
                unserved[tuple(ids)] += 1
        if not unserved or (not served and len(unserved) == sum(unserved.values())):
            return []
        return [list(ids) for ids in unserved]

    def store(self, prompts: Sequence[Sequence[int]], sequences: Sequence[Sequence[int]], cache: Any) -> None:
        """Keep what a ``generate`` call computed: ``sequences`` are its output rows (left-padded prompt, then the
        generated ids); ``cache`` the cache it returned."""
        width = max(len(ids) for ids in prompts)
        length = cache.get_seq_length() if cache is not None else 0
        rows = [list(ids) + list(row[width:length]) for ids, row in zip(prompts, sequences, strict=True)]
        self.keep(rows, [width - len(ids) for ids in prompts], cache)

    def keep(self, rows: Sequence[Sequence[int]], starts: Sequence[int], cache: Any) -> None:
        """Keep a ``DynamicCache`` whose row i holds the keys and values of ``rows[i]`` from column ``starts[i]``.
        A cache whose layers no longer hold every column (a sliding-window layer past its window) is not kept."""
        layers = [(layer.keys, layer.values) for layer in getattr(cache, "layers", [])]
        length = cache.get_seq_length() if layers else 0
        if not layers or any(keys is None or keys.dim() != 4 or keys.shape[-2] != length for keys, _ in layers):
            return
        self._current.append(_CachedBatch(layers, [list(ids) for ids in rows], list(starts)))


def _batch_key(config: GenerationConfig) -> str:
    """Requests with equal keys decode together: everything but the seed must match."""
    return config.model_dump_json(exclude={"seed"})


@dataclass(frozen=True)
class Generation:
    """One decoded prompt."""

    text: str
    """The reply, cut before the stop token and at any stop string."""
    token_ids: list[int]
    """Generated ids; they end with the stop token when one was produced."""
    logprobs: list[float] | None
    """Sampling logprob of each id in ``token_ids`` (None unless ``config.logprobs``)."""
    stopped: bool
    """True when generation ended on a stop token; False when ``max_tokens`` cut it."""

    @property
    def completion_tokens(self) -> int:
        """Tokens of the reply itself (the stop token not counted)."""
        return len(self.token_ids) - self.stopped


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
        name = name or f"hf:{model}"
        loaded = load_model(
            model, name=name, model_class=model_class, device=device, dtype=dtype, load_in_4bit=load_in_4bit
        )
        self.model_id = loaded.model_id
        choose_cpu_threads(loaded.model)  # one thread for a small model on the CPU (see cpu_threads)
        self._attach(loaded.model, loaded.tokenizer, name, max_batch_size, batch_window_s, loaded.processor)

    @classmethod
    def from_loaded(
        cls,
        model: Any,
        tokenizer: Any,
        *,
        name: str = "policy",
        max_batch_size: int = 64,
        batch_window_s: float = 0.005,
        processor: Any = None,
    ) -> HFBackend:
        """Wrap a model and tokenizer already in memory (a trainer's live, possibly peft-wrapped, model);
        a multimodal model's ``processor`` lets it take images."""
        backend = cls.__new__(cls)
        backend.model_id = getattr(getattr(model, "config", None), "_name_or_path", "") or name
        backend._attach(model, tokenizer, name, max_batch_size, batch_window_s, processor)
        return backend

    def _attach(
        self,
        model: Any,
        tokenizer: Any,
        name: str,
        max_batch_size: int,
        batch_window_s: float,
        processor: Any = None,
    ) -> None:
        import torch

        self.name = name
        self.model = model
        self.tokenizer = tokenizer
        self.max_batch_size = max_batch_size
        self.batch_window_s = batch_window_s
        self.gemma = uses_gemma_turns(tokenizer)
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        stops = {tokenizer.eos_token_id}
        if self.gemma:
            stops.add(tokenizer.convert_tokens_to_ids(END_OF_TURN))
        self.stop_ids = [i for i in stops if isinstance(i, int) and i >= 0]
        self._pending: list[_Pending] = []
        self._worker: asyncio.Task[None] | None = None
        self._torch = torch
        self.processor = processor
        self.image_token_id: int | None = getattr(getattr(model, "config", None), "image_token_id", None)
        self.image_placeholder: str | None = getattr(processor, "image_token", None)
        self.accepts_images = bool(
            processor is not None
            and self.gemma
            and is_multimodal(model)
            and self.image_token_id is not None
            and self.image_placeholder
        )
        """True for a multimodal Gemma 3 model loaded with its processor: ``Message.images`` reach the model."""

    # -- prompts -------------------------------------------------------------------------------------
    def render(self, messages: Sequence[Message], *, add_generation_prompt: bool = True) -> str:
        """The exact prompt text from the tokenizer's chat template (Gemma rules for Gemma tokenizers)."""
        return self.tokenizer.apply_chat_template(
            template_messages(messages, self.gemma), tokenize=False, add_generation_prompt=add_generation_prompt
        )

    def tokenize(self, text: str) -> list[int]:
        """Ids of rendered text; special tokens come from the text itself, none are added."""
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def encode(self, messages: Sequence[Message]) -> list[int]:
        """Token ids of a text prompt (images refused: use ``prepare`` for prompts that may hold them)."""
        prompt = self.prepare(messages)
        if prompt.pixel_values is not None:
            raise BackendError(f"{self.name}: encode() takes text prompts; this one holds images, use prepare()")
        return prompt.ids

    def prepare(self, messages: Sequence[Message]) -> Prompt:
        """Token ids of the prompt and, when its messages carry images, the processor's ``pixel_values``
        (the ids then hold the expanded image tokens). Raises ``BackendError`` when this model takes no images."""
        images = [image for message in messages for image in message.images]
        if images and not self.accepts_images:
            raise BackendError(
                f"{self.name}: this model takes text only, but the prompt holds {len(images)} image(s); "
                "a multimodal Gemma 3 checkpoint (e.g. google/medgemma-4b-it) loaded with its processor takes them"
            )
        if images:
            messages = [self._with_placeholders(message) for message in messages]
        text = self.render(messages)
        if images:
            encoded = self.processor(
                text=[text],
                images=[[_pil_image(image, self.name) for image in images]],
                add_special_tokens=False,
                return_tensors="pt",
            )
            ids, pixel_values = encoded["input_ids"][0].tolist(), encoded["pixel_values"]
        else:
            ids, pixel_values = self.tokenize(text), None
        bos = self.tokenizer.bos_token_id
        if self.gemma and not text.startswith(BOS) and bos is not None:
            ids = [bos, *ids]
        return Prompt(ids=ids, pixel_values=pixel_values)

    def _with_placeholders(self, message: Message) -> Message:
        """The message's text followed by one image placeholder per image (the images themselves dropped)."""
        if not message.images:
            return message
        placeholders = str(self.image_placeholder) * len(message.images)
        return Message(role=message.role, content=f"{message.content.rstrip()}{placeholders}")

    # -- generation ----------------------------------------------------------------------------------
    def generate_batch(
        self,
        prompts: Sequence[list[int]],
        config: GenerationConfig,
        seeds: Sequence[int | None] | None = None,
        pixel_values: Sequence[Any] | None = None,
        *,
        cache: TurnCache | None = None,
        synced: bool = False,
    ) -> list[Generation]:
        """Decode several prompts in one ``generate`` call (left padding).

        ``pixel_values``: per prompt, its images' pixel values from ``prepare`` (None for a text prompt); those
        of the batch are passed to ``generate`` together, in prompt order, with ``token_type_ids`` marking the
        image tokens. Sampling is seeded from ``seeds`` (default: ``config.seed``) taken together, so a batch
        of the same requests samples the same tokens again. ``cache``: a ``TurnCache`` of the same conversations'
        earlier turns; each prompt's cached prefix is not prefilled again, and this call's keys and values are
        kept in it for the next turn (text prompts only; the ids generated are those without it). ``synced``: decode
        until every process of the distributed group has finished (``synced_gpus``), for sharded models."""
        torch = self._torch
        width = max(len(ids) for ids in prompts)
        input_ids = torch.tensor([[self.pad_id] * (width - len(ids)) + list(ids) for ids in prompts])
        attention = torch.tensor([[0] * (width - len(ids)) + [1] * len(ids) for ids in prompts])
        device = self.model.device
        images: dict[str, Any] = {}
        given = [values for values in (pixel_values or []) if values is not None]
        if given:
            if not self.accepts_images:
                raise BackendError(f"{self.name}: this model takes text only, but pixel values were given")
            images = {
                "pixel_values": torch.cat(given).to(device=device, dtype=self.model.dtype),
                "token_type_ids": (input_ids == self.image_token_id).long().to(device),
            }
        sampling: dict[str, Any] = {"do_sample": False}
        if config.temperature > 0:
            sampling = {"do_sample": True, "temperature": config.temperature, "top_p": config.top_p, "top_k": None}
            chosen = [s for s in (seeds if seeds is not None else [config.seed]) if s is not None]
            if chosen:
                torch.manual_seed(hash(tuple(chosen)) % (2**63))
        was_training = bool(getattr(self.model, "training", False))
        self.model.eval()
        try:
            with torch.inference_mode():
                reuse = self._reuse(prompts, cache) if cache is not None and not given else {}
                output = self.model.generate(
                    input_ids=input_ids.to(device),
                    attention_mask=attention.to(device),
                    max_new_tokens=config.max_tokens,
                    eos_token_id=self.stop_ids,
                    pad_token_id=self.pad_id,
                    return_dict_in_generate=True,
                    output_logits=config.logprobs,
                    **images,
                    **reuse,
                    **sampling,
                    **({"synced_gpus": True} if synced else {}),
                )
        finally:
            if was_training:
                self.model.train()
        if reuse:
            cache.store(prompts, output.sequences.tolist(), output.cache)  # type: ignore[union-attr]
        generated = output.sequences[:, width:]
        logprobs = self._token_logprobs(output.logits, generated, config) if config.logprobs else None
        results = []
        for index, row in enumerate(generated.tolist()):
            end = next((i for i, token in enumerate(row) if token in self.stop_ids), None)
            stopped = end is not None
            ids = row[: end + 1] if stopped else row
            text = self.tokenizer.decode(ids[: len(ids) - stopped], skip_special_tokens=True)
            results.append(
                Generation(
                    text=strip_at_stops(text, config.stop),
                    token_ids=ids,
                    logprobs=logprobs[index][: len(ids)] if logprobs is not None else None,
                    stopped=stopped,
                )
            )
        return results

    def _reuse(self, prompts: Sequence[list[int]], cache: TurnCache) -> dict[str, Any]:
        """``generate`` arguments that start from the prompts' cached prefixes (after prefilling once the prompts
        several rows share), with a ``DynamicCache`` that ``cache`` keeps afterwards."""
        from transformers import DynamicCache

        config = self.model.config
        shared = cache.unserved(prompts)
        computed = 0
        if shared:
            rows = [ids[:-1] for ids in shared]  # the last id of each prompt is prefilled by generate itself
            width = max(len(ids) for ids in rows)
            torch = self._torch
            attention = torch.tensor([[0] * (width - len(ids)) + [1] * len(ids) for ids in rows])
            input_ids = torch.tensor([[self.pad_id] * (width - len(ids)) + ids for ids in rows])
            positions = (attention.cumsum(-1) - 1).clamp(min=0)  # as generate derives them from the mask
            device = self.model.device
            past = DynamicCache(config=config)
            self.model(
                input_ids=input_ids.to(device),
                attention_mask=attention.to(device),
                position_ids=positions.to(device),
                cache=past,
                use_cache=True,
                logits_to_keep=1,
            )
            cache.keep(rows, [width - len(ids) for ids in rows], past)
            computed = sum(len(ids) for ids in rows)
        past, _ = cache.prefix(prompts, config, computed)
        reuse: dict[str, Any] = {"cache": past if past is not None else DynamicCache(config=config), "use_cache": True}
        if getattr(getattr(self.model, "generation_config", None), "cache_implementation", None) is not None:
            reuse["cache_implementation"] = None  # a kept cache is a DynamicCache, whatever the model's default
        return reuse

    def continuation_logprobs(self, prefix: Sequence[int], ids: Sequence[int], config: GenerationConfig) -> list[float]:
        """log p of each of ``ids`` following ``prefix`` under the sampling distribution (logits / temperature),
        from one forward pass that keeps only the logits it needs (not the whole sequence's)."""
        torch = self._torch
        temperature = config.temperature if config.temperature > 0 else 1.0
        device = next(self.model.parameters()).device
        with torch.no_grad():
            sequence = torch.tensor([[*prefix, *ids]], device=device)
            logits = self.model(input_ids=sequence, logits_to_keep=len(ids) + 1).logits[0, :-1].float()
        chosen = torch.tensor(list(ids), device=logits.device).unsqueeze(-1)
        return torch.log_softmax(logits / temperature, dim=-1).gather(-1, chosen).squeeze(-1).tolist()

    def _token_logprobs(self, logits: Sequence[Any], generated: Any, config: GenerationConfig) -> list[list[float]]:
        """log p(token) under the sampling distribution (logits / temperature), one step at a time: a float32
        copy of one step's ``[batch, vocabulary]`` at most, never of the whole ``[batch, steps, vocabulary]``
        (16 x 48 x 262,144 x 4 bytes = 805 MB, twice over with its softmax, on Gemma 3's vocabulary)."""
        torch = self._torch
        temperature = config.temperature if config.temperature > 0 else 1.0
        columns = []
        for index, step in enumerate(logits):
            chosen = generated[:, index].to(step.device).unsqueeze(-1)
            scaled = step.float() / temperature
            columns.append((scaled.gather(-1, chosen) - torch.logsumexp(scaled, dim=-1, keepdim=True)).squeeze(-1))
            del scaled
        if not columns:
            return [[] for _ in range(generated.shape[0])]
        return torch.stack(columns, dim=1).tolist()

    async def chat(self, messages: Sequence[Message], config: GenerationConfig) -> Completion:
        loop = asyncio.get_running_loop()
        prompt = self.prepare(messages)
        pending = _Pending(prompt.ids, config, loop.create_future(), prompt.pixel_values)
        self._pending.append(pending)
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._drain())
        return await pending.future

    async def _drain(self) -> None:
        while self._pending:
            await asyncio.sleep(self.batch_window_s)
            key = _batch_key(self._pending[0].config)
            batch = [p for p in self._pending if _batch_key(p.config) == key][: self.max_batch_size]
            taken = {id(p) for p in batch}
            self._pending = [p for p in self._pending if id(p) not in taken]
            start = time.perf_counter()
            arguments: list[Any] = [[p.prompt_ids for p in batch], batch[0].config, [p.config.seed for p in batch]]
            if any(p.pixel_values is not None for p in batch):  # text batches keep the three-argument call
                arguments.append([p.pixel_values for p in batch])
            try:
                results = await asyncio.to_thread(self.generate_batch, *arguments)
            except Exception as exc:  # a failed batch fails each of its requests, not the worker
                for p in batch:
                    if not p.future.done():
                        p.future.set_exception(BackendError(f"{self.name}: generation failed: {exc}"))
                continue
            latency = time.perf_counter() - start
            for p, result in zip(batch, results, strict=True):
                if not p.future.done():
                    p.future.set_result(
                        Completion(
                            text=result.text,
                            usage=Usage(prompt_tokens=len(p.prompt_ids), completion_tokens=result.completion_tokens),
                            latency_s=latency + (start - p.queued_at),
                            backend=self.name,
                            token_ids=result.token_ids if p.config.logprobs else None,
                            logprobs=result.logprobs,
                        )
                    )


def _pil_image(image: ImageData, name: str) -> Any:
    """An RGB PIL image from checked bytes (Pillow is needed for images, and only for them)."""
    try:
        from PIL import Image
    except ImportError:
        raise BackendError(f"{name}: showing images to a local model needs Pillow (pip install pillow)") from None
    try:
        with Image.open(io.BytesIO(image.data)) as opened:
            return opened.convert("RGB")
    except (OSError, ValueError) as exc:
        raise BackendError(f"{name}: cannot decode a {image.mime_type} image ({exc})") from None
