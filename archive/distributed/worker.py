"""``nianbao worker``: takes portals from Redis one at a time, crawls each with the
spider, page objects and middlewares of ``nianbao crawl``, extracts and parses what it
kept in its own worker processes, and sends the kept bodies, the problems and the
results to the writer through Redis. Between portals it also processes documents queued
by ``nianbao reprocess --redis``.

A worker holds no raw store: ``RemoteRawStore`` answers the middlewares and the keep
pipeline from what the writer publishes (``known``: the validators of every held URL;
stored bodies on request) and sends what they keep to ``results``. A portal's job is
acknowledged only when everything the portal produced (its documents' results and then
its counts) is in ``results``; until then its lease is renewed. A worker killed
mid-portal leaves its job to the next worker once the lease runs out, which crawls the
portal again (held documents are not fetched again, list pages are asked with
conditional requests); the writer processes itself a kept document whose result died
with its worker.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import redis
from scrapy.crawler import CrawlerProcess
from scrapy_redis.spiders import RedisSpider

from archive.distributed.queue import (
    DOCUMENTS,
    KNOWN,
    PORTALS,
    WRITER,
    Job,
    Leases,
    QueueUnavailable,
    Sender,
    ask_blob,
    client_params,
    consumer_name,
    finish,
    take,
)
from archive.inbox import pack_result
from archive.rawstore import Known
from crawler.registry import Portal
from crawler.run import crawl_settings, portal_counts
from crawler.spiders.reports import ReportsSpider
from nianbao_common.clock import utc_now
from nianbao_common.events import log_event
from nianbao_common.ids import sha256_hex
from pipelines.process import DOCUMENT_TIME_LIMIT, ProcessPipeline, ResultCollector, WorkerPool


def portal_from_row(row: dict) -> Portal:
    """A registry row (``Portal.row()``) back as a ``Portal``."""
    return Portal(
        **{
            **row,
            "start_urls": tuple(row["start_urls"].split()),
            "allowed_domains": tuple(row["allowed_domains"].split()),
            "obey_robots": row.get("obey_robots") != "no",
        }
    )


class RemoteRawStore:
    """The raw store as a worker sees it: reads answered by the writer through Redis,
    writes sent to the writer (in order, from the sender's thread)."""

    def __init__(self, client: redis.Redis, sender: Sender):
        self.client = client
        self.sender = sender
        self.runs: dict[str, str] = {}  # portal id → the run its job belongs to
        self.sent: dict[str, Known] = {}  # URLs kept by this worker, not yet in ``known``

    def run_of(self, portal_id: str | None) -> str | None:
        return self.runs.get(portal_id or "")

    def known(self, url: str) -> Known | None:
        if url in self.sent:
            return self.sent[url]
        value = self.client.hget(KNOWN, url)
        if value is None:
            return None
        return Known(url=url, **json.loads(value))

    def put(self, *, url: str, body: bytes, headers: dict | None = None, **meta) -> tuple:
        """Send one kept body; returns (sha256, is_new_version) as ``RawStore.put`` does
        (new: the writer holds other bytes for this URL, or none)."""
        digest = sha256_hex(body)
        before = self.known(url)
        headers = headers or {}
        meta.pop("run_id", None)
        self.sender.send(
            "put",
            {**meta, "url": url, "headers": headers, "run": self.run_of(meta.get("portal_id"))},
            body,
        )
        lower = {k.lower(): v for k, v in headers.items()}
        self.sent[url] = Known(
            url, digest, lower.get("etag"), lower.get("last-modified"), meta.get("status", 200)
        )
        return digest, before is None or before.sha256 != digest

    def touch(self, url: str) -> None:
        self.sender.send("touch", {"url": url})

    def record_problem(self, *, portal_id: str | None = None, run_id=None, **problem) -> None:
        self.sender.send(
            "problem", {**problem, "portal_id": portal_id, "run": self.run_of(portal_id)}
        )

    def record_discovery(self, row: dict, run_id=None) -> None:
        self.sender.send("discovery", {"row": row, "run": self.run_of(row.get("portal_id"))})

    def stored(self, url: str, sha256: str) -> tuple[bytes, dict]:
        """A held body and its headers, from the writer's raw store."""
        return ask_blob(self.client, url, sha256)

    def forget(self, portal_id: str) -> None:
        self.runs.pop(portal_id, None)
        self.sent.clear()


class WorkerResults(ResultCollector):
    """The worker's processing: documents of the portal being crawled and documents to
    reprocess share the worker processes; each result goes to the writer as it comes,
    and a portal is reported done once its last document's result is sent."""

    def __init__(self, worker: Worker, workers: int | None, time_limit: int):
        pool = WorkerPool(None, workers, time_limit)
        self.worker = worker
        self.in_flight: dict[str, int] = {}
        self.lock = threading.Lock()
        super().__init__(pool, lambda: self.send_result, backlog=pool.workers * 2)

    def submit(self, fetch: dict, body: bytes | None = None, tag: object = None) -> None:
        if isinstance(tag, str):  # a portal's document
            with self.lock:
                self.in_flight[tag] = self.in_flight.get(tag, 0) + 1
        super().submit(fetch, body, tag)

    def send_result(self, result: dict, tag: object) -> None:
        sender = self.worker.sender
        if isinstance(tag, Job):
            sender.send("result", {"run": tag.run}, pack_result(result))
            sender.then(lambda: self.worker.job_done(tag))
            return
        sender.send("result", {"run": self.worker.store.run_of(tag)}, pack_result(result))
        with self.lock:
            self.in_flight[tag] -= 1
        self.worker.maybe_portal_done(tag)

    def idle(self, portal_id: str) -> bool:
        with self.lock:
            return not self.in_flight.get(portal_id)


class Worker:
    """One ``nianbao worker`` process: its name, its Redis client, the sender, the
    leases it holds and its worker processes."""

    def __init__(self, client: redis.Redis, workers: int | None, time_limit: int, follow: bool):
        self.client = client
        self.name = consumer_name()
        self.follow = follow
        self.sender = Sender(client, self.name)
        self.leases = Leases(client, self.name)
        self.store = RemoteRawStore(client, self.sender)
        self.results = WorkerResults(self, workers, time_limit)
        self.crawled: dict[str, tuple[Job, dict]] = {}  # portal id → its job and counts
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.documents = threading.Thread(target=self.process_documents, name="documents")

    def writer_ready(self) -> bool:
        return bool(self.client.exists(WRITER))

    def portal_taken(self, job: Job, portal: Portal) -> None:
        self.leases.hold(job)
        self.store.runs[portal.id] = job.run

    def portal_crawled(self, job: Job, counts: dict) -> None:
        """The spider is done with the portal; it is done once its results are sent."""
        with self.lock:
            self.crawled[job.body["portal"]["id"]] = (job, counts)
        self.maybe_portal_done(job.body["portal"]["id"])

    def maybe_portal_done(self, portal_id: str) -> None:
        with self.lock:
            if portal_id not in self.crawled or not self.results.idle(portal_id):
                return
            job, counts = self.crawled.pop(portal_id)
        self.sender.send("portal", {"run": job.run, "portal": job.body["portal"], **counts})
        self.sender.then(lambda: self.job_done(job))
        log_event("portal", run=job.run, portal=portal_id, worker=self.name, **counts)

    def job_done(self, job: Job) -> None:
        """Runs in the sender's thread, after everything the job produced was sent."""
        finish(self.client, job.stream, job.id)
        self.leases.release(job)
        if job.stream == PORTALS:
            self.store.forget(job.body["portal"]["id"])

    def process_documents(self) -> None:
        """Documents queued by ``nianbao reprocess --redis``, while there are any (or
        for ever, with ``--follow``), read from the writer's raw store."""
        while not self.stopping.is_set():
            self.results.reserve()
            job = take(self.client, DOCUMENTS, self.name) if self.writer_ready() else None
            if job is None:
                self.results.places.release()
                if not self.follow and not self.client.xlen(DOCUMENTS):
                    return
                self.stopping.wait(1)
                continue
            self.leases.hold(job)
            fetch = job.body["fetch"]
            body, _ = ask_blob(self.client, fetch["url"], fetch["sha256"])
            self.results.submit(fetch, body, job)

    def close(self, finished: bool) -> None:
        """Wait for the documents still queued (``finished``: the crawl ended because no
        portal was left; otherwise it was stopped and so is everything else)."""
        if not finished:
            self.stopping.set()
        if self.documents.is_alive():
            self.documents.join()
        self.results.close()
        self.sender.close()
        self.leases.stop()


class SendResults(ProcessPipeline):
    """``ProcessPipeline`` of a worker: the bodies go to the worker processes with the
    documents, the results to the writer (``Worker.results``)."""

    def open_collector(self) -> ResultCollector:
        return self.crawler.spider.worker.results

    def body_for(self, item) -> bytes:
        return item.body

    async def close_spider(self) -> None:
        """The worker closes its processing itself, after the documents thread."""


class QueuedReportsSpider(RedisSpider, ReportsSpider):
    """``ReportsSpider`` fed by the portal queue as scrapy-redis's ``RedisSpider`` is:
    each time the spider runs out of requests, the portal it crawled is handed over and
    the next one is taken (one at a time: ``redis_batch_size`` 1). It closes when no
    portal job is left anywhere (``count_size``: the jobs not yet done, so it keeps
    waiting while another worker's portal might come back), never with ``--follow``."""

    redis_key = PORTALS
    redis_batch_size = 1

    def __init__(self, worker: Worker, **kwargs):
        super().__init__(portals=[], **kwargs)
        self.worker = worker
        self.max_idle_time = 0 if worker.follow else 1
        self.current: tuple[Job, Portal, dict] | None = None

    async def start(self):
        """No start requests: the first ``spider_idle`` takes the first portal."""
        return
        yield

    def setup_redis(self, crawler=None) -> None:
        super().setup_redis(crawler)
        self.fetch_data = self.take_portal
        self.count_size = lambda key: self.server.xlen(key)

    def take_portal(self, key: str, batch_size: int) -> list[Job]:
        if self.current is not None or not self.worker.writer_ready():
            return []
        job = take(self.server, key, self.worker.name)
        return [job] if job else []

    def make_request_from_data(self, job: Job) -> list:
        portal = portal_from_row(job.body["portal"])
        self.portals[portal.id] = portal
        self.worker.portal_taken(job, portal)
        self.current = (job, portal, self.network_totals())
        log_event("portal_start", run=job.run, portal=portal.id, worker=self.worker.name)
        return list(self.portal_requests(portal))

    def network_totals(self) -> dict:
        stats = self.crawler.stats
        return {
            "requests": stats.get_value("downloader/request_count", 0),
            "bytes": stats.get_value("downloader/response_bytes", 0),
        }

    def spider_idle(self):
        if self.current is not None:
            job, portal, before = self.current
            self.current = None
            counts = portal_counts(self.crawler.stats.get_stats(), [portal])[portal.id]
            now = self.network_totals()
            self.worker.portal_crawled(
                job,
                {
                    "outcome": counts["outcome"],
                    "requests": counts["requests"],
                    "documents": counts["documents"],
                    "errors": counts["errors"],
                    "errors_by_kind": counts["errors_by_kind"],
                    "network_requests": now["requests"] - before["requests"],
                    "bytes": now["bytes"] - before["bytes"],
                    "finished_at": utc_now(),
                },
            )
            del self.portals[portal.id]
        return super().spider_idle()


def worker_settings(
    url: str,
    *,
    workers: int | None,
    allow_private_hosts: bool,
    time_limit: int,
    log_level: str,
    settings: dict,
):
    """The settings of ``nianbao crawl`` (polite by default, ``--set`` on top), with the
    worker's pipeline and no request cap (a worker may run for ever)."""
    return crawl_settings(
        Path("."),
        run_id="",
        allow_private_hosts=allow_private_hosts,
        extra_settings={
            "ITEM_PIPELINES": {
                "pipelines.process.ProcessPipeline": None,
                "archive.distributed.worker.SendResults": 200,
            },
            "NIANBAO_WORKERS": workers or 0,
            "NIANBAO_TIME_LIMIT": time_limit,
            "NIANBAO_MAX_REQUESTS": 0,
            "REDIS_URL": url,
            "REDIS_PARAMS": client_params(),
            "LOG_LEVEL": log_level,
            **settings,
        },
    )


def run_worker(
    client: redis.Redis,
    url: str,
    *,
    workers: int | None = None,
    follow: bool = False,
    allow_private_hosts: bool = False,
    time_limit: int = DOCUMENT_TIME_LIMIT,
    log_level: str = "ERROR",
    settings: dict | None = None,
) -> None:
    """Work until no job is left (or for ever with ``follow``). Raises
    ``QueueUnavailable`` when Redis went away for longer than a restart takes."""
    from pipelines.keep import use_raw_store

    worker = Worker(client, workers, time_limit, follow)
    log_event("worker_start", worker=worker.name, redis=url)
    process = CrawlerProcess(
        worker_settings(
            url,
            workers=workers,
            allow_private_hosts=allow_private_hosts,
            time_limit=time_limit,
            log_level=log_level,
            settings=settings or {},
        ),
    )
    crawler = process.create_crawler(QueuedReportsSpider)
    use_raw_store(crawler, worker.store)
    process.crawl(crawler, worker=worker)
    worker.documents.start()
    started = time.monotonic()
    try:
        process.start()
    finally:
        reason = crawler.stats.get_value("finish_reason")
        worker.close(finished=reason == "finished")
    log_event("worker_end", worker=worker.name, seconds=round(time.monotonic() - started, 1))
    if reason != "finished":
        raise QueueUnavailable(f"the crawl stopped: {reason}")
