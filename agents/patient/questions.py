"""What a doctor's question asks about: its intents (family, allergies, medications, habits, surgery, past
history, onset, what helps or worsens, the opening question, symptoms, demographics), the habits it names,
whether it asks for the diagnosis, and the separate questions one turn may hold."""

from __future__ import annotations

import re

from agents.patient.word_stems import TOKEN

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
SOCIAL_ASKED: dict[str, re.Pattern[str]] = {
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
DIAGNOSIS_CUES = re.compile(
    r"\b(diagnos\w*|what (?:do|might|could) (?:i|you) have|what(?:'s| is) wrong with (?:me|you)|"
    r"name (?:of )?(?:the|your|my) (?:disease|condition|illness)|chart|medical record|what disease|"
    r"which disease|what condition|what illness|know what you have)\b",
    re.IGNORECASE,
)
OTHER_SYMPTOMS = re.compile(r"\b(?:other|else|more|additional|also)\b", _Q)
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


def question_parts(question: str) -> list[str]:
    """The questions a doctor's turn asks, in order: 'Do you drink alcohol, and have you had gallstones?' ->
    ['Do you drink alcohol', 'have you had gallstones?']. A list inside one question ('chest pain or
    shortness of breath?', 'Do you smoke or drink?') stays one part."""
    parts = [part.strip(" ,;") for part in _PART_BREAK.split(question.strip())]
    return [part for part in parts if TOKEN.search(part)] or [question]


def intents_of(question: str) -> list[str]:
    """The kinds of thing a question asks about, in the order it asks them; a question about the family is
    not also one about the past, the opening or the symptoms, and 'symptoms' gives way to a kinder intent."""
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
