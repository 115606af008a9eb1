"""OpenAIBackend against a local OpenAI-compatible stub: replies, retries, timeouts, bad replies, key hygiene."""

from __future__ import annotations

import asyncio
import json
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from models.backends.base import BackendError, Completion, GenerationConfig, Message
from models.backends.openai_backend import OpenAIBackend
from models.backends.openai_stub import OpenAIStub

MODEL = "stub-model"
KEY_ENV = "AGENTCLINIC_TEST_KEY"
SECRET = "sk-test-SECRET-123456"
FAST_RETRY = {"retry-after-ms": "10"}  # the SDK honours it, so retries cost 10 ms instead of ~0.5 s backoff
MESSAGES = [
    Message(role="system", content="You are a doctor."),
    Message(role="user", content="hello there"),
]
CLEARED_ENV = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    *(f"{name}_proxy" for name in ("http", "https", "all")),
    *(f"{name}_PROXY" for name in ("HTTP", "HTTPS", "ALL")),
)


@pytest.fixture(autouse=True)
def fake_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """A fake secret under a custom name; no real key, server or proxy from the outer environment."""
    for name in CLEARED_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(KEY_ENV, SECRET)
    return SECRET


@pytest.fixture
def stub() -> Any:
    with OpenAIStub() as server:
        yield server


def make_backend(base_url: str | None, **kwargs: Any) -> OpenAIBackend:
    settings: dict[str, Any] = {"timeout_s": 5.0, "max_retries": 0, **kwargs}
    return OpenAIBackend(MODEL, base_url=base_url, api_key_env=KEY_ENV, **settings)


def chat(backend: OpenAIBackend, config: GenerationConfig | None = None) -> Completion:
    """``asyncio.run(backend.chat(...))``, closing the client on the same loop (no stray-connection noise)."""

    async def call() -> Completion:
        try:
            return await backend.chat(MESSAGES, config or GenerationConfig())
        finally:
            await backend.client.close()

    return asyncio.run(call())


def chat_error(backend: OpenAIBackend) -> BackendError:
    with pytest.raises(BackendError) as info:
        chat(backend)
    return info.value


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


# Every way a call can fail: (stub faults, stub fail_status, backend settings, text the error must hold,
# requests the stub must have seen). Reused by the key-leak test, which runs them all again.
FAILURES: dict[str, tuple[list[tuple[Any, ...]], int | None, dict[str, Any], str, int]] = {
    "server-error-until-give-up": ([], 500, {"max_retries": 2}, "500", 3),
    "rate-limited-until-give-up": ([("status", 429, FAST_RETRY)] * 3, None, {"max_retries": 1}, "429", 2),
    "timeout": ([("sleep", 2.0)], None, {"timeout_s": 0.3}, "timed out", 1),
    "malformed-json": ([("malformed", b'{"id": "chatcmpl-1", "choices": [')], None, {}, "malformed", 1),
    "not-a-json-object": ([("malformed", b"[1, 2, 3]")], None, {}, "malformed", 1),
    "no-choices": ([("shape", {"id": "chatcmpl-1", "object": "chat.completion"})], None, {}, "malformed", 1),
    "empty-choices": ([("shape", {"choices": []})], None, {}, "malformed", 1),
    "null-content": ([("shape", {"choices": [{"message": {"content": None}}]})], None, {}, "malformed", 1),
    "unauthorised-key-reflected": ([("status", 401, None, "Incorrect API key: {authorization}")], None, {}, "401", 1),
    "bad-request-key-reflected": ([("status", 400, None, "bad header {authorization}")], None, {}, "400", 1),
}


def run_failure(name: str) -> tuple[BackendError, OpenAIStub]:
    faults, fail_status, settings, _, _ = FAILURES[name]
    with OpenAIStub(fail_status=fail_status, fail_retry_after=FAST_RETRY) as server:
        server.add_faults(*faults)
        error = chat_error(make_backend(server.base_url, **settings))
    return error, server


# -- a normal reply ---------------------------------------------------------------------------------


