"""Multi-turn GRPO of the doctor on environment rewards (TRL ``GRPOTrainer`` with a ``rollout_func``).

Each dataset row is a case id. TRL hands ``rollout_func`` the rows already repeated ``num_generations`` times;
it plays one consultation per row with the live policy (``RolloutPlayer``: the doctor turns of every episode
batched into one ``generate`` per turn) and returns, in TRL's order, ``prompt_ids``, ``completion_ids``
(the doctor's generated ids and the environment's ids, concatenated), ``logprobs`` (sampling logprobs, 0.0
on environment tokens), ``env_mask`` (1 = the doctor's token: only these enter the loss) and the episode's
statistics, which reach the reward functions: ``env_reward`` is the reward; accuracy, turns, tests and
malformed are logged by zero-weight reward functions so that TRL reports them every step.

TRL computes the policy's logprobs with ``logits / temperature``, so the rollout temperature is TRL's
``temperature``. ``environment_factory`` is not used: it needs a tool-calling chat template, which Gemma 3's
lacks.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from agentclinic_sim.role_clients import close_cast
from agents.cast import CastSpec
from models.training.common import TrainSettings, adapter_config, load_start_model
from models.training.data import NoTrainingData, TrainingSetupError
from models.training.final_model import save_final
from models.training.hf_policy import HFPolicy
from models.training.lockstep import rank_lockstep
from models.training.model_card import with_model_card
from models.training.rollout_policy import RolloutPolicy
from models.training.rollouts import ROLLOUT_TEMPERATURE, RolloutConfig, RolloutPlayer, RolloutTimings, Trajectory
from models.training.trainer_fields import trl
from models.training.trainer_setup import (
    end_processes,
    on_cpu,
    quiet_libraries,
    trainer_arguments,
    without_printed_logs,
)
from models.training.training_folder import check_before_loading, last_checkpoint, no_empty_folder_left
from models.training.vllm_policy import VLLMPolicy
from scenarios import Case

LOGGED_STATS = ("correct", "turns", "tests", "malformed", "generated_tokens")


class GRPOSettings(TrainSettings):
    """``agentclinic train grpo``."""

    num_generations: int = Field(
        8, ge=2, description="Episodes per case in a group (GRPO's G).", json_schema_extra=trl("num_generations")
    )
    batch_size: int = Field(
        32,
        ge=2,
        description="Episodes per optimiser step (a multiple of --num-generations).",
        json_schema_extra=trl("per_device_train_batch_size"),
    )
    temperature: float = Field(
        ROLLOUT_TEMPERATURE,
        gt=0.0,
        description="Doctor sampling temperature in rollouts (and in TRL's loss).",
        json_schema_extra=trl("temperature"),
    )
    top_p: float = Field(
        1.0, gt=0.0, le=1.0, description="Nucleus sampling mass in rollouts.", json_schema_extra=trl("top_p")
    )
    beta: float = Field(
        0.0,
        ge=0.0,
        description="KL penalty to the starting model (0: no reference model kept).",
        json_schema_extra=trl("beta"),
    )
    learning_rate: float = Field(1e-4, gt=0.0, description="Peak learning rate (constant after a short warm-up).")
    max_steps: int = Field(30, ge=1, description="Optimiser steps.")
    eval_every: int = Field(5, ge=1, description="Score greedy episodes every N steps (and at start and end).")
    save_every: int = Field(10, ge=1, description="Write a resumable checkpoint every N steps.")
    vllm: Literal["off", "colocate", "server"] = Field(
        "off",
        description="Generate rollouts with vLLM (CUDA, pip install -e '.[vllm]'): colocate (an engine in each "
        "training process) or server (a `trl vllm-serve` server; see --vllm-server-url).",
    )
    vllm_server_url: str | None = Field(
        None, description="With --vllm server: the server's base URL (default http://localhost:8000)."
    )
    vllm_gpu_memory_utilization: float = Field(
        0.3, gt=0.0, le=1.0, description="With --vllm colocate: the share of GPU memory vLLM may take."
    )
    model: str = Field("runs/sft/final", description="Start from: an SFT checkpoint folder, tiny, hf:<id>, a preset.")
    out: Path = Field(Path("runs/grpo"), description="Run folder: checkpoints, final model, curve.csv/png, steps.csv.")

    def check_model(self) -> None:
        """As every training does, but the default start model, when it is not there yet, is explained."""
        default_start = GRPOSettings.model_fields["model"].default
        if self.model == default_start and not Path(default_start).exists():
            raise NoTrainingData(
                f"{default_start} not found: GRPO starts from a model that sometimes succeeds; train one with "
                "`agentclinic train sft` first, or pass --model"
            )
        super().check_model()


def trajectory_columns(trajectories: list[Trajectory]) -> dict[str, list[Any]]:
    """The ``rollout_func`` result TRL expects, one entry per trajectory, in order."""
    columns: dict[str, list[Any]] = {
        "prompt_ids": [t.prompt_ids for t in trajectories],
        "completion_ids": [t.completion_ids for t in trajectories],
        "logprobs": [t.completion_logprobs for t in trajectories],
        "env_mask": [t.env_mask for t in trajectories],
        "env_reward": [t.reward for t in trajectories],
    }
    stats = [t.stats() for t in trajectories]
    for name in LOGGED_STATS:
        columns[name] = [row[name] for row in stats]
    return columns


class EnvironmentRollouts:
    """The ``rollout_func``: plays the rows' cases with the trainer's live model."""

    def __init__(self, cases: list[Case], config: RolloutConfig, cast: CastSpec | None = None, seed: int = 0):
        self.cases = {case.id: case for case in cases}
        self.config = config
        self.cast = cast
        self.seed = seed
        """The run's seed: with the step, it seeds each step's sampling (another --seed samples other rollouts)."""
        self.timings = RolloutTimings()
        self.calls = 0

    def __call__(self, prompts: list[Any], trainer: Any) -> dict[str, list[Any]]:
        model = trainer.accelerator.unwrap_model(trainer.model)
        if getattr(trainer, "use_vllm", False):  # TRL has synced the weights into its vLLM engine already
            lockstep = rank_lockstep(getattr(model, "device", None))
            policy: RolloutPolicy = VLLMPolicy.wrap(model, trainer.processing_class, trainer.vllm_generation, lockstep)
        else:
            policy = HFPolicy.from_loaded(model, trainer.processing_class)
        player = RolloutPlayer(policy, self.config, self.cast)
        unknown = [prompt for prompt in prompts if prompt not in self.cases]
        if unknown:
            raise KeyError(f"rollout rows name unknown case ids: {unknown[:3]}")
        seed = self.seed * 1_000_033 + trainer.state.global_step
        trajectories = player.play([self.cases[prompt] for prompt in prompts], seed=seed)
        self.timings = player.timings
        self.calls += 1
        return trajectory_columns(trajectories)


def env_reward(completions: list[Any], env_reward: list[float], **_: Any) -> list[float]:
    """The environment's reward for each episode."""
    return list(env_reward)


