"""``build_mimic_cases``: a MIMIC-IV folder -> a ``.jsonl`` of OSCE cases, streaming and deterministic.

How it runs:

1. Check the tables and columns (``tables``), then rank the candidate admissions (``selection``).
2. Take candidates in passes: each pass is one streamed scan of ``labevents`` and the other event tables
   for a block of ranks, reduced in DuckDB to one row per admission and lab item (``labs``, ``micro``,
   ``vitals``, ``other_titles``). Without ``limit`` a single pass serves every candidate; with ``limit`` the
   first pass takes ``2 * limit`` (at least 64) and later ones double, until ``limit`` cases are written.
3. Fetch the reduced rows ``CHUNK`` admissions at a time and write each case as it is assembled, in rank
   order. Python holds one chunk; DuckDB spills beyond its memory limit; ``labevents`` is never loaded.

Same tables and seed give the same bytes: every query is ordered, the output has no timestamps and no
build-time values, and JSON is written with a fixed layout. The file appears only when the build succeeds.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from scenarios.mimic import labs, micro, other_titles, vitals
from scenarios.mimic.assemble import MIN_RESULTS, assemble
from scenarios.mimic.engine import MEMORY_LIMIT, connect, database_error, describe_error
from scenarios.mimic.errors import MimicInputError
from scenarios.mimic.models import BuildReport, CaseFacts, Narrator
from scenarios.mimic.selection import TOO_FEW_RESULTS, admissions, choose_candidates, select_admissions
from scenarios.mimic.tables import locate_tables, register_views
from scenarios.mimic.values import SHOWN_SQL

CHUNK = 500
FIRST_PASS_MIN = 64
BuildProgress = Callable[[int, int], None]
"""Called with (cases written, cases wanted) as the build goes."""


def _prepare_pass(connection: Any, found: set[str]) -> None:
    labs.prepare(connection)
    micro.prepare(connection)
    other_titles.prepare(connection, found)
    if "hosp/omr" in found:
        vitals.prepare_omr(connection)
    if "ed/edstays" in found:
        vitals.prepare_ed(connection)


def _facts(connection: Any, found: set[str], lo: int, hi: int) -> list[CaseFacts]:
    lab_rows, micro_rows = labs.fetch(connection, lo, hi), micro.fetch(connection, lo, hi)
    titles = other_titles.fetch(connection, lo, hi)
    omr_rows = vitals.fetch_omr(connection, lo, hi) if "hosp/omr" in found else {}
    ed_rows = vitals.fetch_ed(connection, lo, hi) if "ed/edstays" in found else {}
    return [
        CaseFacts(
            admission=admission,
            labs=lab_rows.get(admission.rank, []),
            micro=micro_rows.get(admission.rank, []),
            outpatient_vitals=omr_rows.get(admission.rank, []),
            ed=ed_rows.get(admission.rank),
            other_titles=titles.get(admission.rank, []),
        )
        for admission in admissions(connection, lo, hi)
    ]


def _write_cases(
    connection: Any,
    found: set[str],
    total: int,
    stream: IO[str],
    report: BuildReport,
    *,
    limit: int | None,
    min_results: int,
    narrator: Narrator | None,
    progress: BuildProgress | None,
) -> None:
    wanted = total if limit is None else min(limit, total)
    lo, size = 1, total if limit is None else max(2 * limit, FIRST_PASS_MIN)
    while lo <= total and report.written < wanted:
        hi = min(total, lo + size - 1)
        choose_candidates(connection, lo, hi)
        _prepare_pass(connection, found)
        for chunk_lo in range(lo, hi + 1, CHUNK):
            for facts in _facts(connection, found, chunk_lo, min(hi, chunk_lo + CHUNK - 1)):
                if report.written >= wanted:
                    return
                report.considered += 1
                built = assemble(facts, min_results=min_results, narrator=narrator)
                report.withheld_facts += built.withheld
                report.narrated += built.narrated
                report.narration_rejected += built.narration_rejected
                if built.record is None:
                    report.skip(TOO_FEW_RESULTS)
                    continue
                stream.write(json.dumps(built.record, ensure_ascii=False, separators=(",", ":")) + "\n")
                report.written += 1
                if progress is not None:
                    progress(report.written, wanted)
        lo, size = hi + 1, size * 2


def build_mimic_cases(
    mimic_dir: Path,
    out: Path,
    *,
    limit: int | None = None,
    seed: int = 0,
    min_results: int = MIN_RESULTS,
    narrator: Narrator | None = None,
    ed_dir: Path | None = None,
    progress: BuildProgress | None = None,
    memory_limit: str = MEMORY_LIMIT,
) -> BuildReport:
    """Build cases from the MIMIC-IV tables in ``mimic_dir`` into ``out`` (see the module docstring).

    Raises ``MimicInputError`` (one line naming the file and column, or the extra to install) on bad input.
    """
    if limit is not None and limit < 1:
        raise MimicInputError("--limit must be at least 1")
    tables = locate_tables(mimic_dir, ed_dir)
    found = set(tables)
    report = BuildReport(out=out, ed_module="ed/edstays" in found)
    if out.is_dir():
        raise MimicInputError(f"--out {out}: is a folder, expected a .jsonl file path")
    if not out.parent.is_dir():
        raise MimicInputError(f"--out {out}: the folder {out.parent} does not exist")
    with tempfile.TemporaryDirectory(prefix="agentclinic-mimic-") as scratch:
        connection = connect(Path(scratch), memory_limit)
        partial = out.with_name(f".{out.name}.partial")
        try:
            register_views(connection, tables)
            connection.execute(SHOWN_SQL)
            total, skipped = select_admissions(connection, seed)
            report.candidates = total
            for reason, count in skipped.items():
                report.skip(reason, count)
            with open(partial, "w", encoding="utf-8", newline="\n") as stream:
                _write_cases(
                    connection,
                    found,
                    total,
                    stream,
                    report,
                    limit=limit,
                    min_results=min_results,
                    narrator=narrator,
                    progress=progress,
                )
            os.replace(partial, out)
        except database_error() as exc:
            raise MimicInputError(f"cannot read the MIMIC-IV tables: {describe_error(exc)}") from None
        finally:
            connection.close()
            partial.unlink(missing_ok=True)
    return report
