"""What else the record says about an admission's outcome: the titles of all its ICD diagnosis codes, its
DRG descriptions and its procedure titles. None of it goes into a case; the leak guard keeps any of
these phrases out of the patient's and the measurement's material."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

DIAGNOSES_SQL = """
SELECT c.rank, t.long_title AS title
FROM diagnoses_icd AS d
JOIN cand AS c ON d.hadm_id = c.hadm_id
JOIN d_icd_diagnoses AS t ON trim(t.icd_code) = trim(d.icd_code) AND trim(t.icd_version) = trim(d.icd_version)
"""
DRG_SQL = "SELECT c.rank, g.description AS title FROM drgcodes AS g JOIN cand AS c ON g.hadm_id = c.hadm_id"
PROCEDURES_SQL = """
SELECT c.rank, t.long_title AS title
FROM procedures_icd AS p
JOIN cand AS c ON p.hadm_id = c.hadm_id
JOIN d_icd_procedures AS t ON trim(t.icd_code) = trim(p.icd_code) AND trim(t.icd_version) = trim(p.icd_version)
"""


def prepare(connection: Any, tables: set[str]) -> None:
    parts = [DIAGNOSES_SQL]
    if "hosp/drgcodes" in tables:
        parts.append(DRG_SQL)
    if {"hosp/procedures_icd", "hosp/d_icd_procedures"} <= tables:
        parts.append(PROCEDURES_SQL)
    union = " UNION ".join(f"({part})" for part in parts)
    sql = f"CREATE OR REPLACE TEMP TABLE pass_titles AS SELECT DISTINCT * FROM ({union}) WHERE title IS NOT NULL"
    connection.execute(sql)


def fetch(connection: Any, lo: int, hi: int) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    sql = "SELECT rank, title FROM pass_titles WHERE rank BETWEEN $lo AND $hi ORDER BY rank, title"
    for rank, title in connection.execute(sql, {"lo": lo, "hi": hi}).fetchall():
        found[rank].append(title)
    return found
