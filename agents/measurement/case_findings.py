"""A case's exam and test findings with the keys they answer to, built once per case and shared.

Every node of the case's exam and test trees is a finding, and so is every test written inside a finding's
free text (:mod:`agents.measurement.report_items`). A finding answers to its own name's key (unless the name
is generic, such as 'Findings'), to its name with its parents' words, and to each study a joined name holds
('CT thorax and abdomen'); it also knows what its parents say it is of: the body region of its examination,
the sides its parts state, and the variants its parts name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from agents.findings import Node, is_placeholder, render, walk
from agents.measurement.name_table import NameTable, name_table
from agents.measurement.name_words import exact_name, words_of
from agents.measurement.names_of_tests import (
    ANY_MODALITY,
    BOTH_SIDES,
    EXCLUSIVE_KINDS,
    KIND_FAMILIES,
    VENOUS,
    VESSELS,
    Key,
    concept_key,
    key_of_words,
)
from agents.measurement.report_items import text_items
from agents.per_case import PerCase
from scenarios import Case

DEFAULT_SPECIMEN = "blood"
VITAL_SIGNS = "vital_sign"
PULSE = "heart_rate"
"""The concept of a pulse: the vital signs' heart rate, or the pulses an examination feels."""
ANY_SPECIMEN_TESTS = frozenset({"toxicology", "hcg", "culture"})
"""Tests a record often names without their specimen though it is often not blood (a drug screen or a
pregnancy test is mostly urine, a culture of any sample): a result of theirs stating no specimen answers a
request naming any."""
# Where a finding's name joins two studies ('CT_Scan_Thorax_and_Abdomen', 'Ultrasound with Doppler').
_NAME_PARTS = re.compile(r"(?:[_\s]+(?:and|with)[_\s]+|\s*[/&]\s*)", re.IGNORECASE)


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
    children: list[Finding] = field(default_factory=list, repr=False, compare=False)
    """the findings directly inside it, generic sections ('Findings') included."""
    region: frozenset[str] = frozenset()
    """the body regions it is of: its own name's, else its parents' ('Abdominal_Examination > Auscultation')."""
    child_sides: frozenset[str] = frozenset()
    """the sides its parts state, for a finding that states none itself ('Fundoscopy > Right_Eye'), or the one
    side its report names ('... deep veins of the right leg')."""
    child_specimens: frozenset[str] = frozenset()
    """the specimens its parts state, for a finding that states none itself ('Viral_Cultures > Vesicle_Fluid')."""
    kinds: frozenset[str] = frozenset()
    """its kinds among those that exclude each other (``KIND_FAMILIES``): its name's, or for a study or culture
    naming none, the one its report states ('... deep venous systems of the right leg', 'grew Staphylococcus')."""
    variants: frozenset[str] = frozenset()
    """specifier words its parts name as variants of it ('Blood_Glucose_Level > Random' -> random)."""

    @property
    def vital_sign(self) -> bool:
        """One of the vital signs (or the section holding them)."""
        return any(VITAL_SIGNS in finding.own.tokens for finding in (self, *self.parents))

    def descendants(self) -> list[Finding]:
        """Every finding inside this one, at any depth."""
        inside = list(self.children)
        for finding in inside:
            inside.extend(finding.children)
        return inside

    @property
    def felt_pulse(self) -> bool:
        """An examination's pulses (not the vital signs' heart rate): felt wherever an artery runs, whatever region
        its examination is filed under."""
        return self.exam and not self.from_text and self.own.tokens == {PULSE} and not self.vital_sign

    @property
    def sides_in_context(self) -> frozenset[str]:
        """The sides its parts or report state, else those of the nearest finding around it stating any (the
        palpation of a knee examination whose inspection names the left knee is the left knee's)."""
        around = (above.child_sides for above in reversed(self.parents) if above.child_sides)
        return self.child_sides or next(around, frozenset())

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


