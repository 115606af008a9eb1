"""Tests a case reports inside the text of a finding rather than as a finding of their own: a manoeuvre
in an examination's text, a test written whole in another result, a test a lab sheet's free text names, and
what an examination looks for where its text says it (the lookup's last resorts, when no finding is named for
the request)."""

from __future__ import annotations

import re

from agents.findings import render
from agents.measurement.case_findings import CaseFindings, Finding
from agents.measurement.name_words import exact_name, words_of
from agents.measurement.names_of_tests import ANY_MODALITY, Key, key_of_words, signs_named
from agents.measurement.request_words import EXAMINATION_METHODS, EXAMINATION_WORDS

EXAMINED = re.compile(r"\b(?:exam|examination|examined|inspection|palpation|auscultation)\b", re.IGNORECASE)
"""Words by which a text says it reports an examination: such a text answers the examination of a region it
names ('skin changes' in an NEJM case's description of the physical examination)."""


LOOKING_WORDS = EXAMINATION_WORDS | frozenset(
    """look check inspect palpate auscultate percuss observe assess assessment test testing ask describe evaluate
    evaluation is are was were there any for of the on in at to and with sign presence evidence his her their patient
    both please can we do does how what whether quick formal focused full a an he she him it this that you me now
    some has have had been physical when anywhere everywhere else still they them where exactly around along like
    would me using doing far during""".split()
)
"""Words that ask for an examination or say how, not what it looks at or for."""
OR = "or"
EXAMINATION_REQUESTS = frozenset({"exam", "examination", "examine", "status"})
"""Words asking for a region's whole examination ('examine the knees', 'neurological status')."""
PLACE_KINDS = frozenset({"region", "specifier", "side", "qualifier", "specimen", "modality"})
"""Kinds of the table's words that say where or how an examination looks, not what it finds."""
SENTENCE_END = re.compile(r"(?<!\d)[.;](?!\d)|\n")
"""Where a sentence of a text ends (not the point of a number)."""
STEM_LENGTH, ENDING_LENGTH = 5, 3
"""Two words are one where the shorter is the start of the other, or they share all but the last three letters of
the shorter and at least five ('pupil' and 'pupillary', 'bruising' and 'bruise', 'cremasteric' and 'cremastric';
not 'dermatoscopy' and 'dermatological'). A word of three letters or fewer, or holding a digit ('C3'), is said
only as itself."""


Words = tuple[str, ...]


def _alternatives(asked: list[frozenset[Words]]) -> list[frozenset[Words]]:
    """The words a text must say, each with the words it is an alternative to ('distended or tense' is said by a
    text saying either)."""
    joined: list[frozenset[Words]] = []
    after_or = False
    for words in asked:
        if words == {(OR,)}:
            after_or = bool(joined)
        elif after_or:
            joined[-1] |= words
            after_or = False
        else:
            joined.append(words)
    return joined


def _said(word: str, said: list[str]) -> bool:
    """Whether the word, or another form of it, is among the words said."""
    return any(_same_word(word, other) for other in said)


def _phrase_said(phrase: Words, said: list[str]) -> bool:
    """Whether the words of a phrase, or other forms of them, are said one after another."""
    if len(phrase) == 1:
        return _said(phrase[0], said)
    return any(
        all(_same_word(word, other) for word, other in zip(phrase, said[start:], strict=False))
        for start in range(len(said) - len(phrase) + 1)
    )


def _same_word(word: str, other: str) -> bool:
    if min(len(word), len(other)) <= ENDING_LENGTH or not word.isalpha():
        return word == other
    shorter = min(len(word), len(other))
    stem = max(STEM_LENGTH, shorter - ENDING_LENGTH)
    return word[:stem] == other[:stem] or other.startswith(word) or word.startswith(other)


