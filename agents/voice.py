"""The patient's voice: chart sentences about the patient rewritten as the patient's own first-person speech.

Case files describe the patient in the third person and in chart shorthand ("The patient reports a
2-week history of…", "Non-smoker, drinks wine occasionally.", "History of asthma."). ``first_person``
turns one such sentence into what the patient would say ("I've had a 2-week history of…", "I'm a
non-smoker, I drink wine occasionally.", "I have a history of asthma."). It is a handful of rules,
not a model: deterministic, fast enough to run over a case when its patient is built, and it keeps
the chart's words apart from the voice.

A verb whose subject the chart leaves out after 'and', 'but' or a comma agrees with "I" when that subject is
the patient ("She vomited twice, finds light painful" -> "I vomited twice, I find light painful"), and keeps
its form when it is someone or something else ("my mother has diabetes and takes insulin", "the pain
radiates and gets worse"): the sentence's subjects are followed word by word (``_Subjects``).

Pronouns are turned into "I/my/me" only where they can be the patient's: with the patient's gender
known from the demographics, "she" in a man's case stays (it is his mother, his wife). Text written to
the patient in the second person (NEJM's actor notes: "You've noticed spots on your shins") only has
its "you" turned into "I".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
# What the patient does, as a chart says it of them, in the base form: 'finds', 'misses', 'cries' are
# these verbs' third-person forms. Verbs whose subject is a symptom ('worsens', 'radiates') are left out.
PATIENT_VERBS = frozenset(
    """accept acknowledge add administer admit agree answer appear apply arrive ask attempt attend avoid bathe be become
    begin believe belong bend bet bike bite bleed box breastfeed breathe bring brush build burn buy call camp care
    carry change chew choke claim clean climb coach collapse commute complain complete concern confirm consume
    continue cook cope cough crave cry cut cycle dance date defecate deny depend describe desire develop dislike
    dive do doze dream dress drink drive drool drop eat embarrass endorse engage enjoy exercise exhibit expect
    experience explain express faint fall farm fear feed feel fight fill find finish fish follow forget gag gain
    gamble garden get give go grab grow handle hate have hear help hike hit hold hope hunt indicate inject insist
    intend interact jog keep kick knit know lack lean leave lie lift like limp live look lose love make manage
    mention miss monitor move nap need note notice nurse own paint pant participate pass pay perform plan play
    point practice prefer present push quit reach react read recall receive recognize recount refuse regain relate
    relax rely remain remember rent repeat report request require reside resist respond rest return reveal ride rub
    run sail say scratch scream see seek sell sense sew shake share shout show shower sing sit skate ski sleep
    smell smoke sneeze snore snort speak spend spit stand state stay stop strain struggle study stumble suffer
    surf sustain swallow swim take talk teach tell tend think tire train travel tremble trip try turn undergo
    understand urinate use visit volunteer vomit wake walk wander want wash watch wear weigh wheeze wish work
    worry write yell""".split()
)
# Verbs whose third-person form is as often a plural noun ('changes in appetite', 'night sweats', 'falls'):
# taken for a verb only before a word that follows a verb and not a noun ('shows a', 'falls off').
NOUN_LIKE_VERBS = frozenset(
    """ache attempt bite burn change concern cough cramp cut dream drop fall feed increase kick nurse pain
    plan return scratch shake shower stay sweat trip visit walk""".split()
)
_VERB_CUES = frozenset(
    """a an the my his her its their our this that these those some any no all every each it them him me up down
    out off back well poorly badly""".split()
)
_PREPOSITIONS = frozenset(
    """in of with at on to for from by about into onto over under after before during without within between among
    around across through per as like than since until""".split()
)


def third_person(verb: str) -> str:
    """'find' -> 'finds', 'miss' -> 'misses', 'cry' -> 'cries', 'have' -> 'has' (the form after 'he' or 'she')."""
    irregular = {"be": "is", "have": "has", "do": "does", "go": "goes"}
    if verb in irregular:
        return irregular[verb]
    if verb.endswith("y") and verb[-2:-1] not in ("a", "e", "o", "u"):
        return verb[:-1] + "ies"
    if verb.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    return verb + "s"


_THIRD_FORMS = (
    {third_person(verb): verb for verb in PATIENT_VERBS}
    | {word: word for word in START_VERBS if word.endswith("s")}
    | {"hasn't": "have", "doesn't": "do", "isn't": "be"}
)
_NOUN_LIKE_FORMS = frozenset(third_person(verb) for verb in NOUN_LIKE_VERBS)
# Words that open a chart sentence and say what the patient is ('Married, two children.').
STATE_WORDS = frozenset(
    """married single divorced widowed separated retired unemployed employed pregnant unable able allergic
    independent vegetarian vegan sedentary homeless sexually healthy otherwise engaged unvaccinated vaccinated
    immunized unimmunized fully alert awake""".split()
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
    r"provided|shows|showed|requires|required|worsen|improve|subsides|subsided|recurs|recurred|disappears|"
    r"disappeared|continues|continued|remains|remained|happens|happened|returns|returned|there's|there is|"
    r"there are)\b",
    re.IGNORECASE,
)
# Words after "her" that show it is the object ('brought her in'), not the possessive ('her back').
_OBJECT_FOLLOWERS = frozenset(
    """to in into at for from with and or the a an that this up down out off over about as on by since after before
    when while because if but so than feel feels felt he she it they we i""".split()
)
_EPONYMS = frozenset(
    """crohn crohn's parkinson parkinson's alzheimer alzheimer's graves graves' hashimoto hashimoto's cushing
    cushing's addison addison's raynaud raynaud's down down's hodgkin hodgkin's wilson wilson's""".split()
)

# Word endings of common drug names ('metoprolol', 'lisinopril', 'omeprazole', 'salbutamol').
DRUG_ENDINGS = tuple(
    """olol pril sartan statin formin prazole cillin mycin floxacin cycline tidine dipine oxetine profen codone
    olone sone parin xaban lukast terol butamol thiazide semide thyroxine zumab ximab""".split()
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
_NEGATIVE_FOR = re.compile(r"^negative for(?: any)?\b", re.IGNORECASE)
# 'On lisinopril' opening a sentence or a clause: the patient is on a treatment.
_ON_TREATMENT = re.compile(
    r"(^|;\s+|,\s+(?:and\s+|but\s+)?)[Oo]n (?=(?:[\w-]+ ){0,2}?(?:[a-z]+(?:" + "|".join(DRUG_ENDINGS) + r")\b|"
    r"(?:insulin|aspirin|warfarin|lithium|medications?|medicines?|treatment|therapy|antibiotics?|steroids?|"
    r"contraceptives?|birth control|chemotherapy|dialysis|supplements?|vitamins?|pills?|tablets?)\b))"
)
_AGREEMENT = re.compile(r"\bI((?: " + _ADVERB + r")*) ([A-Za-z]+(?:n't)?)\b")
_PAST_TIME = re.compile(r"\b(?:ago|yesterday|last|earlier|this morning|when|while)\b")
# 'History of asthma', 'Known history of HIV', '10-year history of hypertension', 'Family history notable for…'.
_HISTORY_START = re.compile(
    r"^((?:[\w'-]+ ){0,2}?)history (?:of|notable for|significant for|positive for)\b", re.IGNORECASE
)
_NOT_HISTORY_LEAD = frozenset("no not nil negative my the his her their this a an any".split())
# 'The patient, who recently moved…, complains…' once the patient is 'I': 'I recently moved…, and complain…'.
_I_WHO = re.compile(r"^I, who ([^,]+), ")
_POSITIVE_FOR = re.compile(r"^positive for\b", re.IGNORECASE)
_SIGNIFICANT_FOR = re.compile(r"^(?:(?:only|otherwise|also) )?(?:significant|notable|remarkable) for\b", re.IGNORECASE)
_PREMATURE_BIRTH = re.compile(r"^premature birth\b", re.IGNORECASE)
# Fragments that say how something stands ('Unremarkable.', 'Birth history unremarkable.').
_STATUS = (
    r"(?:unremarkable|insignificant|non-?contributory|normal|up[- ]to[- ]date|within normal limits)"
    r"(?=$|[,;(]| for\b| except\b| apart\b| other\b| with\b| on\b)"
)
_BARE_STATUS = re.compile(r"^" + _STATUS, re.IGNORECASE)
_STATUS_FIRST = re.compile(
    r"^(unremarkable|insignificant|non-?contributory|normal) ((?:[\w'-]+ ){0,3}history)$", re.IGNORECASE
)
_UP_TO_DATE_ON = re.compile(r"^up[- ]to[- ]date on\b", re.IGNORECASE)
_NOUN_STATUS = re.compile(r"^((?:[\w'-]+ ){0,3}?[\w'-]+) (?:is |are )?(" + _STATUS + r".*)$", re.IGNORECASE)
_STATUS_SUBJECT: dict[str | None, str] = {
    "past": "My medical history",
    "family": "My family history",
    "social": "My social history",
}
_CONTROLLED = re.compile(
    r"^(?:well|poorly|partially|fully|adequately|currently|previously) (?:controlled|managed|treated)\b",
    re.IGNORECASE,
)
# Singular things a patient has had one of ('Previous fall on the right hand', 'Episode of chest pain').
_COUNTED_START = re.compile(
    r"^(?:(?:previous|prior|recent|single|brief|mild|severe|minor|major|long|short|prolonged) )?"
    r"(?:episode|stay|fall|admission|fracture|attack|bout|accident|visit|trip|hospitali[sz]ation)\b",
    re.IGNORECASE,
)
_YOUNG = re.compile(r"^(?:newborn|infant|neonate|baby|toddler)\b", re.IGNORECASE)
# Past forms that open a chart sentence about what the patient did ('Met all milestones', 'Lost 5 kg').
_PAST_STARTS = frozenset(
    "ate became bought came caught drank fell felt gave got grew lost met ran sat saw slept spent stood swam took "
    "went woke wore".split()
)
_PLAIN_AGE = re.compile(r"^\d+ (?:year|month|week|day)s? old\b")
_NEGATIVE_START = re.compile(r"^(?:no|not|none|nil|nothing|never|without)\b", re.IGNORECASE)
_FIRST_PERSON = re.compile(r"\bI\b|^My\b")
_PARTICIPLE_START = re.compile(
    r"^(?:(?:recently|previously|initially|subsequently|later|then|also) )?"
    r"(?:born\b|(?:[a-z]+ed|seen|given|brought|taken)"
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


def _history_start(match: re.Match[str]) -> str:
    """'Known history of HIV' -> 'I have a known history of HIV' (not 'Has a history…', 'No history…')."""
    lead = match.group(1).lower().split()
    if any(word in _NOT_HISTORY_LEAD or word in START_VERBS or word in _THIRD_FORMS for word in lead):
        return match.group(0)
    return f"I have a {match.group(0).lower()}"


def _open_subject(text: str, section: Section | None) -> str:
    """Put 'I' (or "I'm") in front of a chart sentence that leaves the patient out."""
    words = text.split(" ", 3)
    if words[0] in ("I", "My"):
        return text
    index = 0
    while index < len(words) - 1 and words[index].lower() in ADVERBS:
        index += 1
    head = words[index].lower().strip(",.;")
    following = words[index + 1].lower() if index + 1 < len(words) else ""
    if (
        words[0].lower() in START_VERBS
        or (index > 0 and head in START_VERBS)
        or _is_patient_verb(head, following)
        or head in _PAST_STARTS
    ):
        return f"I {_lead(text)}"
    first_part = re.split(r"[,;] | and | but ", text, maxsplit=1)[0]
    role = section in ("social", "demographics") and _is_role(first_part) and not _FINITE.search(first_part)
    if head in STATE_WORDS or head in _ING_STARTS or (index > 0 and head.endswith("ing")):
        if not role or any(word.lower() in _PREPOSITIONS for word in first_part.split()):
            return f"I'm {_lead(text)}"
    if role:  # 'Retired engineer' -> "I'm a retired engineer"
        return f"I'm {_article(text)} {_lead(text)}"
    return text


# --- whose verb: the subject a clause leaves out ------------------------------------------------

_WORD_TOKEN = re.compile(r"I(?:'(?:m|ve|d|ll))?(?![\w'])|[A-Za-z][A-Za-z'-]*|\d+(?:[.,/]\d+)*%?|[,;:.!?]")
_I_FORMS = frozenset({"I", "I'm", "I've", "I'd", "I'll"})
_JOINTS = frozenset({"and", "but", "or", "nor", "yet", "then"})
_RELATIVES = frozenset({"that", "which", "who"})
# Words that open a clause with a subject of its own ('and my neck feels stiff', ', it gets worse').
_SUBJECT_OPENERS = frozenset(
    "my the his her their its this these those our your it he she they we you there someone nobody".split()
)
_AUXILIARIES = frozenset(
    """is are was were has have had does do did can cannot could will would may might must should shall isn't
    aren't wasn't weren't hasn't haven't hadn't doesn't don't didn't can't couldn't won't wouldn't""".split()
)
_PAST_FORMS = frozenset(
    """became began bought brought came caught drank ate fell felt found gave got grew held kept knew left lost
    made met ran sat saw slept spent stood swam thought told took went woke wore""".split()
)
_NOT_ADVERBS = frozenset("family belly supply apply reply ally rally jelly anomaly italy july".split())
_SUBORDINATORS = frozenset(
    "when whenever while because if although though since until unless once as after before".split()
)
# Verbs that later rules turn into the patient's words ('denies' -> "I haven't had"); they need their 'I'.
_REPORTING = frozenset("reports denies complains endorses".split())
_REPORTING_THAT = frozenset("notes mentions states says explains adds reveals indicates confirms relates".split())


