"""TRS WCM lists, in their two shapes.

**Static pages.** ``index.html``, ``index_1.html``, ``index_2.html``… with the page
count in a ``createPageHTML(total, current, 'index', 'html')`` script (newer templates:
``createPageHTML('page_div', total, current, 'index', 'html', records)``), the counts
often in variables (``var countPage = 5//共多少页``). Pages that carry the function's own
definition (``function createPageHTML(_nPageCount, …)``) are read from the call.

**"动静结合" (static and dynamic): the ``list2.trsapi`` module of Fujian's portals**
(province, cities, counties, departments). The column page holds the first
``maxStaticIndex`` pages in its HTML and a script::

    require(["list2.trsapi", "tools"], function(listModel, tools) {
        listModel({ quickMode: "动静结合", maxStaticIndex: 1,
                    listArgs: { channelid: SiteInfo.searchId, classsql: "" || "chnlid=1813",
                                sortfield: "-docorderpri,-docreltime" },
                    pagebar: { prepage: 10, recordCount: '20', pgCountMode: "recordCount", … } }) })

with ``var SiteInfo = {… searchId: 200210 …}`` in another script of the same page. The
module asks the site's document search for every later page:

    POST <the page's own origin>/fjdzapp/search
    Content-Type: application/x-www-form-urlencoded; X-Requested-With: XMLHttpRequest
    channelid=200210&classsql=chnlid%3D1813&sortfield=-docorderpri%2C-docreltime&page=2&prepage=10

(``listArgs`` as the page writes them, ``SiteInfo.…`` and ``"" || "…"`` evaluated, then the
page number, counted from 1, and ``prepage``), answered with JSON::

    {"pageCount": 2, "data": [{"doctitle": "…", "chnldocurl": "https://…/t20150120_80445.htm",
      "docpuburl": "https://…", "docreltime": "2016-01-20 10:00:00", "chnlid": 1813, …}, …]}

which the page draws with ``el.chnldocurl``, ``el.doctitle`` and
``el.docreltime|date('yyyy-MM-dd')``. The pages to ask for are ``maxStaticIndex + 1`` to
``ceil(recordCount / prepage)``; with no ``recordCount`` on the page, the first of them,
then as many as the answer's ``pageCount`` says. A value the page does not define (a
``SiteInfo`` from another file) means no request at all: pages are never guessed. Every
page is POSTed to the one URL, as the module does, so the raw store keeps the answers as
versions of ``…/fjdzapp/search``; which page an answer is comes from the form its request
sent.

Sources (seen 2026-12-01): the saved column page of www.pingtan.gov.cn's 政府信息公开年报
(https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/) in the public archive
https://github.com/changwu/pingtan-gov-zwgk-archive (``pingtan/zwgk/zfxxgk/zfxxgknb/_lists/index.html``,
commit 6115fd44c19b346a6b58795ceaf18cc339f2e809: the script above, the ``SiteInfo``
block, the ``el.chnldocurl``/``el.docreltime`` template); the same archive's crawler
(``_crawler/crawler.js``, ``_crawler/crawler_common.js``, commit 3d3422e8c1b4…), which
POSTs ``channelid=200210&sortfield=-pubdate&page=N&prepage=500`` form-encoded with
``X-Requested-With`` to https://www.pingtan.gov.cn/fjdzapp/search and reads ``pageCount``
and ``data[].docpuburl|chnldocurl, doctitle, docreltime``; public scrapers of other Fujian
portals (gxt, sthjt, scjgj, yjj.scjgj .fujian.gov.cn; found by full-text search of public
code, their repositories not named by the index) that POST ``channelid=229105,
sortfield=-docorderpri,-docreltime, classsql=chnlid=N, page, prepage`` to their own
host's ``/fjdzapp/search`` and read ``data[].doctitle, chnldocurl, docpuburl,
docreltime`` (``"2024-05-07 10:00:00"``); the older TRS WAS search these parameters come
from, ``GET /was5/web/search?channelid=…&templet=docs.jsp&sortfield=-docorderpri,-docreltime
&classsql=chnlid%3D…&prepage=15&page=N`` answering ``{"docs": [{"title", "chnldocurl"…}]}``
(https://github.com/bigcpp110/policy_crawl, ``spiders/moe/all/fujian.py``). No public copy
of the ``list2.trsapi`` module itself was found: that it sends exactly ``listArgs`` +
``page`` + ``prepage`` for pages after ``maxStaticIndex`` is a reconstruction from the
page and these requests."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urljoin, urlsplit

from scrapy.http import TextResponse
from w3lib.html import remove_tags, replace_entities

from crawler.pages.common import (
    Link,
    Listing,
    ListRequest,
    anchor_links,
    clean_text,
    date_of,
    next_page_requests,
)

_CALL = re.compile(r"createPageHTML\s*\(([^)]*)\)")
_STRING = re.compile(r"^['\"](.*)['\"]$")
_PAGE_EXTENSIONS = ("html", "htm", "shtml")


def _number(argument: str, script: str) -> int | None:
    """A literal number, or a variable assigned a number in the same script."""
    if argument.isdigit():
        return int(argument)
    assigned = re.search(rf"\b{re.escape(argument)}\s*=\s*(\d+)", script)
    return int(assigned.group(1)) if assigned else None


def page_urls(script: str, base_url: str) -> list[str]:
    """The list pages to read next, from a ``createPageHTML`` call (empty when none): every
    other page from the first page, the following one from any other (so a list of n
    pages costs n requests, not n² duplicates for the dupefilter)."""
    for call in _CALL.finditer(script):
        arguments = [a.strip() for a in call.group(1).split(",")]
        strings = [m.group(1) for a in arguments if (m := _STRING.match(a))]
        numbers = [
            n for a in arguments if not _STRING.match(a) and (n := _number(a, script)) is not None
        ]
        if len(strings) >= 2 and numbers and strings[-1] in _PAGE_EXTENSIONS:
            return _pages(base_url, strings[-2], strings[-1], numbers)
    return []


def _pages(base_url: str, name: str, extension: str, numbers: list[int]) -> list[str]:
    total = numbers[0]
    current = numbers[1] if len(numbers) > 1 else 0
    pages = range(1, total) if current == 0 else range(current + 1, min(current + 2, total))
    return [urljoin(base_url, f"{name}_{page}.{extension}") for page in pages]


# --- "动静结合": list2.trsapi and the /fjdzapp/search service ------------------------

SERVICE_PATH = "/fjdzapp/search"
_PAGE_FIELDS = ("page", "prepage")
_LIST_MODULE = re.compile(
    r"require\s*\(\s*\[([^\]]*)\]\s*,\s*function\s*\(\s*([A-Za-z_$][\w$]*)", re.S
)
TRSAPI_MODULE = re.compile(r"""['"]list\d*\.trsapi['"]""")
_SITE_INFO = re.compile(r"\bSiteInfo\s*=\s*\{")
# JS source as tokens: strings, comments (dropped), brackets and separators, the rest.
_JS_TOKEN = re.compile(
    r"""('(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*")|(//[^\n]*|/\*.*?\*/)|(\|\||[{}\[\](),:])|([^'"/{}\[\](),:|]+|[/|])""",
    re.S,
)
_IDENTIFIER_PATH = re.compile(r"^([A-Za-z_$][\w$]*)\.([A-Za-z_$][\w$]*)$")


