"""Plain lists paginated by a 下一页 (next page) link."""

from __future__ import annotations

from scrapy.http import TextResponse

from crawler.pages.common import Listing, anchor_links, next_page_requests


def read_list(response: TextResponse) -> Listing:
    return Listing(
        entries=anchor_links(response.selector, response.url),
        next_pages=next_page_requests(response.selector, response.url),
    )
