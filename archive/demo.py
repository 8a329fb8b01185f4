"""``nianbao demo``: the whole job offline — the bundled sample portal served on
127.0.0.1, crawled, processed, published with Datasette."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import sqlite_utils

from archive import ARCHIVE_FILE


def progress(stage: str, message: str) -> None:
    print(f"[{stage}] {message}", flush=True)


def archive_contents(data_dir: Path) -> list[dict]:
    db = sqlite_utils.Database(data_dir / ARCHIVE_FILE)
    return list(
        db.query(
            "select r.agency, r.year, r.template, r.failed_checks,"
            " (select count(*) from documents d where d.report_id = r.id) as documents"
            " from reports r order by r.year, r.agency"
        )
    )


def run_demo(data_dir: Path, *, serve: bool = True, port: int = 8001) -> None:
    from archive.nightly import run_nightly
    from crawler.sample_portal import serve_sample_portal

    started = time.monotonic()
    with serve_sample_portal() as portal:
        sites = ", ".join(f"{name} {portal.base_url(name)}" for name in sorted(portal.hosts))
        progress("1/4 sample portal", f"serving {len(portal.hosts)} sites on 127.0.0.1: {sites}")
        portals = portal.portals()
        progress("2/4 crawl", f"crawling {len(portals)} portals into {data_dir}/raw.db …")
        # Our own server on loopback: no need to be polite, and Scrapy's log stays quiet.
        summary = run_nightly(
            data_dir, portals, allow_private_hosts=True, polite=False, log_level="WARNING"
        )
    progress("2/4 crawl", summary.line())
    reports = archive_contents(data_dir)
    progress(
        "3/4 archive",
        f"{len(reports)} reports in {data_dir}/nianbao.db ({time.monotonic() - started:.1f} s)",
    )
    for report in reports:
        progress(
            "3/4 archive",
            f"  {report['year']} {report['agency']} — template {report['template']}, "
            f"{report['documents']} documents, {report['failed_checks']} failed checks",
        )
    if summary.failed:
        print(f"nianbao: the demo crawl failed: {summary.reason}", file=sys.stderr)
        sys.exit(1)
    if not serve:
        return
    from archive.serve import serve as serve_datasette

    progress("4/4 datasette", f"http://127.0.0.1:{port}/ (Ctrl-C to stop)")
    serve_datasette(data_dir, host="127.0.0.1", port=port)
