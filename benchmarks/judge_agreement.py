"""Prints the deterministic judge's agreement with the labelled pairs in ``benchmarks/judge_pairs.csv``,
on the tuning part and on the held-out third, and (with --errors) each disagreement on the tuning part.

    python benchmarks/judge_agreement.py [--errors] [--held-out-errors]
"""

from __future__ import annotations

import sys
from pathlib import Path

from agents.judge.agreement import measure, read_pairs
from agents.judge.moderator import DiagnosisMatcher

PAIRS = Path(__file__).with_name("judge_pairs.csv")


def main(argv: list[str]) -> None:
    matcher = DiagnosisMatcher()
    pairs = read_pairs(PAIRS)
    for label, part in (
        ("tuning", [p for p in pairs if not p.held_out]),
        ("held-out", [p for p in pairs if p.held_out]),
    ):
        decided = [(pair, matcher.judge(pair.diagnosis, pair.truth)) for pair in part]
        print(f"{label:9s} {measure((pair.same, verdict.correct) for pair, verdict in decided).line()}")
        show = "--errors" in argv if label == "tuning" else "--held-out-errors" in argv
        for pair, verdict in decided:
            if show and pair.same != verdict.correct:
                mark = "FA" if verdict.correct else "FR"
                print(f"  {mark} [{pair.kind}] {pair.diagnosis!r} vs {pair.truth!r}: {verdict.reason}")


if __name__ == "__main__":
    main(sys.argv[1:])