BLOOD_PRESSURE, ORTHOSTATIC, CULTURE, BLOOD_GAS = "blood_pressure", "orthostatic", "culture", "blood_gas"
POSTURES = frozenset({"lying", "supine", "sitting", "standing", "orthostatic", "postural"})
"""Words by which a blood pressure reports the postures it was taken in: it is an orthostatic blood pressure."""
REPORTED_KINDS = {
    "arterial": frozenset({"artery", "arterial"}),
    "venous": frozenset({"vein", "venous"}),
    "viral": frozenset({"virus", "viral", "hsv", "vzv", "herpes", "varicella", "zoster", "cmv", "enterovirus"}),
    "fungal": frozenset({"fungal", "fungi", "fungus", "candida", "hyphae", "yeast", "dermatophyte", "trichophyton"}),
    "bacterial": frozenset(
        {"bacteria", "bacterial", "staphylococcus", "streptococcus", "coli", "pseudomonas", "klebsiella", "gram"}
    ),
    "transthoracic": frozenset({"transthoracic", "tte"}),
    "transesophageal": frozenset({"transesophageal", "transoesophageal", "tee"}),
}
"""The words a study's, a culture's or a blood gas's report states its kind in (a vascular study's vessels, what a
culture grew, a gas of arterial blood)."""
ARTERIAL_TENSION = frozenset({"pao2"})
"""The arterial oxygen tension, which no venous gas reports."""
TISSUES = frozenset({"mucosa"})
"""Regions that say what tissue a sample is of but not where in the body: a 'Mucosal_Biopsy' is also of the organ
its report names."""
SAMPLED_SITE_TESTS = frozenset({"biopsy"})
"""Tests of tissue taken from some site: one that names no site ('Biopsy') is of the sites its report or the
examination names, as imaging that names no region is."""
RESULT_CONTAINERS = frozenset({"lab", "chemistry", "hematology"})
"""Test words that name a sheet of results rather than one test ('Laboratory studies', 'Serum chemistries',
'Hematology')."""
_CLAUSE_ENDS = re.compile(r"[.;:]\s+|\n+|\s+-\s+|\s*•\s*|[.;]$")
"""Where a result's text ends one statement: sentences, bullets and labelled items ('Urinalysis: - ...')."""


def _clauses(finding: Finding) -> list[str]:
    clauses = (clause.strip(" -•*\t") for clause in _CLAUSE_ENDS.split(render(finding.node.value)))
    return [clause for clause in clauses if clause]


def _overlap(clause: str, item: Finding) -> bool:
    """Whether a free text's clause is (or holds) the text of an item split out of it."""
    text, words = f" {exact_name(render(item.node.value))} ", f" {exact_name(clause)} "
    return bool(text.strip()) and (words in text or text in words)


def _words_without_units(text: str) -> list[str]:
    """A text's words without the unit after each number ('1.0 mg/dL' is no magnesium, '5 mm' no
    mismatch repair test)."""
    words = words_of(text)
    return [word for number, word in enumerate(words) if not (number and words[number - 1][:1].isdigit())]


