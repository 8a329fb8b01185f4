"""Every seed report, in every format the fixture generator writes, extracts to the seed's
own tables and text, and parses to the seed's expected form."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipelines.extract import extract
from pipelines.extract.document import Document, Paragraph, Table
from pipelines.parse import parse_document
from pipelines.parse.compare import compare_to_expected
from tests.support import expanded_rows, infer_spans, seed_document

SEEDS = sorted(Path("tests/fixtures/seeds").glob("*.txt"))
FORMATS_DIR = Path("tests/fixtures/formats")
# format file → whether its tables carry merged cells (expanded on extraction)
FORMATS = {
    "clean.html": False,
    "gbk.html": False,
    "word.html": True,
    "report.pdf": True,
    "split.pdf": False,
    "report.docx": True,
    "report.doc": True,
}
# Characters the PDF fixtures' font (reportlab's STSong-Light) cannot draw.
UNDRAWN_IN_PDF = "·"
FURNITURE = ["当前位置", "分享到", "打印本页", "关闭窗口", "网站首页", "浏览次数", "备案号"]
CASES = [(seed, name) for seed in SEEDS for name in FORMATS]


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _grid(rows: list[list[str]]) -> list[list[str]]:
    return [[_squeezed(cell) for cell in row] for row in rows if any(row)]


def _tables(document: Document) -> list[list[list[str]]]:
    return [_grid(block.rows) for block in document.blocks if isinstance(block, Table)]


def _prose(document: Document) -> str:
    return _squeezed("".join(b.text for b in document.blocks if isinstance(b, Paragraph)))


def _extracted(seed: Path, name: str) -> Document:
    # No content type: the gbk page must be decoded without any declared charset.
    return extract((FORMATS_DIR / seed.stem / name).read_bytes(), url=f"http://127.0.0.1/{name}")


@pytest.fixture(scope="module")
def extracted() -> dict[tuple[str, str], Document]:
    return {}


def _cached(extracted: dict, seed: Path, name: str) -> Document:
    key = (seed.stem, name)
    if key not in extracted:
        extracted[key] = _extracted(seed, name)
    return extracted[key]


@pytest.mark.parametrize(("seed", "name"), CASES, ids=[f"{s.stem[:3]}-{n}" for s, n in CASES])
def test_tables_are_the_seeds_tables(extracted, seed, name):
    seed_tables = [b.rows for b in seed_document(seed).blocks if isinstance(b, Table)]
    if FORMATS[name]:
        seed_tables = [expanded_rows(rows, infer_spans(rows)) for rows in seed_tables]
    assert _tables(_cached(extracted, seed, name)) == [_grid(rows) for rows in seed_tables]


@pytest.mark.parametrize(("seed", "name"), CASES, ids=[f"{s.stem[:3]}-{n}" for s, n in CASES])
def test_text_is_the_seeds_text_in_order(extracted, seed, name):
    document = _cached(extracted, seed, name)
    expected = _prose(seed_document(seed))
    if name.endswith(".pdf"):
        expected = expected.translate({ord(c): None for c in UNDRAWN_IN_PDF})
    # An HTML page may add the article's own <h1> title before the body.
    assert expected in _prose(document)
    assert not [word for word in FURNITURE if word in _prose(document)]
    assert not re.search(r"-\d+-|第\d+页", _prose(document)), "page numbers left in the text"


@pytest.mark.parametrize(("seed", "name"), CASES, ids=[f"{s.stem[:3]}-{n}" for s, n in CASES])
def test_extracted_report_parses_to_the_expected_form(extracted, seed, name):
    expected = json.loads((seed.parent / "expected" / f"{seed.stem}.json").read_text())
    comparison = compare_to_expected(parse_document(_cached(extracted, seed, name)), expected)
    assert comparison.mismatches == []


@pytest.mark.parametrize("seed", SEEDS, ids=[s.stem[:3] for s in SEEDS])
def test_metadata(extracted, seed):
    page = _cached(extracted, seed, "word.html")
    assert page.published == "2024-01-20"
    assert page.title and "报告" in page.title
    assert page.method.startswith("html:")
    pdf = _cached(extracted, seed, "split.pdf")
    assert pdf.page_count and pdf.page_count >= 3
    assert not pdf.ocr and pdf.method == "pdf:pdfplumber"


def test_split_table_is_joined_into_one(extracted):
    """split.pdf breaks the applications table over two pages; it comes back whole."""
    for seed in SEEDS:
        document = _cached(extracted, seed, "split.pdf")
        assert len([b for b in document.blocks if isinstance(b, Table)]) == 3


def test_gbk_page_is_read_without_any_declared_charset(extracted):
    seed = SEEDS[0]
    data = (FORMATS_DIR / seed.stem / "gbk.html").read_bytes()
    assert b"charset" not in data.lower()
    assert _cached(extracted, seed, "gbk.html").method.endswith("(gb18030)")
