"""SFT and GRPO on the tiny model (CPU): short runs finish and change the weights, ``rollout_func`` keeps TRL's
row order, the GRPO loss ignores environment tokens, and a trained checkpoint plays in ``agentclinic run``."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("trl")
pytest.importorskip("datasets")

import torch  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from agentclinic_sim.cli import app  # noqa: E402
from models.backends.hf import HFBackend  # noqa: E402
from models.training.grpo import EnvironmentRollouts, GRPOSettings, train_grpo  # noqa: E402
from models.training.rollouts import RolloutConfig  # noqa: E402
from models.training.sft import SFTSettings, train_sft  # noqa: E402
from models.training.trainer_setup import trainer_arguments  # noqa: E402
from scenarios import load_cases  # noqa: E402

QUICK = {"limit": 2, "max_turns": 2, "max_tokens": 8, "eval_every": 1, "save_every": 1, "eval_split": "none"}


def weights(folder: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(folder / "model.safetensors"))


def changed(before: dict[str, torch.Tensor], after: dict[str, torch.Tensor]) -> int:
    return sum(not torch.equal(before[name], after[name]) for name in before if name in after)


@pytest.fixture(scope="module")
def sft_run(tiny_model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("sft")
    result = train_sft(SFTSettings(model=f"tiny:{tiny_model_path}", max_steps=2, batch_size=2, out=out, **QUICK))
    return {"out": out, **result}


def test_two_sft_steps_finish_and_change_the_weights(sft_run: dict, tiny_model_path: Path) -> None:
    final = sft_run["final"]
    assert changed(weights(tiny_model_path), weights(final)) > 0
    record = json.loads((final / "agentclinic_training.json").read_text())
    assert record["trainer"] == "sft" and record["steps"] == 2 and "oracle demonstrations" in record["data"]
    curve = (sft_run["out"] / "curve.csv").read_text().splitlines()
    assert curve[0].startswith("step,split,reward") and len(curve) >= 3  # start, each step, end
    assert (sft_run["out"] / "steps.csv").read_text().count("\n") == 3  # header and two steps
    assert (sft_run["out"] / "checkpoint-2").is_dir()


def test_two_grpo_steps_finish_and_change_the_weights(
    sft_run: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import models.training.grpo as grpo

    def varied_reward(completions: list, completion_ids: list[list[int]], **_: object) -> list[float]:
        return [float(sum(ids) % 7) for ids in completion_ids]  # varies within a group, unlike accuracy (0) here

    varied_reward.__name__ = "env_reward"
    monkeypatch.setattr(grpo, "env_reward", varied_reward)
    start = sft_run["final"]
    settings = GRPOSettings(
        model=str(start),
        max_steps=2,
        batch_size=4,
        num_generations=2,
        temperature=1.0,
        learning_rate=1e-2,
        out=tmp_path,
        **QUICK,
    )
    result = train_grpo(settings)
    assert changed(weights(start), weights(result["final"])) > 0
    logged = (tmp_path / "steps.csv").read_text().splitlines()
    header = logged[0].split(",")
    for column in ("rewards/env_reward/mean", "rewards/accuracy/mean", "rewards/turns/mean", "rewards/malformed/mean"):
        assert column in header
    assert len(logged) == 3
    assert result["timings"].generate_calls >= 1


def assert_project_card(folder: Path, kind: str, base: str) -> str:
    """``folder/README.md`` is this project's model card for a ``kind`` training from ``base``: not TRL's stock
    card ("a fine-tuned version of [None]") nor peft's adapter template. Returns the card."""
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert f"# AgentClinic doctor ({kind.upper()})" in card, card
    assert f"- Base model: {base}\n" in card and f"- Trainer: {kind}\n" in card
    assert "- Dataset: demo, split train" in card and "research artefact" in card and "medical advice" in card
    for stock in ("fine-tuned version of", "Model Card for", "More Information Needed"):  # TRL's card, peft's card
        assert stock not in card
    return card


def test_sft_folders_carry_the_project_model_card(sft_run: dict, tiny_model_path: Path) -> None:
    checkpoints = sorted(sft_run["out"].glob("checkpoint-*"))
    assert checkpoints
    for folder in (sft_run["out"], *checkpoints):
        assert_project_card(folder, "sft", f"tiny:{tiny_model_path}")
    card = assert_project_card(sft_run["final"], "sft", f"tiny:{tiny_model_path}")
    assert "- Steps: 2 of 2\n" in card and "oracle demonstrations on demo" in card and "learning_rate=" in card


@pytest.mark.parametrize("cpu", [True, False])
def test_trainer_arguments_give_transformers_no_deprecated_checkpointing_name(cpu: bool, tmp_path: Path) -> None:
    from trl import GRPOConfig, SFTConfig

    for settings, config_class in ((SFTSettings(out=tmp_path), SFTConfig), (GRPOSettings(out=tmp_path), GRPOConfig)):
        arguments = {**trainer_arguments(settings, cpu=cpu), "use_cpu": True, "bf16": False}  # no GPU
        with warnings.catch_warnings():
            warnings.simplefilter("error", FutureWarning)
            config = config_class(**arguments)
        assert config.activation_checkpointing is (not cpu)


def test_a_grpo_lora_step_and_serving_its_adapter_warn_nothing_and_carry_the_project_card(
    tiny_model_path: Path, tmp_path: Path
) -> None:
    base = f"tiny:{tiny_model_path}"
    settings = GRPOSettings(
        model=base, adapter="lora", max_steps=1, batch_size=4, num_generations=2, out=tmp_path / "grpo", **QUICK
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)  # none from transformers, TRL or peft about checkpointing
        result = train_grpo(settings)
        HFBackend(str(result["final"]))  # the adapter folder served as a doctor: peft wraps its base
    assert (result["final"] / "adapter_config.json").is_file()
    for folder in (settings.out, settings.out / "checkpoint-1"):
        assert_project_card(folder, "grpo", base)
    card = assert_project_card(result["final"], "grpo", base)
    assert "library_name: peft" in card and "adapter=lora" in card and "- Steps: 1 of 1\n" in card


