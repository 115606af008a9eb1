"""The patient played by a chat model from a role prompt (AgentClinic's protocol, in this project's words)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from agents.biases import PatientBias, patient_bias_text
from agents.leaks import DiagnosisGuard
from agents.llm import LLMRoleMixin
from agents.prompts import load_prompt
from agents.protocol import Ask, parse_action
from agents.roles import AsyncRole
from agents.types import Turn
from models.backends import ChatBackend, GenerationConfig, Message
from scenarios import Case

_SPEAKER_LABEL = re.compile(r"^[*_\s]*patient[*_\s]*:[*_\s]*", re.IGNORECASE)


class LLMPatient(LLMRoleMixin, AsyncRole):
    """A patient played by a chat model from a role prompt (AgentClinic's protocol, in this project's words)."""

    prompt_name = "patient"

    def __init__(
        self,
        case: Case,
        backend: ChatBackend,
        *,
        bias: PatientBias | None = None,
        config: GenerationConfig | None = None,
    ):
        self.case = case
        self.bias = bias
        self.guard = DiagnosisGuard(case.diagnosis)
        self.system_prompt = load_prompt("patient").format(
            facts=json.dumps(case.patient, ensure_ascii=False, indent=1), bias=patient_bias_text(bias)
        )
        super().__init__(backend, config or GenerationConfig(max_tokens=256, temperature=0.0))

    def messages(self, text: str, history: Sequence[Turn]) -> list[Message]:
        """The doctor's turns are the user's side; the patient's own answers are the model's side."""
        messages = [Message(role="system", content=self.system_prompt)]
        for turn in history:
            if turn.role == "doctor" and isinstance(parse_action(turn.text), Ask):
                messages.append(Message(role="user", content=turn.text))
            elif turn.role == "patient":
                messages.append(Message(role="assistant", content=turn.text))
        messages.append(Message(role="user", content=text))
        return messages

    def postprocess(self, text: str) -> str:
        """Drop a 'Patient:' label the model may add, and hide the diagnosis should the model say it."""
        return self.guard.scrub(_SPEAKER_LABEL.sub("", text.strip(), count=1))
