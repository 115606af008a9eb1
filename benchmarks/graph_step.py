"""What running a consultation as the LangGraph graph costs per step, next to the bare transition core, and
what share of an episode that is when the doctor sits behind a 50 ms server.

1. Per-step cost, no server. The oracle doctor and the deterministic roles (retrieval patient, lookup
   measurement, matcher) play ``--episodes`` episodes three ways: the core's ``astep`` loop; the compiled
   graph without a checkpointer; the graph with the run's SQLite checkpointer (``OUT/checkpoints.sqlite``:
   a checkpoint after every node, written before the next node starts, each episode's thread deleted
   when it ends). Printed: CPU time per doctor turn (process time, so a busy machine does not inflate it)
   and wall time per turn, each the median of ``--repeats`` rounds.
2. Share on a 50 ms server. The same three ways with the doctor on ``openai:m@<stub>`` (the stub
   in a child process, as a real server would be, answering after ``--delay-ms``; the stub's doctor asks,
   requests a test, then diagnoses), one episode at a time, after one that warms the HTTP client up; first
   with the deterministic roles, then with every role on the server too (the MedGemma report's setup:
   two calls per turn). Printed: the median episode's wall and CPU time each way, and the graph's share
   of the episode: by CPU, (graph - core) CPU / graph wall; by wall, (graph - core) wall / graph wall. On
   a machine other processes keep busy the wall figure also holds the time the extra CPU work waits for
   a core. Goal: < 2%. Then where each way's time outside the calls goes (the median episode's): before
   its first call, between one call's answer and the next call, and after the last answer; the graph's
   extra wall time is in those gaps, since a call takes as long whoever makes it, so the graph's extra
   time outside the calls, over the episode, is a steadier measure of its share than the difference of
   two episodes' wall times.

3. A run. The doctor on the server, ``--run-episodes`` episodes with ``--concurrency`` in flight as
   ``agentclinic run`` plays them (default 16): the run's wall time each way, and how much longer it takes
   than with the bare core, as the median over ``--run-repeats`` rounds in which the ways take turns
   (one run varies by about 5% from the next on a shared machine). Goal: < 2%.

Like the runner, the benchmark first freezes what setup made (``agentclinic_sim/heap.py``: the judge's
vocabulary alone is a few hundred thousand objects that every pass of the cycle collector would walk);
``--no-freeze`` measures without that. One at a time is the worst case: between calls the process sleeps,
and on a virtual machine each wake-up costs CPU that a busy process does not pay. A run with episodes in
flight does the graph's work while it waits on the server.

    python benchmarks/graph_step.py [--episodes 200] [--repeats 3] [--server-episodes 40] [--delay-ms 50]
                                    [--run-episodes 160] [--concurrency 16] [--run-repeats 7]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any, NamedTuple

from runner_concurrency import StubProcess, load_stub  # noqa: E402

from agentclinic_sim.checkpoints import CheckpointStore, thread_config
from agentclinic_sim.consultation import astep, start
from agentclinic_sim.graph import EpisodeContext, build_graph, consultation_of, initial_state
from agentclinic_sim.heap import frozen_setup
from agentclinic_sim.rewards import RewardConfig
from agents.cast import Cast, CastSpec
from agents.doctor import BackendDoctor, Doctor, OracleDoctor
from agents.judge.vocabulary_index import default_vocabulary
from models.backends.base import Completion, GenerationConfig, Message
from models.backends.openai_backend import OpenAIBackend
from scenarios import Case, load_cases

Play = Callable[[Case, Cast, Doctor, int], Awaitable[int]]
"""Play one episode; returns its doctor turns."""


def core_player() -> Play:
    async def play(case: Case, cast: Cast, doctor: Doctor, number: int) -> int:
        state = start(case)
        while not state.done:
            reply = await doctor.aact(state.doctor_view())
            await astep(state, cast, reply.text, RewardConfig(), reply)
        return state.turn

    return play


def graph_player(store: CheckpointStore | None) -> Play:
    graph = build_graph(checkpointer=store.saver if store else None)

    async def play(case: Case, cast: Cast, doctor: Doctor, number: int) -> int:
        config = thread_config(case.id, number)
        durability = "sync" if store else None
        values = await graph.ainvoke(
            initial_state(case), config, context=EpisodeContext(cast, doctor), durability=durability
        )
        if store is not None:
            await store.prune(case.id, number)
        return consultation_of(values).turn

    return play


async def timed(
    play: Play, cases: list[Case], casts: dict[str, Cast], doctor_for: Callable[[Case], Doctor], numbers: range
) -> tuple[float, float, int]:
    """CPU seconds, wall seconds and doctor turns of the episodes ``numbers``, one after the other."""
    turns = 0
    cpu, wall = time.process_time(), time.perf_counter()
    for number in numbers:
        case = cases[number % len(cases)]
        turns += await play(case, casts[case.id], doctor_for(case), number)
    return time.process_time() - cpu, time.perf_counter() - wall, turns


class TimedBackend(OpenAIBackend):
    """The server's backend, noting when each call starts and when its answer is back."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.calls: list[tuple[float, float]] = []

    async def chat(self, messages: Sequence[Message], config: GenerationConfig) -> Completion:
        started = time.perf_counter()
        completion = await super().chat(messages, config)
        self.calls.append((started, time.perf_counter()))
        return completion


