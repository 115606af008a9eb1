"""Which of a case's findings a request's key answers, best first.

A finding answers in tiers (:func:`agents.measurement.names_of_tests.match_tier`: the same test, a broader
request, a narrower one), a part of a joined name half a tier below the whole, and only where the request
agrees with what the finding is of beyond its name: its parents' region, blood where it states no specimen,
the sides its parts state, the kind its name or report states among kinds that exclude each other (an
arterial Doppler is no Doppler of the veins, a viral culture none that grew bacteria). A panel the case does
not hold as one finding answers with the members it holds; a member of a panel the case reports only as a
whole answers with the panel, as does a smaller panel most of whose members it holds. A part of the body the
case reports only within a larger region answers with the nearest containing region's findings. Among equally
good findings the preferred ones are kept (see :meth:`KeyMatcher.preferred`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

from agents.measurement.case_findings import CULTURE, DEFAULT_SPECIMEN, RESULT_CONTAINERS, Finding
from agents.measurement.name_table import NameTable
from agents.measurement.name_words import exact_name
from agents.measurement.names_of_tests import (
    ANY_MODALITY,
    BOTH_SIDES,
    ECHO_APPROACHES,
    KIND_FAMILIES,
    TRANSTHORACIC,
    Key,
    facets_agree,
    match_tier,
)

SAMPLED_TISSUE = "tissue"
"""A specimen no blood test is asked of: 'GMS stain of the tissue' may be a stain the case states no specimen for."""
SAMPLES_TAKEN = frozenset({"swab", "scraping"})
"""Samples taken at the bedside and sent to the laboratory: a request for one is never the examination's finding."""
NARROWER = 3
"""match_tier's tier for a request narrower than the finding."""
BACTERIAL, BIOPSY = "bacterial", "biopsy"
SEROLOGY = frozenset({"antibody", "antigen"})
"""What a serology section's name reads as: the antibodies (or antigens) it reports, each named by its part."""
GROWN_KINDS = frozenset({"bacterial", "viral", "fungal"})
"""What a culture or a microbial preparation looks for: a request naming one asks for a sample's test, never a biopsy's
histology (unless it names the biopsy)."""
ECHO = "echo"
GAS_ANALYSED = frozenset({"blood_gas"})
"""Panels measured on their own analyser: a member another panel reports (the serum bicarbonate of a chemistry sheet)
is that panel's result, however large it is, never the gas's."""
ROUTINE_CULTURE_SPECIMENS = frozenset({"blood", "urine", "sputum", "stool", "csf"})
"""Specimens whose culture, unnamed, is the routine bacterial one."""


