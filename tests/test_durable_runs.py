"""Durable runs: a run killed while a doctor call is in flight resumes each episode from its last completed
node (no completed turn is asked again, each episode is written once) and leaves no checkpoints behind."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agentclinic_sim.checkpoints import CHECKPOINTS
from agentclinic_sim.cli import app
from agentclinic_sim.transcript import TRANSCRIPTS
from models.backends.openai_stub import OpenAIStub, play_clinic_role

KEY_ENV = "AGENTCLINIC_TEST_KEY"


pytestmark = pytest.mark.usefixtures("stub_api_key")


def records(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / TRANSCRIPTS).read_text().splitlines()]


def request_key(request: dict[str, Any]) -> str:
    """What was asked: the same turn of the same episode asked twice gives the same key."""
    return json.dumps(request["messages"], sort_keys=True)


class SecondDiagnosis:
    """Plays every role, and calls ``on_second`` when the second episode's doctor asks for its diagnosis
    (the doctor's third turn, the first time it is asked)."""

    def __init__(self) -> None:
        self.diagnosis_calls = 0

    def on_second(self) -> None:
        raise NotImplementedError

    def __call__(self, body: dict[str, Any]) -> str:
        messages = body["messages"]
        doctor_turns = sum(message["role"] == "assistant" for message in messages)
        if messages[0]["content"].startswith("You are a physician") and doctor_turns == 2:
            self.diagnosis_calls += 1
            if self.diagnosis_calls == 2:
                self.on_second()
        return play_clinic_role(body)


class HoldSecondDiagnosis(SecondDiagnosis):
    """Holds that call until released."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = threading.Event()
        self.release = threading.Event()

    def on_second(self) -> None:
        self.in_flight.set()
        self.release.wait(60)


def test_a_run_killed_mid_call_resumes_without_asking_a_completed_turn_again(tmp_path: Path) -> None:
    out = tmp_path / "run"
    responder = HoldSecondDiagnosis()
    with OpenAIStub(responder=responder) as server:
        uri = f"openai:m@{server.base_url}"
        roles = ["--doctor", uri, "--patient", uri, "--measurement", uri, "--moderator", uri]
        command = [sys.executable, "-m", "agentclinic_sim.cli", "run", *roles, "--limit", "3", "--concurrency", "1"]
        process = subprocess.Popen(
            [*command, "--api-key-env", KEY_ENV, "--out", str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=os.environ.copy(),
        )
        try:
            assert responder.in_flight.wait(120), "the second episode's diagnosis was never asked"
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            responder.release.set()
            if process.poll() is None:
                process.kill()
        assert [r["case_id"] for r in records(out)] == ["demo:0"]
        asked_before = [request_key(request) for request in server.requests]
        assert len(asked_before) == 6 + 5  # episode 1 whole; episode 2 up to its diagnosis, in flight

        resumed = CliRunner().invoke(app, ["run", "--out", str(out), "--resume"])
        assert resumed.exit_code == 0, resumed.output
        asked_after = [request_key(request) for request in server.requests[len(asked_before) :]]

    # episode 2 asks its diagnosis again (its answer never came back) and the judge; episode 3 asks all six
    assert len(asked_after) == 2 + 6
    assert set(asked_before) & set(asked_after) == {asked_before[-1]}  # only the call cut off by the kill
    got = records(out)
    assert sorted(r["case_id"] for r in got) == ["demo:0", "demo:1", "demo:2"]
    second = next(r for r in got if r["case_id"] == "demo:1")
    assert second["resumed_at_turn"] == 2 and second["error"] is None
    assert [t["role"] for t in second["turns"]] == ["doctor", "patient", "doctor", "measurement", "doctor", "moderator"]
    assert [t["text"] for t in second["turns"]][:5] == [
        "Hello, what brings you in today?",
        "It has been bothering me for a week.",
        "REQUEST TEST: Complete_Blood_Count",
        "RESULTS: within normal limits",
        "DIAGNOSIS READY: Something rare",
    ]
    assert not list(out.glob(CHECKPOINTS + "*"))  # every episode is written: the database is gone


def test_deterministic_runs_skip_checkpoints_unless_asked_and_prune_them_when_asked(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    assert CliRunner().invoke(app, ["run", "--doctor", "oracle", "--limit", "2", "--out", str(plain)]).exit_code == 0
    assert not list(plain.glob(CHECKPOINTS + "*"))

    forced = tmp_path / "forced"
    result = CliRunner().invoke(
        app, ["run", "--doctor", "oracle", "--limit", "2", "--checkpoints", "--out", str(forced)]
    )
    assert result.exit_code == 0, result.output
    assert len(records(forced)) == 2 and not list(forced.glob(CHECKPOINTS + "*"))


def test_a_fresh_run_will_not_overwrite_episodes_in_progress(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    with sqlite3.connect(out / CHECKPOINTS) as connection:
        connection.execute("CREATE TABLE checkpoints (thread_id TEXT)")
        connection.execute("INSERT INTO checkpoints VALUES ('demo:0#0')")
    result = CliRunner().invoke(app, ["run", "--doctor", "oracle", "--limit", "1", "--out", str(out)])
    assert result.exit_code == 2 and "--resume" in result.output and "Traceback" not in result.output


class FailSecondDiagnosisOnce(SecondDiagnosis):
    """That call fails (a 500) the first time it is asked."""

    def on_second(self) -> None:
        raise RuntimeError("the model server fell over")


def test_retry_errored_plays_an_errored_episode_on_from_its_last_completed_turn(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with OpenAIStub(responder=FailSecondDiagnosisOnce()) as server:
        uri = f"openai:m@{server.base_url}"
        roles = ["--doctor", uri, "--patient", uri, "--measurement", uri, "--moderator", uri]
        first = CliRunner().invoke(
            app,
            ["run", *roles, "--limit", "3", "--concurrency", "1", "--max-retries", "0", "--api-key-env", KEY_ENV,
             "--out", str(out)],
        )  # fmt: skip
        assert first.exit_code == 0, first.output  # an errored episode is recorded and the run goes on
        assert [r["error"] is not None for r in records(out)] == [False, True, False]
        assert (out / CHECKPOINTS).is_file()  # the errored episode's turns are kept for the retry
        asked_before = [request_key(request) for request in server.requests]

        retried = CliRunner().invoke(app, ["run", "--out", str(out), "--retry-errored"])
        assert retried.exit_code == 0, retried.output
        asked_after = [request_key(request) for request in server.requests[len(asked_before) :]]

    assert len(asked_after) == 2  # the failed diagnosis, then the judge: no earlier turn is asked again
    assert asked_after[0] == asked_before[len(asked_before) - 7]  # the call that failed (episode 3 came after)
    second = next(r for r in records(out) if r["case_id"] == "demo:1")
    assert second["error"] is None and second["resumed_at_turn"] == 2
    assert [t["role"] for t in second["turns"]] == ["doctor", "patient", "doctor", "measurement", "doctor", "moderator"]
    assert len((out / "errored.jsonl").read_text().splitlines()) == 1
    assert not list(out.glob(CHECKPOINTS + "*"))  # nothing left to retry: the database is gone


def test_a_resume_keeps_an_errored_episode_for_a_later_retry(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with OpenAIStub(responder=FailSecondDiagnosisOnce()) as server:
        uri = f"openai:m@{server.base_url}"
        args = ["run", "--doctor", uri, "--limit", "2", "--concurrency", "1", "--max-retries", "0"]
        assert CliRunner().invoke(app, [*args, "--api-key-env", KEY_ENV, "--out", str(out)]).exit_code == 0
        again = CliRunner().invoke(app, ["run", "--out", str(out), "--resume"])  # nothing left to play
        assert again.exit_code == 0 and len(server.requests) == 6  # the errored one is still errored, not replayed
        assert (out / CHECKPOINTS).is_file()
        retried = CliRunner().invoke(app, ["run", "--out", str(out), "--retry-errored"])
        assert retried.exit_code == 0, retried.output
        assert len(server.requests) == 7  # only the diagnosis that failed
    assert all(r["error"] is None for r in records(out))
