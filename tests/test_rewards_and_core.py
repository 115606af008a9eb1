"""The transition core (routing, observations, turn limit, rewards) and the doctor's prompts."""

from __future__ import annotations

import asyncio
import copy

import pytest

from agentclinic_sim.consultation import (
    ConsultationState,
    EpisodeOver,
    StepResult,
    astep,
    plan_step,
    start,
    step,
)
from agentclinic_sim.rewards import RewardBreakdown, RewardConfig
from agents.cast import Cast, CastSpec
from agents.doctor import (
    OPENING,
    BackendDoctor,
    DoctorView,
    OracleDoctor,
    agentclinic_messages,
    chat_messages,
    turn_note,
)
from agents.protocol import Ask, Diagnose, Malformed, RequestTest
from agents.types import Role
from models.backends.scripted import ScriptedBackend
from scenarios import Case, load_cases

DEMO_CASES = load_cases("demo")
FINAL = "final turn"


@pytest.fixture(scope="module")
def cast(mg_case: Case) -> Cast:
    return CastSpec().for_case(mg_case)


def run(state: ConsultationState, cast: Cast, utterances: list[str], rewards: RewardConfig) -> list[StepResult]:
    return [step(state, cast, utterance, rewards) for utterance in utterances]


# --- start and routing --------------------------------------------------------------------------


def test_start(mg_case: Case) -> None:
    state = start(mg_case, max_turns=5)
    assert state.turn == 0
    assert state.dialogue == []
    assert not state.done
    assert state.correct_diagnosis == "Myasthenia gravis"
    # The first observation is the benchmark doctor's first message: its rules, then the opening.
    messages = chat_messages(state.doctor_view())
    assert state.observation == f"{messages[0].content}\n\n{messages[1].content}"
    assert mg_case.objective in state.observation and "REQUEST TEST:" in state.observation
    assert OPENING in state.observation
    assert state.observation.endswith("[Turn 1 of 5]")
    assert "Myasthenia" not in state.observation


@pytest.mark.parametrize("max_turns", [0, -3])
def test_start_rejects_non_positive_max_turns(mg_case: Case, max_turns: int) -> None:
    with pytest.raises(ValueError, match="max_turns"):
        start(mg_case, max_turns=max_turns)


@pytest.mark.parametrize(
    ("utterance", "action_type", "route"),
    [
        ("How old are you?", Ask, Role.PATIENT),
        ("REQUEST TEST: EMG", RequestTest, Role.MEASUREMENT),
        ("DIAGNOSIS READY: Myasthenia gravis", Diagnose, Role.MODERATOR),
        ("", Malformed, Role.SYSTEM),
        ("REQUEST TEST:", Malformed, Role.SYSTEM),
    ],
)
def test_plan_step_routes_each_action(mg_case: Case, utterance: str, action_type: type, route: Role) -> None:
    state = start(mg_case, max_turns=5)
    before = copy.deepcopy(state)
    plan = plan_step(state, utterance)
    assert isinstance(plan.action, action_type)
    assert plan.route == route
    assert plan.utterance == utterance
    assert state == before  # planning does not change the state


@pytest.mark.parametrize(
    ("utterance", "route"),
    [("How old are you?", "end"), ("REQUEST TEST: EMG", "end"), ("", "end"), ("DIAGNOSIS READY: MG", "moderator")],
)
def test_plan_step_on_the_last_turn(mg_case: Case, utterance: str, route: str) -> None:
    state = start(mg_case, max_turns=1)
    assert plan_step(state, utterance).route == route


def test_question_goes_to_the_patient(mg_case: Case, cast: Cast) -> None:
    state = start(mg_case, max_turns=5)
    result = step(state, cast, "How old are you?", RewardConfig())
    assert [turn.role for turn in state.dialogue] == ["doctor", "patient"]
    assert state.dialogue[0].text == "How old are you?"
    assert "35-year-old female" in state.dialogue[1].text
    assert result.observation.startswith("Patient: I'm a 35-year-old female.")
    assert result.observation == state.observation
    assert not result.terminated and not result.truncated
    assert state.turn == 1


