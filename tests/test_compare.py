"""``agentclinic compare``: runs paired by (case, sample), McNemar's exact test against scipy and statsmodels on
the 2x2 table, the bootstrap over cases (reproducible, clustered), Holm over several pairs, refusals, plots, and
two real runs of the demo cases compared end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from scipy.stats import binomtest
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

from agentclinic_sim.comparison import ComparisonError, compare_runs, load_runs
from agentclinic_sim.comparison_plots import plot_comparison
from agentclinic_sim.exam_score import ExamScore
from agentclinic_sim.paired_stats import paired_difference
from agentclinic_sim.run_folder import RUN_SETTINGS, RunManifest, write_json
from agentclinic_sim.run_settings import RunSettings
from agentclinic_sim.transcript import TRANSCRIPTS, EpisodeRecord, TranscriptWriter
from agents.patient.feedback import PatientFeedback
from agents.types import Reply, Verdict
from scenarios import names_case

Outcomes = dict[tuple[int, int], bool | None]
"""(case number, sample) -> right, wrong, or None for an errored episode."""


def make_run(folder: Path, outcomes: Outcomes, *, dataset: str = "demo", turns: int = 5, **settings: object) -> Path:
    """A run folder as `agentclinic run` writes it: run.json and one record per (case, sample)."""
    run_settings = RunSettings(dataset=dataset, out=folder, **settings)  # type: ignore[arg-type]
    folder.mkdir(parents=True)
    write_json(folder / RUN_SETTINGS, RunManifest(settings=run_settings).model_dump(mode="json"))
    with TranscriptWriter(folder / TRANSCRIPTS) as writer:
        for (case, sample), correct in outcomes.items():
            said = "Asthma" if correct else "Croup"
            verdict = None
            if correct is not None:
                verdict = Verdict(
                    correct=correct, judge="match", reason=f"{folder.name} judged {case}", diagnosis=said,
                    correct_diagnosis="Asthma",
                )  # fmt: skip
            writer.write(
                EpisodeRecord(
                    case_id=f"{dataset}:{case}",
                    dataset=dataset,
                    sample=sample,
                    correct=correct,
                    verdict=verdict,
                    diagnosis=said if correct is not None else None,
                    correct_diagnosis="Asthma",
                    turns_used=turns,
                    error=None if correct is not None else "boom",
                )  # fmt: skip
            )
    return folder


def table_runs(tmp_path: Path, both: int, only_a: int, only_b: int, neither: int) -> tuple[Path, Path]:
    """Two runs whose paired outcomes form the 2x2 table [[both, only_a], [only_b, neither]], one case each."""
    rows = [(True, True)] * both + [(True, False)] * only_a + [(False, True)] * only_b + [(False, False)] * neither
    a = make_run(tmp_path / "a", {(case, 0): right_a for case, (right_a, _) in enumerate(rows)})
    b = make_run(tmp_path / "b", {(case, 0): right_b for case, (_, right_b) in enumerate(rows)}, turns=7)
    return a, b


def test_mcnemar_p_is_the_exact_test_on_the_discordant_pairs(tmp_path: Path) -> None:
    a, b = table_runs(tmp_path, both=20, only_a=9, only_b=2, neither=5)
    pair = compare_runs(load_runs([a, b]), resamples=200).pairs[0]
    assert (pair.both_correct, pair.only_a_correct, pair.only_b_correct, pair.both_wrong) == (20, 9, 2, 5)
    assert pair.mcnemar_p == pytest.approx(mcnemar([[20, 9], [2, 5]], exact=True).pvalue)
    assert pair.mcnemar_p == pytest.approx(binomtest(2, 11, 0.5).pvalue)
    assert pair.mcnemar_p == pytest.approx(2 * (1 + 11 + 55) / 2**11)  # 2 P(X <= 2), X ~ Binomial(11, 1/2)
    assert pair.mcnemar_p_holm is None  # one comparison: nothing to adjust
    accuracy = pair.differences[0]
    assert accuracy.metric == "accuracy" and accuracy.difference == pytest.approx((22 - 29) / 36)
    turns = next(found for found in pair.differences if found.metric == "turns")
    assert turns.difference == 2 and turns.ci95 == (2, 2)
    assert [case.case_id for case in pair.right_only_in_b] == ["demo:29", "demo:30"]
    assert pair.right_only_in_b[0].reason_b == "b judged 29" and pair.right_only_in_b[0].diagnosis_a == "Croup"


def test_bootstrap_interval_brackets_the_difference_and_is_reproducible(tmp_path: Path) -> None:
    a, b = table_runs(tmp_path, both=30, only_a=12, only_b=3, neither=15)
    runs = load_runs([a, b])
    first = compare_runs(runs, resamples=1000, seed=7).pairs[0].differences[0]
    again = compare_runs(runs, resamples=1000, seed=7).pairs[0].differences[0]
    assert first.ci95 is not None and first.ci95 == again.ci95
    low, high = first.ci95
    assert first.difference == pytest.approx(-9 / 60)
    assert low < first.difference < high < 0  # 12 against 3 discordant: B is worse, and the interval says so
    assert 0.2 < high - low < 0.3  # 2 x 1.96 x sqrt((15 / 60 - 0.15**2) / 60) = 0.24
    continuous = [float(value) ** 0.5 for value in range(30)]
    seeded = [
        paired_difference("x", [str(i) for i in range(30)], [0.0] * 30, continuous, resamples=500, seed=seed).ci95
        for seed in (1, 1, 2)
    ]
    assert seeded[0] == seeded[1] != seeded[2]  # the seed, and only the seed, decides the resamples


def test_the_bootstrap_resamples_cases_not_episodes() -> None:
    """Ten samples of each case that agree with each other: twenty cases' evidence, not two hundred episodes'."""
    clusters = [f"c{case}" for case in range(20) for _ in range(10)]
    a = [1.0] * 200
    b = [0.0 if case % 2 else 1.0 for case in range(20) for _ in range(10)]
    grouped = paired_difference("accuracy", clusters, a, b, resamples=2000, seed=0)
    as_if_independent = paired_difference("accuracy", [str(i) for i in range(200)], a, b, resamples=2000, seed=0)
    assert grouped.cases == 20 and as_if_independent.cases == 200
    assert grouped.difference == as_if_independent.difference == -0.5
    assert grouped.ci95 is not None and as_if_independent.ci95 is not None
    width = grouped.ci95[1] - grouped.ci95[0]
    assert width > 2.5 * (as_if_independent.ci95[1] - as_if_independent.ci95[0])  # sqrt(10) wider, roughly
    assert 0.35 < width < 0.55  # 1.96 * 2 * sqrt(0.25 / 20) = 0.44


def test_several_samples_pair_by_case_and_sample_and_say_so(tmp_path: Path) -> None:
    a = make_run(tmp_path / "a", {(case, sample): True for case in range(6) for sample in range(3)}, samples=3)
    b = make_run(tmp_path / "b", {(case, sample): case < 3 for case in range(6) for sample in range(3)}, samples=3)
    comparison = compare_runs(load_runs([a, b]), resamples=300)
    assert (comparison.paired, comparison.cases, comparison.samples_per_case) == (18, 6, 3)
    assert comparison.pairs[0].only_a_correct == 9
    assert any("several samples per case" in note for note in comparison.notes)


def test_unshared_and_errored_episodes_are_counted_and_left_out(tmp_path: Path) -> None:
    a = make_run(tmp_path / "a", {(0, 0): True, (1, 0): True, (2, 0): None, (3, 0): True}, limit=4)
    b = make_run(tmp_path / "b", {(0, 0): True, (1, 0): False, (2, 0): True}, limit=3)
    comparison = compare_runs(load_runs([a, b]), resamples=200)
    assert (comparison.shared, comparison.paired) == (3, 2)
    run_a, run_b = comparison.runs
    assert (run_a.episodes, run_a.shared, run_a.not_shared, run_a.errored) == (4, 3, 1, 1)
    assert (run_b.episodes, run_b.not_shared, run_b.errored) == (3, 0, 0)
    assert (run_a.accuracy, run_b.accuracy, run_a.own_accuracy) == (1.0, 0.5, 1.0)
    assert comparison.settings_differences == {"limit": [4, 3]}  # the run folders (out) differ too: not reported


def test_holm_over_three_runs_matches_statsmodels(tmp_path: Path) -> None:
    cases = range(40)
    a = make_run(tmp_path / "a", {(case, 0): case < 30 for case in cases})
    b = make_run(tmp_path / "b", {(case, 0): case < 18 for case in cases})
    c = make_run(tmp_path / "c", {(case, 0): case % 3 != 0 for case in cases})
    comparison = compare_runs(load_runs([a, b, c]), resamples=200)
    assert [(pair.a, pair.b) for pair in comparison.pairs] == [("a", "b"), ("a", "c"), ("b", "c")]
    raw = [pair.mcnemar_p for pair in comparison.pairs]
    expected = multipletests(raw, method="holm")[1]
    assert [pair.mcnemar_p_holm for pair in comparison.pairs] == pytest.approx(list(expected))
    assert comparison.pairs[0].mcnemar_p_holm != raw[0]


def test_runs_on_different_datasets_or_judges_are_refused_unless_forced(tmp_path: Path) -> None:
    a = make_run(tmp_path / "a", {(0, 0): True})
    b = make_run(tmp_path / "b", {(0, 0): True}, dataset="medqa")
    with pytest.raises(ComparisonError, match=r"dataset \(a: demo, b: medqa\).*--force"):
        compare_runs(load_runs([a, b]))
    with pytest.raises(ComparisonError, match="nothing to pair"):  # forced, but no case in common
        compare_runs(load_runs([a, b]), force=True)
    judged = make_run(tmp_path / "judged", {(0, 0): False}, moderator="openai:judge@http://localhost:1/v1")
    with pytest.raises(ComparisonError, match="moderator"):
        compare_runs(load_runs([a, judged]))
    forced = compare_runs(load_runs([a, judged]), force=True, resamples=200)
    assert forced.forced and forced.pairs[0].only_a_correct == 1


def test_runs_that_chose_their_cases_differently_are_paired_on_the_cases_they_share(tmp_path: Path) -> None:
    """``--cases 0,1`` and ``--cases demo:1,demo:2`` name cases differently and choose different ones: the
    comparison pairs demo:1, the one they share, and reports the selections as differing settings."""
    a = make_run(tmp_path / "a", {(0, 0): True, (1, 0): True}, case_ids=["0", "1"])
    b = make_run(tmp_path / "b", {(1, 0): False, (2, 0): True}, case_ids=["demo:1", "demo:2"])
    compared = compare_runs(load_runs([a, b]), resamples=200)
    assert compared.paired == 1 and compared.pairs[0].only_a_correct == 1
    assert compared.settings_differences["case_ids"] == [["0", "1"], ["demo:1", "demo:2"]]


def test_what_is_not_a_pair_of_runs_is_refused(tmp_path: Path) -> None:
    a = make_run(tmp_path / "a", {(0, 0): True})
    (tmp_path / "empty").mkdir()
    for paths, message in [
        ([a], "two or more run folders"),
        ([a, tmp_path / "missing"], "no such folder"),
        ([a, tmp_path / "empty"], "not a run folder"),
        ([a, a / RUN_SETTINGS], "not a folder"),
        ([a, tmp_path / ".." / tmp_path.name / "a"], "given twice"),
    ]:
        with pytest.raises(ComparisonError, match=message):
            load_runs(paths)


def exam_score(recall: float) -> ExamScore:
    return ExamScore(requested=2, hits=2, listed=4, matched=int(4 * recall), precision=1.0, recall=recall, f1=recall)


def test_exam_f1_and_feedback_are_compared_when_episodes_have_them(tmp_path: Path) -> None:
    a, b = table_runs(tmp_path, both=4, only_a=0, only_b=0, neither=0)
    runs = load_runs([a, b])
    for run, f1 in zip(runs, (0.5, 0.75), strict=True):
        for key, record in run.records.items():
            record.exam = exam_score(f1) if key[0] != "demo:3" else None
    runs[1].records[("demo:0", 0)].patient_feedback = PatientFeedback(confidence=4, rating=5, reply=Reply(text="4, 5"))
    comparison = compare_runs(runs, resamples=200)
    assert comparison.runs[0].means["exam_f1"] == 0.5 and comparison.runs[1].means["exam_recall"] == 0.75
    assert "feedback_rating" not in comparison.runs[0].means and comparison.runs[1].means["feedback_rating"] == 5
    exam = next(found for found in comparison.pairs[0].differences if found.metric == "exam_f1")
    assert (exam.n, exam.difference) == (3, 0.25)  # the episode without an F1 is left out of the pairs
    plain = compare_runs(load_runs([a, b]), resamples=200)
    assert "exam_f1" not in plain.runs[0].means and all(d.metric != "exam_f1" for d in plain.pairs[0].differences)


def test_plots_are_png_files(tmp_path: Path) -> None:
    a, b = table_runs(tmp_path, both=5, only_a=3, only_b=1, neither=2)
    comparison = compare_runs(load_runs([a, b]), resamples=200)
    written = plot_comparison(comparison, tmp_path / "plots")
    assert [path.name for path in written] == ["accuracy.png", "cost_accuracy.png", "accuracy_by_category.png"]
    comparison.runs[0].accuracy_by_category = comparison.runs[1].accuracy_by_category = None
    assert [path.name for path in plot_comparison(comparison, tmp_path / "none")][-1] == "cost_accuracy.png"
    for path in written:
        with Image.open(path) as image:
            assert image.format == "PNG" and image.width > 300 and image.height > 200


def agentclinic(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "250"}
    return subprocess.run(
        [sys.executable, "-m", "agentclinic_sim.cli", *arguments],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=300,
    )  # fmt: skip


def test_two_real_demo_runs_compared_end_to_end(tmp_path: Path) -> None:
    """The oracle against a doctor that asks one question and always says myocardial infarction (demo:0's answer)."""
    script = tmp_path / "hasty.txt"
    script.write_text("What brings you in today?\n---\nDIAGNOSIS READY: Acute myocardial infarction\n", "utf-8")
    for out, doctor in (("oracle", "oracle"), ("hasty", f"scripted:{script}")):
        done = agentclinic("run", "--doctor", doctor, "--limit", "5", "--out", out, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    shown = agentclinic("compare", "oracle", "hasty", "--plot", "plots", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "5 paired episodes (5 cases)" in shown.stdout
    assert "doctor" in shown.stdout and "oracle → hasty" in shown.stdout
    assert "right in oracle, wrong in hasty: 4" in shown.stdout and "0.125" in shown.stdout  # 2 * 0.5 ** 4
    assert "right in hasty" not in shown.stdout
    assert (tmp_path / "plots" / "accuracy.png").is_file()
    assert (tmp_path / "plots" / "accuracy_by_category.png").is_file()  # from the paired records, no summary read
    as_json = agentclinic("compare", "oracle", "hasty", "--json", cwd=tmp_path)
    assert as_json.returncode == 0, as_json.stderr
    result = json.loads(as_json.stdout)
    assert result["pairs"][0]["mcnemar_p"] == pytest.approx(0.125)
    assert result["runs"][0]["accuracy"] == 1.0 and result["runs"][1]["accuracy"] == 0.2
    assert result["runs"][1]["accuracy_by_category"]["C14 Cardiovascular Diseases"] == 1.0  # demo:0, the one right
    assert {case["case_id"] for case in result["pairs"][0]["right_only_in_a"]} == {f"demo:{n}" for n in range(1, 5)}
    refused = agentclinic("compare", "oracle", cwd=tmp_path)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and "two or more" in refused.stderr
    paged = agentclinic("compare", "oracle", "hasty", "--html", "side.html", cwd=tmp_path)
    assert paged.returncode == 0, paged.stderr
    page = (tmp_path / "side.html").read_text(encoding="utf-8")
    assert all(f"demo:{n}" in page for n in range(1, 5)) and "demo:0" not in page  # the discordant cases only
    one = agentclinic("compare", "oracle", "hasty", "--html", "one.html", "--case", "0", cwd=tmp_path)
    assert one.returncode == 0 and "demo:0" in (tmp_path / "one.html").read_text(encoding="utf-8")
    missing = agentclinic("compare", "oracle", "hasty", "--html", "x.html", "--case", "demo:9", cwd=tmp_path)
    assert missing.returncode == 2 and "--case demo:9" in missing.stderr and not (tmp_path / "x.html").exists()


def test_a_case_id_is_named_whole_or_by_its_number() -> None:
    assert names_case("medqa:3", "medqa:3") and names_case("medqa:3", "3") and names_case("medqa:3", " 3 ")
    assert not names_case("medqa:13", "3") and not names_case("medqa:3", "demo:3")
    assert names_case("C:/cases/my.jsonl:7", "7")  # a path's own colons are not the id's
