"""Where each MIMIC-IV table lives under ``--mimic-dir``, which columns the builder needs from it, and the
check that they are there.

Columns are chosen by header name, never by position: v2.0/2.1 files lack the provider columns, v2.0
lacks ``omr`` altogether, and column order differs between releases. A file is ``<name>.csv.gz`` or
``<name>.csv`` (the gzipped one wins when both exist). ``MIMIC_COLUMNS`` is the full column order of
the v2.2+/v3.x files, used by the fixture and benchmark generators to write files in exactly that shape.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from scenarios.mimic.engine import sql_text
from scenarios.mimic.errors import MimicInputError

MIMIC_COLUMNS: dict[str, tuple[str, ...]] = {
    "hosp/patients": ("subject_id", "gender", "anchor_age", "anchor_year", "anchor_year_group", "dod"),
    "hosp/admissions": (
        "subject_id", "hadm_id", "admittime", "dischtime", "deathtime", "admission_type", "admit_provider_id",
        "admission_location", "discharge_location", "insurance", "language", "marital_status", "race",
        "edregtime", "edouttime", "hospital_expire_flag",
    ),
    "hosp/diagnoses_icd": ("subject_id", "hadm_id", "seq_num", "icd_code", "icd_version"),
    "hosp/d_icd_diagnoses": ("icd_code", "icd_version", "long_title"),
    "hosp/labevents": (
        "labevent_id", "subject_id", "hadm_id", "specimen_id", "itemid", "order_provider_id", "charttime",
        "storetime", "value", "valuenum", "valueuom", "ref_range_lower", "ref_range_upper", "flag", "priority",
        "comments",
    ),
    "hosp/d_labitems": ("itemid", "label", "fluid", "category"),
    "hosp/microbiologyevents": (
        "microevent_id", "subject_id", "hadm_id", "micro_specimen_id", "order_provider_id", "chartdate",
        "charttime", "spec_itemid", "spec_type_desc", "test_seq", "storedate", "storetime", "test_itemid",
        "test_name", "org_itemid", "org_name", "isolate_num", "quantity", "ab_itemid", "ab_name", "dilution_text",
        "dilution_comparison", "dilution_value", "interpretation", "comments",
    ),
    "hosp/omr": ("subject_id", "chartdate", "seq_num", "result_name", "result_value"),
    "hosp/drgcodes": (
        "subject_id", "hadm_id", "drg_type", "drg_code", "description", "drg_severity", "drg_mortality",
    ),
    "hosp/procedures_icd": ("subject_id", "hadm_id", "seq_num", "chartdate", "icd_code", "icd_version"),
    "hosp/d_icd_procedures": ("icd_code", "icd_version", "long_title"),
    "ed/edstays": (
        "subject_id", "hadm_id", "stay_id", "intime", "outtime", "gender", "race", "arrival_transport",
        "disposition",
    ),
    "ed/triage": (
        "subject_id", "stay_id", "temperature", "heartrate", "resprate", "o2sat", "sbp", "dbp", "pain", "acuity",
        "chiefcomplaint",
    ),
}  # fmt: skip
V2_0_ABSENT_COLUMNS = frozenset({"admit_provider_id", "order_provider_id"})
"""Columns v2.0/2.1 files do not have (the provider ids came in v2.2)."""


class TableSpec(BaseModel):
    """One table the builder reads: its key (``hosp/labevents``), the columns it must have, and those it
    uses when present (read as NULL when absent)."""

    model_config = ConfigDict(frozen=True)

    key: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    needed: bool = True  # False: the whole table may be absent (omr before v2.2, DRGs, procedures, ED)

    @property
    def name(self) -> str:
        return self.key.rpartition("/")[2]


TABLES: tuple[TableSpec, ...] = (
    TableSpec(key="hosp/patients", required=("subject_id", "gender", "anchor_age", "anchor_year")),
    TableSpec(
        key="hosp/admissions",
        required=("subject_id", "hadm_id", "admittime", "dischtime"),
        optional=("admission_type", "admission_location", "edregtime"),
    ),
    TableSpec(key="hosp/diagnoses_icd", required=("hadm_id", "seq_num", "icd_code", "icd_version")),
    TableSpec(key="hosp/d_icd_diagnoses", required=("icd_code", "icd_version", "long_title")),
    TableSpec(
        key="hosp/labevents",
        required=("labevent_id", "subject_id", "hadm_id", "itemid", "charttime", "value", "valuenum", "valueuom"),
        optional=("ref_range_lower", "ref_range_upper", "flag", "comments"),
    ),
    TableSpec(key="hosp/d_labitems", required=("itemid", "label", "fluid", "category")),
    TableSpec(
        key="hosp/microbiologyevents",
        required=("microevent_id", "subject_id", "hadm_id", "chartdate", "charttime", "spec_type_desc"),
        optional=("test_name", "org_name", "comments"),
    ),
    TableSpec(
        key="hosp/omr", required=("subject_id", "chartdate", "result_name", "result_value"), optional=("seq_num",),
        needed=False,
    ),
    TableSpec(key="hosp/drgcodes", required=("hadm_id", "description"), needed=False),
    TableSpec(key="hosp/procedures_icd", required=("hadm_id", "icd_code", "icd_version"), needed=False),
    TableSpec(key="hosp/d_icd_procedures", required=("icd_code", "icd_version", "long_title"), needed=False),
    TableSpec(key="ed/edstays", required=("subject_id", "hadm_id", "stay_id", "intime"), needed=False,
              optional=("arrival_transport",)),
    TableSpec(
        key="ed/triage",
        required=("stay_id", "chiefcomplaint"),
        optional=("temperature", "heartrate", "resprate", "o2sat", "sbp", "dbp", "pain", "acuity"),
        needed=False,
    ),
)  # fmt: skip


class TableFile(BaseModel):
    """A table found on disk: its spec, its file, and the header the file has."""

    model_config = ConfigDict(frozen=True)

    spec: TableSpec
    path: Path
    header: tuple[str, ...]

    def has(self, column: str) -> bool:
        return column in self.header


def module_dirs(mimic_dir: Path, ed_dir: Path | None = None) -> dict[str, Path]:
    """The ``hosp`` and ``ed`` folders: ``DIR/hosp`` (or DIR itself when it holds the hosp tables) and
    ``--ed-dir`` (else ``DIR/ed``)."""
    hosp = mimic_dir / "hosp" if (mimic_dir / "hosp").is_dir() else mimic_dir
    ed = ed_dir if ed_dir is not None else mimic_dir / "ed"
    if ed_dir is None and not ed.is_dir() and (hosp.parent / "ed").is_dir():
        ed = hosp.parent / "ed"
    return {"hosp": hosp, "ed": ed}


def find_file(folder: Path, name: str) -> Path | None:
    for suffix in (".csv.gz", ".csv"):
        path = folder / f"{name}{suffix}"
        if path.is_file():
            return path
    return None


def read_header(path: Path) -> tuple[str, ...]:
    """The column names on the first line of a ``.csv`` or ``.csv.gz`` file."""
    try:
        with open(path, "rb") as raw:
            stream = gzip.GzipFile(fileobj=raw) if path.name.endswith(".gz") else raw
            line = stream.readline()
    except (OSError, EOFError) as exc:
        raise MimicInputError(f"{path}: cannot read the header ({exc})") from None
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MimicInputError(f"{path}: the header is not UTF-8 text") from None
    row = next(csv.reader(io.StringIO(text)), [])
    header = tuple(name.strip().lower() for name in row)
    if not any(header):
        raise MimicInputError(f"{path}: the file is empty (expected a header row)")
    return header


def locate_tables(mimic_dir: Path, ed_dir: Path | None = None) -> dict[str, TableFile]:
    """Every table found, checked for its required columns. A missing needed table, or a missing column of
    any table found, raises ``MimicInputError`` naming the file (or the table looked for) and the column.
    The ED module counts only when both ``edstays`` and ``triage`` are there."""
    if not mimic_dir.is_dir():
        raise MimicInputError(f"--mimic-dir {mimic_dir}: not a folder")
    folders = module_dirs(mimic_dir, ed_dir)
    found: dict[str, TableFile] = {}
    for spec in TABLES:
        module, _, name = spec.key.partition("/")
        path = find_file(folders[module], name)
        if path is None:
            if spec.needed or (module == "ed" and ed_dir is not None):
                raise MimicInputError(
                    f"{folders[module] / name}.csv.gz: table {spec.key} not found (looked for {name}.csv.gz and "
                    f"{name}.csv in {folders[module]})"
                )
            continue
        header = read_header(path)
        missing = [column for column in spec.required if column not in header]
        if missing:
            needs = ", ".join(missing)
            raise MimicInputError(f"{path}: column {missing[0]!r} is missing (table {spec.key} needs {needs})")
        found[spec.key] = TableFile(spec=spec, path=path, header=header)
    if ("ed/edstays" in found) != ("ed/triage" in found):
        found.pop("ed/edstays", None)
        found.pop("ed/triage", None)
    return found


def register_views(connection: Any, tables: dict[str, TableFile]) -> None:
    """One DuckDB view per table found (``hosp/labevents`` -> ``labevents``), every value read as text (so
    ICD-9 codes keep their leading zeros), an empty field as NULL, optional columns the file lacks as NULL."""
    for table in tables.values():
        columns = ", ".join(f"'{sql_text(name)}': 'VARCHAR'" for name in table.header)
        source = (
            f"read_csv('{sql_text(str(table.path))}', header = true, delim = ',', quote = '\"', escape = '\"', "
            f"auto_detect = false, columns = {{{columns}}})"
        )
        wanted = [*table.spec.required, *table.spec.optional]
        select = ", ".join(
            f'"{column}"' if table.has(column) else f'CAST(NULL AS VARCHAR) AS "{column}"' for column in wanted
        )
        connection.execute(f"CREATE OR REPLACE VIEW {table.spec.name} AS SELECT {select} FROM {source}")
