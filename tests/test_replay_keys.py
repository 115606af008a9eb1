"""The replay viewer driven through a real pseudo-terminal: arrow keys arrive as the escape sequences a terminal
sends (``ESC [ C``, or ``ESC O C`` in application-cursor mode), byte for byte, and must move the viewer the right way;
Esc alone stays Esc and the next key still works (issue 21, item 7)."""

from __future__ import annotations

import os
import re
import select
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentclinic_sim.transcript import TRANSCRIPTS, EpisodeRecord

termios = pytest.importorskip("termios")  # a POSIX terminal is what is under test
fcntl = pytest.importorskip("fcntl")

RIGHT, LEFT, DOWN, UP = b"\x1b[C", b"\x1b[D", b"\x1b[B", b"\x1b[A"
CLEAR = b"\x1b[2J"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
POSITION = re.compile(r"case (\d+)/\d+ · turn (\d+)/\d+")
DRAWN = re.compile(r"filter: \w+\r?\n")  # the help line closes every screen the viewer draws
QUIET_S = 0.3  # a screen is finished when nothing more comes for this long
DEADLINE_S = 30.0  # the most one wait may take (the first screen includes the CLI's start-up)


@pytest.fixture
def run_folder(tmp_path: Path) -> Path:
    """Three cases of four turns each."""
    from agents.types import Turn

    records = [
        EpisodeRecord(
            case_id=f"demo:{case}",
            dataset="demo",
            correct=True,
            objective="Assess the patient.",
            correct_diagnosis="Asthma",
            diagnosis="Asthma",
            turns=[Turn(role="doctor" if t % 2 == 0 else "patient", text=f"utterance {t}") for t in range(4)],
            turns_used=2,
        )
        for case in range(3)
    ]
    (tmp_path / TRANSCRIPTS).write_text("".join(r.model_dump_json() + "\n" for r in records), encoding="utf-8")
    return tmp_path


class Terminal:
    """``agentclinic replay`` running on the slave side of a 40x120 pty; we type on the master side."""

    def __init__(self, master: int, process: subprocess.Popen[bytes]):
        self.master = master
        self.process = process
        self.output = b""

    def _read(self, timeout: float) -> bool:
        if not select.select([self.master], [], [], timeout)[0]:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the viewer has exited and closed its side
            chunk = b""
        self.output += chunk
        return bool(chunk)

    def screen(self) -> str:
        """Wait for the next screen the viewer draws and for it to settle; its text without colours."""
        start, deadline = len(self.output), time.monotonic() + DEADLINE_S
        while not DRAWN.search(ANSI.sub("", self.output[start:].decode("utf-8", "replace"))):
            assert time.monotonic() < deadline, f"no screen drawn; got {self.output[start:][-500:]!r}"
            assert self._read(0.2) or self.process.poll() is None, f"viewer exited: {self.output[-500:]!r}"
        while time.monotonic() < deadline and self._read(QUIET_S):
            pass
        last = self.output[self.output.rfind(CLEAR) :]
        return ANSI.sub("", last.decode("utf-8", "replace"))

    def position(self) -> tuple[int, int]:
        """(case, turn) as the last settled screen shows it, both counted from 1."""
        found = POSITION.findall(self.screen())
        assert found, f"no position on screen: {self.output[-500:]!r}"
        case, turn = found[-1]
        return int(case), int(turn)

    def press(self, key: bytes) -> tuple[int, int]:
        """Send one key's bytes in a single write, as a terminal does, and return where the viewer went."""
        os.write(self.master, key)
        return self.position()


@pytest.fixture
def terminal(run_folder: Path) -> Iterator[Terminal]:
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    unset = {"NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES"}  # the pty's own size and colours, not the caller's
    env = {key: value for key, value in os.environ.items() if key not in unset} | {"TERM": "xterm"}
    process = subprocess.Popen(
        [sys.executable, "-m", "agentclinic_sim.cli", "replay", str(run_folder)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    try:
        yield Terminal(master, process)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        os.close(master)


def quit_viewer(terminal: Terminal) -> None:
    os.write(terminal.master, b"q")
    assert terminal.process.wait(timeout=10) == 0


def test_arrow_keys_move_by_turn_and_by_case(terminal: Terminal) -> None:
    assert terminal.position() == (1, 1)
    assert terminal.press(RIGHT) == (1, 2)  # → at turn 1 goes forward, not nowhere
    assert terminal.press(RIGHT) == (1, 3)  # → at turn 2 goes forward, not back to turn 1
    assert terminal.press(LEFT) == (1, 2)  # ← goes back one turn
    assert terminal.press(DOWN) == (2, 1)  # ↓ goes to the next case
    assert terminal.press(DOWN) == (3, 1)
    assert terminal.press(UP) == (2, 1)  # ↑ goes to the previous case
    quit_viewer(terminal)


def test_esc_alone_is_esc_and_the_next_keys_still_work(terminal: Terminal) -> None:
    assert terminal.position() == (1, 1)
    assert terminal.press(b"\x1b") == (1, 1)  # Esc alone: redrawn, nothing moves
    assert terminal.press(RIGHT) == (1, 2)  # and it did not eat or garble the next key
    assert terminal.press(b"\x1b") == (1, 2)
    assert terminal.press(b"n") == (2, 1)
    assert terminal.press("é".encode()) == (2, 1)  # a two-byte character is one (unbound) key
    assert terminal.press(b"l") == (2, 2)
    quit_viewer(terminal)


def test_application_cursor_arrows_and_keys_typed_ahead(terminal: Terminal) -> None:
    assert terminal.position() == (1, 1)
    assert terminal.press(b"\x1bOC") == (1, 2)  # application-cursor mode (tmux, vim's keypad) sends ESC O C
    assert terminal.press(b"\x1bOB") == (2, 1)
    assert terminal.press(b"\x1bOA") == (1, 1)
    assert terminal.press(RIGHT + RIGHT + RIGHT) == (1, 4)  # a held arrow: three sequences in one read, none lost
    assert terminal.press(b"\x1bOD") == (1, 3)
    quit_viewer(terminal)
