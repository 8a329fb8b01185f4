"""Run one crawl in this process and summarise it from Scrapy's stats.

Scrapy's Twisted reactor can be started once per process: call ``run_crawl`` once,
and run it in a subprocess where a process needs several crawls (the tests do).

Resuming: each crawl has a Scrapy ``JOBDIR`` under ``DATA/jobs/<key>`` (the key names
the portals and years crawled), holding the frontier and the seen-set. A crawl that
finishes removes it. A crawl stopped cleanly (SIGTERM/SIGINT: Scrapy lets the requests
in flight finish and saves its queue; or the request cap) leaves it marked ``paused``
and the next crawl continues from its queue. A crawl killed without closing (SIGKILL,
power cut) leaves it marked ``running``: Scrapy's disk queue and seen-set are then not
trustworthy (both are written on close), so the next crawl discards them and walks the
portals again, which costs little because the raw store answers for every document
already kept (not fetched again) and list pages are asked with conditional requests.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler import counters
from crawler.registry import Portal
from crawler.spiders.reports import ReportsSpider
from nianbao_common.events import log_event
from nianbao_common.ids import stable_id
from pipelines.keep import raw_store_for, record_portal_runs

# Politeness off: for the sample portal on 127.0.0.1 and benchmarks, never for real portals.
FAST = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    "RETRY_BACKOFF_BASE": 0.1,
}
JOB_STATE = "nianbao-job.json"
# Failed downloads that mean the server could not be reached or did not answer.
UNREACHABLE_KINDS = frozenset(
    {"timeout", "dns", "connection_refused", "connection_lost", "no_response", "data_loss"}
)


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


def portal_outcome(counts: dict, start_urls: int) -> str:
    """``ok`` when the portal answered (or the store answered for it); otherwise why
    not: ``blocked_by_robots`` (robots.txt forbids every start URL), ``waf_challenge``,
    ``http_errors``, ``unreachable`` (no answer at all), ``failed`` (refused before
    fetching, e.g. a private address)."""
    if counts["answered"] or counts["skipped_known"]:
        return "ok"
    kinds = counts["errors_by_kind"]
    if start_urls and counts["robots_forbidden_start"] >= start_urls:
        return "blocked_by_robots"
    if kinds.get("waf_challenge"):
        return "waf_challenge"
    if any(kind.startswith("http_") for kind in kinds):
        return "http_errors"
    if UNREACHABLE_KINDS & set(kinds):
        return "unreachable"
    return "failed"


def portal_counts(stats: dict, portals: list[Portal]) -> dict[str, dict]:
    """Per-portal requests, responses, documents and errors, and an outcome
    (``portal_outcome``)."""
    counts = {
        p.id: {
            "requests": 0,
            "responses": 0,
            "answered": 0,
            "documents": 0,
            "skipped_known": 0,
            "robots_forbidden_start": 0,
            "errors": 0,
            "errors_by_kind": {},
        }
        for p in portals
    }
    for portal_id, values in counters.portal_values(stats).items():
        if portal_id not in counts:
            continue
        portal = counts[portal_id]
        for name, by_detail in values.items():
            if name == counters.ERRORS:
                portal["errors_by_kind"] = {k: v for k, v in by_detail.items() if k is not None}
                portal["errors"] = by_detail.get(None, 0)
            elif name == counters.RESPONSES:
                portal["responses"] = by_detail.get(None, 0)
                portal["answered"] = sum(
                    v for k, v in by_detail.items() if k is not None and int(k) < 400
                )
            elif name in portal:
                portal[name] = by_detail.get(None, 0)
    for portal in portals:
        counts[portal.id]["outcome"] = portal_outcome(counts[portal.id], len(portal.start_urls))
    return counts


def summarise(stats: dict, portals: list[Portal]) -> dict:
    by_status = {
        int(key.rsplit("/", 1)[1]): value
        for key, value in stats.items()
        if key.startswith("downloader/response_status_count/")
    }
    errors = counters.detail_values(stats, counters.ERRORS)
    per_portal = portal_counts(stats, portals)
    return {
        "requests": stats.get("downloader/request_count", 0),
        "responses": stats.get("downloader/response_count", 0),
        "responses_by_status": by_status,
        "bytes": stats.get("downloader/response_bytes", 0),
        "items": stats.get("item_scraped_count", 0),
        **{name: stats.get(counters.key(name), 0) for name in counters.RUN_COUNTERS},
        "errors_by_kind": errors,
        "portals": {portal_id: c["outcome"] for portal_id, c in per_portal.items()},
        "portal_counts": per_portal,
        "finish_reason": stats.get("finish_reason"),
        "crawl_seconds": stats.get(counters.key(counters.CRAWL_SECONDS)),
        "elapsed_seconds": stats.get("elapsed_time_seconds"),
    }


def job_dir(data_dir: Path, portals: list[Portal], years: set[int] | None) -> Path:
    """The JOBDIR of a crawl of these portals (and years): the same crawl resumes it."""
    key = stable_id(
        json.dumps([p.row() for p in portals], sort_keys=True, ensure_ascii=False),
        json.dumps(sorted(years or [])),
    )
    return Path(data_dir) / "jobs" / key


def open_job(path: Path, run_id: str) -> str:
    """Make ``path`` ready for a crawl; returns ``new``, ``resumed`` (a cleanly stopped
    crawl's queue) or ``discarded`` (a killed crawl's state, not trustworthy)."""
    state_file = path / JOB_STATE
    how = "new"
    if path.exists():
        try:
            state = json.loads(state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            state = {}
        if state.get("state") == "paused":
            how = "resumed"
        else:
            shutil.rmtree(path)
            how = "discarded"
    path.mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps({"state": "running", "run_id": run_id}), encoding="utf-8")
    return how


def close_job(path: Path, run_id: str, finish_reason: str | None) -> None:
    """A finished crawl's job is removed; a stopped one is kept, ``paused``, to resume."""
    if finish_reason == "finished":
        shutil.rmtree(path, ignore_errors=True)
        if not any(path.parent.iterdir()):
            path.parent.rmdir()
        return
    state = {"state": "paused", "run_id": run_id, "finish_reason": finish_reason}
    (path / JOB_STATE).write_text(json.dumps(state), encoding="utf-8")


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
    """Crawl ``portals`` into ``data_dir/raw.db`` and return the run's summary
    (``job``: how its JOBDIR was opened)."""
    job = job_dir(Path(data_dir), portals, years)
    how = open_job(job, run_id)
    settings = crawl_settings(
        Path(data_dir),
        run_id=run_id,
        allow_private_hosts=allow_private_hosts,
        polite=polite,
        extra_settings={"JOBDIR": str(job), **(extra_settings or {})},
    )
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ReportsSpider)
    process.crawl(crawler, portals=portals, years=years)
    process.start()
    summary = summarise(crawler.stats.get_stats(), portals)
    summary["job"] = how
    record_portal_runs(raw_store_for(crawler), run_id, summary["portal_counts"])
    close_job(job, run_id, summary["finish_reason"])
    for portal_id, counts in summary["portal_counts"].items():
        log_event(
            "portal",
            run=run_id,
            portal=portal_id,
            outcome=counts["outcome"],
            requests=counts["requests"],
            documents=counts["documents"],
            errors=counts["errors"],
            errors_by_kind=counts["errors_by_kind"],
        )
    return summary
