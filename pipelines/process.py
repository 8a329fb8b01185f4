"""Processing: a kept raw document → extracted document → parsed report → archive.

Extraction and parsing run in worker processes (never on the crawler's reactor thread),
each document under a time limit; the archive has one writer, the calling process, which
writes to a staged copy of ``nianbao.db`` and publishes it atomically.

Used four ways: by the crawl (``ProcessPipeline`` submits each newly kept document as it
arrives and commits each result to the inbox, ``archive.inbox``, as it comes back, so no
result waits in memory for the end of the crawl), after a crawl (``process_pending``
publishes the inbox and catches up on anything not yet processed, e.g. after a killed
run), by ``nianbao reprocess`` (every stored document again) and by ``nianbao worker``
(``archive.distributed``: the same pipeline, results sent to the writer through Redis).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

import sqlite_utils

from archive import ARCHIVE_FILE, RAW_FILE
from archive.children import exit_with_parent
from archive.inbox import Inbox
from archive.rawstore import RawStore
from nianbao_common.events import PROGRESS

DOCUMENT_TIME_LIMIT = 120  # seconds per document, extraction + parse
# Documents submitted and not yet written, during a crawl: each is a row of the raw store
# (about 1 KB; the worker reads the body itself), so the crawl never waits on extraction.
CRAWL_BACKLOG = 10_000


def default_workers() -> int:
    """During a crawl: every core but one, which Scrapy's reactor needs."""
    return max(1, (os.cpu_count() or 2) - 1)


def all_cores() -> int:
    """When nothing else runs (``nianbao reprocess``): every core."""
    return os.cpu_count() or 1


def document_hints(fetch: dict) -> dict:
    """What the page that linked a document says about it; the parser prefers it."""
    hints = {}
    if fetch.get("link_title"):
        hints["title"] = fetch["link_title"]
    if fetch.get("link_date"):
        hints["published"] = fetch["link_date"]
    return hints


class _Deadline:
    """The per-document time limit: SIGALRM raises ``ExtractionTimeout`` where the
    worker is. A library may catch and wrap it (pdfplumber turns it into a "cannot be
    read" error), so whether the limit passed is also remembered here."""

    def __init__(self, limit: int):
        self.limit = limit
        self.expired = False

    def __call__(self, signum, frame):  # noqa: ARG002 — signal handler signature
        from pipelines.extract.document import ExtractionTimeout

        self.expired = True
        raise ExtractionTimeout(self.message)

    @property
    def message(self) -> str:
        return f"extraction and parsing took more than {self.limit} s"


def process_document(fetch: dict, body: bytes, time_limit: int = DOCUMENT_TIME_LIMIT) -> dict:
    """Extract and parse one kept document. Runs in a worker process; returns the
    archive's document row and the parsed form (None when extraction failed)."""
    from pipelines.extract import extract
    from pipelines.extract.document import ExtractionError
    from pipelines.parse import parse_document

    headers = json.loads(fetch.get("headers") or "{}")
    document = {
        "id": fetch["id"],
        "url": fetch["url"],
        "sha256": fetch["sha256"],
        "size": fetch.get("size") or len(body),
        "content_type": fetch.get("content_type"),
        "fetched_at": fetch.get("first_fetched_at") or fetch.get("last_fetched_at"),
        "referer": fetch.get("referer"),
        "portal_id": fetch.get("portal_id"),
        "kind": fetch.get("kind"),
        "link_title": fetch.get("link_title"),
        "link_date": fetch.get("link_date"),
        "warnings": [],
    }
    use_alarm = hasattr(signal, "SIGALRM") and time_limit > 0
    deadline = _Deadline(time_limit)
    if use_alarm:
        previous = signal.signal(signal.SIGALRM, deadline)
        signal.alarm(time_limit)
    try:
        extracted = extract(
            body, content_type=fetch.get("content_type"), url=fetch["url"], headers=headers
        )
        parsed = parse_document(extracted, hints=document_hints(fetch))
    except Exception as error:  # bad input, or a parser bug: recorded, never fatal
        if deadline.expired:
            document.update(error_kind="timeout", error=deadline.message)
        elif isinstance(error, ExtractionError):
            document.update(error_kind=error.kind, error=str(error))
        else:
            document.update(error_kind="internal", error=f"{type(error).__name__}: {error}")
        return {"document": document, "parsed": None}
    finally:
        if use_alarm:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
    document.update(
        format=extracted.method.split(":", 1)[0] if extracted.method else None,
        extraction_method=extracted.method,
        page_count=extracted.page_count,
        ocr=extracted.ocr,
        warnings=list(extracted.warnings),
        text=extracted.text(),
    )
    return {"document": document, "parsed": parsed}


