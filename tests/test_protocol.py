"""The doctor's action grammar: questions, test requests, diagnoses and malformed utterances."""

from __future__ import annotations

import pytest

from agents.protocol import Ask, Diagnose, Malformed, RequestTest, clean_value, parse_action


@pytest.mark.parametrize(
    "utterance",
    [
        "What brings you in today?",
        "How long have you had double vision?",
        "I need to request test results later, but first: do you smoke?",
        "Are you ready for the diagnosis?",
        "Diagnosis: myasthenia gravis",  # not the tag: goes to the patient
    ],
)
def test_questions_and_untagged_text_are_asks(utterance: str) -> None:
    action = parse_action(utterance)
    assert action == Ask(utterance.strip())


def test_ask_text_is_stripped() -> None:
    assert parse_action("   Do you smoke?  \n") == Ask("Do you smoke?")


def test_request_test_plain() -> None:
    assert parse_action("REQUEST TEST: Chest X-Ray") == RequestTest("Chest X-Ray", "REQUEST TEST: Chest X-Ray")


@pytest.mark.parametrize(
    ("utterance", "name"),
    [
        ("request test: chest x-ray", "chest x-ray"),
        ("REQUEST   TEST  :   CBC  ", "CBC"),
        ("**REQUEST TEST:** CBC.", "CBC"),
        ("Request test - ECG", "ECG"),
        ("Request test – ECG", "ECG"),
        ("REQUEST TESTS: CBC", "CBC"),
        ("Thank you. REQUEST TEST: CBC", "CBC"),
        ("REQUEST TEST: Chest_X-Ray", "Chest_X-Ray"),
        ("REQUEST TEST: Vitamin B12 level ...", "Vitamin B12 level"),
        ("REQUEST TEST: [CBC]", "CBC"),
        ("REQUEST TEST: CBC\nand then an ECG please", "CBC"),
    ],
)
def test_request_test_variants(utterance: str, name: str) -> None:
    action = parse_action(utterance)
    assert isinstance(action, RequestTest)
    assert action.name == name
    assert action.text == utterance


@pytest.mark.parametrize(
    ("utterance", "name"),
    [
        ("REQUEST TEST: Is there airflow obstruction on spirometry?", "Is there airflow obstruction on spirometry?"),
        ("REQUEST TEST: **MRI brain - any enhancement?**", "MRI brain - any enhancement?"),
        ("REQUEST TEST: CBC?!", "CBC?"),
    ],
)
def test_request_test_asked_as_a_question_keeps_its_mark(utterance: str, name: str) -> None:
    """The reader reads 'X - any Y?' as what the doctor hopes to see on X; without the mark it reads two tests."""
    action = parse_action(utterance)
    assert isinstance(action, RequestTest)
    assert action.name == name


def test_request_test_keeps_a_balanced_parenthesis() -> None:
    action = parse_action("REQUEST TEST: Chest X-Ray (PA view)")
    assert action == RequestTest("Chest X-Ray (PA view)", "REQUEST TEST: Chest X-Ray (PA view)")


def test_diagnosis_plain() -> None:
    utterance = "DIAGNOSIS READY: Myasthenia gravis"
    assert parse_action(utterance) == Diagnose("Myasthenia gravis", utterance)


@pytest.mark.parametrize(
    "utterance",
    [
        "**Diagnosis Ready:** *Myasthenia gravis*.",
        "diagnosis ready:   Myasthenia gravis!!",
        'DIAGNOSIS READY: "Myasthenia gravis"',
        "DIAGNOSIS READY - Myasthenia gravis",
        "Based on the findings, DIAGNOSIS READY: Myasthenia gravis",
        "DIAGNOSIS READY: Myasthenia gravis\nReasoning: fatigable ptosis and positive AChR antibodies.",
        "DIAGNOSIS READY:\nMyasthenia gravis\nBecause of the antibodies.",
    ],
)
def test_diagnosis_variants_keep_only_the_first_line_of_the_diagnosis(utterance: str) -> None:
    action = parse_action(utterance)
    assert isinstance(action, Diagnose)
    assert action.diagnosis == "Myasthenia gravis"
    assert action.text == utterance


def test_diagnosis_keeps_a_parenthesised_abbreviation() -> None:
    action = parse_action("DIAGNOSIS READY: Myasthenia gravis (MG)")
    assert isinstance(action, Diagnose)
    assert action.diagnosis == "Myasthenia gravis (MG)"


@pytest.mark.parametrize(
    "utterance",
    [
        "REQUEST TEST: CBC\nDIAGNOSIS READY: Myasthenia gravis",
        "DIAGNOSIS READY: Myasthenia gravis\nREQUEST TEST: CBC",
        "REQUEST TEST: EMG. DIAGNOSIS READY: Myasthenia gravis",
    ],
)
def test_diagnosis_wins_over_test_request(utterance: str) -> None:
    action = parse_action(utterance)
    assert isinstance(action, Diagnose)
    assert action.diagnosis == "Myasthenia gravis"


@pytest.mark.parametrize("utterance", ["", " ", "   \n\t "])
def test_empty_or_whitespace_is_malformed(utterance: str) -> None:
    action = parse_action(utterance)
    assert isinstance(action, Malformed)
    assert "empty" in action.reason
    assert action.text == utterance


@pytest.mark.parametrize(
    "utterance", ["DIAGNOSIS READY:", "DIAGNOSIS READY:   ", "**DIAGNOSIS READY:** **", "diagnosis ready: ."]
)
def test_diagnosis_tag_without_diagnosis_is_malformed(utterance: str) -> None:
    action = parse_action(utterance)
    assert isinstance(action, Malformed)
    assert "DIAGNOSIS READY" in action.reason
    assert "without a diagnosis" in action.reason


@pytest.mark.parametrize("utterance", ["REQUEST TEST:", "REQUEST TEST:   ", "**REQUEST TEST:**", "request test: !"])
def test_test_tag_without_name_is_malformed(utterance: str) -> None:
    action = parse_action(utterance)
    assert isinstance(action, Malformed)
    assert "REQUEST TEST" in action.reason
    assert "without a test name" in action.reason


@pytest.mark.parametrize(
    ("value", "cleaned"),
    [
        ("  *Myasthenia gravis*.  ", "Myasthenia gravis"),
        ("Myasthenia gravis\nsecond line", "Myasthenia gravis"),
        ("(Chest CT)", "Chest CT"),
        ("`CBC`;", "CBC"),
        ("", ""),
    ],
)
def test_clean_value(value: str, cleaned: str) -> None:
    assert clean_value(value) == cleaned
