"""The patient: a deterministic retrieval patient, and an LLM patient that plays the role from a prompt.

Both speak only from the case's ``Patient_Actor`` facts and never name the diagnosis.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from agents.biases import PatientBias, patient_bias_text
from agents.findings import is_placeholder, pretty_name, walk
from agents.leaks import DiagnosisGuard
from agents.llm import LLMRoleMixin
from agents.per_case import PerCase
from agents.prompts import load_prompt
from agents.protocol import Ask, parse_action
from agents.roles import AsyncRole, DeterministicRole
from agents.types import Reply, Turn
from agents.voice import DRUG_ENDINGS, Section, first_person, patient_gender
from models.backends import ChatBackend, GenerationConfig, Message
from scenarios import Case

DONT_KNOW = "I'm not sure about that, doctor."
DONT_KNOW_DIAGNOSIS = "I don't know what it is. That's why I came to see you."
# What the patient says when the chart holds nothing for the kind of question asked.
NOTHING: dict[str, str] = {
    "family": "Not that I know of.",
    "allergy": "No allergies that I know of.",
    "medication": "I'm not on any regular medications that I know of.",
    "past": "Nothing significant that I can think of.",
    "surgery": "I haven't had any operations that I know of.",
    "social": "Nothing worth mentioning, I think.",
    "onset": "I'm not sure exactly when it started.",
    "modifiers": "I haven't noticed anything that makes it better or worse.",
}

_TOKEN = re.compile(r"[a-z0-9]+")
# A sentence ends at '.', '!' or '?' before a capital, but not after a title or 'St.' ('a trip to St. Lucia').
_SENTENCE = re.compile(r"(?<=[.!?])(?<!\bSt\.)(?<!\bDr\.)(?<!\bMr\.)(?<!\bMrs\.)(?<!\bMs\.)(?<!\bvs\.)\s+(?=[A-Z(])")
STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for from with about as is are was were be been being am do does did
    have has had having you your yours i me my we our it its this that these those there here what which who whom
    whose when where why how any anything some can could would should will shall may might must tell describe
    please any other else more much many ever feel feeling doctor patient today also just like so very""".split()
)

