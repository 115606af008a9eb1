"""The LangGraph graph (resume from a checkpoint, interrupts for an external doctor, streaming) and a
whole episode with every role on an LLM backend (scripted)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from agentclinic_sim.consultation import astep, start
from agentclinic_sim.graph import build_graph, consultation_of, initial_state
from agentclinic_sim.rewards import RewardConfig
from agents.cast import Cast, CastSpec
from agents.doctor import BackendDoctor, OracleDoctor
from models.backends import Message, ScriptedBackend
from scenarios import Case, load_cases

CASES = {case.id: case for case in load_cases("demo")}


def deterministic_casts() -> dict[str, Cast]:
    spec = CastSpec()
    return {case_id: spec.for_case(case) for case_id, case in CASES.items()}


def run(coroutine):  # noqa: ANN001, ANN201
    return asyncio.run(coroutine)


def test_graph_episode_matches_the_core() -> None:
    casts = deterministic_casts()
    case = CASES["demo:0"]
    graph = build_graph(casts.__getitem__, doctor_for=lambda case_id: OracleDoctor(CASES[case_id]))
    final = consultation_of(run(graph.ainvoke(initial_state(case))))

    state = start(case)
    oracle = OracleDoctor(case)
    while not state.done:
        run(astep(state, casts[case.id], oracle.act(state.doctor_view()).text, RewardConfig()))
    assert [(t.role, t.text) for t in final.dialogue] == [(t.role, t.text) for t in state.dialogue]
    assert final.verdict and final.verdict.correct


def test_graph_resumes_an_episode_cut_after_turn_3() -> None:
    casts = deterministic_casts()
    case = CASES["demo:3"]

    def doctor_for(case_id: str) -> OracleDoctor:
        return OracleDoctor(CASES[case_id])

    uncut = consultation_of(run(build_graph(casts.__getitem__, doctor_for=doctor_for).ainvoke(initial_state(case))))

    saver = InMemorySaver()
    config = {"configurable": {"thread_id": "cut-after-3"}}
    first = build_graph(casts.__getitem__, doctor_for=doctor_for, checkpointer=saver)

    async def run_three_turns() -> None:
        responses = 0
        async for update in first.astream(initial_state(case), config, stream_mode="updates"):
            responses += any("consultation" in (change or {}) for change in update.values())
            if responses == 3:
                break

    run(run_three_turns())
    cut = consultation_of(first.get_state(config).values)
    assert cut.turn == 3 and not cut.done

    second = build_graph(casts.__getitem__, doctor_for=doctor_for, checkpointer=saver)
    resumed = consultation_of(run(second.ainvoke(None, config)))
    assert [(t.role, t.text) for t in resumed.dialogue] == [(t.role, t.text) for t in uncut.dialogue]
    assert resumed.turn == uncut.turn and resumed.verdict == uncut.verdict


def test_graph_interrupts_for_an_external_doctor() -> None:
    casts = deterministic_casts()
    graph = build_graph(casts.__getitem__, checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "human"}}
    result = run(graph.ainvoke(initial_state(CASES["demo:1"]), config))
    prompt = result["__interrupt__"][0].value
    assert prompt["case_id"] == "demo:1" and prompt["turn"] == 0 and "Begin" in prompt["observation"]

    result = run(graph.ainvoke(Command(resume="REQUEST TEST: Chest X-Ray"), config))
    assert result["__interrupt__"][0].value["observation"].startswith("Measurement: RESULTS:")

    result = run(graph.ainvoke(Command(resume=f"DIAGNOSIS READY: {CASES['demo:1'].diagnosis}"), config))
    final = consultation_of(result)
    assert final.terminated and final.verdict and final.verdict.correct
    assert "__interrupt__" not in result


def test_every_role_on_an_llm_backend() -> None:
    case: Case = CASES["demo:0"]
    doctor_backend = ScriptedBackend(
        ["Hello, what brings you in today?", "REQUEST TEST: Electrocardiogram", f"DIAGNOSIS READY: {case.diagnosis}"],
        name="doctor-llm",
    )

    def patient_reply(messages: Sequence[Message]) -> str:
        assert messages[0].role == "system" and case.diagnosis not in messages[0].content
        return "Patient: I have had crushing chest pain for an hour."

    patient_backend = ScriptedBackend(responder=patient_reply, name="patient-llm")
    measurement_backend = ScriptedBackend(["ST elevation in leads II, III and aVF."], name="measurement-llm")
    moderator_backend = ScriptedBackend(["**Yes.** They are the same."], name="judge-llm")
    cast = CastSpec(patient=patient_backend, measurement=measurement_backend, moderator=moderator_backend).for_case(
        case
    )
    doctor = BackendDoctor(doctor_backend)
    state = start(case)

    async def episode() -> None:
        while not state.done:
            reply = await doctor.aact(state.doctor_view())
            await astep(state, cast, reply.text, RewardConfig(), reply)

    run(episode())
    roles = [turn.role for turn in state.dialogue]
    assert roles == ["doctor", "patient", "doctor", "measurement", "doctor", "moderator"]
    assert state.dialogue[1].text == "I have had crushing chest pain for an hour."
    assert state.dialogue[3].text == "RESULTS: ST elevation in leads II, III and aVF."
    assert state.verdict and state.verdict.correct and state.verdict.judge == "llm:judge-llm"
    assert [turn.backend for turn in state.dialogue] == [
        "doctor-llm",
        "patient-llm",
        "doctor-llm",
        "measurement-llm",
        "doctor-llm",
        "judge-llm",
    ]
    assert all(turn.completion_tokens > 0 for turn in state.dialogue)
    # The doctor's second request saw the patient's answer as a user message, labelled as the patient's.
    second_prompt = doctor_backend.requests[1]
    assert [m.role for m in second_prompt] == ["system", "user", "assistant", "user"]
    assert second_prompt[-1].content.startswith("Patient: I have had crushing chest pain")
    third_prompt = doctor_backend.requests[2]
    assert third_prompt[-1].content.startswith("Measurement: RESULTS:")


def test_sync_env_step_works_with_llm_roles() -> None:
    from agentclinic_sim.env import ConsultationEnv

    backend = ScriptedBackend(["It started yesterday."], cycle=True, name="patient-llm")
    env = ConsultationEnv("demo", cast=CastSpec(patient=backend))
    env.reset(seed=0)
    observation, *_ = env.step("When did it start?")
    assert observation.startswith("Patient: It started yesterday.")
