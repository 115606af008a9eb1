"""The streaming engine: DuckDB, an optional extra (``pip install 'agentclinic-sim[mimic]'``), imported lazily.

DuckDB reads ``.csv.gz`` as a stream (it never inflates the whole file), runs the joins and per-admission
"first result" aggregates out of core under a memory limit (spilling to a temporary folder), and its
SQL is deterministic once every query ends in an ``ORDER BY``. Nothing in ``scenarios`` imports it at
module level, so the package stays light for users who never build MIMIC cases.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from scenarios.mimic.errors import MimicInputError

EXTRA = "mimic"
MEMORY_LIMIT = "400MB"
INSTALL_HINT = f"pip install 'agentclinic-sim[{EXTRA}]'"


def duckdb_module() -> Any:
    """``import duckdb``, or one line saying which extra to install."""
    try:
        import duckdb
    except ImportError:
        raise MimicInputError(
            f"building MIMIC-IV cases needs DuckDB, the optional '{EXTRA}' extra: {INSTALL_HINT}"
        ) from None
    return duckdb


def connect(temp_dir: Path, memory_limit: str = MEMORY_LIMIT) -> Any:
    """An in-memory DuckDB that spills to ``temp_dir`` beyond ``memory_limit``; at most 4 threads."""
    duckdb = duckdb_module()
    connection = duckdb.connect(":memory:")
    threads = max(1, min(4, os.cpu_count() or 1))
    connection.execute(f"SET memory_limit = '{memory_limit}'")
    connection.execute(f"SET temp_directory = '{sql_text(str(temp_dir))}'")
    connection.execute(f"SET threads = {threads}")
    connection.execute("SET preserve_insertion_order = false")
    return connection


def database_error() -> type[Exception]:
    """DuckDB's base error class (to turn a malformed file into a one-line ``MimicInputError``)."""
    return duckdb_module().Error


def sql_text(value: str) -> str:
    """``value`` for use inside a single-quoted SQL literal."""
    return value.replace("'", "''")


def describe_error(exc: Exception) -> str:
    """A DuckDB error in one line: ``<file>: <what is wrong>`` when DuckDB names the file."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    what = lines[0]
    what += "".join(f"; {line}" for line in lines[1:] if line.startswith("Expected Number of Columns"))
    file = next((line.partition("=")[2].strip() for line in lines if line.startswith("file =")), None)
    return f"{file}: {what}" if file else what
