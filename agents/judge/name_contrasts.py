"""What tells two names of conditions apart although most of their words agree: subtype markers (numbers,
single letters, sides, negations, hyper/hypo), opposite or differently counted word forms, and one swapped
pair of letters."""

from __future__ import annotations

import re

from rapidfuzz.distance import DamerauLevenshtein

from agents.judge.diagnosis_names import NEGATIONS, SIDES

_MARKER = re.compile(r"^(?:[a-z]|\w*\d\w*)$")
_PREFIX_MARKERS = ("hyper", "hypo")
MARKER_WORDS = SIDES | NEGATIONS | {"pseudo"}
"""Besides numbers, single letters and hyper/hypo: words that tell conditions apart and must agree."""
_OPPOSING_PREFIXES = ("a", "an", "non", "un")
_COUNT_PREFIXES = ("mono", "oligo", "poly")


def markers(form_key: str) -> set[str]:
    """What tells subtypes apart and must agree: numbers ('type 1', 'b12'), single letters ('hepatitis a'),
    sides, negations, and hyper/hypo prefixes."""
    found = set(form_key.split())
    marked = {word for word in found if _MARKER.match(word) or word in MARKER_WORDS}
    marked |= {prefix for word in found for prefix in _PREFIX_MARKERS if word.startswith(prefix)}
    return marked


def markers_agree(given: str, expected: str) -> bool:
    """Same markers, except that a doctor may name a side the label leaves open ('left atrial myxoma')."""
    given_markers, expected_markers = markers(given), markers(expected)
    if not expected_markers & SIDES:
        given_markers -= SIDES
    return given_markers == expected_markers


def opposed(first: str, second: str) -> bool:
    """Two words that name opposite or differently counted forms: 'calculous'/'acalculous',
    'monostotic'/'polyostotic'."""
    for a, b in ((first, second), (second, first)):
        if any(a == prefix + b for prefix in _OPPOSING_PREFIXES):
            return True
    counted = [(p, w[len(p) :].lstrip("o")) for w in (first, second) for p in _COUNT_PREFIXES if w.startswith(p)]
    return len(counted) == 2 and counted[0][0] != counted[1][0] and counted[0][1] == counted[1][1]


def opposed_words(given: str, expected: str) -> bool:
    """A word only one name has is the opposite form of a word only the other has."""
    only_given = set(given.split()) - set(expected.split())
    only_expected = set(expected.split()) - set(given.split())
    return any(opposed(a, b) for a in only_given for b in only_expected)


def one_transposition(given: str, expected: str) -> bool:
    """The same words but for one pair of swapped letters in a word of five letters or more."""
    given_words, expected_words = given.split(), expected.split()
    if len(given_words) != len(expected_words):
        return False
    differing = [(a, b) for a, b in zip(given_words, expected_words, strict=True) if a != b]
    if len(differing) != 1:
        return False
    first, second = differing[0]
    same_letters = sorted(first) == sorted(second)  # swapped, not changed: 'hepatoma' is not 'hematoma'
    return len(first) >= 5 and same_letters and DamerauLevenshtein.distance(first, second) == 1