def _is_adverb(word: str) -> bool:
    """'often', 'recently', 'not': words a verb may stand behind without changing whose verb it is."""
    return word in ADVERBS or (word.endswith("ly") and len(word) > 4 and word not in _NOT_ADVERBS) or word == "not"


def _is_patient_verb(word: str, following: str, after_verb: bool = False) -> bool:
    """Is ``word`` (lower case) a third-person verb of the patient's ('finds', 'misses')? A form that is as
    often a plural noun counts only before a word that follows a verb ('shows a', not 'changes in'), or,
    coordinated with a verb of the patient's (``after_verb``), before a word that is not a preposition
    ('I dress in burlap and attempts telepathy', not 'I've had fever and changes in appetite')."""
    if word not in _THIRD_FORMS:
        return False
    if word not in _NOUN_LIKE_FORMS:
        return True
    following = following.strip(",.;:")
    if following in _VERB_CUES or following[:1].isdigit() or _is_adverb(following):
        return True
    return after_verb and following[:1].isalpha() and following not in _PREPOSITIONS and following not in _JOINTS


def _third_person_verb(tokens: list[re.Match[str]], index: int, after_verb: bool) -> bool:
    """``_is_patient_verb`` for the word at ``index``."""
    following = tokens[index + 1].group(0).lower() if index + 1 < len(tokens) else ""
    return _is_patient_verb(tokens[index].group(0).lower(), following, after_verb)


