"""Who plays the patient, the measurement reader and the judge, as settings: a deterministic role by name or a
backend URI (a vLLM server, an OpenAI-compatible API), with the retries and timeouts of API calls.

``RoleSettings.cast_spec(cases)`` returns the ``CastSpec`` that rollouts and evaluations play with, built by the
one cast builder (``role_clients``: one client per distinct URI, MIMIC-IV cases kept from a remote API unless
allowed), so that role simulation can run on its own servers while the policy trains.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from pydantic import Field

from agents.cast import CastSpec
from models.backends.api_settings import ApiSettings
from models.backends.reference import MeasurementURI, ModeratorURI, PatientURI
from scenarios import Case


class RoleSettings(ApiSettings):
    """Who plays the patient, the measurement reader and the judge (how their API calls are made: ``ApiSettings``)."""

    help_panel: ClassVar[str] = "Roles"
    """The group its flags are shown under in a command's help."""

    patient: PatientURI = Field("retrieval", description="retrieval (deterministic) or a backend URI.")
    measurement: MeasurementURI = Field("lookup", description="lookup (deterministic) or a backend URI.")
    moderator: ModeratorURI = Field("match", description="match (deterministic) or a backend URI.")
    allow_remote_mimic: bool = Field(
        False, description="Allow MIMIC-IV cases to reach a remote API (only with zero retention assured)."
    )

    def cast_spec(self, cases: Sequence[Case]) -> CastSpec:
        """The cast for ``cases``; raises ``MimicPrivacyError`` or ``BackendError`` (one line) on bad settings.
        Close its clients with ``close_cast`` (``role_clients``)."""
        from agentclinic_sim.role_clients import DETERMINISTIC_ROLES, RoleClients  # the cast builder: not for --help

        clients = RoleClients(self)
        uris = {role: getattr(self, role) for role in DETERMINISTIC_ROLES}
        return clients.cast_spec(clients.roles(uris, cases, self.allow_remote_mimic))
