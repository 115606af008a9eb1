"""The run's scheduler: plays episodes concurrently, and keeps the invocation's time in ``run.json``.

``play_concurrently`` runs one coroutine per episode, at most ``concurrency`` at once; the first failure (a
Ctrl-C, a bug) cancels the rest and is raised as itself. ``InvocationClock`` writes the invocation's wall time to
the run's manifest at the end and at most once a second meanwhile, also while no episode ends, so that a killed
run has its time and episodes recorded.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from pathlib import Path
from typing import Any, TypeVar

from agentclinic_sim.run_folder import Invocation, RunManifest, write_json

Job = TypeVar("Job")
SAVE_INTERVAL_S = 1.0


async def gather_or_raise(coroutines: Iterable[Coroutine[Any, Any, None]]) -> None:
    """Run all; the first exception cancels the rest and is raised as itself (not an ExceptionGroup)."""
    try:
        async with asyncio.TaskGroup() as group:
            for coroutine in coroutines:
                group.create_task(coroutine)
    except BaseExceptionGroup as group_error:
        first = group_error.exceptions[0]
        while isinstance(first, BaseExceptionGroup):
            first = first.exceptions[0]
        raise first from None


async def play_concurrently(jobs: Iterable[Job], concurrency: int, play: Callable[[Job], Awaitable[None]]) -> None:
    """``play(job)`` for every job, at most ``concurrency`` at a time."""
    semaphore = asyncio.Semaphore(concurrency)

    async def one(job: Job) -> None:
        async with semaphore:
            await play(job)

    await gather_or_raise(one(job) for job in jobs)


class InvocationClock:
    """This invocation's wall time, written to ``run.json`` (``manifest_path``) as it goes."""

    def __init__(self, manifest_path: Path, manifest: RunManifest, invocation: Invocation):
        self.path = manifest_path
        self.manifest = manifest
        self.invocation = invocation
        self.started = self.saved_at = time.perf_counter()

    def save(self, *, now: bool = True) -> None:
        """Record the wall time so far: now, or when a second has passed since the last record."""
        elapsed = time.perf_counter()
        if now or elapsed - self.saved_at >= SAVE_INTERVAL_S:
            self.invocation.wall_s, self.saved_at = elapsed - self.started, elapsed
            write_json(self.path, self.manifest.model_dump(mode="json"))

    async def keep(self) -> None:
        """Save once a second until cancelled."""
        while True:
            await asyncio.sleep(SAVE_INTERVAL_S)
            self.save(now=False)
