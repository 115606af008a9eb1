"""Gymnasium ids for every dataset: ``gymnasium.make("agentclinic/MedQA-v0", data_dir=…, max_turns=…)``.

``import agentclinic_sim`` registers them without importing Gymnasium itself (with NumPy, about a tenth of a
second that no CLI command needs): when Gymnasium is already imported the ids are registered at once, and
otherwise the moment it is imported, by a one-shot import hook that runs ``register_envs`` right after
Gymnasium's own ``__init__``. Either way, ``gymnasium.make`` finds them.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType

ENV_IDS: dict[str, str] = {
    "agentclinic/Demo-v0": "demo",
    "agentclinic/MedQA-v0": "medqa",
    "agentclinic/MedQA-Ext-v0": "medqa-ext",
    "agentclinic/NEJM-v0": "nejm",
    "agentclinic/NEJM-Ext-v0": "nejm-ext",
    "agentclinic/MIMICIV-v0": "mimiciv",
}
GYMNASIUM = "gymnasium"


def register_envs() -> None:
    import gymnasium as gym

    for env_id, dataset in ENV_IDS.items():
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point="agentclinic_sim.env:ConsultationEnv", kwargs={"dataset": dataset})


class RegisterOnGymnasiumImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: when Gymnasium is first imported, it takes itself off ``sys.meta_path`` and has
    the real loader's ``exec_module`` call ``register_envs`` once Gymnasium's package has run."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != GYMNASIUM:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(GYMNASIUM)
        if spec is None or spec.loader is None:
            return spec
        run_package = spec.loader.exec_module

        def run_then_register(module: ModuleType) -> None:
            run_package(module)
            register_envs()

        spec.loader.exec_module = run_then_register  # type: ignore[method-assign]
        return spec


def register_when_gymnasium_loads() -> None:
    """Register the ids now if Gymnasium is imported, else as soon as it is."""
    if GYMNASIUM in sys.modules:
        register_envs()
    elif not any(isinstance(finder, RegisterOnGymnasiumImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, RegisterOnGymnasiumImport())