_worker_store: RawStore | None = None


def _start_worker(raw_path: str | None, parent: int) -> None:
    """Worker initialiser: lower priority than the crawl (which waits on the network
    and must not wait on us), one read connection to the raw store (none when the
    bodies come with the documents, as in ``nianbao worker``), and an end when the
    parent process ``parent`` is gone, however it went."""
    global _worker_store
    os.nice(5)
    exit_with_parent(parent)
    # Ctrl-C and a service stop reach the whole process group: the parent stops the
    # workers itself, once the documents in flight are done.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _worker_store = RawStore(raw_path) if raw_path else None


def process_stored_document(fetch: dict, time_limit: int = DOCUMENT_TIME_LIMIT) -> dict:
    """``process_document`` on a body read from the raw store in the worker itself, so
    the bytes never cross the process boundary (nor the reactor thread)."""
    return process_document(fetch, _worker_store.body(fetch["sha256"]), time_limit)


@dataclass
class ProcessSummary:
    documents: int = 0
    reports: int = 0
    failed: int = 0
    errors_by_kind: dict[str, int] = field(default_factory=dict)

    def count(self, result: dict) -> None:
        self.documents += 1
        kind = result["document"].get("error_kind")
        if kind:
            self.failed += 1
            self.errors_by_kind[kind] = self.errors_by_kind.get(kind, 0) + 1
        elif result["parsed"] and result["parsed"].get("is_report"):
            self.reports += 1


def _no_answer(fetch: dict, kind: str, error: str) -> dict:
    document = {
        "id": fetch["id"],
        "url": fetch["url"],
        "sha256": fetch["sha256"],
        "portal_id": fetch.get("portal_id"),
        "kind": fetch.get("kind"),
        "error_kind": kind,
        "error": error,
        "warnings": [],
    }
    return {"document": document, "parsed": None}


class WorkerPool:
    """Worker processes for ``process_document``; a worker that hangs past the limit
    (in C code the alarm cannot interrupt) is replaced and the document recorded.
    Replacing the pool kills its other workers too: the documents they held are
    submitted again to the new pool, not recorded as failed. ``raw_path``: the raw store
    the workers read bodies from; None when every document is submitted with its body."""

    def __init__(
        self,
        raw_path: Path | None,
        workers: int | None = None,
        time_limit: int = DOCUMENT_TIME_LIMIT,
    ):
        self.raw_path = str(raw_path) if raw_path else None
        self.workers = workers or default_workers()
        self.time_limit = time_limit
        self._generation = 0
        self._born: dict[Future, int] = {}  # the pool generation each future was submitted to
        self._bodies: dict[Future, bytes] = {}  # bodies submitted with their document
        self._strikes: dict[str, int] = {}  # document id → pools it was in when one broke
        self._executor = self._new_executor()

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.workers, initializer=_start_worker, initargs=(self.raw_path, os.getpid())
        )

    def submit(self, fetch: dict, body: bytes | None = None) -> Future:
        """Process one document: ``body``, or the one kept in the raw store (by
        ``fetch["sha256"]``)."""
        if body is None:
            future = self._executor.submit(process_stored_document, fetch, self.time_limit)
        else:
            future = self._executor.submit(process_document, fetch, body, self.time_limit)
            self._bodies[future] = body
        self._born[future] = self._generation
        return future

    def result(self, future: Future, fetch: dict) -> dict:
        limit = self.time_limit + 30
        while True:
            generation = self._born.pop(future, self._generation)
            body = self._bodies.pop(future, None)
            try:
                return future.result(timeout=limit)
            except FutureTimeout:
                self._restart()
                return _no_answer(fetch, "timeout", f"worker gave no answer within {limit:.0f} s")
            except (BrokenProcessPool, CancelledError) as error:
                if generation == self._generation:
                    # A worker died (killed, out of memory): the pool cannot tell whose
                    # document did it, so every document gets one more try; the one that
                    # kills its worker again is recorded.
                    self._restart()
                    strikes = self._strikes.get(fetch["id"], 0) + 1
                    self._strikes[fetch["id"]] = strikes
                    if strikes > 1:
                        return _no_answer(
                            fetch, "worker_crashed", f"the worker process died: {error}"
                        )
                future = self.submit(fetch, body)  # lost with a pool replaced: try again

    def _restart(self) -> None:
        for process in list(getattr(self._executor, "_processes", {}).values()):
            process.kill()
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._generation += 1
        self._executor = self._new_executor()

    def map(self, fetches: Iterable[dict]) -> Iterator[dict]:
        """Process many documents, keeping at most a few per worker in flight."""
        pending: list[tuple[dict, Future]] = []
        for fetch in fetches:
            pending.append((fetch, self.submit(fetch)))
            if len(pending) >= self.workers * 4:
                done_fetch, future = pending.pop(0)
                yield self.result(future, done_fetch)
        for done_fetch, future in pending:
            yield self.result(future, done_fetch)

    def close(self) -> None:
        self._executor.shutdown(wait=True)


