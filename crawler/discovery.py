"""Discovery's bookkeeping: one ``Search`` per ``cms auto`` portal, and one per department
its platform lists. A search reads one page at a time, best first: each link the page
objects (``crawler.pages.discover``) score goes into its frontier, and the next page is
the best-scored one, a page one level deeper going first only when it scores
``DEPTH_COST`` more. It stops when its budget of requests is spent or nothing promising
is left; once it has found a report column it follows only further columns (a year's
sub-column) and department lists. A portal's searches share the set of pages they have
queued, so no page is read twice. No Scrapy here: the spider turns ``next_visit()`` into
a request and feeds the answer back.

Budgets count requests, failed ones too: ``PORTAL_BUDGET`` per portal (setting
``NIANBAO_DISCOVERY_BUDGET``), ``DEPARTMENT_BUDGET`` per department
(``NIANBAO_DEPARTMENT_BUDGET``), at most ``MAX_DEPARTMENTS`` departments per portal
(``NIANBAO_MAX_DEPARTMENTS``)."""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crawler.pages.discover import COLUMN, DEPARTMENT, DEPARTMENTS

PORTAL_BUDGET = 12
DEPARTMENT_BUDGET = 6
MAX_DEPARTMENTS = 100
MAX_DEPTH = 4  # links followed from a start URL
DEPTH_COST = 15
START = "start"  # a start URL of the registry (any page of the portal)
DISCOVERY_REQUESTS = "discovery_requests"  # counter (crawler.counters): requests spent


@dataclass(frozen=True)
class Visit:
    """A page a search reads next: how it was reached and from where."""

    url: str
    kind: str  # START, DEPARTMENT, or a link kind of crawler.pages.discover
    depth: int
    referer: str | None = None


@dataclass(frozen=True)
class Found:
    """A report column: where, read by which family, shown by what, linked from where."""

    url: str
    cms: str
    evidence: str
    reports: int
    found_from: str | None


@dataclass
class Search:
    """One portal's (or one department's) search for its report column."""

    portal_id: str
    budget: int
    allows: Callable[[str], bool]
    seen: set[str]  # shared by the portal's searches
    department: str | None = None  # the department's name as its link shows it
    spent: int = 0
    columns: list[Found] = field(default_factory=list)
    fallbacks: list[tuple[Found, Any]] = field(default_factory=list)  # (column, its page)
    _frontier: list[tuple[int, int, Visit]] = field(default_factory=list)
    _order: int = 0

    def offer(self, visit: Visit, score: int = 0) -> None:
        """Queue a page unless the portal's searches queued it before, or it is off the
        portal's domains or too deep."""
        if visit.url in self.seen or not self.allows(visit.url) or visit.depth > MAX_DEPTH:
            return
        self.seen.add(visit.url)
        priority = score - DEPTH_COST * visit.depth
        heapq.heappush(self._frontier, (-priority, self._order, visit))
        self._order += 1

    def next_visit(self) -> Visit | None:
        """The next page to read (counted as spent), or None when the search is over."""
        while self._frontier and self.spent < self.budget:
            _, _, visit = heapq.heappop(self._frontier)
            if self.columns and visit.kind not in (COLUMN, DEPARTMENTS):
                continue  # a column is found: only further columns and department lists
            self.spent += 1
            return visit
        return None

    def finish(self) -> list[tuple[Found, Any]]:
        """End the search. When no page said it is the column, the pages that listed
        reports without saying so become the columns: those (column, page) are returned,
        to be read now."""
        fallbacks, self.fallbacks = self.fallbacks, []  # their pages are held no longer
        if self.columns:
            return []
        self.columns = [found for found, _ in fallbacks]
        return fallbacks


def start_search(
    portal_id: str,
    urls: list[str] | tuple[str, ...],
    allows: Callable[[str], bool],
    budget: int,
    seen: set[str],
    department: str | None = None,
    via_column: bool = False,
    referer: str | None = None,
) -> Search:
    """A search from a portal's start URLs, or from a department's link (``via_column``:
    the link was an entry of a report column, so it leads to the department's column)."""
    search = Search(portal_id, budget, allows, seen, department=department)
    kind = COLUMN if via_column else (DEPARTMENT if department else START)
    for url in urls:
        search.offer(Visit(url, kind, 0, referer))
    return search


def follows_departments(search: Search, visit: Visit) -> bool:
    """Whether a page may start department searches: a government's (not a department's)
    page reached by a 部门信息公开 link, or as a report column (a 政府信息公开年报 page with
    one entry per department)."""
    return search.department is None and visit.kind in (DEPARTMENTS, COLUMN)
