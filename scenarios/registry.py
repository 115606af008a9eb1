"""The named datasets, where each one's file comes from, and ``load_cases``.

Lookup order for a named dataset: ``data_dir`` (``--data-dir`` or ``$AGENTCLINIC_DATA``), then the user
cache, then a verified download of the pinned upstream file into the cache. ``demo`` ships inside the
package; ``mimiciv`` is never downloaded. Any path to a ``.jsonl`` file works as a dataset too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from scenarios.download import Progress, cache_dir, download_verified, upstream_url
from scenarios.errors import DatasetError
from scenarios.reader import read_case_file
from scenarios.schema import Case, SchemaName
from scenarios.split import DEFAULT_TEST_FRACTION, Split, in_split

DATA_DIR_ENV = "AGENTCLINIC_DATA"

MIMIC_HELP = (
    "MIMIC-IV cases are credentialed data and are never downloaded by this tool. "
    "If you are a credentialed PhysioNet user, place agentclinic_mimiciv.jsonl (from AgentClinic's "
    "authors, under your PhysioNet data use agreement) in a folder and pass --data-dir DIR "
    "(or set AGENTCLINIC_DATA), or build cases from your own MIMIC-IV tables: "
    "agentclinic cases build-mimic --mimic-dir DIR --out FILE."
)


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    filename: str
    schema: SchemaName
    count: int | None
    sha256: str | None
    description: str
    bundled: bool = False
    downloadable: bool = True
    credentialed: bool = False


DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in [
        DatasetSpec(
            "demo",
            "demo.jsonl",
            "osce",
            None,
            None,
            "synthetic cases written for this project (offline default)",
            bundled=True,
            downloadable=False,
        ),
        DatasetSpec(
            "medqa",
            "agentclinic_medqa.jsonl",
            "osce",
            107,
            "d91038a2984f21bb1d43edd88c7958d090ef42ba80f5be487b22b903bf3a35ea",
            "AgentClinic-MedQA",
        ),
        DatasetSpec(
            "medqa-ext",
            "agentclinic_medqa_extended.jsonl",
            "osce",
            214,
            "54a024eb2705c6c55d1988766adf4ab02ea7bbe2a28f843107b740032200f232",
            "AgentClinic-MedQA extended (first 107 = medqa)",
        ),
        DatasetSpec(
            "nejm",
            "agentclinic_nejm.jsonl",
            "nejm",
            15,
            "22ac74ed6e0efd9d280e4e4c53918d7446ea4a4d56816bbb364ae87812b8ea71",
            "AgentClinic-NEJM (image challenges)",
        ),
        DatasetSpec(
            "nejm-ext",
            "agentclinic_nejm_extended.jsonl",
            "nejm",
            120,
            "d945305ee17ee1456053fbfe2e9d9c5e8b27d14538bf48ab8ace7306dc437b85",
            "AgentClinic-NEJM extended",
        ),
        DatasetSpec(
            "mimiciv",
            "agentclinic_mimiciv.jsonl",
            "osce",
            None,
            None,
            "AgentClinic-MIMIC-IV (credentialed; bring your own)",
            downloadable=False,
            credentialed=True,
        ),
    ]
}

SourceKind = Literal["bundled", "data-dir", "cached", "download needed", "path", "missing"]


@dataclass(frozen=True)
class Source:
    """Where a dataset's file would load from right now."""

    kind: SourceKind
    path: Path | None
    url: str | None = None


def _data_dir(data_dir: Path | str | None) -> Path | None:
    chosen = data_dir or os.environ.get(DATA_DIR_ENV)
    return Path(chosen).expanduser() if chosen else None


def _bundled_path(filename: str) -> Path:
    return Path(str(resources.files("scenarios") / "data" / filename))


def locate(spec: DatasetSpec, data_dir: Path | str | None = None) -> Source:
    """Where ``spec`` would load from, without touching the network."""
    if spec.bundled:
        return Source("bundled", _bundled_path(spec.filename))
    folder = _data_dir(data_dir)
    if folder and (folder / spec.filename).is_file():
        return Source("data-dir", folder / spec.filename)
    cached = cache_dir() / spec.filename
    if cached.is_file():
        return Source("cached", cached)
    if spec.downloadable:
        return Source("download needed", cached, upstream_url(spec.filename))
    return Source("missing", None)


def resolve_dataset(
    dataset: str, data_dir: Path | str | None = None, *, download: bool = True, progress: Progress | None = None
) -> tuple[str, Path, SchemaName | None]:
    """Name, file path and expected schema for a dataset name or a ``.jsonl`` path, downloading if needed."""
    spec = DATASETS.get(dataset)
    if spec is None:
        path = Path(dataset).expanduser()
        if path.suffix == ".jsonl" or path.exists():
            return path.stem, path, None
        known = ", ".join(DATASETS)
        raise DatasetError(f"unknown dataset {dataset!r}: use one of {known}, or a path to a .jsonl file")
    folder = _data_dir(data_dir)
    if not spec.bundled and folder is not None and not folder.is_dir():
        raise DatasetError(
            f"the data folder {folder} (--data-dir or ${DATA_DIR_ENV}) is not a folder: point it at the folder "
            f"holding {spec.filename}"
        )
    source = locate(spec, data_dir)
    if source.kind == "missing":
        raise DatasetError(MIMIC_HELP if spec.credentialed else f"{spec.filename} not found")
    if source.kind == "download needed":
        if not download:
            raise DatasetError(f"{spec.filename} is not cached and downloads are off; pass --data-dir DIR")
        assert source.path is not None and source.url is not None and spec.sha256 is not None
        download_verified(source.url, source.path, spec.sha256, progress=progress)
    assert source.path is not None
    return spec.name, source.path, spec.schema


def load_cases(
    dataset: str = "demo",
    data_dir: Path | str | None = None,
    *,
    split: Split = "all",
    test_fraction: float = DEFAULT_TEST_FRACTION,
    seed: int = 0,
    download: bool = True,
    progress: Progress | None = None,
) -> list[Case]:
    """Load a dataset's cases (stopping at the first bad record) and keep those in ``split``."""
    name, path, schema = resolve_dataset(dataset, data_dir, download=download, progress=progress)
    spec = DATASETS.get(name)
    credentialed = spec is not None and spec.credentialed
    cases, _ = read_case_file(path, name, schema=schema, stop_at_first=True, credentialed=credentialed)
    return [case for case in cases if in_split(case.content_hash, split, test_fraction=test_fraction, seed=seed)]
