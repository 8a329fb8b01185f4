"""TRS WCM lists: ``index.html``, ``index_1.html``, ``index_2.html``… with the page
count in a ``createPageHTML(total, current, 'index', 'html')`` script (newer
templates: ``createPageHTML('page_div', total, current, 'index', 'html', records)``), the
counts often in variables (``var countPage = 5//共多少页``). Pages that carry the function's
own definition (``function createPageHTML(_nPageCount, …)``) are read from the call."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from scrapy.http import TextResponse

from crawler.pages.common import Listing, ListRequest, anchor_links, next_page_requests

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


def read_list(response: TextResponse) -> Listing:
    pages: list[ListRequest] = []
    for script in response.xpath("//script/text()").getall():
        pages += [ListRequest(url) for url in page_urls(script, response.url)]
    pages += next_page_requests(response.selector, response.url)
    return Listing(entries=anchor_links(response.selector, response.url), next_pages=pages)
