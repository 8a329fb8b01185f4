"""A crawl killed halfway (SIGKILL: no chance to clean up; SIGTERM: Scrapy's graceful
stop) and run again ends with exactly the archive of an uninterrupted run: no document
lost, none twice (reports, statistics, checks and documents compared row by row, less
the fetch times)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.fixtures.faulty.cli import (
    ROOT,
    archive_contents,
    crawl_command,
    environment,
    events,
    query,
    run_crawl_cli,
)
from tests.fixtures.faulty.portal import FAULTS, FaultyPortal

pytestmark = pytest.mark.timeout(420)
# One request at a time with a pause, so that a kill lands halfway.
SLOW = {"DOWNLOAD_DELAY": "0.3", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}


def kept_documents(raw: Path) -> int:
    if not raw.exists():
        return 0
    try:
        return query(raw, "SELECT count(*) AS n FROM fetches WHERE kind != 'list'")[0]["n"]
    except sqlite3.Error:  # created but not yet shaped
        return 0


def interrupt_halfway(data: Path, registry: Path, sig: int, at: int) -> subprocess.CompletedProcess:
    """Start a slow crawl and send ``sig`` to its whole process group once ``at``
    documents are kept."""
    process = subprocess.Popen(
        crawl_command(data, registry, "--portal", "faulty-main", settings=SLOW),
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while kept_documents(data / "raw.db") < at and process.poll() is None:
        assert time.monotonic() < deadline, "the crawl kept nothing in 120 s"
        time.sleep(0.05)
    assert process.poll() is None, "the crawl finished before it could be interrupted"
    os.killpg(process.pid, sig)
    stdout, stderr = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    root = tmp_path_factory.mktemp("resume")
    with FaultyPortal(faulty=False, listed_faults=tuple(FAULTS)) as portal:
        registry = portal.registry(root / "registry.csv")
        reference = run_crawl_cli(root / "reference", registry, "--portal", "faulty-main")
        assert reference.returncode == 0, reference.stderr[-3000:]
        yield portal, registry, archive_contents(root / "reference")


def test_the_reference_run_archives_every_document(portal):
    _, _, reference = portal
    assert len(reference["documents"]) == 5 + len(FAULTS) + 4  # pages + attachments
    assert all(d["error_kind"] is None for d in reference["documents"])


def test_sigkill_halfway_then_a_new_run_ends_with_the_same_archive(portal, tmp_path):
    _, registry, reference = portal
    data = tmp_path / "data"
    killed = interrupt_halfway(data, registry, signal.SIGKILL, at=8)
    assert killed.returncode == -signal.SIGKILL
    kept = kept_documents(data / "raw.db")
    assert 8 <= kept < len(reference["documents"])

    again = run_crawl_cli(data, registry, "--portal", "faulty-main")
    assert again.returncode == 0, again.stderr[-3000:]
    assert archive_contents(data) == reference
    run_end = [e for e in events(again.stderr) if e["event"] == "run_end"][0]
    assert run_end["job"] == "discarded"  # the killed run's queue is not trusted
    runs = query(data / "raw.db", "SELECT status FROM crawl_runs ORDER BY started_at")
    assert [r["status"] for r in runs] == ["killed", "ok"]
    assert not (data / "jobs").exists() or not any((data / "jobs").iterdir())


def test_sigterm_halfway_stops_cleanly_and_the_next_run_resumes(portal, tmp_path):
    _, registry, reference = portal
    data = tmp_path / "data"
    stopped = interrupt_halfway(data, registry, signal.SIGTERM, at=8)
    assert stopped.returncode == 1
    assert "interrupted" in stopped.stderr.splitlines()[-1]
    runs = query(data / "raw.db", "SELECT status FROM crawl_runs")
    assert [r["status"] for r in runs] == ["interrupted"]
    kept = kept_documents(data / "raw.db")
    assert kept < len(reference["documents"])

    again = run_crawl_cli(data, registry, "--portal", "faulty-main")
    assert again.returncode == 0, again.stderr[-3000:]
    run_end = [e for e in events(again.stderr) if e["event"] == "run_end"][0]
    assert run_end["job"] == "resumed"
    assert archive_contents(data) == reference
