"""``nianbao write``: the one process that writes the raw store and the archive of a
data directory when workers crawl and process on other machines.

It takes the entries of ``results`` with a consumer group and acknowledges (and
deletes) each only after what it says is committed: kept bodies, checks and problems
to ``raw.db``, processed documents and each portal's counts to the inbox
(``archive.inbox``). Killed at any point, it reads its unacknowledged entries again on
restart and applies them again, which changes nothing (every write is an upsert by a
deterministic id). Meanwhile it keeps ``known`` (what the raw store holds, for the
workers' conditional requests) and answers the workers' requests for stored bodies.

When a run has no job left and every result is applied, the writer publishes the archive
once, atomically, as ``nianbao crawl`` does (``pipelines.process.process_pending``: the
inbox, plus any kept document whose result died with its worker, processed here), with
the run's record: ``crawl_runs`` (the workers that took part in ``workers``) and
``portal_runs`` (each portal's outcome, counts and ``worker``). A reprocess run publishes
the same way and leaves its summary for ``nianbao reprocess --redis``.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import redis

from archive import ARCHIVE_FILE, RAW_FILE
from archive.distributed.queue import (
    BLOBS,
    DOCUMENTS,
    DONE,
    FEEDING,
    KNOWN,
    PORTALS,
    QUEUED,
    REPROCESS,
    RESULTS,
    RUN,
    WRITER,
    WRITER_GROUP,
    answer_blob,
    consumer_name,
    current_run,
    known_value,
)
from archive.inbox import Inbox, unpack_result
from archive.nightly import RunSummary, count_reports, crawl_status, extraction_errors, run_lock
from archive.rawstore import RawStore
from nianbao_common.clock import utc_now
from nianbao_common.events import log_event
from nianbao_common.ids import stable_id
from pipelines.process import DOCUMENT_TIME_LIMIT, process_pending

CONSUMER = "writer"  # one writer: its unacknowledged entries are its own after a restart
BATCH = 100
HEARTBEAT_SECONDS = 2


class Applier:
    """Applies ``results`` entries to the raw store and the inbox (one thread)."""

    def __init__(self, client: redis.Redis, store: RawStore, inbox: Inbox):
        self.client = client
        self.store = store
        self.inbox = inbox

    def apply(self, entries: list[tuple[bytes, dict]]) -> None:
        """Commit what ``entries`` say, publish the new validators, then acknowledge."""
        results, validators = [], {}
        for _, fields in entries:
            kind = fields[b"kind"].decode()
            meta = json.loads(fields[b"meta"])
            if kind == "put":
                self.put(meta, fields[b"body"])
                validators[meta["url"]] = self.store.known(meta["url"])
            elif kind == "touch":
                self.store.touch(meta["url"])
            elif kind == "problem":
                self.store.record_problem(
                    url=meta["url"],
                    kind=meta["kind"],
                    detail=meta.get("detail", ""),
                    portal_id=meta.get("portal_id"),
                    run_id=meta.get("run"),
                )
            elif kind == "discovery":
                self.store.record_discovery(meta["row"], run_id=meta.get("run"))
            elif kind == "result":
                results.append(unpack_result(fields[b"body"]))
            elif kind == "portal":
                self.portal_done(meta)
        if results:
            self.inbox.add(results)
        with self.client.pipeline() as pipe:
            for url, known in validators.items():
                pipe.hset(KNOWN, url, known_value(vars(known)))
            ids = [entry_id for entry_id, _ in entries]
            pipe.xack(RESULTS, WRITER_GROUP, *ids)
            pipe.xdel(RESULTS, *ids)
            pipe.execute()

    def put(self, meta: dict, body: bytes) -> None:
        """``RawStore.put`` with what the worker's store was given (``RemoteRawStore``)."""
        fetched = {k: v for k, v in meta.items() if k not in ("run", "worker")}
        self.store.put(**fetched, body=body, run_id=meta.get("run"))

    def portal_done(self, meta: dict) -> None:
        portal = meta["portal"]
        self.inbox.save_portal_totals(
            meta["run"], portal, {**meta, "requests": meta["network_requests"]}
        )
        with self.store.db.conn:
            self.store.db["portal_runs"].upsert(
                {
                    "id": stable_id(meta["run"], portal["id"]),
                    "run_id": meta["run"],
                    "portal_id": portal["id"],
                    "outcome": meta["outcome"],
                    "requests": meta["requests"],
                    "documents": meta["documents"],
                    "errors": meta["errors"],
                    "errors_by_kind": json.dumps(meta["errors_by_kind"], ensure_ascii=False),
                    "finished_at": meta.get("finished_at"),
                    "worker": meta["worker"],
                },
                pk="id",
            )


def publish_known(client: redis.Redis, store: RawStore) -> int:
    """Copy the validators of every URL the raw store holds into ``known``."""
    count = 0
    pipe = client.pipeline(transaction=False)
    for row in store.db["resources"].rows_where(select="url, sha256, etag, last_modified, status"):
        pipe.hset(KNOWN, row["url"], known_value(row))
        count += 1
        if count % 1000 == 0:
            pipe.execute()
    pipe.execute()
    return count


class Services(threading.Thread):
    """The writer's heartbeat (workers start taking jobs once it is there) and its
    answers to requests for stored bodies, from a read connection of its own."""

    def __init__(self, client: redis.Redis, raw_path: Path):
        super().__init__(name="writer-services", daemon=True)
        self.client = client
        self.raw_path = raw_path
        self.stopped = threading.Event()

    def run(self) -> None:
        store = RawStore(self.raw_path)
        beat = 0.0
        while not self.stopped.is_set():
            try:
                if time.monotonic() - beat > HEARTBEAT_SECONDS:
                    self.client.set(WRITER, consumer_name(), ex=HEARTBEAT_SECONDS * 5)
                    beat = time.monotonic()
                asked = self.client.brpop([BLOBS], timeout=1)
                if asked is not None:
                    answer_blob(self.client, asked[1], store.stored)
            except redis.RedisError:
                self.stopped.wait(1)  # Redis restarting: the main loop decides

    def stop(self) -> None:
        self.stopped.set()
        self.join()
        try:
            self.client.delete(WRITER)
        except redis.RedisError:
            pass


