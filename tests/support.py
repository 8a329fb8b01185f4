"""Helpers the tests share (and the fixture generators and benchmarks that build on the
same definitions): the seeds read as documents, the merged cells a Word author would
make of a seed's grid, the golden parse cases, the site run as ``nianbao serve`` runs
it. Tools and benches import them from here, never the other way round."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from archive.serve import METADATA, datasette_args, write_inspect_file
from pipelines.extract import extract
from pipelines.extract.document import Document
from pipelines.extract.text import extract_text_document
from pipelines.parse import parse_document, parse_text

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPORTS = FIXTURES / "reports"
SEEDS = FIXTURES / "seeds"

_NUMBER = re.compile(r"[-+增减]?\s*\d[\d,.]*\s*(万元|元)?")


@dataclass(frozen=True)
class Span:
    rowspan: int
    colspan: int


def is_value(cell: str) -> bool:
    return bool(_NUMBER.fullmatch(cell.strip()))


def _is_label_row(row: list[str]) -> bool:
    return not any(is_value(cell) for cell in row)


def _header_rows(rows: list[list[str]]) -> set[int]:
    """Rows of column labels: label rows before the first row of numbers, and later ones
    with several labels or followed by another label row (a block's title). A lone label
    over blanks among numeric rows is a data row whose values were left blank."""
    first_numeric = next((r for r, row in enumerate(rows) if not _is_label_row(row)), len(rows))
    headers = set()
    for r, row in enumerate(rows):
        if not _is_label_row(row):
            continue
        followed_by_label = r + 1 < len(rows) and _is_label_row(rows[r + 1])
        if r < first_numeric or sum(1 for cell in row if cell) >= 2 or followed_by_label:
            headers.add(r)
    return headers


def infer_spans(rows: list[list[str]]) -> dict[tuple[int, int], Span]:
    """Merged cells a Word author would have made of this grid: in header rows a label
    spans the blank cells to its right and, in the header rows below, the blank cells
    under it; in data rows a label spans down the blank label cells of the rows it groups
    (rows whose own label sits further right), and a cell spans as far right as the cell
    of the last header row above it does, over blank cells."""
    spans: dict[tuple[int, int], Span] = {}
    covered: set[tuple[int, int]] = set()
    header_colspan: dict[int, int] = {}
    headers = _header_rows(rows)
    height, width = len(rows), len(rows[0]) if rows else 0

    def free(r: int, c: int) -> bool:
        return c < width and not rows[r][c] and (r, c) not in covered

    for r, row in enumerate(rows):
        is_header = r in headers
        if is_header:
            header_colspan = {}
        for c, cell in enumerate(row):
            if not cell or (r, c) in covered:
                continue
            colspan = 1
            if is_header:
                while free(r, c + colspan):
                    colspan += 1
                header_colspan[c] = colspan
            elif c in header_colspan:
                while colspan < header_colspan[c] and free(r, c + colspan):
                    colspan += 1
            rowspan = 1
            if is_header:
                while r + rowspan in headers and all(
                    free(r + rowspan, c + dc) for dc in range(colspan)
                ):
                    rowspan += 1
            elif not is_value(cell):
                while (
                    r + rowspan < height
                    and r + rowspan not in headers
                    and free(r + rowspan, c)
                    and any(
                        rows[r + rowspan][k] and not is_value(rows[r + rowspan][k])
                        for k in range(c + 1, width)
                    )
                ):
                    rowspan += 1
            if rowspan > 1 or colspan > 1:
                spans[(r, c)] = Span(rowspan, colspan)
                covered.update(
                    (r + dr, c + dc) for dr in range(rowspan) for dc in range(colspan) if dr or dc
                )
    return spans


def expanded_rows(rows: list[list[str]], spans: dict[tuple[int, int], Span]) -> list[list[str]]:
    """The grid with every merged cell's text repeated in each cell it covers."""
    grid = [list(row) for row in rows]
    for (r, c), span in spans.items():
        for dr in range(span.rowspan):
            for dc in range(span.colspan):
                grid[r + dr][c + dc] = rows[r][c]
    return grid


def seed_document(seed: Path) -> Document:
    return extract_text_document(seed.read_text(encoding="utf-8"))


# Input files of a golden case; NAME.hints.json and NAME.source.txt ride along.
_INPUTS = frozenset({"txt", "md", "doc.json", "html", "pdf"})


def golden_cases() -> Iterator[tuple[str, Path, Path]]:
    """(name, input file, expected file) for every golden fixture, then every seed."""
    for expected in sorted(REPORTS.glob("*.expected.json")):
        name = expected.name.removesuffix(".expected.json")
        inputs = [p for p in REPORTS.glob(f"{name}.*") if p.name.split(".", 1)[1] in _INPUTS]
        yield name, inputs[0], expected
    for seed in sorted(SEEDS.glob("*.txt")):
        yield f"seed {seed.stem}", seed, SEEDS / "expected" / f"{seed.stem}.json"


def parse_case(source: Path) -> dict:
    """Parse one fixture: ``.doc.json`` is an extracted Document, ``.html`` and ``.pdf``
    go through the extractor as the pipeline reads them, anything else is text; a
    ``NAME.hints.json`` beside it carries the crawler's hints."""
    name = source.name.split(".")[0]
    hints_file = source.with_name(f"{name}.hints.json")
    hints = json.loads(hints_file.read_text()) if hints_file.exists() else None
    if source.name.endswith(".doc.json"):
        return parse_document(Document.from_dict(json.loads(source.read_text())), hints)
    if source.suffix in (".html", ".pdf"):
        return parse_document(extract(source.read_bytes(), url=source.name), hints)
    return parse_text(source.read_text(encoding="utf-8"), hints)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_datasette(data_dir: Path, metadata: Path = METADATA) -> Iterator[str]:
    """Run the site over ``data_dir`` as ``nianbao serve`` would; yield its base URL."""
    write_inspect_file(data_dir)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "datasette",
            *datasette_args(data_dir, port=port, metadata=metadata),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/-/versions.json", timeout=2)
                break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(process.stderr.read().decode()) from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
