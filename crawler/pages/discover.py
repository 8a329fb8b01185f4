"""Discovery: reading a portal's own pages to find its annual-report column and the CMS
family that reads it, from a home page or any page of the portal. Pure functions over
responses: no requests, no storage (``crawler.discovery`` keeps the frontier and the
budget, the spider navigates).

- ``candidates(response)``: the links that lead toward the reports, each with a kind and
  a score: a report column (政府信息公开年报, 信息公开年报, 年度报告, 工作年报 …), a list of
  departments (部门信息公开, 部门年报, 部门和乡镇信息公开 …), a disclosure section
  (政府信息公开, 法定主动公开内容, 信息公开目录, 政务公开, a ``gkmlpt/index`` page). Guides,
  applications, rules, notices, interpretations, statistics yearbooks and dated
  documents are none of these.
- ``department_links(response)``: on a list of departments, the links named like an
  agency (…局, …委员会, …办公室, …分局, …中心, 乡镇, 街道).
- ``detect_family(response)``: the family from the page itself: gkmlpt's
  ``window._CONFIG`` with its ``TREE``, Hanweb's ``<datastore>`` / ``jpage`` /
  ``dataproxy.jsp``, TRS's ``createPageHTML`` or ``list2.trsapi`` module, a 下一页 pager;
  a plain list (one page, no pager) is read as ``nextlink``.
- ``read_column(response, via_column)``: whether the page lists reports, read by its
  family's own page object, and whether it is *the* report column: its title, column
  name or breadcrumb says 年报 (or the link that led to it did, or it is gkmlpt with a
  年报 category). A page that lists reports without saying so (a home page's latest
  documents) is only a fallback. A 年报 page that lists departments instead of reports
  is the column too (its departments are followed).

Pass responses through ``crawler.pages.common.readable`` first (GBK pages that declare
no encoding).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from scrapy.http import TextResponse

from crawler.pages import FAMILIES
from crawler.pages.common import (
    is_attachment_url,
    is_report_title,
    next_page_requests,
    report_year,
)
from crawler.pages.gkmlpt import report_categories
from crawler.pages.trs import TRSAPI_MODULE

COLUMN = "column"  # an annual-report column (or a page that should list the reports)
DEPARTMENTS = "departments"  # a list of the government's departments
SECTION = "section"  # a disclosure section on the way to the column
DEPARTMENT = "department"  # one department's pages (its name is the link's label)

_SPACE = re.compile(r"\s+")
# 部门信息公开, 部门年报, 部门和乡镇信息公开, 市政府部门信息公开目录, 乡镇（街道）信息公开 …
_DEPARTMENTS = re.compile(
    r"(?:部门|部門|机构|機構|乡镇|鄉鎮|镇街|街镇|街道|单位|單位).{0,6}"
    r"(?:公[开開]|年[报報]|目[录錄]|专栏|專欄|子站|信息)"
)
# 政府信息公开年报, 信息公开年报, 政府信息公开工作年度报告, 年度报告, 工作年报 …
_COLUMN = re.compile(r"年[报報]|年度[报報]告|公[开開]工作[报報]告")
# Annual reports of other kinds: statistics, accounts, enterprises, environment, rule of law.
_NOT_A_REPORT_COLUMN = re.compile(
    r"统计|統計|财务|財務|财政|財政|企业|企業|决算|決算|预算|預算|质量|質量|状况|狀況"
    r"|社会责任|法治|数据|數據|总结|總結|年鉴|年鑑"
)
_SECTION = re.compile(
    r"(?:政府信息|信息|政务|政府|資訊|政務)公[开開]|公[开開]目[录錄]|主动公[开開]|主動公[開开]"
    r"|公[开開]平台|法定公[开開]"
)
_STRONG_SECTION = re.compile(r"政府信息公[开開]|主动公[开開]|主動公[開开]|公[开開]目[录錄]")
_DISCLOSURE = re.compile(r"(?:信息|政务|資訊|政務)公[开開]")
_NOT_A_WAY = re.compile(
    r"指南|申请|申請|意见|意見|留言|信箱|搜索|检索|檢索|登录|登錄|注册|通知|通告|公告|要点|要點"
    r"|解读|解讀|图解|圖解|制度|规定|規定|办法|辦法|须知|須知|考核|评议|評議|培训|培訓|征集|徵集"
    r"|新闻|新聞|动态|動態|英文|English|无障碍|無障礙|邮箱|郵箱"
)
_YEAR_COLUMN = re.compile(r"^(?:19|20)\d{2}\s*年?度?(?:政府信息公开)?(?:年[报報]|[报報]告)?$")
# Paths of report columns on real portals: /zfxxgknb/, /xxgknb/, /gknb/, /ndbg/ (年度报告).
_COLUMN_PATH = re.compile(r"/(?:zfxxgknb|xxgknb|gknb|zwgknb|ndbg|ndgzbg|gzndbg)(?:[/_.]|$)", re.I)
_GKMLPT_INDEX = re.compile(r"/gkmlpt/(?:m?index)?/?$")
_LONGEST_LABEL = 30  # longer labels are document titles, not menu entries
MIN_DEPARTMENTS = 2  # agency links that make a page a list of departments

# An agency's name: ends as 局, 委员会, 办公室, 分局, 中心, 人民政府, 街道, 镇, 乡 … do.
_AGENCY = re.compile(
    r"^[\u4e00-\u9fff（）()·]{1,28}?"
    r"(?:局|委员会|委員會|委|办公室|辦公室|办|辦|厅|廳|中心|院|署|所|站|队|隊|处|處|馆|館"
    r"|会|會|社|人民政府|政府|管委会|管委會|街道办事处|街道|镇|鎮|乡|鄉)$"
)
_NOT_AN_AGENCY = re.compile(
    r"^(?:首页|首頁|网站|網站|新闻|新聞|帮助|幫助|下载|下載|办事|辦事|用户|個人|个人|服务|服務|数据|互动|互動)"
    r"|(?:网站|網站)$"  # 中国政府网站, 河北省政府网站: a site, not a department
)

# (family, what shows it, pattern): the first that matches names the page's family.
FAMILY_SIGNALS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("gkmlpt", "window._CONFIG TREE", re.compile(r"window\._CONFIG\s*=(?=[\s\S]*\bTREE\b)")),
    ("hanweb", "<datastore>", re.compile(r"<datastore\b", re.I)),
    ("hanweb", "jpage dataproxy.jsp", re.compile(r"\.jpage\s*\(|dataproxy\.jsp")),
    ("trs", "createPageHTML", re.compile(r"\bcreatePageHTML\s*\(")),
    ("trs", "list2.trsapi", TRSAPI_MODULE),  # 动静结合 lists
)
NEXT_LINK = ("nextlink", "下一页")
PLAIN_LIST = ("nextlink", "plain list")

_CRUMB = (
    "//*[contains(@class, 'crumb') or contains(@class, 'position') or contains(@class, 'location')"
    " or contains(@class, 'dqwz') or contains(@class, 'bread') or contains(@id, 'position')]"
)


@dataclass(frozen=True)
class Candidate:
    """A link toward the reports: where it goes, what it says, what kind, how good."""

    url: str
    label: str
    kind: str  # COLUMN, DEPARTMENTS or SECTION
    score: int


@dataclass(frozen=True)
class Column:
    """A page that lists reports, the family that reads it, and whether it says it is the
    annual-report column (``named``) or merely lists reports (a fallback)."""

    family: str
    evidence: str
    reports: int
    named: bool


def _compact(text: str) -> str:
    return _SPACE.sub("", text or "")


def _anchors(selector: Selector, base_url: str) -> list[tuple[str, str]]:
    """Every ``<a href>`` as (absolute URL without fragment, compact label), in page
    order; the label is the ``title`` attribute, the text, or an image button's ``alt``."""
    anchors = []
    for anchor in selector.xpath("//a[@href]"):
        href = anchor.attrib["href"].strip()
        if not href or href.lower().startswith(("javascript:", "#", "mailto:", "tel:", "data:")):
            continue
        url = urljoin(base_url, href)
        if not url.startswith(("http://", "https://")):
            continue
        label = _compact(
            anchor.attrib.get("title")
            or " ".join(anchor.xpath(".//text()").getall())
            or " ".join(anchor.xpath(".//img/@alt").getall())
        )
        anchors.append((url.split("#", 1)[0], label))
    return anchors