class KeyMatcher:
    """Matches request keys against one case's findings (shared by every lookup of the case)."""

    def __init__(self, findings: list[Finding], table: NameTable):
        self.findings = findings
        self.table = table

    def by_key(self, request: Key, *, examination: bool = False) -> list[Finding]:
        """The findings whose keys answer the request best, then panel members or a panel as a whole.
        A request for an ``examination`` ('chest exam') is never answered by imaging ('Chest X-ray')."""
        if not request.tokens and not request.has_facets:
            return []
        best: dict[float, list[Finding]] = {}
        for finding in self.findings:
            if examination and finding.own.modality:
                continue
            if request.modality and finding.exam and not finding.own.modality and not finding.from_text:
                continue  # 'scan of the tummy' is imaging, never the abdominal examination
            tier = self._tier(request, finding)
            if tier is not None:
                best.setdefault(tier, []).append(finding)
        best = self._same_side(request, best)
        if best:
            return self.preferred(request, best[min(best)])
        return self._panel_members(request) or self._whole_panel(request) or self._one_of_its_regions(request)

    def _one_of_its_regions(self, request: Key) -> list[Finding]:
        """An examination of one region ('listen to the heart') the case reports in one text with another
        ('Cardiopulmonary_Examination: No abnormalities detected'): that text, where it holds no parts of its own."""
        regions = request.tokens & self.table.regions
        if not regions or request.has_facets or request.tokens - regions - self.table.specifiers:
            return []
        return [
            finding
            for finding in self.findings
            if finding.exam
            and not finding.children
            and len(finding.own.tokens) > 1
            and finding.own.tokens <= self.table.regions
            and regions < finding.own.tokens
        ]

    def by_broader_region(self, request: Key, *, examination: bool) -> list[Finding]:
        """A request for a part the case reports only within a larger region ('knee exam' where the case
        holds the musculoskeletal examination, 'CT of the pancreas' where it holds a CT abdomen): the
        findings of the nearest containing region that has any, never one of another part of it ('MRI
        cervical spine' is no MRI of the lumbar spine, 'hip X-ray' no radiograph of the shoulder). A request for a
        specimen ('knee arthrocentesis': synovial fluid) is never answered by the examination of the region."""
        for region in sorted(request.tokens & self.table.regions):
            for broader in self.table.within.get(region, ()):
                wider = Key(request.tokens - {region} | {broader}, request.specimen, request.modality, request.side)
                found = [
                    finding
                    for finding in self.by_key(wider, examination=examination)
                    if not any(broader in self.table.within.get(other, ()) for other in finding.region - {region})
                    and not (request.specimen and finding.exam)
                    and not finding.own.specimen - {DEFAULT_SPECIMEN}  # a nail culture is no skin scraping's
                    and not self._reports_other_parts(finding, broader, region, request.side)
                ]
                if found:
                    return found
        return []

    def _reports_other_parts(self, finding: Finding, broader: str, asked: str, side: frozenset[str]) -> bool:
        """Whether a finding reports parts of the broader region one by one, none of them the asked part (or a part
        of it) at the asked side ('Musculoskeletal_Examination > Left_Wrist' for 'knee exam', '> Right_Knee' for
        'left knee'): a part it does not name it did not examine. 'Joint exam' is answered by the wrist it holds."""
        regions, within = self.table.regions, self.table.within
        reported = asked_for = False
        for part in finding.descendants():
            named = {region for region in part.own.tokens & regions if broader in within.get(region, ())}
            reported |= bool(named)
            asked_for |= any(region == asked or asked in within.get(region, ()) for region in named) and (
                not side or not part.own.side or bool(side & part.own.side)
            )
        return reported and not asked_for

    def _tier(self, request: Key, finding: Finding) -> float | None:
        """The finding's best tier for the request; a match through one part of a joined name ranks
        half a tier below a match through a whole name, so 'ESR' finds the ESR inside 'ESR_and_CRP'.
        The request must agree with what the finding is of beyond its own name: its parents' region,
        blood where it states no specimen, and the sides its parts state."""
        table = self.table
        if not self._context_agrees(request, finding):
            return None
        tiers: list[float] = [
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
        it does. So does one naming a kind ('HIV serology') that no part of a finding says, where each part names
        a test of its own ('Serology > Anti-PGL-1_antibodies')."""
        extra = (request.tokens - key.tokens) & self.table.specifiers - self.table.regions
        if finding.variants:
            return bool(extra)
        return (
            bool(extra and finding.children)
            and bool(key.tokens)
            and key.tokens <= SEROLOGY
            and all(child.own.tokens - key.tokens - request.tokens for child in finding.children)
            and not any(extra & part.own.tokens for part in finding.descendants())
        )  # 'HIV serology' where the serology reports only another antibody

    def _context_agrees(self, request: Key, finding: Finding) -> bool:
        """Whether the request's region, specimen and side agree with the finding's own and inherited
        ones: 'lung auscultation' is not the abdomen's auscultation, 'urine glucose' not the glucose of a
        metabolic panel, 'left eye visual acuity' not a visual acuity holding only the right eye, and a request
        naming a part of the body not a vital sign naming none ('femoral pulses' is no heart rate)."""
        asked_region = request.tokens & self.table.regions
        if asked_region and finding.region and not asked_region & finding.region and not finding.felt_pulse:
            return False  # ... but the pulses of a cardiovascular examination are felt at the groin too
        if asked_region and not finding.region and finding.vital_sign:
            return False  # 'femoral pulses' is the pulse examination, not the heart rate of the vital signs
        if request.specimen - {DEFAULT_SPECIMEN, SAMPLED_TISSUE} and finding.default_blood:
            return False
        if request.specimen & SAMPLES_TAKEN and finding.exam and not finding.from_text:
            return False  # 'swab of the ulcer', 'skin scrapings from the rash': the sample, never the examination
        if request.specimen and finding.child_specimens and not request.specimen & finding.child_specimens:
            return False  # 'blood cultures' is not a culture whose parts are all of vesicle fluid
        if self._other_imaging_inside(request, finding):
            return False  # 'PET brain' is not a section of brain imaging holding a CT and an MRI
        if (
            request.tokens & GROWN_KINDS
            and BIOPSY not in request.tokens
            and any(BIOPSY in key.tokens for key in finding.keys)
        ):
            return False  # 'fungal microscopy' is a preparation of a sample, not a biopsy's histology
        for family in KIND_FAMILIES:
            asked = request.tokens & family or self._default_kind(request, family)
            if not asked:
                continue
            held = finding.kinds & family or self._stated_by_default(finding, family)
            if held and not asked & held:
                return False  # an arterial Doppler is no Doppler of the veins, a viral culture none that grew bacteria
        sides = finding.sides_in_context
        return not (request.side and sides and not (request.side & sides or BOTH_SIDES in request.side | sides))

    @staticmethod
    def _default_kind(request: Key, family: frozenset[str]) -> frozenset[str]:
        """The kind a request means without naming one: a culture of blood, urine, sputum, stool or CSF is a
        bacterial culture (a viral culture is of vesicle fluid or a swab, and is asked for by name)."""
        if BACTERIAL in family and CULTURE in request.tokens and request.specimen & ROUTINE_CULTURE_SPECIMENS:
            return frozenset({BACTERIAL})
        return frozenset()

    @staticmethod
    def _other_imaging_inside(request: Key, finding: Finding) -> bool:
        """Whether a finding naming imaging of no stated kind ('Brain_Imaging') holds studies that state theirs,
        none of the kind the request names."""
        asked = request.modality - {ANY_MODALITY}
        if not asked or finding.own.modality - {ANY_MODALITY}:
            return False
        held = {modality for child in finding.children for modality in child.own.modality} - {ANY_MODALITY}
        return bool(held) and not held & asked

    @staticmethod
    def _stated_by_default(finding: Finding, family: frozenset[str]) -> frozenset[str]:
        """The kind a result is of without stating one: an echocardiogram is the standard transthoracic one."""
        if family == ECHO_APPROACHES and any(ECHO in key.tokens for key in finding.keys):
            return frozenset({TRANSTHORACIC})
        return frozenset()

    def _panel_members(self, request: Key) -> list[Finding]:
        """'CBC' where the case lists Hb, WBC and platelets on their own: the members it holds (in blood
        or an unstated specimen unless the request names one)."""
        if len(request.tokens) != 1:
            return []
        members = self.table.panels.get(next(iter(request.tokens)), frozenset())
        if not members:
            return []
        wanted = request if request.specimen else Key(request.tokens, frozenset({DEFAULT_SPECIMEN}))
        found = [
            finding
            for finding in self.findings
            if finding.keys
            and finding.keys[0].tokens
            and any(
                member <= finding.keys[0].tokens and finding.keys[0].tokens - member <= self.table.specifiers
                for member in members
            )
            and facets_agree(wanted, finding.keys[0])
            and self._context_agrees(wanted, finding)
            and not self._of_another_test(finding)
            and not self._of_another_panel(finding, members, next(iter(request.tokens)) in GAS_ANALYSED)
            and not _beside_another_sample(finding)
        ]
        return self.preferred(request, found)  # members stating no specimen are as good as those stating blood

    def _of_another_panel(self, finding: Finding, members: frozenset[frozenset[str]], apart: bool) -> bool:
        """Whether a finding is reported under a panel no larger than the one asked for (any panel, where the one asked
        for is measured ``apart``) that shares no more than one member with it ('Serum_Electrolytes > HCO3' for a blood
        gas): that panel's result, not the asked panel's (a sheet of chemistries holds many panels' members)."""
        return any(
            len(self.table.panels[panel] & members) <= 1 and (apart or len(self.table.panels[panel]) <= len(members))
            for parent in finding.parents
            for panel in parent.own.tokens & self.table.panels.keys()
        )

    @cached_property
    def _other_tests(self) -> frozenset[str]:
        """Test words that are neither a panel nor a panel's member ('flow_cytometry')."""
        return self.table.tests - RESULT_CONTAINERS - set(self.table.panels) - set(self.table.member_of)

    def _of_another_test(self, finding: Finding) -> bool:
        """Whether a finding is reported under a test that is neither a panel nor a panel's member
        ('Flow_Cytometry > Lymphocyte_Count'): a part of that test, not a member of a panel the request names."""
        return any(parent.own.tokens & self._other_tests for parent in finding.parents)

    def _whole_panel(self, request: Key) -> list[Finding]:
        """'TSH' or 'free T4' where the case reports only 'Thyroid function tests: normal': that panel, when
        the case gives it as one result (a text, or a section of generic parts only); likewise a smaller panel
        most of whose members it holds ('LFTs' in a comprehensive metabolic panel)."""
        core = request.tokens - self.table.specifiers
        panels = set().union(*(self.table.member_of.get(token, frozenset()) for token in core))
        panels |= set().union(*(self._larger_panels(token) for token in core))
        if len(core) != 1 or not panels:
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
        return self.preferred(request, found)

    def _larger_panels(self, panel: str) -> set[str]:
        """The panels holding most members of ``panel``: 'LFTs' or 'renal panel' where the case reports only a
        comprehensive metabolic panel as one result."""
        members = self.table.panels.get(panel, frozenset())
        return {
            other
            for other, held in self.table.panels.items()
            if other != panel and len(members) >= 2 and 2 * len(members & held) > len(members)
        }

    def preferred(self, request: Key, found: list[Finding], *, by_name: bool = False) -> list[Finding]:
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
        return self.outermost(found)

    def outermost(self, found: list[Finding]) -> list[Finding]:
        """The findings in record order, without those inside another one of them."""
        chosen = {id(f) for f in found}
        return self._ordered(f for f in found if not any(id(parent) in chosen for parent in f.parents))

    @staticmethod
    def _ordered(found: Iterable[Finding]) -> list[Finding]:
        unique = {id(finding): finding for finding in found}
        return sorted(unique.values(), key=lambda finding: finding.order)


def _beside_another_sample(finding: Finding) -> bool:
    """Whether a finding of one sample is reported inside a test of another ('Lumbar_Puncture > Serum_Glucose', the
    blood glucose set beside the CSF's): a comparison within that test, not a member of a panel of its own."""
    own = finding.own.specimen
    return bool(own) and any(parent.own.specimen and parent.own.specimen != own for parent in finding.parents)
