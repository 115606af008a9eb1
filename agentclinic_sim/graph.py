"""The consultation as a LangGraph ``StateGraph``: the same transitions as ``consultation.py``, as nodes.

    START -> doctor -(route)-> patient | measurement | judge | clinic | end -(done?)-> doctor | END

The doctor node routes its own utterance (``plan_step``, pure) and each response node says whether the
episode goes on, both by returning ``Command(goto=...)``: a conditional edge would be one more runnable
per step, which costs about a quarter of the graph's time per turn. A response the role computes in code
(the retrieval patient, the lookup reader, the matcher, clinic notices) is applied by the doctor node
itself: its own node would only add a step and a checkpoint, and asking it again after a kill is free.
So there is one node, and one checkpoint, per call to a model. What the graph adds over the bare
core: a checkpointer (an interrupted episode resumes from its last completed node, so a paid call is
never made twice), event streaming (``astream``) for live views, and interrupts for a person's turn: at
the doctor node when no doctor agent is given, and at the patient node when the context says a person
plays the patient. The person's answer comes back with ``Command(resume=text)`` (or
``Command(resume=Reply(...).model_dump())`` to record who answered).

The live objects of an episode (its roles, its doctor) travel in the run's ``EpisodeContext``
(``ainvoke(..., context=...)``), never in the checkpoint; the state itself is plain JSON
(``dump_state``), so any checkpointer can store it. Every node is a coroutine: a plain function would be
run on a worker thread, which costs more than the transition itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypedDict

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt

from agentclinic_sim.consultation import (
    END_ROUTE,
    ConsultationState,
    Route,
    StepPlan,
    acall_role,
    apply_step,
    dump_state,
    load_state,
    plan_step,
    start,
)
from agentclinic_sim.rewards import RewardConfig
from agents.cast import Cast
from agents.doctor import Doctor, DoctorPrompt
from agents.protocol import DEFAULT_MAX_TURNS, Ask
from agents.types import Reply, Role
from scenarios import Case

HUMAN = "human"


class GraphState(TypedDict, total=False):
    consultation: dict[str, Any]
    utterance: str
    doctor_reply: dict[str, Any] | None


@dataclass(slots=True)
class EpisodeContext:
    """What one episode's nodes need besides its state: live objects, never checkpointed."""

    cast: Cast
    doctor: Doctor | None = None
    """``None``: interrupt at each doctor turn for a person (or an external policy)."""
    human_patient: bool = False
    """Interrupt at each patient turn for a person's answer."""
    rewards: RewardConfig | None = None
    loaded: tuple[dict[str, Any], ConsultationState] | None = None
    """The last state a node loaded or wrote, beside the JSON it came from: the next node reuses it
    instead of validating the same JSON again (the channel hands on the very same dict)."""

    def answers_in_code(self, route: Route) -> bool:
        """Whether the answer to a step on ``route`` is computed here, with no model and no person."""
        return self.cast.in_process(route) and not (self.human_patient and route == Role.PATIENT)

    def consultation(self, data: dict[str, Any]) -> ConsultationState:
        if self.loaded is not None and self.loaded[0] is data:
            return self.loaded[1]
        consultation = load_state(data)
        self.loaded = (data, consultation)
        return consultation


RESPONSE_NODES = (Role.PATIENT, Role.MEASUREMENT, Role.MODERATOR, Role.SYSTEM, END_ROUTE)
"""The nodes that answer the doctor, each named by its route: the graph speaks the roles' own vocabulary."""


def initial_state(case: Case, max_turns: int = DEFAULT_MAX_TURNS, prompt: DoctorPrompt | None = None) -> GraphState:
    return {"consultation": dump_state(start(case, max_turns, prompt))}


def resumed_reply(value: Any) -> Reply:
    """What ``Command(resume=...)`` brought back for a person's turn: a text, or a ``Reply`` as a dict."""
    if isinstance(value, dict):
        return Reply.model_validate(value)
    return Reply(text=str(value), backend=HUMAN)


