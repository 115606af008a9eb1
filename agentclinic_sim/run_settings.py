"""What defines a benchmark run: its settings (saved in ``OUT/run.json``), which of them a resumed run must
keep, and the cases they select. ``runner.py`` plays the run; ``run_folder.py`` keeps its files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from agentclinic_sim.consultation_settings import ConsultationSettings
from agentclinic_sim.role_settings import RoleSettings
from agents.biases import PatientBias
from agents.doctor import ImagePolicy
from agents.measurement.results import MissingPolicy
from models.backends import GenerationConfig
from models.backends.medgemma import DOCTOR_GENERATION
from models.backends.reference import DETERMINISTIC_PLAYERS, DoctorURI, TinyReference, parse_backend
from scenarios import Case, CaseSelection

TINY_MAX_TOKENS = 48
RunMode = Literal["consultation", "vignette"]

EPISODE_FIELDS = (
    "dataset",
    "split",
    "test_fraction",
    "limit",
    "case_ids",
    "doctor",
    "patient",
    "measurement",
    "moderator",
    "doctor_format",
    "doctor_bias",
    "patient_bias",
    "missing",
    "images",
    "max_turns",
    "samples",
    "seed",
    "temperature",
    "max_tokens",
    "role_max_tokens",
    "rewards",
    "load_in_4bit",
    "mode",
    "patient_feedback",
)
"""Settings that change what an episode is: a resumed run must keep them. The others (concurrency,
retries, timeouts, where the files are) only change how it runs."""


class RunSettings(ConsultationSettings, RoleSettings, CaseSelection):
    """Everything that defines a run; saved as ``run.json`` beside the transcripts. The cases, the roles and the
    consultation's rules come from the shared models (``CaseSelection``, ``RoleSettings``,
    ``ConsultationSettings``); the fields below are a run's own."""

    case_ids: list[str] | None = Field(None, description="Comma-separated case ids (medqa:3 or 3).")
    doctor: DoctorURI = Field("tiny", description="Doctor backend: a backend URI, or oracle.")
    patient_bias: PatientBias | None = Field(None, description="LLM patient only.")
    missing: MissingPolicy = Field("normal", description="Answer to tests the case lacks: normal or unavailable.")
    images: ImagePolicy = Field(
        "auto",
        description="Case images (NEJM): auto (the image to doctors that read images, its published text to the "
        "rest), text (the text to every doctor: measures what the pixels add), off (neither).",
    )
    samples: int = Field(1, ge=1, description="Episodes per case (use with --temperature > 0).")
    concurrency: int = Field(16, ge=1, description="Consultations in flight at once.")
    seed: int = Field(0, description="Base seed; sample k uses seed + k.")
    temperature: float = Field(
        0.0, ge=0.0, description="Doctor sampling temperature (0 = greedy, as in the MedGemma report)."
    )
    max_tokens: int | None = Field(
        None,
        ge=1,
        description=f"Doctor max new tokens (default {DOCTOR_GENERATION.max_tokens}; {TINY_MAX_TOKENS} for tiny).",
    )
    role_max_tokens: int | None = Field(
        None,
        ge=1,
        description="Max new tokens of an LLM patient or measurement reader (default 256 and 512).",
    )
    load_in_4bit: bool = Field(
        False, description="Load hf:/medgemma doctors in 4-bit (nf4, bf16 compute; needs bitsandbytes and a GPU)."
    )
    out: Path = Field(Path("runs/latest"), description="Run folder: run.json, transcripts.jsonl, summary.json.")
    resume: bool = Field(
        False,
        description="Continue the run in --out with the settings it was started with (from OUT/run.json); "
        "only how it runs (--concurrency, --max-retries, --timeout, ...) may change.",
    )
    retry_errored: bool = Field(
        False,
        description="Resume the run in --out and run its errored episodes again, each from its last completed "
        "turn when the run checkpoints (earlier attempts move to OUT/errored.jsonl).",
    )
    checkpoints: bool | None = Field(
        None,
        description="Checkpoint every turn in OUT/checkpoints.sqlite, so that --resume continues an episode "
        "mid-way without asking a model again (default: on when a role calls a model, off for fully "
        "deterministic runs).",
    )
    mode: RunMode = Field(
        "consultation",
        description="consultation (the doctor interviews the patient and orders tests) or vignette (the baseline: "
        "the doctor reads the whole case at once and gives one diagnosis, in one turn).",
    )
    patient_feedback: bool = Field(
        False,
        description="After each consultation, ask the LLM patient (--patient BACKEND) for its confidence in the "
        "doctor, its willingness to come back and follow the advice, and a rating of the doctor (each 1-10).",
    )

    @model_validator(mode="after")
    def _mode_rules(self) -> RunSettings:
        """The vignette baseline has one turn; the patient's feedback needs a patient that speaks and a
        consultation it took part in."""
        if self.mode == "vignette":
            if "max_turns" in self.model_fields_set and self.max_turns != 1:
                raise _refusal("--mode vignette gives the doctor one turn: drop --max-turns")
            self.max_turns = 1
        if self.patient_feedback:
            if self.patient == DETERMINISTIC_PLAYERS["patient"]:
                raise _refusal(
                    f"--patient-feedback needs an LLM patient (--patient BACKEND); the {self.patient} patient "
                    "only retrieves facts and has no opinion of the doctor"
                )
            if self.mode == "vignette":
                raise _refusal("--patient-feedback asks the patient about a consultation; --mode vignette has none")
        return self

    @property
    def continues(self) -> bool:
        """Whether this invocation continues the run already in ``out`` (``resume`` or ``retry_errored``)."""
        return self.resume or self.retry_errored

    @property
    def uses_checkpoints(self) -> bool:
        """``checkpoints`` if set; else whether a role calls a model (a scripted backend restarts its script
        with every episode, so it is not resumable mid-way and counts as deterministic)."""
        if self.checkpoints is not None:
            return self.checkpoints
        return any(parse_backend(getattr(self, role)).calls_a_model for role in DETERMINISTIC_PLAYERS)

    @field_validator("case_ids")
    @classmethod
    def _strip(cls, value: list[str] | None) -> list[str] | None:
        return [item.strip() for item in value if item.strip()] if value else None

    def doctor_generation(self) -> GenerationConfig:
        tiny = isinstance(parse_backend(self.doctor), TinyReference)
        default = TINY_MAX_TOKENS if tiny else DOCTOR_GENERATION.max_tokens
        return GenerationConfig(max_tokens=self.max_tokens or default, temperature=self.temperature)


