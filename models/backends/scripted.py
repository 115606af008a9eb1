"""A backend that answers from a list of replies (or a function of the messages): for tests and demos."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from models.backends.base import BackendError, Completion, GenerationConfig, Message, Usage

Responder = Callable[[Sequence[Message]], str]


class ScriptedBackend:
    """Replies in order from ``replies`` (or by calling ``responder``); records every request it saw.

    With ``cycle`` the replies repeat; otherwise running out raises ``BackendError``.
    """

    is_remote = False

    def __init__(
        self,
        replies: Sequence[str] | None = None,
        *,
        responder: Responder | None = None,
        cycle: bool = False,
        name: str = "scripted",
    ):
        if (replies is None) == (responder is None):
            raise ValueError("give exactly one of replies or responder")
        self.replies = list(replies or [])
        self.responder = responder
        self.cycle = cycle
        self.name = name
        self.requests: list[list[Message]] = []

    @classmethod
    def from_file(cls, path: str | Path, **kwargs: object) -> ScriptedBackend:
        """One reply per block; blocks are separated by a line holding only ``---``."""
        text = Path(path).read_text(encoding="utf-8")
        blocks = [block.strip() for block in text.split("\n---\n")]
        return cls([block for block in blocks if block], name=f"scripted:{path}", **kwargs)  # type: ignore[arg-type]

    async def chat(self, messages: Sequence[Message], config: GenerationConfig) -> Completion:
        start = time.perf_counter()
        self.requests.append(list(messages))
        if self.responder is not None:
            text = self.responder(messages)
        else:
            index = len(self.requests) - 1
            if index >= len(self.replies) and not self.cycle:
                raise BackendError(f"{self.name}: ran out of scripted replies after {len(self.replies)}")
            text = self.replies[index % len(self.replies)]
        prompt_words = sum(len(message.content.split()) for message in messages)
        return Completion(
            text=text,
            usage=Usage(prompt_tokens=prompt_words, completion_tokens=len(text.split())),
            latency_s=time.perf_counter() - start,
            backend=self.name,
        )