class Gaps(NamedTuple):
    """An episode's wall time outside its calls, in seconds."""

    before_first: float
    between: float
    """Mean over the episode's calls after its first."""
    after_last: float
    total: float
    """All of the episode's time outside its calls."""


def gaps(started: float, ended: float, calls: list[tuple[float, float]]) -> Gaps:
    between = [start - answered for (_, answered), (start, _) in itertools.pairwise(calls)]
    total = (ended - started) - sum(answered - start for start, answered in calls)
    return Gaps(calls[0][0] - started, statistics.fmean(between) if between else 0.0, ended - calls[-1][1], total)


CORE = "core (astep loop)"


def ways(folder: Path) -> dict[str, Callable[[], Play]]:
    return {
        CORE: core_player,
        "graph, no checkpointer": lambda: graph_player(None),
        "graph + SQLite checkpoints": lambda: graph_player(CheckpointStore(folder / f"{time.monotonic_ns()}.sqlite")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--server-episodes", type=int, default=40)
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--run-episodes", type=int, default=160)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--run-repeats", type=int, default=7)
    parser.add_argument(
        "--no-freeze", action="store_true", help="Leave the setup to the cycle collector (the runner freezes it)."
    )
    parser.add_argument("--dataset", default="demo")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    # the server runs in its own process (started before this one is pinned to one core), as a real one would
    with StubProcess(*load_stub(), delay_s=args.delay_ms / 1000) as server:
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        measure(args, server.base_url)


def measure(args: argparse.Namespace, base_url: str) -> None:
    cases = load_cases(args.dataset, args.data_dir)
    spec = CastSpec()
    casts = {case.id: spec.for_case(case) for case in cases}
    folder = Path(tempfile.mkdtemp(prefix="graph-step-"))
    default_vocabulary()
    with nullcontext() if args.no_freeze else frozen_setup():  # as the runner plays its episodes
        measure_each_way(args, base_url, cases, casts, folder)


def measure_each_way(
    args: argparse.Namespace, base_url: str, cases: list[Case], casts: dict[str, Cast], folder: Path
) -> None:

    print(f"1. per doctor turn, oracle doctor + deterministic roles ({args.dataset}, {args.episodes} episodes)")
    for name, make in ways(folder).items():
        episodes = range(args.episodes)
        rounds = [asyncio.run(timed(make(), cases, casts, OracleDoctor, episodes)) for _ in range(args.repeats)]
        cpu = statistics.median(c / t for c, _, t in rounds)
        wall = statistics.median(w / t for _, w, t in rounds)
        print(f"   {name:28s} {cpu * 1e3:7.3f} ms CPU/turn   {wall * 1e3:7.3f} ms wall/turn")

    os.environ.setdefault("OPENAI_API_KEY", "sk-benchmark")
    for roles in ("doctor", "every role"):
        print(f"2. {roles} on a {args.delay_ms:g} ms server, {args.server_episodes} episodes one at a time")
        per_episode: dict[str, tuple[float, float]] = {}
        outside_calls: dict[str, Gaps] = {}
        for name, make in ways(folder).items():
            episodes = asyncio.run(on_server(make(), cases, base_url, roles == "every role", args.server_episodes))
            cpu = statistics.median(c for c, _, _, _ in episodes)
            wall = statistics.median(w for _, w, _, _ in episodes)
            turns = statistics.median(t for _, _, t, _ in episodes)
            per_episode[name] = (cpu, wall)
            outside_calls[name] = Gaps(*(statistics.median(g[i] for *_, g in episodes) for i in range(4)))
            print(f"   {name:28s} {wall * 1e3:7.1f} ms wall/episode ({turns:g} turns)  {cpu * 1e3:6.2f} ms CPU/episode")
        core_cpu, core_wall = per_episode[CORE]
        for name, (cpu, wall) in list(per_episode.items())[1:]:
            print(
                f"   share of an episode, {name:28s} {(cpu - core_cpu) / wall:.2%} by CPU, "
                f"{(wall - core_wall) / wall:+.2%} by wall  (goal < 2%)"
            )
        print("   outside the calls: before the first call / between an answer and the next call / after the last")
        for name, outside in outside_calls.items():
            before, between, after = (f"{gap * 1e3:5.2f} ms" for gap in outside[:3])
            extra = outside.total - outside_calls[CORE].total
            share = "" if name == CORE else f"   {extra * 1e3:+.2f} ms an episode, {extra / per_episode[name][1]:.2%}"
            print(f"   {name:28s} {before} / {between} / {after}{share}")

    print(
        f"3. a run: doctor on a {args.delay_ms:g} ms server, {args.run_episodes} episodes, {args.concurrency} in "
        "flight (agentclinic run's default)"
    )
    players = {name: make() for name, make in ways(folder).items()}
    rounds: dict[str, list[tuple[float, float]]] = {name: [] for name in players}
    for _ in range(args.run_repeats):  # the ways take turns, so a busy spell on the machine hits them alike
        for name, play in players.items():
            rounds[name].append(asyncio.run(in_a_run(play, cases, base_url, args.concurrency, args.run_episodes)))
    for name, measured in rounds.items():
        wall = statistics.median(w for _, w in measured)
        cpu = statistics.median(c for c, _ in measured)
        print(f"   {name:28s} {wall:7.2f} s wall   {cpu * 1e3 / args.run_episodes:6.2f} ms CPU/episode")
    for name, measured in list(rounds.items())[1:]:
        extra = [(w - core[1]) / w for (_, w), core in zip(measured, rounds[CORE], strict=True)]
        print(
            f"   the run's wall time, {name:28s} {statistics.median(extra):+.2%} against the core, median of "
            f"{len(extra)} paired rounds (from {min(extra):+.1%} to {max(extra):+.1%}; goal < 2%)"
        )


async def in_a_run(
    play: Play, cases: list[Case], base_url: str, concurrency: int, episodes: int
) -> tuple[float, float]:
    """(CPU s, wall s) of ``episodes`` episodes with the doctor on the server, ``concurrency`` in flight at once
    as ``agentclinic run`` plays them, after one round that warms the client up."""
    backend = OpenAIBackend("m", base_url=base_url, max_retries=0)
    casts = {case.id: CastSpec().for_case(case) for case in cases}
    gate = asyncio.Semaphore(concurrency)

    async def one(number: int) -> None:
        async with gate:
            case = cases[number % len(cases)]
            await play(case, casts[case.id], BackendDoctor(backend), number)

    try:
        await asyncio.gather(*(one(number) for number in range(episodes, episodes + concurrency)))
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(one(number) for number in range(episodes)))
        return time.process_time() - cpu, time.perf_counter() - wall
    finally:
        await backend.aclose()


async def on_server(
    play: Play, cases: list[Case], base_url: str, every_role: bool, episodes: int
) -> list[tuple[float, float, int, Gaps]]:
    """(CPU s, wall s, turns, gaps) of each episode with the doctor (and, with ``every_role``, the patient,
    the measurement reader and the judge) on the server, after one episode that warms the client up."""
    backend = TimedBackend("m", base_url=base_url, max_retries=0)
    spec = CastSpec(patient=backend, measurement=backend, moderator=backend) if every_role else CastSpec()
    casts = {case.id: spec.for_case(case) for case in cases}
    measured = []
    try:
        await timed(play, cases, casts, lambda case: BackendDoctor(backend), range(1))
        for number in range(episodes):
            backend.calls.clear()
            started = time.perf_counter()
            cpu, wall, turns = await timed(
                play, cases, casts, lambda case: BackendDoctor(backend), range(number, number + 1)
            )
            measured.append((cpu, wall, turns, gaps(started, started + wall, backend.calls)))
        return measured
    finally:
        await backend.aclose()


if __name__ == "__main__":
    main()
