"""The patient's voice: chart sentences about the patient rewritten as the patient's own first-person speech.

Case files describe the patient in the third person and in chart shorthand ("The patient reports a
2-week history of…", "Non-smoker, drinks wine occasionally.", "History of asthma."). ``first_person``
turns one such sentence into what the patient would say ("I've had a 2-week history of…", "I'm a
non-smoker, I drink wine occasionally.", "I have a history of asthma."). It is a handful of rules,
not a model: deterministic, fast enough to run over a case when its patient is built, and it keeps
the chart's words apart from the voice.

Pronouns are turned into "I/my/me" only where they can be the patient's: with the patient's gender
known from the demographics, "she" in a man's case stays (it is his mother, his wife). Text written to
the patient in the second person (NEJM's actor notes: "You've noticed spots on your shins") only has
its "you" turned into "I".
"""

from __future__ import annotations

import re
from typing import Literal

Gender = Literal["female", "male"]
Section = Literal[
    "demographics", "presenting", "primary", "symptom", "past", "family", "social", "medication", "allergy", "review"
]

_FEMALE = re.compile(r"\b(?:female|woman|girl|lady|she|her)\b", re.IGNORECASE)
_MALE = re.compile(r"\b(?:male|man|boy|gentleman|he|his)\b", re.IGNORECASE)


def patient_gender(demographics: str) -> Gender | None:
    """'35-year-old female' -> 'female'; None when the demographics do not say."""
    if _FEMALE.search(demographics):
        return "female"
    if _MALE.search(demographics):
        return "male"
    return None


# --- word lists ---------------------------------------------------------------------------------

_PATIENT_NOUN = (
    r"(?:patient|child|infant|newborn|neonate|baby|toddler|boy|girl|man|woman|gentleman|lady|adolescent|teen(?:ager)?)"
)
_RELATIVE = (
    r"(?:mother|father|mom|mum|dad|parents?|brothers?|sisters?|siblings?|sons?|daughters?|grandmother|"
    r"grandfather|grandparents?|aunts?|uncles?|cousins?|wife|husband|family)"
)
ADVERBS = frozenset(
    """also still often usually sometimes occasionally rarely never always recently currently frequently regularly now
    just only reportedly further initially subsequently then later previously already otherwise additionally
    typically generally mostly daily socially actively heavily formerly suddenly gradually""".split()
)
_ADVERB = r"(?:" + "|".join(sorted(ADVERBS)) + r")"
# Verbs (third person or past) that open a chart sentence whose subject, the patient, is left out.
START_VERBS = frozenset(
    """reports reported denies denied has had is was works worked lives lived drinks drank smokes smoked uses used
    takes took attends attended admits admitted notes noted mentions mentioned describes described complains
    complained endorses endorsed experiences experienced exercises exercised enjoys presents presented does did
    quit stopped started began needs feels felt travels travelled traveled plays eats ate follows consumes walks
    runs sleeps wakes woke spends spent visited returned gets got goes went states stated says said underwent
    received recalls recalled remembers teaches studies owns keeps volunteers cares developed noticed notices
    appears appeared seems lost gained tried tries wears injects snorts shares participates engages practices
    prefers avoids likes loves hikes swims cycles completed finished moved arrived immigrated served struggles
    includes""".split()
)
_THIRD_PERSON = sorted((word for word in START_VERBS if word.endswith("s")), key=lambda word: (-len(word), word))
# Words that open a chart sentence and say what the patient is ('Married, two children.').
STATE_WORDS = frozenset(
    """married single divorced widowed separated retired unemployed employed pregnant unable able allergic
    independent vegetarian vegan sedentary homeless sexually healthy otherwise engaged""".split()
)
_ING_STARTS = frozenset(
    "taking using smoking drinking working living being trying attending studying receiving undergoing".split()
)
_ONGOING = frozenset("experiencing having feeling noticing getting suffering".split())
_ROLE_WORDS = frozenset(
    """student nurse chef clerk officer athlete veteran retiree soldier pilot farmer mechanic lawyer cook
    cleaner housewife homemaker accountant assistant consultant attendant secretary dancer runner""".split()
)
_ROLE_ENDING = re.compile(r"(?:er|or|ist|ian|ant|ent|man|woman|goer)$")
_FINITE = re.compile(
    r"\b(?:is|are|was|were|has|have|had|does|did|do|can|cannot|could|will|would|may|might|began|begins|started|"
    r"starts|occurs|occurred|worsens|worsened|improves|improved|radiates|radiated|resolves|resolved|persists|"
    r"persisted|increases|decreases|appears|appeared|seems|became|becomes|developed|"
    r"spreads|spread|comes|came|goes|went|lasts|lasted|gets|got|eases|eased|feels|felt|include|includes|included|"
    r"provided|shows|showed|requires|required|worsen|improve)\b",
    re.IGNORECASE,
)
# Words after "her" that show it is the object ('brought her in'), not the possessive ('her back').
_OBJECT_FOLLOWERS = frozenset(
    """to in into at for from with and or the a an that this up down out off over about as on by since after before
    when while because if but so than feel feels felt""".split()
)
_EPONYMS = frozenset(
    """crohn crohn's parkinson parkinson's alzheimer alzheimer's graves graves' hashimoto hashimoto's cushing
    cushing's addison addison's raynaud raynaud's down down's hodgkin hodgkin's wilson wilson's""".split()
)