def test_test_request_goes_to_the_measurement_reader(mg_case: Case, cast: Cast) -> None:
    state = start(mg_case, max_turns=5)
    result = step(state, cast, "**REQUEST TEST:** EMG.", RewardConfig())
    assert [turn.role for turn in state.dialogue] == ["doctor", "measurement"]
    assert state.dialogue[1].text.startswith("RESULTS: Electromyography")
    assert result.observation.startswith("Measurement: RESULTS: Electromyography")
    assert "Patient:" not in result.observation
    assert state.tests_requested == ["EMG"]


def test_missing_test_is_still_a_measurement_turn(mg_case: Case, cast: Cast) -> None:
    state = start(mg_case, max_turns=5)
    result = step(state, cast, "REQUEST TEST: Tensilon test", RewardConfig())
    assert state.dialogue[-1].role == "measurement"
    assert result.observation.startswith("Measurement: RESULTS: NORMAL READINGS")


def test_malformed_goes_to_the_clinic(mg_case: Case, cast: Cast) -> None:
    state = start(mg_case, max_turns=5)
    rewards = RewardConfig(malformed_penalty=0.5)
    result = step(state, cast, "REQUEST TEST:", rewards)
    assert state.malformed == 1
    assert [turn.role for turn in state.dialogue] == ["doctor", "system"]
    assert result.observation.startswith("Clinic: Your message could not be used")
    assert "without a test name" in result.observation
    assert result.breakdown.malformed == -0.5
    assert result.reward == -0.5
    assert state.tests_requested == []
    result = step(state, cast, "   ", rewards)
    assert state.malformed == 2
    assert "empty" in result.observation
    assert state.rewards.malformed == -1.0


@pytest.mark.parametrize("given", ["Myasthenia gravis", "**Diagnosis Ready:** *myasthenia gravis (MG)*."])
def test_correct_diagnosis_ends_the_episode(mg_case: Case, cast: Cast, given: str) -> None:
    state = start(mg_case, max_turns=5)
    utterance = given if "Ready" in given else f"DIAGNOSIS READY: {given}"
    result = step(state, cast, utterance, RewardConfig(correct=2.0, wrong=-1.0))
    assert result.terminated is True
    assert result.truncated is False
    assert state.done
    assert state.verdict is not None and state.verdict.correct is True
    assert state.verdict.judge == "match"
    assert state.diagnosis is not None and state.diagnosis.lower().startswith("myasthenia gravis")
    assert result.reward == 2.0
    assert state.dialogue[-1].role == "moderator"
    assert state.dialogue[-1].text.startswith("Correct: ")
    assert "recorded" in result.observation


def test_wrong_diagnosis(mg_case: Case, cast: Cast) -> None:
    state = start(mg_case, max_turns=5)
    result = step(state, cast, "DIAGNOSIS READY: Multiple sclerosis", RewardConfig(correct=2.0, wrong=-1.0))
    assert result.terminated is True
    assert state.verdict is not None and state.verdict.correct is False
    assert state.diagnosis == "Multiple sclerosis"
    assert result.reward == -1.0
    assert state.dialogue[-1].text.startswith("Incorrect: ")


def test_diagnosis_on_the_last_turn_is_judged(mg_case: Case, cast: Cast) -> None:
    state = start(mg_case, max_turns=2)
    step(state, cast, "How old are you?", RewardConfig())
    result = step(state, cast, "DIAGNOSIS READY: Myasthenia gravis", RewardConfig())
    assert result.terminated is True and result.truncated is False
    assert result.reward == 1.0


# --- turn notes and the turn limit --------------------------------------------------------------


def test_turn_notes_count_up_and_final_note_only_with_one_turn_left(mg_case: Case, cast: Cast) -> None:
    max_turns = 5
    state = start(mg_case, max_turns=max_turns)
    observations = [state.observation]
    for utterance in ["How old are you?", "REQUEST TEST: EMG", "", "Do you smoke?"]:
        observations.append(step(state, cast, utterance, RewardConfig()).observation)
    for k, observation in enumerate(observations):
        note = observation[observation.rindex("[Turn") :]  # the first observation also holds the rules
        assert note.startswith(f"[Turn {k + 1} of {max_turns}]")
        turns_left = max_turns - k
        assert (FINAL in note) == (turns_left == 1), (k, observation)


def test_turn_note_text() -> None:
    assert turn_note(0, 3) == "[Turn 1 of 3]"
    assert turn_note(1, 3) == "[Turn 2 of 3]"
    assert turn_note(2, 3).startswith("[Turn 3 of 3] This is your final turn")
    assert "DIAGNOSIS READY" in turn_note(2, 3)
    assert FINAL in turn_note(0, 1)


