"""The one contract between crawling and the pipelines: a fetched document, and what
discovery found.

Spiders yield a ``FetchedDocument`` for every report page and attachment they fetch
(list pages are navigation and never become items). ``pipelines.keep.KeepRawPipeline``
stores it first and fills ``sha256`` and ``is_new_version``; later stages read those.
For a ``cms auto`` portal the spider also yields a ``Discovery`` per report column it
found (or one saying it found none); the keep pipeline stores it in ``discoveries``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

REPORT_PAGE = "report_page"
ATTACHMENT = "attachment"
LIST_PAGE = "list"  # kept by the crawler's raw-store middleware, never an item


@dataclass
class FetchedDocument:
    url: str
    body: bytes
    status: int
    headers: dict[str, str]
    portal_id: str
    kind: str  # REPORT_PAGE or ATTACHMENT
    fetched_at: str
    referer: str | None = None
    link_title: str | None = None
    link_date: str | None = None
    # Set by KeepRawPipeline once the body is in the raw store.
    sha256: str | None = field(default=None)
    is_new_version: bool | None = field(default=None)


@dataclass
class Discovery:
    """A report column discovery found for a portal or one of its departments (or none:
    ``column_url`` None), with the portal's registry fields, so that an operator can pin
    it in the registry (``nianbao discover``)."""

    portal_id: str
    department: str | None  # the department's name as the government's platform lists it
    name: str  # the portal's name, or the department's
    kind: str  # government or department (the registry's kind)
    division_code: str
    province: str
    city: str
    county: str
    level: str
    parent_code: str
    column_url: str | None
    cms: str | None  # the family that reads the column
    evidence: str | None  # what on the page showed the family (createPageHTML, 下一页 …)
    reports: int  # reports the column's first page lists (gkmlpt: 年报 categories)
    found_from: str | None  # the page that links the column
    allowed_domains: str
    obey_robots: str
    requests: int  # requests this search spent on discovery, in all
    found_at: str
