"""The nightly job: crawl the registry's portals, process what was kept, publish the
archive, and record the run.

Every run has a ``crawl_runs`` row in raw.db from its first second (status ``running``)
to its end (``ok``, ``partial``, ``failed`` or ``interrupted``), and one ``portal_runs``
row per portal; the archive gets copies of both. One run at a time per data directory
(``DATA/crawl.lock``); a run that finds an earlier one still ``running`` without the
lock held marks it ``killed``.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from archive import ARCHIVE_FILE, RAW_FILE
from archive.rawstore import RawStore
from nianbao_common.clock import utc_now
from nianbao_common.events import PROGRESS, log_event
from pipelines.process import DOCUMENT_TIME_LIMIT, process_pending, write_results

LOCK_FILE = "crawl.lock"
FAILED, PARTIAL, OK, INTERRUPTED = "failed", "partial", "ok", "interrupted"


@dataclass
class RunSummary:
    run_id: str
    started_at: str
    finished_at: str = ""
    status: str = "running"
    portals: int = 0
    requests: int = 0
    new_documents: int = 0
    new_versions: int = 0
    new_reports: int = 0
    bytes: int = 0
    errors: int = 0
    errors_by_kind: dict[str, int] = field(default_factory=dict)
    reason: str = ""
    job: str = ""

    @property
    def failed(self) -> bool:
        return self.status == FAILED

    def line(self) -> str:
        errors = ", ".join(f"{k} {v}" for k, v in sorted(self.errors_by_kind.items())) or "none"
        return (
            f"run {self.run_id} {self.status}: {self.portals} portals, {self.requests} requests, "
            f"{self.new_documents} new documents ({self.new_versions} new versions), "
            f"{self.new_reports} new reports, {self.bytes} bytes; errors: {errors}"
        )

    def row(self) -> dict:
        row = asdict(self)
        row["id"] = row.pop("run_id")
        row["errors_by_kind"] = json.dumps(self.errors_by_kind, ensure_ascii=False)
        return row

    def log_end(self, **extra) -> None:
        """The ``run_end`` event line: the run record (and ``extra`` fields)."""
        log_event(
            "run_end",
            run=self.run_id,
            status=self.status,
            reason=self.reason,
            portals=self.portals,
            requests=self.requests,
            new_documents=self.new_documents,
            new_versions=self.new_versions,
            new_reports=self.new_reports,
            bytes=self.bytes,
            errors=self.errors,
            errors_by_kind=self.errors_by_kind,
            **extra,
        )

    def add_errors(self, errors: dict[str, int], prefix: str = "") -> None:
        for kind, count in errors.items():
            key = prefix + kind
            self.errors_by_kind[key] = self.errors_by_kind.get(key, 0) + count
        self.errors = sum(self.errors_by_kind.values())


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def select_portals(registry: Path | None, portal_ids: set[str]) -> list:
    from crawler.registry import BUNDLED_REGISTRY, load_registry

    portals = load_registry(registry or BUNDLED_REGISTRY)
    if portal_ids:
        unknown = portal_ids - {p.id for p in portals}
        if unknown:
            raise ValueError(f"unknown portal id(s): {', '.join(sorted(unknown))}")
        portals = [p for p in portals if p.id in portal_ids]
    if not portals:
        raise ValueError("the registry has no portals to crawl")
    return portals


def count_reports(data_dir: Path) -> int:
    """Reports in the live archive (0 when there is none yet, or it cannot be read: the
    run then fails when it writes the archive)."""
    path = data_dir / ARCHIVE_FILE
    if not path.is_file():
        return 0
    try:
        connection = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
        try:
            return connection.execute("SELECT count(*) FROM reports").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.Error:
        return 0


def extraction_errors(archive: sqlite_utils.Database, store: RawStore, run_id: str) -> dict:
    """Documents first kept in this run that could not be extracted, by error kind."""
    kept = {
        row["id"] for row in store.db.query("SELECT id FROM fetches WHERE run_id = ?", [run_id])
    }
    errors: dict[str, int] = {}
    for row in archive.query("SELECT id, error_kind FROM documents WHERE error_kind IS NOT NULL"):
        if row["id"] in kept:
            errors[row["error_kind"]] = errors.get(row["error_kind"], 0) + 1
    return errors


class RunLocked(RuntimeError):
    """Another run holds the data directory."""


@contextmanager
def run_lock(data_dir: Path) -> Iterator[None]:
    """Hold ``DATA/crawl.lock`` for the run (released by the kernel if we are killed)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise RunLocked(f"another run is using {data_dir} ({LOCK_FILE} is held)") from error
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)


def mark_killed_runs(store: RawStore) -> None:
    """Runs still ``running`` when no run holds the lock were killed mid-way."""
    with store.db.conn:
        store.db.execute(
            "update crawl_runs set status = 'killed', reason = ? where status = 'running'",
            ["the process ended before the run finished (killed or crashed)"],
        )


