"""The measurement reader played by a chat model over the case's exam and test record."""

from __future__ import annotations

import json
from collections.abc import Sequence

from agents.llm import LLMRoleMixin
from agents.measurement.results import RESULTS_PREFIX, MissingPolicy, missing_result
from agents.prompts import load_prompt
from agents.roles import AsyncRole
from agents.types import Turn
from models.backends import ChatBackend, GenerationConfig, Message
from scenarios import Case


class LLMMeasurement(LLMRoleMixin, AsyncRole):
    """A measurement reader played by a chat model over the case's exam and test record."""

    def __init__(
        self,
        case: Case,
        backend: ChatBackend,
        *,
        missing: MissingPolicy = "normal",
        config: GenerationConfig | None = None,
    ):
        self.case = case
        self.missing = missing
        record = {"Physical_Examination_Findings": case.exam, "Test_Results": case.tests}
        self.system_prompt = load_prompt("measurement").format(
            record=json.dumps(record, ensure_ascii=False, indent=1),
            missing=missing_result(missing, "<the test>"),
        )
        super().__init__(backend, config or GenerationConfig(max_tokens=512, temperature=0.0))

    def messages(self, text: str, history: Sequence[Turn]) -> list[Message]:
        return [
            Message(role="system", content=self.system_prompt),
            Message(role="user", content=f"The doctor requests: {text}"),
        ]

    def postprocess(self, text: str) -> str:
        text = text.strip()
        return text if text.upper().startswith(RESULTS_PREFIX) else f"{RESULTS_PREFIX} {text}"
