"""Answers of the retrieval patient to typical history questions, drawn at random, for a person to read.

Each draw picks a MedQA-Ext case and a question a doctor commonly asks (some with two parts) with a fixed
seed, and prints the question and the patient's answer. Read them and count the answers that read wrong:
a verb that does not agree with "I", broken first person, an answer to another question than the one
asked, or a part of a question left unanswered. ``--flag`` marks the answers that a rough check suspects
of an agreement slip (a hint for the reader, not a verdict), and ``--time`` measures building a patient.

    python benchmarks/patient_answers.py [--dataset medqa-ext] [--data-dir DIR] [--n 100] [--seed 22] [--flag]
    python benchmarks/patient_answers.py --time
"""

from __future__ import annotations

import argparse
import random
import re
import time

from agents.patient.knowledge import clear_case_facts
from agents.patient.retrieval import RetrievalPatient
from scenarios import Case, load_cases

QUESTIONS = (
    "What brings you in today?",
    "When did this start?",
    "Can you describe the pain?",
    "What makes it better or worse?",
    "Do you have any other symptoms?",
    "Any fever or chills?",
    "Any nausea or vomiting?",
    "Have you lost any weight?",
    "Any chest pain or shortness of breath?",
    "Any problems with urine or bowels?",
    "Any headaches or changes in your vision?",
    "Have you had anything like this before?",
    "Do you have any past medical history?",
    "Have you had any surgeries?",
    "Do you take any medications?",
    "Any allergies?",
    "Does anything run in your family?",
    "Do you smoke?",
    "Do you drink alcohol?",
    "Do you use any recreational drugs?",
    "What do you do for work?",
    "Who do you live with?",
    "Have you travelled recently?",
    "Are you sexually active?",
    "How old are you?",
    "Is there anything else you want to tell me?",
    "Do you drink alcohol, and have you had gallstones?",
    "Do you smoke, and do you take any medications?",
    "How old are you, and what do you do for work?",
    "Any past medical history, and any allergies?",
    "When did it start, and what makes it worse?",
    "Do you have any medical conditions, and does anything run in your family?",
    "Have you been sick recently, and have you travelled anywhere?",
    "Do you have a fever, and have you had any diarrhea?",
)
# A third-person verb right after a joint in an answer that speaks as "I": a candidate slip for the reader.
_SUSPECT = re.compile(
    r"\bI\b[^.!?]*?(?:,|;|\band|\bbut)\s+(?:(?:also|still|often|now|then|never|always|\w+ly)\s+)*"
    r"(?!(?:this|it|that|which|was|as|has been|always)\b)([a-z]+(?<!ss)(?<!us)(?<!is)s)\s+(?!and\b|or\b|of\b|in\b)"
)


def draw(cases: list[Case], n: int, seed: int) -> list[tuple[Case, str]]:
    """``n`` (case, question) pairs drawn with a fixed seed."""
    rng = random.Random(seed)
    return [(rng.choice(cases), rng.choice(QUESTIONS)) for _ in range(n)]


def build_time(cases: list[Case], repeats: int = 5) -> tuple[float, float]:
    """Milliseconds to build a patient: the first episode of a case, and a later one (facts shared per case)."""
    first = later = 0.0
    for _ in range(repeats):
        clear_case_facts()
        start = time.perf_counter()
        for case in cases:
            RetrievalPatient(case)
        first += time.perf_counter() - start
        start = time.perf_counter()
        for case in cases:
            RetrievalPatient(case)
        later += time.perf_counter() - start
    scale = 1000 / (repeats * len(cases))
    return first * scale, later * scale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="medqa-ext")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--flag", action="store_true", help="mark answers a rough check suspects of a slip")
    parser.add_argument("--time", action="store_true", help="measure building a patient instead")
    args = parser.parse_args()
    cases = load_cases(args.dataset, args.data_dir)
    if args.time:
        first, later = build_time(cases)
        print(f"RetrievalPatient build over {len(cases)} cases: first episode {first:.2f} ms, later {later:.3f} ms")
        return
    flagged = 0
    for number, (case, question) in enumerate(draw(cases, args.n, args.seed), 1):
        answer = RetrievalPatient(case).respond(question, []).text
        suspect = args.flag and _SUSPECT.search(answer)
        flagged += bool(suspect)
        mark = f"  <-- check '{suspect.group(1)}'" if suspect else ""
        print(f"{number:3d} [{case.id}] Q: {question}\n    A: {answer}{mark}\n")
    if args.flag:
        print(f"{flagged} of {args.n} answers flagged for a closer look")


if __name__ == "__main__":
    main()
