"""The first pipeline stage: keep every fetched report page and attachment in the raw
store before anything else is done with it.

``KeepRawPipeline`` (priority 100) stores the item's bytes with its URL, referer,
status, headers and fetch time, and puts on the item what it stored (``sha256``,
``is_new_version``) for the processing stage after it; a ``Discovery`` item (what
discovery found for a ``cms auto`` portal) becomes a ``discoveries`` row. The crawler's
downloader middlewares share the same store (``raw_store_for``) to keep list pages, answer
conditional requests and record problems. Its writes run off the reactor thread
(``crawler.store_writes``); ``nianbao worker`` gives its crawl a store that reads and
writes through Redis instead (``use_raw_store``).

Settings: ``NIANBAO_DATA_DIR`` (where ``raw.db`` lives) and ``NIANBAO_RUN_ID``.
"""

from __future__ import annotations

import json
from concurrent.futures import Future
from dataclasses import asdict
from pathlib import Path
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from archive import RAW_FILE
from archive.rawstore import RawStore
from crawler import counters
from crawler.items import Discovery, FetchedDocument
from crawler.store_writes import OffThreadRawStore
from nianbao_common.clock import utc_now
from nianbao_common.ids import stable_id

_STORES: WeakKeyDictionary[Crawler, OffThreadRawStore] = WeakKeyDictionary()


def raw_store_for(crawler: Crawler) -> OffThreadRawStore:
    """The one raw store of a crawl, opened on first use (``NIANBAO_DATA_DIR``) and
    closed, its writes done, when the spider closes."""
    if crawler not in _STORES:
        data_dir = crawler.settings.get("NIANBAO_DATA_DIR")
        if not data_dir:
            raise ValueError("the NIANBAO_DATA_DIR setting names no data directory")
        store = OffThreadRawStore(Path(data_dir) / RAW_FILE)
        crawler.signals.connect(store.close, signal=signals.spider_closed, weak=False)
        _STORES[crawler] = store
    return _STORES[crawler]


def use_raw_store(crawler: Crawler, store) -> None:
    """Give a crawl another store with the same methods (``nianbao worker``'s)."""
    _STORES[crawler] = store


async def kept(put: Future | tuple) -> tuple[str, bool]:
    """What a store's ``put`` kept: (sha256, is_new_version), once it is kept."""
    if not isinstance(put, Future):
        return put
    if not put.done():
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet.threads import deferToThread

        await maybe_deferred_to_future(deferToThread(put.exception))
    return put.result()


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

    async def process_item(self, item):
        if isinstance(item, Discovery):
            self.store.record_discovery(asdict(item), run_id=self.run_id)
            return item
        if not isinstance(item, FetchedDocument):
            return item
        before = self.store.known(item.url)
        item.sha256, item.is_new_version = await kept(
            self.store.put(
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
        )
        self.stats.inc_value(counters.key(counters.DOCUMENTS))
        self.stats.inc_value(counters.portal_key(item.portal_id, counters.DOCUMENTS))
        if item.is_new_version:
            first = before is None or before.sha256 is None
            self.stats.inc_value(
                counters.key(counters.NEW_DOCUMENTS if first else counters.NEW_VERSIONS)
            )
        return item