def run_drained(client: redis.Redis) -> dict[str, str] | None:
    """The run in progress if it has nothing left to do (no job, no result waiting, not
    being fed), taken off Redis atomically; None otherwise."""
    with client.pipeline() as pipe:
        try:
            pipe.watch(RUN, PORTALS, DOCUMENTS, RESULTS, FEEDING)
            run = {k.decode(): v.decode() for k, v in pipe.hgetall(RUN).items()}
            busy = pipe.xlen(PORTALS) or pipe.xlen(DOCUMENTS) or pipe.xlen(RESULTS)
            if not run or busy or pipe.exists(FEEDING):
                pipe.unwatch()
                return None
            pipe.multi()
            pipe.delete(RUN, QUEUED)
            pipe.execute()
            return run
        except redis.WatchError:
            return None


def finish_run(
    data_dir: Path, run: dict, store: RawStore, inbox: Inbox, workers: int | None, time_limit: int
) -> dict:
    """Publish the archive of a run that is over, with its record; returns the summary."""
    totals = inbox.portal_totals(run["id"])
    portals = [t["portal"] for t in totals]
    if run["kind"] == REPROCESS:
        summary = process_pending(data_dir, workers=workers, time_limit=time_limit)
        inbox.forget_run(run["id"])
        return {
            "documents": summary.documents,
            "reports": summary.reports,
            "failed": summary.failed,
        }
    record = RunSummary(run_id=run["id"], started_at=run["started_at"], portals=len(totals))
    record.requests = sum(t["requests"] or 0 for t in totals)
    record.bytes = sum(t["bytes"] or 0 for t in totals)
    for total in totals:
        record.add_errors(total["errors_by_kind"])
    record.new_documents, record.new_versions = new_fetches(store, run["id"])
    record.status, record.reason = crawl_status(
        {"portals": {t["portal_id"]: t["outcome"] for t in totals}, "finish_reason": "finished"}
    )
    reports_before = count_reports(data_dir)
    row = {**record.row(), "workers": json.dumps(sorted({t["worker"] for t in totals}))}

    def finish(archive) -> None:
        record.add_errors(extraction_errors(archive, store, record.run_id), prefix="extract_")
        record.new_reports = archive["reports"].count - reports_before
        record.finished_at = utc_now()
        row.update(record.row())
        with store.db.conn:
            store.db["crawl_runs"].upsert(row, pk="id")

    process_pending(
        data_dir, workers=workers, portals=portals, time_limit=time_limit, finish=finish
    )
    inbox.forget_run(run["id"])
    record.log_end(workers=row["workers"])
    return row


def new_fetches(store: RawStore, run_id: str) -> tuple[int, int]:
    """Documents first kept in the run: (new URLs, new versions of known URLs)."""
    new, versions = store.db.execute(
        "SELECT sum(NOT EXISTS (SELECT 1 FROM fetches g WHERE g.url = f.url AND g.id != f.id "
        "  AND g.first_fetched_at <= f.first_fetched_at)), "
        "count(*) FROM fetches f WHERE f.run_id = ? AND f.kind != 'list'",
        [run_id],
    ).fetchone()
    return new or 0, (versions or 0) - (new or 0)


def start_run_record(store: RawStore, run: dict) -> None:
    """The run's ``crawl_runs`` row, ``running``, from the moment the writer sees it."""
    if run.get("kind") == REPROCESS or store.db["crawl_runs"].count_where("id = ?", [run["id"]]):
        return
    record = RunSummary(run_id=run["id"], started_at=run["started_at"])
    with store.db.conn:
        store.db["crawl_runs"].upsert(record.row(), pk="id")
    log_event("run_start", run=run["id"])


def run_writer(
    client: redis.Redis,
    data_dir: Path,
    *,
    until_done: bool = False,
    workers: int | None = None,
    time_limit: int = DOCUMENT_TIME_LIMIT,
) -> None:
    """Apply results and publish runs until stopped (``until_done``: until no run is
    left). Raises ``RunLocked`` when another run holds the data directory and
    ``redis.RedisError`` when Redis went away for longer than a restart takes."""
    with run_lock(data_dir):
        store = RawStore(data_dir / RAW_FILE)
        inbox = Inbox(data_dir)
        known = publish_known(client, store)
        services = Services(client, data_dir / RAW_FILE)
        services.start()
        log_event(
            "writer_start", data=str(data_dir), known=known, archive=str(data_dir / ARCHIVE_FILE)
        )
        applier = Applier(client, store, inbox)
        try:
            backlog = "0"  # first what this writer took before a restart, then new entries
            while True:
                answer = client.xreadgroup(
                    WRITER_GROUP, CONSUMER, {RESULTS: backlog}, count=BATCH, block=1000
                )
                entries = answer[0][1] if answer else []
                if backlog == "0" and not entries:
                    backlog = ">"
                    continue
                if entries:
                    run = current_run(client)
                    if run:
                        start_run_record(store, run)
                    applier.apply(entries)
                    continue
                finished = run_drained(client)
                if finished is not None:
                    summary = finish_run(data_dir, finished, store, inbox, workers, time_limit)
                    client.set(DONE + finished["id"], json.dumps(summary), ex=86400)
                elif until_done and not current_run(client):
                    return
        finally:
            services.stop()
            inbox.close()
