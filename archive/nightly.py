"""The nightly job: crawl the registry's portals, process what was kept, publish the
archive, and record the run."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from archive.rawstore import RawStore, utc_now
from pipelines.process import RAW_FILE, process_pending, write_results


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

    @property
    def failed(self) -> bool:
        return self.status == "failed"

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
        row.pop("reason")
        return row


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
    import sqlite_utils

    path = data_dir / "nianbao.db"
    if not path.exists():
        return 0
    db = sqlite_utils.Database(path)
    return db["reports"].count if db["reports"].exists() else 0


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
) -> RunSummary:
    """One whole run over ``portals`` (``crawler.registry.Portal``). The crawl runs
    Scrapy in this process, so call it once per process."""
    from crawler.run import run_crawl

    data_dir.mkdir(parents=True, exist_ok=True)
    store = RawStore(data_dir / RAW_FILE)
    summary = RunSummary(run_id=new_run_id(), started_at=utc_now(), portals=len(portals))
    store.db["crawl_runs"].upsert(summary.row(), pk="id")
    reports_before = count_reports(data_dir)
    portal_rows = [p.row() for p in portals]
    extra = {
        "ITEM_PIPELINES": {"pipelines.process.ProcessPipeline": 200},
        "NIANBAO_WORKERS": workers or 0,
        "NIANBAO_PORTALS": portal_rows,
        "LOG_LEVEL": log_level,
    }
    if max_requests:
        extra["NIANBAO_MAX_REQUESTS"] = max_requests
    crawl = run_crawl(
        portals,
        data_dir,
        run_id=summary.run_id,
        years=years,
        allow_private_hosts=allow_private_hosts,
        polite=polite,
        extra_settings=extra,
    )
    summary.requests = crawl.get("requests", 0)
    summary.bytes = crawl.get("bytes", 0)
    summary.new_documents = crawl.get("new_documents", 0)
    summary.new_versions = crawl.get("new_versions", 0)
    summary.errors_by_kind = dict(crawl.get("errors_by_kind", {}))
    summary.errors = sum(summary.errors_by_kind.values())
    summary.finished_at = utc_now()
    summary.status = crawl_status(crawl, len(portals))
    if summary.failed:
        summary.reason = "no portal could be crawled"
    store.db["crawl_runs"].upsert(summary.row(), pk="id")
    processed = process_pending(data_dir, workers=workers, portals=portal_rows)
    for kind, count in processed.errors_by_kind.items():
        key = f"extract_{kind}"
        summary.errors_by_kind[key] = summary.errors_by_kind.get(key, 0) + count
    summary.errors = sum(summary.errors_by_kind.values())
    summary.new_reports = count_reports(data_dir) - reports_before
    summary.finished_at = utc_now()
    store.db["crawl_runs"].upsert(summary.row(), pk="id")
    write_results(data_dir, [])  # publishes the finished run record
    return summary


def crawl_status(crawl: dict, portal_count: int) -> str:
    """A run failed as a whole when no portal answered at all."""
    ok_portals = sum(1 for outcome in crawl.get("portals", {}).values() if outcome == "ok")
    if portal_count and crawl.get("responses", 0) == 0:
        return "failed"
    if ok_portals < portal_count:
        return "partial"
    return "ok"
