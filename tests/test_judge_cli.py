"""``agentclinic judge``: one pair's verdict and why, and a run's diagnoses re-judged by an LLM judge (a local
OpenAI-compatible stub) with agreement, false accepts and false rejects, saved as they arrive."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agentclinic_sim.cli import app
from agentclinic_sim.transcript import EpisodeRecord
from models.backends.openai_stub import OpenAIStub

KEY_ENV = "AGENTCLINIC_TEST_KEY"


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-test")
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def asked(body: dict[str, Any]) -> tuple[str, str]:
    """(doctor's diagnosis, correct diagnosis) from the moderator prompt the stub received."""
    prompt = body["messages"][-1]["content"]
    correct = re.search(r"Correct diagnosis: (.*)", prompt)
    given = re.search(r"Doctor's diagnosis: (.*)", prompt)
    assert correct and given
    return given.group(1).strip(), correct.group(1).strip()


def test_pair_says_same_and_why_with_exit_0() -> None:
    result = invoke("judge", "GBS", "Guillain-Barré syndrome")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("same")
    assert "abbreviation is written out" in result.output


def test_pair_says_different_with_exit_1() -> None:
    result = invoke("judge", "Type 1 diabetes mellitus", "Type 2 diabetes mellitus")
    assert result.exit_code == 1
    assert result.output.startswith("different")
    assert "numbers, sides or negations differ" in result.output


def test_pair_json_names_the_layer() -> None:
    result = invoke("judge", "temporal arteritis", "Giant cell arteritis", "--json")
    [verdict] = json.loads(result.output)
    assert verdict["correct"] is True and verdict["judge"] == "match"
    assert "giant cell arteritis" in verdict["reason"]


@pytest.mark.parametrize("args", [("", "Asthma"), ("Asthma", "  ")])
def test_pair_refuses_an_empty_name(args: tuple[str, str]) -> None:
    result = invoke("judge", *args)
    assert result.exit_code == 2
    assert "must both name something" in result.output


def test_pair_with_an_llm_judge_prints_both_and_exits_on_the_llms_verdict() -> None:
    with OpenAIStub(responder=lambda body: "No.") as stub:
        result = invoke(
            "judge", "GBS", "Guillain-Barré syndrome", "--with", f"openai:judge@{stub.base_url}",
            "--api-key-env", KEY_ENV,
        )  # fmt: skip
        assert asked(stub.requests[0]) == ("GBS", "Guillain-Barré syndrome")
    lines = result.output.splitlines()
    assert lines[0].startswith("same") and "(match)" in lines[0]
    assert lines[1].startswith("different") and "llm:" in lines[1]
    assert result.exit_code == 1


def test_with_match_is_refused() -> None:
    result = invoke("judge", "a", "b", "--with", "match")
    assert result.exit_code == 2 and "LLM backend" in result.output


# -- agreement over a run -------------------------------------------------------------------------------------


def write_run(folder: Path, episodes: list[tuple[str | None, str, str | None]], dataset: str = "demo") -> Path:
    """A run folder holding one record per (diagnosis, truth, error)."""
    folder.mkdir(parents=True)
    lines = [
        EpisodeRecord(
            case_id=f"{dataset}:{i}", dataset=dataset, diagnosis=diagnosis, correct_diagnosis=truth, error=error
        ).model_dump_json()
        for i, (diagnosis, truth, error) in enumerate(episodes)
    ]
    (folder / "transcripts.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


# The LLM judge's opinion of each pair (what the stub answers): it accepts GBS, rejects the two diabetes types,
# accepts a phrasing the free judge does not know, and rejects a pair the free judge accepts.
LLM_SAYS = {
    ("GBS", "Guillain-Barré syndrome"): "Yes",
    ("Type 1 diabetes mellitus", "Type 2 diabetes mellitus"): "No",
    ("Sugar diabetes, type 2", "Type 2 diabetes mellitus"): "Yes",
    ("Asthma", "Asthma"): "No",
}
EPISODES: list[tuple[str | None, str, str | None]] = [
    ("GBS", "Guillain-Barré syndrome", None),
    ("GBS", "Guillain-Barré syndrome", None),  # the same pair again: asked once, counted twice
    ("Type 1 diabetes mellitus", "Type 2 diabetes mellitus", None),
    ("Sugar diabetes, type 2", "Type 2 diabetes mellitus", None),
    ("Asthma", "Asthma", None),
    (None, "Asthma", None),  # ran out of turns
    (None, "Asthma", "BackendError: server down"),
]


def test_agreement_counts_false_accepts_and_rejects_and_saves_verdicts(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", EPISODES)
    with OpenAIStub(responder=lambda body: LLM_SAYS[asked(body)]) as stub:
        uri = f"openai:judge@{stub.base_url}"
        result = invoke("judge", "agreement", str(run), "--with", uri, "--api-key-env", KEY_ENV)
        assert result.exit_code == 0, result.output
        assert len(stub.requests) == 4  # one per distinct pair
        figures = json.loads((run / "judge_agreement.json").read_text())
        assert figures["pairs"] == {
            "pairs": 4, "agree": 2, "false_accepts": 1, "false_rejects": 1, "positives": 2, "negatives": 2,
        }  # fmt: skip
        assert figures["episodes"]["pairs"] == 5 and figures["episodes"]["agree"] == 3
        assert figures["accuracy_match"] == pytest.approx(3 / 5) and figures["accuracy_llm"] == pytest.approx(3 / 5)
        assert "false accept 'Asthma' vs 'Asthma'" in result.output
        assert "false reject 'Sugar diabetes, type 2'" in result.output
        assert "1 without a diagnosis, 1 errored" in result.output
        saved = [json.loads(line) for line in (run / "judge_agreement.jsonl").read_text().splitlines()]
        assert sorted((pair["diagnosis"], pair["llm"]) for pair in saved) == [
            ("Asthma", False), ("GBS", True), ("Sugar diabetes, type 2", True), ("Type 1 diabetes mellitus", False),
        ]  # fmt: skip

        again = invoke("judge", "agreement", str(run), "--with", uri, "--api-key-env", KEY_ENV)
        assert again.exit_code == 0
        assert len(stub.requests) == 4  # every verdict was saved: nothing is asked twice
        assert json.loads((run / "judge_agreement.json").read_text()) == figures


def test_agreement_asks_again_only_where_the_llm_call_failed(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", EPISODES[:3])
    with OpenAIStub(responder=lambda body: LLM_SAYS[asked(body)]) as stub:
        uri = f"openai:judge@{stub.base_url}"
        stub.fail_status = 500
        first = invoke("judge", "agreement", str(run), "--with", uri, "--api-key-env", KEY_ENV, "--max-retries", "0")
        assert "LLM calls failed" in first.output
        assert first.exit_code == 1 and "2 of 2 LLM calls failed (first: BackendError" in first.output
        assert json.loads((run / "judge_agreement.json").read_text())["failed"] == 2
        stub.fail_status = None
        before = len(stub.requests)
        second = invoke("judge", "agreement", str(run), "--with", uri, "--api-key-env", KEY_ENV)
        assert second.exit_code == 0, second.output
        assert len(stub.requests) - before == 2
        assert json.loads((run / "judge_agreement.json").read_text())["failed"] == 0


def test_agreement_refuses_mimic_diagnoses_for_a_remote_judge(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", EPISODES[:1], dataset="mimiciv")
    result = invoke("judge", "agreement", str(run), "--with", "openai:gpt-4o@https://api.example.com/v1")
    assert result.exit_code == 2
    assert "MIMIC-IV" in result.output and "--allow-remote-mimic" in result.output
    assert not (run / "judge_agreement.jsonl").exists()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda folder: folder.mkdir(), "holds no transcripts.jsonl"),
        (lambda folder: write_run(folder, [(None, "Asthma", None)]), "no episode that ended in a diagnosis"),
    ],
)
def test_agreement_on_a_run_with_nothing_to_judge_is_a_clear_error(tmp_path: Path, make: Any, message: str) -> None:
    make(tmp_path / "run")
    result = invoke("judge", "agreement", str(tmp_path / "run"), "--with", "openai:gpt-4o")
    assert result.exit_code == 2
    assert message in result.output


def test_agreement_prints_bracketed_diagnoses_as_written(tmp_path: Path) -> None:
    episodes = [("Iron deficiency anemia [microcytic]", "Asthma", None), ("x [/] y", "Asthma", None)]
    run = write_run(tmp_path / "run", episodes)  # type: ignore[arg-type]
    with OpenAIStub(responder=lambda body: "Yes") as stub:
        uri = f"openai:judge@{stub.base_url}"
        result = invoke("judge", "agreement", str(run), "--with", uri, "--api-key-env", KEY_ENV)
    assert result.exit_code == 0, result.output
    assert "'Iron deficiency anemia [microcytic]' vs 'Asthma'" in result.output and "'x [/] y'" in result.output
