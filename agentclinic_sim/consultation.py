"""The pure transition core: consultation state + one doctor utterance -> next observation, done, outcome.

A step is three parts so that the same logic serves sync callers (the Gymnasium env), async callers
(the runner) and the LangGraph graph, which runs each part as its own node:

1. ``plan_step(state, utterance)`` parses the utterance and says who must answer (pure);
2. the chosen role answers (``call_role`` / ``acall_role``) — the only part that does any work;
3. ``apply_step(state, plan, response, rewards)`` records the turn, scores it and builds the observation (pure).

``start`` gives the doctor's first observation from the same renderer the benchmark doctor's prompt comes
from (``DoctorPrompt``): the rules, the objective and the opening. The CLI runs each episode as the
LangGraph graph (``graph.py``) over these same functions, and batched RL rollouts step the core turn by turn.

Routing: ``REQUEST TEST:`` -> measurement, ``DIAGNOSIS READY:`` -> moderator (ends the episode),
an empty or tag-only utterance -> the clinic's own correction, anything else -> patient. The doctor
has ``max_turns`` utterances; the last one that is not a diagnosis truncates the episode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import TypeAdapter

from agentclinic_sim.rewards import RewardBreakdown, RewardConfig
from agents.cast import Cast
from agents.doctor import DoctorPrompt, DoctorView
from agents.protocol import (
    DEFAULT_MAX_TURNS,
    DIAGNOSIS_TAG,
    TEST_TAG,
    Action,
    Ask,
    Diagnose,
    Malformed,
    RequestTest,
    parse_action,
)
from agents.types import Reply, Role, Turn, Verdict
from scenarios import Case

END_ROUTE: Literal["end"] = "end"
"""The route of an utterance at the turn limit: no role answers, the episode is truncated."""
Route = Role | Literal["end"]
"""Who answers the doctor's utterance: a role (``Role.SYSTEM`` for an unusable one), or ``END_ROUTE``."""


@dataclass(slots=True)
class ConsultationState:
    """Everything about one episode in progress. A plain dataclass (cheap to update inside ``env.step``);
    ``dump_state`` / ``load_state`` turn it into JSON and back for checkpoints."""

    case_id: str
    objective: str
    correct_diagnosis: str = field(repr=False)
    options: list[str] | None = None
    max_turns: int = DEFAULT_MAX_TURNS
    turn: int = 0
    """Doctor utterances so far."""
    dialogue: list[Turn] = field(default_factory=list)
    tests_requested: list[str] = field(default_factory=list)
    malformed: int = 0
    diagnosis: str | None = None
    verdict: Verdict | None = None
    terminated: bool = False
    truncated: bool = False
    observation: str = ""
    rewards: RewardBreakdown = field(default_factory=RewardBreakdown)
    prompt: DoctorPrompt = field(default_factory=DoctorPrompt)
    """How the doctor's observations are rendered (format, bias)."""

    @property
    def done(self) -> bool:
        return self.terminated or self.truncated

    def doctor_view(self) -> DoctorView:
        return DoctorView(
            objective=self.objective,
            dialogue=self.dialogue,
            turn=self.turn,
            max_turns=self.max_turns,
            options=self.options,
        )


_STATE_ADAPTER: TypeAdapter[ConsultationState] = TypeAdapter(ConsultationState)


def dump_state(state: ConsultationState) -> dict[str, Any]:
    return _STATE_ADAPTER.dump_python(state, mode="json")


def load_state(data: dict[str, Any]) -> ConsultationState:
    return _STATE_ADAPTER.validate_python(data)


class EpisodeOver(RuntimeError):
    """``step`` was called on a consultation that has already ended."""


def start(case: Case, max_turns: int = DEFAULT_MAX_TURNS, prompt: DoctorPrompt | None = None) -> ConsultationState:
    """A new consultation; its observation is the doctor's first message (rules, objective, opening)."""
    if max_turns < 1:
        raise ValueError(f"max_turns must be at least 1, got {max_turns}")
    state = ConsultationState(
        case_id=case.id,
        objective=case.objective,
        correct_diagnosis=case.diagnosis,
        options=case.options,
        max_turns=max_turns,
        prompt=prompt or DoctorPrompt(),
    )
    state.observation = state.prompt.observation(state.doctor_view, None, state.turn, state.max_turns)
    return state


@dataclass(frozen=True, slots=True)
class StepPlan:
    action: Action
    route: Route
    utterance: str


@dataclass(frozen=True, slots=True)
class StepResult:
    observation: str
    reward: float
    terminated: bool
    truncated: bool
    breakdown: RewardBreakdown


def plan_step(state: ConsultationState, utterance: str) -> StepPlan:
    if state.done:
        raise EpisodeOver(f"the consultation for {state.case_id} has ended; call reset() first")
    action = parse_action(utterance)
    route: Route
    if isinstance(action, Diagnose):
        route = Role.MODERATOR
    elif state.turn + 1 >= state.max_turns:
        route = END_ROUTE
    elif isinstance(action, RequestTest):
        route = Role.MEASUREMENT
    elif isinstance(action, Malformed):
        route = Role.SYSTEM
    else:
        route = Role.PATIENT
    return StepPlan(action, route, utterance)


