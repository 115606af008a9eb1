"""Safe resume (settings from run.json, refusals naming the differing flags), --retry-errored, a server
that fails a fifth of its calls, bugs that stop a run, the MIMIC gate keyed on provenance, small fixes."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agentclinic_sim.cli import app
from agentclinic_sim.metrics import wilson_interval
from agentclinic_sim.rewards import RewardBreakdown
from agentclinic_sim.run_settings import RunError, RunSettings
from agentclinic_sim.runner import Runner
from agentclinic_sim.transcript import TRANSCRIPTS
from models.backends.openai_stub import OpenAIStub
from models.backends.openai_stub import play_clinic_role as clinic_responder

KEY_ENV = "AGENTCLINIC_TEST_KEY"


def run_cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def records(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / TRANSCRIPTS).read_text().splitlines()]


@pytest.fixture(autouse=True)
def fake_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(KEY_ENV, "sk-test-key")


def test_resume_runs_the_recorded_job_not_the_default_one(tmp_path: Path) -> None:
    out = tmp_path / "run"
    first = run_cli("run", "--doctor", "oracle", "--limit", "3", "--max-turns", "12", "--out", str(out))
    assert first.exit_code == 0, first.output
    (out / TRANSCRIPTS).write_text("".join((out / TRANSCRIPTS).read_text().splitlines(True)[:1]))
    resumed = run_cli("run", "--out", str(out), "--resume", "--concurrency", "2")
    assert resumed.exit_code == 0, resumed.output
    got = records(out)
    assert sorted(r["case_id"] for r in got) == ["demo:0", "demo:1", "demo:2"]
    assert {r["backends"]["doctor"] for r in got} == {"oracle"} and {r["max_turns"] for r in got} == {12}
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["settings"]["doctor"] == "oracle" and len(manifest["invocations"]) == 2
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n"] == 3
    assert summary["wall_s"] == pytest.approx(sum(i["wall_s"] for i in manifest["invocations"]))


def test_resume_refuses_flags_that_change_the_episodes_and_names_them(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert run_cli("run", "--doctor", "oracle", "--limit", "2", "--out", str(out)).exit_code == 0
    before = (out / TRANSCRIPTS).read_text()
    refused = run_cli("run", "--out", str(out), "--resume", "--dataset", "demo", "--max-turns", "5", "--seed", "3")
    assert refused.exit_code == 2
    assert "--max-turns" in refused.output and "--seed" in refused.output and "--dataset" not in refused.output
    assert (out / TRANSCRIPTS).read_text() == before
    assert run_cli("run", "--out", str(out), "--resume", "--limit", "2", "--max-retries", "9").exit_code == 0
    retried = run_cli("run", "--out", str(out), "--retry-errored", "--doctor", "tiny")
    assert retried.exit_code == 2 and retried.output.count("--retry-errored continues a run") == 1
    assert "--resume" not in retried.output  # the error names the flag that was typed


def test_a_folder_with_episodes_needs_resume_and_resume_needs_a_run(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert run_cli("run", "--doctor", "oracle", "--limit", "1", "--out", str(out)).exit_code == 0
    again = run_cli("run", "--doctor", "oracle", "--limit", "1", "--out", str(out))
    assert again.exit_code == 2 and "--resume" in again.output
    nothing = run_cli("run", "--out", str(tmp_path / "empty"), "--resume")
    assert nothing.exit_code == 2 and "run.json" in nothing.output and "Traceback" not in nothing.output
    retried = run_cli("run", "--out", str(tmp_path / "empty"), "--retry-errored")
    assert retried.exit_code == 2 and "without --retry-errored" in retried.output


def test_bad_out_and_out_of_range_numbers_are_one_line_errors(tmp_path: Path) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    for args, message in [
        (["--out", str(a_file)], "is a file, not a folder"),
        (["--out", str(a_file / "sub")], "is a file, not a folder"),
        (["--concurrency", "0"], "--concurrency"),
        (["--max-turns", "0"], "--max-turns"),
        (["--timeout", "0"], "--timeout must be more than 0"),
        (["--split", "dev"], "--split:"),
    ]:
        result = run_cli("run", "--doctor", "oracle", *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output and "Traceback" not in result.output, (args, result.output)


def test_failed_start_leaves_no_empty_run_folder(tmp_path: Path) -> None:
    out = tmp_path / "new" / "run"
    result = run_cli("run", "--doctor", "nonsense:x", "--out", str(out))
    assert result.exit_code == 2 and not (tmp_path / "new").exists()


def test_fifth_of_calls_failing_server_completes_the_run_and_retry_errored_finishes_it(tmp_path: Path) -> None:
    """Every role on a server where 20% of calls fail: 429, 500, a hang past the timeout, or a 200 that
    is not JSON. 50 episodes at the default retries."""
    rng = random.Random(8)
    faults = [
        ("status", 429, {"retry-after-ms": "10"}),
        ("status", 500, {"retry-after-ms": "10"}),
        ("sleep", 1.5),
        ("malformed", b"{not json"),
    ]
    out = tmp_path / "run"
    with OpenAIStub(responder=clinic_responder) as server:
        # 6 calls an episode, with retries: a fault on about a fifth of the first 600 requests.
        server.set_faults(rng.choice(faults) if rng.random() < 0.2 else ("ok",) for _ in range(600))
        uri = f"openai:m@{server.base_url}"
        roles = ["--doctor", uri, "--patient", uri, "--measurement", uri, "--moderator", uri]
        base = ["run", *roles, "--api-key-env", KEY_ENV, "--timeout", "0.5", "--out", str(out)]
        first = run_cli(*base, "--dataset", "demo", "--samples", "4", "--limit", "13", "--concurrency", "8")
        got = records(out)
        completed = sum(r["error"] is None for r in got)
        print(f"first pass: {completed}/{len(got)} completed")
        assert first.exit_code == 0, first.output
        assert len(got) == 52 and completed / len(got) >= 0.97
        assert all(r["error"] and "openai:m@" in r["error"] for r in got if r["error"] is not None)
        retried = run_cli("run", "--out", str(out), "--retry-errored")
        assert retried.exit_code == 0, retried.output
    final = records(out)
    assert len(final) == 52 and len({(r["case_id"], r["sample"]) for r in final}) == 52
    assert all(r["error"] is None for r in final)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n"] == 52 and summary["errored"] == 0
    print(f"after --retry-errored: {summary['completed']}/52 completed")


def test_retry_errored_counts_each_episode_once_and_keeps_the_failed_attempts(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with OpenAIStub(responder=clinic_responder, fail_status=500) as server:
        uri = f"openai:m@{server.base_url}"
        args = ["--doctor", uri, "--api-key-env", KEY_ENV, "--max-retries", "0", "--limit", "2"]
        assert run_cli("run", *args, "--out", str(out)).exit_code == 1
        assert all(r["error"] for r in records(out))
        server.fail_status = None
        assert run_cli("run", "--out", str(out), "--retry-errored").exit_code == 0
    assert [r["error"] for r in records(out)] == [None, None]
    assert len((out / "errored.jsonl").read_text().splitlines()) == 2
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["n"], summary["errored"], summary["completed"]) == (2, 0, 2)


def test_a_bug_in_our_code_stops_the_run_with_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import agentclinic_sim.graph as graph_module

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise TypeError("a bug")

    monkeypatch.setattr(graph_module, "apply_step", broken)  # a bug inside a node of the consultation graph
    out = tmp_path / "run"
    result = run_cli("run", "--doctor", "oracle", "--limit", "3", "--out", str(out))
    assert result.exit_code == 1 and "internal error" in result.output and "TypeError" in result.output
    assert not (out / TRANSCRIPTS).read_text().strip()  # no bug is recorded as an errored episode


def test_malformed_reply_is_retried() -> None:
    from models.backends.base import BackendError, GenerationConfig, Message
    from models.backends.openai_backend import OpenAIBackend

    async def ask(backend: OpenAIBackend) -> str:
        try:
            return (await backend.chat([Message(role="user", content="hi")], GenerationConfig())).text
        finally:
            await backend.aclose()

    with OpenAIStub() as server:
        server.add_faults(("malformed", b"{oops"), ("shape", {"choices": []}))
        assert asyncio.run(ask(OpenAIBackend("m", base_url=server.base_url, max_retries=2))) == "ok"
        assert len(server.requests) == 3
        server.add_faults(("malformed", b"<html>"), ("malformed", b"<html>"))
        with pytest.raises(BackendError, match="malformed"):
            asyncio.run(ask(OpenAIBackend("m", base_url=server.base_url, max_retries=1)))


def test_sync_step_on_a_hung_llm_role_times_out() -> None:
    import gymnasium as gym

    from agents.cast import CastSpec
    from agents.roles import RoleTimeout, run_sync
    from models.backends.openai_backend import OpenAIBackend

    with OpenAIStub() as server:
        server.add_faults(("sleep", 5.0))
        backend = OpenAIBackend("m", base_url=server.base_url, timeout_s=30, max_retries=0)
        env = gym.make("agentclinic/Demo-v0", cast=CastSpec(patient=backend, sync_timeout_s=0.5))
        env.reset(seed=0)
        try:
            with pytest.raises(RoleTimeout, match="no answer within 0.5 s"):
                env.step("How are you feeling?")
        finally:
            run_sync(backend.aclose())  # on the loop that made its connections


def test_mimic_gate_keys_on_provenance_not_on_the_dataset_name(tmp_path: Path) -> None:
    demo_line = json.loads(
        (Path(__file__).parents[1] / "scenarios" / "data" / "demo.jsonl").read_text().splitlines()[0]
    )
    (tmp_path / "agentclinic_mimiciv.jsonl").write_text(json.dumps(demo_line) + "\n")
    built = {**demo_line, "_meta": {"source": "MIMIC-IV v3.1 (built by agentclinic-sim)"}}
    (tmp_path / "my_cases.jsonl").write_text(json.dumps(built) + "\n")
    for dataset in (str(tmp_path / "agentclinic_mimiciv.jsonl"), str(tmp_path / "my_cases.jsonl")):
        settings = RunSettings(dataset=dataset, patient="openai:gpt-4o", out=tmp_path / "r", doctor="oracle")
        with pytest.raises(RunError, match="PhysioNet"):
            Runner(settings)
        result = run_cli("run", "--dataset", dataset, "--doctor", "openai:gpt-4o", "--out", str(tmp_path / "r"))
        assert result.exit_code == 2 and "remote API" in result.output
    local = RunSettings(
        dataset=str(tmp_path / "my_cases.jsonl"),
        patient="openai:m@http://127.0.0.1:8/v1",
        doctor="oracle",
        out=tmp_path / "r2",
    )
    assert Runner(local).cases[0].credentialed


def test_wilson_bounds_and_no_negative_zero() -> None:
    assert wilson_interval(0, 20)[0] == 0.0 and wilson_interval(20, 20)[1] == 1.0
    low, high = wilson_interval(0, 7)
    assert low == 0.0 and 0 < high < 1
    breakdown = RewardBreakdown(turns=-0.0, tests=-0.0).as_dict()
    assert all(str(value) != "-0.0" for value in breakdown.values())


def test_scripted_doctor_starts_its_script_afresh_each_episode(tmp_path: Path) -> None:
    script = tmp_path / "doctor.txt"
    script.write_text("What brings you in?\n---\nDIAGNOSIS READY: Common cold\n")
    out = tmp_path / "run"
    result = run_cli("run", "--doctor", f"scripted:{script}", "--limit", "3", "--out", str(out))
    assert result.exit_code == 0, result.output
    got = records(out)
    assert len(got) == 3 and all(r["error"] is None and r["diagnosis"] == "Common cold" for r in got)


def test_play_at_end_of_input_fails_and_writes_no_transcript(tmp_path: Path) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "agentclinic_sim.cli", "play", "--case", "demo:6", "--out", str(tmp_path)],
        input="What brings you in?\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "input ended" in result.stderr and "Traceback" not in result.stderr
    transcript = tmp_path / TRANSCRIPTS
    assert not transcript.exists() or not transcript.read_text().strip()