def test_normal_reply_records_text_usage_latency_and_name(stub: OpenAIStub) -> None:
    stub.responder = lambda body: "The patient has myasthenia gravis."
    backend = make_backend(stub.base_url)

    completion = chat(backend)

    assert completion.text == "The patient has myasthenia gravis."
    assert completion.usage.prompt_tokens == 6  # the stub counts words: 4 + 2
    assert completion.usage.completion_tokens == 5
    assert completion.latency_s > 0
    assert backend.name == f"openai:{MODEL}@{stub.base_url}"
    assert completion.backend == backend.name


def test_request_body_carries_settings_and_the_key(stub: OpenAIStub) -> None:
    chat(make_backend(stub.base_url), GenerationConfig(max_tokens=64, stop=["\nPatient:"], seed=7))

    [request] = stub.requests
    assert request["model"] == MODEL
    assert request["messages"] == [
        {"role": "system", "content": "You are a doctor."},
        {"role": "user", "content": "hello there"},
    ]
    assert request["max_tokens"] == 64
    assert request["temperature"] == 0
    assert request["stream"] is False
    assert request["stop"] == ["\nPatient:"]
    assert request["seed"] == 7
    assert "top_p" not in request  # 1.0 is the server's default and is left out
    assert request.authorization == f"Bearer {SECRET}"


def test_unset_options_are_left_out_and_top_p_is_sent_when_set(stub: OpenAIStub) -> None:
    backend = make_backend(stub.base_url)
    chat(backend)
    chat(make_backend(stub.base_url), GenerationConfig(top_p=0.9, temperature=0.7))

    plain, nucleus = stub.requests
    assert "stop" not in plain and "seed" not in plain and "top_p" not in plain
    assert plain["max_tokens"] == GenerationConfig().max_tokens
    assert nucleus["top_p"] == 0.9 and nucleus["temperature"] == 0.7


def test_local_server_without_a_key_sends_a_placeholder(stub: OpenAIStub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV)
    assert chat(make_backend(stub.base_url)).text == "ok"
    assert stub.requests[0].authorization == "Bearer not-needed"


# -- retries and failures ---------------------------------------------------------------------------


def test_rate_limit_then_success_retries_once(stub: OpenAIStub) -> None:
    stub.add_faults(("status", 429, FAST_RETRY))

    completion = chat(make_backend(stub.base_url, max_retries=2))

    assert completion.text == "ok"
    assert len(stub.requests) == 2


def test_server_error_until_give_up() -> None:
    error, server = run_failure("server-error-until-give-up")
    assert "500" in str(error)
    assert len(server.requests) == 3  # the first try and max_retries=2 retries


def test_timeout_is_reported_and_quick() -> None:
    start = time.perf_counter()
    error, server = run_failure("timeout")
    assert "timed out" in str(error)
    assert len(server.requests) == 1
    assert time.perf_counter() - start < 1.5  # the 0.3 s client timeout, not the stub's 2 s sleep


@pytest.mark.parametrize("name", [name for name in FAILURES if name not in ("server-error-until-give-up", "timeout")])
def test_every_failure_is_a_backend_error(name: str) -> None:
    error, server = run_failure(name)
    _, _, _, expected, requests = FAILURES[name]
    assert expected in str(error)
    assert str(error).startswith(f"openai:{MODEL}@http://127.0.0.1:")
    assert len(server.requests) == requests


def test_connection_refused_is_a_backend_error() -> None:
    error = chat_error(make_backend(closed_port_url()))
    assert "cannot connect" in str(error)


def test_missing_key_for_the_openai_api_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV)
    with pytest.raises(BackendError, match=KEY_ENV):
        OpenAIBackend(MODEL, api_key_env=KEY_ENV)
    with pytest.raises(BackendError, match="OPENAI_API_KEY"):
        OpenAIBackend(MODEL)


def test_openai_api_with_a_key_needs_no_base_url() -> None:
    backend = OpenAIBackend(MODEL, api_key_env=KEY_ENV)  # no request is made
    assert backend.name == f"openai:{MODEL}"
    assert SECRET not in backend.name


# -- the key never leaks ----------------------------------------------------------------------------


