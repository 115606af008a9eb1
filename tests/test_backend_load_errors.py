"""Backends that cannot load fail at once with one clear line: hf: paths and hub ids, scripted: files.

Also covers ``ScriptedBackend.fresh()``, which lets every episode play a script from its start.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from models.backends import BackendError, GenerationConfig, Message, ScriptedBackend
from models.backends.loading import looks_like_path, probe_hub
from models.backends.uri import backend_from_uri

MEDGEMMA = "google/medgemma-4b-it"


# --- hf: local paths ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/models/gemma", True),
        ("./gemma", True),
        ("../gemma", True),
        ("~/gemma", True),
        ("a/b/c", True),
        ("C:\\models\\gemma", True),
        ("google/medgemma-4b-it", False),
        ("gpt2", False),
    ],
)
def test_path_like_values_are_told_from_hub_ids(value: str, expected: bool) -> None:
    assert looks_like_path(value) is expected


@pytest.mark.parametrize("value", ["./no-such-model", "nested/no/such-model", "~/no-such-model", "ABSOLUTE"])
def test_hf_missing_local_path_names_it(value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    value = str(tmp_path / "nowhere") if value == "ABSOLUTE" else value
    expected_path = Path(value).expanduser().absolute()

    with pytest.raises(BackendError) as caught:
        backend_from_uri(f"hf:{value}")

    message = str(caught.value)
    assert f"{expected_path} does not exist" in message
    assert "\n" not in message and "Repo id" not in message


def test_hf_local_path_must_be_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "org").mkdir()
    (tmp_path / "org" / "weights.bin").write_bytes(b"\0")  # org/name that exists locally is a path, not a hub id

    with pytest.raises(BackendError, match="is not a folder") as caught:
        backend_from_uri("hf:org/weights.bin")

    assert str(tmp_path / "org" / "weights.bin") in str(caught.value)


def test_hf_value_that_is_neither_path_nor_hub_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BackendError, match="neither an existing local folder nor a hub id"):
        backend_from_uri("hf:not a model!")


# --- hf: the hub probe and the cache -----------------------------------------------------------------------------


def hub_error(name: str) -> Exception:
    """A ``huggingface_hub.errors`` HTTP error of class ``name``, as the hub client raises it."""
    errors = importlib.import_module("huggingface_hub.errors")
    http = importlib.import_module(errors.Response.__module__)  # the HTTP client huggingface_hub is built on
    request = http.Request("HEAD", f"https://huggingface.co/{MEDGEMMA}/resolve/main/config.json")
    return getattr(errors, name)(f"{name} from the hub", response=http.Response(401, request=request))


@pytest.fixture
def hub_answers(monkeypatch: pytest.MonkeyPatch) -> list[Exception | None]:
    """What the hub's metadata request raises (None: it succeeds); the list holds one answer per call."""
    import huggingface_hub

    answers: list[Exception | None] = []

    def fake_metadata(url: str, **kwargs: object) -> object:
        assert kwargs.get("timeout") is not None, "the probe must not wait for the default timeout"
        answer = answers.pop(0)
        if answer is not None:
            raise answer
        return object()

    monkeypatch.setattr(huggingface_hub, "get_hf_file_metadata", fake_metadata)
    return answers


def test_probe_reports_a_gated_model_with_the_way_in(hub_answers: list[Exception | None]) -> None:
    hub_answers.append(hub_error("GatedRepoError"))
    with pytest.raises(BackendError) as caught:
        probe_hub(MEDGEMMA, "medgemma-4b")
    message = str(caught.value)
    assert message.startswith("medgemma-4b: this login has no access to the gated model 'google/medgemma-4b-it'.")
    assert "MedGemma is gated: accept its terms" in message
    assert f"https://huggingface.co/{MEDGEMMA}" in message
    assert "hf auth login" in message and "HF_TOKEN" in message and "hf:/path/to/model" in message
    assert "\n" not in message


