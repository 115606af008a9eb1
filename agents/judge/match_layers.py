"""The deterministic judge's layers, in the order it tries them: each reads the two diagnoses and either
decides (right or wrong, with the reason the verdict records) or leaves the question to the next layer.

Before the layers proper, two checks on the names as written: the same letters in the same order, and a
differential ('A, B or C'), every one of whose diseases must be the case's. The layers then read both names
as keys (``agents.judge.diagnosis_names.key``), with abbreviations written out and 'X infection' read as the
disease X: the same words; the same concept in MeSH or the lexicon, or a named subtype of the label; markers
(numbers, letters, sides, negations) that differ; every word of the label named; one transposed letter;
opposite word forms; and last a fuzzy score.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz

from agents.judge.diagnosis_names import SIDES, forms, joined, key
from agents.judge.diagnosis_vocabulary import Vocabulary
from agents.judge.name_contrasts import markers, markers_agree, one_transposition, opposed_words

Decision = tuple[bool, str]
"""Whether the diagnosis is the case's, and why."""
SINGLE_WORD_THRESHOLD = 95.0
"""The fuzzy layer's bar when both names are one word."""


def name_keys(text: str) -> list[str]:
    """The keys of every form of a written diagnosis, in order, each once; empty when it names nothing."""
    return [k for k in dict.fromkeys(key(form) for form in forms(text)) if k]


def same_letters(diagnosis: str, correct: str) -> Decision | None:
    """Right when a form of each has the same letters in the same order ('beta-thalassemia')."""
    if {joined(form) for form in forms(diagnosis)} & {joined(form) for form in forms(correct)}:
        return True, "the same letters in the same order (spacing and hyphens aside)"
    return None


def differential(
    diagnosis: str, correct: str, vocabulary: Vocabulary, decide: Callable[[str, str], Decision]
) -> Decision | None:
    """A differential is not a diagnosis: each disease it offers must be this one (judged by ``decide``)."""
    listed = vocabulary.listed(forms(diagnosis)[0])
    if not listed:
        return None
    for part in listed:
        right, why = decide(part, correct)
        if not right:
            return False, f"offers {len(listed)} diagnoses ({'; '.join(listed)}); '{part}' is not it: {why}"
    return True, f"each of the {len(listed)} names it gives is this diagnosis"


@dataclass(frozen=True)
class Reading:
    """Both diagnoses as the name layers read them."""

    vocabulary: Vocabulary
    given_keys: list[str]
    """the doctor's keys, then their readings with abbreviations written out."""
    expected_keys: list[str]
    """the label's keys, then their readings with abbreviations written out."""
    written_out: frozenset[str]
    """the keys that come from writing out an abbreviation."""
    bare: frozenset[str]
    """the keys of 'X infection' names read as the disease X."""
    named: list[tuple[str, str]]
    """(doctor's, label's) pairs for the name layers, the 'X infection' readings included: 'hepatitis B
    infection' names hepatitis B there only, since a more specific name of hepatitis B is not thereby a
    more specific name of the infection."""
    written: dict[str, str]
    """a key -> the form it was written as (the label's where both give one)."""

    @classmethod
    def of(
        cls, diagnosis: str, correct: str, given_keys: list[str], expected_keys: list[str], vocabulary: Vocabulary
    ) -> Reading:
        given_written, expected_written = vocabulary.expanded(given_keys), vocabulary.expanded(expected_keys)
        given_keys = given_keys + given_written
        expected_keys = expected_keys + expected_written
        given_bare, expected_bare = vocabulary.infection_named(given_keys), vocabulary.infection_named(expected_keys)
        return cls(
            vocabulary=vocabulary,
            given_keys=given_keys,
            expected_keys=expected_keys,
            written_out=frozenset({*given_written, *expected_written}),
            bare=frozenset({*given_bare, *expected_bare}),
            named=[(g, e) for g in given_keys + given_bare for e in expected_keys + expected_bare],
            written={key(form): form for form in (*forms(diagnosis), *forms(correct)) if key(form)},
        )

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """Every (doctor's, label's) pair of keys, without the 'X infection' readings."""
        return [(g, e) for g in self.given_keys for e in self.expected_keys]

    @property
    def first(self) -> tuple[str, str]:
        """The first key of each: the name as written."""
        return self.given_keys[0], self.expected_keys[0]

    @property
    def last(self) -> tuple[str, str]:
        """The last key of each (the last written-out reading, where there is one): what the opposite-forms
        and fuzzy layers compare."""
        return self.given_keys[-1], self.expected_keys[-1]

    def shown(self, form_key: str) -> str:
        """A key as it was written (keys sort their words), for the verdict's reason."""
        return self.written.get(form_key, form_key)

    def spelled(self, g: str, e: str) -> str:
        """How a pair was read, for the verdict's reason: '' when as written."""
        if {g, e} & self.bare:
            return " once 'X infection' is read as the disease X"
        return " once its abbreviation is written out" if {g, e} & self.written_out else ""


