"""Who plays the patient, the measurement reader and the judge, as settings: a deterministic role by name or a
backend URI (a vLLM server, an OpenAI-compatible API), with the retries and timeouts of API calls.

``RoleSettings.cast_spec(cases)`` returns the ``CastSpec`` that rollouts and evaluations play with, built by the
one cast builder (``role_clients``: one client per distinct URI, MIMIC-IV cases kept from a remote API unless
allowed), so that role simulation can run on its own servers while the policy trains.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from agentclinic_sim.role_clients import DETERMINISTIC_ROLES, RoleClients
from agents.cast import CastSpec
from scenarios import Case

PATIENT = Field("retrieval", description="retrieval (deterministic) or a backend URI.")
MEASUREMENT = Field("lookup", description="lookup (deterministic) or a backend URI.")
MODERATOR = Field("match", description="match (deterministic) or a backend URI.")
API_KEY_ENV = Field("OPENAI_API_KEY", description="Environment variable holding the API key for openai: backends.")
MAX_RETRIES = Field(
    4, ge=0, description="Retries (exponential backoff with jitter) on timeouts, 429, 5xx and malformed replies."
)
TIMEOUT_S = Field(120.0, gt=0, description="Seconds before one API request times out.")
ALLOW_REMOTE_MIMIC = Field(
    False, description="Allow MIMIC-IV cases to reach a remote API (only with zero retention assured)."
)
"""The role fields, owned here and shared with ``RunSettings`` (which keeps its own order of flags)."""


class RoleSettings(BaseModel):
    patient: str = PATIENT
    measurement: str = MEASUREMENT
    moderator: str = MODERATOR
    api_key_env: str = API_KEY_ENV
    max_retries: int = MAX_RETRIES
    timeout_s: float = TIMEOUT_S
    allow_remote_mimic: bool = ALLOW_REMOTE_MIMIC

    def cast_spec(self, cases: Sequence[Case]) -> CastSpec:
        """The cast for ``cases``; raises ``MimicPrivacyError`` or ``BackendError`` (one line) on bad settings.
        Close its clients with ``close_cast`` (``role_clients``)."""
        clients = RoleClients(api_key_env=self.api_key_env, max_retries=self.max_retries, timeout_s=self.timeout_s)
        uris = {role: getattr(self, role) for role in DETERMINISTIC_ROLES}
        return clients.cast_spec(clients.roles(uris, cases, self.allow_remote_mimic))
