"""The episode factory: from a run's settings to each episode's record, roles and first state.

Its backends come from the one cast builder (``role_clients``: one client per URI, the MIMIC-IV check), and each
episode gets a fresh cast (a backend with per-episode state, such as a scripted file, starts afresh), the
doctor with its generation settings and the case image in the form the doctor reads; it closes the clients at
the end; it asks the patient's view of the doctor after a consultation (``patient_feedback``). The runner
(``runner.py``) schedules the episodes it makes; ``play`` makes its one episode with it directly. Each ends
with ``finish_record``, the record filled from the consultation's last state.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from agentclinic_sim.consultation import ConsultationState
from agentclinic_sim.exam_score import exam_score
from agentclinic_sim.graph import EpisodeContext
from agentclinic_sim.role_clients import RoleClients, fresh
from agentclinic_sim.run_settings import RunSettings
from agentclinic_sim.transcript import EpisodeRecord
from agents.cast import Cast
from agents.doctor import BackendDoctor, Doctor, DoctorPrompt, OracleDoctor, doctor_image
from agents.patient.feedback import PatientFeedback, ask_feedback
from agents.patient.llm_patient import LLMPatient
from agents.vignette import case_vignette
from models.backends import ChatBackend
from models.backends.reference import DETERMINISTIC_PLAYERS
from scenarios import Case

ROLES = ("doctor", "patient", "measurement", "moderator")


def backend_names(settings: RunSettings) -> dict[str, str]:
    """Each role's backend URI (or deterministic name), as a run records it."""
    return {role: getattr(settings, role) for role in ROLES}


class EpisodeFactory:
    """Makes the episodes of a run: records, roles and prompts, from one set of backends."""

    def __init__(self, settings: RunSettings, cases: Sequence[Case], backends: dict[str, ChatBackend] | None = None):
        """Refuses (``MimicPrivacyError``) MIMIC-IV ``cases`` bound for a remote API unless the settings allow it;
        ``backends`` may supply ready-made backends for some URIs (e.g. a terminal UI for ``human``)."""
        self.settings = settings
        self.clients = RoleClients(
            settings,
            load_in_4bit=settings.load_in_4bit,
            ready=backends,
        )
        self.role_backends = self.clients.roles(backend_names(settings), cases, settings.allow_remote_mimic)
        doctor = settings.doctor
        self.doctor_backend = None if doctor == DETERMINISTIC_PLAYERS["doctor"] else self.clients.get(doctor)

    async def aclose(self) -> None:
        await self.clients.aclose()

    def cast_for_episode(self, case: Case) -> tuple[Cast, ChatBackend | None]:
        """The roles for one episode. A backend with per-episode state (a scripted file) starts afresh."""
        settings = self.settings
        cast = RoleClients.cast_spec(
            self.role_backends,
            missing=settings.missing,
            patient_bias=settings.patient_bias,
            role_max_tokens=settings.role_max_tokens,
        ).for_case(case)
        return cast, fresh(self.doctor_backend) if self.doctor_backend is not None else None

    def vignette(self, case: Case) -> str | None:
        """The case written up for the doctor in ``vignette`` mode; None in a consultation."""
        return case_vignette(case) if self.settings.mode == "vignette" else None

    def doctor_prompt(self, case: Case) -> DoctorPrompt:
        settings = self.settings
        return DoctorPrompt(format=settings.doctor_format, bias=settings.doctor_bias, vignette=self.vignette(case))

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
            doctor_prompt=self.doctor_prompt(case),
            correct_diagnosis=case.diagnosis,
            max_turns=settings.max_turns,
            started_at=time.time(),
            mode=settings.mode,
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
                vignette=self.vignette(case),
            )
        return EpisodeContext(cast, doctor, rewards=settings.rewards)

    async def patient_feedback(self, context: EpisodeContext, state: ConsultationState) -> PatientFeedback | None:
        """The LLM patient's view of the doctor once the consultation is over, when the run asks for it (a call
        of its own, after the graph: an episode resumed after its end asks only this). May raise ``BackendError``."""
        patient = context.cast.patient
        if not (self.settings.patient_feedback and state.done and isinstance(patient, LLMPatient)):
            return None
        return await ask_feedback(patient, state.dialogue, state.diagnosis, state.tests_requested)


def finish_record(record: EpisodeRecord, state: ConsultationState, case: Case) -> None:
    """Fill a record from the consultation's final (or, for an errored episode, last) state, with the score of
    its test requests against the tests ``case`` lists (``exam_score``; none in vignette mode, where the doctor
    is given every result and orders nothing)."""
    record.turns = list(state.dialogue)
    record.diagnosis = state.diagnosis
    record.verdict = state.verdict
    record.judge = state.verdict.judge if state.verdict else None
    record.correct = None if record.error else bool(state.verdict and state.verdict.correct)
    record.reward = state.rewards.total
    record.reward_breakdown = state.rewards.as_dict()
    record.turns_used = state.turn
    record.tests_requested = list(state.tests_requested)
    record.exam = None if record.mode == "vignette" else exam_score(case, record.tests_requested)
    record.terminated, record.truncated = state.terminated, state.truncated
