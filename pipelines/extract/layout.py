"""Positioned lines and tables of pages → ordered blocks, shared by the PDF text layer and OCR.

Drops page furniture (page numbers in the margins, running headers and footers repeated at
the same place on several pages), joins wrapped lines into paragraphs, and joins a table
continued on the next page into one table.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from pipelines.extract.document import Paragraph, Table

PAGE_NUMBER = re.compile(
    r"^[-—–－\s]*\d{1,4}[-—–－\s]*$"
    r"|^第\s*\d{1,4}\s*页\s*([,，/]?\s*共\s*\d{1,4}\s*页)?$"
    r"|^\d{1,4}\s*/\s*\d{1,4}$"
    r"|^(page\s*)?\d{1,4}\s*(of\s*\d{1,4})?$",
    re.I,
)
MARGIN_BAND = 0.09  # of the page height, at the top and at the bottom
# CJK punctuation, kana, ideographs (with compatibility ideographs) and full-width forms.
CJK_RANGES = "\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
CJK = re.compile(f"[{CJK_RANGES}]")


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float  # character height, for tolerances


@dataclass
class PositionedTable:
    rows: list[list[str]]
    x0: float
    x1: float
    top: float
    bottom: float
    column_edges: list[float] = field(default_factory=list)


@dataclass
class Page:
    width: float
    height: float
    lines: list[Line]
    tables: list[PositionedTable]


def _furniture_key(line: Line) -> tuple[str, int]:
    return re.sub(r"\d+", "#", line.text.replace(" ", "")), round(line.top / 4)


def _in_margin(line: Line, page: Page) -> bool:
    return line.bottom < page.height * MARGIN_BAND or line.top > page.height * (1 - MARGIN_BAND)


def drop_page_furniture(pages: list[Page]) -> int:
    """Remove page numbers and running headers/footers in place; returns how many lines."""
    repeated = Counter(
        key
        for page in pages
        for key in {_furniture_key(line) for line in page.lines if _in_margin(line, page)}
    )
    dropped = 0
    for page in pages:
        kept = []
        for line in page.lines:
            is_furniture = _in_margin(line, page) and (
                PAGE_NUMBER.match(line.text.strip()) or repeated[_furniture_key(line)] >= 2
            )
            if is_furniture:
                dropped += 1
            else:
                kept.append(line)
        page.lines = kept
    return dropped


def _joined(before: str, after: str) -> str:
    if CJK.search(before[-1:]) or CJK.search(after[:1]):
        return before + after
    return f"{before} {after}"


def _paragraphs(lines: list[Line], left: float, right: float) -> list[Paragraph]:
    """Wrapped lines → paragraphs: a line that reaches the right edge continues into the
    next one unless that one is indented or far below."""
    paragraphs: list[Paragraph] = []
    previous: Line | None = None
    for line in lines:
        continues = (
            previous is not None
            and previous.x1 >= right - 2 * previous.size
            and line.x0 <= left + 0.8 * line.size
            and line.top - previous.bottom < 1.2 * line.size
        )
        if continues:
            paragraphs[-1].text = _joined(paragraphs[-1].text, line.text)
        else:
            paragraphs.append(Paragraph(text=line.text))
        previous = line
    return paragraphs


def _edges(table: PositionedTable) -> list[float]:
    return [*table.column_edges, table.x1]


def _union_edges(first: list[float], second: list[float]) -> list[float] | None:
    """The column edges of both tables together, or None if they are not one table: their
    outer borders differ. Edges within a few points are the same edge. ``second`` is
    given already aligned on ``first``'s left border (:func:`_aligned`)."""
    if abs(first[0] - second[0]) > 6 or abs(first[-1] - second[-1]) > 6:
        return None
    union: list[float] = []
    for edge in sorted(first + second):
        if not union or edge - union[-1] > 3:
            union.append(edge)
    return union


def _aligned(first: list[float], second: list[float]) -> list[float]:
    """``second``'s edges moved by the offset between the two left borders: a scan or a
    converter shifts a page's table as a whole by a few points."""
    offset = first[0] - second[0] if abs(first[0] - second[0]) <= 6 else 0.0
    return [edge + offset for edge in second]


def _regridded(rows: list[list[str]], edges: list[float], target: list[float]) -> list[list[str]]:
    """Rows laid on ``edges`` → the finer columns ``target``, a cell repeated into each
    target column it covers (as merged cells are)."""
    owner = []
    for x in target[:-1]:
        k = max(i for i, edge in enumerate(edges[:-1]) if edge - 3 <= x)
        owner.append(k)
    return [[row[k] if k < len(row) else "" for k in owner] for row in rows]


def _continuation(table: Table, rows: list[list[str]]) -> list[list[str]]:
    """The rows a continued table adds, without a header row the page repeats."""
    while rows and table.rows and rows[0] in table.rows[:3]:
        rows = rows[1:]
    return rows


def pages_to_blocks(pages: list[Page]) -> list[Paragraph | Table]:
    """Blocks in reading order (top to bottom), tables continued across a page break joined."""
    blocks: list[Paragraph | Table] = []
    last_table: PositionedTable | None = None  # the table ending the previous page, if any
    last_edges: list[float] = []
    for page in pages:
        items: list[tuple[float, Line | PositionedTable]] = [(ln.top, ln) for ln in page.lines]
        items += [(table.top, table) for table in page.tables]
        items.sort(key=lambda item: item[0])
        left = min((line.x0 for line in page.lines), default=0.0)
        right = max((line.x1 for line in page.lines), default=page.width)
        run: list[Line] = []
        first_item = True
        for _, item in items:
            if isinstance(item, Line):
                run.append(item)
                last_table = None
                first_item = False
                continue
            blocks.extend(_paragraphs(run, left, right))
            run = []
            union = None
            if first_item and last_table is not None and isinstance(blocks[-1], Table):
                edges = _aligned(last_edges, _edges(item))
                union = _union_edges(last_edges, edges)
            if union is not None:
                joined = blocks[-1]
                joined.rows = _regridded(joined.rows, last_edges, union)
                added = _regridded(item.rows, edges, union)
                joined.rows.extend(_continuation(joined, added))
                last_edges = union
            else:
                blocks.append(Table(rows=[list(row) for row in item.rows]))
                last_edges = _edges(item)
            last_table = item
            first_item = False
        blocks.extend(_paragraphs(run, left, right))
        if run:
            last_table = None
    return blocks
