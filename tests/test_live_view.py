"""The live view of a run, rendered from a recorded event stream (``OUT/events.jsonl``): mid-run (episodes in
flight with their turn and latest line, running accuracy, an error as it happened) and at the end."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from openai_stub import OpenAIStub, play_clinic_role
from rich.console import Console
from typer.testing import CliRunner

from agentclinic_sim.cli import app
from agentclinic_sim.live import EVENT_ADAPTER, EVENTS, LiveView

KEY_ENV = "AGENTCLINIC_TEST_KEY"


pytestmark = pytest.mark.usefixtures("stub_api_key")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The event lines of a 3-episode run whose first episode's first call fails for good."""
    out = tmp_path_factory.mktemp("live") / "run"
    with pytest.MonkeyPatch.context() as patch, OpenAIStub(responder=play_clinic_role) as server:
        patch.setenv(KEY_ENV, "sk-test-key")
        server.add_faults(("status", 500))
        uri = f"openai:m@{server.base_url}"
        result = CliRunner().invoke(
            app,
            ["run", "--doctor", uri, "--patient", uri, "--moderator", uri, "--limit", "3", "--concurrency", "1"]
            + ["--max-retries", "0", "--api-key-env", KEY_ENV, "--out", str(out)],
        )
    assert result.exit_code == 0, result.output
    return (out / EVENTS).read_text(encoding="utf-8").splitlines(keepends=True)


def render(lines: list[str]) -> str:
    view = LiveView("medqa run")
    for line in lines:
        view.apply(EVENT_ADAPTER.validate_json(line))
    console = Console(file=io.StringIO(), width=160, color_system=None)
    console.print(view)
    return console.file.getvalue()  # type: ignore[attr-defined]


def test_the_recorded_stream_tells_the_whole_run(recorded: list[str]) -> None:
    kinds = [json.loads(line)["kind"] for line in recorded]
    assert kinds[0] == "run_started" and kinds[-1] == "run_ended"
    assert kinds.count("episode_started") == kinds.count("episode_ended") == 3
    turns = [json.loads(line) for line in recorded if json.loads(line)["kind"] == "turn"]
    assert [(t["role"], t["turn"]) for t in turns if t["case_id"] == "demo:1"] == [
        ("doctor", 1), ("patient", 1), ("doctor", 2), ("measurement", 2), ("doctor", 3), ("moderator", 3),
    ]  # fmt: skip


def test_mid_run_view_shows_turns_in_flight_accuracy_and_errors(recorded: list[str]) -> None:
    # cut the stream just after the third episode's patient has answered
    cut = next(
        index for index, line in enumerate(recorded) if '"case_id":"demo:2"' in line and '"role":"patient"' in line
    )
    screen = render(recorded[: cut + 1])
    assert "2/3 done" in screen and "accuracy 100.0% (1/1)" in screen and "errors 1" in screen
    assert "1 in flight" in screen
    assert "demo:2 · 0" in screen and "1/20" in screen and "Patient: It has been bothering me for a week." in screen
    assert "demo:1 · 0  correct: Something rare (3 turns)" in screen
    assert "demo:0 · 0: BackendError" in screen and "500" in screen


def test_final_view_and_watch_once_agree(recorded: list[str], tmp_path: Path) -> None:
    screen = render(recorded)
    assert "3/3 done" in screen and "· finished" in screen and "accuracy 100.0% (2/2)" in screen
    assert "demo:2 · 0" in screen and "demo:0 · 0  error" in screen

    events = tmp_path / EVENTS
    events.write_text("".join(recorded[:-1]) + recorded[-1][:20], encoding="utf-8")  # a run still writing a line
    watched = CliRunner().invoke(app, ["watch", str(tmp_path), "--once"])
    assert watched.exit_code == 0, watched.output
    assert "3/3 done" in watched.output and "· finished" not in watched.output and "0 in flight" in watched.output


def test_run_live_shows_the_view_and_watch_needs_a_run(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", "--doctor", "oracle", "--limit", "2", "--live", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2/2 done" in result.output and "· finished" in result.output
    missing = CliRunner().invoke(app, ["watch", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "not found" in missing.output and "Traceback" not in missing.output