def test_sft_resumes_from_its_last_checkpoint(sft_run: dict, tiny_model_path: Path, tmp_path: Path) -> None:
    import shutil

    out = tmp_path / "sft"
    shutil.copytree(sft_run["out"], out)
    settings = SFTSettings(model=f"tiny:{tiny_model_path}", max_steps=3, batch_size=2, out=out, resume=True, **QUICK)
    result = train_sft(settings)
    record = json.loads((result["final"] / "agentclinic_training.json").read_text())
    assert record["steps"] == 3
    steps = [line.split(",")[0] for line in (out / "steps.csv").read_text().splitlines()[1:]]
    assert steps == ["1", "2", "3"]  # the first two steps kept, the third added: nothing trained twice


def test_grpo_batch_must_hold_whole_groups(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="multiple of --num-generations"):
        train_grpo(GRPOSettings(model="tiny-random", batch_size=6, num_generations=4, out=tmp_path))


def test_rollout_func_returns_one_rollout_per_row_in_order(tiny_model_path: Path) -> None:
    cases = load_cases("demo")[:2]
    policy = HFBackend(str(tiny_model_path))
    rollouts = EnvironmentRollouts(cases, RolloutConfig(max_turns=2, max_tokens=4))
    trainer = SimpleNamespace(
        model=policy.model,
        processing_class=policy.tokenizer,
        accelerator=SimpleNamespace(unwrap_model=lambda model: model),
        state=SimpleNamespace(global_step=0),
    )
    rows = [cases[1].id, cases[0].id, cases[0].id, cases[1].id]
    output = rollouts(rows, trainer)
    assert {"prompt_ids", "completion_ids", "logprobs", "env_mask", "env_reward"} <= output.keys()
    assert all(len(column) == 4 for column in output.values())
    by_id = {case.id: case for case in cases}
    for row, prompt_ids in zip(rows, output["prompt_ids"], strict=True):
        assert by_id[row].objective in policy.tokenizer.decode(prompt_ids)
    for ids, mask, logprobs in zip(output["completion_ids"], output["env_mask"], output["logprobs"], strict=True):
        assert len(ids) == len(mask) == len(logprobs) and 0 < sum(mask) < len(mask)


def test_grpo_loss_ignores_environment_tokens(tiny_model_path: Path, tmp_path: Path) -> None:
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    policy = HFBackend(str(tiny_model_path))
    args = GRPOConfig(
        output_dir=str(tmp_path),
        use_cpu=True,
        bf16=False,
        per_device_train_batch_size=2,
        num_generations=2,
        report_to="none",
        beta=0.0,
        activation_checkpointing=False,  # TRL's default turns on the deprecated `gradient_checkpointing`
    )
    trainer = GRPOTrainer(
        model=policy.model,
        reward_funcs=[lambda completions, **_: [0.0] * len(completions)],
        args=args,
        train_dataset=Dataset.from_list([{"prompt": "x"}] * 2),
        processing_class=policy.tokenizer,
        rollout_func=lambda prompts, trainer: {},
    )
    prompt = torch.tensor([[2, 10, 11, 12]])
    model_tokens, env_tokens = [20, 21, 22], [30, 31]
    completion = torch.tensor([model_tokens + env_tokens + [23, 5] + [40, 41]])
    env_mask = torch.tensor([[1, 1, 1, 0, 0, 1, 1, 0, 0]])
    old = torch.full(completion.shape, -3.0)

    def loss(completion_ids: torch.Tensor, old_logps: torch.Tensor) -> float:
        inputs = {
            "prompt_ids": prompt,
            "prompt_mask": torch.ones_like(prompt),
            "completion_ids": completion_ids,
            "completion_mask": torch.ones_like(completion_ids),
            "tool_mask": env_mask,
            "advantages": torch.tensor([1.0]),
            "old_per_token_logps": old_logps,
            "num_items_in_batch": env_mask.sum(),
        }
        with torch.no_grad():
            return float(trainer._compute_loss(trainer.model, inputs))

    baseline = loss(completion, old)
    trailing_edit = completion.clone()
    trailing_edit[0, -2:] = torch.tensor([50, 51])  # environment tokens after the doctor's last token
    env_logps_edit = old.clone()
    env_logps_edit[0, [3, 4, 7, 8]] = -0.1  # recorded logprobs of environment tokens
    assert loss(trailing_edit, old) == pytest.approx(baseline, abs=1e-6)
    assert loss(completion, env_logps_edit) == pytest.approx(baseline, abs=1e-6)
    model_logps_edit = old.clone()
    model_logps_edit[0, 1] = -0.1
    assert loss(completion, model_logps_edit) != pytest.approx(baseline, abs=1e-6)  # the doctor's tokens count


def test_a_trained_checkpoint_plays_as_the_doctor_in_run(sft_run: dict, tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        [
            "run",
            "--doctor",
            f"hf:{sft_run['final']}",
            "--limit",
            "2",
            "--max-turns",
            "2",
            "--max-tokens",
            "8",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in (out / "transcripts.jsonl").read_text().splitlines()]
    assert len(records) == 2 and all(r["backends"]["doctor"] == f"hf:{sft_run['final']}" for r in records)
    assert all(r["error"] is None and r["turns_used"] >= 1 for r in records)
    assert records[0]["doctor_prompt"] == {"format": "chat", "bias": None}
