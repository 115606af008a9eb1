"""The deterministic judge's layers, each on its own cases, and its agreement on the labelled set."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.judge.agreement import measure, read_pairs
from agents.judge.diagnosis_names import forms, key
from agents.judge.diagnosis_vocabulary import LexiconEntry, build_vocabulary, read_lexicon
from agents.judge.moderator import DiagnosisMatcher

PAIRS = Path(__file__).resolve().parents[1] / "benchmarks" / "judge_pairs.csv"


@pytest.fixture(scope="module")
def matcher() -> DiagnosisMatcher:
    return DiagnosisMatcher()


@pytest.fixture(scope="module")
def bare_matcher() -> DiagnosisMatcher:
    """No MeSH, no lexicon: the clean-up layers alone."""
    return DiagnosisMatcher(vocabulary=build_vocabulary(mesh={}, lexicon=[]))


@pytest.mark.parametrize(
    ("given", "truth"),
    [
        ("Crohn\u2019s disease", "Crohn's disease"),  # curly apostrophe
        ("Schizo-affective disorder", "Schizoaffective disorder"),  # hyphen inside a word
        ("Hodgkin lymphoma", "Lymphoma (Hodgkin lymphoma)"),  # bracketed part as an alternative name
        ("Oesophageal varices", "Esophageal varices"),  # British spelling
        ("Myasthenia garvis", "Myasthenia gravis"),  # one transposed pair of letters
        ("Anemia due to iron deficiency", "Iron deficiency anemia"),  # 'X due to Y'
        ("Most likely diagnosis: sarcoidosis", "Sarcoidosis"),  # a hedge
        ("Contusion of the heart", "Cardiac contusion"),  # an organ's noun for its adjective
        ("Herniated disc", "Disc herniation"),  # participle and noun
    ],
)
def test_clean_up_layers_accept_without_any_vocabulary(bare_matcher: DiagnosisMatcher, given: str, truth: str) -> None:
    assert bare_matcher.judge(given, truth).correct, bare_matcher.judge(given, truth).reason


@pytest.mark.parametrize(
    ("given", "truth"),
    [
        ("Non-Hodgkin lymphoma", "Hodgkin lymphoma"),
        ("Left ovarian torsion", "Right ovarian torsion"),
        ("Hepatitis B infection", "Hepatitis C infection"),
        ("Urinary tract obstruction", "Urinary tract infection"),  # the site alone is not the infection
        ("Wound dehiscence", "Wound infection"),
        ("Wounds and injuries", "Wound infection"),  # 'wound' is no disease, so 'wound infection' is not 'wound'
        ("Urologic disease", "Urinary tract infection"),  # 'urinary tract' is only an entry term of this group
        ("Tuberculosis", "Latent tuberculosis infection"),
        ("Hepatitis C", "Hepatitis B infection"),
        ("Torsion of the appendix testis", "Testicular torsion"),  # the appendix testis is its own structure
        ("Pseudo-Meigs syndrome", "Meigs syndrome"),  # 'pseudo' names another condition
        ("Calculous cholecystitis", "Acalculous cholecystitis"),  # an opposing prefix, fuzzy score above 90
        ("Monostotic fibrous dysplasia", "Polyostotic fibrous dysplasia"),  # counted forms
    ],
)
def test_negations_and_sides_stay_wrong(matcher: DiagnosisMatcher, given: str, truth: str) -> None:
    assert not matcher.judge(given, truth).correct


def test_mesh_layer_knows_old_and_new_names(matcher: DiagnosisMatcher, bare_matcher: DiagnosisMatcher) -> None:
    verdict = matcher.judge("Temporal arteritis", "Giant cell arteritis")
    assert verdict.correct and "MeSH" in verdict.reason
    assert not bare_matcher.judge("Temporal arteritis", "Giant cell arteritis").correct


def test_a_name_written_as_two_words_finds_its_heading(matcher: DiagnosisMatcher) -> None:
    verdict = matcher.judge("Chicken pox", "Varicella")  # MeSH writes the heading 'Chickenpox'
    assert verdict.correct and "chickenpox" in verdict.reason


def test_two_entry_terms_of_one_heading_are_not_the_same(matcher: DiagnosisMatcher) -> None:
    # Both are MeSH entry terms of 'Pemphigus': narrower conditions, not synonyms of each other.
    assert not matcher.judge("Pemphigus foliaceus", "Pemphigus vulgaris").correct


def test_lexicon_layer_and_abbreviations_inside_a_phrase(matcher: DiagnosisMatcher) -> None:
    assert matcher.judge("GBS", "Guillain-Barr\u00e9 syndrome").correct
    assert matcher.judge("CMV retinitis", "Cytomegalovirus retinitis").correct
    assert not matcher.judge("CMV retinitis", "Toxoplasma retinitis").correct


def test_an_infection_of_a_named_disease_is_that_disease(matcher: DiagnosisMatcher) -> None:
    verdict = matcher.judge("Hepatitis B", "Hepatitis B infection")
    assert verdict.correct, verdict.reason
    assert matcher.judge("Latent tuberculosis", "Latent tuberculosis infection").correct
    assert matcher.judge("Acute hepatitis C", "Acute hepatitis C infection").correct  # X names a disease, course aside
    assert not matcher.judge("Acute hepatitis B", "Chronic hepatitis B infection").correct
    assert not matcher.judge("Hepatitis B", "Chronic hepatitis B infection").correct  # less specific
    # only the name layers read 'X infection' as X: a more specific X-something is not thereby accepted
    assert not matcher.judge("Hepatitis B-associated glomerulonephritis", "Hepatitis B infection").correct


@pytest.mark.parametrize(
    "differential",
    [
        "Pneumonia, pulmonary embolism, aortic dissection or acute myocardial infarction",
        "Pulmonary embolism or acute myocardial infarction",
        "PE or MI",  # abbreviations written out first
        "Acute myocardial infarction vs. aortic dissection",
        "Acute myocardial infarction; pneumonia",
        "Pneumonia, acute myocardial infarction",
    ],
)
def test_a_list_of_diagnoses_is_not_credited_for_the_one_it_contains(
    matcher: DiagnosisMatcher, differential: str
) -> None:
    verdict = matcher.judge(differential, "Acute myocardial infarction")
    assert not verdict.correct and "offers" in verdict.reason


@pytest.mark.parametrize(
    ("given", "truth"),
    [
        ("Tinea corporis or ringworm", "Tinea corporis"),  # two names of the one diagnosis
        ("Anemia, iron deficiency", "Iron deficiency anemia"),  # an inverted name, as MeSH writes them
        ("Pneumonia, bacterial", "Pneumonia"),  # a qualifier after a comma
        ("Major depressive disorder, single episode", "Major depressive disorder"),
        ("Acute myocardial infarction, inferior wall", "Acute myocardial infarction"),
    ],
)
def test_one_diagnosis_written_with_a_comma_or_two_names_stays_one(
    matcher: DiagnosisMatcher, given: str, truth: str
) -> None:
    assert matcher.judge(given, truth).correct


def test_a_custom_lexicon_row_decides() -> None:
    entry = LexiconEntry("zorblax fever", "quux syndrome", "synonym", "test", 2)
    judge = DiagnosisMatcher(vocabulary=build_vocabulary(mesh={}, lexicon=[entry]))
    assert judge.judge("Zorblax fever", "Quux syndrome").correct
    assert not DiagnosisMatcher(vocabulary=build_vocabulary(mesh={}, lexicon=[])).judge("Zorblax fever", "Quux").correct


def test_shipped_lexicon_reads_and_a_bad_row_names_its_line(tmp_path: Path) -> None:
    assert len(list(read_lexicon())) > 100
    bad = tmp_path / "lexicon.csv"
    bad.write_text("term,concept,kind,source\nGBS,Guillain-Barre syndrome,nickname,x\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"lexicon.csv:2: kind 'nickname'"):
        list(read_lexicon(bad))


def test_forms_and_keys() -> None:
    assert forms("Guillain\u2013Barr\u00e9 syndrome (GBS)")[:2] == ("guillain-barre syndrome", "gbs")
    assert key("Diabetes mellitus type II") == key("type 2 diabetes mellitus")
    assert key("Bites of bed bugs") == key("bed bug bite") and key("Crush injuries") == key("crush injury")
    # the fuzzy layer would pass these near spellings anyway, so the keys themselves are what is tested
    assert key("Ruptured ovarian cyst") == key("Ovarian cyst rupture")  # an injury's participle and its noun
    assert key("Volvulus of the caecum") == key("Cecal volvulus")  # British spelling, then the organ's adjective
    assert key("Melanoma of the gingiva") == key("Gingival melanoma")
    assert key("Metabolic diseases") != key("Metabolic syndrome")  # a MeSH group is not the syndrome
    assert key("Abscess") == "abscess" and key("Cirrhosis") == "cirrhosis" and key("Lupus") == "lupus"


def test_agreement_on_the_labelled_set(matcher: DiagnosisMatcher) -> None:
    """Regression floor, not the goal: the note reports the figures (goal: held-out >= 95%, <= 2% false accepts)."""
    pairs = read_pairs(PAIRS)
    assert len(pairs) >= 300
    for part in ([p for p in pairs if not p.held_out], [p for p in pairs if p.held_out]):
        agreement = measure((pair.same, matcher.judge(pair.diagnosis, pair.truth).correct) for pair in part)
        assert agreement.false_accept_rate <= 0.02, agreement.line()
        assert agreement.rate >= 0.93, agreement.line()


def test_a_reason_shows_the_names_as_written(matcher: DiagnosisMatcher) -> None:
    reason = matcher.judge("Myasthenia gravis", "Acute myocardial infarction").reason
    assert "'myasthenia gravis' vs 'acute myocardial infarction'" in reason
    assert "'type 2 diabetes mellitus'" in matcher.judge("Diabetes mellitus, type 2", "Type 2 diabetes mellitus").reason


@pytest.mark.parametrize(
    ("given", "truth"),
    [
        ("Hepatoma", "Hematoma"),  # one letter changed, not two swapped
        ("Rubella", "Rubeola"),
        ("Dysphagia", "Dysphasia"),
        ("Myoma", "Myxoma"),  # one letter more in a short word
        ("Pulmonary embolism ruled out", "Pulmonary embolism"),
        ("Absence of appendicitis", "Appendicitis"),
        ("Appendicitis (ruled out)", "Appendicitis"),  # a negation in brackets is not an alternative name
    ],
)
def test_near_spellings_of_other_diseases_and_ruled_out_ones_are_wrong(
    matcher: DiagnosisMatcher, given: str, truth: str
) -> None:
    assert not matcher.judge(given, truth).correct


def test_real_misspellings_still_pass(matcher: DiagnosisMatcher) -> None:
    for given, truth in (("Myasthenia garvis", "Myasthenia gravis"), ("Apendicitis", "Appendicitis")):
        assert matcher.judge(given, truth).correct, given
