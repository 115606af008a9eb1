"""The terminal's side-by-side view of two runs' consultations of one case: a rich table with a column per run,
a row per turn, the first divergent turn marked (the HTML page of the same is ``side_by_side.py``)."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from agentclinic_sim.cli.side_by_side import Pair, divergence_text, first_divergence, verdict_word
from agentclinic_sim.cli.views import ROLE_STYLE, ROLE_TITLE
from agentclinic_sim.transcript import EpisodeRecord
from agents.types import Turn

VERDICT_STYLE = {"correct": "green", "wrong": "red", "errored": "red", "no diagnosis": "red"}
DIVERGE_STYLE = "bold"


def pair_view(pair: Pair, names: tuple[str, str], position: str = "") -> RenderableType:
    """One case of two runs: the case, its correct diagnosis, each run's diagnosis and verdict, then the turns."""
    a, b = pair
    divergence = first_divergence(a.turns, b.turns)
    title = f"{a.case_id} · sample {a.sample}" + (f" · {position}" if position else "")
    facts = Table(title=title, title_style="bold", show_header=True, header_style="bold")
    facts.add_column("")
    for name in names:
        facts.add_column(escape(name), overflow="fold")
    facts.add_row("correct diagnosis", escape(a.correct_diagnosis), escape(b.correct_diagnosis))
    facts.add_row("diagnosis", escape(a.diagnosis or "—"), escape(b.diagnosis or "—"))
    facts.add_row("verdict", _verdict(a), _verdict(b))
    marker = "identical" if divergence is None else f"≠ {divergence_text(divergence)}"
    return Group(facts, Text(marker, style="bold yellow" if divergence is not None else "bold"), _turns(pair, names))


def _verdict(record: EpisodeRecord) -> Text:
    word = verdict_word(record)
    return Text(word + (f": {record.error}" if record.error else ""), style=VERDICT_STYLE[word])


def _turns(pair: Pair, names: tuple[str, str]) -> Table:
    a, b = pair
    divergence = first_divergence(a.turns, b.turns)
    table = Table(show_header=True, header_style="bold", expand=True, show_lines=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column(escape(names[0]), ratio=1, overflow="fold")
    table.add_column(escape(names[1]), ratio=1, overflow="fold")
    for index in range(max(len(a.turns), len(b.turns))):
        diverges = index == divergence
        table.add_row(
            Text(f"{index + 1} ≠", style="bold yellow") if diverges else str(index + 1),
            _turn(a.turns[index] if index < len(a.turns) else None),
            _turn(b.turns[index] if index < len(b.turns) else None),
            style=DIVERGE_STYLE if diverges else None,
        )
    return table


def _turn(turn: Turn | None) -> Text:
    if turn is None:
        return Text("")
    text = Text(ROLE_TITLE.get(turn.role, str(turn.role)) + "\n", style=f"bold {ROLE_STYLE.get(turn.role, 'white')}")
    text.append(turn.text)
    return text
