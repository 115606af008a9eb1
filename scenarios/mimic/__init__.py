"""AgentClinic-MIMIC-IV cases built from a credentialed user's own MIMIC-IV ``hosp`` (and ``ed``) tables.

``build_mimic_cases(mimic_dir, out, limit=..., seed=...)`` writes OSCE records whose ``_meta`` marks them
as MIMIC-IV, so the privacy gate keeps them away from remote APIs whatever the file is called. The
streaming engine (DuckDB) is the optional ``mimic`` extra and is imported only when a build runs.
"""

from scenarios.mimic.builder import build_mimic_cases
from scenarios.mimic.errors import MimicInputError
from scenarios.mimic.models import BuildReport, NarrationFacts, Narrator

__all__ = ["BuildReport", "MimicInputError", "NarrationFacts", "Narrator", "build_mimic_cases"]
