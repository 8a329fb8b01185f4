"""DOCX → Document with python-docx: body paragraphs and tables in document order, merged
cells (gridSpan across, vMerge down) expanded. The archive is checked before anything is
inflated: a zip bomb or an oversized file is refused."""

from __future__ import annotations

import io
import zipfile
import zlib
from xml.etree.ElementTree import ParseError

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph as DocxParagraph
from lxml import etree

from pipelines.extract.document import CorruptFile, Document, Paragraph, Table, TooLarge, ZipBomb

METHOD = "docx:python-docx"
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 200  # deflate of real XML stays well under 100:1
RATIO_CHECK_FROM = 10 * 1024 * 1024  # small members may compress further (blank styles)
SLIVER_TWIPS = 30  # 1.5 pt


def check_archive(data: bytes) -> zipfile.ZipFile:
    """The zip, once its declared sizes show it is not a bomb."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise CorruptFile(f"DOCX is not a readable zip archive: {error}") from error
    total = 0
    for member in archive.infolist():
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_CHECK_FROM and ratio > MAX_RATIO:
            raise ZipBomb(
                f"DOCX member {member.filename} inflates {ratio:.0f}:1 "
                f"to {member.file_size / 1e6:.0f} MB"
            )
    if total > MAX_UNCOMPRESSED:
        raise TooLarge(
            f"DOCX inflates to {total / 1e6:.0f} MB (limit {MAX_UNCOMPRESSED / 1e6:.0f})"
        )
    return archive


def _paragraph_text(element: etree._Element, parent) -> str:
    return DocxParagraph(element, parent).text.strip()


def _cell_text(tc: etree._Element, parent) -> str:
    lines = [_paragraph_text(p, parent) for p in tc.iter(qn("w:p"))]
    return "\n".join(line for line in lines if line)


def _grid_span(tc: etree._Element) -> int:
    span = tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}")
    try:
        return max(1, int(span.get(qn("w:val")))) if span is not None else 1
    except (TypeError, ValueError):
        return 1


def _continues_merge(tc: etree._Element) -> bool:
    """A vMerge cell without val="restart" continues the merged cell above."""
    merge = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
    return merge is not None and merge.get(qn("w:val"), "continue") != "restart"


def _skipped(tr: etree._Element, name: str) -> int:
    found = tr.find(f"{qn('w:trPr')}/{qn(name)}")
    try:
        return int(found.get(qn("w:val"))) if found is not None else 0
    except (TypeError, ValueError):
        return 0


def _table(tbl: etree._Element, parent) -> Table | None:
    rows: list[list[str]] = []
    for tr in tbl.iterchildren(qn("w:tr")):
        row = [""] * _skipped(tr, "w:gridBefore")
        for tc in tr.iterchildren(qn("w:tc")):
            span = _grid_span(tc)
            if _continues_merge(tc) and rows:
                above = rows[-1]
                column = len(row)
                text = above[column] if column < len(above) else ""
            else:
                text = _cell_text(tc, parent)
            row.extend([text] * span)
        row.extend([""] * _skipped(tr, "w:gridAfter"))
        rows.append(row)
    width = max((len(row) for row in rows), default=0)
    rows = [row + [""] * (width - len(row)) for row in rows if any(row)]
    slivers = _sliver_columns(tbl, width)
    rows = [[cell for c, cell in enumerate(row) if c not in slivers] for row in rows]
    return Table(rows=rows) if rows else None


def _sliver_columns(tbl: etree._Element, width: int) -> set[int]:
    """Grid columns too narrow to hold text (converters leave 1-twip columns where cell
    edges almost line up); the cells spanning them are kept in their other columns."""
    widths = []
    for column in tbl.iterfind(f"{qn('w:tblGrid')}/{qn('w:gridCol')}"):
        try:
            widths.append(int(float(column.get(qn("w:w"), "0"))))
        except ValueError:
            widths.append(SLIVER_TWIPS)
    if len(widths) != width:
        return set()
    return {c for c, twips in enumerate(widths) if twips < SLIVER_TWIPS}


def _blocks(container: etree._Element, parent) -> list[Paragraph | Table]:
    blocks: list[Paragraph | Table] = []
    for child in container.iterchildren():
        if child.tag == qn("w:p"):
            text = _paragraph_text(child, parent)
            if text:
                blocks.append(Paragraph(text=text))
        elif child.tag == qn("w:tbl"):
            table = _table(child, parent)
            if table is not None:
                blocks.append(table)
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                blocks.extend(_blocks(content, parent))
    return blocks


def extract_docx(data: bytes) -> Document:
    check_archive(data)
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = _blocks(document.element.body, document)
        title = (document.core_properties.title or "").strip()
    except (
        PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, zlib.error,
        etree.XMLSyntaxError, ParseError, EOFError, OSError,
    ) as error:  # fmt: skip
        raise CorruptFile(f"DOCX cannot be read: {error}") from error
    return Document(blocks=blocks, title=title or None, method=METHOD)
