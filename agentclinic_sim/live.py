"""A run's event stream and its live view.

The runner turns each episode's graph updates (``astream(stream_mode="updates")``: the doctor node's
utterance, each response node's new dialogue) into ``RunEvent`` s, appends them to ``OUT/events.jsonl``
(one JSON line each, flushed, not synced: a crash loses at most the last few, and they are a view, not a
record) and hands them to an optional hook. ``LiveView`` folds events into what a person watching wants:
done / total, running accuracy, errors as they happen, and each episode in flight with its current turn
and latest line, in the replay viewer's colours. ``agentclinic run --live`` feeds it from the hook;
``agentclinic watch OUT`` feeds it by following the file (``event_log.py`` keeps the file and follows it).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from agentclinic_sim.views import ROLE_STYLE, ROLE_TITLE

EVENTS = "events.jsonl"
TEXT_LIMIT = 160
"""Characters of a turn's text kept in an event (the transcript holds the whole of it)."""
RECENT = 6


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


class LiveView:
    """What a run looks like now, built from its events; a rich renderable."""

    def __init__(self, title: str = "run") -> None:
        self.title = title
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

    def header(self) -> Text:
        accuracy = f"{self.accuracy:.1%}" if self.accuracy is not None else "-"
        if self.stopped:
            state = "stopped (continue with --resume)"
        else:
            state = "finished" if self.finished else f"{len(self.in_flight)} in flight"
        text = Text.assemble(
            (f"{self.title}  ", "bold"),
            f"{self.done}/{self.total} done · accuracy {accuracy} ({self.correct}/{self.done - self.errored}) · ",
            (f"errors {self.errored}", "red" if self.errored else ""),
            f" · {state}",
        )
        return text

    def episodes_table(self) -> Table:
        table = Table(expand=True, show_edge=False, pad_edge=False)
        table.add_column("episode", no_wrap=True)
        table.add_column("turn", no_wrap=True, justify="right")
        table.add_column("latest", ratio=1, overflow="ellipsis", no_wrap=True)
        for line in sorted(self.in_flight.values(), key=lambda item: (item.case_id, item.sample)):
            style = ROLE_STYLE.get(line.role, "white")
            latest = (
                Text.assemble((f"{ROLE_TITLE.get(line.role, line.role)}: ", f"bold {style}"), (line.text, style))
                if line.role
                else Text("waiting for the doctor", style="dim")
            )
            table.add_row(f"{line.case_id} · {line.sample}", f"{line.turn}/{line.max_turns}", latest)
        return table

    def finished_lines(self) -> list[Text]:
        lines = []
        for event in reversed(self.recent):
            if event.error is not None:
                mark, style = "error", "red"
            elif event.correct:
                mark, style = "correct", "green"
            else:
                mark, style = "wrong" if event.diagnosis else "no diagnosis", "red"
            diagnosis = f": {event.diagnosis}" if event.diagnosis else ""
            where = f"  {event.case_id} · {event.sample}  "
            lines.append(Text.assemble(where, (mark, f"bold {style}"), f"{diagnosis} ({event.turns} turns)"))
        return lines

    def __rich__(self) -> RenderableType:
        parts: list[RenderableType] = [self.header()]
        if self.in_flight:
            parts.append(self.episodes_table())
        if self.recent:
            parts.append(Text("recently finished", style="bold"))
            parts.extend(self.finished_lines())
        if self.errors:
            parts.append(Text("errors", style="bold red"))
            parts.extend(
                Text(f"  {event.case_id} · {event.sample}: {event.error or ''}", style="red") for event in self.errors
            )
        return Group(*parts)
