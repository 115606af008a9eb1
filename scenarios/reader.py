"""Reads a ``.jsonl`` case file into ``Case`` objects, reporting every problem as ``file:line: field: message``.

``read_case_file(..., stop_at_first=True)`` is what a run uses (fail fast); ``validate`` collects them all. A file
that is not JSON lines at all (a README, a CSV, a pretty-printed JSON document) is one problem, not one per line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scenarios.errors import CaseFileError, CaseProblem, display_path
from scenarios.schema import (
    Case,
    NejmRecord,
    OsceRecord,
    SchemaName,
    case_from_nejm,
    case_from_osce,
    content_hash,
    detect_schema,
    file_is_credentialed,
    record_is_credentialed,
)

UTF8_BOM = b"\xef\xbb\xbf"
MAX_BAD_LINES = 3  # more lines than this that are not UTF-8: the file is not text
NOT_A_CASE_FILE = "not a case file (expected one JSON object per line)"


def _type_name(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number" if isinstance(value, int | float) else type(value).__name__
    )


def _pydantic_problems(name: str, line: int, error: ValidationError, raw: dict[str, Any]) -> list[CaseProblem]:
    problems = []
    for item in error.errors(include_url=False):
        field = ".".join(str(part) for part in item["loc"]) or "-"
        message = item["msg"]
        if item["type"] == "missing":
            message = "required field is missing"
        elif item["type"] in {"string_type", "dict_type", "list_type", "bool_type"}:
            message = f"{message}, got {_type_name(item.get('input'))}"
        elif item["type"] == "string_too_short":
            message = "must not be empty"
        elif item["type"] == "value_error":
            message = message.removeprefix("Value error, ")
        problems.append(CaseProblem(name, line, field, message))
    return problems


def _not_text(data: bytes) -> str | None:
    """Why ``data`` is not a UTF-8 text file, or ``None`` when it is one (perhaps with a few bad lines).

    The rule: a file is not text when it holds a NUL byte (UTF-16, images, archives), when its first non-blank
    line is not valid UTF-8, or when more than ``MAX_BAD_LINES`` lines are not. Such a file is one problem for
    the whole file; a text file with a few bad lines (a stray Latin-1 byte) gets one problem per bad line.
    """
    if b"\0" in data:
        return "it contains NUL bytes"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return None
    lines = data.split(b"\n")
    bad = [number for number, line in enumerate(lines, start=1) if not _is_utf8(line)]
    first = next(number for number, line in enumerate(lines, start=1) if line.strip())
    if bad[0] == first:
        return "the first line with text is not UTF-8"
    if len(bad) > MAX_BAD_LINES:
        return f"{len(bad)} lines are not UTF-8"
    return None


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _lines(path: Path, name: str) -> Iterator[tuple[int, str] | CaseProblem]:
    """The non-blank lines of ``path`` with their numbers, or the problems found while reading them.

    An empty file or one that is not UTF-8 text (see ``_not_text``) is a single problem for the whole file.
    """
    data = path.read_bytes()
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    if not data.strip():
        yield CaseProblem(name, 0, "file", "file is empty (expected one JSON object per line)")
        return
    reason = _not_text(data)
    if reason is not None:
        yield CaseProblem(name, 0, "file", f"not a UTF-8 text file ({reason})")
        return
    for number, raw_line in enumerate(data.split(b"\n"), start=1):
        try:
            text = raw_line.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield CaseProblem(name, number, "-", f"invalid UTF-8 at byte {exc.start} of the line")
            continue
        if text.strip():
            yield number, text


def _parsed(text: str) -> object:
    """A line's JSON value; ``NOT_JSON`` when it does not parse, ``TOO_DEEP`` when it nests too deeply to."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return NOT_JSON
    except RecursionError:
        return TOO_DEEP


NOT_JSON = object()
TOO_DEEP = object()


