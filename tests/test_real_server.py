"""A real OpenAI-compatible server in the loop: ``transformers serve`` on loopback, serving the converted
Gemma 3 270M (the ``gemma3`` extra), with the doctor and the patient on it through
``openai:<model>@http://127.0.0.1:<port>/v1``.

The stub server in ``openai_stub.py`` checks this package against the protocol as written (and the retries
on 429, 5xx and malformed replies, which a healthy real server never gives); this checks it against an
implementation: requests accepted, ``max_tokens`` honoured and reported in ``usage``, stop strings, a refused
connection reported after its retries, and the transcript. Skipped with a one-line reason
without the extra or without ``transformers serve``'s own needs (fastapi, uvicorn); CI requires them.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("torch")

from models.backends import GenerationConfig, Message  # noqa: E402
from models.backends.base import BackendError, Completion  # noqa: E402
from models.backends.openai_backend import OpenAIBackend  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 240.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def served(gemma3_270m_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(model id, base URL) of ``transformers serve`` running the 270M on a free loopback port."""
    for needed in ("fastapi", "uvicorn"):
        try:
            __import__(needed)
        except ImportError:
            reason = f"transformers serve needs {needed}: pip install 'agentclinic-sim[gemma3]'"
            if os.environ.get("AGENTCLINIC_REQUIRE_GEMMA") == "1":
                pytest.fail(reason)
            pytest.skip(reason)
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    command = [
        sys.executable, "-c", "from transformers.cli.transformers import main; main()", "serve",
        str(gemma3_270m_path), "--host", "127.0.0.1", "--port", str(port), "--device", "cpu", "--dtype", "float32",
        "--log-level", "warning",
    ]  # fmt: skip
    with log.open("w") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _healthy(base):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"transformers serve did not start: {log.read_text()[-2000:]}")
            time.sleep(1.0)
        yield str(gemma3_270m_path), f"{base}/v1"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def _ask(backend: OpenAIBackend, messages: list[Message], *configs: GenerationConfig) -> list[Completion]:
    """Each config's completion, in one event loop (the client belongs to the loop it was first used in)."""

    async def asking() -> list[Completion]:
        try:
            return [await backend.chat(messages, config) for config in configs]
        finally:
            await backend.aclose()

    return asyncio.run(asking())


def test_a_chat_request_is_answered_with_its_usage(served: tuple[str, str]) -> None:
    model, base_url = served
    backend = OpenAIBackend(model, base_url=base_url, api_key_env="AGENTCLINIC_UNSET_KEY", max_retries=0)
    messages = [Message(role="system", content="Be brief."), Message(role="user", content="Where does it hurt?")]
    [completion] = _ask(backend, messages, GenerationConfig(max_tokens=6, temperature=0.0))
    assert completion.text.strip()
    assert completion.usage.completion_tokens == 6  # the base model rambles to the cap, and says so
    assert completion.usage.prompt_tokens > 5


def test_the_reply_ends_before_its_stop_string(served: tuple[str, str]) -> None:
    # transformers serve keeps the stop string in the content; the OpenAI API, and so this package, does not.
    model, base_url = served
    backend = OpenAIBackend(model, base_url=base_url, api_key_env="AGENTCLINIC_UNSET_KEY", max_retries=0)
    question = [Message(role="user", content="What is the capital of France?")]
    free, stopped = _ask(
        backend,
        question,
        GenerationConfig(max_tokens=24, temperature=0.0),
        GenerationConfig(max_tokens=24, temperature=0.0, stop=["\n"]),
    )
    assert "\n" in free.text.strip()  # greedy, the base model starts a new line within 24 tokens ...
    assert stopped.text == free.text[: free.text.index("\n")]  # ... and is cut before it
    assert stopped.usage.completion_tokens < free.usage.completion_tokens


def test_a_refused_connection_is_one_error_and_the_server_answers_the_next(served: tuple[str, str]) -> None:
    model, base_url = served
    dead = f"http://127.0.0.1:{_free_port()}/v1"
    backend = OpenAIBackend(model, base_url=dead, api_key_env="AGENTCLINIC_UNSET_KEY", max_retries=1, timeout_s=5)
    with pytest.raises(BackendError, match="cannot connect"):
        _ask(backend, [Message(role="user", content="Hello")], GenerationConfig(max_tokens=2))
    live = OpenAIBackend(model, base_url=base_url, api_key_env="AGENTCLINIC_UNSET_KEY", max_retries=2)
    [completion] = _ask(live, [Message(role="user", content="Hello")], GenerationConfig(max_tokens=2))
    assert completion.usage.completion_tokens == 2


def test_a_run_with_doctor_and_patient_on_the_server(served: tuple[str, str], tmp_path: Path) -> None:
    model, base_url = served
    uri = f"openai:{model}@{base_url}"
    out = tmp_path / "run"
    command = [
        sys.executable, "-m", "agentclinic_sim.cli", "run", "--dataset", "demo", "--limit", "2", "--max-turns", "2",
        "--doctor", uri, "--patient", uri, "--max-tokens", "8", "--role-max-tokens", "8", "--concurrency", "2",
        "--api-key-env", "AGENTCLINIC_UNSET_KEY", "--max-retries", "1", "--out", str(out),
    ]  # fmt: skip
    finished = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=600)
    assert finished.returncode == 0, finished.stderr[-2000:]
    records = [json.loads(line) for line in (out / "transcripts.jsonl").read_text().splitlines()]
    assert len(records) == 2 and all(record["error"] is None for record in records)
    for record in records:
        assert record["backends"]["doctor"] == uri and record["backends"]["patient"] == uri
        doctor = [turn for turn in record["turns"] if turn["role"] == "doctor"]
        patient = [turn for turn in record["turns"] if turn["role"] == "patient"]
        assert len(doctor) == 2 and patient  # the base model never diagnoses: both turns are spent
        assert all(0 < turn["completion_tokens"] <= 8 and turn["prompt_tokens"] > 0 for turn in doctor + patient)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["completed"] == 2 and summary["errored"] == 0
    assert summary["tokens_by_role"]["doctor"] > 0 and summary["tokens_by_role"]["patient"] > 0
