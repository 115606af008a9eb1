"""The episode factory: from a run's settings to each episode's record, roles and first state.

It builds each backend once per URI (roles on the same server share a client), gives each episode a fresh cast
(a backend with per-episode state, such as a scripted file, starts afresh), the doctor with its generation
settings and the case image in the form the doctor reads, and closes the clients at the end. The runner
(``runner.py``) schedules the episodes it makes; ``play`` makes its one episode with it directly.
"""

from __future__ import annotations

import time
from typing import Any

from agentclinic_sim.graph import EpisodeContext
from agentclinic_sim.run_settings import DETERMINISTIC, RunSettings
from agentclinic_sim.transcript import EpisodeRecord
from agents.cast import Cast, CastSpec
from agents.doctor import BackendDoctor, Doctor, DoctorPrompt, OracleDoctor, doctor_image
from models.backends import ChatBackend
from models.backends.uri import backend_from_uri
from scenarios import Case

ROLES = ("doctor", "patient", "measurement", "moderator")


def backend_names(settings: RunSettings) -> dict[str, str]:
    """Each role's backend URI (or deterministic name), as a run records it."""
    return {role: getattr(settings, role) for role in ROLES}


class EpisodeFactory:
    """Makes the episodes of a run: records, roles and prompts, from one set of backends."""

    def __init__(self, settings: RunSettings, backends: dict[str, ChatBackend] | None = None):
        """``backends`` may supply ready-made backends for some URIs (e.g. a terminal UI for ``human``)."""
        self.settings = settings
        self._backends: dict[str, ChatBackend] = dict(backends or {})
        self.role_backends: dict[str, ChatBackend | str] = {
            role: uri if uri == DETERMINISTIC[role] else self.backend(uri)
            for role, uri in ((role, getattr(settings, role)) for role in ("patient", "measurement", "moderator"))
        }
        self.doctor_backend = None if settings.doctor == DETERMINISTIC["doctor"] else self.backend(settings.doctor)

    def backend(self, uri: str) -> ChatBackend:
        """One backend per distinct URI (roles on the same server share a client)."""
        if uri not in self._backends:
            settings = self.settings
            self._backends[uri] = backend_from_uri(
                uri,
                api_key_env=settings.api_key_env,
                load_in_4bit=settings.load_in_4bit,
                max_retries=settings.max_retries,
                timeout_s=settings.timeout_s,
            )
        return self._backends[uri]

    async def aclose(self) -> None:
        """Close backend clients on the loop that made them (no 'event loop is closed' noise later)."""
        for backend in self._backends.values():
            close = getattr(backend, "aclose", None)
            if close is not None:
                await close()

    def cast_for_episode(self, case: Case) -> tuple[Cast, ChatBackend | None]:
        """The roles for one episode. A backend with per-episode state (a scripted file) starts afresh."""

        def fresh(backend: Any) -> Any:
            restart = getattr(backend, "fresh", None)
            return restart() if callable(restart) else backend

        settings = self.settings
        cast = CastSpec(
            patient=fresh(self.role_backends["patient"]),
            measurement=fresh(self.role_backends["measurement"]),
            moderator=fresh(self.role_backends["moderator"]),
            missing=settings.missing,
            patient_bias=settings.patient_bias,
            role_max_tokens=settings.role_max_tokens,
        ).for_case(case)
        return cast, fresh(self.doctor_backend) if self.doctor_backend is not None else None

    def doctor_prompt(self) -> DoctorPrompt:
        return DoctorPrompt(format=self.settings.doctor_format, bias=self.settings.doctor_bias)

    def new_record(self, case: Case, sample: int) -> EpisodeRecord:
        """The record of an episode about to be played, before any turn."""
        settings = self.settings
        return EpisodeRecord(
            case_id=case.id,
            dataset=case.dataset,
            sample=sample,
            seed=settings.seed + sample,
            backends=backend_names(settings),
            objective=case.objective,
            options=case.options,
            doctor_prompt=self.doctor_prompt(),
            correct_diagnosis=case.diagnosis,
            max_turns=settings.max_turns,
            started_at=time.time(),
        )

    async def episode_context(self, case: Case, sample: int, record: EpisodeRecord) -> EpisodeContext:
        """The roles of one episode, for the graph (notes on the record which form of the case image the
        doctor gets). May raise ``BackendError`` or ``ImageFetchError``."""
        settings = self.settings
        cast, doctor_backend = self.cast_for_episode(case)
        if doctor_backend is None:
            doctor: Doctor = OracleDoctor(case, settings.max_turns)
        else:
            generation = settings.doctor_generation().model_copy(update={"seed": settings.seed + sample})
            image = await doctor_image(case, doctor_backend, settings.images)
            record.image = None if image is None else image.shown
            doctor = BackendDoctor(
                doctor_backend,
                prompt_format=settings.doctor_format,
                bias=settings.doctor_bias,
                config=generation,
                image=image,
            )
        return EpisodeContext(cast, doctor, rewards=settings.rewards)
