"""A run folder's own records: ``run.json`` (the settings a run was started with and each invocation's
wall time), where failed attempts go, and writing them so that a crash never leaves half a file."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from agentclinic_sim.run_settings import RunError, RunSettings

RUN_SETTINGS = "run.json"
ERRORED_ATTEMPTS = "errored.jsonl"
LOCK = ".agentclinic.lock"


class Invocation(BaseModel):
    """One start of a run (the first, or a resume)."""

    started_at: float
    wall_s: float = 0.0
    episodes: int = Field(0, description="Episodes finished in this invocation.")
    retry_errored: bool = False


class RunManifest(BaseModel):
    """``OUT/run.json``: the settings the run was started with, and every invocation's wall time."""

    settings: RunSettings
    invocations: list[Invocation] = Field(default_factory=list)

    @property
    def wall_s(self) -> float:
        return sum(invocation.wall_s for invocation in self.invocations)


def load_manifest(out: Path, flag: str = "--resume") -> RunManifest:
    """Read ``OUT/run.json`` (also the older form that held the settings alone); ``flag`` is the option that
    asked for it, named when there is no run."""
    path = out / RUN_SETTINGS
    if not path.is_file():
        raise RunError(f"{path} not found: {out} holds no run to continue (start it without {flag})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "settings" not in data and not OLD_FORM_FIELDS <= data.keys():
            raise ValueError(f"it holds neither 'settings' nor the settings themselves ({', '.join(OLD_FORM_FIELDS)})")
        return RunManifest.model_validate(data if isinstance(data, dict) and "settings" in data else {"settings": data})
    except (ValueError, ValidationError) as exc:
        raise RunError(f"{path} is not a readable run record: {str(exc).splitlines()[0]}") from None


OLD_FORM_FIELDS = frozenset({"dataset", "doctor"})
"""Fields every ``run.json`` of the older, settings-only form has (it was a whole ``RunSettings``)."""


@contextmanager
def holding(out: Path) -> Iterator[None]:
    """Hold the folder ``out`` for this process: while it lives, another run, resume or play on the same
    folder is refused (two at once would write each episode twice and ask the models twice). The lock is
    the OS's (``flock`` on ``OUT/.agentclinic.lock``), so it goes with the process however that ends."""
    try:
        import fcntl
    except ImportError:  # not on a POSIX system: no lock
        yield
        return
    created = [folder for folder in (out, *out.parents) if not folder.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
        handle = open(out / LOCK, "a+", encoding="utf-8")  # held until the block ends
    except OSError as exc:
        raise RunError(f"--out {out} cannot be used ({exc.strerror or exc})") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            by = f" (pid {holder})" if holder.isdigit() else ""
            raise RunError(
                f"{out} is in use by another agentclinic process{by}: wait for it to end, or choose another --out"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()
        if created and [path.name for path in out.iterdir()] == [LOCK]:  # nothing came of it: leave no trace
            with suppress(OSError):
                (out / LOCK).unlink()
                for folder in created:
                    folder.rmdir()


def prepare_out_dir(out: Path) -> None:
    """Create the run folder, or say in one line why it cannot be used."""
    if out.exists() and not out.is_dir():
        raise RunError(f"--out {out} is a file, not a folder")
    blocker = next((parent for parent in out.parents if parent.exists() and not parent.is_dir()), None)
    if blocker is not None:
        raise RunError(f"--out {out} cannot be created: {blocker} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise RunError(f"--out {out} is not writable ({exc.strerror or exc})") from None


def write_json(path: Path, data: object) -> None:
    """Write atomically: a crash leaves the old file or the new one, never half of one."""
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)
