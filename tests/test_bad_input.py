"""Broken case files: every problem is reported as ``file:line: field: message``, by the reader and by the CLI.

Each test writes its own ``.jsonl`` into ``tmp_path`` and runs from there, so the file is named ``bad.jsonl`` (a
path relative to the working directory) both in-process and in the ``agentclinic cases validate`` subprocess.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import scenarios
from scenarios import CaseFileError, CaseProblem
from scenarios.reader import read_case_file

NAME = "bad.jsonl"

VALID_OSCE: dict[str, Any] = {
    "OSCE_Examination": {
        "Objective_for_Doctor": "Assess and diagnose the patient presenting with wheeze.",
        "Patient_Actor": {"Demographics": "24-year-old woman", "History": "Wheeze after exercise."},
        "Physical_Examination_Findings": {"Vital_Signs": {"Heart_Rate": "80 bpm"}},
        "Test_Results": {},
        "Correct_Diagnosis": "Asthma",
    }
}


def osce(**changes: Any) -> dict[str, Any]:
    """A valid OSCE record with some fields of ``OSCE_Examination`` replaced (``None`` removes the field)."""
    record = copy.deepcopy(VALID_OSCE)
    for key, value in changes.items():
        if value is None:
            del record["OSCE_Examination"][key]
        else:
            record["OSCE_Examination"][key] = value
    return record


def nejm(*correct: bool) -> dict[str, Any]:
    return {
        "image_url": "https://example.org/image.png",
        "question": "A 40-year-old man has a rash. What is the most likely diagnosis?",
        "patient_info": "A 40-year-old man with a two-week rash on both forearms.",
        "physical_exams": "Erythematous plaques on the forearms.",
        "answers": [{"text": f"Option {i}", "correct": flag} for i, flag in enumerate(correct)],
    }


def encode(line: dict[str, Any] | str | bytes) -> bytes:
    if isinstance(line, bytes):
        return line
    if isinstance(line, str):
        return line.encode("utf-8")
    return json.dumps(line).encode("utf-8")


def write_case_file(folder: Path, lines: list[dict[str, Any] | str | bytes], *, prefix: bytes = b"") -> Path:
    path = folder / NAME
    path.write_bytes(prefix + b"".join(encode(line) + b"\n" for line in lines))
    return path.relative_to(Path.cwd())  # as a user would type it; problems name the path as given


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_validate(target: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agentclinic_sim.cli", "cases", "validate", str(target)],
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output


# (lines of the file, line of the problem, field, exact message or None, fragment of the message)
ONE_BAD_LINE = {
    "malformed-json-line-2-of-3": (
        [osce(), '{"OSCE_Examination": {"Objective_for_Doctor": "x",', osce(Correct_Diagnosis="Pneumonia")],
        2,
        "-",
        None,
        "malformed JSON",
    ),
    "line-is-an-array": (
        [osce(), "[1, 2, 3]"],
        2,
        "-",
        "expected a JSON object, got array",
        "got array",
    ),
    "line-is-a-string": (
        ['"just some text"', osce()],
        1,
        "-",
        "expected a JSON object, got string",
        "got string",
    ),
    "missing-OSCE_Examination": (
        [osce(), {"Objective_for_Doctor": "x", "Correct_Diagnosis": "Asthma"}],
        2,
        "OSCE_Examination",
        None,
        "required field is missing",
    ),
    "missing-Correct_Diagnosis": (
        [osce(Correct_Diagnosis=None)],
        1,
        "OSCE_Examination.Correct_Diagnosis",
        "required field is missing",
        "missing",
    ),
    "Patient_Actor-is-a-list": (
        [osce(), osce(Patient_Actor=["24-year-old woman", "wheeze"])],
        2,
        "OSCE_Examination.Patient_Actor",
        None,
        "got array",
    ),
    "Correct_Diagnosis-is-a-number": (
        [osce(Correct_Diagnosis=42)],
        1,
        "OSCE_Examination.Correct_Diagnosis",
        None,
        "got number",
    ),
    "Correct_Diagnosis-is-empty": (
        [osce(Correct_Diagnosis="")],
        1,
        "OSCE_Examination.Correct_Diagnosis",
        "must not be empty",
        "empty",
    ),
    "Correct_Diagnosis-is-whitespace": (
        [osce(), osce(Correct_Diagnosis="  \t  ")],
        2,
        "OSCE_Examination.Correct_Diagnosis",
        "must not be empty",
        "empty",
    ),
    "invalid-utf8-on-line-2": (
        [osce(), b'{"OSCE_Examination": "\xff\xfe broken"}', osce(Correct_Diagnosis="Pneumonia")],
        2,
        "-",
        "invalid UTF-8 at byte 22 of the line",
        "invalid UTF-8",
    ),
    "duplicate-case": (
        [osce(), osce(Correct_Diagnosis="Pneumonia"), osce()],
        3,
        "-",
        "duplicate of the case on line 1",
        "line 1",
    ),
    "duplicate-with-other-key-order-and-spacing": (
        [osce(), '{"OSCE_Examination":' + json.dumps(dict(reversed(VALID_OSCE["OSCE_Examination"].items()))) + "}"],
        2,
        "-",
        "duplicate of the case on line 1",
        "line 1",
    ),
    "nejm-no-correct-answer": (
        [nejm(True, False), nejm(False, False, False)],
        2,
        "answers",
        None,
        "exactly one answer must be correct, found 0",
    ),
    "nejm-two-correct-answers": (
        [nejm(False, True, True)],
        1,
        "answers",
        None,
        "exactly one answer must be correct, found 2",
    ),
}


@pytest.mark.parametrize(("lines", "line", "field", "exact", "fragment"), ONE_BAD_LINE.values(), ids=ONE_BAD_LINE)
def test_one_bad_line_is_reported_with_file_line_and_field(
    workdir: Path,
    lines: list[Any],
    line: int,
    field: str,
    exact: str | None,
    fragment: str,
) -> None:
    path = write_case_file(workdir, lines)

    cases, problems = read_case_file(path, "x", stop_at_first=False)

    assert len(problems) == 1, [str(p) for p in problems]
    problem = problems[0]
    assert (problem.file, problem.line, problem.field) == (NAME, line, field)
    assert fragment in problem.message
    if exact is not None:
        assert problem.message == exact
    assert str(problem) == f"{NAME}:{line}: {field}: {problem.message}"
    assert len(cases) == len(lines) - 1  # every other line still loads

    with pytest.raises(CaseFileError) as raised:
        read_case_file(path, "x", stop_at_first=True)
    assert raised.value.problems == [problem]
    assert str(raised.value) == str(problem)

    result = run_validate(path, workdir)
    assert_clean_failure(result)
    assert f"{NAME}:{line}: {field}: " in result.stdout
    assert fragment in result.stdout
    assert f"1 problem(s) found; {len(lines) - 1} good case(s)" in result.stdout


def test_nejm_correct_answer_count_problem_names_the_answers_field(workdir: Path) -> None:
    path = write_case_file(workdir, [nejm(False, False)])
    _, problems = read_case_file(path, "x", stop_at_first=False)
    assert [str(p) for p in problems] == [f"{NAME}:1: answers: exactly one answer must be correct, found 0"]


@pytest.mark.parametrize("content", [b"", b"\n", b"\n   \n\t\n\n"], ids=["empty", "one-newline", "blank-lines"])
def test_empty_file_is_one_problem_for_the_whole_file(workdir: Path, content: bytes) -> None:
    path = Path(NAME)
    path.write_bytes(content)
    expected = CaseProblem(NAME, 0, "file", "file is empty (expected one JSON object per line)")

    cases, problems = read_case_file(path, "x", stop_at_first=False)
    assert (cases, problems) == ([], [expected])
    assert str(expected) == f"{NAME}: file: file is empty (expected one JSON object per line)"

    with pytest.raises(CaseFileError) as raised:
        read_case_file(path, "x", stop_at_first=True)
    assert raised.value.problems == [expected]

    result = run_validate(path, workdir)
    assert_clean_failure(result)
    assert f"{NAME}: file: file is empty" in result.stdout


def test_missing_path_is_a_file_problem_in_both_modes(workdir: Path) -> None:
    path = Path("nowhere") / "missing.jsonl"
    expected = CaseProblem(str(Path("nowhere") / "missing.jsonl"), 0, "file", "does not exist")

    for stop_at_first in (True, False):
        with pytest.raises(CaseFileError) as raised:
            read_case_file(path, "x", stop_at_first=stop_at_first)
        assert raised.value.problems == [expected]
        assert str(raised.value) == f"{expected.file}: file: does not exist"

    with pytest.raises(CaseFileError, match="does not exist"):
        scenarios.load_cases(str(path))

    result = run_validate(path, workdir)
    assert_clean_failure(result)
    assert "missing.jsonl: file: does not exist" in result.stdout


def test_validate_lists_every_problem_but_a_run_stops_at_the_first(workdir: Path) -> None:
    lines = [
        osce(),  # 1 good
        "{not json",  # 2 malformed
        "[]",  # 3 array
        osce(Correct_Diagnosis="Pneumonia"),  # 4 good
        osce(Correct_Diagnosis=None),  # 5 missing diagnosis
        osce(),  # 6 duplicate of 1
        osce(Patient_Actor="a string", Correct_Diagnosis=7),  # 7 two problems in one record
    ]
    path = write_case_file(workdir, lines)
    expected_where = [
        (2, "-"),
        (3, "-"),
        (5, "OSCE_Examination.Correct_Diagnosis"),
        (6, "-"),
        (7, "OSCE_Examination.Patient_Actor"),
        (7, "OSCE_Examination.Correct_Diagnosis"),
    ]

    cases, problems = read_case_file(path, "x", stop_at_first=False)
    assert [(p.line, p.field) for p in problems] == expected_where
    assert [c.diagnosis for c in cases] == ["Asthma", "Pneumonia"]
    assert [c.id for c in cases] == ["x:0", "x:1"]

    result = run_validate(path, workdir)
    assert_clean_failure(result)
    reported = [line for line in result.stdout.splitlines() if line.startswith(f"{NAME}:")]
    assert reported == [str(p) for p in problems]
    assert "6 problem(s) found; 2 good case(s)" in result.stdout

    with pytest.raises(CaseFileError) as raised:
        scenarios.load_cases(str(path))
    assert [(p.line, p.field) for p in raised.value.problems] == [(2, "-")]
    assert str(raised.value).startswith(f"{NAME}:2: -: malformed JSON")


@pytest.mark.parametrize(
    ("prefix", "separator"), [(b"\xef\xbb\xbf", b"\n"), (b"\xef\xbb\xbf", b"\r\n")], ids=["bom", "bom-crlf"]
)
def test_utf8_bom_at_start_is_accepted(workdir: Path, prefix: bytes, separator: bytes) -> None:
    path = workdir / NAME
    path.write_bytes(prefix + separator.join(encode(r) for r in [osce(), osce(Correct_Diagnosis="Croup")]) + separator)

    cases = scenarios.load_cases(str(path))
    assert [c.diagnosis for c in cases] == ["Asthma", "Croup"]
    assert cases[0].raw == VALID_OSCE

    result = run_validate(path, workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok: 2 cases" in result.stdout


def test_bom_in_the_middle_of_a_file_is_still_an_error(workdir: Path) -> None:
    path = write_case_file(workdir, [osce(), b"\xef\xbb\xbf" + encode(osce(Correct_Diagnosis="Croup"))])
    _, problems = read_case_file(path, "x", stop_at_first=False)
    assert [(p.line, p.field) for p in problems] == [(2, "-")]
    assert "malformed JSON" in problems[0].message


NOTES = """

