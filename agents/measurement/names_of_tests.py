"""How clinicians name tests: names read through a reviewed table into keys, and keys compared.

Names are read through the reviewed table (:mod:`agents.measurement.name_table`: usual names, abbreviations,
qualifiers, specimens, imaging modalities, body regions and panel members, each row with its source) into
a :class:`Key`: the words that name the test, plus its specimen, modality and side. "Serum lipase",
"lipase level" and "Lipase" share a key, as do "abdominal CT", "CT of the abdomen" and "CT_Abdomen".

:func:`match_tier` says how well one key answers another: the same key, a broader request than the
finding ("troponin" for "Troponin I", "CT" for "CT abdomen"), or a narrower one ("CT head without
contrast" for "CT head"). A broader or narrower request may differ from the finding only by words the
table marks as specifiers (regions, subtypes, methods), so a sibling test ("Troponin T" for "Troponin I",
"CT head" for "CT abdomen", "blood culture" for "urine culture") is never taken for the one the case holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agents.measurement.name_table import FACET_KINDS, NameEntry, NameTable, name_table
from agents.measurement.name_words import words_of

ANY_MODALITY = "any"
ASPIRATION, JOINT, JOINT_FLUID = "aspiration", "joint", "synovial"
"""An aspiration of a joint is its synovial fluid (arthrocentesis)."""
BOTH_SIDES = "both"
VENOUS, TRANSTHORACIC = "venous", "transthoracic"
VESSELS = frozenset({"arterial", VENOUS, "capillary"})
ECHO_APPROACHES = frozenset({TRANSTHORACIC, "transesophageal"})
KIND_FAMILIES = (VESSELS, frozenset({"bacterial", "viral", "fungal"}), ECHO_APPROACHES)
"""Kinds of one test that exclude each other: which vessels a study or sample is of, what a culture grows, and how
an echocardiogram is taken. Asked for, a kind must agree with the one the result names or its report states (an
arterial Doppler is no Doppler of the veins, an ABG no capillary gas, a viral culture no culture that grew
bacteria, a TEE no transthoracic echo), and a result stating none may answer (an echocardiogram stating none is the
standard transthoracic one)."""
EXCLUSIVE_KINDS = frozenset().union(*KIND_FAMILIES)
SAMPLES_IMAGING_MEASURES = frozenset({"blood", "urine"})
"""Specimens whose flow or volume imaging may report ('post-void residual volume' by a bladder scan): any other
specimen asked for is a sample taken, never a study's image."""
SPECIMEN_LOOKED_AT = frozenset({"microscopy"})
"""How a specimen is looked at as it comes: a result reporting only its specimen ('Skin_Scraping: no mites or eggs')
answers a request for it ('skin scraping microscopy', 'mineral oil prep')."""


@dataclass(frozen=True, slots=True)
class Key:
    """What a name asks for: the words naming the test, and its specimen, modality and side."""

    tokens: frozenset[str] = frozenset()
    specimen: frozenset[str] = frozenset()
    modality: frozenset[str] = frozenset()
    side: frozenset[str] = frozenset()

    @property
    def has_facets(self) -> bool:
        return bool(self.specimen or self.modality or self.side)

    @property
    def imaging_only(self) -> bool:
        """Whether the name says only what kind of imaging, and nothing of what it is of ('AP', 'weight-bearing AP')."""
        return bool(self.modality) and not self.tokens and not self.side and not self.specimen

    @property
    def names_no_test(self) -> bool:
        """Whether the name holds no test words and no specimen, modality or side ('Findings', 'Result')."""
        return not self.tokens and not self.has_facets

    def inherit(self, parent: Key) -> Key:
        """This key with the parent's specimen, modality and side where it names none of its own."""
        return Key(
            self.tokens,
            self.specimen or parent.specimen,
            self.modality or parent.modality,
            self.side or parent.side,
        )


def _longest_phrase(words: Sequence[str], start: int, table: NameTable) -> tuple[NameEntry | None, int]:
    """The longest phrase of the table starting at ``start``, and how many words it covers."""
    for size in range(min(table.longest, len(words) - start), 0, -1):
        entry = table.phrases.get(tuple(words[start : start + size]))
        if entry is not None:
            return entry, size
    return None, 1