def _verb_like(word: str) -> bool:
    """A word that can be a clause's finite verb: an auxiliary, a past form, a third-person form."""
    if word in _AUXILIARIES or word in _PAST_FORMS or word in _THIRD_FORMS:
        return True
    if word in _SUBJECT_OPENERS or len(word) < 4:
        return False
    return word.endswith("ed") or (word.endswith("s") and not word.endswith(("ss", "us", "is", "ous")))


def _relative_subject(tokens: list[re.Match[str]], index: int) -> bool:
    """'that'/'which'/'who' as the subject of a clause: a verb follows ('pain that radiates', 'who lives')."""
    for token in tokens[index + 1 :]:
        word = token.group(0).lower()
        if not _is_adverb(word):
            return _verb_like(word)
    return False


@dataclass(slots=True)
class _Subjects:
    """Follows a sentence's subjects word by word and collects the third-person verbs whose subject, left out
    after 'and', 'but', a comma or a semicolon, is the patient ('I vomited twice, finds light painful').

    - 'I' makes the patient the subject.
    - A clause opened by a possessive, an article or a pronoun ('and my neck feels', ', it gets') has a
      subject of its own, as has a relative clause ('pain that radiates…'), which ends at the next comma.
    - In a clause after 'when', 'because'…, a verb after 'and' goes with the sentence's subject: 'The pain
      worsens when I hold my son and is eased…'. After 'that' a new subject may follow ('notes that I…').
    - Chart shorthand leaves the patient out altogether ('7 partners, uses condoms'): a verb with no subject
      before it is the patient's, in every section but the family history (``patient_default``).
    """

    patient_default: bool
    subject: str | None = None
    outer: str | None = None
    scope: str | None = None
    pending: bool = False
    joint: bool = True
    opening: bool = True
    comma: bool = True
    after_i: bool = False
    i_clause: bool = False
    clause_start: int = 0

    def verbs(self, text: str) -> list[tuple[int, re.Match[str], bool]]:
        """(where the clause starts, the verb, whether a comma or semicolon opens the clause) for each."""
        tokens = list(_WORD_TOKEN.finditer(text))
        found: list[tuple[int, re.Match[str], bool]] = []
        for index, token in enumerate(tokens):
            word = token.group(0)
            lower = word.lower()
            if word in ".!?":
                self.restart(token.end())
            elif word in ",;:":
                self.clause_break(token.end())
            elif lower in _JOINTS:
                self.joint = self.opening = True
                self.clause_start = token.end()
            elif _is_adverb(lower):
                continue
            elif word in _I_FORMS:
                self.subject, self.pending, self.after_i, self.i_clause = "I", False, True, True
                self.joint = self.opening = self.comma = False
                continue
            elif self.joint and _third_person_verb(tokens, index, self.i_clause and not self.comma):
                if self.patients_verb():
                    found.append((self.clause_start, token, self.comma or self.subject is None))
                self.joint = self.opening = self.comma = False
            elif self.other_word(tokens, index):
                continue
            self.after_i = False
        return found

    def restart(self, position: int) -> None:
        """A new sentence: no subject yet."""
        self.subject = self.outer = self.scope = None
        self.i_clause = False
        self.pending, self.joint, self.opening, self.comma, self.clause_start = False, True, True, True, position

    def clause_break(self, position: int) -> None:
        """A comma, semicolon or colon: a relative or 'when…' clause ends, a new clause may leave its subject out."""
        if self.scope:
            self.subject, self.scope = self.outer, None
        if self.pending:
            self.subject, self.pending = "other", False  # 'My boyfriend, who…, states…'
        self.joint = self.opening = self.comma = True
        self.i_clause = False
        self.clause_start = position

    def patients_verb(self) -> bool:
        """Is the patient the subject of a verb here that has none of its own?"""
        subject = self.outer if self.scope == "adverbial" else self.subject
        return subject == "I" or (subject is None and not self.pending and self.patient_default)

    def enter(self, scope: str) -> None:
        """Open a relative or adverbial clause, remembering the subject it interrupts."""
        if self.scope is None:
            self.outer = self.subject
        self.scope = scope

    def other_word(self, tokens: list[re.Match[str]], index: int) -> bool:
        """Any other word; True when it continues the patient's verb chain ('I have not had')."""
        lower = tokens[index].group(0).lower()
        following = tokens[index + 1].group(0) if index + 1 < len(tokens) else ""
        if lower in _RELATIVES and _relative_subject(tokens, index):
            self.enter("relative")
            self.subject, self.pending = "other", False
        elif lower in _SUBORDINATORS and (following in _I_FORMS or following.lower() in _SUBJECT_OPENERS):
            self.enter("adverbial")
            self.opening, self.joint, self.comma = True, False, False
            return False
        elif lower == "that":
            self.opening, self.joint, self.comma = True, False, False
            return False
        elif self.opening and lower in _SUBJECT_OPENERS:
            self.pending = True
        elif (self.pending and _verb_like(lower)) or (lower in _AUXILIARIES and not self.joint and not self.after_i):
            self.subject, self.pending = "other", False
        self.joint = self.opening = self.comma = False
        return lower in _AUXILIARIES and self.after_i


