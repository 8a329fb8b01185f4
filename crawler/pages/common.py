"""What every page family shares: the shapes page objects return, recognising report
titles and dates, reading links and attachments, and decoding pages that do not say
their encoding. Pure functions over responses and selectors; no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from parsel import Selector
from scrapy.http import Response, TextResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx")


@dataclass(frozen=True)
class Link:
    """A link as a list shows it: where it goes, its title, the date next to it."""

    url: str
    title: str = ""
    date: str | None = None  # ISO YYYY-MM-DD


@dataclass(frozen=True)
class ListRequest:
    """A list page to read next: a plain GET, or a POST with form fields (Hanweb)."""

    url: str
    method: str = "GET"
    formdata: tuple[tuple[str, str], ...] = ()


@dataclass
class Listing:
    """What a list page offers: links to documents and further list pages."""

    entries: list[Link] = field(default_factory=list)
    next_pages: list[ListRequest] = field(default_factory=list)


@dataclass
class Detail:
    """A document's own page: its title, date and every attached file."""

    title: str | None
    date: str | None
    attachments: list[Link] = field(default_factory=list)


# --- titles and dates -------------------------------------------------------------

_REPORT_WORD = re.compile(r"年度报告|年度報告|年报|年報")
_DISCLOSURE = re.compile(r"(信息|資訊|资讯|政务|政務)公[开開]")
_NOT_A_REPORT = re.compile(
    r"指南|目录|目錄|通知|通告|公告|要点|要點|解读|解讀|图解|圖解|意见|意見|征集|徵集|报送|報送"
)
_CN_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0"}
_YEAR = re.compile(r"((?:19|20)\d{2}|[〇零一二][〇零一二三四五六七八九]{3})\s*年")
_DATE = re.compile(r"((?:19|20)\d{2})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?!\d)")
_SPACE = re.compile(r"\s+")


def clean_text(text: str | None) -> str:
    return _SPACE.sub(" ", text or "").strip()


def report_year(title: str) -> int | None:
    """The year a title names (``2023年``, ``2023 年``, ``二〇二三年``), or None."""
    match = _YEAR.search(title or "")
    if not match:
        return None
    digits = "".join(_CN_DIGITS.get(c, c) for c in match.group(1))
    return int(digits)


def is_report_title(title: str) -> bool:
    """A 政府信息公开工作年度报告 (or 年报, Traditional 年度報告) of a named year; not a
    guide (指南), a catalogue (目录), a notice (通知), work points (工作要点) or an
    interpretation (解读) of one."""
    compact = _SPACE.sub("", title or "")
    return bool(
        _REPORT_WORD.search(compact)
        and _DISCLOSURE.search(compact)
        and report_year(compact)
        and not _NOT_A_REPORT.search(compact)
    )


def find_date(text: str | None) -> str | None:
    """The first valid date in a text, as YYYY-MM-DD."""
    for year, month, day in _DATE.findall(text or ""):
        if 1 <= int(month) <= 12 and 1 <= int(day) <= 31:
            return f"{year}-{int(month):02d}-{int(day):02d}"
    return None


# --- encodings --------------------------------------------------------------------


def readable(response: Response) -> Response:
    """The response with a usable text encoding: pages that declare none (no charset
    header, meta or BOM) and are not UTF-8 are read as GB18030, the superset of the
    GBK/GB2312 that Chinese government sites use."""
    if not isinstance(response, TextResponse):
        return response
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
    if (
        http_content_type_encoding(content_type)
        or html_body_declared_encoding(response.body)
        or read_bom(response.body)[0]
    ):
        return response
    for encoding in ("utf-8", "gb18030"):
        try:
            response.body.decode(encoding)
        except UnicodeDecodeError:
            continue
        return response.replace(encoding=encoding)
    return response


# --- links ------------------------------------------------------------------------

_NOT_A_LINK = ("javascript:", "#", "mailto:", "tel:", "data:")
_NEXT_PAGE = re.compile(r"^(下一?[页頁]|后[页頁]|next)\s*[>›»]*$", re.IGNORECASE)
_OPENED_URL = re.compile(
    r"(?:window\.open|location\.href\s*=|window\.location\s*=|location\.assign)\s*\(?\s*['\"]([^'\"]+)['\"]"
)
_VIEWER_PARAMS = ("file", "url", "src")


