"""What defines a benchmark run: its settings (saved in ``OUT/run.json``), which of them a resumed run must
keep, and the cases they select. ``runner.py`` plays the run; ``run_folder.py`` keeps its files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator

from agentclinic_sim.rewards import RewardConfig
from agentclinic_sim.role_clients import DETERMINISTIC_ROLES
from agentclinic_sim.role_settings import (
    ALLOW_REMOTE_MIMIC,
    API_KEY_ENV,
    MAX_RETRIES,
    MEASUREMENT,
    MODERATOR,
    PATIENT,
    TIMEOUT_S,
)
from agents.biases import DoctorBias, PatientBias
from agents.doctor import DoctorFormat, ImagePolicy
from agents.measurement.results import MissingPolicy
from agents.protocol import DEFAULT_MAX_TURNS
from models.backends import GenerationConfig
from models.backends.medgemma import DOCTOR_GENERATION
from scenarios import Case, load_cases
from scenarios.split import DEFAULT_TEST_FRACTION, Split

DETERMINISTIC = {**DETERMINISTIC_ROLES, "doctor": "oracle"}
TINY_MAX_TOKENS = 48

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
)
"""Settings that change what an episode is: a resumed run must keep them. The others (concurrency,
retries, timeouts, where the files are) only change how it runs."""


class RunSettings(BaseModel):
    """Everything that defines a run; saved as ``run.json`` beside the transcripts."""

    dataset: str = Field("demo", description="demo, medqa, medqa-ext, nejm, nejm-ext, mimiciv, or a .jsonl path.")
    data_dir: Path | None = Field(None, description="Folder with the case files.")
    split: Split = Field("all", description="all, train or test (deterministic by case hash).")
    test_fraction: float = Field(
        DEFAULT_TEST_FRACTION, ge=0.0, le=1.0, description="Share of the cases in the test split (for --split)."
    )
    limit: int | None = Field(None, ge=1, description="Run only the first N cases.")
    case_ids: list[str] | None = Field(None, description="Comma-separated case ids (medqa:3 or 3).")
    doctor: str = Field("tiny", description="Doctor backend: a backend URI, or oracle.")
    patient: str = PATIENT
    measurement: str = MEASUREMENT
    moderator: str = MODERATOR
    doctor_format: DoctorFormat = Field("chat", description="chat (messages) or agentclinic (one prompt per turn).")
    doctor_bias: DoctorBias | None = Field(None, description="Cognitive bias the doctor is prompted with.")
    patient_bias: PatientBias | None = Field(None, description="LLM patient only.")
    missing: MissingPolicy = Field("normal", description="Answer to tests the case lacks: normal or unavailable.")
    images: ImagePolicy = Field(
        "auto",
        description="Case images (NEJM): auto (the image to doctors that read images, its published text to the "
        "rest), text (the text to every doctor: measures what the pixels add), off (neither).",
    )
    max_turns: int = Field(DEFAULT_MAX_TURNS, ge=1, description="Doctor utterances allowed per consultation.")
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
    rewards: RewardConfig = Field(
        default_factory=RewardConfig, description="What each event of a consultation is worth (default 1 / 0)."
    )
    api_key_env: str = API_KEY_ENV
    max_retries: int = MAX_RETRIES
    timeout_s: float = TIMEOUT_S
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
    allow_remote_mimic: bool = ALLOW_REMOTE_MIMIC
    checkpoints: bool | None = Field(
        None,
        description="Checkpoint every turn in OUT/checkpoints.sqlite, so that --resume continues an episode "
        "mid-way without asking a model again (default: on when a role calls a model, off for fully "
        "deterministic runs).",
    )

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
        return any(
            uri != DETERMINISTIC[role] and not uri.startswith("scripted")
            for role, uri in ((role, getattr(self, role)) for role in DETERMINISTIC)
        )

    @field_validator("case_ids")
    @classmethod
    def _strip(cls, value: list[str] | None) -> list[str] | None:
        return [item.strip() for item in value if item.strip()] if value else None

    def doctor_generation(self) -> GenerationConfig:
        default = TINY_MAX_TOKENS if self.doctor.startswith("tiny") else DOCTOR_GENERATION.max_tokens
        return GenerationConfig(max_tokens=self.max_tokens or default, temperature=self.temperature)


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
    cases = load_cases(settings.dataset, settings.data_dir, split=settings.split, test_fraction=settings.test_fraction)
    if not cases:
        raise RunError(f"no cases in {settings.dataset} (split={settings.split})")
    if settings.case_ids:
        wanted = {case_id if ":" in case_id else f"{cases[0].dataset}:{case_id}" for case_id in settings.case_ids}
        by_id = {case.id: case for case in cases}
        missing = sorted(wanted - by_id.keys())
        if missing:
            raise RunError(f"unknown case id(s): {', '.join(missing)} (ids look like {cases[0].id})")
        cases = [case for case in cases if case.id in wanted]
    if settings.limit:
        cases = cases[: settings.limit]
    return cases