def clinic_correction(action: Malformed) -> Reply:
    return Reply(
        text=(
            f"Your message could not be used ({action.reason}). Ask the patient a question, write "
            f"'{TEST_TAG}: <test name>', or write '{DIAGNOSIS_TAG}: <diagnosis>'."
        ),
        backend="clinic",
    )


def call_role(cast: Cast, state: ConsultationState, plan: StepPlan) -> Reply | Verdict | None:
    """Ask the role the plan routes to (synchronously)."""
    action = plan.action
    if plan.route == Role.PATIENT:
        assert isinstance(action, Ask)
        return cast.patient.respond(action.text, state.dialogue)
    if plan.route == Role.MEASUREMENT:
        assert isinstance(action, RequestTest)
        return cast.measurement.respond(action.name, state.dialogue)
    if plan.route == Role.MODERATOR:
        assert isinstance(action, Diagnose)
        return cast.moderator.judge(action.diagnosis, state.correct_diagnosis)
    if plan.route == Role.SYSTEM:
        assert isinstance(action, Malformed)
        return clinic_correction(action)
    return None


async def acall_role(cast: Cast, state: ConsultationState, plan: StepPlan) -> Reply | Verdict | None:
    """Ask the role the plan routes to (asynchronously)."""
    action = plan.action
    if plan.route == Role.PATIENT:
        assert isinstance(action, Ask)
        return await cast.patient.arespond(action.text, state.dialogue)
    if plan.route == Role.MEASUREMENT:
        assert isinstance(action, RequestTest)
        return await cast.measurement.arespond(action.name, state.dialogue)
    if plan.route == Role.MODERATOR:
        assert isinstance(action, Diagnose)
        return await cast.moderator.ajudge(action.diagnosis, state.correct_diagnosis)
    return call_role(cast, state, plan)


def apply_step(
    state: ConsultationState,
    plan: StepPlan,
    response: Reply | Verdict | None,
    rewards: RewardConfig,
    doctor_reply: Reply | None = None,
) -> StepResult:
    """Record the doctor's utterance and the response, update the state, and score the step."""
    action = plan.action
    doctor_turn = (
        Turn.from_reply(Role.DOCTOR, doctor_reply)
        if doctor_reply
        else Turn.model_construct(role=Role.DOCTOR, text=plan.utterance)
    )
    state.dialogue.append(doctor_turn)
    state.turn += 1
    step = RewardBreakdown(turns=-rewards.turn_penalty)

    if isinstance(action, RequestTest) and plan.route == Role.MEASUREMENT:
        state.tests_requested.append(action.name)
        step.tests = -rewards.test_cost
    elif isinstance(action, Malformed):
        state.malformed += 1
        step.malformed = -rewards.malformed_penalty

    if plan.route == Role.MODERATOR:
        assert isinstance(response, Verdict) and isinstance(action, Diagnose)
        state.diagnosis = action.diagnosis
        state.verdict = response
        state.terminated = True
        step.outcome = rewards.correct if response.correct else rewards.wrong
        judge_turn = Turn(
            role=Role.MODERATOR, text=f"{'Correct' if response.correct else 'Incorrect'}: {response.reason}"
        )
        if response.reply is not None:
            judge_turn = Turn.from_reply(Role.MODERATOR, response.reply.model_copy(update={"text": judge_turn.text}))
        state.dialogue.append(judge_turn)
        state.observation = f"The consultation has ended. Your diagnosis was recorded: {action.diagnosis}"
    elif plan.route == END_ROUTE:
        state.truncated = True
        step.no_diagnosis = -rewards.no_diagnosis_penalty
        state.observation = "The consultation has ended: the turn limit was reached without a diagnosis."
    else:
        assert isinstance(response, Reply)
        assert isinstance(plan.route, Role)
        response_turn = Turn.from_reply(plan.route, response)
        state.dialogue.append(response_turn)
        state.observation = state.prompt.observation(state.doctor_view, response_turn, state.turn, state.max_turns)

    state.rewards.add(step)
    return StepResult(state.observation, step.total, state.terminated, state.truncated, step)


def step(
    state: ConsultationState, cast: Cast, utterance: str, rewards: RewardConfig, doctor_reply: Reply | None = None
) -> StepResult:
    """One full synchronous transition."""
    plan = plan_step(state, utterance)
    return apply_step(state, plan, call_role(cast, state, plan), rewards, doctor_reply)


async def astep(
    state: ConsultationState, cast: Cast, utterance: str, rewards: RewardConfig, doctor_reply: Reply | None = None
) -> StepResult:
    """One full asynchronous transition (LLM roles run concurrently across episodes)."""
    plan = plan_step(state, utterance)
    return apply_step(state, plan, await acall_role(cast, state, plan), rewards, doctor_reply)