# A quick look for what ``_Subjects`` looks for: a word ending in 's' right after a joint, or opening the text.
_AFTER_JOINT = re.compile(
    r"(?:[,;:]|\b(?:and|but|or|nor|yet|then))\s+(?:(?:[a-z]+ly|" + _ADVERB + r"|not)\s+)*([a-z]+(?:s|sn't))\b",
    re.IGNORECASE,
)


def _may_have_ellipsis(text: str) -> bool:
    """Could ``text`` hold a verb whose left-out subject is the patient? (False means surely not.)"""
    first = text.split(" ", 1)[0].lower()
    return first in _THIRD_FORMS or any(match.group(1).lower() in _THIRD_FORMS for match in _AFTER_JOINT.finditer(text))


def _agree_ellipses(text: str, patient_default: bool = True) -> str:
    """Verbs whose left-out subject is the patient, in the first person: 'I vomited twice, finds light
    painful' -> 'I vomited twice, I find light painful'; 'on lisinopril but often misses doses' -> '… but
    often miss doses'. A clause after a comma gets its 'I' back, as does a reporting verb that later rules
    rewrite ('and denies fever' -> 'and I deny fever')."""
    if not _may_have_ellipsis(text):
        return text
    found = _Subjects(patient_default).verbs(text)
    for clause_start, verb, comma in reversed(found):
        word = verb.group(0).lower()
        text = text[: verb.start()] + _deinflect(word) + text[verb.end() :]
        if comma or word in _REPORTING or (word in _REPORTING_THAT and verb.string.startswith(" that ", verb.end())):
            start = clause_start + len(text[clause_start:]) - len(text[clause_start:].lstrip())
            text = f"{text[:start]}I {text[start:]}"
    return text


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


