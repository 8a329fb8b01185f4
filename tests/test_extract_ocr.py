"""Scanned PDFs (a printed, stamped report scanned to an image-only PDF) go through OCR,
RapidOCR by default: the document is marked as OCR'd, tables come back with their shape,
and no number is invented — a number OCR is not sure of is blank, with a warning, never
wrong. One or two pages here; bench/ocr_bench.py reads every scanned page with both engines.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pypdfium2
import pytest

from pipelines.extract import extract, ocr
from pipelines.extract.document import ConverterMissing, Document, Table
from pipelines.parse import parse_document
from pipelines.parse.compare import compare_to_expected

SCANS = Path("tests/fixtures/scans")
EXPECTED = Path("tests/fixtures/seeds/expected")
SEED = "002_730fd97f12cf432f"  # the 2019 template, numbers up to 18028.5825
TABLE_KEYS = ("active_disclosure", "applications", "review_litigation")


def pages_of(data: bytes, indices: list[int]) -> bytes:
    """A PDF of these pages (0-based) of another."""
    source, result = pypdfium2.PdfDocument(data), pypdfium2.PdfDocument.new()
    try:
        result.import_pages(source, indices)
        buffer = io.BytesIO()
        result.save(buffer)
        return buffer.getvalue()
    finally:
        result.close()
        source.close()


def row_starting(document: Document, label: str) -> list[str]:
    return next(
        row
        for block in document.blocks
        if isinstance(block, Table)
        for row in block.rows
        if row[0] == label
    )


@pytest.fixture(scope="module")
def scanned_tables() -> Document:
    """Pages 2 and 3 of the scanned seed 002: its three statistics tables."""
    return extract(pages_of((SCANS / f"{SEED}.pdf").read_bytes(), [1, 2]))


@pytest.mark.slow
def test_scanned_tables_are_read_with_no_wrong_number(scanned_tables):
    assert scanned_tables.ocr and scanned_tables.method == "ocr:rapidocr"
    assert any("OCR" in warning for warning in scanned_tables.warnings)
    expected = json.loads((EXPECTED / f"{SEED}.json").read_text())
    comparison = compare_to_expected(
        parse_document(scanned_tables), {key: expected[key] for key in TABLE_KEYS}
    )
    assert comparison.wrong == 0, comparison.mismatches
    assert comparison.right >= 0.95 * comparison.scored, comparison.mismatches


@pytest.mark.slow
def test_a_blotted_digit_leaves_its_number_blank_with_a_warning(monkeypatch):
    """2229 printed, its second digit under a blot of ink: the recogniser reads the three
    digits it sees, sure of each; the number must be blank, not 229."""
    data = (SCANS / "smudged-digit.pdf").read_bytes()
    document = extract(data)
    assert row_starting(document, "行政许可")[1:] == ["", "-516", "1530"]
    assert any("numbers left blank" in warning for warning in document.warnings)
    licensing = parse_document(document)["active_disclosure"]["administrative_licensing"]
    assert None in licensing.values() and 1530 in licensing.values()

    # What the engine gives when no reading is doubted: a wrong number.
    monkeypatch.setattr(ocr.RapidOcrEngine, "min_digit_confidence", 0.0)
    unguarded = extract(data)
    assert row_starting(unguarded, "行政许可")[1] not in ("", "2229")


@pytest.mark.slow
def test_a_decimal_point_read_in_one_reading_only_leaves_the_number_blank():
    """Seed 003 prints 22.36万元 (集中采购 amount): read among its neighbours the point is
    lost ("2236万元", every character sure), read alone it is there. The two readings
    disagree: blank, never 2236."""
    document = extract(pages_of((SCANS / "003_070690aef0575d3b.pdf").read_bytes(), [0]))
    amount = parse_document(document)["active_disclosure"]["centralized_procurement"]
    assert amount["amount_10k_yuan"] in (None, 22.36)
    assert amount["items"] == 9


def _one_scanned_page() -> bytes:
    return pages_of((SCANS / f"{SEED}.pdf").read_bytes(), [3])


def test_rapidocr_not_installed_is_a_typed_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # import fails
    ocr._rapidocr.cache_clear()
    try:
        with pytest.raises(ConverterMissing, match="rapidocr-onnxruntime is not installed"):
            extract(_one_scanned_page())
    finally:
        ocr._rapidocr.cache_clear()


def test_tesseract_not_installed_is_a_typed_error(monkeypatch):
    monkeypatch.setenv(ocr.ENGINE_VARIABLE, "tesseract")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ConverterMissing, match="tesseract is not installed"):
        extract(_one_scanned_page())


def test_an_engine_we_do_not_have_is_a_typed_error(monkeypatch):
    monkeypatch.setenv(ocr.ENGINE_VARIABLE, "abbyy")
    with pytest.raises(ConverterMissing, match="no OCR engine 'abbyy'") as error:
        extract(_one_scanned_page())
    assert error.value.kind == "converter_missing"
