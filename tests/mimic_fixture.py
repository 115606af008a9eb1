# ruff: noqa: E501  (rows of table data read best one per line)
"""Writes the synthetic MIMIC-IV fixture: ten made-up patients in exactly the MIMIC-IV column schema.

Nothing here comes from MIMIC: ids (subject 9000000x, admission 8000000x, lab items 99xxx) are outside
MIMIC's ranges and every value is invented. The cases cover what the builder must get right:

* 90000001  NSTEMI via the ED (triage, chief complaint); an ED troponin with an empty hadm_id inside the
            window (kept); an empty-hadm_id creatinine a month before and a sodium of its own admission
            after discharge (both left out); a glucose whose first value is a ``___`` blank
* 90000002  ICD-9 ``0389`` (leading zero; ``389`` is another code); microbiology with organisms and with
            a comment only (holding a ``___`` blank); an ED visit with no admission
* 90000003 / 90000004  ``E860`` under ICD-10 (Dehydration) and ICD-9 (an alcohol poisoning title)
* 90000005 / 90000006  primary Z (ICD-10) and V (ICD-9) encounter codes: skipped
* 90000007  two lab results only: skipped as too few
* 90000008  two admissions: a lab of the first charted during the second (left out of both), an
            empty-hadm_id lab in the second (kept there), omr vitals near the first, a sputum culture
            growing an organism named like the diagnosis (withheld by the leak guard)
* 90000009 / 90000010  ED presentations; 90000010 is over 89

``write_fixture(root)`` writes ``root/hosp/*.csv.gz`` and ``root/ed/*.csv.gz``; ``variant="v2.0"`` drops the
provider columns and the ``omr`` table as MIMIC-IV v2.0 did. Gzip headers carry no name and mtime 0, so
the bytes depend only on this file. Run ``python tests/mimic_fixture.py`` to rewrite
``tests/fixtures/mimiciv``.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path
from typing import Any, Literal

from scenarios.mimic.tables import MIMIC_COLUMNS, V2_0_ABSENT_COLUMNS

FIXTURE_DIR = Path(__file__).parent / "fixtures" / "mimiciv"
Row = dict[str, Any]

PATIENTS: list[Row] = [
    {"subject_id": 90000001, "gender": "M", "anchor_age": 58, "anchor_year": 2150},
    {"subject_id": 90000002, "gender": "F", "anchor_age": 71, "anchor_year": 2160},
    {"subject_id": 90000003, "gender": "M", "anchor_age": 34, "anchor_year": 2140},
    {"subject_id": 90000004, "gender": "F", "anchor_age": 45, "anchor_year": 2155},
    {"subject_id": 90000005, "gender": "F", "anchor_age": 62, "anchor_year": 2145},
    {"subject_id": 90000006, "gender": "M", "anchor_age": 66, "anchor_year": 2130},
    {"subject_id": 90000007, "gender": "F", "anchor_age": 52, "anchor_year": 2165},
    {"subject_id": 90000008, "gender": "M", "anchor_age": 69, "anchor_year": 2168},
    {"subject_id": 90000009, "gender": "F", "anchor_age": 80, "anchor_year": 2175},
    {"subject_id": 90000010, "gender": "M", "anchor_age": 91, "anchor_year": 2180},
]
for _patient in PATIENTS:
    _patient.update(anchor_year_group="2017 - 2019", dod="")


def _admission(subject: int, hadm: int, admit: str, discharge: str, ed: str = "", **extra: Any) -> Row:
    return {
        "subject_id": subject,
        "hadm_id": hadm,
        "admittime": admit,
        "dischtime": discharge,
        "admission_type": "EW EMER." if ed else "URGENT",
        "admit_provider_id": "P00FAKE",
        "admission_location": "EMERGENCY ROOM" if ed else "PHYSICIAN REFERRAL",
        "discharge_location": "HOME",
        "insurance": "Other",
        "language": "ENGLISH",
        "marital_status": "SINGLE",
        "race": "UNKNOWN",
        "edregtime": ed,
        "edouttime": admit if ed else "",
        "hospital_expire_flag": 0,
        **extra,
    }


ADMISSIONS: list[Row] = [
    _admission(90000001, 80000001, "2152-03-04 10:00:00", "2152-03-08 14:00:00", "2152-03-04 07:30:00"),
    _admission(90000002, 80000002, "2161-06-01 12:00:00", "2161-06-09 11:00:00"),
    _admission(90000003, 80000003, "2141-08-15 18:20:00", "2141-08-17 10:00:00", "2141-08-15 15:05:00"),
    _admission(90000004, 80000004, "2156-12-31 23:10:00", "2157-01-02 09:00:00", "2156-12-31 21:40:00"),
    _admission(90000005, 80000005, "2146-02-02 08:00:00", "2146-02-02 17:00:00", admission_type="ELECTIVE"),
    _admission(90000006, 80000006, "2131-04-04 08:00:00", "2131-04-05 12:00:00", admission_type="ELECTIVE"),
    _admission(90000007, 80000007, "2166-07-07 09:00:00", "2166-07-09 09:00:00"),
    _admission(90000008, 80000008, "2170-01-10 09:00:00", "2170-01-15 12:00:00"),
    _admission(90000008, 80000009, "2170-05-01 16:00:00", "2170-05-04 12:00:00"),
    _admission(90000009, 80000010, "2176-09-09 13:30:00", "2176-09-14 15:00:00", "2176-09-09 11:00:00"),
    _admission(90000010, 80000011, "2181-11-20 04:00:00", "2181-11-26 13:00:00", "2181-11-20 02:10:00"),
]

D_ICD_DIAGNOSES: list[Row] = [
    {"icd_code": code, "icd_version": version, "long_title": title}
    for code, version, title in [
        ("0389", 9, "Unspecified septicemia"),
        ("389", 9, "Hearing loss"),
        ("4280", 9, "Congestive heart failure, unspecified"),
        ("5990", 9, "Urinary tract infection, site not specified"),
        ("E860", 9, "Accidental poisoning by alcohol, not elsewhere classified"),
        ("V5811", 9, "Encounter for antineoplastic chemotherapy"),
        ("D649", 10, "Anemia, unspecified"),
        ("E1165", 10, "Type 2 diabetes mellitus with hyperglycemia"),
        ("E785", 10, "Hyperlipidemia, unspecified"),
        ("E860", 10, "Dehydration"),
        ("E871", 10, "Hypo-osmolality and hyponatremia"),
        ("I10", 10, "Essential (primary) hypertension"),
        ("I214", 10, "Non-ST elevation (NSTEMI) myocardial infarction"),
        ("J189", 10, "Pneumonia, unspecified organism"),
        ("N179", 10, "Acute kidney failure, unspecified"),
        ("Z5111", 10, "Encounter for antineoplastic chemotherapy"),
    ]
]

DIAGNOSES: list[Row] = [
    {"subject_id": subject, "hadm_id": hadm, "seq_num": seq, "icd_code": code, "icd_version": version}
    for subject, hadm, seq, code, version in [
        (90000001, 80000001, 1, "I214", 10),
        (90000001, 80000001, 2, "I10", 10),
        (90000001, 80000001, 3, "E785", 10),
        (90000002, 80000002, 1, "0389", 9),
        (90000002, 80000002, 2, "5990", 9),
        (90000003, 80000003, 1, "E860", 10),
        (90000004, 80000004, 1, "E860", 9),
        (90000005, 80000005, 1, "Z5111", 10),
        (90000006, 80000006, 1, "V5811", 9),
        (90000007, 80000007, 1, "D649", 10),
        (90000008, 80000008, 1, "N179", 10),
        (90000008, 80000008, 2, "E1165", 10),
        (90000008, 80000009, 1, "J189", 10),
        (90000009, 80000010, 1, "E871", 10),
        (90000010, 80000011, 1, "4280", 9),
    ]
]

D_LABITEMS: list[Row] = [
    {"itemid": itemid, "label": label, "fluid": fluid, "category": category}
    for itemid, label, fluid, category in [
        (99001, "Hemoglobin", "Blood", "Hematology"),
        (99002, "White Blood Cells", "Blood", "Hematology"),
        (99003, "Platelet Count", "Blood", "Hematology"),
        (99011, "Sodium", "Blood", "Chemistry"),
        (99012, "Potassium", "Blood", "Chemistry"),
        (99013, "Creatinine", "Blood", "Chemistry"),
        (99014, "Urea Nitrogen", "Blood", "Chemistry"),
        (99015, "Glucose", "Blood", "Chemistry"),
        (99016, "Troponin T", "Blood", "Chemistry"),
        (99017, "Creatine Kinase, MB Isoenzyme", "Blood", "Chemistry"),
        (99018, "Lactate", "Blood", "Blood Gas"),
        (99019, "pH", "Blood", "Blood Gas"),
        (99020, "Ethanol", "Blood", "Chemistry"),
        (99021, "NTproBNP", "Blood", "Chemistry"),
        (99022, "Osmolality, Measured", "Blood", "Chemistry"),
        (99031, "Leukocytes", "Urine", "Hematology"),
        (99032, "Specific Gravity", "Urine", "Hematology"),
    ]
]

# (subject, hadm or None, itemid, charttime, value, valuenum, unit, lower, upper, flag, comments)
_LABS: list[tuple[Any, ...]] = [
    # 90000001: NSTEMI. ED troponin without hadm_id (in window), later ones with it.
    (90000001, None, 99016, "2152-03-04 08:00:00", "0.45", "0.45", "ng/mL", "0", "0.01", "abnormal", ""),
    (90000001, 80000001, 99016, "2152-03-04 14:00:00", "1.2", "1.2", "ng/mL", "0", "0.01", "abnormal", ""),
    (90000001, 80000001, 99017, "2152-03-04 10:30:00", "24", "24", "ng/mL", "0", "10", "abnormal", ""),
    (90000001, 80000001, 99001, "2152-03-04 10:30:00", "13.9", "13.9", "g/dL", "13.7", "17.5", "", ""),
    (90000001, 80000001, 99002, "2152-03-04 10:30:00", "9.8", "9.8", "K/uL", "4.0", "11.0", "", ""),
    (90000001, 80000001, 99011, "2152-03-04 10:30:00", "139", "139.0", "mEq/L", "133", "145", "", ""),
    (90000001, 80000001, 99012, "2152-03-04 10:30:00", "4.2", "4.2", "mEq/L", "3.3", "5.1", "", ""),
    (90000001, 80000001, 99015, "2152-03-04 10:30:00", "___", "", "", "", "", "", "___"),
    (90000001, 80000001, 99015, "2152-03-04 16:00:00", "131", "131", "mg/dL", "70", "100", "abnormal", ""),
    (90000001, None, 99013, "2152-02-01 09:00:00", "5.5", "5.5", "mg/dL", "0.5", "1.2", "abnormal", ""),
    (90000001, 80000001, 99011, "2152-03-20 09:00:00", "101", "101", "mEq/L", "133", "145", "abnormal", ""),
    (90000001, 80000001, 99013, "2152-03-04 10:30:00", "1.0", "1.0", "mg/dL", "0.5", "1.2", "", ""),
    # 90000002: septicaemia, ICD-9 0389.
    (90000002, 80000002, 99002, "2161-06-01 12:30:00", "18.2", "18.2", "K/uL", "4.0", "11.0", "abnormal", ""),
    (90000002, 80000002, 99018, "2161-06-01 12:30:00", "4.1", "4.1", "mmol/L", "0.5", "2.0", "abnormal", ""),
    (90000002, 80000002, 99013, "2161-06-01 12:30:00", "1.9", "1.9", "mg/dL", "0.4", "1.1", "abnormal", ""),
    (90000002, 80000002, 99019, "2161-06-01 12:30:00", "7.29", "7.29", "units", "7.35", "7.45", "abnormal", ""),
    (90000002, 80000002, 99001, "2161-06-01 12:30:00", "11.0", "11.0", "g/dL", "11.2", "15.7", "abnormal", ""),
    (90000002, 80000002, 99031, "2161-06-01 13:00:00", ">182", "", "#/hpf", "0", "5", "abnormal", ""),
    # 90000003: dehydration (ICD-10 E860).
    (90000003, 80000003, 99011, "2141-08-15 15:30:00", "149", "149", "mEq/L", "133", "145", "abnormal", ""),
    (90000003, 80000003, 99014, "2141-08-15 15:30:00", "38", "38", "mg/dL", "6", "20", "abnormal", ""),
    (90000003, 80000003, 99013, "2141-08-15 15:30:00", "1.4", "1.4", "mg/dL", "0.5", "1.2", "abnormal", ""),
    (90000003, 80000003, 99012, "2141-08-15 15:30:00", "4.9", "4.9", "mEq/L", "3.3", "5.1", "", ""),
    (90000003, 80000003, 99032, "2141-08-15 16:10:00", "1.035", "1.035", "", "1.001", "1.035", "", ""),
    # 90000004: alcohol poisoning (ICD-9 E860).
    (90000004, 80000004, 99020, "2156-12-31 22:00:00", "312", "312", "mg/dL", "", "", "abnormal", ""),
    (90000004, 80000004, 99015, "2156-12-31 22:00:00", "64", "64", "mg/dL", "70", "100", "abnormal", ""),
    (90000004, 80000004, 99011, "2156-12-31 22:00:00", "137", "137", "mEq/L", "133", "145", "", ""),
    (90000004, 80000004, 99012, "2156-12-31 22:00:00", "3.4", "3.4", "mEq/L", "3.3", "5.1", "", ""),
    (90000004, 80000004, 99018, "2156-12-31 22:00:00", "2.6", "2.6", "mmol/L", "0.5", "2.0", "abnormal", ""),
    # 90000005 / 90000006: encounter codes (skipped), results present anyway.
    *[(90000005, 80000005, item, "2146-02-02 09:00:00", "5", "5", "u", "1", "9", "", "") for item in (99001, 99002, 99003, 99011, 99012, 99013)],
    *[(90000006, 80000006, item, "2131-04-04 09:00:00", "5", "5", "u", "1", "9", "", "") for item in (99001, 99002, 99003, 99011, 99012, 99013)],
    # 90000007: too few results.
    (90000007, 80000007, 99001, "2166-07-07 10:00:00", "7.9", "7.9", "g/dL", "11.2", "15.7", "abnormal", ""),
    (90000007, 80000007, 99003, "2166-07-07 10:00:00", "250", "250", "K/uL", "150", "400", "", ""),
    # 90000008 admission 80000008: acute kidney failure.
    (90000008, 80000008, 99013, "2170-01-10 10:00:00", "4.8", "4.8", "mg/dL", "0.5", "1.2", "abnormal", ""),
    (90000008, 80000008, 99014, "2170-01-10 10:00:00", "88", "88", "mg/dL", "6", "20", "abnormal", ""),
    (90000008, 80000008, 99012, "2170-01-10 10:00:00", "6.1", "6.1", "mEq/L", "3.3", "5.1", "abnormal", ""),
    (90000008, 80000008, 99015, "2170-01-10 10:00:00", "245", "245", "mg/dL", "70", "100", "abnormal", ""),
    (90000008, 80000008, 99001, "2170-01-10 10:00:00", "10.2", "10.2", "g/dL", "13.7", "17.5", "abnormal", ""),
    (90000008, 80000008, 99011, "2170-05-02 08:00:00", "150", "150", "mEq/L", "133", "145", "abnormal", ""),
    # 90000008 admission 80000009: pneumonia; an ED-style draw with no hadm_id inside the window.
    (90000008, None, 99002, "2170-05-01 17:00:00", "15.1", "15.1", "K/uL", "4.0", "11.0", "abnormal", ""),
    (90000008, 80000009, 99001, "2170-05-01 17:30:00", "12.9", "12.9", "g/dL", "13.7", "17.5", "abnormal", ""),
    (90000008, 80000009, 99013, "2170-05-01 17:30:00", "1.1", "1.1", "mg/dL", "0.5", "1.2", "", ""),
    (90000008, 80000009, 99018, "2170-05-01 17:30:00", "1.8", "1.8", "mmol/L", "0.5", "2.0", "", ""),
    (90000008, 80000009, 99012, "2170-05-01 17:30:00", "4.0", "4.0", "mEq/L", "3.3", "5.1", "", "Hemolysed; ___ informed"),
    # 90000009: hyponatraemia.
    (90000009, 80000010, 99011, "2176-09-09 11:40:00", "118", "118", "mEq/L", "133", "145", "abnormal", ""),
    (90000009, 80000010, 99022, "2176-09-09 11:40:00", "251", "251", "mOsm/kg", "275", "295", "abnormal", ""),
    (90000009, 80000010, 99012, "2176-09-09 11:40:00", "3.9", "3.9", "mEq/L", "3.3", "5.1", "", ""),
    (90000009, 80000010, 99015, "2176-09-09 11:40:00", "98", "98", "mg/dL", "70", "100", "", ""),
    (90000009, 80000010, 99013, "2176-09-09 11:40:00", "0.7", "0.7", "mg/dL", "0.4", "1.1", "", ""),
    # 90000010: heart failure, over 89.
    (90000010, 80000011, 99021, "2181-11-20 03:00:00", "8450", "8450", "pg/mL", "0", "450", "abnormal", ""),
    (90000010, 80000011, 99013, "2181-11-20 03:00:00", "1.6", "1.6", "mg/dL", "0.5", "1.2", "abnormal", ""),
    (90000010, 80000011, 99011, "2181-11-20 03:00:00", "134", "134", "mEq/L", "133", "145", "", ""),
    (90000010, 80000011, 99001, "2181-11-20 03:00:00", "11.9", "11.9", "g/dL", "13.7", "17.5", "abnormal", ""),
    (90000010, 80000011, 99016, "2181-11-20 03:00:00", "0.03", "0.03", "ng/mL", "0", "0.01", "abnormal", ""),
]  # fmt: skip
LABEVENTS: list[Row] = [
    {
        "labevent_id": 70000001 + index,
        "subject_id": subject,
        "hadm_id": hadm or "",
        "specimen_id": 60000001 + index,
        "itemid": itemid,
        "order_provider_id": "P00FAKE",
        "charttime": charttime,
        "storetime": charttime,
        "value": value,
        "valuenum": valuenum,
        "valueuom": unit,
        "ref_range_lower": lower,
        "ref_range_upper": upper,
        "flag": flag,
        "priority": "STAT",
        "comments": comments,
    }
    for index, (subject, hadm, itemid, charttime, value, valuenum, unit, lower, upper, flag, comments) in enumerate(
        _LABS
    )
]

# (subject, hadm, charttime, specimen, test, organism, antibiotic, comments)
_MICRO: list[tuple[Any, ...]] = [
    (90000002, 80000002, "2161-06-01 13:00:00", "BLOOD CULTURE", "Blood Culture, Routine", "ESCHERICHIA COLI", "CEFTRIAXONE", ""),
    (90000002, 80000002, "2161-06-01 13:00:00", "BLOOD CULTURE", "Blood Culture, Routine", "ESCHERICHIA COLI", "CIPROFLOXACIN", ""),
    (90000002, 80000002, "2161-06-01 13:10:00", "URINE", "URINE CULTURE", "ESCHERICHIA COLI", "", ""),
    (90000002, 80000002, "2161-06-02 09:00:00", "SPUTUM", "GRAM STAIN", "", "", "NO MICROORGANISMS SEEN. Reported to ___ at 10:15."),
    (90000008, 80000009, "2170-05-01 18:00:00", "SPUTUM", "RESPIRATORY CULTURE", "STREPTOCOCCUS PNEUMONIAE", "", ""),
    (90000008, 80000009, "2170-05-01 18:00:00", "BLOOD CULTURE", "Blood Culture, Routine", "", "", "NO GROWTH."),
    (90000010, 80000011, "", "MRSA SCREEN", "MRSA SCREEN", "", "", "No MRSA isolated."),
]  # fmt: skip
MICROBIOLOGYEVENTS: list[Row] = [
    {
        "microevent_id": 50000001 + index,
        "subject_id": subject,
        "hadm_id": hadm,
        "micro_specimen_id": 40000001 + index,
        "order_provider_id": "P00FAKE",
        "chartdate": (charttime or "2181-11-21 00:00:00")[:10] + " 00:00:00",
        "charttime": charttime,
        "spec_itemid": 70011,
        "spec_type_desc": specimen,
        "test_seq": 1,
        "test_itemid": 90001,
        "test_name": test,
        "org_itemid": 80002 if organism else "",
        "org_name": organism,
        "isolate_num": 1 if organism else "",
        "ab_name": antibiotic,
        "interpretation": "S" if antibiotic else "",
        "comments": comments,
    }
    for index, (subject, hadm, charttime, specimen, test, organism, antibiotic, comments) in enumerate(_MICRO)
]

OMR: list[Row] = [
    {"subject_id": subject, "chartdate": date, "seq_num": seq, "result_name": name, "result_value": value}
    for subject, date, seq, name, value in [
        (90000001, "2152-02-20", 1, "Blood Pressure", "142/88"),
        (90000001, "2152-02-20", 1, "Weight (Lbs)", "201"),
        (90000001, "2151-01-01", 1, "Weight (Lbs)", "260"),  # more than 30 days before: left out
        (90000008, "2170-01-03", 1, "Blood Pressure", "158/94"),
        (90000008, "2170-01-08", 1, "Blood Pressure", "161/97"),  # nearer the admission: this one
        (90000008, "2170-01-08", 1, "BMI (kg/m2)", "31.2"),
    ]
]

DRGCODES: list[Row] = [
    {"subject_id": 90000001, "hadm_id": 80000001, "drg_type": "HCFA", "drg_code": 247,
     "description": "PERC CARDIOVASC PROC W DRUG-ELUTING STENT W/O MCC", "drg_severity": "", "drg_mortality": ""},
    {"subject_id": 90000010, "hadm_id": 80000011, "drg_type": "APR", "drg_code": 194,
     "description": "HEART FAILURE", "drg_severity": 3, "drg_mortality": 3},
]  # fmt: skip
PROCEDURES: list[Row] = [
    {"subject_id": 90000001, "hadm_id": 80000001, "seq_num": 1, "chartdate": "2152-03-05", "icd_code": "027034Z",
     "icd_version": 10},
]  # fmt: skip
D_ICD_PROCEDURES: list[Row] = [
    {"icd_code": "027034Z", "icd_version": 10,
     "long_title": "Dilation of Coronary Artery, One Artery with Drug-eluting Intraluminal Device, Percutaneous Approach"},
]  # fmt: skip

EDSTAYS: list[Row] = [
    {"subject_id": subject, "hadm_id": hadm, "stay_id": stay, "intime": intime, "outtime": intime,
     "gender": "", "race": "UNKNOWN", "arrival_transport": transport, "disposition": "ADMITTED"}
    for subject, hadm, stay, intime, transport in [
        (90000001, 80000001, 30000001, "2152-03-04 07:30:00", "AMBULANCE"),
        (90000002, "", 30000002, "2160-01-01 10:00:00", "WALK IN"),
        (90000003, 80000003, 30000003, "2141-08-15 15:05:00", "WALK IN"),
        (90000004, 80000004, 30000004, "2156-12-31 21:40:00", "AMBULANCE"),
        (90000009, 80000010, 30000009, "2176-09-09 11:00:00", "AMBULANCE"),
        (90000010, 80000011, 30000010, "2181-11-20 02:10:00", "AMBULANCE"),
    ]
]  # fmt: skip
TRIAGE: list[Row] = [
    {"subject_id": subject, "stay_id": stay, "temperature": temp, "heartrate": hr, "resprate": rr, "o2sat": sat,
     "sbp": sbp, "dbp": dbp, "pain": pain, "acuity": acuity, "chiefcomplaint": complaint}
    for subject, stay, temp, hr, rr, sat, sbp, dbp, pain, acuity, complaint in [
        (90000001, 30000001, "98.1", "104", "22", "95", "148", "92", "8", "2", "Chest pain, Dyspnea"),
        (90000002, 30000002, "98.6", "80", "16", "99", "120", "80", "0", "4", "Cough"),
        (90000003, 30000003, "99.1", "118", "20", "98", "96", "58", "0", "3", "Weakness, Vomiting"),
        (90000004, 30000004, "96.8", "96", "10", "94", "104", "66", "unable", "2", "Found down"),
        (90000009, 30000009, "98.0", "88", "18", "97", "132", "74", "0", "2", "Confusion"),
        (90000010, 30000010, "97.9", "112", "28", "89", "168", "96", "3", "1", "Dyspnea, Leg swelling"),
    ]
]  # fmt: skip

TABLE_ROWS: dict[str, list[Row]] = {
    "hosp/patients": PATIENTS,
    "hosp/admissions": ADMISSIONS,
    "hosp/diagnoses_icd": DIAGNOSES,
    "hosp/d_icd_diagnoses": D_ICD_DIAGNOSES,
    "hosp/labevents": LABEVENTS,
    "hosp/d_labitems": D_LABITEMS,
    "hosp/microbiologyevents": MICROBIOLOGYEVENTS,
    "hosp/omr": OMR,
    "hosp/drgcodes": DRGCODES,
    "hosp/procedures_icd": PROCEDURES,
    "hosp/d_icd_procedures": D_ICD_PROCEDURES,
    "ed/edstays": EDSTAYS,
    "ed/triage": TRIAGE,
}


def csv_gz_bytes(columns: tuple[str, ...], rows: list[Row]) -> bytes:
    """A gzipped CSV with a header, ``\\n`` line ends, no file name and mtime 0 in the gzip header."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore", restval="")
    writer.writeheader()
    writer.writerows(rows)
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as stream:
        stream.write(text.getvalue().encode("utf-8"))
    return out.getvalue()


def write_fixture(root: Path, *, variant: Literal["v3", "v2.0"] = "v3", ed: bool = True) -> Path:
    """Write the tables under ``root`` (``hosp/``, and ``ed/`` when ``ed``); return ``root``."""
    for table, rows in TABLE_ROWS.items():
        if (table.startswith("ed/") and not ed) or (variant == "v2.0" and table == "hosp/omr"):
            continue
        columns = MIMIC_COLUMNS[table]
        if variant == "v2.0":
            columns = tuple(column for column in columns if column not in V2_0_ABSENT_COLUMNS)
        path = root / f"{table}.csv.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(csv_gz_bytes(columns, rows))
    return root


if __name__ == "__main__":
    print(write_fixture(FIXTURE_DIR))
