"""`agentclinic play` and its folder: it keeps out of a run's folder, says which saved consultation to resume
(and can reach each one), shows a returning patient only what they saw, warns when saved turns are gone,
and closes its model clients when a consultation is cut short."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from agentclinic_sim.checkpoints import CHECKPOINTS
from agentclinic_sim.cli.play import shown_to
from agentclinic_sim.play_session import PLAYS, PendingPlays
from agentclinic_sim.run_folder import RUN_SETTINGS
from agentclinic_sim.transcript import TRANSCRIPTS
from agents.types import Turn
from models.backends.openai_stub import OpenAIStub, play_clinic_role  # noqa: E402

PLAY = [sys.executable, "-m", "agentclinic_sim.cli", "play"]
ASK = "What brings you in?"


def play(
    out: Path, *extra: str, typed: list[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PLAY, "--out", str(out), *extra], input="".join(f"{line}\n" for line in typed), capture_output=True,
        text=True, timeout=120, env={**os.environ, **(env or {})},
    )  # fmt: skip


def test_play_refuses_a_run_folder_and_leaves_it_as_it_was(tmp_path: Path) -> None:
    (tmp_path / RUN_SETTINGS).write_text("{}")
    (tmp_path / TRANSCRIPTS).write_text("")
    result = play(tmp_path, "--case", "demo:0", typed=["DIAGNOSIS READY: flu"])
    assert result.returncode == 2, result.stderr
    assert RUN_SETTINGS in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / TRANSCRIPTS).read_text() == "" and not (tmp_path / PLAYS).exists()
    assert not (tmp_path / CHECKPOINTS).exists()


def test_max_turns_below_one_and_an_empty_case_are_usage_errors(tmp_path: Path) -> None:
    result = play(tmp_path, "--case", "demo:0", "--max-turns", "0", typed=[])
    assert result.returncode == 2 and "max-turns" in result.stderr and "Traceback" not in result.stderr
    result = play(tmp_path, "--case", " ", typed=[])
    assert result.returncode == 2 and "--case is empty" in result.stderr
    assert not (tmp_path / PLAYS).exists()


def test_the_resume_hint_names_the_play_and_each_saved_play_can_be_reached(tmp_path: Path) -> None:
    first = play(tmp_path, "--case", "demo:3", typed=[ASK])
    assert first.returncode == 1
    assert "--resume --case demo:3" in first.stderr
    other = play(tmp_path, "--case", "demo:5", typed=[ASK])
    assert "--resume --case demo:5" in other.stderr
    again = play(tmp_path, "--case", "demo:3", typed=[])  # a second play of demo:3 beside the first
    assert "--resume --case demo:3#1" in again.stderr, again.stderr

    # demo:5 is continued (and cut short) last, so a plain --resume goes back to it, not to the last started
    continued = play(tmp_path, "--resume", "--case", "demo:5", typed=["Any fever?"])
    assert continued.returncode == 1 and "--resume --case demo:5" in continued.stderr
    assert PendingPlays.load(tmp_path).latest().case_id == "demo:5"

    older = play(tmp_path, "--resume", "--case", "demo:3#0", typed=["DIAGNOSIS READY: Myasthenia gravis"])
    assert older.returncode == 0, older.stderr
    [record] = [json.loads(line) for line in (tmp_path / TRANSCRIPTS).read_text().splitlines()]
    assert (record["case_id"], record["sample"], record["resumed_at_turn"]) == ("demo:3", 0, 1)
    assert set(PendingPlays.load(tmp_path).sessions) == {"demo:3#1", "demo:5#0"}


def test_a_returning_patient_sees_the_questions_and_answers_not_the_tests() -> None:
    dialogue = [
        Turn(role="doctor", text="Where does it hurt?"),
        Turn(role="patient", text="My chest."),
        Turn(role="doctor", text="REQUEST TEST: Troponin"),
        Turn(role="measurement", text="RESULTS: Troponin I 2.3 ng/mL"),
        Turn(role="doctor", text="Since when?"),
        Turn(role="patient", text="Two hours."),
    ]
    assert [index for index, _ in shown_to("patient", dialogue)] == [1, 2, 5, 6]
    assert [index for index, _ in shown_to("doctor", dialogue)] == [1, 2, 3, 4, 5, 6]


def test_resume_warns_when_the_saved_turns_are_gone(tmp_path: Path) -> None:
    assert play(tmp_path, "--case", "demo:0", typed=[ASK]).returncode == 1
    for file in tmp_path.glob(CHECKPOINTS + "*"):
        file.unlink()
    result = play(tmp_path, "--resume", typed=[])
    assert "saved turns of demo:0 are gone" in result.stderr and "Traceback" not in result.stderr


def test_a_consultation_cut_short_closes_its_model_client(tmp_path: Path) -> None:
    with OpenAIStub(responder=play_clinic_role) as server:
        result = play(
            tmp_path, "--case", "demo:0", "--patient", f"openai:m@{server.base_url}", typed=[ASK],
            env={"OPENAI_API_KEY": "sk-test"},
        )  # fmt: skip
        assert len(server.requests) == 1  # the patient answered the one question
    assert result.returncode == 1 and "--resume" in result.stderr
    assert "Unclosed" not in result.stderr, result.stderr


def test_a_session_keeps_its_case_and_roles_and_takes_how_calls_are_made_from_the_play_that_continues_it(
    tmp_path: Path,
) -> None:
    from agentclinic_sim.play_session import PlaySession
    from agentclinic_sim.play_settings import PlaySettings

    started = PlaySettings(as_role="patient", doctor="openai:m", max_turns=5, out=tmp_path)
    session = PlaySession.start(started, "demo:3", 1)
    assert session.roles == {"doctor": "openai:m", "patient": "human", "measurement": "lookup", "moderator": "match"}
    continued = PlaySettings(out=tmp_path, resume=True, max_turns=9, timeout_s=7.5, api_key_env="MY_KEY")
    settings = session.run_settings(continued)
    assert (settings.case_ids, settings.samples, settings.max_turns, settings.doctor) == (["demo:3"], 2, 5, "openai:m")
    assert (settings.timeout_s, settings.api_key_env, settings.out, settings.resume) == (7.5, "MY_KEY", tmp_path, True)
