"""Parser accuracy over the golden set and the seeds.

    python -m bench.parse_eval [-v]

Prints, per case and in total: cells scored, right, wrong (a different number — must
be 0), missed (null where a number was printed); then the same per layout (the
``layout`` an expected form names, else the kind of input file), with the cells each
layout leaves blank by design (``left_blank``: printed, but with no single reading);
then every distinct table 3 of the set printed as flattened text with its cells' digits
run together: how many are decoded and how many left blank. ``-v`` lists every mismatch.
Exits 1 on any wrong cell.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from nianbao_common.keys import APPLICATION_ROWS
from pipelines.parse import parse_text
from pipelines.parse.compare import Comparison, compare_to_expected
from tests.support import golden_cases, parse_case

_KIND_OF_INPUT = {
    "txt": "text (earlier fixtures)",
    "md": "Markdown (earlier fixtures)",
    "html": "HTML (earlier fixtures)",
    "doc.json": "extracted documents (earlier fixtures)",
    "pdf": "PDF (earlier fixtures)",
}
_ROW_LABELS = {row.key: row.zh for row in APPLICATION_ROWS}


def layout_of(name: str, source: Path, expected: dict) -> str:
    if name.startswith("seed"):
        return "seed reports (text)"
    return expected.get("layout") or _KIND_OF_INPUT[source.name.split(".", 1)[1]]


def blank_cells(expected: dict) -> int:
    """The cells an expected form holds null by design (``left_blank`` names their rows)."""
    count = 0
    for path in expected.get("left_blank", {}):
        table, row = path.split(".", 1)
        count += len(expected[table][row])
    return count


def _row(name: str, result: Comparison, extra: str = "") -> str:
    return f"{name:46} {result.scored:6} {result.right:6} {result.wrong:6} {result.missed:6}{extra}"


def evaluate(verbose: bool = False) -> Comparison:
    total = Comparison()
    layouts: dict[str, Comparison] = defaultdict(Comparison)
    cases: dict[str, int] = defaultdict(int)
    blank: dict[str, int] = defaultdict(int)
    print(f"{'case':46} {'scored':>6} {'right':>6} {'wrong':>6} {'missed':>6}")
    for name, source, expected_file in golden_cases():
        expected = json.loads(expected_file.read_text())
        result = compare_to_expected(parse_case(source), expected)
        layout = layout_of(name, source, expected)
        total.add(result)
        layouts[layout].add(result)
        cases[layout] += 1
        blank[layout] += blank_cells(expected)
        print(_row(name, result))
        if verbose:
            for mismatch in result.mismatches:
                print(f"    {mismatch}")
    print(_row("TOTAL", total))
    print(f"\n{'layout (cases)':46} {'scored':>6} {'right':>6} {'wrong':>6} {'missed':>6} blank")
    for layout in sorted(layouts):
        print(_row(f"{layout} ({cases[layout]})", layouts[layout], f" {blank[layout]:5}"))
    return total


def glued_table3(applications: dict[str, dict]) -> str:
    """Table 3 as flattened page text prints it: one line a row, the label and the
    digits of its cells run together (a blank cell prints nothing)."""
    lines = ["2023年政府信息公开工作年度报告", "三、收到和处理政府信息公开申请情况"]
    for key, row in applications.items():
        digits = "".join("" if value is None else str(value) for value in row.values())
        lines.append(f"{_ROW_LABELS[key].replace(' ', '')}{digits}")
    return "\n".join(lines) + "\n"


def distinct_tables() -> list[tuple[str, dict]]:
    """Every distinct full table 3 (all rows of a template, seven columns each) of the set."""
    seen: dict[str, tuple[str, dict]] = {}
    for name, _, expected_file in golden_cases():
        applications = json.loads(expected_file.read_text()).get("applications") or {}
        full = all(isinstance(row, dict) and len(row) == 7 for row in applications.values())
        if len(applications) >= 23 and full:
            seen.setdefault(json.dumps(applications, sort_keys=True), (name, applications))
    return list(seen.values())


def evaluate_glued(verbose: bool = False) -> Comparison:
    """Each distinct table 3, glued: decoded (every cell right), left blank, or wrong."""
    total = Comparison()
    decoded = blank = 0
    print(
        f"\n{'table 3 glued (source of the numbers)':46} {'scored':>6} {'right':>6} {'wrong':>6} {'missed':>6}"
    )
    for name, applications in distinct_tables():
        parsed = parse_text(glued_table3(applications))
        result = compare_to_expected(parsed, {"applications": applications})
        read = any(v is not None for row in parsed["applications"].values() for v in row.values())
        decoded += read
        blank += not read
        total.add(result)
        print(_row(name, result, "  decoded" if read else "  left blank"))
        if verbose:
            for mismatch in result.mismatches[:5]:
                print(f"    {mismatch}")
    print(_row(f"TOTAL: {decoded} decoded, {blank} left blank", total))
    return total


if __name__ == "__main__":
    verbose = "-v" in sys.argv
    wrong = evaluate(verbose).wrong + evaluate_glued(verbose).wrong
    sys.exit(1 if wrong else 0)
