"""``ConsultationEnv``: one AgentClinic consultation as a ``gymnasium.Env``.

Spaces
    observation: ``Text`` — what the doctor hears next, from the same renderer as the benchmark doctor's
    prompt (``DoctorPrompt``): on reset the rules (``REQUEST TEST:`` / ``DIAGNOSIS READY:``, the turn
    limit, options and bias), the objective and the opening; then ``"Patient: …"`` /
    ``"Measurement: RESULTS: …"`` / ``"Clinic: …"`` followed by a turn note (``[Turn k of N]``; the last
    one says the doctor must diagnose now). With ``doctor_format="agentclinic"`` each observation is the
    whole re-rendered prompt.
    action: ``Text`` — one doctor utterance: a question, ``REQUEST TEST: <name>``, or
    ``DIAGNOSIS READY: <diagnosis>``.
Reward (``RewardConfig``, default AgentClinic's): ``correct`` / ``wrong`` on a diagnosis, minus
    ``test_cost`` per test, ``turn_penalty`` per turn, ``malformed_penalty`` per unusable utterance,
    ``no_diagnosis_penalty`` at the turn limit.
Termination: a diagnosis (judged by the moderator). Truncation: ``max_turns`` doctor utterances
    without one.
``info``: case_id, turn, max_turns, tests_requested, diagnosis, verdict (correct, judge, reason),
    reward_breakdown (this step), episode_reward_breakdown, ``messages`` (the doctor's whole chat for its
    next turn, as role/content dicts: what a chat model is sent; never the verdict), and on reset the objective.

Cases are chosen with ``reset(seed=…)`` from the env's own RNG, or ``options={"case_id": …}``.
The roles are deterministic by default (retrieval patient, lookup measurement, matching moderator),
which makes the env free, offline and reproducible.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
from pydantic import ConfigDict

from agentclinic_sim.consultation import ConsultationState, start, step
from agentclinic_sim.consultation_settings import ConsultationSettings
from agentclinic_sim.privacy import check_mimic_privacy
from agentclinic_sim.spaces import MAX_TEXT_LENGTH, fit_to_space, text_space
from agents.cast import Cast, CastSpec
from agents.doctor import DoctorPrompt
from scenarios import Case, CaseSelection


class EnvSettings(ConsultationSettings, CaseSelection):
    """What an environment is made with: its cases and the rules of its consultations."""

    model_config = ConfigDict(extra="forbid")


class ConsultationEnv(gym.Env[str, str]):
    metadata = {"render_modes": ["ansi", "human"], "render_fps": 4}

    def __init__(
        self,
        dataset: str = "demo",
        *,
        cases: list[Case] | None = None,
        cast: CastSpec | None = None,
        render_mode: str | None = None,
        allow_remote_mimic: bool = False,
        split_seed: int = 0,
        **settings: Any,
    ):
        """``settings`` are ``EnvSettings``' fields: the cases' (``data_dir``, ``split``, ``test_fraction``,
        ``limit``) and the consultation's (``max_turns``, ``doctor_format``, ``doctor_bias``, ``rewards``, as a
        ``RewardConfig`` or a dict); an unknown or invalid one raises ``pydantic.ValidationError``."""
        super().__init__()
        self.settings = EnvSettings(dataset=dataset, **settings)
        self.cases = cases if cases is not None else self.settings.load_split(seed=split_seed)
        if not self.cases:
            raise ValueError(f"no cases in {dataset!r} (split={self.settings.split!r})")
        self.case_index = {case.id: case for case in self.cases}
        self.cast_spec = cast or CastSpec()
        roles = {
            "patient": self.cast_spec.patient,
            "measurement": self.cast_spec.measurement,
            "moderator": self.cast_spec.moderator,
        }
        check_mimic_privacy(self.cases, roles, allow_remote_mimic)
        self.max_turns = self.settings.max_turns
        self.prompt = DoctorPrompt(format=self.settings.doctor_format, bias=self.settings.doctor_bias)
        self.rewards = self.settings.rewards
        self.render_mode = render_mode
        self.observation_space = text_space()
        self.action_space = text_space(min_length=1)
        self._casts: dict[str, Cast] = {}
        self.case: Case | None = None
        self.cast: Cast | None = None
        self.state: ConsultationState | None = None
        self._messages: list[dict[str, str]] = []

    def cast_for(self, case: Case) -> Cast:
        """Role objects are built once per case and reused across episodes (they hold no episode state)."""
        cast = self._casts.get(case.id)
        if cast is None:
            cast = self._casts[case.id] = self.cast_spec.for_case(case)
        return cast

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        case_id = (options or {}).get("case_id")
        if case_id is not None:
            if case_id not in self.case_index:
                raise KeyError(f"unknown case_id {case_id!r}; this env holds {len(self.cases)} cases")
            self.case = self.case_index[case_id]
        else:
            self.case = self.cases[int(self.np_random.integers(len(self.cases)))]
        self.cast = self.cast_for(self.case)
        self.state = start(self.case, self.max_turns, self.prompt)
        self._messages = [message.model_dump() for message in self.prompt.messages(self.state.doctor_view())]
        info = self._info()
        info["objective"] = self.case.objective
        return fit_to_space(self.state.observation), info

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        if self.state is None or self.cast is None:
            raise RuntimeError("call reset() before step()")
        result = step(self.state, self.cast, action, self.rewards)
        self._extend_messages(action, result.observation)
        info = self._info()
        info["reward_breakdown"] = result.breakdown.as_dict()
        if self.render_mode == "human":
            self.render()
        return fit_to_space(result.observation), result.reward, result.terminated, result.truncated, info

    def _extend_messages(self, action: str, observation: str) -> None:
        """Keep the doctor's chat current: in the chat format one reply and one response more per step (the
        same messages ``DoctorPrompt.messages`` renders, built in O(1)); otherwise rendered anew."""
        state = self.state
        assert state is not None
        if self.prompt.format != "chat":
            self._messages = [message.model_dump() for message in self.prompt.messages(state.doctor_view())]
            return
        self._messages.append({"role": "assistant", "content": action})
        if not state.done:
            self._messages.append({"role": "user", "content": observation})

    def _info(self) -> dict[str, Any]:
        state = self.state
        assert state is not None
        return {
            "case_id": state.case_id,
            "turn": state.turn,
            "max_turns": state.max_turns,
            "tests_requested": list(state.tests_requested),
            "diagnosis": state.diagnosis,
            "verdict": self._verdict_info(state),
            "episode_reward_breakdown": state.rewards.as_dict(),
            "messages": list(self._messages),
        }

    @staticmethod
    def _verdict_info(state: ConsultationState) -> dict[str, Any] | None:
        verdict = state.verdict
        if verdict is None:
            return None
        return {"correct": verdict.correct, "judge": verdict.judge, "reason": verdict.reason}

    def render(self) -> str | None:
        """``ansi``: the consultation so far as text; ``human``: the same, printed."""
        if self.state is None:
            return None
        lines = [f"[{self.state.case_id}] {self.state.objective}"]
        lines += [f"{turn.role:>11}: {turn.text}" for turn in self.state.dialogue]
        text = "\n".join(lines)
        if self.render_mode == "human":
            print(text)
            return None
        return text


__all__ = ["MAX_TEXT_LENGTH", "ConsultationEnv"]
