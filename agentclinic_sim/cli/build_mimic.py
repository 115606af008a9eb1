"""``agentclinic cases build-mimic``: AgentClinic-MIMIC-IV cases from the user's own MIMIC-IV tables.

Bad input (a missing table or column, a missing ``mimic`` extra, a remote narrator without consent) is one
line on stderr and exit 2; progress is a rich bar on stderr; the summary goes to stdout.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from agentclinic_sim.cli.console import console, err_console, fail
from agentclinic_sim.cli.settings import SettingsInput, command_from_settings
from agentclinic_sim.mimic_narrator import backend_narrator, check_narrator_privacy
from agentclinic_sim.privacy import MimicPrivacyError
from models.backends import BackendError
from models.backends.reference import URI_FORMS
from models.backends.uri import backend_from_uri
from scenarios.mimic import BuildReport, MimicInputError, Narrator, build_mimic_cases
from scenarios.mimic.assemble import MIN_RESULTS


def summary(report: BuildReport) -> str:
    lines = [
        f"[green]wrote[/] {report.written} case(s) to {escape(str(report.out))} "
        f"({report.considered} admission(s) examined of {report.candidates} candidate(s); "
        f"ED module {'used' if report.ed_module else 'not found'})"
    ]
    lines += [f"skipped {count}: {escape(reason)}" for reason, count in sorted(report.skipped.items())]
    if report.withheld_facts:
        lines.append(f"withheld {report.withheld_facts} finding(s) that would name the diagnosis or another title")
    if report.narrated or report.narration_rejected:
        lines.append(
            f"narrated {report.narrated} history(ies); kept the plain account for {report.narration_rejected} "
            "(empty or leaking)"
        )
    lines.append(
        f"next: agentclinic cases validate {escape(str(report.out))}\n"
        f"      agentclinic run --dataset {escape(str(report.out))} --doctor medgemma-27b"
    )
    return "\n".join(lines)


class BuildMimicSettings(BaseModel):
    """Where the MIMIC-IV tables are, where the cases go, and how they are chosen and written."""

    mimic_dir: Path = Field(description="MIMIC-IV folder holding hosp/ (and ed/), or the hosp folder itself.")
    out: Path = Field(description="The .jsonl file to write (replaced when the build succeeds).")
    limit: int | None = Field(None, ge=1, description="Write at most this many cases.")
    seed: int = Field(0, description="Seed of the admission order (same seed, same file).")
    narrate: str | None = Field(
        None,
        description=f"Backend that writes each history as prose ({URI_FORMS}). Local backends only unless "
        "--allow-remote-mimic.",
    )
    allow_remote_mimic: bool = Field(
        False, description="Let a remote --narrate backend see MIMIC-IV facts (only with zero retention assured)."
    )
    ed_dir: Path | None = Field(None, description="MIMIC-IV-ED folder with edstays and triage (default DIR/ed).")
    min_results: int = Field(MIN_RESULTS, ge=1, description="Skip admissions with fewer test results than this.")


def build_mimic(request: SettingsInput[BuildMimicSettings]) -> None:
    """Build AgentClinic cases (OSCE schema) from your own MIMIC-IV hosp tables (.csv or .csv.gz, v2.x/v3.x).

    One case per admission: the diagnosis is the title of its seq_num = 1 ICD code; the patient, the
    examination and the tests show only what the record supports, and never the diagnosis, the other
    ICD titles, DRGs or procedures. Same tables and seed give a byte-identical file. Every case is
    marked as MIMIC-IV, so remote APIs are refused for it whatever the file is called.
    """
    settings = request.build()
    narrate = settings.narrate
    narrator: Narrator | None = None
    loop: asyncio.AbstractEventLoop | None = None
    backend: Any = None
    if narrate is not None:
        try:
            check_narrator_privacy(narrate, settings.allow_remote_mimic)
            backend = backend_from_uri(narrate)
        except (MimicPrivacyError, BackendError) as exc:
            fail(str(exc))
        loop = asyncio.new_event_loop()
        narrator = backend_narrator(backend, loop)
    bar = Progress(
        "[bold]building cases", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err_console,
        transient=True,
    )  # fmt: skip
    task = bar.add_task("build", total=None)  # pulses while the event tables are scanned

    def advance(written: int, wanted: int) -> None:
        bar.update(task, completed=written, total=wanted)

    try:
        with bar:
            report = build_mimic_cases(
                settings.mimic_dir, settings.out, limit=settings.limit, seed=settings.seed,
                min_results=settings.min_results, narrator=narrator, ed_dir=settings.ed_dir, progress=advance,
            )  # fmt: skip
    except MimicInputError as exc:
        fail(str(exc))
    except BackendError as exc:
        fail(f"--narrate {narrate}: {exc}", code=1)
    finally:
        if loop is not None:
            from agentclinic_sim.role_clients import aclose_backends  # loads the roles: not for --help

            loop.run_until_complete(aclose_backends([backend]))
            loop.close()
    console.print(summary(report), soft_wrap=True, highlight=False)


build_mimic_command = command_from_settings(BuildMimicSettings, build_mimic, config_option=False)
"""``agentclinic cases build-mimic``: its options are ``BuildMimicSettings``' fields."""
