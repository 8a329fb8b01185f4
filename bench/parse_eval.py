"""Parser accuracy over the golden set and the seeds.

    python -m bench.parse_eval [-v]

Prints, per case and in total: cells scored, right, wrong (a different number — must
be 0), missed (null where a number was printed). ``-v`` lists every mismatch.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

from pipelines.extract import extract
from pipelines.extract.document import Document
from pipelines.parse import parse_document, parse_text
from pipelines.parse.compare import Comparison, compare_to_expected

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
REPORTS = FIXTURES / "reports"
SEEDS = FIXTURES / "seeds"
# Input files of a golden case; NAME.hints.json and NAME.source.txt ride along.
_INPUTS = frozenset({"txt", "md", "doc.json", "html"})


def golden_cases() -> Iterator[tuple[str, Path, Path]]:
    """(name, input file, expected file) for every golden fixture, then every seed."""
    for expected in sorted(REPORTS.glob("*.expected.json")):
        name = expected.name.removesuffix(".expected.json")
        inputs = [p for p in REPORTS.glob(f"{name}.*") if p.name.split(".", 1)[1] in _INPUTS]
        yield name, inputs[0], expected
    for seed in sorted(SEEDS.glob("*.txt")):
        yield f"seed {seed.stem}", seed, SEEDS / "expected" / f"{seed.stem}.json"


def parse_case(source: Path) -> dict:
    """Parse one fixture: ``.doc.json`` is an extracted Document, ``.html`` a saved page
    (through the extractor, as the pipeline reads it), anything else text; a
    ``NAME.hints.json`` beside it carries the crawler's hints."""
    name = source.name.split(".")[0]
    hints_file = source.with_name(f"{name}.hints.json")
    hints = json.loads(hints_file.read_text()) if hints_file.exists() else None
    if source.name.endswith(".doc.json"):
        return parse_document(Document.from_dict(json.loads(source.read_text())), hints)
    if source.suffix == ".html":
        return parse_document(extract(source.read_bytes(), url=source.name), hints)
    return parse_text(source.read_text(encoding="utf-8"), hints)


def evaluate(verbose: bool = False) -> Comparison:
    total = Comparison()
    print(f"{'case':42} {'scored':>6} {'right':>6} {'wrong':>6} {'missed':>6}")
    for name, source, expected in golden_cases():
        result = compare_to_expected(parse_case(source), json.loads(expected.read_text()))
        total.add(result)
        print(f"{name:42} {result.scored:6} {result.right:6} {result.wrong:6} {result.missed:6}")
        if verbose:
            for mismatch in result.mismatches:
                print(f"    {mismatch}")
    print(f"{'TOTAL':42} {total.scored:6} {total.right:6} {total.wrong:6} {total.missed:6}")
    return total


if __name__ == "__main__":
    sys.exit(1 if evaluate("-v" in sys.argv).wrong else 0)