def _href(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value or value.lower().startswith(_NOT_A_LINK):
        return None
    return value


def _anchor_title(anchor: Selector) -> str:
    return clean_text(anchor.attrib.get("title") or " ".join(anchor.xpath(".//text()").getall()))


def anchor_links(selector: Selector, base_url: str) -> list[Link]:
    """Every ``<a href>`` with its title (the ``title`` attribute, which lists use for
    the untruncated title, else the text) and the date printed in its list item."""
    links = []
    for anchor in selector.xpath("//a[@href]"):
        href = _href(anchor.attrib.get("href"))
        if href is None:
            continue
        item = anchor.xpath("ancestor::*[self::li or self::tr or self::dd or self::p][1]")
        date = find_date(" ".join(item.xpath(".//text()").getall())) if item else None
        links.append(Link(url=urljoin(base_url, href), title=_anchor_title(anchor), date=date))
    return links


def next_page_requests(selector: Selector, base_url: str) -> list[ListRequest]:
    """Links labelled 下一页 (next page)."""
    requests = []
    for anchor in selector.xpath("//a[@href]"):
        href = _href(anchor.attrib.get("href"))
        label = clean_text(" ".join(anchor.xpath(".//text()").getall()))
        if href and (_NEXT_PAGE.match(label) or _NEXT_PAGE.match(anchor.attrib.get("title", ""))):
            requests.append(ListRequest(urljoin(base_url, href)))
    return requests


def is_attachment_url(url: str) -> bool:
    """A file we keep: the extension is on the path, or on a query value of a download
    script (``downfile.jsp?filename=….pdf``)."""
    parts = urlsplit(url)
    if unquote(parts.path).lower().endswith(ATTACHMENT_EXTENSIONS):
        return True
    return any(
        value.strip().lower().endswith(ATTACHMENT_EXTENSIONS) for _, value in parse_qsl(parts.query)
    )


def _unwrap_viewer(url: str) -> str:
    """``…/viewer.html?file=/a/b.pdf`` → the file's own URL."""
    parts = urlsplit(url)
    if "viewer" not in parts.path.lower():
        return url
    for name, value in parse_qsl(parts.query):
        if name.lower() in _VIEWER_PARAMS and value:
            return urljoin(url, value)
    return url


def attachment_links(selector: Selector, base_url: str) -> list[Link]:
    """Every attached file of a page, each once, in page order: links in ``<a>``,
    ``<iframe>``, ``<embed>`` and ``<object>``, ``onclick="window.open('…')"`` and
    PDF viewers (``viewer?file=…``); relative or absolute, Chinese names included."""
    found: dict[str, Link] = {}
    for element in selector.xpath(
        "//a[@href] | //iframe[@src] | //embed[@src] | //object[@data] | //*[@onclick]"
    ):
        tag = element.root.tag
        title = _anchor_title(element) if tag == "a" else clean_text(element.attrib.get("title"))
        candidates = [
            element.attrib.get("href"),
            element.attrib.get("src"),
            element.attrib.get("data"),
            *_OPENED_URL.findall(element.attrib.get("onclick", "")),
        ]
        for candidate in candidates:
            href = _href(candidate)
            if href is None:
                continue
            url = _unwrap_viewer(urljoin(base_url, href))
            named_file = tag == "a" and title.lower().endswith(ATTACHMENT_EXTENSIONS)
            if (is_attachment_url(url) or named_file) and url not in found:
                found[url] = Link(url=url, title=title)
    return list(found.values())


# --- detail pages -----------------------------------------------------------------

_TITLE_META = ("ArticleTitle", "articletitle", "title", "Title")
_DATE_META = ("PubDate", "pubdate", "pubDate", "publishdate", "PublishDate", "firstpublishedtime")
_DATE_LABEL = re.compile(
    r"(?:发布|發布|发文|成文|公开|公開)(?:日期|时间|時間)\s*[：:]\s*([^\n]{6,30})"
)


def _meta(selector: Selector, names: tuple[str, ...]) -> str | None:
    for name in names:
        value = selector.xpath(f"//meta[@name='{name}']/@content").get()
        if value and value.strip():
            return clean_text(value)
    return None


def read_detail(response: TextResponse) -> Detail:
    """Title, date and attachments of a document page (any family)."""
    selector = response.selector
    title = (
        _meta(selector, _TITLE_META)
        or clean_text(" ".join(selector.xpath("//h1[1]//text()").getall()))
        or clean_text(selector.xpath("//title/text()").get())
        or None
    )
    date = find_date(_meta(selector, _DATE_META))
    if date is None:
        label = _DATE_LABEL.search(" ".join(selector.xpath("//body//text()").getall()))
        date = find_date(label.group(1)) if label else None
    return Detail(title=title, date=date, attachments=attachment_links(selector, response.url))
