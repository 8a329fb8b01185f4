"""Scanned PDFs (report.pdf rasterised, no text layer) go through Tesseract: the document
is marked as OCR'd, tables come back with their shape, and no number is invented — a cell
OCR cannot read is blank, never wrong. Two seeds here; the bench runs all five."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipelines.extract import extract
from pipelines.extract.document import Table
from pipelines.parse import parse_document
from pipelines.parse.compare import compare_to_expected
from tests.support import expanded_rows, infer_spans, is_value, seed_document

SEEDS = sorted(Path("tests/fixtures/seeds").glob("*.txt"))
TESTED = [SEEDS[0], SEEDS[2]]  # a 2021-template report and the 2019 one with large numbers


@pytest.fixture(scope="module")
def scanned() -> dict[str, object]:
    return {
        seed.stem: extract(Path("tests/fixtures/formats", seed.stem, "scanned.pdf").read_bytes())
        for seed in TESTED
    }


def _squeezed(rows: list[list[str]]) -> list[list[str]]:
    return [[re.sub(r"\s+", "", cell) for cell in row] for row in rows if any(row)]


@pytest.mark.slow
@pytest.mark.parametrize("seed", TESTED, ids=[s.stem[:3] for s in TESTED])
def test_scanned_pdf_is_ocrd_with_no_wrong_number(scanned, seed):
    document = scanned[seed.stem]
    assert document.ocr and document.method == "ocr:tesseract"
    assert any("OCR" in warning for warning in document.warnings)
    expected = [
        _squeezed(expanded_rows(block.rows, infer_spans(block.rows)))
        for block in seed_document(seed).blocks
        if isinstance(block, Table)
    ]
    got = [_squeezed(block.rows) for block in document.blocks if isinstance(block, Table)]
    assert [(len(t), len(t[0])) for t in got] == [(len(t), len(t[0])) for t in expected]
    numbers = read = 0
    for expected_table, table in zip(expected, got, strict=True):
        for expected_row, row in zip(expected_table, table, strict=True):
            for truth, cell in zip(expected_row, row, strict=True):
                if is_value(truth):
                    numbers += 1
                    assert cell in ("", truth), f"{truth!r} read as {cell!r} in {expected_row}"
                    read += cell == truth
                else:
                    assert not is_value(cell), f"number {cell!r} where the page has {truth!r}"
    assert read >= 0.8 * numbers, f"only {read} of {numbers} numbers read"


@pytest.mark.slow
@pytest.mark.parametrize(
    "seed",
    [SEEDS[0], SEEDS[2]],
    ids=[s.stem[:3] for s in TESTED],
)
def test_scanned_pdf_parses_without_wrong_values(scanned, seed):
    expected = json.loads((seed.parent / "expected" / f"{seed.stem}.json").read_text())
    comparison = compare_to_expected(parse_document(scanned[seed.stem]), expected)
    assert comparison.wrong == 0, comparison.mismatches
    assert comparison.right >= 0.7 * comparison.scored
