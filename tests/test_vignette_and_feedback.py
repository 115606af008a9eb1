"""The vignette baseline (``run --mode vignette``: the whole case read at once, one diagnosis) and the patient's
view of the doctor (``run --patient-feedback``), run through the CLI with LLM roles on the local stub server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agentclinic_sim.cli import app
from agentclinic_sim.transcript import TRANSCRIPTS
from agents.judge.moderator import normalise_diagnosis
from agents.leaks import DiagnosisGuard
from agents.patient.feedback import parse_feedback
from agents.vignette import SECTIONS, case_vignette
from models.backends.openai_stub import OpenAIStub, play_clinic_role
from scenarios import Case, load_cases

KEY_ENV = "AGENTCLINIC_TEST_KEY"
ALL_DATASETS = ["medqa", "medqa-ext", "nejm", "nejm-ext", "demo"]
GOOD_FEEDBACK = 'Sure: {"confidence": 8, "follow_up": 6, "rating": 9}'
BAD_FEEDBACK = "Honestly? Rating: 4. The rest I could not say."


def run_cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def records_of(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / TRANSCRIPTS).read_text(encoding="utf-8").splitlines()]


def feedback_patient(body: dict[str, Any]) -> str:
    """The patient: ordinary answers; asked for its view of the doctor, a JSON answer for the 58-year-old man of
    demo:0 and a malformed one for anyone else."""
    messages = body["messages"]
    if "three questions about the doctor" not in messages[-1]["content"]:
        return play_clinic_role(body)
    return GOOD_FEEDBACK if "58-year-old male" in messages[0]["content"] else BAD_FEEDBACK


def test_patient_feedback_is_recorded_and_averaged_and_a_malformed_one_fails_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-test")
    out = tmp_path / "run"
    with OpenAIStub(responder=feedback_patient) as stub:
        patient = f"openai:stub-patient@{stub.base_url}"
        result = run_cli(
            "run", "--doctor", "oracle", "--patient", patient, "--api-key-env", KEY_ENV, "--limit", "2",
            "--max-turns", "4", "--patient-feedback", "--out", str(out),
        )  # fmt: skip
        asked = [r for r in stub.requests if "three questions" in r["messages"][-1]["content"]]
    assert result.exit_code == 0, result.output
    assert len(asked) == 2  # one call of its own per episode, after the consultation
    questions = sorted(request["messages"][-1]["content"] for request in asked)
    assert "The doctor told you their diagnosis: Acute myocardial infarction" in questions[0]
    assert "The doctor told you their diagnosis: Community-acquired pneumonia" in questions[1]
    assert all(request["messages"][0]["content"].startswith("You are playing a patient") for request in asked)
    first, second = sorted(records_of(out), key=lambda record: record["case_id"])
    assert first["error"] is None and second["error"] is None and first["correct"] and second["correct"]
    good, bad = first["patient_feedback"], second["patient_feedback"]
    assert (good["confidence"], good["follow_up"], good["rating"]) == (8, 6, 9)
    assert good["reply"]["text"] == GOOD_FEEDBACK and good["reply"]["completion_tokens"] > 0
    assert (bad["confidence"], bad["follow_up"], bad["rating"]) == (None, None, 4)
    assert bad["reply"]["text"] == BAD_FEEDBACK
    summary = json.loads((out / "summary.json").read_text())
    assert summary["feedback_confidence"] == 8.0 and summary["feedback_follow_up"] == 6.0
    assert summary["feedback_rating"] == 6.5
    assert "patient feedback" in result.output
    shown = run_cli("replay", str(out))
    assert shown.exit_code == 0 and "Patient's view: confidence 8/10 · come back 6/10 · rating 9/10" in shown.output


def test_a_run_without_feedback_has_none_in_its_records_and_summary(tmp_path: Path) -> None:
    assert run_cli("run", "--doctor", "oracle", "--limit", "1", "--out", str(tmp_path)).exit_code == 0
    [record] = records_of(tmp_path)
    assert record["patient_feedback"] is None and record["mode"] == "consultation"
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["feedback_confidence"] is None and summary["feedback_rating"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--patient-feedback"], "--patient-feedback needs an LLM patient"),
        (["--patient-feedback", "--patient", "retrieval"], "--patient-feedback needs an LLM patient"),
        (["--mode", "nonsense"], "--mode: Input should be 'consultation' or 'vignette'"),
        (["--mode", "vignette", "--max-turns", "5"], "--mode vignette gives the doctor one turn"),
        (
            ["--mode", "vignette", "--patient-feedback", "--patient", "openai:x@http://localhost:1/v1"],
            "--patient-feedback asks the patient about a consultation",
        ),
    ],
)
def test_bad_mode_and_feedback_settings_exit_2_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_cli("run", "--doctor", "oracle", *args, "--out", str(tmp_path / "r"))
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {message}"), result.output
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"confidence": 7, "follow_up": 5, "rating": 8}', (7, 5, 8)),
        ('```json\n{"Confidence": "9/10", "follow-up": 7.6, "rating": 10}\n```', (9, 8, 10)),
        ("Confidence: 6\nFollow up: 4\nRating: 5 out of 10", (6, 4, 5)),
        ("1. 3\n2. 2\n3. 4", (3, 2, 4)),
        ('{"confidence": 0, "follow_up": 11, "rating": "great"}', (None, None, None)),
        ("I would rather not say.", (None, None, None)),
        ("", (None, None, None)),
    ],
)
def test_feedback_replies_are_read_leniently(text: str, expected: tuple[int | None, ...]) -> None:
    found = parse_feedback(text)
    assert (found["confidence"], found["follow_up"], found["rating"]) == expected


def test_vignette_mode_with_the_oracle_diagnoses_every_demo_case_in_one_turn(tmp_path: Path) -> None:
    out = tmp_path / "v"
    result = run_cli("run", "--doctor", "oracle", "--mode", "vignette", "--out", str(out))
    assert result.exit_code == 0, result.output
    records = records_of(out)
    cases = {case.id: case for case in load_cases("demo")}
    assert len(records) == len(cases) == 14
    for record in records:
        assert record["correct"] is True and record["turns_used"] == 1 and record["max_turns"] == 1
        assert [turn["role"] for turn in record["turns"]] == ["doctor", "moderator"]
        assert record["mode"] == "vignette" and record["exam"] is None  # no tests ordered: nothing to score
        assert record["doctor_prompt"]["vignette"] == case_vignette(cases[record["case_id"]])
    assert json.loads((out / "run.json").read_text())["settings"]["max_turns"] == 1
    shown = run_cli("replay", str(out))
    assert shown.exit_code == 0 and "What the doctor read" in shown.output and "· vignette" in shown.output
    resumed = run_cli("run", "--out", str(out), "--resume", "--mode", "consultation")
    assert resumed.exit_code == 2 and "--mode (run has 'vignette'" in resumed.output


def vignette_doctor(body: dict[str, Any]) -> str:
    """A doctor that diagnoses demo:0 from the vignette when the whole case is in its prompt."""
    text = "\n".join(message["content"] for message in body["messages"])
    complete = "Troponin" in text and "shovelling snow" in text and "Chest X-Ray" in text
    return "DIAGNOSIS READY: acute myocardial infarction" if complete else "What brings you in today?"


@pytest.mark.parametrize("doctor_format", ["chat", "agentclinic"])
def test_a_model_doctor_reads_the_whole_case_in_one_message_and_answers_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, doctor_format: str
) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-test")
    out = tmp_path / "v"
    with OpenAIStub(responder=vignette_doctor) as stub:
        doctor = f"openai:stub-doctor@{stub.base_url}"
        result = run_cli(
            "run", "--doctor", doctor, "--mode", "vignette", "--cases", "demo:0", "--doctor-format", doctor_format,
            "--api-key-env", KEY_ENV, "--out", str(out),
        )  # fmt: skip
        [request] = stub.requests
    assert result.exit_code == 0, result.output
    [record] = records_of(out)
    assert record["correct"] is True and record["turns_used"] == 1
    users = [message["content"] for message in request["messages"] if message["role"] == "user"]
    assert len(users) == 1 and "The case:\nHistory:" in users[0]
    assert "This is your final turn" in users[0] and "DIAGNOSIS READY" in request["messages"][0]["content"]
    assert "you cannot ask the patient anything" in request["messages"][0]["content"]


def _cases(dataset: str, shared_data: Path) -> list[Case]:
    return load_cases(dataset) if dataset == "demo" else load_cases(dataset, shared_data)


@pytest.mark.parametrize("dataset", ALL_DATASETS)
def test_the_vignette_never_holds_the_diagnosis(shared_data: Path, dataset: str) -> None:
    leaks = []
    for case in _cases(dataset, shared_data):
        vignette = case_vignette(case)
        phrase = normalise_diagnosis(case.diagnosis)
        if case.diagnosis.lower() in vignette.lower() or (len(phrase) > 3 and phrase in normalise_diagnosis(vignette)):
            leaks.append((case.id, "phrase"))
        history = vignette.split(f"\n\n{SECTIONS[1]}:")[0]  # what the patient would say: not even a telling word
        if DiagnosisGuard(case.diagnosis).leaks(history):
            leaks.append((case.id, "history"))
        assert vignette.startswith(f"{SECTIONS[0]}:") or vignette.startswith(f"{SECTIONS[1]}:"), case.id
    assert not leaks, leaks[:5]


def test_the_vignette_holds_every_finding_and_no_placeholder() -> None:
    case = load_cases("demo")[0]
    vignette = case_vignette(case)
    assert [line for line in vignette.splitlines() if line.endswith(":")] == [f"{title}:" for title in SECTIONS]
    assert len([line for line in vignette.splitlines() if line.startswith("- ")]) == (
        len(case.patient) + len(case.exam) + len(case.tests)
    )
    assert "Jugular Venous Pressure: Not raised" in vignette and "3,850 ng/L" in vignette


def test_a_failed_feedback_call_errors_the_episode_and_retry_errored_asks_only_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-test")
    out = tmp_path / "run"
    failing = {"feedback": True}

    def patient(body: dict[str, Any]) -> str:
        if failing["feedback"] and "three questions" in body["messages"][-1]["content"]:
            raise RuntimeError("the feedback call fails")
        return feedback_patient(body)

    with OpenAIStub(responder=patient) as stub:
        uri = f"openai:stub-patient@{stub.base_url}"
        common = ["--api-key-env", KEY_ENV, "--max-retries", "0", "--out", str(out)]
        first = run_cli(
            "run", "--doctor", "oracle", "--patient", uri, "--cases", "demo:0", "--max-turns", "4",
            "--patient-feedback", *common,
        )  # fmt: skip
        [errored] = records_of(out)
        assert errored["error"] and errored["patient_feedback"] is None, first.output
        failing["feedback"] = False
        before = len(stub.requests)
        again = run_cli("run", "--retry-errored", *common)
        assert again.exit_code == 0, again.output
        [retried] = stub.requests[before:]  # the consultation is not played again: only the feedback is asked
    assert "three questions" in retried["messages"][-1]["content"]
    [record] = records_of(out)
    assert record["error"] is None and record["correct"] is True
    assert record["patient_feedback"]["rating"] == 9
