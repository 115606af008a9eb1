"""Metrics beyond accuracy: exam recommendation (precision, recall, F1 of the test requests against the tests a case
lists), tests per correct diagnosis, turns to diagnosis, accuracy by disease category, and the run's wall time in
``replay``; transcripts and summaries written before these existed still load."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agentclinic_sim.cli import app
from agentclinic_sim.disease_category import UNRESOLVED, categories, disease_category
from agentclinic_sim.exam_score import ExamScore, exam_score
from agentclinic_sim.metrics import RunSummary, summarise, summarise_file
from agentclinic_sim.transcript import SUMMARY, TRANSCRIPTS, EpisodeRecord, iter_records
from agents.judge.diagnosis_vocabulary import build_vocabulary
from scenarios import Case, load_cases
from scenarios.registry import DATA_DIR_ENV


def run_cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def oracle_run(out: Path, dataset: str) -> tuple[list[EpisodeRecord], dict[str, Any]]:
    result = run_cli("run", "--doctor", "oracle", "--dataset", dataset, "--out", str(out))
    assert result.exit_code == 0, result.output
    return list(iter_records(out)), json.loads((out / SUMMARY).read_text(encoding="utf-8"))


def assert_oracle_exam_is_perfect(cases: list[Case], records: list[EpisodeRecord], summary: dict[str, Any]) -> None:
    by_id = {case.id: case for case in cases}
    assert len(records) == len(cases)
    scored = 0
    for record in records:
        case = by_id[record.case_id]
        if not case.tests:
            assert record.exam is None, record.case_id
            continue
        scored += 1
        assert record.exam is not None, record.case_id
        assert record.exam.f1 == 1.0, (record.case_id, record.exam)
        assert record.exam.listed == record.exam.matched == len(case.tests), record.case_id
    assert scored > 0 and summary["exam_scored"] == scored
    assert summary["exam_f1"] == summary["exam_precision"] == summary["exam_recall"] == 1.0


def test_the_oracle_doctor_recommends_exactly_the_tests_of_every_demo_case(tmp_path: Path) -> None:
    records, summary = oracle_run(tmp_path / "demo", "demo")
    assert_oracle_exam_is_perfect(load_cases("demo"), records, summary)


def test_the_oracle_doctor_recommends_exactly_the_tests_of_every_medqa_ext_case(
    tmp_path: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(shared_data))
    records, summary = oracle_run(tmp_path / "ext", "medqa-ext")
    cases = load_cases("medqa-ext", shared_data)
    assert sum(bool(case.tests) for case in cases) == 210  # four MedQA-Ext cases list no tests
    assert_oracle_exam_is_perfect(cases, records, summary)


def test_a_doctor_that_requests_nothing_recalls_nothing(tmp_path: Path) -> None:
    script = tmp_path / "doctor.txt"
    script.write_text("DIAGNOSIS READY: Acute myocardial infarction\n", encoding="utf-8")
    out = tmp_path / "run"
    result = run_cli("run", "--doctor", f"scripted:{script}", "--cases", "demo:0", "--out", str(out))
    assert result.exit_code == 0, result.output
    (record,) = iter_records(out)
    assert record.exam == ExamScore(requested=0, hits=0, listed=4, matched=0, precision=None, recall=0.0, f1=0.0)
    summary = RunSummary.model_validate_json((out / SUMMARY).read_text(encoding="utf-8"))
    assert summary.exam_recall == 0.0 and summary.exam_f1 == 0.0
    assert summary.exam_precision is None  # no request: precision is undefined, not 0
    assert summary.tests_per_correct == 0.0 and summary.turns_to_diagnosis == 1.0


@pytest.fixture(scope="module")
def chest_pain() -> Case:
    case = load_cases("demo")[0]
    assert list(case.tests) == ["Complete_Blood_Count", "Electrocardiogram", "Cardiac_Biomarkers", "Chest_X-Ray"]
    return case


def test_requests_are_matched_as_the_measurement_reader_matches_them(chest_pain: Case) -> None:
    score = exam_score(chest_pain, ["ECG", "troponin", "cbc", "CBC ", "CT head", "Vital signs", "Lung auscultation"])
    assert score is not None
    # ECG, troponin and CBC (asked twice) hit three listed tests; CT head is a miss; the vital signs and the
    # auscultation are answered from the examination and are not test orders.
    assert (score.requested, score.hits, score.listed, score.matched) == (4, 3, 4, 3)
    assert score.precision == pytest.approx(0.75) and score.recall == pytest.approx(0.75)
    assert score.f1 == pytest.approx(0.75)


def test_a_sibling_test_the_case_does_not_hold_is_a_miss(chest_pain: Case) -> None:
    score = exam_score(chest_pain, ["Troponin T", "D-dimer"])
    assert score is not None and score.hits == 0 and score.precision == 0.0 and score.f1 == 0.0


def test_a_case_that_lists_no_tests_has_no_exam_score(shared_data: Path) -> None:
    nejm = load_cases("nejm", shared_data)[0]
    assert not nejm.tests and exam_score(nejm, ["CBC"]) is None


@pytest.mark.parametrize(
    ("diagnosis", "category"),
    [
        ("Acute myocardial infarction", "C14 Cardiovascular Diseases"),  # read without 'acute'
        ("Myocardial infarction", "C14 Cardiovascular Diseases"),
        ("Lung cancer", "C04 Neoplasms"),  # C04 before C08, the lung's
        ("Major depressive disorder", "F03 Mental Disorders"),
        ("Acute gout", "C05 Musculoskeletal Diseases"),
        ("Iron deficiency anaemia", "C15 Hemic and Lymphatic Diseases"),
        ("Gardening", None),
        ("", None),
    ],
)
def test_disease_category_through_the_judges_vocabulary(diagnosis: str, category: str | None) -> None:
    assert disease_category(diagnosis) == category


def test_a_heading_in_several_trees_takes_the_lowest_category_and_other_trees_are_ignored() -> None:
    vocabulary = build_vocabulary(
        mesh={"zzq disease": ["zzq disease"], "yyq sign": ["yyq sign"]},
        lexicon=[],
        trees={"zzq disease": ("C14.100", "C01.200.3", "G03.1"), "yyq sign": ("G03.1", "A01.2")},
    )
    assert categories("Zzq disease", vocabulary) == ["C01", "C14"]
    assert categories("chronic zzq disease", vocabulary) == ["C01", "C14"]  # a course word leaves it unchanged
    assert categories("yyq sign", vocabulary) == []  # no disease tree: unresolved
    assert categories("xxq", vocabulary) == []


def scored_record(
    case: str, correct: bool | None, *, diagnosis: str | None, exam: ExamScore | None, tests: int = 0, turns: int = 4
) -> EpisodeRecord:
    return EpisodeRecord(
        case_id=case,
        dataset="demo",
        correct=correct,
        error=None if correct is not None else "BackendError: HTTP 500",
        correct_diagnosis=diagnosis or "Gardening",
        diagnosis=diagnosis if correct else ("Flu" if diagnosis else None),
        turns_used=turns,
        tests_requested=["CBC"] * tests,
        exam=exam,
    )


def exam(precision: float | None, recall: float, f1: float) -> ExamScore:
    return ExamScore(requested=1, hits=1, listed=1, matched=1, precision=precision, recall=recall, f1=f1)


def test_the_summary_fields_beyond_accuracy() -> None:
    records = [
        scored_record("demo:0", True, diagnosis="Myocardial infarction", exam=exam(1.0, 0.5, 2 / 3), tests=3, turns=6),
        scored_record("demo:1", False, diagnosis="Myocardial infarction", exam=exam(None, 0.0, 0.0), turns=10),
        scored_record("demo:2", True, diagnosis="Lung cancer", exam=None, tests=1, turns=2),
        scored_record("demo:3", False, diagnosis=None, exam=exam(0.5, 1.0, 2 / 3), tests=2, turns=20),  # no diagnosis
        scored_record("demo:4", None, diagnosis="Lung cancer", exam=exam(0.0, 0.0, 0.0), tests=5),  # errored
    ]
    summary = summarise(records)
    assert summary.exam_scored == 3
    assert summary.exam_precision == pytest.approx(0.75)  # the episode without a request left out
    assert summary.exam_recall == pytest.approx(0.5)
    assert summary.exam_f1 == pytest.approx(4 / 9)
    assert summary.tests_per_correct == pytest.approx(6 / 2)
    assert summary.turns_to_diagnosis == pytest.approx((6 + 10 + 2) / 3)
    by_category = {name: counts.model_dump() for name, counts in summary.accuracy_by_category.items()}
    assert by_category == {
        "C04 Neoplasms": {"n": 1, "correct": 1, "accuracy": 1.0},
        "C14 Cardiovascular Diseases": {"n": 2, "correct": 1, "accuracy": 0.5},
        UNRESOLVED: {"n": 1, "correct": 0, "accuracy": 0.0},
    }


def test_nothing_to_score_leaves_the_new_fields_empty() -> None:
    summary = summarise([scored_record("demo:0", False, diagnosis=None, exam=None)])
    assert summary.exam_f1 is summary.exam_recall is summary.exam_precision is None
    assert summary.tests_per_correct is None and summary.turns_to_diagnosis is None


OLD_LINE = {
    "case_id": "demo:0", "dataset": "demo", "turns": [], "diagnosis": "Asthma", "correct_diagnosis": "Asthma",
    "correct": True, "turns_used": 3, "tests_requested": ["Spirometry"], "objective": "Assess the patient.",
}  # fmt: skip
"""A record as runs wrote it before episodes had an exam score."""
OLD_SUMMARY = {"n": 1, "completed": 1, "correct": 1, "accuracy": 1.0, "wall_s": 12.5}


@pytest.fixture
def old_run(tmp_path: Path) -> Path:
    (tmp_path / TRANSCRIPTS).write_text(json.dumps(OLD_LINE) + "\n", encoding="utf-8")
    (tmp_path / SUMMARY).write_text(json.dumps(OLD_SUMMARY), encoding="utf-8")
    return tmp_path


def test_a_run_recorded_before_these_metrics_still_loads_and_summarises(old_run: Path) -> None:
    (record,) = iter_records(old_run)
    assert record.exam is None
    summary = summarise_file(old_run / TRANSCRIPTS)
    assert summary.accuracy == 1.0 and summary.exam_f1 is None and summary.exam_scored == 0
    assert summary.tests_per_correct == 1.0 and summary.turns_to_diagnosis == 3.0
    assert RunSummary.model_validate(OLD_SUMMARY).accuracy_by_category == {}
    replayed = run_cli("replay", str(old_run))
    assert replayed.exit_code == 0, replayed.output
    assert "exam recommendation" in replayed.output


def test_replay_shows_the_run_wall_time_and_the_new_rows(old_run: Path) -> None:
    whole = run_cli("replay", str(old_run))
    assert "wall time" in whole.output and "12.5 s" in whole.output
    assert "turns to diagnosis" in whole.output and "tests / correct" in whole.output
    assert "accuracy by category" in whole.output
    part = run_cli("replay", str(old_run), "--only", "correct")
    assert "12.5 s" not in part.output  # a part of the run has no wall time of its own
    folder_less = old_run / "copy.jsonl"
    folder_less.write_text((old_run / TRANSCRIPTS).read_text(encoding="utf-8"), encoding="utf-8")
    assert "12.5 s" not in run_cli("replay", str(folder_less)).output  # only a run folder's summary is read


def test_replay_counts_each_episode_once_by_its_latest_record(old_run: Path) -> None:
    """An episode written twice (an attempt and its retry) is one episode, its latest outcome, as summary.json
    counts it."""
    retried = {**OLD_LINE, "diagnosis": "COPD", "correct": False}
    with (old_run / TRANSCRIPTS).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(retried) + "\n")
    shown = run_cli("replay", str(old_run), "--only", "wrong")
    assert shown.exit_code == 0, shown.output
    assert "COPD" in shown.output and "sample 0 · 1/1" in shown.output
    assert run_cli("replay", str(old_run), "--only", "correct").exit_code == 2  # the correct attempt was replaced