def write_results(
    data_dir: Path,
    results: Iterable[dict],
    portals: list[dict] | None = None,
    finish: Callable[[sqlite_utils.Database], None] | None = None,
) -> ProcessSummary:
    """Write processed documents into a staged copy of the archive and publish it.
    ``finish(db)`` runs on the staged archive just before the run records are copied
    into it, so a run's final record is published with the same (single) copy."""
    from archive.publish import staged_archive
    from archive.store import copy_run_records, ensure_db_shape, save_portals, save_result

    summary = ProcessSummary()
    portal_by_id = {p["id"]: p for p in portals or []}
    with staged_archive(data_dir / ARCHIVE_FILE) as db:
        ensure_db_shape(db)
        if portals:
            save_portals(db, portals)
        for result in results:
            summary.count(result)
            document = result["document"]
            save_result(
                db,
                document=document,
                parsed=result["parsed"],
                portal=portal_by_id.get(document.get("portal_id") or ""),
            )
        if finish:
            finish(db)
        raw_path = data_dir / RAW_FILE
        if raw_path.exists():
            copy_run_records(db, raw_path)
    return summary


def fetch_row(item) -> dict:
    """The raw store's row for a kept item (``crawler.items.FetchedDocument``)."""
    from nianbao_common.ids import stable_id

    lower = {k.lower(): v for k, v in item.headers.items()}
    return {
        "id": stable_id(item.url, item.sha256),
        "url": item.url,
        "sha256": item.sha256,
        "size": len(item.body),
        "content_type": lower.get("content-type"),
        "headers": json.dumps(item.headers, ensure_ascii=False),
        "first_fetched_at": item.fetched_at,
        "referer": item.referer,
        "portal_id": item.portal_id,
        "kind": item.kind,
        "link_title": item.link_title,
        "link_date": item.link_date,
    }


class ResultCollector:
    """Hands each document's result to a sink as soon as the pool has it: a thread waits
    for the results in the order the documents were submitted and calls
    ``sink(result, tag)`` (``open_sink()`` runs in that thread first: a SQLite
    connection belongs to the thread that opens it). At most ``backlog`` documents are
    in flight; ``reserve`` waits for a place."""

    def __init__(
        self,
        pool: WorkerPool,
        open_sink: Callable[[], Callable[[dict, object], None]],
        backlog: int,
    ):
        self.pool = pool
        self.places = threading.BoundedSemaphore(backlog)
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.failure: BaseException | None = None
        self.thread = threading.Thread(
            target=self._collect, args=(open_sink,), name="results", daemon=True
        )
        self.thread.start()

    def reserve(self, blocking: bool = True) -> bool:
        """Take a place for one more document (False: none free and not ``blocking``)."""
        return self.places.acquire(blocking)

    def submit(self, fetch: dict, body: bytes | None = None, tag: object = None) -> None:
        """Submit a document that holds a place (``reserve``)."""
        if self.failure is not None:
            raise RuntimeError("the results could not be written") from self.failure
        self.queue.put((fetch, self.pool.submit(fetch, body), tag))

    def _collect(self, open_sink) -> None:
        sink = None
        while (entry := self.queue.get()) is not None:
            fetch, future, tag = entry
            try:
                result = self.pool.result(future, fetch)
                sink = sink or open_sink()
                sink(result, tag)
            except BaseException as error:  # a full disk: reported by submit and close
                self.failure = self.failure or error
            finally:
                self.places.release()

    def close(self) -> None:
        """Wait for every submitted document's result, then stop the pool."""
        self.queue.put(None)
        self.thread.join()
        self.pool.close()
        if self.failure is not None:
            raise RuntimeError("the results could not be written") from self.failure


