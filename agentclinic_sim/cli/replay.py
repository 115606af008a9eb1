"""``agentclinic replay``: look at finished consultations — an interactive viewer on a terminal, the
whole transcripts when piped, or a standalone HTML page; with ``--against RUN_B``, the cases both runs hold
side by side (two columns, turn by turn, the first divergent turn marked), printed or as an HTML page.

Viewer keys: → / l / space next turn · ← / h previous turn · ↓ / ] / n next case · ↑ / [ / p previous
case · g / G first / last turn · f filter (all → correct → wrong) · s run summary · ? help · q quit.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from rich.console import Console, RenderableType

from agentclinic_sim.cli.console import console, err_console, fail
from agentclinic_sim.cli.html_files import check_html_target, write_html
from agentclinic_sim.cli.settings import SettingsInput, command_from_settings
from agentclinic_sim.cli.side_by_side import shared_pairs, side_by_side_page
from agentclinic_sim.cli.side_by_side_view import pair_view
from agentclinic_sim.cli.views import episode_body, episode_view, header, summary_table
from agentclinic_sim.metrics import RunSummary, recorded_wall_s, summarise
from agentclinic_sim.transcript import TRANSCRIPTS, EpisodeRecord, iter_latest_records, transcript_path
from scenarios import names_case

Only = Literal["correct", "wrong"]
FILTERS: tuple[Only | None, ...] = (None, "correct", "wrong")
HELP = (
    "→/l/space next turn · ←/h previous · ↓/]/n next case · ↑/[/p previous case · g/G first/last turn · "
    "f filter · s summary · q quit"
)
ARROWS = {  # the normal (ESC [ C) and the application-cursor (ESC O C) forms
    f"\x1b{intro}{final}": name
    for intro in "[O"
    for final, name in {"C": "right", "D": "left", "B": "down", "A": "up"}.items()
}


def load_records(path: Path, case: str | None = None, only: Only | None = None) -> list[EpisodeRecord]:
    """Each (case, sample) of the transcript once, by its latest record (as ``summary.json`` counts them), of
    ``case`` when given, filtered by ``only``."""

    def report(line: int, reason: str) -> None:
        err_console.print(f"[yellow]warning:[/] {transcript_path(path)}:{line}: skipped ({reason})")

    records = list(iter_latest_records(path, on_bad_line=report))
    if case:
        records = [r for r in records if names_case(r.case_id, case)]
    return filter_records(records, only)


def filter_records(records: list[EpisodeRecord], only: Only | None) -> list[EpisodeRecord]:
    if only == "correct":
        return [r for r in records if r.correct]
    if only == "wrong":
        return [r for r in records if r.correct is False]
    return records


def read_key() -> str:
    """One key press from the terminal (arrow keys as 'left', 'right', 'up', 'down'; Esc alone as Esc).

    The bytes come straight from the file descriptor: reading through ``sys.stdin`` would pull an arrow's whole
    escape sequence into Python's buffer, where ``select`` cannot see it, and the arrow would read as Esc then '['.
    """
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setraw(fd, termios.TCSANOW)  # not the default TCSAFLUSH, which drops keys typed ahead (a held arrow)
        key = _key_bytes(fd).decode("utf-8", "replace")
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    return ARROWS.get(key, key) or "q"  # nothing read: the terminal has gone, so quit rather than spin


def _key_bytes(fd: int) -> bytes:
    """One key's bytes: an escape sequence (CSI ``ESC [ … final``, SS3 ``ESC O x``), a UTF-8 character or a byte.
    After the first byte only what follows within 50 ms belongs to the key, so Esc alone is Esc and never blocks."""
    import select

    def follow() -> bytes:
        return os.read(fd, 1) if select.select([fd], [], [], 0.05)[0] else b""

    key = os.read(fd, 1)
    if key == b"\x1b":
        key += follow()
        if key == b"\x1bO":
            key += follow()
        elif key == b"\x1b[":  # parameters, then one final byte in @..~
            while byte := follow():
                key += byte
                if 0x40 <= byte[0] <= 0x7E:
                    break
    elif key and key[0] >= 0xC0:  # a UTF-8 lead byte: 1, 2 or 3 continuation bytes
        for _ in range(1 + (key[0] >= 0xE0) + (key[0] >= 0xF0)):
            key += follow()
    return key


class Viewer:
    """The interactive replay: which episode and turn are shown, which filter, summary or not."""

    def __init__(self, records: list[EpisodeRecord], out: Console, wall_s: float | None = None):
        self.all_records = records
        self.wall_s = wall_s
        """the run's wall time, shown in the summary of all its records"""
        self.out = out
        self.filter_index = 0
        self.records = records
        self.episode = 0
        self.turn = 1
        self.show_summary = False

    @property
    def current(self) -> EpisodeRecord | None:
        return self.records[self.episode] if self.records else None

    def draw(self) -> None:
        self.out.clear()
        if self.show_summary:
            wall_s = self.wall_s if self.filter_index == 0 else None
            self.out.print(summary_table(summary_of(self.records, wall_s), f"summary · filter {self.filter_name}"))
        elif self.current is None:
            self.out.print(f"no episodes match the filter '{self.filter_name}'")
        else:
            position = f"case {self.episode + 1}/{len(self.records)} · turn {self.turn}/{len(self.current.turns)}"
            self.out.print(header(self.current, position))
            self._print_tail(episode_body(self.current, self.turn), reserve=len(self._lines(header(self.current))) + 3)
        self.out.print(f"[dim]{HELP} · filter: {self.filter_name}[/]")

    def _lines(self, renderable: RenderableType) -> list[str]:
        with self.out.capture() as captured:
            self.out.print(renderable)
        return captured.get().splitlines()

    def _print_tail(self, renderable: RenderableType, reserve: int) -> None:
        """Print what fits under the header: the latest turns, with a note of how much is above."""
        lines = self._lines(renderable)
        room = max(self.out.height - reserve - 1, 5)
        if len(lines) > room:
            self.out.print(f"[dim]… {len(lines) - room} earlier lines (← to step back)[/]")
            lines = lines[-room:]
        self.out.file.write("\n".join(lines) + "\n")
        self.out.file.flush()

    @property
    def filter_name(self) -> str:
        return FILTERS[self.filter_index] or "all"

    def handle(self, key: str) -> bool:
        """Apply one key; False means quit."""
        record = self.current
        last_turn = len(record.turns) if record else 0
        if key in {"q", "\x03", "\x04"}:
            return False
        if key in {"right", "l", " "}:
            self.turn = min(self.turn + 1, last_turn)
        elif key in {"left", "h"}:
            self.turn = max(self.turn - 1, 1)
        elif key in {"down", "]", "n"}:
            self._go(self.episode + 1)
        elif key in {"up", "[", "p"}:
            self._go(self.episode - 1)
        elif key == "g":
            self.turn = 1
        elif key == "G":
            self.turn = last_turn
        elif key == "f":
            self.filter_index = (self.filter_index + 1) % len(FILTERS)
            self.records = filter_records(self.all_records, FILTERS[self.filter_index])
            self._go(0)
        elif key == "s":
            self.show_summary = not self.show_summary
        return True

    def _go(self, episode: int) -> None:
        if self.records:
            self.episode = max(0, min(episode, len(self.records) - 1))
        self.turn = 1

    def run(self, keys: Iterator[str] | Callable[[], str]) -> None:
        next_key = keys if callable(keys) else lambda: next(keys, "q")
        self.draw()
        while self.handle(next_key()):
            self.draw()


def summary_of(records: list[EpisodeRecord], wall_s: float | None) -> RunSummary:
    """The records' summary, with the run's wall time (``wall_s``) when they are the whole run."""
    summary = summarise(records)
    summary.wall_s = wall_s
    return summary


def print_all(records: list[EpisodeRecord], out: Console, wall_s: float | None = None) -> None:
    for index, record in enumerate(records, start=1):
        out.print(episode_view(record, position=f"{index}/{len(records)}"))
    if records:
        out.print(summary_table(summary_of(records, wall_s), "summary"))


class ReplaySettings(BaseModel):
    """Which consultations to replay, and where to."""

    path: Path = Field(description="A run folder or a transcripts.jsonl file.")
    case: str | None = Field(None, description="Only this case id (medqa:3 or 3).")
    only: Only | None = Field(None, description="Only correct or wrong episodes.")
    html: Path | None = Field(None, description="Write the selected consultations as a standalone HTML page.")
    against: Path | None = Field(
        None,
        description="Another run (folder or transcripts.jsonl): the cases both hold, side by side, the first "
        "divergent turn marked (--case and --only pick from PATH's).",
    )


def replay_from_settings(request: SettingsInput[ReplaySettings]) -> None:
    """Replay finished consultations: interactive on a terminal, printed whole when piped, or as HTML."""
    settings = request.build()
    path, case, only, html = settings.path, settings.case, settings.only, settings.html
    source = transcript_path(path)
    if not source.is_file():
        fail(f"{source}: no transcript file here (expected a run folder or a .jsonl file)")
    records = load_records(path, case, only)
    wall_s = recorded_wall_s(path) if case is None and only is None else None  # the whole run's, not a part's
    if not records:
        fail(f"no episodes in {source} match" + (f" case {case}" if case else "") + (f" --only {only}" if only else ""))
    if settings.against is not None:
        replay_against(settings, records)
        return
    if html is not None:
        check_html_target(html, source)
        page = Console(record=True, width=110, file=io.StringIO(), force_terminal=True, emoji=False)
        print_all(records, page, wall_s)
        write_html(html, page.export_html(inline_styles=True), f"{len(records)} consultations")
        return
    if sys.stdin.isatty() and sys.stdout.isatty():
        Viewer(records, console, wall_s).run(read_key)
    else:
        print_all(records, console, wall_s)


def replay_against(settings: ReplaySettings, records: list[EpisodeRecord]) -> None:
    """PATH's selected consultations beside the same cases of ``--against``: printed, or as an HTML page."""
    assert settings.against is not None
    other = transcript_path(settings.against)
    if not other.is_file():
        fail(f"--against {other}: no transcript file here (expected a run folder or a .jsonl file)")
    pairs = shared_pairs(records, load_records(settings.against, settings.case))
    if not pairs:
        what = f"case {settings.case}" if settings.case else "consultations"
        selected = " of those selected" if settings.only else ""
        fail(f"{transcript_path(settings.path)} and {other} share no {what}{selected}")
    names = run_names(settings.path, settings.against)
    if settings.html is not None:
        check_html_target(settings.html, transcript_path(settings.path), other)
        page = side_by_side_page(pairs, names, f"{names[0]} vs {names[1]}")
        write_html(settings.html, page, f"{len(pairs)} cases side by side")
        return
    for index, pair in enumerate(pairs, start=1):
        console.print(pair_view(pair, names, position=f"{index}/{len(pairs)}"))


def run_names(a: Path, b: Path) -> tuple[str, str]:
    """What to call two runs in column headings: their folders' names, or the paths as given when those match."""

    def name(path: Path) -> str:
        return path.name if path.is_dir() or path.name != TRANSCRIPTS else path.resolve().parent.name

    names = (name(a), name(b))
    return names if names[0] != names[1] else (str(a), str(b))


replay_command = command_from_settings(ReplaySettings, replay_from_settings, arguments=("path",), config_option=False)
"""``agentclinic replay PATH``: its options are ``ReplaySettings``' fields."""