_ADJECTIVE_ENDINGS = (("scopic", "scopy"), ("graphic", "graphy"), ("metric", "metry"))
"""Adjectives of procedures read as the procedure ('anoscopic' -> 'anoscopy', 'angiographic' -> 'angiography')."""


def _noun_form(word: str, table: NameTable) -> str:
    """A procedure's adjective the table does not list, as the procedure's name."""
    if word in table.words:
        return word
    for adjective, noun in _ADJECTIVE_ENDINGS:
        if word.endswith(adjective) and len(word) > len(adjective) + 2:
            return word[: -len(adjective)] + noun
    return word


def key_of_words(words: Sequence[str], table: NameTable | None = None) -> Key:
    """Read words through the table: other spellings first ('haemoglobin'), then the longest phrase
    first: qualifiers drop out, specimens, modalities and sides become facets, and every other phrase
    becomes the words of its concept; an aspiration of a joint is read as its synovial fluid."""
    table = table or name_table()
    words = [_noun_form(table.spellings.get(word, word), table) for word in words]
    tokens: set[str] = set()
    found: dict[str, set[str]] = {kind: set() for kind in FACET_KINDS}
    start = 0
    while start < len(words):
        entry, size = _longest_phrase(words, start, table)
        start += size
        if entry is None:
            tokens.add(words[start - size])
        elif entry.kind in FACET_KINDS:
            found[entry.kind].add(entry.concept)
        elif entry.kind != "qualifier":
            for word in entry.concept.split():
                kind = table.facets.get(word)
                (found[kind] if kind else tokens).add(word)
    if found["modality"] - {ANY_MODALITY}:
        found["modality"].discard(ANY_MODALITY)  # 'CT scan': the scan is a CT
    for specimen in found["specimen"]:
        tokens -= set(table.within.get(specimen, ())[:1])  # 'skin scrapings from the rash': the skin is where scraped
    if ASPIRATION in tokens and any(JOINT in (region, *table.within.get(region, ())) for region in tokens):
        tokens.discard(ASPIRATION)  # 'aspiration of the right knee', 'tap the knee': its synovial fluid
        found["specimen"].add(JOINT_FLUID)
    return Key(frozenset(tokens), frozenset(found["specimen"]), frozenset(found["modality"]), frozenset(found["side"]))


def signs_named(words: Sequence[str], table: NameTable | None = None) -> list[str]:
    """The examination signs and manoeuvres (``sign`` rows) a request names, as the words a case writes
    them in ('SLR' -> 'straight leg raise'): what the lookup searches examination texts for."""
    table = table or name_table()
    words = [table.spellings.get(word, word) for word in words]
    signs = []
    start = 0
    while start < len(words):
        entry, size = _longest_phrase(words, start, table)
        start += size
        if entry is not None and entry.kind == "sign":
            signs.append(entry.concept)
    return signs


def concept_key(name: str) -> Key:
    """The key of a test name as a clinician or the case writes it ('Serum lipase' == 'Lipase_Level')."""
    return key_of_words(words_of(name))


def facets_agree(request: Key, found: Key) -> bool:
    """Whether a finding can answer the request's specimen, modality and side. An unstated specimen or
    side agrees with any; a requested modality needs the finding to be imaging of that kind (or
    imaging of an unstated kind), so 'CT head' never returns the head examination; a sample taken (other than
    blood or urine, whose volumes imaging may measure) is never imaging."""
    if request.specimen and found.specimen and not request.specimen & found.specimen:
        return False
    if request.specimen - SAMPLES_IMAGING_MEASURES and found.modality and not request.modality:
        return False  # 'knee aspiration' is the synovial fluid, never the knee radiograph
    if request.side and found.side and not (request.side & found.side or BOTH_SIDES in request.side | found.side):
        return False
    if request.modality:
        if not found.modality:
            return False
        shared = request.modality & found.modality
        return bool(shared) or ANY_MODALITY in request.modality | found.modality
    return True


def _names_facets_of(request: Key, found: Key) -> bool:
    """For a request of facets only ('UA', 'CT'): the finding states every facet the request states."""
    return all(
        bool(asked) <= bool(held)
        for asked, held in (
            (request.specimen, found.specimen),
            (request.modality, found.modality),
            (request.side, found.side),
        )
    )