# What a question asks about. Checked in this order; each intent answers from the facts of its kind.
_Q = re.IGNORECASE
INTENTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "family",
        re.compile(
            r"\b(?:family|relatives?|mother|mom|mum|father|dad|parents?|siblings?|brothers?|sisters?|"
            r"grand(?:mother|father|parents?)|aunts?|uncles?|cousins?|inherit\w*|hereditary|genetic|runs? in)\b",
            _Q,
        ),
    ),
    ("allergy", re.compile(r"\ballerg\w*|\bnkda\b", _Q)),
    (
        "medication",
        re.compile(
            r"\b(?:medications?|medicines?|meds|pills?|tablets?|prescri\w*|supplements?|inhalers?|"
            r"(?:take|taking|on) any(?:thing)?\b(?! (?:recreational|illicit|street)))",
            _Q,
        ),
    ),
    (
        "social",
        re.compile(
            r"\b(?:smok\w*|cigar\w*|tobacco|vap(?:e|ing)|nicotine|alcohol\w*|drink\w*|beer|wine|recreational|"
            r"illicit|cocaine|marijuana|cannabis|heroin|drugs?|work\w*|jobs?|occupation|employ\w*|for a living|"
            r"live|living|home|married|partner|travel\w*|sexual\w*|exercise|sports?|diet|social\w*|habits?|"
            r"lifestyle)\b",
            _Q,
        ),
    ),
    ("surgery", re.compile(r"\b(?:surger(?:y|ies)|surgical|operations?|operated|procedures?)\b", _Q)),
    (
        "past",
        re.compile(
            r"\b(?:past(?! (?:few|couple|\d+|week|day|month|year|hour))|previous(?:ly)?|before|prior|"
            r"hospitali[sz]\w*|admitted|medical (?:history|"
            r"problems?|conditions?|issues?)|conditions?|illness(?:es)?|diseases?|vaccin\w*|immuni[sz]\w*|chronic)\b",
            _Q,
        ),
    ),
    (
        "onset",
        re.compile(
            r"\b(?:when did|when was|start(?:ed|s)?|began|begin|how long|since when|onset|"
            r"first (?:notice|start|happen)\w*|c[oa]me on)\b",
            _Q,
        ),
    ),
    (
        "modifiers",
        re.compile(
            r"\b(?:better|worse|worsen\w*|reliev\w*|relief|helps?|helped|aggravat\w*|trigger\w*|eases?|eased|"
            r"improv\w*|brings? (?:it )?on|makes? it)\b",
            _Q,
        ),
    ),
    (
        "opening",
        re.compile(
            r"\b(?:brings? you|brought you|what seems to be|what(?:'s| is) (?:the )?(?:problem|matter|going on)|"
            r"what(?:'s| is) wrong\b(?! with)|how can i help|what happened|main (?:problem|concern|complaint)|"
            r"chief complaint|tell me (?:more )?about (?:your |the )?(?:history|story|problem|illness)|"
            r"why are you here|reason for)",
            _Q,
        ),
    ),
    ("symptoms", re.compile(r"\b(?:symptoms?|other|else|anything more|noticed|experiencing|feel(?:ing)?)\b", _Q)),
    ("demographics", re.compile(r"\b(?:how old|age|born|gender|sex|male or female|yourself)\b", _Q)),
)
# Which chart sections answer each intent first (other facts of the same kind follow).
_HOME_SECTIONS: dict[str, tuple[Section, ...]] = {
    "family": ("family",),
    "allergy": ("allergy",),
    "medication": ("medication",),
    "social": ("social",),
    "past": ("past",),
    "surgery": ("past",),
    "onset": ("presenting", "primary", "symptom"),
    "modifiers": ("presenting", "primary", "symptom", "review"),
    "opening": ("presenting",),
    "symptoms": ("primary", "symptom"),
    "demographics": ("demographics",),
}
_SECTION_OF_KEY: tuple[tuple[str, Section], ...] = (
    ("demograph", "demographics"),
    ("family", "family"),
    ("allerg", "allergy"),
    ("medication", "medication"),
    ("drug", "medication"),
    ("primary", "primary"),
    ("symptom", "symptom"),
    ("past", "past"),
    ("surg", "past"),
    ("social", "social"),
    ("review", "review"),
)

