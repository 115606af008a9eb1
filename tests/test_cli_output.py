"""What the CLI prints when its output is a pipe or a file, checked by running ``agentclinic`` in a subprocess.

Off a terminal no line is wrapped (a long path or command stays whole on one line), tables are laid out wide,
``cases validate`` prints its problems and verdict on stdout, a file that is not UTF-8 text is one problem, and
paths are printed as the user gave them. On a terminal (a pseudo-terminal here) rich still wraps as before.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from scenarios import load_cases

DEMO = Path(str(resources.files("scenarios") / "data" / "demo.jsonl"))
DEMO_COUNT = len(load_cases("demo"))
# a relative folder name long enough that any path in it is wider than rich's default 80 columns
LONG_FOLDER = Path("a_folder_with_a_rather_long_name_for_cases") / "and_a_second_nested_folder_with_a_long_name"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def agentclinic(*args: str, cwd: Path, columns: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI with stdout and stderr as pipes; ``COLUMNS`` is unset unless ``columns`` is given."""
    env = {key: value for key, value in os.environ.items() if key not in {"COLUMNS", "FORCE_COLOR", "TTY_COMPATIBLE"}}
    if columns is not None:
        env["COLUMNS"] = columns
    return subprocess.run(
        [sys.executable, "-m", "agentclinic_sim.cli", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def long_relative_file(cwd: Path, name: str, content: bytes) -> Path:
    """Write ``content`` to ``LONG_FOLDER/name`` under ``cwd``; return the path relative to ``cwd``."""
    relative = LONG_FOLDER / name
    (cwd / relative).parent.mkdir(parents=True, exist_ok=True)
    (cwd / relative).write_bytes(content)
    assert len(str(relative)) > 80
    return relative


@pytest.mark.parametrize("columns", [None, "40"], ids=["no-COLUMNS", "COLUMNS=40"])
def test_validate_ok_line_keeps_a_long_relative_path_whole(tmp_path: Path, columns: str | None) -> None:
    path = long_relative_file(tmp_path, "demo_cases_copied_here.jsonl", DEMO.read_bytes())

    result = agentclinic("cases", "validate", str(path), cwd=tmp_path, columns=columns)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [f"ok: {DEMO_COUNT} cases in {path}"]
    assert str(tmp_path) not in result.stdout  # relative stays relative
    assert result.stderr == ""


def test_validate_prints_problems_and_verdict_on_stdout_one_per_line(tmp_path: Path) -> None:
    good, *_ = DEMO.read_bytes().splitlines()
    path = long_relative_file(tmp_path, "two_bad_lines.jsonl", b"\n".join([good, b"{not json", b"[1, 2]"]) + b"\n")

    result = agentclinic("cases", "validate", str(path), cwd=tmp_path)

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        f"{path}:2: -: malformed JSON: Expecting property name enclosed in double quotes (column 2)",
        f"{path}:3: -: expected a JSON object, got array",
        "2 problem(s) found; 1 good case(s)",
    ]
    assert result.stderr == ""


def test_absolute_path_is_printed_absolute_in_problems_and_ok_line(tmp_path: Path) -> None:
    good = (tmp_path / long_relative_file(tmp_path, "good.jsonl", DEMO.read_bytes())).resolve()
    bad = (tmp_path / long_relative_file(tmp_path, "bad.jsonl", b"[]\n")).resolve()

    ok = agentclinic("cases", "validate", str(good), cwd=tmp_path)
    failed = agentclinic("cases", "validate", str(bad), cwd=tmp_path)

    assert ok.stdout.splitlines() == [f"ok: {DEMO_COUNT} cases in {good}"]
    assert failed.returncode == 2
    assert failed.stdout.splitlines()[0] == f"{bad}:1: -: expected a JSON object, got array"


def latin1_lines(count: int, *, bad: set[int]) -> bytes:
    """``count`` demo records, those numbered in ``bad`` (1-based) with a Latin-1 byte that is not UTF-8."""
    records = DEMO.read_bytes().splitlines()[:count]
    return b"\n".join(
        record.replace(b'"', b'"\xe9', 1) if number in bad else record for number, record in enumerate(records, 1)
    )


NOT_TEXT = {
    "nul-bytes": (bytes(range(256)) * 8, "it contains NUL bytes"),
    "utf-16": ('{"OSCE_Examination": {}}\n'.encode("utf-16"), "it contains NUL bytes"),
    "first-line-not-utf8": (latin1_lines(3, bad={1}), "the first line with text is not UTF-8"),
    "four-lines-not-utf8": (latin1_lines(8, bad={2, 4, 6, 8}), "4 lines are not UTF-8"),
}


@pytest.mark.parametrize(("content", "reason"), NOT_TEXT.values(), ids=NOT_TEXT)
def test_file_that_is_not_utf8_text_is_one_problem(tmp_path: Path, content: bytes, reason: str) -> None:
    path = long_relative_file(tmp_path, "not_text.jsonl", content)

    result = agentclinic("cases", "validate", str(path), cwd=tmp_path)

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        f"{path}: file: not a UTF-8 text file ({reason})",
        "1 problem(s) found; 0 good case(s)",
    ]