def test_probe_reports_an_unknown_model(hub_answers: list[Exception | None]) -> None:
    hub_answers.append(hub_error("RepositoryNotFoundError"))
    with pytest.raises(BackendError, match="the hub has no model 'google/medgemma-4b-it'"):
        probe_hub(MEDGEMMA, "hf:google/medgemma-4b-it")


@pytest.mark.parametrize("answer", [None, "RemoteEntryNotFoundError"])
def test_probe_lets_a_reachable_model_through(answer: str | None, hub_answers: list[Exception | None]) -> None:
    hub_answers.append(hub_error(answer) if answer else None)
    probe_hub(MEDGEMMA, "hf:google/medgemma-4b-it")
    assert hub_answers == []


@pytest.fixture(scope="module")
def tiny_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("transformers")
    from models.tiny import build_tiny

    return build_tiny(tmp_path_factory.mktemp("tiny"))


@pytest.fixture
def no_probe(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Records every hub probe (and lets none through): loading must not reach them."""
    from models.backends import loading as hf

    probed: list[str] = []

    def refuse(repo_id: str, name: str, timeout_s: float = 0.0) -> None:
        probed.append(repo_id)
        raise BackendError(f"{name}: probed the hub for {repo_id}")

    monkeypatch.setattr(hf, "probe_hub", refuse)
    yield probed


def test_local_folder_loads_without_a_hub_probe(tiny_path: Path, no_probe: list[str]) -> None:
    backend = backend_from_uri(f"hf:{tiny_path}")
    assert type(backend.model).__name__ == "Gemma3ForCausalLM"  # type: ignore[attr-defined]
    assert no_probe == []


def test_cached_hub_model_loads_without_a_hub_probe(
    tiny_path: Path, tmp_path: Path, no_probe: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from huggingface_hub import constants

    cache = tmp_path / "hub"
    snapshot = cache / "models--test-org--tiny-gemma" / "snapshots" / "0123abcd"
    shutil.copytree(tiny_path, snapshot)
    (cache / "models--test-org--tiny-gemma" / "refs").mkdir()
    (cache / "models--test-org--tiny-gemma" / "refs" / "main").write_text("0123abcd")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.chdir(tmp_path)

    backend = backend_from_uri("hf:test-org/tiny-gemma")
    assert type(backend.model).__name__ == "Gemma3ForCausalLM"  # type: ignore[attr-defined]
    assert no_probe == []

    with pytest.raises(BackendError, match="probed the hub for test-org/not-cached"):
        backend_from_uri("hf:test-org/not-cached")
    assert no_probe == ["test-org/not-cached"]


# --- scripted: files and fresh() ---------------------------------------------------------------------------------


def bad_script(kind: str, folder: Path) -> tuple[Path, str]:
    """A script path that cannot be used, and the reason the error must give."""
    path = folder / f"{kind}.txt"
    if kind == "folder":
        path.mkdir()
        return path, "it is a folder, not a file"
    if kind == "binary":
        path.write_bytes(b"first reply\n---\n\xff\xfe\x00 not text")
        return path, "not UTF-8 text"
    if kind == "empty":
        path.write_text("\n---\n   \n", encoding="utf-8")
        return path, "has no replies"
    return path, "the file does not exist"


@pytest.mark.parametrize("kind", ["missing", "folder", "binary", "empty"])
def test_unusable_script_file_is_one_clear_line(kind: str, tmp_path: Path) -> None:
    path, reason = bad_script(kind, tmp_path)
    with pytest.raises(BackendError) as caught:
        backend_from_uri(f"scripted:{path}")
    message = str(caught.value)
    assert str(path) in message and reason in message
    assert "\n" not in message


def ask(backend: ScriptedBackend, question: str) -> str:
    completion = asyncio.run(backend.chat([Message(role="user", content=question)], GenerationConfig()))
    return completion.text


def test_fresh_restarts_the_script_and_keeps_its_own_requests(tmp_path: Path) -> None:
    script = tmp_path / "doctor.txt"
    script.write_text("What brings you in?\n---\nDIAGNOSIS READY: Migraine\n", encoding="utf-8")
    first = ScriptedBackend.from_file(script)
    assert [ask(first, "a"), ask(first, "b")] == ["What brings you in?", "DIAGNOSIS READY: Migraine"]
    with pytest.raises(BackendError, match="ran out"):
        ask(first, "c")

    second = first.fresh()
    assert second is not first and isinstance(second, ScriptedBackend)
    assert second.name == first.name == f"scripted:{script}" and second.cycle is first.cycle
    assert second.requests == []
    assert ask(second, "d") == "What brings you in?"
    assert [r[0].content for r in second.requests] == ["d"]
    assert [r[0].content for r in first.requests] == ["a", "b", "c"]


def test_fresh_keeps_the_responder_and_cycle() -> None:
    echo = ScriptedBackend(responder=lambda messages: messages[-1].content.upper(), name="echo")
    echo_copy = echo.fresh()
    assert ask(echo_copy, "hello") == "HELLO" and echo.requests == [] and echo_copy.name == "echo"

    cycling = ScriptedBackend(["one", "two"], cycle=True)
    assert [ask(cycling, "?") for _ in range(3)] == ["one", "two", "one"]
    assert [ask(cycling.fresh(), "?") for _ in range(1)] == ["one"]


# --- through the CLI ---------------------------------------------------------------------------------------------


def run_doctor(
    doctor: str, cwd: Path, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], float]:
    """``agentclinic run --doctor DOCTOR`` in a subprocess; returns the result and its wall time."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "agentclinic_sim.cli", "run", "--doctor", doctor, "--out", str(cwd / "out")],
        cwd=cwd,
        env={**(env if env is not None else os.environ), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=180,
    )
    return result, time.perf_counter() - start


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one ``error: ...`` line of a clean failure (exit 2, no traceback)."""
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), output
    return lines[0]


@pytest.mark.parametrize(
    ("doctor", "named"), [("hf:./no-such-model", "no-such-model"), ("scripted:missing.txt", "missing.txt")]
)
def test_cli_bad_doctor_path_is_one_error_line(doctor: str, named: str, tmp_path: Path) -> None:
    result, _ = run_doctor(doctor, tmp_path)
    line = error_line(result)
    assert str(tmp_path / named) in line
    assert "does not exist" in line


@pytest.fixture
def hub_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """An environment whose model hub is a closed local port and whose model cache is empty."""
    env = dict(os.environ)
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_ENDPOINT"):
        env.pop(name, None)
    with socket.socket() as closed:  # bound but not listening: connections are refused at once
        closed.bind(("127.0.0.1", 0))
        env["HF_ENDPOINT"] = f"http://127.0.0.1:{closed.getsockname()[1]}"
        env["HF_HOME"] = str(tmp_path / "hf-home")
        yield env


def test_cli_unreachable_hub_fails_fast_and_explains_gating(hub_env: dict[str, str], tmp_path: Path) -> None:
    result, seconds = run_doctor(f"hf:{MEDGEMMA}", tmp_path, hub_env)
    print(f"unreachable hub: exit {result.returncode} after {seconds:.1f} s")
    line = error_line(result)
    assert seconds < 30
    assert "cannot reach the model hub" in line and hub_env["HF_ENDPOINT"] in line
    assert "MedGemma is gated" in line and "accept its terms" in line
    assert "hf auth login" in line and "HF_TOKEN" in line and "hf:/path/to/model" in line


def test_cli_offline_mode_says_the_model_is_not_cached(hub_env: dict[str, str], tmp_path: Path) -> None:
    result, seconds = run_doctor(f"hf:{MEDGEMMA}", tmp_path, {**hub_env, "HF_HUB_OFFLINE": "1"})
    print(f"offline mode: exit {result.returncode} after {seconds:.1f} s")
    line = error_line(result)
    assert "offline mode is on" in line and "not cached" in line and MEDGEMMA in line
    assert "cannot reach" not in line
