"""The chart's reporting verbs after 'I' in the patient's own words: 'I reports that…' -> '…', 'I denies
fever' -> "I haven't had fever", 'I complains of…' -> "I've been having…", 'I presents with…' -> "I've come in
with…"; and every other verb after 'I' in agreement with it ('I uses' -> 'I use')."""

from __future__ import annotations

import re

from agents.patient.chart_words import ADVERB, deinflect

_ONGOING = frozenset("experiencing having feeling noticing getting suffering".split())
_REPORT_THAT = re.compile(
    r"\bI( also| further| additionally| then)? (?:reports?|notes?|mentions?|states?|says?|explains?|adds?|"
    r"reveals?|indicates?|confirms?|relates?|recounts?)(?: that,? | (?=I\b|my\b))"
)
_REPORT_GERUND = re.compile(
    r"\bI((?: " + ADVERB + r")*) (?:reports?|notes?|mentions?|describes?|endorses?|admits? to|recalls?) "
    r"(having (?:[a-z]+ed|had|been|felt|seen|taken|given|gone|done|lost)|[a-z]+ing)\b"
)
_REPORT_OBJECT = re.compile(r"\bI((?: " + ADVERB + r")*) (?:reports?|endorses?)\b")
_MENTION_OBJECT = re.compile(
    r"\bI((?: " + ADVERB + r")*) (?:notes?|mentions?|states?|says?|reveals?|indicates?|describes?)\b"
)
_COMPLAINS = re.compile(r"\bI((?: " + ADVERB + r")*) complains? (?:of|about)\b")
_DESCRIBES = re.compile(r"\bI((?: " + ADVERB + r")*) describes?\b(?=.* as\b)")
_RECALLS = re.compile(r"\bI((?: " + ADVERB + r")*) recalls?\b")
_PRESENTS = re.compile(r"\bI((?: " + ADVERB + r")*) (?:presents?|presented) (with|to)\b")
_DENIES = re.compile(r"\bI((?: " + ADVERB + r")*) (?:denies|deny|denied)(?: (any|the|a|an|all|[a-z]+ing)\b)?")
_AGREEMENT = re.compile(r"\bI((?: " + ADVERB + r")*) ([A-Za-z]+(?:n't)?)\b")
_PAST_TIME = re.compile(r"\b(?:ago|yesterday|last|earlier|this morning|when|while)\b")
_DONT_REPORT = re.compile(r"\bI (?:do not|don't) (?:report|endorse|note|mention|describe)\b")


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
    return f"I{match.group(1)} {deinflect(match.group(2))}"


def reported_as_said(text: str) -> str:
    """Every reporting verb after 'I' as the patient says it, and the other verbs after 'I' agreeing."""
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
    return _DONT_REPORT.sub("I don't have", text)
