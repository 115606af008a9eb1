"""Two runs' consultations side by side: where they diverge, which cases they share, the HTML page, and
``agentclinic replay RUN_A --against RUN_B`` (printed, as HTML, and its wrong inputs)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentclinic_sim.cli import app
from agentclinic_sim.cli.side_by_side import first_divergence, shared_pairs, side_by_side_page
from agentclinic_sim.transcript import TRANSCRIPTS, EpisodeRecord
from agents.types import Role, Turn

CONSULTATION = [
    (Role.DOCTOR, "What brings you in today?"),
    (Role.PATIENT, "A cough for three weeks."),
    (Role.DOCTOR, "REQUEST TEST: Chest_X-Ray"),
    (Role.MEASUREMENT, "RESULTS: right upper lobe cavity"),
    (Role.DOCTOR, "DIAGNOSIS READY: Tuberculosis"),
]


def turns(*changes: tuple[int, Role, str], length: int = len(CONSULTATION)) -> list[Turn]:
    spoken = list(CONSULTATION)
    for index, role, text in changes:
        spoken[index] = (role, text)
    return [Turn(role=role, text=text) for role, text in spoken[:length]]


def record(case: str, diagnosis: str | None = "Tuberculosis", sample: int = 0, **fields: object) -> EpisodeRecord:
    values: dict[str, object] = {"turns": turns(), "correct": diagnosis == "Tuberculosis", **fields}
    return EpisodeRecord(
        case_id=case, dataset="demo", sample=sample, diagnosis=diagnosis, correct_diagnosis="Tuberculosis", **values
    )


def test_the_first_divergence_is_the_first_turn_whose_role_or_text_differs() -> None:
    assert first_divergence(turns(), turns()) is None
    assert first_divergence([], []) is None
    assert first_divergence(turns(), turns((2, Role.DOCTOR, "REQUEST TEST: Sputum_Culture"))) == 2
    assert first_divergence(turns(), turns((1, Role.MEASUREMENT, CONSULTATION[1][1]))) == 1  # same text, other role
    assert first_divergence(turns(), turns(length=3)) == 3  # one ends first: the first turn only one has
    assert first_divergence(turns(length=0), turns()) == 0


def test_runs_share_cases_by_case_and_sample_in_the_first_runs_order_latest_outcome_first() -> None:
    a = [record("demo:2"), record("demo:1"), record("demo:1", sample=1), record("demo:3")]
    retried = record("demo:2", "Lung cancer")
    b = [record("demo:1"), record("demo:2", None, error="HTTP 500"), retried, record("demo:4")]
    pairs = shared_pairs(a, b)
    assert [(x.case_id, x.sample, y.case_id) for x, y in pairs] == [("demo:2", 0, "demo:2"), ("demo:1", 0, "demo:1")]
    assert pairs[0][1] is retried


def test_the_page_shows_both_runs_in_columns_escaped_with_the_divergence_and_contents() -> None:
    same = (record("demo:1"), record("demo:1"))
    hostile = "REQUEST TEST: <script>alert('x')</script> & more"
    different = (record("demo:2"), record("demo:2", "<b>Lung</b> cancer", turns=turns((2, Role.DOCTOR, hostile))))
    page = side_by_side_page([same, different], ("run <a>", "run b"), "A & B")
    assert page.startswith("<!DOCTYPE html>") and "<title>A &amp; B</title>" in page
    assert "<script" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in page
    assert "&lt;b&gt;Lung&lt;/b&gt; cancer" in page and "run &lt;a&gt;" in page
    assert not re.search(r"(src|href)=\"(?!#)", page)  # nothing outside the page: only links to its own anchors
    sections = page.split('<section class="case"')[1:]
    assert len(sections) == 2 and 'id="case-1"' in sections[0] and 'id="case-2"' in sections[1]
    assert "identical" in sections[0] and 'class="diverge"' not in sections[0]
    assert "first divergence at turn 3" in sections[1] and sections[1].count('class="diverge"') == 1
    diverging_row = sections[1].split('<tr class="diverge">')[1].split("</tr>")[0]
    assert diverging_row.startswith("<th>3") and "Chest_X-Ray" in diverging_row and "alert" in diverging_row
    assert sections[1].count('class="turn run-a') == sections[1].count('class="turn run-b') == len(CONSULTATION)
    for words in ("Tuberculosis", "correct", "wrong"):
        assert words in sections[1]
    contents = page.split('<ol class="contents">')[1].split("</ol>")[0]
    assert 'href="#case-1"' in contents and 'href="#case-2"' in contents and "first divergence at turn 3" in contents


def write_run(folder: Path, *records: EpisodeRecord) -> Path:
    folder.mkdir(parents=True)
    (folder / TRANSCRIPTS).write_text("".join(r.model_dump_json() + "\n" for r in records), encoding="utf-8")
    return folder


@pytest.fixture
def two_runs(tmp_path: Path) -> tuple[Path, Path]:
    a = write_run(tmp_path / "baseline", record("demo:1"), record("demo:2"), record("demo:3", "Flu"))
    longer = turns() + [Turn(role=Role.MODERATOR, text="Correct")]
    b = write_run(tmp_path / "tuned", record("demo:2", "Sarcoidosis", turns=longer), record("demo:1"))
    return a, b


def invoke(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["replay", *map(str, args)])
    return result.exit_code, result.output


def test_replay_against_prints_the_shared_cases_side_by_side(two_runs: tuple[Path, Path]) -> None:
    code, output = invoke(*two_runs[:1], "--against", two_runs[1])
    assert code == 0, output
    assert "demo:1 · sample 0 · 1/2" in output and "demo:2 · sample 0 · 2/2" in output and "demo:3" not in output
    assert "baseline" in output and "tuned" in output and "Sarcoidosis" in output
    assert output.count("identical") == 1 and "first divergence at turn 6" in output and "6 ≠" in output
    code, output = invoke(two_runs[0], "--against", two_runs[1], "--case", "2")
    assert code == 0 and "demo:2 · sample 0 · 1/1" in output and "demo:1" not in output


def test_replay_against_writes_the_side_by_side_page(two_runs: tuple[Path, Path], tmp_path: Path) -> None:
    page = tmp_path / "pages" / "compare.html"
    code, output = invoke(two_runs[0], "--against", two_runs[1] / TRANSCRIPTS, "--html", page, "--only", "correct")
    assert code == 0 and "2 cases side by side" in output
    html = page.read_text(encoding="utf-8")
    assert "<title>baseline vs tuned</title>" in html and html.count('<section class="case"') == 2


def test_replay_against_says_in_one_line_what_is_wrong(two_runs: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = two_runs
    other = write_run(tmp_path / "other", record("demo:9"))
    wrong = {
        "no transcript file": ("--against", tmp_path / "missing"),
        "share no consultations": ("--against", other),
        "no episodes in": ("--against", b, "--case", "demo:7"),
        "share no case demo:3": ("--against", b, "--case", "demo:3"),
        "share no consultations of those selected": ("--against", b, "--only", "wrong"),
        "would write over a transcript": ("--against", b, "--html", b / TRANSCRIPTS),
    }
    for message, args in wrong.items():
        code, output = invoke(a, *args)
        assert code == 2 and message in output and len(output.strip().splitlines()) == 1, (args, output)
    assert "Sarcoidosis" in (b / TRANSCRIPTS).read_text()
