"""Run one crawl in this process and summarise it from Scrapy's stats.

Scrapy's Twisted reactor can be started once per process: call ``run_crawl`` once,
and run it in a subprocess where a process needs several crawls (the tests do).
"""

from __future__ import annotations

import re
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.registry import Portal
from crawler.spiders.reports import ReportsSpider
from pipelines.keep import raw_store_for, record_portal_runs

# Politeness off: for the sample portal on 127.0.0.1 and benchmarks, never for real portals.
FAST = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    "RETRY_BACKOFF_BASE": 0.1,
}
_PORTAL_KEY = re.compile(r"^nianbao/portal/(?P<portal>[^/]+)/(?P<counter>.+)$")


def crawl_settings(
    data_dir: Path,
    *,
    run_id: str,
    allow_private_hosts: bool = False,
    polite: bool = True,
    extra_settings: dict | None = None,
) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("NIANBAO_DATA_DIR", str(data_dir), priority="cmdline")
    settings.set("NIANBAO_RUN_ID", run_id, priority="cmdline")
    settings.set("NIANBAO_ALLOW_PRIVATE_HOSTS", allow_private_hosts, priority="cmdline")
    if not polite:
        settings.setdict(FAST, priority="cmdline")
    extra = dict(extra_settings or {})
    pipelines = {**settings.getdict("ITEM_PIPELINES"), **extra.pop("ITEM_PIPELINES", {})}
    settings.set("ITEM_PIPELINES", pipelines, priority="cmdline")
    settings.setdict(extra, priority="cmdline")
    return settings


def portal_counts(stats: dict, portals: list[Portal]) -> dict[str, dict]:
    """Per-portal requests, responses, documents and errors, and an outcome: ``ok``
    when the portal answered at least once, else ``failed``."""
    counts = {
        p.id: {
            "requests": 0,
            "responses": 0,
            "answered": 0,
            "documents": 0,
            "skipped_known": 0,
            "errors": 0,
            "errors_by_kind": {},
        }
        for p in portals
    }
    for key, value in stats.items():
        match = _PORTAL_KEY.match(key)
        if not match or match["portal"] not in counts:
            continue
        portal, counter = counts[match["portal"]], match["counter"]
        if counter.startswith("errors/"):
            portal["errors_by_kind"][counter.removeprefix("errors/")] = value
        elif counter.startswith("responses/"):
            if int(counter.removeprefix("responses/")) < 400:
                portal["answered"] += value
        elif counter in portal:
            portal[counter] = value
    for portal in counts.values():
        portal["outcome"] = "ok" if portal["answered"] or portal["skipped_known"] else "failed"
    return counts


def summarise(stats: dict, portals: list[Portal]) -> dict:
    by_status = {
        int(key.rsplit("/", 1)[1]): value
        for key, value in stats.items()
        if key.startswith("downloader/response_status_count/")
    }
    errors = {
        key.removeprefix("nianbao/errors/"): value
        for key, value in stats.items()
        if key.startswith("nianbao/errors/")
    }
    per_portal = portal_counts(stats, portals)
    return {
        "requests": stats.get("downloader/request_count", 0),
        "responses": stats.get("downloader/response_count", 0),
        "responses_by_status": by_status,
        "bytes": stats.get("downloader/response_bytes", 0),
        "items": stats.get("item_scraped_count", 0),
        "documents": stats.get("nianbao/documents", 0),
        "new_documents": stats.get("nianbao/new_documents", 0),
        "new_versions": stats.get("nianbao/new_versions", 0),
        "skipped_known": stats.get("nianbao/skipped_known", 0),
        "not_modified": stats.get("nianbao/not_modified", 0),
        "offsite_refused": stats.get("nianbao/offsite_refused", 0),
        "skipped_year": stats.get("nianbao/skipped_year", 0),
        "errors_by_kind": errors,
        "portals": {portal_id: c["outcome"] for portal_id, c in per_portal.items()},
        "portal_counts": per_portal,
        "finish_reason": stats.get("finish_reason"),
        "crawl_seconds": stats.get("nianbao/crawl_seconds"),
        "elapsed_seconds": stats.get("elapsed_time_seconds"),
    }


def run_crawl(
    portals: list[Portal],
    data_dir: Path,
    *,
    run_id: str,
    years: set[int] | None = None,
    allow_private_hosts: bool = False,
    polite: bool = True,
    extra_settings: dict | None = None,
) -> dict:
    """Crawl ``portals`` into ``data_dir/raw.db`` and return the run's summary."""
    settings = crawl_settings(
        Path(data_dir),
        run_id=run_id,
        allow_private_hosts=allow_private_hosts,
        polite=polite,
        extra_settings=extra_settings,
    )
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ReportsSpider)
    process.crawl(crawler, portals=portals, years=years)
    process.start()
    summary = summarise(crawler.stats.get_stats(), portals)
    record_portal_runs(raw_store_for(crawler), run_id, summary["portal_counts"])
    return summary