def link_kind(label: str, url: str, in_column: bool = False) -> tuple[str, int] | None:
    """What a link labelled ``label`` leads to, and how good a way to the reports it is;
    None for anything else. ``in_column``: the link is on a page reached as a report
    column, where a bare year (``2023年度``) is the column of that year's reports."""
    if in_column and _YEAR_COLUMN.match(label):
        return COLUMN, 95
    if len(label) > _LONGEST_LABEL or _NOT_A_WAY.search(label):
        return None
    if report_year(label) is not None or is_report_title(label):
        return None  # a dated item is a document, not a way to one
    path = urlsplit(url).path
    if _DEPARTMENTS.search(label):
        return DEPARTMENTS, 80
    if _COLUMN.search(label) and not _NOT_A_REPORT_COLUMN.search(label):
        return COLUMN, 100 + (10 if _DISCLOSURE.search(label) else 0) + (
            5 if _COLUMN_PATH.search(path) else 0
        )
    if _SECTION.search(label):
        return SECTION, 60 + (10 if _STRONG_SECTION.search(label) else 0)
    if _COLUMN_PATH.search(path):
        return COLUMN, 70
    if _GKMLPT_INDEX.search(path):
        return SECTION, 65
    return None


def candidates(response: TextResponse, in_column: bool = False) -> list[Candidate]:
    """The page's links toward the annual reports, each URL once (its best reading), in
    page order; never the page itself, an attachment or a dated document."""
    page = response.url.split("#", 1)[0]
    found: dict[str, Candidate] = {}
    for url, label in _anchors(response.selector, response.url):
        if url == page or is_attachment_url(url):
            continue
        reading = link_kind(label, url, in_column)
        if reading is None:
            continue
        kind, score = reading
        if url not in found or found[url].score < score:
            found[url] = Candidate(url=url, label=label, kind=kind, score=score)
    return list(found.values())


