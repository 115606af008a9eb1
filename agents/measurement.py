"""The measurement reader: a deterministic lookup over the case's exam and test trees, and an LLM reader.

Both answer ``RESULTS: …``. A request the case holds nothing for is answered by the missing-result
policy: ``normal`` ("NORMAL READINGS", AgentClinic's choice) or ``unavailable``.

The lookup finds a test however a clinician names it: names are read into keys through the reviewed
test-name table (:mod:`agents.names_of_tests`), and tests written inside a finding's free text are split out
as findings of their own (:mod:`agents.report_items`). A request is matched against every finding's key
(its own name, its name with its parents', and each part of a name such as "CT thorax and abdomen"):

1. the exact name or path as the case wrote it;
2. the same key;
3. a broader request than the finding ("troponin" for "Troponin I", "CT" for "CT abdomen");
4. a narrower request than the finding ("CT head without contrast" for "CT head").

A sibling test ("Troponin T" for "Troponin I", "CT head" for "CT abdomen", "fasting glucose" for a glucose
holding only its random value) is never taken for the one the case holds: it gets the missing-result answer.
A finding is also read with what its parents say it is of: the region of its examination ("lung auscultation"
is not ``Abdominal_Examination > Auscultation``), blood where no specimen is stated ("urine glucose" is not
the metabolic panel's glucose), and the sides its parts hold (a right-eye request gets the right eye).

A request for a part the case reports only within a larger region ("knee exam", "CT of the pancreas") gets
the nearest containing region's findings (the table's ``within`` rows), never those of another part of it;
imaging that names no region ("Radiographs") answers only for the regions its report or the examination
names. The words that ask for a test and the reason given for it ("Could we get a lipase to rule out
pancreatitis?") are not read as its name, and a gloss naming a panel's members asks for those members.

A request that matches several findings returns all of them; a panel the case does not hold as one finding
returns the members it holds, and a member of a panel the case reports only as a whole ("TSH" where the case
says "Thyroid function tests: normal") returns that panel.

The lookup reports a requested result exactly as the case wrote it: reading the MRI report is how a
doctor makes the diagnosis, so its words are not withheld. What stays out is what is not a test: the
lookup never reads ``Correct_Diagnosis`` (it holds only the exam and test trees), and a request that
asks for the diagnosis, or names it without naming one of the case's tests, gets the missing-result
answer instead of the nearest match.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz, process

from agents.findings import Node, is_placeholder, pretty_name, render, walk
from agents.leaks import DiagnosisGuard
from agents.llm import LLMRoleMixin
from agents.names_of_tests import (
    ANY_MODALITY,
    BOTH_SIDES,
    Key,
    concept_key,
    exact_name,
    facets_agree,
    is_generic_name,
    key_of_words,
    match_tier,
    name_table,
    signs_named,
    words_of,
)
from agents.per_case import PerCase
from agents.prompts import load_prompt
from agents.report_items import text_items
from agents.roles import AsyncRole, DeterministicRole
from agents.types import Reply, Turn
from models.backends import ChatBackend, GenerationConfig, Message
from scenarios import Case

MissingPolicy = Literal["normal", "unavailable"]
RESULTS_PREFIX = "RESULTS:"
NORMAL_READINGS = "NORMAL READINGS"
RESULT_SEPARATOR = " | "
TYPO_THRESHOLD = 88.0
TYPO_MIN_LENGTH = 6
DEFAULT_SPECIMEN = "blood"
ANY_SPECIMEN_TESTS = frozenset({"toxicology", "hcg"})
"""Tests a record often names without their specimen though it is often not blood (a drug screen or a
pregnancy test is mostly urine): a result of theirs stating no specimen answers a request naming any."""
NARROWER = 3
"""match_tier's tier for a request narrower than the finding."""
EXAMINATION_WORDS = frozenset({"exam", "examination", "auscultation", "palpation", "percussion", "inspection"})
"""Words that ask for the physical examination (or one of its methods) rather than imaging of the region."""
ONE_RESULT_WORDS = frozenset({"ratio"})
"""Words that make 'A/B ratio' one result, not a request for A and for B."""

