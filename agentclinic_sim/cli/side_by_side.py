"""Two runs' consultations of the same cases, side by side: which cases they share, where each pair first
diverges, and a standalone HTML page of the pairs (two columns, turn by turn).

The page is one string: inline CSS, no JavaScript, no external resource, every transcript text escaped.
``agentclinic replay RUN_A --against RUN_B --html`` writes it; ``side_by_side_page`` is the entry point for any
other command that wants it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from agentclinic_sim.cli.views import ROLE_TITLE
from agentclinic_sim.transcript import EpisodeRecord
from agents.types import Turn

Pair = tuple[EpisodeRecord, EpisodeRecord]


STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; background: #fff;
  margin: 0 auto; padding: 1.5rem; max-width: 1400px; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
h2 { font-size: 1.2rem; margin: 0 0 .5rem; }
nav ol { columns: 2; padding-left: 1.5rem; }
nav a, h2 a { color: #0550ae; }
section.case { border-top: 2px solid #d0d7de; margin-top: 2rem; padding-top: 1rem; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
th, td { border: 1px solid #d0d7de; padding: .4rem .6rem; vertical-align: top; text-align: left; }
table.facts { width: auto; margin-bottom: .75rem; }
table.facts th { background: #f6f8fa; }
table.turns col.index { width: 3.5rem; }
table.turns thead th { background: #f6f8fa; position: sticky; top: 0; }
td.turn { white-space: pre-wrap; overflow-wrap: anywhere; }
td.absent { background: #f6f8fa; }
.role { display: block; font-weight: 600; font-size: .85em; }
.role-doctor { color: #0550ae; } .role-patient { color: #8250df; } .role-measurement { color: #953800; }
.role-moderator { color: #1a7f37; } .role-system { color: #57606a; }
tr.diverge td, tr.diverge th { background: #fff8c5; border-top: 3px solid #bf8700; }
.divergence { font-weight: 600; }
.mark { color: #9a6700; }
.correct { color: #1a7f37; font-weight: 600; } .wrong, .errored { color: #cf222e; font-weight: 600; }
.none { color: #57606a; font-weight: 600; }
"""


def first_divergence(a: Sequence[Turn], b: Sequence[Turn]) -> int | None:
    """The 0-based index of the first turn whose role or text differs between ``a`` and ``b`` (where one
    transcript ends before the other, the first turn only one of them has); None when they are identical."""
    for index, (left, right) in enumerate(zip(a, b, strict=False)):
        if left.role != right.role or left.text != right.text:
            return index
    return None if len(a) == len(b) else min(len(a), len(b))


def shared_pairs(a: Iterable[EpisodeRecord], b: Iterable[EpisodeRecord]) -> list[Pair]:
    """The consultations both runs hold, matched by (case id, sample), in ``a``'s order. Where a run holds a
    key more than once (a retried episode), its last record is its outcome."""
    left = {record.key: record for record in a}
    right = {record.key: record for record in b}
    return [(record, right[key]) for key, record in left.items() if key in right]


def verdict_word(record: EpisodeRecord) -> str:
    """One word for how a consultation ended: correct, wrong, errored, or no diagnosis."""
    if record.error:
        return "errored"
    if record.diagnosis is None:
        return "no diagnosis"
    return "correct" if record.correct else "wrong"


def divergence_text(index: int | None) -> str:
    """``index`` from ``first_divergence`` as a reader counts turns (from 1)."""
    return "identical" if index is None else f"first divergence at turn {index + 1}"


def side_by_side_section(pair: Pair, names: tuple[str, str], anchor: str = "") -> str:
    """One case as an HTML ``<section>``: the case id, the correct diagnosis, each run's diagnosis and verdict,
    and the two consultations in two columns, one row per turn, the first divergent row marked."""
    a, b = pair
    divergence = first_divergence(a.turns, b.turns)
    title = f"{a.case_id} · sample {a.sample}"
    heading = f'<a href="#{escape(anchor)}">{escape(title)}</a>' if anchor else escape(title)
    rows = "".join(
        _turn_row(index, a.turns, b.turns, index == divergence) for index in range(max(len(a.turns), len(b.turns)))
    )
    section_id = f' id="{escape(anchor)}"' if anchor else ""
    return (
        f'<section class="case"{section_id}>\n<h2>{heading}</h2>\n'
        f"{_facts(pair, names)}\n"
        f'<p class="divergence">{escape(divergence_text(divergence))}</p>\n'
        '<table class="turns"><colgroup><col class="index"><col><col></colgroup>\n'
        f'<thead><tr><th>#</th><th class="run-a">{escape(names[0])}</th>'
        f'<th class="run-b">{escape(names[1])}</th></tr></thead>\n'
        f"<tbody>\n{rows}</tbody></table>\n</section>\n"
    )


