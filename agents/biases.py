"""The cognitive and implicit biases a patient or doctor can be given (AgentClinic's catalogue, our words)."""

from __future__ import annotations

from typing import Literal, get_args

PatientBias = Literal[
    "recency",
    "frequency",
    "false_consensus",
    "self_diagnosis",
    "gender",
    "race",
    "sexual_orientation",
    "cultural",
    "education",
    "religion",
    "socioeconomic",
]
DoctorBias = Literal[
    "recency",
    "frequency",
    "false_consensus",
    "confirmation",
    "status_quo",
    "gender",
    "race",
    "sexual_orientation",
    "cultural",
    "education",
    "religion",
    "socioeconomic",
]
PATIENT_BIASES: tuple[str, ...] = get_args(PatientBias)
DOCTOR_BIASES: tuple[str, ...] = get_args(DoctorBias)

_PATIENT_TEXT: dict[str, str] = {
    "recency": "A friend of yours was recently treated for a serious illness with symptoms that seemed like yours, "
    "and that worries you; it colours how you describe what you feel.",
    "frequency": "You have read a lot about one common illness lately and keep steering the conversation towards it.",
    "false_consensus": "You assume most people with your symptoms would not bother seeing a doctor, and you play "
    "your symptoms down.",
    "self_diagnosis": "You searched your symptoms online and are convinced you already know what you have; you "
    "bring this up and push back when the doctor suggests otherwise.",
    "gender": "You are uneasy because the doctor's gender differs from the one you prefer, and you are guarded.",
    "race": "You doubt that a doctor of a different race from yours will understand you, and you are guarded.",
    "sexual_orientation": "You suspect the doctor judges people of your sexual orientation, and you share less.",
    "cultural": "You mistrust a doctor from a culture different from yours and hesitate to share personal details.",
    "education": "You doubt the doctor's training is good enough and question their reasoning.",
    "religion": "You worry the doctor does not respect your religious beliefs, which makes you reticent.",
    "socioeconomic": "You suspect the doctor looks down on people of your income, which makes you defensive.",
}
_DOCTOR_TEXT: dict[str, str] = {
    "recency": "You recently saw a patient with similar symptoms who turned out to have a rare disease, and that "
    "case weighs on your judgement.",
    "frequency": "You lean towards whatever diagnosis you see most often in your practice.",
    "false_consensus": "You believe most colleagues would agree with your first impression, so you seldom revisit it.",
    "confirmation": "Once you form a first hypothesis you look mainly for evidence that supports it.",
    "status_quo": "You prefer the diagnosis and plan you would usually make, even when the findings are unusual.",
    "gender": "You hold unexamined assumptions about patients of this patient's gender.",
    "race": "You hold unexamined assumptions about patients of this patient's race.",
    "sexual_orientation": "You hold unexamined assumptions about patients of this patient's sexual orientation.",
    "cultural": "You hold unexamined assumptions about patients from this patient's culture.",
    "education": "You assume this patient's account is unreliable because of their level of education.",
    "religion": "You hold unexamined assumptions about patients of this patient's religion.",
    "socioeconomic": "You hold unexamined assumptions about patients of this patient's income.",
}


def _text(table: dict[str, str], bias: str | None, kind: str, allowed: tuple[str, ...]) -> str:
    if bias is None or bias == "none":
        return ""
    if bias not in table:
        raise ValueError(f"unknown {kind} bias {bias!r}; choose one of: {', '.join(allowed)}")
    return table[bias]


def patient_bias_text(bias: str | None) -> str:
    return _text(_PATIENT_TEXT, bias, "patient", PATIENT_BIASES)


def doctor_bias_text(bias: str | None) -> str:
    return _text(_DOCTOR_TEXT, bias, "doctor", DOCTOR_BIASES)
