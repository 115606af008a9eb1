"""``OUT/events.jsonl``: the run's live events on disk, kept small, and followed by ``agentclinic watch``.

Each invocation of a run starts the file afresh (its first event, ``RunStarted``, carries the totals so far,
so nothing a viewer needs is lost). While the run goes on, the log folds every event into a ``RunProgress``;
when the file passes ``limit_bytes`` it is rewritten as the few events that rebuild that view (the totals,
the recently finished and errored episodes, each episode in flight at its latest turn). The transcript
holds every turn in full; this file is a view of the run, not its record, so it never grows with it.

Every new file replaces the old one with ``os.replace``, so a reader sees one whole file or the other, and
knows the file was replaced when the path names another inode than the one it has open (``EventFollower``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Generic, TextIO, TypeVar

from pydantic import BaseModel, ValidationError

from agentclinic_sim.events import (
    EVENT_ADAPTER,
    EpisodeStarted,
    EventHook,
    RunEnded,
    RunProgress,
    RunStarted,
    TurnTaken,
)

Progress = TypeVar("Progress", bound=RunProgress)
EVENT_LOG_LIMIT = 1 << 20
"""Bytes the event file may reach before it is rewritten as the view it adds up to."""


def view_events(view: RunProgress) -> list[BaseModel]:
    """The shortest stream that rebuilds ``view`` in a fresh ``RunProgress``."""
    recent = list(view.recent)
    older_errors = [event for event in view.errors if not any(event is seen for seen in recent)]
    replayed = older_errors + recent  # an error no longer among the recent ones ended before all of them
    events: list[BaseModel] = [
        RunStarted(
            total=view.total,
            done=view.done - len(replayed),
            correct=view.correct - sum(bool(event.correct) for event in replayed),
            errored=view.errored - sum(event.error is not None for event in replayed),
        ),
        *replayed,
    ]
    for line in view.in_flight.values():
        events.append(EpisodeStarted(case_id=line.case_id, sample=line.sample, max_turns=line.max_turns))
        if line.role:
            events.append(
                TurnTaken(case_id=line.case_id, sample=line.sample, turn=line.turn, role=line.role, text=line.text)
            )
    if view.finished:
        events.append(RunEnded(done=view.done, correct=view.correct, errored=view.errored, stopped=view.stopped))
    return events


class EventLog:
    """Appends events to ``OUT/events.jsonl`` (a fresh file per invocation, rewritten smaller past
    ``limit_bytes``) and passes each to ``hook``."""

    def __init__(self, path: Path, hook: EventHook | None = None, limit_bytes: int = EVENT_LOG_LIMIT):
        self.path = path
        self.hook = hook
        self.limit_bytes = limit_bytes
        self.view = RunProgress()
        self.rewrites = 0
        self._handle: TextIO = self._replace([])

    def _replace(self, events: list[BaseModel]) -> TextIO:
        """Atomically put a file holding ``events`` at ``path`` and return it open for appending."""
        temporary = self.path.with_name(self.path.name + ".tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            handle.writelines(event.model_dump_json() + "\n" for event in events)
        os.replace(temporary, self.path)
        return self.path.open("a", encoding="utf-8")

    def __call__(self, event: BaseModel) -> None:
        self.view.apply(event)
        self._handle.write(event.model_dump_json() + "\n")
        self._handle.flush()
        if self._handle.tell() > self.limit_bytes:
            self._handle.close()
            self._handle = self._replace(view_events(self.view))
            self.rewrites += 1
        if self.hook is not None:
            self.hook(event)

    def close(self) -> None:
        self._handle.close()


class EventFollower(Generic[Progress]):
    """Follows ``OUT/events.jsonl`` into a fresh ``new_view()`` (a ``RunProgress``, or the face's live view),
    starting over when the file is replaced (a new invocation of the run, or the log rewritten smaller)."""

    def __init__(self, path: Path, new_view: Callable[[], Progress]):
        self.path = path
        self.new_view = new_view
        self.view = new_view()
        self.events = 0
        self.not_events = 0
        """Whole lines that were not an event (a file that holds only those is not an event log)."""
        self._handle: TextIO = path.open(encoding="utf-8", errors="replace")

    def replaced(self) -> bool:
        try:
            return os.stat(self.path).st_ino != os.fstat(self._handle.fileno()).st_ino
        except FileNotFoundError:
            return False  # between a rewrite's two steps there is always a file; a deleted run keeps its view

    def poll(self) -> Progress:
        """Apply what was appended since the last poll (after a replacement, the new file from its start)."""
        if self.replaced():
            self._handle.close()
            self._handle = self.path.open(encoding="utf-8", errors="replace")
            self.view = self.new_view()
        for event in self._read():
            self.view.apply(event)
        return self.view

    def _read(self) -> Iterator[Any]:
        """The whole lines from the handle's position on; a partial last line is left for the next poll."""
        while True:
            position = self._handle.tell()
            line = self._handle.readline()
            if not line:
                return
            if not line.endswith("\n"):
                self._handle.seek(position)
                return
            try:
                yield EVENT_ADAPTER.validate_json(line)
                self.events += 1
            except ValidationError:
                self.not_events += 1

    def close(self) -> None:
        self._handle.close()
