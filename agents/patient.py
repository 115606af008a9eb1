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
from agents.prompts import load_prompt
from agents.protocol import Ask, parse_action
from agents.roles import AsyncRole, DeterministicRole
from agents.types import Reply, Turn
from agents.voice import Section, first_person, patient_gender
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
    "social": "Nothing worth mentioning, I think.",
    "onset": "I'm not sure exactly when it started.",
    "modifiers": "I haven't noticed anything that makes it better or worse.",
}

_TOKEN = re.compile(r"[a-z0-9]+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
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
    (
        "past",
        re.compile(
            r"\b(?:past(?! (?:few|couple|\d+|week|day|month|year|hour))|previous(?:ly)?|before|prior|"
            r"surger(?:y|ies)|surgical|operations?|operated|hospitali[sz]\w*|admitted|medical (?:history|"
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
# Word endings of common drug names ('metoprolol', 'lisinopril', 'omeprazole', 'salbutamol').
DRUG_ENDINGS = tuple(
    """olol pril sartan statin formin prazole cillin mycin floxacin cycline tidine dipine oxetine profen codone
    olone sone parin xaban lukast terol butamol thiazide semide thyroxine zumab ximab""".split()
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
    r"\b(?:history of|medical history|surgical history|previous(?:ly)?|prior (?!to\b)[a-z]|in the past\b|"
    r"surger(?:y|ies)|operations?|underwent|diagnosed|hospitali[sz]ed|admitted)",
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
_ANSWER_CACHE_SIZE = 512
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


def _topics_of(text: str, section: Section) -> frozenset[str]:
    """The kinds of question a chart sentence answers, from its section and its words."""
    topics: set[str] = {section}
    if (
        section == "family"
        or _FAMILY_STRONG.search(text)
        or (_FAMILY_HEALTH.search(text) and not _FAMILY_INFORMANT.search(text))
    ):
        topics.add("family")
    if _MEDICATION_FACT.search(text) or any(word.endswith(DRUG_ENDINGS) for word in _WORDS.findall(text.lower())):
        topics.add("medication")
    if _ALLERGY_FACT.search(text):
        topics.add("allergy")
    if section != "family" and _PAST_FACT.search(_DURATION_HISTORY.sub(" ", text)):
        topics.add("past")
    social = {f"social:{kind}" for kind, pattern in _SOCIAL_KINDS.items() if pattern.search(text)}
    if social and section in ("social", "presenting", "past", "review"):
        topics |= social | {"social"}
    if section in ("presenting", "primary", "symptom", "review"):
        if _ONSET_FACT.search(text):
            topics.add("onset")
        if _MODIFIER_FACT.search(text):
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


def _near_duplicate(fact: Fact, chosen: list[Fact]) -> bool:
    """Is, or says mostly what says, a fact already chosen (the history paragraph repeats the past history)."""
    return any(
        fact is other or len(fact.words & other.words) > 0.6 * min(len(fact.words), len(other.words))
        for other in chosen
    )


class RetrievalPatient(DeterministicRole):
    """Answers in the first person from the case facts of the kind the question asks about (family,
    habits, medications, past history, onset, what helps or worsens, symptoms); for anything else,
    from the facts most similar to the question (lexical overlap weighted by rarity). Says plainly
    when the chart holds nothing of the kind asked, and that it does not know when nothing fits."""

    backend = "retrieval"

    def __init__(self, case: Case, *, max_facts: int = 2):
        self.case = case
        self.max_facts = max_facts
        self.guard = DiagnosisGuard(case.diagnosis)
        self.facts = patient_facts(case, self.guard)
        document_frequency: dict[str, int] = {}
        for fact in self.facts:
            for stem in fact.stems:
                document_frequency[stem] = document_frequency.get(stem, 0) + 1
        n = max(len(self.facts), 1)
        self.idf = {stem: math.log(1 + n / count) for stem, count in document_frequency.items()}
        self.pools = {intent: self._pool(intent) for intent, _ in INTENTS}
        self._answers: dict[str, str] = {}

    def _pool(self, intent: str, kinds: frozenset[str] = frozenset()) -> list[Fact]:
        """The facts answering an intent: those from its home sections first, then the others of its kind."""
        home = _HOME_SECTIONS[intent]
        if intent in ("opening", "symptoms", "demographics"):
            return [fact for fact in self.facts if fact.section in home]
        if kinds:
            wanted = {f"social:{kind}" for kind in kinds}
            return [fact for fact in self.facts if fact.topics & wanted]
        if intent in ("onset", "modifiers"):
            return [fact for fact in self.facts if fact.section in home and intent in fact.topics]
        return [fact for fact in self.facts if fact.section in home] + [
            fact for fact in self.facts if fact.section not in home and intent in fact.topics
        ]

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
        intents = self._intents(question)
        if not intents:
            return self._closest(question)
        pools = [(intent, self._pool_for(intent, question)) for intent in intents]
        chosen: dict[str, list[Fact]] = {intent: [] for intent in intents}
        taken: list[Fact] = []
        budget = self.max_facts
        while budget > 0:
            progressed = False
            for intent, pool in pools:
                fact = next((fact for fact in pool if not _near_duplicate(fact, taken)), None)
                if budget > 0 and fact is not None:
                    chosen[intent].append(fact)
                    taken.append(fact)
                    budget -= 1
                    progressed = True
            if not progressed:
                break
        parts: list[str] = []
        for intent, pool in pools:
            if chosen[intent]:
                parts += [fact.spoken for fact in sorted(chosen[intent], key=lambda fact: fact.order)]
            elif not pool and intent in NOTHING:
                parts.append(NOTHING[intent])
        return self.guard.scrub(" ".join(parts)) if parts else self._closest(question)

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

    def _closest(self, question: str) -> str:
        """The facts most similar to the question, in case order; 'not sure' when none is."""
        stems = _content_stems(question)
        scored = [(self.score(fact, stems), fact) for fact in self.facts if fact.section != "demographics"]
        best = sorted((item for item in scored if item[0] > 0.5), key=lambda item: -item[0])[: self.max_facts]
        if not best:
            return DONT_KNOW
        chosen = sorted((fact for _, fact in best), key=lambda fact: fact.order)
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
