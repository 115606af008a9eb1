"""What a chart sentence is about, from its words and its section: the kinds of question it answers (a
history paragraph mixes family history, medications, allergies, past history, surgery, habits, onset and what
helps or worsens)."""

from __future__ import annotations

import re

from agents.patient.chart import Section
from agents.patient.chart_words import DRUG_ENDINGS

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


def topics_of(text: str, section: Section) -> frozenset[str]:
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
