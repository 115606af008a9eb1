"""The patient: the deterministic retrieval patient and the LLM patient."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest

from agents.biases import PATIENT_BIASES, patient_bias_text
from agents.leaks import WITHHELD, DiagnosisGuard
from agents.patient.chart import chart_sentences
from agents.patient.llm_patient import LLMPatient
from agents.patient.references import patient_gender
from agents.patient.retrieval import DONT_KNOW, DONT_KNOW_DIAGNOSIS, NOTHING, RetrievalPatient
from agents.patient.voice import first_person
from agents.types import Turn
from models.backends.scripted import ScriptedBackend
from scenarios import Case, load_cases

DEMO_CASES = load_cases("demo")

ORDINARY_QUESTIONS = [
    "What brings you in today?",
    "How old are you?",
    "Do you smoke?",
    "Do you drink alcohol?",
    "Tell me about your symptoms.",
    "When did this start?",
    "Has it got worse or better?",
    "Any past medical history?",
    "Do you take any medications?",
    "Any family history of illness?",
    "What do you do for work?",
    "Have you travelled recently?",
    "Do you have a fever?",
    "Any chest pain or shortness of breath?",
    "Any nausea or vomiting?",
    "Any problems with urine or bowels?",
    "Have you had any surgery?",
    "Describe the pain.",
    "Any recent weight loss?",
    "Any other symptoms?",
    "Is there anything else you want to tell me?",
]
DIAGNOSIS_QUESTIONS = [
    "What do you think the diagnosis is?",
    "What is wrong with me?",
    "What could I have, doctor?",
    "What does your chart say?",
    "Which disease do you have?",
    "Has anyone diagnosed you before?",
]


FIXED_QUESTIONS = [
    "What brings you in today?",
    "Any family history of illness?",
    "Do you smoke?",
    "Do you drink alcohol?",
    "Do you take any medications?",
    "Any past medical history?",
    "When did this start?",
    "What makes it better or worse?",
    "Any allergies?",
]
LABEL = re.compile(r"(?:^|[.!?]\s+)[A-Z][A-Za-z_ ]{0,40}:\s")
THIRD_PERSON = re.compile(r"\bthe patient\b|\bpatient's", re.IGNORECASE)


def voice_problems(case: Case, answer: str) -> list[str]:
    """What makes an answer not the patient's own first-person speech, or a leak."""
    pronouns = {"female": "she", "male": "he", None: "he|she"}[patient_gender(case.demographics)]
    problems = []
    if THIRD_PERSON.search(answer):
        problems.append("third person")
    if re.search(rf"(?:^|[.!?]\s+)(?:{pronouns})\b", answer, re.IGNORECASE):
        problems.append("pronoun opens a sentence")
    if LABEL.search(answer):
        problems.append("chart label")
    if DiagnosisGuard(case.diagnosis).leaks(answer):
        problems.append("diagnosis")
    return problems


@pytest.fixture(scope="module")
def mg_patient(mg_case: Case) -> RetrievalPatient:
    return RetrievalPatient(mg_case)


# --- RetrievalPatient on the MedQA case ---------------------------------------------------------


@pytest.mark.parametrize("question", ["How old are you?", "What is your age?", "Are you male or female?"])
def test_age_question_returns_demographics(mg_patient: RetrievalPatient, question: str) -> None:
    reply = mg_patient.respond(question, [])
    assert reply.text == "I'm a 35-year-old female."
    assert reply.backend == "retrieval"


@pytest.mark.parametrize("question", ["Do you smoke?", "Do you drink alcohol?"])
def test_habit_questions_get_the_habits_in_the_first_person(mg_patient: RetrievalPatient, question: str) -> None:
    assert mg_patient.respond(question, []).text == "I'm a non-smoker, I drink wine occasionally."


def test_work_question_gets_the_occupation(mg_patient: RetrievalPatient) -> None:
    assert mg_patient.respond("What do you do for work?", []).text == "I work as a graphic designer."


