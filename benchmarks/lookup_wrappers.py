"""Whether the sentence an LLM doctor wraps around a test's name changes the deterministic reader's answer.

Every labelled request of ``benchmarks/lookup_requests.csv`` that names a test plainly ('CBC', 'Serum lipase',
'CT abdomen': no question, no verb before it, six words at most) and that the reader answers with its labelled
result is asked again inside each sentence below, as chat models playing the doctor write them ('Let me request a
CBC.', 'Based on the findings so far, I would like to order a CBC.'). A wrapped request should get the same answer
as the bare name; the figures say how often it does, per sentence and in all. The sentences are generated, so this
is a regression check on the words around a request, not a labelled set.

    python benchmarks/lookup_wrappers.py [--examples N]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
from collections import Counter

from lookup_agreement import all_cases, read_requests, run

from agents.measurement.lookup import LookupMeasurement

SENTENCES = (
    "REQUEST TEST: {name}",
    "**{name}**",
    "Let me request {a} {name}.",
    "I would like to order {a} {name}.",
    "Based on the findings so far, I would like to order {a} {name}.",
    "I'd like to order {a} {name} to further evaluate.",
    "To further evaluate, REQUEST TEST: {name}",
    "REQUEST TEST: {name} if available",
    "Next, I'd like to see the results of the {name}.",
    "Could you please provide the results of the {name}?",
    "Can I see the {name} results?",
    "What did the {name} show?",
    "Could you share the {name}?",
    "May I have the {name} results, please?",
    "I'd like to review the {name}.",
    "Do we have the {name} results?",
    "Are the {name} results available?",
    "What are the {name} results?",
    "Could we get {a} {name}?",
    "I will now order {a} {name}.",
)
PLAIN_NAME_KINDS = frozenset({"name", "abbreviation", "panel", "british"})
_ASKING_FIRST = re.compile(
    r"^(?:let|can|could|i|i'd|we|please|what|is|are|any|do|did|does|check|get|send|order|has|have|was|were|how|may"
    r"|would|repeat|request|record|kindly|look|examine)\b",
    re.IGNORECASE,
)
MAX_NAME_WORDS = 6


def plain_name(request: str) -> bool:
    """Whether a request is a test's name alone: no question, no asking word first, a few words."""
    text = request.strip()
    return "?" not in text and not _ASKING_FIRST.match(text) and len(text.split()) <= MAX_NAME_WORDS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=os.environ.get("AGENTCLINIC_DATA"))
    parser.add_argument("--examples", type=int, default=0, help="list this many changed answers per sentence")
    args = parser.parse_args()

    cases = all_cases(args.data_dir)
    rows = [
        row for row in read_requests() if row.kind in PLAIN_NAME_KINDS and not row.absent and plain_name(row.request)
    ]
    matched = [item.row for item in run(rows, LookupMeasurement, cases) if item.outcome == "matched"]
    readers: dict[str, LookupMeasurement] = {}
    changed: Counter[str] = Counter()
    examples: dict[str, list[str]] = {sentence: [] for sentence in SENTENCES}
    for row in matched:
        reader = readers.setdefault(row.case, LookupMeasurement(cases[row.case]))
        bare = reader.find_all(row.request)
        name = row.request.strip()
        article = "an" if name[:1].lower() in "aeiou" else "a"
        for sentence in SENTENCES:
            wrapped = sentence.format(name=name, a=article)
            if reader.find_all(wrapped) != bare:
                changed[sentence] += 1
                if len(examples[sentence]) < args.examples:
                    examples[sentence].append(f"    {row.case} {wrapped!r}")
    print(f"{len(matched)} labelled names answered right, each wrapped in {len(SENTENCES)} sentences:")
    for sentence in SENTENCES:
        same = len(matched) - changed[sentence]
        print(f"  {same / len(matched):6.1%} same answer   {sentence}")
        for example in examples[sentence]:
            print(example)
    total = len(matched) * len(SENTENCES)
    print(f"all       {total - sum(changed.values())} of {total} ({1 - sum(changed.values()) / total:.1%}) same answer")


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main()