# --- patterns -----------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
_DEMOGRAPHIC_SUBJECT = re.compile(
    r"^(?:an?|the|this)\s+(?:[\w().,/-]+\s+){0,4}?\d+[\w.]*[- ](?:year|month|week|day)s?[- ]old"
    r"(?:[\s,]+[\w-]+){0,4}?\s+(?:" + _PATIENT_NOUN[3:-1] + r"|male|female|primigravida|multigravida)\b",
    re.IGNORECASE,
)
_PATIENT_POSSESSIVE = re.compile(
    r"\b(?:(?:the|this)\s+" + _PATIENT_NOUN + r"|patient)'s\b|^" + _PATIENT_NOUN + r"'s\b", re.IGNORECASE
)
_THE_RELATIVE = re.compile(r"\bthe (" + _RELATIVE + r")\b", re.IGNORECASE)
_BARE_RELATIVE = re.compile(r"^(" + _RELATIVE + r")\b(?! history)", re.IGNORECASE)
_PATIENT_REFERENCE = re.compile(r"\b(?:the|this)\s+" + _PATIENT_NOUN + r"\b|\bpatient\b(?!-)", re.IGNORECASE)
_RELATIVE_AFTER = re.compile(r"\b(with|to|by|and|of) (" + _RELATIVE + r")\b")
_SUBJECT_FOLLOWER = re.compile(
    r"\s*(?:" + _ADVERB + r"\s+)*(?:is|was|has|had|does|did|can|could|will|would|should|may|might|must|"
    r"[a-z]+s|[a-z]+ed)\b",
    re.IGNORECASE,
)
_PRONOUN = {
    "female": re.compile(r"\b(she|her|hers|herself)\b", re.IGNORECASE),
    "male": re.compile(r"\b(he|his|him|himself)\b", re.IGNORECASE),
    None: re.compile(r"\b(she|her|hers|herself|he|his|him|himself)\b", re.IGNORECASE),
}
_NEXT_WORD = re.compile(r"\s*([\w']+)?")
_CLAUSE_VERB_START = re.compile(
    r"([,;]\s+(?:and\s+|but\s+)?)((?:" + _ADVERB + r"\s+)*)(" + "|".join(_THIRD_PERSON) + r")\b"
    r"|(\b(?:and|but)\s+)()(denies|reports)\b"
)
_REPORT_THAT = re.compile(
    r"\bI( also| further| additionally| then)? (?:reports?|notes?|mentions?|states?|says?|explains?|adds?|"
    r"reveals?|indicates?|confirms?|relates?|recounts?)(?: that,? | (?=I\b|my\b))"
)
_REPORT_GERUND = re.compile(
    r"\bI((?: " + _ADVERB + r")*) (?:reports?|notes?|mentions?|describes?|endorses?|admits? to|recalls?) "
    r"(having (?:[a-z]+ed|had|been|felt|seen|taken|given|gone|done|lost)|[a-z]+ing)\b"
)
_REPORT_OBJECT = re.compile(r"\bI((?: " + _ADVERB + r")*) (?:reports?|endorses?)\b")
_MENTION_OBJECT = re.compile(
    r"\bI((?: " + _ADVERB + r")*) (?:notes?|mentions?|states?|says?|reveals?|indicates?|describes?)\b"
)
_COMPLAINS = re.compile(r"\bI((?: " + _ADVERB + r")*) complains? (?:of|about)\b")
_DESCRIBES = re.compile(r"\bI((?: " + _ADVERB + r")*) describes?\b(?=.* as\b)")
_RECALLS = re.compile(r"\bI((?: " + _ADVERB + r")*) recalls?\b")
_PRESENTS = re.compile(r"\bI((?: " + _ADVERB + r")*) (?:presents?|presented) (with|to)\b")
_DENIES = re.compile(r"\bI((?: " + _ADVERB + r")*) (?:denies|deny|denied)(?: (any|the|a|an|all|[a-z]+ing)\b)?")
_NEGATIVE_FOR = re.compile(r"^negative for\b", re.IGNORECASE)
_AGREEMENT = re.compile(r"\bI((?: " + _ADVERB + r")*) ([A-Za-z]+(?:n't)?)\b")
_COORDINATED = re.compile(r"\b(and|but|or) ((?:" + _ADVERB + r" )*)(" + "|".join(_THIRD_PERSON) + r")\b")
_RELATIVE_CLAUSE = re.compile(r"\b(?:that|which|who|whom|whose)\b")
_PAST_TIME = re.compile(r"\b(?:ago|yesterday|last|earlier|this morning|when|while)\b")
_HISTORY_START = re.compile(r"^(?:family |significant |medical )?history of\b", re.IGNORECASE)
_PLAIN_AGE = re.compile(r"^\d+ (?:year|month|week|day)s? old\b")
_NEGATIVE_START = re.compile(r"^(?:no|not|none|nil|nothing|never|without)\b", re.IGNORECASE)
_FIRST_PERSON = re.compile(r"\bI\b|^My\b")
_I_SUBJECT = re.compile(r"^(?:[A-Z][^,]*, )?I\b")
_PARTICIPLE_START = re.compile(
    r"^(?:born\b|(?:[a-z]+ed|seen|given|brought|taken)"
    r"(?= (?:with|at|by|in|for|vaginally|via|on|as|after|from|to|into)\b))",
    re.IGNORECASE,
)
_DONT_REPORT = re.compile(r"\bI (?:do not|don't) (?:report|endorse|note|mention|describe)\b")
_IRREGULAR = {
    "is": "am",
    "isn't": "am not",
    "has": "have",
    "hasn't": "haven't",
    "does": "do",
    "doesn't": "don't",
    "were": "was",
    "weren't": "wasn't",
    "goes": "go",
}
_KEEP = frozenset({"was", "wasn't", "had", "hadn't", "always", "sometimes", "perhaps", "thus"})
_CONTRACTIONS = (
    (re.compile(r"\bI am\b"), "I'm"),
    (re.compile(r"\bI have (been|had|noticed|never)\b"), r"I've \1"),
    (re.compile(r"\bI do not\b"), "I don't"),
    (re.compile(r"\bI have not\b"), "I haven't"),
)


