"""What LangGraph itself costs per step on this machine: a one-node ``StateGraph`` whose node only counts,
invoked for ``--steps`` steps at a time, without a checkpointer and with the run's SQLite saver
(``agentclinic_sim.checkpoints``). This is the floor under ``graph_step.py``'s figures: the consultation
graph runs one such step per call to a model, so no change inside the project's nodes can bring the
graph's share of an episode below this cost over the length of a call.

Printed: CPU time per step (process time), the median of ``--repeats`` rounds of ``--invocations``
invocations, and that cost as a share of a ``--call-ms`` call.

    python benchmarks/langgraph_floor.py [--steps 6] [--invocations 300] [--repeats 3] [--call-ms 50]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import Command

from agentclinic_sim.checkpoints import CheckpointStore, thread_config


class Counter(TypedDict, total=False):
    step: int


def counting_graph(steps: int, checkpointer: Any = None) -> Any:
    async def count(state: Counter) -> Command[str]:
        step = state.get("step", 0) + 1
        return Command(update={"step": step}, goto=END if step >= steps else "count")

    graph = StateGraph(Counter)
    graph.add_node("count", count, destinations=("count", END))
    graph.add_edge(START, "count")
    return graph.compile(checkpointer=checkpointer)


THREADS = itertools.count()
"""A new checkpoint thread for every invocation: one that already ended would run a single step."""


async def cpu_per_step(graph: Any, steps: int, invocations: int, durability: str | None) -> float:
    started = time.process_time()
    for _ in range(invocations):
        final = await graph.ainvoke({}, thread_config("floor", next(THREADS)), durability=durability)
        assert final["step"] == steps, final
    return (time.process_time() - started) / (invocations * steps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=6, help="Steps per invocation (an episode's calls).")
    parser.add_argument("--invocations", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--call-ms", type=float, default=50.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="langgraph-floor-"))
    store = CheckpointStore(folder / "checkpoints.sqlite")
    ways = {
        "no checkpointer": (counting_graph(args.steps), None),
        "SQLite checkpoints": (counting_graph(args.steps, store.saver), "sync"),
    }
    print(f"one-node StateGraph, {args.steps} steps an invocation, {args.invocations} invocations a round")
    for name, (graph, durability) in ways.items():
        asyncio.run(cpu_per_step(graph, args.steps, 20, durability))  # warm up
        rounds = [
            asyncio.run(cpu_per_step(graph, args.steps, args.invocations, durability)) for _ in range(args.repeats)
        ]
        cost = statistics.median(rounds)
        share = cost * 1e3 / args.call_ms
        print(f"   {name:20s} {cost * 1e3:6.3f} ms CPU/step   {share:.2%} of a {args.call_ms:g} ms call")
    store.close(remove_if_empty=False)
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
