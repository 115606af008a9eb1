"""Every notebook under notebooks/ runs top to bottom in a fresh kernel, offline, in a scratch working directory.

The kernel is this interpreter (``sys.executable``), not whatever ``python`` a ``python3`` kernelspec on the
PATH would resolve to, so the notebooks see the same installed project as the tests.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
KERNEL_NAME = "python3"
CELL_TIMEOUT_S = 300
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")  # IPython colours its tracebacks


def test_there_are_notebooks_to_run() -> None:
    """An empty or moved notebooks/ folder would otherwise leave nothing tested without anyone noticing."""
    assert NOTEBOOKS, f"no notebooks found in {NOTEBOOKS_DIR}"


def kernel_manager(spec_root: Path) -> KernelManager:
    """A kernel manager whose only kernelspec, ``python3``, launches ``sys.executable -m ipykernel_launcher``."""
    spec_dir = spec_root / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (tests)",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec_root)]))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(notebook: Path, tmp_path: Path) -> None:
    """Execute each cell in order; the first failing cell fails the test with its error and traceback."""
    nb = nbformat.read(notebook, as_version=4)
    workdir = tmp_path / "work"
    workdir.mkdir()
    # A last cell, run in the same kernel, confirms which interpreter executed the notebook.
    check = f"import sys\nassert sys.executable == {sys.executable!r}, sys.executable"
    nb.cells.append(nbformat.v4.new_code_cell(check))
    client = NotebookClient(
        nb,
        km=kernel_manager(tmp_path / "kernels"),
        timeout=CELL_TIMEOUT_S,
        resources={"metadata": {"path": str(workdir)}},
    )
    try:
        client.execute()
    except CellExecutionError as error:
        pytest.fail(f"{notebook.name}: a cell failed\n{ANSI_ESCAPE.sub('', str(error))}", pytrace=False)