_SECOND_PERSON = re.compile(r"\b(?:you|your|yours|yourself|you've|you're|you'd|you'll)\b", re.IGNORECASE)
_QUOTED = re.compile(r"(?<!\w)'.*?'(?!\w)|\"[^\"]*\"")
_SECOND_FIXED = {
    "you are": "I am",
    "you were": "I was",
    "you've": "I've",
    "you're": "I'm",
    "you'd": "I'd",
    "you'll": "I'll",
    "yourself": "myself",
    "yours": "mine",
    "your": "my",
}
_SECOND_WORD = re.compile(r"\b(?:you are|you were|you've|you're|you'd|you'll|yourself|yours|your|you)\b", re.IGNORECASE)
# Words after which 'you' is the subject ('that you have', 'when you breathe'); elsewhere it is 'me'.
_SUBJECT_BEFORE = re.compile(
    r"(?:^|[,;:.!?(]|\b(?:and|but|or|that|when|whenever|while|because|if|as|since|after|before|so|until|where|"
    r"which|who|though|although|how|what|whether))\s*$",
    re.IGNORECASE,
)


def _second(match: re.Match[str]) -> str:
    """One second-person word turned first person."""
    phrase = match.group(0).lower()
    if phrase != "you":
        word = _SECOND_FIXED[phrase]
    else:
        word = "I" if _SUBJECT_BEFORE.search(match.string, 0, match.start()) else "me"
    return word[0].upper() + word[1:] if match.start() == 0 else word


def _deinflect(word: str) -> str:
    """'uses' -> 'use', 'tries' -> 'try', 'watches' -> 'watch' (a verb after 'I')."""
    lower = word.lower()
    if lower in _IRREGULAR:
        return _IRREGULAR[lower]
    if lower in _KEEP or not lower.endswith("s") or lower.endswith(("ss", "us", "is", "ous")):
        return word
    if lower.endswith("ies") and len(lower) > 4:
        return word[:-3] + "y"
    if lower.endswith(("sses", "shes", "ches", "xes", "zes", "oes")):
        return word[:-2]
    return word[:-1]


