"""Discovery's navigation for ``cms auto`` portals, a mixin of ``ReportsSpider``.

From a portal's start URLs (its home page, or any page of it) the spider reads one page
at a time, the best-scored link first, within a budget of requests, until the report
column turns up; it then reads the column with the family the column's own page shows,
exactly as if the registry had named it (``follow_list``). A government's list of
departments (部门信息公开, or a 政府信息公开年报 page with one entry per department) starts
one search per department: the department's reports are kept under the government's
portal (so they carry its division code) and archived under the name the report itself
gives. Every search ends with ``Discovery`` items: each column it found, or one saying it
found none, with the requests it spent.

Reading pages is the page objects' (``crawler.pages.discover``), the frontier and the
budget ``crawler.discovery``'s; this mixin only turns them into requests. Discovery
requests are list pages (kept in the raw store, asked conditionally), one at a time per
search, never filtered as duplicates (a filtered request would end its search
silently): the portal's searches never queue a page twice themselves. After a resume
(``JOBDIR``) a search whose state was lost starts afresh from the page it asked for."""

from __future__ import annotations

from collections.abc import Iterator

from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from crawler import counters
from crawler.discovery import (
    DEPARTMENT_BUDGET,
    DISCOVERY_REQUESTS,
    MAX_DEPARTMENTS,
    PORTAL_BUDGET,
    Found,
    Search,
    Visit,
    follows_departments,
    start_search,
)
from crawler.items import LIST_PAGE, Discovery
from crawler.meta import DISCOVERY, HOPS, PORTAL_ID
from crawler.pages.common import readable
from crawler.pages.discover import COLUMN, candidates, department_links, read_column
from crawler.registry import Portal
from nianbao_common.clock import utc_now
from nianbao_common.events import log_event


