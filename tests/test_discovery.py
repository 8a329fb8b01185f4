"""Discovery (``cms auto``): the page objects on the sample portal's home and section
pages, the search's bookkeeping, and real crawls over 127.0.0.1 from home pages only —
which must keep exactly what the crawl given each site's column and family keeps
(EXPECTED.json, checked for that crawl by test_crawl), follow a government's
departments, stay within robots.txt, and record what they found so that ``nianbao
discover`` prints registry rows that, pinned, crawl the same documents again."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawler.discovery import Found, Search, Visit, start_search
from crawler.pages.common import readable
from crawler.pages.discover import (
    COLUMN,
    DEPARTMENTS,
    SECTION,
    candidates,
    department_links,
    detect_family,
    link_kind,
    read_column,
)
from crawler.registry import CMS_AUTO, check_registry, load_registry
from crawler.sample_portal import SAMPLE_PORTAL_ROOT, serve_sample_portal
from tests.test_crawl import crawl, kept_documents, site_path

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = json.loads((SAMPLE_PORTAL_ROOT / "EXPECTED.json").read_text(encoding="utf-8"))
PORTALS = EXPECTED["portals"]
REGISTRY = {
    row["id"]: row
    for row in csv.DictReader(
        io.StringIO((SAMPLE_PORTAL_ROOT / "registry.csv").read_text(encoding="utf-8"))
    )
}
BASE = "http://127.0.0.1:8000"


def sample_page(site: str, path: str, content_type: str = "text/html; charset=utf-8"):
    """A sample portal file as the server answers it (readable, as the spider reads it)."""
    body = (SAMPLE_PORTAL_ROOT / site / path.lstrip("/")).read_bytes()
    return readable(
        HtmlResponse(url=BASE + path, body=body, headers={"Content-Type": content_type})
    )


def by_url(links) -> dict[str, tuple[str, int]]:
    return {link.url.removeprefix(BASE): (link.kind, link.score) for link in links}


# ---- page objects ----------------------------------------------------------------


@pytest.mark.parametrize(
    "label, url, kind",
    [
        ("政府信息公开年报", "/zfxxgk/ndbg/", COLUMN),
        ("信息公开年报", "/a/", COLUMN),
        ("政府信息公开工作年度报告", "/a/", COLUMN),
        ("年度报告", "/a/", COLUMN),
        ("", "/zwgk/zfxxgk/zfxxgknb/", COLUMN),  # a column's path, no label
        ("部门信息公开", "/a/", DEPARTMENTS),
        ("部门年报", "/a/", DEPARTMENTS),
        ("部门和乡镇信息公开", "/a/", DEPARTMENTS),
        ("政府信息公开", "/a/", SECTION),
        ("法定主动公开内容", "/a/", SECTION),
        ("政务公开", "/a/", SECTION),
        ("政府信息公开目录", "/gkmlpt/index", SECTION),
        ("政府信息公开指南", "/a/", None),
        ("依申请公开", "/a/", None),
        ("政府信息公开制度", "/a/", None),
        ("政策解读", "/a/", None),
        ("统计年报", "/a/", None),  # a statistics yearbook, not the disclosure report
        ("2023年政府信息公开工作年度报告", "/a/", None),  # a report: a document, not a way
        ("关于做好2023年政府信息公开工作年度报告编制工作的通知", "/a/", None),
        ("新闻中心", "/a/", None),
        ("首页", "/", None),
    ],
)
def test_link_kinds(label, url, kind):
    reading = link_kind(label, BASE + url)
    assert (reading[0] if reading else None) == kind


def test_a_year_is_a_column_only_inside_a_column():
    assert link_kind("2023年度", BASE + "/nb/2023/", in_column=True)[0] == COLUMN
    assert link_kind("2023年度", BASE + "/nb/2023/") is None


def test_the_home_page_offers_its_disclosure_section_and_nothing_else():
    links = by_url(candidates(sample_page("trs", "/index.html")))
    assert links == {"/zwgk/index.html": (SECTION, 70)}  # 政务公开 and 政府信息公开, once


def test_an_image_button_is_read_by_its_alt_text():
    page = HtmlResponse(
        url=BASE + "/",
        body='<a href="/xxgk/"><img src="/b.png" alt="政府信息公开"></a>'.encode(),
        encoding="utf-8",
    )
    assert by_url(candidates(page)) == {"/xxgk/": (SECTION, 70)}


def test_a_real_platform_home_page_leads_to_its_column_and_its_departments():
    """邯郸市's 政府信息公开 platform as saved in 2020 (source in the fixture's header)."""
    body = (ROOT / "tests" / "fixtures" / "discovery" / "hd_xxgk_index.html").read_bytes()
    page = HtmlResponse(url="http://hdzfxxgk.hd.gov.cn/", body=body)
    links = {link.label: (link.url, link.kind) for link in candidates(page)}
    assert links == {
        "政府信息公开年报": ("http://hdzfxxgk.hd.gov.cn/zfxxgknb/", COLUMN),
        "市政府部门信息公开": ("http://hdzfxxgk.hd.gov.cn/gszbm/", DEPARTMENTS),
        "法定主动公开内容": ("http://hdzfxxgk.hd.gov.cn/fdgknr/", SECTION),
        "近期信息公开": ("http://hdzfxxgk.hd.gov.cn/zfwj/jinqixxgk/", SECTION),
    }  # not 指南, 制度文件, 依申请公开, 政府新闻发布, nor the dated notices
    best = max(candidates(page), key=lambda link: link.score)
    assert best.label == "政府信息公开年报"
    assert read_column(page) is None  # it lists notices, no report
    assert department_links(page) == []  # 中国政府网站, 河北省政府网站 are no departments


def test_the_section_page_ranks_the_report_column_first():
    links = candidates(sample_page("trs", "/zwgk/index.html"))
    best = max(links, key=lambda link: link.score)
    assert best.url == BASE + "/zwgk/zfxxgk/zfxxgknb/index.html" and best.kind == COLUMN
    assert BASE + "/zwgk/zfxxgk/zfxxgkzn/index.html" not in by_url(links)  # 指南


def test_a_hanweb_platform_leads_to_the_column_under_its_statutory_content():
    platform = by_url(candidates(sample_page("hanweb", "/col/col5010/index.html")))
    assert platform == {"/col/col5002/index.html": (SECTION, 70)}  # 法定主动公开内容
    statutory = by_url(candidates(sample_page("hanweb", "/col/col5002/index.html")))
    assert statutory["/col/col5001/index.html"][0] == COLUMN


@pytest.mark.parametrize(
    "site, path, content_type, family, evidence",
    [
        ("trs", "/zwgk/zfxxgk/zfxxgknb/index.html", None, "trs", "createPageHTML"),
        ("trsapi", "/zwgk/zfxxgk/zfxxgknb/index.htm", None, "trs", "list2.trsapi"),
        ("hanweb", "/col/col5001/index.html", None, "hanweb", "<datastore>"),
        ("gkmlpt", "/gkmlpt/index", None, "gkmlpt", "window._CONFIG TREE"),
        ("nextlink", "/xxgk/nb/list.html", "text/html", "nextlink", "下一页"),  # GBK, no charset
        ("generic", "/zfxxgk/ndbg/index.html", None, "nextlink", "plain list"),
    ],
)
def test_each_family_is_recognised_from_its_column_page(site, path, content_type, family, evidence):
    page = sample_page(site, path, content_type or "text/html; charset=utf-8")
    assert detect_family(page) == (family, evidence)
    column = read_column(page)
    assert column is not None and column.named and column.family == family
    assert column.reports >= 1


def test_a_page_that_lists_reports_without_naming_the_column_is_only_a_fallback():
    home = read_column(sample_page("city", "/index.html"))  # a report among the news
    assert home is not None and home.reports == 1 and not home.named


def test_a_section_with_a_datastore_but_no_report_is_no_column():
    assert detect_family(sample_page("hanweb", "/col/col5010/index.html"))[0] == "hanweb"
    assert read_column(sample_page("hanweb", "/col/col5010/index.html")) is None


def test_a_report_page_that_lists_departments_is_the_column_and_names_them():
    page = sample_page("city", "/zfxxgk/ndbg/index.html")
    column = read_column(page)
    assert column is not None and column.named and column.reports == 0
    assert [link.label for link in department_links(page)] == [
        "郑州市生态环境局经开分局",
        "区生态环境分局",
    ]


def test_a_department_list_names_every_department_and_no_menu_entry():
    page = sample_page("city", "/zfxxgk/bmxxgk/index.html")
    assert {link.label: link.url.removeprefix(BASE) for link in department_links(page)} == {
        "郑州市生态环境局经开分局": "/bm/jkfj/index.html",
        "区生态环境分局": "/col/col7100/index.html",
        "郑州市统计局": "/bm/tjj/index.html",
    }
    # A breadcrumb's one agency is no list of departments.
    assert department_links(sample_page("city", "/bm/tjj/xxgknb/list.html")) == []


# ---- the search's bookkeeping ------------------------------------------------------


def everywhere(url: str) -> bool:
    return True


def test_the_best_scored_page_goes_first_and_a_deeper_one_must_score_more():
    search = start_search("p", ["/"], everywhere, budget=10, seen=set())
    assert search.next_visit().url == "/"
    search.offer(Visit("/section", SECTION, 1), 70)
    search.offer(Visit("/column", COLUMN, 2), 110)  # 110 - 30 > 70 - 15
    search.offer(Visit("/weak", SECTION, 1), 60)
    assert [search.next_visit().url for _ in range(3)] == ["/column", "/section", "/weak"]


def test_once_a_column_is_found_only_columns_and_department_lists_are_read():
    search = start_search("p", ["/"], everywhere, budget=10, seen=set())
    search.next_visit()
    search.offer(Visit("/section", SECTION, 1), 70)
    search.offer(Visit("/departments", DEPARTMENTS, 1), 80)
    search.offer(Visit("/2023", COLUMN, 1), 95)
    search.columns.append(object())
    assert [v.url for v in iter(search.next_visit, None)] == ["/2023", "/departments"]


def test_the_budget_counts_every_request_and_a_page_is_queued_once_per_portal():
    seen: set[str] = set()
    search = start_search("p", ["/a", "/b", "/c"], everywhere, budget=2, seen=seen)
    department = start_search("p", ["/a", "/d"], everywhere, 5, seen, department="某局")
    assert [v.url for v in iter(search.next_visit, None)] == ["/a", "/b"]
    assert search.spent == 2
    assert [v.url for v in iter(department.next_visit, None)] == ["/d"]


def test_with_no_named_column_the_pages_that_listed_reports_are_read_as_columns():
    search = start_search("p", ["/"], everywhere, budget=5, seen=set())
    home = Found("/", "nextlink", "plain list", 1, None)
    search.fallbacks.append((home, "the home page"))
    assert search.finish() == [(home, "the home page")] and search.columns == [home]
    named = start_search("p", ["/"], everywhere, budget=5, seen=set())
    named.columns.append(Found("/nb/", "trs", "createPageHTML", 2, "/"))
    named.fallbacks.append((home, "the home page"))
    assert named.finish() == [] and [c.url for c in named.columns] == ["/nb/"]


def test_pages_off_the_portal_are_never_queued():
    search = Search("p", 5, lambda url: url.startswith("http://a.gov.cn/"), set())
    search.offer(Visit("http://www.gov.cn/", SECTION, 1), 70)
    assert search.next_visit() is None


# ---- crawls over 127.0.0.1 -------------------------------------------------------------


def copy_portal(tmp_path: Path, registry: str) -> Path:
    root = tmp_path / "portal"
    shutil.copytree(SAMPLE_PORTAL_ROOT, root)
    (root / "registry.csv").write_text(registry, encoding="utf-8")
    return root


def discoveries(data: Path) -> list[dict]:
    db = sqlite3.connect(data / "raw.db")
    db.row_factory = sqlite3.Row
    rows = [dict(row) for row in db.execute("SELECT * FROM discoveries ORDER BY portal_id")]
    db.close()
    return rows


def discover(data: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "archive.cli", "discover", "--data", str(data)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


@pytest.fixture(scope="module")
def auto_crawl(tmp_path_factory):
    """The sample portal crawled from home pages only (registry-auto.csv), then again
    from the registry rows ``nianbao discover`` printed after it."""
    tmp = tmp_path_factory.mktemp("auto")
    registry = (SAMPLE_PORTAL_ROOT / "registry-auto.csv").read_text(encoding="utf-8")
    root = copy_portal(tmp, registry)
    with serve_sample_portal(root) as portal:
        summary = crawl(portal, tmp / "auto", "auto-1")
        stats = portal.stats()
        printed = discover(tmp / "auto")
        (root / "registry.csv").write_text(printed.stdout, encoding="utf-8")
        pinned = crawl(portal, tmp / "pinned", "pinned-1")
        yield portal, tmp, summary, stats, printed, pinned


def test_the_auto_registry_gives_every_portal_its_home_page_only():
    hosts = {PORTALS[p]["site"]: f"127.0.0.1:{8000 + n}" for n, p in enumerate(PORTALS)}
    auto = load_registry(SAMPLE_PORTAL_ROOT / "registry-auto.csv", placeholders=hosts)
    assert {p.id for p in auto} == set(PORTALS)
    for portal in auto:
        site = PORTALS[portal.id]["site"]
        assert portal.cms == CMS_AUTO and portal.start_urls == (f"http://{hosts[site]}/",)


@pytest.mark.parametrize("portal_id", sorted(PORTALS))
def test_from_the_home_page_the_same_documents_as_with_the_family_given(auto_crawl, portal_id):
    portal, tmp, summary, stats, _, _ = auto_crawl
    expected = PORTALS[portal_id]
    kept = kept_documents(tmp / "auto", portal_id)
    found = sorted((site_path(row["url"], portal, expected["site"]), row["kind"]) for row in kept)
    assert found == sorted((d["path"], d["kind"]) for d in expected["documents"])
    assert summary["portals"][portal_id] == "ok"
    answered = {request.split(" ", 1)[1] for request in stats[expected["site"]]}
    assert answered.isdisjoint(expected["never_requested"])


@pytest.mark.parametrize("portal_id", sorted(p for p in PORTALS if REGISTRY[p]["cms"] != "auto"))
def test_discovery_finds_the_column_and_family_the_registry_names(auto_crawl, portal_id):
    portal, tmp, *_ = auto_crawl
    row = REGISTRY[portal_id]
    (found,) = [d for d in discoveries(tmp / "auto") if d["portal_id"] == portal_id]
    site = PORTALS[portal_id]["site"]
    if row["cms"] == "generic":  # its registry row gives the home page, walked generically
        assert found["cms"] == "nextlink" and found["evidence"] == "plain list"
    else:
        assert found["cms"] == row["cms"]
        assert found["column_url"] == row["start_urls"].replace(f"{{{site}}}", portal.hosts[site])
    assert found["reports"] >= 1 and found["department"] is None
    assert found["requests"] <= 4  # home, one or two sections, the column


def test_a_governments_departments_are_followed_under_its_division_code(auto_crawl):
    _, tmp, *_ = auto_crawl
    city = {
        d["department"]: d for d in discoveries(tmp / "auto") if d["portal_id"] == "sample-city"
    }
    assert set(city) == {None, "郑州市生态环境局经开分局", "区生态环境分局", "郑州市统计局"}
    assert city[None]["column_url"].endswith("/zfxxgk/ndbg/index.html")  # one entry per department
    assert (city["郑州市生态环境局经开分局"]["cms"], city["区生态环境分局"]["cms"]) == (
        "trs",
        "hanweb",
    )
    assert city["郑州市统计局"]["column_url"] is None  # its column lists no report yet
    for department in ("郑州市生态环境局经开分局", "区生态环境分局", "郑州市统计局"):
        row = city[department]
        assert (row["kind"], row["division_code"], row["parent_code"]) == (
            "department",
            "410100",
            "410100",
        )
    assert sum(row["requests"] for row in city.values()) <= 12 + 3 * 6  # within the budgets


def test_discover_prints_registry_rows_that_validate(auto_crawl, tmp_path):
    _, _, _, _, printed, _ = auto_crawl
    assert printed.returncode == 0, printed.stderr
    assert "no report column found: sample-city 郑州市统计局" in printed.stderr
    path = tmp_path / "discovered.csv"
    path.write_text(printed.stdout, encoding="utf-8")
    portals, problems = check_registry(path)
    assert problems == []
    by_name = {p.name: p for p in portals}
    assert len(portals) == len(PORTALS) + 2  # every portal, and two departments
    department = by_name["区生态环境分局"]
    assert (department.kind, department.cms, department.parent_code) == (
        "department",
        "hanweb",
        "410100",
    )
    assert department.status == "confirmed" and department.confirmed == department.seen
    assert department.source.endswith("/zfxxgk/ndbg/index.html")


def test_the_pinned_rows_crawl_the_same_documents_without_discovery(auto_crawl):
    _, tmp, _, _, _, pinned = auto_crawl
    urls = {row["url"] for portal_id in PORTALS for row in kept_documents(tmp / "auto", portal_id)}
    db = sqlite3.connect(tmp / "pinned" / "raw.db")
    kept = dict(db.execute("SELECT url, portal_id FROM fetches WHERE kind != 'list'").fetchall())
    db.close()
    assert set(kept) == urls
    assert discoveries(tmp / "pinned") == []
    # A department's documents now come under its own row, with the government's code.
    departments = {p for p in kept.values() if p.startswith("sample-city-")}
    assert len(departments) == 2
    assert all(pinned["portals"][p] == "ok" for p in departments)


def test_discovery_obeys_robots_txt_and_records_that_it_found_nothing(tmp_path):
    registry = (SAMPLE_PORTAL_ROOT / "registry-auto.csv").read_text(encoding="utf-8")
    root = copy_portal(tmp_path, registry)
    (root / "trs" / "robots.txt").write_text("User-agent: *\nDisallow: /zwgk/\n", "utf-8")
    with serve_sample_portal(root) as portal:
        summary = crawl(portal, tmp_path / "data", "robots-1", portal_ids=["sample-trs"])
        answered = set(portal.stats()["trs"])
    assert answered == {"GET /robots.txt", "GET /"}
    (row,) = discoveries(tmp_path / "data")
    assert row["column_url"] is None and row["requests"] == 2  # the home page, /zwgk/ refused
    assert summary["portals"]["sample-trs"] == "ok"


def test_a_list_that_does_not_name_itself_is_crawled_when_nothing_better_is_found(tmp_path):
    registry = (SAMPLE_PORTAL_ROOT / "registry-auto.csv").read_text(encoding="utf-8")
    registry = registry.replace("http://{generic}/,", "http://{generic}/zfxxgk/ndbg/index.html,")
    root = copy_portal(tmp_path, registry)
    column = root / "generic" / "zfxxgk" / "ndbg" / "index.html"
    column.write_text(column.read_text("utf-8").replace("政府信息公开年报", "信息公开"), "utf-8")
    with serve_sample_portal(root) as portal:
        crawl(portal, tmp_path / "data", "fallback-1", portal_ids=["sample-generic"])
        kept = kept_documents(tmp_path / "data", "sample-generic")
        found = {(site_path(row["url"], portal, "generic"), row["kind"]) for row in kept}
    expected = PORTALS["sample-generic"]["documents"]
    assert found == {(d["path"], d["kind"]) for d in expected}
    (row,) = discoveries(tmp_path / "data")
    assert row["column_url"].endswith("/zfxxgk/ndbg/index.html") and row["requests"] == 1


def test_the_demo_crawls_a_home_page_only_portal_and_archives_what_it_found(demo_run):
    auto = [row for row in REGISTRY.values() if row["cms"] == CMS_AUTO]
    assert auto and all(row["start_urls"].endswith("}/") for row in auto)
    data, _ = demo_run
    archive = sqlite3.connect(data / "nianbao.db")
    found = archive.execute(
        "SELECT department, division_code FROM discoveries"
        " WHERE portal_id = 'sample-city' AND column_url IS NOT NULL"
    ).fetchall()
    agencies = archive.execute(
        "SELECT DISTINCT r.agency FROM documents d JOIN reports r ON r.id = d.report_id"
        " WHERE d.portal_id = 'sample-city'"
    ).fetchall()
    archive.close()
    # The government's 年报 page and its two departments' columns, under its code …
    assert sorted(found, key=str) == sorted(
        [(None, "410100"), ("区生态环境分局", "410100"), ("郑州市生态环境局经开分局", "410100")],
        key=str,
    )
    # … and each department's report archived under the name the report prints.
    assert sorted(a for (a,) in agencies) == ["区生态环境分局", "郑州市生态环境局经开分局"]