def test_three_questions_with_three_turns_truncate(mg_case: Case, cast: Cast) -> None:
    state = start(mg_case, max_turns=3)
    rewards = RewardConfig(no_diagnosis_penalty=0.3)
    results = run(state, cast, ["How old are you?", "Do you smoke?", "Do you drink alcohol?"], rewards)
    assert [r.truncated for r in results] == [False, False, True]
    assert [r.terminated for r in results] == [False, False, False]
    assert FINAL in results[1].observation
    assert [turn.role for turn in state.dialogue] == ["doctor", "patient", "doctor", "patient", "doctor"]
    assert state.dialogue[-1].text == "Do you drink alcohol?"
    assert state.turn == 3
    assert state.verdict is None and state.diagnosis is None
    assert results[2].breakdown.no_diagnosis == -0.3
    assert results[2].reward == -0.3
    assert state.rewards.no_diagnosis == -0.3
    assert "turn limit" in results[2].observation


def test_step_after_done_raises(mg_case: Case, cast: Cast) -> None:
    state = start(mg_case, max_turns=1)
    step(state, cast, "How old are you?", RewardConfig())
    assert state.truncated
    with pytest.raises(EpisodeOver):
        step(state, cast, "DIAGNOSIS READY: Myasthenia gravis", RewardConfig())
    finished = start(mg_case, max_turns=5)
    step(finished, cast, "DIAGNOSIS READY: Myasthenia gravis", RewardConfig())
    with pytest.raises(EpisodeOver):
        plan_step(finished, "How old are you?")
    with pytest.raises(EpisodeOver):
        asyncio.run(astep(finished, cast, "How old are you?", RewardConfig()))
    assert len(finished.dialogue) == 2


# --- rewards ------------------------------------------------------------------------------------


def test_rewards_add_up_over_an_episode(mg_case: Case, cast: Cast) -> None:
    rewards = RewardConfig(test_cost=0.1, turn_penalty=0.01)
    state = start(mg_case, max_turns=10)
    utterances = [
        "How old are you?",
        "REQUEST TEST: EMG",
        "REQUEST TEST: Acetylcholine receptor antibody",
        "Do you smoke?",
        "DIAGNOSIS READY: Myasthenia gravis",
    ]
    results = run(state, cast, utterances, rewards)
    assert [r.reward for r in results] == pytest.approx([-0.01, -0.11, -0.11, -0.01, 0.99])
    assert state.rewards.total == pytest.approx(sum(r.reward for r in results), abs=1e-12)
    assert state.rewards.total == pytest.approx(1.0 - 2 * 0.1 - 5 * 0.01, abs=1e-12)
    assert state.rewards.outcome == 1.0
    assert state.rewards.tests == pytest.approx(-0.2)
    assert state.rewards.turns == pytest.approx(-0.05)
    assert state.rewards.malformed == 0.0
    assert state.rewards.no_diagnosis == 0.0
    assert state.tests_requested == ["EMG", "Acetylcholine receptor antibody"]


def test_default_rewards_are_agentclinic_one_zero(mg_case: Case, cast: Cast) -> None:
    right = start(mg_case, max_turns=3)
    run(right, cast, ["REQUEST TEST: EMG", "DIAGNOSIS READY: Myasthenia gravis"], RewardConfig())
    wrong = start(mg_case, max_turns=3)
    run(wrong, cast, ["REQUEST TEST: EMG", "DIAGNOSIS READY: Multiple sclerosis"], RewardConfig())
    assert right.rewards.total == 1.0
    assert wrong.rewards.total == 0.0


def test_reward_breakdown_total_and_add() -> None:
    total = RewardBreakdown(outcome=1.0, tests=-0.25, turns=-0.5)
    total.add(RewardBreakdown(malformed=-0.125, no_diagnosis=-1.0))
    assert total.total == 1.0 - 0.25 - 0.5 - 0.125 - 1.0
    with pytest.raises(ValueError):
        RewardConfig(test_cost=-0.1)


# --- async parity and LLM roles -----------------------------------------------------------------

EPISODE = [
    "What brings you in today?",
    "REQUEST TEST: Vital signs",
    "",
    "Do you smoke?",
    "REQUEST TEST: EMG",
    "DIAGNOSIS READY: Myasthenia gravis",
]


