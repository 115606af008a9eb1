"""A person at the keyboard plays a role: the latest message is shown and the typed line is the reply."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence

from models.backends.base import Completion, GenerationConfig, Message


class HumanBackend:
    """Reads each reply from ``read`` (default: ``input``) after printing the latest message."""

    name = "human"
    is_remote = False

    def __init__(self, read: Callable[[str], str] = input, write: Callable[[str], None] = print):
        self.read = read
        self.write = write

    async def chat(self, messages: Sequence[Message], config: GenerationConfig) -> Completion:
        if messages:
            self.write(messages[-1].content)
        start = time.perf_counter()
        text = await asyncio.to_thread(self.read, "> ")
        return Completion(text=text, latency_s=time.perf_counter() - start, backend=self.name)
