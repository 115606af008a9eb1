"""The doctor: what it sees (``DoctorView``), the one renderer of its prompt (``DoctorPrompt``), the
``Doctor`` type every doctor implements, and its two forms: ``BackendDoctor`` (any chat backend: a model,
a trained policy wrapped by ``HFBackend.from_loaded``, or a person through the ``human`` backend) and the
privileged ``OracleDoctor`` demonstrator.

Prompt formats: ``chat`` (alternating user/assistant messages, the doctor is the assistant) and
``agentclinic`` (the whole dialogue rendered into one user message every turn, as AgentClinic does).
``DoctorPrompt`` renders both for the benchmark doctor, the Gymnasium env's observations, SFT data and
RL rollouts alike, so a policy is trained on exactly what it is evaluated on. The moderator's verdict
(it names the correct diagnosis) is never rendered.

Case images (NEJM cases have one): ``doctor_image(case, backend, policy)`` decides what the doctor gets.
A backend that accepts images (``accepts_images``) gets the image itself, fetched once and cached by
``scenarios.images``, attached to its first user message (``chat``) or to its one message (``agentclinic``)
with a line saying so. Any other doctor is told in the same place that the case has an image it cannot
see, and is given the text published with it (for NEJM, the question without its final ask: the vignette
the figure was shown with, which describes what was examined and imaged). ``policy``: ``auto`` (image when
the backend takes images, else the note), ``text`` (the note for every doctor: measures what the pixels
add), ``off`` (neither, as in AgentClinic without image requests). The env's observations and the
training renderers pass no image, so they read as before.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from agents.biases import DoctorBias, doctor_bias_text
from agents.llm import reply_from
from agents.prompts import load_prompt
from agents.protocol import DEFAULT_MAX_TURNS, DIAGNOSIS_TAG, TEST_TAG
from agents.roles import DEFAULT_SYNC_TIMEOUT_S, run_sync
from agents.types import Reply, Role, Turn
from models.backends import ChatBackend, GenerationConfig, Message
from models.backends.base import ImageData, accepts_images
from scenarios import Case
from scenarios.images import CaseImage, case_image, fetch_image

DoctorFormat = Literal["chat", "agentclinic"]
ImagePolicy = Literal["auto", "text", "off"]
IMAGE_ATTACHED = "This case comes with an image from its case report; it is attached to this message."
IMAGE_UNSEEN = (
    "This case comes with an image from its case report, but the image is not available to you: you cannot see it."
)
SPEAKER_LABELS = {
    Role.PATIENT: "Patient",
    Role.MEASUREMENT: "Measurement",
    Role.SYSTEM: "Clinic",
    Role.MODERATOR: "Moderator",
}
OPENING = "The patient is in the room. Begin the consultation."
_DOCTOR_LABEL = re.compile(r"^[*_\s]*doctor[*_\s]*:[*_\s]*", re.IGNORECASE)


class DoctorView(BaseModel):
    """Everything the doctor may see: never the diagnosis, the patient's facts or the results it has not asked for."""

    objective: str
    dialogue: list[Turn] = Field(default_factory=list)
    turn: int = Field(0, description="Doctor utterances made so far.")
    max_turns: int = DEFAULT_MAX_TURNS
    options: list[str] | None = None


class DoctorImage(BaseModel):
    """The case's image as the doctor gets it: ``data`` attached, or (None) a note with the image's text."""

    image: CaseImage
    data: ImageData | None = None

    @property
    def shown(self) -> Literal["image", "text"]:
        """What the doctor got: the image itself, or the note with the image's published text."""
        return "image" if self.data is not None else "text"

    def note(self) -> str:
        """The line the doctor reads about the image."""
        if self.data is not None:
            return IMAGE_ATTACHED
        if self.image.text:
            return f"{IMAGE_UNSEEN} The text published with the image reads:\n{self.image.text}"
        return f"{IMAGE_UNSEEN} No description of it is available."

    def attach(self, message: Message) -> Message:
        """``message`` with the note before its text and, when there is one, the image on it."""
        images = [*message.images, self.data] if self.data is not None else message.images
        return Message(role=message.role, content=f"{self.note()}\n\n{message.content}", images=images)


async def doctor_image(case: Case, backend: ChatBackend, policy: ImagePolicy = "auto") -> DoctorImage | None:
    """What a doctor played by ``backend`` gets of the case's image (None: the case has none, or ``off``).

    Fetches the image (once; later calls read the cache) only when it will be attached; raises
    ``scenarios.images.ImageFetchError`` naming the case and URL when it cannot be fetched."""
    image = case_image(case)
    if image is None or policy == "off":
        return None
    if policy == "text" or not accepts_images(backend):
        return DoctorImage(image=image)
    fetched = await asyncio.to_thread(fetch_image, image.url, case_id=case.id)
    data = ImageData.model_validate({"data": fetched.data, "mime_type": fetched.mime_type})
    return DoctorImage(image=image, data=data)