# Requests for the answer itself rather than for a test ('diagnosis', 'Correct_Diagnosis', 'final diagnoses').
_DIAGNOSIS_REQUEST = re.compile(r"\bdiagnos(?:is|es|e|ed|ing)?\b")
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
_PARENTHESES = re.compile(r"\([^()]*\)")
# Where a request names several tests ('BUN and creatinine', 'PT/PTT', 'ESR, CRP').
_REQUEST_PARTS = re.compile(r"\s*(?:[,;/&+]|\band\b|\bplus\b|\bwith\b)\s*", re.IGNORECASE)
# Where a finding's name joins two studies ('CT_Scan_Thorax_and_Abdomen', 'Ultrasound with Doppler').
_NAME_PARTS = re.compile(r"(?:[_\s]+(?:and|with)[_\s]+|\s*[/&]\s*)", re.IGNORECASE)


def _asks_for_examination(words: Sequence[str], key: Key) -> bool:
    """Whether a request names the physical examination ('knee exam', 'examination of the chest') and
    no imaging: the table drops 'exam' as a qualifier, but it still says which kind of finding is meant."""
    return bool(EXAMINATION_WORDS.intersection(words) or EXAMINATION_WORDS & key.tokens) and not key.modality


def _test_named(request: str) -> str:
    """The test a request names, without the words asking for it or the reason it is wanted ('Could we
    get a serum lipase to rule out pancreatitis?' -> 'serum lipase'); the request itself when nothing
    would be left."""
    core = _REASON.sub("", _ARTICLE.sub("", _ASKING.sub("", request, count=1), count=1), count=1).strip(" ?.!")
    return core or request


def missing_result(policy: MissingPolicy, name: str) -> str:
    if policy == "normal":
        return f"{RESULTS_PREFIX} {NORMAL_READINGS}"
    return f"{RESULTS_PREFIX} {name} is not available for this patient."


@dataclass(slots=True)
class Finding:
    """A node of the case's record with the keys it answers to."""

    node: Node
    order: int
    keys: list[Key]
    """its own name's key (unless the name is generic) and its key with its parents' words."""
    part_keys: list[Key]
    """keys of the studies a joined name holds ('CT thorax and abdomen'): weaker than the name itself."""
    own: Key
    group: bool
    placeholder: bool
    from_text: bool
    exam: bool
    generic: bool
    """named only by its place in a report ('Findings', 'Other_Findings'): it answers through its parents."""
    whole: bool = True
    """reported as one result: a text, or a section whose parts are only generic ('Findings')."""
    parents: list[Finding] = field(default_factory=list)
    region: frozenset[str] = frozenset()
    """the body regions it is of: its own name's, else its parents' ('Abdominal_Examination > Auscultation')."""
    child_sides: frozenset[str] = frozenset()
    """the sides its parts state, for a finding that states none itself ('Fundoscopy > Right_Eye')."""
    variants: frozenset[str] = frozenset()
    """specifier words its parts name as variants of it ('Blood_Glucose_Level > Random' -> random)."""

    @property
    def default_blood(self) -> bool:
        """A test result stating no specimen, in no specimen's context and not imaging: a blood value.
        Examination findings are of no specimen, save the tests a record writes inside them (NEJM cases)."""
        if (self.exam and not self.from_text) or self.own.specimen or self.own.modality:
            return False
        return not (self.keys and self.keys[-1].tokens & ANY_SPECIMEN_TESTS)


def _part_keys(name: str, whole: Key, parent: Key, specifiers: frozenset[str]) -> list[Key]:
    """Keys of each test a joined name holds ('ESR_and_CRP' -> ESR, CRP; 'CBC_with_Differentiation' ->
    CBC; 'Pelvic_Ultrasound_with_Doppler' -> pelvic ultrasound, the study the rest adds to). A later part
    that only narrows the rest ('Doppler', 'Knee' in 'Hip_and_Knee') is no test of its own: the whole name
    answers for it."""
    parts = [part for part in _NAME_PARTS.split(name) if part.strip()]
    if len(parts) < 2:
        return []
    keys = []
    for number, part in enumerate(parts):
        key = concept_key(part)
        if key.tokens - specifiers or (number == 0 and key.modality and key.tokens):
            keys.append(
                Key(key.tokens, key.specimen or whole.specimen, key.modality or whole.modality, key.side).inherit(
                    parent
                )
            )
    return keys