class DiscoveryMixin:
    """Needs the spider's ``portals``, ``_meta`` and ``follow_list``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._searches: dict[tuple[str, str | None], Search] = {}
        self._discovery_seen: dict[str, set[str]] = {}
        self._departments: dict[str, set[str]] = {}

    def _setting(self, name: str, default: int) -> int:
        return self.crawler.settings.getint(name, default)

    def _new_search(
        self, portal: Portal, urls: list[str], department: str | None = None, **how
    ) -> Search:
        budget = (
            self._setting("NIANBAO_DEPARTMENT_BUDGET", DEPARTMENT_BUDGET)
            if department
            else self._setting("NIANBAO_DISCOVERY_BUDGET", PORTAL_BUDGET)
        )
        seen = self._discovery_seen.setdefault(portal.id, set())
        search = start_search(
            portal.id, urls, portal.allows, budget, seen, department=department, **how
        )
        self._searches[(portal.id, department)] = search
        return search

    def start_discovery(self, portal: Portal) -> Iterator[Request]:
        yield from self._next_discovery(portal, self._new_search(portal, list(portal.start_urls)))

    def _next_discovery(self, portal: Portal, search: Search) -> Iterator[Request | Discovery]:
        visit = search.next_visit()
        if visit is None:
            yield from self._end_search(portal, search)
            return
        stats = self.crawler.stats
        stats.inc_value(counters.key(DISCOVERY_REQUESTS))
        stats.inc_value(counters.portal_key(portal.id, DISCOVERY_REQUESTS))
        state = {"department": search.department, "kind": visit.kind, "referer": visit.referer}
        yield Request(
            visit.url,
            callback=self.parse_discovery,
            errback=self.discovery_failed,
            headers={"Referer": visit.referer} if visit.referer else None,
            meta=self._meta(portal, LIST_PAGE, **{HOPS: visit.depth, DISCOVERY: state}),
            dont_filter=True,
        )

    def _search_of(self, request: Request) -> tuple[Portal, Search, Visit]:
        portal = self.portals[request.meta[PORTAL_ID]]
        state = request.meta[DISCOVERY]
        visit = Visit(request.url, state["kind"], request.meta[HOPS], state["referer"])
        search = self._searches.get((portal.id, state["department"]))
        if search is None:  # resumed from a JOBDIR: this search's state is gone
            search = self._new_search(portal, [], state["department"])
            search.spent = 1
        return portal, search, visit

    def parse_discovery(self, response: Response):
        portal, search, visit = self._search_of(response.request)
        page = readable(response)
        if isinstance(page, TextResponse):
            search.seen.add(page.url)  # after a redirect
            yield from self._read_discovered(portal, search, visit, page)
        yield from self._next_discovery(portal, search)

    def discovery_failed(self, failure: Failure):
        """A page that could not be read (HTTP error, timeout, robots.txt, off the
        portal's domains) costs its request; the search goes on."""
        request = getattr(failure, "request", None) or failure.value.response.request
        portal, search, _ = self._search_of(request)
        yield from self._next_discovery(portal, search)

    def _read_discovered(
        self, portal: Portal, search: Search, visit: Visit, page: TextResponse
    ) -> Iterator[Request | Discovery]:
        in_column = visit.kind == COLUMN
        column = read_column(page, via_column=in_column)
        if column is not None:
            found = Found(page.url, column.family, column.evidence, column.reports, visit.referer)
            if column.named:
                search.columns.append(found)
                yield from self.follow_list(page, portal, column.family)
            else:
                search.fallbacks.append((found, page))
        if follows_departments(search, visit):  # first: a department's link is its own
            yield from self._start_departments(portal, search, visit, page)
        for link in candidates(page, in_column=in_column):
            search.offer(Visit(link.url, link.kind, visit.depth + 1, page.url), link.score)

    def _start_departments(
        self, portal: Portal, search: Search, visit: Visit, page: TextResponse
    ) -> Iterator[Request | Discovery]:
        """One search per department the page lists (each name once per portal)."""
        names = self._departments.setdefault(portal.id, set())
        most = self._setting("NIANBAO_MAX_DEPARTMENTS", MAX_DEPARTMENTS)
        for link in department_links(page):
            if len(names) >= most:
                return
            if (
                link.label in names
                or link.label == portal.name
                or link.url in search.seen
                or not portal.allows(link.url)
            ):
                continue
            names.add(link.label)
            department = self._new_search(
                portal,
                [link.url],
                link.label,
                via_column=visit.kind == COLUMN,
                referer=page.url,
            )
            yield from self._next_discovery(portal, department)

    def _end_search(self, portal: Portal, search: Search) -> Iterator[Request | Discovery]:
        self._searches.pop((portal.id, search.department), None)
        for found, page in search.finish():  # no column named itself: the fallbacks
            yield from self.follow_list(page, portal, found.cms)
        for found in search.columns or [None]:
            item = discovery_item(portal, search, found)
            log_event(
                "discovery",
                run=self.crawler.settings.get("NIANBAO_RUN_ID"),
                portal=portal.id,
                department=search.department,
                column=item.column_url,
                cms=item.cms,
                requests=search.spent,
            )
            yield item


def discovery_item(portal: Portal, search: Search, found: Found | None) -> Discovery:
    """What a search found (``found``, or None: nothing), as the registry will need it."""
    department = search.department
    return Discovery(
        portal_id=portal.id,
        department=department,
        name=department or portal.name,
        kind="department" if department else portal.kind,
        division_code=portal.division_code,
        province=portal.province,
        city=portal.city,
        county=portal.county,
        level=portal.level,
        parent_code=portal.division_code if department else portal.parent_code,
        column_url=found.url if found else None,
        cms=found.cms if found else None,
        evidence=found.evidence if found else None,
        reports=found.reports if found else 0,
        found_from=found.found_from if found else None,
        allowed_domains=" ".join(portal.allowed_domains),
        obey_robots="" if portal.obey_robots else "no",
        requests=search.spent,
        found_at=utc_now(),
    )
