"""Backend URIs, remote detection, the scripted and human backends, and the MedGemma-report layout
(doctor on one server; patient, measurement and judge on another)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from test_runner_cli import KEY_ENV, SECRET  # noqa: E402

from agentclinic_sim.play_settings import PlaySettings
from agentclinic_sim.run_settings import RunSettings
from agentclinic_sim.runner import Runner
from models.backends import BackendError, GenerationConfig, Message, ScriptedBackend
from models.backends.api_settings import ApiSettings
from models.backends.human import HumanBackend
from models.backends.medgemma import PRESETS, preset_for
from models.backends.openai_backend import OpenAIBackend
from models.backends.openai_stub import OpenAIStub  # noqa: E402
from models.backends.openai_stub import play_clinic_role as clinic_responder  # noqa: E402
from models.backends.reference import is_remote, parse_backend
from models.backends.uri import backend_from_uri


def test_openai_uris(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    api = backend_from_uri("openai:gpt-4o")
    assert isinstance(api, OpenAIBackend) and api.model == "gpt-4o" and api.name == "openai:gpt-4o"
    local = backend_from_uri(
        "openai:google/medgemma-27b-text-it@http://localhost:8000/v1", api=ApiSettings(max_retries=1)
    )
    assert isinstance(local, OpenAIBackend)
    assert local.model == "google/medgemma-27b-text-it" and local.base_url == "http://localhost:8000/v1"
    assert local.client.max_retries == 1
    assert SECRET not in repr(local.name)


@pytest.mark.parametrize(
    ("uri", "says"),
    [
        ("openai:m@", "nothing after '@'"),  # e.g. openai:m@$VLLM_URL with the variable unset
        ("openai:@http://localhost:8000/v1", "names no model"),
        ("openai:m@http://127.0.0.1:abc/v1", "not a server address"),
        ("openai:m@http://[::1/v1", "not a server address"),
        ("openai:m@127.0.0.1:8000/v1", "not an http(s) address"),
        ("openai:m@ftp://host/v1", "not an http(s) address"),
    ],
)
def test_a_bad_server_address_is_refused_before_any_request(uri: str, says: str) -> None:
    with pytest.raises(BackendError, match=re.escape(says)):
        backend_from_uri(uri)


def test_scripted_uri_reads_reply_blocks(tmp_path: Path) -> None:
    script = tmp_path / "doctor.txt"
    script.write_text("What brings you in?\n---\nREQUEST TEST: CBC\n---\nDIAGNOSIS READY: Asthma\n", encoding="utf-8")
    backend = backend_from_uri(f"scripted:{script}")
    assert isinstance(backend, ScriptedBackend)
    config = GenerationConfig()
    texts = [asyncio.run(backend.chat([Message(role="user", content="hi")], config)).text for _ in range(3)]
    assert texts == ["What brings you in?", "REQUEST TEST: CBC", "DIAGNOSIS READY: Asthma"]
    with pytest.raises(BackendError, match="ran out"):
        asyncio.run(backend.chat([Message(role="user", content="hi")], config))


def test_human_backend_shows_the_latest_message_and_reads_a_line() -> None:
    shown: list[str] = []
    human = HumanBackend(read=lambda prompt: "It hurts here.", write=shown.append)
    completion = asyncio.run(human.chat([Message(role="user", content="Where does it hurt?")], GenerationConfig()))
    assert completion.text == "It hurts here." and shown == ["Where does it hurt?"] and completion.backend == "human"
    assert isinstance(backend_from_uri("human"), HumanBackend)


@pytest.mark.parametrize("uri", ["nonsense", "openai:", "scripted:", "hf:", "gpt-4o"])
def test_unknown_uris_say_what_is_accepted(uri: str) -> None:
    with pytest.raises(BackendError, match="openai:<model>"):
        backend_from_uri(uri)


def test_presets_name_the_right_checkpoints_and_classes() -> None:
    assert PRESETS["medgemma-27b"].model_id == "google/medgemma-27b-text-it"
    assert PRESETS["medgemma-27b"].model_class == "causal-lm"
    assert PRESETS["medgemma-4b"].model_id == "google/medgemma-4b-it"
    assert PRESETS["medgemma-4b"].model_class == "image-text-to-text"
    assert preset_for("google/medgemma-4b-it") is PRESETS["medgemma-4b"]
    assert preset_for("some/other-model") is None


@pytest.mark.parametrize(
    ("uri", "remote"),
    [
        ("openai:gpt-4o", True),
        ("openai:m@https://api.example.com/v1", True),
        ("openai:m@http://localhost:8000/v1", False),
        ("openai:m@http://127.0.0.1:9000/v1", False),
        ("medgemma-27b", False),
        ("tiny", False),
        ("retrieval", False),
    ],
)
def test_is_remote(uri: str, remote: bool) -> None:
    assert is_remote(uri) is remote


def test_backend_errors_keep_no_exception_context(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)
    with OpenAIStub(fail_status=401) as server:
        backend = OpenAIBackend("m", base_url=server.base_url, api_key_env=KEY_ENV, max_retries=0)
        with pytest.raises(BackendError) as raised:
            asyncio.run(backend.chat([Message(role="user", content="hi")], GenerationConfig()))
    assert raised.value.__context__ is None and raised.value.__cause__ is None
    assert SECRET not in str(raised.value)


def test_medgemma_report_layout_doctor_and_other_roles_on_different_servers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)

    def roles_only(body: dict[str, Any]) -> str:
        assert not body["messages"][0]["content"].startswith("You are a physician")
        return clinic_responder(body)

    with OpenAIStub(responder=clinic_responder) as doctor_server, OpenAIStub(responder=roles_only) as role_server:
        doctor_uri = f"openai:medgemma@{doctor_server.base_url}"
        role_uri = f"openai:gpt-4o@{role_server.base_url}"
        settings = RunSettings(
            limit=2,
            doctor=doctor_uri,
            patient=role_uri,
            measurement=role_uri,
            moderator=role_uri,
            api_key_env=KEY_ENV,
            max_retries=0,
            out=tmp_path,
        )
        runner = Runner(settings)
        summary = asyncio.run(runner.run())
        assert len(runner.episodes.clients.clients) == 2  # patient, measurement and judge share one client
        assert summary.completed == 2 and summary.errored == 0
        assert len(doctor_server.requests) == 2 * 3
        assert len(role_server.requests) == 2 * 3
        assert all(r["model"] == "medgemma" for r in doctor_server.requests)
        assert {r["model"] for r in role_server.requests} == {"gpt-4o"}


@pytest.mark.parametrize(
    ("uri", "kind", "remote", "calls_a_model"),
    [
        ("openai:gpt-4o", "openai", True, True),
        ("openai:m@http://127.0.0.1:8000/v1", "openai", False, True),
        ("medgemma-27b", "hf", False, True),
        ("hf:./weights.gguf", "hf", False, True),
        ("tiny:/some/folder", "tiny", False, True),
        ("scripted:replies.txt", "scripted", False, False),
        ("human", "human", False, True),
        (" retrieval ", "deterministic", False, False),
    ],
)
def test_a_uri_is_parsed_once_into_its_kind(uri: str, kind: str, remote: bool, calls_a_model: bool) -> None:
    reference = parse_backend(uri)
    assert reference.kind == kind and reference.uri == uri.strip()
    assert reference.is_remote is remote and reference.calls_a_model is calls_a_model


def test_a_tiny_uri_without_its_folder_is_refused_at_once() -> None:
    with pytest.raises(BackendError, match="names no folder"):
        parse_backend("tiny:")


def test_settings_refuse_a_bad_uri_when_validated_naming_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        RunSettings(patient="opneai:gpt-4o")
    problem = caught.value.errors()[0]
    assert problem["loc"] == ("patient",) and problem["msg"].startswith("unknown backend 'opneai:gpt-4o'")
    assert problem["msg"].endswith("or 'retrieval' (the patient's player in code)")  # a misspelt player hears of it
    with pytest.raises(ValidationError, match="or 'lookup' \\(the measurement's player in code\\)"):
        RunSettings(measurement="lookpu")
    with pytest.raises(ValidationError) as caught:
        RunSettings(doctor="tiny:")
    assert "names no folder" in str(caught.value) and "player in code" not in str(caught.value)
    assert RunSettings(doctor=" oracle ").doctor == "oracle"
    with pytest.raises(ValidationError, match="'lookup' does not play the patient"):
        RunSettings(patient="lookup")
    with pytest.raises(ValidationError, match="'match' does not play the doctor"):
        PlaySettings(as_role="patient", doctor="match")