def clean_doctor_text(text: str) -> str:
    """A generated doctor reply as the clinic reads it: stripped, without a leading 'Doctor:' label."""
    return _DOCTOR_LABEL.sub("", text.strip(), count=1)


def turn_note(turn: int, max_turns: int) -> str:
    """What the doctor is told before it speaks for the (turn+1)-th time."""
    if turn >= max_turns - 1:
        return (
            f"[Turn {turn + 1} of {max_turns}] This is your final turn: you must give your diagnosis now, "
            f"as {DIAGNOSIS_TAG}: <diagnosis>."
        )
    return f"[Turn {turn + 1} of {max_turns}]"


def opening(vignette: str | None = None) -> str:
    """What the doctor reads first: the patient coming in, or (the vignette baseline) the whole case written up."""
    return OPENING if vignette is None else f"The case:\n{vignette}"


def observation_text(response: Turn | None, turn: int, max_turns: int, vignette: str | None = None) -> str:
    """The message the doctor receives: who spoke and what they said (or the opening), then the turn note."""
    body = (
        opening(vignette)
        if response is None
        else f"{SPEAKER_LABELS.get(response.role, response.role.title())}: {response.text}"
    )
    return f"{body}\n{turn_note(turn, max_turns)}"


def system_prompt(view: DoctorView, bias: DoctorBias | None = None, vignette: str | None = None) -> str:
    """The doctor's rules: those of a consultation, or (given the case's ``vignette``) of the vignette baseline."""
    options = ""
    if view.options:
        listed = "; ".join(view.options)
        options = f"- Your diagnosis should be one of these options: {listed}.\n"
    bias_text = doctor_bias_text(bias)
    return (
        load_prompt("doctor" if vignette is None else "doctor_vignette")
        .format(
            objective=view.objective,
            max_turns=view.max_turns,
            options=options,
            bias=f"{bias_text}\n" if bias_text else "",
        )
        .strip()
    )


HIDDEN_FROM_DOCTOR = frozenset({Role.MODERATOR})
"""Turns the doctor never sees: the judge's verdict names the correct diagnosis."""


def chat_messages(
    view: DoctorView, bias: DoctorBias | None = None, image: DoctorImage | None = None, vignette: str | None = None
) -> list[Message]:
    """System prompt, then each response the doctor got as a user message and each of its utterances as
    an assistant message; the last user message carries the turn note. The case's image (or its note)
    goes with the opening message (the ``vignette``, when given)."""
    first = Message(role="user", content=observation_text(None, 0, view.max_turns, vignette))
    messages = [
        Message(role="system", content=system_prompt(view, bias, vignette)),
        image.attach(first) if image is not None else first,
    ]
    doctor_turns = 0
    for turn in view.dialogue:
        if turn.role in HIDDEN_FROM_DOCTOR:
            continue
        if turn.role == "doctor":
            doctor_turns += 1
            messages.append(Message(role="assistant", content=turn.text))
        else:
            messages.append(Message(role="user", content=observation_text(turn, doctor_turns, view.max_turns)))
    return messages


def agentclinic_messages(
    view: DoctorView, bias: DoctorBias | None = None, image: DoctorImage | None = None, vignette: str | None = None
) -> list[Message]:
    """One user message holding the rules, the case's image (or its note), the whole dialogue so far (after the
    ``vignette``, when given), and the turn note."""
    lines = [
        f"{'Doctor' if t.role == 'doctor' else SPEAKER_LABELS.get(t.role, t.role)}: {t.text}"
        for t in view.dialogue
        if t.role not in HIDDEN_FROM_DOCTOR
    ]
    history = "\n".join(lines) if lines else "(nothing yet: the patient has just come in)"
    rules = system_prompt(view, bias, vignette)
    note = f"{image.note()}\n\n" if image is not None else ""
    so_far = f"The consultation so far:\n{history}" if vignette is None or lines else opening(vignette)
    prompt = (
        f"{rules}\n\n{note}{so_far}\n\n{turn_note(view.turn, view.max_turns)}\nWrite your next message as the doctor."
    )
    images = [image.data] if image is not None and image.data is not None else []
    return [Message(role="user", content=prompt, images=images)]


