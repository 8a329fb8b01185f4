"""The one contract between crawling and the pipelines: a fetched document.

Spiders yield a ``FetchedDocument`` for every report page and attachment they fetch
(list pages are navigation and never become items). ``pipelines.keep.KeepRawPipeline``
stores it first and fills ``sha256`` and ``is_new_version``; later stages read those.
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