def _not_a_case_file(name: str, items: list[tuple[int, str] | CaseProblem]) -> CaseProblem | None:
    """One problem for the whole file when it is not JSON lines at all, else ``None``.

    The rule: its first line with text is not JSON, and most of its lines with text are not JSON objects. A case
    file with a few bad lines (its first one among them), or lines of JSON of the wrong shape (``[]``), is not
    caught here: each bad line gets its own problem, which says what is wrong with it.
    """
    lines = [item for item in items if not isinstance(item, CaseProblem)]
    if not lines or _parsed(lines[0][1]) is not NOT_JSON:
        return None
    objects = sum(isinstance(_parsed(text), dict) for _, text in lines)
    if 2 * objects >= len(lines):
        return None
    return CaseProblem(name, lines[0][0], "", NOT_A_CASE_FILE)


def _parse_line(
    text: str, name: str, line: int, dataset: str, index: int, schema: SchemaName | None, credentialed: bool = False
) -> Case | list[CaseProblem]:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        return [CaseProblem(name, line, "-", f"malformed JSON: {exc.msg} (column {exc.colno})")]
    except RecursionError:
        return [CaseProblem(name, line, "-", "malformed JSON: nested too deeply to be a case")]
    if not isinstance(raw, dict):
        return [CaseProblem(name, line, "-", f"expected a JSON object, got {_type_name(raw)}")]
    found = detect_schema(raw)
    expected = schema or found
    if expected is None:
        return [
            CaseProblem(
                name,
                line,
                "OSCE_Examination",
                "required field is missing (OSCE records have OSCE_Examination; NEJM records have question, answers)",
            )
        ]
    model = OsceRecord if expected == "osce" else NejmRecord
    try:
        record = model.model_validate(raw)
    except ValidationError as exc:
        return _pydantic_problems(name, line, exc, raw)
    case = (
        case_from_osce(record, raw, dataset, index)
        if isinstance(record, OsceRecord)
        else case_from_nejm(record, raw, dataset, index)
    )
    if credentialed or record_is_credentialed(raw):
        case = case.model_copy(update={"credentialed": True})
    return case


def read_case_file(
    path: Path,
    dataset: str,
    *,
    schema: SchemaName | None = None,
    stop_at_first: bool = True,
    credentialed: bool = False,
) -> tuple[list[Case], list[CaseProblem]]:
    """Read every case in ``path``.

    Cases are marked ``credentialed`` when the caller says so (the registry's flag), when the file is
    named like AgentClinic's MIMIC-IV file, or when a record's ``_meta`` says it came from MIMIC.

    With ``stop_at_first`` (the default, used for runs) the first problem raises ``CaseFileError``;
    otherwise all problems are returned beside the cases that were good.
    """
    name = display_path(path)
    if not path.exists() or not path.is_file():
        raise CaseFileError([CaseProblem(name, 0, "file", "does not exist" if not path.exists() else "is not a file")])
    items = list(_lines(path, name))
    not_cases = _not_a_case_file(name, items)
    if not_cases is not None:
        if stop_at_first:
            raise CaseFileError([not_cases])
        return [], [not_cases]
    reading = _CaseFileReading(name, dataset, schema, credentialed or file_is_credentialed(path))
    problems: list[CaseProblem] = []
    for item in items:
        found = [item] if isinstance(item, CaseProblem) else reading.read(*item)
        if found and stop_at_first:
            raise CaseFileError(found)
        problems.extend(found)
    return reading.cases, problems


class _CaseFileReading:
    """The cases of one file read so far, and the first line of each (a later copy is a duplicate)."""

    def __init__(self, name: str, dataset: str, schema: SchemaName | None, credentialed: bool):
        self.name, self.dataset, self.schema, self.credentialed = name, dataset, schema, credentialed
        self.cases: list[Case] = []
        self.first_line_of: dict[str, int] = {}

    def read(self, line: int, text: str) -> list[CaseProblem]:
        """Read one line: keep its case, or return what is wrong with it."""
        parsed = _parse_line(text, self.name, line, self.dataset, len(self.cases), self.schema, self.credentialed)
        if not isinstance(parsed, Case):
            return parsed
        previous = self.first_line_of.setdefault(parsed.content_hash, line)
        if previous != line:
            return [CaseProblem(self.name, line, "-", f"duplicate of the case on line {previous}")]
        self.cases.append(parsed)
        return []


__all__ = ["content_hash", "read_case_file"]
