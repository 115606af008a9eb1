"""The measurement reader: deterministic lookup over the case's findings, and the LLM reader."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from agents.findings import walk
from agents.measurement import (
    NORMAL_READINGS,
    RESULTS_PREFIX,
    LLMMeasurement,
    LookupMeasurement,
    canonical,
    missing_result,
)
from models.backends.scripted import ScriptedBackend
from scenarios import Case, load_cases

DEMO_CASES = load_cases("demo")


@pytest.fixture(scope="module")
def lookup(mg_case: Case) -> LookupMeasurement:
    return LookupMeasurement(mg_case)


@pytest.mark.parametrize("request_", ["Vital_Signs", "vital signs", "VITAL_SIGN", "Vital Sign", "vitals", "Vitals"])
def test_vital_signs_lookup(lookup: LookupMeasurement, request_: str) -> None:
    text = lookup.respond(request_, []).text
    assert text.startswith("RESULTS: Vital Signs: ")
    assert "Blood Pressure: 125/80 mmHg" in text
    assert "Heart Rate: 72 bpm" in text
    assert "Respiratory Rate: 16 breaths/min" in text
    assert NORMAL_READINGS not in text


@pytest.mark.parametrize(
    ("request_", "name", "value"),
    [
        ("EMG", "Electromyography", "Decreased muscle response with repetitive stimulation"),
        ("Electromyography", "Electromyography", "Decreased muscle response with repetitive stimulation"),
        ("electromyographies", "Electromyography", "Decreased muscle response with repetitive stimulation"),
        ("Cranial_Nerves", "Cranial Nerves", "Presence of ptosis"),
        ("cranial nerve", "Cranial Nerves", "Presence of ptosis"),
        ("Acetylcholine_Receptor_Antibodies", "Acetylcholine Receptor Antibodies", "Present (elevated)"),
        ("Acetylcholine receptor antibody", "Acetylcholine Receptor Antibodies", "Present (elevated)"),
        ("CT chest", "Chest CT", "no thymoma"),
        ("Chest CT", "Chest CT", "no thymoma"),
        ("Temperature", "Temperature", "36.6°C"),
        ("Blood pressure", "Blood Pressure", "125/80 mmHg"),
        ("Neurological Examination", "Neurological Examination", "Reflexes: Normal reflexes throughout."),
        ("Blood tests", "Blood Tests", "Acetylcholine Receptor Antibodies: Present (elevated)"),
        ("Imaging", "Imaging", "Chest CT: Findings: Normal, no thymoma"),
    ],
)
def test_lookup_finds_by_name_synonym_nesting_and_fuzzy(
    lookup: LookupMeasurement, request_: str, name: str, value: str
) -> None:
    text = lookup.respond(request_, []).text
    assert text.startswith(f"{RESULTS_PREFIX} {name}: ")
    assert value in text


def test_lookup_find_returns_the_node(lookup: LookupMeasurement) -> None:
    node = lookup.find("EMG")
    assert node is not None
    assert node.path == ("Electromyography",)
    nested = lookup.find("acetylcholine receptor antibody")
    assert nested is not None
    assert nested.path == ("Blood_Tests", "Acetylcholine_Receptor_Antibodies")
    assert lookup.find("Tensilon test") is None


@pytest.mark.parametrize("request_", ["Tensilon test", "CBC", "MRI brain", "Serum creatine kinase", "ECG"])
def test_missing_test_normal_policy(mg_case: Case, request_: str) -> None:
    reply = LookupMeasurement(mg_case, missing="normal").respond(request_, [])
    assert reply.text == f"{RESULTS_PREFIX} {NORMAL_READINGS}"
    assert reply.backend == "lookup"


@pytest.mark.parametrize("request_", ["Tensilon test", "CBC", "MRI brain"])
def test_missing_test_unavailable_policy(mg_case: Case, request_: str) -> None:
    text = LookupMeasurement(mg_case, missing="unavailable").respond(request_, []).text
    assert text.startswith(RESULTS_PREFIX)
    assert request_ in text
    assert "not available" in text
    assert NORMAL_READINGS not in text


def test_missing_result_policies() -> None:
    assert missing_result("normal", "X") == "RESULTS: NORMAL READINGS"
    assert missing_result("unavailable", "X") == "RESULTS: X is not available for this patient."


def test_present_test_is_reported_under_either_policy(mg_case: Case) -> None:
    normal = LookupMeasurement(mg_case, missing="normal").respond("EMG", []).text
    unavailable = LookupMeasurement(mg_case, missing="unavailable").respond("EMG", []).text
    assert normal == unavailable
    assert "Decreased muscle response" in normal


@pytest.mark.parametrize(
    "request_", ["Vital_Signs", "EMG", "nonsense test", "", "Chest CT", "Tensilon test", "Imaging", "CBC"]
)
@pytest.mark.parametrize("missing", ["normal", "unavailable"])
def test_every_reply_starts_with_results(mg_case: Case, request_: str, missing: str) -> None:
    assert LookupMeasurement(mg_case, missing=missing).respond(request_, []).text.startswith(RESULTS_PREFIX)


def test_arespond_matches_respond(lookup: LookupMeasurement) -> None:
    assert asyncio.run(lookup.arespond("EMG", [])) == lookup.respond("EMG", [])


def test_canonical_synonyms() -> None:
    assert canonical("CBC") == canonical("Complete_Blood_Count") == "complete blood count"
    assert canonical("EKG") == canonical("ECG") == canonical("Electrocardiogram")
    assert canonical("CT chest") == "computed tomography chest"
    assert canonical("Vitals") == canonical("Vital_Signs")


def test_lookup_accepts_exam_for_examination(lookup: LookupMeasurement) -> None:
    text = lookup.respond("Neurological exam", [])
    assert "Cranial Nerves" in text.text


# --- demo cases ---------------------------------------------------------------------------------


def _cbc_cases() -> list[Case]:
    return [case for case in DEMO_CASES if any(node.name == "Complete_Blood_Count" for node in walk(case.tests))]


def test_demo_has_top_level_and_nested_cbc() -> None:
    depths = {
        len(node.path) for case in _cbc_cases() for node in walk(case.tests) if node.name == "Complete_Blood_Count"
    }
    assert depths == {1, 2}


@pytest.mark.parametrize("case", _cbc_cases(), ids=lambda case: case.id)
@pytest.mark.parametrize("request_", ["CBC", "Complete blood count", "full blood count"])
def test_cbc_found_in_demo_cases(case: Case, request_: str) -> None:
    node = next(node for node in walk(case.tests) if node.name == "Complete_Blood_Count")
    text = LookupMeasurement(case).respond(request_, []).text
    assert text.startswith("RESULTS: Complete Blood Count: ")
    wbc = node.value["WBC"] if isinstance(node.value, dict) else None
    assert wbc is not None
    assert f"WBC: {wbc}" in text


@pytest.mark.parametrize("case", DEMO_CASES, ids=lambda case: case.id)
def test_every_recorded_exam_and_test_is_found_by_its_own_name(case: Case) -> None:
    lookup = LookupMeasurement(case)
    for node in [*walk(case.exam), *walk(case.tests)]:
        for request_ in (node.name, node.name.replace("_", " ").lower()):
            found = lookup.find(request_)
            assert found is not None, (case.id, request_)
            assert found.name == node.name, (case.id, request_, found.path)


# --- LLMMeasurement -----------------------------------------------------------------------------


def test_llm_measurement_prepends_results_prefix(mg_case: Case) -> None:
    backend = ScriptedBackend(
        ["Acetylcholine receptor antibodies: present", "  RESULTS: EMG decrement  ", "results: x"]
    )
    reader = LLMMeasurement(mg_case, backend)
    assert reader.respond("AChR antibodies", []).text == "RESULTS: Acetylcholine receptor antibodies: present"
    assert asyncio.run(reader.arespond("EMG", [])).text == "RESULTS: EMG decrement"
    assert reader.respond("x", []).text == "results: x"
    assert reader.backend == "scripted"

    system, user = backend.requests[0]
    assert system.role == "system"
    assert user.role == "user"
    assert "AChR antibodies" in user.content


@pytest.mark.parametrize("missing", ["normal", "unavailable"])
def test_llm_measurement_system_prompt_holds_the_record(mg_case: Case, missing: str) -> None:
    reader = LLMMeasurement(mg_case, ScriptedBackend(["RESULTS: ok"]), missing=missing)
    prompt = reader.system_prompt
    record = {"Physical_Examination_Findings": mg_case.exam, "Test_Results": mg_case.tests}
    assert json.dumps(record, ensure_ascii=False, indent=1) in prompt
    assert "Acetylcholine_Receptor_Antibodies" in prompt
    assert "Decreased muscle response with repetitive stimulation" in prompt
    if missing == "normal":
        assert NORMAL_READINGS in prompt
    else:
        assert "not available" in prompt
    # The patient's own account is not part of the measurement record.
    assert mg_case.patient["Social_History"] not in prompt


def test_nejm_tests_inside_free_text_are_found_by_name(shared_data: Path) -> None:
    nejm = load_cases("nejm", shared_data)[0]
    lookup_nejm = LookupMeasurement(nejm)
    text = lookup_nejm.respond("Skin biopsy", []).text
    assert text.startswith("RESULTS: Skin biopsy results:") and "banana-shaped" in text
    assert lookup_nejm.respond("dermoscopy findings", []).text.startswith("RESULTS: Dermoscopy findings:")
    assert lookup_nejm.respond("Chest X-Ray", []).text == "RESULTS: NORMAL READINGS"


def test_a_request_holding_a_shorter_name_does_not_match_it(mg_case: Case) -> None:
    # 'MRI brain' contains 'imaging' (after synonyms) but must not return the case's Imaging results.
    assert LookupMeasurement(mg_case).respond("MRI brain", []).text == "RESULTS: NORMAL READINGS"
