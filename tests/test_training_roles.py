"""Role simulation apart from the policy: during training the patient (and measurement reader and judge) may be
a model on an OpenAI-compatible server (here a local stub), reached with the runner's retries; MIMIC-IV cases
are refused for a remote role unless allowed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from models.backends.openai_stub import OpenAIStub

pytest.importorskip("trl")

from agentclinic_sim.cli import app  # noqa: E402
from models.training.grpo import GRPOSettings, train_grpo  # noqa: E402

KEY_ENV = "AGENTCLINIC_TEST_KEY"
QUICK = {"limit": 2, "max_turns": 2, "max_tokens": 8, "eval_every": 1, "save_every": 1, "eval_split": "none"}


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-test")
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)


def test_grpo_rollouts_and_evaluations_ask_a_patient_server(tiny_model_path: Path, tmp_path: Path) -> None:
    with OpenAIStub(responder=lambda body: "It started two days ago.") as stub:
        settings = GRPOSettings(
            model=f"tiny:{tiny_model_path}", max_steps=1, batch_size=4, num_generations=2, temperature=1.0,
            patient=f"openai:patient-model@{stub.base_url}", api_key_env=KEY_ENV, max_retries=1, out=tmp_path,
            **{**QUICK, "max_turns": 3},
        )  # fmt: skip
        train_grpo(settings)
        asked = [request for request in stub.requests if request["model"] == "patient-model"]
    # The random tiny doctor's turns are neither tests nor diagnoses, so each turn but the last (which must
    # diagnose) reaches the patient: 4 rollout episodes x 2, plus 2 evaluation episodes x 2 at the start and end.
    assert len(asked) == 4 * 2 + 2 * 2 * 2
    steps = (tmp_path / "steps.csv").read_text()
    assert steps.count("\n") == 2


def test_mimic_cases_are_refused_for_a_remote_patient(tiny_model_path: Path, tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    demo = Path(__file__).resolve().parents[1] / "scenarios" / "data" / "demo.jsonl"
    record = json.loads(demo.read_text(encoding="utf-8").splitlines()[0])
    record["_meta"] = {"source": "MIMIC-IV"}
    cases.write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["train", "sft", "--model", f"tiny:{tiny_model_path}", "--dataset", str(cases), "--split", "all",
         "--patient", "openai:gpt-4o", "--out", str(tmp_path / "out")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "MIMIC-IV" in result.output and "--allow-remote-mimic" in result.output
    assert "Traceback" not in result.output
