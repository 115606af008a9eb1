"""The moderator: a deterministic diagnosis matcher, and an LLM judge with a robust yes/no parse.

Both return a ``Verdict`` that records which judge decided and why.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein

from agents.diagnosis_names import NEGATIONS, SIDES, forms, joined, key
from agents.diagnosis_vocabulary import Vocabulary
from agents.llm import reply_from
from agents.prompts import load_prompt
from agents.roles import DEFAULT_SYNC_TIMEOUT_S, run_sync
from agents.types import Verdict
from agents.vocabulary_index import default_vocabulary
from models.backends import ChatBackend, GenerationConfig, Message

MATCH_THRESHOLD = 90.0
SINGLE_WORD_THRESHOLD = 95.0
"""The fuzzy layer's bar when both names are one word."""
_MARKER = re.compile(r"^(?:[a-z]|\w*\d\w*)$")
_PREFIX_MARKERS = ("hyper", "hypo")
MARKER_WORDS = SIDES | NEGATIONS | {"pseudo"}
"""Besides numbers, single letters and hyper/hypo: words that tell conditions apart and must agree."""
_OPPOSING_PREFIXES = ("a", "an", "non", "un")
_COUNT_PREFIXES = ("mono", "oligo", "poly")


def normalise_diagnosis(text: str) -> str:
    """The order-free key of a diagnosis without its bracketed part ('' when it names nothing)."""
    found = forms(text)
    return key(found[0]) if found else ""


def _markers(form_key: str) -> set[str]:
    """What tells subtypes apart and must agree: numbers ('type 1', 'b12'), single letters ('hepatitis a'),
    sides, negations, and hyper/hypo prefixes."""
    found = set(form_key.split())
    markers = {word for word in found if _MARKER.match(word) or word in MARKER_WORDS}
    markers |= {prefix for word in found for prefix in _PREFIX_MARKERS if word.startswith(prefix)}
    return markers


def _markers_agree(given: str, expected: str) -> bool:
    """Same markers, except that a doctor may name a side the label leaves open ('left atrial myxoma')."""
    given_markers, expected_markers = _markers(given), _markers(expected)
    if not expected_markers & SIDES:
        given_markers -= SIDES
    return given_markers == expected_markers


def _opposed(first: str, second: str) -> bool:
    """Two words that name opposite or differently counted forms: 'calculous'/'acalculous',
    'monostotic'/'polyostotic'."""
    for a, b in ((first, second), (second, first)):
        if any(a == prefix + b for prefix in _OPPOSING_PREFIXES):
            return True
    counted = [(p, w[len(p) :].lstrip("o")) for w in (first, second) for p in _COUNT_PREFIXES if w.startswith(p)]
    return len(counted) == 2 and counted[0][0] != counted[1][0] and counted[0][1] == counted[1][1]


def _opposed_words(given: str, expected: str) -> bool:
    only_given = set(given.split()) - set(expected.split())
    only_expected = set(expected.split()) - set(given.split())
    return any(_opposed(a, b) for a in only_given for b in only_expected)


def _one_transposition(given: str, expected: str) -> bool:
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


