"""How well a doctor's test requests match the tests a case lists: precision, recall and F1 of exam recommendation.

The case's **listed tests** are the top-level entries of its test results (``Case.tests``, the OSCE record's
``Test_Results``: 'Complete_Blood_Count', 'Chest_X-Ray', ...); a case that lists none (every NEJM case) has no
score. Each request is matched the way the deterministic measurement reader matches it
(``agents.measurement.lookup.LookupMeasurement.find_all``), whoever played the reader in the episode; the listed
test a finding belongs to is the top of its path in the test tree. Requests are counted once each, as the
lookup counts them (case and surrounding spaces aside), and:

- a request the lookup answers with a finding of a listed test is a **hit**;
- a request it answers only from the physical examination ('Vital signs', 'Lung auscultation') is an
  examination, not a test order, and is not counted at all;
- any other request (one the case holds nothing for, answered by the missing-result policy) is a miss.

``precision`` = hits / requests counted, ``recall`` = listed tests hit / listed tests, ``f1`` their harmonic
mean. With no request counted, precision is undefined (``None``), recall is 0 and so is F1; F1 is 0 whenever
precision or recall is.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

from agents.measurement.lookup import LookupMeasurement, same_request
from scenarios import Case


class ExamScore(BaseModel):
    """One episode's exam recommendation against its case's listed tests (see ``agentclinic_sim.exam_score``)."""

    requested: int = Field(description="Distinct test requests counted (those answered only by the exam left out).")
    hits: int = Field(description="Of those, the requests answered with a listed test.")
    listed: int = Field(description="Tests the case lists (top-level entries of its test results).")
    matched: int = Field(description="Listed tests some request was answered with.")
    precision: float | None = Field(description="hits / requested; None when nothing was requested.")
    recall: float = Field(description="matched / listed.")
    f1: float = Field(description="Harmonic mean of precision and recall; 0 when either is 0 or undefined.")


def _f1(precision: float | None, recall: float) -> float:
    if not precision or not recall:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def exam_score(case: Case, requests: Iterable[str]) -> ExamScore | None:
    """The score of ``requests`` (the episode's ``tests_requested``) against ``case``; None when the case lists
    no tests."""
    listed = set(case.tests)
    if not listed:
        return None
    lookup = LookupMeasurement(case)
    test_of = {id(finding.node): finding.node.path[0] for finding in lookup.findings if not finding.exam}
    requested = hits = 0
    matched: set[str] = set()
    for request in dict.fromkeys(same_request(request) for request in requests):
        found = lookup.find_all(request)
        tests = {test_of[id(node)] for node in found if id(node) in test_of}
        if found and not tests:
            continue  # an examination finding: not a test order
        requested += 1
        hits += bool(tests)
        matched |= tests
    precision = hits / requested if requested else None
    recall = len(matched) / len(listed)
    return ExamScore(
        requested=requested,
        hits=hits,
        listed=len(listed),
        matched=len(matched),
        precision=precision,
        recall=recall,
        f1=_f1(precision, recall),
    )
