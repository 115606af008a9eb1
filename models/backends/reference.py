"""A backend URI, parsed once into a typed reference: which kind of backend, and that kind's own parts.

Every role is chosen by one string (``openai:gpt-4o@http://localhost:8000/v1``, ``medgemma-27b``, ``tiny``,
``retrieval``, ...). ``parse_backend`` reads it into one of the references below, a union told apart by
``kind``; the rest of the project asks the reference (is it remote, does it call a model, is it the tiny
doctor, which deterministic role does it name) instead of comparing strings or splitting schemes again.
Building the backend a reference names is ``models.backends.uri.backend_from_uri``.

openai:<model>                 the OpenAI API ($OPENAI_API_KEY, $OPENAI_BASE_URL)
openai:<model>@<base_url>      any OpenAI-compatible server (vLLM, Ollama, TGI, LiteLLM)
hf:<model id or local path>    transformers, local (hf:medgemma-27b also works)
medgemma-4b | medgemma-27b     presets for google/medgemma-4b-it and google/medgemma-27b-text-it
gemma3-270m                    Google's Gemma 3 270M base model from PyPI (the gemma3 extra), CPU-sized
hf:<path>.gguf                 a GGUF file (llama.cpp's format), converted once into the cache
tiny                           the tiny Gemma 3 doctor trained by this package (CPU, offline)
tiny-random | tiny:<path>      the tiny random Gemma 3 model (built offline on first use) | a tiny model folder
scripted:<file>                replies from a file, blocks separated by lines of '---'
human                          a person at the terminal
oracle, retrieval, lookup,     the deterministic doctor, patient, measurement reader and judge (no model)
match
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from models.backends.base import BackendError
from models.backends.gguf import GEMMA3_270M
from models.backends.medgemma import PRESETS
from models.backends.remote import base_url_is_remote

DeterministicName = Literal["oracle", "retrieval", "lookup", "match"]
DETERMINISTIC_PLAYERS: dict[str, DeterministicName] = {
    "doctor": "oracle",
    "patient": "retrieval",
    "measurement": "lookup",
    "moderator": "match",
}
"""Each role's player in code, by the name that chooses it (the only list of these names)."""
DETERMINISTIC_NAMES: tuple[DeterministicName, ...] = tuple(DETERMINISTIC_PLAYERS.values())

URI_FORMS = (
    "openai:<model>, openai:<model>@<base_url>, hf:<model or path>, hf:<path>.gguf, "
    + ", ".join([*PRESETS, GEMMA3_270M])
    + ", tiny, tiny-random, tiny:<path>, scripted:<file>, human"
)
"""The URI forms of backends that call a model or a person, as help and errors list them."""


class _Reference(BaseModel):
    model_config = ConfigDict(frozen=True)

    uri: str
    """The URI as given (stripped): what settings, transcripts and errors show."""

    @property
    def is_remote(self) -> bool:
        """Whether what it is sent leaves this machine (only an OpenAI-compatible server off loopback does)."""
        return False

    @property
    def calls_a_model(self) -> bool:
        """Whether its answers come from a model (so a run checkpoints them); a script or a rule does not."""
        return True


class OpenAIReference(_Reference):
    kind: Literal["openai"] = "openai"
    model: str
    base_url: str | None = None
    """``None``: the SDK's default (``$OPENAI_BASE_URL``, else the OpenAI API)."""

    @property
    def is_remote(self) -> bool:
        return base_url_is_remote(self.base_url)


class TransformersReference(_Reference):
    kind: Literal["hf"] = "hf"
    model: str
    """A hub id, a local folder, a ``.gguf`` file, or a preset's name."""


class TinyReference(_Reference):
    kind: Literal["tiny"] = "tiny"


class ScriptedReference(_Reference):
    kind: Literal["scripted"] = "scripted"
    file: str

    @property
    def calls_a_model(self) -> bool:
        return False


class HumanReference(_Reference):
    kind: Literal["human"] = "human"


class DeterministicReference(_Reference):
    kind: Literal["deterministic"] = "deterministic"
    name: DeterministicName

    @property
    def calls_a_model(self) -> bool:
        return False


BackendReference = Annotated[
    OpenAIReference
    | TransformersReference
    | TinyReference
    | ScriptedReference
    | HumanReference
    | DeterministicReference,
    Field(discriminator="kind"),
]


class UnknownBackendError(BackendError):
    """A URI of no form a backend is written in (a misspelt name, a scheme that does not exist)."""


