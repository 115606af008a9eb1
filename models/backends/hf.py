"""Local transformers models (MedGemma, any Gemma 3 checkpoint, the tiny offline model) served as a ``ChatBackend``,
with batched generation.

Concurrent ``chat`` calls are gathered for a few milliseconds and decoded together in one
``generate`` call (left padding), so many episodes' doctor turns share the GPU; requests that differ
only in their seed share a batch. Greedy results are the same as decoding one prompt at a time.

``HFBackend(model)`` loads through ``load_model`` (dtype, 4-bit and device rules live there);
``HFBackend.from_loaded(model, tokenizer)`` wraps a model already in memory, such as a live peft
model inside a trainer. ``generate_batch`` returns token-level results: the generated ids through the
stop token and, when asked, each token's sampling logprob; ``decode`` is the same call with extra ``generate``
arguments passed through and ``generate``'s own output kept, for a caller that manages keys and values itself
(training's policy, ``models.training.hf_policy``, which keeps them between the turns of a rollout). Gemma's chat
rules (``gemma_chat``) apply to Gemma tokenizers only; any other tokenizer gets its own chat template as is.

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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from models.backends.base import BackendError, Completion, GenerationConfig, ImageData, Message, Usage
from models.backends.cpu_threads import choose_cpu_threads
from models.backends.gemma_chat import BOS, END_OF_TURN, strip_at_stops, template_messages, uses_gemma_turns
from models.backends.hf_decoding import left_padded, sampled_logprobs, seeded_sampling
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


@dataclass(frozen=True)
class Decoded:
    """What one ``generate`` call gave: each prompt's ``Generation``, and ``generate``'s own output (``sequences``:
    the left-padded prompts followed by the generated ids; ``cache``: the keys and values the call left behind)."""

    generations: list[Generation]
    output: Any


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
    @contextmanager
    def evaluating(self) -> Iterator[None]:
        """The model in eval mode under ``torch.inference_mode`` for the block; one that was training is put back
        in training mode afterwards (a trainer's live model generates between optimiser steps)."""
        was_training = bool(getattr(self.model, "training", False))
        self.model.eval()
        try:
            with self._torch.inference_mode():
                yield
        finally:
            if was_training:
                self.model.train()

    def generate_batch(
        self,
        prompts: Sequence[list[int]],
        config: GenerationConfig,
        seeds: Sequence[int | None] | None = None,
        pixel_values: Sequence[Any] | None = None,
    ) -> list[Generation]:
        """Decode several prompts in one ``generate`` call (left padding).

        ``pixel_values``: per prompt, its images' pixel values from ``prepare`` (None for a text prompt); those
        of the batch are passed to ``generate`` together, in prompt order, with ``token_type_ids`` marking the
        image tokens. Sampling is seeded from ``seeds`` (default: ``config.seed``) taken together, so a batch
        of the same requests samples the same tokens again."""
        return self.decode(prompts, config, seeds, pixel_values).generations

    def decode(
        self,
        prompts: Sequence[list[int]],
        config: GenerationConfig,
        seeds: Sequence[int | None] | None = None,
        pixel_values: Sequence[Any] | None = None,
        **generate_arguments: Any,
    ) -> Decoded:
        """``generate_batch``, with ``generate_arguments`` passed to ``generate`` as they are (keys and values to
        start from, ``synced_gpus``) and ``generate``'s own output kept beside the generations."""
        width = max(len(ids) for ids in prompts)
        input_ids, attention = left_padded(prompts, self.pad_id)
        device = self.model.device
        images = self._image_inputs(input_ids, pixel_values)
        sampling = seeded_sampling(config, seeds)
        with self.evaluating():
            output = self.model.generate(
                input_ids=input_ids.to(device),
                attention_mask=attention.to(device),
                max_new_tokens=config.max_tokens,
                eos_token_id=self.stop_ids,
                pad_token_id=self.pad_id,
                return_dict_in_generate=True,
                output_logits=config.logprobs,
                **images,
                **sampling,
                **generate_arguments,
            )
        generated = output.sequences[:, width:]
        logprobs = sampled_logprobs(output.logits, generated, config) if config.logprobs else None
        rows = generated.tolist()
        generations = [
            self._generation(row, logprobs[index] if logprobs is not None else None, config)
            for index, row in enumerate(rows)
        ]
        return Decoded(generations, output)

    def _image_inputs(self, input_ids: Any, pixel_values: Sequence[Any] | None) -> dict[str, Any]:
        """``generate``'s image arguments: the batch's pixel values, in prompt order, and the image tokens' marks."""
        given = [values for values in (pixel_values or []) if values is not None]
        if not given:
            return {}
        if not self.accepts_images:
            raise BackendError(f"{self.name}: this model takes text only, but pixel values were given")
        device = self.model.device
        return {
            "pixel_values": self._torch.cat(given).to(device=device, dtype=self.model.dtype),
            "token_type_ids": (input_ids == self.image_token_id).long().to(device),
        }

    def _generation(self, row: list[int], logprobs: list[float] | None, config: GenerationConfig) -> Generation:
        """One row of generated ids, cut after its first stop token, with its text and logprobs."""
        end = next((i for i, token in enumerate(row) if token in self.stop_ids), None)
        ids = row[: end + 1] if end is not None else row
        stopped = end is not None
        text = self.tokenizer.decode(ids[: len(ids) - stopped], skip_special_tokens=True)
        return Generation(
            text=strip_at_stops(text, config.stop),
            token_ids=ids,
            logprobs=logprobs[: len(ids)] if logprobs is not None else None,
            stopped=stopped,
        )

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
