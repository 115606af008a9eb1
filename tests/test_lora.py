"""LoRA / QLoRA on the tiny models (CPU): which modules get adapters (the language model only, for the
multimodal Gemma 3), an adapter trained by ``train sft --adapter lora`` that saves alone, reloads, merges,
continues in GRPO and plays as ``--doctor`` in ``agentclinic run``; QLoRA refused on CPU in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("peft")
pytest.importorskip("trl")

import torch  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from agentclinic_sim.cli import app  # noqa: E402
from models.backends.loading import load_model  # noqa: E402
from models.training.grpo import GRPOSettings, train_grpo  # noqa: E402
from models.training.lora import LANGUAGE_PROJECTIONS, LoraSettings, adapted_modules, peft_config  # noqa: E402
from models.training.sft import SFTSettings, train_sft  # noqa: E402

QUICK = {"limit": 2, "max_turns": 2, "max_tokens": 8, "eval_every": 1, "save_every": 1, "eval_split": "none"}


def lora_model(model: torch.nn.Module, settings: LoraSettings) -> torch.nn.Module:
    from peft import get_peft_model

    return get_peft_model(model, peft_config(settings, model))


def test_text_model_adapts_every_projection_of_every_layer(tiny_model_path: Path) -> None:
    model = load_model(str(tiny_model_path), for_training=True).model
    layers = model.config.num_hidden_layers
    adapted = adapted_modules(lora_model(model, LoraSettings(adapter="lora", lora_r=4)))
    assert len(adapted) == layers * len(LANGUAGE_PROJECTIONS)
    assert {name.rsplit(".", 1)[-1] for name in adapted} == set(LANGUAGE_PROJECTIONS)


def test_multimodal_model_adapts_the_language_model_only(tmp_path: Path) -> None:
    pytest.importorskip("PIL")
    from transformers import AutoModelForImageTextToText

    from models.tiny_vision import build_tiny_vision

    model = AutoModelForImageTextToText.from_pretrained(build_tiny_vision(tmp_path))
    vision_projections = [n for n, m in model.named_modules() if "vision_tower" in n and n.endswith("_proj")]
    assert vision_projections  # the vision tower has q/k/v projections of the same names
    peft_model = lora_model(model, LoraSettings(adapter="lora", lora_r=4))
    adapted = adapted_modules(peft_model)
    assert adapted and all(".language_model." in name for name in adapted)
    layers = model.config.text_config.num_hidden_layers
    assert len(adapted) == layers * len(LANGUAGE_PROJECTIONS)
    trainable = [name for name, p in peft_model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in name and "vision_tower" not in name for name in trainable)


def test_no_adapter_means_no_peft_config(tiny_model_path: Path) -> None:
    model = load_model(str(tiny_model_path), for_training=True).model
    assert peft_config(LoraSettings(), model) is None


@pytest.fixture(scope="module")
def lora_run(tiny_model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("sft-lora")
    settings = SFTSettings(
        model=f"tiny:{tiny_model_path}", adapter="lora", lora_r=4, merge=True, learning_rate=5e-2,
        max_steps=2, batch_size=2, out=out, **QUICK,
    )  # fmt: skip
    return {"out": out, **train_sft(settings)}


def test_adapter_saves_alone_and_reloads_onto_its_base(lora_run: dict, tiny_model_path: Path) -> None:
    final: Path = lora_run["final"]
    assert (final / "adapter_config.json").is_file() and (final / "adapter_model.safetensors").is_file()
    assert not (final / "model.safetensors").exists()  # the adapter alone, not a copy of the base
    record = json.loads((final / "agentclinic_training.json").read_text())
    assert record["adapter"] == "lora" and record["adapted_modules"] > 0
    loaded = load_model(str(final))
    assert adapted_modules(loaded.model)
    base = load_model(str(tiny_model_path)).model
    ids = torch.tensor([[2, 10, 20, 30, 40]])
    with torch.no_grad():
        assert not torch.allclose(loaded.model(input_ids=ids).logits, base(input_ids=ids).logits)


def test_merged_model_matches_base_plus_adapter(lora_run: dict) -> None:
    merged = lora_run["out"] / "merged"
    assert (merged / "model.safetensors").is_file() and not (merged / "adapter_config.json").exists()
    plain = load_model(str(merged)).model
    adapter = load_model(str(lora_run["final"])).model
    ids = torch.tensor([[2, 11, 22, 33, 44, 55]])
    with torch.no_grad():
        torch.testing.assert_close(plain(input_ids=ids).logits, adapter(input_ids=ids).logits, rtol=1e-4, atol=1e-4)


def test_adapter_plays_as_doctor_in_agentclinic_run(lora_run: dict, tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app, ["run", "--doctor", f"hf:{lora_run['final']}", "--limit", "2", "--max-turns", "2", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n"] == 2 and summary["errored"] == 0


def test_grpo_continues_training_the_sft_adapter(lora_run: dict, tmp_path: Path) -> None:
    from safetensors.torch import load_file

    start: Path = lora_run["final"]
    settings = GRPOSettings(
        model=str(start), max_steps=1, batch_size=2, num_generations=2, temperature=1.0, learning_rate=5e-2,
        out=tmp_path, **QUICK,
    )  # fmt: skip
    final = train_grpo(settings)["final"]
    assert (final / "adapter_config.json").is_file() and not (final / "model.safetensors").exists()
    before = load_file(str(start / "adapter_model.safetensors"))
    after = load_file(str(final / "adapter_model.safetensors"))
    assert before.keys() == after.keys()  # the same adapter, not a second one stacked on it


def test_qlora_on_cpu_is_refused_in_one_line(tiny_model_path: Path, tmp_path: Path) -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    result = CliRunner().invoke(
        app, ["train", "sft", "--model", f"tiny:{tiny_model_path}", "--adapter", "qlora", "--out", str(tmp_path / "q")]
    )
    assert result.exit_code == 2
    assert "4-bit loading needs a CUDA GPU" in result.output
    assert "Traceback" not in result.output


def test_qlora_asks_for_a_4bit_base_and_the_same_adapters(
    tiny_model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import models.training.common as common

    asked: dict = {}

    def fake_load_policy(model: str, **options: object) -> object:
        asked.update(options)
        return load_model(str(tiny_model_path), for_training=True)

    monkeypatch.setattr(common, "load_policy", fake_load_policy)
    settings = SFTSettings(model=f"tiny:{tiny_model_path}", adapter="qlora", lora_r=4)
    loaded = common.load_start_model(settings)
    assert asked["load_in_4bit"] is True  # nf4, double quantisation, bf16 compute: models.backends.loading
    qlora = peft_config(settings, loaded.model)
    lora = peft_config(LoraSettings(adapter="lora", lora_r=4), loaded.model)
    assert sorted(qlora.target_modules) == sorted(lora.target_modules)
    assert adapted_modules(lora_model(loaded.model, settings))