def _logged(name: str) -> Callable[..., list[float]]:
    def statistic(completions: list[Any], **columns: Any) -> list[float]:
        return [float(value) for value in columns[name]]

    statistic.__name__ = "accuracy" if name == "correct" else name
    return statistic


def vllm_arguments(settings: GRPOSettings, tokenizer: Any) -> dict[str, Any]:
    """The ``GRPOConfig`` fields for ``--vllm``: the mode, where the server is, and the doctor's stop tokens."""
    if settings.vllm == "off":
        return {}
    if importlib.util.find_spec("vllm") is None:
        raise TrainingSetupError(f"--vllm {settings.vllm} needs vLLM on a CUDA machine: pip install -e '.[vllm]'")
    stops = [tokenizer.convert_tokens_to_ids(token) for token in ("<end_of_turn>",) if token in tokenizer.get_vocab()]
    stops += [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    arguments: dict[str, Any] = {
        "use_vllm": True,
        "vllm_mode": settings.vllm,
        "generation_kwargs": {"stop_token_ids": stops},
    }
    if settings.vllm == "server" and settings.vllm_server_url:
        arguments["vllm_server_base_url"] = settings.vllm_server_url
    if settings.vllm == "colocate":
        arguments["vllm_gpu_memory_utilization"] = settings.vllm_gpu_memory_utilization
    return arguments


def train_grpo(settings: GRPOSettings, report: Callable[[int, str | None], None] | None = None) -> dict[str, Any]:
    """Run GRPO; returns the final model's folder and its last evaluation scores. A run that fails before writing
    anything leaves no ``--out`` folder behind."""
    with no_empty_folder_left(settings.out):
        return _train_grpo(settings, report)


def _train_grpo(settings: GRPOSettings, report: Callable[[int, str | None], None] | None) -> dict[str, Any]:
    if settings.batch_size % settings.num_generations:
        raise TrainingSetupError(
            f"--batch-size {settings.batch_size} must be a multiple of --num-generations {settings.num_generations}"
        )
    check_before_loading(settings)  # before TRL is imported: bad input fails in a second
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    from models.training.evaluation_callback import EvaluationCallback  # transformers is loaded by now

    quiet_libraries()
    train_cases = settings.cases(settings.split)
    if not train_cases:
        raise NoTrainingData(f"no cases in {settings.dataset} (split={settings.split})")
    processes = int(os.environ.get("WORLD_SIZE", "1"))
    cases_per_step = settings.batch_size * processes // settings.num_generations
    if cases_per_step > len(train_cases):
        raise TrainingSetupError(
            f"each step needs {cases_per_step} distinct cases (--batch-size {settings.batch_size} x {processes} "
            f"process(es) / --num-generations {settings.num_generations}) but the split has {len(train_cases)}: "
            "lower --batch-size or raise --num-generations"
        )
    loaded = load_start_model(settings)
    rollout_config = settings.rollout_config(temperature=settings.temperature, top_p=settings.top_p)
    splits = settings.evaluation_splits(train_cases)
    cast = settings.roles([case for cases in splits.values() for case in cases])
    rollouts = EnvironmentRollouts(train_cases, rollout_config, cast, seed=settings.seed)
    dataset = Dataset.from_list([{"prompt": case.id} for case in train_cases])
    settings.out.mkdir(parents=True, exist_ok=True)
    reward_functions = [env_reward, *(_logged(name) for name in LOGGED_STATS)]
    arguments = GRPOConfig(
        **trainer_arguments(settings, cpu=on_cpu(), warmup=False),
        max_completion_length=settings.max_turns * (settings.max_tokens + 1),
        reward_weights=[1.0] + [0.0] * len(LOGGED_STATS),
        log_completions=False,
        **vllm_arguments(settings, loaded.tokenizer),
    )
    callback = EvaluationCallback(settings, loaded.tokenizer, splits, report, cast, kind="grpo")
    data = f"rollouts on {settings.dataset}"
    trainer = without_printed_logs(
        with_model_card(GRPOTrainer, settings, "grpo", data)(
            model=loaded.model,
            reward_funcs=reward_functions,
            args=arguments,
            train_dataset=dataset,
            processing_class=loaded.tokenizer,
            peft_config=adapter_config(settings, loaded.model),
            rollout_func=rollouts,
            callbacks=[callback],
        )
    )
    try:
        trainer.train(resume_from_checkpoint=last_checkpoint(settings.out) if settings.resume else None)
    finally:
        close_cast(cast)
    final = save_final(trainer, loaded.tokenizer, settings, "grpo", {"data": data})
    end_processes(trainer)
    return {"final": final, "scores": callback.last_scores, "timings": rollouts.timings}
