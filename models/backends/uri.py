"""Backend URIs: every role is chosen by one string.

openai:<model>                 the OpenAI API ($OPENAI_API_KEY, $OPENAI_BASE_URL)
openai:<model>@<base_url>      any OpenAI-compatible server (vLLM, Ollama, TGI, LiteLLM)
hf:<model id or local path>    transformers, local (hf:medgemma-27b also works)
medgemma-4b | medgemma-27b     presets for google/medgemma-4b-it and google/medgemma-27b-text-it
tiny[:<path>]                  the tiny random Gemma 3 doctor (built offline on first use)
scripted:<file>                replies from a file, blocks separated by lines of '---'
human                          a person at the terminal
"""

from __future__ import annotations

from models.backends.base import BackendError, ChatBackend
from models.backends.medgemma import PRESETS
from models.backends.remote import uri_is_remote as is_remote

__all__ = ["URI_FORMS", "backend_from_uri", "is_remote"]

URI_FORMS = (
    "openai:<model>, openai:<model>@<base_url>, hf:<model or path>, "
    + ", ".join(PRESETS)
    + ", tiny[:<path>], scripted:<file>, human"
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
    if uri in PRESETS or (scheme == "hf" and rest):
        from models.backends.hf import HFBackend

        return HFBackend(rest if scheme == "hf" else uri, name=uri, load_in_4bit=load_in_4bit)
    if scheme == "openai" and rest:
        from models.backends.openai_backend import OpenAIBackend

        model, _, base_url = rest.partition("@")
        return OpenAIBackend(
            model, base_url=base_url or None, api_key_env=api_key_env, max_retries=max_retries, timeout_s=timeout_s
        )
    if scheme == "tiny":
        from models.backends.hf import HFBackend
        from models.tiny import ensure_tiny

        return HFBackend(str(ensure_tiny(rest or None)), name="tiny" + (f":{rest}" if rest else ""))
    if scheme == "scripted" and rest:
        from models.backends.scripted import ScriptedBackend

        return ScriptedBackend.from_file(rest)
    if uri == "human":
        from models.backends.human import HumanBackend

        return HumanBackend()
    raise BackendError(f"unknown backend {uri!r}; use one of: {URI_FORMS}")