def _lead(text: str) -> str:
    """Lowercase a chart fragment's first word to continue a sentence ('Chronic bronchitis' -> 'chronic
    bronchitis'), leaving acronyms, numbers and eponyms ('HIV', 'Crohn disease') alone."""
    words = text.split(" ", 2)
    first = words[0]
    if first in ("A", "An", "The"):
        return text[0].lower() + text[1:]
    second_capital = len(words) > 1 and words[1][:1].isupper()
    if len(first) > 1 and first[0].isupper() and first[1:].islower() and not second_capital:
        return text if first.lower() in _EPONYMS else text[0].lower() + text[1:]
    return text


def _article(phrase: str) -> str:
    """'a' or 'an' for a phrase ('an 18-year-old', 'a non-smoker', 'an accountant')."""
    word = phrase.split(" ", 1)[0].lower()
    number = re.match(r"\d+", word)
    if number:
        digits = number.group()
        vowel = digits.startswith("8") or digits in ("11", "18")
    else:
        vowel = word[:1] in "aeiou" and not word.startswith(("uni", "use", "usu", "eu", "one"))
    return "an" if vowel else "a"


def _is_role(clause: str) -> bool:
    """'Non-smoker', 'Kindergarten teacher', 'Regular gym-goer': a short phrase naming what the patient is."""
    words = clause.rstrip(".").split()
    if not words or len(words) > 5 or not words[0][:1].isalpha():
        return False
    last = words[-1].lower()
    return last in _ROLE_WORDS or bool(_ROLE_ENDING.search(last)) and not _NEGATIVE_START.match(clause)


def _patient_reference(match: re.Match[str]) -> str:
    """'the patient' -> 'I' before a verb, 'me' elsewhere ('brought the patient in')."""
    return "I" if _SUBJECT_FOLLOWER.match(match.string, match.end()) or match.start() == 0 else "me"


def _pronoun(match: re.Match[str]) -> str:
    word = _pronoun_for(match)
    return word[0].upper() + word[1:] if match.start() == 0 else word


def _pronoun_for(match: re.Match[str]) -> str:
    word = match.group(1).lower()
    if word in ("she", "he"):
        return "I"
    if word in ("herself", "himself"):
        return "myself"
    if word == "hers":
        return "mine"
    if word in ("his",):
        following = _NEXT_WORD.match(match.string, match.end()).group(1)
        return "my" if following and following.lower() not in _OBJECT_FOLLOWERS else "mine"
    if word == "him":
        return "me"
    following = _NEXT_WORD.match(match.string, match.end()).group(1)  # 'her'
    return "my" if following and following.lower() not in _OBJECT_FOLLOWERS else "me"


def _open_subject(text: str, section: Section | None) -> str:
    """Put 'I' (or "I'm") in front of a chart sentence that leaves the patient out."""
    words = text.split(" ", 3)
    if words[0] in ("I", "My"):
        return text
    index = 0
    while index < len(words) - 1 and words[index].lower() in ADVERBS:
        index += 1
    head = words[index].lower().strip(",.;")
    if words[0].lower() in START_VERBS or (index > 0 and head in START_VERBS):
        return f"I {_lead(text)}"
    if head in STATE_WORDS or head in _ING_STARTS or (index > 0 and head.endswith("ing")):
        return f"I'm {_lead(text)}"
    first_part = re.split(r"[,;] ", text, maxsplit=1)[0]
    if section in ("social", "demographics") and _is_role(first_part) and not _FINITE.search(first_part):
        return f"I'm {_article(text)} {_lead(text)}"
    return text


def _clause_subject(match: re.Match[str]) -> str:
    """', drinks wine' -> ', I drinks wine' (agreement comes later)."""
    joint, adverbs, verb = (match.group(1), match.group(2), match.group(3)) if match.group(1) else match.group(4, 5, 6)
    return f"{joint}I {adverbs}{verb}"


def _any_verb(text: str) -> bool:
    """A third-person verb after the first word ('Mother reports lackluster grades')."""
    return any(word in START_VERBS for word in text.lower().split()[1:])


def _gerund_report(match: re.Match[str]) -> str:
    adverbs, gerund = match.group(1), match.group(2)
    if gerund.startswith("having "):
        return f"I've{adverbs} {gerund[7:]}"
    if _PAST_TIME.search(match.string, match.end()):
        return f"I was{adverbs} {gerund}"
    return f"I've{adverbs} been {gerund}"


