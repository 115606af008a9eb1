"""How often the deterministic measurement reader answers a clinician's request with the case's own result,
on the labelled requests in ``benchmarks/lookup_requests.csv`` (tuning part and held-out third separately).

Each row names a case, a request as a doctor would type it, and what the case holds for it: one or more
result paths (``A > B``; ``A >> name`` for a test written inside the free text of ``A``, as NEJM cases
hold them), joined by `` | ``, or ``absent``. A reply is scored by the results it gives:

- matched: exactly the expected results (a finding holding only expected results counts as them);
- false normal: a test the case holds answered by the missing-result policy;
- partial: some of the expected results and nothing else;
- wrong test: any other test's result given (for a present or an absent test);
- correct absent: an absent test answered by the missing-result policy.

A third of the rows, chosen by a hash of (case, request), is held out: tune on the rest only. Most rows
were written blind, from the case files alone, by writers who never ran the reader; a new set is scored
whole with ``--requests FILE`` before anything is changed for it, then joins this file under the same split.

    python benchmarks/lookup_agreement.py [--errors] [--held-out-errors] [--sweep]

``--sweep`` also runs a phrasing sweep over every MedQA-Ext test in the manner of the issue's measurement
(qualifiers around an analyte, imaging written the other way round); it is generated from the case
keys, so it is a regression check, not a labelled set.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import signal
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, ValidationError

from agents.findings import Node, is_placeholder, walk
from agents.measurement.lookup import LookupMeasurement
from agents.measurement.name_words import exact_name
from agents.measurement.names_of_tests import concept_key
from scenarios import Case, load_cases
from scenarios.errors import DatasetError

REQUESTS = Path(__file__).with_name("lookup_requests.csv")
DATASETS = ("demo", "medqa-ext", "nejm-ext")
ABSENT = "absent"
Outcome = Literal["matched", "false normal", "partial", "wrong test", "correct absent"]


class Reader(Protocol):
    nodes: list[Node]

    def find_all(self, request: str) -> tuple[Node, ...]: ...


class LabelledRequest(BaseModel):
    case: str
    request: str
    expected: str
    kind: str = ""

    @property
    def held_out(self) -> bool:
        """A fixed third of the rows, by a hash of (case, request): never looked at while tuning."""
        digest = hashlib.sha256(f"{self.case}|{self.request}".encode()).hexdigest()
        return int(digest, 16) % 3 == 0

    @property
    def absent(self) -> bool:
        return self.expected.strip().lower() == ABSENT


class Scored(BaseModel):
    row: LabelledRequest
    outcome: Outcome
    given: list[str]


class RequestsError(ValueError):
    """A labelled-request file that cannot be read: which file, which line, what is wrong."""


def read_requests(path: Path = REQUESTS, cases: dict[str, Case] | None = None) -> list[LabelledRequest]:
    """The rows of a labelled-request CSV; with ``cases``, a row naming a case not among them is refused too."""
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as error:
        raise RequestsError(f"{path}: {error.strerror}") from error
    rows = []
    with handle:
        reader = csv.DictReader(handle)
        for row in reader:
            try:
                request = LabelledRequest.model_validate(row)
            except ValidationError as error:
                problem = error.errors()[0]
                raise RequestsError(f"{path}:{reader.line_num}: {problem['loc'][0]}: {problem['msg']}") from error
            if cases is not None and request.case not in cases:
                raise RequestsError(f"{path}:{reader.line_num}: no case {request.case!r} in {', '.join(DATASETS)}")
            rows.append(request)
    return rows


def _leaves(nodes: Iterable[Node], everything: list[Node]) -> set[tuple[str, ...]]:
    """The leaf findings under some node: the result values a reply holds."""
    paths = [node.path for node in everything]
    found: set[tuple[str, ...]] = set()
    for node in nodes:
        under = [path for path in paths if path[: len(node.path)] == node.path]
        found |= {
            path for path in under if not any(len(other) > len(path) and other[: len(path)] == path for other in under)
        }
    return found


def _expected_nodes(row: LabelledRequest, reader: Reader) -> list[Node]:
    """The findings a row expects; a label that names nothing in the case is an error in the row."""
    nodes = []
    for label in row.expected.split(" | "):
        if ">>" in label:
            host, name = (part.strip() for part in label.split(">>"))
            found = [
                node
                for node in reader.nodes
                if node.path[0] == host and len(node.path) > 1 and exact_name(node.name) == exact_name(name)
            ]
        else:
            path = tuple(part.strip() for part in label.split(" > "))
            found = [node for node in reader.nodes if node.path == path]
        if not found:
            raise ValueError(f"{row.case}: {label!r} is not a finding of the case ({row.request!r})")
        nodes += found
    return nodes


def score(row: LabelledRequest, reader: Reader) -> Scored:
    given = list(reader.find_all(row.request))
    names = [" > ".join(node.path) for node in given]
    if row.absent:
        return Scored(row=row, outcome="wrong test" if given else "correct absent", given=names)
    if not given:
        return Scored(row=row, outcome="false normal", given=names)
    expected = _leaves(_expected_nodes(row, reader), reader.nodes)
    held = _leaves(given, reader.nodes)
    if not held <= expected:
        outcome: Outcome = "wrong test"
    else:
        outcome = "matched" if held == expected else "partial"
    return Scored(row=row, outcome=outcome, given=names)


def line(label: str, scored: list[Scored]) -> str:
    counts = Counter(item.outcome for item in scored)
    present = sum(not item.row.absent for item in scored)
    absent = len(scored) - present
    return (
        f"{label:9s} {len(scored)} requests | present {present}: matched {counts['matched']} "
        f"({counts['matched'] / max(present, 1):.1%}), false normals {counts['false normal']}, partial "
        f"{counts['partial']}, wrong test {sum(not i.row.absent and i.outcome == 'wrong test' for i in scored)} | "
        f"absent {absent}: correct {counts['correct absent']}, wrong test "
        f"{sum(i.row.absent and i.outcome == 'wrong test' for i in scored)}"
    )


def run(rows: list[LabelledRequest], make_reader: Callable[[Case], Reader], cases: dict[str, Case]) -> list[Scored]:
    readers: dict[str, Reader] = {}
    scored = []
    for row in rows:
        if row.case not in readers:
            readers[row.case] = make_reader(cases[row.case])
        scored.append(score(row, readers[row.case]))
    return scored


def all_cases(data_dir: str | None) -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for dataset in DATASETS:
        loaded = load_cases(dataset) if dataset == "demo" else load_cases(dataset, data_dir)
        cases |= {case.id: case for case in loaded}
    return cases


# --- the phrasing sweep -------------------------------------------------------------------------------


def sweep_requests(case: Case) -> list[tuple[str, Node]]:
    """Phrasings of each MedQA-Ext test the way the issue found them missed: an analyte with a qualifier
    ('Serum creatinine', 'Creatinine level'), and imaging with modality and region swapped or written
    out ('CT abdomen' -> 'abdomen CT', 'CT of the abdomen')."""
    requests = []
    for node in walk(case.tests):
        name = node.name.replace("_", " ")
        key = concept_key(node.name)
        if is_placeholder(node.value) or not key.tokens:
            continue
        in_blood = concept_key(" ".join(node.path)).specimen <= {"blood"}
        if key.modality:
            modality = [word for word in name.split() if concept_key(word).modality]
            region = [word for word in name.split() if not concept_key(word).modality]
            if modality and region:
                requests += [
                    (f"{' '.join(region)} {' '.join(modality)}", node),
                    (f"{' '.join(modality)} of the {' '.join(region)}", node),
                ]
        elif not isinstance(node.value, dict) and len(key.tokens) == 1 and in_blood:
            requests += [(f"Serum {name}", node), (f"{name} level", node)]
    return requests


def run_sweep(cases: list[Case], make_reader: Callable[[Case], Reader]) -> tuple[int, int, int]:
    """(requests, answered with the case's own result, answered with the missing-result policy)."""
    total = own = missing = 0
    for case in cases:
        reader = make_reader(case)
        for request, node in sweep_requests(case):
            given = reader.find_all(request)
            total += 1
            missing += not given
            own += bool(given) and _leaves(given, reader.nodes) <= _leaves([node], reader.nodes)
    return total, own, missing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=os.environ.get("AGENTCLINIC_DATA"))
    parser.add_argument("--errors", action="store_true", help="list the tuning rows that were not right")
    parser.add_argument("--held-out-errors", action="store_true", help="list the held-out rows (not for tuning)")
    parser.add_argument("--sweep", action="store_true", help="also run the MedQA-Ext phrasing sweep")
    parser.add_argument(
        "--requests",
        type=Path,
        help="score every row of this CSV instead (a new set written blind), whole and in the two parts it will "
        "split into; with --errors, list the tuning part's errors only (rows whose label names nothing in the "
        "case are counted and left out)",
    )
    args = parser.parse_args()

    cases = all_cases(args.data_dir)
    if args.requests is not None:
        score_whole_file(args.requests, cases, args.errors)
        return
    rows = read_requests()
    scored = run(rows, LookupMeasurement, cases)
    for label, held_out, show in (("tuning", False, args.errors), ("held-out", True, args.held_out_errors)):
        part = [item for item in scored if item.row.held_out == held_out]
        print(line(label, part))
        if show:
            print_errors(part)
    if args.sweep:
        medqa = [case for case in cases.values() if case.id.startswith("medqa-ext:")]
        total, own, missing = run_sweep(medqa, LookupMeasurement)
        print(f"sweep     {total} MedQA-Ext phrasings: own result {own} ({own / total:.1%}), missing-result {missing}")


