"""Laboratory results of each candidate admission, one pass over ``labevents``.

A lab belongs to an admission when its subject matches, its ``hadm_id`` is that admission's **or is
empty** (ED and outpatient draws often carry none), and its ``charttime`` lies inside the admission
window (ED registration or admission, through discharge). A lab of the right ``hadm_id`` charted outside
the window is left out, as is one that carries another admission's ``hadm_id``. Rows with nothing to
show (empty, or only ``___`` blanks) are skipped; for each lab item the first shown result in the window
counts (ties broken by ``labevent_id``). Results are grouped by fluid and category, each with value and
unit, reference range and the abnormal flag.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from scenarios.mimic.models import Finding
from scenarios.mimic.values import clean, key, number, shown

PREPARE_SQL = """
CREATE OR REPLACE TEMP TABLE pass_labs AS
SELECT c.rank, l.itemid,
       arg_min(struct_pack(value := l.value, valuenum := l.valuenum, valueuom := l.valueuom,
                           lower := l.ref_range_lower, upper := l.ref_range_upper, flag := l.flag,
                           comments := l.comments),
               (l.t, l.id, l.labevent_id)) AS first
FROM (
    SELECT subject_id, hadm_id, itemid, labevent_id, TRY_CAST(charttime AS TIMESTAMP) AS t,
           TRY_CAST(labevent_id AS BIGINT) AS id, value, valuenum, valueuom, ref_range_lower, ref_range_upper,
           flag, comments
    FROM labevents
    WHERE shown(valuenum) OR shown(value) OR shown(flag) OR shown(comments)
) AS l
JOIN cand AS c ON l.subject_id = c.subject_id
WHERE (l.hadm_id = c.hadm_id OR l.hadm_id IS NULL) AND l.t BETWEEN c.wstart AND c.wend
GROUP BY c.rank, l.itemid
"""

FETCH_SQL = """
SELECT p.rank, p.itemid, d.label, d.fluid, d.category, p.first.value, p.first.valuenum, p.first.valueuom,
       p.first.lower, p.first.upper, p.first.flag, p.first.comments
FROM pass_labs AS p
LEFT JOIN (SELECT itemid, min(label) AS label, min(fluid) AS fluid, min(category) AS category
           FROM d_labitems GROUP BY itemid) AS d USING (itemid)
WHERE p.rank BETWEEN $lo AND $hi
ORDER BY p.rank, d.category, d.fluid, d.label, TRY_CAST(p.itemid AS BIGINT), p.itemid
"""


def prepare(connection: Any) -> None:
    connection.execute(PREPARE_SQL)


def lab_text(
    value: str | None,
    valuenum: str | None,
    unit: str | None,
    lower: str | None,
    upper: str | None,
    flag: str | None,
    comments: str | None,
) -> str:
    """'9.1 g/dL (reference range 13.7 to 17.5; abnormal)': valuenum and unit, else value, else flag, else
    comments; then the reference range and flag when the file has them."""
    if shown(valuenum):
        main = f"{number(valuenum)} {clean(unit)}" if shown(unit) else number(valuenum)
    elif shown(value):
        main = clean(value)
    elif shown(flag):
        main, flag = clean(flag), None
    else:
        main = clean(comments or "")
    extras = []
    if shown(lower) and shown(upper):
        extras.append(f"reference range {number(lower)} to {number(upper)}")
    if shown(flag):
        extras.append(clean(flag).lower())
    return f"{main} ({'; '.join(extras)})" if extras else main


def fetch(connection: Any, lo: int, hi: int) -> dict[int, list[Finding]]:
    """Per rank, its lab findings: group ``Blood_Chemistry`` (fluid and category), name the lab's label."""
    found: dict[int, list[Finding]] = defaultdict(list)
    names: dict[tuple[int, str], set[str]] = defaultdict(set)
    for rank, itemid, label, fluid, category, *cells in connection.execute(FETCH_SQL, {"lo": lo, "hi": hi}).fetchall():
        fluid, category = clean(fluid or "Unknown fluid"), clean(category or "Other")
        group = key(category) if category.lower().startswith(fluid.lower()) else key(fluid, category)
        name = clean(label) if shown(label) else f"Lab item {itemid}"
        if name in names[rank, group]:
            name = f"{name} (item {itemid})"
        names[rank, group].add(name)
        found[rank].append(Finding(group=group, name=name, text=lab_text(*cells)))
    return found
