"""Line numbers print as numbers, a pathological case line is one more bad line, and ``replay --html``
never writes over a transcript and says in one line when it cannot write."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from agentclinic_sim.cli import app
from agentclinic_sim.transcript import TRANSCRIPTS


def test_a_bad_line_100_is_named_by_its_number(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n" * 99 + '{"not": "a case"}\n')  # blank lines are skipped, so line 100 is the one
    result = CliRunner().invoke(app, ["cases", "validate", str(cases)])
    assert result.exit_code == 2 and f"{cases}:100:" in result.output


def test_a_line_nested_too_deeply_is_a_bad_line_not_a_crash(tmp_path: Path) -> None:
    cases = tmp_path / "deep.jsonl"
    cases.write_text("[" * 5000 + "]" * 5000 + "\n")
    result = CliRunner().invoke(app, ["cases", "validate", str(cases)])
    assert result.exit_code == 2 and "nested too deeply" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_replay_html_keeps_off_transcripts_and_says_why_it_cannot_write(tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert CliRunner().invoke(app, ["run", "--out", str(run), "--doctor", "oracle", "--limit", "1"]).exit_code == 0
    transcript = (run / TRANSCRIPTS).read_text()
    for target in (run / TRANSCRIPTS, tmp_path / "other.jsonl", tmp_path):
        result = CliRunner().invoke(app, ["replay", str(run), "--html", str(target)])
        assert result.exit_code == 2, (target, result.output)
    assert (run / TRANSCRIPTS).read_text() == transcript and not (tmp_path / "other.jsonl").exists()
    page = tmp_path / "new" / "folder" / "run.html"
    result = CliRunner().invoke(app, ["replay", str(run), "--html", str(page)])
    assert result.exit_code == 0 and page.read_text().lstrip().startswith("<!DOCTYPE html>")


def test_a_data_folder_that_is_not_one_is_named_not_skipped(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["cases", "show", "medqa", "0", "--data-dir", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "nowhere (--data-dir or $AGENTCLINIC_DATA) is not a folder" in result.output