def inbox_sink(data_dir: Path) -> Callable[[], Callable[[dict, object], None]]:
    """A sink that commits each result to the data directory's inbox."""

    def open_sink() -> Callable[[dict, object], None]:
        inbox = Inbox(data_dir)
        return lambda result, tag: inbox.add([result])

    return open_sink


class ProcessPipeline:
    """Second pipeline stage, after ``KeepRawPipeline``: hands each newly kept document
    to the worker processes as the crawl goes (extraction never runs on the reactor
    thread); each result is committed to the inbox as it comes back (``nianbao crawl``
    publishes the archive from it when the crawl is over).

    Settings: ``NIANBAO_DATA_DIR``, ``NIANBAO_WORKERS``, ``NIANBAO_TIME_LIMIT`` (seconds
    per document). ``nianbao worker`` subclasses it: ``open_collector`` sends results to
    the writer instead, and ``body_for`` hands the body itself to the workers."""

    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.workers = settings.getint("NIANBAO_WORKERS") or None
        self.time_limit = settings.getint("NIANBAO_TIME_LIMIT", DOCUMENT_TIME_LIMIT)
        self.collector: ResultCollector | None = None

    @classmethod
    def from_crawler(cls, crawler) -> ProcessPipeline:
        return cls(crawler)

    def open_collector(self) -> ResultCollector:
        data_dir = Path(self.crawler.settings["NIANBAO_DATA_DIR"])
        pool = WorkerPool(data_dir / RAW_FILE, self.workers, self.time_limit)
        return ResultCollector(pool, inbox_sink(data_dir), CRAWL_BACKLOG)

    def body_for(self, item) -> bytes | None:
        """The body to hand to the workers (None: they read it from the raw store)."""
        return None

    async def process_item(self, item):
        if getattr(item, "sha256", None) and item.is_new_version:
            if self.collector is None:
                self.collector = self.open_collector()
            if not self.collector.reserve(blocking=False):
                from scrapy.utils.defer import maybe_deferred_to_future
                from twisted.internet.threads import deferToThread

                await maybe_deferred_to_future(deferToThread(self.collector.reserve))
            self.collector.submit(fetch_row(item), self.body_for(item), item.portal_id)
        return item

    async def close_spider(self) -> None:
        if self.collector is None:
            return
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet.threads import deferToThread

        await maybe_deferred_to_future(deferToThread(self.collector.close))


def processed_document_ids(data_dir: Path) -> set[str]:
    import sqlite_utils

    path = data_dir / ARCHIVE_FILE
    if not path.exists():
        return set()
    db = sqlite_utils.Database(path)
    if not db["documents"].exists():
        return set()
    return {row["id"] for row in db.query("select id from documents")}


def with_progress(results: Iterable[dict], total: int) -> Iterator[dict]:
    """Pass ``results`` through, showing how far processing is on a terminal."""
    counts = ProcessSummary()
    for result in results:
        counts.count(result)
        PROGRESS.update(
            f"process: {counts.documents}/{total} documents · {counts.reports} reports · "
            f"{counts.failed} failed"
        )
        yield result


def process_pending(
    data_dir: Path,
    *,
    everything: bool = False,
    workers: int | None = None,
    portals: list[dict] | None = None,
    time_limit: int = DOCUMENT_TIME_LIMIT,
    finish: Callable[[sqlite_utils.Database], None] | None = None,
) -> ProcessSummary:
    """Publish the archive with what the inbox holds and every kept document the archive
    does not have yet, processed now (``everything``: all of them again, as ``nianbao
    reprocess`` does; the inbox is then superseded); ``finish``: see ``write_results``.
    Documents are read and results written one at a time: memory does not grow with the
    store."""
    store = RawStore(data_dir / RAW_FILE)
    inbox = Inbox(data_dir)
    if everything:
        kept: Iterable[dict] = ()
        done: set[str] = set()
    else:
        kept = inbox.results()
        done = processed_document_ids(data_dir) | inbox.ids()
    total = sum(
        1
        for (rid,) in store.db.execute("SELECT id FROM fetches WHERE kind != 'list'")
        if rid not in done
    )
    pending = (f for f in store.documents() if f["id"] not in done)
    pool = WorkerPool(data_dir / RAW_FILE, workers, time_limit)
    try:
        results = chain(kept, with_progress(pool.map(pending), total))
        summary = write_results(data_dir, results, portals, finish)
        inbox.clear_results()
        return summary
    finally:
        pool.close()
        inbox.close()
        PROGRESS.done()