class CaseFindings:
    """A case's exam and test findings with their keys, built once per case and shared by every lookup of the
    case (``case_findings``), with the answers found so far (the same request always finds the same nodes)."""

    def __init__(self, case: Case):
        self.table = name_table()
        self.findings: list[Finding] = []
        self._build([*walk(case.exam)], exam=True)
        self.examined_regions = frozenset().union(
            *(finding.own.tokens & self.table.regions for finding in self.findings)
        )
        """The regions the examination names (what imaging that names no region may be of)."""
        self._build([*walk(case.tests)], exam=False)
        self.nodes: list[Node] = [finding.node for finding in self.findings]
        self.by_path: dict[str, Finding] = {}
        self.by_name: dict[str, list[Finding]] = {}
        for finding in self.findings:
            self.by_path.setdefault(exact_name(" ".join(finding.node.path)), finding)
            self.by_name.setdefault(exact_name(finding.node.name), []).append(finding)
        self.known = self.table.words | {word for finding in self.findings for word in words_of(finding.node.name)}
        self.answers: dict[str, tuple[Node, ...]] = {}

    def _build(self, nodes: list[Node], *, exam: bool) -> None:
        """Findings for a tree's nodes (parents first) and for the tests written inside their texts."""
        by_path: dict[tuple[str, ...], Finding] = {}
        for node in nodes:
            parent = by_path.get(node.path[:-1])
            finding = self._finding(node, parent, from_text=False, exam=exam)
            by_path[node.path] = finding
            if isinstance(node.value, str) and len(node.value) > 20:
                items: dict[tuple[str, ...], Finding] = {node.path: finding}
                for relative, value in text_items(node.value, free_text=len(node.path) == 1):
                    path = (*node.path, *relative)
                    item = self._finding(Node(path, value), items.get(path[:-1], finding), from_text=True, exam=exam)
                    items[path] = item

    def _finding(self, node: Node, parent: Finding | None, *, from_text: bool, exam: bool) -> Finding:
        """A finding's keys: its own name (unless generic), its name with its parents', and its parts."""
        parent_key = parent.own if parent else Key()
        own = concept_key(node.name).inherit(parent_key)
        context_tokens = own.tokens | (parent.keys[-1].tokens if parent and parent.keys else frozenset())
        context = Key(context_tokens, own.specimen, own.modality, own.side)
        generic = is_generic_name(node.name)
        keys = ([] if generic else [own]) + [context]
        part_keys = [] if generic else _part_keys(node.name, own, parent_key, self.table.specifiers)
        value = node.value
        finding = Finding(
            node=node,
            order=len(self.findings),
            keys=keys,
            part_keys=part_keys,
            own=own,
            group=isinstance(value, dict) and any(isinstance(child, dict) for child in value.values()),
            placeholder=is_placeholder(value),
            from_text=from_text,
            exam=exam,
            generic=generic,
            parents=[*parent.parents, parent] if parent else [],
        )
        finding.region = (own.tokens & self.table.regions) or (parent.region if parent else frozenset())
        if not finding.region and own.modality - {ANY_MODALITY} and not exam:
            finding.region = self._implied_region(node)
        if parent is not None and not generic:
            parent.whole = False
            self._tell_parents(finding, parent)
        self.findings.append(finding)
        return finding

    def _implied_region(self, node: Node) -> frozenset[str]:
        """Where imaging that names no region ('Radiographs', 'MRI') may have been taken: the regions its
        report names and the regions the case examined, each with the regions containing it ('pancreas'
        is also 'abdomen'); empty, so any region agrees, when neither names one."""
        regions = key_of_words(words_of(render(node.value)), self.table).tokens & self.table.regions
        regions |= self.examined_regions
        return frozenset(regions).union(*(self.table.within.get(region, ()) for region in regions))

    def _tell_parents(self, finding: Finding, parent: Finding) -> None:
        """Record on its parents the side a part states, and on its parent a part naming a variant."""
        if finding.own.side and finding.own.side != parent.own.side:
            for above in finding.parents:
                if not above.own.side:
                    above.child_sides |= finding.own.side
        extra = finding.own.tokens - parent.own.tokens
        if extra and extra <= self.table.specifiers and not extra & self.table.regions:
            parent.variants |= extra


