"""Steps per second of ``env.step`` with the deterministic roles and the oracle doctor, on one core.

The oracle's utterances are computed before timing, so the figure is the environment's own cost
(parse, route, retrieval patient / lookup measurement / matcher, reward, info). Goal: >= 10,000 steps/s.

    python benchmarks/env_step.py [--dataset medqa-ext --data-dir ../shared/data/agentclinic] [--episodes 2000]
"""

from __future__ import annotations

import argparse
import os
import time

import gymnasium as gym

import agentclinic_sim  # noqa: F401  (registers the env ids)
from agentclinic_sim.registration import ENV_IDS
from agents.doctor import DoctorView, OracleDoctor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="demo", choices=sorted(ENV_IDS.values()))
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--episodes", type=int, default=2000)
    parser.add_argument("--max-turns", type=int, default=20)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    env_id = next(env_id for env_id, name in ENV_IDS.items() if name == args.dataset)
    env = gym.make(env_id, data_dir=args.data_dir, max_turns=args.max_turns)
    cases = env.unwrapped.cases
    scripts = {}
    for case in cases:
        oracle = OracleDoctor(case, args.max_turns)
        view = DoctorView(objective=case.objective, max_turns=args.max_turns)
        scripts[case.id] = [oracle.act(view.model_copy(update={"turn": turn})).text for turn in range(args.max_turns)]

    # Warm up: build every case's roles once (done once per case in real use too).
    for case in cases:
        env.reset(options={"case_id": case.id})

    steps = 0
    correct = 0
    elapsed = 0.0
    for episode in range(args.episodes):
        case = cases[episode % len(cases)]
        env.reset(options={"case_id": case.id})
        script = scripts[case.id]
        start = time.perf_counter()
        for utterance in script:
            _, reward, terminated, truncated, _ = env.step(utterance)
            steps += 1
            if terminated or truncated:
                break
        elapsed += time.perf_counter() - start
        correct += reward > 0
    print(f"dataset={args.dataset} cases={len(cases)} episodes={args.episodes} steps={steps}")
    print(
        f"env.step: {steps / elapsed:,.0f} steps/s  ({elapsed / steps * 1e6:.1f} µs/step), oracle accuracy "
        f"{correct / args.episodes:.3f}"
    )


if __name__ == "__main__":
    main()