def _denial(match: re.Match[str]) -> str:
    adverbs, following = match.group(1), match.group(2)
    if following is None:
        return f"I{adverbs} haven't had any"
    if following in _ONGOING:
        return f"I{adverbs} haven't been {following}"
    if following.endswith("ing"):
        return f"I{adverbs} deny {following}"
    if following == "any":
        return f"I{adverbs} haven't had any"
    return f"I{adverbs} haven't had {following}"


def _presentation(match: re.Match[str]) -> str:
    return f"I've{match.group(1)} come {'in with' if match.group(2) == 'with' else 'to'}"


def _agree(match: re.Match[str]) -> str:
    return f"I{match.group(1)} {_deinflect(match.group(2))}"


def _finish(text: str) -> str:
    text = _SPACES.sub(" ", text).strip(" ,;")
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _frame(text: str, section: Section | None) -> str:
    """A chart fragment without a verb ('Chronic bronchitis.'), put in a sentence fitting its section."""
    body = text.rstrip(".")
    if _PLAIN_AGE.match(body) or body.lower() in ("male", "female"):
        return f"I'm {_lead(body)}"
    if section == "demographics":
        return f"I'm {_article(body)} {_lead(body)}"
    if section == "family":
        return f"I have a family history of {_lead(body)}"
    if section == "medication":
        return f"I take {_lead(body)}"
    if section == "allergy":
        return f"I'm allergic to {_lead(body)}"
    if section == "primary":
        return f"My main problem is {_lead(body)}"
    if section == "social":
        return body
    return f"I've had {_lead(body)}"


def first_person(sentence: str, *, section: Section | None = None, gender: Gender | None = None) -> str:
    """One chart sentence about the patient in the patient's own voice.

    >>> first_person("She has a history of asthma and uses an inhaler.", gender="female")
    'I have a history of asthma and use an inhaler.'
    """
    text = _SPACES.sub(" ", sentence.replace("\u2019", "'").replace("\u2018", "'")).strip()
    if not text:
        return text
    if _SECOND_PERSON.search(_QUOTED.sub(" ", text)):
        text = _SECOND_WORD.sub(_second, text)
        for pattern, replacement in _CONTRACTIONS:
            text = pattern.sub(replacement, text)
        return _finish(text)
    text = _DEMOGRAPHIC_SUBJECT.sub("I", text, count=1)
    text = _PATIENT_POSSESSIVE.sub(lambda match: "My" if match.start() == 0 else "my", text)
    text = _THE_RELATIVE.sub(lambda match: f"{'My' if match.start() == 0 else 'my'} {match.group(1).lower()}", text)
    text = _BARE_RELATIVE.sub(lambda match: f"My {match.group(1).lower()}", text, count=1)
    text = _PATIENT_REFERENCE.sub(_patient_reference, text)
    text = _PRONOUN[gender].sub(_pronoun, text)
    text = _RELATIVE_AFTER.sub(r"\1 my \2", text)
    voiced = text
    text = _HISTORY_START.sub(lambda match: f"I have a {match.group(0).lower()}", text, count=1)
    text = _NEGATIVE_FOR.sub("I haven't had any", text)
    text = _open_subject(text, section)
    if text == voiced:
        text = _PARTICIPLE_START.sub(lambda match: f"I was {_lead(match.group(0))}", text, count=1)
    text = _CLAUSE_VERB_START.sub(_clause_subject, text)
    text = _REPORT_THAT.sub(lambda match: "Also, " if match.group(1) else "", text)
    text = _REPORT_GERUND.sub(_gerund_report, text)
    text = _DENIES.sub(_denial, text)
    text = _COMPLAINS.sub(lambda match: f"I've{match.group(1)} been having", text)
    text = _PRESENTS.sub(_presentation, text)
    text = _DESCRIBES.sub(lambda match: f"I'd{match.group(1)} describe", text)
    text = _RECALLS.sub(lambda match: f"I{match.group(1)} remember", text)
    text = _REPORT_OBJECT.sub(lambda match: f"I've{match.group(1)} had", text)
    text = _MENTION_OBJECT.sub(lambda match: f"I should{match.group(1)} mention", text)
    text = _AGREEMENT.sub(_agree, text)
    text = _DONT_REPORT.sub("I don't have", text)
    if _I_SUBJECT.match(text) and not _RELATIVE_CLAUSE.search(text):
        text = _COORDINATED.sub(lambda match: f"{match.group(1)} {match.group(2)}{_deinflect(match.group(3))}", text)
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    if text == voiced and not (
        _FIRST_PERSON.search(text) or _NEGATIVE_START.match(text) or _FINITE.search(text) or _any_verb(text)
    ):
        text = _frame(text, section)
    return _finish(text)