def test_astep_matches_step(mg_case: Case, cast: Cast) -> None:
    rewards = RewardConfig(test_cost=0.1, turn_penalty=0.01, malformed_penalty=0.2)
    sync_state = start(mg_case, max_turns=8)
    sync_results = run(sync_state, cast, EPISODE, rewards)

    async def episode() -> tuple[ConsultationState, list[StepResult]]:
        state = start(mg_case, max_turns=8)
        return state, [await astep(state, cast, utterance, rewards) for utterance in EPISODE]

    async_state, async_results = asyncio.run(episode())
    assert [(t.role, t.text) for t in async_state.dialogue] == [(t.role, t.text) for t in sync_state.dialogue]
    assert async_results == sync_results
    assert async_state.rewards == sync_state.rewards
    assert async_state.verdict == sync_state.verdict


def test_llm_cast_through_the_core(mg_case: Case) -> None:
    patient = ScriptedBackend(["Patient: I see double.", "I am 35."], name="pat")
    measurement = ScriptedBackend(["Decrement on repetitive stimulation."], name="meas")
    moderator = ScriptedBackend(["**Yes**"], name="judge")
    llm_cast = CastSpec(patient=patient, measurement=measurement, moderator=moderator).for_case(mg_case)
    assert llm_cast.backends() == {"patient": "pat", "measurement": "meas", "moderator": "llm:judge"}
    state = start(mg_case, max_turns=6)
    observations = [step(state, llm_cast, "What brings you in?", RewardConfig()).observation]

    async def rest() -> None:
        for utterance in ["REQUEST TEST: EMG", "How old are you?", "DIAGNOSIS READY: MG"]:
            observations.append((await astep(state, llm_cast, utterance, RewardConfig())).observation)

    asyncio.run(rest())
    assert observations[0].startswith("Patient: I see double.\n")
    assert observations[1].startswith("Measurement: RESULTS: Decrement on repetitive stimulation.\n")
    assert observations[2].startswith("Patient: I am 35.\n")
    assert state.terminated and state.verdict is not None
    assert state.verdict.correct is True and state.verdict.judge == "llm:judge"
    judge_turn = state.dialogue[-1]
    assert judge_turn.role == "moderator" and judge_turn.backend == "judge"
    assert judge_turn.text.startswith("Correct: ")
    assert judge_turn.prompt_tokens > 0
    # The patient model saw the question but never the test request or its result.
    last_patient_request = patient.requests[-1]
    assert [m.role for m in last_patient_request] == ["system", "user", "assistant", "user"]
    assert last_patient_request[-1].content == "How old are you?"


# --- doctor prompts -----------------------------------------------------------------------------


def _state_after(mg_case: Case, cast: Cast, utterances: list[str], max_turns: int = 6) -> ConsultationState:
    state = start(mg_case, max_turns=max_turns)
    run(state, cast, utterances, RewardConfig())
    return state


def test_chat_messages_alternate(mg_case: Case, cast: Cast) -> None:
    state = _state_after(mg_case, cast, ["How old are you?", "REQUEST TEST: EMG", "", "Do you smoke?"])
    messages = chat_messages(state.doctor_view())
    roles = [m.role for m in messages]
    assert roles[0] == "system"
    assert roles[1:] == ["user", "assistant"] * 4 + ["user"]
    assert mg_case.objective in messages[0].content
    assert "at most 6 times" in messages[0].content
    assert messages[1].content == f"{OPENING}\n[Turn 1 of 6]"
    assert [m.content for m in messages if m.role == "assistant"] == [
        "How old are you?",
        "REQUEST TEST: EMG",
        "",
        "Do you smoke?",
    ]
    assert messages[-1].content == state.observation
    assert messages[-1].content.endswith(turn_note(4, 6))
    assert messages[5].content.startswith("Measurement: RESULTS: Electromyography")
    assert messages[7].content.startswith("Clinic: Your message could not be used")
    assert "Myasthenia" not in "".join(m.content for m in messages)


def test_chat_messages_last_note_is_final_with_one_turn_left(mg_case: Case, cast: Cast) -> None:
    state = _state_after(mg_case, cast, ["How old are you?", "Do you smoke?"], max_turns=3)
    messages = chat_messages(state.doctor_view())
    assert messages[-1].role == "user"
    assert "[Turn 3 of 3]" in messages[-1].content
    assert FINAL in messages[-1].content
    assert not any(FINAL in m.content for m in messages if m.role == "user" and m is not messages[-1])


