"""What ``agentclinic play`` is asked for, as settings: the case, who plays what (the person, as the doctor or the
patient, and the backends of the other roles), the turn limit and the folder the consultation is saved in.

Light on purpose (pydantic and the shared settings only): the command's flags are derived from ``PlaySettings``
when its ``--help`` is shown, before anything that plays a consultation is imported (``play_session.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from agentclinic_sim.consultation_settings import TurnLimit
from agentclinic_sim.role_settings import RoleSettings
from models.backends.reference import DoctorURI
from scenarios import CaseSource

HumanRole = Literal["doctor", "patient"]
HUMAN = "human"
"""The backend name of the role the person plays."""


class PlaySettings(TurnLimit, RoleSettings, CaseSource):
    """A consultation a person plays. The dataset comes from ``CaseSource``, the other roles' backends and their
    API calls from ``RoleSettings``, the turn limit from ``TurnLimit``; the fields below are play's own."""

    case: str | None = Field(None, description="Case id (demo:3 or 3); default: a random case.")
    as_role: HumanRole = Field("doctor", description="Which role you play: doctor or patient.")
    doctor: DoctorURI = Field("oracle", description="Doctor backend when you play the patient.")
    out: Path = Field(Path("runs/play"), description="Folder whose transcripts.jsonl the consultation is appended to.")
    resume: bool = Field(
        False,
        description="Continue the consultation saved in --out by Ctrl-C (the latest one, or --case's), from the "
        "turn it stopped at; its case, roles and turn limit are taken from it.",
    )

    def roles(self) -> dict[str, str]:
        """Each role's backend URI (or deterministic name); the person's role is ``human``."""
        roles = {
            "doctor": self.doctor,
            "patient": self.patient,
            "measurement": self.measurement,
            "moderator": self.moderator,
        }
        roles[self.as_role] = HUMAN
        return roles