class TextSearch:
    """Searches one case's result texts for a request (shared by every lookup of the case's episode)."""

    def __init__(self, shared: CaseFindings, diagnosis: Key):
        self._shared = shared
        self._table = shared.table
        self._diagnosis = diagnosis
        self._said_by = shared.sentences
        self._longest_written = max((len(sign) for sign in self._table.written), default=1)

    def mentioning(self, words: list[str]) -> list[Finding]:
        """A test or manoeuvre the case reports inside a finding's text rather than as a finding of its own.

        - In the examination: a manoeuvre ('straight leg raise' in 'Special_Test: Positive straight leg
          raise test', 'Kernig sign'), only for a sign the table lists (searched as the case would write
          it: 'SLR' as 'straight leg raise') or a name holding a word the table does not know (an eponym),
          so an organ named in passing ('bladder') never matches.
        - In the tests: a test of two words or more written whole in a result ('blood smear' in a blood
          count's 'Other_Findings: Blood smear shows ...')."""
        qualifiers = {word for word in words if getattr(self._table.phrases.get((word,)), "kind", "") == "qualifier"}
        content = [word for word in words if word not in qualifiers]
        in_exam = [f" {' '.join(words_of(sign))} " for sign in signs_named(content, self._table)]
        if any(word not in self._table.words and len(word) >= 4 for word in content):
            in_exam.append(f" {' '.join(content)} ")
        key = key_of_words(content, self._table)
        names_a_test = key.tokens - self._table.specifiers or key.modality or key.specimen
        in_tests = [f" {' '.join(content)} "] if len(content) >= 2 and names_a_test else []  # not 'right knee'
        return [
            finding
            for finding in self._shared.findings
            if isinstance(finding.node.value, (str, list))
            and any(
                phrase in f" {exact_name(render(finding.node.value))} "
                for phrase in (in_exam if finding.exam else in_tests)
            )
        ]

    def describing(self, words: list[str], key: Key) -> list[Finding]:
        """An examination asked for by what it looks for, where a finding of the examination says it in words of
        its own ('pupils' in 'Pupils equal but react sluggishly', 'knee crepitus' in 'Crepitus noticed in knees',
        'is the knee warm' in 'warm to touch'): the innermost examination findings whose text (or a sentence of
        it, see ``_sentences``) holds every word the request names beyond the ones that ask for it. A request
        naming a specimen or imaging is a test, never answered by the examination's words."""
        if key.specimen or key.modality:
            return []
        regions_only = key.tokens - EXAMINATION_METHODS <= self._table.regions  # a region's exam: said by its name
        asked = _alternatives(
            self._written_as(
                [self._usual_spelling(word) for word in words if word not in LOOKING_WORDS], parts=not regions_only
            )
        )
        if not asked:
            return []
        found = [
            finding
            for finding in self._shared.findings
            if finding.exam
            and not finding.from_text
            and not finding.vital_sign
            and isinstance(finding.node.value, (str, list))
            and any(
                all(any(_phrase_said(words, said) for words in either) for either in asked)
                for said in self._sentences(finding)
            )
        ]
        methods = key.tokens & EXAMINATION_METHODS
        found = [finding for finding in found if methods & set(self._name_words(finding))] or found
        found = [finding for finding in found if not any(finding in other.parents for other in found)]
        sections = {id(finding.parents[-1]): finding.parents[-1] for finding in found if finding.parents}
        if EXAMINATION_REQUESTS.intersection(words) and len(sections) == 1 and all(f.parents for f in found):
            return list(sections.values())  # 'examine the right knee': the examination that speaks of it, whole
        return found

    def _written_as(self, words: list[str], *, parts: bool) -> list[frozenset[Words]]:
        """Each word, or each sign of the table's ``written`` rows with the words a text may say it in ('tone' is said
        by 'rigidity'; 'DIP' by 'distal interphalangeal'); with ``parts``, a region also by the regions within it
        ('joint swelling' by 'swelling of the knee')."""
        written, longest = self._table.written, self._longest_written
        said: list[frozenset[Words]] = []
        start = 0
        while start < len(words):
            sizes = range(min(longest, len(words) - start), 0, -1)
            size = next((size for size in sizes if tuple(words[start : start + size]) in written), 0)
            said.append(written[tuple(words[start : start + size])] if size else self._or_a_part(words[start], parts))
            start += size or 1
        return said

    def narrowed(self, sections: list[Finding], words: list[str]) -> list[Finding]:
        """The parts of examination sections that say what the request names beyond the section itself ('liver
        edge?' answered by the abdominal examination: its palpation, which speaks of the liver), or the one part that
        speaks of a part of the region the request names ('thyroid' in the neck examination's 'no thyromegaly'); the
        sections themselves where no part, or every part, says any of it."""
        parts = [part for section in sections for part in section.descendants() if not part.children]
        if not parts or any(section.vital_sign for section in sections):
            return sections
        own = frozenset().union(*(section.own.tokens | section.region for section in sections))
        keys = {word: key_of_words([word], self._table).tokens for word in words if word.isalpha()}
        beyond = [self._usual_spelling(word) for word in keys if word not in LOOKING_WORDS and not keys[word] & own]
        signs = [word for word in beyond if self._names_a_sign(word)]
        if signs:
            saying = self._saying(parts, signs) or self._saying(parts, beyond)  # what it finds first, then where
            return saying if saying and len(saying) < len(parts) else sections
        if EXAMINATION_REQUESTS.intersection(words):
            return sections  # 'examine the knees' asks for the whole examination, however its parts speak of knees
        organs = [  # the words beyond those naming the section itself ('RUQ' of the abdomen)
            self._usual_spelling(word)
            for word in keys
            if word not in LOOKING_WORDS and not (keys[word] and keys[word] <= own)
        ]
        saying = self._saying(parts, organs)  # 'thyroid' (of the neck): the one part speaking of it
        return saying if len(saying) == 1 < len(parts) else sections

    def _saying(self, parts: list[Finding], words: list[str]) -> list[Finding]:
        """The parts whose texts say any of the words, or the words a text may write it in."""
        asked = [phrase for said in self._written_as(words, parts=False) for phrase in said]
        return [
            part
            for part in parts
            if any(_phrase_said(phrase, said) for phrase in asked for said in self._sentences(part))
        ]

    def _names_a_sign(self, word: str) -> bool:
        """Whether a word may name what an examination finds ('edge', 'hepatomegaly'), not only where or how it looks
        ('knee', 'lower', 'left')."""
        entry = self._table.phrases.get((word,))
        return entry is None or entry.kind not in PLACE_KINDS

    def _or_a_part(self, word: str, parts: bool) -> frozenset[Words]:
        """A word, with the regions within the region it names where it names one ('joint' is said by 'knees')."""
        entry = self._table.phrases.get((word,))
        if not parts or entry is None or entry.kind != "region" or " " in entry.concept:
            return frozenset({(word,)})
        inside = self._table.inside.get(entry.concept, frozenset())
        return frozenset({(word,), *(tuple(part.split("_")) for part in inside)})

    def kinds_grown(self, finding: Finding) -> frozenset[str]:
        """The kinds of culture a result's texts say grew, by the organisms they name ('Growth of Pseudomonas
        aeruginosa': bacterial) or by the kind itself ('no fungal growth': fungal, looked for)."""
        said = [word for part in (finding, *finding.descendants()) for word in words_of(render(part.node.value))]
        named = {kind for organism, kind in self._table.organisms.items() if _phrase_said(organism, said)}
        return frozenset(named | (self._table.culture_kinds & set(said)))

    def says_anywhere(self, finding: Finding, words: list[str]) -> bool:
        """Whether a finding's names or texts, or those of the parts inside it, say every one of the words."""
        inside = [finding, *finding.descendants()]
        said = [word for part in inside for sentence in self._sentences(part) for word in sentence]
        return all(_said(self._usual_spelling(word), said) for word in words)

    def _usual_spelling(self, word: str) -> str:
        """A word as the table spells it usually ('oedema' as 'edema'), in a request and in a text alike."""
        usual = self._table.spellings.get(word, word)
        return word if " " in usual else usual

    def _sentences(self, finding: Finding) -> list[list[str]]:
        """The words a finding says, with those of its name and path: its whole text, or each sentence apart where
        the text reports tests of its own (an NEJM case's free text, whose sentences are about different tests).
        Read once."""
        sentences = self._said_by.get(id(finding))
        if sentences is None:
            named, text = self._name_words(finding), render(finding.node.value)
            parts = SENTENCE_END.split(text) if any(part.from_text for part in finding.children) else [text]
            sentences = self._said_by[id(finding)] = [
                [self._usual_spelling(word) for word in named + words_of(part)] for part in parts
            ]
        return sentences

    @staticmethod
    def _name_words(finding: Finding) -> list[str]:
        return words_of(" ".join(finding.node.path))

    def naming(self, key: Key) -> list[Finding]:
        """A test no finding is named for, which a result's text speaks of by name ('platelet count' in an
        NEJM case's 'Laboratory studies: ... platelet count 45,000 ...', 'MRI of the orbits' in 'Here are
        the relevant MRI findings: ... orbits ...'): the innermost texts with a clause naming every word of
        the test and every specimen, imaging kind and side it states. A panel is named by any of its members
        ('CBC' by 'Thrombocytopenia'). A request naming only one region, and no imaging, asks for an
        examination, not for any text mentioning it ('cervical lymph nodes' is specific enough)."""
        if not key.tokens or (key.tokens <= self._table.specifiers - self._table.regions and not key.has_facets):
            return []  # 'fungal' names a kind of test, no test a text could speak of
        examined_only = key.tokens <= self._table.regions and len(key.tokens) < 2 and not key.modality
        if key.tokens & (self._diagnosis.tokens - self._table.tests - self._table.specifiers):
            return []  # a text naming the diagnosis ('consistent with appendicitis') is no test of it
        names = self._names_of(key.tokens)
        found = [
            finding
            for finding, clauses in self._shared.text_keys
            if (not examined_only or (finding.exam and EXAMINED.search(render(finding.node.value))))
            and any(
                any(name <= clause.tokens for name in names)
                and key.specimen <= clause.specimen
                and key.modality - {ANY_MODALITY} <= clause.modality
                and (ANY_MODALITY not in key.modality or bool(clause.modality))  # a 'scan' is imaging
                and key.side <= clause.side
                for clause in clauses
            )
        ]
        return [finding for finding in found if not any(finding in other.parents for other in found)]

    def _names_of(self, tokens: frozenset[str]) -> list[frozenset[str]]:
        """The word sets a text may name a test by: its own, and each member's for a panel. (A text naming a
        panel is not taken for a member of it: 'complement levels' may not be the C3.)"""
        names = [tokens]
        if all(token in self._table.panels for token in tokens):  # 'CBC', 'CBC with diff'
            names += [member for token in tokens for member in self._table.panels[token]]
        return names