# Notes on the clinic

A few lines of Markdown, as in a README.

```json
{"an": "example object"}
```

- one
- two
"""


def test_a_text_file_that_is_not_json_lines_is_one_problem_not_one_per_line(workdir: Path) -> None:
    path = Path("notes.md")
    path.write_text(NOTES, encoding="utf-8")
    expected = CaseProblem("notes.md", 3, "", "not a case file (expected one JSON object per line)")
    assert str(expected) == "notes.md:3: not a case file (expected one JSON object per line)"

    assert read_case_file(path, "x", stop_at_first=False) == ([], [expected])
    with pytest.raises(CaseFileError) as raised:
        read_case_file(path, "x", stop_at_first=True)
    assert raised.value.problems == [expected]

    result = run_validate(path, workdir)
    assert_clean_failure(result)
    assert result.stdout.splitlines() == [str(expected), "1 problem(s) found; 0 good case(s)"]

    ran = subprocess.run(
        [sys.executable, "-m", "agentclinic_sim.cli", "run", "--dataset", str(path), "--out", "out"],
        cwd=workdir,
        env={**os.environ, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert_clean_failure(ran)
    assert [line for line in ran.stderr.splitlines() if line.strip()] == [f"error: {expected}"]


def test_a_case_file_whose_first_lines_are_bad_still_reports_each_line(workdir: Path) -> None:
    path = write_case_file(
        workdir, ["# a comment", "{broken", osce(), osce(Correct_Diagnosis="Croup"), osce(Correct_Diagnosis="Flu")]
    )
    cases, problems = read_case_file(path, "x", stop_at_first=False)
    assert [(p.line, p.field) for p in problems] == [(1, "-"), (2, "-")]
    assert all("malformed JSON" in p.message for p in problems)
    assert [c.diagnosis for c in cases] == ["Asthma", "Croup", "Flu"]


def test_valid_file_validates_ok(workdir: Path) -> None:
    path = write_case_file(workdir, [osce(), osce(Correct_Diagnosis="Croup"), nejm(False, True)])

    cases, problems = read_case_file(path, "x", stop_at_first=False)
    assert problems == []
    assert [c.schema_name for c in cases] == ["osce", "osce", "nejm"]

    result = run_validate(path, workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok: 3 cases" in result.stdout
    assert result.stderr == ""
