"""The role interface the clinic calls, with sync and async forms, and the bridge between them.

Deterministic roles implement ``respond`` and get ``arespond`` for free; LLM roles implement
``arespond`` and get ``respond``, which runs the coroutine on one long-lived background event loop
(so an HTTP client made on that loop stays usable across calls).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from agents.types import Reply, Turn

T = TypeVar("T")

_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def _background_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _loop_lock:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="agentclinic-roles", daemon=True).start()
        return _loop


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from synchronous code (e.g. ``env.step`` with an LLM role)."""
    return asyncio.run_coroutine_threadsafe(coroutine, _background_loop()).result()


class DeterministicRole:
    """Base for roles computed in code: ``arespond`` simply calls ``respond``."""

    backend = "deterministic"

    def respond(self, text: str, history: Sequence[Turn]) -> Reply:
        raise NotImplementedError

    async def arespond(self, text: str, history: Sequence[Turn]) -> Reply:
        return self.respond(text, history)


class AsyncRole:
    """Base for roles that call a model: ``respond`` runs ``arespond`` on the background loop."""

    backend = "llm"

    async def arespond(self, text: str, history: Sequence[Turn]) -> Reply:
        raise NotImplementedError

    def respond(self, text: str, history: Sequence[Turn]) -> Reply:
        return run_sync(self.arespond(text, history))
