"""The patient: the deterministic retrieval patient and the LLM patient."""

from __future__ import annotations

import asyncio

import pytest

from agents.biases import PATIENT_BIASES, patient_bias_text
from agents.leaks import WITHHELD, DiagnosisGuard
from agents.patient import DONT_KNOW, DONT_KNOW_DIAGNOSIS, LLMPatient, RetrievalPatient
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


@pytest.fixture(scope="module")
def mg_patient(mg_case: Case) -> RetrievalPatient:
    return RetrievalPatient(mg_case)


# --- RetrievalPatient on the MedQA case ---------------------------------------------------------


@pytest.mark.parametrize("question", ["How old are you?", "What is your age?", "Are you male or female?"])
def test_age_question_returns_demographics(mg_patient: RetrievalPatient, question: str) -> None:
    reply = mg_patient.respond(question, [])
    assert "Demographics: 35-year-old female" in reply.text
    assert reply.backend == "retrieval"


@pytest.mark.parametrize("question", ["Do you smoke?", "Do you drink alcohol?", "What do you do for work?"])
def test_social_question_returns_social_history(mg_patient: RetrievalPatient, question: str) -> None:
    text = mg_patient.respond(question, []).text
    assert "Social History: Non-smoker, drinks wine occasionally." in text


def test_symptom_question_returns_history(mg_patient: RetrievalPatient) -> None:
    text = mg_patient.respond("What brings you in today?", []).text
    assert "double vision" in text.lower()


def test_review_question_returns_review_of_systems(mg_patient: RetrievalPatient) -> None:
    text = mg_patient.respond("Do you have chest pain?", []).text
    assert "Review of Systems" in text
    assert "denies experiencing any chest pain" in text


@pytest.mark.parametrize("question", ["What is your favourite colour of car?", "Hello", "Which football team wins?"])
def test_unrelated_question_gets_dont_know(mg_patient: RetrievalPatient, question: str) -> None:
    assert mg_patient.respond(question, []).text == DONT_KNOW


@pytest.mark.parametrize("question", DIAGNOSIS_QUESTIONS)
def test_diagnosis_question_gets_dont_know_diagnosis(mg_patient: RetrievalPatient, question: str) -> None:
    assert mg_patient.respond(question, []).text == DONT_KNOW_DIAGNOSIS


def test_max_facts_limits_the_answer_and_keeps_case_order(mg_case: Case) -> None:
    question = "How old are you and do you smoke?"
    one = RetrievalPatient(mg_case, max_facts=1).respond(question, []).text
    two = RetrievalPatient(mg_case, max_facts=2).respond(question, []).text
    assert one == "Demographics: 35-year-old female."
    assert two == "Demographics: 35-year-old female. Social History: Non-smoker, drinks wine occasionally."


def test_arespond_matches_respond(mg_patient: RetrievalPatient) -> None:
    assert asyncio.run(mg_patient.arespond("How old are you?", [])) == mg_patient.respond("How old are you?", [])


def test_no_fact_leaks_the_diagnosis(mg_case: Case, mg_patient: RetrievalPatient) -> None:
    guard = DiagnosisGuard(mg_case.diagnosis)
    assert mg_patient.facts
    assert not any(guard.leaks(fact.text) for fact in mg_patient.facts)


# --- RetrievalPatient on the demo cases ---------------------------------------------------------


@pytest.mark.parametrize("case", DEMO_CASES, ids=lambda case: case.id)
def test_demo_age_and_smoking(case: Case) -> None:
    patient = RetrievalPatient(case)
    age = patient.respond("How old are you?", []).text
    assert f"Demographics: {case.patient['Demographics']}" in age
    smoke = patient.respond("Do you smoke?", []).text
    assert "Social History:" in smoke


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
