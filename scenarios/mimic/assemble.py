"""One admission's facts -> one OSCE record (the schema MedQA uses) with ``_meta`` marking it as MIMIC-IV.

* Patient_Actor: demographics (sex, age at admission = anchor_age + admission year - anchor_year), and what
  brought the patient in: the ED chief complaint when the ED module has the stay, else a neutral account
  of the admission (type and source). A narrator may rewrite the history as prose from those facts only.
* Physical_Examination_Findings: ED triage vitals, outpatient measurements near the admission.
* Test_Results: labs by fluid and category, microbiology.
* Everything shown passes the ``LeakGuard``; a finding that would leak is withheld, and a case with fewer
  than ``min_results`` test results left is skipped.

``_meta`` carries ``source`` naming MIMIC-IV and ``credentialed: true`` (the two keys the case reader's
``record_is_credentialed`` honours), and a ``case_id`` made from subject_id and hadm_id, stable across rebuilds.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from scenarios.mimic.leak_guard import LeakGuard
from scenarios.mimic.models import Admission, CaseFacts, EdVisit, Finding, NarrationFacts, Narrator

SOURCE = "MIMIC-IV (built from the user's own tables by agentclinic-sim cases build-mimic)"
MIN_RESULTS = 5

ADMISSION_TYPES = {
    "EW EMER.": "an emergency admission",
    "DIRECT EMER.": "a direct emergency admission",
    "URGENT": "an urgent admission",
    "ELECTIVE": "an elective admission",
    "OBSERVATION ADMIT": "an admission for observation",
    "EU OBSERVATION": "an admission for observation from the emergency unit",
    "DIRECT OBSERVATION": "a direct admission for observation",
    "AMBULATORY OBSERVATION": "an ambulatory admission for observation",
    "SURGICAL SAME DAY ADMISSION": "a same-day surgical admission",
}
ARRIVALS = {"AMBULANCE": "by ambulance", "WALK IN": "on foot", "HELICOPTER": "by helicopter"}
SEXES = {"F": "female", "M": "male"}


class Assembled(BaseModel):
    """The record (or why there is none) and what the leak guard and narrator did on the way."""

    model_config = ConfigDict(frozen=True)

    record: dict[str, Any] | None
    withheld: int = 0
    narrated: bool = False
    narration_rejected: bool = False


def case_id(subject_id: str, hadm_id: str) -> str:
    return f"mimiciv-{subject_id}-{hadm_id}"


def demographics(admission: Admission, guard: LeakGuard) -> str:
    age = admission.age
    years = "adult" if age is None else f"{age}-year-old" if age <= 89 else "over-89-year-old"
    sex = SEXES.get((admission.gender or "").strip().upper())
    text = f"{years} {sex}" if sex else f"{years} patient"
    return f"{years} patient" if guard.leaks(text) else text


def complaints(ed: EdVisit | None, guard: LeakGuard) -> list[str]:
    """The chief complaint's parts ('Abd pain, Nausea' -> two), unless any of it would leak."""
    text = ed.chief_complaint if ed else None
    if not text or guard.leaks(text):
        return []
    return [part.strip() for part in text.split(",") if part.strip()]


def listing(symptoms: list[str]) -> str:
    """['Chest pain', 'Dyspnea', 'Cough'] -> 'chest pain, dyspnea and cough'."""
    words = [symptom.lower() for symptom in symptoms]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def history(admission: Admission, ed: EdVisit | None, symptoms: list[str]) -> str:
    if ed is not None:
        arrival = ARRIVALS.get((ed.arrival_transport or "").upper())
        how = f" {arrival}" if arrival else ""
        what = f" with {listing(symptoms)}" if symptoms else ""
        return f"Came to the emergency department{how}{what}, and was admitted to hospital from there."
    kind = ADMISSION_TYPES.get((admission.admission_type or "").strip().upper(), "an admission")
    source = (admission.admission_location or "").strip().lower()
    source = f", from {source}" if source and "not available" not in source else ""
    return (
        f"Was admitted to hospital as {kind}{source}. The record holds no account of the symptoms in the "
        "patient's own words."
    )


def tree(findings: list[Finding]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for finding in findings:
        result.setdefault(finding.group, {})[finding.name] = finding.text
    return result


def _visible(finding: Finding) -> str:
    return f"{finding.group} {finding.name} {finding.text}".replace("_", " ")


def _narrate(narrator: Narrator | None, facts: NarrationFacts, guard: LeakGuard) -> tuple[str | None, bool]:
    """The narrator's history, or None and whether it was rejected (empty, or it leaked)."""
    if narrator is None:
        return None, False
    prose = narrator(facts).strip()
    if not prose or guard.leaks(prose):
        return None, True
    return prose, False


def assemble(facts: CaseFacts, *, min_results: int = MIN_RESULTS, narrator: Narrator | None = None) -> Assembled:
    admission = facts.admission
    guard = LeakGuard(admission.title, facts.other_titles)
    ed = facts.ed
    shown_results = [*facts.labs, *facts.micro]
    shown_exam = [*(ed.vitals if ed else []), *facts.outpatient_vitals]
    results = [finding for finding in shown_results if not guard.leaks(_visible(finding))]
    exam = [finding for finding in shown_exam if not guard.leaks(_visible(finding))]
    withheld = len(shown_results) + len(shown_exam) - len(results) - len(exam)
    if len(results) < min_results:
        return Assembled(record=None, withheld=withheld)

    symptoms = complaints(ed, guard)
    patient: dict[str, Any] = {"Demographics": demographics(admission, guard)}
    plain_history = history(admission, ed, symptoms)
    if guard.leaks(plain_history):  # an admission source or arrival worded like a title
        plain_history = "Was admitted to hospital."
    narration = NarrationFacts(
        demographics=patient["Demographics"],
        chief_complaint=", ".join(symptoms) or None,
        arrival=ARRIVALS.get(((ed.arrival_transport if ed else None) or "").upper(), "not recorded"),
        presentation=plain_history,
    )
    prose, rejected = _narrate(narrator, narration, guard)
    patient["History"] = prose or plain_history
    if symptoms:
        patient["Symptoms"] = {"Primary_Symptom": symptoms[0], "Secondary_Symptoms": symptoms[1:]}
    objective = (
        f"Assess and diagnose the patient presenting with {listing(symptoms)}."
        if symptoms
        else "Assess and diagnose the patient admitted to hospital."
    )
    record = {
        "_meta": {
            "source": SOURCE,
            "credentialed": True,
            "case_id": case_id(admission.subject_id, admission.hadm_id),
            "subject_id": admission.subject_id,
            "hadm_id": admission.hadm_id,
            "primary_icd": {"code": admission.icd_code, "version": admission.icd_version},
            "history": "narrated by a model from the structured facts" if prose else "structured facts",
        },
        "OSCE_Examination": {
            "Objective_for_Doctor": objective,
            "Patient_Actor": patient,
            "Physical_Examination_Findings": tree(exam),
            "Test_Results": tree(results),
            "Correct_Diagnosis": admission.title.strip(),
        },
    }
    return Assembled(record=record, withheld=withheld, narrated=prose is not None, narration_rejected=rejected)
