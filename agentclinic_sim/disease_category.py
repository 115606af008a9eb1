"""A diagnosis's disease category: the top of MeSH's disease tree its heading sits under, for accuracy by category.

The name is read as the judge reads it (``agents.judge``: its keys, abbreviations written out, 'X infection' as
the disease X) into the vocabulary's concepts; a concept that is a MeSH heading has tree numbers
('C14.280.647.500'), whose first part is its category (C14, Cardiovascular Diseases). Where the whole name
names no heading, it is read again without its course and severity words ('acute', 'chronic', 'severe':
``QUALIFIER_WORDS``), which leave the disease's category unchanged, so 'Acute myocardial infarction' is read
as 'myocardial infarction'; a lexicon concept that is not itself a heading is read through the headings its
own name names. Categories are MeSH's disease trees (C01 to C26) and Mental Disorders (F03); a heading in
several of them gets the lowest-numbered, so infections (C01) and neoplasms (C04) come before the organ
system they affect, and 'Pathological Conditions, Signs and Symptoms' (C23) only when no other applies.
A name that reaches no heading has no category (``None``: the summary's "unresolved").
"""

from __future__ import annotations

from functools import lru_cache

from agents.judge.diagnosis_names import key
from agents.judge.diagnosis_vocabulary import QUALIFIER_WORDS, Vocabulary
from agents.judge.match_layers import name_keys
from agents.judge.vocabulary_index import default_vocabulary

UNRESOLVED = "unresolved"
"""The summary's bucket for diagnoses without a category."""
CATEGORY_NAMES = {
    "C01": "Infections",
    "C04": "Neoplasms",
    "C05": "Musculoskeletal Diseases",
    "C06": "Digestive System Diseases",
    "C07": "Stomatognathic Diseases",
    "C08": "Respiratory Tract Diseases",
    "C09": "Otorhinolaryngologic Diseases",
    "C10": "Nervous System Diseases",
    "C11": "Eye Diseases",
    "C12": "Urogenital Diseases",
    "C13": "Female Urogenital Diseases and Pregnancy Complications",
    "C14": "Cardiovascular Diseases",
    "C15": "Hemic and Lymphatic Diseases",
    "C16": "Congenital, Hereditary, and Neonatal Diseases and Abnormalities",
    "C17": "Skin and Connective Tissue Diseases",
    "C18": "Nutritional and Metabolic Diseases",
    "C19": "Endocrine System Diseases",
    "C20": "Immune System Diseases",
    "C21": "Disorders of Environmental Origin",
    "C22": "Animal Diseases",
    "C23": "Pathological Conditions, Signs and Symptoms",
    "C24": "Occupational Diseases",
    "C25": "Chemically-Induced Disorders",
    "C26": "Wounds and Injuries",
    "F03": "Mental Disorders",
}
"""MeSH's top-level disease categories (C13 was merged into C12 in MeSH 2023; older data may still hold it)."""


def category_label(code: str) -> str:
    """'C14' -> 'C14 Cardiovascular Diseases': the code first, so labels sort in MeSH's order."""
    return f"{code} {CATEGORY_NAMES[code]}"


def _concepts(form_keys: list[str], vocabulary: Vocabulary) -> set[str]:
    return {concept for form_key in vocabulary.readings(form_keys) for concept in vocabulary.concepts(form_key)}


def categories(diagnosis: str, vocabulary: Vocabulary) -> list[str]:
    """The category codes of every MeSH heading the diagnosis names (see the module docstring), sorted."""
    form_keys = name_keys(diagnosis)
    concepts = _concepts(form_keys, vocabulary)
    if not any(concept in vocabulary.trees for concept in concepts):
        bare = [" ".join(w for w in k.split() if w not in QUALIFIER_WORDS) for k in form_keys]
        concepts |= _concepts([k for k in bare if k and k not in form_keys], vocabulary)
    headings = {concept for concept in concepts if concept in vocabulary.trees}
    if not headings:  # a lexicon concept that is no heading itself: the headings its own name names
        headings = {found for concept in concepts for found in vocabulary.concepts(key(concept))}
    codes = {number.split(".")[0] for heading in headings for number in vocabulary.trees.get(heading, ())}
    return sorted(codes & CATEGORY_NAMES.keys())


@lru_cache(maxsize=4096)
def disease_category(diagnosis: str) -> str | None:
    """The disease category of a diagnosis as a label ('C14 Cardiovascular Diseases'), or None when the
    judge's vocabulary reaches no MeSH heading for it."""
    found = categories(diagnosis, default_vocabulary())
    return category_label(found[0]) if found else None
