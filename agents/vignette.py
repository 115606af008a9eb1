"""The whole case as a written clinical vignette, for the vignette baseline (``agentclinic run --mode vignette``).

The doctor reads, in one message, everything the patient and the measurement reader hold: the patient's own
facts (the history), the examination findings and the test results, each section a list of the case's named
findings as the case wrote them. Placeholders ("Pending", "Not provided") are left out. The diagnosis never
is in it: the history is scrubbed as the patient scrubs what it says (the diagnosis phrase, its abbreviation and
its distinctive words), the examination and tests as the measurement reader guards its results (the phrase and
its abbreviation; the values otherwise stay as recorded).
"""

from __future__ import annotations

from agents.findings import is_placeholder, pretty_name, render
from agents.leaks import DiagnosisGuard
from agents.patient.chart import chart_sentences
from scenarios import Case
from scenarios.schema import FindingsTree

SECTIONS = ("History", "Examination", "Test results")


def _section(title: str, tree: FindingsTree, guard: DiagnosisGuard, *, chart: bool = False) -> str | None:
    """``title`` and one line per top-level finding of ``tree`` that holds a result; None when none does.
    ``chart``: a text is read as the patient's chart is, without an actor note's preamble or labels."""
    lines = [
        "- " + guard.scrub(f"{pretty_name(name)}: {_text(value, chart)}")
        for name, value in tree.items()
        if not is_placeholder(value)
    ]
    return f"{title}:\n" + "\n".join(lines) if lines else None


def _text(value: object, chart: bool) -> str:
    if chart and isinstance(value, str):
        return " ".join(chart_sentences(value))
    return render(value)


def case_vignette(case: Case) -> str:
    """The case's history, examination and test results as one text, without its diagnosis."""
    history = DiagnosisGuard(case.diagnosis)
    results = DiagnosisGuard(case.diagnosis, words=False)
    parts = [
        _section(SECTIONS[0], case.patient, history, chart=True),
        _section(SECTIONS[1], case.exam, results),
        _section(SECTIONS[2], case.tests, results),
    ]
    return "\n\n".join(part for part in parts if part) or "(the case records no findings)"
