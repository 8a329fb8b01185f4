"""Hanweb (大汉) lists: a column page ``/col/colNNN/index.html`` carries the first
records inline in a ``<script type="text/xml"><datastore>`` block and the rest come
from ``/module/web/jpage/dataproxy.jsp`` as XML, one ``<record><![CDATA[<li>…</li>]]>``
per entry. The column page's ``var param_NNN = {…}`` gives the form fields and its
``jpage({…, totalRecord:…, perPage:…, groupSize:…})`` call the counts (or the datastore's
``<totalrecord>``); the proxy is
POSTed ``startrecord``/``endrecord``/``perpage`` for one group of pages at a time.
Older templates link the next group in a ``<nextgroup>`` element instead."""

from __future__ import annotations

import re
from urllib.parse import urlencode, urljoin

from parsel import Selector
from scrapy.http import TextResponse

from crawler.pages.common import Link, Listing, ListRequest, anchor_links

DEFAULT_PROXY = "/module/web/jpage/dataproxy.jsp"
DEFAULT_GROUP_SIZE = 3  # pages per proxy request, jpage's default
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
_NEXT_GROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.S)
_PARAMS = re.compile(r"var\s+param_\w+\s*=\s*\{([^}]*)\}")
_PAIR = re.compile(r"(\w+)\s*:\s*(?:'([^']*)'|\"([^\"]*)\"|([\w.\-]+))")


def records(text: str, base_url: str) -> list[Link]:
    """The entries of every ``<record>`` in a datastore or proxy answer."""
    links: list[Link] = []
    for fragment in _RECORD.findall(text):
        links += anchor_links(Selector(text=fragment), base_url)
    return links


def _setting(text: str, name: str) -> str | None:
    match = re.search(rf"\b{name}\s*:\s*['\"]?([^'\",}}\s]+)", text)
    return match.group(1) if match else None


def _total_record(text: str) -> str | None:
    match = re.search(r"<totalrecord>\s*(\d+)\s*</totalrecord>", text, re.IGNORECASE)
    return match.group(1) if match else None


def proxy_requests(text: str, base_url: str, inline_records: int) -> list[ListRequest]:
    """POSTs for every group of records the column page does not carry inline."""
    params = _PARAMS.search(text)
    total = _setting(text, "totalRecord") or _total_record(text)
    per_page = _setting(text, "perPage")
    if not (params and total and total.isdigit() and per_page and per_page.isdigit()):
        return []
    form = tuple((m[0], m[1] or m[2] or m[3]) for m in _PAIR.findall(params.group(1)))
    group_size = _setting(text, "groupSize")
    group = int(per_page) * (
        int(group_size) if group_size and group_size.isdigit() else DEFAULT_GROUP_SIZE
    )
    proxy = _setting(text, "proxyUrl") or DEFAULT_PROXY
    column = dict(form).get("columnid", "")
    requests = []
    for start in range(inline_records + 1, int(total) + 1, group):
        # columnid in the query too, so every group of every column has its own URL
        query = urlencode(
            {
                "startrecord": start,
                "endrecord": start + group - 1,
                "perpage": per_page,
                "columnid": column,
            }
        )
        requests.append(ListRequest(urljoin(base_url, f"{proxy}?{query}"), "POST", form))
    return requests


def next_group_requests(text: str, base_url: str) -> list[ListRequest]:
    requests = []
    for fragment in _NEXT_GROUP.findall(text):
        href = Selector(text=fragment).xpath("//a/@href").get()
        if href:
            requests.append(ListRequest(urljoin(base_url, href.strip())))
    return requests


def read_list(response: TextResponse) -> Listing:
    text = response.text
    entries = records(text, response.url)
    if not entries and "<datastore" not in text:
        entries = anchor_links(response.selector, response.url)
    next_pages = proxy_requests(
        text, response.url, len(_RECORD.findall(text))
    ) or next_group_requests(text, response.url)
    return Listing(entries=entries, next_pages=next_pages)
