"""Small records the roles exchange with the clinic: a dialogue turn, a role's reply, the judge's verdict."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Speaker = Literal["doctor", "patient", "measurement", "moderator", "system"]


class Reply(BaseModel):
    """What a role said, with what it cost."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    backend: str = ""


class Turn(BaseModel):
    """One utterance in the consultation, as the transcript records it."""

    role: Speaker
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    backend: str = ""

    @classmethod
    def from_reply(cls, role: Speaker, reply: Reply) -> Turn:
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
