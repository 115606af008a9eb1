"""A test's name as the lookup reads it: its words lowercase and singular, underscores, punctuation and
possessives gone ('Complete_Blood_Counts', "Gram's stain")."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-zµ]+")
MICRO = "µ"
_POSSESSIVE = re.compile(r"['’]s(?![a-z])", re.IGNORECASE)


_GREEK = str.maketrans({"α": " alpha ", "β": " beta ", "γ": " gamma ", "δ": " delta ", "κ": " kappa ", "λ": " lambda "})
"""Greek letters as clinicians also spell them ('β-hCG' is 'beta hCG', 'γGT' is 'gamma GT')."""


_SHARP_S_AS_BETA = re.compile(r"(?<![^\W\d_])ß")
"""A German sharp s standing for beta, as German keyboards write it ('ß-hCG'); inside a word it is 'ss' ('Fuß')."""


def normalise_name(name: str) -> str:
    """'Complete_Blood_Counts' / 'complete blood-count' -> 'complete blood count' (lowercase, singular); accents
    folded ('Lasègue' -> 'lasegue', 'café-au-lait' -> 'cafe au lait'), and a German sharp s read ('großes' -> 'grosses',
    'ß-hCG' -> 'beta hcg')."""
    name = _SHARP_S_AS_BETA.sub(" beta ", name).replace("ß", "ss")
    words = _NON_WORD.sub(" ", _without_accents(name.lower().translate(_GREEK)).replace("_", " ")).split()
    return " ".join(singular(word) for word in words)


def _without_accents(text: str) -> str:
    """The text with accents dropped from its letters (the micro sign kept as written)."""
    if text.isascii():
        return text
    return "".join(
        char if char == MICRO else unicodedata.normalize("NFKD", char)[0] if char.isalpha() else char for char in text
    )


NOT_PLURAL = frozenset({"does", "goes"})
"""Verbs ending like plurals ('does the lump move?')."""


def singular(word: str) -> str:
    """A plural word as its singular ('counts' -> 'count', 'studies' -> 'study'); '-ss', '-us', '-is' stay."""
    if word in NOT_PLURAL:
        return word
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words_of(name: str) -> list[str]:
    """A name's words as the table reads them: lowercase, singular, possessives and punctuation gone
    ('Gram’s stain' -> ['gram', 'stain'], 'X-Rays' -> ['x', 'ray'])."""
    return normalise_name(_POSSESSIVE.sub("", name)).split()


def exact_name(name: str) -> str:
    """A name's words without reading them through the table: how the case's own names are matched."""
    return " ".join(words_of(name))