def test_opening_question_gets_the_presenting_history_in_the_first_person(mg_patient: RetrievalPatient) -> None:
    text = mg_patient.respond("What brings you in today?", []).text
    assert text == (
        "I've had a 1-month history of experiencing double vision (diplopia), difficulty in climbing stairs, and "
        "weakness when trying to brush my hair. These symptoms tend to worsen after physical activity but improve "
        "significantly after a few hours of rest."
    )


def test_review_question_returns_review_of_systems(mg_patient: RetrievalPatient) -> None:
    text = mg_patient.respond("Do you have chest pain?", []).text
    assert (
        text == "I haven't been experiencing any chest pain, palpitations, shortness of breath, or recent infections."
    )


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Any family history of illness?", NOTHING["family"]),
        ("Does anything run in your family?", NOTHING["family"]),
        ("Any allergies?", NOTHING["allergy"]),
        ("Do you take any medications?", NOTHING["medication"]),
        ("Any past medical history?", "No significant past medical history."),
        (
            "Do you have any past medical history, and do you take any medications?",
            f"No significant past medical history. {NOTHING['medication']}",
        ),
        (
            "Any other symptoms?",
            "I've also had difficulty climbing stairs, weakness in upper limbs and improvement of symptoms after rest.",
        ),
        (
            "Tell me about your symptoms.",
            "My main problem is double vision. I've also had difficulty climbing stairs, weakness in upper limbs and "
            "improvement of symptoms after rest.",
        ),
    ],
)
def test_each_kind_of_question_gets_its_own_facts(mg_patient: RetrievalPatient, question: str, expected: str) -> None:
    assert mg_patient.respond(question, []).text == expected


def test_what_helps_or_worsens_gets_the_modifying_facts(mg_patient: RetrievalPatient) -> None:
    text = mg_patient.respond("What makes it better or worse?", []).text
    assert text.startswith(
        "These symptoms tend to worsen after physical activity but improve significantly after a few hours of rest."
    )
    assert "I've had a 1-month history" not in text


def test_onset_question_gets_the_timing(mg_patient: RetrievalPatient) -> None:
    text = mg_patient.respond("When did this start?", []).text
    assert text.startswith("I've had a 1-month history of experiencing double vision")


@pytest.mark.parametrize("question", ["What is your favourite colour of car?", "Hello", "Which football team wins?"])
def test_unrelated_question_gets_dont_know(mg_patient: RetrievalPatient, question: str) -> None:
    assert mg_patient.respond(question, []).text == DONT_KNOW


@pytest.mark.parametrize("question", DIAGNOSIS_QUESTIONS)
def test_diagnosis_question_gets_dont_know_diagnosis(mg_patient: RetrievalPatient, question: str) -> None:
    assert mg_patient.respond(question, []).text == DONT_KNOW_DIAGNOSIS


def test_max_facts_limits_the_answer_and_keeps_case_order(mg_case: Case) -> None:
    question = "Your age and smoking habits?"
    one = RetrievalPatient(mg_case, max_facts=1).respond(question, []).text
    two = RetrievalPatient(mg_case, max_facts=2).respond(question, []).text
    assert one == "I'm a 35-year-old female."
    assert two == "I'm a 35-year-old female. I'm a non-smoker, I drink wine occasionally."


def test_each_part_of_a_question_gets_an_answer_even_at_one_fact(mg_case: Case) -> None:
    question = "How old are you, and do you smoke?"
    one = RetrievalPatient(mg_case, max_facts=1).respond(question, []).text
    assert one == "I'm a 35-year-old female. I'm a non-smoker, I drink wine occasionally."


def test_arespond_matches_respond(mg_patient: RetrievalPatient) -> None:
    assert asyncio.run(mg_patient.arespond("How old are you?", [])) == mg_patient.respond("How old are you?", [])


def test_same_question_same_answer(mg_case: Case) -> None:
    first, second = RetrievalPatient(mg_case), RetrievalPatient(mg_case)
    for question in ORDINARY_QUESTIONS:
        answer = first.respond(question, []).text
        assert first.respond(question, []).text == answer == second.respond(question, []).text, question


