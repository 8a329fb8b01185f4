"""Processing: a kept raw document → extracted document → parsed report → archive.

Extraction and parsing run in worker processes (never on the crawler's reactor thread),
each document under a time limit; the archive has one writer, the calling process, which
writes to a staged copy of ``nianbao.db`` and publishes it atomically.

Used three ways: by the crawl (``ProcessPipeline`` submits each newly kept document as it
arrives), after a crawl (``process_pending`` catches up on anything not yet processed, e.g.
after a killed run) and by ``nianbao reprocess`` (every stored document again).
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from archive import ARCHIVE_FILE, RAW_FILE
from archive.rawstore import RawStore
from nianbao_common.events import PROGRESS

DOCUMENT_TIME_LIMIT = 120  # seconds per document, extraction + parse


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


def _start_worker(raw_path: str) -> None:
    """Worker initialiser: lower priority than the crawl (which waits on the network
    and must not wait on us), and one read connection to the raw store."""
    global _worker_store
    os.nice(5)
    # Ctrl-C and a service stop reach the whole process group: the parent stops the
    # workers itself, once the documents in flight are done.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _worker_store = RawStore(raw_path)


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
    submitted again to the new pool, not recorded as failed."""

    def __init__(
        self, raw_path: Path, workers: int | None = None, time_limit: int = DOCUMENT_TIME_LIMIT
    ):
        self.raw_path = str(raw_path)
        self.workers = workers or default_workers()
        self.time_limit = time_limit
        self._generation = 0
        self._born: dict[Future, int] = {}  # the pool generation each future was submitted to
        self._strikes: dict[str, int] = {}  # document id → pools it was in when one broke
        self._executor = self._new_executor()

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.workers, initializer=_start_worker, initargs=(self.raw_path,)
        )

    def submit(self, fetch: dict) -> Future:
        """Process one document kept in the raw store (by ``fetch["sha256"]``)."""
        future = self._executor.submit(process_stored_document, fetch, self.time_limit)
        self._born[future] = self._generation
        return future

    def result(self, future: Future, fetch: dict) -> dict:
        limit = self.time_limit + 30
        while True:
            generation = self._born.pop(future, self._generation)
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
                future = self.submit(fetch)  # lost with a pool replaced: try again

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


class ProcessPipeline:
    """Second pipeline stage, after ``KeepRawPipeline``: hands each newly kept document
    to the worker processes as the crawl goes (extraction never runs on the reactor
    thread) and writes the archive, in a thread, when the spider closes.

    Settings: ``NIANBAO_DATA_DIR``, ``NIANBAO_WORKERS``, ``NIANBAO_PORTALS`` (registry rows
    saved with the archive), ``NIANBAO_TIME_LIMIT`` (seconds per document)."""

    def __init__(
        self,
        data_dir: Path,
        workers: int | None,
        portals: list[dict],
        time_limit: int = DOCUMENT_TIME_LIMIT,
    ):
        self.data_dir = data_dir
        self.workers = workers
        self.portals = portals
        self.time_limit = time_limit
        self.pool: WorkerPool | None = None
        self.in_flight: list[tuple[dict, Future]] = []

    @classmethod
    def from_crawler(cls, crawler) -> ProcessPipeline:
        settings = crawler.settings
        return cls(
            Path(settings["NIANBAO_DATA_DIR"]),
            settings.getint("NIANBAO_WORKERS") or None,
            settings.getlist("NIANBAO_PORTALS"),
            settings.getint("NIANBAO_TIME_LIMIT", DOCUMENT_TIME_LIMIT),
        )

    def process_item(self, item):
        if getattr(item, "sha256", None) and item.is_new_version:
            if self.pool is None:
                self.pool = WorkerPool(self.data_dir / RAW_FILE, self.workers, self.time_limit)
            fetch = fetch_row(item)
            self.in_flight.append((fetch, self.pool.submit(fetch)))
        return item

    async def close_spider(self) -> None:
        if self.pool is None:
            return
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet.threads import deferToThread

        await maybe_deferred_to_future(deferToThread(self._collect_and_write))

    def _collect_and_write(self) -> None:
        pool = self.pool
        results = [pool.result(future, fetch) for fetch, future in self.in_flight]
        pool.close()
        write_results(self.data_dir, results, self.portals)


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
    """Process every kept document the archive does not have yet (``everything``: all of
    them again, as ``nianbao reprocess`` does) and publish the archive (``finish``: see
    ``write_results``)."""
    store = RawStore(data_dir / RAW_FILE)
    done = set() if everything else processed_document_ids(data_dir)
    fetches = [f for f in store.documents() if f["id"] not in done]
    pool = WorkerPool(data_dir / RAW_FILE, workers, time_limit)
    try:
        results = with_progress(pool.map(fetches), len(fetches))
        return write_results(data_dir, results, portals, finish)
    finally:
        pool.close()
        PROGRESS.done()
