"""How a diagnosis is written, taken apart: the clean-ups every judge layer shares.

A diagnosis string becomes one or more *forms* (the whole name, the name without its bracketed part,
the bracketed part as an alternative name, the name without hedges such as "most likely"), and each
form becomes a *key*: its content words, lower-cased, spelled the American way, in sorted order, so
"Anaemia due to iron deficiency" and "iron deficiency anemia" share the key "anemia deficiency iron".
Nothing here knows medicine beyond spelling; synonyms live in ``agents.judge.diagnosis_vocabulary``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_BRACKETED = re.compile(r"\s*[\(\[]([^()\[\]]*)[\)\]]")
_POSSESSIVE = re.compile(r"(\w)'s?\b")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_HEDGE = re.compile(
    r"^(?:(?:the\s+)?(?:most\s+)?(?:likely|probable|probably|possible|possibly|suspected|presumed|presumptive)"
    r"(?:\s+diagnosis)?(?:\s+(?:is|of))?\s*:?\s+|(?:final\s+)?diagnosis\s*(?:is)?\s*:\s*)",
)
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5"}
FILLER = frozenset("a an the of with due to secondary caused by disease disorder syndrome condition".split())
"""Words that do not change which condition is named ('X due to Y' and 'Y X' name the same thing)."""
NEGATIONS = frozenset({"non", "not", "without", "no", "absent", "absence", "negative", "anti", "ruled", "excluded"})
"""Words that turn a name into its opposite, never added silently: 'non-Hodgkin' is not 'Hodgkin', nor is
'X ruled out' X."""
SIDES = frozenset({"left", "right", "bilateral", "unilateral"})

# British spellings -> American, applied inside words (haemorrhage, oesophageal, paediatric, leukaemia ...).
_SPELLING = (
    (re.compile(r"(?<=[a-z])aem"), "em"),
    (re.compile(r"\bhaem"), "hem"),
    (re.compile(r"\baem"), "em"),
    (re.compile(r"\boe(?=soph|dem|strog)"), "e"),
    (re.compile(r"(?<=[a-z])oea\b"), "ea"),
    (re.compile(r"(?<=[a-z])oe(?=a|s|c|l|t)"), "e"),
    (re.compile(r"\bpaed"), "ped"),
    (re.compile(r"\bcoeli"), "celi"),
    (re.compile(r"\bcaec"), "cec"),
    (re.compile(r"\bfaec"), "fec"),
    (re.compile(r"\bfoet"), "fet"),
    (re.compile(r"our\b"), "or"),
    (re.compile(r"(?<=[a-z])tre\b"), "ter"),
    (re.compile(r"yse\b"), "yze"),
    (re.compile(r"\bsulph"), "sulf"),
)
# An organ named as a noun reads as its adjective ('contusion of the heart' is 'cardiac contusion').
_ORGAN_ADJECTIVE = {
    "heart": "cardiac",
    "lung": "pulmonary",
    "lungs": "pulmonary",
    "kidney": "renal",
    "kidneys": "renal",
    "liver": "hepatic",
    "brain": "cerebral",
    "stomach": "gastric",
    "skin": "cutaneous",
    "spleen": "splenic",
    "pancreas": "pancreatic",
    "esophagus": "esophageal",
    "colon": "colonic",
    "intestine": "intestinal",
    "bowel": "intestinal",
    "eye": "ocular",
    "aorta": "aortic",
    "atrium": "atrial",
    "ventricle": "ventricular",
    "duodenum": "duodenal",
    "cecum": "cecal",
    "rectum": "rectal",
    "uterus": "uterine",
    "ovary": "ovarian",
    "retina": "retinal",
    "cornea": "corneal",
    "trachea": "tracheal",
    "larynx": "laryngeal",
    "pharynx": "pharyngeal",
    "pleura": "pleural",
    "pericardium": "pericardial",
    "gingiva": "gingival",
    "prostate": "prostatic",
}
_PARTICIPLE = re.compile(r"(?<=[a-z]{4})ated$")
"""'herniated' reads as 'herniation' ('herniated disc' is 'disc herniation')."""
_PAST_TO_NOUN = {"ruptured": "rupture", "fractured": "fracture", "torn": "tear"}
"""Injuries named by their participle: 'ruptured ovarian cyst' is 'ovarian cyst rupture'."""
_BRITISH_HINT = re.compile(r"ae|oe|our$|tre$|yse$|sulph")
_AMERICAN_EXCEPTIONS = frozenset({"four", "hour", "your", "our", "pour", "flour", "sour", "tour", "contour"})


def clean(text: str) -> str:
    """Accents, apostrophes and dashes made plain, possessives dropped, lower case, single spaces."""
    text = text.translate(_APOSTROPHES)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _DASHES.sub("-", text).lower()
    text = _POSSESSIVE.sub(r"\1", text)
    return " ".join(text.split())


def singular(word: str) -> str:
    """A plural noun as its singular ('bites' -> 'bite', 'xanthomas' -> 'xanthoma', 'injuries' -> 'injury');
    words in -ss, -us and -is, words of three letters or fewer, and plural filler stay: MeSH names its groups
    'X Diseases' and 'X Disorders', which are not the condition 'X syndrome'."""
    if len(word) < 4 or not word.endswith("s") or word.endswith(("ss", "us", "is")) or word[:-1] in FILLER:
        return word
    return word[:-3] + "y" if word.endswith("ies") else word[:-1]


@lru_cache(maxsize=65536)
def americanise(word: str) -> str:
    if word in _AMERICAN_EXCEPTIONS or not _BRITISH_HINT.search(word):
        return word
    for pattern, replacement in _SPELLING:
        word = pattern.sub(replacement, word)
    return word


def forms(text: str) -> tuple[str, ...]:
    """The ways a written diagnosis can be read: the whole name without brackets, each bracketed part as
    an alternative name, the name with its brackets kept as words, and each without a leading hedge. A
    bracketed negation ('Appendicitis (ruled out)') is never dropped: that name reads only with it."""
    cleaned = clean(text).strip(" .;:!")
    bracketed = [part.strip() for part in _BRACKETED.findall(cleaned) if part.strip()]
    negated = any(NEGATIONS & set(_NON_WORD.sub(" ", part).split()) for part in bracketed)
    readings = [] if negated else [_BRACKETED.sub(" ", cleaned).strip(), *bracketed]  # not 'X (ruled out)' as X
    readings.append(cleaned.replace("(", " ").replace(")", " ").replace("[", " ").replace("]", " "))
    readings += [_HEDGE.sub("", reading) for reading in readings]
    return tuple(dict.fromkeys(reading for reading in readings if _NON_WORD.sub("", reading)))


@lru_cache(maxsize=65536)
def words(form: str) -> tuple[str, ...]:
    """A form's words: punctuation gone, American spelling, roman numerals after 'type' and 'ii'+ as digits."""
    raw: list[str] = []
    for word in _NON_WORD.sub(" ", clean(form)).split():
        word = americanise(word)
        word = _ORGAN_ADJECTIVE.get(word, word)
        word = _PAST_TO_NOUN.get(word) or _PARTICIPLE.sub("ation", word)
        word = singular(word)
        if word.startswith("non") and len(word) >= 7 and word[3] not in "aeiou":
            raw += ["non", word[3:]]  # 'nonhodgkin' reads as 'non hodgkin'
        else:
            raw.append(word)
    after_type = {i + 1 for i, word in enumerate(raw) if word in {"type", "grade", "stage", "class"}}
    return tuple(
        _ROMAN.get(word, word) if i in after_type or word in {"ii", "iii", "iv"} else word for i, word in enumerate(raw)
    )


@lru_cache(maxsize=65536)
def key(form: str) -> str:
    """The order-free key of a form: its content words (filler dropped, a leading article dropped), sorted."""
    found = list(words(form))
    if found and found[0] == "a":
        found = found[1:]  # an article; 'hepatitis a' keeps its letter
    return " ".join(sorted(word for word in found if word not in FILLER))


def joined(form: str) -> str:
    """A form's words run together in their order, so 'beta thalassemia', 'beta-thalassemia' and
    'betathalassemia' agree."""
    return "".join(words(form))
