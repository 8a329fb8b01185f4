"""The raw store of a crawl, with its writes off the Scrapy reactor thread.

``OffThreadRawStore`` reads on the reactor thread (an indexed lookup per request, as
before) and writes from one thread of its own, in the order the writes were asked, on a
connection of its own (a SQLite connection belongs to one thread). ``put`` returns a
``Future`` of ``(sha256, is_new_version)``: the keep pipeline awaits it, so a document
is in ``raw.db`` before anything else is done with it; the middlewares' writes (list
pages, checks, problems) are not waited for. ``close`` waits for the writes asked so
far (the crawl calls it when the spider closes).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from archive.rawstore import Known, RawStore


class OffThreadRawStore:
    def __init__(self, path: Path):
        self.reads = RawStore(path)
        self.path = path
        self._writes = ThreadPoolExecutor(1, "raw-writes", initializer=self._open)
        self._store: RawStore | None = None
        self.failure: BaseException | None = None

    def _open(self) -> None:
        self._store = RawStore(self.path)
        # WAL with synchronous=NORMAL: no fsync per kept document. A power cut can lose
        # the last few commits (never corrupt the store); the next run fetches them again.
        self._store.db.execute("PRAGMA synchronous=NORMAL")

    @property
    def db(self):
        """The reading connection (for what runs after the crawl, on its thread)."""
        return self.reads.db

    def known(self, url: str) -> Known | None:
        return self.reads.known(url)

    def stored(self, url: str, sha256: str) -> tuple[bytes, dict[str, str]]:
        return self.reads.stored(url, sha256)

    def put(self, **fetched) -> Future:
        return self._write(lambda: self._store.put(**fetched))

    def touch(self, url: str) -> None:
        self._write(lambda: self._store.touch(url))

    def record_problem(self, **problem) -> None:
        self._write(lambda: self._store.record_problem(**problem))

    def record_discovery(self, row: dict, run_id: str | None = None) -> None:
        self._write(lambda: self._store.record_discovery(row, run_id))

    def _write(self, write) -> Future:
        future = self._writes.submit(write)
        future.add_done_callback(self._note_failure)
        return future

    def _note_failure(self, future: Future) -> None:
        if future.exception() is not None and self.failure is None:
            self.failure = future.exception()

    def close(self) -> None:
        """Wait for every write asked so far; a write that failed raises here."""
        self._writes.shutdown(wait=True)
        if self.failure is not None:
            raise self.failure
