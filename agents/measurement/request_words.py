"""What a doctor's request names: the test without the words that ask for it or the reason it is wanted,
the several tests a request may list, a gloss in brackets, and whether it asks for the physical examination
rather than imaging."""

from __future__ import annotations

import re
from collections.abc import Sequence

from agents.measurement.names_of_tests import Key, concept_key

EXAMINATION_WORDS = frozenset({"exam", "examination", "auscultation", "palpation", "percussion", "inspection"})
"""Words that ask for the physical examination (or one of its methods) rather than imaging of the region."""
ONE_RESULT_WORDS = frozenset({"ratio"})
"""Words that make 'A/B ratio' one result, not a request for A and for B."""

# Requests for the answer itself rather than for a test ('diagnosis', 'Correct_Diagnosis', 'final diagnoses').
ASKS_FOR_DIAGNOSIS = re.compile(r"\bdiagnos(?:is|es|e|ed|ing)?\b")
# Words around the test that only ask for it: 'Can we get a CBC?', 'I'd like to order an abdominal CT'.
_ASKING = re.compile(
    r"^\s*(?:(?:(?:can|could|may|shall) (?:i|we|you)|i(?:'d| would)(?: also)? like(?: to)?"
    r"|i(?:'ll| will| want to| need| am ordering)|we(?:'ll| will| should| need to| need)"
    r"|let(?:'s| us)|please|next|also|then)\b[\s,]*)+"
    r"(?:(?:order|get|obtain|check|see|do|perform|run|request|send(?: off)?|have|review|look at)\b\s*)?"
    r"(?:(?:a|an|the|some)\s+)?",
    re.IGNORECASE,
)
_ARTICLE = re.compile(r"^\s*(?:a|an|some)\s+", re.IGNORECASE)
# A reason after the test: 'CT abdomen to rule out appendicitis', 'Lipase - to check for pancreatitis'.
_REASON = re.compile(
    r"(?:\s+-+\s+|\s*[:;]\s+|\s+)(?:to (?:rule out|r/o|evaluate|assess|look for|check for|exclude|confirm|screen for|"
    r"investigate|identify|detect|determine)|for (?:suspected|possible|presumed|evaluation|assessment|r/o)|r/o|"
    r"rule out|looking for|in order to|because|due to|given (?:the|her|his|their))\b.*$",
    re.IGNORECASE,
)
# A gloss inside a request: 'Basic metabolic panel (BMP)', 'Thyroid function tests (TSH, free T4)'.
PARENTHESES = re.compile(r"\([^()]*\)")
# Where a request names several tests ('BUN and creatinine', 'PT/PTT', 'ESR, CRP').
REQUEST_PARTS = re.compile(r"\s*(?:[,;/&+]|\band\b|\bplus\b|\bwith\b)\s*", re.IGNORECASE)


def asks_for_examination(words: Sequence[str], key: Key) -> bool:
    """Whether a request names the physical examination ('knee exam', 'examination of the chest') and
    no imaging: the table drops 'exam' as a qualifier, but it still says which kind of finding is meant."""
    return bool(EXAMINATION_WORDS.intersection(words) or EXAMINATION_WORDS & key.tokens) and not key.modality


def requested_test(request: str) -> str:
    """The test a request names, without the words asking for it or the reason it is wanted ('Could we
    get a serum lipase to rule out pancreatitis?' -> 'serum lipase'); the request itself when nothing
    would be left."""
    core = _REASON.sub("", _ARTICLE.sub("", _ASKING.sub("", request, count=1), count=1), count=1).strip(" ?.!")
    return core or request


def spread_modality(parts: list[str], specifiers: frozenset[str]) -> list[str]:
    """'CT chest/abdomen' -> 'CT chest', 'CT abdomen': a part naming only a region takes the
    imaging of the part before it. 'Total and direct bilirubin' -> 'Total bilirubin', 'direct
    bilirubin': a part naming only a specifier or a side, before a part of several words, takes that
    part's last words."""
    spread = []
    modality = ""
    for number, part in enumerate(parts):
        key = concept_key(part)
        if key.modality:
            modality = min(key.modality)
        elif modality and key.tokens and key.tokens <= specifiers:
            part = f"{modality} {part}"
        elif not key.modality and key.tokens <= specifiers and number + 1 < len(parts):
            following = parts[number + 1].split()
            if len(following) > 1:
                part = f"{part} {' '.join(following[1:])}"
        spread.append(part)
    return spread