def same_words(reading: Reading) -> Decision | None:
    """Right when a pair has the same words after the clean-ups, word order and spacing aside."""
    for g, e in reading.named:
        if g == e or g.replace(" ", "") == e.replace(" ", ""):
            return (
                True,
                f"the same words after clean-ups{reading.spelled(g, e)} ('{reading.shown(e)}', word order aside)",
            )
    return None


def _shared_concepts(vocabulary: Vocabulary, g: str, e: str) -> set[str]:
    """The concepts both keys name. Two MeSH entry terms may be two narrower conditions under one heading,
    so a MeSH concept counts only where one side names the heading itself."""
    return {
        concept
        for concept in vocabulary.concepts(g) & (vocabulary.concepts(e) | {e})
        if vocabulary.origin.get(concept) != "MeSH"
        or key(concept).replace(" ", "") in (g.replace(" ", ""), e.replace(" ", ""))
    }


def same_concept(reading: Reading) -> Decision | None:
    """Right when a pair names one concept of MeSH or the lexicon (sides agreeing), or the doctor's name is a
    named subtype of the label's concept."""
    vocabulary = reading.vocabulary
    for g, e in reading.named:
        shared = _shared_concepts(vocabulary, g, e)
        if shared and markers(g) & SIDES == markers(e) & SIDES:
            concept = min(shared, key=lambda c: (vocabulary.origin.get(c) != "MeSH", c))  # MeSH names first
            source = vocabulary.origin.get(concept, "lexicon")
            return True, f"both name '{concept}' ({source}){reading.spelled(g, e)}"
        broader = vocabulary.broader(g) & (vocabulary.concepts(e) | {e})
        if broader:
            return True, f"'{reading.shown(g)}' is a named form of '{min(broader)}' (lexicon)"
    return None


def markers_differ(reading: Reading) -> Decision | None:
    """Wrong when the names as written differ in numbers, letters, sides or negations."""
    g, e = reading.first
    if not markers_agree(g, e):
        return False, f"numbers, sides or negations differ: {sorted(markers(g))} vs {sorted(markers(e))}"
    return None


def every_word(reading: Reading) -> Decision | None:
    """Right when the doctor names every word of the label (more specific is fine), markers agreeing."""
    for g, e in reading.pairs:
        if markers_agree(g, e) and set(e.split()) <= set(g.split()):
            return True, f"names every word of '{reading.shown(e)}' (more specific is fine)"
    return None


def swapped_letters(reading: Reading) -> Decision | None:
    """Right when a pair differs by one transposed letter, markers agreeing."""
    for g, e in reading.pairs:
        if markers_agree(g, e) and one_transposition(g, e):
            return True, f"one transposed letter: '{reading.shown(g)}' vs '{reading.shown(e)}'"
    return None


def opposite_forms(reading: Reading) -> Decision | None:
    """Wrong when the names differ by opposite word forms ('calculous'/'acalculous')."""
    g, e = reading.last
    if opposed_words(g, e):
        return False, f"opposite forms: '{reading.shown(g)}' vs '{reading.shown(e)}'"
    return None


NAME_LAYERS: tuple[Callable[[Reading], Decision | None], ...] = (
    same_words,
    same_concept,
    markers_differ,
    every_word,
    swapped_letters,
    opposite_forms,
)
"""The layers over the names' keys, in order; the first that decides gives the verdict."""


def fuzzy(reading: Reading, threshold: float) -> Decision:
    """The last layer: a fuzzy score against ``threshold`` (higher for two one-word names: one letter more or
    less is a tenth of a short word, and 'myoma' is not 'myxoma')."""
    g, e = reading.last
    score = fuzz.token_sort_ratio(g, e)
    threshold = max(threshold, SINGLE_WORD_THRESHOLD) if " " not in g + e else threshold
    relation = ">=" if score >= threshold else "<"
    return (
        score >= threshold,
        f"fuzzy score {score:.0f} {relation} {threshold:.0f} ('{reading.shown(g)}' vs '{reading.shown(e)}')",
    )
