"""The rules of one consultation, as settings: how many turns the doctor has, how its prompt is written, the bias
it is prompted with, and what each event is worth.

``ConsultationSettings`` is shared by ``RunSettings`` (``agentclinic run``) and ``ConsultationEnv``, and its
first part, ``TurnLimit``, by ``PlaySettings`` (a person plays the doctor there, or a doctor whose prompt is left
as it is), so these fields are declared, described and defaulted once.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, Field

from agentclinic_sim.rewards import RewardConfig
from agents.biases import DoctorBias
from agents.doctor import DoctorFormat
from agents.protocol import DEFAULT_MAX_TURNS


class TurnLimit(BaseModel):
    """How long a consultation may go on."""

    help_panel: ClassVar[str] = "Consultation"
    """The group its flags are shown under in a command's help."""

    max_turns: int = Field(DEFAULT_MAX_TURNS, ge=1, description="Doctor utterances allowed per consultation.")


class ConsultationSettings(TurnLimit):
    """How a consultation is played, whoever plays it."""

    doctor_format: DoctorFormat = Field("chat", description="chat (messages) or agentclinic (one prompt per turn).")
    doctor_bias: DoctorBias | None = Field(None, description="Cognitive bias the doctor is prompted with.")
    rewards: RewardConfig = Field(
        default_factory=RewardConfig, description="What each event of a consultation is worth (default 1 / 0)."
    )
