"""The one cast builder: backend clients for the roles of a run or a training, built once per URI.

Roles on the same server share a client; a deterministic role ("retrieval", "lookup", "match") is passed on by
name; MIMIC-IV cases are refused a remote API unless allowed, before any client is made; a backend with
per-episode state (a scripted file) is restarted for each episode (``fresh``); and every client is closed on
the loop its calls ran on. ``EpisodeFactory`` (runs, ``play``) and ``RoleSettings`` (training) build their
casts here, so none of this is written twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from agentclinic_sim.privacy import check_mimic_privacy
from agents.cast import CastSpec
from agents.roles import run_sync
from models.backends import ChatBackend
from models.backends.api_settings import ApiSettings
from models.backends.reference import DETERMINISTIC_PLAYERS
from models.backends.uri import backend_from_uri
from scenarios import Case

DETERMINISTIC_ROLES = {role: name for role, name in DETERMINISTIC_PLAYERS.items() if role != "doctor"}
"""The patient's, reader's and judge's players in code, by the name that chooses them."""
CLOSE_TIMEOUT_S = 30.0


def fresh(backend: Any) -> Any:
    """The backend as a new episode should get it: restarted when it keeps per-episode state."""
    restart = getattr(backend, "fresh", None)
    return restart() if callable(restart) else backend


class RoleClients:
    """Backend clients by URI, made on first use with one set of API settings."""

    def __init__(
        self,
        api: ApiSettings,
        *,
        load_in_4bit: bool = False,
        ready: Mapping[str, ChatBackend] | None = None,
    ):
        """``ready`` supplies backends for some URIs (a terminal UI for ``human``, say)."""
        self.api = api
        self.load_in_4bit = load_in_4bit
        self.clients: dict[str, ChatBackend] = dict(ready or {})

    def get(self, uri: str) -> ChatBackend:
        if uri not in self.clients:
            self.clients[uri] = backend_from_uri(uri, api=self.api, load_in_4bit=self.load_in_4bit)
        return self.clients[uri]

    def roles(
        self, uris: Mapping[str, str], cases: Sequence[Case], allow_remote_mimic: bool
    ) -> dict[str, ChatBackend | str]:
        """The patient's, measurement reader's and judge's backends (or deterministic names), after the MIMIC
        check of ``cases`` against every role's URI in ``uris`` (the doctor's too, when it is there)."""
        check_mimic_privacy(cases, dict(uris), allow_remote_mimic)
        return {
            role: uris[role] if uris[role] == DETERMINISTIC_ROLES[role] else self.get(uris[role])
            for role in DETERMINISTIC_ROLES
        }

    @staticmethod
    def cast_spec(roles: Mapping[str, ChatBackend | str], **options: Any) -> CastSpec:
        """A ``CastSpec`` for one episode from ``roles``, each backend ``fresh``; ``options`` are CastSpec's
        others (missing-result policy, patient bias, token cap)."""
        return CastSpec(
            patient=fresh(roles["patient"]),
            measurement=fresh(roles["measurement"]),
            moderator=fresh(roles["moderator"]),
            **options,
        )

    async def aclose(self) -> None:
        """Close every client on the loop that made it (no 'event loop is closed' noise later)."""
        await aclose_backends(self.clients.values())


async def aclose_backends(backends: Iterable[object]) -> None:
    """Close each distinct backend that holds a client (a deterministic role's name has none)."""
    for backend in {id(backend): backend for backend in backends}.values():
        close = getattr(backend, "aclose", None)
        if close is not None:
            await close()


def close_cast(spec: CastSpec) -> None:
    """Close the role clients of a cast from synchronous code (a trainer), on the loop their calls ran on."""
    run_sync(aclose_backends((spec.patient, spec.measurement, spec.moderator)), CLOSE_TIMEOUT_S)
