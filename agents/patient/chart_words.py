"""The words the patient's voice knows: the verbs a chart uses of the patient, the adverbs and prepositions
around them, the endings of drug names; and a verb's forms after 'he' or 'she' and after 'I'."""

from __future__ import annotations

import re

ADVERBS = frozenset(
    """also still often usually sometimes occasionally rarely never always recently currently frequently regularly now
    just only reportedly further initially subsequently then later previously already otherwise additionally
    typically generally mostly daily socially actively heavily formerly suddenly gradually""".split()
)
ADVERB = r"(?:" + "|".join(sorted(ADVERBS)) + r")"
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
VERB_CUES = frozenset(
    """a an the my his her its their our this that these those some any no all every each it them him me up down
    out off back well poorly badly""".split()
)
PREPOSITIONS = frozenset(
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


THIRD_FORMS = (
    {third_person(verb): verb for verb in PATIENT_VERBS}
    | {word: word for word in START_VERBS if word.endswith("s")}
    | {"hasn't": "have", "doesn't": "do", "isn't": "be"}
)
NOUN_LIKE_FORMS = frozenset(third_person(verb) for verb in NOUN_LIKE_VERBS)

FINITE = re.compile(
    r"\b(?:is|are|was|were|has|have|had|does|did|do|can|cannot|could|will|would|may|might|began|begins|started|"
    r"starts|occurs|occurred|worsens|worsened|improves|improved|radiates|radiated|resolves|resolved|persists|"
    r"persisted|increases|decreases|appears|appeared|seems|became|becomes|developed|"
    r"spreads|spread|comes|came|goes|went|lasts|lasted|gets|got|eases|eased|feels|felt|include|includes|included|"
    r"provided|shows|showed|requires|required|worsen|improve|subsides|subsided|recurs|recurred|disappears|"
    r"disappeared|continues|continued|remains|remained|happens|happened|returns|returned|there's|there is|"
    r"there are)\b",
    re.IGNORECASE,
)
# Word endings of common drug names ('metoprolol', 'lisinopril', 'omeprazole', 'salbutamol').
DRUG_ENDINGS = tuple(
    """olol pril sartan statin formin prazole cillin mycin floxacin cycline tidine dipine oxetine profen codone
    olone sone parin xaban lukast terol butamol thiazide semide thyroxine zumab ximab""".split()
)
# Words that join two clauses, the second of which may leave its subject out.
JOINTS = frozenset({"and", "but", "or", "nor", "yet", "then"})
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
_NOT_ADVERBS = frozenset("family belly supply apply reply ally rally jelly anomaly italy july".split())


def deinflect(word: str) -> str:
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


def is_adverb(word: str) -> bool:
    """'often', 'recently', 'not': words a verb may stand behind without changing whose verb it is."""
    return word in ADVERBS or (word.endswith("ly") and len(word) > 4 and word not in _NOT_ADVERBS) or word == "not"


def is_patient_verb(word: str, following: str, after_verb: bool = False) -> bool:
    """Is ``word`` (lower case) a third-person verb of the patient's ('finds', 'misses')? A form that is as
    often a plural noun counts only before a word that follows a verb ('shows a', not 'changes in'), or,
    coordinated with a verb of the patient's (``after_verb``), before a word that is not a preposition
    ('I dress in burlap and attempts telepathy', not 'I've had fever and changes in appetite')."""
    if word not in THIRD_FORMS:
        return False
    if word not in NOUN_LIKE_FORMS:
        return True
    following = following.strip(",.;:")
    if following in VERB_CUES or following[:1].isdigit() or is_adverb(following):
        return True
    return after_verb and following[:1].isalpha() and following not in PREPOSITIONS and following not in JOINTS
