"""Re-judge a finished run's diagnoses: the free matcher beside an LLM judge, pair by pair.

``agentclinic judge agreement`` uses it to calibrate the deterministic judge against the paper's LLM judge on
a user's own run. Each distinct (diagnosis, correct diagnosis) pair of the run is judged once by each judge;
the LLM's verdicts are appended to ``OUT/judge_agreement.jsonl`` as they arrive, so an interrupted
re-judging loses nothing and a second call asks the LLM only about the pairs it has not answered yet.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from pathlib import Path

from pydantic import BaseModel, ValidationError

from agentclinic_sim.transcript import EpisodeRecord
from agents.cast import Judge
from agents.judge.agreement import Agreement, measure
from agents.judge.moderator import DiagnosisMatcher
from models.backends import BackendError

REJUDGED = "judge_agreement.jsonl"


class RejudgedPair(BaseModel):
    """One distinct pair of a run, with both judges' verdicts (``llm`` is None when its call failed)."""

    diagnosis: str
    truth: str
    episodes: int = 1
    match: bool
    match_reason: str
    llm_judge: str
    llm: bool | None = None
    llm_reason: str = ""
    error: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.llm_judge, self.diagnosis, self.truth)


class RunPairs(BaseModel):
    """The distinct diagnosis pairs of a run's episodes, and what was left out."""

    counts: dict[tuple[str, str], int]
    datasets: set[str] = set()
    without_diagnosis: int = 0
    errored: int = 0


def run_pairs(records: Iterable[EpisodeRecord]) -> RunPairs:
    """Distinct (diagnosis, truth) pairs with how many episodes gave each; episodes that errored or ended
    without a diagnosis are counted apart (there is nothing to judge)."""
    pairs = RunPairs(counts={})
    for record in records:
        pairs.datasets.add(record.dataset)
        if record.error is not None:
            pairs.errored += 1
        elif not record.diagnosis:
            pairs.without_diagnosis += 1
        else:
            key = (record.diagnosis, record.correct_diagnosis)
            pairs.counts[key] = pairs.counts.get(key, 0) + 1
    return pairs


def read_rejudged(path: Path) -> dict[tuple[str, str, str], RejudgedPair]:
    """The verdicts already saved (a torn or unreadable line is skipped: its pair is asked again)."""
    saved: dict[tuple[str, str, str], RejudgedPair] = {}
    if not path.is_file():
        return saved
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            pair = RejudgedPair.model_validate_json(line)
        except ValidationError:
            continue
        if pair.error is None:
            saved[pair.key] = pair
    return saved


async def rejudge(
    pairs: RunPairs,
    llm: Judge,
    out_file: Path,
    *,
    concurrency: int = 8,
    on_pair: Callable[[RejudgedPair], None] | None = None,
    matcher: DiagnosisMatcher | None = None,
) -> list[RejudgedPair]:
    """Judge every pair with the matcher and ``llm``; reuse LLM verdicts saved in ``out_file`` and append
    new ones to it as they arrive. A backend failure is recorded on its pair and the others go on."""
    matcher = matcher or DiagnosisMatcher()
    saved = read_rejudged(out_file)
    gate = asyncio.Semaphore(concurrency)
    out_file.parent.mkdir(parents=True, exist_ok=True)

    with out_file.open("a", encoding="utf-8") as sink:

        async def one(diagnosis: str, truth: str, episodes: int) -> RejudgedPair:
            verdict = matcher.judge(diagnosis, truth)
            pair = RejudgedPair(
                diagnosis=diagnosis,
                truth=truth,
                episodes=episodes,
                match=verdict.correct,
                match_reason=verdict.reason,
                llm_judge=llm.name,
            )
            known = saved.get(pair.key)
            if known is not None:
                pair.llm, pair.llm_reason = known.llm, known.llm_reason
            else:
                async with gate:
                    try:
                        answer = await llm.ajudge(diagnosis, truth)
                        pair.llm, pair.llm_reason = answer.correct, answer.reason
                    except BackendError as exc:
                        pair.error = f"{type(exc).__name__}: {exc}"
                sink.write(pair.model_dump_json() + "\n")
                sink.flush()
            if on_pair is not None:
                on_pair(pair)
            return pair

        return list(await asyncio.gather(*(one(d, t, n) for (d, t), n in pairs.counts.items())))


class AgreementReport(BaseModel):
    """The matcher measured against the LLM judge: over distinct pairs and over the run's episodes."""

    pairs: Agreement
    episodes: Agreement
    failed: int
    accuracy_match: float
    accuracy_llm: float


def report(judged: list[RejudgedPair]) -> AgreementReport:
    """Agreement with the LLM judge as the reference: a false accept is the matcher saying yes where the LLM
    said no. Pairs whose LLM call failed are left out and counted."""
    answered = [pair for pair in judged if pair.llm is not None]
    episodes = sum(pair.episodes for pair in answered)
    return AgreementReport(
        pairs=measure((bool(pair.llm), pair.match) for pair in answered),
        episodes=measure((bool(pair.llm), pair.match) for pair in answered for _ in range(pair.episodes)),
        failed=len(judged) - len(answered),
        accuracy_match=sum(pair.episodes for pair in answered if pair.match) / episodes if episodes else 0.0,
        accuracy_llm=sum(pair.episodes for pair in answered if pair.llm) / episodes if episodes else 0.0,
    )