class DoctorPrompt(BaseModel):
    """How the doctor's prompt is rendered: the format and the cognitive bias, if any. With the case's
    objective, options and the turn limit (all in the transcript), it rebuilds the doctor's exact prompt."""

    format: DoctorFormat = "chat"
    bias: DoctorBias | None = None
    vignette: str | None = Field(
        None,
        exclude_if=lambda value: value is None,
        description="The vignette baseline: the whole case as written up for the doctor (``agents.vignette``), "
        "read at once instead of a consultation. Left out of the JSON when None.",
    )

    def messages(self, view: DoctorView, image: DoctorImage | None = None) -> list[Message]:
        """The doctor's chat for its next turn: the one renderer every caller uses (``image``: the case's
        image as this doctor gets it, see ``doctor_image``)."""
        build = chat_messages if self.format == "chat" else agentclinic_messages
        return build(view, self.bias, image, self.vignette)

    def observation(self, view: Callable[[], DoctorView], response: Turn | None, turn: int, max_turns: int) -> str:
        """What is new to the doctor since it last spoke, as one text: on the first turn the rules (the system
        prompt, folded into the first user message as Gemma does) and the opening; then each response with its
        turn note (``chat``), or the whole re-rendered prompt (``agentclinic``). ``view`` is called only when the
        whole view is needed, so the chat form costs no view inside ``env.step``."""
        if self.format == "agentclinic":
            return self.messages(view())[-1].content
        if response is None:
            first = observation_text(None, turn, max_turns, self.vignette)
            return f"{system_prompt(view(), self.bias, self.vignette)}\n\n{first}"
        return observation_text(response, turn, max_turns)


@runtime_checkable
class Doctor(Protocol):
    """What plays the doctor: a model behind a backend, a trained policy, a person, or the oracle.

    ``aact`` gets what the doctor may see and returns its next utterance; ``backend`` names it in transcripts."""

    @property
    def backend(self) -> str: ...

    async def aact(self, view: DoctorView) -> Reply: ...


class BackendDoctor:
    """A doctor played by a chat backend: MedGemma by default in the CLI; a trained policy
    (``HFBackend.from_loaded``); a person (the ``human`` backend); any backend works."""

    sync_timeout_s: float | None = DEFAULT_SYNC_TIMEOUT_S

    def __init__(
        self,
        backend: ChatBackend,
        *,
        prompt_format: DoctorFormat = "chat",
        bias: DoctorBias | None = None,
        config: GenerationConfig | None = None,
        image: DoctorImage | None = None,
        vignette: str | None = None,
    ):
        """``vignette``: the whole case written up, for the vignette baseline (see ``DoctorPrompt``)."""
        self.chat_backend = backend
        self.prompt = DoctorPrompt(format=prompt_format, bias=bias, vignette=vignette)
        self.config = config or GenerationConfig(max_tokens=1024, temperature=0.0)
        self.image = image
        """The case's image as this doctor gets it (``doctor_image``); None for a case without one."""

    @property
    def backend(self) -> str:
        return self.chat_backend.name

    def messages(self, view: DoctorView) -> list[Message]:
        return self.prompt.messages(view, self.image)

    async def aact(self, view: DoctorView) -> Reply:
        completion = await self.chat_backend.chat(self.messages(view), self.config)
        return reply_from(completion, clean_doctor_text(completion.text))

    def act(self, view: DoctorView) -> Reply:
        return run_sync(self.aact(view), self.sync_timeout_s)


class OracleDoctor:
    """A privileged expert demonstrator: it reads the case, asks about the patient's own symptoms,
    requests the case's examinations and tests by their recorded names, and names the correct
    diagnosis on its last turn. For tests, smoke runs and SFT demonstrations."""

    backend = "oracle"

    def __init__(self, case: Case, max_turns: int = DEFAULT_MAX_TURNS):
        self.case = case
        self.plan = self._plan(case, max_turns)

    @staticmethod
    def _plan(case: Case, max_turns: int) -> list[str]:
        symptoms = case.patient.get("Symptoms")
        primary = symptoms.get("Primary_Symptom") if isinstance(symptoms, dict) else None
        opening = "What brings you in today?"
        follow_ups = [
            f"Can you tell me more about the {str(primary).lower()}?"
            if isinstance(primary, str)
            else "When did this start, and has it changed since?",
            "What other symptoms have you noticed?",
            "Do you have any past medical history, and do you take any medications?",
        ]
        tests = [f"{TEST_TAG}: {key}" for key in [*case.exam, *case.tests]]
        steps = [opening, *tests, *follow_ups][: max(max_turns - 1, 0)]
        return [*steps, f"{DIAGNOSIS_TAG}: {case.diagnosis}"]

    def act(self, view: DoctorView) -> Reply:
        index = min(view.turn, len(self.plan) - 1)
        text = self.plan[-1] if view.turn >= view.max_turns - 1 else self.plan[index]
        return Reply(text=text, backend=self.backend)

    async def aact(self, view: DoctorView) -> Reply:
        return self.act(view)
