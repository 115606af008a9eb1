"""Any OpenAI-compatible chat server: the OpenAI API, vLLM, Ollama, TGI, LiteLLM.

Retries: the openai SDK's own retries (exponential backoff with jitter on timeouts, 408/409/429 and
5xx), ``max_retries`` times; a 200 whose body is not a usable chat completion (not JSON, no choices) is
a transient fault too, retried as often with tenacity's jittered backoff. After that a ``BackendError``
says what failed. API keys are read from
the environment and never appear in names, errors or transcripts.

Images: a message's ``images`` are sent as OpenAI image content parts after its text
(``[{"type": "text", ...}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,..."}}]``),
when the backend accepts images: ``accepts_images=True``, or by default for models known to read images
(``vision_model``: GPT-4o / 4.1 / 5, MedGemma 4B / 27B multimodal, Gemma 3 4B-27B, and names saying
vision / VL / LLaVA / Pixtral). Images given to a backend that does not accept them are a ``BackendError``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Sequence
from typing import Any

import openai
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from models.backends.api_settings import DEFAULT_API_KEY_ENV, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_S
from models.backends.base import BackendError, Completion, GenerationConfig, Message, Usage
from models.backends.gemma_chat import strip_at_stops
from models.backends.remote import base_url_is_remote

NO_KEY = "not-needed"  # local servers (vLLM, Ollama) accept any key
MALFORMED_BACKOFF_S = 0.25  # first retry of a malformed reply waits up to this long; doubles each time, up to 8 s
VISION_MODELS = re.compile(
    r"gpt-4o|gpt-4\.1|gpt-4-turbo|gpt-4-vision|gpt-5|^o[134](?!-mini)|medgemma-(4b|27b)-it|gemma-3-(4b|12b|27b)"
    r"|vision|[-_]vl\b|[-_]vl[-_]|llava|pixtral",
    re.IGNORECASE,
)


def vision_model(model: str) -> bool:
    """Whether a served model name is one known to read images (the last path part is matched)."""
    name = model.rsplit("/", 1)[-1]
    return "-text-" not in name.lower() and VISION_MODELS.search(name) is not None


class MalformedReply(ValueError):
    """The server answered 200 with a body that is not a usable chat completion."""


def _http_client() -> openai.DefaultAioHttpClient | None:
    """aiohttp transport when installed (``openai[aiohttp]``): far less CPU per request than httpx under
    many concurrent episodes. ``None`` lets the SDK use its default httpx client."""
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        return None
    return openai.DefaultAioHttpClient()


class OpenAIBackend:
    """Async chat completions against ``base_url`` (default: ``$OPENAI_BASE_URL`` or the OpenAI API)."""

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key_env: str = DEFAULT_API_KEY_ENV,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_retries: int = DEFAULT_MAX_RETRIES,
        accepts_images: bool | None = None,
    ):
        self.model = model
        self.accepts_images = vision_model(model) if accepts_images is None else accepts_images
        """Whether messages' images are sent (None at construction: decided by ``vision_model``)."""
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL")
        self.name = f"openai:{model}" + (f"@{self.base_url}" if self.base_url else "")
        api_key = os.environ.get(api_key_env)
        if not api_key and self.base_url is None:
            raise BackendError(f"{self.name}: set {api_key_env} to use the OpenAI API")
        self._secret = api_key or NO_KEY
        self.max_retries = max_retries
        self.client = openai.AsyncOpenAI(
            api_key=self._secret,
            base_url=self.base_url,
            timeout=timeout_s,
            max_retries=max_retries,
            http_client=_http_client(),
        )

    @property
    def is_remote(self) -> bool:
        """Whether requests leave this machine (anything but a loopback server)."""
        return base_url_is_remote(self.base_url)

    def _redact(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret != NO_KEY else text

    def request(self, messages: Sequence[Message], config: GenerationConfig) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [self._message(m) for m in messages],
            "max_tokens": config.max_tokens,
            "temperature": config.temperature,
            "stream": False,
        }
        if config.top_p < 1.0:
            body["top_p"] = config.top_p
        if config.stop:
            body["stop"] = config.stop
        if config.seed is not None:
            body["seed"] = config.seed
        return body

    def _message(self, message: Message) -> dict[str, Any]:
        """A message as the API takes it: plain text, or a text part followed by one image part per image."""
        if not message.images:
            return {"role": message.role, "content": message.content}
        if not self.accepts_images:
            raise BackendError(
                f"{self.name}: a message holds {len(message.images)} image(s), but this backend sends text only "
                "(pass accepts_images=True if the served model reads images)"
            )
        parts: list[dict[str, Any]] = [{"type": "text", "text": message.content}]
        parts.extend({"type": "image_url", "image_url": {"url": image.data_url()}} for image in message.images)
        return {"role": message.role, "content": parts}

    async def chat(self, messages: Sequence[Message], config: GenerationConfig) -> Completion:
        start = time.perf_counter()
        failure: str | None = None
        body = self.request(messages, config)
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(MalformedReply),
            stop=stop_after_attempt(self.max_retries + 1),
            wait=wait_random_exponential(multiplier=MALFORMED_BACKOFF_S, max=8.0),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return self._completion(await self._post(body), time.perf_counter() - start, config.stop)
        except openai.APIStatusError as exc:
            failure = f"HTTP {exc.status_code} after retries: {exc.message}"
        except openai.APITimeoutError as exc:
            cause = exc.__cause__
            refused = isinstance(cause, ConnectionError) or "connect" in type(cause).__name__.lower()
            failure = f"cannot connect ({cause})" if refused else "request timed out after retries"
        except openai.APIConnectionError as exc:
            failure = f"cannot connect ({exc.__cause__ or exc})"
        except MalformedReply as exc:
            failure = f"malformed reply from the server after retries: {exc}"
        except RuntimeError as exc:  # e.g. the client's connections belong to a closed event loop
            failure = f"client error: {exc}"
        # Raised outside the except blocks so no exception context (which holds request headers) is kept.
        raise BackendError(self._redact(f"{self.name}: {failure}"))

    async def _post(self, body: dict[str, Any]) -> Any:
        """One POST with the SDK's retries. Its generic POST keeps retries, backoff and errors but skips the
        per-call parameter transformation and response models, about a third of its CPU cost per request."""
        try:
            return await self.client.post("/chat/completions", body=body, cast_to=object)
        except (openai.APIResponseValidationError, ValueError) as exc:  # a 200 whose body is not JSON
            raise MalformedReply(f"body is not JSON ({exc})") from None

    async def aclose(self) -> None:
        await self.client.close()

    def _completion(self, response: Any, latency_s: float, stops: Sequence[str] = ()) -> Completion:
        """Read the chat.completion JSON; anything off-shape raises ``MalformedReply`` (retried). The text ends
        before a stop string, as the OpenAI API returns it: ``transformers serve`` keeps the stop string in the
        content, and a server may leak Gemma's ``<end_of_turn>`` as text."""
        if not isinstance(response, dict):
            raise MalformedReply(f"expected a JSON object, got {type(response).__name__}")
        choices = response.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise MalformedReply("no choices[0]")
        message = choices[0].get("message")
        if not isinstance(message, dict):
            raise MalformedReply("no choices[0].message")
        text = message.get("content")
        if not isinstance(text, str):
            raise MalformedReply(f"message content is {type(text).__name__}")
        usage = response.get("usage") or {}
        prompt_tokens = usage.get("prompt_tokens", 0) or 0 if isinstance(usage, dict) else 0
        completion_tokens = usage.get("completion_tokens", 0) or 0 if isinstance(usage, dict) else 0
        if not isinstance(prompt_tokens, int) or not isinstance(completion_tokens, int):
            raise MalformedReply("usage token counts are not integers")
        return Completion(
            text=strip_at_stops(text, stops),
            usage=Usage(prompt_tokens=max(prompt_tokens, 0), completion_tokens=max(completion_tokens, 0)),
            latency_s=latency_s,
            backend=self.name,
        )
