"""Small records the roles exchange with the clinic: a dialogue turn, a role's reply, the judge's verdict."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class Role(StrEnum):
    """Everyone who speaks in a consultation: one vocabulary for a transcript's speakers, the core's routes (who
    answers the doctor's next utterance) and the graph's nodes. The values are what transcripts have always
    recorded, so files written before this enum read the same."""

    DOCTOR = "doctor"
    PATIENT = "patient"
    MEASUREMENT = "measurement"
    MODERATOR = "moderator"
    SYSTEM = "system"
    """The clinic itself: the note that an utterance could not be used."""


class Reply(BaseModel):
    """What a role said, with what it cost."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    backend: str = ""


class Turn(BaseModel):
    """One utterance in the consultation, as the transcript records it."""

    role: Role
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    backend: str = ""

    @classmethod
    def from_reply(cls, role: Role, reply: Reply) -> Turn:
        """A turn from an already validated reply (no second validation: this runs inside env.step)."""
        return cls.model_construct(
            role=role,
            text=reply.text,
            prompt_tokens=reply.prompt_tokens,
            completion_tokens=reply.completion_tokens,
            latency_s=reply.latency_s,
            backend=reply.backend,
        )


class Verdict(BaseModel):
    """The moderator's decision on a diagnosis, and which judge made it."""

    correct: bool
    judge: str = Field(description="'match' for the deterministic matcher, 'llm:<backend>' for an LLM judge.")
    reason: str
    diagnosis: str
    correct_diagnosis: str
    reply: Reply | None = Field(default=None, description="The LLM judge's raw reply, when one was used.")
