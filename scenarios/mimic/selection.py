"""Which admissions become cases, in which order: the ``spine`` table.

An admission is a candidate when it has a patient row, a usable window (admission before discharge),
a ``seq_num = 1`` diagnosis whose (icd_code, icd_version) has a title in ``d_icd_diagnoses`` (codes are
compared as text, so ICD-9 ``0389`` stays ``0389`` and ``E860`` under ICD-9 and ICD-10 are two codes),
and a primary code that is not a history, status or encounter code (ICD-10 ``Z…``, ICD-9 ``V…``).
Candidates are ordered by ``md5("<seed>:<hadm_id>")`` (then hadm_id): a seeded shuffle that does not
depend on the order of rows in the files. Results come later; an admission with too few is skipped then.
"""

from __future__ import annotations

from typing import Any

from scenarios.mimic.models import Admission

NO_PATIENT = "no row in patients"
NO_WINDOW = "admittime/dischtime missing or out of order"
NO_PRIMARY = "no seq_num = 1 diagnosis"
NO_TITLE = "primary code not in d_icd_diagnoses"
STATUS_CODE = "primary code is a history, status or encounter code (ICD-10 Z, ICD-9 V)"
TOO_FEW_RESULTS = "too few test results to be diagnosable"

SPINE_SQL = f"""
CREATE OR REPLACE TEMP TABLE admissions_checked AS
WITH primary_dx AS (
    SELECT hadm_id, trim(icd_code) AS icd_code, trim(icd_version) AS icd_version
    FROM diagnoses_icd
    WHERE TRY_CAST(seq_num AS INTEGER) = 1 AND icd_code IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY hadm_id ORDER BY trim(icd_version), trim(icd_code)) = 1
), titles AS (
    SELECT trim(icd_code) AS icd_code, trim(icd_version) AS icd_version, min(long_title) AS long_title
    FROM d_icd_diagnoses GROUP BY ALL
), people AS (
    SELECT subject_id, min(gender) AS gender, min(TRY_CAST(anchor_age AS INTEGER)) AS anchor_age,
           min(TRY_CAST(anchor_year AS INTEGER)) AS anchor_year
    FROM patients GROUP BY subject_id
), adm AS (
    SELECT subject_id, hadm_id, admission_type, admission_location,
           TRY_CAST(admittime AS TIMESTAMP) AS admit_ts, TRY_CAST(dischtime AS TIMESTAMP) AS dt,
           TRY_CAST(edregtime AS TIMESTAMP) AS et
    FROM admissions WHERE hadm_id IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY hadm_id ORDER BY subject_id) = 1
)
SELECT adm.subject_id, adm.hadm_id, adm.admission_type, adm.admission_location, adm.admit_ts,
       CASE WHEN adm.et IS NOT NULL AND adm.et < adm.admit_ts THEN adm.et ELSE adm.admit_ts END AS wstart,
       adm.dt AS wend, people.gender,
       people.anchor_age + year(adm.admit_ts) - people.anchor_year AS age,
       primary_dx.icd_code, primary_dx.icd_version, titles.long_title AS title,
       md5(CAST($seed AS VARCHAR) || ':' || adm.hadm_id) AS shuffle,
       CASE
           WHEN people.subject_id IS NULL THEN '{NO_PATIENT}'
           WHEN adm.admit_ts IS NULL OR adm.dt IS NULL OR adm.dt < adm.admit_ts THEN '{NO_WINDOW}'
           WHEN primary_dx.hadm_id IS NULL THEN '{NO_PRIMARY}'
           WHEN titles.long_title IS NULL THEN '{NO_TITLE}'
           WHEN (primary_dx.icd_version = '10' AND upper(primary_dx.icd_code) LIKE 'Z%')
             OR (primary_dx.icd_version = '9' AND upper(primary_dx.icd_code) LIKE 'V%') THEN '{STATUS_CODE}'
       END AS skip_reason
FROM adm
LEFT JOIN people USING (subject_id)
LEFT JOIN primary_dx USING (hadm_id)
LEFT JOIN titles ON titles.icd_code = primary_dx.icd_code AND titles.icd_version = primary_dx.icd_version
"""

RANK_SQL = """
CREATE OR REPLACE TEMP TABLE spine AS
SELECT row_number() OVER (ORDER BY shuffle, hadm_id) AS rank, * EXCLUDE (shuffle, skip_reason)
FROM admissions_checked WHERE skip_reason IS NULL
ORDER BY rank
"""

CANDIDATES_SQL = "CREATE OR REPLACE TEMP TABLE cand AS SELECT * FROM spine WHERE rank BETWEEN $lo AND $hi ORDER BY rank"

FETCH_SQL = """
SELECT rank, subject_id, hadm_id, strftime(admit_ts, '%Y-%m-%d %H:%M:%S'), strftime(wstart, '%Y-%m-%d %H:%M:%S'),
       strftime(wend, '%Y-%m-%d %H:%M:%S'), admission_type, admission_location, gender, age, icd_code,
       icd_version, title
FROM cand WHERE rank BETWEEN $lo AND $hi ORDER BY rank
"""


def select_admissions(connection: Any, seed: int) -> tuple[int, dict[str, int]]:
    """Build the ``spine`` (candidates, ranked); return how many there are and the skips by reason."""
    connection.execute(SPINE_SQL, {"seed": seed})
    connection.execute(RANK_SQL)
    skipped = connection.execute(
        "SELECT skip_reason, count(*) FROM admissions_checked WHERE skip_reason IS NOT NULL GROUP BY ALL ORDER BY 1"
    ).fetchall()
    (total,) = connection.execute("SELECT count(*) FROM spine").fetchone()
    return int(total), {reason: int(count) for reason, count in skipped}


def choose_candidates(connection: Any, lo: int, hi: int) -> None:
    """The ``cand`` table: spine ranks ``lo``..``hi``, the admissions one pass over the event tables serves."""
    connection.execute(CANDIDATES_SQL, {"lo": lo, "hi": hi})


def admissions(connection: Any, lo: int, hi: int) -> list[Admission]:
    fields = (
        "rank subject_id hadm_id admittime window_start window_end admission_type admission_location gender age "
        "icd_code icd_version title"
    ).split()
    rows = connection.execute(FETCH_SQL, {"lo": lo, "hi": hi}).fetchall()
    return [Admission.model_validate(dict(zip(fields, row, strict=True))) for row in rows]
