"""The moderator: the deterministic diagnosis matcher, the yes/no parse and the LLM judge."""

from __future__ import annotations

import asyncio

import pytest

from agents.judge.moderator import DiagnosisMatcher, LLMModerator, normalise_diagnosis, parse_yes_no
from agents.types import Verdict
from models.backends.scripted import ScriptedBackend

# --- parse_yes_no -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reply",
    ["Yes", "Yes.", "**Yes**", "yes, they are the same", "YES", "The diagnoses are the same.", "Answer: Yes", "yes\n"],
)
def test_parse_yes(reply: str) -> None:
    assert parse_yes_no(reply) is True


@pytest.mark.parametrize(
    "reply",
    ["No.", "**No**", "No, they are different", "They are not the same", "Not the same condition", "Incorrect"],
)
def test_parse_no(reply: str) -> None:
    assert parse_yes_no(reply) is False


@pytest.mark.parametrize("reply", ["maybe", "", "   ", "Nope", "I cannot tell", "banana 42"])
def test_parse_garbage_is_none(reply: str) -> None:
    assert parse_yes_no(reply) is None


@pytest.mark.parametrize("reply", ["Not correct.", "That is not correct", "They are not exactly the same"])
def test_parse_negated_yes_words_are_no(reply: str) -> None:
    assert parse_yes_no(reply) is False


# --- DiagnosisMatcher ---------------------------------------------------------------------------


@pytest.fixture
def matcher() -> DiagnosisMatcher:
    return DiagnosisMatcher()


@pytest.mark.parametrize(
    ("given", "correct"),
    [
        ("Myasthenia gravis", "Myasthenia gravis"),
        ("myasthenia GRAVIS.", "Myasthenia gravis"),
        ("Myasthenia-gravis!", "Myasthenia gravis"),
        ("Myasthenia gravis (MG)", "Myasthenia gravis"),
        ("Gravis myasthenia", "Myasthenia gravis"),
        ("Heart attack", "Myocardial infarction"),
        ("DKA", "Diabetic ketoacidosis"),
        ("Iron deficiency anaemia", "Iron deficiency anemia"),
        ("Parkinson disease", "Parkinson's disease"),
        ("Diabetes mellitus type 2", "Type 2 diabetes mellitus"),
        ("Shingles", "Herpes zoster"),
        ("Myasthenia gravs", "Myasthenia gravis"),
    ],
)
def test_matcher_accepts_same_condition(matcher: DiagnosisMatcher, given: str, correct: str) -> None:
    verdict = matcher.judge(given, correct)
    assert isinstance(verdict, Verdict)
    assert verdict.correct is True, verdict.reason
    assert verdict.judge == "match"
    assert verdict.reason
    assert verdict.diagnosis == given
    assert verdict.correct_diagnosis == correct
    assert verdict.reply is None


@pytest.mark.parametrize(
    ("given", "correct"),
    [
        ("Type 1 diabetes mellitus", "Type 2 diabetes mellitus"),
        ("Left ventricular failure", "Right ventricular failure"),
        ("Lambert-Eaton syndrome", "Myasthenia gravis"),
        ("Multiple sclerosis", "Myasthenia gravis"),
        ("Diabetes mellitus", "Diabetes insipidus"),
        ("Acute pancreatitis", "Chronic pancreatitis"),
        ("Hyperkalemia", "Hypokalemia"),
        ("Ischemic stroke", "Hemorrhagic stroke"),
    ],
)
def test_matcher_rejects_different_conditions(matcher: DiagnosisMatcher, given: str, correct: str) -> None:
    verdict = matcher.judge(given, correct)
    assert verdict.correct is False, verdict.reason
    assert verdict.judge == "match"
    assert verdict.reason


def test_matcher_reason_names_differing_numbers(matcher: DiagnosisMatcher) -> None:
    verdict = matcher.judge("Type 1 diabetes mellitus", "Type 2 diabetes mellitus")
    assert "numbers, sides or negations differ" in verdict.reason


@pytest.mark.parametrize("given", ["", "   ", "Disease", "the syndrome"])
def test_matcher_rejects_empty_diagnosis(matcher: DiagnosisMatcher, given: str) -> None:
    verdict = matcher.judge(given, "Myasthenia gravis")
    assert verdict.correct is False
    assert verdict.reason == "empty diagnosis"


