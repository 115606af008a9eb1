"""The Gymnasium environment: checker, registration, spaces, info, vector use, seeding."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env
from pydantic import ValidationError

import agentclinic_sim  # noqa: F401
from agentclinic_sim.env import ConsultationEnv
from agentclinic_sim.registration import ENV_IDS
from agentclinic_sim.rewards import RewardConfig
from agentclinic_sim.spaces import REPLACEMENT, fit_to_space


@pytest.mark.parametrize("env_id", ["agentclinic/Demo-v0", "agentclinic/MedQA-v0"])
def test_check_env_passes(env_id: str, shared_data: Path) -> None:
    env = gym.make(env_id, data_dir=shared_data)
    check_env(env.unwrapped, skip_render_check=True)


def test_every_dataset_has_a_registered_id() -> None:
    assert set(ENV_IDS.values()) == {"demo", "medqa", "medqa-ext", "nejm", "nejm-ext", "mimiciv"}
    for env_id in ENV_IDS:
        assert env_id in gym.registry


def test_mimiciv_env_without_data_explains_how_to_get_it() -> None:
    with pytest.raises(Exception, match="PhysioNet"):
        gym.make("agentclinic/MIMICIV-v0")


def test_real_case_text_is_inside_the_observation_space(shared_data: Path) -> None:
    env = ConsultationEnv("medqa-ext", data_dir=shared_data)
    for case in env.cases:
        env.reset(options={"case_id": case.id})
        for request in [*case.exam, *case.tests]:
            observation, *_ = env.step(f"REQUEST TEST: {request}")
            assert env.observation_space.contains(observation), observation
            assert REPLACEMENT not in observation
            if env.state.done:
                break


def test_fit_to_space_replaces_unknown_characters() -> None:
    assert fit_to_space("fever 39 ℃ ✓") == f"fever 39 ℃ {REPLACEMENT}"


def test_reset_by_case_id_and_step_info(shared_data: Path) -> None:
    env = gym.make("agentclinic/MedQA-v0", data_dir=shared_data, rewards={"test_cost": 0.25})
    observation, info = env.reset(options={"case_id": "medqa:0"})
    assert info["case_id"] == "medqa:0"
    assert "double vision" in observation.lower()
    assert "[Turn 1 of 20]" in observation

    observation, reward, terminated, truncated, info = env.step("REQUEST TEST: EMG")
    assert observation.startswith("Measurement: RESULTS: Electromyography")
    assert reward == pytest.approx(-0.25)
    assert (terminated, truncated) == (False, False)
    assert info["tests_requested"] == ["EMG"] and info["turn"] == 1
    assert info["reward_breakdown"]["tests"] == pytest.approx(-0.25)

    observation, reward, terminated, truncated, info = env.step("**DIAGNOSIS READY:** Myasthenia gravis.")
    assert terminated and not truncated
    assert reward == pytest.approx(1.0)
    assert info["diagnosis"] == "Myasthenia gravis"
    assert info["verdict"]["correct"] is True and info["verdict"]["judge"] == "match"
    assert info["episode_reward_breakdown"]["total"] == pytest.approx(0.75)


def test_unknown_case_id_is_a_clear_error() -> None:
    env = ConsultationEnv("demo")
    with pytest.raises(KeyError, match="unknown case_id"):
        env.reset(options={"case_id": "demo:999"})


def test_truncation_at_the_turn_limit() -> None:
    env = ConsultationEnv("demo", max_turns=2, rewards=RewardConfig(no_diagnosis_penalty=0.5))
    env.reset(seed=0)
    observation, _, terminated, truncated, _ = env.step("How are you?")
    assert "final turn" in observation
    _, reward, terminated, truncated, _ = env.step("And how long has this been going on?")
    assert truncated and not terminated
    assert reward == pytest.approx(-0.5)


def test_seeded_resets_pick_the_same_cases() -> None:
    first = ConsultationEnv("demo")
    second = ConsultationEnv("demo")
    picks_a = [first.reset(seed=seed)[1]["case_id"] for seed in range(10)]
    picks_b = [second.reset(seed=seed)[1]["case_id"] for seed in range(10)]
    assert picks_a == picks_b
    assert len(set(picks_a)) > 3


def test_split_envs_do_not_share_cases(shared_data: Path) -> None:
    train = ConsultationEnv("medqa-ext", data_dir=shared_data, split="train")
    test = ConsultationEnv("medqa-ext", data_dir=shared_data, split="test")
    assert len(train.cases) + len(test.cases) == 214
    assert not {c.content_hash for c in train.cases} & {c.content_hash for c in test.cases}


def test_sync_vector_env_steps_each_copy() -> None:
    envs = gym.vector.SyncVectorEnv([lambda: gym.make("agentclinic/Demo-v0") for _ in range(3)])
    observations, infos = envs.reset(seed=[0, 1, 2])
    assert len(observations) == 3
    observations, rewards, terminated, truncated, infos = envs.step(("REQUEST TEST: Vital signs",) * 3)
    assert all(observation.startswith("Measurement: RESULTS: Vital Signs") for observation in observations)
    assert list(rewards) == [0.0, 0.0, 0.0]
    _, rewards, terminated, _, _ = envs.step(("DIAGNOSIS READY: Common cold",) * 3)
    assert all(terminated)


def test_env_keeps_mimic_cases_off_remote_apis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from agents.cast import CastSpec
    from models.backends.openai_backend import OpenAIBackend

    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    # A synthetic stand-in in the MIMIC file's place (not MIMIC data): the file name marks it credentialed.
    demo_line = (Path(__file__).parents[1] / "scenarios" / "data" / "demo.jsonl").read_text().splitlines()[0]
    (tmp_path / "agentclinic_mimiciv.jsonl").write_text(demo_line + "\n", encoding="utf-8")
    remote = CastSpec(patient=OpenAIBackend("gpt-4o", base_url="https://api.example.com/v1"))
    with pytest.raises(ValueError, match="PhysioNet"):
        gym.make("agentclinic/MIMICIV-v0", data_dir=tmp_path, cast=remote)
    with pytest.raises(ValueError, match="PhysioNet"):  # the same file loaded by path, under another dataset name
        gym.make("agentclinic/Demo-v0", dataset=str(tmp_path / "agentclinic_mimiciv.jsonl"), cast=remote)
    local = CastSpec(patient=OpenAIBackend("m", base_url="http://localhost:8000/v1"))
    assert gym.make("agentclinic/MIMICIV-v0", data_dir=tmp_path, cast=local).unwrapped.cases[0].credentialed
    with pytest.warns(UserWarning, match="remote API"):
        gym.make("agentclinic/MIMICIV-v0", data_dir=tmp_path, cast=remote, allow_remote_mimic=True)


def test_env_settings_are_the_shared_models_and_a_wrong_one_is_refused() -> None:
    env = ConsultationEnv("demo", limit=3, max_turns=4, doctor_format="agentclinic")
    assert len(env.cases) == 3
    assert env.max_turns == 4 and env.prompt.format == "agentclinic"
    with pytest.raises(ValidationError, match="prompt_format"):
        ConsultationEnv("demo", prompt_format="agentclinic")
    with pytest.raises(ValidationError, match="max_turns"):
        ConsultationEnv("demo", max_turns=0)
