"""HTML page → Document.

trafilatura finds the main content and the metadata (title, date); the blocks are then read
from the page's own markup inside that content, in document order, so that tables keep
their rowspan/colspan (expanded, the text repeated in every covered cell) and paragraphs
and tables interleave as on the page. Layout tables (a table holding tables, or a single
cell) are read as containers, not as data.
"""

from __future__ import annotations

import re

import lxml.html
import trafilatura
from lxml import etree

from pipelines.extract.document import Document, MislabelledFile, Paragraph, Table
from pipelines.extract.encoding import decode_html
from pipelines.extract.layout import CJK_RANGES

METHOD = "html:trafilatura+lxml-tables"

_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "caption", "center", "dd", "div", "dl", "dt",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "ol", "p", "pre", "section", "td", "th", "tr", "ul",
}  # fmt: skip
_DROPPED_TAGS = {
    "script", "style", "noscript", "iframe", "object", "embed", "select", "option", "button",
    "input", "textarea", "nav", "svg", "canvas", "map", "template", "head", "title", "meta",
}  # fmt: skip
# class/id words of the furniture around an article on CMS pages.
_FURNITURE_WORDS = {
    "nav", "navbar", "menu", "breadcrumb", "breadcrumbs", "crumb", "crumbs", "share", "bdshare",
    "jiathis", "fenxiang", "footer", "foot", "sidebar", "toolbar", "print", "position",
    "location", "weizhi", "dqwz", "related", "xgwz", "xglj", "comment", "pager", "login",
}  # fmt: skip
_FURNITURE_TEXT = re.compile(
    r"^\s*(当前位置|您现在的位置|您当前的位置|所在位置|分享到|【?\s*打印|【?\s*关闭|字号|【?\s*字体"
    r"|(发布|更新)(时间|日期)\s*[:：]|信息来源\s*[:：]|来源\s*[:：]|(浏览|阅读|点击)(次数|量)\s*[:：])"
)
_CJK_LINE_BREAK = re.compile(rf"(?<=[{CJK_RANGES}])[ \t\r]*\n\s*(?=[{CJK_RANGES}])")
_SPACES = re.compile(r"[\s\u00a0\u200b\ufeff]+")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_MAX_SPAN = 1000


def _clean_line(text: str) -> str:
    return _SPACES.sub(" ", _CJK_LINE_BREAK.sub("", text)).strip()


def _class_words(element: etree._Element) -> set[str]:
    names = f"{element.get('class', '')} {element.get('id', '')}".lower()
    return set(re.split(r"[^a-z0-9]+", names))


def _is_furniture(element: etree._Element) -> bool:
    if element.tag in _DROPPED_TAGS:
        return True
    if _class_words(element) & _FURNITURE_WORDS:
        return True
    if element.tag in _BLOCK_TAGS and element.tag not in ("td", "th", "tr"):
        text = element.text_content()
        return len(text) < 120 and bool(_FURNITURE_TEXT.match(text))
    return False


def _own_rows(table: etree._Element) -> list[etree._Element]:
    return table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")


def _span(cell: etree._Element, name: str) -> int:
    try:
        value = int(re.sub(r"[^0-9]", "", cell.get(name, "1")) or 1)
    except ValueError:
        return 1
    return max(1, min(value, _MAX_SPAN))


def _is_layout_table(table: etree._Element) -> bool:
    if table.xpath(".//table"):
        return True
    rows = _own_rows(table)
    return len(rows) == 1 and len(rows[0].xpath("./td | ./th")) == 1