def test_a_few_bad_lines_in_a_text_file_are_reported_per_line(tmp_path: Path) -> None:
    path = long_relative_file(tmp_path, "three_bad_lines.jsonl", latin1_lines(8, bad={2, 5, 7}))

    result = agentclinic("cases", "validate", str(path), cwd=tmp_path)

    assert result.returncode == 2, result.stdout + result.stderr
    reported = result.stdout.splitlines()
    assert [line.split(": ", 1)[0] for line in reported[:-1]] == [f"{path}:2", f"{path}:5", f"{path}:7"]
    assert all("invalid UTF-8 at byte" in line for line in reported[:-1])
    assert reported[-1] == "3 problem(s) found; 5 good case(s)"


def test_wrong_case_count_of_a_named_dataset_is_a_problem_on_stdout(tmp_path: Path) -> None:
    path = long_relative_file(tmp_path, "agentclinic_medqa.jsonl", DEMO.read_bytes())

    result = agentclinic("cases", "validate", "medqa", "--data-dir", str(path.parent), cwd=tmp_path)

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        f"{path}: file: expected 107 cases, found {DEMO_COUNT}",
        f"1 problem(s) found; {DEMO_COUNT} good case(s)",
    ]
    assert result.stderr == ""


def test_cases_list_table_keeps_a_long_data_dir_path_whole(tmp_path: Path) -> None:
    path = long_relative_file(tmp_path, "agentclinic_medqa.jsonl", DEMO.read_bytes())

    result = agentclinic("cases", "list", "--data-dir", str(path.parent), cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    (row,) = [line for line in result.stdout.splitlines() if "medqa " in line]
    assert str(path) in row
    assert "data-dir" in row


def test_run_prints_long_paths_and_commands_on_one_line(tmp_path: Path) -> None:
    out = LONG_FOLDER / "run_output"

    result = agentclinic("run", "--doctor", "oracle", "--limit", "1", "--out", str(out), cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert f"transcripts: {out / 'transcripts.jsonl'}" in lines
    assert f"replay: agentclinic replay {out}" in lines
    hints = [line.strip() for line in lines if "agentclinic run --dataset medqa-ext" in line]
    assert hints and all(hint.endswith("--moderator openai:gpt-4o") for hint in hints)


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_terminal_output_still_wraps_at_the_terminal_width(tmp_path: Path) -> None:
    path = long_relative_file(tmp_path, "demo_cases_copied_here.jsonl", DEMO.read_bytes())
    leader, follower = os.openpty()
    env = {key: value for key, value in os.environ.items() if key not in {"FORCE_COLOR", "TTY_COMPATIBLE"}}
    try:
        process = subprocess.run(
            [sys.executable, "-m", "agentclinic_sim.cli", "cases", "validate", str(path)],
            cwd=tmp_path,
            env={**env, "COLUMNS": "60", "TERM": "xterm"},
            stdin=subprocess.DEVNULL,
            stdout=follower,
            stderr=subprocess.PIPE,
            timeout=120,
        )
        os.close(follower)
        follower = -1
        screen = read_all(leader)
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)

    assert process.returncode == 0, screen
    lines = [ANSI.sub("", line) for line in screen.splitlines()]
    assert max(len(line) for line in lines) <= 60
    assert str(path) not in lines
    assert "".join(lines).replace(" ", "") == f"ok:{DEMO_COUNT}casesin{path}"


def read_all(fd: int) -> str:
    """Everything written to a pseudo-terminal whose other end is closed."""
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO once the other end is closed and drained
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
