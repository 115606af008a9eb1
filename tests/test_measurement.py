"""The measurement reader: deterministic lookup over the case's findings, and the LLM reader."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path

import pytest

from agents.findings import Node, is_placeholder, pretty_name, render, walk
from agents.measurement.llm_reader import LLMMeasurement
from agents.measurement.lookup import LookupMeasurement
from agents.measurement.name_words import exact_name
from agents.measurement.names_of_tests import concept_key
from agents.measurement.results import NORMAL_READINGS, RESULTS_PREFIX, missing_result
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


def test_concept_key_synonyms() -> None:
    assert concept_key("CBC") == concept_key("Complete_Blood_Count") == concept_key("full blood count")
    assert concept_key("EKG") == concept_key("ECG") == concept_key("Electrocardiogram")
    assert concept_key("CT chest") == concept_key("Chest_CT") == concept_key("computed tomography of the chest")
    assert concept_key("Vitals") == concept_key("Vital_Signs")
    assert concept_key("CT chest") != concept_key("Chest X-ray")


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


# --- requested results come back as the case wrote them (issue 10) ------------------------------


def _as_written(node: Node) -> str:
    return f"{RESULTS_PREFIX} {pretty_name(node.name)}: {render(node.value)}"


def _own_name(case: Case, node: Node) -> str:
    """The name a doctor would ask for: the node's own name, or its whole path where another real
    finding of the case shares that name (several tests hold a 'Findings' section) or names the same test
    (a urinalysis 'WBC' beside the blood count's 'Leukocyte_Count': 'WBC' alone asks for the blood count)."""
    tokens = concept_key(node.name).tokens
    same_name = [
        other
        for other in [*walk(case.exam), *walk(case.tests)]
        if other.path != node.path
        and (exact_name(other.name) == exact_name(node.name) or (tokens and concept_key(other.name).tokens == tokens))
    ]
    if all(is_placeholder(other.value) for other in same_name) and not is_placeholder(node.value):
        return node.name
    return " ".join(node.path) if same_name else node.name


def test_every_medqa_ext_test_result_comes_back_as_written(shared_data: Path) -> None:
    cases = load_cases("medqa-ext", shared_data)
    assert len(cases) == 214
    wrong = []
    asked = Counter()
    for case in cases:
        lookup = LookupMeasurement(case)
        for node in walk(case.tests):
            request_ = _own_name(case, node)
            asked["by name" if request_ == node.name else "by path"] += 1
            text = lookup.respond(request_, []).text
            if text != _as_written(node):
                wrong.append((case.id, request_, text))
    assert not wrong, wrong[:5]
    assert asked["by name"] > 1000 and asked["by path"] > 100, asked


def test_case_19_mri_report_is_not_withheld(shared_data: Path) -> None:
    case = load_cases("medqa-ext", shared_data)[19]
    assert case.diagnosis == "Disc herniation"
    lookup = LookupMeasurement(case)
    for request_ in ("MRI_Lumbar_Spine", "MRI lumbar spine", "lumbar MRI"):
        text = lookup.respond(request_, []).text
        assert text == (
            "RESULTS: MRI Lumbar Spine: Findings: "
            "Evidence of L5-S1 disc herniation impinging on the adjacent nerve root."
        ), request_
    # The diagnosis itself is still no test name.
    for request_ in ("Disc herniation", "disc_herniation", "diagnosis", "Correct_Diagnosis"):
        assert lookup.respond(request_, []).text == f"{RESULTS_PREFIX} {NORMAL_READINGS}", request_


def test_case_122_real_result_beats_placeholder_of_the_same_name(shared_data: Path) -> None:
    case = load_cases("medqa-ext", shared_data)[122]
    assert case.exam["Ophthalmic_Examination"]["Slit_Lamp_Examination"] == "Recommended but findings not provided"
    lookup = LookupMeasurement(case)
    for request_ in ("Slit_Lamp_Examination", "slit lamp examination", "Slit lamp exam"):
        text = lookup.respond(request_, []).text
        assert text == (
            "RESULTS: Slit Lamp Examination: Findings: "
            "Corneal ulceration with infiltration, hinting at microbial keratitis"
        ), request_
    # The placeholder is still there when the doctor asks for the exam that holds it.
    exam = lookup.respond("Ophthalmic Examination", []).text
    assert "Slit Lamp Examination: Recommended but findings not provided" in exam


def _case_with(exam: dict, tests: dict, diagnosis: str = "Acute appendicitis") -> Case:
    return DEMO_CASES[0].model_copy(update={"exam": exam, "tests": tests, "diagnosis": diagnosis})


@pytest.mark.parametrize("placeholder_first", [True, False])
def test_real_result_beats_placeholder_in_either_order(placeholder_first: bool) -> None:
    placeholder = {"Abdominal_Ultrasound": "Pending"}
    real = {"Abdominal_Ultrasound": "Non-compressible appendix, 9 mm"}
    exam, tests = (placeholder, real) if placeholder_first else (real, placeholder)
    text = LookupMeasurement(_case_with(exam, tests)).respond("abdominal ultrasound", []).text
    assert text == "RESULTS: Abdominal Ultrasound: Non-compressible appendix, 9 mm"


def test_a_lone_placeholder_is_reported_as_written() -> None:
    text = LookupMeasurement(_case_with({}, {"Stool_Culture": "Pending"})).respond("Stool culture", []).text
    assert text == "RESULTS: Stool Culture: Pending"


def test_a_name_two_real_results_share_returns_both_and_each_answers_its_path() -> None:
    case = _case_with({"Abdomen": {"Findings": "Guarding"}}, {"CT_Abdomen": {"Findings": "Fat stranding"}})
    lookup = LookupMeasurement(case)
    assert lookup.respond("Findings", []).text == (
        "RESULTS: Abdomen Findings: Guarding | CT Abdomen Findings: Fat stranding"
    )
    assert lookup.respond("CT abdomen findings", []).text == "RESULTS: Findings: Fat stranding"
    assert lookup.respond("Abdomen findings", []).text == "RESULTS: Findings: Guarding"


def test_a_result_naming_the_diagnosis_is_reported_but_the_diagnosis_is_no_test() -> None:
    case = _case_with(
        {"Vital_Signs": "Temperature 38.1 C"},
        {"CT_Abdomen": "Findings consistent with acute appendicitis", "Diagnosis": "Acute appendicitis"},
    )
    lookup = LookupMeasurement(case, missing="unavailable")
    assert lookup.respond("CT abdomen", []).text == ("RESULTS: CT Abdomen: Findings consistent with acute appendicitis")
    # Not found, so answered by the policy, which only echoes the doctor's own words.
    for request_ in ("Diagnosis", "final diagnosis", "Correct_Diagnosis", "acute appendicitis", "Appendicitis"):
        assert lookup.find(request_) is None, request_
        assert lookup.respond(request_, []).text == f"{RESULTS_PREFIX} {request_} is not available for this patient."


@pytest.mark.parametrize(
    ("value", "placeholder"),
    [
        ("Pending", True),
        ("Not provided", True),
        ("Recommended but findings not provided", True),
        ("N/A", True),
        ("Information not provided", True),
        ("", True),
        ({"Left": "Pending", "Right": "Not specified"}, True),
        ("Normal but specifics not provided", False),
        ("Na 140 mmol/L", False),
        ("Negative", False),
        ({"Left": "Pending", "Right": "20/25"}, False),
        (7.4, False),
    ],
)
def test_is_placeholder(value: object, placeholder: bool) -> None:
    assert is_placeholder(value) is placeholder