def match_tier(request: Key, found: Key, *, group: bool, table: NameTable) -> int | None:
    """How well a finding's key answers a request: 1 the same test, 2 the request is broader (the
    finding adds only specifiers), 3 the request is narrower (it adds only specifiers, and the finding
    is one study rather than a group of them; where the finding's name states no specifier, the request adds none
    but the one its test has by default: 'direct bilirubin' is not the plain bilirubin, which is the total);
    ``None`` for another test. A narrower request naming a body site is not answered by a finding whose specimen
    already says where it came from ('corneal culture' is no blood culture, 'gastric pH' no blood-gas pH)."""
    if not facets_agree(request, found):
        return None
    asked, held = request.tokens - EXCLUSIVE_KINDS, found.tokens - EXCLUSIVE_KINDS  # kinds: KeyMatcher's context
    if request.tokens and not asked:
        return None  # 'fungal' alone names a kind of test, not a test
    if not asked and not _names_facets_of(request, found):
        return None
    if not asked and ANY_MODALITY in found.modality and ANY_MODALITY not in request.modality:
        return None  # 'PET scan' is not answered by whatever imaging the case holds
    if asked == held:
        return 1
    if _covers(
        asked, _as_kinds(held, asked, table, by_core=True) - _unknown(held - asked, table) - table.details, table
    ):
        return 2
    narrower_ok = (
        bool(held)
        or bool(found.modality - {ANY_MODALITY} and found.modality & request.modality)
        or bool(found.specimen & request.specimen and asked - table.regions <= SPECIMEN_LOOKED_AT)
    )
    sites = (asked - held) & table.regions
    site_clash = (
        bool(sites)
        and bool(found.specimen - request.specimen)
        and not sites <= set().union(*(table.within.get(specimen, ()) for specimen in found.specimen))
    )  # 'corneal culture' is no blood culture, but a wound is of the skin
    added = asked - held
    defaulted = (
        set() if held & table.specifiers else {table.defaults[token] for token in held if token in table.defaults}
    )
    another_kind = bool(added & table.details) or (  # 'single-fibre EMG' is no plain EMG
        bool(defaulted) and not added <= defaulted  # 'direct bilirubin' is no plain bilirubin, which is the total
    )
    if (
        _covers(held, _as_kinds(asked, held, table), table)
        and narrower_ok
        and not group
        and not site_clash
        and not another_kind
    ):
        return 3
    return None


def _unknown(tokens: frozenset[str], table: NameTable) -> frozenset[str]:
    """A case's own words the table does not know ('psoriatic' in 'Skin_Biopsy_of_Psoriatic_Patch'): they
    describe the finding more narrowly, so a request without them is broader, as with a specifier."""
    return frozenset(token for token in tokens if token not in table.vocabulary and token.isalpha())


def _as_kinds(
    tokens: frozenset[str], other: frozenset[str], table: NameTable, *, by_core: bool = False
) -> frozenset[str]:
    """Tokens with each test read as the kind of test it is where ``other`` names that kind ('finger_to_nose'
    as 'coordination' against a finding of coordination tests; 'rebound' as 'palpation abdomen' only against a
    finding naming both words). With ``by_core`` (a finding's tests against a broader request), also where
    ``other`` names the kind but for its specifiers ('hbsag' as 'hepatitis b' against 'hepatitis serology')."""
    if table.categories.keys().isdisjoint(tokens):
        return tokens  # no test among them is one kind of another
    lifted: set[str] = set()
    for token in tokens:
        kinds = table.categories.get(token, frozenset())
        if not kinds or not (kinds <= other or (by_core and (core := kinds - table.specifiers) and core <= other)):
            lifted.add(token)
        else:  # 'ADHD rating scale' is the 'ADHD_Screening' a rating instrument reports
            lifted |= kinds | ({token} & other)
    return frozenset(lifted)


def _covers(broad: frozenset[str], narrow: frozenset[str], table: NameTable) -> bool:
    """Whether ``narrow`` is ``broad`` narrowed only by specifiers (or by being one kind of it)."""
    return broad <= narrow and narrow - broad <= table.specifiers


def is_generic_name(name: str) -> bool:
    """A name that says which part of a report it is ('Findings', 'Result') but not which test: its key
    holds no test words and no specimen, modality or side."""
    return concept_key(name).names_no_test