def department_links(response: TextResponse) -> list[Candidate]:
    """On a list of departments: the links labelled with an agency's name (each URL and
    name once), kind ``DEPARTMENT``, the name as the label; none when fewer than
    ``MIN_DEPARTMENTS`` (a breadcrumb's one agency is no list)."""
    page = response.url.split("#", 1)[0]
    found: dict[str, Candidate] = {}
    names: set[str] = set()
    for url, label in _anchors(response.selector, response.url):
        if (
            url == page
            or url in found
            or label in names
            or is_attachment_url(url)
            or not _AGENCY.match(label)
            or _NOT_AN_AGENCY.search(label)
            or link_kind(label, "") is not None  # the label reads as a section or column
        ):
            continue
        names.add(label)
        found[url] = Candidate(url=url, label=label, kind=DEPARTMENT, score=0)
    return list(found.values()) if len(found) >= MIN_DEPARTMENTS else []


def detect_family(response: TextResponse) -> tuple[str, str]:
    """(family, the sign on the page that shows it)."""
    text = response.text
    for family, evidence, pattern in FAMILY_SIGNALS:
        if pattern.search(text):
            return family, evidence
    if next_page_requests(response.selector, response.url):
        return NEXT_LINK
    return PLAIN_LIST


def names_report_column(response: TextResponse) -> bool:
    """The page's title, column name (``<meta name="ColumnName">``) or breadcrumb says
    it is the annual-report column."""
    selector = response.selector
    texts = [
        selector.xpath("//title/text()").get() or "",
        selector.xpath("//meta[@name='ColumnName']/@content").get() or "",
        " ".join(selector.xpath(f"{_CRUMB}//text()").getall()),
    ]
    return any(
        _COLUMN.search(_compact(text)) and not _NOT_A_REPORT_COLUMN.search(_compact(text))
        for text in texts
    )


def read_column(response: TextResponse, via_column: bool = False) -> Column | None:
    """The page as a report column, read by its family's own page object as the crawl
    will read it; None when it is none. A column lists reports, or, when its own title
    or breadcrumb says it is the 年报 column, lists departments (one entry each).
    ``via_column``: the link that led here named a report column."""
    family, evidence = detect_family(response)
    if family == "gkmlpt":
        categories = report_categories(response.text)
        return Column(family, evidence, len(categories), True) if categories else None
    listing = FAMILIES[family].list_page(response)
    reports = sum(is_report_title(entry.title) for entry in listing.entries)
    named = names_report_column(response)
    if reports:
        return Column(family, evidence, reports, via_column or named)
    if named and department_links(response):
        return Column(family, evidence, 0, True)
    return None
