"""The deterministic measurement reader: a lookup over the case's exam and test trees.

It answers ``RESULTS: …`` (:mod:`agents.measurement.results`); a request the case holds nothing for is
answered by the missing-result policy. The lookup finds a test however a clinician names it: names are
read into keys through the reviewed test-name table (:mod:`agents.measurement.names_of_tests`), and tests
written inside a finding's free text are split out as findings of their own
(:mod:`agents.measurement.report_items`). A request is matched against every finding's key
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
A result asked for on the test that reports it ('the lymphocytes on the diff') or a test asked for with the one
result it should show ('urine microscopy for casts') is that part of it; imaging, a repeat or a trend is the
result among the tests rather than the examination's mention of it ('FAST ultrasound', 'repeat blood
pressure'); a radiograph's view named in the request is that view ('AP shoulder film').

When no finding is named for a request, the lookup reads it as clinicians also write: an examination with
the sign it looks for ('palpate the abdomen for hepatosplenomegaly'), a test with its site in words the table
does not know ('immunofluorescence of perilesional skin'), and a test that a result's text names
(:mod:`agents.measurement.text_search`: 'platelet count' in an NEJM case's 'Laboratory studies', 'blood smear'
in a blood count's other findings), a test named with words the table does not know where its result says
them ('dermatophyte culture'), and a test named with 'of' the other way round ('respiratory burst of his
neutrophils'), and an abbreviation with a second meaning read that way when its first finds nothing ('TLC');
a test run on a biopsy the case reports apart ('direct IF of a perilesional skin biopsy'), the baby's result
(the fetal one, else the patient's own), a test named with its method after 'by' ('ANA by IIF'), and last an
examination asked for by what it looks for, where the examination's text says it ('knee crepitus', 'pupils').
Questions about what a test showed ask for the test ('Did the urinalysis come back?'), and a question after a dash
naming a result inside the test asks for that result ('urine microscopy - any RBCs?'). Order-entry shorthand is read too
('CBC w/ diff', 'Lipase, serum', 'XR knee 3 views'), and a named manoeuvre or instrument is answered by the
kind of test the case reports ('finger-to-nose' by 'Coordination_Tests', the table's ``instance`` rows). A listed
part the names do not find is read as a request of its own ('appearance and behaviour'); a culture or a biopsy
asked for by another sample or site is the case's one culture or biopsy there ('corneal ulcer culture'), and a
standalone test named for what it looks for is the case's one test of its name ('sarcomere gene panel'), never
where a word the table does not know may name a sibling (imaging, a panel's result, a culture's other kind).

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

import re
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from agents.findings import Node, is_placeholder, pretty_name, render
from agents.leaks import DiagnosisGuard
from agents.measurement.case_findings import (
    DEFAULT_SPECIMEN,
    RESULT_CONTAINERS,
    SAMPLED_SITE_TESTS,
    Finding,
    case_findings,
)
from agents.measurement.key_match import KeyMatcher
from agents.measurement.name_words import exact_name, words_of
from agents.measurement.names_of_tests import (
    ANY_MODALITY,
    ASPIRATION,
    BOTH_SIDES,
    Key,
    facets_agree,
    is_generic_name,
    key_of_words,
)
from agents.measurement.request_words import (
    ASKS_FOR_DIAGNOSIS,
    BARE_SPECIMENS,
    BLOOD,
    DETERMINERS,
    EXAMINATION_METHODS,
    ONE_RESULT_WORDS,
    PARENTHESES,
    SAMPLE_TESTS,
    SOUGHT,
    URINE,
    RequestPart,
    after_the_tag,
    asks_for_examination,
    glossed_tests_apart,
    hoped_result,
    named_with_a_remark,
    on_the_dipstick,
    questions,
    request_parts,
    requested_test,
    spread_modality,
    tests_named_last,
    with_question_set_off,
)
from agents.measurement.results import RESULT_SEPARATOR, RESULTS_PREFIX, MissingPolicy, missing_result
from agents.measurement.text_search import TextSearch
from agents.roles import DeterministicRole
from agents.types import Reply, Turn
from scenarios import Case

TYPO_THRESHOLD = 88.0
POST_MODIFIER_WORDS = frozenset({"of", "from", "off", "in", "on", "at"})
"""Prepositions after which a request gives the site of the test it has named."""
LATER_RESULT_WORDS = frozenset({"repeat", "repeated", "serial", "trend", "trending", "monitoring", "recheck"})
"""Words asking for a result taken again after the examination's: where the case holds one among its tests (a
'Vital_Signs_Trend' beside the examination's vital signs), that one. Imaging asked for by its kind is likewise
the study among the tests, not the examination's mention of it ('FAST ultrasound')."""
PULSE_WORD, SKIN, BIOPSY, CULTURE = "pulse", "skin", "biopsy", "culture"
LABORATORY = "lab"
MICROSCOPY_WORDS = frozenset({"microscopy", "microscopic", "micro"})
URINALYSIS_WORDS = frozenset({"ua", "urinalysis", "dipstick", "dip", "routine", "r", "analysis"})
"""Words asking for the whole urinalysis beside its microscopy ('UA with micro', 'urine R/M')."""
MICROSCOPIC = frozenset({"wbc", "rbc", "cast", "crystal", "bacteria", "epithelial", "yeast"})
"""What a urine microscopy reports: cells, casts, crystals and organisms seen per high-power field."""
SURFACE_SAMPLES = frozenset({"wound", "scraping", "swab", "vesicle"})
"""Specimens taken from a lesion or a surface: a culture of one is asked for by another ('ulcer swab' for a wound's)."""
BODY_SURFACE = frozenset({"skin", "face", "head", "arm", "leg", "extremity", "hand", "foot"})
"""Regions holding the parts a skin biopsy may be taken from ('lip', 'elbow'), unlike the organs ('lymph_node')."""
ABBREVIATION = re.compile(r"[A-Z][A-Z0-9]+|[A-Z][a-z]?")
"""A test's abbreviation as written in capitals ('BP', 'SGOT'), or an element's symbol ('Na', 'K', 'Cl')."""
FELT_AT_A_SITE = frozenset({"heart_rate", "temperature"})
"""Vital signs that a site makes an examination's finding: a pulse felt at the foot is no heart rate, the warmth of a
knee no body temperature."""
RATE_WORDS = frozenset({"rate", "frequency"})
"""Words asking for a count per minute ('pulse rate', 'pulse frequency'): the vital signs', not the pulses felt."""
VIEW_WORDS = frozenset({"view", "projection"})
"""Words naming a radiograph's view: a request of a region and a view asks for the film, not the examination."""
SAMPLES = SAMPLED_SITE_TESTS | {ASPIRATION}
"""Samples a test is run on ('Gram stain of the aspirate', 'direct IF of the biopsy')."""
REPORT_SECTION_WORDS = frozenset(
    {"finding", "result", "impression", "comment", "report", "conclusion", "other", "level", "value", "analysis"}
)
"""Words naming a part of any report ('Findings', 'Level'): a request saying them asks for the whole result."""
BABY_WORDS, FETAL, MATERNAL = (
    frozenset({"baby", "infant", "newborn", "neonate", "neonatal", "child"}),
    "fetal",
    "maternal",
)
"""Words asking for the baby's result, and the word cases name the baby's results by beside the mother's."""
METHOD_PREPOSITIONS = frozenset({"by", "via", "using"})
"""Prepositions after which a request names how its test is done ('ANA by IIF')."""
LOOKS_LIKE = re.compile(r"\blooks? like\b", re.IGNORECASE)
"""How a doctor asks what a sample looks like ('What does the urine look like?'): its appearance."""
WHOLE_PREPOSITIONS = frozenset({"on", "in", "from", "off"})
"""Prepositions after which a request may name the test reporting the result it asks for ('... on the diff')."""
TYPO_MIN_LENGTH = 6
REPAIR_MIN_LENGTH = 5
IN_THE_BLOOD = "emia"
"""The ending French and Spanish clinicians give an analyte to name its level in the blood ('créatininémia')."""
MIN_PART_ALONE = 3
"""The fewest letters a part of a request read as a request of its own holds ('L' of 'mEq/L' is none)."""
FOLLOW_UP = re.compile(r"\s*(?:is|are|does|do|did|was|were|can|any)\b|.*\b(?:it|them|they)\b", re.IGNORECASE)
"""A part of a request asking about the part before it ('is it distended', 'any rebound'), naming no test."""
EITHER = re.compile(r"\s+or\s+", re.IGNORECASE)
"""'X or Y' in a request the names find nothing for as a whole: both are asked about."""
NOUN_FIRST_MOST = 4
"""The most words a name written noun first is read in the English order for ('sedimentation rate erythrocyte')."""
WORD = re.compile(r"[A-Za-z]+")
GLUED_KINDS = ({"region", "modality"}, {"region", "abbreviation"}, {"region", "synonym"})
"""The kinds of two words a clinician writes together without a space: a study and its site ('MRIbrain', 'skinbx').
So are the two words of one test's name, as German compounds write them ('bloodcount', 'thyroidvalues')."""
NAMING_KINDS = frozenset({"synonym", "abbreviation"})