def _refusal(message: str) -> PydanticCustomError:
    """A rule between settings, reported as its own one line (no 'Value error,' before it)."""
    return PydanticCustomError("run_settings", message)


class RunError(Exception):
    """The run cannot start (bad settings, no cases, MIMIC data bound for a remote API, a bad run folder)."""


def resumed_settings(recorded: RunSettings, given: dict[str, Any], flag: str = "--resume") -> RunSettings:
    """The recorded settings with ``given`` (flags typed on this invocation) applied. Flags that would
    change what an episode is must match the recorded ones; those that differ are named in the error, which
    names the ``flag`` that continues the run (``--resume`` or ``--retry-errored``)."""
    try:
        wanted = RunSettings.model_validate({**recorded.model_dump(), **given})
    except ValidationError as exc:
        raise RunError(str(exc).splitlines()[0]) from None
    differing = [
        f"{flag_of(name)} (run has {getattr(recorded, name)!r}, given {getattr(wanted, name)!r})"
        for name in EPISODE_FIELDS
        if name in given and getattr(wanted, name) != getattr(recorded, name)
    ]
    if differing:
        raise RunError(
            f"{flag} continues a run with the settings it was started with; these differ: "
            + "; ".join(differing)
            + ". Drop them, or start a new run in another --out folder."
        )
    return wanted


FLAG_NAMES = {"case_ids": "--cases", "timeout_s": "--timeout"}


def flag_of(field: str) -> str:
    """The ``agentclinic run`` flag that sets a ``RunSettings`` field."""
    return FLAG_NAMES.get(field, "--" + field.replace("_", "-"))


def select_cases(settings: RunSettings) -> list[Case]:
    """The run's cases: its split, then the ``case_ids`` asked for, then the first ``limit``."""
    cases = settings.load_split(cut=False)
    if not cases:
        raise RunError(f"no cases in {settings.dataset} (split={settings.split})")
    if settings.case_ids:
        cases = pick_cases(cases, settings.case_ids)
    return settings.cut(cases)


def pick_cases(cases: Sequence[Case], case_ids: Sequence[str]) -> list[Case]:
    """The cases of ``cases`` (not empty) that ``case_ids`` name (``medqa:3``, or ``3`` in ``cases``' dataset), in
    ``cases``' order; ``RunError`` names the ids that are not there."""
    wanted = {case_id if ":" in case_id else f"{cases[0].dataset}:{case_id}" for case_id in case_ids}
    missing = sorted(wanted - {case.id for case in cases})
    if missing:
        raise RunError(f"unknown case id(s): {', '.join(missing)} (ids look like {cases[0].id})")
    return [case for case in cases if case.id in wanted]
