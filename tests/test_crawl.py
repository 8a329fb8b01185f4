"""Crawls of the sample portal (tests/fixtures/portal, served on 127.0.0.1): exactly
the expected report pages and attachments are kept; a second run fetches list pages
only; a changed document becomes a new version; private hosts need the switch.

Each crawl runs ``crawler.run.run_crawl`` in a subprocess (one Twisted reactor per
process); the servers run in the test process and count every request they answer."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlite_utils

from crawler.downloadermiddlewares import is_private_host, refusal
from crawler.sample_portal import SAMPLE_PORTAL_ROOT, serve_sample_portal

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ROOT / "tests" / "fixtures" / "formats"
EXPECTED = json.loads((SAMPLE_PORTAL_ROOT / "EXPECTED.json").read_text(encoding="utf-8"))
FORMAT_FILES = {"pdf": "report.pdf", "docx": "report.docx", "doc": "report.doc"}

CRAWL = """
import json, sys
from pathlib import Path
from crawler.registry import load_registry
from crawler.run import run_crawl
args = json.loads(sys.argv[1])
portals = load_registry(args["registry"], placeholders=args["hosts"])
if args["portal_ids"]:
    portals = [p for p in portals if p.id in args["portal_ids"]]
summary = run_crawl(
    portals, Path(args["data"]), run_id=args["run_id"], polite=False,
    years=set(args["years"]) if args["years"] else None,
    allow_private_hosts=args["allow_private_hosts"], extra_settings=args["extra"],
)
print(json.dumps(summary))
"""


def crawl(
    portal,
    data: Path,
    run_id: str,
    *,
    portal_ids=(),
    years=(),
    allow_private_hosts=True,
    extra=None,
) -> dict:
    args = {
        "registry": str(portal.root / "registry.csv"),
        "hosts": portal.hosts,
        "portal_ids": list(portal_ids),
        "data": str(data),
        "run_id": run_id,
        "years": list(years),
        "allow_private_hosts": allow_private_hosts,
        "extra": {"LOG_LEVEL": "WARNING", **(extra or {})},
    }
    env = {k: v for k, v in os.environ.items() if k != "NIANBAO_ALLOW_PRIVATE_HOSTS"}
    result = subprocess.run(
        [sys.executable, "-c", CRAWL, json.dumps(args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def site_path(url: str, portal, site: str) -> str | None:
    base = portal.base_url(site)
    return url.removeprefix(base) if url.startswith(base + "/") else None


def kept_documents(data: Path, portal_id: str) -> list[dict]:
    db = sqlite_utils.Database(data / "raw.db")
    return list(
        db.query(
            "select url, kind, sha256, referer, run_id from fetches where portal_id = ? and kind != 'list'",
            [portal_id],
        )
    )


def requests_between(before: dict, after: dict) -> dict[str, dict[str, int]]:
    """Per site, ``{"GET /path": {"200": n}}`` answered after ``before`` was taken."""
    delta = {}
    for site, requests in after.items():
        for request, statuses in requests.items():
            for status, count in statuses.items():
                new = count - before.get(site, {}).get(request, {}).get(status, 0)
                if new:
                    delta.setdefault(site, {}).setdefault(request, {})[status] = new
    return delta


@pytest.fixture(scope="module")
def portal_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("portal") / "portal"
    shutil.copytree(SAMPLE_PORTAL_ROOT, root)
    return root


@pytest.fixture(scope="module")
def first_crawl(portal_root, tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    with serve_sample_portal(portal_root) as portal:
        summary = crawl(portal, data, "run-1")
        yield portal, data, summary, portal.stats()


@pytest.mark.parametrize("portal_id", sorted(EXPECTED["portals"]))
def test_each_site_yields_exactly_the_expected_documents(first_crawl, portal_id):
    portal, data, summary, stats = first_crawl
    expected = EXPECTED["portals"][portal_id]
    site = expected["site"]
    kept = kept_documents(data, portal_id)
    found = sorted((site_path(row["url"], portal, site), row["kind"]) for row in kept)
    assert found == sorted((d["path"], d["kind"]) for d in expected["documents"])
    assert summary["portals"][portal_id] == "ok"


@pytest.mark.parametrize("portal_id", sorted(EXPECTED["portals"]))
def test_attachments_are_the_seed_files_with_their_report_page_as_referer(first_crawl, portal_id):
    portal, data, _, _ = first_crawl
    expected = EXPECTED["portals"][portal_id]
    by_path = {
        site_path(r["url"], portal, expected["site"]): r for r in kept_documents(data, portal_id)
    }
    for document in expected["documents"]:
        if document["kind"] != "attachment":
            continue
        row = by_path[document["path"]]
        seed_file = FORMATS / document["seed"] / FORMAT_FILES[document["format"]]
        assert row["sha256"] == hashlib.sha256(seed_file.read_bytes()).hexdigest()
        assert row["referer"].startswith(portal.base_url(expected["site"]))


@pytest.mark.parametrize("portal_id", sorted(EXPECTED["portals"]))
def test_guides_notices_robots_disallowed_and_other_categories_are_never_requested(
    first_crawl, portal_id
):
    _, _, _, stats = first_crawl
    expected = EXPECTED["portals"][portal_id]
    answered = {request.split(" ", 1)[1] for request in stats[expected["site"]]}
    assert answered, "the site was not crawled at all"
    assert answered.isdisjoint(expected["never_requested"])


def test_the_off_site_mirror_is_never_requested(first_crawl):
    _, _, summary, stats = first_crawl
    assert EXPECTED["sites_never_requested"] == ["mirror"]
    assert stats["mirror"] == {}
    assert summary["offsite_refused"] >= 1


def test_every_seed_report_is_found(first_crawl):
    _, data, _, _ = first_crawl
    db = sqlite_utils.Database(data / "raw.db")
    kept_blobs = {
        row["sha256"] for row in db.query("select sha256 from fetches where kind = 'attachment'")
    }
    for seed in EXPECTED["seeds"]:
        copies = {
            hashlib.sha256((FORMATS / seed / name).read_bytes()).hexdigest()
            for name in FORMAT_FILES.values()
        }
        assert kept_blobs & copies, f"no copy of seed {seed} was kept"


def test_missing_pages_are_recorded_as_problems(first_crawl):
    portal, data, summary, _ = first_crawl
    db = sqlite_utils.Database(data / "raw.db")
    problems = {(row["portal_id"], row["url"], row["kind"]) for row in db["problems"].rows}
    for portal_id, expected in EXPECTED["portals"].items():
        for problem in expected["problems"]:
            url = portal.base_url(expected["site"]) + problem["path"]
            assert (portal_id, url, problem["kind"]) in problems
    assert summary["errors_by_kind"]["http_404"] == sum(
        len(p["problems"]) for p in EXPECTED["portals"].values()
    )


def test_second_run_downloads_list_pages_only(first_crawl):
    portal, data, first, stats_after_first = first_crawl
    second = crawl(portal, data, "run-2")
    delta = requests_between(stats_after_first, portal.stats())
    config = json.loads((portal.root / "sites.json").read_text(encoding="utf-8"))
    for portal_id, expected in EXPECTED["portals"].items():
        site = expected["site"]
        documents = {d["path"] for d in expected["documents"]}
        for request, statuses in delta.get(site, {}).items():
            method, path = request.split(" ", 1)
            assert not (path in documents and "200" in statuses), (
                f"{portal_id} fetched {path} again"
            )
            if "etag" in config[site]["validators"] and method == "GET" and path != "/robots.txt":
                is_missing_page = any(p["path"] == path for p in expected["problems"])
                is_redirect = path in config[site].get("redirects", {})
                if not (is_missing_page or is_redirect):
                    assert statuses == {"304": 1}, f"{site} {request}: {statuses}"
    assert second["new_documents"] == 0 and second["new_versions"] == 0
    assert second["skipped_known"] == sum(len(p["documents"]) for p in EXPECTED["portals"].values())
    assert second["bytes"] < first["bytes"] * 0.05


def test_a_changed_document_is_kept_as_a_new_version(tmp_path):
    root = tmp_path / "portal"
    shutil.copytree(SAMPLE_PORTAL_ROOT, root)
    data = tmp_path / "data"
    column = root / "trs" / "zwgk" / "zfxxgk" / "zfxxgknb"
    report = column / "202001" / "t20200115_2001.html"
    list_page = column / "index_1.html"
    with serve_sample_portal(root) as portal:
        crawl(portal, data, "run-1", portal_ids=["sample-trs"])
        report_url = portal.base_url("trs") + "/zwgk/zfxxgk/zfxxgknb/202001/t20200115_2001.html"
        list_url = portal.base_url("trs") + "/zwgk/zfxxgk/zfxxgknb/index_1.html"
        old_report = report.read_bytes()
        report.write_bytes(
            old_report.replace(b"</body>", "<p>（2020年2月更正）</p></body>".encode())
        )
        list_page.write_bytes(
            list_page.read_bytes().replace(b"</ul>", "<li>新增栏目说明</li></ul>".encode())
        )
        later = time.time() + 10
        for changed in (report, list_page):
            os.utime(changed, (later, later))

        second = crawl(portal, data, "run-2", portal_ids=["sample-trs"])
        before_refresh = portal.stats()
        third = crawl(
            portal, data, "run-3", portal_ids=["sample-trs"], extra={"NIANBAO_REFRESH": True}
        )
        refresh_requests = requests_between(before_refresh, portal.stats())["trs"]

    db = sqlite_utils.Database(data / "raw.db")
    list_versions = list(
        db.query(
            "select sha256, run_id from fetches where url = ? order by first_fetched_at", [list_url]
        )
    )
    assert [v["run_id"] for v in list_versions] == ["run-1", "run-2"]
    assert second["new_versions"] == 0  # the report page was held, so not fetched
    versions = list(
        db.query(
            "select sha256, run_id from fetches where url = ? order by first_fetched_at",
            [report_url],
        )
    )
    assert [v["run_id"] for v in versions] == ["run-1", "run-3"]
    assert db["blobs"].get(versions[0]["sha256"])["content"] == old_report
    assert third["new_versions"] == 1 and third["new_documents"] == 0
    unchanged = [
        d["path"]
        for d in EXPECTED["portals"]["sample-trs"]["documents"]
        if not d["path"].endswith("t20200115_2001.html")
    ]
    for path in unchanged:
        assert refresh_requests.get(f"GET {path}") == {"304": 1}


def test_year_filter_keeps_only_reports_on_those_years(tmp_path):
    with serve_sample_portal() as portal:
        summary = crawl(portal, tmp_path, "run-1", portal_ids=["sample-trs"], years=[2019])
        base = portal.base_url("trs")
    kept = {row["url"].removeprefix(base) for row in kept_documents(tmp_path, "sample-trs")}
    expected = {
        d["path"]
        for d in EXPECTED["portals"]["sample-trs"]["documents"]
        if d["seed"].startswith("002_")
    }
    assert kept == expected
    assert summary["skipped_year"] >= 1


def test_private_hosts_are_refused_without_the_switch(tmp_path):
    with serve_sample_portal() as portal:
        summary = crawl(portal, tmp_path, "run-1", allow_private_hosts=False)
        assert all(requests == {} for requests in portal.stats().values())
    assert set(summary["portals"].values()) == {"failed"}
    db = sqlite_utils.Database(tmp_path / "raw.db")
    kinds = {row["kind"] for row in db["problems"].rows}
    assert kinds == {"private_host"}
    assert db["fetches"].count == 0


@pytest.mark.parametrize(
    "url, allow_private, reason",
    [
        ("file:///etc/passwd", True, "scheme_refused"),
        ("ftp://www.gov.cn/a.pdf", True, "scheme_refused"),
        ("http://127.0.0.1:8000/", False, "private_host"),
        ("http://localhost/", False, "private_host"),
        ("http://10.1.2.3/a.html", False, "private_host"),
        ("http://192.168.0.1/", False, "private_host"),
        ("http://[::1]/", False, "private_host"),
        ("http://169.254.169.254/latest/meta-data/", False, "private_host"),
        ("http://2130706433/", False, "private_host"),
        ("http://127.0.0.1:8000/", True, None),
        ("http://www.pingtan.gov.cn/zwgk/", False, None),
    ],
)
def test_refusal(url, allow_private, reason):
    assert refusal(url, allow_private) == reason


def test_public_addresses_are_not_private():
    assert not is_private_host("www.gov.cn")
    assert not is_private_host("202.108.0.1")


def test_a_busy_server_is_retried(first_crawl):
    portal, _, _, stats = first_crawl
    flaky = json.loads((portal.root / "sites.json").read_text(encoding="utf-8"))["nextlink"][
        "flaky"
    ]
    for path, failures in flaky.items():
        assert stats["nextlink"][f"GET {path}"] == {"503": failures, "200": 1}


def test_a_portal_can_be_crawled_without_robots_txt_when_its_row_says_so(tmp_path):
    root = tmp_path / "portal"
    shutil.copytree(SAMPLE_PORTAL_ROOT, root)
    registry = root / "registry.csv"
    rows = registry.read_text(encoding="utf-8").splitlines()
    rows = [
        row.replace(",{trs},,", ",{trs},no,") if row.startswith("sample-trs,") else row
        for row in rows
    ]
    registry.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with serve_sample_portal(root) as portal:
        crawl(portal, tmp_path / "data", "run-1", portal_ids=["sample-trs"])
        answered = portal.stats()["trs"]
    assert answered["GET /internal/2019/t20190110_1.html"] == {"200": 1}
    assert "GET /robots.txt" not in answered


def test_a_run_stops_at_the_request_cap(tmp_path):
    with serve_sample_portal() as portal:
        summary = crawl(portal, tmp_path, "run-1", extra={"NIANBAO_MAX_REQUESTS": 5})
        answered = sum(sum(s.values()) for site in portal.stats().values() for s in site.values())
    assert summary["finish_reason"] == "request_cap"
    assert summary["requests"] == 5
    assert answered == 5