def test_api_key_never_appears_in_names_errors_or_transcripts(tmp_path: Path) -> None:
    texts: list[str] = []
    transcript = tmp_path / "transcript.jsonl"
    with transcript.open("w", encoding="utf-8") as out:
        with OpenAIStub(responder=lambda body: "Diagnosis: myasthenia gravis") as server:
            backend = make_backend(server.base_url)
            completion = chat(backend)
            assert server.requests[0].authorization == f"Bearer {SECRET}"  # the key was really sent
            texts += [backend.name, repr(completion), repr(backend)]
            out.write(completion.model_dump_json() + "\n")
        for name in FAILURES:
            error, _ = run_failure(name)
            texts += [str(error), repr(error)]
            out.write(json.dumps({"case": name, "backend": backend.name, "error": str(error)}) + "\n")
        refused = chat_error(make_backend(closed_port_url()))
        texts += [str(refused), repr(refused)]
        out.write(json.dumps({"case": "refused", "error": str(refused)}) + "\n")

    assert any("***" in text for text in texts)  # the reflected key was there, and was redacted
    leaks = [text for text in texts if SECRET in text]
    assert not leaks
    assert SECRET not in transcript.read_text(encoding="utf-8")


# -- the stub itself --------------------------------------------------------------------------------


def test_stub_serves_only_chat_completions(stub: OpenAIStub) -> None:
    for method, path in [("GET", "/v1/chat/completions"), ("POST", "/v1/models"), ("POST", "/chat/completions")]:
        data = b"{}" if method == "POST" else None
        request = urllib.request.Request(f"http://{stub.host}:{stub.port}{path}", data=data, method=method)
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=5)
        assert info.value.code == 404
    assert stub.requests == []


def test_stub_handles_concurrent_requests_with_a_delay() -> None:
    with OpenAIStub(responder=lambda body: body["messages"][-1]["content"].upper(), delay_s=0.05) as server:
        backend = make_backend(server.base_url)

        async def many() -> list[Completion]:
            try:
                calls = [
                    backend.chat([Message(role="user", content=f"case {i}")], GenerationConfig()) for i in range(20)
                ]
                return await asyncio.gather(*calls)
            finally:
                await backend.client.close()

        start = time.perf_counter()
        completions = asyncio.run(many())
        elapsed = time.perf_counter() - start

    assert [c.text for c in completions] == [f"CASE {i}" for i in range(20)]
    assert len(server.requests) == 20
    assert elapsed < 0.8  # 20 x 50 ms in series would be 1 s


def test_stub_close_stops_the_server_and_thread() -> None:
    server = OpenAIStub()
    server.add_faults(("sleep", 30.0))
    backend = make_backend(server.base_url, timeout_s=0.2)
    chat_error(backend)  # leaves a handler sleeping in the fault
    start = time.perf_counter()
    server.close()
    server.close()  # idempotent
    assert time.perf_counter() - start < 2
    assert not server._thread.is_alive()
    with pytest.raises(OSError):
        socket.create_connection((server.host, server.port), timeout=1).close()


def test_stub_rejects_unknown_faults(stub: OpenAIStub) -> None:
    with pytest.raises(ValueError):
        stub.add_faults(("explode", 1))
    with pytest.raises(ValueError):
        stub.add_faults(("status", "429"))


# -- known defects (strict: they start failing once the library is fixed; then drop the marker) -----


def test_message_that_is_not_an_object_is_a_backend_error(stub: OpenAIStub) -> None:
    stub.add_faults(("shape", {"choices": [{"index": 0, "message": "hi"}]}))
    assert "malformed" in str(chat_error(make_backend(stub.base_url)))


def test_non_integer_usage_is_a_backend_error(stub: OpenAIStub) -> None:
    reply = stub.completion({"model": MODEL, "messages": []}, "hi")
    reply["usage"] = {"prompt_tokens": "many", "completion_tokens": 1}
    stub.add_faults(("shape", reply))
    assert "malformed" in str(chat_error(make_backend(stub.base_url)))


def test_name_shows_the_server_taken_from_openai_base_url(stub: OpenAIStub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
    backend = OpenAIBackend(MODEL, api_key_env=KEY_ENV, max_retries=0)
    assert backend.name == f"openai:{MODEL}@{stub.base_url}"
