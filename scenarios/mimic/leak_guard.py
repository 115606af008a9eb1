"""Keeps the answer out of a built case: what the patient says, what the examination and tests show.

Forbidden, case-insensitively, on word boundaries:

* the diagnosis title itself, any abbreviation in it (``(NSTEMI)``, ``[HIV]``), and each of its distinctive
  words with their inflections (``pneumonia`` also catches ``pneumoniae``); a word is distinctive when it has
  four or more letters and is not one of the qualifiers every ICD title uses (``acute``, ``without`` …);
* every other title the admission carries (its other ICD diagnoses, DRG descriptions, procedure titles),
  as whole phrases.

It is at least as strict as the runtime guard of the patient and measurement roles (same tokens, same
stems, fewer words counted as generic), so what passes here also passes there. A finding that would leak
is withheld whole rather than edited: a half-scrubbed result misleads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

QUALIFIERS = frozenset(
    """with without from acute chronic subacute disease disorder syndrome infection type left right bilateral
    severe mild moderate primary secondary stage early late induced related associated first second third
    degree pain failure injury""".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]+|\d+")
_ABBREVIATION = re.compile(r"[(\[]([^)\]]{2,12})[)\]]")


def telling_words(title: str) -> list[str]:
    """The words of ``title`` that give it away (bracketed abbreviations included)."""
    words = (word.lower().strip("'-") for word in _WORD.findall(title))
    return sorted({word for word in words if len(word) >= 4 and word not in QUALIFIERS})


def _inflected(word: str) -> str:
    stem = word[: max(4, len(word) - 2)] if len(word) > 6 else word
    return re.escape(stem) + r"[a-z]*"


class LeakGuard:
    """Says whether a text gives away the diagnosis or another title of the admission."""

    def __init__(self, diagnosis: str, other_titles: Iterable[str] = ()):
        phrases = {diagnosis.strip(), *(title.strip() for title in other_titles)}
        phrases |= {abbreviation.strip() for abbreviation in _ABBREVIATION.findall(diagnosis)}
        terms = sorted(re.escape(phrase) for phrase in phrases if phrase)
        terms += [_inflected(word) for word in telling_words(diagnosis)]
        self._pattern = re.compile(r"(?<!\w)(?:" + "|".join(terms) + r")(?!\w)", re.IGNORECASE) if terms else None

    def leaks(self, text: str) -> bool:
        return bool(self._pattern and self._pattern.search(text))
