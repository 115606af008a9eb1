"""The cast of a consultation: which patient, measurement reader and moderator play, built per case.

``CastSpec`` says what plays each role — a deterministic name or a ``ChatBackend`` — and
``CastSpec.for_case(case)`` builds the role objects bound to that case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from agents.biases import PatientBias
from agents.judge.moderator import DiagnosisMatcher, LLMModerator
from agents.measurement.llm_reader import LLMMeasurement
from agents.measurement.lookup import LookupMeasurement
from agents.measurement.results import MissingPolicy
from agents.patient.llm_patient import LLMPatient
from agents.patient.retrieval import RetrievalPatient
from agents.roles import DEFAULT_SYNC_TIMEOUT_S
from agents.types import Reply, Role, Turn, Verdict
from models.backends import ChatBackend, GenerationConfig
from scenarios import Case


class Responder(Protocol):
    @property
    def backend(self) -> str: ...

    def respond(self, text: str, history: list[Turn]) -> Reply: ...

    async def arespond(self, text: str, history: list[Turn]) -> Reply: ...


class Judge(Protocol):
    @property
    def name(self) -> str: ...

    def judge(self, diagnosis: str, correct: str) -> Verdict: ...

    async def ajudge(self, diagnosis: str, correct: str) -> Verdict: ...


@dataclass(frozen=True, slots=True)
class Cast:
    case: Case
    patient: Responder
    measurement: Responder
    moderator: Judge

    def in_process(self, route: str) -> bool:
        """Whether the role that answers ``route`` (a ``Role``, or the end of the consultation) answers in code
        rather than by calling a model; the clinic's notices (``Role.SYSTEM``) and the end always do."""
        players: dict[str, Responder | Judge] = {
            Role.PATIENT: self.patient,
            Role.MEASUREMENT: self.measurement,
            Role.MODERATOR: self.moderator,
        }
        player = players.get(route)
        return player is None or bool(getattr(player, "in_process", False))

    def backends(self) -> dict[str, str]:
        return {
            Role.PATIENT: self.patient.backend,
            Role.MEASUREMENT: self.measurement.backend,
            Role.MODERATOR: self.moderator.name,
        }


@dataclass(frozen=True)
class CastSpec:
    patient: ChatBackend | Literal["retrieval"] = "retrieval"
    measurement: ChatBackend | Literal["lookup"] = "lookup"
    moderator: ChatBackend | Literal["match"] = "match"
    missing: MissingPolicy = "normal"
    patient_bias: PatientBias | None = None
    sync_timeout_s: float | None = DEFAULT_SYNC_TIMEOUT_S
    """How long a synchronous call (``env.step``) waits for an LLM role before ``RoleTimeout``."""
    role_max_tokens: int | None = None
    """Max new tokens of an LLM patient or measurement reader (None: their own defaults, 256 and 512)."""

    def for_case(self, case: Case) -> Cast:
        config = None if self.role_max_tokens is None else GenerationConfig(max_tokens=self.role_max_tokens)
        patient: Responder = (
            RetrievalPatient(case)
            if self.patient == "retrieval"
            else LLMPatient(case, self.patient, bias=self.patient_bias, config=config)
        )
        measurement: Responder = (
            LookupMeasurement(case, missing=self.missing)
            if self.measurement == "lookup"
            else LLMMeasurement(case, self.measurement, missing=self.missing, config=config)
        )
        moderator: Judge = DiagnosisMatcher() if self.moderator == "match" else LLMModerator(self.moderator)
        for role in (patient, measurement, moderator):
            if hasattr(role, "sync_timeout_s"):
                role.sync_timeout_s = self.sync_timeout_s
        return Cast(case, patient, measurement, moderator)