class _Flow:
    """Collects inline text into lines and lines into blocks, in document order."""

    def __init__(self) -> None:
        self.blocks: list[Paragraph | Table] = []
        self._buffer: list[str] = []

    def add(self, text: str | None) -> None:
        if text:
            self._buffer.append(text)

    def flush(self) -> None:
        line = _clean_line("".join(self._buffer))
        self._buffer = []
        if line:
            self.blocks.append(Paragraph(text=line))

    def walk(self, element: etree._Element) -> None:
        if not isinstance(element.tag, str) or _is_furniture(element):
            return
        tag = element.tag
        if tag == "table" and not _is_layout_table(element):
            self.flush()
            table = _table(element)
            if table is not None:
                self.blocks.append(table)
            return
        if tag == "br":
            self.flush()
            return
        is_block = tag in _BLOCK_TAGS or tag == "table"
        if is_block:
            self.flush()
        self.add(element.text)
        for child in element:
            self.walk(child)
            self.add(child.tail)
        if is_block:
            self.flush()


def _cell_text(cell: etree._Element) -> str:
    flow = _Flow()
    flow.walk(cell)
    return "\n".join(block.text for block in flow.blocks if isinstance(block, Paragraph))


def _table(table: etree._Element) -> Table | None:
    """The table's grid, rowspan/colspan expanded; fully blank rows dropped."""
    rows = _own_rows(table)
    grid: dict[tuple[int, int], str] = {}
    for r, row in enumerate(rows):
        c = 0
        for cell in row.xpath("./td | ./th"):
            while (r, c) in grid:
                c += 1
            text = _cell_text(cell)
            rowspan = min(_span(cell, "rowspan"), len(rows) - r)
            colspan = _span(cell, "colspan")
            for dr in range(rowspan):
                for dc in range(colspan):
                    grid[(r + dr, c + dc)] = text
            c += colspan
    if not grid:
        return None
    width = max(c for _, c in grid) + 1
    lines = [[grid.get((r, c), "") for c in range(width)] for r in range(len(rows))]
    lines = [line for line in lines if any(line)]
    return Table(rows=lines) if lines else None


def _main_content(root: etree._Element, main_text: str) -> etree._Element:
    """The smallest element holding all the lines of trafilatura's main text it can find."""
    body = root.find("body")
    body = body if body is not None else root
    probes = [
        _SPACES.sub("", line)[:20]
        for line in main_text.splitlines()
        if len(line.strip()) >= 8 and not line.lstrip().startswith("|")
    ][:40]
    if not probes:
        return body
    scored = []
    for element in body.iter("div", "td", "article", "section", "main", "center"):
        text = _SPACES.sub("", element.text_content())
        scored.append((sum(probe in text for probe in probes), -len(text), element))
    if not scored:
        return body
    hits, _, best = max(scored, key=lambda item: (item[0], item[1]))
    return best if hits >= len(probes) * 0.8 else body


def parse_html_tree(text: str) -> etree._Element:
    return lxml.html.document_fromstring(_XML_DECLARATION.sub("", text))


def page_title(data: bytes) -> str:
    """An HTML page's <title> (or first heading), for messages about a mislabelled file."""
    text, _, _ = decode_html(data)
    try:
        root = parse_html_tree(text)
    except (etree.ParserError, ValueError):
        return ""
    for path in ("//title", "//h1"):
        found = root.xpath(path)
        if found:
            return _clean_line(found[0].text_content())[:80]
    return ""


def extract_html(
    data: bytes, *, content_type: str | None = None, url: str | None = None
) -> Document:
    text, codec, warnings = decode_html(data, content_type)
    try:
        root = parse_html_tree(text)
    except (etree.ParserError, ValueError) as error:
        raise MislabelledFile(f"not an HTML page: {error}") from error
    for comment in root.xpath("//comment() | //processing-instruction()"):
        if comment.getparent() is not None:
            comment.drop_tree()
    extracted = trafilatura.bare_extraction(text, url=url, with_metadata=True)
    main_text = extracted.text if extracted is not None and extracted.text else ""
    flow = _Flow()
    flow.walk(_main_content(root, main_text))
    flow.flush()
    if not main_text:
        warnings.append(
            "html_no_main_content: trafilatura found no main content: read the whole body"
        )
    return Document(
        blocks=flow.blocks,
        title=(extracted.title if extracted is not None else None) or None,
        published=(extracted.date if extracted is not None else None) or None,
        method=f"{METHOD}({codec})",
        warnings=warnings,
    )
