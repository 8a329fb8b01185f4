"""The first pipeline stage: keep every fetched report page and attachment in the raw
store before anything else is done with it.

``KeepRawPipeline`` (priority 100) stores the item's bytes with its URL, referer,
status, headers and fetch time, and puts on the item what it stored (``sha256``,
``is_new_version``) for the processing stage after it. The crawler's downloader
middlewares share the same ``RawStore`` (``raw_store_for``) to keep list pages, answer
conditional requests and record problems.

Settings: ``NIANBAO_DATA_DIR`` (where ``raw.db`` lives) and ``NIANBAO_RUN_ID``.
"""

from __future__ import annotations

import json
from pathlib import Path
from weakref import WeakKeyDictionary

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from archive import RAW_FILE
from archive.rawstore import RawStore
from crawler import counters
from crawler.items import FetchedDocument
from nianbao_common.clock import utc_now
from nianbao_common.ids import stable_id

_STORES: WeakKeyDictionary[Crawler, RawStore] = WeakKeyDictionary()


def raw_store_for(crawler: Crawler) -> RawStore:
    """The one ``RawStore`` of a crawl, opened on first use."""
    if crawler not in _STORES:
        data_dir = crawler.settings.get("NIANBAO_DATA_DIR")
        if not data_dir:
            raise ValueError("the NIANBAO_DATA_DIR setting names no data directory")
        store = RawStore(Path(data_dir) / RAW_FILE)
        # WAL with synchronous=NORMAL: no fsync per kept document. A power cut can lose
        # the last few commits (never corrupt the store); the next run fetches them again.
        store.db.execute("PRAGMA synchronous=NORMAL")
        _STORES[crawler] = store
    return _STORES[crawler]


def stored_headers(store: RawStore, url: str, sha256: str) -> dict[str, str]:
    """The response headers kept with one stored version of a URL."""
    for row in store.db["fetches"].rows_where("url = ? and sha256 = ?", [url, sha256], limit=1):
        return json.loads(row["headers"] or "{}")
    return {}


def record_portal_runs(store: RawStore, run_id: str, portals: dict[str, dict]) -> None:
    """One ``portal_runs`` row per portal crawled: outcome and counts of this run."""
    now = utc_now()
    with store.db.conn:
        for portal_id, counts in portals.items():
            store.db["portal_runs"].upsert(
                {
                    "id": stable_id(run_id, portal_id),
                    "run_id": run_id,
                    "portal_id": portal_id,
                    "outcome": counts["outcome"],
                    "requests": counts["requests"],
                    "documents": counts["documents"],
                    "errors": counts["errors"],
                    "errors_by_kind": json.dumps(counts["errors_by_kind"], ensure_ascii=False),
                    "finished_at": now,
                },
                pk="id",
            )


class KeepRawPipeline:
    def __init__(self, store: RawStore, run_id: str | None, stats: StatsCollector):
        self.store = store
        self.run_id = run_id
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KeepRawPipeline:
        return cls(raw_store_for(crawler), crawler.settings.get("NIANBAO_RUN_ID"), crawler.stats)

    def process_item(self, item):
        if not isinstance(item, FetchedDocument):
            return item
        before = self.store.known(item.url)
        item.sha256, item.is_new_version = self.store.put(
            url=item.url,
            body=item.body,
            status=item.status,
            headers=item.headers,
            referer=item.referer,
            portal_id=item.portal_id,
            kind=item.kind,
            link_title=item.link_title,
            link_date=item.link_date,
            run_id=self.run_id,
            fetched_at=item.fetched_at,
        )
        self.stats.inc_value(counters.key(counters.DOCUMENTS))
        self.stats.inc_value(counters.portal_key(item.portal_id, counters.DOCUMENTS))
        if item.is_new_version:
            first = before is None or before.sha256 is None
            self.stats.inc_value(
                counters.key(counters.NEW_DOCUMENTS if first else counters.NEW_VERSIONS)
            )
        return item
