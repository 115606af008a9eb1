"""What every LLM-driven role shares: build messages, call the backend, turn the completion into a ``Reply``."""

from __future__ import annotations

from collections.abc import Sequence

from agents.types import Reply, Turn
from models.backends import ChatBackend, Completion, GenerationConfig, Message


def reply_from(completion: Completion, text: str | None = None) -> Reply:
    return Reply(
        text=completion.text.strip() if text is None else text,
        prompt_tokens=completion.usage.prompt_tokens,
        completion_tokens=completion.usage.completion_tokens,
        latency_s=completion.latency_s,
        backend=completion.backend,
    )


class LLMRoleMixin:
    """Subclasses provide ``messages(text, history)``; ``postprocess`` may clean the model's text."""

    def __init__(self, backend: ChatBackend, config: GenerationConfig):
        self.chat_backend = backend
        self.config = config

    @property
    def backend(self) -> str:
        return self.chat_backend.name

    def messages(self, text: str, history: Sequence[Turn]) -> list[Message]:
        raise NotImplementedError

    def postprocess(self, text: str) -> str:
        return text.strip()

    async def arespond(self, text: str, history: Sequence[Turn]) -> Reply:
        completion = await self.chat_backend.chat(self.messages(text, history), self.config)
        return reply_from(completion, self.postprocess(completion.text))
