"""The ``ChatBackend`` protocol and the messages, settings and completions that cross it.

A message is text; a user message may also carry images (``Message.images``), which only a backend whose
``accepts_images`` is true reads. A message without images serialises exactly as a text-only message.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, SerializationInfo, SerializerFunctionWrapHandler, model_serializer

ImageMime = Literal["image/png", "image/jpeg", "image/gif", "image/webp"]


class ImageData(BaseModel):
    """An image's bytes and media type, as checked and cached by whoever fetched it."""

    model_config = ConfigDict(frozen=True, ser_json_bytes="base64", val_json_bytes="base64")

    data: bytes = Field(repr=False, min_length=1)
    mime_type: ImageMime

    def data_url(self) -> str:
        """The image as a ``data:`` URL (what OpenAI-compatible servers take in an ``image_url`` part)."""
        return f"data:{self.mime_type};base64,{base64.b64encode(self.data).decode('ascii')}"


class Message(BaseModel):
    """One chat message. ``assistant`` is the model's own side (Gemma renders it as ``model``).

    ``images`` are shown with the message's text (after it) to backends that accept images."""

    role: Literal["system", "user", "assistant"]
    content: str
    images: list[ImageData] = Field(default_factory=list)

    @model_serializer(mode="wrap")
    def _drop_empty_images(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> dict[str, Any]:
        """``{"role", "content"}`` for a text message, as before images existed (chat templates, env infos)."""
        data = handler(self)
        if not self.images:
            data.pop("images", None)
        return data


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class GenerationConfig(BaseModel):
    """Sampling settings. Temperature 0 means greedy decoding."""

    max_tokens: int = Field(default=1024, ge=1)
    temperature: float = Field(default=0.0, ge=0.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    stop: list[str] = Field(default_factory=list)
    seed: int | None = None
    logprobs: bool = Field(default=False, description="Return each generated token's id and sampling logprob.")


class Completion(BaseModel):
    text: str
    usage: Usage = Field(default_factory=Usage)
    latency_s: float = 0.0
    backend: str = ""
    token_ids: list[int] | None = Field(
        default=None, description="Generated token ids, through the stop token (local models, when asked)."
    )
    logprobs: list[float] | None = Field(default=None, description="Sampling logprob of each id in token_ids.")


class BackendError(RuntimeError):
    """A backend failed for good (after its retries); the caller records it and moves on."""


@runtime_checkable
class ChatBackend(Protocol):
    """An async chat model. ``name`` identifies it in transcripts (never holds a secret).

    A backend that reads ``Message.images`` says so with an ``accepts_images`` attribute set to True;
    ``accepts_images(backend)`` reads it (absent means text only)."""

    name: str

    async def chat(self, messages: Sequence[Message], config: GenerationConfig) -> Completion: ...


def accepts_images(backend: object) -> bool:
    """Whether a backend reads the images on its messages (its ``accepts_images`` attribute; default False)."""
    return getattr(backend, "accepts_images", False) is True
