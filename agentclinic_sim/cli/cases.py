"""``agentclinic cases``: list the datasets, show one case as a tree, validate a case file."""

from __future__ import annotations

from typing import Any

import typer
from pydantic import Field
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn
from rich.table import Table
from rich.tree import Tree

from agentclinic_sim.cli.build_mimic import build_mimic_command
from agentclinic_sim.cli.console import console, err_console, fail
from agentclinic_sim.cli.settings import SettingsInput, command_from_settings
from scenarios import DATASETS, Case, CaseFileError, CaseProblem, CaseSource, DatasetError, load_cases, resolve_dataset
from scenarios.errors import display_path
from scenarios.reader import read_case_file
from scenarios.registry import locate

cases_app = typer.Typer(
    help="Browse and check case files, or build them from MIMIC-IV.\n\nDATASET is a name (demo, medqa, medqa-ext, "
    "nejm, nejm-ext, mimiciv) or a path to a .jsonl file.",
    no_args_is_help=True,
)
cases_app.command("build-mimic")(build_mimic_command)

DATA_DIR_OPTION = {"data_dir": {"envvar": "AGENTCLINIC_DATA", "rich_help_panel": None}}
"""``--data-dir`` reads ``$AGENTCLINIC_DATA``; it stays in the main panel, as every flag of ``cases`` is about cases."""


class DatasetSettings(CaseSource):
    """A dataset named on the command line (DATASET), its files looked for in --data-dir first."""

    dataset: str = Field(description="Dataset name or .jsonl path.")  # required here, unlike a run's


class ShowSettings(DatasetSettings):
    """A case of a dataset."""

    case_id: str = Field(description="Case id ('medqa:3'), its index ('3') or its content hash.")


class DownloadBar:
    """A rich progress bar for a dataset download, shown only while bytes arrive."""

    def __init__(self) -> None:
        self.progress: Progress | None = None
        self.task: Any = None

    def __call__(self, done: int, total: int | None) -> None:
        if self.progress is None:
            self.progress = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                console=err_console,
                transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task("downloading", total=total)
        self.progress.update(self.task, completed=done)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def load_or_fail(source: CaseSource) -> list[Case]:
    """``load_cases`` for a command: a progress bar on download, one clean error line and exit 2 on failure."""
    bar = DownloadBar()
    try:
        return load_cases(source.dataset, source.data_dir, progress=bar)
    except DatasetError as exc:
        fail(str(exc))
    finally:
        bar.close()


def list_datasets(request: SettingsInput[CaseSource]) -> None:
    """List the datasets, their case counts, and where each would load from (nothing is downloaded)."""
    data_dir = request.build().data_dir
    table = Table(title="AgentClinic datasets")
    for column in ("dataset", "cases", "source", "location"):
        table.add_column(column, overflow="fold")
    for spec in DATASETS.values():
        source = locate(spec, data_dir)
        count = str(spec.count) if spec.count is not None else "?"
        if source.kind in {"bundled", "data-dir", "cached"} and source.path is not None:
            try:
                count = str(len(read_case_file(source.path, spec.name, schema=spec.schema)[0]))
            except CaseFileError as exc:
                count = f"[red]invalid: {escape(str(exc))}[/]"
        location = (
            "pinned upstream file (sha256-checked)" if source.kind == "download needed" else str(source.path or "-")
        )
        style = {"download needed": "yellow", "missing": "red"}.get(source.kind, "green")
        table.add_row(spec.name, count, f"[{style}]{source.kind}[/]", escape(location))
    console.print(table)
    console.print("Any path to a .jsonl file in the OSCE or NEJM schema also works as DATASET.")


def findings_tree(tree: Tree, value: Any) -> Tree:
    """Add a nested findings value (objects, lists, text) under ``tree``."""
    if isinstance(value, dict):
        for key, child in value.items():
            label = f"[bold]{escape(str(key))}[/]"
            if isinstance(child, dict | list):
                findings_tree(tree.add(label), child)
            else:
                tree.add(f"{label}: {escape(str(child))}")
    elif isinstance(value, list):
        for child in value:
            if isinstance(child, dict | list):
                findings_tree(tree.add("•"), child)
            else:
                tree.add(escape(str(child)))
    else:
        tree.add(escape(str(value)))
    return tree


def case_tree(case: Case) -> Tree:
    root = Tree(f"[bold cyan]{escape(case.id)}[/]  [dim]hash {case.content_hash}[/]")
    root.add(f"[bold]Objective[/]: {escape(case.objective)}")
    findings_tree(root.add("[bold magenta]Patient[/]"), case.patient)
    findings_tree(root.add("[bold blue]Physical examination[/]"), case.exam)
    if case.tests:
        findings_tree(root.add("[bold yellow]Test results[/]"), case.tests)
    if case.options:
        options = root.add("[bold]Answer options[/]")
        for option in case.options:
            options.add(escape(option))
    if case.image_url:
        root.add(f"[bold]Image[/]: {escape(case.image_url)}")
    root.add(f"[bold green]Correct diagnosis[/]: {escape(case.diagnosis)}")
    return root


def show_case(request: SettingsInput[ShowSettings]) -> None:
    """Show one case as a tree: objective, patient facts, exam, tests, correct diagnosis."""
    settings = request.build()
    dataset = settings.dataset
    cases = load_or_fail(settings)
    wanted = settings.case_id.strip()
    for case in cases:
        if wanted in {case.id, str(case.index), case.content_hash}:
            console.print(case_tree(case))
            return
    fail(
        f"no case {wanted!r} in {dataset} ({len(cases)} cases: ids {cases[0].id} … {cases[-1].id})"
        if cases
        else f"{dataset} has no cases"
    )


def validate(request: SettingsInput[DatasetSettings]) -> None:
    """Check every record of a case file; print each problem as file:line: field: message.

    The problems and the verdict are the command's result, so they go to stdout. Exit 0 when the file is
    clean, 2 when it is not; a dataset that cannot be resolved or fetched is an error on stderr (exit 2).
    """
    settings = request.build()
    dataset, data_dir = settings.dataset, settings.data_dir
    bar = DownloadBar()
    try:
        name, path, schema = resolve_dataset(dataset, data_dir, progress=bar)
        cases, problems = read_case_file(path, name, schema=schema, stop_at_first=False)
    except CaseFileError as exc:
        cases, problems = [], exc.problems
    except DatasetError as exc:
        fail(str(exc))
    finally:
        bar.close()
    expected = DATASETS[dataset].count if dataset in DATASETS else None
    if not problems and expected is not None and len(cases) != expected:
        problems = [CaseProblem(display_path(path), 0, "file", f"expected {expected} cases, found {len(cases)}")]
    for problem in problems:
        console.print(escape(str(problem)), highlight=False, soft_wrap=True)
    if problems:
        console.print(f"[red]{len(problems)} problem(s) found[/]; {len(cases)} good case(s)", highlight=False)
        raise typer.Exit(2)
    console.print(f"[green]ok[/]: {len(cases)} cases in {escape(display_path(path))}")


cases_app.command("list")(
    command_from_settings(CaseSource, list_datasets, exclude={"dataset"}, options=DATA_DIR_OPTION, config_option=False)
)  # every dataset is listed: DATASET is not asked for
cases_app.command("show")(
    command_from_settings(
        ShowSettings, show_case, arguments=("dataset", "case_id"), options=DATA_DIR_OPTION, config_option=False
    )
)
cases_app.command("validate")(
    command_from_settings(
        DatasetSettings, validate, arguments=("dataset",), options=DATA_DIR_OPTION, config_option=False
    )
)