def crawl_status(crawl: dict) -> tuple[str, str]:
    """The crawl's status and, when not ``ok``, why. A run failed as a whole when no
    portal answered at all."""
    outcomes = crawl.get("portals", {})
    if crawl.get("finish_reason") == "shutdown":
        return INTERRUPTED, "stopped by a signal; the next run resumes"
    if outcomes and not any(outcome == "ok" for outcome in outcomes.values()):
        return FAILED, "no portal could be crawled"
    not_ok = sorted(p for p, outcome in outcomes.items() if outcome != "ok")
    if not_ok:
        return PARTIAL, f"{len(not_ok)} of {len(outcomes)} portals did not answer"
    if crawl.get("finish_reason") not in (None, "finished"):
        return PARTIAL, f"the crawl stopped early: {crawl['finish_reason']}"
    return OK, ""


def run_nightly(
    data_dir: Path,
    portals: list,
    *,
    years: set[int] | None = None,
    allow_private_hosts: bool = False,
    workers: int | None = None,
    max_requests: int | None = None,
    polite: bool = True,
    log_level: str = "INFO",
    settings: dict | None = None,
    time_limit: int = DOCUMENT_TIME_LIMIT,
) -> RunSummary:
    """One whole run over ``portals`` (``crawler.registry.Portal``). The crawl runs
    Scrapy in this process, so call it once per process. ``settings``: Scrapy settings
    that override the project's (``nianbao crawl --set``). Raises ``RunLocked`` when
    another run holds the data directory."""
    with run_lock(data_dir):
        return _run(
            data_dir,
            portals,
            years=years,
            allow_private_hosts=allow_private_hosts,
            workers=workers,
            max_requests=max_requests,
            polite=polite,
            log_level=log_level,
            settings=settings or {},
            time_limit=time_limit,
        )


def _run(
    data_dir: Path, portals: list, *, settings: dict, time_limit: int, **options
) -> RunSummary:
    from crawler.run import run_crawl

    store = RawStore(data_dir / RAW_FILE)
    mark_killed_runs(store)
    summary = RunSummary(run_id=new_run_id(), started_at=utc_now(), portals=len(portals))
    store.db["crawl_runs"].upsert(summary.row(), pk="id")
    log_event("run_start", run=summary.run_id, portals=len(portals), data=str(data_dir))
    reports_before = count_reports(data_dir)
    portal_rows = [p.row() for p in portals]
    extra = {
        "ITEM_PIPELINES": {"pipelines.process.ProcessPipeline": 200},
        "NIANBAO_WORKERS": options["workers"] or 0,
        "NIANBAO_PORTALS": portal_rows,
        "NIANBAO_TIME_LIMIT": time_limit,
        "LOG_LEVEL": options["log_level"],
        **({"NIANBAO_MAX_REQUESTS": options["max_requests"]} if options["max_requests"] else {}),
        **settings,
    }
    crawl = run_crawl(
        portals,
        data_dir,
        run_id=summary.run_id,
        years=options["years"],
        allow_private_hosts=options["allow_private_hosts"],
        polite=options["polite"],
        extra_settings=extra,
    )
    summary.requests = crawl.get("requests", 0)
    summary.bytes = crawl.get("bytes", 0)
    summary.new_documents = crawl.get("new_documents", 0)
    summary.new_versions = crawl.get("new_versions", 0)
    summary.job = crawl.get("job", "")
    summary.add_errors(crawl.get("errors_by_kind", {}))
    summary.status, summary.reason = crawl_status(crawl)
    store.db["crawl_runs"].upsert(summary.row(), pk="id")

    def finish(archive: sqlite_utils.Database) -> None:
        """The run's final record, written into raw.db and published with the archive."""
        summary.add_errors(extraction_errors(archive, store, summary.run_id), prefix="extract_")
        summary.new_reports = archive["reports"].count - reports_before
        summary.finished_at = utc_now()
        store.db["crawl_runs"].upsert(summary.row(), pk="id")

    try:
        if summary.status == INTERRUPTED:  # the next run catches up on what was kept
            write_results(data_dir, [], finish=finish)
        else:
            process_pending(
                data_dir,
                workers=options["workers"],
                portals=portal_rows,
                time_limit=time_limit,
                finish=finish,
            )
    except Exception as error:  # a disk full, a read-only directory: the run failed
        summary.status = FAILED
        summary.reason = f"the archive could not be written: {type(error).__name__}: {error}"
        summary.finished_at = utc_now()
        store.db["crawl_runs"].upsert(summary.row(), pk="id")
    PROGRESS.done()
    summary.log_end(job=summary.job)
    return summary
