"""Microbiology of each candidate admission: per specimen and test, the organisms grown, else the comment.

The same membership rule as labs (subject, own or empty ``hadm_id``, inside the window); a row with only
a ``chartdate`` counts from the start of the window's first day. ``microbiologyevents`` holds one row per
organism and antibiotic, so rows are reduced to distinct (specimen, test, organism, comment) first.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from scenarios.mimic.models import Finding
from scenarios.mimic.values import clean, shown

GROUP = "Microbiology"

PREPARE_SQL = """
CREATE OR REPLACE TEMP TABLE pass_micro AS
SELECT c.rank, m.spec_type_desc, m.test_name, m.org_name, m.comments, min(m.t) AS t, min(m.id) AS id
FROM (
    SELECT subject_id, hadm_id, spec_type_desc, test_name, org_name, comments,
           TRY_CAST(microevent_id AS BIGINT) AS id,
           coalesce(TRY_CAST(charttime AS TIMESTAMP), TRY_CAST(chartdate AS TIMESTAMP)) AS t,
           TRY_CAST(charttime AS TIMESTAMP) IS NULL AS date_only
    FROM microbiologyevents
) AS m
JOIN cand AS c ON m.subject_id = c.subject_id
WHERE (m.hadm_id = c.hadm_id OR m.hadm_id IS NULL)
  AND m.t BETWEEN CASE WHEN m.date_only THEN date_trunc('day', c.wstart) ELSE c.wstart END AND c.wend
GROUP BY ALL
"""

FETCH_SQL = """
SELECT rank, spec_type_desc, test_name, org_name, comments FROM pass_micro
WHERE rank BETWEEN $lo AND $hi
ORDER BY rank, spec_type_desc, test_name, t, id, org_name, comments
"""


def prepare(connection: Any) -> None:
    connection.execute(PREPARE_SQL)


def fetch(connection: Any, lo: int, hi: int) -> dict[int, list[Finding]]:
    """Per rank: ``Microbiology[<specimen> - <test>]`` = the organisms (sorted), else the first comment."""
    organisms: dict[tuple[int, str], set[str]] = defaultdict(set)
    comments: dict[tuple[int, str], str] = {}
    order: list[tuple[int, str]] = []
    for rank, specimen, test, organism, comment in connection.execute(FETCH_SQL, {"lo": lo, "hi": hi}).fetchall():
        parts = [clean(part) for part in (specimen, test) if shown(part)]
        if not parts:
            continue
        name = " - ".join(dict.fromkeys(parts))
        if (rank, name) not in organisms:
            order.append((rank, name))
        held = organisms[rank, name]
        if shown(organism):
            held.add(clean(organism))
        elif shown(comment):
            comments.setdefault((rank, name), clean(comment))
    found: dict[int, list[Finding]] = defaultdict(list)
    for rank, name in order:
        text = "; ".join(sorted(organisms[rank, name])) or comments.get((rank, name))
        if text:
            found[rank].append(Finding(group=GROUP, name=name, text=text))
    return found