def side_by_side_page(pairs: Sequence[Pair], names: tuple[str, str], title: str) -> str:
    """A standalone HTML page of several cases side by side, with a table of contents.

    ``pairs`` holds two records of the same case each (run A's, run B's; ``shared_pairs`` builds them),
    ``names`` the two runs' names for the column headings, ``title`` the page's title. Each case gets a
    section (see ``side_by_side_section``) with the anchor ``case-N`` (N from 1, in ``pairs``' order); the
    table of contents links to each with its verdicts and where it diverges. Returns the whole document."""
    anchors = [f"case-{number}" for number in range(1, len(pairs) + 1)]
    contents = "".join(_contents_line(pair, anchor) for pair, anchor in zip(pairs, anchors, strict=True))
    sections = "".join(side_by_side_section(pair, names, anchor) for pair, anchor in zip(pairs, anchors, strict=True))
    runs = f"{escape(names[0])} (left) and {escape(names[1])} (right)"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{escape(title)}</h1>\n<p>{len(pairs)} cases: {runs}.</p>\n"
        f'<nav><h2>Contents</h2><ol class="contents">\n{contents}</ol></nav>\n{sections}</body>\n</html>\n'
    )


def _contents_line(pair: Pair, anchor: str) -> str:
    a, b = pair
    divergence = divergence_text(first_divergence(a.turns, b.turns))
    return (
        f'<li><a href="#{escape(anchor)}">{escape(a.case_id)} · sample {a.sample}</a>: '
        f"{_verdict(a)} / {_verdict(b)} · {escape(divergence)}</li>\n"
    )


def _verdict(record: EpisodeRecord) -> str:
    word = verdict_word(record)
    return f'<span class="{word.replace(" ", "")}">{escape(word)}</span>'


def _facts(pair: Pair, names: tuple[str, str]) -> str:
    a, b = pair
    rows = [f'<tr><th>correct diagnosis</th><td colspan="2">{escape(a.correct_diagnosis)}</td></tr>']
    rows.append("<tr><th></th>" + "".join(f"<th>{escape(name)}</th>" for name in names) + "</tr>")
    rows.append("<tr><th>diagnosis</th>" + "".join(f"<td>{escape(r.diagnosis or '—')}</td>" for r in pair) + "</tr>")
    rows.append("<tr><th>verdict</th>" + "".join(f"<td>{_verdict_detail(r)}</td>" for r in pair) + "</tr>")
    return '<table class="facts">' + "".join(rows) + "</table>"


def _verdict_detail(record: EpisodeRecord) -> str:
    detail = record.error or (record.verdict.reason if record.verdict else "")
    return _verdict(record) + (f"<br><small>{escape(detail)}</small>" if detail else "")


def _turn_row(index: int, a: Sequence[Turn], b: Sequence[Turn], diverges: bool) -> str:
    mark = ' <span class="mark" title="first divergence">≠</span>' if diverges else ""
    cells = "".join(
        _turn_cell(turns[index] if index < len(turns) else None, side) for turns, side in ((a, "a"), (b, "b"))
    )
    row_class = ' class="diverge"' if diverges else ""
    return f"<tr{row_class}><th>{index + 1}{mark}</th>{cells}</tr>\n"


def _turn_cell(turn: Turn | None, side: str) -> str:
    if turn is None:
        return f'<td class="turn run-{side} absent"></td>'
    role = escape(str(turn.role))
    title = escape(ROLE_TITLE.get(turn.role, role))
    return f'<td class="turn run-{side}"><span class="role role-{role}">{title}</span>{escape(turn.text)}</td>'
