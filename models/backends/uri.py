"""Backend URIs: every role is chosen by one string.

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
"""

from __future__ import annotations

from urllib.parse import urlsplit

from models.backends.base import BackendError, ChatBackend
from models.backends.gguf import GEMMA3_270M
from models.backends.medgemma import PRESETS
from models.backends.remote import uri_is_remote as is_remote

__all__ = ["URI_FORMS", "backend_from_uri", "is_remote"]

URI_FORMS = (
    "openai:<model>, openai:<model>@<base_url>, hf:<model or path>, hf:<path>.gguf, "
    + ", ".join([*PRESETS, GEMMA3_270M])
    + ", tiny, tiny-random, tiny:<path>, scripted:<file>, human"
)


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


def backend_from_uri(
    uri: str,
    *,
    api_key_env: str = "OPENAI_API_KEY",
    load_in_4bit: bool = False,
    max_retries: int = 4,
    timeout_s: float = 120.0,
) -> ChatBackend:
    """Build the backend a URI names. Heavy libraries (torch, transformers) load only when needed."""
    uri = uri.strip()
    scheme, _, rest = uri.partition(":")
    if uri in PRESETS or uri == GEMMA3_270M or (scheme == "hf" and rest):
        from models.backends.hf import HFBackend

        return HFBackend(rest if scheme == "hf" else uri, name=uri, load_in_4bit=load_in_4bit)
    if scheme == "openai" and rest:
        from models.backends.openai_backend import OpenAIBackend

        model, at, base_url = rest.partition("@")
        if not model.strip():
            raise BackendError(f"{uri!r} names no model: write openai:<model> or openai:<model>@<base_url>")
        if at:
            check_base_url(uri, base_url)
        return OpenAIBackend(
            model, base_url=base_url or None, api_key_env=api_key_env, max_retries=max_retries, timeout_s=timeout_s
        )
    if scheme == "tiny" or uri == "tiny-random":
        from models.backends.hf import HFBackend
        from models.tiny import resolve_tiny

        folder = resolve_tiny(uri)
        if folder is not None:
            return HFBackend(str(folder), name=uri)
    if scheme == "scripted" and rest:
        from models.backends.scripted import ScriptedBackend

        return ScriptedBackend.from_file(rest)
    if uri == "human":
        from models.backends.human import HumanBackend

        return HumanBackend()
    raise BackendError(f"unknown backend {uri!r}; use one of: {URI_FORMS}")
