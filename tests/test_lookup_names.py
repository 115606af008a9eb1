"""Test-name matching of the lookup reader: the reviewed name table, clinicians' names for tests, siblings
that must not match, several results, panels, tests inside NEJM free text, and the labelled request set."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from agents.findings import walk
from agents.measurement.lookup import LookupMeasurement
from agents.measurement.name_table import NameEntry, build_name_table, name_table, read_names
from agents.measurement.name_words import words_of
from agents.measurement.names_of_tests import concept_key
from agents.measurement.report_items import text_items
from agents.measurement.request_words import named_with_a_remark
from agents.measurement.results import NORMAL_READINGS, RESULTS_PREFIX
from agents.protocol import RequestTest, parse_action
from scenarios import Case, load_cases

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEMO = {case.id: case for case in load_cases("demo")}
NORMAL = f"{RESULTS_PREFIX} {NORMAL_READINGS}"


def _case(tests: dict, exam: dict | None = None, diagnosis: str = "Acute appendicitis") -> Case:
    return DEMO["demo:0"].model_copy(update={"exam": exam or {}, "tests": tests, "diagnosis": diagnosis})


def _paths(lookup: LookupMeasurement, request: str) -> list[str]:
    return [" > ".join(node.path) for node in lookup.find_all(request)]


# --- the reviewed table ---------------------------------------------------------------------------


def test_every_table_row_is_valid_and_cites_a_source() -> None:
    entries = read_names()
    assert len(entries) > 1000
    for data in (PROJECT_ROOT / "agents/data/test_names.csv", PROJECT_ROOT / "benchmarks/lookup_requests.csv"):
        assert b"\r" not in data.read_bytes(), f"{data.name}: one line ending throughout (\\n)"
    assert all(entry.source.strip() and entry.term.strip() for entry in entries)
    kinds = {entry.kind for entry in entries}
    assert {"qualifier", "specimen", "modality", "region", "specifier", "synonym", "abbreviation", "panel"} <= kinds


def test_a_term_listed_twice_is_refused() -> None:
    twice = [
        NameEntry(term="Hb", concept="hemoglobin", kind="abbreviation", source="x"),
        NameEntry(term="hb", concept="hematocrit", kind="abbreviation", source="y"),
    ]
    with pytest.raises(ValueError, match="listed twice"):
        build_name_table(twice)


def test_a_malformed_row_names_its_line(tmp_path: Path) -> None:
    table = tmp_path / "names.csv"
    table.write_text("term,concept,kind,source\nhb,hemoglobin,abbreviation,ok\nwbc,wbc,nonsense,x\n")
    with pytest.raises(ValueError, match=r"names\.csv:3"):
        read_names(table)


@pytest.mark.parametrize(
    "names",
    [
        ("Serum_Lipase", "serum lipase", "Lipase level", "Lipase"),
        ("Serum creatinine", "Creatinine level", "Cr", "creatinine"),
        ("WBC count", "white blood cell count", "Leukocyte_Count", "white cell count", "WBC"),
        ("Hb", "hemoglobin level", "Haemoglobin", "Hgb"),
        ("platelet count", "Platelets", "PLT"),
        ("CT abdomen", "abdominal CT", "CT of the abdomen", "CT_Abdomen", "computed tomography of the abdomen"),
        ("X-Ray of the knee", "knee x-ray", "X-Ray_Knee", "knee radiograph"),
        ("CXR", "chest radiograph", "Chest_X-ray", "chest film"),
        ("ESR", "sed rate", "Erythrocyte_Sedimentation_Rate"),
        ("LFTs", "liver function tests", "Liver_Function_Tests", "liver panel"),
        ("ABG", "arterial blood gas", "Arterial_Blood_Gases"),
        ("UA", "urinalysis", "urine analysis", "Urine_Analysis"),
        ("HbA1c", "A1c", "hemoglobin A1c", "glycated haemoglobin"),
        ("BMP", "basic metabolic panel", "Basic_Metabolic_Panel", "chem 8"),
        ("Coombs test", "direct antiglobulin test", "DAT", "Coomb's_Test"),
    ],
)
def test_names_clinicians_use_name_the_same_test(names: tuple[str, ...]) -> None:
    """Same words and imaging modality (a stated specimen, 'serum', only narrows where to look)."""
    tests = {(concept_key(name).tokens, concept_key(name).modality) for name in names}
    assert len(tests) == 1, {name: concept_key(name) for name in names}


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Troponin I", "Troponin T"),
        ("CT head", "CT abdomen"),
        ("CT chest", "Chest X-ray"),
        ("blood culture", "urine culture"),
        ("hemoglobin", "HbA1c"),
        ("hemoglobin", "hemoglobin electrophoresis"),
        ("free T4", "T3"),
        ("VZV IgM", "VZV IgG"),
        ("direct bilirubin", "indirect bilirubin"),
        ("ABG", "VBG"),
        ("HBsAg", "anti-HBs"),
        ("CT angiography of the head", "CT head"),
    ],
)
def test_sibling_tests_have_different_keys(one: str, other: str) -> None:
    assert concept_key(one) != concept_key(other)


# --- the issue's examples -------------------------------------------------------------------------


@pytest.mark.parametrize("request_", ["REQUEST TEST: Serum_Lipase", "Serum_Lipase", "Serum lipase", "Lipase level"])
def test_demo_2_lipase_is_found_however_asked(request_: str) -> None:
    request_ = request_.removeprefix("REQUEST TEST: ")
    text = LookupMeasurement(DEMO["demo:2"]).respond(request_, []).text
    assert text == "RESULTS: Lipase: 2,140 U/L (reference 10–60 U/L)"


@pytest.mark.parametrize(
    ("request_", "path"),
    [
        ("WBC count", "Complete_Blood_Count > Leukocyte_count"),
        ("white blood cell count", "Complete_Blood_Count > Leukocyte_count"),
        ("platelet count", "Complete_Blood_Count > Platelet_count"),
        ("Hb", "Complete_Blood_Count > Hemoglobin"),
        ("hemoglobin level", "Complete_Blood_Count > Hemoglobin"),
        ("CXR", "Chest_X-ray"),
    ],
)
def test_counts_by_their_usual_names(shared_data: Path, request_: str, path: str) -> None:
    case = load_cases("medqa-ext", shared_data)[77]
    assert _paths(LookupMeasurement(case), request_) == [path]


@pytest.mark.parametrize("request_", ["X-Ray of the knee", "knee x-ray", "knee radiograph", "x-ray knee"])
def test_imaging_written_either_way_round(shared_data: Path, request_: str) -> None:
    case = load_cases("medqa-ext", shared_data)[5]
    assert _paths(LookupMeasurement(case), request_) == ["X-Ray_Knee"]


@pytest.mark.parametrize("request_", ["CT abdomen", "abdominal CT", "CT of the abdomen", "CT abdomen with contrast"])
def test_ct_abdomen_either_way_round(request_: str) -> None:
    assert _paths(LookupMeasurement(DEMO["demo:2"]), request_) == ["CT_Abdomen"]


def test_generic_leaves_are_reached_by_their_tests_name() -> None:
    lookup = LookupMeasurement(
        _case({"Imaging": {"Brain_MRI": {"Findings": "Caudate atrophy", "Impression": "Huntington pattern"}}})
    )
    text = lookup.respond("MRI of the brain", []).text
    assert text == "RESULTS: Brain MRI: Findings: Caudate atrophy; Impression: Huntington pattern"
    assert _paths(lookup, "brain MRI impression") == ["Imaging > Brain_MRI"]


# --- siblings and absent tests get the missing-result policy ---------------------------------------

SIBLINGS = {
    "Troponin_I": "0.9 ng/mL",
    "CT_Abdomen": {"Findings": "Fat stranding"},
    "Urine_Culture": "E. coli >100,000 CFU/mL",
    "X-Ray_Left_Knee": {"Findings": "Lytic lesion"},
    "VZV_IgM": "Positive",
    "Bilirubin_Direct": "2.4 mg/dL",
}


@pytest.mark.parametrize(
    "request_",
    [
        "Troponin T",
        "CT head",
        "MRI abdomen",
        "blood culture",
        "X-ray of the right knee",
        "VZV IgG",
        "indirect bilirubin",
        "knee MRI",
        "lipase",
    ],
)
def test_a_sibling_or_absent_test_gets_the_missing_result_policy(request_: str) -> None:
    lookup = LookupMeasurement(_case(SIBLINGS))
    assert lookup.find_all(request_) == (), request_
    assert lookup.respond(request_, []).text == NORMAL
    unavailable = LookupMeasurement(_case(SIBLINGS), missing="unavailable").respond(request_, []).text
    assert unavailable == f"{RESULTS_PREFIX} {request_} is not available for this patient."


@pytest.mark.parametrize(
    ("request_", "path"),
    [
        ("troponin", "Troponin_I"),
        ("cTnI", "Troponin_I"),
        ("abdominal CT scan", "CT_Abdomen"),
        ("urine culture and sensitivity", "Urine_Culture"),
        ("left knee radiograph", "X-Ray_Left_Knee"),
        ("varicella zoster IgM", "VZV_IgM"),
        ("conjugated bilirubin", "Bilirubin_Direct"),
    ],
)
def test_the_test_itself_is_found(request_: str, path: str) -> None:
    assert _paths(LookupMeasurement(_case(SIBLINGS)), request_) == [path]


def test_sibling_requests_never_return_the_finding_they_differ_from(shared_data: Path) -> None:
    """Over every case: a finding with a side is never returned for the other side, a troponin subtype
    never for the other subtype, a culture of one specimen never for another, and a CT, MRI or X-ray of
    one region never for another region."""
    wrong = []
    for dataset in ("medqa-ext", "nejm-ext"):
        for case in [*load_cases(dataset, shared_data), *DEMO.values()]:
            lookup = LookupMeasurement(case)
            for finding in lookup.findings:
                key = finding.own
                siblings = []
                if key.side in ({"left"}, {"right"}) and finding.node.name.count("_") >= 1 and not finding.from_text:
                    other = "right" if key.side == {"left"} else "left"
                    siblings.append(f"{other} {' '.join(sorted(key.tokens))} {' '.join(sorted(key.modality))}")
                if "troponin" in key.tokens and key.tokens & {"i", "t"}:
                    siblings.append("troponin T" if "i" in key.tokens else "troponin I")
                if "culture" in key.tokens and key.specimen in ({"blood"}, {"urine"}):
                    siblings.append(("urine" if key.specimen == {"blood"} else "blood") + " culture")
                regions = key.tokens & {"head", "abdomen", "chest", "knee", "neck", "pelvis"}
                if len(key.tokens) == 1 and regions and key.modality in ({"ct"}, {"mri"}, {"xray"}):
                    other = next(r for r in ("head", "abdomen", "chest", "knee") if r not in regions)
                    siblings.append(f"{other} {min(key.modality)}")
                for request_ in siblings:
                    if finding.node in lookup.find_all(request_):
                        wrong.append((case.id, request_, finding.node.path))
    assert not wrong, wrong[:10]


# --- several results, panels -----------------------------------------------------------------------


def test_a_request_matching_several_results_returns_all_of_them() -> None:
    lookup = LookupMeasurement(_case({"Cardiac_Markers": {"Troponin_I": "0.9 ng/mL", "Troponin_T": "Pending"}}))
    assert _paths(lookup, "troponin") == ["Cardiac_Markers > Troponin_I", "Cardiac_Markers > Troponin_T"]
    assert lookup.respond("troponin", []).text == "RESULTS: Troponin I: 0.9 ng/mL | Troponin T: Pending"
    assert _paths(lookup, "troponin I") == ["Cardiac_Markers > Troponin_I"]


def test_a_request_naming_two_tests_returns_both() -> None:
    lookup = LookupMeasurement(DEMO["demo:5"])
    assert _paths(lookup, "PT/INR, aPTT") == ["Coagulation_Profile > INR", "Coagulation_Profile > aPTT"]
    assert _paths(lookup, "INR and platelets") == ["Complete_Blood_Count > Platelets", "Coagulation_Profile > INR"]


def test_a_panel_the_case_lists_by_member_returns_its_members() -> None:
    lookup = LookupMeasurement(_case({"Blood_Tests": {"Hb": "10.6 g/dL", "Leukocyte_Count": "11,600", "AST": "488"}}))
    assert _paths(lookup, "CBC") == ["Blood_Tests > Hb", "Blood_Tests > Leukocyte_Count"]
    assert _paths(lookup, "LFTs") == ["Blood_Tests > AST"]
    assert _paths(lookup, "lipid panel") == []


def test_a_member_of_a_panel_reported_as_one_result_returns_the_panel() -> None:
    lookup = LookupMeasurement(_case({"Thyroid_Function_Tests": "Within normal limits", "CBC": {"Platelets": "300"}}))
    assert _paths(lookup, "TSH") == ["Thyroid_Function_Tests"]
    # A panel given member by member answers only for the members it holds.
    assert _paths(lookup, "hemoglobin") == []


def test_blood_is_preferred_when_no_specimen_is_named() -> None:
    lookup = LookupMeasurement(DEMO["demo:3"])
    assert _paths(lookup, "glucose") == ["Blood_Tests > Basic_Metabolic_Panel > Glucose"]
    assert _paths(lookup, "urine glucose") == ["Urinalysis > Glucose"]
    synovial = LookupMeasurement(DEMO["demo:8"])
    assert _paths(synovial, "WBC") == ["Complete_Blood_Count > WBC"]
    assert _paths(synovial, "synovial fluid WBC") == ["Synovial_Fluid_Analysis > WBC"]


# --- the diagnosis stays out ------------------------------------------------------------------------


def test_a_region_is_read_with_the_sub_findings_parents() -> None:
    """Bug 1: an examination's sub-finding is of its parent's region ('lung auscultation' is not the
    abdomen's auscultation), and a biopsy's microscopy is no KOH preparation of a skin scraping."""
    lookup = LookupMeasurement(
        _case(
            {"Skin_Biopsy": {"Microscopic_Examination": "Granulomas"}},
            exam={"Abdominal_Examination": {"Auscultation": "Normal bowel sounds", "Palpation": "Soft"}},
        )
    )
    for request in ("lung auscultation", "cardiac auscultation", "auscultate the heart", "chest palpation"):
        assert lookup.result_text(request) == NORMAL, request
    assert lookup.result_text("KOH microscopy") == NORMAL
    assert _paths(lookup, "abdominal auscultation") == ["Abdominal_Examination > Auscultation"]
    assert _paths(lookup, "auscultation") == ["Abdominal_Examination > Auscultation"]


def test_a_result_stating_no_specimen_is_a_blood_value() -> None:
    """Bug 2: a request naming urine, CSF or pleural fluid never gets the blood panel's value, nor the
    panel as a whole; a drug screen stating no specimen still answers a urine drug screen."""
    lookup = LookupMeasurement(
        _case(
            {
                "Comprehensive_Metabolic_Panel": {"Glucose": "98 mg/dL", "Sodium": "140 mEq/L"},
                "Liver_Function_Tests": "Total protein 7.0 g/dL, albumin 4.0 g/dL",
                "Toxicology_Screen": {"Cocaine": "Positive"},
            }
        )
    )
    for request in ("urine glucose", "CSF glucose", "urine sodium", "urine protein", "pleural fluid protein"):
        assert lookup.result_text(request) == NORMAL, request
    assert _paths(lookup, "glucose") == ["Comprehensive_Metabolic_Panel > Glucose"]
    assert _paths(lookup, "serum sodium") == ["Comprehensive_Metabolic_Panel > Sodium"]
    assert _paths(lookup, "urine drug screen") == ["Toxicology_Screen"]


def test_a_request_naming_a_side_gets_that_side() -> None:
    """Bug 3: 'visual acuity left eye' is the left eye's result, not the finding holding both sides,
    and a side the case does not hold is not answered by the other side."""
    lookup = LookupMeasurement(
        _case(
            {},
            exam={
                "Ophthalmic_Examination": {
                    "Visual_Acuity": {"Right_Eye": "20/200", "Left_Eye": "20/20"},
                    "Fundoscopy": {"Right_Eye": "Cherry-red spot"},
                }
            },
        )
    )
    assert _paths(lookup, "visual acuity left eye") == ["Ophthalmic_Examination > Visual_Acuity > Left_Eye"]
    assert _paths(lookup, "fundoscopy of the right eye") == ["Ophthalmic_Examination > Fundoscopy > Right_Eye"]
    assert lookup.result_text("fundoscopy of the left eye") == NORMAL
    assert _paths(lookup, "visual acuity") == ["Ophthalmic_Examination > Visual_Acuity"]


def test_a_narrower_request_is_not_answered_by_a_sibling_variant() -> None:
    """Bug 4: 'fasting glucose' where the case holds only the random glucose is a sibling test."""
    lookup = LookupMeasurement(_case({"Blood_Glucose_Level": {"Random": "240 mg/dL"}}))
    assert lookup.result_text("fasting glucose") == NORMAL
    assert _paths(lookup, "random glucose") == ["Blood_Glucose_Level > Random"]
    assert _paths(lookup, "glucose") == ["Blood_Glucose_Level"]


def test_a_body_fluid_cell_count_is_its_white_cell_count() -> None:
    """Bug 5: 'joint fluid cell count' is the fluid's WBC, not the whole synovial fluid analysis."""
    lookup = LookupMeasurement(
        _case({"Synovial_Fluid_Analysis": {"Appearance": "Cloudy", "WBC": "60,000/mm3", "Crystals": "None"}})
    )
    assert _paths(lookup, "joint fluid cell count") == ["Synovial_Fluid_Analysis > WBC"]
    assert _paths(lookup, "synovial fluid analysis") == ["Synovial_Fluid_Analysis"]


def test_named_views_and_signs_are_found() -> None:
    """Bug 5: a named radiographic view is a test of its own, and a sign the table lists ('SLR') is
    found inside examination text however many words the table knows."""
    lookup = LookupMeasurement(
        _case(
            {"Radiographs": {"Scapular_Y": "Anterior dislocation", "Axillary": "Humeral head anterior"}},
            exam={"Musculoskeletal_Examination": {"Special_Test": "Positive straight leg raise test on the left."}},
        )
    )
    assert _paths(lookup, "scapular Y view") == ["Radiographs > Scapular_Y"]
    assert _paths(lookup, "axillary view") == ["Radiographs > Axillary"]
    biopsy = LookupMeasurement(_case({"Biopsy": {"Cervical_Lymph_Node": "Reactive"}}, {"Neck_Examination": "Supple"}))
    assert _paths(biopsy, "check for lymphadenopathy in the neck") == []  # no lymph node biopsy
    assert _paths(biopsy, "lymph node biopsy") == ["Biopsy > Cervical_Lymph_Node"]
    for request in ("SLR", "straight leg raise"):
        assert _paths(lookup, request) == ["Musculoskeletal_Examination > Special_Test"], request


def test_an_examination_request_is_not_answered_by_imaging() -> None:
    """'chest exam' or 'lung auscultation' asks for the physical examination: a chest X-ray is another test."""
    lookup = LookupMeasurement(
        _case(
            {"Chest_X-ray": "Right lower lobe consolidation", "MRI_Brain": "Normal"},
            exam={"Abdominal_Examination": {"Spleen": "Palpable 3 cm below the costal margin"}},
        )
    )
    for request in ("chest exam", "examination of the chest", "head exam", "lung auscultation", "chest percussion"):
        assert lookup.result_text(request) == NORMAL, request
    assert _paths(lookup, "palpate the spleen") == ["Abdominal_Examination > Spleen"]
    assert _paths(lookup, "chest x-ray") == ["Chest_X-ray"]
    assert _paths(lookup, "MRI examination of the brain") == ["MRI_Brain"]


def test_a_request_that_only_names_the_diagnosis_finds_nothing() -> None:
    lookup = LookupMeasurement(
        _case({"Varicella_IgM": "Positive", "CT_Abdomen": "Normal"}, diagnosis="Varicella"), missing="unavailable"
    )
    for request_ in ("Varicella", "varicella test", "diagnosis", "final diagnosis"):
        assert lookup.find_all(request_) == (), request_
    # A test named with the disease's organism is still a test.
    assert _paths(lookup, "varicella IgM") == ["Varicella_IgM"]


# --- tests written inside free text ------------------------------------------------------------------


def test_text_items_reads_headers_bullets_and_glued_headers() -> None:
    text = (
        "Laboratory studies: - Kidney function: Normal - Absolute eosinophil count: 2660 per cubic millimeter "
        "(reference range, 40-200) Urinalysis: - Hematuria: Present - Urine culture: Negative"
    )
    items = dict(text_items(text, free_text=True))
    assert items[("Laboratory studies", "Kidney function")] == "Normal"
    assert items[("Urinalysis", "Urine culture")] == "Negative"
    assert items[("Urinalysis",)] == "Hematuria: Present; Urine culture: Negative"


def test_text_items_names_a_test_by_the_words_before_its_result() -> None:
    text = "Laboratory studies indicated: - New anemia - Direct antiglobulin test positive for C3d"
    assert text_items(text, free_text=True)[-1] == (
        ("Laboratory studies indicated", "Direct antiglobulin test"),
        "positive for C3d",
    )
    # A single finding sentence inside a test's report names no test.
    assert text_items("Flattening of the left femoral head consistent with avascular necrosis") == []


def test_nejm_tests_inside_free_text_are_found_by_clinicians_names(shared_data: Path) -> None:
    cases = {case.id: case for case in load_cases("nejm-ext", shared_data)}
    schisto = LookupMeasurement(cases["nejm-ext:12"])
    assert schisto.respond("urine culture", []).text == "RESULTS: Urine culture: Negative"
    assert schisto.respond("eosinophil count", []).text.startswith("RESULTS: Absolute eosinophil count: 2660")
    cold = LookupMeasurement(cases["nejm-ext:11"])
    assert cold.respond("Coombs test", []).text == (
        "RESULTS: Direct antiglobulin test: positive for C3d | Direct antiglobulin test: weakly positive for IgG"
    )
    assert cold.respond("CT chest", []).text == NORMAL


# --- the labelled request set ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def agreement(shared_data: Path):
    sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
    import lookup_agreement

    rows = lookup_agreement.read_requests()
    cases = lookup_agreement.all_cases(None)
    return cases, rows, lookup_agreement.run(rows, LookupMeasurement, cases)


def test_labelled_set_covers_the_datasets_and_holds_out_a_third(agreement) -> None:
    _, rows, _ = agreement
    assert len(rows) >= 400
    assert {row.case.split(":")[0] for row in rows} == {"demo", "medqa-ext", "nejm-ext"}
    held_out = sum(row.held_out for row in rows) / len(rows)
    assert 0.28 < held_out < 0.38
    absent = [row.kind for row in rows if row.absent]
    assert len(absent) > 0.12 * len(rows)  # near misses that must not match, and tests the cases lack
    assert absent.count("sibling") >= 1000 and absent.count("lacking") >= 1000


def test_every_labelled_result_is_a_finding_of_its_case(agreement) -> None:
    # score() raises on a label naming nothing in the case; run() scored every row.
    _, rows, scored = agreement
    assert len(scored) == len(rows)


def test_tuning_requests_are_answered_with_their_own_results(agreement) -> None:
    """Floors under what the reader reaches on the tuning part, and a ceiling on another test's result given for a
    test the case lacks (see below for examination requests). When stop 40 ended (its tuning part then held about
    13,200 MedQA-Ext examination requests and 24,700 for MedQA-Ext test results): 93.8% of all requests for held
    results, 96.0% of those for MedQA-Ext test results (the issue's hidden set's scope) and 89.9% of those for the
    MedQA-Ext examination; 1.3% of present requests also get another result. Stop 37 joined twenty-four test-results
    sets (rounds 66 to 89), stop 38 twenty-eight (rounds 90 to 117), stop 39 twenty-eight (rounds 118 to 145) and
    stop 40 twenty-eight (rounds 146 to 173):
    most in the voices of LLM doctors (GPT-4o, MedGemma, Llama, Qwen, Claude, Gemini, DeepSeek, reasoning models),
    which scored 69% to 99% before any change for them, the rest in clinicians' voices from Italy, Korea, West
    Africa, Eastern Europe, the Netherlands and Scandinavia, the Philippines, Turkey, the UK, India, Australia,
    Germany, France, Spain, Brazil and North America, some written half in their own language, which scored 45% to
    95%; so the floor for test results sits below stop 36's (96%). The issue's goal, 98%, is not met."""
    cases, _, scored = agreement
    tuning = [item for item in scored if not item.row.held_out]
    present = [item for item in tuning if not item.row.absent]
    matched = sum(item.outcome == "matched" for item in present)
    assert matched / len(present) >= 0.935
    assert sum(item.outcome == "wrong test" for item in present) <= 0.016 * len(present)
    test_results = [item for item in present if _asks_for_test_results(item.row, cases)]
    assert sum(item.outcome == "matched" for item in test_results) / len(test_results) >= 0.958
    medqa = [item for item in present if item.row.case.startswith("medqa-ext:")]
    examination = [item for item in medqa if not _asks_for_test_results(item.row, cases)]
    assert sum(item.outcome == "matched" for item in examination) / len(examination) >= 0.897
    absent = [item for item in scored if item.row.absent]
    wrong = [item for item in absent if item.outcome == "wrong test"]
    # Another test's result for a test the case lacks: none of stop 36's 7,472 absent rows, but 14 of the 9,743 once
    # stop 37's sets joined, where the reader of stop 37's start answers 18 (a blood gas with the serum bicarbonate, a
    # basic metabolic panel with the serum glucose taken at a lumbar puncture, '24h proteinuria' with the dipstick's
    # protein: those no longer). Left: 'total protein' with the urine's protein, 'urine hCG' with the serum's,
    # 'cytogenetics of bone marrow' with the aspirate, 'BAER' with the audiometry. Not yet 0. Stop 38's sets add two
    # a reader could not tell apart: 'VEMP' answered with the case's vestibular function tests, and 'CMP' (to an
    # Australian registrar calcium, magnesium and phosphate) with a US comprehensive metabolic panel; and one more
    # 'caloric testing' with the vestibular tests. Stop 38 fixed a blood gas answered with a chemistry sheet's
    # bicarbonate, 'Imaging - MRI Brain' with all the imaging, and 'CBC with eosinophil count' with the urine's.
    # Stop 39's sets (rounds 118 to 129) add two more of a kind already here: otoacoustic emissions and an auditory
    # brainstem response answered with the case's audiology report, and a tagged 'Urine hCG' with the serum's;
    # stop 39 fixed cytogenetics and FISH on the marrow (the aspirate), S-100/Melan-A stains on a biopsy, and a
    # crystal analysis of a joint fluid that reports only its cells and Gram stain. One more is a label dispute:
    # a capillary gas answered with a gas reporting the PaO2, which one writer labels absent (an adult) and others
    # accept (a neonate's capillary gas, case 96). Rounds 138 to 141 add two: 'CD4 %' answered with the CD4 count,
    # and 'Fasting serum gastrin - multiple ulcers plus hypercalcaemia, ?MEN1' (no gastrin in the case) with the
    # calcium its reason names. Stop 40's sets (rounds 146 to 153) add two more the reader of the stop's start
    # answers the same way: a 'urine pregnancy test' with the serum beta-hCG (the kind of 'urine hCG' above), and a
    # culture of a contact lens's case and solution with the corneal scraping's culture (the solution is a qualifier
    # word). One is a label dispute: 'proctoscopy' (a proctoscope is the British anoscope), answered with case 10's
    # anoscopy, which one writer labels absent and three others label the anoscopy. Stop 40 fixed 'HIV serology'
    # answered with a serology that reports only another antibody. Round 162 adds 'X-ray right shoulder', answered
    # with case 27's radiographs, which name no side (the writer knew from the history it was the left shoulder).
    # Round 169 adds a label dispute: 'Free T3' answered with case 137's thyroid function tests, reported whole as
    # 'Within normal limits' (a panel's member answers with the panel the case reports whole; another writer of the
    # same stop labels 'TSH' that way). The last sets (rounds 170 to 173) add two the start-of-stop reader answers the
    # same way: 'Can I get an A1c? glucose was up', where the second sentence, a finding, is read as a request for the
    # glucose, and another 'urine pregnancy test' with the serum beta-hCG.
    assert len([item for item in wrong if not _answered_from_the_examination(item, cases)]) <= 28
    # An examination request for a part or sign the examination does not speak of ('nails' where the skin
    # examination describes the arms, 'auscultate for a renal bruit' where it reports the bowel sounds) is still
    # answered with the examination that would have reported it, in a few rows the writers label absent (48 of
    # 4,286 when stop 33 ended; 78 of 5,020 once stop 34 joined the examination sets of rounds 37, 39 and 40,
    # whose writers label 'rebound tenderness' absent where the palpation reports generalised tenderness, 'right
    # shoulder' absent where the shoulder examination names no side, and 'feel for a spleen' absent where the
    # palpation does not mention one; the reader of stop 34's start answers the same 17 of round 40's absent rows).
    # Stop 35's writers (rounds 42 to 47) label more such signs absent ('murmur with Valsalva', 'track marks on the
    # arms' where the skin examination does not say them): 103 of 5,905 absent rows are answered from the
    # examination, where the reader of stop 35's start answers 99 of the same rows. With stop 36's test-results sets
    # (rounds 48 to 65), 106 of 7,473 absent rows are answered, all from the examination; with stop 37's (rounds 66
    # to 89), 122 of 9,743, 14 of them with a test's result (above).
    assert len(wrong) <= 0.018 * len(absent)


def _answered_from_the_examination(item, cases: dict[str, Case]) -> bool:
    """A MedQA-Ext or demo row answered only from the case's examination tree (NEJM cases hold tests there)."""
    case = cases[item.row.case]
    return case.dataset != "nejm-ext" and all(path.split(" > ")[0] in case.exam for path in item.given)


def _asks_for_test_results(row, cases: dict[str, Case]) -> bool:
    """A MedQA-Ext row whose labels all lie in the case's test tree."""
    if not row.case.startswith("medqa-ext:"):
        return False
    tests = cases[row.case].tests
    return all(label.split(">")[0].strip() in tests for label in row.expected.split(" | "))


def test_the_lookup_never_reads_the_diagnosis_field() -> None:
    case = DEMO["demo:2"]
    lookup = LookupMeasurement(case)
    record = [*walk(case.exam), *walk(case.tests)]
    assert {node.path for node in record} <= {finding.node.path for finding in lookup.findings}
    assert all(case.diagnosis not in " ".join(node.path) for node in lookup.nodes)


def test_name_table_is_read_once() -> None:
    assert name_table() is name_table()


def test_lookups_of_a_case_share_its_findings_and_a_changed_case_gets_its_own() -> None:
    case = DEMO["demo:2"]
    first, later = LookupMeasurement(case), LookupMeasurement(case, missing="unavailable")
    assert later.findings is first.findings  # built once for the case, whatever the missing-result policy
    assert later.result_text("lipase") == first.result_text("lipase")
    assert later.result_text("troponin T") != first.result_text("troponin T")  # each keeps its own policy
    changed = case.model_copy(update={"tests": {"Lipase": "98 U/L"}})
    other = LookupMeasurement(changed)
    assert other.findings is not first.findings
    assert "98 U/L" in other.result_text("serum lipase")


# --- regions within regions, imaging that names no region, and how requests are worded ------------------


def test_a_part_is_answered_by_the_examination_of_the_region_that_holds_it() -> None:
    lookup = LookupMeasurement(_case({}, exam={"Musculoskeletal_Examination": "Effusion of the right knee"}))
    assert _paths(lookup, "knee exam") == ["Musculoskeletal_Examination"]
    assert _paths(lookup, "examination of the knee") == ["Musculoskeletal_Examination"]
    assert _paths(lookup, "knee X-ray") == []  # imaging is never answered by an examination


def test_a_broader_region_never_answers_with_another_part_of_it() -> None:
    lookup = LookupMeasurement(_case({"MRI_Lumbar_Spine": "Disc herniation at L4-L5", "CT_Abdomen": "Pancreatic mass"}))
    assert _paths(lookup, "MRI cervical spine") == []
    assert _paths(lookup, "CT of the pancreas") == ["CT_Abdomen"]
    assert _paths(lookup, "MRI lumbar spine") == ["MRI_Lumbar_Spine"]


def test_the_containment_rows_are_closed_upwards_nearest_first() -> None:
    table = name_table()
    assert table.within["knee"][:2] == ("joint", "leg")
    assert "musculoskeletal" in table.within["knee"]
    assert table.within["lip"][0] == "mouth" and "head" in table.within["lip"]
    twice = [
        NameEntry(term="knee", concept="leg", kind="within", source="x"),
        NameEntry(term="knee", concept="joint", kind="within", source="y"),
    ]
    with pytest.raises(ValueError, match="placed twice"):
        build_name_table(twice)


def test_imaging_that_names_no_region_answers_only_for_regions_the_case_is_about() -> None:
    exam = {"Shoulder_Examination": {"Palpation": "Tender over the joint"}}
    lookup = LookupMeasurement(_case({"Radiographs": {"AP": "Normal", "Axillary": "Normal"}}, exam=exam))
    assert _paths(lookup, "X-ray of the shoulder") == ["Radiographs"]
    assert _paths(lookup, "x-ray") == ["Radiographs"]
    assert _paths(lookup, "hip X-ray") == []
    assert _paths(lookup, "knee radiograph") == []


@pytest.mark.parametrize(
    "request_text",
    [
        "Can we get a serum lipase?",
        "I'd like to order a lipase level",
        "Let's check the lipase",
        "Lipase to rule out pancreatitis",
        "Lipase - to check for pancreatitis",
        "serum lipase: to evaluate for pancreatitis",
    ],
)
def test_the_words_asking_for_a_test_and_the_reason_are_not_part_of_its_name(request_text: str) -> None:
    lookup = LookupMeasurement(_case({"Lipase": "2,140 U/L", "Amylase": "98 U/L"}, diagnosis="Acute pancreatitis"))
    assert _paths(lookup, request_text) == ["Lipase"]


def test_a_gloss_naming_some_members_asks_for_those_and_one_naming_all_asks_for_the_panel() -> None:
    lft = {"ALT": "142 U/L", "AST": "118 U/L", "Total_Bilirubin": "1.3 mg/dL"}
    iron = {"Serum_Ferritin": "8 ng/mL", "Serum_Iron": "30 ug/dL", "TIBC": "450 ug/dL", "Transferrin_Saturation": "6%"}
    lookup = LookupMeasurement(_case({"Liver_Function_Tests": lft, "Iron_Studies": iron}))
    assert _paths(lookup, "Liver enzymes (AST/ALT)") == ["Liver_Function_Tests > ALT", "Liver_Function_Tests > AST"]
    assert _paths(lookup, "Liver enzymes") == ["Liver_Function_Tests"]
    assert _paths(lookup, "Iron studies (ferritin, iron, TIBC)") == ["Iron_Studies"]


def test_a_word_shared_by_two_requested_tests_is_read_into_both() -> None:
    serum = {"Bilirubin_Total": "7 mg/dL", "Direct_Bilirubin": "0.6 mg/dL"}
    lookup = LookupMeasurement(_case({"Serum_Studies": serum}))
    both = ["Serum_Studies > Bilirubin_Total", "Serum_Studies > Direct_Bilirubin"]
    assert _paths(lookup, "Total and direct bilirubin") == both
    assert _paths(lookup, "fractionated bilirubin") == both
    assert _paths(lookup, "direct bilirubin") == ["Serum_Studies > Direct_Bilirubin"]


def test_a_sign_is_found_in_an_examination_written_as_a_list() -> None:
    exam = {"Knee_Examination": {"Special_Tests": ["McMurray test negative", "Lachman test negative"]}}
    lookup = LookupMeasurement(_case({}, exam=exam))
    assert _paths(lookup, "McMurray test") == ["Knee_Examination > Special_Tests"]
    assert _paths(lookup, "Lachman") == ["Knee_Examination > Special_Tests"]


def test_small_wording_variants_of_common_requests() -> None:
    tests = {
        "Anoscopy": "Internal hemorrhoids",
        "Complete_Blood_Count": {"WBC": "14,000/mm3", "Platelets": "250,000/mm3"},
        "Pregnancy_Test": "Negative",
        "Metabolic_Panel": {"Calcium": "9.1 mg/dL"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Anoscopic examination") == ["Anoscopy"]
    assert _paths(lookup, "WBC ct") == ["Complete_Blood_Count > WBC"]
    assert _paths(lookup, "plt ct") == ["Complete_Blood_Count > Platelets"]
    assert _paths(lookup, "urine pregnancy test") == ["Pregnancy_Test"]
    assert _paths(lookup, "Ionized calcium") == []  # another measurement than the total calcium held
    assert _paths(lookup, "calcium") == ["Metabolic_Panel > Calcium"]


def test_a_sample_from_a_region_is_never_answered_by_its_examination(shared_data: Path) -> None:
    """medqa-ext:21 holds a right-knee arthrocentesis and a musculoskeletal examination: a left-knee one is
    absent (it was answered with the examination, through the region that holds the knee). The examination reports
    the right knee, the left ankle and the left Achilles tendon by name, so it holds no left knee either."""
    reader = LookupMeasurement(load_cases("medqa-ext", shared_data)[21])
    assert [node.path for node in reader.find_all("right knee arthrocentesis")] == [("Arthrocentesis_of_Right_Knee",)]
    assert reader.find_all("left knee arthrocentesis") == ()
    assert reader.find_all("left knee exam") == ()
    assert [node.path for node in reader.find_all("left ankle exam")] == [("Musculoskeletal_Examination", "Left_Ankle")]


def test_an_unknown_word_naming_the_site_is_read_as_the_tests_site() -> None:
    lookup = LookupMeasurement(_case({"Direct_Immunofluorescence": "Linear IgG along the basement membrane"}))
    assert _paths(lookup, "direct immunofluorescence of perilesional skin") == ["Direct_Immunofluorescence"]
    assert _paths(lookup, "direct immunofluorescence from perilesional skin") == ["Direct_Immunofluorescence"]


def test_an_unknown_word_naming_the_test_itself_is_never_dropped() -> None:
    lookup = LookupMeasurement(
        _case({"Serology": {"Coccidioides_Antibodies": "Positive"}, "Complete_Blood_Count": {"Platelets": "250"}})
    )
    for request in ("Strongyloides serology", "serology for strongyloides", "platelet aggregation studies"):
        assert _paths(lookup, request) == [], request


def test_a_test_written_whole_inside_a_results_text_is_found() -> None:
    lookup = LookupMeasurement(
        _case({"Complete_Blood_Count": {"Platelets": "700,000", "Other_Findings": "Blood smear shows big platelets."}})
    )
    assert _paths(lookup, "blood smear") == ["Complete_Blood_Count > Other_Findings"]
    assert _paths(lookup, "bone marrow smear") == []


def test_a_test_a_lab_sheets_text_names_is_found_but_not_inside_another_tests_result() -> None:
    text = (
        "Laboratory studies: - Platelet count 45,000 per cubic millimeter. - Sodium 131 mmol/L\n"
        "Skin biopsy: atypical lymphocytes within the dermis. Magnesium sulfate was given 1.0 mg."
    )
    lookup = LookupMeasurement(_case({}, exam={"Physical_Exams": text}))
    assert _paths(lookup, "platelet count") == ["Physical_Exams > Laboratory studies"]
    assert _paths(lookup, "lymphocyte count") == []  # the biopsy's cells are no count
    assert _paths(lookup, "serum magnesium") == []  # 'mg' after a number is a unit


def test_imaging_is_found_in_a_text_only_where_the_text_names_the_imaging() -> None:
    lookup = LookupMeasurement(
        _case(
            {"Pelvic_X-ray": {"Findings": "Fracture of the femoral neck."}},
            exam={"Physical_Exams": "The patient underwent a chest radiograph."},
        )
    )
    assert _paths(lookup, "chest x-ray") == ["Physical_Exams"]
    assert _paths(lookup, "x-ray of the neck") == []


def test_order_entry_shorthand_is_read_as_clinicians_mean_it() -> None:
    tests = {
        "Urinalysis": {"Osmolality": "250 mOsm/kg"},
        "Complete_Blood_Count": {"WBC": "9,000/mm3", "Platelets": "250,000/mm3"},
        "Joint_Aspiration_Left_Wrist": {"Analysis": {"WBC": "60,000/mm3", "Gram_Stain": "Gram-positive cocci"}},
        "Thyroid_Function_Tests": "Normal",
        "X-Ray_Left_Wrist": "Soft-tissue swelling, no fracture",
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Osmolality, serum") == []  # only the urine osmolality is held
    assert _paths(lookup, "Osmolality, urine") == ["Urinalysis > Osmolality"]
    assert _paths(lookup, "CBC w/o diff") == ["Complete_Blood_Count"]
    assert _paths(lookup, "CBC with platelet count") == ["Complete_Blood_Count"]
    # parts of the aspiration named with it ask for the aspiration, as 'CBC with platelet count' asks for the CBC
    assert _paths(lookup, "arthrocentesis L wrist w/ cell count and Gram stain") == ["Joint_Aspiration_Left_Wrist"]
    assert _paths(lookup, "Gram stain of the wrist aspirate") == ["Joint_Aspiration_Left_Wrist > Analysis > Gram_Stain"]
    assert _paths(lookup, "Free T4") == ["Thyroid_Function_Tests"]
    assert _paths(lookup, "XR wrist left 3 views") == ["X-Ray_Left_Wrist"]
    assert _paths(lookup, "XR wrist right 3 views") == []


def test_skin_biopsy_techniques_and_the_lesion_sampled() -> None:
    lookup = LookupMeasurement(_case({"Skin_Biopsy": {"Findings": "Interface dermatitis"}}))
    for request in ("Punch biopsy of a depigmented patch", "Shave biopsy of the lesion on the left hand"):
        assert _paths(lookup, request) == ["Skin_Biopsy"], request
    assert _paths(lookup, "liver biopsy") == []


def test_a_named_manoeuvre_is_answered_by_the_kind_of_test_the_case_reports() -> None:
    exam = {
        "Neurological_Examination": {"Coordination_Tests": "Dysmetria on the left", "Positional_Testing": "Negative"},
    }
    lookup = LookupMeasurement(_case({"Autonomic_Testing": "Orthostatic intolerance"}, exam=exam))
    assert _paths(lookup, "finger-to-nose testing") == ["Neurological_Examination > Coordination_Tests"]
    assert _paths(lookup, "Dix-Hallpike") == ["Neurological_Examination > Positional_Testing"]
    assert _paths(lookup, "tilt table test") == ["Autonomic_Testing"]
    held = LookupMeasurement(_case({}, exam={"Neurological_Examination": {"Finger_to_Nose": "Intention tremor"}}))
    assert _paths(held, "coordination testing") == ["Neurological_Examination > Finger_to_Nose"]
    cerebellar = LookupMeasurement(_case({}, exam={"Cerebellar_Examination": {"Finger_to_Nose": "Intention tremor"}}))
    assert _paths(cerebellar, "coordination testing") == [
        "Cerebellar_Examination"
    ]  # the cerebellar exam is of coordination
    assert _paths(held, "heel-to-shin") == []  # another coordination test than the one held


def test_an_examination_asked_with_the_sign_it_looks_for() -> None:
    exam = {"Abdominal_Examination": {"Palpation": "Liver edge 3 cm below the costal margin", "Auscultation": "Bruit"}}
    lookup = LookupMeasurement(_case({}, exam=exam))
    assert _paths(lookup, "Palpate the abdomen for hepatosplenomegaly") == ["Abdominal_Examination > Palpation"]
    assert _paths(lookup, "listen for an abdominal bruit") == ["Abdominal_Examination > Auscultation"]
    assert _paths(lookup, "PCR for HSV") == []


def test_how_long_a_recording_runs_is_no_part_of_its_name() -> None:
    lookup = LookupMeasurement(_case({"Actigraphy": "Delayed sleep onset", "Sleep_Diary": "Bedtime 2 am"}))
    assert _paths(lookup, "Wrist actigraphy over two weeks") == ["Actigraphy"]
    assert _paths(lookup, "two-week sleep diary") == ["Sleep_Diary"]


def test_a_reflex_order_and_a_differential_ask_for_every_result_they_name() -> None:
    tests = {
        "Thyroid_Function_Tests": {"TSH": "0.1 mU/L", "Free_T4": "3.1 ng/dL"},
        "Complete_Blood_Count": {"White_Blood_Cell_Count": "10,200/mm3", "Neutrophils": "70%", "Lymphocytes": "30%"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "TSH w/ reflex FT4") == ["Thyroid_Function_Tests > TSH", "Thyroid_Function_Tests > Free_T4"]
    differential = ["Complete_Blood_Count > Neutrophils", "Complete_Blood_Count > Lymphocytes"]
    assert _paths(lookup, "differential") == differential
    assert _paths(lookup, "ankle reflexes") == []  # 'reflex' still names the examination's reflexes


def test_a_broader_request_finds_a_result_named_with_words_the_table_does_not_know() -> None:
    lookup = LookupMeasurement(_case({"Skin_Biopsy_of_Psoriatic_Patch": "Parakeratosis", "Inhibin_B": "Low"}))
    assert _paths(lookup, "skin biopsy") == ["Skin_Biopsy_of_Psoriatic_Patch"]
    assert _paths(lookup, "inhibin") == ["Inhibin_B"]
    assert _paths(lookup, "liver biopsy") == []


def test_a_gloss_answers_when_the_words_before_it_name_nothing() -> None:
    lookup = LookupMeasurement(_case({"Laboratory_Studies": {"Mean_Corpuscular_Volume": "72 fL"}}))
    assert _paths(lookup, "red cell size (MCV)") == ["Laboratory_Studies > Mean_Corpuscular_Volume"]


def test_an_imaging_order_written_modality_first_then_site_is_one_study() -> None:
    lookup = LookupMeasurement(_case({"X-ray_Left_Hip": "Flattened femoral head"}))
    assert _paths(lookup, "Radiograph, left hip") == ["X-ray_Left_Hip"]
    assert _paths(lookup, "Radiograph, right hip") == []


def test_a_serology_finds_the_antibody_class_the_case_reports_but_not_another_class() -> None:
    lookup = LookupMeasurement(_case({"Laboratory_Studies": {"Toxoplasma_gondii_IgG": "Positive"}}))
    assert _paths(lookup, "toxo serology") == ["Laboratory_Studies > Toxoplasma_gondii_IgG"]
    assert _paths(lookup, "toxoplasma IgM") == []
    assert _paths(lookup, "day 21 serum progesterone") == []


def test_a_panel_finds_members_stating_no_specimen_beside_one_stating_blood() -> None:
    tests = {"Lab_Work": {"Serum_Glucose": "90 mg/dL", "Creatinine": "0.9 mg/dL", "Electrolytes": "Normal"}}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Basic metabolic panel") == [
        "Lab_Work > Serum_Glucose",
        "Lab_Work > Creatinine",
        "Lab_Work > Electrolytes",
    ]


def test_a_test_asked_with_what_it_should_show_in_unknown_words() -> None:
    tests = {
        "Peripheral_Blood_Smear": {"Findings": "Schistocytes"},
        "Serology": {"Coccidioides_Antibodies": "Positive"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "blood film for fragments") == ["Peripheral_Blood_Smear"]
    assert _paths(lookup, "serology for strongyloides") == []


def test_a_timed_urine_answers_a_plain_request_but_not_the_reverse() -> None:
    spot = LookupMeasurement(_case({"Urinalysis": {"Protein": "4+"}}))
    assert _paths(spot, "urine protein") == ["Urinalysis > Protein"]
    assert _paths(spot, "24-hour urine protein") == []
    timed = LookupMeasurement(_case({"Urinalysis": {"Urinary_Calcium_Excretion": "450 mg/24 h"}}))
    assert _paths(timed, "urine calcium") == ["Urinalysis > Urinary_Calcium_Excretion"]
    assert _paths(timed, "24 hr urine calcium") == ["Urinalysis > Urinary_Calcium_Excretion"]


def test_imaging_naming_no_side_is_of_the_one_side_its_report_names() -> None:
    tests = {"Doppler_Ultrasound_Lower_Limb": {"Findings": "Venous reflux in the deep veins of the right leg"}}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "right leg venous Doppler") == ["Doppler_Ultrasound_Lower_Limb"]
    assert _paths(lookup, "left leg venous Doppler") == []


def test_a_biopsy_asked_with_what_it_should_show_finds_its_one_report() -> None:
    lookup = LookupMeasurement(_case({"Rectal_Biopsy": {"Histopathology": "Absent ganglion cells"}}))
    assert _paths(lookup, "full-thickness rectal biopsy for ganglion cells") == ["Rectal_Biopsy"]


def test_a_panel_is_found_in_a_lab_sheets_text_by_a_member_it_names() -> None:
    text = "The laboratory examinations revealed the following: Leukocytosis; Thrombocytopenia"
    lookup = LookupMeasurement(_case({}, exam={"Physical_Exams": text}))
    assert _paths(lookup, "CBC") == ["Physical_Exams > The laboratory examinations revealed the following"]
    assert _paths(lookup, "lipid panel") == []


def test_a_pulse_named_at_a_site_is_the_pulse_examination_not_the_heart_rate() -> None:
    exam = {"Vital_Signs": {"Pulse": "88/min"}, "Neurovascular_Examination": {"Pulses": "Absent pedal pulses"}}
    lookup = LookupMeasurement(_case({}, exam=exam))
    assert "Vital_Signs > Pulse" in _paths(lookup, "pulse")
    for request in ("Palpate the pedal pulses", "dorsalis pedis and posterior tibial pulses", "peripheral pulses"):
        assert _paths(lookup, request) == ["Neurovascular_Examination > Pulses"], request


def test_requests_written_as_a_question_or_with_a_bracketed_gloss() -> None:
    tests = {"Chest_X-ray": "Clear lungs", "Spirometry": {"FEV1": "70%", "FVC": "85%", "DLCO": "60%"}}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Has he had a chest film?") == ["Chest_X-ray"]
    assert _paths(lookup, "Spirometry [FEV1, FVC]") == ["Spirometry > FEV1", "Spirometry > FVC"]
    assert _paths(lookup, "Lung volumes [FEV1, FVC]") == ["Spirometry > FEV1", "Spirometry > FVC"]
    assert _paths(lookup, "bimanual exam - cervical excitation?") == []


def test_a_study_then_its_site_after_a_comma_and_a_question_about_a_result() -> None:
    tests = {
        "Mammography": {"Findings": "Spiculated mass in the right breast"},
        "Toxicology_Screen": {"Cannabinoids": "Positive"},
        "Serum_Electrolytes": {"Sodium": "140", "Calcium": "11.9"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Diagnostic mammogram, right breast") == ["Mammography"]
    assert _paths(lookup, "Diagnostic mammogram, left breast") == []
    assert _paths(lookup, "Was the cannabis screen positive?") == ["Toxicology_Screen > Cannabinoids"]
    assert _paths(lookup, "Serum electrolytes including calcium") == ["Serum_Electrolytes"]


def test_the_simulators_own_prefix_written_into_a_request_is_no_part_of_it() -> None:
    lookup = LookupMeasurement(_case({"Abdominal_Ultrasound": "Ascites", "STI_Screen": {"Gonorrhea": "Positive"}}))
    assert _paths(lookup, "REQUEST TEST: Pelvic and Abdominal Ultrasound") == ["Abdominal_Ultrasound"]
    assert _paths(lookup, "gonococcal NAAT") == ["STI_Screen > Gonorrhea"]


def test_a_gloss_listing_tests_the_case_lacks_describes_the_panel_as_the_doctor_knows_it() -> None:
    torch = {"Rubella_IgM": "Positive", "Others": "Negative"}
    lookup = LookupMeasurement(_case({"TORCH_Screen": torch, "Radiographs": {"AP": "Normal", "Y_View": "Normal"}}))
    assert _paths(lookup, "TORCH titres [Toxoplasma, Rubella, CMV, HSV IgM]") == ["TORCH_Screen"]
    assert _paths(lookup, "Rubella IgM") == ["TORCH_Screen > Rubella_IgM"]


def test_a_question_about_what_a_test_showed_asks_for_that_test() -> None:
    tests = {"Chest_CT": "Anterior mediastinal mass", "Corneal_Scraping_Culture": "Pseudomonas aeruginosa"}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Did the CT chest show a thymoma?") == ["Chest_CT"]
    assert _paths(lookup, "What did the chest CT show?") == ["Chest_CT"]
    assert _paths(lookup, "what grew from the corneal scrape?") == ["Corneal_Scraping_Culture"]
    assert _paths(lookup, "Did the CT head show a bleed?") == []


def test_blood_reported_in_a_urinalysis_is_the_blood_in_the_urine() -> None:
    tests = {"Urinalysis": {"Protein": "Negative", "Blood": "Positive"}, "Hemoglobin": "13 g/dL"}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "blood in urine on UA") == ["Urinalysis > Blood"]
    assert _paths(lookup, "urine blood") == ["Urinalysis > Blood"]
    assert _paths(lookup, "blood count") == ["Hemoglobin"]


def test_a_smaller_panel_is_answered_by_a_larger_one_the_case_reports_whole() -> None:
    tests = {"Comprehensive_Metabolic_Panel": "Within normal limits", "Complete_Blood_Count": "Normal"}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "LFTs") == ["Comprehensive_Metabolic_Panel"]
    assert _paths(lookup, "renal panel") == ["Comprehensive_Metabolic_Panel"]
    assert _paths(lookup, "lipid panel") == []
    assert _paths(LookupMeasurement(_case({"Liver_Function_Tests": "Normal"})), "CMP") == []


def test_a_panel_member_reported_as_part_of_another_test_is_not_the_panels() -> None:
    tests = {"Complete_Blood_Count": "Normal", "Flow_Cytometry": {"Absolute_Lymphocyte_Count": "400/uL"}}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "full blood count with differential") == ["Complete_Blood_Count"]
    assert _paths(lookup, "absolute lymphocyte count") == ["Flow_Cytometry > Absolute_Lymphocyte_Count"]


def test_a_biopsy_naming_no_site_is_of_the_site_its_report_or_the_examination_names() -> None:
    exam = {"Skin_Examination": "Firm brown papule on the shin"}
    tests = {"Biopsy": {"Histopathology": "Benign proliferation of fibroblasts"}}
    lookup = LookupMeasurement(_case(tests, exam=exam))
    assert _paths(lookup, "skin biopsy") == ["Biopsy"]
    assert _paths(lookup, "biopsy of the lesion") == ["Biopsy"]
    assert _paths(lookup, "lymph node biopsy") == []


def test_a_lesion_biopsied_at_a_site_is_the_skin_there() -> None:
    lookup = LookupMeasurement(_case({"Skin_Biopsy": "Basal cell carcinoma"}))
    assert _paths(lookup, "Excisional biopsy of the forehead lesion") == ["Skin_Biopsy"]
    assert _paths(lookup, "punch biopsy, ulcer edge") == ["Skin_Biopsy"]
    assert _paths(lookup, "patch testing") == []
    assert _paths(lookup, "liver biopsy") == []


def test_words_the_table_lacks_are_dropped_only_where_the_result_says_them() -> None:
    scraping = {"Microscopy": "Septate hyphae", "Culture": "Trichophyton rubrum, a dermatophyte"}
    lookup = LookupMeasurement(_case({"Skin_Scraping": scraping, "Wound_Culture": "Staphylococcus aureus"}))
    assert _paths(lookup, "dermatophyte culture of the scraping") == ["Skin_Scraping > Culture"]
    assert _paths(lookup, "mycobacterial culture of the wound") == []


def test_a_test_named_with_of_is_read_the_other_way_round() -> None:
    panel = {"Neutrophil_Oxidative_Burst": "Absent"}
    lookup = LookupMeasurement(_case({"Immune_Function_Panel": panel}))
    burst = ["Immune_Function_Panel > Neutrophil_Oxidative_Burst"]
    assert _paths(lookup, "respiratory burst of his neutrophils") == burst


def test_clinicians_names_added_for_lung_function_genes_and_panels() -> None:
    pft = {"FEV1_FVC_Ratio": "0.62", "Total_Lung_Capacity": "120%", "Residual_Volume": "140%", "DLCO": "45%"}
    lookup = LookupMeasurement(_case({"Pulmonary_Function_Test": pft, "Genetic_Testing": "40 CAG repeats in HTT"}))
    assert _paths(lookup, "lung volumes") == [
        "Pulmonary_Function_Test > Total_Lung_Capacity",
        "Pulmonary_Function_Test > Residual_Volume",
    ]
    assert _paths(lookup, "Tiffeneau index") == ["Pulmonary_Function_Test > FEV1_FVC_Ratio"]
    assert _paths(lookup, "transfer factor for carbon monoxide") == ["Pulmonary_Function_Test > DLCO"]
    assert _paths(lookup, "huntingtin gene testing") == ["Genetic_Testing"]
    assert _paths(lookup, "HTT CAG repeat analysis") == ["Genetic_Testing"]


def test_a_vascular_study_is_of_the_vessels_its_name_or_report_states() -> None:
    veins = {"Doppler_Ultrasound_Lower_Limb": {"Findings": "Reflux in the deep venous system of the right leg"}}
    lookup = LookupMeasurement(_case(veins))
    assert _paths(lookup, "venous Doppler of the leg") == ["Doppler_Ultrasound_Lower_Limb"]
    assert _paths(lookup, "Doppler of the leg") == ["Doppler_Ultrasound_Lower_Limb"]
    assert _paths(lookup, "arterial Doppler of the leg") == []
    arteries = LookupMeasurement(_case({"Doppler_Ultrasound": "Stenosis of the femoropopliteal artery"}))
    assert _paths(arteries, "arterial Doppler") == ["Doppler_Ultrasound"]
    assert _paths(arteries, "venous duplex") == []
    gas = LookupMeasurement(_case({"Capillary_Blood_Gas": {"pH": "7.31"}}))
    assert _paths(gas, "ABG") == []
    assert _paths(gas, "blood gas") == ["Capillary_Blood_Gas"]


def test_regional_order_names_and_headings_of_order_lists() -> None:
    tests = {
        "Serum_Biochemistry": {"Creatinine": "2.1 mg/dL", "Bilirubin_Total": "3.0 mg/dL", "Bilirubin_Direct": "2.2"},
        "Complete_Blood_Count": {"Hemoglobin": "9 g/dL", "WBC": "12,000/mm3"},
        "Urinalysis": {"Protein": "2+", "WBC": "20/hpf"},
        "Sputum_Culture": "Streptococcus pneumoniae",
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "S. creatinine") == ["Serum_Biochemistry > Creatinine"]
    assert _paths(lookup, "Lab: Creatinine") == ["Serum_Biochemistry > Creatinine"]
    assert _paths(lookup, "urine R/M") == ["Urinalysis"]
    assert _paths(lookup, "urine for pus cells") == ["Urinalysis > WBC"]
    assert _paths(lookup, "FBE") == ["Complete_Blood_Count"]
    assert _paths(lookup, "SBR with split") == [
        "Serum_Biochemistry > Bilirubin_Total",
        "Serum_Biochemistry > Bilirubin_Direct",
    ]
    assert _paths(lookup, "sputum MCS") == ["Sputum_Culture"]
    assert _paths(lookup, "S. ferritin") == []


def test_a_heading_then_its_tests_and_a_time_after_the_test_are_read_as_clinicians_mean_them() -> None:
    tests = {"ESR_and_CRP": {"ESR": "40 mm/h", "CRP": "22 mg/L"}, "Chest_Radiography": "Lung re-expanded"}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Inflammatory markers: ESR & CRP") == ["ESR_and_CRP > ESR", "ESR_and_CRP > CRP"]
    assert _paths(lookup, "Chest Xray after chest tube placement") == ["Chest_Radiography"]


def test_a_cognitive_screening_instrument_is_found_only_where_the_examination_reports_it() -> None:
    exam = {"Neurological_Examination": {"Mental_Status": "Oriented x3. Mini-Mental State Examination score 28/30."}}
    lookup = LookupMeasurement(_case({}, exam=exam))
    assert _paths(lookup, "MMSE") == ["Neurological_Examination > Mental_Status"]
    assert _paths(lookup, "MoCA") == []
    assert _paths(lookup, "orientation") == ["Neurological_Examination > Mental_Status"]
    unscored = LookupMeasurement(_case({}, exam={"Mental_Status_Examination": {"Cognition": "Oriented, attentive"}}))
    assert _paths(unscored, "MMSE") == []


def test_an_examinations_observation_is_its_inspection_not_the_vital_signs() -> None:
    exam = {"Vital_Signs": {"Heart_Rate": "95/min"}, "General_Examination": {"Observation": "No acute distress"}}
    lookup = LookupMeasurement(_case({}, exam=exam))
    assert _paths(lookup, "respiratory rate") == []
    assert _paths(lookup, "general inspection") == ["General_Examination > Observation"]


def test_a_free_text_describing_the_examination_answers_the_examination_of_a_region_it_names() -> None:
    text = "It describes the physical examination findings, noting skin changes with sclerosis."
    lookup = LookupMeasurement(_case({}, exam={"Physical_Exams": text}))
    assert _paths(lookup, "Skin exam") == ["Physical_Exams"]
    assert _paths(lookup, "Eye exam") == []


def test_a_blood_pressure_lying_and_standing_is_found_only_where_the_case_took_it_so() -> None:
    postural = {"Vital_Signs": {"Blood_Pressure": {"Sitting": "130/80 mmHg", "Standing": "110/65 mmHg"}}}
    lookup = LookupMeasurement(_case({}, exam=postural))
    assert _paths(lookup, "lying and standing BP") == ["Vital_Signs > Blood_Pressure"]
    assert _paths(lookup, "orthostatic blood pressure") == ["Vital_Signs > Blood_Pressure"]
    assert _paths(lookup, "BP") == ["Vital_Signs > Blood_Pressure"]
    single = LookupMeasurement(_case({}, exam={"Vital_Signs": {"Blood_Pressure": "120/72 mm Hg"}}))
    assert _paths(single, "postural BP") == []
    assert _paths(single, "BP") == ["Vital_Signs > Blood_Pressure"]
    assert _paths(LookupMeasurement(_case({}, exam={"Pelvic_Examination": "Normal adnexa"})), "rectal exam") == []


def test_european_and_lay_names_and_questions_about_a_result() -> None:
    tests = {
        "Chest_X-Ray": "Clear lungs",
        "Serum_Chemistries": {"Sodium": "139", "Potassium": "4.1", "Urea_Nitrogen": "14", "Creatinine": "0.9"},
        "Laboratory_Tests": {"Creatine_Kinase": "4,200 U/L"},
        "Urinalysis": "No abnormality",
        "Echocardiogram": "Normal function",
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "RX thorax") == ["Chest_X-Ray"]
    assert _paths(lookup, "kidney values") == ["Serum_Chemistries > Urea_Nitrogen", "Serum_Chemistries > Creatinine"]
    assert _paths(lookup, "ionogram") == ["Serum_Chemistries > Sodium", "Serum_Chemistries > Potassium"]
    assert _paths(lookup, "is the CK up?") == ["Laboratory_Tests > Creatine_Kinase"]
    assert _paths(lookup, "pee test") == ["Urinalysis"]
    assert _paths(lookup, "cardiac sonography") == ["Echocardiogram"]
    assert _paths(lookup, "Please check a chest x-ray for cardiomegaly or pulmonary congestion") == ["Chest_X-Ray"]


def test_how_a_sample_is_guided_is_no_part_of_its_name_and_a_scan_is_never_the_examination() -> None:
    exam = {"Abdominal_Examination": {"Palpation": "Soft, non-tender abdomen"}}
    lookup = LookupMeasurement(_case({"Biopsy": {"Histopathology": "Adenocarcinoma"}}, exam=exam))
    assert _paths(lookup, "ultrasound-guided core needle biopsy") == ["Biopsy"]
    assert _paths(lookup, "scan of the tummy") == []
    assert _paths(lookup, "palpate the tummy") == ["Abdominal_Examination > Palpation"]


def test_two_words_of_one_procedure_are_read_as_that_procedure_not_as_two_tests() -> None:
    biopsy = {"Biopsy": {"Cervical_Lymph_Node": {"Findings": "CD20-positive lymphocytes"}}}
    lookup = LookupMeasurement(_case(biopsy))
    assert _paths(lookup, "bone marrow aspirate and biopsy") == []
    assert _paths(lookup, "lymph node biopsy") == ["Biopsy > Cervical_Lymph_Node"]
    marrow = LookupMeasurement(_case({"Bone_Marrow_Aspirate": {"Findings": "Hypercellular marrow"}}))
    assert _paths(marrow, "Bone Marrow Aspiration and Biopsy") == ["Bone_Marrow_Aspirate"]


def test_an_abbreviation_with_a_second_meaning_is_read_that_way_when_the_first_finds_nothing() -> None:
    lungs = LookupMeasurement(_case({"Spirometry": {"Total_Lung_Capacity": "120% predicted", "FEV1": "60%"}}))
    assert _paths(lungs, "TLC") == ["Spirometry > Total_Lung_Capacity"]
    assert _paths(lungs, "What was his TLC?") == ["Spirometry > Total_Lung_Capacity"]
    blood = LookupMeasurement(_case({"Complete_Blood_Count": {"Total_Count_WBC": "14,000/mm3"}}))
    assert _paths(blood, "TLC") == ["Complete_Blood_Count > Total_Count_WBC"]
    assert _paths(LookupMeasurement(_case({"Hemoglobin": "12 g/dL"})), "TLC") == []


def test_greek_letters_and_neck_nodes_are_read_as_clinicians_mean_them() -> None:
    tests = {"Serum_Studies": {"Gamma_Glutamyl_Transferase": "180 U/L"}, "Beta_hCG": "Negative"}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "γGT") == ["Serum_Studies > Gamma_Glutamyl_Transferase"]
    assert _paths(lookup, "serum β-hCG") == ["Beta_hCG"]
    nodes = LookupMeasurement(_case({"Biopsy": {"Cervical_Lymph_Node": {"Findings": "Reactive"}}}))
    assert _paths(nodes, "excisional biopsy of the neck node") == ["Biopsy > Cervical_Lymph_Node"]
    assert _paths(nodes, "MRI cervical spine") == []


def test_names_from_the_vocabulary_review_find_their_tests() -> None:
    tests = {
        "Complete_Blood_Count": {"Hemoglobin": "9 g/dL"},
        "Coagulation": {"APTT": "45 s"},
        "Hepatitis_Panel": {"HBsAg": "Positive"},
        "Wedge_Pressure": "22 mmHg",
        "Uric_Acid": "9.1 mg/dL",
        "Imaging": {"Renal_Ultrasound": "Bilateral hydronephrosis"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "CBP") == ["Complete_Blood_Count"]
    assert _paths(lookup, "KPTT") == ["Coagulation > APTT"]
    assert _paths(lookup, "Australia antigen") == ["Hepatitis_Panel > HBsAg"]
    assert _paths(lookup, "PAWP") == ["Wedge_Pressure"]
    assert _paths(lookup, "S. uric acid") == ["Uric_Acid"]
    assert _paths(lookup, "USG KUB") == ["Imaging > Renal_Ultrasound"]
    assert _paths(lookup, "methanol level") == []


def test_a_culture_is_of_the_kind_its_name_or_report_states() -> None:
    tests = {
        "Viral_Cultures": {"Vesicle_Fluid": {"Findings": "Herpes simplex virus isolated"}},
        "Wound_Culture": "Staphylococcus aureus grown",
        "Skin_Scraping": {"Microscopy": "Septate hyphae", "Culture": "Trichophyton rubrum"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "culture of the blister fluid") == ["Viral_Cultures > Vesicle_Fluid"]
    assert _paths(lookup, "viral culture of the wound") == []
    assert _paths(lookup, "fungal culture of the scraping") == ["Skin_Scraping > Culture"]
    assert _paths(lookup, "blood cultures") == []
    assert _paths(lookup, "fungal") == []


def test_a_lower_back_is_a_site_not_a_question_about_results_and_routine_bloods_are_the_labs() -> None:
    lookup = LookupMeasurement(_case({"MRI_Lumbar_Spine": "L4-L5 disc herniation", "Routine_Blood_Tests": "Normal"}))
    assert _paths(lookup, "MRI of the lower back") == ["MRI_Lumbar_Spine"]
    assert _paths(lookup, "Is the MRI back?") == ["MRI_Lumbar_Spine"]
    assert _paths(lookup, "routine bloods") == ["Routine_Blood_Tests"]
    lungs = LookupMeasurement(_case({"Pulmonary_Function_Test": {"DLCO": "45%"}}))
    assert _paths(lungs, "DLCO corrected for hemoglobin") == ["Pulmonary_Function_Test > DLCO"]


def test_surface_regions_and_more_regional_names() -> None:
    tests = {
        "Biopsy_Report": {"Histopathology": "Basal cell carcinoma of the forehead skin"},
        "Blood_Glucose": "54 mg/dL",
        "Urinalysis": "Protein 1+",
        "Abdominal_Ultrasonography": "Gallstones",
        "STI_Screen": {"HIV": "Negative"},
    }
    lookup = LookupMeasurement(_case(tests, exam={"Skin_Examination": "Pearly papule on the forehead"}))
    assert _paths(lookup, "skin bx forehead") == ["Biopsy_Report"]
    assert _paths(lookup, "hypocount") == ["Blood_Glucose"]
    assert _paths(lookup, "UFEME") == ["Urinalysis"]
    assert _paths(lookup, "urine dipstix") == ["Urinalysis"]
    assert _paths(lookup, "abdominal sonar") == ["Abdominal_Ultrasonography"]
    assert _paths(lookup, "RVS") == ["STI_Screen > HIV"]
    assert _paths(lookup, "CT head") == []


def test_signs_elicited_by_one_manoeuvre_find_that_part_of_the_examination() -> None:
    exam = {
        "Abdominal_Examination": {"Palpation": "Board-like rigidity, rebound tenderness"},
        "Respiratory_Examination": {"Palpation": "Increased fremitus at the right base"},
        "Neurological_Examination": {"Deep_Tendon_Reflexes": "Absent ankle jerks"},
        "Thyroid_Examination": {"Palpation": "Diffuse goitre"},
    }
    lookup = LookupMeasurement(_case({}, exam=exam))
    assert _paths(lookup, "guarding and rebound") == ["Abdominal_Examination > Palpation"]
    assert _paths(lookup, "tactile fremitus") == ["Respiratory_Examination > Palpation"]
    assert _paths(lookup, "ankle reflex") == ["Neurological_Examination > Deep_Tendon_Reflexes"]
    assert _paths(lookup, "Murphy's sign") == []


def test_a_culture_naming_no_specimen_answers_any_but_a_routine_culture_is_bacterial() -> None:
    lookup = LookupMeasurement(_case({"Viral_Cultures": {"Result": "Varicella zoster virus isolated"}}))
    assert _paths(lookup, "viral culture of vesicle fluid") == ["Viral_Cultures"]
    assert _paths(lookup, "urine culture") == []
    assert _paths(lookup, "blood cultures") == []


def test_examination_words_clinicians_use_find_their_part_of_the_examination() -> None:
    exam = {
        "Vital_Signs": {"Oxygen_Saturation": "91%"},
        "Skin_Examination": {"Inspection": "Erythematous papules on the trunk"},
        "Cardiovascular_Examination": {
            "Point_of_Maximal_Impact": "Displaced laterally",
            "Jugular_Venous_Pulse": "7 cm",
        },
        "Neurologic_Examination": {"Coordination": "Dysmetria on finger-to-nose"},
    }
    lookup = LookupMeasurement(_case({}, exam=exam))
    assert _paths(lookup, "describe the rash") == ["Skin_Examination > Inspection"]
    assert _paths(lookup, "sats on room air") == ["Vital_Signs > Oxygen_Saturation"]
    assert _paths(lookup, "apex beat") == ["Cardiovascular_Examination > Point_of_Maximal_Impact"]
    assert _paths(lookup, "JVP waveform") == ["Cardiovascular_Examination > Jugular_Venous_Pulse"]
    assert _paths(lookup, "cerebellar signs") == ["Neurologic_Examination > Coordination"]


def test_every_phrase_row_of_the_table_is_read_as_itself() -> None:
    """A row whose words another row rewrites first (a spelling of one of them) never fires: 'L spine' was read
    as the left spine while 'l' was a spelling of left, and 'leucocyte cast' could only ever be 'leukocyte cast'."""
    table = name_table()
    unread = []
    for entry in read_names():
        if entry.kind in (
            "panel",
            "within",
            "instance",
            "detail",
            "alternative",
            "spelling",
            "written",
            "finding",
            "organism",
            "default",
        ):
            continue
        spelled = tuple(table.spellings.get(word, word) for word in words_of(entry.term))
        if table.phrases.get(spelled) != entry:
            unread.append(entry.term)
    assert unread == []


def test_l_spine_is_the_lumbar_spine_and_l_alone_the_left_side() -> None:
    tests = {"MRI_Cervical_Spine": "Normal", "X-Ray_Left_Knee": "Effusion"}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "MRI L-spine") == []
    assert _paths(lookup, "XR L knee") == ["X-Ray_Left_Knee"]
    assert _paths(lookup, "XR R knee") == []


def test_a_labelled_request_file_that_cannot_be_read_is_refused_naming_its_line(tmp_path: Path) -> None:
    sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
    import lookup_agreement

    missing = tmp_path / "set.csv"
    missing.write_text("case,request\ndemo:0,troponin\n", encoding="utf-8")
    with pytest.raises(lookup_agreement.RequestsError, match=r"set\.csv:2: expected"):
        lookup_agreement.read_requests(missing)
    unknown = tmp_path / "other.csv"
    unknown.write_text("case,request,expected\ndemo:99,troponin,absent\n", encoding="utf-8")
    with pytest.raises(lookup_agreement.RequestsError, match=r"other\.csv:2: no case 'demo:99'"):
        lookup_agreement.read_requests(unknown, {"demo:0": DEMO["demo:0"]})
    with pytest.raises(lookup_agreement.RequestsError, match="nope.csv"):
        lookup_agreement.read_requests(tmp_path / "nope.csv")


def test_fractions_named_after_their_analyte_are_each_read_with_it() -> None:
    liver = {"Liver_Function_Tests": {"Bilirubin_Total": "3.1 mg/dL", "Bilirubin_Direct": "2.4 mg/dL", "ALT": "40 U/L"}}
    lookup = LookupMeasurement(_case(liver))
    both = ["Liver_Function_Tests > Bilirubin_Total", "Liver_Function_Tests > Bilirubin_Direct"]
    assert _paths(lookup, "Bilirubin, total and direct") == both
    assert _paths(lookup, "bilirubin, total and conjugated") == both
    assert _paths(lookup, "bilirubin") == both
    assert _paths(lookup, "conjugated bilirubin") == ["Liver_Function_Tests > Bilirubin_Direct"]
    assert _paths(lookup, "indirect bilirubin") == []


def test_blood_in_the_urine_is_the_urinalysis_blood_or_its_red_cells() -> None:
    dipstick = LookupMeasurement(_case({"Urinalysis": {"Blood": "3+", "Protein": "Negative"}}))
    sediment = LookupMeasurement(_case({"Urinalysis": {"RBC": "25/hpf", "Protein": "Negative"}}))
    for request in ("blood in the urine?", "blood on urine dipstick", "is there blood in her urine", "hematuria"):
        assert _paths(dipstick, request) == ["Urinalysis > Blood"], request
        assert _paths(sediment, request) == ["Urinalysis > RBC"], request
    assert _paths(sediment, "urine red blood cells per high-power field") == ["Urinalysis > RBC"]
    assert _paths(LookupMeasurement(_case({"Complete_Blood_Count": {"RBC": "4.1"}})), "blood in the urine") == []
    named = LookupMeasurement(_case({"Urine_Tests": {"Blood_in_Urine": "2+"}}))
    assert _paths(named, "blood in the urine") == ["Urine_Tests > Blood_in_Urine"]


def test_a_marrow_trephine_is_not_the_aspirate_and_a_profile_is_a_panel() -> None:
    marrow = LookupMeasurement(_case({"Bone_Marrow_Aspirate": {"Findings": "Hypercellular marrow"}}))
    assert _paths(marrow, "bone marrow biopsy") == ["Bone_Marrow_Aspirate"]
    assert _paths(marrow, "bone marrow trephine biopsy") == []
    assert _paths(marrow, "trephine biopsy") == []
    chemistry = LookupMeasurement(_case({"Comprehensive_Metabolic_Panel": "Within normal limits"}))
    assert _paths(chemistry, "complete metabolic profile") == ["Comprehensive_Metabolic_Panel"]
    labs = LookupMeasurement(_case({"Basic_Labs": {"Blood_Glucose_Level": "Elevated"}}))
    assert _paths(labs, "routine blood work") == ["Basic_Labs"]
    differential = LookupMeasurement(_case({"Complete_Blood_Count": {"Differential_count": "Lymphocytes 60%"}}))
    assert _paths(differential, "manual diff") == ["Complete_Blood_Count > Differential_count"]


def test_a_mucosal_biopsy_is_of_the_organ_its_report_names() -> None:
    biopsy = {"Mucosal_Biopsy": {"Findings": "Colonic crypts with neutrophilic infiltrates."}}
    lookup = LookupMeasurement(_case(biopsy))
    for request in ("colon biopsy", "bowel biopsy", "histology of colon biopsy", "mucosal biopsy"):
        assert _paths(lookup, request) == ["Mucosal_Biopsy"], request
    assert _paths(lookup, "gastric biopsy") == []
    assert _paths(lookup, "skin biopsy") == []


def test_a_test_run_on_a_sample_is_that_test_where_the_case_reports_it_apart() -> None:
    tests = {"Direct_Immunofluorescence": {"Findings": "Linear IgG along the basement membrane."}}
    lookup = LookupMeasurement(_case(tests))
    for request in (
        "direct IF of perilesional skin biopsy",
        "Direct immunofluorescence of a perilesional skin biopsy",
        "punch biopsy of the skin for direct immunofluorescence",
        "direct IF on the biopsy",
    ):
        assert _paths(lookup, request) == ["Direct_Immunofluorescence"], request
    assert _paths(lookup, "skin biopsy") == []
    assert _paths(lookup, "culture of the skin biopsy") == []


def test_the_mothers_result_is_the_maternal_one_else_the_patients_own() -> None:
    groups = {"Additional_Tests": {"Maternal_Blood_Group": "O positive", "Fetal_Blood_Group": "A positive"}}
    lookup = LookupMeasurement(_case(groups))
    for request in ("maternal ABO type", "mother's blood type", "mum's blood group"):
        assert _paths(lookup, request) == ["Additional_Tests > Maternal_Blood_Group"], request
    vitals = LookupMeasurement(_case({"Vital_Signs": {"Pulse": "88/min", "Blood_Pressure": "150/95 mmHg"}}))
    assert _paths(vitals, "maternal pulse and BP") == ["Vital_Signs > Pulse", "Vital_Signs > Blood_Pressure"]
    assert _paths(vitals, "fetal heart rate") == []


def test_imaging_or_a_repeat_is_the_tests_result_not_the_examinations_mention() -> None:
    exam = {
        "Vital_Signs": {"Blood_Pressure": "90/60 mmHg", "Heart_Rate": "141/min"},
        "Abdominal_Examination": {"FAST": "Negative"},
    }
    tests = {
        "Focused_Assessment_with_Sonography_in_Trauma": {"Findings": "Negative"},
        "Vital_Signs_Trend": {"Blood_Pressure": ["Initial: 90/60", "After 5 mins: 70/40"], "Heart_Rate": ["160/min"]},
    }
    lookup = LookupMeasurement(_case(tests, exam))
    assert _paths(lookup, "Bedside FAST ultrasound") == ["Focused_Assessment_with_Sonography_in_Trauma"]
    assert _paths(lookup, "repeat blood pressure") == ["Vital_Signs_Trend > Blood_Pressure"]
    assert _paths(lookup, "heart rate trend") == ["Vital_Signs_Trend > Heart_Rate"]
    assert _paths(lookup, "blood pressure") == ["Vital_Signs > Blood_Pressure", "Vital_Signs_Trend > Blood_Pressure"]


def test_an_instrument_named_with_its_kind_finds_the_result_of_that_instrument() -> None:
    screens = {"Screening_Tests": {"Depression_Screening": "Low score", "ADHD_Screening": "Not consistent with ADHD"}}
    lookup = LookupMeasurement(_case(screens))
    assert _paths(lookup, "Vanderbilt ADHD rating scales") == ["Screening_Tests > ADHD_Screening"]
    assert _paths(lookup, "ADHD rating scale") == ["Screening_Tests > ADHD_Screening"]
    assert _paths(lookup, "anxiety rating scale") == []


def test_a_scraping_reported_whole_answers_its_microscopy_and_named_regions_of_skin() -> None:
    scraping = LookupMeasurement(_case({"Skin_Scraping": {"Findings": "No mites or eggs seen."}}))
    for request in ("Skin Scraping Microscopy", "mineral oil prep of a burrow", "mineral oil prep"):
        assert _paths(scraping, request) == ["Skin_Scraping"], request
    assert _paths(scraping, "skin scraping culture") == []
    urine = LookupMeasurement(_case({"Urinalysis": {"Protein": "1+", "Blood": "Negative"}}))
    assert _paths(urine, "urine albumin") == ["Urinalysis > Protein"]
    assert _paths(urine, "urine NAAT for chlamydia") == []


def test_a_transabdominal_scan_and_limb_pressures_compared() -> None:
    scan = {"Imaging": {"Abdominal_Ultrasound": {"Findings": "Normal uterus and ovaries."}}}
    imaging = LookupMeasurement(_case(scan))
    assert _paths(imaging, "transabdominal ultrasound") == ["Imaging > Abdominal_Ultrasound"]
    assert _paths(imaging, "transvaginal ultrasound") == []
    pressures = LookupMeasurement(_case({"Blood_Pressure_Differential": {"Upper_Extremities": "150/80 mm Hg"}}))
    assert _paths(pressures, "arm and leg BP comparison") == ["Blood_Pressure_Differential"]


def test_a_result_asked_for_on_the_test_that_reports_it_is_that_part_of_it() -> None:
    tests = {
        "Complete_Blood_Count": {"Hb": "10 g/dL", "Differential_count": {"Neutrophiles": "70%", "Lymphocytes": "25%"}},
        "CSF_Analysis": {"Glucose": "20 mg/dL", "Protein": "150 mg/dL"},
        "Serum_Chemistry": {"Glucose": "110 mg/dL"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "What were the lymphocytes on the diff?") == [
        "Complete_Blood_Count > Differential_count > Lymphocytes"
    ]
    assert _paths(lookup, "glucose in the CSF") == ["CSF_Analysis > Glucose"]
    assert _paths(lookup, "platelets on the CBC") == []


def test_names_of_immune_function_tests_read_as_clinicians_write_them() -> None:
    tests = {
        "Nitroblue Tetrazolium Test (NBT)": {"Result": "Abnormal"},
        "Immune_Function_Panel": {"Neutrophil_Oxidative_Burst": {"Activity": "Decreased"}},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "nitroblue tetrazolium slide test") == ["Nitroblue Tetrazolium Test (NBT)"]
    assert _paths(lookup, "dihydrorhodamine flow cytometry") == ["Immune_Function_Panel > Neutrophil_Oxidative_Burst"]


def test_a_count_with_its_differential_is_the_count_and_the_differential_the_case_holds() -> None:
    count_only = LookupMeasurement(_case({"Complete_Blood_Count": {"WBC": "Elevated", "Hemoglobin": "Normal"}}))
    assert _paths(count_only, "WBC with differential") == ["Complete_Blood_Count > WBC"]
    both = {"Complete_Blood_Count": {"Total_White_Blood_Cell_Count": "10,200/mm3", "Neutrophils": "70%"}}
    assert _paths(LookupMeasurement(_case(both)), "WBC with differential") == [
        "Complete_Blood_Count > Total_White_Blood_Cell_Count",
        "Complete_Blood_Count > Neutrophils",
    ]


def test_hepatitis_b_markers_answer_hepatitis_b_and_a_method_after_by_is_no_part_of_the_name() -> None:
    markers = {"Infectious_Disease_Testing": {"Hepatitis_B_Surface_Antigen": "Positive", "Hepatitis_C_Antibody": "Neg"}}
    lookup = LookupMeasurement(_case(markers))
    assert _paths(lookup, "hepatitis B") == ["Infectious_Disease_Testing > Hepatitis_B_Surface_Antigen"]
    assert _paths(lookup, "HBsAg") == ["Infectious_Disease_Testing > Hepatitis_B_Surface_Antigen"]
    assert _paths(lookup, "hepatitis B core antibody") == []
    screen = LookupMeasurement(_case({"STD_Panel": {"HBV": "Negative", "HIV": "Negative"}}))
    assert _paths(screen, "HBsAg") == ["STD_Panel > HBV"]
    ana = LookupMeasurement(_case({"Blood_Work": {"Anti-Nuclear_Antibody": "1:640, speckled"}}))
    assert _paths(ana, "ANA by IIF") == ["Blood_Work > Anti-Nuclear_Antibody"]
    assert _paths(ana, "anti-dsDNA by ELISA") == []


def test_chem_7_holds_no_calcium_and_u_and_e_no_bicarbonate() -> None:
    panel = {
        "Serum": {
            "Na": "140",
            "K": "4.0",
            "Cl": "100",
            "HCO3": "24",
            "BUN": "10",
            "Creatinine": "0.9",
            "Glucose": "90",
            "Ca2": "9.5",
        }
    }
    lookup = LookupMeasurement(_case(panel))
    assert "Serum > Ca2" not in _paths(lookup, "Chem 7")
    assert len(_paths(lookup, "Chem 7")) == 7
    assert _paths(lookup, "U&Es") == ["Serum > Na", "Serum > K", "Serum > BUN", "Serum > Creatinine"]


def test_a_size_a_method_after_via_and_more_reasons_are_no_part_of_a_tests_name() -> None:
    tests = {
        "Skin_Biopsy": {"Microscopic_Examination": "Absence of melanocytes."},
        "Echocardiogram": {"Findings": "Transposition of the great arteries."},
        "Blood_Tests": {"Pulmonary_Capillary_Wedge_Pressure": "24 mm Hg"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "4 mm punch bx from the edge of a lesion") == ["Skin_Biopsy"]
    assert _paths(lookup, "Transthoracic echocardiogram to define the cardiac anatomy") == ["Echocardiogram"]
    assert _paths(lookup, "Pulmonary capillary wedge pressure via Swan-Ganz catheter") == [
        "Blood_Tests > Pulmonary_Capillary_Wedge_Pressure"
    ]
    assert _paths(lookup, "cardiac output via Swan-Ganz catheter") == []


def test_a_sample_taken_is_never_imaging_of_the_place_it_is_taken_from() -> None:
    tests = {
        "X-Ray_Right_Knee": {"Findings": "Joint space narrowing"},
        "Pelvic_Ultrasound": {"Postvoid_Residual": "25 mL"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "knee aspiration for synovial fluid analysis") == []
    assert _paths(lookup, "knee aspiration") == []
    assert _paths(lookup, "knee x-ray") == ["X-Ray_Right_Knee"]
    assert _paths(lookup, "post-void residual volume") == ["Pelvic_Ultrasound > Postvoid_Residual"]


def test_protocols_gradients_paired_samples_and_an_upper_gi_series_by_name() -> None:
    tests = {
        "MRI_Brain": {"Findings": "Hippocampal sclerosis"},
        "Blood_Pressure_Differential": {"Upper_Extremities": "150/80 mm Hg"},
        "Barium_Swallow": {"Findings": "Bird's beak"},
        "Lumbar_Puncture": {"CSF_Glucose": "20 mg/dL", "Serum_Glucose": "100 mg/dL"},
    }
    lookup = LookupMeasurement(_case(tests, {"Abdominal_Examination": {"Palpation": "Soft"}}))
    assert _paths(lookup, "epilepsy protocol MRI of the brain with contrast") == ["MRI_Brain"]
    assert _paths(lookup, "arm-leg BP gradient") == ["Blood_Pressure_Differential"]
    assert _paths(lookup, "upper GI contrast study") == ["Barium_Swallow"]
    assert _paths(lookup, "paired blood glucose") == ["Lumbar_Puncture > Serum_Glucose"]
    assert _paths(lookup, "CT Abdomen and Pelvis with IV Contrast (Pancreatic Protocol)") == []


def test_a_swab_of_a_vesicle_samples_the_vesicle_fluid() -> None:
    tests = {"Vesicle_Fluid_PCR": {"VZV DNA": "Detected"}, "Viral_Cultures": {"Vesicle_Fluid": "HSV-1 isolated"}}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "VZV PCR from a vesicle swab") == ["Vesicle_Fluid_PCR"]
    assert _paths(lookup, "viral culture of the vesicles") == ["Viral_Cultures > Vesicle_Fluid"]
    assert _paths(lookup, "VZV PCR of CSF") == []


def test_a_culture_of_a_skin_site_is_the_culture_of_the_sample_taken_from_the_skin() -> None:
    wound = LookupMeasurement(_case({"Wound_Culture": {"Findings": "No growth of pathogenic bacteria"}}))
    assert _paths(wound, "culture of the ulcer") == ["Wound_Culture"]
    assert _paths(wound, "Aerobic bacterial culture of the ulcer") == ["Wound_Culture"]
    assert _paths(wound, "urine culture") == []
    scraping = LookupMeasurement(_case({"Skin_Scraping": {"Microscopy": "Hyphae", "Culture": "Trichophyton rubrum"}}))
    assert _paths(scraping, "Fungal culture, skin") == ["Skin_Scraping > Culture"]
    assert _paths(scraping, "fungal culture of the nail") == []


def test_rns_glycoprotein_iib_iiia_and_desmogleins_as_clinicians_and_reports_write_them() -> None:
    emg = LookupMeasurement(_case({"Electromyography": {"Findings": "Decrement with repetitive stimulation"}}))
    assert _paths(emg, "repetitive nerve stimulation study") == ["Electromyography"]
    assert _paths(emg, "nerve conduction studies with repetitive stimulation") == ["Electromyography"]
    platelets = {"Special_Test": {"ELISA_Binding_Assay": {"Findings": "Platelets deficient in GIIb/IIIa receptors."}}}
    lookup = LookupMeasurement(_case(platelets))
    assert _paths(lookup, "platelet glycoprotein IIb/IIIa assay") == ["Special_Test > ELISA_Binding_Assay > Findings"]
    assert _paths(lookup, "glycoprotein Ib assay") == []
    antibodies = LookupMeasurement(_case({"Blood_Tests": {"Autoantibodies": "Presence of desmoglein antibodies"}}))
    for request in ("anti-desmoglein 1 and 3 antibodies", "Dsg1/Dsg3 ELISA", "Dsg1 and Dsg3 ELISA"):
        assert _paths(antibodies, request) == ["Blood_Tests > Autoantibodies"], request


def test_a_radiograph_view_the_request_names_is_that_part_of_the_series() -> None:
    series = {"Radiographs": {"AP": "No fracture", "Scapular_Y": "Normal", "Axillary": "Anterior dislocation"}}
    lookup = LookupMeasurement(_case(series, {"Shoulder_Examination": {"Inspection": "Squared-off shoulder"}}))
    assert _paths(lookup, "AP shoulder film") == ["Radiographs > AP"]
    assert _paths(lookup, "shoulder x-ray AP projection") == ["Radiographs > AP"]
    assert _paths(lookup, "shoulder x-ray") == ["Radiographs"]
    assert _paths(lookup, "Shoulder x-ray series (AP, Y and axillary)") == ["Radiographs"]
    level = LookupMeasurement(_case({"Creatine_Kinase": {"Level": "12,000 U/L"}}))
    assert _paths(level, "CK level") == ["Creatine_Kinase"]


def test_the_babys_result_is_the_fetal_one_else_the_patients_own() -> None:
    groups = {"Additional_Tests": {"Maternal_Blood_Group": "O positive", "Fetal_Blood_Group": "A positive"}}
    both = LookupMeasurement(_case(groups))
    assert _paths(both, "baby's blood type") == ["Additional_Tests > Fetal_Blood_Group"]
    assert _paths(both, "infant blood group") == ["Additional_Tests > Fetal_Blood_Group"]
    child = LookupMeasurement(_case({"Serum_Studies": {"Blood_Group": "B positive"}}))
    assert _paths(child, "What's the baby's blood group?") == ["Serum_Studies > Blood_Group"]
    assert _paths(child, "baby's hearing screen") == []


def test_a_specialty_review_is_its_consultation_where_the_case_holds_one_else_the_examination() -> None:
    exam = {"Ophthalmic_Examination": {"Inspection": "Leukocoria"}}
    consult = LookupMeasurement(_case({"Ophthalmologic_Consult": {"Findings": "Congenital cataracts"}}, exam))
    for request in ("ophthalmology review", "peds ophthalmology eval", "Ophthalmology_Consultation"):
        assert _paths(consult, request) == ["Ophthalmologic_Consult"], request
    assert _paths(consult, "eye exam") == ["Ophthalmic_Examination"]
    exam_only = LookupMeasurement(_case({"Hemoglobin": "12 g/dL"}, exam))
    assert _paths(exam_only, "ophthalmology review") == ["Ophthalmic_Examination"]


def test_a_heading_list_and_a_result_sought_name_the_parts_they_list() -> None:
    labs = {"Laboratory_Studies": {"INR": "1.0", "Fibrin_Split_Products": "Negative", "Hemoglobin": "8.2 g/dL"}}
    lookup = LookupMeasurement(_case(labs))
    assert _paths(lookup, "Coagulation screen: INR and fibrin degradation products") == [
        "Laboratory_Studies > INR",
        "Laboratory_Studies > Fibrin_Split_Products",
    ]
    urine = {"Urinalysis": {"Protein": "4+", "Fatty_Casts": "Present", "RBC": "0-2/hpf"}}
    sediment = LookupMeasurement(_case(urine))
    assert _paths(sediment, "urine sediment microscopy for casts") == ["Urinalysis > Fatty_Casts"]
    assert _paths(sediment, "urine microscopy for crystals") == []
    biopsy = LookupMeasurement(_case({"Skin_Biopsy": {"Macroscopic": "Nodule", "Microscopic_Findings": "Atypia"}}))
    assert _paths(biopsy, "shave biopsy for histology") == ["Skin_Biopsy"]


def test_more_abbreviations_and_a_question_about_whether_the_patient_is_positive() -> None:
    tests = {
        "Hepatitis_Viral_Panel": {"HBsAg": "Positive", "IgM anti-HBc": "Positive"},
        "Biopsy": {"Cervical_Lymph_Node": {"Findings": "Reed-Sternberg cells"}},
        "Barium_Esophagram": {"Findings": "Upper esophageal web"},
        "Transvaginal_Ultrasound": {"Findings": "Normal ovaries"},
        "Allergy_Testing": {"Findings": "Sensitised to house dust mite"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Is he HBsAg positive?") == ["Hepatitis_Viral_Panel > HBsAg"]
    assert _paths(lookup, "cervical LN biopsy histology") == ["Biopsy > Cervical_Lymph_Node"]
    assert _paths(lookup, "Ba swallow study for dysphagia") == ["Barium_Esophagram"]
    assert _paths(lookup, "TV US") == ["Transvaginal_Ultrasound"]
    assert _paths(lookup, "allergen-specific IgE panel") == ["Allergy_Testing"]
    assert _paths(lookup, "Ba enema") == []


def test_the_first_of_two_films_the_request_names_is_that_film() -> None:
    films = {"Chest_Radiography": {"Initial_Findings": "Left pneumothorax", "Repeat_Findings": "Lung re-expanded"}}
    lookup = LookupMeasurement(_case(films))
    assert _paths(lookup, "initial chest film") == ["Chest_Radiography > Initial_Findings"]
    assert _paths(lookup, "chest x-ray") == ["Chest_Radiography"]
    eyes = LookupMeasurement(_case({"Hb": "12"}, {"Ophthalmologic_Examination": {"Eyes": "Conjunctival injection"}}))
    assert _paths(eyes, "eye exam") == ["Ophthalmologic_Examination"]


def test_a_ratio_the_case_reports_as_its_two_terms_is_both_terms() -> None:
    tests = {"Plasma_Renin_Activity": "0.2 ng/mL/h (low)", "Plasma_Aldosterone_Concentration": "25 ng/dL (high)"}
    lookup = LookupMeasurement(_case(tests))
    both = ["Plasma_Renin_Activity", "Plasma_Aldosterone_Concentration"]
    assert _paths(lookup, "aldosterone to renin ratio") == both
    assert _paths(lookup, "REQUEST TEST: Aldosterone_Renin_Ratio") == both
    assert _paths(lookup, "renin") == ["Plasma_Renin_Activity"]
    assert _paths(LookupMeasurement(_case({"TSH": "2.1 mIU/L"})), "ARR") == []


def test_pulses_are_felt_wherever_an_artery_runs_and_over_is_no_part_of_a_name() -> None:
    exam = {
        "Vital_Signs": {"Heart_Rate": "110/min"},
        "Cardiovascular_Examination": {"Pulses": "Weak and delayed femoral pulses"},
        "Abdominal_Examination": {"Auscultation": "No bruits", "Percussion": "Tympanic"},
    }
    lookup = LookupMeasurement(_case({"Hb": "12 g/dL"}, exam))
    assert _paths(lookup, "femoral pulses") == ["Cardiovascular_Examination > Pulses"]
    assert _paths(lookup, "listen over the abdomen for bruits") == ["Abdominal_Examination > Auscultation"]
    assert _paths(lookup, "percussion note over the abdomen") == ["Abdominal_Examination > Percussion"]
    assert _paths(lookup, "heart rate") == ["Vital_Signs > Heart_Rate"]


def test_range_of_movement_and_muscle_power_are_british_names_of_the_examination() -> None:
    exam = {"Musculoskeletal_Examination": {"Range_of_Motion": "Painful internal rotation"}, "Neuro": {"Power": "5/5"}}
    lookup = LookupMeasurement(_case({"Hb": "12 g/dL"}, exam))
    assert _paths(lookup, "right knee range of movement") == ["Musculoskeletal_Examination > Range_of_Motion"]
    assert _paths(lookup, "muscle power") == ["Neuro > Power"]


def test_monos_are_the_monocytes_else_mono_is_the_monospot() -> None:
    differential = LookupMeasurement(_case({"Complete_Blood_Count": {"Monocytes": "8%", "Lymphocytes": "30%"}}))
    assert _paths(differential, "monos") == ["Complete_Blood_Count > Monocytes"]
    monospot = LookupMeasurement(_case({"Monospot": "Positive", "Complete_Blood_Count": {"Lymphocytes": "60%"}}))
    assert _paths(monospot, "mono") == ["Monospot"]


def test_a_stain_of_the_aspirate_and_parts_named_normal_or_by_dermatopathology() -> None:
    tap = {"Joint_Aspiration_Left_Wrist": {"Analysis": {"Gram_Stain": "Gram-negative diplococci", "WBC": "60,000"}}}
    lookup = LookupMeasurement(_case(tap))
    assert _paths(lookup, "Gram stain of the aspirate") == ["Joint_Aspiration_Left_Wrist > Analysis > Gram_Stain"]
    electrolytes = LookupMeasurement(_case({"Laboratory_Tests": {"Serum_Electrolytes": {"Normal": "Within range"}}}))
    assert _paths(electrolytes, "sodium and potassium") == ["Laboratory_Tests > Serum_Electrolytes"]
    biopsy = LookupMeasurement(_case({"Biopsy_Report": {"Histopathology": "Basal cell carcinoma"}}))
    assert _paths(biopsy, "dermatopathology report") == ["Biopsy_Report"]


def test_an_organ_named_after_of_and_the_property_a_question_asks_for() -> None:
    scopes = LookupMeasurement(_case({"Upper_Endoscopy": {"Findings": "Gastric ulcer"}, "Colonoscopy": "Normal"}))
    assert _paths(scopes, "endoscopy of the stomach") == ["Upper_Endoscopy"]
    assert _paths(scopes, "endoscopy of the colon") == ["Colonoscopy"]
    assert _paths(LookupMeasurement(_case({"Colonoscopy": "Normal"})), "endoscopy of the stomach") == []
    urine = LookupMeasurement(_case({"Urinalysis": {"Appearance": "Dark brown", "Protein": "Negative"}}))
    assert _paths(urine, "What colour was his urine?") == ["Urinalysis > Appearance"]
    assert _paths(urine, "urine protein") == ["Urinalysis > Protein"]


def test_a_query_after_the_test_please_and_the_rhythm_of_an_ecg_are_no_part_of_its_name() -> None:
    tests = {"Chest_CT": "Anterior mediastinal mass", "Platelets": "90,000/uL", "ECG": "Atrial fibrillation"}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "CT chest ?thymoma") == ["Chest_CT"]
    assert _paths(lookup, "plt count pls") == ["Platelets"]
    assert _paths(lookup, "What was the rhythm on the ECG?") == ["ECG"]
    assert _paths(lookup, "CT head ?bleed") == []


def test_british_counts_glucose_and_fingers_as_clinicians_write_them() -> None:
    blood = {"Complete_Blood_Count": {"Total_White_Blood_Cell_Count": "14,000/uL"}, "Glucose": "3.1 mmol/L"}
    lookup = LookupMeasurement(_case(blood))
    assert _paths(lookup, "total white") == ["Complete_Blood_Count > Total_White_Blood_Cell_Count"]
    assert _paths(lookup, "total white cell count") == ["Complete_Blood_Count > Total_White_Blood_Cell_Count"]
    assert _paths(lookup, "CBG") == ["Glucose"]
    assert _paths(lookup, "fingerstick BM") == ["Glucose"]
    marrow = LookupMeasurement(_case({"Bone_Marrow_Biopsy": "Hypercellular", "Glucose": "5 mmol/L"}))
    assert _paths(marrow, "BM biopsy") == ["Bone_Marrow_Biopsy"]
    hand = LookupMeasurement(_case({"X-ray_of_the_Right_Hand": "Fracture of the fourth proximal phalanx"}))
    assert _paths(hand, "right ring finger x-ray") == ["X-ray_of_the_Right_Hand"]
    assert _paths(hand, "left ring finger x-ray") == []


def test_split_bili_a_bp_log_a_koh_wet_mount_and_behaviour_questionnaires() -> None:
    tests = {
        "Blood_Work": {"Bilirubin_Total": "12 mg/dL", "Bilirubin_Direct": "0.4 mg/dL", "Albumin": "4 g/dL"},
        "Blood_Pressure_Monitoring": "Home readings 150/95 mmHg",
        "Skin_Scraping": {"Microscopy": "Branching hyphae", "Culture": "Trichophyton"},
        "Assessment_Tools": {
            "Parent_and_Teacher_Behavioral_Checklists": "Elevated",
            "Psychological_Evaluation": "ADHD",
        },
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "split bili") == ["Blood_Work > Bilirubin_Total", "Blood_Work > Bilirubin_Direct"]
    assert _paths(lookup, "BP log") == ["Blood_Pressure_Monitoring"]
    assert _paths(lookup, "KOH wet mount of skin scraping") == ["Skin_Scraping > Microscopy"]
    assert _paths(lookup, "SDQ") == ["Assessment_Tools > Parent_and_Teacher_Behavioral_Checklists"]
    assert _paths(lookup, "formal psychology assessment") == ["Assessment_Tools > Psychological_Evaluation"]


def test_sbr_is_the_total_bilirubin_and_a_gloss_of_its_fractions_is_read_with_the_heading() -> None:
    tests = {"Blood_Work": {"Bilirubin_Total": "7 mg/dL", "Bilirubin_Direct": "0.6 mg/dL", "Hemoglobin": "17 g/dL"}}
    lookup = LookupMeasurement(_case(tests))
    both = ["Blood_Work > Bilirubin_Total", "Blood_Work > Bilirubin_Direct"]
    assert _paths(lookup, "SBR") == ["Blood_Work > Bilirubin_Total"]
    assert _paths(lookup, "SBR - total and conjugated") == both
    assert _paths(lookup, "SBR split") == both
    assert _paths(lookup, "bilirubin") == both
    only = LookupMeasurement(_case({"Liver_Function_Tests": {"Bilirubin": "2.1 mg/dL", "ALT": "40 U/L"}}))
    assert _paths(only, "SBR") == ["Liver_Function_Tests > Bilirubin"]


def test_the_jvp_is_found_where_the_examination_reports_the_jugular_veins() -> None:
    exam = {"Cardiac_Examination": {"Inspection": "Jugular venous distention", "Palpation": "No thrill"}}
    lookup = LookupMeasurement(_case({"Hb": "12 g/dL"}, exam))
    assert _paths(lookup, "JVP") == ["Cardiac_Examination > Inspection"]
    named = LookupMeasurement(_case({"Hb": "12 g/dL"}, {"Cardiovascular_Examination": {"JVP": "8 cm"}}))
    assert _paths(named, "jugular venous pressure") == ["Cardiovascular_Examination > JVP"]
    assert _paths(LookupMeasurement(_case({"Hb": "12 g/dL"}, {"Chest": {"Inspection": "Normal"}})), "JVP") == []


def test_order_entry_shorthand_u_s_and_a_lone_w_for_with() -> None:
    tests = {
        "Imaging": {"Ultrasound_Abdomen": "Gallstones"},
        "Complete_Blood_Count": {"WBC": "12,000/uL", "Differential_Count": "Neutrophilia"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "RUQ U/S") == ["Imaging > Ultrasound_Abdomen"]
    assert _paths(lookup, "U/S abdomen") == ["Imaging > Ultrasound_Abdomen"]
    assert _paths(lookup, "CBC w diff") == ["Complete_Blood_Count"]
    assert _paths(lookup, "U/S pelvis") == []


def test_south_asian_and_british_abbreviations_of_common_tests() -> None:
    tests = {
        "Peripheral_Blood_Smear": "Schistocytes",
        "Blood_Glucose": "62 mg/dL",
        "STD_Panel": {"HIV": "Negative", "HCV": "Negative"},
        "Imaging": {"MRI_Brain": "Periventricular lesions"},
        "Pulmonary_Function_Test": {"DLCO": "45% predicted", "FEV1": "80%"},
        "Urinalysis": {"Leukocyte_Esterase": "Positive", "Nitrites": "Negative"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "PS") == ["Peripheral_Blood_Smear"]
    assert _paths(lookup, "GRBS stat") == ["Blood_Glucose"]
    assert _paths(lookup, "RVD status") == ["STD_Panel > HIV"]
    assert _paths(lookup, "CEMRI brain") == ["Imaging > MRI_Brain"]
    assert _paths(lookup, "gas transfer factor") == ["Pulmonary_Function_Test > DLCO"]
    assert _paths(lookup, "leuk esterase") == ["Urinalysis > Leukocyte_Esterase"]
    assert _paths(lookup, "CEMRI spine") == []


def test_ehr_order_names_wo_both_phases_a_range_of_views_and_a_limited_study() -> None:
    tests = {
        "Brain_Imaging": {"CT_Head": "No bleed", "MRI_Brain": "Normal"},
        "Radiography_of_Spine": "Degenerative change at L4-5",
        "Imaging": {"Ultrasound_Abdomen": "Gallstones"},
        "Barium_Esophagram": "Bird's beak",
        "Urinalysis": {"Proteinuria": "2+", "Glucose": "Negative"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "CT HEAD WO CONTRAST") == ["Brain_Imaging > CT_Head"]
    assert _paths(lookup, "MRI brain w/wo gad") == ["Brain_Imaging > MRI_Brain"]
    assert _paths(lookup, "MRI brain with and without contrast") == ["Brain_Imaging > MRI_Brain"]
    assert _paths(lookup, "XR LUMBAR SPINE 2-3 VIEWS") == ["Radiography_of_Spine"]
    assert _paths(lookup, "US ABDOMEN LIMITED") == ["Imaging > Ultrasound_Abdomen"]
    assert _paths(lookup, "FL ESOPHAGRAM BARIUM") == ["Barium_Esophagram"]
    assert _paths(lookup, "Protein, urine, dipstick") == ["Urinalysis > Proteinuria"]
    assert _paths(lookup, "urine R&M") == ["Urinalysis"]
    assert _paths(lookup, "US PELVIS LIMITED") == []


def test_a_capillary_sugar_and_pipelle_sampling() -> None:
    tests = {"Blood_Tests": {"Glucose": "45 mg/dL"}, "Biopsy": {"Endometrial_Biopsy": "Simple hyperplasia"}}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "cap sugar") == ["Blood_Tests > Glucose"]
    assert _paths(lookup, "pipelle sampling of the endometrium") == ["Biopsy > Endometrial_Biopsy"]


def test_a_sample_or_kind_after_a_comma_is_read_with_the_test_before_it() -> None:
    scraping = {"Skin_Scraping": {"Microscopy": "Hyphae observed", "Culture": {"Result": "Dermatophyte grown"}}}
    lookup = LookupMeasurement(_case(scraping))
    assert _paths(lookup, "Culture, wound, aerobic") == []
    assert _paths(lookup, "Culture, skin, fungal") == ["Skin_Scraping > Culture"]
    wound = LookupMeasurement(_case({"Wound_Culture": "Staphylococcus aureus", "Blood_Culture": "No growth"}))
    assert _paths(wound, "Culture, wound") == ["Wound_Culture"]
    assert _paths(wound, "Culture, blood, aerobic") == ["Blood_Culture"]


def test_a_radiograph_asked_for_by_its_view_alone_is_a_film_of_the_site_named() -> None:
    films = {"Radiographs": {"AP": "Anterior dislocation", "Axillary": "Humeral head anterior"}}
    shoulder = LookupMeasurement(_case(films, {"Shoulder_Examination": {"Inspection": "Squared-off shoulder"}}))
    assert _paths(shoulder, "AP shoulder") == ["Radiographs > AP"]
    assert _paths(shoulder, "shoulder exam") == ["Shoulder_Examination"]
    hip = LookupMeasurement(_case({"X-ray_Left_Hip": "Normal", "X-Ray_Right_Knee": {"Findings": "Joint space loss"}}))
    assert _paths(hip, "X-Ray Left Knee [AP And Lateral]") == []
    assert _paths(hip, "weight-bearing AP and lateral radiographs of the right knee") == ["X-Ray_Right_Knee"]
    assert _paths(hip, "X-ray left hip [AP and lateral]") == ["X-ray_Left_Hip"]


def test_two_things_compared_with_vs_are_both_named() -> None:
    tests = {"Blood_Pressure_Differential": "Arms 170/100, legs 110/70", "Hb": "13 g/dL"}
    lookup = LookupMeasurement(_case(tests, {"Vital_Signs": {"Blood_Pressure_Right_Upper_Extremity": "170/100"}}))
    assert _paths(lookup, "arm vs leg BP") == ["Blood_Pressure_Differential"]
    assert _paths(lookup, "upper versus lower extremity BP comparison") == ["Blood_Pressure_Differential"]


def test_a_test_asked_for_with_what_the_case_names_no_result_for_is_the_test() -> None:
    tests = {"Peripheral_Smear": "Spherocytes", "Throat_Culture": "Group A streptococcus", "Hb": "9 g/dL"}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "PS for RBC morphology") == ["Peripheral_Smear"]
    assert _paths(lookup, "throat cx for GAS") == ["Throat_Culture"]
    assert _paths(lookup, "urine culture for GAS") == []


def test_did_it_come_back_and_european_names_of_the_blood_count_and_bladder_sonography() -> None:
    tests = {
        "Complete_Blood_Count": {"Hemoglobin": "10 g/dL", "WBC": "5,000/uL"},
        "Blood_Cultures": "No growth",
        "Pelvic_Ultrasound": {"Bladder": "Thickened wall", "Postvoid_Residual_Urine": "250 mL"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Did the full blood count come back?") == ["Complete_Blood_Count"]
    assert _paths(lookup, "Did the blood cultures grow anything?") == ["Blood_Cultures"]
    assert _paths(lookup, "differential blood count") == ["Complete_Blood_Count"]
    assert _paths(lookup, "BC") == ["Blood_Cultures"]
    assert _paths(lookup, "bladder sonography") == ["Pelvic_Ultrasound > Bladder"]
    assert _paths(lookup, "bladder scan") == []
    uterus = LookupMeasurement(_case({"Transvaginal_Ultrasound": "Fibroid uterus", "Hb": "11 g/dL"}))
    assert _paths(uterus, "TV ultrasound of the uterus") == ["Transvaginal_Ultrasound"]
    assert _paths(lookup, "Did the urine culture come back?") == []


def test_feel_is_palpation_and_eponymous_abdominal_signs_are_found_where_the_skin_is_described() -> None:
    exam = {
        "Abdominal_Examination": {
            "Inspection": "No flank or periumbilical bruising",
            "Palpation": "Epigastric tenderness",
        },
        "Hydration_Status": {"Anterior_Fontanelle": "Flat"},
    }
    lookup = LookupMeasurement(_case({"Hb": "12 g/dL"}, exam))
    assert _paths(lookup, "feel the anterior fontanelle") == ["Hydration_Status > Anterior_Fontanelle"]
    assert _paths(lookup, "feel the abdomen") == ["Abdominal_Examination > Palpation"]
    assert _paths(lookup, "look for Cullen's and Grey Turner's signs") == ["Abdominal_Examination > Inspection"]
    assert _paths(LookupMeasurement(_case({"Hb": "12 g/dL"}, {"Chest": "Clear"})), "Cullen's sign") == []


def test_everyday_examination_words_oedema_sclera_mucosa_and_growth_centiles() -> None:
    exam = {
        "Extremities": {"Inspection_and_Palpation": "Pitting oedema to the knees"},
        "General_Examination": {
            "Eyes": "Scleral icterus",
            "Growth_Parameters": "Height and weight below the 10th centile",
        },
        "Skin_Examination": {"Mucous_Membranes": "Dry"},
    }
    lookup = LookupMeasurement(_case({"Hb": "12 g/dL"}, exam))
    assert _paths(lookup, "peripheral oedema") == ["Extremities > Inspection_and_Palpation"]
    assert _paths(lookup, "check the sclera") == ["General_Examination > Eyes"]
    assert _paths(lookup, "oral mucosa") == ["Skin_Examination > Mucous_Membranes"]
    assert _paths(lookup, "Plot height and weight on a growth chart") == ["General_Examination > Growth_Parameters"]
    assert _paths(lookup, "peripheral smear") == []


def test_scheduling_words_a_result_asked_before_its_test_blood_on_the_dipstick_and_the_bone_profile() -> None:
    tests = {
        "Upper_Endoscopy": "Gastric ulcer",
        "Toxicology_Screen": {"Cocaine": "Positive", "Opiates": "Negative"},
        "Urinalysis": {"Blood": "3+", "Protein": "Negative"},
        "Laboratory_Studies": {"Total_Serum_Calcium": "12.1 mg/dL", "Sodium": "139 mEq/L"},
        "Cystoscopy": "Bladder tumour",
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Please schedule an esophagogastroduodenoscopy") == ["Upper_Endoscopy"]
    assert _paths(lookup, "Was cocaine positive on the drug screen?") == ["Toxicology_Screen > Cocaine"]
    assert _paths(lookup, "blood on dipstick") == ["Urinalysis > Blood"]
    assert _paths(lookup, "bone profile") == ["Laboratory_Studies > Total_Serum_Calcium"]
    assert _paths(lookup, "rigid cystourethroscopy") == ["Cystoscopy"]
    assert _paths(lookup, "Was amphetamine positive on the drug screen?") == []


def test_an_msu_is_sent_for_culture() -> None:
    urinalysis = LookupMeasurement(_case({"Urinalysis": {"Nitrites": "Positive", "Leukocyte_Esterase": "Positive"}}))
    assert _paths(urinalysis, "MSU") == []
    culture = LookupMeasurement(_case({"Urine_Culture": "E. coli > 10^5 CFU/mL", "Hb": "12 g/dL"}))
    assert _paths(culture, "MSU") == ["Urine_Culture"]
    assert _paths(culture, "MSU for MC&S") == ["Urine_Culture"]


def test_hepatitis_serology_is_every_hepatitis_marker_but_a_marker_is_no_panel_the_case_names() -> None:
    markers = {
        "Hepatitis_A_IgG_Antibody": "Positive",
        "Hepatitis_B_Surface_Antigen": "Positive",
        "Hepatitis_B_Envelope_Antigen": "Positive",
        "Hepatitis_C_Antibody": "Negative",
    }
    lookup = LookupMeasurement(_case({"Infectious_Disease_Testing": markers, "Hb": "12 g/dL"}))
    assert _paths(lookup, "hepatitis serology") == [f"Infectious_Disease_Testing > {name}" for name in markers]
    assert _paths(lookup, "HBsAg") == ["Infectious_Disease_Testing > Hepatitis_B_Surface_Antigen"]
    panel = LookupMeasurement(_case({"Hepatitis_Viral_Panel": "IgM anti-HAV positive", "Hb": "12 g/dL"}))
    assert _paths(panel, "HBeAg") == []


def test_a_question_after_a_dash_that_names_a_result_inside_the_test_asks_for_that_result() -> None:
    urine = {"Urinalysis": {"RBC": "20-30/hpf", "Nitrites": "Negative", "Protein": "Trace"}}
    lookup = LookupMeasurement(_case(urine, {"Pelvic_Examination": {"Bimanual": "Cervical motion tenderness"}}))
    assert _paths(lookup, "urine microscopy - any RBCs?") == ["Urinalysis > RBC"]
    assert _paths(lookup, "urine dip - nitrites?") == ["Urinalysis > Nitrites"]
    assert _paths(lookup, "bimanual exam - cervical excitation?") == ["Pelvic_Examination > Bimanual"]


def test_a_question_after_a_dash_may_ask_whether_a_result_is_raised() -> None:
    lookup = LookupMeasurement(_case({"Complete_Blood_Count": {"WBC": "18,000/uL", "Hemoglobin": "13 g/dL"}}))
    assert _paths(lookup, "Complete Blood Count - is the white count elevated?") == ["Complete_Blood_Count > WBC"]
    assert _paths(lookup, "CBC - is the WBC high?") == ["Complete_Blood_Count > WBC"]


def test_analytes_named_one_after_another_without_a_comma_are_each_asked_for() -> None:
    tests = {
        "Serum": {"Urea": "12 mmol/L", "Creatinine": "180 umol/L", "Sodium": "139 mmol/L"},
        "Plasma_Renin_Activity": "0.2 ng/mL/h",
        "Plasma_Aldosterone_Concentration": "28 ng/dL",
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "urea creatinine") == ["Serum > Urea", "Serum > Creatinine"]
    assert _paths(lookup, "renin aldosterone") == ["Plasma_Renin_Activity", "Plasma_Aldosterone_Concentration"]


def test_questions_llm_doctors_ask_about_a_result() -> None:
    tests = {
        "Blood_Cultures": "No growth after 48 hours",
        "C-peptide_level": "0.1 ng/mL",
        "MRI_Lumbar_Spine": {"Findings": "L5-S1 disc herniation impinging on the nerve root."},
        "Corneal_Scraping_Culture": "Pseudomonas aeruginosa",
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Were blood cultures drawn, and did they grow anything?") == ["Blood_Cultures"]
    assert _paths(lookup, "Is the C-peptide elevated or suppressed?") == ["C-peptide_level"]
    assert _paths(lookup, "Does the MRI show a disc herniation compressing a nerve root?") == ["MRI_Lumbar_Spine"]
    assert _paths(lookup, "What organism grew from the corneal scrapings?") == ["Corneal_Scraping_Culture"]


def test_a_fast_scan_an_anaemic_patient_rheum_factor_core_igm_and_an_rapd() -> None:
    tests = {
        "Ultrasound_Abdomen_and_Pelvis": "Free fluid in Morison's pouch",
        "Complete_Blood_Count": {"Hemoglobin": "7.9 g/dL", "WBC": "8,000/uL"},
        "Rheumatoid_Factor": "Negative",
        "Hepatitis_Viral_Panel": {"HBsAg": "Positive", "IgM anti-HBc": "Positive"},
    }
    exam = {
        "Pupillary_Light_Reflex": {"Right_Eye": "Relative afferent pupillary defect"},
        "Sensory_Examination": "Stocking-glove loss of pinprick",
    }
    lookup = LookupMeasurement(_case(tests, exam))
    assert _paths(lookup, "FAST scan") == ["Ultrasound_Abdomen_and_Pelvis"]
    assert _paths(lookup, "Is she anaemic?") == ["Complete_Blood_Count > Hemoglobin"]
    assert _paths(lookup, "rheum factor?") == ["Rheumatoid_Factor"]
    assert _paths(lookup, "hbsag + core igm") == [
        "Hepatitis_Viral_Panel > HBsAg",
        "Hepatitis_Viral_Panel > IgM anti-HBc",
    ]
    assert _paths(lookup, "Is there an RAPD in the right eye?") == ["Pupillary_Light_Reflex > Right_Eye"]
    assert _paths(lookup, "any sensory loss?") == ["Sensory_Examination"]
    with_fast = LookupMeasurement(_case({"FAST": "Negative", "Ultrasound_Abdomen": "Gallstones"}))
    assert _paths(with_fast, "FAST scan") == ["FAST"]


def test_cytogenetics_and_immunostains_are_tests_of_their_own_on_a_sample() -> None:
    tests = {
        "Bone_Marrow_Aspirate": {"Findings": "Immature cells positive for CD10, CD19 and TdT."},
        "Biopsy": {"Histopathology": "Dermatofibroma: a benign proliferation of fibroblasts."},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "cytogenetics of bone marrow") == []
    assert _paths(lookup, "Cytogenetics and FISH on bone marrow") == []
    assert _paths(lookup, "s-100 / melan-a stains on the bx?") == []
    assert _paths(lookup, "bone marrow") == ["Bone_Marrow_Aspirate"]


def test_a_test_of_a_sample_listed_before_another_test_is_not_read_as_its_qualifier() -> None:
    tests = {
        "Urinalysis": {"Nitrites": "Negative", "Leukocyte_Esterase": "Negative"},
        "Scrotal_Ultrasound": "Absent flow to the right testis",
        "Skin_Scraping": {"Microscopy": "Hyphae seen", "Culture": "Trichophyton rubrum"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Urinalysis and scrotal ultrasound") == ["Urinalysis", "Scrotal_Ultrasound"]
    assert _paths(lookup, "koh and fungal cx") == ["Skin_Scraping > Microscopy", "Skin_Scraping > Culture"]


def test_could_you_share_asks_for_the_test() -> None:
    tests = {
        "Chest_X-ray": {"Findings": "Right lower lobe consolidation"},
        "Complete_Blood_Count": {"WBC": "14,000/uL"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Could you share the CXR?") == ["Chest_X-ray"]
    assert _paths(lookup, "Could you share the white cell count?") == ["Complete_Blood_Count > WBC"]
    assert _paths(lookup, "Are the CXR results available?") == ["Chest_X-ray"]
    assert _paths(lookup, "Is the white cell count ready?") == ["Complete_Blood_Count > WBC"]
    assert _paths(lookup, "I will now order a CXR.") == ["Chest_X-ray"]
    for asked in ("I'm going to order a CXR.", "Ordering CXR.", "Do you have the CXR?", "I'd suggest a CXR."):
        assert _paths(lookup, asked) == ["Chest_X-ray"], asked
    assert _paths(lookup, "My next step is to order a CXR.") == ["Chest_X-ray"]
    assert _paths(lookup, "How does the white cell count look?") == ["Complete_Blood_Count > WBC"]


def test_antibodies_written_abs_a_tv_scan_adjusted_calcium_and_a_named_mutation() -> None:
    tests = {
        "Voltage_Gated_Calcium_Channel_Antibodies": "Positive",
        "Urine_hCG": "Positive",
        "Transvaginal_Ultrasound": "Empty uterus",
        "Serum_Chemistries": {"Ca": "2.9 mmol/L"},
        "Genetic_Testing": "JAK2 V617F detected",
        "STD_Panel": {"Syphilis": "FTA-ABS reactive"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Anti-VGCC Abs") == ["Voltage_Gated_Calcium_Channel_Antibodies"]
    assert _paths(lookup, "lambert-eaton antibody") == ["Voltage_Gated_Calcium_Channel_Antibodies"]
    assert _paths(lookup, "UPT and TV scan") == ["Urine_hCG", "Transvaginal_Ultrasound"]
    assert _paths(lookup, "adjusted Ca") == ["Serum_Chemistries > Ca"]
    assert _paths(lookup, "JAK2 V617F mutation analysis") == ["Genetic_Testing"]
    assert _paths(lookup, "FTA-ABS") == ["STD_Panel > Syphilis"]


def test_findings_stated_before_the_asking_words_are_not_read_as_the_request() -> None:
    tests = {
        "X-ray_of_the_Right_Hand": "Avulsion fracture",
        "Serum": {"Glucose": "2.1 mmol/L"},
        "Blood_Cultures": "GPC",
    }
    exam = {"Hand_Examination": {"Range_of_Motion": "Cannot flex the DIP joint"}, "Mental_Status": "Confused"}
    lookup = LookupMeasurement(_case(tests, exam))
    since = "Since the DIP is swollen and he can't flex it, I'd like plain films of the right hand."
    assert _paths(lookup, since) == ["X-ray_of_the_Right_Hand"]
    confused = "She's confused, so let's rule out hypoglycemia - what's her blood glucose?"
    assert _paths(lookup, confused) == ["Serum > Glucose"]
    assert _paths(lookup, "BCs - what's the Gram stain?") == ["Blood_Cultures"]
    unlikely = "A metabolic cause seems unlikely, but what did the x-ray of the right hand show?"
    assert _paths(lookup, unlikely) == ["X-ray_of_the_Right_Hand"]
    assert _paths(lookup, "glucose dropping?") == ["Serum > Glucose"]
    dipstick = LookupMeasurement(_case({"Urine_Tests": {"Protein": "3+", "Blood": "Negative"}}))
    assert _paths(dipstick, "How much protein is on the urine dipstick?") == ["Urine_Tests > Protein"]
    assert _paths(lookup, "Was the x-ray of the right hand consistent with a fracture?") == ["X-ray_of_the_Right_Hand"]


def test_a_crystal_analysis_is_no_answer_from_a_joint_fluid_that_reports_none() -> None:
    tests = {
        "Joint_Aspiration_Left_Wrist": {"Analysis": {"WBC": ">50,000/uL", "Gram_Stain": "Gram-negative diplococci"}}
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Please run a crystal analysis on the joint fluid.") == []
    assert _paths(lookup, "crystals in the joint fluid?") == []
    assert _paths(lookup, "joint fluid") == ["Joint_Aspiration_Left_Wrist"]


def test_a_blood_test_for_a_named_test_and_a_value_as_a_percentage_of_predicted() -> None:
    tests = {"HIV_Test": {"Result": "Negative"}, "Pulmonary_Function_Test": {"FEV1": "50% of predicted", "DLCO": "60%"}}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "blood test for HIV") == ["HIV_Test"]
    assert _paths(lookup, "HIV blood test") == ["HIV_Test"]
    assert _paths(lookup, "What is the FEV1 as a % of predicted?") == ["Pulmonary_Function_Test > FEV1"]


def test_come_back_as_what_you_have_along_with_and_cardiac_mri_written_cmri() -> None:
    tests = {
        "HIV_Test": {"Result": "Negative"},
        "Blood_Tests": {"Hemoglobin": "13 g/dL"},
        "Renal_Function_Tests": {"BUN": "30 mg/dL", "Creatinine": "2.1 mg/dL"},
        "Serum_Electrolytes": {"K+": "6.1 mmol/L"},
        "Echocardiogram": "Septal hypertrophy",
        "Cardiac_MRI": "Patchy late gadolinium enhancement",
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "What did the HIV serology come back as?") == ["HIV_Test"]
    assert _paths(lookup, "Please send the routine bloods you have.") == ["Blood_Tests"]
    along = "I'd like the urea and creatinine along with the potassium."
    assert sorted(_paths(lookup, along)) == [
        "Renal_Function_Tests > BUN",
        "Renal_Function_Tests > Creatinine",
        "Serum_Electrolytes > K+",
    ]
    assert _paths(lookup, "echo and cMRI") == ["Echocardiogram", "Cardiac_MRI"]


def test_a_test_then_a_urinalysis_after_a_comma_and_more_ways_of_asking() -> None:
    tests = {
        "Laboratory_Results": {"Serum_Albumin": "1.9 g/dL"},
        "Urinalysis": {"Protein": "4+"},
        "Complete_Blood_Count": {"WBC": "7,000/uL"},
        "Thyroid_Function_Tests": {"TSH": "0.01 mIU/L"},
        "Liver_Function_Tests": {"ALT": "40 U/L"},
        "Serum_Studies": {"Bilirubin_Total": "5 mg/dL", "Bilirubin_Direct": "4 mg/dL"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Serum albumin, Urinalysis") == ["Laboratory_Results > Serum_Albumin", "Urinalysis"]
    assert _paths(lookup, "Protein, urine, dipstick") == ["Urinalysis > Protein"]
    initial = "I'd like to order a CBC and a TSH as part of the initial workup."
    assert _paths(lookup, initial) == ["Complete_Blood_Count", "Thyroid_Function_Tests > TSH"]
    assert _paths(lookup, "How were the liver function tests?") == ["Liver_Function_Tests"]
    assert _paths(lookup, "Was her TSH checked?") == ["Thyroid_Function_Tests > TSH"]
    assert _paths(lookup, "fractionated bili") == [
        "Serum_Studies > Bilirubin_Total",
        "Serum_Studies > Bilirubin_Direct",
    ]
    glucose = LookupMeasurement(_case({"Serum_Chemistry": {"Glucose": "240 mg/dL"}}))
    assert _paths(glucose, "REQUEST TEST: HbA1c (glucose is elevated)") == []


def test_a_tagged_question_reaches_the_reader_as_a_question() -> None:
    """The consultation hands the reader the name its action grammar reads, mark and all."""
    spirometry = {"Pulmonary_Function_Tests": {"FEV1/FVC": "0.62", "DLCO": "Normal"}, "Chest_X-Ray": "Hyperinflation"}
    lookup = LookupMeasurement(_case(spirometry))
    action = parse_action("REQUEST TEST: Is there airflow obstruction on spirometry?")
    assert isinstance(action, RequestTest)
    assert _paths(lookup, action.name) == ["Pulmonary_Function_Tests"]


def test_growth_on_a_culture_add_and_compare_and_more_usual_names() -> None:
    tests = {
        "Urine_Culture": "E. coli",
        "Blood_Culture": "No growth",
        "Lactate_Dehydrogenase": "900 U/L",
        "C-peptide_level": "0.2 ng/mL",
        "Peripheral_Blood_Smear": "Schistocytes",
        "HIV_Test": "Negative",
        "Blood_Pressure_Differential": "Arms 170/100, legs 110/70",
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "any growth on the urine culture?") == ["Urine_Culture"]
    assert _paths(lookup, "can you add an LDH?") == ["Lactate_Dehydrogenase"]
    assert _paths(lookup, "can you compare arm and leg BPs?") == ["Blood_Pressure_Differential"]
    assert _paths(lookup, "connecting peptide level") == ["C-peptide_level"]
    assert _paths(lookup, "manual smear review") == ["Peripheral_Blood_Smear"]
    assert _paths(lookup, "retroviral screening") == ["HIV_Test"]
    assert _paths(lookup, "blood m/c/s") == ["Blood_Culture"]
    assert _paths(lookup, "sputum m/c/s") == []


def test_a_swab_or_scraping_is_never_the_examination_and_hpf_is_a_unit() -> None:
    exam = {"Leg_Examination": {"Skin": "Ulcer over the medial malleolus"}}
    lookup = LookupMeasurement(_case({"Urinalysis": {"WBC": "50/hpf", "RBC": "2/hpf"}}, exam))
    assert _paths(lookup, "swab of the ulcer") == []
    assert _paths(lookup, "urine WBCs per HPF") == ["Urinalysis > WBC"]
    cultured = LookupMeasurement(_case({"Wound_Culture": "Staphylococcus aureus"}, exam))
    assert _paths(cultured, "swab of the ulcer") == ["Wound_Culture"]


def test_shortenings_micro_fev1_ratio_lipogram_and_a_sugar_running() -> None:
    tests = {
        "Urinalysis": {"RBC": "25/hpf", "Protein": "Trace"},
        "Blood_Glucose": "310 mg/dL",
        "Spirometry": {"FEV1": "60%", "FEV1:FVC_Ratio": "0.62"},
        "Lipid_Profile": "LDL 190 mg/dL",
        "Skin_Biopsy": {"Microscopic_Findings": "Atypical melanocytes", "Macroscopic_Findings": "6 mm ellipse"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "urine micro for red cells") == ["Urinalysis > RBC"]
    assert _paths(lookup, "What's his sugar running?") == ["Blood_Glucose"]
    assert _paths(lookup, "What's his FEV1 ratio?") == ["Spirometry > FEV1:FVC_Ratio"]
    assert _paths(lookup, "fasting lipogram") == ["Lipid_Profile"]
    assert _paths(lookup, "microscopic description on the biopsy") == ["Skin_Biopsy > Microscopic_Findings"]
    assert _paths(lookup, "upper vs lower limb BP") == []


def test_when_a_sample_was_taken_limb_abbreviations_and_polypectomy_pathology() -> None:
    tests = {
        "Complete_Blood_Count": {"Hemoglobin": "9 g/dL"},
        "Doppler_Ultrasound_Imaging_of_the_Right_Lower_Limb": "Occluded superficial femoral artery",
        "Plasma_Aldosterone_Concentration": "30 ng/dL",
        "Colonoscopy_Report": "Pedunculated polyp removed",
        "Biopsy_Report": "Tubular adenoma",
        "TORCH_Screen": {"Rubella_IgM": "Positive", "Others": "Negative"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "CBC drawn this morning") == ["Complete_Blood_Count"]
    assert _paths(lookup, "RLE arterial Doppler") == ["Doppler_Ultrasound_Imaging_of_the_Right_Lower_Limb"]
    assert _paths(lookup, "LLE arterial Doppler") == []
    assert _paths(lookup, "aldo level") == ["Plasma_Aldosterone_Concentration"]
    assert _paths(lookup, "polypectomy pathology") == ["Biopsy_Report"]
    assert _paths(lookup, "Full colonoscopy with polypectomy") == ["Colonoscopy_Report"]
    assert _paths(lookup, "TORCH serology") == ["TORCH_Screen"]


def test_a_test_asked_for_two_results_it_reports_is_those_results_and_baseline_bloods() -> None:
    tap = {"Lumbar_Puncture": {"CSF_Opening_Pressure": "32 cm H2O", "CSF_White_Blood_Cells": "450/uL"}}
    lookup = LookupMeasurement(_case({**tap, "Complete_Blood_Count": {"White_Blood_Cell_Count": "12,000/uL"}}))
    both = ["Lumbar_Puncture > CSF_Opening_Pressure", "Lumbar_Puncture > CSF_White_Blood_Cells"]
    assert _paths(lookup, "LP for opening pressure and cell count") == both
    labs = LookupMeasurement(_case({"Basic_Labs": {"Sodium": "140 mEq/L"}}))
    assert _paths(labs, "baseline bloods") == ["Basic_Labs"]


def test_ct_ap_is_the_abdomen_and_pelvis_not_a_radiograph() -> None:
    lookup = LookupMeasurement(
        _case({"Imaging": {"Erect_Abdominal_X-ray": "Dilated loops", "CT_Abdomen_Pelvis": "SBO"}})
    )
    assert _paths(lookup, "CT AP with contrast") == ["Imaging > CT_Abdomen_Pelvis"]
    xray_only = LookupMeasurement(_case({"Imaging": {"Erect_Abdominal_X-ray": "Dilated loops"}}))
    assert _paths(xray_only, "CT AP with contrast") == []
    assert _paths(xray_only, "AP abdominal film") == ["Imaging > Erect_Abdominal_X-ray"]


def test_requests_in_sentences_snake_case_and_south_asian_report_names() -> None:
    tests = {
        "Toxicology_Screen": {"Opiates": "Positive", "Cocaine": "Negative"},
        "Tuberculin_Skin_Test": "12 mm induration",
        "Wound_Culture": "MRSA",
        "Complete_Blood_Count": {"WBC": "11,000/uL", "ESR": "80 mm/h"},
        "ECG": "Sinus rhythm",
        "Laboratory_Results": {"Total_Serum_Bilirubin": "4 mg/dL"},
        "Urinalysis": {"Protein": "Negative"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Was he positive for opiates?") == ["Toxicology_Screen > Opiates"]
    assert _paths(lookup, "Please place a Mantoux.") == ["Tuberculin_Skin_Test"]
    assert _paths(lookup, "I'd like a wound culture sent.") == ["Wound_Culture"]
    assert _paths(lookup, "Complete_Blood_Count_With_Differential") == ["Complete_Blood_Count"]
    assert _paths(lookup, "Twelve_Lead_ECG") == ["ECG"]
    assert _paths(lookup, "ESR 1st hour") == ["Complete_Blood_Count > ESR"]
    assert _paths(lookup, "T. bil") == ["Laboratory_Results > Total_Serum_Bilirubin"]
    assert _paths(lookup, "urine R/E") == ["Urinalysis"]
    assert _paths(lookup, "Was he positive for amphetamines?") == []


def test_an_echo_stating_no_approach_is_transthoracic_and_a_section_of_imaging_holds_only_its_kinds() -> None:
    lookup = LookupMeasurement(_case({"Echocardiogram": {"Findings": "Left atrial mass"}}))
    assert _paths(lookup, "TEE") == []
    assert _paths(lookup, "TTE") == ["Echocardiogram"]
    assert _paths(lookup, "echo") == ["Echocardiogram"]
    tee = LookupMeasurement(_case({"Transesophageal_Echocardiogram": "Vegetation on the mitral valve"}))
    assert _paths(tee, "TEE") == ["Transesophageal_Echocardiogram"]
    assert _paths(tee, "TTE") == []
    brain = LookupMeasurement(_case({"Brain_Imaging": {"CT_Head": "Atrophy", "MRI_Brain": "Atrophy"}}))
    assert _paths(brain, "PET brain") == []
    assert _paths(brain, "MRI brain") == ["Brain_Imaging > MRI_Brain"]
    assert _paths(brain, "brain imaging") == ["Brain_Imaging"]


def test_a_gas_reporting_the_pao2_is_no_venous_gas() -> None:
    lookup = LookupMeasurement(_case({"Blood_Gases": {"PaO2": "75 mmHg", "PaCO2": "40 mmHg", "pH": "7.42"}}))
    assert _paths(lookup, "venous blood gas") == []
    assert _paths(lookup, "ABG") == ["Blood_Gases"]
    assert _paths(lookup, "capillary blood gas") == ["Blood_Gases"]
    venous = LookupMeasurement(_case({"Blood_Gases": {"pH": "7.31", "PCO2": "50 mmHg"}}))
    assert _paths(venous, "VBG") == ["Blood_Gases"]


def test_an_examination_method_named_once_is_done_at_every_region_listed() -> None:
    exam = {"Musculoskeletal_Examination": {"Inspection": "No deformity", "Palpation": "Tender lumbar spine and hips"}}
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "palpate lower back and hips") == ["Musculoskeletal_Examination > Palpation"]
    both = ["Musculoskeletal_Examination > Inspection", "Musculoskeletal_Examination > Palpation"]
    assert _paths(lookup, "inspect and palpate the hips") == both


def test_an_examination_asked_for_by_what_it_looks_for_is_found_where_its_text_says_it() -> None:
    exam = {
        "Vital_Signs": {"Heart_Rate": "88 bpm"},
        "Neurological_Examination": {"Pupillary_Reflex": "Pupils equal but react sluggishly to light"},
        "Musculoskeletal_Examination": {"Range_of_Motion": "Crepitus noticed in knees during passive movement"},
        "Genitourinary_Examination": {"Palpation": "Cremastric reflex is absent on the right side."},
        "Skin_Examination": {"Inspection": "A scaly lesion on the scalp", "Palpation": "The lesion is not tender."},
    }
    lookup = LookupMeasurement(_case({"Serum": {"Sodium": "140 mEq/L"}}, exam))
    assert _paths(lookup, "pupils") == ["Neurological_Examination > Pupillary_Reflex"]
    assert _paths(lookup, "knee crepitus") == ["Musculoskeletal_Examination > Range_of_Motion"]
    assert _paths(lookup, "cremasteric reflex") == ["Genitourinary_Examination > Palpation"]
    assert _paths(lookup, "is the lesion tender?") == ["Skin_Examination > Palpation"]
    # The words must all be said; a test named by a near word, or the heart of the heart rate, is not.
    assert _paths(lookup, "dermatoscopy") == []
    assert _paths(lookup, "auscultate the heart") == []
    assert _paths(lookup, "lesion biopsy") == []
    assert _paths(lookup, "scalp x-ray") == []


def test_an_examination_of_one_side_or_of_named_parts_answers_no_other() -> None:
    knee = {"Knee_Examination": {"Inspection": "Mild swelling around the left knee.", "Palpation": "Tender"}}
    lookup = LookupMeasurement(_case({}, knee))
    assert _paths(lookup, "R knee") == []
    assert _paths(lookup, "left knee exam") == ["Knee_Examination"]
    parts = {"Musculoskeletal_Examination": {"Right_Knee": "Swollen, warm", "Left_Wrist": "Tender"}}
    limbs = LookupMeasurement(_case({}, parts))
    assert _paths(limbs, "L knee") == []
    assert _paths(limbs, "left leg exam") == []
    assert _paths(limbs, "R knee") == ["Musculoskeletal_Examination > Right_Knee"]
    assert _paths(limbs, "joint exam") == ["Musculoskeletal_Examination"]
    whole = LookupMeasurement(_case({}, {"Musculoskeletal_Examination": {"Inspection": "Swollen right knee"}}))
    assert _paths(whole, "hip exam") == ["Musculoskeletal_Examination"]


def test_an_llm_doctors_polite_requests_and_ward_words_for_the_vital_signs() -> None:
    exam = {
        "Vital_Signs": {"Temperature": "38.9 C", "Heart_Rate": "118 bpm", "Blood_Pressure": "90/60 mmHg"},
        "Back_Examination": "Tender lumbar spine",
    }
    lookup = LookupMeasurement(_case({"Complete_Blood_Count": {"WBC": "15,000/uL"}}, exam))
    assert _paths(lookup, "Please give me his vital signs.") == ["Vital_Signs"]
    assert _paths(lookup, "Please give me a full set of observations.") == ["Vital_Signs"]
    assert _paths(lookup, "Could you tell me his blood pressure?") == ["Vital_Signs > Blood_Pressure"]
    assert _paths(lookup, "I would like to know her blood pressure, please.") == ["Vital_Signs > Blood_Pressure"]
    assert _paths(lookup, "Is he febrile?") == ["Vital_Signs > Temperature"]
    assert _paths(lookup, "Tmax") == ["Vital_Signs > Temperature"]
    assert _paths(lookup, "Is she tachycardic?") == ["Vital_Signs > Heart_Rate"]
    assert _paths(lookup, "Please examine the back.") == ["Back_Examination"]
    assert _paths(lookup, "Is the CBC back?") == ["Complete_Blood_Count"]


def test_observations_organ_enlargement_and_a_pulse_rate_are_read_as_the_ward_reads_them() -> None:
    exam = {
        "Vital_Signs": {"Heart_Rate": "96 bpm", "Temperature": "37 C"},
        "Abdominal_Examination": {"Inspection": "Distended", "Palpation": "Spleen tip palpable"},
        "Peripheral_Examination": {"Pulses": "Dorsalis pedis pulses weak"},
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "Observations") == ["Vital_Signs"]
    assert _paths(lookup, "Please give me his observations.") == ["Vital_Signs"]
    assert _paths(lookup, "Any hepatosplenomegaly?") == ["Abdominal_Examination > Palpation"]
    assert _paths(lookup, "Pulse rate") == ["Vital_Signs > Heart_Rate"]
    assert _paths(lookup, "dorsalis pedis pulses") == ["Peripheral_Examination > Pulses"]
    assert _paths(lookup, "observation of the abdomen") == ["Abdominal_Examination > Inspection"]


def test_how_the_patient_looks_walks_and_whether_the_chest_is_clear() -> None:
    exam = {
        "General_Examination": {"Appearance": "Thin, unwell", "Gait_Assessment": "Broad-based gait"},
        "Chest_Examination": {"Auscultation": "Clear breath sounds", "Percussion": "Resonant"},
        "Abdominal_Examination": {"Palpation": "Tender in the right iliac fossa"},
        "Neurological_Examination": {"Motor_Exam": "Power 5/5 in all limbs"},
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "How does he look?") == ["General_Examination > Appearance"]
    assert _paths(lookup, "Does she look pale?") == ["General_Examination > Appearance"]
    assert _paths(lookup, "watch her walk") == ["General_Examination > Gait_Assessment"]
    assert _paths(lookup, "Chest clear?") == ["Chest_Examination > Auscultation"]
    assert _paths(lookup, "tender on palpation?") == ["Abdominal_Examination > Palpation"]
    assert _paths(lookup, "Power in all four limbs") == ["Neurological_Examination > Motor_Exam"]
    assert _paths(lookup, "How does the CT look?") == []


def test_sounds_heard_signs_felt_and_seen_and_ward_abbreviations_find_their_examination() -> None:
    exam = {
        "Chest_Examination": {"Auscultation": "Coarse crackles at the right base", "Inspection": "No distension"},
        "Cardiovascular_Examination": {"Auscultation": "Soft systolic murmur"},
        "Abdominal_Examination": {"Inspection": "Visible distension", "Palpation": "Liver edge 2 cm below margin"},
        "Neurological_Examination": {"Mental_Status": "Drowsy, GCS 13"},
        "Ophthalmologic_Examination": {"Visual_Acuity": {"Right_Eye": "6/9", "Left_Eye": "6/6"}},
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "Any crackles or wheeze?") == ["Chest_Examination > Auscultation"]
    assert _paths(lookup, "auscultate for murmur") == ["Cardiovascular_Examination > Auscultation"]
    assert _paths(lookup, "Palpable liver?") == ["Abdominal_Examination > Palpation"]
    assert _paths(lookup, "visible abdominal distension?") == ["Abdominal_Examination > Inspection"]
    assert _paths(lookup, "Conscious level") == ["Neurological_Examination > Mental_Status"]
    assert _paths(lookup, "VA right eye") == ["Ophthalmologic_Examination > Visual_Acuity > Right_Eye"]
    assert _paths(lookup, "CV exam") == ["Cardiovascular_Examination"]


def test_vital_signs_within_normal_limits_answer_for_each_and_sensation_is_named_as_tested() -> None:
    exam = {
        "Vital_Signs": {"Within_Normal_Limits": True},
        "Neurological_Examination": {"Sensation": {"Vibration": "Present", "Joint_Position": "Absent"}},
        "Leg_Examination": {"Palpation": "Pitting edema to the knees"},
        "Mouth_Examination": {"Inspection": "Dry mucosa"},
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "BP") == ["Vital_Signs"]
    assert _paths(lookup, "Proprioception") == ["Neurological_Examination > Sensation > Joint_Position"]
    assert _paths(lookup, "Vibration sense with tuning fork") == ["Neurological_Examination > Sensation > Vibration"]
    assert _paths(lookup, "pitting oedema?") == ["Leg_Examination > Palpation"]
    assert _paths(lookup, "look in the mouth") == ["Mouth_Examination > Inspection"]


def test_a_question_of_alternatives_and_the_pupils_and_heart_sounds_by_their_usual_names() -> None:
    exam = {
        "Abdominal_Examination": {"Inspection": "Abdomen distended", "Palpation": "Soft, non-tender"},
        "Eye_Examination": {"Direct_Pupillary_Reflex": "Brisk", "Accommodation": "Normal"},
        "Cardiovascular_Examination": {"Auscultation": {"S4": "Present"}},
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "Is the abdomen distended or tense?") == ["Abdominal_Examination > Inspection"]
    assert _paths(lookup, "Is the abdomen rigid or guarded?") == []
    assert _paths(lookup, "Pupillary light reflex") == ["Eye_Examination > Direct_Pupillary_Reflex"]
    assert _paths(lookup, "Are the pupils reactive to light?") == ["Eye_Examination > Direct_Pupillary_Reflex"]
    assert _paths(lookup, "Accommodation reflex") == ["Eye_Examination > Accommodation"]
    assert _paths(lookup, "Fourth heart sound") == ["Cardiovascular_Examination > Auscultation > S4"]


def test_indian_and_british_ward_names_of_the_examination() -> None:
    exam = {
        "Vital_Signs": {"Temperature": "37.9 C", "Respiratory_Rate": "24/min"},
        "General_Examination": {"Appearance": "Pale"},
        "Abdominal_Examination": {"Inspection": "Distended", "Palpation": "Spleen palpable 3 cm"},
        "Respiratory_Examination": {"Inspection": "Subcostal recession", "Auscultation": "Reduced air entry"},
        "Neurological_Examination": {
            "Mental_Status": "Oriented",
            "Cranial_Nerves": "Intact",
            "Reflexes": "Biceps and knee jerks brisk",
        },
        "Pelvic_Examination": {"Speculum": "Closed os", "Bimanual": "Uterus bulky"},
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "CNS examination") == ["Neurological_Examination"]
    assert _paths(lookup, "CNs") == ["Neurological_Examination > Cranial_Nerves"]
    assert _paths(lookup, "RS examination") == ["Respiratory_Examination"]
    assert _paths(lookup, "RS: air entry, added sounds") == ["Respiratory_Examination > Auscultation"]
    assert _paths(lookup, "P/A examination") == ["Abdominal_Examination"]
    assert _paths(lookup, "Per speculum") == ["Pelvic_Examination > Speculum"]
    assert _paths(lookup, "GPE") == ["General_Examination"]
    assert _paths(lookup, "Higher mental functions") == ["Neurological_Examination > Mental_Status"]
    assert _paths(lookup, "knee jerks") == ["Neurological_Examination > Reflexes"]
    assert _paths(lookup, "Any organomegaly") == ["Abdominal_Examination > Palpation"]
    assert _paths(lookup, "HSM") == ["Abdominal_Examination > Palpation"]
    assert _paths(lookup, "Record the vitals") == ["Vital_Signs"]
    assert _paths(lookup, "Let me see the vitals") == ["Vital_Signs"]
    assert _paths(lookup, "Axillary temperature") == ["Vital_Signs > Temperature"]
    assert _paths(lookup, "RR per min") == ["Vital_Signs > Respiratory_Rate"]
    assert _paths(lookup, "Chest retractions") == ["Respiratory_Examination > Inspection"]


def test_a_family_doctors_plain_questions_about_the_vital_signs_and_glands() -> None:
    exam = {
        "Vital_Signs": {"Temperature": "38.4 C", "Heart_Rate": "104 bpm", "Respiratory_Rate": "22/min"},
        "Neck_Examination": {"Lymph_Nodes": "Tender cervical lymphadenopathy"},
        "Abdominal_Examination": {"Percussion": "Liver span 14 cm"},
    }
    lookup = LookupMeasurement(_case({"Ultrasound_Neck": "Enlarged thyroid"}, exam))
    assert _paths(lookup, "How fast is he breathing?") == ["Vital_Signs > Respiratory_Rate"]
    assert _paths(lookup, "Can you count his breaths per minute?") == ["Vital_Signs > Respiratory_Rate"]
    assert _paths(lookup, "How fast is the pulse?") == ["Vital_Signs > Heart_Rate"]
    assert _paths(lookup, "Is his heart racing?") == ["Vital_Signs > Heart_Rate"]
    assert _paths(lookup, "Is there a fever?") == ["Vital_Signs > Temperature"]
    assert _paths(lookup, "Is he running a temperature?") == ["Vital_Signs > Temperature"]
    assert _paths(lookup, "Any swollen glands in his neck?") == ["Neck_Examination > Lymph_Nodes"]
    assert _paths(lookup, "Liver span") == ["Abdominal_Examination > Percussion"]
    assert _paths(lookup, "ultrasound of the thyroid gland") == ["Ultrasound_Neck"]
    assert _paths(lookup, "Basic observations") == ["Vital_Signs"]


def test_what_a_part_looks_like_a_pulse_rate_per_minute_and_a_mood_asked_plainly() -> None:
    exam = {
        "Vital_Signs": {"Heart_Rate": "96 bpm"},
        "Skin_Examination": {"Inspection": "Vesicles on an erythematous base", "Palpation": "Warm"},
        "Mental_Status_Examination": {"Mood": "Low", "Thought_Process": "Linear"},
        "Respiratory_Examination": {"Auscultation": "Clear"},
    }
    lookup = LookupMeasurement(_case({"Chest_X-Ray": "Clear lungs"}, exam))
    assert _paths(lookup, "What does the rash look like?") == ["Skin_Examination > Inspection"]
    assert _paths(lookup, "How does the chest x-ray look?") == ["Chest_X-Ray"]
    assert _paths(lookup, "PR per minute") == ["Vital_Signs > Heart_Rate"]
    assert _paths(lookup, "PR/min") == ["Vital_Signs > Heart_Rate"]
    assert _paths(lookup, "What's his mood like?") == ["Mental_Status_Examination > Mood"]
    assert _paths(lookup, "Are his lungs clear?") == ["Respiratory_Examination > Auscultation"]


def test_a_heart_rate_asked_plainly_is_the_vital_signs_count_not_the_pulses_felt() -> None:
    exam = {
        "Vital_Signs": {"Heart_Rate": "110 bpm", "Blood_Pressure": "88/50 mmHg"},
        "Peripheral_Examination": {"Pulses": "Weak pedal pulses"},
        "Neurological_Examination": {"Cranial_Nerves": "Intact"},
    }
    tests = {"Vital_Signs_Trend": {"Blood_Pressure": "100/60 mmHg after fluids"}, "MRI_Brain": "Normal"}
    lookup = LookupMeasurement(_case(tests, exam))
    assert _paths(lookup, "HR") == ["Vital_Signs > Heart_Rate"]
    assert _paths(lookup, "peripheral pulses") == ["Peripheral_Examination > Pulses"]
    assert _paths(lookup, "repeat blood pressure") == ["Vital_Signs_Trend > Blood_Pressure"]
    assert _paths(lookup, "Cranial nerves") == ["Neurological_Examination > Cranial_Nerves"]
    assert _paths(lookup, "CN exam") == ["Neurological_Examination > Cranial_Nerves"]
    no_nerves = LookupMeasurement(_case({"MRI_Brain": "Normal"}, {"Vital_Signs": {"Heart_Rate": "80 bpm"}}))
    assert _paths(no_nerves, "Cranial nerves") == []


def test_questions_asked_one_after_another_are_each_answered() -> None:
    exam = {"Abdominal_Examination": {"Inspection": "Not distended", "Palpation": "Tender, with guarding"}}
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "Is her belly tender? Any guarding?") == ["Abdominal_Examination > Palpation"]
    assert _paths(lookup, "tender? peritonism?") == ["Abdominal_Examination > Palpation"]
    both = ["Abdominal_Examination > Inspection", "Abdominal_Examination > Palpation"]
    assert _paths(lookup, "Distended? Tender?") == both
    assert _paths(lookup, "Any murmur? Any bruit?") == []


def test_tenderness_at_a_point_over_a_bone_or_along_the_joint_line_is_felt_on_palpation() -> None:
    exam = {"Knee_Examination": {"Inspection": "Swollen", "Palpation": "Medial joint line tender"}}
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "joint line tenderness") == ["Knee_Examination > Palpation"]
    assert _paths(lookup, "point tenderness?") == ["Knee_Examination > Palpation"]
    assert _paths(lookup, "bony tenderness") == ["Knee_Examination > Palpation"]


def test_an_examination_heading_with_a_part_it_lacks_is_no_answer() -> None:
    exam = {
        "Vital_Signs": {"Heart_Rate": "80 bpm", "Blood_Pressure": "120/80 mmHg"},
        "Neurological_Examination": {"Motor": "5/5", "Sensation": "Intact"},
    }
    lookup = LookupMeasurement(_case({"MRI_Cervical_Spine": "Syrinx"}, exam))
    assert _paths(lookup, "Vitals: SpO2") == []
    assert _paths(lookup, "Vitals: BP") == ["Vital_Signs > Blood_Pressure"]
    assert _paths(lookup, "Neuro exam - reflexes") == []
    assert _paths(lookup, "Neuro exam - sensation") == ["Neurological_Examination > Sensation"]
    assert _paths(lookup, "Exam: spine - tenderness") == []


def test_ward_shorthand_for_the_vital_signs_and_lay_words_for_looking_listening_and_glands() -> None:
    exam = {
        "Vital_Signs": {"Temperature": "37.2 C", "Heart_Rate": "90 bpm", "Blood_Pressure": "150/90 mmHg"},
        "Neurological_Examination": {"Mental_Status": "Alert and oriented", "Cranial_Nerves": "Intact"},
        "Skin_Examination": {"Inspection": "Maculopapular rash"},
        "Respiratory_Examination": {"Auscultation": "Clear"},
        "Neck_Examination": {"Lymph_Nodes": "Shotty cervical nodes"},
        "Abdominal_Examination": {"Percussion": "Shifting dullness present"},
    }
    lookup = LookupMeasurement(_case({"Thyroid_Ultrasound": "Normal gland"}, exam))
    assert _paths(lookup, "manual BP") == ["Vital_Signs > Blood_Pressure"]
    assert _paths(lookup, "recheck BP") == ["Vital_Signs > Blood_Pressure"]
    assert _paths(lookup, "oral temp") == ["Vital_Signs > Temperature"]
    assert _paths(lookup, "apical pulse") == ["Vital_Signs > Heart_Rate"]
    assert _paths(lookup, "HR on the monitor") == ["Vital_Signs > Heart_Rate"]
    assert _paths(lookup, "oriented x3?") == ["Neurological_Examination > Mental_Status"]
    assert _paths(lookup, "CN II-XII") == ["Neurological_Examination > Cranial_Nerves"]
    assert _paths(lookup, "have a look at the rash") == ["Skin_Examination > Inspection"]
    assert _paths(lookup, "have a listen to his chest") == ["Respiratory_Examination > Auscultation"]
    assert _paths(lookup, "check the glands") == ["Neck_Examination > Lymph_Nodes"]
    assert _paths(lookup, "thyroid gland ultrasound") == ["Thyroid_Ultrasound"]
    assert _paths(lookup, "shifting dullness") == ["Abdominal_Examination > Percussion"]


def test_skin_lesions_genitalia_and_named_tendon_reflexes_find_their_examination() -> None:
    exam = {
        "Dermatological_Examination": {"Inspection": "Tense bullae in the axillae", "Palpation": "Nikolsky negative"},
        "Genitourinary_Examination": {"Inspection": "Normal external genitalia"},
        "Neurological_Examination": {"Reflexes": {"Upper_Extremities": "2+", "Lower_Extremities": "Absent"}},
    }
    lookup = LookupMeasurement(_case({"Skin_Biopsy": {"Histopathology": "Subepidermal blister"}}, exam))
    assert _paths(lookup, "Inspect the axillary blisters") == ["Dermatological_Examination > Inspection"]
    assert _paths(lookup, "Inspect the external genitalia") == ["Genitourinary_Examination > Inspection"]
    assert _paths(lookup, "Biceps reflex") == ["Neurological_Examination > Reflexes > Upper_Extremities"]
    assert _paths(lookup, "histology of the blister") == ["Skin_Biopsy"]


def test_light_touch_eye_movements_and_jaundice_by_their_usual_names() -> None:
    exam = {
        "General_Examination": {"Scleral_Icterus": "Present"},
        "Neurological_Examination": {"Sensation": "Reduced to light touch", "Eye_Movements": "Full"},
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "sensation to light touch") == ["Neurological_Examination > Sensation"]
    assert _paths(lookup, "Extraocular movements") == ["Neurological_Examination > Eye_Movements"]
    assert _paths(lookup, "Is he jaundiced?") == ["General_Examination > Scleral_Icterus"]


def test_a_part_of_the_body_named_alone_asks_for_its_examination_not_its_imaging() -> None:
    exam = {"Neurological_Examination": {"Fontanelle": "Bulging"}}
    lookup = LookupMeasurement(
        _case({"Brain_Imaging": "Cerebral oedema", "Radiographs": {"Axillary": "Dislocation"}}, exam)
    )
    assert _paths(lookup, "anterior fontanelle") == ["Neurological_Examination > Fontanelle"]
    assert _paths(lookup, "axillary view") == ["Radiographs > Axillary"]
    biopsy = LookupMeasurement(_case({"Biopsy": {"Cervical_Lymph_Node": "Reactive"}}, {"Neck_Examination": "Supple"}))
    assert _paths(biopsy, "check for lymphadenopathy in the neck") == []  # no lymph node biopsy
    assert _paths(biopsy, "lymph node biopsy") == ["Biopsy > Cervical_Lymph_Node"]
    imaging_only = LookupMeasurement(_case({"CT_Chest": "Nodule"}, {"Vital_Signs": {"Heart_Rate": "80 bpm"}}))
    assert _paths(imaging_only, "chest: clear?") == []
    assert _paths(imaging_only, "chest CT") == ["CT_Chest"]


def test_the_skin_examination_answers_for_the_nails_or_scalp_only_where_it_speaks_of_them() -> None:
    arms = LookupMeasurement(_case({}, {"Skin_Examination": {"Inspection": "Scaly plaques on both forearms"}}))
    assert _paths(arms, "nails") == []
    assert _paths(arms, "scalp") == []
    nails = LookupMeasurement(_case({}, {"Skin_Examination": {"Inspection": "Plaques; pitting of the nails"}}))
    assert _paths(nails, "nail exam - pitting?") == ["Skin_Examination"]


def test_us_charting_shorthand_and_german_usage_for_the_heart_lungs_and_rates() -> None:
    exam = {
        "Vital_Signs": {"Heart_Rate": "72 bpm", "Respiratory_Rate": "16/min", "Blood_Pressure": "170/100 mmHg"},
        "Cardiopulmonary_Examination": {"Heart": "Regular, no murmur", "Lungs": "Clear"},
        "Peripheral_Examination": {"Pulses": "Strong"},
        "Neurological_Examination": {"Consciousness_Level": "Alert"},
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "CTAB?") == ["Cardiopulmonary_Examination > Lungs"]
    assert _paths(lookup, "RRR, any m/r/g?") == ["Cardiopulmonary_Examination > Heart"]
    assert _paths(lookup, "cardiorespiratory exam") == ["Cardiopulmonary_Examination"]
    assert _paths(lookup, "Heart frequency") == ["Vital_Signs > Heart_Rate"]
    assert _paths(lookup, "pulse frequency") == ["Vital_Signs > Heart_Rate"]
    assert _paths(lookup, "breathing frequency") == ["Vital_Signs > Respiratory_Rate"]
    assert _paths(lookup, "LOC") == ["Neurological_Examination > Consciousness_Level"]
    assert _paths(lookup, "Is she hypertensive?") == ["Vital_Signs > Blood_Pressure"]


def test_accented_eponyms_and_german_usage_find_their_examination() -> None:
    exam = {
        "Vital_Signs": {"Respiratory_Rate": "18/min"},
        "General_Examination": {"Appearance": "Well nourished", "Skin": "Several cafe-au-lait spots"},
        "Cardiovascular_Examination": {"Auscultation": "Normal heart sounds"},
        "Neurological_Examination": {"Sensation": "Intact", "Motor": "5/5", "Special_Test": "Positive Lasegue sign"},
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "Lasègue sign") == ["Neurological_Examination > Special_Test"]
    assert _paths(lookup, "café-au-lait spots?") == ["General_Examination > Skin"]
    assert _paths(lookup, "Sensibility") == ["Neurological_Examination > Sensation"]
    assert _paths(lookup, "Gross strength") == ["Neurological_Examination > Motor"]
    assert _paths(lookup, "Auscultation of the cor") == ["Cardiovascular_Examination > Auscultation"]
    assert _paths(lookup, "General condition and nutritional status") == ["General_Examination > Appearance"]
    assert _paths(lookup, "Counting of the breaths per minute") == ["Vital_Signs > Respiratory_Rate"]


def test_a_part_of_the_examination_named_once_is_done_at_each_region_listed() -> None:
    exam = {
        "Musculoskeletal_Examination": {
            "Inspection": "No deformity",
            "Palpation": "Tender left mid-femur",
            "Range_of_Motion": "Normal, no limitations",
        }
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "Range of movement knee and hip") == ["Musculoskeletal_Examination > Range_of_Motion"]
    assert _paths(lookup, "Range of motion of hip and knee") == ["Musculoskeletal_Examination > Range_of_Motion"]


def test_t_in_a_list_of_vital_signs_is_the_temperature() -> None:
    exam = {"Vital_Signs": {"Temperature": "38.2 C", "Heart_Rate": "110 bpm"}}
    lookup = LookupMeasurement(_case({"Cardiac_Markers": {"Troponin_I": "0.01 ng/mL"}}, exam))
    assert _paths(lookup, "Vitals: T") == ["Vital_Signs > Temperature"]
    assert _paths(lookup, "troponin T") == []


def test_the_words_of_a_question_name_no_part_of_the_examination() -> None:
    exam = {"Neck_Examination": {"Palpation": "Nodule moves with swallowing"}, "Leg_Examination": {"Gait": "Antalgic"}}
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "Does the nodule move with swallowing?") == ["Neck_Examination > Palpation"]
    assert _paths(lookup, "Watch him walk") == ["Leg_Examination > Gait"]


def test_a_quick_neuro_screen_sats_on_air_and_an_examination_per_rectum() -> None:
    exam = {
        "Vital_Signs": {"Oxygen_Saturation": "94%"},
        "Neurological_Examination": {"Motor": "Normal"},
        "Rectal_Examination": "Empty rectum",
    }
    lookup = LookupMeasurement(_case({"Coagulation": {"PT": "12 s"}}, exam))
    assert _paths(lookup, "quick neuro screen") == ["Neurological_Examination"]
    assert _paths(lookup, "Quick value") == ["Coagulation > PT"]
    assert _paths(lookup, "sats on air") == ["Vital_Signs > Oxygen_Saturation"]
    assert _paths(lookup, "per rectal exam") == ["Rectal_Examination"]


def test_an_llm_doctors_physical_exam_headings_and_report_requests() -> None:
    exam = {
        "Vital_Signs": {"Oxygen_Saturation": "91%", "Respiratory_Rate": "28/min"},
        "Chest_Examination": {"Auscultation": "Crackles at the right base"},
        "Abdominal_Examination": {"Auscultation": "Normal bowel sounds"},
        "Other_Findings": "Physical examination otherwise unremarkable",
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "PHYSICAL EXAM: breath sounds right base") == ["Chest_Examination > Auscultation"]
    assert _paths(lookup, "Please report the lung auscultation findings.") == ["Chest_Examination > Auscultation"]
    assert _paths(lookup, "registration of vital signs") == ["Vital_Signs"]
    assert _paths(lookup, "saturation") == ["Vital_Signs > Oxygen_Saturation"]
    assert _paths(lookup, "respiration frequency") == ["Vital_Signs > Respiratory_Rate"]
    assert _paths(lookup, "peristaltic sounds") == ["Abdominal_Examination > Auscultation"]


def test_the_back_of_the_eye_seen_with_the_ophthalmoscope_is_the_fundoscopy() -> None:
    lookup = LookupMeasurement(_case({}, {"Eye_Examination": {"Fundoscopy": "Papilloedema", "Acuity": "6/6"}}))
    assert _paths(lookup, "look at the back of the eyes") == ["Eye_Examination > Fundoscopy"]
    assert _paths(lookup, "fundus") == ["Eye_Examination > Fundoscopy"]


def test_does_is_no_plural() -> None:
    assert words_of("Does the rash blanch?") == ["does", "the", "rash", "blanch"]
    exam = {"General_Examination": {"Rash_Characteristics": "Rash blanches on pressure"}}
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "does the rash blanch?") == ["General_Examination > Rash_Characteristics"]


def test_a_sign_asked_about_is_found_in_the_words_an_examination_reports_it_in() -> None:
    """The tone is reported as rigidity, the strength as weakness, a swollen spleen as splenomegaly: the
    examination that says so answers the question, though it never names the tone, the strength or the spleen."""
    exam = {
        "Neurological_Examination": {
            "Motor_Exam": "Generalized rigidity, able to move all limbs",
            "Reflexes": "Normal deep tendon reflexes",
        },
        "General_Appearance": "Pale, tired-looking young woman",
        "Abdominal_Examination": "Evidence of splenomegaly upon palpation.",
        "Hand_Examination": {"Inspection": "Visible swelling at the distal interphalangeal joint of the ring finger"},
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "muscle tone") == ["Neurological_Examination > Motor_Exam"]
    assert _paths(lookup, "Tone - any lead-pipe rigidity?") == ["Neurological_Examination > Motor_Exam"]
    assert _paths(lookup, "pallor") == ["General_Appearance"]
    assert _paths(lookup, "is the spleen enlarged?") == ["Abdominal_Examination"]
    assert _paths(lookup, "any swelling at the DIP joint?") == ["Hand_Examination > Inspection"]
    assert _paths(lookup, "tenderness over the PIPJ") == []  # the proximal joint is not the distal one
    assert _paths(lookup, "is the thyroid enlarged?") == []  # no examination of the neck
    shoulder = LookupMeasurement(_case({}, {"Shoulder_Examination": {"Strength_Testing": "Upper extremity 4/5"}}))
    assert _paths(shoulder, "Power in the arms?") == ["Shoulder_Examination > Strength_Testing"]
    assert _paths(shoulder, "Power in the legs?") == []


def test_the_words_a_text_writes_a_sign_in_are_read_from_the_table() -> None:
    table = build_name_table(
        [NameEntry(term="muscle tone", concept="rigidity distal_interphalangeal", kind="written", source="x")]
    )
    assert table.written[("muscle", "tone")] == {("tone",), ("rigidity",), ("distal", "interphalangeal")}
    with pytest.raises(ValueError, match="listed twice"):
        build_name_table([NameEntry(term="tone", concept="rigid", kind="written", source=s) for s in "xy"])


def test_a_sign_is_said_in_either_spelling_and_a_region_by_the_parts_within_it() -> None:
    exam = {
        "Extremities": {"Inspection_and_Palpation": "Mild pitting oedema in both legs."},
        "Musculoskeletal_Examination": {"Range_of_Motion": "Crepitus noticed in knees during passive movement."},
        "Neurological_Examination": {"Motor_Examination": "Asterixis, suggesting liver failure"},
        "Skin_Examination": {"Inspection": "No significant ecchymosis; petechiae on the forearms"},
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "pedal edema?") == ["Extremities > Inspection_and_Palpation"]
    assert _paths(lookup, "Assessment for joint crepitus") == ["Musculoskeletal_Examination > Range_of_Motion"]
    assert _paths(lookup, "petechiae, bruising?") == ["Skin_Examination > Inspection"]
    # An examination of a region is said by its name: the liver named in a neurological text is no abdominal exam.
    assert _paths(lookup, "abdo exam - liver size") == []


def test_a_sign_asked_of_an_examination_is_answered_by_the_part_that_speaks_of_it() -> None:
    """'Liver edge / hepatomegaly' finds the abdominal examination through the liver's region: its palpation speaks of
    the liver,
    so that part answers, not the bowel sounds too. An examination asked for by its region alone stays whole."""
    exam = {
        "Abdominal_Examination": {
            "Inspection": "No visible abnormalities",
            "Auscultation": "Normal bowel sounds",
            "Palpation": "Liver palpated 2-3 cm below the right costal margin, tender on palpation",
        },
        "Musculoskeletal_Examination": {
            "Range_of_Motion": "Reduced range of motion in both knees.",
            "Palpation": "Crepitus noted in both knees, no swelling or warmth.",
        },
        "Foot_Examination": {"Inspection": "Shallow ulcer", "Pulse": "Dorsalis pedis and posterior tibial weak"},
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "liver edge / hepatomegaly") == ["Abdominal_Examination > Palpation"]
    assert _paths(lookup, "dorsalis pedis and posterior tibial pulses") == ["Foot_Examination > Pulse"]
    assert _paths(lookup, "examine the knees") == ["Musculoskeletal_Examination"]
    assert _paths(lookup, "abdominal exam") == ["Abdominal_Examination"]


def test_a_nurse_practitioners_plain_questions_find_the_examination() -> None:
    exam = {
        "Vital_Signs": {"Temperature": "38.9 C", "Oxygen_Saturation": "93% on room air"},
        "Respiratory_Examination": {"Auscultation": "Crackles at the right base"},
        "Abdominal_Examination": {"Inspection": "Not distended", "Palpation": "Tender in the right lower quadrant"},
        "Neurological_Examination": {
            "Cranial_Nerves": "Intact",
            "Pupil_Reactivity": "Sluggish",
            "Motor": "Moves all limbs, 5/5",
        },
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "How do his lungs sound?") == ["Respiratory_Examination > Auscultation"]
    assert _paths(lookup, "Does his belly hurt when you press on it?") == ["Abdominal_Examination > Palpation"]
    assert _paths(lookup, "Are cranial nerves 2 through 12 intact?") == ["Neurological_Examination > Cranial_Nerves"]
    assert _paths(lookup, "How do his pupils react to light?") == ["Neurological_Examination > Pupil_Reactivity"]
    assert _paths(lookup, "Can he move all four limbs?") == ["Neurological_Examination > Motor"]
    assert _paths(lookup, "Is he running a fever?") == ["Vital_Signs > Temperature"]
    assert _paths(lookup, "What's he satting on room air?") == ["Vital_Signs > Oxygen_Saturation"]
    assert _paths(lookup, "Go ahead and do a general exam") == []  # the case holds none
    assert _paths(lookup, "How does his heart sound?") == []  # no cardiac examination: not the lungs' sounds
    assert _paths(lookup, "Kindly auscultate for breath sounds") == ["Respiratory_Examination > Auscultation"]


def test_abbreviations_written_one_after_another_list_tests() -> None:
    lookup = LookupMeasurement(_case({}, {"Vital_Signs": {"Blood_Pressure": "150/90", "Heart_Rate": "110"}}))
    assert _paths(lookup, "BP HR") == ["Vital_Signs > Blood_Pressure", "Vital_Signs > Heart_Rate"]
    assert _paths(lookup, "orthostatic BP") == []  # a kind of blood pressure the case does not report


def test_a_question_asked_with_what_the_part_may_show_finds_the_part() -> None:
    """'Is his belly distended?' names the abdomen and a finding: the abdominal examination answers, the part of it
    that speaks of distension where it reports parts; the words of the finding are no test of their own."""
    exam = {
        "Abdominal_Examination": {
            "Inspection": "No visible distension.",
            "Palpation": "No palpable mass or tenderness.",
        },
        "Musculoskeletal_Examination": {
            "Inspection": "Visible swelling of the right knee.",
            "Palpation": "Warmth and tenderness over the right knee joint.",
            "Range_of_Motion": "Reduced in the right knee.",
        },
        "Neurological_Examination": {"Cranial_Nerves": "No focal findings"},
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "Is his belly distended?") == ["Abdominal_Examination > Inspection"]
    assert _paths(lookup, "Are his cranial nerves intact?") == ["Neurological_Examination > Cranial_Nerves"]
    assert _paths(lookup, "is the knee hot?") == ["Musculoskeletal_Examination > Palpation"]
    assert _paths(lookup, "are the lungs clear?") == []  # a finding word asked of an examination the case lacks
    assert name_table().findings >= {"distended", "intact", "red"}


def test_bedside_words_for_percussion_expansion_strength_grades_and_pulses() -> None:
    exam = {
        "Vital_Signs": {"Heart_Rate": "90/min"},
        "Chest_Examination": {"Inspection": "Normal chest wall movement", "Percussion": "Dull at the right base"},
        "Neurological_Examination": {"Strength_Assessment": "2/5 in the right arm"},
        "Leg_Examination": {"Pulse": "Dorsalis pedis and posterior tibial pulses weak", "Inspection": "Ulcer"},
        "Obstetric_Examination": {"Auscultation": "Fetal heart sounds present"},
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "Tap out his chest") == ["Chest_Examination > Percussion"]
    assert _paths(lookup, "Chest expansion") == ["Chest_Examination > Inspection"]
    assert _paths(lookup, "MRC grading of muscle power") == ["Neurological_Examination > Strength_Assessment"]
    assert _paths(lookup, "DP and PT pulses") == ["Leg_Examination > Pulse"]
    assert _paths(lookup, "Listen for fetal heart tones") == ["Obstetric_Examination > Auscultation"]
    assert _paths(lookup, "Vitals at presentation") == ["Vital_Signs"]
    assert _paths(lookup, "tap the knee") == []  # a tap of a joint is its aspiration, not percussion


def test_a_region_asked_with_words_the_table_lacks_is_answered_where_its_examination_says_them() -> None:
    exam = {
        "Neck_Examination": {"Inspection": "Diffuse goitre", "Auscultation": "Thyroid bruit present"},
        "Abdominal_Examination": {"Inspection": "Old appendicectomy scar", "Auscultation": "Normal bowel sounds"},
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "thyroid bruit?") == ["Neck_Examination > Auscultation"]
    assert _paths(lookup, "Any scars on her tummy?") == ["Abdominal_Examination > Inspection"]
    assert _paths(lookup, "renal bruit") == []  # the abdomen's auscultation does not speak of one


def test_the_cases_one_biopsy_answers_a_biopsy_asked_for_by_a_site_it_names_otherwise() -> None:
    lesion = LookupMeasurement(_case({"Biopsy_of_Lesion": "Squamous cell carcinoma, well differentiated"}))
    assert _paths(lesion, "lip bx") == ["Biopsy_of_Lesion"]
    assert _paths(lesion, "incisional biopsy of the lower lip") == ["Biopsy_of_Lesion"]
    assert _paths(lesion, "sentinel lymph node biopsy") == []  # another organ's biopsy
    assert _paths(lesion, "liver biopsy") == []
    femur = LookupMeasurement(_case({"Biopsy_Left_Femur": {"Histopathology": "Osteosarcoma"}}))
    assert _paths(femur, "bone biopsy") == ["Biopsy_Left_Femur"]
    two = LookupMeasurement(_case({"Skin_Biopsy": "Psoriasis", "Biopsy_Left_Femur": "Osteosarcoma"}))
    assert _paths(two, "biopsy of the elbow plaque") == ["Skin_Biopsy"]  # a plaque's biopsy is the skin's
    assert _paths(two, "lip bx") == []  # which of two biopsies is not for the lookup to guess


def test_order_list_shorthand_for_samples_pregnancy_and_exposure() -> None:
    tests = {
        "Skin_Scraping": {"Microscopy": "Septate hyphae", "Culture": "Trichophyton rubrum"},
        "Urine_β-hCG": "Negative",
        "Occupational_History": "Sandblaster with silica dust exposure for 20 years",
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Please obtain skin scrapings from the rash") == ["Skin_Scraping"]
    assert _paths(lookup, "urine preg test") == ["Urine_β-hCG"]
    assert _paths(lookup, "silica exposure history") == ["Occupational_History"]
    assert _paths(lookup, "skin biopsy of the rash") == []  # a biopsy is no scraping


def test_an_organ_asked_of_its_regions_examination_is_the_one_part_speaking_of_it() -> None:
    exam = {
        "Neck_Examination": {
            "Inspection_and_Palpation": "A 2.5-cm firm, mobile nodule on the nape of the neck.",
            "Other_Findings": "No lymphadenopathy or thyromegaly.",
        },
        "Abdominal_Examination": {"Inspection": "Full, moves with respiration", "Palpation": "Soft"},
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "thyroid") == ["Neck_Examination > Other_Findings"]
    assert _paths(lookup, "examine the neck") == ["Neck_Examination"]  # an examination asked for stays whole
    assert _paths(lookup, "Abdomen: full, moves with respiration?") == ["Abdominal_Examination > Inspection"]


def test_the_morphology_and_distribution_of_a_rash_are_its_inspection() -> None:
    exam = {"Skin_Examination": {"Inspection": "Vesicular rash on the trunk", "Palpation": "Non-tender"}}
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "Skin: morphology and distribution of the rash") == ["Skin_Examination > Inspection"]
    assert _paths(lookup, "Please describe the distribution of the rash.") == ["Skin_Examination > Inspection"]
    assert _paths(lookup, "red cell distribution width") == []  # the RDW, a blood count's, not the skin's


def test_lung_fields_plantar_responses_position_sense_and_nodes() -> None:
    exam = {
        "Lung_Examination": {"Percussion": "Resonant note throughout", "Auscultation": "Wheeze"},
        "Neurological_Examination": {
            "Sensory": "Intact to light touch, vibration and proprioception",
            "Reflexes": "2+, plantars flexor",
        },
        "Skin_Examination": {"Palpation": "No cervical lymphadenopathy detected."},
        "Back_Examination": {"Palpation": "Tender over L4"},
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "Percuss the lung fields") == ["Lung_Examination > Percussion"]
    assert _paths(lookup, "plantar response") == ["Neurological_Examination > Reflexes"]
    assert _paths(lookup, "vibration sense and proprioception") == ["Neurological_Examination > Sensory"]
    assert _paths(lookup, "feel for cervical lymph nodes") == ["Skin_Examination > Palpation"]
    assert _paths(lookup, "PHYSICAL EXAM: back") == ["Back_Examination"]


def test_a_place_named_with_at_and_a_report_of_findings_ask_for_the_examination() -> None:
    exam = {
        "Musculoskeletal_Examination": {"Range_of_Motion": "Reduced at the right hip", "Palpation": "Non-tender"},
        "Mental_Status_Examination": {"Behavior": "Guarded", "Mood": "Low"},
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "range of movement at the hip") == ["Musculoskeletal_Examination > Range_of_Motion"]
    assert _paths(lookup, "Please report the behaviour findings.") == ["Mental_Status_Examination > Behavior"]


def test_one_region_of_an_examination_reported_with_another_in_one_text() -> None:
    whole = LookupMeasurement(_case({}, {"Cardiopulmonary_Examination": "No abnormalities detected"}))
    assert _paths(whole, "listen to the heart") == ["Cardiopulmonary_Examination"]
    assert _paths(whole, "auscultate the lungs") == ["Cardiopulmonary_Examination"]
    assert _paths(whole, "palpate the abdomen") == []
    parts = {"Cardiopulmonary_Examination": {"Heart": "Regular, no murmur", "Lungs": "Clear"}}
    assert _paths(LookupMeasurement(_case({}, parts)), "listen to the heart") == ["Cardiopulmonary_Examination > Heart"]


def test_work_of_breathing_neck_veins_the_cervical_os_and_suicidal_ideation() -> None:
    exam = {
        "Respiratory_Examination": {"Inspection": "Subcostal recession", "Auscultation": "Clear"},
        "Cardiovascular_Examination": {"Jugular_Venous_Pulse": "Raised 5 cm", "Auscultation": "Normal"},
        "Gynecological_Examination": {"Cervical_Examination": "Os closed"},
        "Mental_Status_Examination": {"Thought_Content": "Passive suicidal thoughts"},
    }
    tests = {"Doppler_Ultrasound_Lower_Limb": "No thrombus"}
    lookup = LookupMeasurement(_case(tests, exam))
    assert _paths(lookup, "work of breathing - recession?") == ["Respiratory_Examination > Inspection"]
    assert _paths(lookup, "look at the neck veins") == ["Cardiovascular_Examination > Jugular_Venous_Pulse"]
    assert _paths(lookup, "Is the cervical os open?") == ["Gynecological_Examination > Cervical_Examination"]
    assert _paths(lookup, "Assess for suicidal ideation") == ["Mental_Status_Examination > Thought_Content"]
    assert _paths(lookup, "duplex ultrasound of the leg veins") == ["Doppler_Ultrasound_Lower_Limb"]


def test_the_regions_inside_a_region_are_the_converse_of_those_it_lies_within() -> None:
    table = name_table()
    assert {"nail", "scalp"} <= table.inside["skin"]
    assert "knee" in table.inside["joint"]
    pairs_within = {(region, wider) for region, all_wider in table.within.items() for wider in all_wider}
    pairs_inside = {(part, region) for region, parts in table.inside.items() for part in parts}
    assert pairs_within == pairs_inside


def test_a_region_asked_with_its_side_is_its_examination_and_a_position_names_the_reading() -> None:
    exam = {
        "Vital_Signs": {"Blood_Pressure": {"Sitting": "130/80 mmHg", "Standing": "110/65 mmHg"}},
        "Genitourinary_Examination": {"Inspection": "Scrotum normal", "Palpation": "Right testicle elevated"},
        "Neurological_Examination": {"Motor": "No motor deficits", "Reflexes": "Normal"},
    }
    lookup = LookupMeasurement(_case({"Scrotal_Ultrasound": {"Findings": "Reduced flow on the right"}}, exam))
    assert _paths(lookup, "right testicle") == ["Genitourinary_Examination > Palpation"]
    assert _paths(lookup, "scrotal ultrasound") == ["Scrotal_Ultrasound"]
    assert _paths(lookup, "sitting BP") == ["Vital_Signs > Blood_Pressure > Sitting"]
    assert _paths(lookup, "Any motor weakness?") == ["Neurological_Examination > Motor"]


def test_a_study_asked_with_what_it_may_show_on_it_is_the_study() -> None:
    tests = {
        "Chest_X-ray": "Notching of the inferior rib margins",
        "ECG": "Sinus rhythm, left ventricular hypertrophy",
        "Biopsy_Report": "Non-caseating granulomas",
        "Basic_Metabolic_Panel": {"Sodium": "138 mmol/L", "Potassium": "4.1 mmol/L"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "rib notching on CXR?") == ["Chest_X-ray"]
    assert _paths(lookup, "is the mediastinum wide on the CXR?") == ["Chest_X-ray"]
    assert _paths(lookup, "what rhythm is on the ECG?") == ["ECG"]
    assert _paths(lookup, "were IHC stains done on the biopsy?") == []  # another test, which the report does not name
    assert _paths(lookup, "glucose on the BMP") == []  # a result the panel does not hold


def test_tests_listed_together_are_each_found_where_the_second_names_no_site() -> None:
    tests = {
        "Echocardiogram": "Patent ductus arteriosus",
        "TORCH_Screen": {"Rubella_IgM": "Positive", "CMV_IgM": "Negative"},
        "Laboratory_Tests": {"Hemoglobin_Concentration": "9.1 g/dL"},
        "Imaging": {"Chest_X-ray": "Widened mediastinum"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "echo + rubella IgM") == ["Echocardiogram", "TORCH_Screen > Rubella_IgM"]
    assert _paths(lookup, "hgb and CXR") == ["Laboratory_Tests > Hemoglobin_Concentration", "Imaging > Chest_X-ray"]


def test_words_with_two_letters_swapped_or_written_together_are_read_as_meant() -> None:
    tests = {
        "Imaging": {"Pelvic_X-ray": "No fracture"},
        "MRI_Brain": {"Findings": "Normal"},
        "Skin_Biopsy": "Spongiosis",
        "Serum_Biochemistry": {"Sodium": "139 mmol/L"},
        "Spirometry": {"FEV1_FVC_Ratio": "0.62"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "pelivc XR") == ["Imaging > Pelvic_X-ray"]
    assert _paths(lookup, "MRIbrain report") == ["MRI_Brain"]
    assert _paths(lookup, "skinbx") == ["Skin_Biopsy"]
    assert _paths(lookup, "Is the ESR raised?") == []  # 'raised' is no test glued to another
    assert _paths(lookup, "biochem") == ["Serum_Biochemistry"]
    assert _paths(lookup, "Tiffeneau ratio") == ["Spirometry > FEV1_FVC_Ratio"]
    assert _paths(lookup, "spiro") == ["Spirometry"]


def test_questions_about_a_result_and_a_ward_doctors_shorthand_ask_for_the_test() -> None:
    tests = {
        "Echocardiogram": "Patent ductus arteriosus",
        "DLCO_Test": "Reduced to 45% predicted",
        "Toxicology_Screen": {"Alcohol": "Negative", "Cannabis": "Positive"},
        "Allergy_Testing": "Skin prick positive to house dust mite",
        "Flow_Cytometry": "CD19+ clonal population",
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "ECHO pls ?PDA") == ["Echocardiogram"]
    assert _paths(lookup, "was the diffusing capacity reduced?") == ["DLCO_Test"]
    assert _paths(lookup, "was the tox screen positive for alcohol?") == ["Toxicology_Screen > Alcohol"]
    assert _paths(lookup, "any positive skin prick tests?") == ["Allergy_Testing"]
    assert _paths(lookup, "did we send immunophenotyping?") == ["Flow_Cytometry"]
    assert _paths(lookup, "was the MRI reduced?") == []  # asked of a study the case lacks


def test_an_emergency_physicians_bedside_shorthand_finds_the_examination() -> None:
    exam = {
        "Vital_Signs": {"Temperature": "38.1 C", "Respiratory_Rate": "24/min"},
        "Respiratory_Examination": {
            "Auscultation": "Crackles at the right base",
            "Percussion": "Dull at the right base",
        },
        "Abdominal_Examination": {"Inspection": "Flat", "Palpation": "Tender in the left lower quadrant"},
        "Neck_Examination": {"Inspection": "No visible swelling", "Palpation": "Tender cervical lymph nodes"},
        "Neurological_Examination": {"Mental_Status": "Alert and oriented x3", "Gait": "Antalgic, limping"},
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "does she wince when I push on the LLQ") == ["Abdominal_Examination > Palpation"]
    assert _paths(lookup, "any creps in the chest?") == ["Respiratory_Examination > Auscultation"]
    assert _paths(lookup, "count the resps") == ["Vital_Signs > Respiratory_Rate"]
    assert _paths(lookup, "spiking a fever?") == ["Vital_Signs > Temperature"]
    assert _paths(lookup, "cervical LAD") == ["Neck_Examination > Palpation"]
    assert _paths(lookup, "A&Ox3?") == ["Neurological_Examination > Mental_Status"]
    assert _paths(lookup, "limp?") == ["Neurological_Examination > Gait"]
    assert _paths(lookup, "do a neuro screen") == ["Neurological_Examination"]


def test_words_saying_when_or_where_a_sign_shows_are_no_part_of_it() -> None:
    exam = {
        "Chest_Examination": {"Auscultation": "Reduced air entry", "Percussion": "Mild dullness on the right side."},
        "Abdominal_Examination": {"Percussion": "Tympanic throughout", "Palpation": "Soft, tender in the epigastrium"},
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "is there dullness when percussing?") == ["Chest_Examination > Percussion"]
    assert _paths(lookup, "tympanic anywhere?") == ["Abdominal_Examination > Percussion"]
    assert _paths(lookup, "belly soft? tender anywhere?") == ["Abdominal_Examination > Palpation"]


def test_a_culture_asked_for_by_its_kind_is_not_one_that_grew_another_kind() -> None:
    corneal = {"Microbiology": {"Corneal_Scraping_Culture": {"Findings": "Growth of Pseudomonas aeruginosa"}}}
    lookup = LookupMeasurement(_case(corneal))
    assert _paths(lookup, "fungal culture of the cornea") == []
    assert _paths(lookup, "bacterial culture of the cornea") == ["Microbiology > Corneal_Scraping_Culture"]
    assert _paths(lookup, "corneal culture") == ["Microbiology > Corneal_Scraping_Culture"]
    sputum = LookupMeasurement(_case({"Sputum_Culture": "Heavy growth of bacteria, no TB or fungal growth."}))
    assert _paths(sputum, "fungal culture of sputum") == ["Sputum_Culture"]  # it looked for fungi


def test_a_test_asked_at_a_site_whose_examination_holds_only_a_placeholder_is_the_tests_result() -> None:
    exam = {"Ophthalmic_Examination": {"Slit_Lamp_Examination": "Recommended but findings not provided"}}
    tests = {"Slit_Lamp_Examination": {"Findings": "Corneal ulcer with infiltrate"}}
    lookup = LookupMeasurement(_case(tests, exam))
    assert _paths(lookup, "slit lamp exam of the right eye") == ["Slit_Lamp_Examination"]
    assert _paths(lookup, "slit lamp") == ["Slit_Lamp_Examination"]


def test_ward_abbreviations_for_the_temperature_bowel_sounds_resps_and_the_rectal_examination() -> None:
    exam = {
        "Vital_Signs": {"Temperature": "37.9 C", "Heart_Rate": "96/min", "Respiratory_Rate": "22/min"},
        "Abdominal_Examination": {"Auscultation": "Bowel sounds present", "Palpation": "Soft"},
        "Rectal_Examination": {"Findings": "Normal tone, no masses"},
    }
    lookup = LookupMeasurement(_case({"ECG": {"PR_Interval": "180 ms"}}, exam))
    assert _paths(lookup, "tympanic temp") == ["Vital_Signs > Temperature"]
    assert _paths(lookup, "BS present?") == ["Abdominal_Examination > Auscultation"]
    assert _paths(lookup, "resps") == ["Vital_Signs > Respiratory_Rate"]
    assert _paths(lookup, "PR exam") == ["Rectal_Examination"]
    assert _paths(lookup, "PR tone") == ["Rectal_Examination"]
    assert _paths(lookup, "PR interval") == ["ECG > PR_Interval"]


def test_a_joints_movements_are_its_range_of_motion_and_a_movements_power_its_strength() -> None:
    exam = {
        "Musculoskeletal_Examination": {"Inspection": "Swollen knee", "Range_of_Motion": "Flexion limited to 90"},
        "Neurological_Examination": {"Muscle_Strength": "Hip flexion 4/5", "Reflexes": "Normal"},
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "Can he fully flex and extend the knee?") == ["Musculoskeletal_Examination > Range_of_Motion"]
    assert _paths(lookup, "knee flexion and extension") == ["Musculoskeletal_Examination > Range_of_Motion"]
    assert _paths(lookup, "hip flexor strength") == ["Neurological_Examination > Muscle_Strength"]
    shoulder = {"Shoulder_Examination": {"Range_of_Motion": {"Abduction": "Painful arc", "External_Rotation": "Full"}}}
    lookup = LookupMeasurement(_case({}, shoulder))
    assert _paths(lookup, "shoulder abduction") == ["Shoulder_Examination > Range_of_Motion > Abduction"]


def test_a_culture_asked_for_by_another_sample_of_the_lesion_is_the_cases_one_culture_there() -> None:
    corneal = {"Microbiology": {"Corneal_Scraping_Culture": {"Findings": "Growth of Pseudomonas aeruginosa"}}}
    lookup = LookupMeasurement(_case(corneal))
    assert _paths(lookup, "corneal ulcer culture") == ["Microbiology > Corneal_Scraping_Culture"]
    assert _paths(lookup, "corneal swab MC&S") == ["Microbiology > Corneal_Scraping_Culture"]
    assert _paths(lookup, "sputum culture") == []  # another specimen
    wound = LookupMeasurement(_case({"Wound_Culture": "Staphylococcus aureus", "Blood_Cultures": "No growth"}))
    assert _paths(wound, "swab of the ulcer for culture") == ["Wound_Culture"]
    assert _paths(wound, "viral swab of the ulcer") == []  # it grew a bacterium
    scraping = LookupMeasurement(
        _case({"Skin_Scraping": {"Microscopy": "No hyphae", "Culture": "No bacterial growth"}})
    )
    assert _paths(scraping, "fungal culture of skin scrapings") == []
    assert _paths(scraping, "bacterial swab culture of the rash") == ["Skin_Scraping > Culture"]


def test_the_australian_euc_the_ct_brain_the_apex_and_two_results_a_ratio_is_named_by() -> None:
    tests = {
        "Serum_Laboratory_Values": {
            "Na": "131",
            "Cl": "98",
            "K": "3.1",
            "HCO3": "30",
            "BUN": "22",
            "Creatinine": "1.1",
        },
        "Imaging": {"Head_CT": "No haemorrhage"},
        "Spirometry": {"FEV1": "1.2 L", "FVC": "2.9 L", "FEV1_FVC_Ratio": "0.41"},
        "Biopsy": {"Findings": "Squamous cell carcinoma"},
    }
    exam = {"Cardiovascular_Examination": {"Apical_Impulse": "Displaced", "Auscultation": "Normal"}}
    lookup = LookupMeasurement(_case(tests, exam))
    panel = "Serum_Laboratory_Values"
    assert _paths(lookup, "EUC") == [f"{panel} > {name}" for name in ("Na", "Cl", "K", "HCO3", "BUN", "Creatinine")]
    assert _paths(lookup, "U&E") == [f"{panel} > {name}" for name in ("Na", "K", "BUN", "Creatinine")]  # British
    assert _paths(lookup, "CTB") == ["Imaging > Head_CT"]
    assert _paths(lookup, "Palpate the apex") == ["Cardiovascular_Examination > Apical_Impulse"]
    assert _paths(lookup, "FEV1 and FVC") == ["Spirometry > FEV1", "Spirometry > FVC"]
    assert _paths(lookup, "FEV1/FVC") == ["Spirometry > FEV1_FVC_Ratio"]
    assert _paths(lookup, "histo back yet?") == ["Biopsy"]


def test_another_test_run_on_the_cases_one_biopsy_is_not_the_biopsy() -> None:
    lookup = LookupMeasurement(_case({"Skin_Biopsy": "Subepidermal blister with eosinophils"}))
    assert _paths(lookup, "direct IF on the skin bx") == []
    assert _paths(lookup, "biopsy of the elbow plaque") == ["Skin_Biopsy"]


def test_where_a_sign_is_asks_for_the_part_that_says_it() -> None:
    exam = {
        "Abdominal_Examination": {"Inspection": "Flat", "Palpation": "Tender in the right iliac fossa"},
        "Skin_Examination": {"Inspection": "Scaly rash on the elbows", "Nails": "Pitted"},
        "Neurological_Examination": {"Motor_Examination": "Asterixis present", "Reflexes": "Normal"},
        "Knee_Examination": {"Range_of_Motion": "Full flexion and extension", "Palpation": "Joint line tender"},
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "where's she tender?") == [
        "Abdominal_Examination > Palpation",
        "Knee_Examination > Palpation",
    ]
    assert "Skin_Examination > Inspection" in _paths(lookup, "where is the rash")
    assert _paths(lookup, "liver flap") == ["Neurological_Examination > Motor_Examination"]
    assert _paths(lookup, "can he fully bend and straighten the knee") == ["Knee_Examination > Range_of_Motion"]


def test_a_request_to_feel_look_or_listen_is_answered_by_the_examination_not_a_test_of_the_site() -> None:
    exam = {"Neck_Examination": {"Inspection_and_Palpation": "Firm, non-tender cervical lymph nodes"}}
    tests = {"Biopsy": {"Cervical_Lymph_Node": "Caseating granulomas"}, "Peripheral_Blood_Smear": "Schistocytes"}
    lookup = LookupMeasurement(_case(tests, exam))
    assert _paths(lookup, "Can I feel for nodes in his neck?") == ["Neck_Examination > Inspection_and_Palpation"]
    assert _paths(lookup, "cervical lymph node biopsy") == ["Biopsy > Cervical_Lymph_Node"]
    assert _paths(lookup, "look at the blood smear") == ["Peripheral_Blood_Smear"]


def test_a_listed_part_the_names_do_not_find_is_read_as_a_request_of_its_own() -> None:
    exam = {
        "Mental_Status_Examination": {"Appearance": "Unkempt", "Behavior": "Restless", "Mood": "Low"},
        "Abdominal_Examination": {"Inspection": "Distended", "Palpation": "Soft, non-tender"},
    }
    tests = {"Complete_Blood_Count": {"WBC": "14,000", "Differential": "Neutrophilia"}}
    lookup = LookupMeasurement(_case(tests, exam))
    assert _paths(lookup, "Appearance and behaviour") == [
        "Mental_Status_Examination > Appearance",
        "Mental_Status_Examination > Behavior",
    ]
    assert _paths(lookup, "look at the belly, is it distended") == ["Abdominal_Examination > Inspection"]


def test_a_standalone_test_named_for_what_it_looks_for_is_the_cases_one_such_test() -> None:
    tests = {
        "Genetic_Testing": "Pathogenic MYH7 variant",
        "Complete_Blood_Count": {"Platelets": "250,000"},
        "Imaging": {"CT_Angiography_Abdomen": "Occluded superior mesenteric artery"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "sarcomere gene mutation testing") == ["Genetic_Testing"]
    assert _paths(lookup, "platelet aggregation studies") == []  # one result of a panel: a sibling
    assert _paths(lookup, "catheter mesenteric angiography") == []  # imaging: a sibling


def test_antibodies_abbreviated_a_kub_ultrasound_and_where_cultures_were_drawn() -> None:
    tests = {
        "Blood_Work": {"Antimitochondrial_Antibodies": "Positive"},
        "Imaging": {"Renal_Ultrasonography": "Bilateral cysts"},
        "Blood_Cultures": "No growth at 48 hours",
        "Sputum_Culture": "Normal flora",
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "antimitochondrial Ab") == ["Blood_Work > Antimitochondrial_Antibodies"]
    assert _paths(lookup, "KUB USS") == ["Imaging > Renal_Ultrasonography"]
    assert _paths(lookup, "blood cultures from two sites") == ["Blood_Cultures"]
    assert _paths(lookup, "expectorated sputum culture") == ["Sputum_Culture"]


def test_le_before_an_examination_word_is_the_lower_extremity_and_ausc_the_auscultation() -> None:
    exam = {
        "Neurological_Examination": {"Motor_Function": "Weakness of the lower extremities", "Reflexes": "Absent"},
        "Pulmonary_Examination": {"Inspection": "Normal", "Auscultation": "Crackles at the bases"},
    }
    lookup = LookupMeasurement(_case({"Urinalysis": {"Leukocyte_Esterase": "Negative"}}, exam))
    assert _paths(lookup, "LE strength") == ["Neurological_Examination > Motor_Function"]
    assert _paths(lookup, "LE") == ["Urinalysis > Leukocyte_Esterase"]
    assert _paths(lookup, "chest ausc") == ["Pulmonary_Examination > Auscultation"]


def test_heart_and_lung_signs_name_the_part_of_the_examination_that_finds_them() -> None:
    exam = {
        "Cardiovascular_Examination": {"Palpation": "Apex undisplaced", "Auscultation": "Pansystolic murmur"},
        "Respiratory_Examination": {"Palpation": "Expansion equal", "Auscultation": "Vesicular breathing"},
        "Abdominal_Examination": {"Percussion": "Shifting dullness", "Palpation": "Distended, fluid thrill present"},
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "Feel for heaves and thrills") == ["Cardiovascular_Examination > Palpation"]
    assert _paths(lookup, "Listen for S3 Gallop") == ["Cardiovascular_Examination > Auscultation"]
    assert _paths(lookup, "fluid thrill") == ["Abdominal_Examination > Palpation"]
    assert _paths(lookup, "any rhonchi?") == ["Respiratory_Examination > Auscultation"]


def test_an_examination_of_a_place_is_never_answered_by_imaging_that_names_the_place() -> None:
    exam = {
        "General_Examination": {
            "Inspection": "Noticeable swelling in the right knee.",
            "Palpation": "Swelling is warm to touch.",
        }
    }
    tests = {"Ultrasound_Knee": {"Findings": "Haemarthrosis of the right knee"}}
    lookup = LookupMeasurement(_case(tests, exam))
    assert _paths(lookup, "exam of the right knee") == ["General_Examination"]
    assert _paths(lookup, "ultrasound of the right knee") == ["Ultrasound_Knee"]


def test_urine_microscopy_is_what_the_microscope_sees_and_a_ua_with_micro_the_whole_urinalysis() -> None:
    urinalysis = {"Nitrites": "Positive", "Leukocyte_Esterase": "Positive", "WBC": "20-30 /HPF", "RBC": "0-2 /HPF"}
    lookup = LookupMeasurement(_case({"Urinalysis": urinalysis}))
    assert _paths(lookup, "urine microscopy") == ["Urinalysis > WBC", "Urinalysis > RBC"]
    assert _paths(lookup, "UA w/ micro") == ["Urinalysis"]
    assert _paths(lookup, "urine microscopy - any RBCs?") == ["Urinalysis > RBC"]


def test_a_culture_named_by_its_parent_and_a_question_about_a_fall_find_the_result() -> None:
    tests = {
        "Viral_Cultures": {"Vesicle_Fluid": "Herpes simplex virus type 1"},
        "Complete_Blood_Count": {"Hemoglobin": "9.8"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Culture of fluid from the blisters") == ["Viral_Cultures > Vesicle_Fluid"]
    assert _paths(lookup, "Has she dropped her haemoglobin?") == ["Complete_Blood_Count > Hemoglobin"]


def test_words_of_asking_and_of_where_around_a_sign_are_read_past_in_the_examinations_text() -> None:
    exam = {
        "Respiratory_Examination": {"Inspection": "Using accessory muscles at rest", "Auscultation": "Wheeze"},
        "Abdominal_Examination": {"Palpation": "Liver palpable 4 cm below the costal margin", "Inspection": "Flat"},
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "Is he using accessory muscles at rest?") == ["Respiratory_Examination > Inspection"]
    assert _paths(lookup, "how far below the costal margin is the liver?") == ["Abdominal_Examination > Palpation"]


def test_pressing_injection_marks_and_involuntary_movements_name_their_examination() -> None:
    exam = {
        "Skin_Examination": {"Inspection": "Needle marks along the antecubital veins", "Palpation": "Warm"},
        "Back_Examination": {"Palpation": "Tender over L4"},
        "Neurologic_Examination": {"Motor_System": "Choreiform movements of the hands", "Reflexes": "Normal"},
    }
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "look for injection marks on the arms") == ["Skin_Examination > Inspection"]
    assert _paths(lookup, "press on the lower back - tender?") == ["Back_Examination > Palpation"]
    assert _paths(lookup, "look for involuntary movements") == ["Neurologic_Examination > Motor_System"]


def test_sentences_one_after_another_are_asked_each() -> None:
    exam = {"ENT_Examination": {"Oral_Exam": "Uvula midline, tonsils normal", "Ears": "Normal"}}
    lookup = LookupMeasurement(_case({}, exam))
    assert _paths(lookup, "Have her open her mouth. Is the uvula midline?") == ["ENT_Examination > Oral_Exam"]


def test_ionized_ca_is_no_total_calcium() -> None:
    lookup = LookupMeasurement(_case({"Metabolic_Panel": {"Calcium": "8.1 mg/dL", "Sodium": "140"}}))
    assert _paths(lookup, "ionized Ca") == []
    assert _paths(lookup, "Ca") == ["Metabolic_Panel > Calcium"]


def test_a_name_followed_by_the_abbreviations_it_holds_is_read_as_glossed() -> None:
    lookup = LookupMeasurement(
        _case(
            {
                "Serum_Chemistry": {"Liver_Enzymes": "Normal", "Glucose": "92"},
                "Coagulation": {"PT": "12 s", "INR": "1.0"},
            }
        )
    )
    assert _paths(lookup, "liver enzymes ALT AST") == ["Serum_Chemistry > Liver_Enzymes"]
    assert _paths(lookup, "coags PT") == ["Coagulation > PT"]
    assert _paths(lookup, "Serum TSH") == []  # 'serum' names no test that TSH would gloss


def test_spirometry_asked_with_its_ratio_and_a_thoracoabdominal_ct_find_their_studies() -> None:
    tests = {
        "Pulmonary_Function_Tests": {"Findings": "FEV1/FVC 0.62"},
        "Imaging": {"CT_Scan_Thorax_and_Abdomen": "No mass", "CT_Head": "Normal"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Spirometry with FEV1/FVC ratio") == ["Pulmonary_Function_Tests"]
    assert _paths(lookup, "Thoracoabdominal CT") == ["Imaging > CT_Scan_Thorax_and_Abdomen"]


def test_singapore_and_ward_shorthand_find_their_tests() -> None:
    tests = {
        "Complete_Blood_Count": {"Hemoglobin": "12.1", "WBC": "14,000"},
        "CRP": "45 mg/L",
        "Mammography": "Spiculated mass",
        "Abdominal_X-ray": "Dilated loops",
        "Serum_Electrolytes": {"Sodium": "139", "Potassium": "4.1", "Chloride": "101", "Bicarbonate": "24"},
        "Alcohol_Level": "Undetectable",
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "TW") == ["Complete_Blood_Count > WBC"]
    assert _paths(lookup, "TWC") == ["Complete_Blood_Count > WBC"]
    assert _paths(lookup, "FBC n CRP") == ["Complete_Blood_Count", "CRP"]
    assert _paths(lookup, "MMG") == ["Mammography"]
    assert _paths(lookup, "abd flat plate") == ["Abdominal_X-ray"]
    assert _paths(lookup, "serum ethanol lvl") == ["Alcohol_Level"]
    assert _paths(lookup, "Na K Cl") == [
        "Serum_Electrolytes > Sodium",
        "Serum_Electrolytes > Potassium",
        "Serum_Electrolytes > Chloride",
    ]


def test_bloods_are_the_blood_tests_unless_they_are_a_tests_sample() -> None:
    tests = {"Blood_Tests": {"Hemoglobin": "12.1", "Glucose": "5.2"}, "Genetic_Testing": "FMR1 expansion"}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "what bloods sent?") == ["Blood_Tests"]
    assert _paths(lookup, "bloods") == ["Blood_Tests"]
    assert _paths(lookup, "genetic bloods") == ["Genetic_Testing"]


def test_two_tests_asked_together_are_both_given() -> None:
    tests = {"Spirometry": {"FEV1": "60%", "FVC": "80%"}, "Chest_Radiography": "Hyperinflation", "Beta_hCG": "<5"}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "May I see the FEV1 together with the chest radiograph?") == [
        "Spirometry > FEV1",
        "Chest_Radiography",
    ]
    assert _paths(lookup, "May I see the radiograph and the beta-hCG together?") == ["Chest_Radiography", "Beta_hCG"]


def test_a_question_after_a_study_without_a_dash_asks_for_the_study() -> None:
    tests = {"Chest_X-ray": "Cardiomegaly", "Transvaginal_Ultrasound": "Empty uterus"}
    exam = {"Neck_Examination": {"Palpation": "No lymphadenopathy"}}
    lookup = LookupMeasurement(_case(tests, exam))
    assert _paths(lookup, "CXR any cardiomegaly?") == ["Chest_X-ray"]
    assert _paths(lookup, "TVUS got gestational sac?") == ["Transvaginal_Ultrasound"]
    assert _paths(lookup, "CT head any bleed?") == []


def test_an_antibody_named_after_its_antigen_is_the_antibody() -> None:
    tests = {"Hepatitis_Viral_Panel": {"HBsAg": "Negative", "Anti-HBs": "Positive", "Anti-HBc": "Negative"}}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Could I please see the antibody to hepatitis B surface antigen?") == [
        "Hepatitis_Viral_Panel > Anti-HBs"
    ]
    assert _paths(lookup, "anti-HBsAg") == ["Hepatitis_Viral_Panel > Anti-HBs"]
    assert _paths(lookup, "HBsAg") == ["Hepatitis_Viral_Panel > HBsAg"]


def test_a_fraction_of_bilirubin_is_not_the_plain_bilirubin_which_is_the_total() -> None:
    lookup = LookupMeasurement(_case({"Blood_Work": {"Bilirubin": "25 mg/dL", "ALT": "40"}}))
    assert _paths(lookup, "direct bili") == []
    assert _paths(lookup, "conjugated bilirubin") == []
    assert _paths(lookup, "total bilirubin") == ["Blood_Work > Bilirubin"]
    assert _paths(lookup, "serum bilirubin") == ["Blood_Work > Bilirubin"]
    fractions = LookupMeasurement(_case({"Labs": {"Bilirubin_Total": "3.1", "Bilirubin_Direct": "2.2"}}))
    assert _paths(fractions, "bilirubin total and direct") == ["Labs > Bilirubin_Total", "Labs > Bilirubin_Direct"]


def test_order_shorthand_and_questions_about_a_value_find_their_tests() -> None:
    tests = {
        "STI_Screen": {"Gonorrhea": "Positive", "Chlamydia": "Negative"},
        "Throat_Culture": "Group A Streptococcus",
        "Arterial_Blood_Gas": {"pH": "7.31"},
        "Complete_Blood_Count": {"Hemoglobin": "9.1"},
        "CD4_Count": "42 cells/uL",
        "Urinalysis": {"Squamous_Epithelial_Cells": "Few"},
        "Actigraphy": "Delayed sleep phase",
        "Chest_X-ray": "Clear",
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "GC/CT") == ["STI_Screen > Gonorrhea", "STI_Screen > Chlamydia"]
    assert _paths(lookup, "GAS throat culture") == ["Throat_Culture"]
    assert _paths(lookup, "hb stable?") == ["Complete_Blood_Count > Hemoglobin"]
    assert _paths(lookup, "cd4 <50?") == ["CD4_Count"]
    assert _paths(lookup, "squamous epis") == ["Urinalysis > Squamous_Epithelial_Cells"]
    assert _paths(lookup, "wrist actigraphy over 2 wks") == ["Actigraphy"]
    assert _paths(lookup, "Could I see the chest radiograph that was taken on arrival?") == ["Chest_X-ray"]


def test_what_a_study_showed_is_asked_with_a_word_between_what_and_did() -> None:
    lookup = LookupMeasurement(_case({"Direct_Immunofluorescence": "Linear IgG along the basement membrane"}))
    asked = "What pattern did the immunofluorescence study show along the basement membrane?"
    assert _paths(lookup, asked) == ["Direct_Immunofluorescence"]


def test_names_in_spanish_french_and_italian_usage_find_their_tests() -> None:
    tests = {
        "Imaging": {"Ultrasound_Abdomen": "Gallstones", "CT_Scan_Chest": "Anterior mediastinal mass"},
        "Echocardiogram": "Septal hypertrophy",
        "Metabolic_Panel": {"Serum_Sodium": "131", "Potassium": "5.2", "Calcium": "11.8"},
        "Inflammatory_Markers": {"ESR": "80 mm/h", "CRP": "40"},
        "Stool_Culture": "Salmonella",
        "Urinalysis": {"Protein": "Negative"},
        "Upper_Endoscopy": "Duodenal ulcer",
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "eco abdominal") == ["Imaging > Ultrasound_Abdomen"]
    assert _paths(lookup, "TAC of thorax") == ["Imaging > CT_Scan_Chest"]
    assert _paths(lookup, "eco cardiac") == ["Echocardiogram"]
    assert _paths(lookup, "natremia") == ["Metabolic_Panel > Serum_Sodium"]
    assert _paths(lookup, "kalemia") == ["Metabolic_Panel > Potassium"]
    assert _paths(lookup, "VSG") == ["Inflammatory_Markers > ESR"]
    assert _paths(lookup, "coprocultive") == ["Stool_Culture"]
    assert _paths(lookup, "general urine exam") == ["Urinalysis"]
    assert _paths(lookup, "fibrogastroscopy") == ["Upper_Endoscopy"]


def test_a_name_written_noun_first_is_read_in_the_english_order() -> None:
    tests = {"Rheumatoid_Factor": "Positive", "ESR": "60 mm/h", "Liver_Function_Tests": {"ALP": "410", "ALT": "30"}}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "factor rheumatoid") == ["Rheumatoid_Factor"]
    assert _paths(lookup, "sedimentation rate erythrocyte") == ["ESR"]
    assert _paths(lookup, "phosphatase alkaline") == ["Liver_Function_Tests > ALP"]
    assert _paths(lookup, "factor antinuclear") == []


def test_a_method_or_organism_sought_in_a_sample_is_another_test_unless_its_result_says_it() -> None:
    tests = {"Viral_Cultures": {"Vesicle_Fluid": "HSV-1 isolated"}}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "PCR of VZV in vesicle") == []
    assert _paths(lookup, "HSV in the vesicle fluid") == ["Viral_Cultures > Vesicle_Fluid"]


def test_a_scan_of_a_region_asked_with_what_it_may_show_and_a_sample_asked_whether_it_grew() -> None:
    tests = {
        "Imaging": {"Head_CT_or_MRI": "Acute infarct in the left MCA territory"},
        "Skin_Scraping": {"Microscopy": "Hyphae seen", "Culture": "Trichophyton rubrum"},
        "Bone_Marrow_Aspirate": "Hypercellular marrow",
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Was there any stroke on the head scan?") == ["Imaging > Head_CT_or_MRI"]
    assert _paths(lookup, "did the scrapings grow anything?") == ["Skin_Scraping > Culture"]
    assert _paths(lookup, "What did the marrow show?") == ["Bone_Marrow_Aspirate"]
    assert _paths(lookup, "Was there any stroke on the chest scan?") == []


def test_a_unit_after_the_test_is_no_part_of_its_name() -> None:
    lookup = LookupMeasurement(_case({"Serum_Electrolytes": {"Na+": "139 mEq/L", "K+": "5.9 mEq/L", "Cl-": "100"}}))
    assert _paths(lookup, "Serum potassium, mEq/L") == ["Serum_Electrolytes > K+"]
    assert _paths(lookup, "K+ (mmol/L)") == ["Serum_Electrolytes > K+"]


def test_red_and_white_cells_of_a_sample_are_both_that_samples() -> None:
    tests = {"Complete_Blood_Count": {"WBC": "14,000"}, "Urinalysis": {"WBC": "50/hpf", "RBC": "2/hpf"}}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "urine red and white cells") == ["Urinalysis > WBC", "Urinalysis > RBC"]
    assert _paths(lookup, "urine microscopy for red and white cells") == ["Urinalysis > WBC", "Urinalysis > RBC"]


def test_leukocytes_on_a_dipstick_are_its_leukocyte_esterase_where_the_case_reports_one() -> None:
    tests = {"Urinalysis": {"WBC": "20/hpf", "Nitrites": "Positive", "Leukocyte_Esterase": "Positive"}}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "leucocytes on dipstick") == ["Urinalysis > Leukocyte_Esterase"]
    assert _paths(lookup, "leucocytes and nitrites on dipstick") == [
        "Urinalysis > Nitrites",
        "Urinalysis > Leukocyte_Esterase",
    ]
    strip_only = LookupMeasurement(_case({"Urinalysis": {"Leukocyturia": "Positive", "Nitrites": "Negative"}}))
    assert _paths(strip_only, "urine dip for leucocytes") == ["Urinalysis > Leukocyturia"]


def test_abbreviations_listed_in_small_letters_without_commas_are_each_asked() -> None:
    tests = {"Blood_Work": {"Na": "131", "K": "5.4", "AST": "80", "ALT": "95"}, "ESR": "40", "CRP": "12"}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "na k") == ["Blood_Work > Na", "Blood_Work > K"]
    assert _paths(lookup, "esr crp") == ["ESR", "CRP"]
    assert _paths(lookup, "serum ast") == ["Blood_Work > AST"]


def test_imaging_asked_with_what_it_may_show_after_it_is_the_imaging() -> None:
    tests = {"Imaging": {"Chest_Radiograph": "Bilateral ground-glass opacities"}, "MRI_Lumbar_Spine": "L4-L5 disc"}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "chest film ground glass?") == ["Imaging > Chest_Radiograph"]
    assert _paths(lookup, "lumbar mri which level?") == ["MRI_Lumbar_Spine"]
    assert _paths(lookup, "ct head bleed?") == []
    assert _paths(lookup, "How much protein in the urine?") == []


def test_german_compounds_and_names_find_their_tests() -> None:
    tests = {
        "Complete_Blood_Count": {
            "Hemoglobin": "10.2",
            "Hematocrit": "31%",
            "WBC": "12,000",
            "Platelet_Count": "90,000",
        },
        "Thyroid_Function_Tests": {"TSH": "0.01", "Free_T4": "3.2"},
        "Liver_Function_Tests": {"AST": "80", "ALT": "95"},
        "Coagulation": {"PT": "14 s", "INR": "1.2"},
        "Chest_X-ray": "Clear",
        "Imaging": {"Brain_MRI": "Normal"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "bloodcount") == ["Complete_Blood_Count"]
    assert _paths(lookup, "thyroidvalues") == ["Thyroid_Function_Tests"]
    assert _paths(lookup, "leukos") == ["Complete_Blood_Count > WBC"]
    assert _paths(lookup, "Hkt") == ["Complete_Blood_Count > Hematocrit"]
    assert _paths(lookup, "GOT and GPT") == ["Liver_Function_Tests > AST", "Liver_Function_Tests > ALT"]
    assert _paths(lookup, "What is the Quick?") == ["Coagulation > PT"]
    assert _paths(lookup, "Rö-Thorax") == ["Chest_X-ray"]
    assert _paths(lookup, "X-ray thorax in two planes") == ["Chest_X-ray"]
    assert _paths(lookup, "cranial MRT") == ["Imaging > Brain_MRI"]
    assert _paths(lookup, "What have we got?") == []


def test_questions_whether_a_test_was_done_or_how_many_ask_for_the_test() -> None:
    tests = {
        "Serology": {"Anti-PGL-1": "Positive"},
        "Toxicology_Screen": "Negative",
        "Complete_Blood_Count": {"WBC": "9"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Which serology was done?") == ["Serology"]
    assert _paths(lookup, "Has a drug screening been done?") == ["Toxicology_Screen"]
    assert _paths(lookup, "How many leukocytes does she have?") == ["Complete_Blood_Count > WBC"]


def test_names_chinese_hospitals_use_in_english_find_their_tests() -> None:
    tests = {
        "Complete_Blood_Count": {"WBC": "12.1", "Lymphocytes": "18%"},
        "Urinalysis": {"Protein": "2+"},
        "Chest_X-ray": "Clear",
        "Pap_Smear": "HSIL",
        "Mammography": "Spiculated mass",
        "Spirometry": {"FEV1:FVC_Ratio": "0.62"},
        "DLCO_Test": "Reduced",
        "Serum_Electrolytes": {"Potassium": "2.9"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "blood routine") == ["Complete_Blood_Count"]
    assert _paths(lookup, "the urine routine result is how?") == ["Urinalysis"]
    assert _paths(lookup, "chest DR") == ["Chest_X-ray"]
    assert _paths(lookup, "TCT") == ["Pap_Smear"]
    assert _paths(lookup, "molybdenum target") == ["Mammography"]
    assert _paths(lookup, "one second rate") == ["Spirometry > FEV1:FVC_Ratio"]
    assert _paths(lookup, "diffusion function") == ["DLCO_Test"]
    assert _paths(lookup, "blood potassium is low?") == ["Serum_Electrolytes > Potassium"]
    assert _paths(lookup, "LYM%") == ["Complete_Blood_Count > Lymphocytes"]


def test_a_microbial_kind_asked_for_is_no_biopsys_histology_and_a_name_as_written_is_not_turned_round() -> None:
    tests = {"Skin_Biopsy": {"Microscopic_Examination": "No melanocytes. No evidence of fungal elements."}}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "fungal microscopy") == []
    assert _paths(lookup, "biopsy microscopy") == ["Skin_Biopsy > Microscopic_Examination"]
    no_labs = LookupMeasurement(_case({"No specific lab tests": "Non-applicable for this case", "ECG": "Normal"}))
    assert _paths(no_labs, "blood routine") == []


def test_french_names_and_levels_in_the_blood_find_their_tests() -> None:
    tests = {
        "Complete_Blood_Count": {"WBC": "14", "Platelets": "90", "Mean_Corpuscular_Volume": "70"},
        "Renal_Function_Tests": {"BUN": "40", "Creatinine": "2.1"},
        "Serum_Albumin": "2.1 g/dL",
        "Imaging": {"Chest_X-ray": "Clear", "Chest_CT": "Mass", "Abdominal_Ultrasound": "Gallstones"},
        "Liver_Function_Tests": {"ALT": "40"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "NFS") == ["Complete_Blood_Count"]
    assert _paths(lookup, "plaquettes") == ["Complete_Blood_Count > Platelets"]
    assert _paths(lookup, "VGM") == ["Complete_Blood_Count > Mean_Corpuscular_Volume"]
    assert _paths(lookup, "creatininemia") == ["Renal_Function_Tests > Creatinine"]
    assert _paths(lookup, "albuminemia") == ["Serum_Albumin"]
    assert _paths(lookup, "radio thorax") == ["Imaging > Chest_X-ray"]
    assert _paths(lookup, "TDM thorax") == ["Imaging > Chest_CT"]
    assert _paths(lookup, "echo abdomen") == ["Imaging > Abdominal_Ultrasound"]
    assert _paths(lookup, "hepatic bilan") == ["Liver_Function_Tests"]
    assert _paths(lookup, "anemia") == []


def test_proteinuria_over_24_hours_is_a_timed_urine_not_the_dipstick() -> None:
    lookup = LookupMeasurement(_case({"Urinalysis": {"Proteinuria": "3+"}}))
    assert _paths(lookup, "proteinuria of 24 hours") == []
    assert _paths(lookup, "proteinuria") == ["Urinalysis > Proteinuria"]


def test_more_french_names_and_what_gives_find_their_tests() -> None:
    tests = {
        "Spirometry": {"FEV1": "60%", "FVC": "80%"},
        "Blood_Pressure_Monitoring": {"Recordings": ["150/95"]},
        "Electrocardiogram": "Left ventricular hypertrophy",
        "Stool_Occult_Blood_Test": "Positive",
        "Liver_Function_Tests": {"ALP": "410"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "VEMS and CVF") == ["Spirometry > FEV1", "Spirometry > FVC"]
    assert _paths(lookup, "EFR") == ["Spirometry"]
    assert _paths(lookup, "MAPA") == ["Blood_Pressure_Monitoring"]
    assert _paths(lookup, "what shows the electro?") == ["Electrocardiogram"]
    assert _paths(lookup, "What gives the electro?") == ["Electrocardiogram"]
    assert _paths(lookup, "search of occult blood in the stools") == ["Stool_Occult_Blood_Test"]
    assert _paths(lookup, "PAL") == ["Liver_Function_Tests > ALP"]


def test_asking_words_whether_read_me_anything_on_and_parts_after_an_article() -> None:
    tests = {
        "Toxicology_Screen": {"Cocaine": "Positive", "Opiates": "Negative"},
        "Complete_Blood_Count": {"WBC": "9"},
        "Shoulder_Radiographs": "Hill-Sachs lesion",
        "Skin_Scraping": {"Microscopy": "Hyphae", "Culture": "Trichophyton"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Could I see whether cocaine was detected?") == ["Toxicology_Screen > Cocaine"]
    assert _paths(lookup, "Can you read me the FBC?") == ["Complete_Blood_Count"]
    assert _paths(lookup, "anything on the shoulder films?") == ["Shoulder_Radiographs"]
    assert _paths(lookup, "May I see the microscopy and the culture?") == [
        "Skin_Scraping > Microscopy",
        "Skin_Scraping > Culture",
    ]


def test_either_of_two_signs_asks_about_both_where_the_whole_finds_nothing() -> None:
    exam = {"Abdominal_Examination": {"Palpation": "Soft, non-tender", "Percussion": "Shifting dullness present"}}
    lookup = LookupMeasurement(_case({"Stool_Test": {"Clostridium_difficile_Toxin": "Positive"}}, exam))
    assert _paths(lookup, "any shifting dullness or tympany?") == ["Abdominal_Examination > Percussion"]
    assert _paths(lookup, "C. diff PCR") == []  # a PCR is another test than the toxin assay
    assert _paths(lookup, "C diff") == ["Stool_Test > Clostridium_difficile_Toxin"]


def test_single_fibre_emg_is_no_plain_emg_and_more_names_find_their_tests() -> None:
    tests = {
        "Electromyography": "Decremental response",
        "Complete_Blood_Count": {"Leukocyte_Count": "11,000"},
        "Imaging": {"Ultrasound_Abdomen": "Normal"},
        "Doppler_Ultrasound_Right_Lower_Extremity": "Occluded popliteal artery",
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "single fibre EMG") == []
    assert _paths(lookup, "EMG") == ["Electromyography"]
    assert _paths(lookup, "total leucocytic count") == ["Complete_Blood_Count > Leukocyte_Count"]
    assert _paths(lookup, "pelvi-abdominal US") == ["Imaging > Ultrasound_Abdomen"]
    assert _paths(lookup, "arterial duplex right LL") == ["Doppler_Ultrasound_Right_Lower_Extremity"]


def test_more_european_names_osseous_ips_fibroscopy_and_twelve_derivations() -> None:
    tests = {
        "Biopsy_Left_Femur": "Osteosarcoma",
        "Ankle-Brachial_Index": "0.6",
        "Upper_Endoscopy": "Duodenal ulcer",
        "ECG": "Sinus rhythm",
        "Complete_Blood_Count": {"WBC": "25,000"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "osseous biopsy") == ["Biopsy_Left_Femur"]
    assert _paths(lookup, "IPS") == ["Ankle-Brachial_Index"]
    assert _paths(lookup, "gastric fibroscopy") == ["Upper_Endoscopy"]
    assert _paths(lookup, "ECG 12 derivations") == ["ECG"]
    assert _paths(lookup, "hyperleucocytosis?") == ["Complete_Blood_Count > WBC"]


def test_british_take_shorthand_scope_rhythm_strip_tv_uss_and_ul_power() -> None:
    tests = {
        "Upper_Gastrointestinal_Endoscopy": "Gastric ulcer",
        "ECG": "Atrial fibrillation",
        "Transvaginal_Ultrasound": "Empty uterus",
        "Rheumatoid_Factor": "Positive",
        "Blood_Culture": "Streptococcus pneumoniae",
    }
    exam = {"Neurological_Examination": {"Motor_Exam": {"Upper_Extremities": "5/5", "Lower_Extremities": "3/5"}}}
    lookup = LookupMeasurement(_case(tests, exam))
    assert _paths(lookup, "what did the scope show?") == ["Upper_Gastrointestinal_Endoscopy"]
    assert _paths(lookup, "rhythm strip - AF?") == ["ECG"]
    assert _paths(lookup, "TV USS") == ["Transvaginal_Ultrasound"]
    assert _paths(lookup, "RhF") == ["Rheumatoid_Factor"]
    assert _paths(lookup, "any growth yet in the cultures?") == ["Blood_Culture"]
    assert _paths(lookup, "UL power") == ["Neurological_Examination > Motor_Exam > Upper_Extremities"]


def test_brazilian_names_find_their_tests() -> None:
    tests = {
        "Blood_Chemistry": {"Erythrocyte_Sedimentation_Rate": "60", "AST": "80", "ALT": "95", "Uric_Acid": "9.1"},
        "Urinalysis": {"WBC": "50/hpf"},
        "Arthrocentesis_of_Right_Knee": {"Gram_Stain": "Gram-positive cocci"},
        "Coagulation_Profile": {"aPTT": "45 s"},
        "MRI_Left_Knee": "Meniscal tear",
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "VHS") == ["Blood_Chemistry > Erythrocyte_Sedimentation_Rate"]
    assert _paths(lookup, "TGO and TGP") == ["Blood_Chemistry > AST", "Blood_Chemistry > ALT"]
    assert _paths(lookup, "uricemia") == ["Blood_Chemistry > Uric_Acid"]
    assert _paths(lookup, "urine type 1") == ["Urinalysis"]
    assert _paths(lookup, "gram of synovial liquid") == ["Arthrocentesis_of_Right_Knee > Gram_Stain"]
    assert _paths(lookup, "TTPA") == ["Coagulation_Profile > aPTT"]
    assert _paths(lookup, "RM of the knee") == ["MRI_Left_Knee"]


def test_an_abdomen_without_preparation_is_the_plain_radiograph_not_the_examination() -> None:
    exam = {"Abdominal_Examination": {"Palpation": "Rigid"}}
    lookup = LookupMeasurement(_case({"Imaging": {"Erect_Abdominal_X-ray": "Free air under the diaphragm"}}, exam))
    assert _paths(lookup, "abdomen without preparation radiography") == ["Imaging > Erect_Abdominal_X-ray"]


def test_japanese_names_and_ucg_read_as_the_echo_only_where_no_urine_hcg_is_held() -> None:
    tests = {
        "Chest_X-ray": "Cardiomegaly",
        "Echocardiogram": "Aortic stenosis",
        "Biochemistry": {"Creatinine": "1.9", "Bilirubin_Direct": "2.0"},
        "Upper_Endoscopy": "Gastric ulcer",
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "chest X-P") == ["Chest_X-ray"]
    assert _paths(lookup, "UCG result") == ["Echocardiogram"]
    assert _paths(lookup, "serum Cre") == ["Biochemistry > Creatinine"]
    assert _paths(lookup, "D-Bil") == ["Biochemistry > Bilirubin_Direct"]
    assert _paths(lookup, "GIF") == ["Upper_Endoscopy"]
    pregnant = LookupMeasurement(_case({"Urine_Beta_hCG": "Positive", "Echocardiogram": "Normal"}))
    assert _paths(pregnant, "UCG") == ["Urine_Beta_hCG"]


def test_a_culture_after_a_test_of_a_named_sample_is_that_samples_and_a_fit_is_no_plain_fobt() -> None:
    lookup = LookupMeasurement(_case({"Blood_Culture": "No growth", "Fecal_Occult_Blood_Test": {"Result": "Negative"}}))
    assert _paths(lookup, "sputum gram stain and culture") == []
    assert _paths(lookup, "FIT test") == []
    assert _paths(lookup, "FOBT") == ["Fecal_Occult_Blood_Test"]
    assert _paths(lookup, "blood culture and gram stain") == ["Blood_Culture"]


def test_show_asks_a_result_out_yet_and_fast_is_the_ultrasound_not_a_speed() -> None:
    tests = {
        "Focused_Assessment_with_Sonography_in_Trauma": "Negative",
        "Viral_Cultures": "HSV-1",
        "Chest_X-ray": "Clear",
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "How was the FAST?") == ["Focused_Assessment_with_Sonography_in_Trauma"]
    assert _paths(lookup, "Please show the chest X-P.") == ["Chest_X-ray"]
    assert _paths(lookup, "Is the viral culture result out yet?") == ["Viral_Cultures"]


def test_a_question_naming_its_test_last_after_on_is_that_test_but_no_part_the_test_lacks() -> None:
    tests = {
        "Spirometry": "Obstructive pattern, FEV1/FVC 0.62",
        "Chest_X-Ray": {"Findings": "Infiltrates in the right lower lobe"},
        "Arthrocentesis_of_Right_Knee": {"Appearance": "Cloudy", "Gram_Stain": "Negative"},
        "Biopsy_Report": "Non-caseating granulomas",
        "Toxicology_Screen": {"Cocaine": "Positive", "Amphetamines": "Negative"},
    }
    exam = {"Skin_Examination": {"Inspection": "Petechiae on the legs"}}
    lookup = LookupMeasurement(_case(tests, exam))
    assert _paths(lookup, "is there an obstructive pattern on spirometry?") == ["Spirometry"]
    assert _paths(lookup, "Is there infiltration in RLL on chest X-ray?") == ["Chest_X-Ray"]
    assert _paths(lookup, "any bugs on gram stain of the tap?") == ["Arthrocentesis_of_Right_Knee > Gram_Stain"]
    assert _paths(lookup, "any cocaine on the drug screen?") == ["Toxicology_Screen > Cocaine"]
    assert _paths(lookup, "benzos on the drug screen?") == []
    assert _paths(lookup, "any bruises on the arms?") == []
    assert _paths(lookup, "were any stains done for IHC on the biopsy?") == []


def test_dutch_italian_russian_and_korean_names_find_their_tests() -> None:
    tests = {
        "Complete_Blood_Count": {"WBC": "12,000", "Platelets": "90,000", "Lymphocytes": "20%"},
        "Erythrocyte_Sedimentation_Rate": "60 mm/h",
        "Chemistry": {"Urea": "40 mg/dL", "Creatinine": "1.9 mg/dL", "Sodium": "131", "Potassium": "5.4"},
        "Chest_X-ray": "Right lower lobe consolidation",
        "Imaging": {"MRI_Brain": "Normal", "X-ray_Left_Foot": "Fracture of the fifth metatarsal"},
        "Urinalysis": {"Blood": "Negative", "Protein": "1+"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "BSE") == ["Erythrocyte_Sedimentation_Rate"]
    assert _paths(lookup, "SOE") == ["Erythrocyte_Sedimentation_Rate"]
    assert _paths(lookup, "kreat and ureum") == ["Chemistry > Urea", "Chemistry > Creatinine"]
    assert _paths(lookup, "X-thorax") == ["Chest_X-ray"]
    assert _paths(lookup, "X left foot") == ["Imaging > X-ray_Left_Foot"]
    assert _paths(lookup, "factor X") == []
    assert _paths(lookup, "emocromo") == ["Complete_Blood_Count"]
    assert _paths(lookup, "piastrine") == ["Complete_Blood_Count > Platelets"]
    assert _paths(lookup, "RMN encefalo") == ["Imaging > MRI_Brain"]
    assert _paths(lookup, "RX torace") == ["Chest_X-ray"]
    assert _paths(lookup, "general blood analysis") == ["Complete_Blood_Count"]
    assert _paths(lookup, "natrium, kalium") == ["Chemistry > Sodium", "Chemistry > Potassium"]
    assert _paths(lookup, "CBC c diff") == ["Complete_Blood_Count"]
    assert _paths(lookup, "U/A c micro") == ["Urinalysis"]
    assert _paths(lookup, "lymfocytes") == ["Complete_Blood_Count > Lymphocytes"]


def test_a_babys_result_is_the_fetal_one_and_mother_and_baby_are_both_asked() -> None:
    tests = {"Additional_Tests": {"Maternal_Blood_Group": "O Rh-negative", "Fetal_Blood_Group": "A Rh-positive"}}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "blood group of newborn") == ["Additional_Tests > Fetal_Blood_Group"]
    assert _paths(lookup, "blood groups of mother and baby") == [
        "Additional_Tests > Maternal_Blood_Group",
        "Additional_Tests > Fetal_Blood_Group",
    ]
    assert _paths(lookup, "mother's blood group") == ["Additional_Tests > Maternal_Blood_Group"]


def test_a_sample_written_as_one_letter_and_abbreviations_listed_in_mixed_case_are_read() -> None:
    tests = {
        "Chemistry": {"Creatinine": "1.9 mg/dL", "Glucose": "140 mg/dL"},
        "Complete_Blood_Count": {"Hemoglobin": "10.2", "Leukocyte_Count": "12,000", "Platelet_Count": "90,000"},
        "Autoantibodies": {"c-ANCA": "Negative"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "s-Cr") == ["Chemistry > Creatinine"]
    assert _paths(lookup, "P-glucose") == ["Chemistry > Glucose"]
    assert _paths(lookup, "p-ANCA") == []
    assert _paths(lookup, "Hb leuco thrombo") == [
        "Complete_Blood_Count > Hemoglobin",
        "Complete_Blood_Count > Leukocyte_Count",
        "Complete_Blood_Count > Platelet_Count",
    ]
    assert _paths(lookup, "Hgb A1c") == []


def test_russian_names_of_signs_and_studies_find_them() -> None:
    tests = {
        "Urinalysis": {"Appearance": "Dark yellow, cloudy", "Protein": "Negative"},
        "Coagulation": {"PT": "18 s", "INR": "1.6"},
    }
    exam = {
        "Kidney_Examination": {"Costovertebral_Angle_Tenderness": "Positive on the right"},
        "Knee_Examination": {"Range_of_Motion": "Flexion limited to 90 degrees"},
    }
    lookup = LookupMeasurement(_case(tests, exam))
    assert _paths(lookup, "colour of urine") == ["Urinalysis > Appearance"]
    assert _paths(lookup, "PTI") == ["Coagulation > PT"]
    assert _paths(lookup, "Pasternatsky symptom") == ["Kidney_Examination > Costovertebral_Angle_Tenderness"]
    assert _paths(lookup, "volume of movements in knee") == ["Knee_Examination > Range_of_Motion"]


def test_llm_doctor_phrasings_find_their_tests() -> None:
    tests = {
        "Chemistry_Panel": {"Creatinine": "1.9 mg/dL"},
        "Lumbar_Puncture": {"CSF_Protein": "90 mg/dL", "CSF_Glucose": "30 mg/dL", "Serum_Glucose": "100 mg/dL"},
        "X-Ray_Right_Knee": "Lytic lesion of the distal femur",
        "Toxicology_Screen": {"Cocaine": "Positive"},
        "Screening_Tests": {"Depression_Screening": "PHQ-A score 17"},
        "Hepatitis_Panel": {"HBsAg": "Positive", "Anti-HBs": "Negative", "Anti-HCV": "Negative"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "REQUEST TEST: Serum_Creatinine to check kidney function") == ["Chemistry_Panel > Creatinine"]
    assert _paths(lookup, "REQUEST TEST: CSF protein and glucose") == [
        "Lumbar_Puncture > CSF_Protein",
        "Lumbar_Puncture > CSF_Glucose",
    ]
    assert _paths(lookup, "REQUEST TEST: Knee_Xray_AP_Lateral") == ["X-Ray_Right_Knee"]
    assert _paths(lookup, "Comprehensive Urine Toxicology Screen") == ["Toxicology_Screen"]
    assert _paths(lookup, "REQUEST TEST: PHQ-A") == ["Screening_Tests > Depression_Screening"]
    assert _paths(lookup, "hepatitis B") == ["Hepatitis_Panel > HBsAg", "Hepatitis_Panel > Anti-HBs"]


def test_a_word_that_is_only_part_of_a_tests_name_is_no_other_test_on_a_study() -> None:
    tests = {"Imaging": {"Pelvic_Ultrasound": "Enlarged ovaries with multiple peripheral follicles"}}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "ovarian morphology on the pelvic scan?") == ["Imaging > Pelvic_Ultrasound"]
    assert _paths(lookup, "immunostain on the pelvic scan?") == []


def test_a_test_of_a_sample_after_a_comma_is_a_test_of_its_own_and_philippine_and_turkish_names() -> None:
    tests = {
        "Complete_Blood_Count": {"WBC": "12,000"},
        "Urinalysis": {"Osmolality": "600 mOsm/kg", "Culture": "No growth"},
        "ECG": "Sinus rhythm",
        "Chemistry": {"Creatinine": "1.1 mg/dL"},
        "Joint_Aspiration": {"Analysis": {"WBC": "50,000", "Gram_Stain": "Negative"}},
        "Blood_Cultures": "No growth",
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "CBC, urinalysis, ECG") == ["Complete_Blood_Count", "Urinalysis", "ECG"]
    assert _paths(lookup, "CBC, UA") == ["Complete_Blood_Count", "Urinalysis"]
    assert _paths(lookup, "Osmolality, serum") == []
    assert _paths(lookup, "synovial fluid CS") == []
    assert _paths(lookup, "serum crea pls") == ["Chemistry > Creatinine"]
    assert _paths(lookup, "TIT") == ["Urinalysis"]


def test_numbered_lists_units_after_in_and_questions_of_what_a_test_showed_or_was_positive_for() -> None:
    tests = {
        "Complete_Blood_Count": {"Hemoglobin": "10.2 g/dL"},
        "Erythrocyte_Sedimentation_Rate": "60 mm/h",
        "Urinalysis": {"Nitrites": "Positive", "Leukocyte_Esterase": "Positive"},
        "Toxicology_Screen": {"Cocaine": "Negative", "Amphetamines": "Positive"},
        "Spirometry": {"FEV1": "60%", "FEV1/FVC": "0.62"},
        "Vital_Signs": {"Heart_Rate": "88 bpm"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "1. CBC") == ["Complete_Blood_Count"]
    assert _paths(lookup, "2) Hemoglobin") == ["Complete_Blood_Count > Hemoglobin"]
    assert _paths(lookup, "What was the ESR in mm/hr?") == ["Erythrocyte_Sedimentation_Rate"]
    assert _paths(lookup, "Did the urine dipstick show nitrites?") == ["Urinalysis > Nitrites"]
    assert _paths(lookup, "Was the toxicology screen positive for amphetamines?") == [
        "Toxicology_Screen > Amphetamines"
    ]
    assert _paths(lookup, "Was the tox screen positive for benzos?") == []
    assert _paths(lookup, "Is there airflow obstruction on spirometry?") == ["Spirometry"]
    assert _paths(lookup, "Any benzos or opiates on the drug screen?") == []


def test_icu_shorthand_a_number_of_views_and_a_list_after_the_dash_find_their_results() -> None:
    tests = {
        "Blood_Tests": {"Glucose": "250 mg/dL"},
        "Imaging": {"CT_Head": "No bleed"},
        "X-ray_of_the_Right_Hand": "Boxer's fracture",
        "Urinalysis": {"Nitrite": "Positive", "Leukocyte_Esterase": "Positive", "Protein": "Negative"},
        "Renal_Function_Tests": {"Creatinine": "2.1 mg/dL"},
    }
    exam = {"Hand_Examination": {"Inspection": "Swelling over the fifth knuckle"}}
    lookup = LookupMeasurement(_case(tests, exam))
    assert _paths(lookup, "FSBG") == ["Blood_Tests > Glucose"]
    assert _paths(lookup, "CTH") == ["Imaging > CT_Head"]
    assert _paths(lookup, "hand 3 view") == ["X-ray_of_the_Right_Hand"]
    assert _paths(lookup, "UA - nitrite/LE?") == ["Urinalysis > Nitrite", "Urinalysis > Leukocyte_Esterase"]
    assert _paths(lookup, "renal fxn") == ["Renal_Function_Tests"]


def test_a_gloss_whose_items_alone_find_another_tests_results_is_read_inside_its_heading() -> None:
    tests = {
        "Complete_Blood_Count": {"WBC": "9,000"},
        "Urinalysis": {"Appearance": "Clear", "WBC": "0-5 /HPF", "RBC": "0-2 /HPF", "Protein": "Negative"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "urinalysis (RBC, WBC)") == ["Urinalysis > WBC", "Urinalysis > RBC"]
    assert _paths(lookup, "urinary sediment RBC WBC") == ["Urinalysis > WBC", "Urinalysis > RBC"]
    assert _paths(lookup, "WBC") == ["Complete_Blood_Count > WBC"]


def test_a_panel_the_case_lacks_is_not_answered_with_another_panels_or_another_samples_result() -> None:
    tests = {
        "Serum_Electrolytes": {"Na": "140", "K": "4.0", "Cl": "102", "HCO3": "24"},
        "Lumbar_Puncture": {"CSF_Glucose": "30 mg/dL", "Serum_Glucose": "100 mg/dL"},
        "Urine_Tests": {"Protein": "2+"},
        "Urinalysis": {"Hansels_Stain_Eosinophils": "Eosinophils seen in the urine"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "blood gas") == []
    assert _paths(lookup, "Basic Metabolic Panel") == ["Serum_Electrolytes"]  # not the glucose drawn at the tap
    assert _paths(lookup, "24h proteinuria") == []
    assert _paths(lookup, "proteinuria") == ["Urine_Tests > Protein"]
    assert _paths(lookup, "Complete Blood Count with differential (eosinophil count)") == []


def test_a_prefixed_question_a_plain_i_want_and_a_culture_for_the_organism_it_reports() -> None:
    tests = {
        "Pelvic_Ultrasound": "Enlarged ovaries with many follicles",
        "Chest_X-ray": "Clear",
        "Chest_CT": "Anterior mediastinal mass",
        "Throat_Culture": {"Findings": "Negative for Group A Streptococcus"},
    }
    exam = {"General_Examination": {"Inspection": "Pale"}}
    lookup = LookupMeasurement(_case(tests, exam))
    assert _paths(lookup, "REQUEST TEST: What did the pelvic ultrasound show?") == ["Pelvic_Ultrasound"]
    assert _paths(lookup, "I want a chest xray and CT chest") == ["Chest_X-ray", "Chest_CT"]
    assert _paths(lookup, "Throat culture for group A streptococcus") == ["Throat_Culture"]
    assert _paths(lookup, "general inspection for pallor") == ["General_Examination > Inspection"]


def test_a_value_compared_after_the_test_and_a_dipstick_for_blood_ask_for_the_result() -> None:
    tests = {"CD4_Count": "42 cells/uL", "Urinalysis": {"Blood": "3+", "Protein": "Negative"}}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Is the CD4 count below 50?") == ["CD4_Count"]
    assert _paths(lookup, "Urine dipstick for blood") == ["Urinalysis > Blood"]


def test_a_numbered_list_on_one_line_an_article_before_a_test_and_a_gloss_before_another_test() -> None:
    tests = {
        "Serum_Biochemistry": {"Creatinine": "2.1 mg/dL"},
        "Urinalysis": {"Protein": "Negative", "Bacterial_Culture": "No growth"},
        "Echocardiogram": "Normal ejection fraction",
        "ECG": "Sinus rhythm",
    }
    lookup = LookupMeasurement(_case(tests))
    both = ["Serum_Biochemistry > Creatinine", "Urinalysis > Bacterial_Culture"]
    assert _paths(lookup, "REQUEST TEST: 1. Serum creatinine 2. Urine culture") == both
    assert _paths(lookup, "1. Serum creatinine 2) Urine culture") == both
    assert _paths(lookup, "I would like to order a serum creatinine and a urinalysis.") == [
        "Serum_Biochemistry > Creatinine",
        "Urinalysis",
    ]
    assert _paths(lookup, "transthoracic echocardiography (TTE) and an ECG") == ["Echocardiogram", "ECG"]


def test_a_test_after_a_panel_is_its_own_and_short_capital_abbreviations_are_each_asked() -> None:
    tests = {
        "Complete_Blood_Count": {"WBC": "5,000/mm3", "Hemoglobin": "12 g/dL"},
        "HIV_Test": "Positive",
        "Coagulation_Test_Results": {"PT": "13 s", "Thrombin_time": "30 s"},
        "Serum": {"Glucose": "60 mg/dL", "C-peptide_level": "Low"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "CBC and HIV") == ["Complete_Blood_Count", "HIV_Test"]
    assert _paths(lookup, "PT and TT") == ["Coagulation_Test_Results > PT", "Coagulation_Test_Results > Thrombin_time"]
    assert _paths(lookup, "glucose + c-pep") == ["Serum > Glucose", "Serum > C-peptide_level"]
    volumes = {
        "Pulmonary_Function_Test": {"Total_Lung_Capacity": "110% predicted", "Residual_Volume": "140% predicted"}
    }
    assert _paths(LookupMeasurement(_case(volumes)), "TLC and RV") == [
        "Pulmonary_Function_Test > Total_Lung_Capacity",
        "Pulmonary_Function_Test > Residual_Volume",
    ]


def test_a_test_the_case_lacks_is_not_answered_through_its_gloss_or_a_typing_on_a_biopsy() -> None:
    tests = {
        "Urinalysis": {"Protein": "Negative"},
        "Laboratory_Studies": {"Hemoglobin": "7.5 g/dL", "Reticulocyte_Count": "13%"},
        "Biopsy": {"Findings": "Cells with nuclear hyperchromasia"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Chlamydia trachomatis NAAT (urine)") == []
    assert _paths(lookup, "urinalysis (urine)") == ["Urinalysis"]
    assert _paths(lookup, "Hemolysis labs (LDH, haptoglobin, indirect bilirubin)") == []
    assert _paths(lookup, "Hemolysis labs (hemoglobin, reticulocytes)") == ["Laboratory_Studies"]  # all it holds
    assert _paths(lookup, "HPV typing on the biopsy") == []
    assert _paths(lookup, "what did the biopsy show") == ["Biopsy"]


def test_order_entry_views_and_limbs_and_a_reason_in_brackets() -> None:
    tests = {
        "Chest_X-ray": "Clear lungs",
        "Doppler_Ultrasound_Lower_Limb": "No thrombus",
        "Complete_Blood_Count": {"WBC": "45,000/mm3"},
    }
    exam = {"Musculoskeletal_Examination": {"Inspection": "No deformity"}}
    lookup = LookupMeasurement(_case(tests, exam))
    assert _paths(lookup, "cxr 2v") == ["Chest_X-ray"]
    assert _paths(lookup, "lower ext doppler") == ["Doppler_Ultrasound_Lower_Limb"]
    assert _paths(lookup, "Peripheral blood smear (to look for smudge cells)") == []
    assert _paths(lookup, "CBC (to evaluate for leukocytosis)") == ["Complete_Blood_Count"]


def test_a_request_wrapped_in_an_llm_doctors_sentence_finds_its_test() -> None:
    tests = {"Chest_X-ray": "Right lower lobe consolidation", "HIV_Test": "Positive", "Urine_Beta_hCG": "Negative"}
    exam = {"Cardiac_Examination": {"Heart_Sounds": "S1 S2 normal, no murmur"}}
    lookup = LookupMeasurement(_case(tests, exam))
    assert _paths(lookup, "Let me request a chest radiograph to look for pneumonia or an effusion.") == ["Chest_X-ray"]
    assert _paths(lookup, "Given the papules and lymphadenopathy, I would like to order an HIV test.") == ["HIV_Test"]
    assert _paths(lookup, "Based on the amenorrhea, let me first check a pregnancy test.") == ["Urine_Beta_hCG"]
    assert _paths(lookup, "Let me listen to the heart.") == ["Cardiac_Examination > Heart_Sounds"]
    assert _paths(lookup, "first chest film") == ["Chest_X-ray"]


def test_spanish_names_of_tests_and_examinations_find_them() -> None:
    tests = {
        "Fine_Needle_Aspiration_Biopsy": "Papillary carcinoma",
        "Liver_Function_Tests": {"AST": "40 U/L"},
        "Colonoscopy": "Ulcerated mass",
        "Flow_Cytometry": "CD5+ B cells",
        "Cardiac_MRI": "Late gadolinium enhancement",
        "Transvaginal_Ultrasound": "Empty uterus",
        "Blood_Tests": {"Sodium": "140 mEq/L"},
        "Urinalysis": {"Nitrites": "Positive", "Leukocyte_Esterase": "Positive", "WBC": "20/hpf"},
    }
    exam = {"Abdominal_Examination": "Soft", "Neurological_Examination": {"Deep_Tendon_Reflexes": "Absent"}}
    lookup = LookupMeasurement(_case(tests, exam))
    assert _paths(lookup, "PAAF") == ["Fine_Needle_Aspiration_Biopsy"]
    assert _paths(lookup, "hepatic profile") == ["Liver_Function_Tests"]
    assert _paths(lookup, "what showed the colono?") == ["Colonoscopy"]
    assert _paths(lookup, "cytometry") == ["Flow_Cytometry"]
    assert _paths(lookup, "cardio-RMN with gadolinium") == ["Cardiac_MRI"]
    assert _paths(lookup, "TV eco") == ["Transvaginal_Ultrasound"]
    assert _paths(lookup, "explore the abdomen") == ["Abdominal_Examination"]
    assert _paths(lookup, "osteotendinous reflexes") == ["Neurological_Examination > Deep_Tendon_Reflexes"]
    assert _paths(lookup, "REQUEST TEST: Basic blood work") == ["Blood_Tests"]
    assert _paths(lookup, "urine nitrites and leucs") == ["Urinalysis > Nitrites", "Urinalysis > Leukocyte_Esterase"]


def test_german_names_of_tests_and_a_sharp_s_find_them() -> None:
    tests = {
        "Complete_Blood_Count": {"Hemoglobin": "9 g/dL", "Platelets": "90,000/mm3"},
        "Liver_Function_Tests": {"ALT": "300 U/L"},
        "Blood_Work": {"Creatinine": "2.0 mg/dL", "Urea_Nitrogen": "40 mg/dL"},
        "Urine_β-hCG": "Positive",
        "X-ray": {"Left_Foot": "Fifth metatarsal fracture"},
        "Spirometry": "FEV1/FVC 0.6",
        "Blood_Pressure_Monitoring": "Mean 150/95 mmHg",
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "kleines Blutbild") == ["Complete_Blood_Count"]
    assert _paths(lookup, "großes Blutbild") == ["Complete_Blood_Count"]
    assert _paths(lookup, "Thrombozyten") == ["Complete_Blood_Count > Platelets"]
    assert _paths(lookup, "Leberwerte") == ["Liver_Function_Tests"]
    assert _paths(lookup, "Krea und Harnstoff") == ["Blood_Work > Creatinine", "Blood_Work > Urea_Nitrogen"]
    assert _paths(lookup, "ß-hCG im Harn") == ["Urine_β-hCG"]
    assert _paths(lookup, "Rö Vorfuß links") == ["X-ray > Left_Foot"]
    assert _paths(lookup, "Lufu") == ["Spirometry"]
    assert _paths(lookup, "RR-Verlauf") == ["Blood_Pressure_Monitoring"]


def test_a_headed_request_and_a_blood_gas_the_case_lacks_get_no_other_result() -> None:
    tests = {
        "Imaging": {"Chest_X-ray": "Clear"},
        "Serum_Chemistries": {f"{name}": "1" for name in ("Na", "Cl", "K", "HCO3", "BUN", "Glucose", "Creatinine")},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "REQUEST TEST: Imaging - MRI Brain") == []
    assert _paths(lookup, "Imaging - chest X-ray") == ["Imaging > Chest_X-ray"]
    assert _paths(lookup, "BGA") == []
    assert _paths(lookup, "blood gas") == []
    assert _paths(lookup, "bicarbonate") == ["Serum_Chemistries > HCO3"]


def test_french_and_portuguese_names_of_tests_find_them() -> None:
    tests = {
        "Liver_Function_Tests": {"Bilirubin_Total": "3 mg/dL", "Bilirubin_Direct": "2 mg/dL", "ALP": "400 U/L"},
        "Skin_Biopsy": {"Findings": "Subepidermal blister"},
        "Electrolytes": {"Sodium": "130 mEq/L", "Potassium": "3.1 mEq/L", "Chloride": "90 mEq/L"},
        "Blood_Work": {"Urea_Nitrogen": "40 mg/dL", "Creatinine": "2.1 mg/dL"},
        "Upper_Endoscopy": {"Findings": "Duodenal ulcer"},
        "Hepatitis_Viral_Panel": {"HBeAg": "Negative"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "bili totale et conjuguée") == [
        "Liver_Function_Tests > Bilirubin_Total",
        "Liver_Function_Tests > Bilirubin_Direct",
    ]
    assert _paths(lookup, "biopsie cutanée") == ["Skin_Biopsy"]
    assert _paths(lookup, "kaliémie") == ["Electrolytes > Potassium"]
    assert _paths(lookup, "K e Cl") == ["Electrolytes > Potassium", "Electrolytes > Chloride"]
    assert _paths(lookup, "ureia e creatinina") == ["Blood_Work > Urea_Nitrogen", "Blood_Work > Creatinine"]
    assert _paths(lookup, "endoscopia digestiva alta") == ["Upper_Endoscopy"]
    assert _paths(lookup, "hepatitis B e antigen") == ["Hepatitis_Viral_Panel > HBeAg"]


def test_no_phrase_of_the_table_holds_a_word_the_table_respells() -> None:
    # Request words are respelt before phrases are looked up, so such a phrase could never be found.
    table = name_table()
    unreachable = [
        " ".join(words) for words in table.phrases if len(words) > 1 and any(word in table.spellings for word in words)
    ]
    assert unreachable == []


def test_markdown_a_bulleted_line_a_further_reason_and_if_available_leave_the_order() -> None:
    tests = {"Blood_Tests": {"BUN": "30 mg/dL", "C-Reactive_Protein": "5 mg/dL"}}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "**BUN**") == ["Blood_Tests > BUN"]
    assert _paths(lookup, "REQUEST TEST: **CRP**") == ["Blood_Tests > C-Reactive_Protein"]
    assert _paths(lookup, "- BUN - CRP") == ["Blood_Tests > BUN", "Blood_Tests > C-Reactive_Protein"]
    assert _paths(lookup, "I'd like to order a BUN to further evaluate.") == ["Blood_Tests > BUN"]
    assert _paths(lookup, "REQUEST TEST: CRP if available") == ["Blood_Tests > C-Reactive_Protein"]


def test_an_llm_doctors_reasoning_before_the_tag_an_antibody_to_further_evaluate_and_a_phase_before_show() -> None:
    tests = {
        "Blood_Tests": {"Acetylcholine_Receptor_Antibodies": "Positive"},
        "Electrolytes": {"Potassium": "3.0 mEq/L"},
        "MRI_Brain": {"Findings": "Periventricular lesions"},
        "Complete_Blood_Count": {"WBC": "9,000/mm3"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "I'd like to order an AChR antibodies to further evaluate.") == [
        "Blood_Tests > Acetylcholine_Receptor_Antibodies"
    ]
    assert _paths(lookup, "To further evaluate, REQUEST TEST: Lab: Potassium") == ["Electrolytes > Potassium"]
    assert _paths(lookup, "What did the MRI brain w/wo contrast show?") == ["MRI_Brain"]
    assert _paths(lookup, "What did the CBC w/o diff show?") == ["Complete_Blood_Count"]


def test_what_of_a_test_is_wanted_after_specifically_and_a_result_that_came_back() -> None:
    tests = {
        "Urinalysis": {"Osmolality": "800 mOsm/kg", "Na": "10 mEq/L", "WBC": "50/hpf", "Nitrites": "Positive"},
        "Serum": {"Na": "128 mEq/L"},
        "HIV_Test": "Positive",
    }
    exam = {"Abdominal_Examination": {"Palpation": "LLQ tenderness", "Percussion": "Tympanic"}}
    lookup = LookupMeasurement(_case(tests, exam))
    assert _paths(lookup, "I'd like to see the urine studies, specifically the osmolality and sodium.") == [
        "Urinalysis > Osmolality",
        "Urinalysis > Na",
    ]
    assert _paths(lookup, "the urinalysis, specifically looking for white cells and nitrites") == [
        "Urinalysis > WBC",
        "Urinalysis > Nitrites",
    ]
    assert _paths(lookup, "Palpate the abdomen, especially the left lower quadrant") == [
        "Abdominal_Examination > Palpation"
    ]
    assert _paths(lookup, "Has the HIV result come back yet?") == ["HIV_Test"]


def test_reasons_written_before_the_tag_are_not_read_as_a_request() -> None:
    tests = {"Skin_Scraping": {"Microscopy": "Hyphae", "Culture": "Trichophyton"}, "Lipase": "2,140 U/L"}
    exam = {"Mental_Status_Exam": {"Insight_and_Judgment": "Poor insight into substance use"}}
    lookup = LookupMeasurement(_case(tests, exam))
    assert _paths(lookup, "Substance use should be excluded. REQUEST TEST: Urine Drug Screen") == []
    assert _paths(lookup, "Tinea should be excluded. REQUEST TEST: Skin scraping") == ["Skin_Scraping"]
    assert _paths(lookup, "Lab results for lipase") == ["Lipase"]


def test_a_generic_heading_glossed_with_tests_and_fingernails_and_an_adverb_after_the_part() -> None:
    tests = {
        "Blood_Tests": {
            "CBC": "Within normal limits",
            "Electrolytes": "Within normal limits",
            "Liver_Function_Tests": "Within normal limits",
            "Thyroid_Function_Tests": "Normal",
        },
        "Iron_Studies": {
            "Ferritin": "5 ng/mL",
            "Iron": "20 ug/dL",
            "TIBC": "450 ug/dL",
            "Transferrin_Saturation": "4%",
        },
    }
    exam = {
        "General_Examination": {"Skin": "Pale; spoon-shaped nails"},
        "Dermatological_Examination": {"Inspection": "Scaly plaque on the scalp"},
    }
    lookup = LookupMeasurement(_case(tests, exam))
    assert _paths(lookup, "REQUEST TEST: Blood Work (CBC, BMP, LFTs)") == [
        "Blood_Tests > CBC",
        "Blood_Tests > Electrolytes",
        "Blood_Tests > Liver_Function_Tests",
    ]
    assert _paths(lookup, "Iron studies (ferritin, iron, TIBC)") == ["Iron_Studies"]  # a panel named, all but one part
    assert _paths(lookup, "I would like to examine the patient's fingernails.") == ["General_Examination > Skin"]
    scalp = LookupMeasurement(_case({}, {"Dermatological_Examination": {"Inspection": "Scaly plaque on the scalp"}}))
    assert _paths(scalp, "I would like to inspect the scalp lesion closely.") == [
        "Dermatological_Examination > Inspection"
    ]


def test_a_part_asked_with_a_blood_panel_the_case_lacks_is_not_the_urines() -> None:
    tests = {"Urinalysis": {"Cytospin_Stained_With_Hansels_Solution": "Eosinophils present"}}
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "REQUEST TEST: CBC with eosinophil count") == []
    assert _paths(lookup, "CBC with diff, any eosinophilia") == []
    assert _paths(lookup, "urine eosinophils") == ["Urinalysis > Cytospin_Stained_With_Hansels_Solution"]


def test_a_cloudy_urine_a_detectable_antibody_and_an_excised_specimen_find_their_results() -> None:
    tests = {
        "Urinalysis": {"Appearance": "Cloudy", "Nitrites": "Positive"},
        "Blood_Tests": {"Acetylcholine_Receptor_Antibodies": "Positive"},
        "Biopsy": {"Histopathology": "Basal cell carcinoma"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Is the urine cloudy?") == ["Urinalysis > Appearance"]
    assert _paths(lookup, "Are anti-AChR antibodies detectable?") == ["Blood_Tests > Acetylcholine_Receptor_Antibodies"]
    assert _paths(lookup, "histopathology of the excised lesion") == ["Biopsy > Histopathology"]


def test_more_german_french_and_portuguese_names_find_their_results() -> None:
    tests = {
        "Chest_X-ray": "Hyperinflation",
        "Imaging": {"Renal_Ultrasonography": "Small kidneys"},
        "Urinalysis": {"Appearance": "Cloudy", "Nitrites": "Positive"},
        "Blood_Glucose": {"Fasting_Blood_Glucose": "130 mg/dL"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "Thoraxröntgen") == ["Chest_X-ray"]
    assert _paths(lookup, "Nierensono") == ["Imaging > Renal_Ultrasonography"]
    assert _paths(lookup, "aspect des urines") == ["Urinalysis > Appearance"]
    assert _paths(lookup, "glicemia de jejum") == ["Blood_Glucose > Fasting_Blood_Glucose"]


def test_urine_results_listed_after_the_sample_and_ward_lists_of_panels() -> None:
    tests = {
        "Laboratory_Studies": {"Glucose": "77 mg/dL", "Urea": "6 mmol/L", "Sodium": "139 mmol/L"},
        "Urine_Tests": {"Blood": "Negative", "Glucose": "Negative", "Protein": "4+"},
        "Complete_Blood_Count": {"Hemoglobin": "11.2 g/dL"},
        "Coagulation": {"PT": "12 s", "Thrombin_time": "15 s"},
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "urine blood and glucose") == ["Urine_Tests > Blood", "Urine_Tests > Glucose"]
    assert _paths(lookup, "urine glucose and blood") == ["Urine_Tests > Blood", "Urine_Tests > Glucose"]
    assert _paths(lookup, "urine protein, blood and glucose") == [
        "Urine_Tests > Blood",
        "Urine_Tests > Glucose",
        "Urine_Tests > Protein",
    ]
    assert _paths(lookup, "blood glucose") == ["Laboratory_Studies > Glucose"]
    assert _paths(lookup, "fbc, u&e") == _paths(lookup, "FBC and U+E") == _paths(lookup, "u&e, fbc")
    assert "Complete_Blood_Count" in _paths(lookup, "fbc, u&e")
    assert "Laboratory_Studies > Sodium" in _paths(lookup, "fbc, u&e")
    assert _paths(lookup, "pt + tt") == ["Coagulation > PT", "Coagulation > Thrombin_time"]


def test_a_question_on_a_test_a_time_asked_after_it_and_clipped_or_british_names() -> None:
    tests = {
        "Spirometry": {"FEV1_FVC_Ratio": "65%", "FEV1": "60%"},
        "Blood_Tests": {"C-Reactive_Protein": "40 mg/L", "ESR": "50 mm/h"},
        "Vital_Signs_Trend": {"Blood_Pressure": "80/50 mm Hg"},
        "Anoscopy": {"Findings": "Internal haemorrhoids"},
        "Imaging": {"Pelvic_X-ray": {"Findings": "Femoral neck fracture"}},
    }
    exam = {"Chest_Examination": {"Auscultation": "Crunching, rasping sound heard over the chest"}}
    lookup = LookupMeasurement(_case(tests, exam))
    assert _paths(lookup, "Is there an obstructive pattern on spirometry?") == ["Spirometry"]
    assert _paths(lookup, "What blood tests have been done so far?") == ["Blood_Tests"]
    assert _paths(lookup, "what bloods have we got") == ["Blood_Tests"]
    assert _paths(lookup, "bp trend over the last 5 mins") == ["Vital_Signs_Trend > Blood_Pressure"]
    assert _paths(lookup, "inflamm markers") == ["Blood_Tests > C-Reactive_Protein", "Blood_Tests > ESR"]
    assert _paths(lookup, "Proctoscopy") == _paths(lookup, "anoscopic examination") == ["Anoscopy"]
    assert _paths(lookup, "Anteroposterior pelvic radiograph") == ["Imaging > Pelvic_X-ray"]
    assert _paths(lookup, "any hammans crunch") == ["Chest_Examination > Auscultation"]
    assert _paths(lookup, "is the chest bulging") == ["Chest_Examination"]  # a finding word, no part of the name


def test_an_antibody_no_part_of_a_serology_reports_gets_the_missing_result() -> None:
    lookup = LookupMeasurement(_case({"Serology": {"Anti-PGL-1_antibodies": "Positive"}}))
    assert _paths(lookup, "hiv serology") == []
    assert _paths(lookup, "serology") == ["Serology"]
    assert _paths(lookup, "anti-PGL-1 antibodies") == ["Serology > Anti-PGL-1_antibodies"]
    hepatitis = LookupMeasurement(_case({"Serology": {"HBsAg": "Positive", "Anti-HCV": "Negative"}}))
    assert "Serology > HBsAg" in _paths(hepatitis, "hepatitis B serology")


def test_a_site_the_case_reports_no_test_at_and_order_entry_headings() -> None:
    tests = {
        "Peripheral_Blood_Smear": {"Findings": "Smudge cells"},
        "Urinalysis": {"Appearance": "Cloudy", "Blood": "Negative"},
        "Erythrocyte_Sedimentation_Rate": {"Rate": "40 mm/h"},
        "Head_Imaging": {"Findings": "No bleed"},
        "Biopsy": {"Endometrial_Biopsy": {"Findings": "Hyperplasia"}},
    }
    exam = {
        "Vital_Signs": {
            "Blood_Pressure": "120/80 mm Hg",
            "Heart_Rate": "88/min",
            "Vision": {"Right_Eye": "20/40", "Left_Eye": "20/20"},
        },
        "General_Examination": {"Neurological": {"Nystagmus": "Horizontal"}},
        "Right_Hand_Examination": {"Special_Tests": {"Finkelstein's_Test": "Pain on ulnar deviation of the thumb"}},
        "Abdominal_Examination": {"Palpation": "Soft"},
    }
    lookup = LookupMeasurement(_case(tests, exam))
    assert _paths(lookup, "visual acuity both eyes") == ["Vital_Signs > Vision"]
    assert _paths(lookup, "VA right eye") == ["Vital_Signs > Vision > Right_Eye"]
    assert _paths(lookup, "BP in right arm") == ["Vital_Signs > Blood_Pressure"]
    assert _paths(lookup, "pedal pulses") == []  # a pulse felt at the foot is no vital sign
    assert _paths(lookup, "smudge cells on the film?") == ["Peripheral_Blood_Smear"]
    assert _paths(lookup, "what the urine looks like - clear or cloudy?") == ["Urinalysis > Appearance"]
    assert _paths(lookup, "Is there any blood on the urinalysis?") == ["Urinalysis > Blood"]
    assert _paths(lookup, "esr value in mm 1st hr?") == ["Erythrocyte_Sedimentation_Rate"]
    assert _paths(lookup, "Test: CT, head") == ["Head_Imaging"]
    assert _paths(lookup, "X-ray of Right Wrist and Thumb") == []
    assert _paths(lookup, "ECG 12 lead, for the tachycardia") == []
    assert _paths(lookup, "Gently palpate the abdomen") == ["Abdominal_Examination > Palpation"]
    assert _paths(lookup, "biopsy of endometrium") == ["Biopsy > Endometrial_Biopsy"]


def test_a_remark_after_a_dash_or_in_brackets_generic_blood_tests_and_ratios_in_a_list() -> None:
    tests = {
        "Blood_Work": {"INR": "2.1", "Platelet_Count": "90,000/mm3", "Creatinine": "1.1 mg/dL"},
        "Hematology": {"Hemoglobin": "10 g/dL"},
        "Spirometry": {"FEV1_FVC_Ratio": "65%", "FEV1": "60%"},
        "Chest_X-ray": {"Findings": "Hyperinflation"},
        "Iron_Studies": {"Serum_Iron": "30 ug/dL", "Iron_Saturation": "8%"},
        "Fecal_Occult_Blood_Test": "Positive",
        "Imaging": {"MRI_Abdomen": {"Findings": "Normal"}},
    }
    exam = {"Neurological_Examination": {"Reflexes": "2+ throughout"}}
    lookup = LookupMeasurement(_case(tests, exam))
    assert _paths(lookup, "REQUEST TEST: INR — the key marker of synthetic function here") == ["Blood_Work > INR"]
    assert _paths(lookup, "platelets — the epistaxis could be thrombocytopenia rather than coagulopathy") == [
        "Blood_Work > Platelet_Count"
    ]
    assert _paths(lookup, "serum creatinine (renal function before we decide on fluids)") == ["Blood_Work > Creatinine"]
    assert _paths(lookup, "Neuro exam - sensation") == []  # a part the examination lacks, not a remark
    assert _paths(lookup, "Imaging - MRI Brain") == []
    assert _paths(lookup, "blood tests") == ["Blood_Work"]  # the case's own name for them
    counts = LookupMeasurement(_case({"Complete_Blood_Count": {"Hemoglobin": "10 g/dL"}, "Chest_X-ray": "Clear"}))
    assert _paths(counts, "blood tests") == _paths(counts, "bloods back yet?") == ["Complete_Blood_Count"]
    assert _paths(lookup, "FEV1 and FEV1/FVC") == _paths(lookup, "FEV1/FVC ratio and FEV1")
    assert set(_paths(lookup, "FEV1/FVC ratio and FEV1")) == {"Spirometry > FEV1_FVC_Ratio", "Spirometry > FEV1"}
    assert set(_paths(lookup, "FEV1/FVC ratio and a chest film")) == {"Spirometry > FEV1_FVC_Ratio", "Chest_X-ray"}
    assert _paths(lookup, "serum iron and transferrin saturation") == [
        "Iron_Studies > Serum_Iron",
        "Iron_Studies > Iron_Saturation",
    ]
    assert "Fecal_Occult_Blood_Test" in _paths(lookup, "cbc w/ diff + fobt")


def test_a_dialogue_opener_a_ward_shorthand_after_the_test_and_a_bare_reason_after_a_dash() -> None:
    tests = {
        "Imaging": {"Ultrasound_of_the_Neck": {"Findings": "Enlarged node"}, "Chest_X-ray": "Clear"},
        "Comprehensive_Metabolic_Panel": "Normal",
        "Blood_Tests": {"Cardiac_Enzymes": "Normal", "Electrolytes": "Normal", "Hemoglobin": "9 g/dL"},
        "Blood_Culture": {"Findings": "No growth"},
        "Pulmonary_Function_Test": "Obstructive pattern",
    }
    lookup = LookupMeasurement(_case(tests, {"Vital_Signs": {"Temperature": "39.1 C"}}))
    neck = ["Imaging > Ultrasound_of_the_Neck"]
    assert _paths(lookup, "Okay, I'd like to see the **neck sonogram** results.") == neck
    assert (
        _paths(lookup, "Alright, let's get a neck sonogram.")
        == _paths(lookup, "Thank you. Next, the neck sonogram")
        == neck
    )
    assert _paths(lookup, "cmp resulted yet") == ["Comprehensive_Metabolic_Panel"]
    assert _paths(lookup, "cxr read pls") == _paths(lookup, "pcxr") == ["Imaging > Chest_X-ray"]
    assert _paths(lookup, "trops neg?") == ["Blood_Tests > Cardiac_Enzymes"]
    assert _paths(lookup, "lytes wnl?") == ["Blood_Tests > Electrolytes"]
    assert (
        _paths(lookup, "hgb this am") == _paths(lookup, "hemoglobin — she looks pale") == ["Blood_Tests > Hemoglobin"]
    )
    assert _paths(lookup, "blood cultures growing anything") == ["Blood_Culture"]
    assert _paths(lookup, "full pulmonary function testing — confirm COPD") == ["Pulmonary_Function_Test"]
    absent = LookupMeasurement(_case({"CBC": "Normal"}, {"Vital_Signs": {"Temperature": "39.1 C"}}))
    assert _paths(absent, "blood cultures x2 (febrile, septic picture)") == []  # no temperature for the cultures


def test_what_you_hear_a_next_step_after_findings_and_a_bare_report_word() -> None:
    tests = {
        "Imaging": {"Chest_X-ray": {"Findings": "Left haemothorax"}},
        "Blood_Tests": {"CBC": "Normal"},
        "Neuropsychological_Testing": {"Results": "Executive deficits"},
        "Urinalysis": {"Appearance": "Cloudy", "Protein": "2+", "Glucose": "Negative"},
        "Lipid_Profile": {"Cholesterol": "240 mg/dL", "HDL": "35 mg/dL"},
    }
    exam = {
        "Respiratory_Examination": {"Auscultation": "Decreased breath sounds at the left base"},
        "Genitourinary_Examination": {"Palpation": {"Findings": "Absent cremasteric reflex on the right"}},
    }
    lookup = LookupMeasurement(_case(tests, exam))
    assert _paths(lookup, "What do you hear when you auscultate the left lung base?") == [
        "Respiratory_Examination > Auscultation"
    ]
    assert _paths(lookup, "Check cremasteric reflex bilaterally") == [
        "Genitourinary_Examination > Palpation > Findings"
    ]
    assert _paths(
        lookup,
        "Considering the decreased breath sounds after the collision, the next step is a portable chest radiograph.",
    ) == ["Imaging > Chest_X-ray"]
    assert _paths(lookup, "Have routine bloods been done? Please send results") == ["Blood_Tests"]
    assert _paths(lookup, "Results") == ["Neuropsychological_Testing > Results"]  # a leaf answers its own name
    assert _paths(lookup, "What does the urine look like?") == ["Urinalysis > Appearance"]
    assert _paths(lookup, "That's helpful. Is there any protein or glucose in the urine?") == [
        "Urinalysis > Protein",
        "Urinalysis > Glucose",
    ]
    assert _paths(lookup, "total chol and HDL") == ["Lipid_Profile > Cholesterol", "Lipid_Profile > HDL"]


def test_a_test_and_a_remark_on_it_are_read_apart() -> None:
    assert named_with_a_remark("INR — the key marker of synthetic function here") == (
        "INR",
        "the key marker of synthetic function here",
    )
    assert named_with_a_remark("serum creatinine (renal function before fluids)") == (
        "serum creatinine",
        "renal function before fluids",
    )
    assert named_with_a_remark("Neuro exam - sensation") is None  # a part of the examination, not a remark
    assert named_with_a_remark("Hemolysis labs (LDH, haptoglobin, indirect bilirubin)") is None  # a gloss of tests


def test_a_blood_count_after_a_culture_of_another_sample_is_the_blood_count() -> None:
    tests = {
        "Stool_Test": {"Culture": "No growth", "Clostridium_difficile_Toxin": "Positive", "WBC_in_Stool": "Present"},
        "Complete_Blood_Count": "WBC 15,000/mm3",
    }
    lookup = LookupMeasurement(_case(tests))
    assert _paths(lookup, "stool culture, C. difficile toxin, and a CBC") == [
        "Stool_Test > Culture",
        "Stool_Test > Clostridium_difficile_Toxin",
        "Complete_Blood_Count",
    ]
