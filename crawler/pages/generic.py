"""The fallback for sites of no known family: walk from the home page or the
政府信息公开 section through links that lead toward the annual reports (信息公开,
政务公开, 年报 / 年度报告 columns, 下一页), a few hops deep; report pages are
recognised by their titles wherever they turn up."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from scrapy.http import TextResponse

from crawler.pages.common import (
    Listing,
    ListRequest,
    anchor_links,
    clean_text,
    is_attachment_url,
    next_page_requests,
    report_year,
)

MAX_HOPS = 4
_SECTION = re.compile(
    r"(信息|資訊|政务|政務)公[开開]|年报|年報|年度报告|年度報告|公开目录|公開目錄"
)
_NOT_A_SECTION = re.compile(
    r"指南|申请|申請|意见|意見|留言|信箱|搜索|登录|登錄|通知|要点|要點|解读|解讀"
)


def section_requests(response: TextResponse) -> list[ListRequest]:
    """Links whose label names a disclosure section or a report column."""
    requests = []
    for anchor in response.xpath("//a[@href]"):
        label = clean_text(
            anchor.attrib.get("title") or " ".join(anchor.xpath(".//text()").getall())
        )
        url = urljoin(response.url, anchor.attrib["href"].strip())
        if (
            url.startswith(("http://", "https://"))
            and _SECTION.search(label)
            and not _NOT_A_SECTION.search(label)
            and report_year(label) is None  # a dated item is a document, not a section
            and not is_attachment_url(url)
        ):
            requests.append(ListRequest(url))
    return requests


def read_list(response: TextResponse) -> Listing:
    return Listing(
        entries=anchor_links(response.selector, response.url),
        next_pages=next_page_requests(response.selector, response.url) + section_requests(response),
    )
