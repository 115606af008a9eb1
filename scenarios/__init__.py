"""The cases: one normalised ``Case`` for every AgentClinic dataset, and where their files come from.

No LLM and no torch live here; everything above this package builds on it.
"""

from scenarios.errors import CaseFileError, CaseProblem, DatasetError
from scenarios.registry import DATASETS, DatasetSpec, load_cases, resolve_dataset
from scenarios.schema import Case
from scenarios.selection import CaseSelection, CaseSource, names_case
from scenarios.split import in_split

__all__ = [
    "DATASETS",
    "Case",
    "CaseFileError",
    "CaseProblem",
    "CaseSelection",
    "CaseSource",
    "DatasetError",
    "DatasetSpec",
    "in_split",
    "load_cases",
    "names_case",
    "resolve_dataset",
]