def test_no_fact_leaks_the_diagnosis(mg_case: Case, mg_patient: RetrievalPatient) -> None:
    guard = DiagnosisGuard(mg_case.diagnosis)
    assert mg_patient.facts
    assert not any(guard.leaks(fact.text) for fact in mg_patient.facts)


# --- RetrievalPatient on the demo cases ---------------------------------------------------------


@pytest.mark.parametrize("case", DEMO_CASES, ids=lambda case: case.id)
def test_demo_age_and_smoking(case: Case) -> None:
    patient = RetrievalPatient(case)
    age = patient.respond("How old are you?", []).text
    assert re.fullmatch(rf"I'm an? {re.escape(case.patient['Demographics'])}\.", age), age
    smoke = patient.respond("Do you smoke?", []).text
    assert not LABEL.search(smoke)
    assert smoke == NOTHING["social"] or re.search(r"smok", smoke), smoke


@pytest.mark.parametrize("case", DEMO_CASES, ids=lambda case: case.id)
def test_demo_unrelated_and_diagnosis_questions(case: Case) -> None:
    patient = RetrievalPatient(case)
    assert patient.respond("Which football team do you support?", []).text == DONT_KNOW
    for question in DIAGNOSIS_QUESTIONS:
        assert patient.respond(question, []).text == DONT_KNOW_DIAGNOSIS


@pytest.mark.parametrize("case", DEMO_CASES, ids=lambda case: case.id)
def test_demo_replies_never_contain_the_diagnosis(case: Case) -> None:
    patient = RetrievalPatient(case)
    guard = DiagnosisGuard(case.diagnosis)
    answered = 0
    for question in ORDINARY_QUESTIONS:
        text = patient.respond(question, []).text
        assert not guard.leaks(text), (question, text)
        answered += text not in (DONT_KNOW, DONT_KNOW_DIAGNOSIS)
    assert answered >= len(ORDINARY_QUESTIONS) // 2


def test_diagnosis_guard_catches_the_diagnosis() -> None:
    guard = DiagnosisGuard("Myasthenia gravis (MG)")
    assert guard.leaks("I think it is myasthenia.")
    assert guard.leaks("Could be MG")
    assert not guard.leaks("I see double in the evening.")
    assert guard.scrub("Patient has myasthenia gravis") == f"Patient has {WITHHELD} {WITHHELD}"
    assert DiagnosisGuard("Myasthenia gravis").scrub("Has myasthenia gravis.") == f"Has {WITHHELD}."


# --- LLMPatient ---------------------------------------------------------------------------------


def test_llm_patient_system_prompt_has_facts_not_diagnosis(mg_case: Case) -> None:
    patient = LLMPatient(mg_case, ScriptedBackend(["ok"]))
    prompt = patient.system_prompt
    assert "35-year-old female" in prompt
    assert "Non-smoker, drinks wine occasionally" in prompt
    assert "Difficulty climbing stairs" in prompt
    assert "myasthenia" not in prompt.lower()
    assert "Acetylcholine" not in prompt  # test results are not the patient's to know


@pytest.mark.parametrize("case", DEMO_CASES, ids=lambda case: case.id)
def test_llm_patient_prompt_never_names_the_demo_diagnosis(case: Case) -> None:
    prompt = LLMPatient(case, ScriptedBackend(["ok"])).system_prompt
    assert case.diagnosis.lower() not in prompt.lower()
    assert case.patient["Demographics"] in prompt


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("Patient: I have myasthenia gravis", f"I have {WITHHELD}"),
        ("patient : I feel tired.", "I feel tired."),
        ("  I get double vision in the evening.  ", "I get double vision in the evening."),
        ("Patient: my patient friend said Myasthenia is bad", f"my patient friend said {WITHHELD} is bad"),
    ],
)
def test_llm_patient_reply_is_cleaned(mg_case: Case, reply: str, expected: str) -> None:
    backend = ScriptedBackend([reply])
    result = LLMPatient(mg_case, backend).respond("What is wrong?", [])
    assert result.text == expected
    assert "myasthenia" not in result.text.lower()
    assert result.backend == "scripted"


