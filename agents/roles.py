"""The role interface the clinic calls, with sync and async forms, and the bridge between them.

Deterministic roles implement ``respond`` and get ``arespond`` for free; LLM roles implement
``arespond`` and get ``respond``, which runs the coroutine on one long-lived background event loop
(so an HTTP client made on that loop stays usable across calls). A synchronous call waits at most
``sync_timeout_s`` (default ``DEFAULT_SYNC_TIMEOUT_S``), then raises ``RoleTimeout``: ``env.step`` on an
LLM role never hangs for good.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from agents.types import Reply, Turn
from models.backends import BackendError

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


DEFAULT_SYNC_TIMEOUT_S = 600.0
"""Longer than one API request with its retries at the CLI's defaults; a backstop against a hung call."""


class RoleTimeout(BackendError):
    """A synchronous role call got no answer in time (its coroutine is cancelled)."""


def run_sync(coroutine: Coroutine[Any, Any, T], timeout_s: float | None = DEFAULT_SYNC_TIMEOUT_S) -> T:
    """Run a coroutine to completion from synchronous code (e.g. ``env.step`` with an LLM role).

    Waits at most ``timeout_s`` seconds (``None``: no limit), then cancels it and raises ``RoleTimeout``."""
    future = asyncio.run_coroutine_threadsafe(coroutine, _background_loop())
    try:
        return future.result(timeout=timeout_s)
    except concurrent.futures.TimeoutError:
        future.cancel()
        raise RoleTimeout(f"no answer within {timeout_s:g} s (raise sync_timeout_s for slower models)") from None


class DeterministicRole:
    """Base for roles computed in code: ``arespond`` simply calls ``respond``."""

    backend = "deterministic"
    in_process = True
    """Answers in code: asking again costs nothing and gives the same answer."""

    def respond(self, text: str, history: Sequence[Turn]) -> Reply:
        raise NotImplementedError

    async def arespond(self, text: str, history: Sequence[Turn]) -> Reply:
        return self.respond(text, history)


class AsyncRole:
    """Base for roles that call a model: ``respond`` runs ``arespond`` on the background loop."""

    in_process = False
    sync_timeout_s: float | None = DEFAULT_SYNC_TIMEOUT_S

    @property
    def backend(self) -> str:
        """What played the role, for the transcript: a subclass names its model."""
        return "llm"

    async def arespond(self, text: str, history: Sequence[Turn]) -> Reply:
        raise NotImplementedError

    def respond(self, text: str, history: Sequence[Turn]) -> Reply:
        return run_sync(self.arespond(text, history), self.sync_timeout_s)
