"""Writing a standalone HTML page for a command (``replay --html``, ``compare --html``): refuse a target that would
overwrite a transcript or is a folder, create its folder, and say what was written."""

from __future__ import annotations

from pathlib import Path

from agentclinic_sim.cli.console import console, err_console, fail


def check_html_target(html: Path, *sources: Path) -> None:
    """Exit 2 unless ``html`` can be a new page: not a transcript, not a folder."""
    if html.suffix == ".jsonl" or (html.exists() and any(html.resolve() == s.resolve() for s in sources)):
        fail(f"--html {html} would write over a transcript: give an .html file")
    if html.is_dir():
        fail(f"--html {html} is a folder: give an .html file")


def write_html(html: Path, page: str, what: str, *, quiet: bool = False) -> None:
    """Write ``page`` to ``html`` (or exit 2 saying why it cannot be), and say so: on stderr when ``quiet`` (stdout
    holds JSON)."""
    try:
        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(page, encoding="utf-8")
    except OSError as exc:
        fail(f"--html {html} cannot be written ({exc.strerror or exc})")
    (err_console if quiet else console).print(f"wrote {html} ({what})", markup=False)