def same_request(request: str) -> str:
    """The form under which requests count as the same one (case and surrounding spaces aside): the
    lookup answers them alike, and the exam score counts them once."""
    return request.strip().lower()


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
        self._match = KeyMatcher(shared.findings, shared.table)
        self._diagnosis_key = self._key(words_of(case.diagnosis))
        self._text = TextSearch(shared, self._diagnosis_key)

    # -- answering ---------------------------------------------------------------------------------

    def find_all(self, request: str) -> tuple[Node, ...]:
        """Every finding the request asks for, in the order of the record; empty when the case holds
        none (or the request asks for the diagnosis)."""
        cache_key = same_request(request)
        if cache_key not in self._cache:
            asked = self._repaired(after_the_tag(request))
            self._cache[cache_key] = tuple(finding.node for finding in self._find(asked))
        return self._cache[cache_key]

    def find(self, request: str) -> Node | None:
        """The first finding the request asks for, or None."""
        found = self.find_all(request)
        return found[0] if found else None

    def result_text(self, request: str) -> str:
        """The reply to a request: every result it asks for, or the missing-result answer."""
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

    def _repaired(self, request: str) -> str:
        """The request with each word neither the table nor the case knows read as the known word it is with two
        letters swapped ('pelivc' -> 'pelvic', 'resutls'), or as two known words written together ('MRIbrain',
        'skinbx'), where it is one of those in one way only."""
        return WORD.sub(lambda match: self._repaired_word(match.group()), request)

    def _repaired_word(self, word: str) -> str:
        lower = word.lower()
        if len(lower) < REPAIR_MIN_LENGTH or not any(self._unknown(read) for read in words_of(lower)):
            return word
        if lower.endswith(IN_THE_BLOOD) and (named := self._in_the_blood(lower[: -len(IN_THE_BLOOD)])):
            return named  # 'creatininemia', 'albuminemia': the creatinine, the albumin (French créatininémie)
        swapped = {lower[:i] + lower[i + 1] + lower[i] + lower[i + 2 :] for i in range(len(lower) - 1)}
        known = [candidate for candidate in swapped - {lower} if self._known_word(candidate)]
        if len(known) == 1:
            return known[0]
        halves = [
            f"{lower[:i]} {lower[i:]}"
            for i in range(2, len(lower) - 1)
            if {self._kind_of(lower[:i]), self._kind_of(lower[i:])} in GLUED_KINDS
            or self._kind_of(f"{lower[:i]} {lower[i:]}") in NAMING_KINDS  # 'bloodcount', 'liverenzymes'
        ]
        return halves[0] if len(halves) == 1 else word

    def _in_the_blood(self, stem: str) -> str:
        """The known word a stem before '-emia' is, with the final 'e' it may drop ('creatinin': 'creatinine')."""
        return next(
            (word for word in (stem, f"{stem}e") if len(word) >= REPAIR_MIN_LENGTH and self._known_word(word)), ""
        )

    def _known_word(self, word: str) -> bool:
        read = words_of(word)
        return len(read) == 1 and read[0] in self._known

    def _kind_of(self, word: str) -> str:
        """The kind of table row a word is by itself ('brain': a region), or '' where it is none."""
        entry = self._table.phrases.get(tuple(self._table.spellings.get(read, read) for read in words_of(word)))
        return entry.kind if entry is not None else ""

    def _find(self, request: str) -> list[Finding]:
        if (strip := on_the_dipstick(request)) != request and (found := self._find(strip)):
            return found  # 'leucocytes on dipstick': the leukocyte esterase, where the case reports it
        hoped = hoped_result(request)
        test = requested_test(request)
        if LOOKS_LIKE.search(request) and (sample := self._key(words_of(test))).specimen and not sample.tokens:
            test = f"{test} appearance"  # 'What does the urine look like?': its appearance
        found = self._find_requested(test)
        if hoped and found and not self._names_a_place(words_of(hoped)):  # 'MSK exam - left leg' is that examination
            found = self._found_inside(found, words_of(hoped)) or self._each_inside(found, hoped) or found
        said = set(words_of(request))
        if found and not hoped and URINE in said and MICROSCOPY_WORDS & said and not URINALYSIS_WORDS & said:
            found = [part for finding in found for part in self._seen_under_the_microscope(finding)]
        if found and all(finding.exam and finding.children for finding in found):
            found = self._text.narrowed(found, words_of(request))
        return found or self._written_otherwise(request, test) or self._before_a_remark(request)

    def _before_a_remark(self, request: str) -> list[Finding]:
        """A test named before a dash or brackets, and a remark after it that the names do not read ('INR — the key
        marker of synthetic function here', "WBC — I want to see whether there's a leukocytosis", 'serum creatinine
        (renal function before we decide on fluids)'): the test; where the remark is a question, unless it names
        another test the results do not say ('CBC — is the ferritin low?')."""
        if not (parts := named_with_a_remark(request)) or not (found := self._find(parts[0])):
            return []  # 'Neuro exam - sensation', 'Imaging - MRI Brain': a part of it, not a remark
        remark = parts[1]
        return self._no_other_test(found, words_of(remark)) if remark.endswith("?") else found

    def _written_otherwise(self, request: str, test: str) -> list[Finding]:
        """A request the names find nothing for, read as written another way: questions one after another ('Is her
        belly tender? Any guarding?'), abbreviations listed without commas ('BP HR', 'na k', 'Hb leuco thrombo'; not
        'Hgb A1c', one name in the table) or after the name they gloss ('liver enzymes ALT AST'), a question after a
        study without a dash ('CXR any cardiomegaly?'), a question naming its test last ('any bugs on gram stain of the
        tap?'), or imaging asked with what it may show after it ('chest film ground glass?'); 'X or Y' asks about
        both."""
        if len(written := questions(request)) > 1:  # 'Have routine bloods been done? Please send results': the bloods
            asked = [question for question in written if not self._only_report_words(question)]
            return self._match.outermost([finding for question in asked for finding in self._find(question)])
        listed = test.split()
        if (
            len(listed) > 1
            and "(" not in test  # 'Vitals: SpO2', read 'Vitals (SpO2)': a heading and its part
            and not self._kind_of(test)
            and all(self._one_test(word, any_case=True) for word in listed)
        ):
            return self._match.outermost([finding for word in listed for finding in self._find(word)])
        if glossed := self._glossed_by_abbreviations(test):
            return glossed
        if (set_off := with_question_set_off(request)) != request:
            return self._find(set_off)
        if request.rstrip().endswith("?") and (imaging := self._imaging_asked_about(listed)):
            return imaging
        if shown := self._shown_on_a_test(request):
            return shown
        return self._find(both) if (both := EITHER.sub(" and ", test)) != test else []  # 'any bullae or sloughing'

    @staticmethod
    def _only_report_words(question: str) -> bool:
        """Whether a question after another names only a part of a report ('Please send results'): it asks for the
        results of the test the question before named."""
        return set(words_of(requested_test(question))) <= REPORT_SECTION_WORDS

    def _imaging_asked_about(self, written: list[str]) -> list[Finding]:
        """A question of imaging with what it may show written after it ('chest film ground glass?', 'lumbar mri which
        level?'): the imaging its first words name, where the words after them name no place it lacks ('CT head bleed?'
        is no CT of the abdomen)."""
        for cut in range(len(written) - 1, 0, -1):
            head, tail = words_of(" ".join(written[:cut])), words_of(" ".join(written[cut:]))
            key = self._key(head)
            if not key.modality or (
                self._key(tail).tokens & self._table.regions and not key.tokens & self._table.regions
            ):
                continue
            found = self._find(" ".join(written[:cut]))
            if found and all(finding.own.modality or finding.own.tokens - self._table.specifiers for finding in found):
                return [finding for finding in found if not finding.exam]
        return []

    def _shown_on_a_test(self, request: str) -> list[Finding]:
        """A question of what a test showed, the test named last ('is there an obstructive pattern on spirometry?',
        'any bugs on gram stain of the tap?'): that test's results, or the part of them the question names; none where
        the words after 'on' name an examination ('any rash on the legs?'), or where the question names a part or
        another test the results lack ('benzos on the drug screen?')."""
        for hoped, test in tests_named_last(request):
            found = self._find(test)
            if found and not any(finding.exam for finding in found):
                sought = words_of(hoped)
                found = self._no_other_test(found, sought)
                inside = self._found_inside(found, sought)
                names_a_test = any(self._names_a_test(word) for word in sought)
                return inside or (found if not names_a_test or len(found) == 1 and found[0].whole else [])
        return []

    def _glossed_by_abbreviations(self, request: str) -> list[Finding]:
        """A name followed by the abbreviations of what it holds, without brackets ('liver enzymes ALT AST', 'coags
        PT INR'): read as the name glossed by them."""
        written = request.split()
        glossing = len(written)
        while glossing > 1 and self._one_test(written[glossing - 1]):
            glossing -= 1
        if glossing == len(written) or not words_of(" ".join(written[:glossing])):
            return []
        heading = " ".join(written[:glossing])
        glossing_words = written[glossing:]
        named = self._find(heading) if all(self._find(word) for word in glossing_words) else []
        if (
            not named
            or any(finding.children for finding in named)
            and not all(self._found_inside(named, words_of(word)) for word in glossing_words)
        ):
            return []  # 'synovial fluid CS' where the tap holds no culture
        glossed = self._glossed(heading, f"{heading} ({', '.join(glossing_words)})")
        return glossed if all(self._inside(finding, named) for finding in glossed) else []

    def _names_a_place(self, words: list[str]) -> bool:
        """Whether words name only a region of the body, with or without its side ('left leg')."""
        return _a_place(self._key(words), self._table.regions)

    def _one_test(self, word: str, *, any_case: bool = False) -> bool:
        """Whether a word is by itself the abbreviation of a test, in capitals ('BP', 'HR'), so that such words written
        one after another without a comma list tests (not 'orthostatic BP'); with ``any_case``, a table abbreviation
        in small or mixed letters too ('esr crp', 'Hb leuco thrombo'), or the one-word name of a panel's member ('urea
        creatinine', 'renin aldosterone'; not a panel's own name: 'BMP electrolytes' is the BMP's electrolytes)."""
        read = words_of(word)
        entry = self._table.phrases.get(tuple(read))
        if entry is None:  # a panel's member the table names only as one ('renin')
            return any_case and len(read) == 1 and read[0] in self._table.lone_members
        concept = set(entry.concept.split())
        if entry.kind not in NAMING_KINDS or not concept - self._table.specifiers:
            return False
        return ABBREVIATION.fullmatch(word) is not None or (
            any_case and (entry.kind == "abbreviation" or concept <= self._table.lone_members)
        )

    def _find_requested(self, request: str) -> list[Finding]:
        words = words_of(request)
        if not words or ASKS_FOR_DIAGNOSIS.search(" ".join(words)):
            return []
        key = self._key(words)
        if self._only_the_diagnosis(request, words, key):
            return self._exact(words)
        found = self._part_of_a_whole(words) or self._find_named(request, words, key)
        if (
            not found
            and key.tokens & RESULT_CONTAINERS
            and (other := key.tokens - RESULT_CONTAINERS) - self._table.regions
        ):
            found = self._find_named(
                request, words, Key(other, key.specimen, key.modality, key.side)
            )  # 'HIV blood test'
        pieces = SOUGHT.split(request, maxsplit=1)
        if not found and len(pieces) == 2:
            named, sought = words_of(pieces[0]), words_of(pieces[1])
            found = self._examined_for(named, sought) or self._sought_for(named, sought)
        if not found and (cut := _first(words, WHOLE_PREPOSITIONS)):
            found = self._shown_on(
                self._without_articles(words[:cut]), [w for w in words[cut + 1 :] if w not in DETERMINERS]
            )
        if found and (key.modality - {ANY_MODALITY} or LATER_RESULT_WORDS.intersection(words)):
            found = [finding for finding in found if not finding.exam] or found
        elif (methods := key.tokens & EXAMINATION_METHODS) and not key.tokens & self._table.tests:
            # 'feel for nodes in his neck' is no lymph node biopsy; 'look at the blood smear' names a test
            found = [finding for finding in found if finding.exam or finding.own.tokens & methods]
        if RATE_WORDS.intersection(words) or PULSE_WORD not in words:  # 'pulse rate', 'HR': no pulses felt
            found = [finding for finding in found if not finding.felt_pulse] or found
        found = [part for finding in found for part in self._part_named_by(finding, words)]
        found = [finding for finding in found if not self._grows_another_kind(finding, key)]
        if found and all(is_placeholder(finding.node.value) for finding in found):
            found = self._held_elsewhere(key) or found
        mothers = [finding for finding in found if MATERNAL in finding.own.tokens]
        if mothers and BABY_WORDS.intersection(words) and (babys := self._the_babys(words)):
            # 'blood group of newborn' where the mother's is reported too; 'blood groups of mother and baby': both
            found = self._match.outermost(mothers + babys) if MATERNAL in key.tokens else babys
        return (
            found
            or self._run_on_a_sample(words)
            or self._the_babys(words)
            or self._without_method(words)
            or self._without_unknown_words(words)
            or self._text.naming(key)
            or self._confirmed_by_text(words)
            or self._turned_round(words)
            or self._noun_first(words)
            or self._other_meaning(words)
            or self._text.describing(words, key)
            or self._without_findings(words)
            or self._region_without_unknown_words(words)
            or self._the_one_biopsy(key)
            or self._the_one_culture(key)
            or self._of_no_region(key)
            or self._the_blood_tests(key)
        )

    def _examined_for(self, named: list[str], sought: list[str]) -> list[Finding]:
        """An examination asked for with the sign it looks for ('Palpate the abdomen for hepatosplenomegaly',
        'listen for an abdominal bruit'): the examination the words before 'for' name, at the regions the
        words after it name when those before name none."""
        key = self._key(named)
        if not named or not asks_for_examination(named, key):
            return []
        regions = key.tokens & self._table.regions or self._key(sought).tokens & self._table.regions
        return self._by_words_key(named, Key(key.tokens | regions, key.specimen, key.modality, key.side))

    def _sought_for(self, named: list[str], sought: list[str]) -> list[Finding]:
        """A test asked with what it should show, in words the table does not know or that name no result of the
        case ('blood film for fragments', 'rectal biopsy for ganglion cells', 'PS for RBC morphology'): the test the
        words before 'for' name, where the case reports it as one result. Words before 'for' that name only a
        method ('serology for strongyloides') are no test without the organism, and a test the case reports in
        parts may hold the sought one among them, so neither is answered this way."""
        if not any(self._unknown(word) for word in sought) and (itself := self._find(" ".join(sought))):
            tested = self._find(" ".join(named)) if named else []
            # 'Throat culture for group A strep' where the culture's words report it: the culture
            inside = tested and not any(found.exam for found in tested)
            return tested if inside and all(self._inside(found, tested) for found in itself) else []
        key = self._key(named)
        names_a_test = bool(
            key.tokens - self._table.specifiers
            or key.specimen
            or key.modality - {ANY_MODALITY}
            or key.modality
            and key.tokens & self._table.regions  # 'the head scan': imaging of some kind
        )
        if not named or not names_a_test or any(self._unknown(word) for word in named):
            return []
        return [finding for finding in self._by_words_key(named, key) if self._one_result(finding)]

    def _without_articles(self, words: list[str]) -> list[str]:
        """The words without their articles ('a disc herniation compressing a nerve root'), keeping one that ends a
        name ('melan a', 'hepatitis a', 'vitamin a') or the words."""
        return [
            word
            for at, word in enumerate(words)
            if word not in DETERMINERS or at == len(words) - 1 or at and (words[at - 1], word) in self._table.phrases
        ]

    def _shown_on(self, sought: list[str], named: list[str]) -> list[Finding]:
        """A test asked with what it may show on it ('rib notching on CXR?', 'what rhythm is on the ECG?'): the test, as
        for a test asked for with what it should show, where what is sought names no other test; what is sought where
        the case reports it inside that test ('amphetamines on the tox screen')."""
        itself = [found for found in self._find(" ".join(sought)) if not found.generic]
        if itself and all(self._inside(found, self._find(" ".join(named))) for found in itself):
            return itself  # 'amphetamines on the tox screen', where the screen reports them apart
        return self._no_other_test(self._sought_for(named, sought), sought)

    def _no_other_test(self, found: list[Finding], sought: list[str]) -> list[Finding]:
        """The found results that can show what is sought on them. A test named in what is sought ('IHC stains on
        the biopsy'), or a method or organism ('PCR of VZV in the vesicle' where a culture grew HSV), is another test,
        unless the result's words say it ('his height and weight on the growth chart')."""
        tests = self._table.tests - self._table.specifiers
        by_word = [self._key([word]).tokens for word in sought]
        if self._key(sought).tokens & tests - frozenset().union(*by_word):
            return []  # 'direct IF' names a test by two words together: another test, run on the biopsy
        kinds = self._table.specifiers - self._table.regions  # 'PCR of VZV in vesicle': a method, an organism
        other_tests = [
            word for word, tokens in zip(sought, by_word, strict=True) if tokens & kinds or self._names_a_test(word)
        ]
        return [finding for finding in found if self._text.says_anywhere(finding, other_tests)]

    def _names_a_test(self, word: str) -> bool:
        """Whether a word is by itself a test's name ('IHC', 'immunostain'), not a word that is also part of one
        ('pattern', 'position')."""
        tokens = self._key([word]).tokens
        return bool(tokens & (self._table.tests - self._table.specifiers)) and bool(
            self._kind_of(word) in NAMING_KINDS or tokens - {word, word.removesuffix("s")}
        )

    def _seen_under_the_microscope(self, finding: Finding) -> list[Finding]:
        """The results of a urinalysis that its microscopy reports ('urine microscopy': the cells, casts and crystals
        per high-power field, not the dipstick's nitrites), where it reports others too."""
        parts = [
            part
            for part in finding.children
            if part.own.tokens & MICROSCOPIC or "hpf" in render(part.node.value).lower().replace(" ", "")
        ]
        return parts if parts and len(parts) < len(finding.children) else [finding]

    def _held_elsewhere(self, key: Key) -> list[Finding]:
        """The results of a test asked for at a site, where what the site's examination holds is only a placeholder
        ('slit lamp of the right eye' where the eye examination says 'Recommended but findings not provided' and the
        tests hold the slit-lamp findings): the test's results named without the site."""
        unplaced = Key(key.tokens - self._table.regions, key.specimen, key.modality, frozenset())
        if not unplaced.tokens - self._table.specifiers:
            return []
        return [finding for finding in self._match.by_key(unplaced) if not is_placeholder(finding.node.value)]

    def _of_no_region(self, key: Key) -> list[Finding]:
        """A test asked for at a site where the case reports it of none ('visual acuity of the right eye', 'visual
        acuity both eyes' where the vital signs report the vision): the test's results named without the site, where
        none of them is of a region, a sample or imaging (a CT of the abdomen is no answer to a CT of the head)."""
        unplaced = Key(key.tokens - self._table.regions, key.specimen, key.modality, key.side)
        if (
            unplaced == key
            or not unplaced.tokens - self._table.specifiers
            or unplaced.tokens & FELT_AT_A_SITE
            or asks_for_examination([], unplaced)
        ):
            return []
        found = self._match.by_key(unplaced)
        if not found or any(
            finding.region or finding.own.modality or finding.own.specimen - {BLOOD} for finding in found
        ):
            return []  # a sample or a study is of a site: 'fungal culture of the nail' is no scraping's culture
        sided = [part for finding in found for part in finding.children if part.own.side & key.side]
        return sided or found  # 'visual acuity of the right eye': the right eye's

    def _the_blood_tests(self, key: Key) -> list[Finding]:
        """The blood tests asked for as a whole ('blood tests', 'labs', 'bloods back yet?') where the case holds no
        result by that name: each result of the tests the case reports whole that is a blood panel or analyte, or holds
        one (its blood count, its 'Hematology'), not its imaging, samples of other sites or examination."""
        if key.tokens != {LABORATORY} or key.specimen - {BLOOD} or key.modality:
            return []
        named = self._table.lone_members | self._table.panels.keys()
        return [
            finding
            for finding in self.findings
            if not finding.exam
            and len(finding.node.path) == 1
            and any(part.own.tokens & named for part in (finding, *finding.children))
            and not finding.own.modality
            and not finding.own.specimen - {BLOOD}
        ]

    def _grows_another_kind(self, finding: Finding, key: Key) -> bool:
        """Whether a culture asked for by its kind ('fungal culture') is one that does not say its kind and whose
        result names only organisms of another ('Growth of Pseudomonas aeruginosa') or only another kind ('Negative for
        bacterial growth'): a sibling, not the one asked. One that says it looked for the kind asked ('no fungal
        growth') is the one."""
        asked = key.tokens & self._table.culture_kinds
        if not asked or asked & finding.own.tokens:
            return False
        grown = self._text.kinds_grown(finding)
        return bool(grown) and not grown & asked

    def _part_named_by(self, finding: Finding, words: list[str]) -> list[Finding]:
        """The one part of a found result named by one word that is no test or region (a radiograph's view, the
        first of two films) that the request says: 'AP shoulder film' where the radiographs are reported as 'AP',
        'Scapular_Y' and 'Axillary'; 'initial chest film' where the case holds 'Initial_Findings' and
        'Repeat_Findings'."""
        named = [
            part
            for part in finding.children
            if len(name := set(words_of(part.node.name)) - REPORT_SECTION_WORDS) == 1 and name <= set(words)
        ]
        if len(named) != 1:
            return [finding]
        part = named[0]
        unknown = {word for word in part.own.tokens if self._unknown(word)}
        regions = self._table.regions  # a part named as a kind of the whole ('shoulder abduction'), not as its region
        return (
            named
            if part.generic
            or part.own.tokens <= unknown | self._table.specifiers - self._table.regions
            or (part.own.tokens == finding.own.tokens and not self._key(words_of(part.node.name)).tokens & regions)
            else [finding]
        )

    def _part_of_a_whole(self, words: list[str]) -> list[Finding]:
        """A result asked for on the test that reports it ('the lymphocytes on the diff', 'glucose in the CSF'),
        or a test asked for with the result it should show ('urine microscopy for casts'): what the words naming
        the result find inside what the words naming the test find; empty when either finds nothing or the one
        holds none of the other."""
        items: list[list[str]] = []
        if "for" in words[1:-1]:
            cut = words.index("for")
            whole, part = words[:cut], words[cut + 1 :]
            if self._key(part).tokens <= self._key(whole).tokens:
                return []  # 'biopsy for histology' asks for the biopsy
            if "and" in part:  # 'LP for opening pressure and cell count': each result inside the tap
                items = [words_of(item.text) for item in request_parts(" ".join(part))]
        elif cut := _first(words, WHOLE_PREPOSITIONS):
            whole, part = words[cut + 1 :], words[:cut]
        else:
            return []
        whole = [word for word in whole if word not in DETERMINERS]
        wholes = self._find_named(" ".join(whole), whole) if whole and part else []
        if not wholes or not items:
            return self._found_inside(wholes, part) if wholes else []
        each = [self._found_inside(wholes, item) for item in items]
        return self._match.outermost([finding for found in each for finding in found]) if all(each) else []

    def _each_inside(self, wholes: list[Finding], listed: str) -> list[Finding]:
        """What each of several results a question lists finds inside the wholes ('UA - nitrite/LE?'); empty unless
        every one is found there."""
        items = [words_of(part.text) for part in request_parts(listed)]
        each = [self._found_inside(wholes, item) for item in items] if len(items) > 1 else []
        return self._match.outermost([finding for found in each for finding in found]) if each and all(each) else []

    def _found_inside(self, wholes: list[Finding], part: list[str]) -> list[Finding]:
        """What the words of a part find among the results inside the wholes ('RBCs' in the urinalysis); empty
        when they find none there, or only a generic part."""
        inside = _descendants(wholes)
        key = self._key(part)
        if key.specimen == {BLOOD} and not key.tokens and any(URINE in whole.own.specimen for whole in wholes):
            key = self._key([URINE, BLOOD])  # 'any blood on the urinalysis?': the dipstick's blood
        parts = KeyMatcher(inside, self._table).by_key(key) if inside and part else []
        return parts if parts and not any(found.generic for found in parts) else []

    def _the_babys(self, words: list[str]) -> list[Finding]:
        """A result asked for as the baby's ('baby's blood group'): the fetal one where the case reports results
        of mother and fetus, else the patient's own (the patient is the baby)."""
        if not BABY_WORDS.intersection(words):
            return []
        fetal = [FETAL if word in BABY_WORDS else word for word in words]
        rest = [word for word in words if word not in BABY_WORDS]
        return self._find_named(" ".join(fetal), fetal) or (self._find_named(" ".join(rest), rest) if rest else [])

    def _without_method(self, words: list[str]) -> list[Finding]:
        """A test named with how it is done after 'by' or 'via' ('ANA by IIF', 'wedge pressure via a Swan-Ganz'):
        the test the words before it name, where the case does not report it by that method apart."""
        head = words[: _first(words, METHOD_PREPOSITIONS)]
        return self._find_named(" ".join(head), head) if head else []

    def _run_on_a_sample(self, words: list[str]) -> list[Finding]:
        """A test run on a biopsy or an aspirate that the case reports apart from the sample ('direct IF of a
        perilesional skin biopsy', 'punch biopsy of the skin for direct immunofluorescence', 'Gram stain of the
        aspirate'): that test, read at the sample's site. The test is named before a preposition of place, or
        after 'for' a sample named first."""
        if "for" in words:
            cut = words.index("for")
            test, site = words[cut + 1 :], words[:cut]
        elif cut := _first(words, POST_MODIFIER_WORDS):
            test, site = words[:cut], words[cut + 1 :]
        else:
            return []
        if not SAMPLES & self._key(site).tokens:
            return []
        key = self._key(test)
        if not key.tokens - self._table.specifiers or SAMPLES & key.tokens:
            return []
        regions = self._key(site).tokens & self._table.regions
        found = self._by_words_key(test, Key(key.tokens | regions, key.specimen, key.modality, key.side))
        return [finding for finding in found if not SAMPLES & finding.own.tokens]

    def _one_result(self, finding: Finding) -> bool:
        """A finding reported as one result, or as one part under a heading ('Rectal_Biopsy > Histopathology')."""
        parts = self._parts(finding)
        return finding.whole or (len(parts) == 1 and parts[0].whole)

    def _parts(self, finding: Finding) -> list[Finding]:
        """The parts a finding holds directly, its generic sections ('Findings') aside."""
        return [part for part in finding.children if not part.generic]

    def _without_unknown_words(self, words: list[str]) -> list[Finding]:
        """A request whose words after a preposition of place hold some that neither the table nor the case
        knows ('direct immunofluorescence of perilesional skin'): read without them, as the site of the test
        the rest names. An unknown word before the preposition names the test itself ('Strongyloides
        serology', 'platelet aggregation studies'), and one after 'for' may name its analyte ('serology for
        strongyloides'), so neither is dropped; the rest must name the finding itself, not a narrower one
        that may be the dropped word's sibling."""
        preposition = next((i for i, word in enumerate(words) if word in POST_MODIFIER_WORDS), len(words))
        head, tail = words[:preposition], words[preposition:]
        if any(self._unknown(word) for word in head):
            return []
        kept = head + [word for word in tail if not self._unknown(word)]
        if len(kept) == len(words) or not head:
            return []
        key = self._key(kept)
        if not key.tokens:
            return []
        return [
            finding
            for finding in self._find_named(" ".join(kept), kept)
            if not all(key.tokens < own.tokens for own in finding.keys)
        ]

    def _without_findings(self, words: list[str]) -> list[Finding]:
        """A question about a part asked with what it may show ('Is his belly distended?', 'Are his cranial nerves
        intact?', 'any swollen lymph nodes?'): the examination the rest names, read without the words of the finding."""
        kept = [word for word in words if word not in self._table.findings and not self._both_sides(word)]
        asked = self._key(kept).tokens - EXAMINATION_METHODS
        if len(kept) == len(words) or not asked:
            return []  # 'Distended? Tender?' asks two questions, not for the palpation
        return [finding for finding in self._find_requested(" ".join(kept)) if finding.exam]

    def _both_sides(self, word: str) -> bool:
        """Whether a word says only that both sides were examined ('bilaterally'): an examination's text that does not
        say it still answers ('cremasteric reflex bilaterally')."""
        entry = self._table.phrases.get((word,))
        return entry is not None and entry.kind == "side" and entry.concept == BOTH_SIDES

    def _region_without_unknown_words(self, words: list[str]) -> list[Finding]:
        """An examination of a region asked for with words the table does not know ('examine the TMJ for clicking',
        'cervical os on speculum'): the parts of the region's examination whose texts say them. An examination that
        does not say them ('renal bruit' where the abdomen's reports the bowel sounds) did not look for them."""
        kept = [word for word in words if not self._unknown(word)]
        dropped = [word for word in words if self._unknown(word)]
        if not dropped or not self._key(kept).tokens & self._table.regions:
            return []
        examined = [finding for finding in self._find_named(" ".join(kept), kept) if finding.exam]
        return self._match.outermost(
            [
                part
                for finding in examined
                for part in (finding, *finding.descendants())
                if not part.children and self._text.says_anywhere(part, dropped)
            ]
        )

    def _the_one_biopsy(self, key: Key) -> list[Finding]:
        """A biopsy asked for by a site the case names otherwise ('lip bx' where the case holds 'Biopsy_of_Lesion',
        'biopsy of the elbow plaque' for 'Skin_Biopsy_of_Psoriatic_Patch'): the case's one biopsy, where the sites
        agree (one within the other, or the skin's biopsy for a part of the body's surface) and so do the sides. A
        biopsy of another organ ('sentinel lymph node biopsy' where the case holds the skin's) is none of it."""
        if BIOPSY not in key.tokens or key.modality or key.specimen or key.tokens - {BIOPSY} & self._table.tests:
            return []  # 'direct IF on the skin bx' asks for another test run on the biopsy
        biopsies = self._match.outermost(
            [finding for finding in self.findings if not finding.exam and BIOPSY in finding.own.tokens]
        )
        if len(biopsies) != 1:
            return []
        asked, held = key.tokens & self._table.regions, biopsies[0].own.tokens & self._table.regions
        if not asked or not facets_agree(key, biopsies[0].own):
            return []  # a biopsy named by no site is found by its name; a right femur's is no left femur's
        return biopsies if self._sites_agree(asked, held) else []

    def _sites_agree(self, asked: set[str] | frozenset[str], held: set[str] | frozenset[str]) -> bool:
        """Whether a site asked for is the site a sample was taken from: one within the other, or the skin's for a part
        of the body's surface."""
        within = self._table.within
        return (
            (held <= {SKIN} and all(set(within.get(region, ())) & BODY_SURFACE or region == SKIN for region in asked))
            or any(region in held or set(within.get(region, ())) & held for region in asked)
            or any(set(within.get(region, ())) & asked for region in held)
        )

    def _the_one_culture(self, key: Key) -> list[Finding]:
        """A culture asked for by a sample the case names otherwise ('corneal ulcer culture' where the case holds the
        'Corneal_Scraping_Culture', 'swab of the ulcer for culture' for the 'Wound_Culture'): the case's one culture
        of a sample from a lesion or a surface, where the sites agree, and the kinds of culture do too. A culture of
        another specimen (blood, sputum) is none of it."""
        if CULTURE not in key.tokens or key.modality or not key.specimen <= SURFACE_SAMPLES:
            return []
        cultures = self._match.outermost(
            [
                finding
                for finding in self.findings
                if not finding.exam
                and any(CULTURE in name.tokens for name in finding.keys)
                and finding.own.specimen & SURFACE_SAMPLES
            ]
        )
        if len(cultures) != 1 or not facets_agree(
            Key(key.tokens, frozenset(), key.modality, key.side), cultures[0].own
        ):
            return []
        culture = cultures[0]
        kinds = self._table.culture_kinds
        asked_kind, held_kind = key.tokens & kinds, culture.own.tokens & kinds
        if (asked_kind and held_kind and not asked_kind & held_kind) or self._grows_another_kind(culture, key):
            return []
        asked, held = key.tokens & self._table.regions, culture.own.tokens & self._table.regions
        if not (key.specimen or asked) or not asked & self._table.inside.get(SKIN, frozenset()) <= held:
            return []  # a nail's culture is of its clippings, no skin scraping's
        return [culture] if not asked or self._sites_agree(asked, held or {SKIN}) else []  # unnamed: the skin's

    def _other_meaning(self, words: list[str]) -> list[Finding]:
        """An abbreviation with a second meaning read that way when its first finds nothing ('TLC': the total
        leukocyte count, else the total lung capacity; the table's ``alternative`` rows)."""
        for term, meaning in self._table.alternatives.items():
            for start in range(len(words) - len(term) + 1):
                if tuple(words[start : start + len(term)]) == term:
                    other = [*words[:start], *meaning, *words[start + len(term) :]]
                    return self._find_named(" ".join(other), other)
        return []

    def _turned_round(self, words: list[str]) -> list[Finding]:
        """'Respiratory burst of his neutrophils' as 'neutrophil respiratory burst', the order the table and the
        case name it in: a request of one 'of' whose words after it name no site, or whose site and test read
        together are a test of their own ('endoscopy of the stomach' is the upper endoscopy)."""
        if words.count("of") != 1:
            return []
        cut = words.index("of")
        head, tail = words[:cut], [word for word in words[cut + 1 :] if word not in DETERMINERS]
        if not head or not tail:
            return []
        turned = tail + head
        if self._key(tail).tokens & self._table.regions and self._key(turned) == self._key(head + tail):
            return []
        return self._find_named(" ".join(turned), turned)

    def _noun_first(self, words: list[str]) -> list[Finding]:
        """A name written noun first, as Spanish, French and Italian order it ('factor rheumatoid', 'phosphatase
        alkaline', 'sedimentation rate erythrocyte'): read in the English order, where that order is one name the table
        knows."""
        if not 2 <= len(words) <= NOUN_FIRST_MOST or tuple(words) in self._table.phrases:
            return []  # 'blood routine' is a name as written
        for turned in (words[1:] + words[:1], words[-1:] + words[:-1]):
            if tuple(self._table.spellings.get(word, word) for word in turned) in self._table.phrases:
                return self._find_named(" ".join(turned), turned)
        return []

    def _confirmed_by_text(self, words: list[str]) -> list[Finding]:
        """A request holding words neither the table nor the case's names know, where the rest names a test
        whose result holds those words ('dermatophyte culture of the scraping' where the scraping's culture
        grew a dermatophyte): that test. Unconfirmed, such words may name a sibling ('fungal culture' where
        the case holds a bacterial one), so the request is answered so only where the test is the case's one test of
        its name and has no close siblings (see ``_stands_alone``)."""
        kept = [word for word in words if not self._unknown(word)]
        dropped = [word for word in words if self._unknown(word)]
        key = self._key(kept)
        if not dropped or not kept or not (key.tokens - self._table.specifiers or key.specimen):
            return []
        found = self._find_named(" ".join(kept), kept)
        said = " ".join(f"{exact_name(' '.join(f.node.path))} {exact_name(render(f.node.value))}" for f in found)
        if all(f" {word}" in f" {said}" for word in dropped):
            return found
        one = self._match.outermost(found)
        if not key.tokens - self._table.specifiers or len(one) != 1 or not self._stands_alone(one[0]):
            return []
        return found  # 'sarcomere gene mutation testing': the case's one genetic test, named for what it looks for

    def _stands_alone(self, finding: Finding) -> bool:
        """Whether a test has no close siblings a word the table does not know could name: not the examination, not
        imaging ('catheter angiography' is no CT angiography), not a culture or a biopsy of a sample ('contact lens case
        culture', 'wide local excision histology'), and not a panel or one result of one ('PCP on the tox screen',
        'platelet aggregation' is no platelet count)."""
        own = finding.own
        return not (
            finding.exam
            or own.modality
            or own.specimen
            or own.tokens & {CULTURE, BIOPSY}
            or own.tokens & self._table.panels.keys()
            or any(self._table.member_of.get(token) for token in own.tokens)
        )

    def _unknown(self, word: str) -> bool:
        return word not in self._known and word.isalpha()

    def _find_named(self, request: str, words: list[str], key: Key | None = None) -> list[Finding]:
        exact = self._exact(words)
        key = key or self._key(words)
        if exact or self._only_the_diagnosis(request, words, key):
            return exact
        bare = PARENTHESES.sub(" ", request)
        if len(pieces := glossed_tests_apart(request)) > 1 and all(apart := [self._find(piece) for piece in pieces]):
            return self._match.outermost([finding for found in apart for finding in found])  # 'echo (TTE) and ECG'
        if bare != request and bare.strip() and (glossed := self._glossed(bare, request)):
            return glossed
        found = self._by_words_key(words, key)
        listed = request_parts(bare)
        parts = self._samples_apart(self._named_together(listed))
        if len(listed) > 1 and len(parts) == 1 and not found:
            found = self._one_part(parts[0].text)  # 'bone marrow aspirate and biopsy' is one procedure
        slashed = request_parts(bare.replace("/", " ")) if "/" in bare else []
        if len(slashed) > 1 and all(self._one_part(part.text) for part in slashed):
            whole_ratio = self._each_part(slashed)
            if not found or {id(finding) for finding in found} < {id(finding) for finding in whole_ratio}:
                return whole_ratio  # 'FEV1 and FEV1/FVC', 'FEV1/FVC ratio and FEV1': the FEV1, and the ratio
        if len(parts) < 2 or (key.tokens & ONE_RESULT_WORDS and not any(part.after_with for part in parts)):
            return found or self._text.mentioning(words)  # 'FEV1/FVC ratio' is one result; 'spirometry with' it two
        each = self._each_part(parts)
        if each and "/" not in bare and all(key.tokens < finding.own.tokens for finding in found):
            return each  # 'FEV1 and FVC': both, not the ratio whose name says both ('FEV1/FVC')
        if not found or (len(each) > len(found) and {id(f) for f in found} < {id(f) for f in each}):
            return each  # 'Total and direct bilirubin': both, not the direct one the words also name
        if each != found and all(self._inside(finding, each) for finding in found):
            return each  # 'CBC with platelet count': the count, and the blood count it is part of
        return found

    def _samples_apart(self, parts: list[RequestPart]) -> list[RequestPart]:
        """The parts read with a sample after a comma, apart again where what followed the comma examines a sample and
        is no test of it: it named a test of its own ('CBC, urinalysis', 'Serum albumin, Urinalysis'; 'Osmolality,
        serum' stays one test)."""
        apart: list[RequestPart] = []
        for part in parts:
            before = part.text.removesuffix(part.sample).strip()
            if part.sample and self._examines_a_sample(part.sample) and not self._of_the_sample(before, part):
                apart += [RequestPart(before, part.after_with), RequestPart(part.sample, False)]
            else:
                apart.append(part)
        return apart

    def _of_the_sample(self, before: str, part: RequestPart) -> bool:
        """Whether what comes before a sample is read as a test of that sample ('Protein, urine, dipstick'): together
        they find it, and the words before name no other specimen ('Serum albumin, Urinalysis' are two tests)."""
        stated, sample = self._key(words_of(before)).specimen, self._key(words_of(part.sample)).specimen
        return bool(self._one_part(part.text)) and not (stated and sample and not stated & sample)

    def _examines_a_sample(self, text: str) -> bool:
        """Whether a name the table reads as a specimen is the examination of that sample ('urinalysis', 'UA': the
        urine), not the sample itself ('serum', 'urine', 'vesicle fluid'): no word of it names the specimen."""
        words = words_of(text)
        entry = self._table.phrases.get(tuple(words))
        return entry is not None and entry.kind == "specimen" and not set(words) & set(entry.concept.split())

    def _named_together(self, parts: list[RequestPart]) -> list[RequestPart]:
        """The parts with neighbours the table names as one test joined again ('PET/CT' is one study)."""
        joined: list[RequestPart] = []
        for part in parts:
            together = f"{joined[-1].text} {part.text}" if joined and not part.after_with else ""
            if together and tuple(words_of(together)) in self._table.phrases:
                joined[-1] = RequestPart(together, joined[-1].after_with)
            else:
                joined.append(part)
        return joined

    def _each_part(self, parts: list[RequestPart]) -> list[Finding]:
        """The findings each part of a request names; a part following a 'with' is read at the specimen,
        side and region of the part before it ('knee arthrocentesis with cell count' is the synovial
        fluid's count), and a part naming only a region is the part of the examination the part before it names,
        there ('range of motion of hip and knee'), where the case holds that."""
        texts = self._heads_apart(
            parts, spread_modality([part.text for part in parts], self._table.specifiers, self._table.regions)
        )
        keys = [self._key(words_of(text)) for text in texts]
        sites = [key for key in keys if key.tokens & self._table.regions or key.side]
        found: list[Finding] = []
        context: Key | None = None
        regions = self._table.regions
        for part, text, key in zip(parts, texts, keys, strict=True):
            if sites and key.imaging_only:
                found += self._one_part(text, sites[0])  # 'AP and lateral films of the right knee': the knee's AP
                continue
            if context and _a_place(key, regions) and not key.side and context.tokens - regions:
                examined = Key(context.tokens - regions | key.tokens, context.specimen, context.modality, context.side)
                if part_found := self._by_words_key(words_of(text), examined):  # 'range of movement knee and hip'
                    found += part_found
                    continue
            if part.after_with and context and self._names_a_blood_panel(context):
                found += self._of_the_blood(self._one_part(text, context)) or (
                    self._one_part(text) if self._test_of_its_own(text) else []
                )  # 'CBC with eosinophil count'; 'CBC w/ diff + FOBT': a test of its own
                continue
            if not part.after_with and context and (in_the_sample := self._in_the_sample_before(text, key, context)):
                found += in_the_sample  # 'urine blood and glucose': the urine's glucose
                continue
            found += self._one_part(text, context if part.after_with else None) or (
                [] if part.after_with else self._asked_alone(text, found)
            )
            if not part.after_with:
                context = key
        return self._match.outermost(found)

    def _in_the_sample_before(self, text: str, key: Key, before: Key) -> list[Finding]:
        """A part naming no sample after a part naming a result of a sample other than blood ('urine blood and
        glucose', 'CSF protein, glucose'): that result of the sample before, where the case reports it there. A test of
        the sample itself before ('UA and CBC') or a culture of it ('stool culture, C. difficile toxin, and a CBC')
        names no result of it, and gives nothing on."""
        samples = before.specimen - {BLOOD}
        if not samples or not before.tokens - self._table.specifiers - SAMPLE_TESTS or key.specimen or not key.tokens:
            return []  # 'stool culture, C. difficile toxin, and a CBC': a culture is no result of the stool
        return self._one_part(f"{min(samples)} {text}")

    def _heads_apart(self, parts: list[RequestPart], texts: list[str]) -> list[str]:
        """The parts read apart again where a test was read as the head of the one-word specifier after it ('CBC and
        HIV' as 'CBC HIV'), but the specifier adds nothing to what the head finds and alone names a result of its own
        (the HIV test); a region or side after the head stays its site ('Radiograph, right hip')."""
        apart = list(texts)
        for number in range(len(parts) - 1):
            head, following = parts[number].text, parts[number + 1].text
            if texts[number] or texts[number + 1] != f"{head} {following}":
                continue
            key = self._key(words_of(following))
            if len(key.tokens) != 1 or key.tokens & self._table.regions or key.has_facets:
                continue
            by_head = {id(finding) for finding in self._one_part(head)}
            alone = {id(finding) for finding in self._one_part(following)}
            if (
                by_head
                and alone
                and not alone & by_head
                and {id(f) for f in self._one_part(texts[number + 1])} == by_head
            ):
                apart[number : number + 2] = [head, following]
        return apart

    def _asked_alone(self, text: str, before: list[Finding]) -> list[Finding]:
        """A part of a request the names do not find, read as a request of its own ('appearance and behaviour': the
        behaviour, found by its spelling); where the parts before it found results, only results of the same
        examination or test as theirs ('white count and differential' is not the skin's 'differential diagnosis')."""
        known = self._kind_of(text) or tuple(words_of(text)) in self._table.alternatives  # 'pt + tt'
        short = len(text.strip()) < MIN_PART_ALONE and not (text.strip().isupper() or known)
        if short or FOLLOW_UP.match(text):
            return []  # 'look at the belly, is it distended': a question about the part before
        alone = self._find_requested(text)
        if not before:
            return alone
        sections = {finding.node.path[0] for finding in before}
        return [finding for finding in alone if finding.node.path[0] in sections]

    @staticmethod
    def _inside(finding: Finding, others: list[Finding]) -> bool:
        return any(finding is other or other in finding.parents for other in others)

    def _glossed(self, bare: str, request: str) -> list[Finding]:
        """A request with a gloss: 'Liver enzymes (AST/ALT)' is the tests the gloss names when they lie
        inside what the name finds (the liver panel), else what the name finds; a gloss naming every part
        of a panel (all but one, for a panel of four or more) still asks for the panel."""
        found = self._find(bare)
        glosses = [gloss.strip("()[] ") for gloss in PARENTHESES.findall(request)]
        named, items = [], []
        for gloss in filter(None, glosses):
            listed = [part.text for part in request_parts(gloss)]
            every = all(self._kind_only(item) for item in listed)  # 'SBR (total and conjugated)'
            headed = [f"{bare} {item}" if every or self._key(words_of(item)).imaging_only else item for item in listed]
            read = self._find(gloss) if headed == listed else [f for item in headed for f in self._find(item)]
            if found and not all(self._inside(finding, found) for finding in read):
                each = [self._found_inside(found, words_of(item)) for item in headed]
                read = [finding for part in each for finding in part] if all(each) else read
            named += read  # 'urinalysis (RBC, WBC)': the urine's cells, where 'WBC' alone finds the blood count's
            items += headed
        heading = words_of(bare)
        if not found and all(set(words_of(gloss)) <= BARE_SPECIMENS for gloss in glosses):
            return []  # 'Chlamydia NAAT (urine)' where the case lacks it: the gloss says its sample, not another test
        if not found:
            return self._match.outermost(self._of_the_heading(heading, named))  # 'red cell size (MCV)'

        if not named and len(items) == 1 and all(f.exam and f.children for f in found) and self._names_a_part(items[0]):
            return []  # 'Neuro exam - reflexes', 'Vitals: SpO2': the part asked for, which this examination lacks
        if len(items) > 1 and not named and self._lacks_every_test_of_the_gloss(heading, items, found):
            return []  # 'Hemolysis labs (LDH, haptoglobin)' where the case holds none of them: not its other labs
        if len(items) > 1 and not all(self._find(item) for item in items) and not all(f.exam for f in found):
            return found  # 'TORCH titres [Toxoplasma, Rubella, CMV, HSV]': the panel as the doctor knows it
        if {id(finding) for finding in found} < {id(finding) for finding in self._match.outermost(named)}:
            return self._match.outermost(named)  # 'Coagulation screen: INR and FDPs': more than the heading finds
        inside = {id(finding) for finding in found}
        if not named or not all(id(f) in inside or inside & {id(p) for p in f.parents} for f in named):
            return found
        named = self._match.outermost(named)
        panel = bool(self._key(heading).tokens & self._table.panels.keys())  # not 'Blood work (CBC, BMP, LFTs)'
        for whole in found:
            parts = self._parts(whole)
            covered = sum(part in named for part in parts)
            if len(parts) > 1 and covered >= len(parts) - (panel and len(parts) >= 4):
                return found  # 'Iron studies (ferritin, iron, TIBC)': the gloss lists the panel's parts
        return named

    def _lacks_every_test_of_the_gloss(self, heading: list[str], items: list[str], found: list[Finding]) -> bool:
        """Whether a gloss lists tests the table knows ('LDH', 'haptoglobin') under a heading with a word it does not
        ('hemolysis labs'), and what the heading found says neither the tests nor that word: the gloss is what is
        asked, and the heading's other results are not it."""
        unknown = [[word] for word in heading if self._unknown(word)]
        listed = [words_of(item) for item in items]
        return (
            bool(unknown)
            and all(self._key(words).tokens & self._table.tests for words in listed)
            and not any(self._text.says_anywhere(finding, words) for finding in found for words in [*listed, *unknown])
        )

    def _of_the_heading(self, heading: list[str], named: list[Finding]) -> list[Finding]:
        """What a gloss finds where its heading finds nothing ('red cell size (MCV)': the gloss names what the words
        do not), of the kind the heading names: imaging's, an examination's, a blood panel's, or a sample's test's."""
        key = self._key(heading)
        if key.modality:  # '(pancreatic protocol)' after a CT is no examination
            return [finding for finding in named if not (finding.exam and not finding.own.modality)]
        if asks_for_examination(heading, key):  # 'Exam: spine - tenderness' is no spine MRI
            return [finding for finding in named if finding.exam and not finding.own.modality]
        if self._names_a_blood_panel(key):  # 'CBC with differential (eosinophils)'
            return self._of_the_blood(named)
        if key.specimen or key.tokens & SAMPLE_TESTS:  # 'blood cultures x2 (febrile, septic picture)': no temperature
            return [finding for finding in named if not finding.exam]
        return named

    def _names_a_blood_panel(self, key: Key) -> bool:
        """Whether a key names a panel and no specimen ('CBC'): a panel of the blood, whose parts are the blood's."""
        return bool(key.tokens & self._table.panels.keys()) and not key.specimen

    def _test_of_its_own(self, text: str) -> bool:
        """Whether a part the table names as a test is no member of a panel ('FOBT'; not 'eosinophil count')."""
        tokens = self._key(words_of(text)).tokens
        return self._kind_of(text) in NAMING_KINDS and bool(tokens) and not tokens & self._table.lone_members

    @staticmethod
    def _of_the_blood(found: list[Finding]) -> list[Finding]:
        """The findings of the blood or of no stated specimen: not the urine's Hansel stain for a blood count's
        eosinophils."""
        return [finding for finding in found if finding.own.specimen <= {DEFAULT_SPECIMEN}]

    def _names_a_part(self, item: str) -> bool:
        """Whether a gloss's item names only parts an examination reports ('reflexes', 'SpO2'), not what the doctor
        looks for or how ('size, colour', 'hydration status')."""
        tokens = self._key(words_of(item)).tokens
        return bool(tokens) and tokens <= self._table.tests - self._table.specifiers

    def _kind_only(self, item: str) -> bool:
        """Whether a gloss's item names only a kind of what its heading names, and no result of its own ('total'
        in 'SBR (total and conjugated)'): a gloss of such items is read with the heading, as is an item naming only
        a radiograph's view ('AP' in 'X-ray left knee [AP and lateral]')."""
        key = self._key(words_of(item))
        return bool(key.tokens) and key.tokens <= self._table.specifiers and not key.has_facets and not self._find(item)

    def _one_part(self, part: str, context: Key | None = None) -> list[Finding]:
        words = words_of(part)
        if not words:
            return []
        key = self._key(words)
        if context is not None and (key.tokens or key.imaging_only):
            regions = key.tokens & self._table.regions or context.tokens & self._table.regions
            key = Key(key.tokens | regions, key.specimen or context.specimen, key.modality, key.side or context.side)
        exact = self._exact(words)
        if exact or self._only_the_diagnosis(part, words, key):
            return exact
        return self._by_words_key(words, key)

    def _by_words_key(self, words: list[str], key: Key) -> list[Finding]:
        """The findings a request's key answers, else those of the region holding the one it names; a request
        naming the examination is never answered by imaging."""
        regions_only = _a_place(key, self._table.regions)
        regions_only &= not VIEW_WORDS.intersection(words)  # 'axillary view' is a radiograph's
        examination = asks_for_examination(words, key) or regions_only  # 'chest', 'fontanelle': its examination
        found = self._match.by_key(key, examination=examination)
        if regions_only:  # 'lymphadenopathy in the neck' is no lymph node biopsy
            found = [finding for finding in found if finding.exam]
        if found:
            return found
        broader = self._match.by_broader_region(key, examination=examination)
        if regions_only:
            broader = [finding for finding in broader if finding.exam]
        skin_parts = self._table.inside.get(SKIN, frozenset())  # 'nails', 'scalp': spoken of where examined
        appendages = (
            sorted({part for word in words for part in self._key([word]).tokens & skin_parts})  # 'fingernails': nails
            if key.tokens & skin_parts
            else []
        )
        return [f for f in broader if not (f.exam and appendages) or self._text.says_anywhere(f, appendages)]

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
        before tests found inside its texts). A name the case gives only to a result of another specimen
        than blood ('Urine > WBCs') is left to the keys when the request names no specimen and they find
        any: 'WBC' is the blood count where the case holds both."""
        name = " ".join(words)
        by_path = self.by_path.get(name)
        if by_path is not None and len(by_path.node.path) > 1:
            return [by_path]
        named = self.by_name.get(name, [])
        in_blood = [finding for finding in named if finding.own.specimen <= {DEFAULT_SPECIMEN}]
        if named and not in_blood and not (key := self._key(words)).specimen and self._match.by_key(key):
            return []
        named = in_blood or named
        in_tree = [finding for finding in named if not finding.from_text]
        return self._match.preferred(Key(), in_tree or named, by_name=True)

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


def _descendants(wholes: list[Finding]) -> list[Finding]:
    """Every finding inside the wholes, each once (the matcher orders what it finds among them)."""
    return list({id(finding): finding for whole in wholes for finding in whole.descendants()}.values())


def _first(words: list[str], prepositions: frozenset[str]) -> int:
    """Where the first of the prepositions stands after a request's first word; 0 where none does."""
    return next((number for number, word in enumerate(words) if number and word in prepositions), 0)


def _a_place(key: Key, regions: frozenset[str]) -> bool:
    """Whether a key names only regions of the body, with or without a side ('left leg'), and no specimen or imaging."""
    return bool(key.tokens) and key.tokens <= regions and not (key.specimen or key.modality)
