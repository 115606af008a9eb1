"""The live view of a run, rendered from a recorded event stream (``OUT/events.jsonl``): mid-run (episodes in
flight with their turn and latest line, running accuracy, an error as it happened) and at the end."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pydantic import BaseModel
from rich.console import Console
from typer.testing import CliRunner

from agentclinic_sim.cli import app
from agentclinic_sim.cli.live import LiveView
from agentclinic_sim.event_log import EventFollower, EventLog
from agentclinic_sim.events import (
    EVENT_ADAPTER,
    EVENTS,
    EpisodeEnded,
    EpisodeStarted,
    RunEnded,
    RunStarted,
    TurnTaken,
)
from models.backends.openai_stub import OpenAIStub, play_clinic_role

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


def synthetic_run(episodes: int = 40, in_flight: int = 4) -> list[BaseModel]:
    """A run's events with ``in_flight`` episodes interleaved, every seventh one ending in an error."""
    events: list[BaseModel] = [RunStarted(total=episodes)]
    for start in range(0, episodes, in_flight):
        group = range(start, min(start + in_flight, episodes))
        events += [EpisodeStarted(case_id=f"demo:{n}", sample=0, max_turns=20) for n in group]
        for turn in range(1, 4):
            for n in group:
                events.append(TurnTaken(case_id=f"demo:{n}", sample=0, turn=turn, role="doctor", text=f"q{turn} " * 9))
                events.append(TurnTaken(case_id=f"demo:{n}", sample=0, turn=turn, role="patient", text="a " * 30))
        for n in group:
            error = "BackendError: HTTP 500" if n % 7 == 3 else None
            events.append(
                EpisodeEnded(case_id=f"demo:{n}", sample=0, turns=3, diagnosis=None if error else "Flu",
                             correct=None if error else n % 2 == 0, error=error)
            )  # fmt: skip
    return [*events, RunEnded(done=episodes, correct=20, errored=6)]


def shown(view: LiveView) -> str:
    console = Console(file=io.StringIO(), width=160, color_system=None)
    console.print(view)
    return console.file.getvalue()  # type: ignore[attr-defined]


def test_the_event_file_stays_small_and_still_adds_up_to_the_same_view(tmp_path: Path) -> None:
    events = synthetic_run()
    path = tmp_path / EVENTS
    log = EventLog(path, limit_bytes=4000)
    follower = EventFollower(path, lambda: LiveView("run"))
    whole = LiveView("run")
    largest = 0
    for number, event in enumerate(events, 1):
        log(event)
        whole.apply(event)
        largest = max(largest, path.stat().st_size)
        if number % 9 == 0 or number == len(events):  # a watcher looking now and then, across rewrites
            assert shown(follower.poll()) == shown(whole)
            from_disk = LiveView("run")
            for line in path.read_text(encoding="utf-8").splitlines():
                from_disk.apply(EVENT_ADAPTER.validate_json(line))
            assert shown(from_disk) == shown(whole)  # a watcher starting now sees the same
    log.close()
    follower.close()
    total = sum(len(event.model_dump_json()) + 1 for event in events)
    assert log.rewrites >= 3 and total > 4 * 4000
    assert largest < 4000 + 2000  # the limit plus at most one view's worth of lines
    assert "errors 6" in shown(whole) and "accuracy" in shown(whole)


def test_each_invocation_starts_the_event_file_afresh_and_a_watcher_follows(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["run", "--doctor", "oracle", "--limit", "3", "--out", str(out)]
    assert CliRunner().invoke(app, args).exit_code == 0
    follower = EventFollower(out / EVENTS, lambda: LiveView("run"))
    assert "3/3 done" in shown(follower.poll())
    (out / "transcripts.jsonl").write_text(
        "".join((out / "transcripts.jsonl").read_text().splitlines(keepends=True)[:2])
    )  # the third episode lost: the resume plays it
    assert CliRunner().invoke(app, [*args, "--resume"]).exit_code == 0
    lines = (out / EVENTS).read_text().splitlines()
    first = json.loads(lines[0])
    assert first["kind"] == "run_started" and first["done"] == 2  # the earlier invocation's events are gone
    assert sum(json.loads(line)["kind"] == "episode_started" for line in lines) == 1
    view = follower.poll()  # the file was replaced under the watcher: it starts over, not mid-way
    assert "3/3 done" in shown(view) and "· finished" in shown(view)
    follower.close()


def test_watch_refuses_a_file_that_is_not_an_event_log(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert CliRunner().invoke(app, ["run", "--doctor", "oracle", "--limit", "1", "--out", str(out)]).exit_code == 0
    for wrong in ("transcripts.jsonl", "summary.json"):
        result = CliRunner().invoke(app, ["watch", str(out / wrong)])  # following would wait forever
        assert result.exit_code == 2 and "not a run's event log" in result.output, result.output
    assert CliRunner().invoke(app, ["watch", str(out / EVENTS), "--once"]).exit_code == 0