case_findings: PerCase[CaseFindings] = PerCase(CaseFindings, parts=lambda case: (case.exam, case.tests))
"""A case's ``CaseFindings``, built once and shared by every lookup of the case (see ``agents.per_case``)."""


class LookupMeasurement(DeterministicRole):
    """Finds the requested examination or test in the case however a clinician names it, and reports
    every matching finding's recorded values as the case wrote them (see the module docstring).

    Where findings share a name, a real result beats a placeholder ("Recommended but findings not
    provided" in the exam, the slit-lamp findings in the tests); a finding also answers to its whole
    path ('CT abdomen findings')."""

    backend = "lookup"

    def __init__(self, case: Case, *, missing: MissingPolicy = "normal"):
        self.case = case
        self.missing = missing
        self.guard = DiagnosisGuard(case.diagnosis, words=False)
        self._diagnosis_words = exact_name(case.diagnosis)
        shared = case_findings(case)
        self._table = shared.table
        self.findings = shared.findings
        self.nodes = shared.nodes
        self.by_path = shared.by_path
        self.by_name = shared.by_name
        self._known = shared.known
        self._cache = shared.answers
        self._diagnosis_key = self._key(words_of(case.diagnosis))

    # -- answering ---------------------------------------------------------------------------------

    def find_all(self, request: str) -> tuple[Node, ...]:
        """Every finding the request asks for, in the order of the record; empty when the case holds
        none (or the request asks for the diagnosis)."""
        cache_key = request.strip().lower()
        if cache_key not in self._cache:
            self._cache[cache_key] = tuple(finding.node for finding in self._find(request))
        return self._cache[cache_key]

    def find(self, request: str) -> Node | None:
        """The first finding the request asks for, or None."""
        found = self.find_all(request)
        return found[0] if found else None

    def result_text(self, request: str) -> str:
        found = self.find_all(request)
        if not found:
            return missing_result(self.missing, request)
        several = len(found) > 1
        rendered = RESULT_SEPARATOR.join(f"{self._label(node, several)}: {render(node.value)}" for node in found)
        return f"{RESULTS_PREFIX} {rendered}"

    @staticmethod
    def _label(node: Node, several: bool) -> str:
        """A result's name as the case wrote it; among several results, a generic one ('Findings')
        also says whose it is ('CT Abdomen Findings')."""
        if several and len(node.path) > 1 and is_generic_name(node.name):
            return f"{pretty_name(node.path[-2])} {pretty_name(node.name)}"
        return pretty_name(node.name)

    def respond(self, text: str, history: Sequence[Turn]) -> Reply:
        return Reply(text=self.result_text(text), backend=self.backend)

    def _find(self, request: str) -> list[Finding]:
        request = _test_named(request)
        words = words_of(request)
        if not words or _DIAGNOSIS_REQUEST.search(" ".join(words)):
            return []
        exact = self._exact(words)
        key = self._key(words)
        if exact or self._only_the_diagnosis(request, words, key):
            return exact
        found = self._by_words_key(words, key)
        bare = _PARENTHESES.sub(" ", request)
        if not found and bare != request and bare.strip():
            return self._glossed(bare, request)
        parts = [part for part in _REQUEST_PARTS.split(bare) if part.strip()]
        if len(parts) < 2 or key.tokens & ONE_RESULT_WORDS:
            return found or self._mentioned_in_exam(words)
        each = self._outermost([finding for part in self._spread_modality(parts) for finding in self._one_part(part)])
        if not found or (len(each) > len(found) and {id(f) for f in found} < {id(f) for f in each}):
            return each  # 'Total and direct bilirubin': both, not the direct one the words also name
        return found

    def _glossed(self, bare: str, request: str) -> list[Finding]:
        """A request with a gloss: 'Liver enzymes (AST/ALT)' is the tests the gloss names when they lie
        inside what the name finds (the liver panel), else what the name finds; a gloss naming every part
        of a panel (all but one, for a panel of four or more) still asks for the panel."""
        found = self._find(bare)
        glosses = [gloss.strip("() ") for gloss in _PARENTHESES.findall(request)]
        named = [finding for gloss in glosses if gloss for finding in self._find(gloss)]
        inside = {id(finding) for finding in found}
        if not named or not all(id(f) in inside or inside & {id(p) for p in f.parents} for f in named):
            return found
        named = self._outermost(named)
        for whole in found:
            parts = [f for f in self.findings if f.parents and f.parents[-1] is whole and not f.generic]
            covered = sum(part in named for part in parts)
            if len(parts) > 1 and covered >= len(parts) - (len(parts) >= 4):
                return found  # 'Iron studies (ferritin, iron, TIBC)': the gloss lists the panel's parts
        return named

    def _mentioned_in_exam(self, words: list[str]) -> list[Finding]:
        """An examination manoeuvre the case reports inside a finding's text ('straight leg raise' in
        'Special_Test: Positive straight leg raise test', 'Kernig sign'): the examination findings that
        name it. Only for a sign the table lists (searched as the case would write it: 'SLR' as
        'straight leg raise') or a name holding a word the table does not know (an eponym), so an organ
        or a test named in passing ('bladder') never matches."""
        qualifiers = {word for word in words if getattr(self._table.phrases.get((word,)), "kind", "") == "qualifier"}
        content = [word for word in words if word not in qualifiers]
        phrases = [f" {' '.join(words_of(sign))} " for sign in signs_named(content, self._table)]
        if any(word not in self._table.words and len(word) >= 4 for word in content):
            phrases.append(f" {' '.join(content)} ")
        if not phrases:
            return []
        return [
            finding
            for finding in self.findings
            if finding.exam
            and isinstance(finding.node.value, (str, list))
            and any(phrase in f" {exact_name(render(finding.node.value))} " for phrase in phrases)
        ]

    def _one_part(self, part: str) -> list[Finding]:
        words = words_of(part)
        if not words:
            return []
        key = self._key(words)
        exact = self._exact(words)
        if exact or self._only_the_diagnosis(part, words, key):
            return exact
        return self._by_words_key(words, key)

    def _by_words_key(self, words: list[str], key: Key) -> list[Finding]:
        """The findings a request's key answers, else those of the region holding the one it names; a request
        naming the examination is never answered by imaging."""
        examination = _asks_for_examination(words, key)
        return self._by_key(key, examination=examination) or self._by_broader_region(key, examination=examination)

    def _spread_modality(self, parts: list[str]) -> list[str]:
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
            elif modality and key.tokens and key.tokens <= self._table.specifiers:
                part = f"{modality} {part}"
            elif not key.modality and key.tokens <= self._table.specifiers and number + 1 < len(parts):
                following = parts[number + 1].split()
                if len(following) > 1:
                    part = f"{part} {' '.join(following[1:])}"
            spread.append(part)
        return spread

    def _key(self, words: list[str]) -> Key:
        """The request's key, a misspelt word ('creatinin') first read as the known word it is closest to."""
        repaired = []
        for word in words:
            if word not in self._known and len(word) >= TYPO_MIN_LENGTH and word.isalpha():
                match = process.extractOne(word, self._known, scorer=fuzz.ratio, score_cutoff=TYPO_THRESHOLD)
                word = match[0] if match else word
            repaired.append(word)
        return key_of_words(repaired, self._table)

    def _exact(self, words: list[str]) -> list[Finding]:
        """The finding whose path is the request, or the findings whose name is (the record's own tree
        before tests found inside its texts)."""
        name = " ".join(words)
        by_path = self.by_path.get(name)
        if by_path is not None and len(by_path.node.path) > 1:
            return [by_path]
        named = self.by_name.get(name, [])
        in_tree = [finding for finding in named if not finding.from_text]
        return self._preferred(Key(), in_tree or named, by_name=True)

    def _by_key(self, request: Key, *, examination: bool = False) -> list[Finding]:
        """The findings whose keys answer the request best, then panel members or a panel as a whole.
        A request for an ``examination`` ('chest exam') is never answered by imaging ('Chest X-ray')."""
        if not request.tokens and not request.has_facets:
            return []
        best: dict[float, list[Finding]] = {}
        for finding in self.findings:
            if examination and finding.own.modality:
                continue
            tier = self._tier(request, finding)
            if tier is not None:
                best.setdefault(tier, []).append(finding)
        best = self._same_side(request, best)
        if best:
            return self._preferred(request, best[min(best)])
        return self._panel_members(request) or self._whole_panel(request)

    def _by_broader_region(self, request: Key, *, examination: bool) -> list[Finding]:
        """A request for a part the case reports only within a larger region ('knee exam' where the case
        holds the musculoskeletal examination, 'CT of the pancreas' where it holds a CT abdomen): the
        findings of the nearest containing region that has any, never one of another part of it ('MRI
        cervical spine' is no MRI of the lumbar spine, 'hip X-ray' no radiograph of the shoulder)."""
        for region in sorted(request.tokens & self._table.regions):
            for broader in self._table.within.get(region, ()):
                wider = Key(request.tokens - {region} | {broader}, request.specimen, request.modality, request.side)
                found = [
                    finding
                    for finding in self._by_key(wider, examination=examination)
                    if not any(broader in self._table.within.get(other, ()) for other in finding.region - {region})
                ]
                if found:
                    return found
        return []

    def _tier(self, request: Key, finding: Finding) -> float | None:
        """The finding's best tier for the request; a match through one part of a joined name ranks
        half a tier below a match through a whole name, so 'ESR' finds the ESR inside 'ESR_and_CRP'.
        The request must agree with what the finding is of beyond its own name: its parents' region,
        blood where it states no specimen, and the sides its parts state."""
        table = self._table
        if not self._context_agrees(request, finding):
            return None
        tiers = [
            tier
            for key in finding.keys
            if (tier := match_tier(request, key, group=finding.group, table=table)) is not None
            and not (tier == NARROWER and self._names_a_sibling(request, key, finding))
        ]
        tiers += [
            tier + 0.5
            for key in finding.part_keys
            if (tier := match_tier(request, key, group=finding.group, table=table)) is not None
        ]
        return min((tier for tier in tiers if tier is not None), default=None)

    @staticmethod
    def _same_side(request: Key, best: dict[float, list[Finding]]) -> dict[float, list[Finding]]:
        """For a request naming a side ('fundoscopy of the right eye'), the findings stating that side
        when any match, rather than the finding holding both sides."""
        if not request.side:
            return best
        sided = {
            tier: same
            for tier, found in best.items()
            if (same := [finding for finding in found if finding.own.side & request.side])
        }
        return sided or best

    def _names_a_sibling(self, request: Key, key: Key, finding: Finding) -> bool:
        """A narrower request ('fasting glucose') for a finding whose parts are its variants ('Blood
        glucose > Random'): the request names a variant the case does not hold, a sibling of the ones
        it does."""
        extra = request.tokens - key.tokens
        return bool(finding.variants) and bool((extra & self._table.specifiers) - self._table.regions)

    def _context_agrees(self, request: Key, finding: Finding) -> bool:
        """Whether the request's region, specimen and side agree with the finding's own and inherited
        ones: 'lung auscultation' is not the abdomen's auscultation, 'urine glucose' not the glucose of a
        metabolic panel, 'left eye visual acuity' not a visual acuity holding only the right eye."""
        asked_region = request.tokens & self._table.regions
        if asked_region and finding.region and not asked_region & finding.region:
            return False
        if request.specimen - {DEFAULT_SPECIMEN} and finding.default_blood:
            return False
        sides = finding.child_sides
        return not (request.side and sides and not (request.side & sides or BOTH_SIDES in request.side | sides))

    def _panel_members(self, request: Key) -> list[Finding]:
        """'CBC' where the case lists Hb, WBC and platelets on their own: the members it holds (in blood
        or an unstated specimen unless the request names one)."""
        if len(request.tokens) != 1:
            return []
        members = self._table.panels.get(next(iter(request.tokens)), frozenset())
        if not members:
            return []
        wanted = request if request.specimen else Key(request.tokens, frozenset({DEFAULT_SPECIMEN}))
        found = [
            finding
            for finding in self.findings
            if finding.keys
            and finding.keys[0].tokens
            and any(
                member <= finding.keys[0].tokens and finding.keys[0].tokens - member <= self._table.specifiers
                for member in members
            )
            and facets_agree(wanted, finding.keys[0])
            and self._context_agrees(wanted, finding)
        ]
        return self._preferred(wanted, found)

    def _whole_panel(self, request: Key) -> list[Finding]:
        """'TSH' where the case reports only 'Thyroid function tests: normal': that panel, when the case
        gives it as one result (a text, or a section of generic parts only)."""
        panels = set().union(*(self._table.member_of.get(token, frozenset()) for token in request.tokens))
        if len(request.tokens) != 1 or not panels:
            return []
        found = [
            finding
            for finding in self.findings
            if finding.whole
            and not finding.generic
            and finding.own.tokens & panels
            and len(finding.own.tokens) == 1
            and facets_agree(request, finding.own)
            and self._context_agrees(request, finding)
        ]
        return self._preferred(request, found)

    def _preferred(self, request: Key, found: list[Finding], *, by_name: bool = False) -> list[Finding]:
        """Among equally good findings: blood (or an unstated specimen) when the request names none,
        the examination over imaging when it names no modality (not for the case's own names, which
        say what they are), real results over placeholders of the same name, and a finding rather
        than the parts inside it."""
        if request.specimen:
            same = [f for f in found if f.own.specimen & request.specimen]
            found = same or found
        else:
            blood = [f for f in found if not f.own.specimen or f.own.specimen == {DEFAULT_SPECIMEN}]
            found = blood or found
        if not request.modality and not by_name:
            plain = [f for f in found if not f.own.modality]
            found = plain or found
        elif request.modality - {ANY_MODALITY}:
            same_kind = [f for f in found if f.own.modality & request.modality]
            found = same_kind or found
        real_names = {exact_name(f.node.name) for f in found if not f.placeholder}
        found = [f for f in found if not (f.placeholder and exact_name(f.node.name) in real_names)]
        return self._outermost(found)

    def _outermost(self, found: list[Finding]) -> list[Finding]:
        """The findings in record order, without those inside another one of them."""
        chosen = {id(f) for f in found}
        return self._ordered(f for f in found if not any(id(parent) in chosen for parent in f.parents))

    @staticmethod
    def _ordered(found: Iterable[Finding]) -> list[Finding]:
        unique = {id(finding): finding for finding in found}
        return sorted(unique.values(), key=lambda finding: finding.order)

    def _only_the_diagnosis(self, request: str, words: list[str], key: Key) -> bool:
        """The request holds the diagnosis (phrase or abbreviation) and names nothing besides it
        ('Varicella', 'Varicella test'): not a test of this case, so only an exact name of the record
        answers it. 'Varicella IgM' names a test, and is looked up like any other request."""
        named = self.guard.leaks(request) or (
            bool(self._diagnosis_words) and f" {self._diagnosis_words} " in f" {' '.join(words)} "
        )
        if not named:
            return False
        diagnosis = self._diagnosis_key
        return not (
            key.tokens - diagnosis.tokens
            or key.specimen - diagnosis.specimen
            or key.modality - diagnosis.modality
            or key.side - diagnosis.side
        )


class LLMMeasurement(LLMRoleMixin, AsyncRole):
    """A measurement reader played by a chat model over the case's exam and test record."""

    def __init__(
        self,
        case: Case,
        backend: ChatBackend,
        *,
        missing: MissingPolicy = "normal",
        config: GenerationConfig | None = None,
    ):
        self.case = case
        self.missing = missing
        record = {"Physical_Examination_Findings": case.exam, "Test_Results": case.tests}
        self.system_prompt = load_prompt("measurement").format(
            record=json.dumps(record, ensure_ascii=False, indent=1),
            missing=missing_result(missing, "<the test>"),
        )
        super().__init__(backend, config or GenerationConfig(max_tokens=512, temperature=0.0))

    def messages(self, text: str, history: Sequence[Turn]) -> list[Message]:
        return [
            Message(role="system", content=self.system_prompt),
            Message(role="user", content=f"The doctor requests: {text}"),
        ]

    def postprocess(self, text: str) -> str:
        text = text.strip()
        return text if text.upper().startswith(RESULTS_PREFIX) else f"{RESULTS_PREFIX} {text}"