class _Report:
    """A finding's report, read once for what it states beyond the finding's name: its words, and their key."""

    def __init__(self, node: Node, table: NameTable):
        self._node = node
        self._table = table

    @cached_property
    def words(self) -> list[str]:
        return words_of(render(self._node.value))

    @cached_property
    def said(self) -> frozenset[str]:
        return frozenset(self.words)

    @cached_property
    def key(self) -> Key:
        return key_of_words(self.words, self._table)

    def one(self, facet: Literal["side", "specimen"]) -> frozenset[str]:
        """The one side or specimen the report names ('... deep venous systems of the right leg'), so a request
        for another is not answered by it; nothing where it names several or none."""
        stated: frozenset[str] = getattr(self.key, facet)
        return stated if len(stated) == 1 else frozenset()

    def kinds(self) -> frozenset[str]:
        """The one kind of each family the report states (a vascular study's vessels, what a culture grew);
        none of a family where it states several. A gas reporting the PaO2 is of arterial or arterialised
        capillary blood, never venous."""
        stated = {kind for kind, words in REPORTED_KINDS.items() if words & self.said}
        kinds = frozenset(kind for family in KIND_FAMILIES if len(found := stated & family) == 1 for kind in found)
        if self.said & ARTERIAL_TENSION and not kinds & VESSELS:
            kinds |= VESSELS - {VENOUS}
        return kinds


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
        self.sentences: dict[int, list[list[str]]] = {}
        """The words of each finding's text read so far, by sentence (see ``TextSearch``)."""
        self._text_keys: list[tuple[Finding, list[Key]]] | None = None

    @property
    def text_keys(self) -> list[tuple[Finding, list[Key]]]:
        """Each result written as text, with the keys of its clauses: what tests and regions each speaks of
        (read once, when a request first needs it). Only results not named for a test of their own ('Laboratory
        studies', an examination's 'Palpation'): a biopsy's 'lymphocytes with a high proliferative index' is
        the biopsy's result, not a lymphocyte count, and a free text's clauses that such a result split out of
        it holds are left to that result."""
        if self._text_keys is None:
            texts = [f for f in self.findings if isinstance(f.node.value, (str, list)) and not f.placeholder]
            named = [f for f in texts if any(self._names_a_test(above) for above in (f, *f.parents))]
            self._text_keys = [
                (
                    finding,
                    [
                        key_of_words(_words_without_units(clause), self.table)
                        for clause in _clauses(finding)
                        if not any(finding in item.parents and _overlap(clause, item) for item in named)
                    ],
                )
                for finding in texts
                if finding not in named
            ]
        return self._text_keys

    def _names_a_test(self, finding: Finding) -> bool:
        """Whether a finding's own name says which test or imaging it is the result of."""
        return bool(finding.own.modality) or bool((finding.own.tokens - RESULT_CONTAINERS) & self.table.tests)

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
        own = named = concept_key(node.name)
        if not own.tokens and not own.modality and parent_key.specimen and not own.specimen <= parent_key.specimen:
            # 'Urinalysis > Blood' is the blood found in the urine, not a blood sample
            own = concept_key(f"{' '.join(sorted(parent_key.specimen))} {node.name}")
        own = own.inherit(parent_key)
        report = _Report(node, self.table)
        if CULTURE in own.tokens and not own.specimen and not exam and not isinstance(node.value, dict):
            own = Key(own.tokens, report.one("specimen"), own.modality, own.side)  # 'cultures of vesicle fluid'
        if BLOOD_PRESSURE in own.tokens and POSTURES & report.said:
            own = Key(own.tokens | {ORTHOSTATIC}, own.specimen, own.modality, own.side)  # lying and standing
        context_tokens = own.tokens | (parent.keys[-1].tokens if parent and parent.keys else frozenset())
        context = Key(context_tokens, own.specimen, own.modality, own.side)
        generic = named.names_no_test  # 'Findings', 'Result': the report's section, not a test
        keys = ([] if generic else [own]) + [context]
        if own.tokens & TISSUES and own.tokens & SAMPLED_SITE_TESTS and not exam:
            keys.append(Key(own.tokens - TISSUES, own.specimen, own.modality, own.side))  # as of its organ
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
        sampled = own.modality - {ANY_MODALITY} or own.tokens & SAMPLED_SITE_TESTS
        if finding.region <= TISSUES and sampled and not exam:
            finding.region |= self._implied_region(report)  # 'Mucosal_Biopsy': 'Colonic crypts with ...'
        if not own.side:
            self._note_stated_side(finding, report)
        finding.kinds = (own.tokens & EXCLUSIVE_KINDS) or (parent.kinds if parent else frozenset())
        if (own.modality or own.tokens & {CULTURE, BLOOD_GAS}) and not finding.kinds and not exam:
            finding.kinds = report.kinds()
        if parent is not None:
            parent.children.append(finding)
        if parent is not None and not generic:
            parent.whole = False
            self._tell_parents(finding, parent)
        self.findings.append(finding)
        return finding

    @staticmethod
    def _note_stated_side(finding: Finding, report: _Report) -> None:
        """Record the one side the report of a finding naming none states ('... deep veins of the right leg'); an
        examination's part stating one also says which side its examination is of ('Inspection: swelling around
        the left knee')."""
        stated = report.one("side") - {BOTH_SIDES}
        finding.child_sides |= stated
        if finding.exam and stated:
            _tell_sides_above(finding, stated)

    def _implied_region(self, report: _Report) -> frozenset[str]:
        """Where imaging or a biopsy that names no region ('Radiographs', 'MRI', 'Biopsy') may have been taken:
        the regions its report names and the regions the case examined, each with the regions containing it
        ('pancreas' is also 'abdomen'); empty, so any region agrees, when neither names one."""
        regions = report.key.tokens & self.table.regions
        regions |= self.examined_regions
        return frozenset(regions).union(*(self.table.within.get(region, ()) for region in regions))

    def _tell_parents(self, finding: Finding, parent: Finding) -> None:
        """Record on its parents the side a part states, on its parent the specimen a part states and a part naming
        a variant."""
        if finding.own.specimen and not parent.own.specimen:
            parent.child_specimens |= finding.own.specimen
        if finding.own.side and finding.own.side != parent.own.side:
            _tell_sides_above(finding, finding.own.side)
        extra = finding.own.tokens - parent.own.tokens
        if extra and extra <= self.table.specifiers and not extra & self.table.regions:
            parent.variants |= extra


def _tell_sides_above(finding: Finding, sides: frozenset[str]) -> None:
    """Record on each finding above one that states no side of its own the sides it holds within it."""
    for above in finding.parents:
        if not above.own.side:
            above.child_sides |= sides


case_findings: PerCase[CaseFindings] = PerCase(CaseFindings, parts=lambda case: (case.exam, case.tests))
"""A case's ``CaseFindings``, built once and shared by every lookup of the case (see ``agents.per_case``)."""