def test_llm_patient_markdown_label_removed(mg_case: Case) -> None:
    result = LLMPatient(mg_case, ScriptedBackend(["**Patient:** I feel tired."])).respond("How are you?", [])
    assert result.text == "I feel tired."


def test_llm_patient_messages_alternate_and_skip_tests(mg_case: Case) -> None:
    backend = ScriptedBackend(["I get tired."])
    patient = LLMPatient(mg_case, backend)
    history = [
        Turn(role="doctor", text="What brings you in?"),
        Turn(role="patient", text="Double vision."),
        Turn(role="doctor", text="REQUEST TEST: Acetylcholine receptor antibodies"),
        Turn(role="measurement", text="RESULTS: Present (elevated)"),
        Turn(role="doctor", text="**REQUEST TEST:** EMG"),
        Turn(role="measurement", text="RESULTS: decrement"),
        Turn(role="doctor", text="How old are you?"),
        Turn(role="patient", text="I am 35."),
    ]
    reply = asyncio.run(patient.arespond("Do you get tired?", history))
    assert reply.text == "I get tired."
    [messages] = backend.requests
    assert [m.role for m in messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert [m.content for m in messages[1:]] == [
        "What brings you in?",
        "Double vision.",
        "How old are you?",
        "I am 35.",
        "Do you get tired?",
    ]
    assert messages[0].content == patient.system_prompt
    assert not any("RESULTS" in m.content or "REQUEST TEST" in m.content for m in messages)


def test_llm_patient_skips_every_non_question_doctor_turn(mg_case: Case) -> None:
    backend = ScriptedBackend(["ok"])
    history = [
        Turn(role="doctor", text="What brings you in?"),
        Turn(role="patient", text="Double vision."),
        Turn(role="doctor", text="Thank you. REQUEST TEST: EMG"),
        Turn(role="measurement", text="RESULTS: decrement"),
        Turn(role="doctor", text=""),
        Turn(role="system", text="Your message could not be used."),
    ]
    LLMPatient(mg_case, backend).respond("How old are you?", history)
    roles = [m.role for m in backend.requests[0]]
    assert roles == ["system", "user", "assistant", "user"]


def test_llm_patient_bias_text_in_prompt(mg_case: Case) -> None:
    bias_text = patient_bias_text("self_diagnosis")
    assert bias_text
    biased = LLMPatient(mg_case, ScriptedBackend(["ok"]), bias="self_diagnosis").system_prompt
    plain = LLMPatient(mg_case, ScriptedBackend(["ok"])).system_prompt
    assert bias_text in biased
    assert bias_text not in plain


@pytest.mark.parametrize("bias", PATIENT_BIASES)
def test_every_patient_bias_has_text(mg_case: Case, bias: str) -> None:
    prompt = LLMPatient(mg_case, ScriptedBackend(["ok"]), bias=bias).system_prompt  # type: ignore[arg-type]
    assert patient_bias_text(bias) in prompt


def test_unknown_bias_raises(mg_case: Case) -> None:
    with pytest.raises(ValueError, match="unknown patient bias"):
        LLMPatient(mg_case, ScriptedBackend(["ok"]), bias="impatience")  # type: ignore[arg-type]


# --- first person, label-free, over every MedQA-Ext and demo case (issue 10) ---------------------


@pytest.fixture(scope="module")
def medqa_ext_and_demo(shared_data: Path) -> list[Case]:
    cases = [*load_cases("medqa-ext", shared_data), *DEMO_CASES]
    assert len(cases) == 214 + len(DEMO_CASES)
    return cases


def test_answers_are_first_person_label_free_and_never_name_the_diagnosis(medqa_ext_and_demo: list[Case]) -> None:
    bad = []
    for case in medqa_ext_and_demo:
        patient = RetrievalPatient(case)
        for question in FIXED_QUESTIONS:
            answer = patient.respond(question, []).text
            assert answer, (case.id, question)
            if problems := voice_problems(case, answer):
                bad.append((case.id, question, problems, answer))
    assert not bad, bad[:5]


def test_opening_answers_speak_from_the_history(medqa_ext_and_demo: list[Case]) -> None:
    for case in medqa_ext_and_demo:
        answer = RetrievalPatient(case).respond("What brings you in today?", [])
        assert answer.text not in (DONT_KNOW, *NOTHING.values()), case.id
        assert re.search(r"\bI\b|\b[Mm]y\b|\bme\b", answer.text), (case.id, answer.text)


def test_family_question_without_family_facts_gets_the_plain_nothing(medqa_ext_and_demo: list[Case]) -> None:
    without = 0
    for case in medqa_ext_and_demo:
        patient = RetrievalPatient(case)
        if any("family" in fact.topics for fact in patient.facts):
            continue
        without += 1
        answer = patient.respond("Any family history of illness?", []).text
        assert answer == NOTHING["family"], (case.id, answer)
        assert answer != patient.respond("What brings you in today?", []).text
    assert without > 100


@pytest.mark.parametrize(
    ("index", "question", "expected"),
    [
        (70, "Any family history?", "My father has a history of psoriasis."),
        (131, "Does anyone in your family have health problems?", "My father died of large intestinal cancer."),
        (
            65,
            "Do you take any medications?",
            "I have a history of chronic bronchitis and use an albuterol inhaler as needed.",
        ),
        (
            65,
            "Do you smoke?",
            "I have a history of smoking one pack of cigarettes daily for 44 years and drink one alcoholic beverage "
            "daily.",
        ),
        (19, "What makes it worse?", "Pain worsens with movement."),
        # Verbs that agree with 'I' after the subject changes (issue 22).
        (205, "What brings you in today?", "I'm uncooperative, I refuse to answer questions, and I exhibit paranoid"),
        (190, "What brings you in today?", "I express a strong belief that I have cancer and desire a diagnostic"),
        (84, "What brings you in today?", "During these episodes, I yell and cry but do not seem confused"),
        (142, "Do you take any medications?", "I'm on metformin, insulin, lisinopril, and hydrochlorothiazide."),
        # Each part of a question answered (issue 22).
        (
            12,
            "Do you drink alcohol, and have you had gallstones?",
            "I'm a non-smoker and drink alcohol socially. No, I haven't, as far as I know.",
        ),
        (164, "Have you travelled recently?", "I recently returned from a month-long trip to St. Louis, Missouri."),
        (122, "Do you wear contact lenses?", None),
    ],
)
def test_medqa_ext_answers_by_number(shared_data: Path, index: int, question: str, expected: str | None) -> None:
    case = load_cases("medqa-ext", shared_data)[index]
    answer = RetrievalPatient(case).respond(question, []).text
    if expected is None:
        assert "I use contact lenses" in answer or "contact lenses regularly" in answer, answer
    else:
        assert expected in answer, answer
    assert not voice_problems(case, answer), answer


def test_retrieval_patient_is_fast(mg_case: Case) -> None:
    patient = RetrievalPatient(mg_case)
    questions = [f"{question} ({index})" for index in range(30) for question in ORDINARY_QUESTIONS]
    start = time.perf_counter()
    for question in questions:
        patient.respond(question, [])
    per_answer = (time.perf_counter() - start) / len(questions)
    assert per_answer < 200e-6, f"{per_answer * 1e6:.0f} µs per uncached answer"


# --- the voice: chart sentences in the patient's words --------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "section", "gender", "expected"),
    [
        (
            "The patient reports a 2-week history of cough.",
            "presenting",
            "female",
            "I've had a 2-week history of cough.",
        ),
        ("The patient reports feeling tired.", "presenting", None, "I've been feeling tired."),
        ("She has a history of asthma.", "past", "female", "I have a history of asthma."),
        ("His father had a stroke at 60.", "family", "male", "My father had a stroke at 60."),
        ("He uses an inhaler and takes metformin.", "medication", "male", "I use an inhaler and take metformin."),
        ("She is a teacher.", "social", "female", "I'm a teacher."),
        ("Non-smoker, drinks wine occasionally.", "social", "female", "I'm a non-smoker, I drink wine occasionally."),
        ("Works as an accountant.", "social", "male", "I work as an accountant."),
        ("Denies fever or chills.", "review", "male", "I haven't had any fever or chills."),
        (
            "The patient denies experiencing any chest pain.",
            "review",
            None,
            "I haven't been experiencing any chest pain.",
        ),
        ("She notes that the pain improves with rest.", "presenting", "female", "The pain improves with rest."),
        ("History of hypertension.", "past", None, "I have a history of hypertension."),
        ("Chronic bronchitis.", "past", "male", "I've had chronic bronchitis."),
        ("Family history of psoriasis.", "past", "female", "I have a family history of psoriasis."),
        ("Double vision", "primary", "female", "My main problem is double vision."),
        ("18-year-old woman", "demographics", "female", "I'm an 18-year-old woman."),
        ("No significant past medical history.", "past", None, "No significant past medical history."),
        ("The patient's mother has diabetes.", "family", "male", "My mother has diabetes."),
        # With the patient's gender known, the other gender's pronouns are someone else's.
        ("He says his mother said she had migraines.", "family", "male", "My mother said she had migraines."),
        ("Her husband reports that he snores.", "social", "female", "My husband reports that he snores."),
        (
            "The mother reports that the infant has had vomiting.",
            "presenting",
            "male",
            "My mother reports that I've had vomiting.",
        ),
    ],
)
def test_first_person(sentence: str, section: str, gender: str | None, expected: str) -> None:
    assert first_person(sentence, section=section, gender=gender) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("demographics", "gender"),
    [
        ("35-year-old female", "female"),
        ("8-month-old boy", "male"),
        ("66-year-old white male", "male"),
        ("Newborn", None),
    ],
)
def test_patient_gender(demographics: str, gender: str | None) -> None:
    assert patient_gender(demographics) == gender


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("You are a 43-year-old woman.", "I'm a 43-year-old woman."),
        (
            "For the past 8 years, you've noticed spots on your shins.",
            "For the past 8 years, I've noticed spots on my shins.",
        ),
        ("The lumps don't move when you try to push them.", "The lumps don't move when I try to push them."),
        ("The spots haven't caused you any discomfort.", "The spots haven't caused me any discomfort."),
        # A quotation is not the chart speaking to the patient.
        (
            "He often answers 'You're not the boss of me' in class.",
            "I often answer 'You're not the boss of me' in class.",
        ),
    ],
)
def test_second_person_actor_notes_become_first_person(sentence: str, expected: str) -> None:
    assert first_person(sentence, section="presenting", gender="male") == expected


def test_chart_sentences_drop_actor_preamble_labels_and_bullets() -> None:
    note = (
        "For your role as a patient actor, here's what you need to know: - **Age and Background**: You are a "
        "9-year-old boy. - **Symptoms**: - You've had fevers. - You've lost weight."
    )
    assert chart_sentences(note) == ["You are a 9-year-old boy.", "You've had fevers.", "You've lost weight."]


def test_nejm_patient_speaks_without_the_actor_note(shared_data: Path) -> None:
    bad = []
    for dataset in ("nejm", "nejm-ext"):
        for case in load_cases(dataset, shared_data):
            patient = RetrievalPatient(case)
            for question in FIXED_QUESTIONS:
                answer = patient.respond(question, []).text
                if re.search(r"\byour?\b|role as|patient actor|\*\*", answer, re.IGNORECASE) or voice_problems(
                    case, answer
                ):
                    bad.append((case.id, question, answer))
    assert not bad, bad[:5]
