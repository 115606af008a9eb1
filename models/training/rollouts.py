"""Token-level rollouts: play groups of consultations with a local policy, batching the doctor turns of all
live episodes into one ``generate`` call per turn.

Each ``Trajectory`` holds the conversation's ids built by concatenation (prompt ids, then per turn the
generated ids and the environment's ids; see ``tokens``), a mask that is 1 exactly on doctor-generated tokens,
their sampling logprobs, and the environment's reward with its breakdown. The episode itself runs on the
clinic's transition core (``consultation.start`` / ``step``) with the same ``DoctorPrompt`` renderer and reply
cleaning as the benchmark doctor, so no step of an episode is written twice.

The policy is a ``RolloutPolicy`` (``rollout_policy``): ``HFPolicy`` decodes with transformers, ``VLLMPolicy`` with
TRL's vLLM engine. Each ``play`` keeps a ``TurnCache`` for it: with ``HFPolicy``, a turn prefills only the ids its
prompts add to the previous turn's (and a first prompt that a group's episodes share, once), not the whole
conversation again; the ids generated are the same.

A turn cut by the token limit gets the turn-end token appended as an environment token (mask 0), so the
next render stays aligned; an episode always ends on a doctor token.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from agentclinic_sim.consultation import ConsultationState, astep, start, step
from agentclinic_sim.rewards import RewardConfig
from agents.biases import DoctorBias
from agents.cast import Cast, CastSpec
from agents.doctor import DoctorPrompt, clean_doctor_text
from agents.roles import run_sync
from agents.types import Reply, Turn
from models.backends.base import GenerationConfig
from models.backends.hf import Generation
from models.training.lockstep import Lockstep, rank_lockstep
from models.training.rollout_policy import RolloutPolicy
from models.training.tokens import ChatTokens, TokenSequence
from models.training.turn_cache import TurnCache
from scenarios import Case


class RolloutRules(BaseModel):
    """The rules a training's consultations are played by: shorter than a benchmark's, and each doctor turn
    short, so that a small model learns the protocol quickly. Shared by ``TrainSettings`` and ``RolloutConfig``."""

    help_panel: ClassVar[str] = "Rollouts"
    """The group its flags are shown under in a command's help."""

    max_turns: int = Field(6, ge=1, description="Doctor turns per consultation.")
    max_tokens: int = Field(48, ge=1, description="New tokens per doctor turn.")
    rewards: RewardConfig = Field(
        default_factory=RewardConfig, description="What each event is worth (AgentClinic's 1/0)."
    )


ROLLOUT_TEMPERATURE = 0.7
"""The doctor's sampling temperature in rollouts unless set (GRPO's default too)."""


class RolloutConfig(RolloutRules):
    """How rollouts are played: the rules, and how the doctor samples."""

    temperature: float = Field(
        ROLLOUT_TEMPERATURE, ge=0.0, description="Doctor sampling temperature during rollouts (0 = greedy)."
    )
    top_p: float = Field(1.0, gt=0.0, le=1.0, description="Nucleus sampling mass during rollouts.")
    doctor_bias: DoctorBias | None = Field(None, description="A cognitive bias written into the doctor's prompt.")

    def generation(self, *, greedy: bool = False) -> GenerationConfig:
        return GenerationConfig(
            max_tokens=self.max_tokens,
            temperature=0.0 if greedy else self.temperature,
            top_p=self.top_p,
            logprobs=True,
        )


@dataclass
class Trajectory:
    """One played consultation, as token ids and as an episode."""

    case_id: str
    prompt_length: int
    tokens: TokenSequence
    state: ConsultationState

    @property
    def prompt_ids(self) -> list[int]:
        return self.tokens.ids[: self.prompt_length]

    @property
    def completion_ids(self) -> list[int]:
        return self.tokens.ids[self.prompt_length :]

    @property
    def env_mask(self) -> list[int]:
        """1 on the doctor's own tokens of the completion, 0 on the environment's."""
        return self.tokens.mask[self.prompt_length :]

    @property
    def completion_logprobs(self) -> list[float]:
        return self.tokens.logprobs[self.prompt_length :]

    @property
    def reward(self) -> float:
        return self.state.rewards.total

    @property
    def correct(self) -> bool:
        return bool(self.state.verdict and self.state.verdict.correct)

    @property
    def generated_tokens(self) -> int:
        return sum(self.tokens.mask)

    def stats(self) -> dict[str, Any]:
        """The figures a trainer logs for this episode."""
        state = self.state
        return {
            "reward": self.reward,
            "correct": float(self.correct),
            "turns": float(state.turn),
            "tests": float(len(state.tests_requested)),
            "malformed": float(state.malformed),
            "diagnosed": float(state.terminated),
            "generated_tokens": float(self.generated_tokens),
        }


