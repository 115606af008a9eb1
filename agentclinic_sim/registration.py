"""Gymnasium ids for every dataset: ``gymnasium.make("agentclinic/MedQA-v0", data_dir=…, max_turns=…)``."""

from __future__ import annotations

import gymnasium as gym

ENV_IDS: dict[str, str] = {
    "agentclinic/Demo-v0": "demo",
    "agentclinic/MedQA-v0": "medqa",
    "agentclinic/MedQA-Ext-v0": "medqa-ext",
    "agentclinic/NEJM-v0": "nejm",
    "agentclinic/NEJM-Ext-v0": "nejm-ext",
    "agentclinic/MIMICIV-v0": "mimiciv",
}


def register_envs() -> None:
    for env_id, dataset in ENV_IDS.items():
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point="agentclinic_sim.env:ConsultationEnv", kwargs={"dataset": dataset})
