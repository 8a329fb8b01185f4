"""What every page family shares: the shapes page objects return, recognising report
titles and dates, reading links and attachments, and decoding pages that do not say
their encoding. Pure functions over responses and selectors; no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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

# 公开工作报告: reports of the 2008–2019 regulation were often titled
# "2015年政府信息公开工作报告"; a 政府工作报告 (no 信息公开) is not one.
_REPORT_WORD = re.compile(r"年度报告|年度報告|年报|年報|公[开開]工作[报報]告")
_DISCLOSURE = re.compile(r"(信息|資訊|资讯|政务|政務)公[开開]")
_NOT_A_REPORT = re.compile(
    r"指南|目录|目錄|通知|通告|公告|要点|要點|解读|解讀|图解|圖解|意见|意見|征集|徵集|报送|報送"
    r"|评估|評估|格式|模板|范本|範本|编制|編制"
)
_CN_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0"}
_YEAR = re.compile(
    r"((?:19|20)\d{2}|[〇零一二][〇零一二三四五六七八九]{3})\s*年"
    r"|[（(]\s*((?:19|20)\d{2})\s*[)）]"  # …年度报告（2023）
)
_DATE = re.compile(r"((?:19|20)\d{2})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?!\d)")
_SPACE = re.compile(r"\s+")
CHINA_TIME = timedelta(hours=8)


def clean_text(text: str | None) -> str:
    return _SPACE.sub(" ", text or "").strip()


def report_year(title: str) -> int | None:
    """The year a title names (``2023年``, ``2023 年``, ``二〇二三年``, ``（2023）``), or None."""
    match = _YEAR.search(title or "")
    if not match:
        return None
    digits = "".join(_CN_DIGITS.get(c, c) for c in match.group(1) or match.group(2))
    return int(digits)


def is_report_title(title: str) -> bool:
    """A 政府信息公开工作年度报告 of a named year, under any of its names: 年度报告, 年报,
    Traditional 年度報告, the older 信息公开工作报告, and 政务公开 instead of 信息公开 (many
    agencies title the report the regulation requires 政务公开工作年度报告). Not a guide
    (指南), a catalogue (目录), a notice (通知) or announcement (公告) about one, work points
    (工作要点), an interpretation (解读), an evaluation (评估) or the template (格式) of one."""
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


def date_of(value: object) -> str | None:
    """A date as a list service gives it, as YYYY-MM-DD: text (``2024-01-20 10:00:00``,
    ``2024年1月20日``, gov.cn's ``2024-01-20-10:00:00``) or a Unix time in seconds or
    milliseconds, read in China time. None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if value <= 0:
            return None
        seconds = value / 1000 if value > 1e11 else value
        return (datetime.fromtimestamp(seconds, UTC) + CHINA_TIME).date().isoformat()
    return find_date(value) if isinstance(value, str) else None


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
# 下一页, 下页, [下一页], 下一页>, next, and a lone > › » (not >> or »», often 尾页: last)
_NEXT_PAGE = re.compile(
    r"^[\[【(（]?\s*(?:(?:下一?[页頁]|后[页頁]|next(?: page)?)\s*[>›»]*|[>›»])\s*[\]】)）]?$",
    re.IGNORECASE,
)
_OPENED_URL = re.compile(
    r"(?:window\.open|location\.href\s*=|window\.location\s*=|location\.assign)\s*\(?\s*['\"]([^'\"]+)['\"]"
)
_VIEWER_PARAMS = ("file", "url", "src")


def _href(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value or value.lower().startswith(_NOT_A_LINK):
        return None
    return value


def _is_date_only(text: str) -> bool:
    return bool(find_date(text)) and not re.sub(r"[\d\s\-/.:年月日\[\]【】()（）]", "", text)


def _anchor_title(anchor: Selector) -> str:
    """The ``title`` attribute (lists use it for the untruncated title), else the text
    without a date printed inside the link (Hanweb: ``<a><span>…</span><i>2024-01-15</i></a>``)."""
    texts = [clean_text(t) for t in anchor.xpath(".//text()").getall()]
    return clean_text(
        anchor.attrib.get("title") or " ".join(t for t in texts if t and not _is_date_only(t))
    )


_LIST_ROWS = ("li", "tr", "dl")  # one list entry each
_ENTRY_TEXT = 200  # characters: a container with more text is a page part, not an entry


def list_date(anchor: Selector) -> str | None:
    """The date a list prints with an entry: inside its link (Hanweb
    ``<a><span>…</span><i>2024-01-15</i></a>``) or beside it in the entry — its ``<li>``
    (``<li><a/><span>date</span></li>``), table row (``<tr><td><a/></td><td>date</td></tr>``),
    ``<dl>`` (Fujian TRS: ``<dl><dd><a/></dd><dd>2025-03-10</dd></dl>``) or a smaller
    element around the link alone. An element that holds another link, or a page's worth
    of text, is not this entry's: its dates are never taken."""
    for element in reversed(anchor.xpath("ancestor-or-self::*")):
        tag = element.root.tag
        if tag in ("body", "html"):
            return None
        text = " ".join(element.xpath(".//text()").getall())
        is_row = tag in _LIST_ROWS
        if not is_row and (len(element.xpath(".//a[@href]")) > 1 or len(text) > _ENTRY_TEXT):
            return None
        if (date := find_date(text)) or is_row:
            return date
    return None


def anchor_links(selector: Selector, base_url: str) -> list[Link]:
    """Every ``<a href>`` with its title (the ``title`` attribute, which lists use for
    the untruncated title, else the text) and the date printed with it (``list_date``)."""
    links = []
    for anchor in selector.xpath("//a[@href]"):
        href = _href(anchor.attrib.get("href"))
        if href is None:
            continue
        links.append(
            Link(url=urljoin(base_url, href), title=_anchor_title(anchor), date=list_date(anchor))
        )
    return links


def next_page_requests(selector: Selector, base_url: str) -> list[ListRequest]:
    """Links labelled 下一页 (next page) or its variants, or of class ``next``; each once."""
    urls: list[str] = []
    for anchor in selector.xpath("//a[@href]"):
        href = _href(anchor.attrib.get("href"))
        label = clean_text(" ".join(anchor.xpath(".//text()").getall()))
        classes = anchor.attrib.get("class", "").lower().split()
        if href and (
            _NEXT_PAGE.match(label)
            or _NEXT_PAGE.match(anchor.attrib.get("title", "").strip())
            or "next" in classes
        ):
            url = urljoin(base_url, href)
            if url not in urls and url.split("#")[0] != base_url.split("#")[0]:
                urls.append(url)
    return [ListRequest(url) for url in urls]


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
        title = (
            clean_text(element.attrib.get("alt")) or _anchor_title(element)
            if tag == "a"
            else clean_text(element.attrib.get("title"))
        )
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
    for url in script_attachment_urls(selector, base_url):
        found.setdefault(url, Link(url=url))
    return list(found.values())


_JSON_ESCAPES = {"\\/": "/", "\\u0022": '"', "\\u0026": "&", '\\"': '"', "\\u003c": "<"}
_SCRIPT_LINK = re.compile(r"""(?:href=|["']url["']\s*:\s*)["']([^"'<>\s]+)["']""", re.IGNORECASE)


def script_attachment_urls(selector: Selector, base_url: str) -> list[str]:
    """Files linked from a page's scripts: the body as JSON in a script
    (gkmlpt: ``window._CONFIG = {DETAIL: {content: "…href=\\u0022….pdf\\u0022…"}}``)."""
    urls: list[str] = []
    for script in selector.xpath("//script/text()").getall():
        for escaped, plain in _JSON_ESCAPES.items():
            script = script.replace(escaped, plain)
        for href in _SCRIPT_LINK.findall(script):
            url = _unwrap_viewer(urljoin(base_url, href))
            if _href(href) and is_attachment_url(url) and url not in urls:
                urls.append(url)
    return urls


# --- detail pages -----------------------------------------------------------------

_TITLE_META = ("articletitle", "title")
# Publication dates in <meta> (names in any case), most trusted first. PubDate is in the
# article metadata of the State Council's government-website guideline (政府网站发展指引,
# 国办发〔2017〕47号) with SiteName, ColumnName, ArticleTitle, ContentSource…, as on
# www.pingtan.gov.cn (<meta name="PubDate" content="2025-03-10 15:35"/>); www.gov.cn writes
# firstpublishedtime ("2024-01-30-15:21:16"); news-style CMSs publishdate; Open Graph
# article:published_time. Never MakeTime (when the page was last generated) or
# lastmodifiedtime: neither is when the document was published.
_DATE_META = ("pubdate", "firstpublishedtime", "publishdate", "article:published_time")
# 发布 (published) first: gkmlpt pages print 成文日期 (written) before 发布日期.
_DATE_LABELS = (
    re.compile(r"(?:发布|發布|公开|公開)(?:日期|时间|時間|于|於)\s*[：:]?\s*([^\n]{6,30})"),
    re.compile(r"(?:发文|成文|更新)?(?:日期|时间|時間)\s*[：:]\s*([^\n]{6,30})"),
)
_TITLE_CLASSES = ("title", "article-title", "article_title", "tit", "bt", "content-title")
_SITE_SUFFIX = re.compile(r"\s*(?:[_|｜]|\s-\s|——).*$")


def _lowercase(attribute: str) -> str:
    return f"translate({attribute}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"


def _meta(selector: Selector, names: tuple[str, ...]) -> str | None:
    """The first non-empty ``<meta name|property=… content>`` of ``names`` (lowercase),
    whatever the case the page writes them in."""
    for name in names:
        value = selector.xpath(
            f"//meta[{_lowercase('@name')}='{name}' or {_lowercase('@property')}='{name}']/@content"
        ).get()
        if value and value.strip():
            return clean_text(value)
    return None


def published_date(response: Response) -> str | None:
    """The publication date a fetched document page gives itself (``page_date``); None
    for a body that is not a page (a PDF behind a link without an extension)."""
    response = readable(response)
    return page_date(response.selector) if isinstance(response, TextResponse) else None


def read_detail(response: TextResponse) -> Detail:
    """Title, date and attachments of a document page (any family)."""
    selector = response.selector
    return Detail(
        title=page_title(selector),
        date=page_date(selector),
        attachments=attachment_links(selector, response.url),
    )


def page_title(selector: Selector) -> str | None:
    """``<meta name="ArticleTitle">``, the first ``<h1>``, a ``<div class="title">``, or
    ``<title>`` without the site name after ``_`` / ``|`` / `` - ``."""
    classes = " or ".join(f"@class='{name}'" for name in _TITLE_CLASSES)
    for xpath in ("//h1[1]", f"(//body//*[{classes}])[1]"):
        text = clean_text(" ".join(selector.xpath(f"{xpath}//text()").getall()))
        if text:
            break
    page = clean_text(selector.xpath("//title/text()").get())
    return _meta(selector, _TITLE_META) or text or _SITE_SUFFIX.sub("", page) or page or None


def page_date(selector: Selector) -> str | None:
    """A document page's own publication date: its ``<meta name="PubDate">`` (or another
    of ``_DATE_META``), else the date after 发布时间： (or 发布日期, 日期 …) in its text."""
    for name in _DATE_META:
        if date := find_date(_meta(selector, (name,))):
            return date
    text = " ".join(selector.xpath("//body//text()[not(ancestor::script)]").getall())
    for label in _DATE_LABELS:
        for match in label.finditer(text):
            if date := find_date(match.group(1)):
                return date
    return None
