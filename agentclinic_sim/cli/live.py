"""The live view of a run: its events folded into what a person watching wants.

``LiveView`` shows done / total, running accuracy, errors as they happen, and each episode in flight with its
current turn and latest line, in the replay viewer's colours. ``agentclinic run --live`` feeds it from the
runner's event hook; ``agentclinic watch OUT`` feeds it by following ``OUT/events.jsonl`` (the event schema is
the core's: ``agentclinic_sim.events``).
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from agentclinic_sim.cli.views import ROLE_STYLE, ROLE_TITLE
from agentclinic_sim.events import RunProgress


class LiveView(RunProgress):
    """A run's progress (``RunProgress``) as a rich renderable."""

    def __init__(self, title: str = "run") -> None:
        super().__init__()
        self.title = title

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
