"""PDF → Document with pdfplumber (pdfminer.six underneath).

Tables come from ruling lines (pdfplumber's find_tables), merged cells expanded; the text
outside them is read line by line, top to bottom. A page whose text layer is missing or
unusable (``(cid:123)`` glyphs from fonts without a ToUnicode map, private-use or control
characters) goes to OCR, or, with OCR off, is reported.
"""

from __future__ import annotations

import io
import re

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException

from pipelines.extract.document import (
    CorruptFile,
    Document,
    EncryptedFile,
    NoTextLayer,
    TooLarge,
    TruncatedFile,
)
from pipelines.extract.layout import (
    Line,
    Page,
    PositionedTable,
    drop_page_furniture,
    pages_to_blocks,
)
from pipelines.extract.ocr import ocr_pdf_pages

METHOD = "pdf:pdfplumber"
MAX_PAGES = 2000
# Under this share of readable characters a page's text layer is treated as absent.
MIN_READABLE_SHARE = 0.7
_UNREADABLE = re.compile(r"\(cid:\d+\)|[\ue000-\uf8ff\ufffd\x00-\x08\x0b\x0c\x0e-\x1f]")
_SPACES = re.compile(r"\s+")


def readable_share(chars: list[dict]) -> float:
    """Share of a page's characters that are real text (0.0 for a page without any)."""
    visible = [char["text"] for char in chars if char["text"].strip()]
    if not visible:
        return 0.0
    unreadable = sum(1 for text in visible if _UNREADABLE.search(text))
    return 1 - unreadable / len(visible)


def _expanded(table) -> PositionedTable:
    """pdfplumber's table with each merged cell's text in every row and column it covers."""
    texts = table.extract()
    column_x = sorted({cell[0] for row in table.rows for cell in row.cells if cell})
    row_top = [row.bbox[1] for row in table.rows]
    grid = [["" for _ in column_x] for _ in row_top]
    for i, row in enumerate(table.rows):
        for j, cell in enumerate(row.cells):
            if cell is None:
                continue
            text = _clean_cell(texts[i][j])
            x0, top, x1, bottom = cell
            for r, y in enumerate(row_top):
                if top - 0.5 <= y < bottom - 0.5:
                    for c, x in enumerate(column_x):
                        if x0 - 0.5 <= x < x1 - 0.5:
                            grid[r][c] = text
    rows = [row for row in grid if any(row)]
    x0, top, x1, bottom = table.bbox
    return PositionedTable(rows=rows, x0=x0, x1=x1, top=top, bottom=bottom, column_edges=column_x)


def _clean_cell(text: str | None) -> str:
    if not text:
        return ""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _outside(tables: list, obj: dict) -> bool:
    x = (obj["x0"] + obj["x1"]) / 2
    y = (obj["top"] + obj["bottom"]) / 2
    return not any(t.bbox[0] <= x <= t.bbox[2] and t.bbox[1] <= y <= t.bbox[3] for t in tables)


def _text_lines(page, tables: list) -> list[Line]:
    text_page = page.filter(lambda obj: obj.get("object_type") != "char" or _outside(tables, obj))
    lines = []
    for found in text_page.extract_text_lines(strip=True, return_chars=True):
        text = _SPACES.sub(" ", found["text"]).strip()
        if text:
            size = max((char["size"] for char in found["chars"]), default=10.0)
            lines.append(Line(text, found["x0"], found["x1"], found["top"], found["bottom"], size))
    return lines


def read_page(page) -> Page:
    """One page's text lines and tables (tables only looked for where ruling lines are)."""
    has_rules = bool(page.lines or page.rects)
    found = page.find_tables() if has_rules else []
    tables = [_expanded(table) for table in found]
    return Page(
        width=float(page.width),
        height=float(page.height),
        lines=_text_lines(page, found),
        tables=[table for table in tables if table.rows],
    )


def open_pdf(data: bytes) -> pdfplumber.PDF:
    truncated = b"%%EOF" not in data[-2048:]
    try:
        return pdfplumber.open(io.BytesIO(data))
    except PdfminerException as error:
        cause = error.args[0] if error.args else error
        if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
            raise EncryptedFile("PDF is password-protected") from error
        if truncated:
            raise TruncatedFile(f"PDF is truncated (no %%EOF; {cause!r})") from error
        raise CorruptFile(f"PDF cannot be parsed: {cause!r}") from error


def extract_pdf(data: bytes, *, ocr: bool = True, ocr_engine: str | None = None) -> Document:
    """The PDF's document; pages without usable text are OCR'd by ``ocr_engine`` (None: the
    default, see ``pipelines.extract.ocr``) unless ``ocr`` is False."""
    pdf = open_pdf(data)
    warnings: list[str] = []
    try:
        page_count = len(pdf.pages)
        if page_count > MAX_PAGES:
            raise TooLarge(f"PDF has {page_count} pages (limit {MAX_PAGES})")
        pages: list[Page] = []
        unreadable: list[int] = []
        for index, page in enumerate(pdf.pages):
            if readable_share(page.chars) < MIN_READABLE_SHARE:
                unreadable.append(index)
                pages.append(Page(float(page.width), float(page.height), [], []))
            else:
                pages.append(read_page(page))
            page.close()
        title = (pdf.metadata.get("Title") or "").strip() if pdf.metadata else ""
    except PdfminerException as error:
        cause = error.args[0] if error.args else error
        if b"%%EOF" not in data[-2048:]:
            raise TruncatedFile(f"PDF is truncated (no %%EOF; {cause!r})") from error
        raise CorruptFile(f"PDF cannot be read: {cause!r}") from error
    finally:
        pdf.close()
    method = METHOD
    is_ocr = False
    if unreadable:
        if not ocr:
            if len(unreadable) == page_count:
                raise NoTextLayer(f"PDF has no usable text layer on any of its {page_count} pages")
            warnings.append(f"pages without usable text, not OCR'd: {[i + 1 for i in unreadable]}")
        else:
            read = ocr_pdf_pages(data, unreadable, ocr_engine)
            for index, ocr_page in zip(unreadable, read.pages, strict=True):
                pages[index] = ocr_page
            is_ocr = True
            engine = f"ocr:{read.engine}"
            method = engine if len(unreadable) == page_count else f"{METHOD}+{engine}"
            warnings.append(f"OCR on pages {[i + 1 for i in unreadable]}: numbers may be misread")
            warnings.extend(read.warnings)
    dropped = drop_page_furniture(pages)
    if dropped:
        warnings.append(f"dropped {dropped} page-number/running-header lines")
    return Document(
        blocks=pages_to_blocks(pages),
        title=title or None,
        page_count=page_count,
        method=method,
        ocr=is_ocr,
        warnings=warnings,
    )