class ConsultationNodes:
    """The graph's node functions and what they share: the roles an invocation without an ``EpisodeContext``
    gets (``cast_for``, ``doctor_for``), and the rewards a context without its own uses."""

    def __init__(
        self,
        cast_for: Callable[[str], Cast] | None,
        doctor_for: Callable[[str], Doctor] | None,
        rewards: RewardConfig,
    ):
        self.cast_for = cast_for
        self.doctor_for = doctor_for
        self.rewards = rewards

    def roles(self, runtime: Runtime[EpisodeContext], data: dict[str, Any]) -> tuple[EpisodeContext, ConsultationState]:
        context = runtime.context
        if context is not None:
            return context, context.consultation(data)
        if self.cast_for is None:
            raise ValueError("build_graph needs cast_for, or invoke the graph with context=EpisodeContext(...)")
        consultation = load_state(data)
        case_id = consultation.case_id
        doctor = self.doctor_for(case_id) if self.doctor_for else None
        return EpisodeContext(self.cast_for(case_id), doctor), consultation

    async def doctor(self, state: GraphState, runtime: Runtime[EpisodeContext]) -> Command[str]:
        """The doctor's turn (a person's, through an interrupt, when the context has no doctor); a response
        computed in code is settled here, any other goes to the node of the role that gives it."""
        context, consultation = self.roles(runtime, state["consultation"])
        if context.doctor is None:
            reply = resumed_reply(interrupt(_pause(Role.DOCTOR, consultation, observation=consultation.observation)))
        else:
            reply = await context.doctor.aact(consultation.doctor_view())
        plan = plan_step(consultation, reply.text)
        update: dict[str, Any] = {"utterance": reply.text, "doctor_reply": reply.model_dump(mode="json")}
        if context.answers_in_code(plan.route):  # its own node (and checkpoint) would save nothing
            response = await acall_role(context.cast, consultation, plan)
            update["consultation"] = self.settle(context, consultation, plan, response, reply)
            return Command(update=update, goto=END if consultation.done else Role.DOCTOR.value)
        return Command(update=update, goto=str(plan.route))

    async def respond(self, state: GraphState, runtime: Runtime[EpisodeContext]) -> Command[str]:
        """A role's answer to the doctor's utterance (a person's, through an interrupt, for a human patient)."""
        context, consultation = self.roles(runtime, state["consultation"])
        plan = plan_step(consultation, state["utterance"])
        if context.human_patient and plan.route == Role.PATIENT:
            assert isinstance(plan.action, Ask)
            response: Any = resumed_reply(interrupt(_pause(Role.PATIENT, consultation, question=plan.action.text)))
        else:
            response = await acall_role(context.cast, consultation, plan)
        reply = Reply.model_validate(state["doctor_reply"]) if state.get("doctor_reply") else None
        data = self.settle(context, consultation, plan, response, reply)
        return Command(update={"consultation": data}, goto=END if consultation.done else Role.DOCTOR.value)

    def settle(
        self,
        context: EpisodeContext,
        consultation: ConsultationState,
        plan: StepPlan,
        response: Any,
        reply: Reply | None,
    ) -> dict[str, Any]:
        """Apply the step to the consultation; its new JSON, remembered beside it for the next node."""
        context.loaded = None  # the state changes under its old JSON from here on
        apply_step(consultation, plan, response, context.rewards or self.rewards, reply)
        data = dump_state(consultation)
        context.loaded = (data, consultation)
        return data


def _pause(role: Role, consultation: ConsultationState, **shown: str) -> dict[str, Any]:
    """What an interrupt for a person's turn carries: who they are, the case, the turn, and what they see."""
    return {
        "role": role.value,
        "case_id": consultation.case_id,
        **shown,
        "turn": consultation.turn,
        "max_turns": consultation.max_turns,
    }


def build_graph(
    cast_for: Callable[[str], Cast] | None = None,
    *,
    doctor_for: Callable[[str], Doctor] | None = None,
    rewards: RewardConfig | None = None,
    checkpointer: BaseCheckpointSaver | None = None,
) -> Any:
    """Compile the consultation graph.

    The roles of an episode come from the ``EpisodeContext`` it is invoked with; without one, from
    ``cast_for(case_id)`` and ``doctor_for(case_id)`` (``doctor_for=None``: interrupt at every doctor
    turn and wait for ``Command(resume=utterance)``).
    """
    nodes = ConsultationNodes(cast_for, doctor_for, rewards or RewardConfig())
    graph = StateGraph(GraphState, context_schema=EpisodeContext)
    graph.add_node(Role.DOCTOR.value, nodes.doctor, destinations=tuple(str(node) for node in RESPONSE_NODES))
    for node in RESPONSE_NODES:
        graph.add_node(str(node), nodes.respond, destinations=(Role.DOCTOR.value, END))
    graph.add_edge(START, Role.DOCTOR.value)
    return graph.compile(checkpointer=checkpointer)


def consultation_of(values: GraphState) -> ConsultationState:
    return load_state(values["consultation"])