# What a chart sentence is about, from its words (a history paragraph mixes all of these).
_RELATIVES = (
    r"(?:mother|father|mom|dad|parents?|brothers?|sisters?|siblings?|sons?|daughters?|grandmother|grandfather|"
    r"grandparents?|aunts?|uncles?|cousins?|twin)"
)
_FAMILY_STRONG = re.compile(
    r"\bfamily (?:history|members? (?:has|had|with))|side of the family|\bhereditary\b|\bruns in\b|"
    r"\b(?:history|illness\w*|diseases?|disorders?|conditions?|cancer|problems?|similar)\b[^.]*\b(?:in|of) "
    r"(?:the|my|his|her) family\b",
    re.IGNORECASE,
)
_FAMILY_INFORMANT = re.compile(
    _RELATIVES + r"\s+(?:also\s+)?(?:reports?|notes?|mentions?|describes?|recalls?|says|states|is concerned|"
    r"brought|brings|found|noticed|witnessed|observed)|\b(?:lives?|living) with\b|"
    r"\b(?:brought|accompanied) (?:in )?by\b",
    re.IGNORECASE,
)
_FAMILY_HEALTH = re.compile(
    r"\b" + _RELATIVES + r"\b[^.]*?\b(?:history of|had|has|died|death|diagnosed|suffer\w*|condition|disease|"
    r"illness|cancer|problems?|issues?|underwent|surgery|similar)\b",
    re.IGNORECASE,
)
_MEDICATION_FACT = re.compile(
    r"\b(?:medications?|medicines?|prescribed|tablets?|pills?|inhalers?|inhaled|insulin|aspirin|warfarin|"
    r"contraceptives?|vitamins?|supplements?|antibiotics?|mg|dose|therapy|treated with|takes|taking)\b",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[a-z]{5,}")
_SOCIAL_KINDS: dict[str, re.Pattern[str]] = {
    kind: re.compile(pattern, re.IGNORECASE)
    for kind, pattern in (
        ("smoking", r"\b(?:smok\w*|cigar\w*|tobacco|pack[- ]years?|packs?|vap\w*|nicotine)\b|non-?smoker"),
        ("alcohol", r"\b(?:alcohol\w*|drinks?|drinking|drank|beers?|wine|liquor|spirits|etoh)\b"),
        ("drugs", r"\b(?:drugs?|substance|cocaine|marijuana|cannabis|heroin|opioids?|inject\w*|intravenous|illicit)\b"),
        ("work", r"\b(?:works?|worked|working|job|occupation|employ\w*|retired|teacher|student|school|college)\b"),
        ("home", r"\b(?:lives?|living|home|married|partner|husband|wife|children|divorced|widowed|single)\b"),
        ("travel", r"\b(?:travel\w*|trip|abroad|visited|camping|hiking)\b"),
        ("sexual", r"\b(?:sexual\w*|partners?|condoms?|contracepti\w*)\b"),
        ("exercise", r"\b(?:exercis\w*|gym|sports?|runs|running|athlete|active)\b"),
        ("diet", r"\b(?:diet\w*|eats?|eating|food|vegetarian|vegan|meals?)\b"),
    )
}
_SOCIAL_ASKED: dict[str, re.Pattern[str]] = {
    "smoking": re.compile(r"\b(?:smok\w*|cigar\w*|tobacco|vap(?:e|ing)|nicotine)\b", _Q),
    "alcohol": re.compile(r"\b(?:alcohol\w*|drink\w*|beer|wine)\b", _Q),
    "drugs": re.compile(r"\b(?:recreational|illicit|cocaine|marijuana|cannabis|heroin|drugs?)\b", _Q),
    "work": re.compile(r"\b(?:work\w*|jobs?|occupation|employ\w*|for a living)\b", _Q),
    "home": re.compile(r"\b(?:live|living|home|married|partner)\b", _Q),
    "travel": re.compile(r"\btravel\w*", _Q),
    "sexual": re.compile(r"\bsexual\w*", _Q),
    "exercise": re.compile(r"\b(?:exercise|sports?)\b", _Q),
    "diet": re.compile(r"\bdiet\b", _Q),
}
_PAST_FACT = re.compile(
    r"\b(?:history of|medical history|surgical history|previous(?:ly)?|prior (?!to\b)[a-z]|"
    r"in the past\b(?! (?:few |couple of |\d+ |several )?(?:hour|day|night|week|month|year)s?\b)|"
    r"surger(?:y|ies)|operations?|underwent|diagnosed|hospitali[sz]ed|admitted)",
    re.IGNORECASE,
)
_SURGERY_FACT = re.compile(
    r"\b(?:surger(?:y|ies)|surgical|operations?|operated|[a-z]+(?:ectom(?:y|ies)|otomy|ostomy|plasty|pexy)|"
    r"repair(?:ed)?|transplant\w*|resection|bypass|amputat\w*|c-section|ca?esarean)\b",
    re.IGNORECASE,
)
_DURATION_HISTORY = re.compile(r"\b\S+[- ](?:hour|day|week|month|year)[- ]history of\b", re.IGNORECASE)
_ALLERGY_FACT = re.compile(r"\ballerg\w*|\bnkda\b", re.IGNORECASE)
_ONSET_FACT = re.compile(
    r"\b(?:\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|several|few|a|an)[- ](?:minute|hour|day|week|month|year)s?"
    r"\b(?![- ]old)|\b(?:ago|since|yesterday|(?:last|past) (?:few |couple of )?(?:night|day|week|month|year)s?|"
    r"this morning|sudden\w*|onset|began|"
    r"started|gradual\w*)\b",
    re.IGNORECASE,
)
_MODIFIER_FACT = re.compile(
    r"\b(?:worse\w*|worsen\w*|better|improv\w*|reliev\w*|relief|alleviat\w*|eases?|eased|easing|aggravat\w*|"
    r"exacerbat\w*|trigger\w*|precipitat\w*|with rest|exertion|on movement|with movement)\b",
    re.IGNORECASE,
)
_SPEAKER_LABEL = re.compile(r"^[*_\s]*patient[*_\s]*:[*_\s]*", re.IGNORECASE)
DIAGNOSIS_CUES = re.compile(
    r"\b(diagnos\w*|what (?:do|might|could) (?:i|you) have|what(?:'s| is) wrong with (?:me|you)|"
    r"name (?:of )?(?:the|your|my) (?:disease|condition|illness)|chart|medical record|what disease|"
    r"which disease|what condition|what illness|know what you have)\b",
    re.IGNORECASE,
)
_OTHER_SYMPTOMS = re.compile(r"\b(?:other|else|more|additional|also)\b", _Q)
# Where one question ends and the next begins: after '?', or at ', and' / 'and' / ';' before a question word.
_QUESTION_WORDS = (
    r"(?:do|does|did|have|has|had|are|is|was|were|any|what|when|how|where|why|who|which|can|could|would|will|"
    r"tell|describe)\b"
)
_PART_BREAK = re.compile(
    r"(?<=[?!])\s+(?=\S)|\.\s+(?=(?-i:[A-Z]))|\s*[,;]?\s+(?:and|or|also|plus)\s+(?=" + _QUESTION_WORDS + r")|"
    r"\s*[,;]\s+(?=" + _QUESTION_WORDS + r")",
    _Q,
)
_PART_OPENING = re.compile(r"^\W*(?:so|and|or|also|plus|but)?\s*(have|has|had|do|does|did|are|is|was|were|any)\b", _Q)
# A short 'no' to a part of a question the chart holds nothing for, by the question's opening word.
_SHORT_NO: dict[str, str] = {
    "have": "No, I haven't, as far as I know.",
    "has": "No, not that I know of.",
    "had": "No, not that I know of.",
    "do": "No, I don't think so.",
    "does": "No, I don't think so.",
    "did": "No, I don't think so.",
    "are": "No, I don't think so.",
    "is": "No, I don't think so.",
    "was": "No, I don't think so.",
    "were": "No, I don't think so.",
    "any": "Not that I know of.",
}
_ANSWER_CACHE_SIZE = 512
# Word stems (see ``_stem``) any question may use; they say nothing of what is asked about.
_GENERIC_ASKED = frozenset({"chang", "probl", "issue", "recen", "troub", "sympt", "anywh", "somet", "latel"})
_HAD = "I've had "


def _stem(token: str) -> str:
    return token[:5]


def _content_stems(text: str) -> set[str]:
    return {_stem(token) for token in _TOKEN.findall(text.lower()) if token not in STOPWORDS and len(token) > 1}


@dataclass(frozen=True, slots=True)
class Fact:
    """One thing the patient knows: the chart's sentence (diagnosis scrubbed) and how the patient says it."""

    label: str
    text: str
    spoken: str
    section: Section
    topics: frozenset[str]
    stems: frozenset[str]
    order: int
    words: frozenset[str]


def _section_of(path: tuple[str, ...]) -> Section:
    joined = " ".join(path).lower()
    return next((section for needle, section in _SECTION_OF_KEY if needle in joined), "presenting")


def _lowercase_only(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """A case-insensitive pattern of lowercase words, compiled to search text already lowercased (faster)."""
    return re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)


_FAMILY_STRONG_LOWER, _FAMILY_HEALTH_LOWER, _FAMILY_INFORMANT_LOWER = map(
    _lowercase_only, (_FAMILY_STRONG, _FAMILY_HEALTH, _FAMILY_INFORMANT)
)
_MEDICATION_LOWER, _ALLERGY_LOWER, _PAST_LOWER, _DURATION_LOWER, _ONSET_LOWER, _MODIFIER_LOWER = map(
    _lowercase_only, (_MEDICATION_FACT, _ALLERGY_FACT, _PAST_FACT, _DURATION_HISTORY, _ONSET_FACT, _MODIFIER_FACT)
)
_SURGERY_LOWER = _lowercase_only(_SURGERY_FACT)
_SOCIAL_KINDS_LOWER = {kind: _lowercase_only(pattern) for kind, pattern in _SOCIAL_KINDS.items()}


def _topics_of(text: str, section: Section) -> frozenset[str]:
    """The kinds of question a chart sentence answers, from its section and its words."""
    topics: set[str] = {section}
    lower = text.lower()
    if (
        section == "family"
        or _FAMILY_STRONG_LOWER.search(lower)
        or (_FAMILY_HEALTH_LOWER.search(lower) and not _FAMILY_INFORMANT_LOWER.search(lower))
    ):
        topics.add("family")
    if _MEDICATION_LOWER.search(lower) or any(word.endswith(DRUG_ENDINGS) for word in _WORDS.findall(lower)):
        topics.add("medication")
    if _ALLERGY_LOWER.search(lower):
        topics.add("allergy")
    if section != "family" and _PAST_LOWER.search(_DURATION_LOWER.sub(" ", lower)):
        topics.add("past")
    if section != "family" and _SURGERY_LOWER.search(lower):
        topics.add("surgery")
    if section in ("social", "presenting", "past", "review"):
        social = {f"social:{kind}" for kind, pattern in _SOCIAL_KINDS_LOWER.items() if pattern.search(lower)}
        if social:
            topics |= social | {"social"}
    if section in ("presenting", "primary", "symptom", "review"):
        if _ONSET_LOWER.search(lower):
            topics.add("onset")
        if _MODIFIER_LOWER.search(lower):
            topics.add("modifiers")
    return frozenset(topics)


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _said_as_list(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A list of symptoms (chart text, spoken) in the patient's words: bare symptoms gathered in one
    sentence ("I've also had fatigue, nausea and headache."), anything longer said on its own."""
    bare = [(text, said) for text, said in pairs if said.startswith(_HAD)]
    if len(bare) < 2:
        return pairs
    gathered = _joined([said[len(_HAD) :].rstrip(".") for _, said in bare])
    rest = [(text, said) for text, said in pairs if not said.startswith(_HAD)]
    return [(" ".join(text for text, _ in bare), f"I've also had {gathered}."), *rest]


_ACTOR_PREAMBLE = re.compile(
    r"^\s*(?:for (?:your role as (?:a |the )?patient(?: actor)?|the patient actor(?: portraying [^,:]*)?)|"
    r"as a patient actor)\s*[,:]?\s*"
    r"(?:(?:here's|here is) [^:]*:|you (?:should|need to) (?:be aware of|know)[^:]*:)?\s*",
    re.IGNORECASE,
)
_ACTOR_ROLE = re.compile(r"^\s*(?:for your role as|you are playing the role of)\s+", re.IGNORECASE)
_MARKDOWN_LABEL = re.compile(r"\*\*[^*]{1,80}\*\*\s*(?:\([^)]*\))?\s*:?")
_PLAIN_LABEL = re.compile(r"^[A-Z][A-Za-z /&-]{0,40}:\s+")
_BULLET = re.compile(r"(?:^|\s)(?:-\s+)+(?=\S)")


def _role_opening(match: re.Match[str]) -> str:
    return "As " if match.group(0).strip().lower().startswith("for") else "You are "


def question_parts(question: str) -> list[str]:
    """The questions a doctor's turn asks, in order: 'Do you drink alcohol, and have you had gallstones?' ->
    ['Do you drink alcohol', 'have you had gallstones?']. A list inside one question ('chest pain or
    shortness of breath?', 'Do you smoke or drink?') stays one part."""
    parts = [part.strip(" ,;") for part in _PART_BREAK.split(question.strip())]
    return [part for part in parts if _TOKEN.search(part)] or [question]


def chart_sentences(value: str) -> list[str]:
    """The sentences of one chart value, without an actor-note preamble ("For your role as a patient,
    here's what you need to know:"), labels ("**Symptoms**:", "Age:") or list bullets."""
    text = _ACTOR_PREAMBLE.sub("", value.strip())
    text = _MARKDOWN_LABEL.sub(" ", _ACTOR_ROLE.sub(_role_opening, text))
    sentences = (
        _PLAIN_LABEL.sub("", sentence.strip())
        for item in _BULLET.split(text)
        for sentence in _SENTENCE.split(item.strip())
    )
    return [sentence for sentence in sentences if sentence]


def patient_facts(case: Case, guard: DiagnosisGuard) -> list[Fact]:
    """The patient's facts as sentences, diagnosis scrubbed, each with its first-person form, the
    chart section it came from and the kinds of question it answers. Placeholders ("Not provided")
    are not facts."""
    gender = patient_gender(case.demographics)
    facts: list[Fact] = []
    for node in walk(case.patient):
        if isinstance(node.value, dict):
            continue
        section = _section_of(node.path)
        label = pretty_name(node.name)
        values = node.value if isinstance(node.value, list) else [node.value]
        pairs = [
            (text, first_person(text, section=section, gender=gender))
            for value in values
            if not isinstance(value, dict)
            for sentence in chart_sentences(str(value))
            if not is_placeholder(sentence)
            for text in (guard.scrub(sentence),)
        ]
        if section == "symptom" and isinstance(node.value, list):
            pairs = _said_as_list(pairs)
        for text, said in pairs:
            words = frozenset(_content_stems(text))
            stems = words | _content_stems(label)
            topics = _topics_of(text, section)
            facts.append(Fact(label, text, guard.scrub(said), section, topics, stems, len(facts), words))
    return facts


def _choose(pools: list[list[Fact]], budget: int, per_pool: int | None = None) -> list[list[Fact]]:
    """Facts from each pool in turn (one from each, then a second from each…) until ``budget`` facts are
    chosen, each pool has given ``per_pool`` or the pools run dry, never a fact that repeats one chosen."""
    chosen: list[list[Fact]] = [[] for _ in pools]
    taken: list[Fact] = []
    progressed = True
    while budget > 0 and progressed:
        progressed = False
        for pool, picked in zip(pools, chosen, strict=True):
            if per_pool is not None and len(picked) >= per_pool:
                continue
            fact = next((fact for fact in pool if not _near_duplicate(fact, taken)), None)
            if budget > 0 and fact is not None:
                picked.append(fact)
                taken.append(fact)
                budget -= 1
                progressed = True
    return chosen


def _near_duplicate(fact: Fact, chosen: list[Fact]) -> bool:
    """Is, or says mostly what says, a fact already chosen (the history paragraph repeats the past history)."""
    return any(
        fact is other or len(fact.words & other.words) > 0.6 * min(len(fact.words), len(other.words))
        for other in chosen
    )


def intent_pool(facts: list[Fact], intent: str, kinds: frozenset[str] = frozenset()) -> list[Fact]:
    """The facts answering an intent: those from its home sections first, then the others of its kind
    (for habits, those of the ``kinds`` asked about: smoking, alcohol…)."""
    home = _HOME_SECTIONS[intent]
    if intent in ("opening", "symptoms", "demographics"):
        return [fact for fact in facts if fact.section in home]
    if kinds:
        wanted = {f"social:{kind}" for kind in kinds}
        kind_facts = [fact for fact in facts if fact.topics & wanted]
        return [fact for fact in kind_facts if fact.section in home] + [
            fact for fact in kind_facts if fact.section not in home
        ]
    if intent in ("onset", "modifiers"):
        return [fact for fact in facts if fact.section in home and intent in fact.topics]
    if intent == "surgery":
        operations = [fact for fact in facts if intent in fact.topics]
        return [fact for fact in operations if fact.section in home] + [
            fact for fact in operations if fact.section not in home
        ]
    return [fact for fact in facts if fact.section in home] + [
        fact for fact in facts if fact.section not in home and intent in fact.topics
    ]


@dataclass(frozen=True, slots=True)
class CaseKnowledge:
    """What a retrieval patient knows of its case, the same for every episode of the case: the facts, the
    rarity (idf) of their word stems, and the facts answering each kind of question. Shared, never changed."""

    guard: DiagnosisGuard
    facts: list[Fact]
    idf: dict[str, float]
    pools: dict[str, list[Fact]]


def build_knowledge(case: Case) -> CaseKnowledge:
    """A case's ``CaseKnowledge``, computed afresh."""
    guard = DiagnosisGuard(case.diagnosis)
    facts = patient_facts(case, guard)
    document_frequency: dict[str, int] = {}
    for fact in facts:
        for stem in fact.stems:
            document_frequency[stem] = document_frequency.get(stem, 0) + 1
    n = max(len(facts), 1)
    idf = {stem: math.log(1 + n / count) for stem, count in document_frequency.items()}
    return CaseKnowledge(guard, facts, idf, {intent: intent_pool(facts, intent) for intent, _ in INTENTS})


case_knowledge: PerCase[CaseKnowledge] = PerCase(build_knowledge, parts=lambda case: case.patient)
"""A case's ``CaseKnowledge``, computed once and shared by every patient of the case (see ``agents.per_case``)."""


def clear_case_facts() -> None:
    """Forget every case's shared knowledge (the next patient of each case computes it again)."""
    case_knowledge.clear()


class RetrievalPatient(DeterministicRole):
    """Answers in the first person from the case facts of the kind the question asks about (family,
    habits, medications, past history, onset, what helps or worsens, symptoms); for anything else,
    from the facts most similar to the question (lexical overlap weighted by rarity). Says plainly
    when the chart holds nothing of the kind asked, and that it does not know when nothing fits."""

    backend = "retrieval"

    def __init__(self, case: Case, *, max_facts: int = 2):
        self.case = case
        self.max_facts = max_facts
        knowledge = case_knowledge(case)
        self.guard = knowledge.guard
        self.facts = knowledge.facts
        self.idf = knowledge.idf
        self.pools = knowledge.pools
        self._answers: dict[str, str] = {}

    def _pool(self, intent: str, kinds: frozenset[str] = frozenset()) -> list[Fact]:
        """The facts answering an intent (see ``intent_pool``)."""
        return intent_pool(self.facts, intent, kinds)

    def score(self, fact: Fact, stems: set[str]) -> float:
        return sum(self.idf.get(stem, 0.0) for stem in stems & fact.stems)

    def respond(self, text: str, history: Sequence[Turn]) -> Reply:
        answer = self._answers.get(text)
        if answer is None:
            if len(self._answers) >= _ANSWER_CACHE_SIZE:
                self._answers.clear()
            answer = self._answers[text] = self.answer(text)
        return Reply(text=answer, backend=self.backend)

    def answer(self, question: str) -> str:
        if DIAGNOSIS_CUES.search(question):
            return DONT_KNOW_DIAGNOSIS
        parts = question_parts(question)
        if len(parts) > 1:
            return self._answer_parts(parts)
        intents = self._intents(question)
        if not intents:
            return self._closest(question)
        pools = [self._pool_for(intent, question) for intent in intents]
        said: list[str] = []
        for intent, pool, chosen in zip(intents, pools, _choose(pools, self.max_facts), strict=True):
            if chosen:
                said += [fact.spoken for fact in sorted(chosen, key=lambda fact: fact.order)]
            elif not pool and intent in NOTHING:
                said.append(NOTHING[intent])
        return self.guard.scrub(" ".join(said)) if said else self._closest(question)

    def _answer_parts(self, parts: list[str]) -> str:
        """A question of several parts ('Do you drink, and have you had gallstones?'): each part answered in
        turn from the facts of its kind (or, asking about nothing in particular, the facts most like it),
        the ``max_facts`` shared among the parts and at least one a part; a part the chart holds nothing
        for gets 'no' or 'not sure'."""
        asked = [(part, self._intents(part)) for part in parts]
        pools = [self._part_pool(part, intents) for part, intents in asked]
        said: list[str] = []
        per_part = max(1, self.max_facts // len(parts))
        chosen_facts = _choose(pools, per_part * len(parts), per_part)
        for (part, intents), pool, chosen in zip(asked, pools, chosen_facts, strict=True):
            if chosen:
                said += [fact.spoken for fact in sorted(chosen, key=lambda fact: fact.order)]
            elif not pool:
                said.append(self._nothing_for(part, intents))
        return self.guard.scrub(" ".join(said))

    def _part_pool(self, part: str, intents: list[str]) -> list[Fact]:
        """The facts answering one part of a question: its kinds' facts taken in turn, or the closest."""
        if not intents:
            return self._closest_facts(part)
        pools = [self._pool_for(intent, part) for intent in intents]
        merged: list[Fact] = []
        for rank in range(max(len(pool) for pool in pools)):
            merged += [pool[rank] for pool in pools if rank < len(pool) and pool[rank] not in merged]
        return merged

    def _nothing_for(self, part: str, intents: list[str]) -> str:
        """What the patient says to a part the chart holds nothing for: the plain 'nothing' of its kind, or a
        short 'no' (or 'not sure' for an open question) shaped by the question's words only, never by the
        case, so that the answer tells nothing about the diagnosis."""
        for intent in intents:
            if intent in NOTHING:
                return NOTHING[intent]
        opening = _PART_OPENING.match(part)
        return _SHORT_NO.get(opening.group(1).lower() if opening else "", DONT_KNOW)

    def _intents(self, question: str) -> list[str]:
        found = sorted(
            (match.start(), index, intent)
            for index, (intent, pattern) in enumerate(INTENTS)
            if (match := pattern.search(question))
        )
        intents = [intent for _, _, intent in found]
        if "family" in intents:
            intents = [intent for intent in intents if intent not in ("past", "opening", "symptoms")]
        if len(intents) > 1 and "symptoms" in intents:
            intents.remove("symptoms")
        return intents

    def _pool_for(self, intent: str, question: str) -> list[Fact]:
        if intent == "social":
            kinds = frozenset(kind for kind, pattern in _SOCIAL_ASKED.items() if pattern.search(question))
            return self._pool(intent, kinds) if kinds else self.pools[intent]
        if intent == "symptoms" and _OTHER_SYMPTOMS.search(question):
            return [fact for fact in self.pools[intent] if fact.section == "symptom"] or self.pools[intent]
        return self.pools[intent]

    def _closest_facts(self, question: str) -> list[Fact]:
        """The facts most similar to the question, most similar first (at most ``max_facts``). Words any
        question may use ('changes', 'problems', 'recently') do not count: 'Any changes in your vision?'
        is not answered by 'No dietary changes'."""
        stems = _content_stems(question) - _GENERIC_ASKED
        scored = [(self.score(fact, stems), fact) for fact in self.facts if fact.section != "demographics"]
        best = sorted((item for item in scored if item[0] > 0.5), key=lambda item: -item[0])[: self.max_facts]
        return [fact for _, fact in best]

    def _closest(self, question: str) -> str:
        """The facts most similar to the question, in case order; 'not sure' when none is."""
        best = self._closest_facts(question)
        if not best:
            return DONT_KNOW
        chosen = sorted(best, key=lambda fact: fact.order)
        return self.guard.scrub(" ".join(fact.spoken for fact in chosen))


class LLMPatient(LLMRoleMixin, AsyncRole):
    """A patient played by a chat model from a role prompt (AgentClinic's protocol, in this project's words)."""

    prompt_name = "patient"

    def __init__(
        self,
        case: Case,
        backend: ChatBackend,
        *,
        bias: PatientBias | None = None,
        config: GenerationConfig | None = None,
    ):
        self.case = case
        self.bias = bias
        self.guard = DiagnosisGuard(case.diagnosis)
        self.system_prompt = load_prompt("patient").format(
            facts=json.dumps(case.patient, ensure_ascii=False, indent=1), bias=patient_bias_text(bias)
        )
        super().__init__(backend, config or GenerationConfig(max_tokens=256, temperature=0.0))

    def messages(self, text: str, history: Sequence[Turn]) -> list[Message]:
        """The doctor's turns are the user's side; the patient's own answers are the model's side."""
        messages = [Message(role="system", content=self.system_prompt)]
        for turn in history:
            if turn.role == "doctor" and isinstance(parse_action(turn.text), Ask):
                messages.append(Message(role="user", content=turn.text))
            elif turn.role == "patient":
                messages.append(Message(role="assistant", content=turn.text))
        messages.append(Message(role="user", content=text))
        return messages

    def postprocess(self, text: str) -> str:
        """Drop a 'Patient:' label the model may add, and hide the diagnosis should the model say it."""
        return self.guard.scrub(_SPEAKER_LABEL.sub("", text.strip(), count=1))
