"""Examination findings the record supports: outpatient measurements from ``omr`` near the admission, and
the ED stay that led to it (chief complaint, arrival, triage vitals) when the ED module is present.

``omr``: per measurement name, the row whose ``chartdate`` is closest to the admission date, from
``OMR_DAYS_BEFORE`` days before admission through discharge (ties: the earlier date, then ``seq_num``).
ED: the earliest stay (by ``intime``, then ``stay_id``) whose ``hadm_id`` is the admission's.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from scenarios.mimic.models import EdVisit, Finding
from scenarios.mimic.values import clean, number, shown

OMR_DAYS_BEFORE = 30
OUTPATIENT_GROUP = "Recent_Outpatient_Measurements"
TRIAGE_GROUP = "Vital_Signs"

OMR_SQL = f"""
CREATE OR REPLACE TEMP TABLE pass_omr AS
SELECT c.rank, o.result_name, o.result_value, date_diff('day', CAST(c.admit_ts AS DATE), o.d) AS days
FROM (SELECT subject_id, result_name, result_value, TRY_CAST(chartdate AS DATE) AS d,
             TRY_CAST(seq_num AS INTEGER) AS s
      FROM omr WHERE shown(result_name) AND shown(result_value)) AS o
JOIN cand AS c ON o.subject_id = c.subject_id
WHERE o.d BETWEEN CAST(c.admit_ts AS DATE) - INTERVAL {OMR_DAYS_BEFORE} DAY AND CAST(c.wend AS DATE)
QUALIFY row_number() OVER (PARTITION BY c.rank, o.result_name ORDER BY abs(days), days, o.s, o.result_value) = 1
"""
OMR_FETCH_SQL = (
    "SELECT rank, result_name, result_value, days FROM pass_omr WHERE rank BETWEEN $lo AND $hi ORDER BY 1, 2"
)

ED_SQL = """
CREATE OR REPLACE TEMP TABLE pass_ed AS
SELECT c.rank, s.arrival_transport, t.chiefcomplaint, t.temperature, t.heartrate, t.resprate, t.o2sat, t.sbp,
       t.dbp, t.pain, t.acuity
FROM edstays AS s
JOIN cand AS c ON s.hadm_id = c.hadm_id AND s.subject_id = c.subject_id
LEFT JOIN (SELECT * FROM triage QUALIFY row_number() OVER (PARTITION BY stay_id ORDER BY chiefcomplaint) = 1) AS t
    ON t.stay_id = s.stay_id
QUALIFY row_number() OVER (PARTITION BY c.rank ORDER BY TRY_CAST(s.intime AS TIMESTAMP), s.stay_id) = 1
"""
ED_FETCH_SQL = "SELECT * FROM pass_ed WHERE rank BETWEEN $lo AND $hi ORDER BY rank"

TRIAGE_VITALS: tuple[tuple[str, str, str], ...] = (
    ("temperature", "Temperature", "°F"),
    ("heartrate", "Pulse", "bpm"),  # not "Heart rate": the word would be withheld for every heart diagnosis
    ("resprate", "Respiratory_Rate", "breaths/min"),
    ("o2sat", "Oxygen_Saturation", "%"),
    ("acuity", "Triage_Acuity", "(ESI level)"),
)


def prepare_omr(connection: Any) -> None:
    connection.execute(OMR_SQL)


def prepare_ed(connection: Any) -> None:
    connection.execute(ED_SQL)


def when(days: int) -> str:
    if days == 0:
        return "on the day of admission"
    return f"{abs(days)} day{'s' if abs(days) != 1 else ''} {'before' if days < 0 else 'after'} admission"


def fetch_omr(connection: Any, lo: int, hi: int) -> dict[int, list[Finding]]:
    found: dict[int, list[Finding]] = defaultdict(list)
    for rank, name, value, days in connection.execute(OMR_FETCH_SQL, {"lo": lo, "hi": hi}).fetchall():
        unit = " mmHg" if clean(name).lower().startswith("blood pressure") else ""
        text = f"{clean(value)}{unit} (recorded {when(int(days))})"
        found[rank].append(Finding(group=OUTPATIENT_GROUP, name=clean(name), text=text))
    return found


def _with_unit(value: str, unit: str) -> str:
    return f"{value}{unit}" if unit == "%" else f"{value} {unit}"


def fetch_ed(connection: Any, lo: int, hi: int) -> dict[int, EdVisit]:
    found: dict[int, EdVisit] = {}
    cursor = connection.execute(ED_FETCH_SQL, {"lo": lo, "hi": hi})
    columns = [column[0] for column in cursor.description]
    for row in cursor.fetchall():
        cells = dict(zip(columns, row, strict=True))
        vitals = [
            Finding(group=TRIAGE_GROUP, name=name, text=_with_unit(number(cells[column]), unit))
            for column, name, unit in TRIAGE_VITALS
            if shown(cells[column])
        ]
        if shown(cells["sbp"]) and shown(cells["dbp"]):
            pressure = f"{number(cells['sbp'])}/{number(cells['dbp'])} mmHg"
            vitals.insert(1, Finding(group=TRIAGE_GROUP, name="Blood_Pressure", text=pressure))
        pain = cells["pain"]
        if shown(pain):
            text = f"{number(pain)}/10" if number(pain).isdigit() else clean(pain)
            vitals.append(Finding(group=TRIAGE_GROUP, name="Pain_Score", text=text))
        complaint, transport = cells["chiefcomplaint"], cells["arrival_transport"]
        found[cells["rank"]] = EdVisit(
            chief_complaint=clean(complaint) if shown(complaint) else None,
            arrival_transport=clean(transport) if shown(transport) else None,
            vitals=vitals,
        )
    return found
