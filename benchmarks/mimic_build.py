"""Build time and peak memory of ``agentclinic cases build-mimic`` on a synthetic MIMIC-IV of realistic shape.

Writes made-up ``hosp`` (and ``ed``) tables into a temporary folder, ``labevents`` with ``--lab-rows`` rows
(default 5M: about 1/30 of MIMIC-IV v3.1), then runs the command in a child process and prints its wall
time and peak RSS (the goal: at most 1 GB). Values are random but shaped like MIMIC's: gzipped CSVs with
the real headers, 10% of labs without a hadm_id, some outside their admission's window, ``___`` blanks.

    python benchmarks/mimic_build.py [--lab-rows 5000000] [--admissions 30000] [--limit N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gzip
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from scenarios.mimic.tables import MIMIC_COLUMNS

ITEMS = 200
CODES_10 = [f"{letter}{number:03d}" for letter in "ABCDEFGIJKLMNRZ" for number in range(0, 1000, 37)]
CODES_9 = [f"{number:04d}" for number in range(10, 9999, 97)] + [f"V{number:03d}" for number in range(10, 900, 89)]


def write_table(root: Path, table: str, rows: Iterable[list[object]]) -> int:
    path = root / f"{table}.csv.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with gzip.open(path, "wt", compresslevel=1, encoding="utf-8", newline="\n") as stream:
        stream.write(",".join(MIMIC_COLUMNS[table]) + "\n")
        batch: list[str] = []
        for row in rows:
            batch.append(",".join(_cell(value) for value in row))
            count += 1
            if len(batch) >= 50_000:
                stream.write("\n".join(batch) + "\n")
                batch.clear()
        if batch:
            stream.write("\n".join(batch) + "\n")
    return count


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f'"{text}"' if "," in text else text


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def generate(root: Path, admissions: int, lab_rows: int, seed: int = 0) -> dict[str, int]:
    rng = random.Random(seed)
    subjects = max(1, admissions * 2 // 3)
    stays: list[tuple[int, int, datetime, datetime]] = []
    for index in range(admissions):
        subject = 10_000_000 + index % subjects
        admit = datetime(2110, 1, 1) + timedelta(days=rng.randrange(0, 365 * 80), minutes=rng.randrange(1440))
        stays.append((subject, 20_000_000 + index, admit, admit + timedelta(hours=rng.randrange(12, 400))))
    counts: dict[str, int] = {}
    counts["patients"] = write_table(
        root,
        "hosp/patients",
        ([10_000_000 + s, rng.choice("MF"), rng.randrange(18, 92), 2150, "2017 - 2019", ""] for s in range(subjects)),
    )
    counts["admissions"] = write_table(
        root,
        "hosp/admissions",
        (
            [subject, hadm, stamp(admit), stamp(disch), "", "EW EMER.", "P1", "EMERGENCY ROOM", "HOME", "Other",
             "ENGLISH", "SINGLE", "UNKNOWN", stamp(admit - timedelta(hours=3)), stamp(admit), 0]
            for subject, hadm, admit, disch in stays
        ),
    )  # fmt: skip
    codes = [(code, 10) for code in CODES_10] + [(code, 9) for code in CODES_9]
    counts["d_icd_diagnoses"] = write_table(
        root, "hosp/d_icd_diagnoses", ([code, v, f"Synthetic condition {code} v{v}"] for code, v in codes)
    )  # fmt: skip
    counts["diagnoses_icd"] = write_table(
        root,
        "hosp/diagnoses_icd",
        ([subject, hadm, seq, *rng.choice(codes)] for subject, hadm, _, _ in stays for seq in range(1, 6)),
    )
    counts["d_labitems"] = write_table(
        root,
        "hosp/d_labitems",
        ([50_000 + item, f"Analyte {item}", "Blood" if item % 4 else "Urine", ["Chemistry", "Hematology"][item % 2]]
         for item in range(ITEMS)),
    )  # fmt: skip

    def labs() -> Iterable[list[object]]:
        for event in range(lab_rows):
            subject, hadm, admit, disch = stays[rng.randrange(admissions)]
            moment = admit + (disch - admit) * rng.random() + timedelta(days=30 if rng.random() < 0.05 else 0)
            value = round(rng.uniform(0.1, 300.0), 1)
            blank = rng.random() < 0.01
            yield [
                event + 1, subject, "" if rng.random() < 0.1 else hadm, event + 1, 50_000 + rng.randrange(ITEMS),
                "P1", stamp(moment), stamp(moment), "___" if blank else value, "" if blank else value, "mg/dL",
                1.0, 100.0, "abnormal" if value > 100 else "", "ROUTINE", "",
            ]  # fmt: skip

    counts["labevents"] = write_table(root, "hosp/labevents", labs())
    counts["microbiologyevents"] = write_table(
        root,
        "hosp/microbiologyevents",
        (
            [event, subject, hadm, event, "P1", stamp(admit)[:10] + " 00:00:00", stamp(admit + timedelta(hours=2)),
             70_012, "BLOOD CULTURE", 1, "", "", 90_201, "Blood Culture, Routine", "",
             "" if event % 3 else "ESCHERICHIA COLI", "", "", "", "", "", "", "", "",
             "" if event % 3 == 0 else "NO GROWTH."]
            for event, (subject, hadm, admit, _) in enumerate(stays[: admissions // 2], start=1)
        ),
    )  # fmt: skip
    counts["omr"] = write_table(
        root,
        "hosp/omr",
        ([subject, stamp(admit - timedelta(days=5))[:10], 1, "Blood Pressure", "130/80"]
         for subject, _, admit, _ in stays[::2]),
    )  # fmt: skip
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab-rows", type=int, default=5_000_000)
    parser.add_argument("--admissions", type=int, default=30_000)
    parser.add_argument("--limit", type=int, default=None, help="pass --limit to the build (default: every case)")
    parser.add_argument("--keep", type=Path, default=None, help="write the tables here and keep them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mimic-bench-") as scratch:
        root = args.keep or Path(scratch) / "mimic"
        started = time.perf_counter()
        counts = generate(root, args.admissions, args.lab_rows)
        size = sum(path.stat().st_size for path in root.rglob("*.csv.gz"))
        print(f"generated {counts} ({size / 1e6:.0f} MB gzipped) in {time.perf_counter() - started:.1f} s")
        out = Path(scratch) / "cases.jsonl"
        command = [sys.executable, "-m", "agentclinic_sim.cli", "cases", "build-mimic", "--mimic-dir", str(root),
                   "--out", str(out)] + (["--limit", str(args.limit)] if args.limit else [])  # fmt: skip
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(result.stdout.strip() or result.stderr.strip())
        if result.returncode != 0:
            raise SystemExit(f"build failed (exit {result.returncode}): {result.stderr.strip()}")
        print(f"build: {elapsed:.1f} s wall, peak RSS {peak_mib:.0f} MiB (goal <= 1024); {args.lab_rows:,} lab rows")


if __name__ == "__main__":
    main()