@lru_cache(maxsize=256)
def parse_backend(uri: str) -> BackendReference:
    """The reference ``uri`` names, or ``BackendError`` saying what is wrong and which forms there are."""
    uri = uri.strip()
    scheme, _, rest = uri.partition(":")
    if uri in DETERMINISTIC_NAMES:
        return DeterministicReference(uri=uri, name=uri)
    if uri in PRESETS or uri == GEMMA3_270M:
        return TransformersReference(uri=uri, model=uri)
    if scheme == "hf" and rest:
        return TransformersReference(uri=uri, model=rest)
    if scheme == "openai" and rest:
        return _openai(uri, rest)
    if uri == "tiny:":
        raise BackendError("'tiny:' names no folder: write tiny:<path>, or tiny / tiny-random")
    if scheme == "tiny" or uri == "tiny-random":
        return TinyReference(uri=uri)
    if scheme == "scripted" and rest:
        return ScriptedReference(uri=uri, file=rest)
    if uri == "human":
        return HumanReference(uri=uri)
    raise UnknownBackendError(f"unknown backend {uri!r}; use one of: {URI_FORMS}")


def _openai(uri: str, rest: str) -> OpenAIReference:
    model, at, base_url = rest.partition("@")
    if not model.strip():
        raise BackendError(f"{uri!r} names no model: write openai:<model> or openai:<model>@<base_url>")
    if at:
        check_base_url(uri, base_url)
    return OpenAIReference(uri=uri, model=model, base_url=base_url or None)


def check_base_url(uri: str, base_url: str) -> None:
    """Refuse a server address that is not an http(s) URL with a host (and a numeric port, if any). An
    empty one is refused too: taken as 'no address', it would send the requests to the OpenAI API."""
    if not base_url.strip():
        raise BackendError(
            f"{uri!r} has nothing after '@' (an unset environment variable?): give the server's address, "
            "e.g. openai:<model>@http://localhost:8000/v1, or drop the '@' for the OpenAI API"
        )
    try:
        parts = urlsplit(base_url)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError as exc:
        raise BackendError(f"{uri!r}: {base_url!r} is not a server address ({exc})") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise BackendError(
            f"{uri!r}: {base_url!r} is not an http(s) address with a host, e.g. http://localhost:8000/v1"
        )


def is_deterministic(uri: str, name: DeterministicName | None = None) -> bool:
    """Whether ``uri`` names a role played in code (``name``: that one), without raising on a bad URI."""
    try:
        reference = parse_backend(uri)
    except BackendError:
        return False
    return isinstance(reference, DeterministicReference) and (name is None or reference.name == name)


def is_remote(backend: object) -> bool:
    """Whether a backend sends what it is given off this machine: a URI string by its reference (a URI that
    does not parse is not remote here; building it fails with its own message), a backend object by its
    ``is_remote`` attribute (remote when it does not say)."""
    if isinstance(backend, str):
        try:
            return parse_backend(backend).is_remote
        except BackendError:
            return False
    return bool(getattr(backend, "is_remote", True))


def _checked_for(role: str) -> Callable[[str], str]:
    """A settings validator for the URI of ``role``'s player: it must parse (an unknown one is told the role's
    player in code besides the backend forms: 'lookpu' hears of 'lookup'), and a deterministic name must be the
    one that plays this role ('lookup' is no patient)."""

    own = DETERMINISTIC_PLAYERS[role]

    def checked(uri: str) -> str:
        try:
            reference = parse_backend(uri)
        except UnknownBackendError as exc:
            reason = f"{exc}, or {own!r} (the {role}'s player in code)"
            raise PydanticCustomError("backend_uri", "{reason}", {"reason": reason}) from None
        except BackendError as exc:
            raise PydanticCustomError("backend_uri", "{reason}", {"reason": str(exc)}) from None
        if isinstance(reference, DeterministicReference) and reference.name != own:
            reason = (
                f"{reference.name!r} does not play the {role}: its player in code is {own!r}, or give a backend URI"
            )
            raise PydanticCustomError("backend_uri", "{reason}", {"reason": reason})
        return reference.uri

    return checked


DoctorURI = Annotated[str, AfterValidator(_checked_for("doctor"))]
PatientURI = Annotated[str, AfterValidator(_checked_for("patient"))]
MeasurementURI = Annotated[str, AfterValidator(_checked_for("measurement"))]
ModeratorURI = Annotated[str, AfterValidator(_checked_for("moderator"))]
"""Settings fields holding a role's player: checked when the settings are (a bad one is refused with the flag
that set it, before anything loads), kept as the string users wrote (``run.json`` stays readable)."""
