"""The consultation as a LangGraph ``StateGraph``: the same transitions as ``consultation.py``, as nodes.

    START -> doctor -> route -> patient | measurement | judge | clinic | end -> (doctor | END)

What the graph adds over the bare core: a checkpointer (an interrupted episode resumes from its last
completed node), event streaming (``astream(..., stream_mode="updates")`` for live views), and an
interrupt at the doctor node when no doctor agent is given — a person or an external policy then
supplies each turn with ``Command(resume="<utterance>")``.

State is kept as plain JSON (``dump_state``) so any checkpointer can
store it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypedDict

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from agentclinic_sim.consultation import (
    ConsultationState,
    Route,
    acall_role,
    apply_step,
    dump_state,
    load_state,
    plan_step,
    start,
)
from agentclinic_sim.rewards import RewardConfig
from agents.cast import Cast
from agents.doctor import DoctorView
from agents.types import Reply
from scenarios import Case


class Doctor(Protocol):
    async def aact(self, view: DoctorView) -> Reply: ...


class GraphState(TypedDict, total=False):
    consultation: dict[str, Any]
    utterance: str
    doctor_reply: dict[str, Any] | None
    route: Route


ROLE_NODES: dict[Route, str] = {
    "patient": "patient",
    "measurement": "measurement",
    "moderator": "judge",
    "clinic": "clinic",
    "end": "end",
}


def initial_state(case: Case, max_turns: int = 20) -> GraphState:
    return {"consultation": dump_state(start(case, max_turns))}


def build_graph(
    cast_for: Callable[[str], Cast],
    *,
    doctor_for: Callable[[str], Doctor] | None = None,
    rewards: RewardConfig | None = None,
    checkpointer: BaseCheckpointSaver | None = None,
) -> Any:
    """Compile the consultation graph.

    ``cast_for(case_id)`` gives the roles of a case; ``doctor_for(case_id)`` its doctor, or ``None`` to
    interrupt at every doctor turn and wait for ``Command(resume=utterance)``.
    """
    reward_config = rewards or RewardConfig()

    async def doctor(state: GraphState) -> GraphState:
        consultation = load_state(state["consultation"])
        if doctor_for is None:
            utterance = interrupt(
                {
                    "case_id": consultation.case_id,
                    "observation": consultation.observation,
                    "turn": consultation.turn,
                    "max_turns": consultation.max_turns,
                }
            )
            return {"utterance": str(utterance), "doctor_reply": None}
        reply = await doctor_for(consultation.case_id).aact(consultation.doctor_view())
        return {"utterance": reply.text, "doctor_reply": reply.model_dump(mode="json")}

    def route(state: GraphState) -> GraphState:
        consultation = load_state(state["consultation"])
        return {"route": plan_step(consultation, state["utterance"]).route}

    async def respond(state: GraphState) -> GraphState:
        consultation = load_state(state["consultation"])
        plan = plan_step(consultation, state["utterance"])
        response = await acall_role(cast_for(consultation.case_id), consultation, plan)
        reply = Reply.model_validate(state["doctor_reply"]) if state.get("doctor_reply") else None
        apply_step(consultation, plan, response, reward_config, reply)
        return {"consultation": dump_state(consultation)}

    def after_response(state: GraphState) -> str:
        consultation = state["consultation"]
        return END if consultation["terminated"] or consultation["truncated"] else "doctor"

    graph = StateGraph(GraphState)
    graph.add_node("doctor", doctor)
    graph.add_node("route", route)
    for node in ROLE_NODES.values():
        graph.add_node(node, respond)
        graph.add_conditional_edges(node, after_response, ["doctor", END])
    graph.add_edge(START, "doctor")
    graph.add_edge("doctor", "route")
    graph.add_conditional_edges("route", lambda state: ROLE_NODES[state["route"]], list(ROLE_NODES.values()))
    return graph.compile(checkpointer=checkpointer)


def consultation_of(values: GraphState) -> ConsultationState:
    return load_state(values["consultation"])
