"""The ``ChatBackend`` protocol and the messages, settings and completions that cross it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field


class Message(BaseModel):
    """One chat message. ``assistant`` is the model's own side (Gemma renders it as ``model``)."""

    role: Literal["system", "user", "assistant"]
    content: str


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
    """An async chat model. ``name`` identifies it in transcripts (never holds a secret)."""

    name: str

    async def chat(self, messages: Sequence[Message], config: GenerationConfig) -> Completion: ...