def score_whole_file(path: Path, cases: dict[str, Case], show_errors: bool) -> None:
    """Score all of ``path``'s rows as one set, for a set no tuning has seen, and its two parts as they will
    split when it joins the labelled set; ``show_errors`` lists the errors of the tuning part only, so the
    rows that will join the held-out third stay unseen."""
    rows, bad = [], 0
    readers: dict[str, Reader] = {}
    for row in read_requests(path, cases):
        reader = readers.setdefault(row.case, LookupMeasurement(cases[row.case]))
        try:
            if not row.absent:
                _expected_nodes(row, reader)
        except ValueError:
            bad += 1
            continue
        rows.append(row)
    scored = run(rows, LookupMeasurement, cases)
    print(line(path.name, scored) + f"  ({bad} rows left out: their label names nothing in the case)")
    tuning = [item for item in scored if not item.row.held_out]
    print(line("  tuning", tuning))
    print(line("  held-out", [item for item in scored if item.row.held_out]))
    if show_errors:
        print_errors(tuning)


def print_errors(scored: list[Scored]) -> None:
    """One line for each row not answered right: what it expected and what the lookup gave."""
    for item in scored:
        if item.outcome not in {"matched", "correct absent"}:
            row = item.row
            print(f"  {item.outcome:13s} {row.case} {row.request!r}: expected {row.expected!r}, gave {item.given}")


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # 'lookup_agreement.py --errors | head' stops quietly
    try:
        main()
    except (RequestsError, DatasetError) as error:  # a request file or the case files it cannot read
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
