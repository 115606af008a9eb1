"""Whose verb: a verb whose subject the chart leaves out after 'and', 'but' or a comma agrees with 'I' when that
subject is the patient ('She vomited twice, finds light painful' -> 'I vomited twice, I find light painful'),
and keeps its form when it is someone or something else ('my mother has diabetes and takes insulin', 'the
pain radiates and gets worse'). The sentence's subjects are followed word by word (``_Subjects``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agents.patient.chart_words import ADVERB, JOINTS, THIRD_FORMS, deinflect, is_adverb, is_patient_verb

_WORD_TOKEN = re.compile(r"I(?:'(?:m|ve|d|ll))?(?![\w'])|[A-Za-z][A-Za-z'-]*|\d+(?:[.,/]\d+)*%?|[,;:.!?]")
_I_FORMS = frozenset({"I", "I'm", "I've", "I'd", "I'll"})
_RELATIVE_WORDS = frozenset({"that", "which", "who"})
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
_SUBORDINATORS = frozenset(
    "when whenever while because if although though since until unless once as after before".split()
)
# Verbs that later rules turn into the patient's words ('denies' -> "I haven't had"); they need their 'I'.
_REPORTING = frozenset("reports denies complains endorses".split())
_REPORTING_THAT = frozenset("notes mentions states says explains adds reveals indicates confirms relates".split())


def _third_person_verb(tokens: list[re.Match[str]], index: int, after_verb: bool) -> bool:
    """``is_patient_verb`` for the word at ``index``."""
    following = tokens[index + 1].group(0).lower() if index + 1 < len(tokens) else ""
    return is_patient_verb(tokens[index].group(0).lower(), following, after_verb)


def _verb_like(word: str) -> bool:
    """A word that can be a clause's finite verb: an auxiliary, a past form, a third-person form."""
    if word in _AUXILIARIES or word in _PAST_FORMS or word in THIRD_FORMS:
        return True
    if word in _SUBJECT_OPENERS or len(word) < 4:
        return False
    return word.endswith("ed") or (word.endswith("s") and not word.endswith(("ss", "us", "is", "ous")))


def _relative_subject(tokens: list[re.Match[str]], index: int) -> bool:
    """'that'/'which'/'who' as the subject of a clause: a verb follows ('pain that radiates', 'who lives')."""
    for token in tokens[index + 1 :]:
        word = token.group(0).lower()
        if not is_adverb(word):
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
            elif lower in JOINTS:
                self.joint = self.opening = True
                self.clause_start = token.end()
            elif is_adverb(lower):
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
        if lower in _RELATIVE_WORDS and _relative_subject(tokens, index):
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
    r"(?:[,;:]|\b(?:and|but|or|nor|yet|then))\s+(?:(?:[a-z]+ly|" + ADVERB + r"|not)\s+)*([a-z]+(?:s|sn't))\b",
    re.IGNORECASE,
)


def _may_have_ellipsis(text: str) -> bool:
    """Could ``text`` hold a verb whose left-out subject is the patient? (False means surely not.)"""
    first = text.split(" ", 1)[0].lower()
    return first in THIRD_FORMS or any(match.group(1).lower() in THIRD_FORMS for match in _AFTER_JOINT.finditer(text))


def agree_ellipses(text: str, patient_default: bool = True) -> str:
    """Verbs whose left-out subject is the patient, in the first person: 'I vomited twice, finds light
    painful' -> 'I vomited twice, I find light painful'; 'on lisinopril but often misses doses' -> '… but
    often miss doses'. A clause after a comma gets its 'I' back, as does a reporting verb that later rules
    rewrite ('and denies fever' -> 'and I deny fever')."""
    if not _may_have_ellipsis(text):
        return text
    found = _Subjects(patient_default).verbs(text)
    for clause_start, verb, comma in reversed(found):
        word = verb.group(0).lower()
        text = text[: verb.start()] + deinflect(word) + text[verb.end() :]
        if comma or word in _REPORTING or (word in _REPORTING_THAT and verb.string.startswith(" that ", verb.end())):
            start = clause_start + len(text[clause_start:]) - len(text[clause_start:].lstrip())
            text = f"{text[:start]}I {text[start:]}"
    return text