def _frame(text: str, section: Section | None) -> str:  # noqa: C901, PLR0912  # one pass of ordered rewrite rules; to split with the patient subpackage (issue 24)
    """A chart fragment without a verb ('Chronic bronchitis.'), put in a sentence fitting its section."""
    body = text.rstrip(".")
    if _ON_TREATMENT.match(body):
        return body
    if _PLAIN_AGE.match(body) or body.lower() in ("male", "female"):
        return f"I'm {_lead(body)}"
    if section == "demographics" or _YOUNG.match(body):
        return f"I'm {_article(body)} {_lead(body)}"
    status_first = _STATUS_FIRST.match(body)
    if status_first:
        return f"My {status_first.group(2).lower()} is {status_first.group(1).lower()}"
    if _UP_TO_DATE_ON.match(body):
        return f"I'm {_lead(body)}"
    if _BARE_STATUS.match(body):
        return f"{_STATUS_SUBJECT.get(section, 'Everything else')} is {_lead(body)}"
    status = _NOUN_STATUS.match(body)
    if status and section != "family":
        subject = status.group(1)
        verb = "are" if subject.endswith("s") and not subject.endswith(("ss", "sis")) or " and " in subject else "is"
        return f"My {_lead(subject)} {verb} {status.group(2)}"
    if _CONTROLLED.match(body):
        return f"It's {_lead(body)}"
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
    if _COUNTED_START.match(body):
        return f"I've had {_article(body)} {_lead(body)}"
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
    text = _I_WHO.sub(r"I \1, and ", text)
    voiced = text
    text = _HISTORY_START.sub(_history_start, text, count=1)
    text = _NEGATIVE_FOR.sub("I haven't had any", text)
    text = _POSITIVE_FOR.sub("I've had", text)
    text = _SIGNIFICANT_FOR.sub(lambda match: f"My history is {match.group(0).lower()}", text)
    text = _PREMATURE_BIRTH.sub("I was born prematurely", text)
    text = _open_subject(text, section)
    if text == voiced:
        text = _PARTICIPLE_START.sub(lambda match: f"I was {_lead(match.group(0))}", text, count=1)
    untouched = text == voiced
    text = _agree_ellipses(text, section != "family")
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
    if untouched and not (
        _FIRST_PERSON.search(voiced) or _NEGATIVE_START.match(voiced) or _FINITE.search(voiced) or _any_verb(voiced)
    ):
        text = _frame(text, section)
    framed = text
    text = _ON_TREATMENT.sub(lambda match: f"{match.group(1)}I'm on ", text)
    if untouched or text != framed:  # a new 'I' ('I've had…', "I'm on…") may be the subject of a later verb
        text = _agree_ellipses(text, section != "family")
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    return _finish(text)
