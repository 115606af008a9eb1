"""Keeps the correct diagnosis out of what the deterministic patient and measurement reader say.

The guard knows the diagnosis phrase, its parenthesised abbreviation, and its distinctive words
(not generic ones such as 'acute' or 'syndrome'); ``scrub`` replaces any of them with ``[withheld]``.
"""

from __future__ import annotations

import re

WITHHELD = "[withheld]"

GENERIC_WORDS = frozenset(
    """
    a an the of and or with without due to in on at by for from secondary primary acute chronic subacute
    disease disorder syndrome infection deficiency type left right bilateral unilateral severe mild moderate
    condition stage state early late induced related associated benign malignant simple complex complicated
    uncomplicated recurrent congenital acquired first second third degree total partial pain failure
    injury lesion""".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]+|\d+")
_ABBREVIATION = re.compile(r"\(([^)]{2,12})\)")


def distinctive_words(diagnosis: str) -> list[str]:
    """Words of the diagnosis that give it away: long enough and not generic."""
    words = [word.lower().strip("'-") for word in _WORD.findall(_ABBREVIATION.sub(" ", diagnosis))]
    return [word for word in words if len(word) >= 4 and word not in GENERIC_WORDS]


def _stem(word: str) -> str:
    """A prefix that catches inflections: 'pneumonia' also hides 'pneumonias', 'pneumoniae'."""
    return word[: max(4, len(word) - 2)] if len(word) > 6 else word


class DiagnosisGuard:
    """Finds and hides a diagnosis (phrase, abbreviation, distinctive words) in free text."""

    def __init__(self, diagnosis: str, *, words: bool = True):
        """With ``words=False`` only the whole phrase and its abbreviation are hidden (for test results,
        whose values should stay as the case wrote them)."""
        self.diagnosis = diagnosis
        terms = [re.escape(diagnosis.strip())]
        terms += [re.escape(abbreviation.strip()) for abbreviation in _ABBREVIATION.findall(diagnosis)]
        if words:
            terms += [re.escape(_stem(word)) + r"[a-z]*" for word in distinctive_words(diagnosis)]
        terms = [term for term in terms if term]
        self._pattern = re.compile(r"\b(?:" + "|".join(terms) + r")\b", re.IGNORECASE) if terms else None

    def leaks(self, text: str) -> bool:
        return bool(self._pattern and self._pattern.search(text))

    def scrub(self, text: str) -> str:
        return self._pattern.sub(WITHHELD, text) if self._pattern else text
