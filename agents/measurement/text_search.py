"""Tests a case reports inside the text of a finding rather than as a finding of their own: a manoeuvre
in an examination's text, a test written whole in another result, and a test a lab sheet's free text names
(the lookup's last resorts, when no finding is named for the request)."""

from __future__ import annotations

import re

from agents.findings import render
from agents.measurement.case_findings import CaseFindings, Finding
from agents.measurement.name_words import exact_name, words_of
from agents.measurement.names_of_tests import ANY_MODALITY, Key, signs_named

EXAMINED = re.compile(r"\b(?:exam|examination|examined|inspection|palpation|auscultation)\b", re.IGNORECASE)
"""Words by which a text says it reports an examination: such a text answers the examination of a region it
names ('skin changes' in an NEJM case's description of the physical examination)."""


class TextSearch:
    """Searches one case's result texts for a request (shared by every lookup of the case's episode)."""

    def __init__(self, shared: CaseFindings, diagnosis: Key):
        self._shared = shared
        self._table = shared.table
        self._diagnosis = diagnosis

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
        in_tests = [f" {' '.join(content)} "] if len(content) >= 2 else []
        return [
            finding
            for finding in self._shared.findings
            if isinstance(finding.node.value, (str, list))
            and any(
                phrase in f" {exact_name(render(finding.node.value))} "
                for phrase in (in_exam if finding.exam else in_tests)
            )
        ]

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
