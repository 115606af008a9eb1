"""TRL's config is derived from our training settings by declaration: each declared name is one of TRL's own
arguments, a subclass's new default is what reaches TRL, and nothing is left out."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from models.training.grpo import GRPOSettings
from models.training.sft import SFTSettings
from models.training.trainer_fields import declared_trainer_arguments

trl = pytest.importorskip("trl")


@pytest.mark.parametrize(("settings", "config"), [(SFTSettings(), "SFTConfig"), (GRPOSettings(), "GRPOConfig")])
def test_every_declared_argument_is_one_trl_takes(settings: SFTSettings | GRPOSettings, config: str) -> None:
    arguments = declared_trainer_arguments(settings)
    known = {field.name for field in dataclasses.fields(getattr(trl, config))}
    assert set(arguments) <= known, set(arguments) - known
    assert {"output_dir", "learning_rate", "max_steps", "save_steps", "per_device_train_batch_size"} <= set(arguments)


def test_a_subclass_default_reaches_trl_through_the_base_declaration(tmp_path: Path) -> None:
    grpo = declared_trainer_arguments(GRPOSettings(out=tmp_path, save_every=3))
    assert grpo["learning_rate"] == GRPOSettings.model_fields["learning_rate"].default == 1e-4
    assert grpo["output_dir"] == str(tmp_path) and grpo["save_steps"] == 3
    assert grpo["num_generations"] == 8 and grpo["beta"] == 0.0
    sft = declared_trainer_arguments(SFTSettings(batch_size=2))
    assert sft["per_device_train_batch_size"] == 2 and sft["max_length"] == 4096 and "beta" not in sft