def _js_tokens(source: str) -> list[str]:
    return [m.group(0) for m in _JS_TOKEN.finditer(source) if not m.group(2)]


def js_object(source: str, opening: int) -> dict[str, str]:
    """The top-level ``key: value`` pairs of the JS object literal whose ``{`` is at
    ``source[opening]``, each value as its source text (a nested object or function
    whole). Strings and comments are respected; keys may be quoted."""
    fields: dict[str, str] = {}
    depth, piece = 0, []
    for token in _js_tokens(source[opening:]):
        if token in "{[(":
            depth += 1
            if depth == 1:
                continue
        elif token in "}])":
            depth -= 1
        if depth == 0 or (depth == 1 and token == ","):
            key, colon, value = "".join(piece).partition(":")
            if colon and key.strip():
                fields[key.strip().strip("'\"")] = value.strip()
            piece = []
            if depth == 0:
                return fields
            continue
        piece.append(token)
    return fields


def _js_string(literal: str) -> str:
    body = literal[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def js_value(expression: str, names: dict[str, dict[str, str]]) -> str | None:
    """A JS value as text: a string or number literal, ``Object.key`` from ``names`` (objects
    defined on the page), or ``a || b`` (the first that is not empty or zero). None when
    any part is something the page does not define: its value cannot be known."""
    alternatives: list[list[str]] = [[]]
    for token in _js_tokens(expression):
        if token == "||":
            alternatives.append([])
        elif token.strip():
            alternatives[-1].append(token.strip())
    value = None
    for tokens in alternatives:
        text = "".join(tokens)
        if len(tokens) == 1 and text[:1] in "'\"":
            value = _js_string(text)
        elif re.fullmatch(r"-?\d+(?:\.\d+)?", text):
            value = "" if float(text) == 0 else text
        elif path := _IDENTIFIER_PATH.match(text):
            defined = names.get(path.group(1), {}).get(path.group(2))
            value = js_value(defined, names) if defined is not None else None
        else:
            value = None
        if value is None or value:
            return value
    return value


@dataclass(frozen=True)
class ListModel:
    """A ``list2.trsapi`` column as its page configures it."""

    static_pages: int  # maxStaticIndex: pages drawn from the HTML
    per_page: int  # pagebar.prepage
    records: int | None  # pagebar.recordCount, None when the page does not give it
    arguments: tuple[tuple[str, str], ...]  # listArgs, evaluated, in page order


def _page_objects(scripts: list[str]) -> dict[str, dict[str, str]]:
    for script in scripts:
        if site_info := _SITE_INFO.search(script):
            return {"SiteInfo": js_object(script, site_info.end() - 1)}
    return {}


def list_model(scripts: list[str]) -> ListModel | None:
    """The ``list2.trsapi`` configuration among a page's scripts, or None (no such module,
    or a value the page does not define)."""
    names = _page_objects(scripts)
    for script in scripts:
        for module in _LIST_MODULE.finditer(script):
            if not TRSAPI_MODULE.search(module.group(1)):
                continue
            call = re.compile(rf"\b{re.escape(module.group(2))}\s*\(\s*\{{").search(
                script, module.end()
            )
            if call:
                return _model(js_object(script, call.end() - 1), names)
    return None


def _model(config: dict[str, str], names: dict[str, dict[str, str]]) -> ListModel | None:
    arguments = js_object(config.get("listArgs", "{}"), 0)
    pagebar = js_object(config.get("pagebar", "{}"), 0)
    values = {key: js_value(source, names) for key, source in arguments.items()}
    static = js_value(config.get("maxStaticIndex", "0"), names)
    per_page = js_value(pagebar.get("prepage", "''"), names)
    records = js_value(pagebar.get("recordCount", "''"), names) or ""
    if None in (*values.values(), static, per_page) or not (static or "0").isdigit():
        return None
    if not per_page.isdigit():
        return None
    return ListModel(
        static_pages=int(static or "0"),
        per_page=int(per_page),
        records=int(records) if records.isdigit() else None,
        arguments=tuple((k, v) for k, v in values.items() if k not in _PAGE_FIELDS),
    )


def service_request(
    page_url: str, arguments: tuple[tuple[str, str], ...], page: int, per_page: int
) -> ListRequest:
    """The POST the module sends for one page."""
    form = (*arguments, ("page", str(page)), ("prepage", str(per_page)))
    return ListRequest(urljoin(page_url, SERVICE_PATH), "POST", form)


def service_requests(model: ListModel, page_url: str) -> list[ListRequest]:
    """Every page after the static ones, counted from ``recordCount`` and ``prepage``;
    without ``recordCount``, the first of them (its answer's ``pageCount`` tells the rest)."""
    if model.per_page < 1:
        return []
    first = model.static_pages + 1
    last = first if model.records is None else math.ceil(model.records / model.per_page)
    return [
        service_request(page_url, model.arguments, page, model.per_page)
        for page in range(first, last + 1)
    ]


def _record_link(record: dict, base_url: str) -> Link | None:
    url = record.get("chnldocurl") or record.get("docpuburl")
    if not isinstance(url, str) or not url.strip():
        return None
    title = clean_text(replace_entities(remove_tags(str(record.get("doctitle") or ""))))
    date = date_of(record.get("docreltime")) or date_of(record.get("pubdate"))
    return Link(url=urljoin(base_url, url.strip()), title=title, date=date)


def read_service_answer(response: TextResponse) -> Listing:
    """One page of ``/fjdzapp/search``: its documents, and the next page while the
    answer's ``pageCount`` says there is one."""
    try:
        answer = json.loads(response.text)
    except ValueError:
        return Listing()
    records = answer.get("data") if isinstance(answer, dict) else None
    records = [r for r in records or [] if isinstance(r, dict)]
    entries = [link for r in records if (link := _record_link(r, response.url))]
    sent = response.request.body.decode("utf-8") if response.request is not None else ""
    form = parse_qsl(sent, keep_blank_values=True)
    asked = dict(form)
    page, per_page = asked.get("page", ""), asked.get("prepage", "")
    page_count = str(answer.get("pageCount", "")) if isinstance(answer, dict) else ""
    next_pages = []
    if records and page.isdigit() and per_page.isdigit() and page_count.isdigit():
        if int(page) < int(page_count):
            arguments = tuple((k, v) for k, v in form if k not in _PAGE_FIELDS)
            next_pages.append(
                service_request(response.url, arguments, int(page) + 1, int(per_page))
            )
    return Listing(entries=entries, next_pages=next_pages)


def read_list(response: TextResponse) -> Listing:
    if urlsplit(response.url).path == SERVICE_PATH:
        return read_service_answer(response)
    scripts = response.xpath("//script/text()").getall()
    pages: list[ListRequest] = []
    for script in scripts:
        pages += [ListRequest(url) for url in page_urls(script, response.url)]
    if model := list_model(scripts):
        pages += service_requests(model, response.url)
    pages += next_page_requests(response.selector, response.url)
    return Listing(entries=anchor_links(response.selector, response.url), next_pages=pages)
