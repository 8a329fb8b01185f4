"""Bad files give a typed ExtractionError with a one-line message, never a crash."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from pipelines.extract import extract
from pipelines.extract.doc import convert_with_antiword
from pipelines.extract.document import (
    CorruptFile,
    EmptyFile,
    EncryptedFile,
    ExtractionError,
    MislabelledFile,
    Table,
    TruncatedFile,
    UnsupportedFormat,
    ZipBomb,
)
from pipelines.extract.text import extract_text_document

BAD = Path("tests/fixtures/formats/bad")
SEED_FORMATS = sorted(Path("tests/fixtures/formats").glob("0*"))

CASES = [
    ("empty.pdf", "application/pdf", EmptyFile, "empty"),
    ("corrupt.pdf", "application/pdf", CorruptFile, "cannot be parsed"),
    ("truncated.pdf", "application/pdf", TruncatedFile, "truncated"),
    ("encrypted.pdf", "application/pdf", EncryptedFile, "password"),
    ("error-page-saved-as.pdf", "application/pdf", MislabelledFile, "404 Not Found"),
    ("zipbomb.docx", None, ZipBomb, "inflates"),
    ("corrupt.docx", None, CorruptFile, "DOCX"),
    ("not-html.html", "text/html; charset=utf-8", MislabelledFile, "binary"),
]


@pytest.mark.parametrize(
    ("name", "content_type", "error", "says"), CASES, ids=[c[0] for c in CASES]
)
def test_bad_file_raises_its_typed_error(name, content_type, error, says):
    with pytest.raises(error) as raised:
        extract(
            (BAD / name).read_bytes(), content_type=content_type, url=f"http://127.0.0.1/{name}"
        )
    message = str(raised.value)
    assert says in message
    assert "\n" not in message


def test_pdf_served_as_html_is_read_as_pdf_with_a_warning():
    data = (BAD / "pdf-served-as-html.html").read_bytes()
    document = extract(data, content_type="text/html; charset=utf-8", url="http://127.0.0.1/a.html")
    assert document.method == "pdf:pdfplumber"
    assert any("served as html" in warning for warning in document.warnings)
    tables = [block for block in document.blocks if isinstance(block, Table)]
    assert tables and tables[0].rows[1][0] == "信息内容"


def test_unknown_binary_without_a_name_is_unsupported():
    with pytest.raises(UnsupportedFormat):
        extract((BAD / "not-html.html").read_bytes())


def test_scanned_pdf_without_ocr_says_there_is_no_text_layer():
    data = (SEED_FORMATS[0] / "scanned.pdf").read_bytes()
    with pytest.raises(ExtractionError) as raised:
        extract(data, ocr=False)
    assert raised.value.kind == "no_text"


@pytest.mark.parametrize("name", ["report.pdf", "report.docx", "report.doc", "word.html"])
def test_damaged_copies_never_raise_anything_but_extraction_errors(name):
    """Cut short or with bytes overwritten, a real file either still extracts or raises a
    typed error; no library exception escapes."""
    original = (SEED_FORMATS[0] / name).read_bytes()
    rng = random.Random(name)
    for _ in range(6):
        damaged = bytearray(original[: rng.randrange(1, len(original))])
        for _ in range(rng.randrange(0, 20)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        try:
            extract(bytes(damaged), url=f"http://127.0.0.1/{name}", ocr=False)
        except ExtractionError as error:
            assert error.kind != "error" and str(error)


def test_antiword_reads_the_doc_tables_as_text_rows():
    """The fallback when LibreOffice is missing or fails."""
    text = convert_with_antiword((SEED_FORMATS[0] / "report.doc").read_bytes())
    document = extract_text_document(text)
    rows = [row for b in document.blocks if isinstance(b, Table) for row in b.rows]
    assert any(row and row[0] == "行政许可" and "33" in row for row in rows)
    assert "五、存在的主要问题及改进情况" in text
