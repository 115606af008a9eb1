"""A run folder is one process's at a time, a stopped run says so to its watchers, and ``run.json`` must
hold a run's settings."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from agentclinic_sim.cli import app
from agentclinic_sim.events import EVENTS
from agentclinic_sim.run_folder import LOCK, RUN_SETTINGS, holding
from agentclinic_sim.transcript import TRANSCRIPTS
from models.backends.openai_stub import OpenAIStub, play_clinic_role  # noqa: E402


def stop_a_run(
    out: Path, server: OpenAIStub, *, after_requests: int, sent: signal.Signals, again_after_s: float | None = None
) -> int:
    """Start a run with the doctor on ``server`` (two episodes at a time), send it ``sent`` once the server has
    had ``after_requests`` requests (and once more ``again_after_s`` later), and return its exit status."""
    process = subprocess.Popen(
        [sys.executable, "-m", "agentclinic_sim.cli", "run", "--out", str(out),
         "--doctor", f"openai:m@{server.base_url}", "--concurrency", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "OPENAI_API_KEY": "sk-test"},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while len(server.requests) < after_requests:
            assert time.monotonic() < deadline and process.poll() is None, "the run never asked the doctor"
            time.sleep(0.05)
        process.send_signal(sent)
        if again_after_s is not None:
            time.sleep(again_after_s)
            if process.poll() is None:
                process.send_signal(sent)
        return process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()


def refused_as_in_use(args: list[str]) -> None:
    result = CliRunner().invoke(app, args, input="DIAGNOSIS READY: flu\n")
    assert result.exit_code == 2, (args, result.output)
    assert "in use by another agentclinic process" in result.output and f"pid {os.getpid()}" in result.output


def test_a_second_run_or_play_in_a_folder_in_use_is_refused(tmp_path: Path) -> None:
    fresh, ran, played = tmp_path / "fresh", tmp_path / "ran", tmp_path / "played"
    assert CliRunner().invoke(app, ["run", "--out", str(ran), "--doctor", "oracle", "--limit", "1"]).exit_code == 0
    for out, args in (
        (fresh, ["run", "--out", str(fresh), "--doctor", "oracle", "--limit", "1"]),
        (ran, ["run", "--out", str(ran), "--resume"]),
        (played, ["play", "--out", str(played), "--case", "demo:0"]),
    ):
        with holding(out):  # another process's, as far as flock can tell (a file opened apart)
            refused_as_in_use(args)
    assert not (fresh / TRANSCRIPTS).exists() and not (fresh / RUN_SETTINGS).exists()
    assert len((ran / TRANSCRIPTS).read_text().splitlines()) == 1
    assert not (played / TRANSCRIPTS).exists()
    resumed = CliRunner().invoke(app, ["run", "--out", str(ran), "--resume"])
    assert resumed.exit_code == 0, resumed.output  # the lock went with its holder
    assert len((ran / TRANSCRIPTS).read_text().splitlines()) == 1


def test_a_folder_made_only_for_the_lock_is_removed(tmp_path: Path) -> None:
    out = tmp_path / "new" / "play"
    result = CliRunner().invoke(app, ["play", "--out", str(out), "--dataset", "nope"])
    assert result.exit_code == 2
    assert not (tmp_path / "new").exists()
    with holding(tmp_path):  # a folder that was there stays, and keeps its lock file
        pass
    assert (tmp_path / LOCK).is_file()


def test_a_run_stopped_with_ctrl_c_tells_its_watchers(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with OpenAIStub(responder=play_clinic_role, delay_s=0.5) as server:
        assert stop_a_run(out, server, after_requests=3, sent=signal.SIGINT) == 130
    last = json.loads((out / EVENTS).read_text().splitlines()[-1])
    assert last["kind"] == "run_ended" and last["stopped"] is True
    watched = CliRunner().invoke(app, ["watch", str(out), "--once"])
    assert watched.exit_code == 0 and "stopped (continue with --resume)" in watched.output
    followed = subprocess.run(
        [sys.executable, "-m", "agentclinic_sim.cli", "watch", str(out)], capture_output=True, text=True, timeout=60
    )  # follows until the run ends: here, at once
    assert followed.returncode == 0 and "stopped" in followed.stdout + followed.stderr


def test_ctrl_c_pressed_twice_still_exits_130(tmp_path: Path) -> None:
    with OpenAIStub(responder=play_clinic_role, delay_s=0.5) as server:
        for gap_s in (0.05, 0.3):  # during the first one's clean-up, and during the interpreter's shutdown
            out = tmp_path / f"run-{gap_s}"
            code = stop_a_run(
                out, server, after_requests=len(server.requests) + 3, sent=signal.SIGINT, again_after_s=gap_s
            )
            assert code == 130, f"second Ctrl-C {gap_s} s after the first: exit {code}"
            assert json.loads((out / EVENTS).read_text().splitlines()[-1])["kind"] == "run_ended"


def test_a_run_record_without_settings_is_refused(tmp_path: Path) -> None:
    (tmp_path / RUN_SETTINGS).write_text("{}")
    result = CliRunner().invoke(app, ["run", "--out", str(tmp_path), "--resume"])
    assert result.exit_code == 2 and "not a readable run record" in result.output


def test_a_killed_run_has_its_time_recorded_before_any_episode_ends(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with OpenAIStub(responder=play_clinic_role, delay_s=1.0) as server:
        # two turns of each of the first two episodes: 2 s and more
        stop_a_run(out, server, after_requests=4, sent=signal.SIGKILL)
    assert not (out / TRANSCRIPTS).exists() or not (out / TRANSCRIPTS).read_text().strip()  # none had ended
    [invocation] = json.loads((out / RUN_SETTINGS).read_text())["invocations"]
    assert invocation["wall_s"] >= 1.0
