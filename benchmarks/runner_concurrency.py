"""Runner concurrency against a slow local OpenAI-compatible server, and the memory of streaming a run's summary.

1. Runner concurrency. Every role (doctor, patient, measurement, moderator) is played through
   ``openai:stub-model@<stub>``, a local stub (``models/backends/openai_stub.py``) that answers each request after
   ``--delay-ms`` (a stand-in for model latency). The stub plays each role from its prompt: the doctor asks
   one question, requests one test, then gives a diagnosis; the patient answers, the measurement reader
   reports "RESULTS: normal" and the moderator says "No". So every episode makes 6 requests, one after
   the other. ``--episodes`` episodes run at ``--high`` and at ``--low`` concurrency, each run into a fresh
   folder; the figure is the ratio of their wall times. Goal: >= 20x for 32 vs 1. The process CPU time of
   each run is printed too: when it comes near the wall time, the run is CPU-bound (the HTTP client stack
   costs several ms of CPU per request on a slow core), not waiting on the stub.
   Cases: ``medqa-ext`` from ``../shared/data/agentclinic`` when that folder exists, else the bundled
   ``demo`` set, repeated with several samples per case to make up ``--episodes``.
2. Summary streaming. A synthetic ``--records``-episode ``transcripts.jsonl`` (about 8 turns of a few hundred
   characters each, some errored, several samples) is summarised by ``summarise_file`` in a subprocess, so
   that the peak RSS measured is the summariser's alone. Goal: <= 200 MB. The RSS of a subprocess that only
   imports ``agentclinic_sim.metrics`` is printed beside it.

    python benchmarks/runner_concurrency.py [--episodes 64] [--delay-ms 50] [--high 32] [--low 1]
        [--records 10000] [--skip-runner] [--skip-summary] [--dataset demo] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import math
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agentclinic_sim.run_settings import RunSettings
from agentclinic_sim.runner import Runner
from agentclinic_sim.transcript import TRANSCRIPTS, EpisodeRecord
from agents.types import Turn, Verdict
from scenarios import load_cases

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data" / "agentclinic"
KEY_ENV = "AGENTCLINIC_BENCH_KEY"
CALLS_PER_EPISODE = 6  # doctor x3, patient, measurement, moderator
RUNNER_GOAL = 20.0
RSS_GOAL_MB = 200.0

JUDGE_REPLY = "No"


def load_stub() -> tuple[Any, Callable[[dict[str, Any]], str]]:
    """``OpenAIStub`` (``models.backends.openai_stub``, the package's test server) and its responder that plays
    every role; the judge says no, so no episode is correct by accident."""
    from models.backends import openai_stub

    return openai_stub.OpenAIStub, functools.partial(openai_stub.play_clinic_role, judge_reply=JUDGE_REPLY)


def choose_cases(args: argparse.Namespace) -> tuple[str, Path | None, int, int]:
    """(dataset, data_dir, limit, samples) giving exactly ``args.episodes`` episodes."""
    dataset, data_dir = args.dataset, args.data_dir
    if dataset is None:
        dataset, data_dir = ("medqa-ext", SHARED_DATA) if SHARED_DATA.is_dir() else ("demo", None)
    available = len(load_cases(dataset, data_dir))
    if available >= args.episodes:
        return dataset, data_dir, args.episodes, 1
    # Several samples per case; the smallest sample count that divides the episodes evenly.
    samples = math.ceil(args.episodes / available)
    while args.episodes % samples:
        samples += 1
    return dataset, data_dir, args.episodes // samples, samples


class StubProcess:
    """The stub in a child process, as a real model server would be: its CPU is not the runner's.

    ``requests`` is a counter read back from the child, so ``len(stub.requests)`` works as in-process."""

    def __init__(self, stub_class: Any, responder: Callable[[dict[str, Any]], str], delay_s: float):
        context = multiprocessing.get_context("fork")
        self._calls = context.Value("i", 0)
        ready = context.Queue()
        self._stop = context.Event()
        self._process = context.Process(
            target=_serve, args=(stub_class, responder, delay_s, ready, self._stop, self._calls), daemon=True
        )
        self._process.start()
        self.base_url = ready.get(timeout=30)

    @property
    def requests(self) -> range:
        return range(self._calls.value)

    def __enter__(self) -> StubProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._process.join(timeout=10)


def _serve(
    stub_class: Any, responder: Callable[[dict[str, Any]], str], delay_s: float, ready: Any, stop: Any, calls: Any
) -> None:
    def counted(body: dict[str, Any]) -> str:
        with calls.get_lock():
            calls.value += 1
        return responder(body)

    with stub_class(responder=counted, delay_s=delay_s) as stub:
        ready.put(stub.base_url)
        stop.wait()


def run_once(stub: Any, base: RunSettings, concurrency: int, out: Path) -> dict[str, Any]:
    settings = base.model_copy(update={"concurrency": concurrency, "out": out})
    served_before = len(stub.requests)
    clock, cpu = time.perf_counter(), time.process_time()
    summary = asyncio.run(Runner(settings).run())
    outer, cpu = time.perf_counter() - clock, time.process_time() - cpu
    transcript = out / TRANSCRIPTS
    with transcript.open(encoding="utf-8") as handle:
        lines = sum(1 for line in handle if line.strip())
    return {
        "wall_s": summary.wall_s,
        "outer_s": outer,
        "cpu_s": cpu,
        "served": len(stub.requests) - served_before,
        "lines": lines,
        "n": summary.n,
        "errored": summary.errored,
        "errors": summary.errors,
    }


def bench_runner(args: argparse.Namespace) -> bool:
    OpenAIStub, play_role = load_stub()
    dataset, data_dir, limit, samples = choose_cases(args)
    episodes = limit * samples
    os.environ.setdefault(KEY_ENV, "sk-benchmark-dummy-key")
    print(f"== runner concurrency: {episodes} episodes ({dataset}, {limit} cases x {samples} samples)")
    ok = True
    if args.stub_in_process:
        server: Any = OpenAIStub(responder=play_role, delay_s=args.delay_ms / 1000)
        note = "stub in this process (its CPU competes with the runner's)"
    else:
        server = StubProcess(OpenAIStub, play_role, args.delay_ms / 1000)
        note = "stub in a child process, like a real server"
    with server as stub, tempfile.TemporaryDirectory() as tmp:
        uri = f"openai:stub-model@{stub.base_url}"
        base = RunSettings(
            dataset=dataset,
            data_dir=data_dir,
            limit=limit,
            samples=samples,
            doctor=uri,
            patient=uri,
            measurement=uri,
            moderator=uri,
            api_key_env=KEY_ENV,
            max_turns=20,
            max_retries=0,
        )
        print(f"stub {stub.base_url}, reply delay {args.delay_ms:g} ms, every role on {uri.split('@')[0]}; {note}")
        # Warm-up (imports, first connection), not timed: one episode.
        run_once(stub, base.model_copy(update={"limit": 1, "samples": 1}), 1, Path(tmp) / "warmup")
        results = []
        for index, concurrency in enumerate((args.high, args.low)):
            result = run_once(stub, base, concurrency, Path(tmp) / f"run{index}-c{concurrency}")
            results.append(result)
            expected = episodes * CALLS_PER_EPISODE
            good = result["lines"] == episodes and result["n"] == episodes and result["errored"] == 0
            good = good and result["served"] == expected
            ok = ok and good
            ideal = expected * args.delay_ms / 1000 / min(concurrency, episodes)
            print(
                f"concurrency {concurrency}: {result['wall_s']:.2f} s (Runner.run; {result['outer_s']:.2f} s with "
                f"setup), {result['served']} requests served ({result['served'] / result['wall_s']:.0f}/s; "
                f"latency-bound ideal {ideal:.2f} s); process CPU {result['cpu_s']:.2f} s "
                f"({result['cpu_s'] / max(result['served'], 1) * 1000:.1f} ms/request); "
                f"transcript {result['lines']} lines, "
                f"{result['errored']} errored -> {'ok' if good else 'FAILED'}"
            )
            if result["errors"]:
                print(f"  errors: {result['errors']}")
        high, low = results[0]["wall_s"], results[1]["wall_s"]
        per_request = low / max(results[1]["served"], 1) * 1000 * min(args.low, episodes)
        print(f"per request at concurrency {args.low}: {per_request:.1f} ms (stub delay {args.delay_ms:g} ms)")
        ratio = low / high
        verdict = "met" if ratio >= RUNNER_GOAL else "MISSED"
        print(
            f"concurrency {args.high}: {high:.2f} s; concurrency {args.low}: {low:.2f} s; "
            f"speed-up {ratio:.1f}x (goal >= {RUNNER_GOAL:g}x: {verdict})"
        )
    print(f"both runs wrote {episodes} transcript lines with no errors: {'yes' if ok else 'NO'}")
    return ok


# -- summary streaming ---------------------------------------------------------------------------------

WORDS = (
    "pain chest left arm since yesterday morning worse when walking better at rest no fever mild cough "
    "short of breath at night sweating nausea once tired for weeks father had heart trouble smokes ten "
    "a day blood pressure pulse regular lungs clear abdomen soft tender over the right lower side "
    "headache dizzy when standing rash on both legs swollen ankles weight loss appetite poor sleep"
).split()
DIAGNOSES = ("Acute appendicitis", "Myasthenia gravis", "Pulmonary embolism", "Lupus", "Sarcoidosis", "Gout")
TESTS = ("Complete_Blood_Count", "Chest_X-Ray", "ECG", "Urinalysis", "Troponin", "CT_Abdomen")
ERRORS = (
    "BackendError: openai:gpt-4o-mini: HTTP 429 after retries: Rate limit reached",
    "BackendError: openai:gpt-4o-mini: request timed out after retries",
    "BackendError: openai:gpt-4o-mini: cannot connect (Connection refused)",
)


def sentence(rng: random.Random, low: int, high: int) -> str:
    words = rng.choices(WORDS, k=rng.randint(low, high))
    return " ".join(words).capitalize() + "."


def synthetic_record(rng: random.Random, number: int, samples: int) -> EpisodeRecord:
    backends = {
        "doctor": "openai:gpt-4o-mini",
        "patient": "openai:gpt-4o-mini",
        "measurement": "lookup",
        "moderator": "llm:openai:gpt-4o-mini",
    }
    correct_diagnosis = rng.choice(DIAGNOSES)
    turns: list[Turn] = []
    tests: list[str] = []
    for index in range(8):
        if index % 2 == 0:
            if index == 4:
                test = rng.choice(TESTS)
                tests.append(test)
                text = f"REQUEST TEST: {test}"
            else:
                text = sentence(rng, 30, 60)
            role = "doctor"
        else:
            role = "measurement" if tests and turns[-1].text.startswith("REQUEST TEST") else "patient"
            text = ("RESULTS: " if role == "measurement" else "") + sentence(rng, 40, 80)
        turns.append(
            Turn(
                role=role,
                text=text,
                prompt_tokens=rng.randint(300, 2000),
                completion_tokens=rng.randint(10, 120),
                latency_s=rng.uniform(0.2, 3.0),
                backend=backends[role] if role != "measurement" else "lookup",
            )
        )
    errored = rng.random() < 0.03
    record = EpisodeRecord(
        case_id=f"medqa-ext:{number // samples}",
        dataset="medqa-ext",
        sample=number % samples,
        seed=number % samples,
        backends=backends,
        objective="Evaluate the patient and provide a diagnosis.",
        turns=turns,
        correct_diagnosis=correct_diagnosis,
        max_turns=20,
        tests_requested=tests,
        started_at=1.7e9 + number,
        wall_s=rng.uniform(5, 40),
        turns_used=4,
    )
    if errored:
        record.error = rng.choice(ERRORS)
        return record
    diagnosis = correct_diagnosis if rng.random() < 0.6 else rng.choice(DIAGNOSES)
    correct = diagnosis == correct_diagnosis
    turns.append(Turn(role="doctor", text=f"DIAGNOSIS READY: {diagnosis}", prompt_tokens=2100, completion_tokens=8))
    record.turns_used = 5
    record.diagnosis = diagnosis
    record.verdict = Verdict(
        correct=correct,
        judge="llm:openai:gpt-4o-mini",
        reason="judge replied 'Yes'" if correct else "judge replied 'No'",
        diagnosis=diagnosis,
        correct_diagnosis=correct_diagnosis,
    )
    record.judge = record.verdict.judge
    record.correct = correct
    record.reward = (1.0 - 0.05) if correct else -0.05
    record.reward_breakdown = {
        "outcome": 1.0 if correct else 0.0,
        "tests": -0.05,
        "turns": 0.0,
        "malformed": 0.0,
        "no_diagnosis": 0.0,
        "total": record.reward,
    }
    record.terminated = True
    return record


# Peak RSS is read from VmHWM in /proc/self/status: the high-water mark of this process image alone. On Linux
# ru_maxrss is not that in a child: subprocess starts it with vfork, and exec folds the parent's peak RSS into
# the child's ru_maxrss, so a child of a 90 MB parent reports >= 90 MB whatever it does. Both are printed.
PEAK_RSS = """
import resource
def peak_rss_kb():
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return None
def rss():
    return {"hwm_kb": peak_rss_kb(), "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
"""
SUMMARISE = (
    PEAK_RSS
    + """
import json, sys, time
from pathlib import Path
from agentclinic_sim.metrics import summarise_file
clock = time.perf_counter()
summary = summarise_file(Path(sys.argv[1]))
seconds = time.perf_counter() - clock
print(json.dumps({"n": summary.n, "errored": summary.errored, "correct": summary.correct,
                  "accuracy": summary.accuracy, "seconds": seconds, **rss()}))
"""
)
IMPORT_ONLY = PEAK_RSS + "import json, agentclinic_sim.metrics; print(json.dumps(rss()))"


def peak_mb(result: dict[str, Any]) -> float:
    return (result["hwm_kb"] if result["hwm_kb"] is not None else result["maxrss_kb"]) / 1024


def child(code: str, *argv: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"subprocess failed ({done.returncode}):\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def bench_summary(args: argparse.Namespace) -> bool:
    print(f"== summary streaming: {args.records} synthetic episodes")
    rng = random.Random(0)
    samples = 5
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / TRANSCRIPTS
        expected = {"n": 0, "errored": 0, "correct": 0}
        clock = time.perf_counter()
        with path.open("w", encoding="utf-8") as handle:
            for number in range(args.records):
                record = synthetic_record(rng, number, samples)
                expected["n"] += 1
                expected["errored"] += record.error is not None
                expected["correct"] += bool(record.correct)
                handle.write(record.model_dump_json() + "\n")
        written = time.perf_counter() - clock
        size_mb = path.stat().st_size / 2**20
        print(
            f"transcripts.jsonl: {size_mb:.1f} MiB, {args.records} episodes ({expected['errored']} errored, "
            f"{samples} samples), {size_mb * 2**20 / args.records / 1024:.1f} KiB/episode, written in {written:.1f} s"
        )
        result = json.loads(child(SUMMARISE, str(path)))
        baseline = json.loads(child(IMPORT_ONLY))
    rss_mb, baseline_mb = peak_mb(result), peak_mb(baseline)
    completed = expected["n"] - expected["errored"]
    want_accuracy = expected["correct"] / completed if completed else None
    consistent = (
        result["n"] == expected["n"]
        and result["errored"] == expected["errored"]
        and result["correct"] == expected["correct"]
        and result["accuracy"] == want_accuracy
    )
    accuracy = "n/a" if result["accuracy"] is None else f"{result['accuracy']:.4f}"
    print(
        f"summarise_file: n={result['n']} errored={result['errored']} accuracy={accuracy} "
        f"({'matches' if consistent else 'DOES NOT MATCH'} the records written), {result['seconds']:.2f} s "
        f"({result['n'] / result['seconds']:,.0f} episodes/s)"
    )
    verdict = "met" if rss_mb <= RSS_GOAL_MB else "MISSED"
    print(
        f"peak RSS: summariser {rss_mb:.1f} MB (goal <= {RSS_GOAL_MB:g} MB: {verdict}); "
        f"bare `import agentclinic_sim.metrics` {baseline_mb:.1f} MB; difference {rss_mb - baseline_mb:.1f} MB"
    )
    print(
        f"(ru_maxrss of the same subprocesses: {result['maxrss_kb'] / 1024:.1f} MB and "
        f"{baseline['maxrss_kb'] / 1024:.1f} MB; on Linux it includes this parent's peak RSS, see PEAK_RSS)"
    )
    return consistent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=64)
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--high", type=int, default=32, help="the concurrent run's concurrency")
    parser.add_argument("--low", type=int, default=1, help="the baseline run's concurrency")
    parser.add_argument("--records", type=int, default=10_000, help="episodes in the synthetic transcript")
    parser.add_argument("--dataset", default=None, help="default: medqa-ext if ../shared data exists, else demo")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument(
        "--stub-in-process", action="store_true", help="run the stub in this process (its CPU then counts)"
    )
    parser.add_argument("--skip-runner", action="store_true")
    parser.add_argument("--skip-summary", action="store_true")
    args = parser.parse_args()
    if args.data_dir is not None and args.dataset is None:
        parser.error("--data-dir needs --dataset")
    ok = True
    if not args.skip_runner:
        ok = bench_runner(args) and ok
    if not args.skip_summary:
        if not args.skip_runner:
            print()
        ok = bench_summary(args) and ok
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
