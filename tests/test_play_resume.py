"""``agentclinic play`` through the graph's interrupts: Ctrl-C at the person's turn saves the consultation,
``play --resume`` continues it from that turn, and the transcript is the one a single sitting gives."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from agentclinic_sim.checkpoints import CHECKPOINTS
from agentclinic_sim.play_session import PLAYS
from agentclinic_sim.transcript import TRANSCRIPTS

PLAY = [sys.executable, "-m", "agentclinic_sim.cli", "play", "--case", "demo:6"]
LINES = ["What brings you in?", "REQUEST TEST: Complete blood count", "DIAGNOSIS READY: Infectious mononucleosis"]
PROMPT = "You (doctor)"


def lines_of(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / TRANSCRIPTS).read_text().splitlines()]


def what_was_said(record: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(turn["role"], turn["text"], turn["backend"]) for turn in record["turns"]]


def play(out: Path, *extra: str, typed: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PLAY, "--out", str(out), *extra], input="".join(f"{line}\n" for line in typed), capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip


class Screen:
    """Collects a child's stdout on a thread, so the test can wait for a prompt without blocking on a read."""

    def __init__(self, process: subprocess.Popen[bytes]):
        self.text = ""
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        while chunk := os.read(process.stdout.fileno(), 4096):
            self.text += chunk.decode("utf-8", "replace")

    def wait_for(self, needle: str, count: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while self.text.count(needle) < count:
            assert time.monotonic() < deadline, f"no {count}x {needle!r} on the screen:\n{self.text}"
            time.sleep(0.05)


def test_play_interrupted_with_ctrl_c_and_resumed_ends_as_one_sitting(tmp_path: Path) -> None:
    whole = tmp_path / "one-sitting"
    result = play(whole, typed=LINES)
    assert result.returncode == 0, result.stderr
    [uncut] = lines_of(whole)

    out = tmp_path / "two-sittings"
    process = subprocess.Popen(
        [*PLAY, "--out", str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdin is not None and process.stderr is not None
    screen = Screen(process)
    try:
        screen.wait_for(PROMPT, 1)
        process.stdin.write(f"{LINES[0]}\n".encode())
        process.stdin.flush()
        screen.wait_for(PROMPT, 2)  # the patient has answered; the graph waits for the doctor's second turn
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 130
        stderr = process.stderr.read().decode()
    finally:
        if process.poll() is None:
            process.kill()
    assert "--resume" in stderr and "Traceback" not in stderr
    assert not (out / TRANSCRIPTS).exists() or not (out / TRANSCRIPTS).read_text().strip()
    assert (out / PLAYS).is_file() and (out / CHECKPOINTS).is_file()

    resumed = play(out, "--resume", typed=LINES[1:])
    assert resumed.returncode == 0, resumed.stderr
    assert "continuing with turn 2" in resumed.stdout and "Correct diagnosis" in resumed.stdout
    [record] = lines_of(out)
    assert what_was_said(record) == what_was_said(uncut)
    assert record["resumed_at_turn"] == 1
    assert (record["diagnosis"], record["correct"], record["reward"]) == (
        uncut["diagnosis"],
        uncut["correct"],
        uncut["reward"],
    )
    assert not (out / PLAYS).exists() and not list(out.glob(CHECKPOINTS + "*"))


def test_play_resume_with_nothing_saved_is_a_one_line_error(tmp_path: Path) -> None:
    result = play(tmp_path, "--resume", typed=[])
    assert result.returncode == 2 and "no saved consultation" in result.stderr and "Traceback" not in result.stderr


def test_the_end_of_input_saves_the_consultation_for_resume(tmp_path: Path) -> None:
    first = play(tmp_path, typed=LINES[:2])
    assert first.returncode == 1 and "--resume" in first.stderr
    second = play(tmp_path, "--resume", typed=LINES[2:])
    assert second.returncode == 0, second.stderr
    [record] = lines_of(tmp_path)
    assert [turn["role"] for turn in record["turns"]] == [
        "doctor", "patient", "doctor", "measurement", "doctor", "moderator",
    ]  # fmt: skip
    assert record["correct"] is True and record["resumed_at_turn"] == 2
