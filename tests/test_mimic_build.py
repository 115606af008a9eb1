"""``agentclinic cases build-mimic`` on the synthetic MIMIC-IV fixture (tests/mimic_fixture.py).

The built cases validate, play in the environment and are solved by the oracle; nothing in the patient's,
the examination's or the tests' material names the diagnosis or another title of the admission; the
build is byte-identical on the same input and seed; codes, windows, blanks, v2.0 files, bad input and
the privacy gate behave as documented.
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mimic_fixture import (
    D_ICD_DIAGNOSES,
    D_ICD_PROCEDURES,
    DIAGNOSES,
    DRGCODES,
    FIXTURE_DIR,
    PROCEDURES,
    TABLE_ROWS,
    write_fixture,
)
from typer.testing import CliRunner

from agentclinic_sim.cli import app
from agentclinic_sim.consultation import start, step
from agentclinic_sim.env import ConsultationEnv
from agentclinic_sim.privacy import MimicPrivacyError, check_mimic_privacy
from agentclinic_sim.rewards import RewardConfig
from agentclinic_sim.run_settings import RunError, RunSettings
from agentclinic_sim.runner import Runner
from agents.cast import CastSpec
from agents.doctor import OracleDoctor
from agents.findings import render
from agents.leaks import GENERIC_WORDS, DiagnosisGuard
from scenarios import Case, load_cases
from scenarios.mimic import MimicInputError, build_mimic_cases
from scenarios.mimic.leak_guard import QUALIFIERS
from scenarios.mimic.selection import STATUS_CODE, TOO_FEW_RESULTS

pytest.importorskip("duckdb")

BUILT_IDS = {
    "mimiciv-90000001-80000001",
    "mimiciv-90000002-80000002",
    "mimiciv-90000003-80000003",
    "mimiciv-90000004-80000004",
    "mimiciv-90000008-80000008",
    "mimiciv-90000008-80000009",
    "mimiciv-90000009-80000010",
    "mimiciv-90000010-80000011",
}


def cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def records(path: Path) -> dict[str, dict[str, Any]]:
    """Built records by their ``_meta.case_id``."""
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return {record["_meta"]["case_id"]: record for record in lines}


def exam_of(record: dict[str, Any]) -> dict[str, Any]:
    return record["OSCE_Examination"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mimic") / "built.jsonl"
    build_mimic_cases(FIXTURE_DIR, out)
    return out


@pytest.fixture(scope="module")
def cases(built: Path) -> list[Case]:
    return load_cases(str(built))


# --- the fixture --------------------------------------------------------------------------------------------


def test_fixture_files_are_what_the_generator_writes(tmp_path: Path) -> None:
    write_fixture(tmp_path)
    committed = sorted(path.relative_to(FIXTURE_DIR) for path in FIXTURE_DIR.rglob("*.csv.gz"))
    assert committed == sorted(path.relative_to(tmp_path) for path in tmp_path.rglob("*.csv.gz"))
    assert len(committed) == len(TABLE_ROWS)
    for relative in committed:
        assert (FIXTURE_DIR / relative).read_bytes() == (tmp_path / relative).read_bytes(), relative


# --- the command and what it reports ----------------------------------------------------------------------


def test_cli_builds_cases_that_validate(tmp_path: Path) -> None:
    out = tmp_path / "cases.jsonl"
    result = cli("cases", "build-mimic", "--mimic-dir", str(FIXTURE_DIR), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "wrote 8 case(s)" in result.output
    assert f"skipped 2: {STATUS_CODE}" in result.output and f"skipped 1: {TOO_FEW_RESULTS}" in result.output
    assert set(records(out)) == BUILT_IDS
    validated = cli("cases", "validate", str(out))
    assert validated.exit_code == 0 and "ok: 8 cases" in validated.output


def test_encounter_codes_and_thin_admissions_are_skipped(built: Path) -> None:
    built_ids = set(records(built))
    assert not built_ids & {"mimiciv-90000005-80000005", "mimiciv-90000006-80000006", "mimiciv-90000007-80000007"}


def test_every_record_says_it_came_from_mimic(built: Path, cases: list[Case]) -> None:
    for record in records(built).values():
        assert record["_meta"]["credentialed"] is True and "MIMIC-IV" in record["_meta"]["source"]
    assert cases and all(case.credentialed for case in cases)


# --- playing the cases ------------------------------------------------------------------------------------------


def test_oracle_is_judged_correct_on_every_built_case(cases: list[Case]) -> None:
    spec = CastSpec()
    for case in cases:
        cast = spec.for_case(case)
        doctor = OracleDoctor(case)
        state = start(case)
        results = []
        while not state.done:
            step(state, cast, doctor.act(state.doctor_view()).text, RewardConfig())
            if state.dialogue[-1].role == "measurement":
                results.append(state.dialogue[-1].text)
        assert state.verdict is not None and state.verdict.correct, case.id
        assert len(results) == len(case.exam) + len(case.tests), case.id


def test_built_cases_run_in_the_environment(built: Path, cases: list[Case]) -> None:
    env = ConsultationEnv(str(built))
    assert len(env.cases) == len(BUILT_IDS)
    for case in env.cases:
        env.reset(options={"case_id": case.id})
        doctor = OracleDoctor(case)
        terminated = truncated = False
        info: dict[str, Any] = {}
        while not (terminated or truncated):
            assert env.state is not None
            _, _, terminated, truncated, info = env.step(doctor.act(env.state.doctor_view()).text)
        assert terminated and info["verdict"]["correct"], case.id


# --- leaks ----------------------------------------------------------------------------------------------------------


def other_titles(hadm_id: str) -> list[str]:
    titles = {(row["icd_code"], row["icd_version"]): row["long_title"] for row in D_ICD_DIAGNOSES}
    procedures = {(row["icd_code"], row["icd_version"]): row["long_title"] for row in D_ICD_PROCEDURES}
    found = [titles[row["icd_code"], row["icd_version"]] for row in DIAGNOSES if str(row["hadm_id"]) == hadm_id]
    found += [row["description"] for row in DRGCODES if str(row["hadm_id"]) == hadm_id]
    found += [procedures[row["icd_code"], row["icd_version"]] for row in PROCEDURES if str(row["hadm_id"]) == hadm_id]
    return found


def test_no_built_case_leaks_its_diagnosis_or_other_titles(built: Path, cases: list[Case]) -> None:
    by_id = records(built)
    assert QUALIFIERS <= GENERIC_WORDS  # the builder's guard is at least as strict as the roles' guard
    for case in cases:
        record = by_id[case.raw["_meta"]["case_id"]]
        shown = [case.objective, render(case.patient), render(case.exam), render(case.tests)]
        guard = DiagnosisGuard(case.diagnosis)
        for text in shown:
            assert not guard.leaks(text), (case.id, text)
            for title in other_titles(record["_meta"]["hadm_id"]):
                assert title.lower() not in text.lower(), (case.id, title)
        assert all(not guard.leaks(key) for key in [*case.exam, *case.tests])


def test_a_culture_naming_the_diagnosis_is_withheld_and_the_rest_kept(built: Path) -> None:
    tests = exam_of(records(built)["mimiciv-90000008-80000009"])["Test_Results"]
    assert tests["Microbiology"] == {"BLOOD CULTURE - Blood Culture, Routine": "NO GROWTH."}
    assert "PNEUMONIAE" not in json.dumps(tests)


# --- determinism --------------------------------------------------------------------------------------------------


def test_rebuild_is_byte_identical_and_the_seed_only_reorders(built: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.jsonl"
    build_mimic_cases(FIXTURE_DIR, again)
    assert again.read_bytes() == built.read_bytes()
    other_seed = tmp_path / "seed7.jsonl"
    build_mimic_cases(FIXTURE_DIR, other_seed, seed=7)
    assert sorted(other_seed.read_bytes().splitlines()) == sorted(built.read_bytes().splitlines())
    assert other_seed.read_bytes() != built.read_bytes()


def test_limit_takes_the_first_cases_of_the_seeded_order(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "three.jsonl"
    report = build_mimic_cases(FIXTURE_DIR, out, limit=3)
    assert report.written == 3
    assert out.read_bytes().splitlines() == built.read_bytes().splitlines()[:3]


def test_row_order_in_the_files_does_not_change_the_output(built: Path, tmp_path: Path) -> None:
    folder = shutil.copytree(FIXTURE_DIR, tmp_path / "shuffled")
    for name in ("labevents", "admissions", "diagnoses_icd", "microbiologyevents"):
        path = folder / "hosp" / f"{name}.csv.gz"
        header, *rows = gzip.decompress(path.read_bytes()).decode().splitlines()
        path.write_bytes(gzip.compress("\n".join([header, *reversed(rows)]).encode() + b"\n", mtime=0))
    out = tmp_path / "from-shuffled.jsonl"
    build_mimic_cases(folder, out)
    assert out.read_bytes() == built.read_bytes()


# --- codes, windows, blanks ----------------------------------------------------------------------------------


def test_icd9_code_with_a_leading_zero_keeps_it(built: Path) -> None:
    record = records(built)["mimiciv-90000002-80000002"]
    assert record["_meta"]["primary_icd"] == {"code": "0389", "version": "9"}
    assert exam_of(record)["Correct_Diagnosis"] == "Unspecified septicemia"  # not 389, "Hearing loss"


def test_same_code_string_under_icd9_and_icd10_gets_each_version_title(built: Path) -> None:
    by_id = records(built)
    assert exam_of(by_id["mimiciv-90000003-80000003"])["Correct_Diagnosis"] == "Dehydration"
    assert (
        exam_of(by_id["mimiciv-90000004-80000004"])["Correct_Diagnosis"]
        == "Accidental poisoning by alcohol, not elsewhere classified"
    )


def test_labs_inside_the_window_count_with_or_without_hadm_id(built: Path) -> None:
    by_id = records(built)
    chemistry = exam_of(by_id["mimiciv-90000001-80000001"])["Test_Results"]["Blood_Chemistry"]
    assert chemistry["Troponin T"].startswith("0.45 ng/mL")  # ED draw, empty hadm_id, first in the window
    assert chemistry["Sodium"].startswith("139 mEq/L")  # its own hadm_id after discharge (101) is left out
    assert chemistry["Creatinine"].startswith("1 mg/dL")  # empty hadm_id a month before (5.5) is left out
    assert chemistry["Glucose"] == "131 mg/dL (reference range 70 to 100; abnormal)"  # the ___ row is no value
    second = exam_of(by_id["mimiciv-90000008-80000009"])["Test_Results"]
    assert second["Blood_Hematology"]["White Blood Cells"].startswith("15.1")  # empty hadm_id, in the window
    first = exam_of(by_id["mimiciv-90000008-80000008"])["Test_Results"]
    assert "Sodium" not in first["Blood_Chemistry"] and "Sodium" not in second["Blood_Chemistry"]


def test_vitals_come_from_triage_and_the_nearest_outpatient_reading(built: Path) -> None:
    by_id = records(built)
    exam = exam_of(by_id["mimiciv-90000001-80000001"])["Physical_Examination_Findings"]
    assert exam["Vital_Signs"]["Blood_Pressure"] == "148/92 mmHg" and exam["Vital_Signs"]["Pulse"] == "104 bpm"
    assert exam["Recent_Outpatient_Measurements"]["Weight (Lbs)"].startswith("201 ")  # not the year-old 260
    outpatient = exam_of(by_id["mimiciv-90000008-80000008"])["Physical_Examination_Findings"]
    assert outpatient["Recent_Outpatient_Measurements"]["Blood Pressure"].startswith("161/97 mmHg")
    patient = exam_of(by_id["mimiciv-90000001-80000001"])["Patient_Actor"]
    assert patient["Demographics"] == "60-year-old male"  # anchor_age 58 in 2150, admitted 2152
    assert patient["Symptoms"] == {"Primary_Symptom": "Chest pain", "Secondary_Symptoms": ["Dyspnea"]}
    assert exam_of(by_id["mimiciv-90000010-80000011"])["Patient_Actor"]["Demographics"] == "over-89-year-old male"


def test_deidentification_blanks_are_never_shown_as_values(built: Path) -> None:
    text = built.read_text(encoding="utf-8")
    assert "___" not in text
    micro = exam_of(records(built)["mimiciv-90000002-80000002"])["Test_Results"]["Microbiology"]
    assert micro["SPUTUM - GRAM STAIN"] == "NO MICROORGANISMS SEEN. Reported to [redacted] at 10:15."
    assert micro["BLOOD CULTURE - Blood Culture, Routine"] == "ESCHERICHIA COLI"


# --- other layouts of the input -----------------------------------------------------------------------------


def test_v2_0_files_without_provider_columns_or_omr_load(built: Path, tmp_path: Path) -> None:
    root = write_fixture(tmp_path / "v2.0", variant="v2.0")
    labs = root / "hosp" / "labevents.csv.gz"
    assert b"order_provider_id" not in gzip.decompress(labs.read_bytes()).splitlines()[0]
    plain = root / "hosp" / "labevents.csv"  # plain .csv works as well as .csv.gz
    plain.write_bytes(gzip.decompress(labs.read_bytes()))
    labs.unlink()
    out = tmp_path / "v20.jsonl"
    report = build_mimic_cases(root, out)
    assert set(records(out)) == BUILT_IDS and report.written == len(BUILT_IDS)
    assert "Recent_Outpatient_Measurements" not in out.read_text(encoding="utf-8")
    assert records(out)["mimiciv-90000002-80000002"] == records(built)["mimiciv-90000002-80000002"]


def test_hosp_folder_given_directly_and_no_ed_module(tmp_path: Path) -> None:
    root = write_fixture(tmp_path / "noed", ed=False)
    out = tmp_path / "noed.jsonl"
    report = build_mimic_cases(root / "hosp", out)
    assert not report.ed_module and report.written > 0
    assert all("Symptoms" not in exam_of(record)["Patient_Actor"] for record in records(out).values())


# --- bad input ------------------------------------------------------------------------------------------------------


def one_error_line(result: Any) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


def test_missing_table_exits_2_naming_it(tmp_path: Path) -> None:
    root = write_fixture(tmp_path / "m")
    (root / "hosp" / "labevents.csv.gz").unlink()
    out = tmp_path / "out.jsonl"
    line = one_error_line(cli("cases", "build-mimic", "--mimic-dir", str(root), "--out", str(out)))
    assert "labevents" in line and "not found" in line
    assert not out.exists()


def test_missing_column_exits_2_naming_the_file_and_column(tmp_path: Path) -> None:
    root = write_fixture(tmp_path / "m")
    path = root / "hosp" / "d_icd_diagnoses.csv.gz"
    rows = gzip.decompress(path.read_bytes()).decode().splitlines()
    path.write_bytes(gzip.compress("\n".join(row.rsplit(",", 1)[0] for row in rows).encode(), mtime=0))
    line = one_error_line(cli("cases", "build-mimic", "--mimic-dir", str(root), "--out", str(tmp_path / "o.jsonl")))
    assert str(path) in line and "'long_title'" in line


def test_missing_mimic_dir_exits_2(tmp_path: Path) -> None:
    line = one_error_line(
        cli("cases", "build-mimic", "--mimic-dir", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o.jsonl"))
    )
    assert "nowhere" in line


def test_missing_engine_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "duckdb", None)
    with pytest.raises(MimicInputError, match=r"agentclinic-sim\[mimic\]"):
        build_mimic_cases(FIXTURE_DIR, tmp_path / "o.jsonl")


def test_scenarios_stays_light() -> None:
    code = "import scenarios, scenarios.mimic, sys; print(sorted({'duckdb', 'torch', 'agents'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


# --- privacy ------------------------------------------------------------------------------------------------------


@pytest.fixture
def no_openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_BASE_URL", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key")


@pytest.mark.parametrize("name", ["cases.jsonl", "medqa_copy.jsonl", "totally-harmless.jsonl"])
def test_a_built_file_under_any_name_is_refused_for_a_remote_backend(
    built: Path, tmp_path: Path, name: str, no_openai_env: None
) -> None:
    renamed = tmp_path / name
    shutil.copy(built, renamed)
    renamed_cases = load_cases(str(renamed))
    with pytest.raises(MimicPrivacyError):
        check_mimic_privacy(renamed_cases, {"patient": "openai:gpt-4o"}, allow_remote=False)
    check_mimic_privacy(renamed_cases, {"patient": "openai:m@http://127.0.0.1:8/v1"}, allow_remote=False)
    settings = RunSettings(dataset=str(renamed), patient="openai:gpt-4o", doctor="oracle", out=tmp_path / "r")
    with pytest.raises(RunError, match="PhysioNet"):
        Runner(settings)
    result = cli("run", "--dataset", str(renamed), "--patient", "openai:gpt-4o", "--out", str(tmp_path / "r2"))
    assert result.exit_code == 2 and "remote API" in result.output


# --- narration ------------------------------------------------------------------------------------------------------


def test_remote_narrator_is_refused_unless_allowed(tmp_path: Path, no_openai_env: None) -> None:
    out = tmp_path / "o.jsonl"
    args = ["cases", "build-mimic", "--mimic-dir", str(FIXTURE_DIR), "--out", str(out), "--narrate", "openai:gpt-4o"]
    line = one_error_line(cli(*args))
    assert "remote API" in line and "--allow-remote-mimic" in line
    assert not out.exists()
    from agentclinic_sim.mimic_narrator import check_narrator_privacy

    with pytest.warns(UserWarning, match="remote API"):
        check_narrator_privacy("openai:gpt-4o", allow_remote=True)


def test_scripted_narrator_writes_histories_and_a_leaking_one_is_rejected(tmp_path: Path) -> None:
    script = tmp_path / "narrator.txt"
    prose = "The patient reports feeling unwell and was brought in for assessment; she fears it is pneumonia."
    script.write_text("\n---\n".join([prose] * len(BUILT_IDS)) + "\n", encoding="utf-8")
    out = tmp_path / "narrated.jsonl"
    args = ["--mimic-dir", str(FIXTURE_DIR), "--out", str(out), "--narrate", f"scripted:{script}"]
    result = cli("cases", "build-mimic", *args)
    assert result.exit_code == 0, result.output
    assert "narrated 7 history(ies); kept the plain account for 1" in result.output
    by_id = records(out)
    pneumonia = by_id.pop("mimiciv-90000008-80000009")
    assert "pneumonia" not in exam_of(pneumonia)["Patient_Actor"]["History"].lower()
    assert all(exam_of(record)["Patient_Actor"]["History"] == prose for record in by_id.values())


def test_local_server_narrator_sees_no_results_codes_or_titles(tmp_path: Path, no_openai_env: None) -> None:
    from models.backends.openai_stub import OpenAIStub

    out = tmp_path / "stub.jsonl"
    with OpenAIStub(responder=lambda body: "The patient came in and was admitted.") as stub:
        result = cli(
            "cases", "build-mimic", "--mimic-dir", str(FIXTURE_DIR), "--out", str(out), "--limit", "4",
            "--narrate", f"openai:narrator@{stub.base_url}",
        )  # fmt: skip
        sent = json.dumps([request["messages"] for request in stub.requests])
    assert result.exit_code == 0, result.output
    assert len(records(out)) == 4 and len(stub.requests) == 4
    for word in ("Troponin", "mg/dL", "ESCHERICHIA", "I214", "0389", *(row["long_title"] for row in D_ICD_DIAGNOSES)):
        assert word not in sent