class DiagnosisMatcher:
    """Deterministic judge, in layers: the same words after clean-ups; the same concept in MeSH or the
    project's lexicon (where 'X infection' also reads as X when X alone names a disease); a named subtype
    of a generic label; every word of the label named; a near-exact spelling. Numbers, letters, sides and
    negations must agree outside the concept layer."""

    name = "match"
    in_process = True

    def __init__(self, threshold: float = MATCH_THRESHOLD, vocabulary: Vocabulary | None = None):
        self.threshold = threshold
        self._vocabulary = vocabulary

    @property
    def vocabulary(self) -> Vocabulary:
        if self._vocabulary is None:
            self._vocabulary = default_vocabulary()
        return self._vocabulary

    def decide(self, diagnosis: str, correct: str) -> tuple[bool, str]:  # noqa: C901, PLR0912  # the judge's layers in order, each a return; to move with the judge subpackage (issue 24)
        given_keys = [k for k in dict.fromkeys(key(form) for form in forms(diagnosis)) if k]
        expected_keys = [k for k in dict.fromkeys(key(form) for form in forms(correct)) if k]
        if not given_keys or not expected_keys:
            return False, "empty diagnosis"
        if {joined(form) for form in forms(diagnosis)} & {joined(form) for form in forms(correct)}:
            return True, "the same letters in the same order (spacing and hyphens aside)"
        vocabulary = self.vocabulary
        listed = vocabulary.listed(forms(diagnosis)[0])
        if listed:  # a differential is not a diagnosis: every disease it offers must be this one
            for part in listed:
                right, why = self.decide(part, correct)
                if not right:
                    return False, f"offers {len(listed)} diagnoses ({'; '.join(listed)}); '{part}' is not it: {why}"
            return True, f"each of the {len(listed)} names it gives is this diagnosis"
        given_written, expected_written = vocabulary.expanded(given_keys), vocabulary.expanded(expected_keys)
        written_out = {*given_written, *expected_written}
        given_keys += given_written
        expected_keys += expected_written
        pairs = [(g, e) for g in given_keys for e in expected_keys]
        given_bare, expected_bare = vocabulary.infection_named(given_keys), vocabulary.infection_named(expected_keys)
        bare = {*given_bare, *expected_bare}
        # 'hepatitis B infection' names hepatitis B in the name layers only: a more specific name of
        # hepatitis B is not thereby a more specific name of the infection
        named = [(g, e) for g in given_keys + given_bare for e in expected_keys + expected_bare]

        written = {key(form): form for form in (*forms(diagnosis), *forms(correct)) if key(form)}  # label wins

        def shown(form_key: str) -> str:
            """A key as it was written (keys sort their words), for the verdict's reason."""
            return written.get(form_key, form_key)

        def spelled(g: str, e: str) -> str:
            if {g, e} & bare:
                return " once 'X infection' is read as the disease X"
            return " once its abbreviation is written out" if {g, e} & written_out else ""

        for g, e in named:
            if g == e or g.replace(" ", "") == e.replace(" ", ""):
                return True, f"the same words after clean-ups{spelled(g, e)} ('{shown(e)}', word order aside)"
        for g, e in named:
            shared = {
                concept
                for concept in vocabulary.concepts(g) & (vocabulary.concepts(e) | {e})
                if vocabulary.origin.get(concept) != "MeSH"
                or key(concept).replace(" ", "") in (g.replace(" ", ""), e.replace(" ", ""))
            }  # two MeSH entry terms may be two narrower conditions under one heading: one side must name it
            if shared and _markers(g) & SIDES == _markers(e) & SIDES:
                concept = min(shared, key=lambda c: (vocabulary.origin.get(c) != "MeSH", c))  # MeSH names first
                source = vocabulary.origin.get(concept, "lexicon")
                return True, f"both name '{concept}' ({source}){spelled(g, e)}"
            broader = vocabulary.broader(g) & (vocabulary.concepts(e) | {e})
            if broader:
                return True, f"'{shown(g)}' is a named form of '{min(broader)}' (lexicon)"
        g, e = given_keys[0], expected_keys[0]
        if not _markers_agree(g, e):
            return False, f"numbers, sides or negations differ: {sorted(_markers(g))} vs {sorted(_markers(e))}"
        for g, e in pairs:
            if _markers_agree(g, e) and set(e.split()) <= set(g.split()):
                return True, f"names every word of '{shown(e)}' (more specific is fine)"
        for g, e in pairs:
            if _markers_agree(g, e) and _one_transposition(g, e):
                return True, f"one transposed letter: '{shown(g)}' vs '{shown(e)}'"
        if _opposed_words(g, e):
            return False, f"opposite forms: '{shown(g)}' vs '{shown(e)}'"
        score = fuzz.token_sort_ratio(g, e)
        # one letter more or less is a tenth of a short word: 'myoma' is not 'myxoma'
        threshold = max(self.threshold, SINGLE_WORD_THRESHOLD) if " " not in g + e else self.threshold
        relation = ">=" if score >= threshold else "<"
        return score >= threshold, f"fuzzy score {score:.0f} {relation} {threshold:.0f} ('{shown(g)}' vs '{shown(e)}')"

    def judge(self, diagnosis: str, correct: str) -> Verdict:
        correct_, reason = self.decide(diagnosis, correct)
        return Verdict(correct=correct_, judge=self.name, reason=reason, diagnosis=diagnosis, correct_diagnosis=correct)

    async def ajudge(self, diagnosis: str, correct: str) -> Verdict:
        return self.judge(diagnosis, correct)


_NEGATED = r"(?:not|isn't|aren't)\s+(?:\w+\s+){0,2}?(?:same|correct)"
_YES_NO = re.compile(rf"\b({_NEGATED}|yes|no|same|different|correct|incorrect)\b")
_YES_WORDS = {"yes", "same", "correct"}


def parse_yes_no(text: str) -> bool | None:
    """The first yes/no word of a judge's reply: 'Yes.', '**Yes**', 'yes, they are the same' are all yes."""
    match = _YES_NO.search(re.sub(r"[*_`#>]", " ", text.lower()))
    return None if match is None else match.group(1) in _YES_WORDS


class LLMModerator:
    """An LLM judge asked whether two diagnoses are the same condition; its reply is parsed robustly."""

    sync_timeout_s: float | None = DEFAULT_SYNC_TIMEOUT_S

    def __init__(self, backend: ChatBackend, *, config: GenerationConfig | None = None):
        self.chat_backend = backend
        self.config = config or GenerationConfig(max_tokens=16, temperature=0.0)

    @property
    def name(self) -> str:
        return f"llm:{self.chat_backend.name}"

    def messages(self, diagnosis: str, correct: str) -> Sequence[Message]:
        prompt = load_prompt("moderator").format(correct=correct, diagnosis=diagnosis)
        return [Message(role="user", content=prompt)]

    async def ajudge(self, diagnosis: str, correct: str) -> Verdict:
        completion = await self.chat_backend.chat(self.messages(diagnosis, correct), self.config)
        decision = parse_yes_no(completion.text)
        reason = f"judge replied {completion.text.strip()[:80]!r}"
        if decision is None:
            reason += " (no yes/no found: counted as not the same)"
        return Verdict(
            correct=bool(decision),
            judge=self.name,
            reason=reason,
            diagnosis=diagnosis,
            correct_diagnosis=correct,
            reply=reply_from(completion),
        )

    def judge(self, diagnosis: str, correct: str) -> Verdict:
        return run_sync(self.ajudge(diagnosis, correct), self.sync_timeout_s)
