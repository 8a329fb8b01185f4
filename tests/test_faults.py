"""Fault injection: ``nianbao crawl`` against a portal on 127.0.0.1 that misbehaves on
purpose (tests/fixtures/faulty/portal.py). For each fault: the run completes, the fault
is recorded with the right kind against its document, what was archived before is
intact, and a run after the server recovers picks up what was missed.

The sequence runs once per module: a healthy crawl (the baseline), a crawl with every
fault on, a crawl after recovery. A second sequence kills the server mid-run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.fixtures.faulty.cli import archive_contents, events, query, run_crawl_cli
from tests.fixtures.faulty.portal import (
    ATTACHMENT_FAULTS,
    FAULTS,
    HEALTHY,
    FaultyPortal,
    attachment_path,
    page_path,
)

pytestmark = pytest.mark.timeout(420)
NETWORK_FAULTS = sorted(name for name, (_, _, where) in FAULTS.items() if where == "problems")
CONTENT_FAULTS = sorted(name for name, (_, _, where) in FAULTS.items() if where == "documents")


def fault_url(portal: FaultyPortal, name: str) -> str:
    path = attachment_path(name) if name in ATTACHMENT_FAULTS else page_path(name)
    return portal.base_url() + path


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults")
    data = root / "data"
    with FaultyPortal(faulty=False) as portal:
        registry = portal.registry(root / "registry.csv")
        healthy = run_crawl_cli(data, registry, "--portal", "faulty-main")
        assert healthy.returncode == 0, healthy.stderr[-3000:]
        baseline = archive_contents(data)

        portal.faulty, portal.listed_faults = True, tuple(FAULTS)
        faulty = run_crawl_cli(data, registry)
        after_faults = archive_contents(data)
        problems = query(data / "raw.db", "SELECT * FROM problems")
        kept = query(data / "raw.db", "SELECT url, kind FROM fetches WHERE kind != 'list'")
        shutil.copytree(data, root / "after-faults")

        portal.faulty = False
        recovered = run_crawl_cli(data, registry, "--portal", "faulty-main")
        yield {
            "portal": portal,
            "data": data,
            "baseline": baseline,
            "faulty": faulty,
            "after_faults": after_faults,
            "problems": problems,
            "kept": kept,
            "recovered": recovered,
            "after_recovery": archive_contents(data),
        }


def test_the_faulty_run_completes_and_exits_zero(runs):
    faulty = runs["faulty"]
    assert faulty.returncode == 0, faulty.stderr[-3000:]
    run_end = [e for e in events(faulty.stderr) if e["event"] == "run_end"]
    assert len(run_end) == 1 and run_end[0]["status"] == "partial"


@pytest.mark.parametrize("name", NETWORK_FAULTS)
def test_a_network_fault_is_a_problem_of_its_kind_and_nothing_is_kept(runs, name):
    url = fault_url(runs["portal"], name)
    kinds = {p["kind"] for p in runs["problems"] if p["url"] == url}
    assert kinds == {FAULTS[name][1]}, f"{name}: {kinds}"
    assert url not in {row["url"] for row in runs["kept"]}, f"{name} was kept"
    logged = [e for e in events(runs["faulty"].stderr) if e["event"] == "problem"]
    assert any(e["url"] == url and e["kind"] == FAULTS[name][1] for e in logged)


@pytest.mark.parametrize("name", CONTENT_FAULTS)
def test_a_bad_document_is_kept_and_its_error_recorded_against_it(runs, name):
    url = fault_url(runs["portal"], name)
    assert url in {row["url"] for row in runs["kept"]}
    documents = [d for d in runs["after_faults"]["documents"] if d["url"] == url]
    assert len(documents) == 1
    document = documents[0]
    expected = FAULTS[name][1]
    if expected == "no_report":  # read within the time limit; its junk text is no report
        assert document["error_kind"] is None
        report = document["report_id"]
        assert report is None or document["id"] != _best_document(runs, report)
    else:
        assert document["error_kind"] == expected, document["error"]
        assert document["report_id"] is None


def _best_document(runs, report_id: str) -> str:
    reports = {r["id"]: r for r in runs["after_faults"]["reports"]}
    return reports[report_id]["best_document"]


def test_the_run_record_counts_the_faults(runs):
    rows = query(runs["data"] / "raw.db", "SELECT * FROM crawl_runs ORDER BY started_at")
    assert [row["status"] for row in rows] == ["ok", "partial", "ok"]
    faulty = rows[1]
    assert faulty["finished_at"] >= faulty["started_at"]
    assert faulty["portals"] == 5 and faulty["requests"] > 0 and faulty["bytes"] > 0
    errors = json.loads(faulty["errors_by_kind"])
    for _, kind, where in FAULTS.values():
        if where == "problems":
            assert errors.get(kind), kind
    assert errors["extract_zip_bomb"] == 1 and errors["extract_mislabelled"] == 1
    assert faulty["errors"] == sum(errors.values())


@pytest.mark.parametrize(
    "portal_id, outcome",
    [
        ("faulty-main", "ok"),
        ("faulty-robots", "blocked_by_robots"),
        ("faulty-waf", "waf_challenge"),
        ("faulty-broken", "http_errors"),
        ("faulty-gone", "unreachable"),
    ],
)
def test_each_portal_outcome_is_recorded_and_shown_in_the_archive(runs, portal_id, outcome):
    faulty_run = query(runs["data"] / "raw.db", "SELECT id FROM crawl_runs ORDER BY started_at")[1][
        "id"
    ]
    recorded = query(
        runs["data"] / "raw.db",
        "SELECT outcome FROM portal_runs WHERE run_id = ? AND portal_id = ?",
        (faulty_run, portal_id),
    )
    assert recorded == [{"outcome": outcome}]
    logged = [e for e in events(runs["faulty"].stderr) if e["event"] == "portal"]
    assert {"portal": portal_id, "outcome": outcome} in [
        {"portal": e["portal"], "outcome": e["outcome"]} for e in logged
    ]
    shown = query(
        Path(runs["data"]).parent / "after-faults" / "nianbao.db",
        "SELECT last_outcome, last_crawled FROM portal_status WHERE portal_id = ?",
        (portal_id,),
    )
    assert shown[0]["last_outcome"] == outcome and shown[0]["last_crawled"]


def test_a_waf_challenge_is_never_archived_as_a_report(runs):
    challenge_urls = {fault_url(runs["portal"], name) for name in ("waf", "jsl")}
    archived = {d["url"] for d in runs["after_faults"]["documents"]}
    assert not challenge_urls & archived


def test_everything_archived_before_the_faults_is_intact(runs):
    baseline, after = runs["baseline"], runs["after_faults"]
    for table in ("reports", "statistics", "checks"):
        before_rows = {_key(table, row): row for row in baseline[table]}
        after_rows = {_key(table, row): row for row in after[table]}
        for key, row in before_rows.items():
            assert after_rows.get(key) is not None, f"{table} {key} lost"
            if table != "reports":  # a report gains documents (its count changes)
                assert after_rows[key] == row, f"{table} {key} changed"
    after_documents = {d["id"]: d for d in after["documents"]}
    for document in baseline["documents"]:
        assert after_documents[document["id"]] == document


def _key(table: str, row: dict) -> tuple:
    if table == "reports":
        return (row["id"],)
    if table == "statistics":
        return (row["report_id"], row["table_key"], row["row_key"], row["column_key"])
    return (row["report_id"], row["position"])


@pytest.mark.parametrize("name", NETWORK_FAULTS)
def test_after_recovery_the_missed_documents_are_archived(runs, name):
    assert runs["recovered"].returncode == 0, runs["recovered"].stderr[-3000:]
    url = fault_url(runs["portal"], name)
    if name == "loop":  # recovered, the page no longer redirects
        url = runs["portal"].base_url() + page_path("loop")
    documents = [d for d in runs["after_recovery"]["documents"] if d["url"] == url]
    assert len(documents) == 1, f"{name}: {url} not archived after recovery"
    assert documents[0]["error_kind"] is None
    assert documents[0]["report_id"] is not None


def test_a_run_where_no_portal_answers_fails_with_a_non_zero_exit(runs, tmp_path):
    registry = runs["portal"].registry(tmp_path / "registry.csv")
    result = run_crawl_cli(
        tmp_path / "data", registry, "--portal", "faulty-gone", "--portal", "faulty-waf"
    )
    assert result.returncode == 1
    assert "failed: no portal could be crawled" in result.stderr.splitlines()[-1]
    run_end = [e for e in events(result.stderr) if e["event"] == "run_end"]
    assert run_end[0]["status"] == "failed"


def test_a_run_that_cannot_write_the_archive_fails(runs, tmp_path):
    registry = runs["portal"].registry(tmp_path / "registry.csv")
    (tmp_path / "data" / "nianbao.db").mkdir(parents=True)  # not a file: cannot be replaced
    result = run_crawl_cli(tmp_path / "data", registry, "--portal", "faulty-main")
    assert result.returncode == 1
    assert "the archive could not be written" in result.stderr.splitlines()[-1]
    rows = query(tmp_path / "data" / "raw.db", "SELECT status, reason FROM crawl_runs")
    assert rows[0]["status"] == "failed"


def test_stderr_under_cron_holds_event_lines_only(runs):
    lines = [line for line in runs["recovered"].stderr.splitlines() if line.strip()]
    assert lines and all(line.startswith("ts=") for line in lines), lines[:5]
    assert "\r" not in runs["recovered"].stderr  # no progress display without a TTY
    kinds = [e["event"] for e in events(runs["recovered"].stderr)]
    assert kinds[0] == "run_start" and kinds[-1] == "run_end"


# --- the server dies mid-run --------------------------------------------------------


def test_a_server_dying_mid_run_is_recorded_and_the_next_run_catches_up(tmp_path):
    with FaultyPortal(faulty=False, die_after=4) as portal:
        registry = portal.registry(tmp_path / "registry.csv")
        first = run_crawl_cli(tmp_path / "data", registry, "--portal", "faulty-main")
        assert first.returncode == 0, first.stderr[-3000:]
        problems = query(tmp_path / "data" / "raw.db", "SELECT kind, url FROM problems")
        kept_first = archive_contents(tmp_path / "data")["documents"]
        portal.revive()
        second = run_crawl_cli(tmp_path / "data", registry, "--portal", "faulty-main")
        assert second.returncode == 0, second.stderr[-3000:]
        expected = {portal.base_url() + page_path(name) for name in HEALTHY}
    kinds = {p["kind"] for p in problems}
    assert "connection_refused" in kinds and kinds <= {"connection_refused", "connection_lost"}
    assert len(kept_first) < len(HEALTHY)
    archived = archive_contents(tmp_path / "data")["documents"]
    assert {d["url"] for d in archived} == expected
    assert all(d["report_id"] for d in archived)
    by_id = {d["id"]: d for d in archived}
    for document in kept_first:
        assert by_id[document["id"]] == document