def test_matcher_threshold_is_used() -> None:
    assert DiagnosisMatcher().judge("Myasthenia gravs", "Myasthenia gravis").correct is True
    assert DiagnosisMatcher(threshold=99.5).judge("Myasthenia gravs", "Myasthenia gravis").correct is False


def test_matcher_ajudge_equals_judge(matcher: DiagnosisMatcher) -> None:
    sync = matcher.judge("Heart attack", "Myocardial infarction")
    assert asyncio.run(matcher.ajudge("Heart attack", "Myocardial infarction")) == sync


def test_normalise_diagnosis() -> None:
    assert normalise_diagnosis("The Myasthenia Gravis (MG)") == "gravis myasthenia"
    assert normalise_diagnosis("Crohn’s disease") == normalise_diagnosis("Crohn disease") == "crohn"
    assert normalise_diagnosis("") == ""


@pytest.mark.parametrize(
    ("given", "correct"),
    [("Gravis", "Myasthenia gravis"), ("Cancer", "Pancreatic cancer"), ("Deficiency", "Iron deficiency anemia")],
)
def test_matcher_rejects_a_single_shared_word(matcher: DiagnosisMatcher, given: str, correct: str) -> None:
    assert matcher.judge(given, correct).correct is False


@pytest.mark.parametrize(
    ("given", "correct"),
    [
        ("Hepatitis A", "Hepatitis B"),
        ("Hemophilia A", "Hemophilia B"),
        ("Vitamin B12 deficiency", "Vitamin B1 deficiency"),
        ("Hyperparathyroidism", "Hypoparathyroidism"),
    ],
)
def test_matcher_rejects_different_subtypes(matcher: DiagnosisMatcher, given: str, correct: str) -> None:
    assert matcher.judge(given, correct).correct is False


def test_matcher_accepts_roman_numeral_type(matcher: DiagnosisMatcher) -> None:
    assert matcher.judge("Type I diabetes mellitus", "Type 1 diabetes mellitus").correct is True


# --- LLMModerator -------------------------------------------------------------------------------


def test_llm_moderator_yes_async() -> None:
    backend = ScriptedBackend(["**Yes**"])
    moderator = LLMModerator(backend)
    verdict = asyncio.run(moderator.ajudge("MG", "Myasthenia gravis"))
    assert verdict.correct is True
    assert verdict.judge == "llm:scripted"
    assert moderator.name == "llm:scripted"
    assert verdict.diagnosis == "MG"
    assert verdict.correct_diagnosis == "Myasthenia gravis"
    assert verdict.reply is not None
    assert verdict.reply.text == "**Yes**"
    assert verdict.reply.backend == "scripted"
    assert verdict.reply.prompt_tokens > 0
    assert "**Yes**" in verdict.reason

    [request] = backend.requests
    prompt = "\n".join(message.content for message in request)
    assert "Myasthenia gravis" in prompt
    assert "MG" in prompt
    assert [message.role for message in request] == ["user"]


def test_llm_moderator_no_sync() -> None:
    backend = ScriptedBackend(["No, different"])
    verdict = LLMModerator(backend).judge("Lambert-Eaton syndrome", "Myasthenia gravis")
    assert verdict.correct is False
    assert verdict.judge == "llm:scripted"
    assert "no yes/no found" not in verdict.reason
    prompt = backend.requests[0][0].content
    assert "Lambert-Eaton syndrome" in prompt
    assert "Myasthenia gravis" in prompt


@pytest.mark.parametrize("use_async", [False, True])
def test_llm_moderator_unparseable_reply_is_not_the_same(use_async: bool) -> None:
    moderator = LLMModerator(ScriptedBackend(["maybe"]))
    if use_async:
        verdict = asyncio.run(moderator.ajudge("Something", "Myasthenia gravis"))
    else:
        verdict = moderator.judge("Something", "Myasthenia gravis")
    assert verdict.correct is False
    assert "no yes/no found" in verdict.reason


def test_llm_moderator_uses_backend_name() -> None:
    verdict = LLMModerator(ScriptedBackend(["Yes"], name="judge-x")).judge("a", "b")
    assert verdict.judge == "llm:judge-x"
