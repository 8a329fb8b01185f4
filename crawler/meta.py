"""What a request carries in its ``meta`` (keys named once), and reading a request's
and a response's headers as text."""

from __future__ import annotations

from scrapy.http import Request, Response

PORTAL_ID = "portal_id"  # the registry id of the portal the request belongs to
KIND = "nianbao_kind"  # LIST_PAGE, REPORT_PAGE or ATTACHMENT (crawler.items); None = robots.txt
HOPS = "nianbao_hops"  # list pages followed from the start URL (0 = a start URL)
LINK_TITLE = "link_title"  # the title of the link that led to a report page or attachment
LINK_DATE = "link_date"  # the date printed next to that link
FAMILY = "nianbao_family"  # the page family a discovered column is read with (cms auto)
DISCOVERY = "nianbao_discovery"  # a discovery request's search: department, link kind, referer
RETRY_DELAY = "nianbao_retry_delay"  # seconds to wait before sending a retried request
STORED = "stored"  # response flag: read from the raw store, not the network


def portal_id_of(request: Request) -> str | None:
    return request.meta.get(PORTAL_ID)


def kind_of(request: Request) -> str | None:
    return request.meta.get(KIND)


def response_headers(response: Response) -> dict[str, str]:
    """Headers as a plain dict of text (the first value of each)."""
    return {
        key.decode("latin-1"): values[0].decode("latin-1")
        for key, values in response.headers.items()
        if values
    }


def referer_of(request: Request) -> str | None:
    value = request.headers.get("Referer")
    return value.decode("latin-1") if value else None
