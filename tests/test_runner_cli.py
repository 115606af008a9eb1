"""`agentclinic run`, `replay` and `play` end to end: a local OpenAI-compatible server, resume after a
kill, failing backends, MIMIC privacy, the replay viewer driven by keys."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from agentclinic_sim.cli import app
from agentclinic_sim.cli.replay import Viewer, load_records
from agentclinic_sim.metrics import summarise, wilson_interval
from agentclinic_sim.run_settings import RunError, RunSettings
from agentclinic_sim.runner import Runner
from agentclinic_sim.transcript import TRANSCRIPTS, EpisodeRecord, completed_keys, iter_records, repair_tail
from models.backends.openai_stub import OpenAIStub  # noqa: E402
from models.backends.openai_stub import play_clinic_role as clinic_responder  # noqa: E402

KEY_ENV = "AGENTCLINIC_TEST_KEY"
SECRET = "sk-test-runner-SECRET-987"


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    monkeypatch.setenv(KEY_ENV, SECRET)
    with OpenAIStub(responder=clinic_responder) as server:
        yield server


def run_cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def lines_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (path / TRANSCRIPTS).read_text(encoding="utf-8").splitlines()]


def test_run_with_every_role_on_a_local_openai_server(stub: OpenAIStub, tmp_path: Path) -> None:
    uri = f"openai:stub-model@{stub.base_url}"
    out = tmp_path / "run"
    result = run_cli(
        "run",
        "--limit",
        "3",
        "--doctor",
        uri,
        "--patient",
        uri,
        "--measurement",
        uri,
        "--moderator",
        uri,
        "--api-key-env",
        KEY_ENV,
        "--out",
        str(out),
        "--concurrency",
        "3",
    )
    assert result.exit_code == 0, result.output
    records = lines_of(out)
    assert len(records) == 3
    for record in records:
        assert [t["role"] for t in record["turns"]] == [
            "doctor",
            "patient",
            "doctor",
            "measurement",
            "doctor",
            "moderator",
        ]
        assert record["correct"] is True and record["judge"] == f"llm:{uri}"
        assert record["backends"] == {"doctor": uri, "patient": uri, "measurement": uri, "moderator": uri}
        assert all(t["completion_tokens"] > 0 and t["latency_s"] > 0 for t in record["turns"])
        assert record["tests_requested"] == ["Complete_Blood_Count"]
    assert len(stub.requests) == 3 * 6
    summary = json.loads((out / "summary.json").read_text())
    assert summary["completed"] == 3 and summary["accuracy"] == 1.0 and summary["errored"] == 0
    assert "accuracy" in result.output and "100.0%" in result.output
    everything = "".join(p.read_text(encoding="utf-8") for p in out.iterdir()) + result.output
    assert SECRET not in everything


def test_backend_that_always_fails_gives_errored_episodes_not_wrong_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)
    with OpenAIStub(fail_status=500) as failing:
        uri = f"openai:m@{failing.base_url}"
        out = tmp_path / "run"
        result = run_cli(
            "run", "--limit", "2", "--doctor", uri, "--max-retries", "1", "--api-key-env", KEY_ENV, "--out", str(out)
        )
    assert result.exit_code == 1  # nothing completed
    records = lines_of(out)
    assert len(records) == 2
    assert all(r["correct"] is None and "HTTP 500" in r["error"] for r in records)
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["errored"], summary["completed"], summary["accuracy"]) == (2, 0, None)
    assert len(failing.requests) == 2 * 2  # one try and one retry per episode


def test_partly_failing_run_goes_on_and_counts_errors_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)

    def flaky(body: dict[str, Any]) -> str:
        if "demo:1" in json.dumps(body) or "fever and productive cough" in json.dumps(body):
            raise RuntimeError("model crashed")
        return clinic_responder(body)

    with OpenAIStub(responder=flaky) as server:
        uri = f"openai:m@{server.base_url}"
        settings = RunSettings(
            limit=3, doctor=uri, moderator=uri, api_key_env=KEY_ENV, max_retries=0, out=tmp_path / "run"
        )
        summary = __import__("asyncio").run(Runner(settings).run())
    assert (summary.n, summary.errored, summary.completed) == (3, 1, 2)
    assert summary.accuracy == 1.0  # the errored episode is not counted as wrong


def test_resume_after_a_kill_leaves_one_whole_line_per_episode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)
    out = tmp_path / "run"
    with OpenAIStub(responder=clinic_responder, delay_s=0.05) as server:
        uri = f"openai:m@{server.base_url}"
        command = [
            sys.executable,
            "-m",
            "agentclinic_sim.cli",
            "run",
            "--doctor",
            uri,
            "--patient",
            uri,
            "--samples",
            "2",
            "--concurrency",
            "2",
            "--api-key-env",
            KEY_ENV,
            "--out",
            str(out),
        ]
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"}
        )
        transcript = out / TRANSCRIPTS
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if transcript.exists() and len(transcript.read_text().splitlines()) >= 4:
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        done_before = completed_keys(transcript)
        finished_before = len(done_before)
        assert 4 <= finished_before < 28
        with transcript.open("a") as handle:  # as if the crash came mid-line
            handle.write('{"case_id": "demo:0", "sample": 1, "turns": [{"role": "doc')
        requests_before = len(server.requests)

        resume = ["run", "--doctor", uri, "--patient", uri, "--samples", "2", "--api-key-env", KEY_ENV]
        resumed = run_cli(*resume, "--out", str(out), "--resume")
        assert resumed.exit_code == 0, resumed.output
        lines = transcript.read_text(encoding="utf-8").splitlines()
        keys = [(json.loads(line)["case_id"], json.loads(line)["sample"]) for line in lines]
        assert len(keys) == len(set(keys)) == 14 * 2
        # each episode left to do asks the server only for the turns after its checkpoint (4 for a fresh one)
        new = [r for r in map(json.loads, lines) if (r["case_id"], r["sample"]) not in done_before]
        asked = sum(
            turn["backend"].startswith("openai:")
            for record in new
            for turn in record["turns"][2 * (record["resumed_at_turn"] or 0) :]
        )
        assert len(new) == 28 - finished_before and asked <= len(new) * 4
        assert len(server.requests) - requests_before == asked

        requests_after = len(server.requests)
        again = run_cli(*resume, "--out", str(out), "--resume")
        assert again.exit_code == 0
        assert len(server.requests) == requests_after  # a finished run does no work
        assert len(transcript.read_text().splitlines()) == 28


def test_out_folder_with_episodes_needs_resume(tmp_path: Path) -> None:
    first = run_cli("run", "--doctor", "oracle", "--limit", "2", "--out", str(tmp_path))
    assert first.exit_code == 0
    second = run_cli("run", "--doctor", "oracle", "--limit", "2", "--out", str(tmp_path))
    assert second.exit_code == 2 and "--resume" in second.output


def test_oracle_run_and_bad_options(tmp_path: Path) -> None:
    result = run_cli("run", "--doctor", "oracle", "--out", str(tmp_path / "o"))
    assert result.exit_code == 0
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["accuracy"] == 1.0 and summary["n"] == 14
    for args, message in [
        (["--doctor", "nonsense:x"], "unknown backend"),
        (["--cases", "demo:99"], "unknown case id"),
        (["--dataset", "nope"], "unknown dataset"),
        (["--doctor-bias", "grumpy"], "--doctor-bias: Input should be"),
        (["--resume"], "--resume needs --out"),
    ]:
        bad = run_cli("run", *args)
        assert bad.exit_code == 2, (args, bad.output)
        assert message in bad.output, (args, bad.output)
        assert "Traceback" not in bad.output


def test_mimic_cases_are_not_sent_to_a_remote_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A synthetic stand-in in the MIMIC file's place (not MIMIC data): only its dataset name matters here.
    demo_line = (Path(__file__).parents[1] / "scenarios" / "data" / "demo.jsonl").read_text().splitlines()[0]
    (tmp_path / "agentclinic_mimiciv.jsonl").write_text(demo_line + "\n", encoding="utf-8")
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    settings = RunSettings(dataset="mimiciv", data_dir=tmp_path, patient="openai:gpt-4o", out=tmp_path / "r")
    with pytest.raises(RunError, match="PhysioNet"):
        Runner(settings)
    local = settings.model_copy(update={"patient": "openai:medgemma@http://localhost:8000/v1"})
    Runner(local)  # a local server is fine
    with pytest.warns(UserWarning, match="remote API"):
        Runner(settings.model_copy(update={"allow_remote_mimic": True}))


def make_record(case: str, sample: int, correct: bool | None, error: str | None = None) -> EpisodeRecord:
    from agents.types import Turn

    return EpisodeRecord(
        case_id=case,
        dataset="demo",
        sample=sample,
        correct=correct,
        error=error,
        turns=[Turn(role="doctor", text="Hi", completion_tokens=3), Turn(role="patient", text="Ok")],
        turns_used=1,
        tests_requested=["CBC"] if correct else [],
        objective="Assess the patient.",
        correct_diagnosis="Asthma",
        diagnosis="Asthma" if correct else "Flu",
    )


def test_summary_counts_errors_apart_and_reports_per_sample_spread() -> None:
    records = [
        make_record("demo:0", 0, True),
        make_record("demo:1", 0, False),
        make_record("demo:0", 1, True),
        make_record("demo:1", 1, True),
        make_record("demo:2", 1, None, "BackendError: HTTP 500"),
    ]
    summary = summarise(records)
    assert (summary.n, summary.completed, summary.errored, summary.correct) == (5, 4, 1, 3)
    assert summary.accuracy == pytest.approx(0.75)
    assert summary.per_sample_accuracy == {0: 0.5, 1: 1.0}
    assert summary.sample_accuracy_sd == pytest.approx(0.3535533, rel=1e-5)
    assert summary.tokens_by_role["doctor"] == 15
    assert summary.errors == {"BackendError: HTTP 500": 1}
    low, high = wilson_interval(3, 4)
    assert summary.accuracy_ci95 == (low, high) and 0.3 < low < 0.75 < high < 1.0


def test_truncated_last_line_is_detected_and_repaired(tmp_path: Path) -> None:
    path = tmp_path / TRANSCRIPTS
    path.write_text(
        make_record("demo:0", 0, True).model_dump_json() + "\n" + '{"case_id": "demo:1", "sam', encoding="utf-8"
    )
    bad: list[tuple[int, str]] = []
    assert [r.case_id for r in iter_records(path, on_bad_line=lambda n, why: bad.append((n, why)))] == ["demo:0"]
    assert bad and bad[0][0] == 2 and "truncated" in bad[0][1]
    assert completed_keys(path) == {("demo:0", 0)}
    assert repair_tail(path) > 0
    assert path.read_text().endswith("\n") and len(path.read_text().splitlines()) == 1


@pytest.fixture
def replay_file(tmp_path: Path) -> Path:
    path = tmp_path / TRANSCRIPTS
    records = [make_record("demo:0", 0, True), make_record("demo:1", 0, False), make_record("demo:2", 0, True)]
    path.write_text("".join(r.model_dump_json() + "\n" for r in records), encoding="utf-8")
    return path


def test_replay_prints_whole_transcripts_when_not_a_terminal(replay_file: Path) -> None:
    result = run_cli("replay", str(replay_file.parent))
    assert result.exit_code == 0
    for case in ("demo:0", "demo:1", "demo:2"):
        assert case in result.output
    assert "Correct diagnosis" in result.output and "summary" in result.output
    only_wrong = run_cli("replay", str(replay_file), "--only", "wrong")
    assert "demo:1" in only_wrong.output and "demo:0" not in only_wrong.output
    missing = run_cli("replay", str(replay_file), "--case", "demo:9")
    assert missing.exit_code == 2 and "no episodes" in missing.output


def test_replay_html_is_a_standalone_page(replay_file: Path, tmp_path: Path) -> None:
    page = tmp_path / "replay.html"
    result = run_cli("replay", str(replay_file), "--html", str(page))
    assert result.exit_code == 0
    html = page.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html") and "demo:2" in html and "Asthma" in html


def test_viewer_follows_the_keys(replay_file: Path) -> None:
    screen = io.StringIO()
    viewer = Viewer(load_records(replay_file), Console(file=screen, width=100, force_terminal=False))
    viewer.run(iter(["right", "G", "down", "left", "f", "s"]))
    assert viewer.filter_name == "correct" and viewer.show_summary
    assert [r.case_id for r in viewer.records] == ["demo:0", "demo:2"]
    output = screen.getvalue()
    assert "turn 2/2" in output  # stepped forward within the first case
    assert "case 2/3" in output  # moved to the next case
    assert "Correct diagnosis" in output  # the verdict shows once every turn has been shown
    assert "summary" in output

    viewer = Viewer(load_records(replay_file), Console(file=io.StringIO(), width=100))
    for key in ["up", "up", "left"]:
        assert viewer.handle(key)
    assert (viewer.episode, viewer.turn) == (0, 1)  # never walks off either end
    assert viewer.handle("q") is False


def test_play_as_doctor_saves_a_replayable_transcript(tmp_path: Path) -> None:
    keys = "What brings you in?\nREQUEST TEST: Complete blood count\nDIAGNOSIS READY: Infectious mononucleosis\n"
    result = subprocess.run(
        [sys.executable, "-m", "agentclinic_sim.cli", "play", "--case", "demo:6", "--out", str(tmp_path)],
        input=keys,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Correct diagnosis" in result.stdout and "correct" in result.stdout
    [record] = lines_of(tmp_path)
    assert record["backends"]["doctor"] == "human" and record["correct"] is True
    assert [t["role"] for t in record["turns"]] == ["doctor", "patient", "doctor", "measurement", "doctor", "moderator"]


def test_transcripts_load_with_hugging_face_datasets(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    out = tmp_path / "run"
    assert run_cli("run", "--doctor", "oracle", "--limit", "3", "--out", str(out)).exit_code == 0
    with (out / TRANSCRIPTS).open("a", encoding="utf-8") as handle:  # an errored episode beside finished ones
        handle.write(make_record("demo:9", 0, None, "BackendError: HTTP 500").model_dump_json() + "\n")
    table = datasets.load_dataset(
        "json", data_files=str(out / TRANSCRIPTS), split="train", cache_dir=str(tmp_path / "hf")
    )
    assert table.num_rows == 4
    assert table[0]["turns"][0]["role"] == "doctor" and table[3]["error"] == "BackendError: HTTP 500"


def test_resumed_progress_counts_the_episodes_already_done(tmp_path: Path) -> None:
    import asyncio

    first = RunSettings(doctor="oracle", limit=2, out=tmp_path)
    asyncio.run(Runner(first).run())
    seen: list[tuple[int, int, float | None]] = []
    resumed = first.model_copy(update={"limit": 4, "resume": True})
    summary = asyncio.run(Runner(resumed).run(lambda p, record: seen.append((p.done, p.correct, p.accuracy))))
    assert seen[0] == (2, 2, 1.0)  # before any new episode: the two from the first run, both correct
    assert seen[-1] == (4, 4, 1.0)
    assert summary.n == 4


def test_a_run_keeps_its_setup_out_of_the_collector_only_while_it_runs(tmp_path: Path) -> None:
    """What the run loaded first (cases, the judge's vocabulary) is frozen while episodes play, and handed back
    to the cycle collector when the run ends."""
    import asyncio
    import gc

    frozen: dict[str, list[int]] = {}
    settings = RunSettings(doctor="oracle", limit=2, out=tmp_path / "run")
    hook = lambda event: frozen.setdefault(event.kind, []).append(gc.get_freeze_count())  # noqa: E731
    asyncio.run(Runner(settings).run(event_hook=hook))
    during = frozen["episode_started"] + frozen["turn"] + frozen["episode_ended"]
    assert len(during) > 4 and min(during) > 10_000  # the vocabulary alone is many thousand objects
    assert frozen["run_ended"] == [0] and gc.get_freeze_count() == 0
