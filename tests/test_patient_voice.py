"""The patient's grammar (issue 22): verbs agree with 'I' after the subject changes, every part of a question
gets an answer, and a case's facts are computed once and shared by the episodes that play it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agents.patient.chart_words import third_person
from agents.patient.knowledge import clear_case_facts
from agents.patient.questions import question_parts
from agents.patient.retrieval import DONT_KNOW_DIAGNOSIS, NOTHING, RetrievalPatient
from agents.patient.voice import first_person
from scenarios import Case, load_cases

DEMO_CASES = load_cases("demo")
HEADACHE = next(case for case in DEMO_CASES if "worst of her life" in str(case.patient))

# --- verbs whose left-out subject is the patient -------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "section", "gender", "expected"),
    [
        # The issue's sentences.
        (
            "Reports a sudden, explosive headache that reached full intensity within seconds while lifting a heavy "
            "box an hour ago, and calls it the worst of her life.",
            "presenting",
            "female",
            "I've had a sudden, explosive headache that reached full intensity within seconds while lifting a heavy "
            "box an hour ago, and I call it the worst of my life.",
        ),
        (
            "She vomited twice, finds light painful and her neck feels stiff.",
            "presenting",
            "female",
            "I vomited twice, I find light painful and my neck feels stiff.",
        ),
        (
            "Hypertension, poorly controlled; on lisinopril but often misses doses.",
            "past",
            "female",
            "I've had hypertension, poorly controlled; I'm on lisinopril but I often miss doses.",
        ),
        # The same rule on other verbs and joints.
        (
            "He is uncooperative, refuses to answer questions, and exhibits paranoid behavior.",
            "presenting",
            "male",
            "I'm uncooperative, I refuse to answer questions, and I exhibit paranoid behavior.",
        ),
        (
            "During these episodes, she yells and cries but does not seem confused.",
            "presenting",
            "female",
            "During these episodes, I yell and cry but do not seem confused.",
        ),
        (
            "The patient has been off work for 2 weeks and wishes to return.",
            "presenting",
            "male",
            "I've been off work for 2 weeks and wish to return.",
        ),
        (
            "She was born at 39 weeks, initially weighed 3066 g and now weighs 3200 g.",
            "presenting",
            "female",
            "I was born at 39 weeks, initially weighed 3066 g and now weigh 3200 g.",
        ),
        ("Non-smoker and drinks alcohol socially.", "social", "male", "I'm a non-smoker and drink alcohol socially."),
        (
            "Dresses in burlap clothing and attempts telepathic communication.",
            "social",
            "male",
            "I dress in burlap clothing and attempt telepathic communication.",
        ),
        (
            "She has not had any recent illnesses and mentions that she has not started any new medications.",
            "presenting",
            "female",
            "I haven't had any recent illnesses and I haven't started any new medications.",
        ),
        (
            "7 sexual partners, uses condoms inconsistently.",
            "social",
            "male",
            "7 sexual partners, I use condoms inconsistently.",
        ),
        ("She smokes but doesn't drink.", "social", "female", "I smoke but don't drink."),
        (
            "Retired engineer; denies tobacco use.",
            "social",
            "male",
            "I'm a retired engineer; I haven't had any tobacco use.",
        ),
        # 'I' comes back inside a clause about someone else: the verbs after it are the patient's.
        (
            "His mother calls him difficult but notes that he is helpful at home and plays well with his sister.",
            "presenting",
            "male",
            "My mother calls me difficult but notes that I'm helpful at home and play well with my sister.",
        ),
        (
            "The parents report that the child appears unwell and has been breathing rapidly.",
            "presenting",
            "male",
            "My parents report that I appear unwell and have been breathing rapidly.",
        ),
    ],
)
def test_verbs_agree_with_the_patient_after_the_subject_changes(
    sentence: str, section: str, gender: str, expected: str
) -> None:
    assert first_person(sentence, section=section, gender=gender) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("sentence", "section", "gender", "expected"),
    [
        (
            "The patient's mother has diabetes and takes insulin.",
            "family",
            "male",
            "My mother has diabetes and takes insulin.",
        ),
        ("Mother has diabetes, takes insulin.", "family", "female", "My mother has diabetes, takes insulin."),
        (
            "The pain radiates to her back and gets worse at night.",
            "presenting",
            "female",
            "The pain radiates to my back and gets worse at night.",
        ),
        (
            "It gets worse when she walks and eases with rest.",
            "presenting",
            "female",
            "It gets worse when I walk and eases with rest.",
        ),
        (
            "He has knee pain that started yesterday and has been steadily worsening.",
            "presenting",
            "male",
            "I have knee pain that started yesterday and has been steadily worsening.",
        ),
        (
            "The pain worsens when she holds her son and is eased by an ice pack.",
            "presenting",
            "female",
            "The pain worsens when I hold my son and is eased by an ice pack.",
        ),
        (
            "Her boyfriend, who accompanies her, states she fell to the floor.",
            "presenting",
            "female",
            "My boyfriend, who accompanies me, states I fell to the floor.",
        ),
        (
            "She notes that the rash occasionally worsens but has not resolved.",
            "presenting",
            "female",
            "The rash occasionally worsens but has not resolved.",
        ),
        ("Her husband smokes and drinks heavily.", "social", "female", "My husband smokes and drinks heavily."),
        (
            "She has had fever, night sweats, or changes in appetite.",
            "review",
            "female",
            "I've had fever, night sweats, or changes in appetite.",
        ),
        (
            "He notes that his left knee was swollen a few weeks ago, but has since improved.",
            "presenting",
            "male",
            "My left knee was swollen a few weeks ago, but has since improved.",
        ),
    ],
)
def test_verbs_of_someone_or_something_else_keep_their_agreement(
    sentence: str, section: str, gender: str, expected: str
) -> None:
    assert first_person(sentence, section=section, gender=gender) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("sentence", "section", "expected"),
    [
        ("On propranolol", "past", "I'm on propranolol."),
        ("Unvaccinated.", "past", "I'm unvaccinated."),
        ("Unremarkable.", "past", "My medical history is unremarkable."),
        ("Birth history unremarkable.", "past", "My birth history is unremarkable."),
        ("Immunizations up to date.", "past", "My immunizations are up to date."),
        ("Known history of HIV and hypertension.", "past", "I have a known history of HIV and hypertension."),
        ("Has a history of asthma.", "past", "I have a history of asthma."),
        ("Significant for bipolar disorder.", "past", "My history is significant for bipolar disorder."),
        ("Positive for fever and bone pain.", "review", "I've had fever and bone pain."),
        ("Premature birth at 32 weeks.", "past", "I was born prematurely at 32 weeks."),
        (
            "Episode of abdominal pain three years ago.",
            "past",
            "I've had an episode of abdominal pain three years ago.",
        ),
        ("Recently diagnosed with schizophrenia.", "past", "I was recently diagnosed with schizophrenia."),
        ("Met all developmental milestones.", "past", "I met all developmental milestones."),
        ("Newborn, no prior medical history.", "past", "I'm a newborn, no prior medical history."),
        ("Chronic bronchitis.", "past", "I've had chronic bronchitis."),
    ],
)
def test_chart_fragments_become_whole_first_person_sentences(sentence: str, section: str, expected: str) -> None:
    assert first_person(sentence, section=section, gender="female") == expected  # type: ignore[arg-type]


def test_her_before_a_clause_is_the_object() -> None:
    said = first_person("She hears voices telling her she is worthless.", section="presenting", gender="female")
    assert said == "I hear voices telling me I'm worthless."


@pytest.mark.parametrize(
    ("verb", "form"), [("find", "finds"), ("miss", "misses"), ("cry", "cries"), ("have", "has"), ("play", "plays")]
)
def test_third_person(verb: str, form: str) -> None:
    assert third_person(verb) == form


# A slip as a reader sees one: a sentence that opens with 'I' and, with no other subject in between, goes on
# '…, finds' / '… and misses'. Simpler and narrower than the voice's own rule, so it checks that rule.
_SLIP_VERBS = (
    "finds misses calls reports denies has is does takes uses drinks smokes works lives notes mentions complains "
    "describes refuses exhibits cries wishes desires requests seeks weighs shows feels gets goes needs wants "
    "plays enjoys spends presents admits states says expresses attends avoids experiences hasn't doesn't isn't"
).split()
_SLIP = re.compile(
    r"(?:,|;|\band\b|\bbut\b)\s+(?:(?:\w+ly|also|still|often|now|never|always)\s+)*(" + "|".join(_SLIP_VERBS) + r")\b"
)
_OTHER_SUBJECT = re.compile(
    r"\b(?:that|which|who|when|while|because|if|since|as|until|after|before|my|the|his|her|their|its|it|he|she|"
    r"they|there|this|these)\b",
    re.IGNORECASE,
)


def agreement_slips(said: str) -> list[str]:
    """The third-person verbs of 'I' in one spoken sentence, by the simple reading above."""
    if not re.match(r"^I(?:'m|'ve|'d)?\b", said):
        return []
    return [match.group(1) for match in _SLIP.finditer(said) if not _OTHER_SUBJECT.search(said, 0, match.start())]


def test_the_slip_reader_sees_the_issue_sentences() -> None:
    assert agreement_slips("I vomited twice, finds light painful and my neck feels stiff.") == ["finds"]
    assert agreement_slips("I've had hypertension, poorly controlled; on lisinopril but often misses doses.") == [
        "misses"
    ]
    assert agreement_slips("My mother has diabetes and takes insulin.") == []
    assert agreement_slips("I have pain that radiates and has spread.") == []


def test_no_agreement_slip_in_any_medqa_ext_or_demo_fact(shared_data: Path) -> None:
    slips = [
        (case.id, fact.spoken)
        for case in [*load_cases("medqa-ext", shared_data), *DEMO_CASES]
        for fact in RetrievalPatient(case).facts
        if agreement_slips(fact.spoken)
    ]
    assert not slips, slips[:5]


# --- the demo headache case, end to end ------------------------------------------------------------


def test_headache_patient_tells_its_story_in_good_first_person() -> None:
    patient = RetrievalPatient(HEADACHE)
    story = patient.respond("What brings you in today?", []).text
    assert "and I call it the worst of my life" in story
    assert "I find light painful and my neck feels stiff" in story
    history = patient.respond("Any past medical history?", []).text
    assert "I'm on lisinopril but I often miss doses" in history
    assert not re.search(r"\b(?:calls|finds|misses)\b", story + history)


# --- questions of several parts --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        ("Do you drink alcohol, and have you had gallstones?", ["Do you drink alcohol", "have you had gallstones?"]),
        ("How old are you and do you smoke?", ["How old are you", "do you smoke?"]),
        ("When did it start? What makes it worse?", ["When did it start?", "What makes it worse?"]),
        ("Any past medical history; any allergies?", ["Any past medical history", "any allergies?"]),
        ("Any chest pain or shortness of breath?", ["Any chest pain or shortness of breath?"]),
        ("Do you smoke or drink?", ["Do you smoke or drink?"]),
        (
            "Tell me about your symptoms and how long you have had them.",
            ["Tell me about your symptoms", "how long you have had them."],
        ),
    ],
)
def test_question_parts(question: str, parts: list[str]) -> None:
    assert question_parts(question) == parts


def test_the_issue_question_gets_both_parts_answered() -> None:
    answer = RetrievalPatient(HEADACHE).respond("Do you drink alcohol, and have you had gallstones?", []).text
    assert answer == "I drink rarely. No, I haven't, as far as I know."


def _with_history(case: Case, past: str, social: str) -> Case:
    patient = {**case.patient, "Past_Medical_History": past, "Social_History": social}
    return case.model_copy(update={"patient": patient})


def test_each_part_is_answered_from_its_own_facts() -> None:
    case = _with_history(
        HEADACHE, "Gallstones found on an ultrasound two years ago.", "Drinks two glasses of wine a week."
    )
    patient = RetrievalPatient(case)
    answer = patient.respond("Do you drink alcohol, and have you had gallstones?", []).text
    assert answer == "I drink two glasses of wine a week. I've had gallstones found on an ultrasound two years ago."
    opening = patient.respond("What brings you in today?", []).text
    assert opening not in answer


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "When did it start, and what makes it worse?",
            "I've had a sudden, explosive headache that reached full intensity within seconds while lifting a heavy "
            f"box an hour ago, and I call it the worst of my life. {NOTHING['modifiers']}",
        ),
        ("Any allergies, and any family history?", f"{NOTHING['allergy']} My mother had 'a bleed in the head' at 60."),
        ("Do you smoke, and are you pregnant?", "I smoke 15 cigarettes a day. No, I don't think so."),
        (
            "Do you have a fever, and any diarrhea?",
            "No fever, recent head injury, weakness, numbness or visual loss. Not that I know of.",
        ),
    ],
)
def test_a_part_the_chart_is_silent_on_gets_its_own_no(question: str, expected: str) -> None:
    assert RetrievalPatient(HEADACHE).respond(question, []).text == expected


def test_the_short_no_never_depends_on_the_diagnosis() -> None:
    patient = RetrievalPatient(HEADACHE)
    named = patient.respond("Do you smoke, and have you had a subarachnoid hemorrhage?", []).text
    other = patient.respond("Do you smoke, and have you had a kidney stone?", []).text
    assert named == other == "I smoke 15 cigarettes a day. No, I haven't, as far as I know."
    assert patient.respond("Do you smoke, and what is your diagnosis?", []).text == DONT_KNOW_DIAGNOSIS


def test_surgery_question_gets_operations_or_a_plain_no() -> None:
    assert RetrievalPatient(HEADACHE).respond("Have you had any surgeries?", []).text == NOTHING["surgery"]
    operated = _with_history(HEADACHE, "Appendectomy at 12. Hypertension.", "Non-smoker.")
    assert RetrievalPatient(operated).respond("Have you had any surgeries?", []).text == "I've had appendectomy at 12."


# --- a case's facts, computed once per case -------------------------------------------------------


def test_episodes_of_a_case_share_its_facts_and_answer_alike() -> None:
    clear_case_facts()
    first, second = RetrievalPatient(HEADACHE), RetrievalPatient(HEADACHE)
    assert first.facts is second.facts
    assert first.respond("Any other symptoms?", []).text == second.respond("Any other symptoms?", []).text


def test_a_changed_case_under_the_same_id_gets_its_own_facts() -> None:
    before = RetrievalPatient(HEADACHE)
    changed = RetrievalPatient(_with_history(HEADACHE, "Asthma since childhood.", "Works as a baker."))
    assert changed.facts is not before.facts
    assert changed.respond("What do you do for work?", []).text == "I work as a baker."
    assert RetrievalPatient(HEADACHE).respond("What do you do for work?", []).text == "I work as a shop manager."


def test_later_episodes_of_a_case_reuse_its_facts(shared_data: Path) -> None:
    cases = load_cases("medqa-ext", shared_data)[:40]
    clear_case_facts()
    first = [RetrievalPatient(case) for case in cases]
    later = [RetrievalPatient(case) for case in cases]
    assert all(a.facts is b.facts for a, b in zip(first, later, strict=True))  # the same objects: not built again
    assert len({id(patient.facts) for patient in first}) == len(cases)
    assert [b.respond("How old are you?", []).text for b in later] == [
        a.respond("How old are you?", []).text for a in first
    ]
