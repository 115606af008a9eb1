"""A run's event stream: what happens in a run, as one JSON line each in ``OUT/events.jsonl``.

The runner turns each episode's graph updates (``astream(stream_mode="updates")``: the doctor node's
utterance, each response node's new dialogue) into ``RunEvent`` s, appends them to ``OUT/events.jsonl``
(one JSON line each, flushed, not synced: a crash loses at most the last few, and they are a view, not a
record) and hands them to an optional hook. ``event_log.py`` keeps the file and follows it; the terminal
face's live view (``agentclinic_sim.cli.live``) folds the events into what a person watching wants.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter

EVENTS = "events.jsonl"
TEXT_LIMIT = 160
"""Characters of a turn's text kept in an event (the transcript holds the whole of it)."""
RECENT = 6
"""Finished episodes (and errors) a ``RunProgress`` keeps."""


class RunStarted(BaseModel):
    kind: Literal["run_started"] = "run_started"
    at: float = Field(default_factory=time.time)
    total: int
    done: int = Field(0, description="Episodes already in the transcript (a resumed run).")
    correct: int = 0
    errored: int = 0


class EpisodeStarted(BaseModel):
    kind: Literal["episode_started"] = "episode_started"
    case_id: str
    sample: int
    max_turns: int
    turn: int = Field(0, description="Doctor turns already taken (a resumed episode).")


class TurnTaken(BaseModel):
    kind: Literal["turn"] = "turn"
    case_id: str
    sample: int
    turn: int = Field(description="Doctor turns so far, this one included when the doctor spoke.")
    role: str
    text: str
    backend: str = ""


class EpisodeEnded(BaseModel):
    kind: Literal["episode_ended"] = "episode_ended"
    case_id: str
    sample: int
    turns: int
    diagnosis: str | None = None
    correct: bool | None = None
    error: str | None = None


class RunEnded(BaseModel):
    kind: Literal["run_ended"] = "run_ended"
    at: float = Field(default_factory=time.time)
    done: int
    correct: int
    errored: int
    stopped: bool = Field(False, description="Stopped before its episodes were done (Ctrl-C, or a failure).")


RunEvent = Annotated[RunStarted | EpisodeStarted | TurnTaken | EpisodeEnded | RunEnded, Field(discriminator="kind")]
EVENT_ADAPTER: TypeAdapter[RunEvent] = TypeAdapter(RunEvent)
EventHook = Callable[[Any], None]


def clip(text: str, limit: int = TEXT_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class EpisodeLine(BaseModel):
    case_id: str
    sample: int
    max_turns: int
    turn: int = 0
    role: str = ""
    text: str = ""


class RunProgress:
    """Where a run stands, folded from its events: done / total, correct and errored, the episodes in flight
    with their latest line, and the few that finished or failed last. The terminal face's live view draws it;
    the event log rewrites itself smaller from it."""

    def __init__(self) -> None:
        self.total = self.done = self.correct = self.errored = 0
        self.finished = False
        self.stopped = False
        self.in_flight: dict[tuple[str, int], EpisodeLine] = {}
        self.recent: deque[EpisodeEnded] = deque(maxlen=RECENT)
        self.errors: deque[EpisodeEnded] = deque(maxlen=RECENT)

    @property
    def accuracy(self) -> float | None:
        scored = self.done - self.errored
        return self.correct / scored if scored else None

    def apply(self, event: Any) -> None:
        if isinstance(event, RunStarted):
            self.total, self.done, self.correct, self.errored = event.total, event.done, event.correct, event.errored
            self.in_flight.clear()  # episodes of a killed invocation that never ended
            self.finished = self.stopped = False
        elif isinstance(event, EpisodeStarted):
            key = (event.case_id, event.sample)
            self.in_flight[key] = EpisodeLine(
                case_id=event.case_id, sample=event.sample, max_turns=event.max_turns, turn=event.turn
            )
        elif isinstance(event, TurnTaken):
            line = self.in_flight.get((event.case_id, event.sample))
            if line is not None:
                line.turn, line.role, line.text = event.turn, event.role, event.text
        elif isinstance(event, EpisodeEnded):
            self.in_flight.pop((event.case_id, event.sample), None)
            self.done += 1
            self.correct += bool(event.correct)
            self.errored += event.error is not None
            self.recent.append(event)
            if event.error is not None:
                self.errors.append(event)
        elif isinstance(event, RunEnded):
            self.done, self.correct, self.errored = event.done, event.correct, event.errored
            self.finished, self.stopped = True, event.stopped
            if event.stopped:
                self.in_flight.clear()  # they stay unfinished until --resume
