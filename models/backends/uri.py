"""Building the backend a URI names (the URI forms and their parsing: ``models.backends.reference``). Heavy
libraries (torch, transformers, the OpenAI SDK) load only when a backend that needs them is built."""

from __future__ import annotations

from models.backends.api_settings import ApiSettings
from models.backends.base import BackendError, ChatBackend
from models.backends.reference import (
    URI_FORMS,
    HumanReference,
    OpenAIReference,
    ScriptedReference,
    TinyReference,
    TransformersReference,
    parse_backend,
)

__all__ = ["backend_from_uri"]


def backend_from_uri(uri: str, *, api: ApiSettings | None = None, load_in_4bit: bool = False) -> ChatBackend:
    """Build the backend ``uri`` names; ``api`` sets an API client's key variable, retries and timeout (default
    ``ApiSettings()``). A deterministic role's name is not a backend: ``BackendError``."""
    reference = parse_backend(uri)
    if isinstance(reference, TransformersReference):
        from models.backends.hf import HFBackend

        return HFBackend(reference.model, name=reference.uri, load_in_4bit=load_in_4bit)
    if isinstance(reference, OpenAIReference):
        from models.backends.openai_backend import OpenAIBackend

        api = api or ApiSettings()
        return OpenAIBackend(
            reference.model,
            base_url=reference.base_url,
            api_key_env=api.api_key_env,
            max_retries=api.max_retries,
            timeout_s=api.timeout_s,
        )
    if isinstance(reference, TinyReference):
        from models.backends.hf import HFBackend
        from models.tiny import resolve_tiny

        folder = resolve_tiny(reference.uri)
        if folder is not None:
            return HFBackend(str(folder), name=reference.uri)
    if isinstance(reference, ScriptedReference):
        from models.backends.scripted import ScriptedBackend

        return ScriptedBackend.from_file(reference.file)
    if isinstance(reference, HumanReference):
        from models.backends.human import HumanBackend

        return HumanBackend()
    raise BackendError(f"unknown backend {reference.uri!r}; use one of: {URI_FORMS}")