@dataclass
class _Live:
    case: Case
    cast: Cast
    state: ConsultationState
    tokens: TokenSequence
    prompt_length: int
    started: float = field(default_factory=time.perf_counter)


@dataclass
class RolloutTimings:
    """Where the time of the last ``play`` went."""

    generation_s: float = 0.0
    environment_s: float = 0.0
    generate_calls: int = 0
    prefilled_tokens: int = 0
    """Prompt ids (padding excluded) the model computed."""
    reused_tokens: int = 0
    """Prompt ids taken from the turn cache (an earlier turn, or a first prompt a group shares) instead."""
    rewritten_turns: int = 0
    """Doctor turns whose generated ids differed from how the chat template writes their text (see
    ``RolloutPlayer._as_written``), rewritten and rescored."""


class RolloutPlayer:
    """Plays consultations with ``policy`` (a ``RolloutPolicy``, e.g. ``HFPolicy.from_loaded(model, tokenizer)``)."""

    def __init__(
        self,
        policy: RolloutPolicy,
        config: RolloutConfig | None = None,
        cast: CastSpec | None = None,
        max_batch_size: int = 64,
        lockstep: Lockstep | None = None,
    ):
        self.policy = policy
        self.config = config or RolloutConfig()
        self.cast_spec = cast or CastSpec()
        self.chat = ChatTokens(policy.backend)
        self.prompt = DoctorPrompt(format="chat", bias=self.config.doctor_bias)
        self.max_batch_size = max_batch_size
        roles = (self.cast_spec.patient, self.cast_spec.measurement, self.cast_spec.moderator)
        self.deterministic_roles = all(isinstance(role, str) for role in roles)
        self.timings = RolloutTimings()
        self._casts: dict[str, Cast] = {}
        self.lockstep = (
            lockstep if lockstep is not None else rank_lockstep(getattr(policy.backend.model, "device", None))
        )
        """Set in a distributed run: every process makes the same ``generate`` calls (see ``lockstep``)."""

    def _cast(self, case: Case) -> Cast:
        if case.id not in self._casts:
            self._casts[case.id] = self.cast_spec.for_case(case)
        return self._casts[case.id]

    def play(self, cases: Sequence[Case], *, seed: int = 0, greedy: bool = False) -> list[Trajectory]:
        """One episode per entry of ``cases`` (repeat a case for a group), in the same order."""
        self.timings = RolloutTimings()
        generation = self.config.generation(greedy=greedy)
        live: list[_Live] = []
        for case in cases:
            state = start(case, self.config.max_turns, self.prompt)
            tokens = TokenSequence()
            tokens.extend(self.chat.prompt(self.prompt.messages(state.doctor_view())), 0)
            live.append(_Live(case, self._cast(case), state, tokens, len(tokens)))
        finished = list(live)
        cache = TurnCache()  # keys and values of the turns played so far (this play's weights only)
        turn = 0
        while True:
            needed = -(-len(live) // self.max_batch_size)
            calls = self.lockstep.calls(needed) if self.lockstep is not None else needed
            if calls == 0:
                break
            cache.next_turn()
            for call in range(calls):
                batch = live[call * self.max_batch_size : (call + 1) * self.max_batch_size]
                if batch:
                    self._turn(batch, generation, seed, turn, cache)
                elif self.lockstep is not None:  # only peers in lockstep ask for more calls than this process needs
                    self._idle_turn(generation, self.lockstep)
            live = [episode for episode in live if not episode.state.done]
            turn += 1
        self.timings.reused_tokens = cache.reused_tokens
        self.timings.prefilled_tokens = cache.prefilled_tokens
        return [Trajectory(e.case.id, e.prompt_length, e.tokens, e.state) for e in finished]

    def _idle_turn(self, generation: GenerationConfig, lockstep: Lockstep) -> None:
        """A ``generate`` call with nothing to play, made only so that peers still playing are not left waiting."""
        clock = time.perf_counter()
        idle = generation.model_copy(update={"max_tokens": 1})
        self.policy.generate_batch([[self.chat.turn_end_id]], idle, synced=lockstep.synced)
        self.timings.generation_s += time.perf_counter() - clock
        self.timings.generate_calls += 1
        lockstep.idle_calls += 1

    def _turn(self, batch: list[_Live], generation: GenerationConfig, seed: int, turn: int, cache: TurnCache) -> None:
        clock = time.perf_counter()
        seeds = [seed * 1_000_003 + turn * 1_009 + index for index in range(len(batch))]
        synced = self.lockstep is not None and self.lockstep.synced
        results = self.policy.generate_batch(
            [e.tokens.ids for e in batch], generation, seeds, cache=cache, synced=synced
        )
        self.timings.generation_s += time.perf_counter() - clock
        self.timings.generate_calls += 1
        clock = time.perf_counter()
        replies = []
        for episode, result in zip(batch, results, strict=True):
            text = clean_doctor_text(result.text)
            ids, logprobs = self._as_written(episode, result, text, generation)
            episode.tokens.extend(ids, 1, logprobs)
            if not result.stopped:
                episode.tokens.extend([self.chat.turn_end_id], 0)
            replies.append(
                Reply(
                    text=text,
                    prompt_tokens=len(episode.tokens.ids),
                    completion_tokens=result.completion_tokens,
                    backend=self.policy.backend.name,
                )
            )
        self._step_all(batch, replies)
        for episode in batch:
            if not episode.state.done:
                messages = self.prompt.messages(episode.state.doctor_view())
                episode.tokens.extend(self.chat.environment(messages), 0)
        self.timings.environment_s += time.perf_counter() - clock

    def _as_written(
        self, episode: _Live, result: Generation, text: str, generation: GenerationConfig
    ) -> tuple[list[int], list[float] | None]:
        """A turn's ids as the chat template writes the reply the clinic read, with their sampling logprobs.

        The clinic reads the reply stripped (and without a 'Doctor:' label), and the chat template renders it
        trimmed, so a turn generated as ' [Show' (one token, space included) or ending in a space is rendered
        otherwise by ``agentclinic run`` and by evaluation. Such a turn's ids are replaced by the written ones,
        their logprobs computed afresh under the same sampling distribution, so that the next turn, training
        and evaluation all see the same ids and the importance ratio still starts at 1. A turn already written
        as generated (the usual case for a model that has learnt the format) is kept as it is. Ranks playing in
        lockstep keep the generated ids: a forward pass taken on one rank only would stall the others."""
        written = self.chat.reply(text) if result.stopped else self.chat.backend.tokenize(text)
        if written == list(result.token_ids) or (self.lockstep is not None and self.lockstep.synced):
            return list(result.token_ids), result.logprobs
        self.timings.rewritten_turns += 1
        if result.logprobs is None:
            return written, None
        return written, self.policy.continuation_logprobs(episode.tokens.ids, written, generation)

    def _step_all(self, batch: list[_Live], replies: list[Reply]) -> None:
        rewards = self.config.rewards
        if self.deterministic_roles:
            for episode, reply in zip(batch, replies, strict=True):
                step(episode.state, episode.cast, reply.text, rewards, reply)
            return

        async def together() -> None:
            await asyncio.gather(
                *(astep(e.state, e.cast, r.text, rewards, r) for e, r in zip(batch, replies, strict=True))
            )

        run_sync(together(), None)


def dialogue_text(turns: Sequence[Turn]) -> str:
    """A compact text of a consultation for logs and notebooks."""
    return "\n".join(f"{turn.role:>11}: {turn.text}" for turn in turns)
