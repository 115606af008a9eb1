"""How calls to an API backend are made, as settings: which environment variable holds the key, how often a
failed call is retried and how long one may take. Shared by every command and settings model that builds
API clients (runs, play, training's roles, the judge), so the flags and their defaults are written once;
the OpenAI backend takes its defaults from here. Light to import: no SDK loads with it."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, Field

DEFAULT_API_KEY_ENV = "OPENAI_API_KEY"
DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MAX_RETRIES = 4


class ApiSettings(BaseModel):
    """The API client's key variable, retries and timeout."""

    help_panel: ClassVar[str] = "API calls"
    """The group its flags are shown under in a command's help."""

    api_key_env: str = Field(
        DEFAULT_API_KEY_ENV, description="Environment variable holding the API key for openai: backends."
    )
    max_retries: int = Field(
        DEFAULT_MAX_RETRIES,
        ge=0,
        description="Retries (exponential backoff with jitter) on timeouts, 429, 5xx and malformed replies.",
    )
    timeout_s: float = Field(DEFAULT_TIMEOUT_S, gt=0, description="Seconds before one API request times out.")
