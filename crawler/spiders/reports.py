"""The one spider: navigates every registry portal with the page family its ``cms``
column names (``auto``: discovery finds the report column and its family first, see
``crawler.spiders.discovering``). It reads nothing itself (page objects do) and stores nothing (the
pipelines and the raw-store middleware do): list pages lead to further list pages
and to report pages; report pages yield themselves and their attachments.

Arguments (``scrapy crawl reports -a …`` or ``crawler.run.run_crawl``): ``portals``
(a list of ``Portal``) or ``registry`` (a CSV path, default the bundled one) with an
optional ``portal`` (comma-separated ids); ``years`` (``2022,2023`` or a set of ints):
only reports on those years."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator

import scrapy
from scrapy.http import FormRequest, Request, Response

from crawler import counters
from crawler.items import ATTACHMENT, LIST_PAGE, REPORT_PAGE, FetchedDocument
from crawler.meta import (
    FAMILY,
    HOPS,
    KIND,
    LINK_DATE,
    LINK_TITLE,
    PORTAL_ID,
    STORED,
    referer_of,
    response_headers,
)
from crawler.pages import family_for
from crawler.pages.common import (
    Link,
    ListRequest,
    is_attachment_url,
    is_report_title,
    published_date,
    report_year,
)
from crawler.registry import BUNDLED_REGISTRY, CMS_AUTO, Portal, load_registry
from crawler.spiders.discovering import DiscoveryMixin
from nianbao_common.clock import utc_now


def parse_years(years: str | Iterable[int] | None) -> set[int] | None:
    if years is None or years == "":
        return None
    if isinstance(years, str):
        return {int(part) for part in years.replace(" ", ",").split(",") if part}
    return {int(year) for year in years} or None


class ReportsSpider(DiscoveryMixin, scrapy.Spider):
    name = "reports"

    def __init__(
        self,
        portals: list[Portal] | None = None,
        registry: str | None = None,
        portal: str | None = None,
        years: str | Iterable[int] | None = None,
        *args,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        if portals is None:
            portals = load_registry(registry or BUNDLED_REGISTRY)
            if portal:
                wanted = set(portal.split(","))
                portals = [p for p in portals if p.id in wanted]
        self.portals = {p.id: p for p in portals}
        self.years = parse_years(years)

    def portal(self, portal_id: str) -> Portal | None:
        return self.portals.get(portal_id)

    def _meta(self, portal: Portal, kind: str, **extra) -> dict:
        meta = {PORTAL_ID: portal.id, KIND: kind, **extra}
        if not portal.obey_robots:
            meta["dont_obey_robotstxt"] = True
        return meta

    def _list_request(
        self, portal: Portal, page: ListRequest, hops: int, family: str | None = None
    ) -> Request:
        meta = self._meta(portal, LIST_PAGE, **{HOPS: hops, FAMILY: family})
        if page.method == "POST":
            return FormRequest(
                page.url, formdata=page.formdata, callback=self.parse_list, meta=meta
            )
        return Request(page.url, callback=self.parse_list, meta=meta)

    def _document_request(
        self,
        portal: Portal,
        link: Link,
        referer: str,
        title: str | None,
        date: str | None,
        family: str | None = None,
    ) -> Request:
        attachment = is_attachment_url(link.url)
        return Request(
            link.url,
            callback=self.parse_attachment if attachment else self.parse_report,
            headers={"Referer": referer},
            meta=self._meta(
                portal,
                ATTACHMENT if attachment else REPORT_PAGE,
                **{LINK_TITLE: title, LINK_DATE: date, FAMILY: family},
            ),
        )

    async def start(self) -> AsyncIterator[Request]:
        for portal in self.portals.values():
            for request in self.portal_requests(portal):
                yield request

    def portal_requests(self, portal: Portal) -> Iterator[Request]:
        """A portal's first requests (``nianbao worker`` asks for them portal by portal)."""
        if portal.cms == CMS_AUTO:
            yield from self.start_discovery(portal)
            return
        for url in portal.start_urls:
            yield self._list_request(portal, ListRequest(url), hops=0)

    def parse_list(self, response: Response):
        portal = self.portals[response.meta[PORTAL_ID]]
        yield from self.follow_list(response, portal, response.meta.get(FAMILY) or portal.cms)

    def follow_list(self, response: Response, portal: Portal, family_name: str):
        """Read a list page with ``family_name``'s page object: further list pages, and
        the report pages and files it links."""
        family = family_for(family_name)
        listing = family.list_page(response)
        hops = response.meta.get(HOPS, 0)
        discovered = family_name if family_name != portal.cms else None
        if family.max_hops is None or hops < family.max_hops:
            for page in listing.next_pages:
                yield self._list_request(portal, page, hops + 1, discovered)
        for entry in listing.entries:
            if not is_report_title(entry.title):
                continue
            if self.years and report_year(entry.title) not in self.years:
                self.crawler.stats.inc_value(counters.key(counters.SKIPPED_YEAR))
                continue
            self.crawler.stats.inc_value(counters.key(counters.REPORT_LINKS))
            yield self._document_request(
                portal, entry, response.url, entry.title, entry.date, discovered
            )

    def parse_report(self, response: Response):
        portal = self.portals[response.meta[PORTAL_ID]]
        # The page's own date (<meta name="PubDate">, 发布时间：…) first, the list's second.
        date = published_date(response) or response.meta.get(LINK_DATE)
        if STORED not in response.flags:  # a held page read from the store is not kept again
            yield self._document(response, REPORT_PAGE, date)  # kept first, even if unreadable
        family = response.meta.get(FAMILY)
        detail = family_for(family or portal.cms).detail_page(response)
        title = response.meta.get(LINK_TITLE) or detail.title
        for attachment in detail.attachments:
            yield self._document_request(portal, attachment, response.url, title, date, family)

    def parse_attachment(self, response: Response):
        yield self._document(response, ATTACHMENT, response.meta.get(LINK_DATE))

    def _document(self, response: Response, kind: str, date: str | None) -> FetchedDocument:
        return FetchedDocument(
            url=response.url,
            body=response.body,
            status=response.status,
            headers=response_headers(response),
            portal_id=response.meta[PORTAL_ID],
            kind=kind,
            fetched_at=utc_now(),
            referer=referer_of(response.request),
            link_title=response.meta.get(LINK_TITLE),
            link_date=date,
        )