def test_chat_messages_at_start(mg_case: Case) -> None:
    view = start(mg_case, max_turns=4).doctor_view()
    messages = chat_messages(view)
    assert [m.role for m in messages] == ["system", "user"]
    assert messages[-1].content.endswith("[Turn 1 of 4]")


def test_system_prompt_lists_options() -> None:
    view = DoctorView(objective="Find it.", options=["Alpha disease", "Beta disease"])
    system = chat_messages(view)[0].content
    assert "Alpha disease; Beta disease" in system
    assert "one of these options" not in chat_messages(DoctorView(objective="Find it."))[0].content


def test_agentclinic_messages_hold_the_whole_dialogue(mg_case: Case, cast: Cast) -> None:
    state = _state_after(mg_case, cast, ["How old are you?", "REQUEST TEST: EMG", "Do you smoke?"])
    [message] = agentclinic_messages(state.doctor_view())
    assert message.role == "user"
    content = message.content
    assert mg_case.objective in content
    for turn in state.dialogue:
        assert turn.text in content
    assert "Doctor: How old are you?" in content
    assert "Patient: I'm a 35-year-old female." in content
    assert "Measurement: RESULTS: Electromyography" in content
    assert turn_note(3, 6) in content
    assert content.index("Doctor: How old are you?") < content.index("Doctor: Do you smoke?")


def test_agentclinic_messages_at_start() -> None:
    [message] = agentclinic_messages(DoctorView(objective="Find it.", max_turns=2))
    assert "nothing yet" in message.content
    assert "[Turn 1 of 2]" in message.content


def test_backend_doctor_formats(mg_case: Case) -> None:
    view = start(mg_case, max_turns=4).doctor_view()
    chat_backend = ScriptedBackend(["Doctor: How old are you?"])
    reply = BackendDoctor(chat_backend).act(view)
    assert reply.text == "How old are you?"
    assert [m.role for m in chat_backend.requests[0]] == ["system", "user"]
    flat_backend = ScriptedBackend(["Do you smoke?"])
    reply = asyncio.run(BackendDoctor(flat_backend, prompt_format="agentclinic").aact(view))
    assert reply.text == "Do you smoke?"
    assert [m.role for m in flat_backend.requests[0]] == ["user"]


def test_backend_doctor_strips_markdown_label() -> None:
    reply = BackendDoctor(ScriptedBackend(["**Doctor:** How old are you?"])).act(DoctorView(objective="o"))
    assert reply.text == "How old are you?"


# --- OracleDoctor -------------------------------------------------------------------------------


@pytest.mark.parametrize("max_turns", [1, 2, 3, 20])
def test_oracle_plan_fits_and_ends_with_the_diagnosis(mg_case: Case, max_turns: int) -> None:
    plan = OracleDoctor(mg_case, max_turns=max_turns).plan
    assert plan[-1] == f"DIAGNOSIS READY: {mg_case.diagnosis}"
    assert len(plan) <= max_turns
    assert sum(text.startswith("DIAGNOSIS READY") for text in plan) == 1


@pytest.mark.parametrize("max_turns", [3, 20])
@pytest.mark.parametrize("case_name", ["medqa", *[case.id for case in DEMO_CASES]])
def test_oracle_episode_is_correct_within_the_limit(mg_case: Case, case_name: str, max_turns: int) -> None:
    case = mg_case if case_name == "medqa" else next(c for c in DEMO_CASES if c.id == case_name)
    cast = CastSpec().for_case(case)
    doctor = OracleDoctor(case, max_turns=max_turns)
    state = start(case, max_turns=max_turns)
    while not state.done:
        step(state, cast, doctor.act(state.doctor_view()).text, RewardConfig())
    assert state.terminated and not state.truncated
    assert state.turn <= max_turns
    assert state.diagnosis == case.diagnosis
    assert state.verdict is not None and state.verdict.correct is True
    if max_turns == 20:
        # With room to spare, every recorded exam and test was requested by name.
        assert state.tests_requested == [*case.exam, *case.tests]
        assert not any(turn.text.endswith("NORMAL READINGS") for turn in state.dialogue if turn.role == "measurement")
