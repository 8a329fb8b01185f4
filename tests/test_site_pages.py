"""The site's pages, routes and headers, in process (``datasette.client``) over the sample
archive (the seed reports, one with a failed check and coded warnings) and the demo
archive (the sample portal crawled: HTML pages, PDF, DOC and DOCX copies)."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import re
import sqlite3
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from datasette.app import Datasette

import nianbao_site.search
from archive.serve import METADATA
from nianbao_common.keys import WARNING_LABELS_ZH
from nianbao_site.settings import SETTINGS
from tests.test_archive_build import build_sample
from tests.test_site import archive_rows, reports_containing

UTF8_BOM = b"\xef\xbb\xbf"


def datasette_settings() -> dict:
    """The site's settings as Datasette's own types (the command line parses them)."""
    return {k: int(v) if v.isdigit() else v == "on" for k, v in SETTINGS.items()}


class Site:
    """The site over a data directory, in this process, as ``nianbao serve`` runs it."""

    def __init__(self, data_dir: Path, metadata: dict | None = None):
        self.data_dir = data_dir
        self.loop = asyncio.new_event_loop()
        self.datasette = Datasette(
            files=[str(data_dir / "nianbao.db"), str(data_dir / "raw.db")],
            metadata=metadata or json.loads(METADATA.read_text(encoding="utf-8")),
            settings=datasette_settings(),
        )
        self.loop.run_until_complete(self.datasette.invoke_startup())

    def get(self, path: str):
        return self.loop.run_until_complete(self.datasette.client.get(path))

    def page(self, path: str) -> str:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[-500:])
        return response.text

    def rows(self, sql: str, params=()) -> list[sqlite3.Row]:
        return archive_rows(self.data_dir, sql, params)

    def close(self):
        self.loop.close()


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    directory = tmp_path_factory.mktemp("site-sample")
    build_sample(directory)
    site = Site(directory)
    yield site
    site.close()


@pytest.fixture(scope="module")
def demo(demo_run):
    site = Site(demo_run[0])
    yield site
    site.close()


def search_url(**args) -> str:
    return "/search?" + urlencode(args)


def hit_ids(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/nianbao/reports/([0-9a-f]+)">', html)


def total_shown(html: str) -> int | None:
    found = re.search(r"共 <strong>([\d,]+)</strong> 份报告", html)
    return int(found[1].replace(",", "")) if found else None


# ---- the front door ---------------------------------------------------------------------


def test_front_door_gives_the_archives_figures(sample):
    html = sample.page("/")
    reports, agencies = sample.rows("SELECT count(*), count(DISTINCT agency) FROM reports")[0]
    assert f"<strong>{reports}</strong> 份报告" in html
    assert f"<strong>{agencies}</strong> 个机关" in html
    years = [r[0] for r in sample.rows("SELECT DISTINCT year FROM reports ORDER BY year")]
    assert f"<strong>{years[0]}–{years[-1]}</strong> 年度" in html
    assert 'action="/search"' in html and 'name="q"' in html


def test_front_door_links_every_question_the_provinces_and_coverage(sample):
    html = sample.page("/")
    queries = json.loads(METADATA.read_text(encoding="utf-8"))["databases"]["nianbao"]["queries"]
    for name in queries:
        assert f'href="/nianbao/{name}"' in html
    for (province,) in sample.rows("SELECT DISTINCT province FROM reports"):
        assert f'href="/province/{quote(province)}"' in html
    coverage = [name for name in queries if "coverage" in name]
    assert f'href="/nianbao/{coverage[0]}"' in html


def test_front_door_lists_the_raw_crawl_database_last(sample):
    html = sample.page("/")
    databases = re.findall(r'<h3><a href="/(\w+)">', html)
    assert databases[0] == "nianbao" and databases[-1] == "raw"
    assert html.index("抓取原始记录（供运维人员使用）") > html.index("常见问题")


# ---- search results ---------------------------------------------------------------------


@pytest.mark.parametrize("word", ["处罚", "复议", "生态环境"])
def test_search_finds_exactly_the_reports_with_the_word(sample, word):
    html = sample.page(search_url(q=word))
    expected = reports_containing(sample.data_dir, word)
    assert set(hit_ids(html)) == expected
    assert total_shown(html) == len(expected)
    assert f"<mark>{word}</mark>" in html


def test_several_words_must_all_occur_and_a_quoted_phrase_as_written(sample):
    both = reports_containing(sample.data_dir, "处罚") & reports_containing(sample.data_dir, "复议")
    assert set(hit_ids(sample.page(search_url(q="处罚 复议")))) == both
    phrase = reports_containing(sample.data_dir, "信息公开")
    assert set(hit_ids(sample.page(search_url(q='"信息公开"')))) == phrase


def test_a_query_that_cannot_match_says_so_in_chinese(sample):
    assert "没有可以搜索的文字" in sample.page(search_url(q="，。！"))
    html = sample.page(search_url(q="量子纠缠"))
    assert "没有找到包含“量子纠缠”的报告" in html and not hit_ids(html)


def test_search_filters_by_year_province_and_level(sample):
    rows = sample.rows("SELECT id, year, province, level FROM reports")
    matching = reports_containing(sample.data_dir, "复议")
    year = rows[0]["year"]
    in_year = {r["id"] for r in rows if r["year"] == year} & matching
    assert set(hit_ids(sample.page(search_url(q="复议", year=year)))) == in_year
    level = rows[0]["level"]
    at_level = {r["id"] for r in rows if r["level"] == level} & matching
    assert set(hit_ids(sample.page(search_url(q="复议", level=level)))) == at_level
    province = rows[0]["province"]
    html = sample.page(search_url(q="复议", province=province, year=1990))
    assert "在所选的年度、地区、层级中" in html and not hit_ids(html)


def test_search_pages_through_every_hit(sample, monkeypatch):
    monkeypatch.setattr(nianbao_site.search, "PAGE_SIZE", 2)
    expected = reports_containing(sample.data_dir, "复议")
    assert len(expected) > 2
    seen, page = [], 1
    while True:
        html = sample.page(search_url(q="复议", page=page))
        seen += hit_ids(html)
        if 'rel="next"' not in html:
            break
        page += 1
    assert sorted(seen) == sorted(expected) and page == -(-len(expected) // 2)


def test_a_word_in_more_reports_than_are_ranked_says_so(sample):
    metadata = json.loads(METADATA.read_text(encoding="utf-8"))
    metadata["plugins"] = {"nianbao_site": {"ranked_matches": 2}}
    site = Site(sample.data_dir, metadata)
    try:
        html = site.page(search_url(q="复议"))
        matching = reports_containing(sample.data_dir, "复议")
        assert total_shown(html) == len(matching)
        assert "按相关度排列的是其中最新的 2 份" in html and len(hit_ids(html)) == 2
        newest = site.page(search_url(q="复议", order="newest"))
        assert set(hit_ids(newest)) == matching
    finally:
        site.close()


def test_a_search_of_the_reports_table_page_opens_the_results_page(sample):
    response = sample.get("/nianbao/reports?_search=%E5%A4%84%E7%BD%9A&year=2023")
    assert response.status_code == 302
    assert response.headers["location"] == "/search?q=%E5%A4%84%E7%BD%9A&year=2023"
    as_data = sample.get("/nianbao/reports.json?_search=%E5%A4%84%E7%BD%9A")
    assert as_data.headers["location"].startswith("/nianbao/report_search.json?")


# ---- province, agency -------------------------------------------------------------------


def test_a_province_lists_its_agencies_with_their_years(sample):
    province = sample.rows("SELECT province FROM reports LIMIT 1")[0][0]
    html = sample.page(f"/province/{quote(province)}")
    for row in sample.rows("SELECT id, agency FROM reports WHERE province = ?", [province]):
        assert f'href="/agency/{quote(row["agency"])}"' in html
        assert f'href="/nianbao/reports/{row["id"]}"' in html


def test_an_agency_page_has_its_figures_by_year_a_chart_and_its_copies(demo):
    row = demo.rows(
        "SELECT r.id, r.agency, r.year, o.new_received, d.sha256, d.format FROM reports r "
        "JOIN outcome_shares o ON o.report_id = r.id JOIN documents d ON d.id = r.best_document "
        "WHERE o.new_received > 0"
    )[0]
    html = demo.page(f"/agency/{quote(row['agency'])}")
    assert '<svg class="nb-chart"' in html
    assert f"<title>{row['year']} 新收申请：{row['new_received']:,}</title>" in html
    assert f'href="/nianbao/reports/{row["id"]}"' in html
    assert f'href="/copies/{row["sha256"]}.{row["format"]}"' in html


def test_an_unknown_agency_or_province_is_a_chinese_404(sample):
    for path in ("/agency/%E6%B2%A1%E6%9C%89%E8%BF%99%E4%B8%AA", "/province/Atlantis"):
        response = sample.get(path)
        assert response.status_code == 404
        assert "找不到这个页面" in response.text and "档案中没有" in response.text


# ---- the report page --------------------------------------------------------------------


def test_failed_checks_and_warnings_are_in_chinese_next_to_their_table(sample):
    rid = sample.rows("SELECT report_id FROM checks WHERE ok = 0")[0][0]
    html = sample.page(f"/nianbao/reports/{rid}")
    section = html[html.index('id="review_litigation"') :]
    section = section[: section.index("</section>")]
    assert WARNING_LABELS_ZH["review_litigation.totals"] in section
    assert "校验未通过" in section
    assert 'href="#review_litigation"><strong>1 项校验未通过' in html  # the count leads there
    warned = sample.rows("SELECT id, warnings FROM reports WHERE warnings LIKE '%t3_%'")[0]
    html = sample.page(f"/nianbao/reports/{warned['id']}")
    code = next(w.split(":")[0] for w in json.loads(warned["warnings"]) if w.startswith("t3_"))
    section = html[html.index('id="applications"') :]
    section = section[: section.index("</section>")]
    assert WARNING_LABELS_ZH[code] in section


def test_every_copy_shows_its_url_fetch_time_and_sha256(demo):
    rid = demo.rows("SELECT report_id FROM documents GROUP BY report_id ORDER BY count(*) DESC")[0][
        0
    ]
    html = demo.page(f"/nianbao/reports/{rid}")
    for d in demo.rows(
        "SELECT url, sha256, format, fetched_at FROM documents WHERE report_id = ?", [rid]
    ):
        assert f"<code>{d['sha256']}</code>" in html
        assert f'href="/copies/{d["sha256"]}.{d["format"]}"' in html
        assert d["fetched_at"].replace("T", " ").replace("Z", " UTC") in html
        assert d["url"].replace("&", "&amp;") in html


def test_a_missing_report_is_a_chinese_404(sample):
    response = sample.get("/nianbao/reports/0000000000000000")
    assert response.status_code == 404 and "找不到这个页面" in response.text
    assert sample.get("/no/such/page").status_code == 404


# ---- archived copies --------------------------------------------------------------------


def stored(site: Site, fmt: str) -> sqlite3.Row:
    return site.rows(
        "SELECT d.sha256, d.format, r.title FROM documents d JOIN reports r ON r.id = d.report_id "
        "WHERE d.format = ? LIMIT 1",
        [fmt],
    )[0]


def test_a_pdf_copy_opens_in_the_browser(demo):
    copy = stored(demo, "pdf")
    response = demo.get(f"/copies/{copy['sha256']}.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline;")
    assert hashlib.sha256(response.content).hexdigest() == copy["sha256"]


@pytest.mark.parametrize(
    "fmt, content_type",
    [
        ("doc", "application/msword"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)
def test_word_copies_download_under_the_reports_name(demo, fmt, content_type):
    copy = stored(demo, fmt)
    response = demo.get(f"/copies/{copy['sha256']}.{fmt}")
    assert response.headers["content-type"] == content_type
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(copy['title'] + '.' + fmt, safe='')}" in disposition
    assert hashlib.sha256(response.content).hexdigest() == copy["sha256"]


def test_an_archived_page_is_served_as_a_sandbox(demo):
    copy = stored(demo, "html")
    response = demo.get(f"/copies/{copy['sha256']}.html")
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"].startswith("sandbox;")
    assert hashlib.sha256(response.content).hexdigest() == copy["sha256"]


def test_a_copy_not_in_the_raw_store_is_a_chinese_404(demo):
    response = demo.get(f"/copies/{'0' * 64}.pdf")
    assert response.status_code == 404 and "没有这份存档副本" in response.text


# ---- questions and exports --------------------------------------------------------------


def test_a_question_without_a_year_answers_for_the_latest_year(sample):
    years = [r[0] for r in sample.rows("SELECT DISTINCT year FROM reports ORDER BY year DESC")]
    rows = sample.get("/nianbao/most_applications.json?_shape=array").json()
    assert rows and {r["year"] for r in rows} == {years[0]}
    earlier = sample.get(f"/nianbao/most_applications.json?_shape=array&year={years[-1]}").json()
    assert {r["year"] for r in earlier} == {years[-1]}
    html = sample.page("/nianbao/most_applications")
    options = re.findall(r"<option( selected)?>(\d{4})</option>", html)
    assert [int(year) for _, year in options] == years
    assert [year for selected, year in options if selected] == [str(years[0])]
    assert "全部年度" not in html  # this question is about one year


def test_a_question_over_every_year_offers_them_all(sample):
    def reports(**args) -> int:
        query = urlencode({"_shape": "array", **args})
        rows = sample.get(f"/nianbao/reviews_and_lawsuits_by_outcome.json?{query}").json()
        return max(r["reports"] for r in rows)

    (everything,) = sample.rows("SELECT count(*) FROM reports")[0]
    (latest,) = sample.rows("SELECT count(*) FROM reports GROUP BY year ORDER BY year DESC")[0]
    assert reports(year="全部") == everything > reports() == latest
    assert '<option value="全部">全部年度</option>' in sample.page(
        "/nianbao/reviews_and_lawsuits_by_outcome"
    )


def test_question_results_link_their_reports_and_have_chinese_headers(sample):
    for (year,) in sample.rows("SELECT DISTINCT year FROM reports"):
        html = sample.page(f"/nianbao/most_applications?year={year}")
        for (rid,) in sample.rows(
            "SELECT report_id FROM outcome_shares WHERE new_received IS NOT NULL AND year = ?",
            [year],
        ):
            assert f'href="/nianbao/reports/{rid}"' in html
        assert "本年新收申请" in html and "发布机关" in html


def test_a_table_page_has_chinese_column_headers(sample):
    html = sample.page("/nianbao/outcome_shares")
    for label in ("本年新收申请", "不予公开占比 %", "发布机关"):
        assert label in html


def test_the_spreadsheet_csv_starts_with_a_bom_and_holds_the_same_rows(sample):
    response = sample.get("/nianbao/most_applications.csv?_dl=on&_bom=on")
    assert response.content.startswith(UTF8_BOM)
    rows = list(csv.DictReader(io.StringIO(response.content[len(UTF8_BOM) :].decode("utf-8"))))
    as_json = sample.get("/nianbao/most_applications.json?_shape=array").json()
    assert as_json
    assert [r["report_id"] for r in rows] == [r["report_id"] for r in as_json]
    assert [r["agency"] for r in rows] == [r["agency"] for r in as_json]
    plain = sample.get("/nianbao/most_applications.csv")
    assert not plain.content.startswith(UTF8_BOM)
    assert json.loads(sample.get("/nianbao/outcome_shares.json?_shape=array").content)


def test_a_streamed_spreadsheet_csv_keeps_every_row(sample):
    count = sample.rows("SELECT count(*) FROM statistics")[0][0]
    response = sample.get("/nianbao/statistics.csv?_stream=on&_size=50&_bom=on&_dl=on")
    assert response.content.startswith(UTF8_BOM)
    assert response.content.count(UTF8_BOM) == 1
    text = response.content[len(UTF8_BOM) :].decode("utf-8")
    assert len(list(csv.DictReader(io.StringIO(text)))) == count


def test_a_questions_failed_checks_are_in_chinese(sample):
    html = sample.page("/nianbao/numbers_do_not_add_up?year=全部")
    (rule,) = sample.rows("SELECT rule FROM checks WHERE ok = 0")[0]
    assert f"{WARNING_LABELS_ZH[rule]}" in html and f'<code class="nb-code">{rule}</code>' in html


def test_search_results_as_data_are_the_same_reports(sample):
    year = sample.rows("SELECT year FROM reports LIMIT 1")[0][0]
    html = sample.page(search_url(q="复议", year=year))
    (link,) = re.findall(r'href="(/nianbao/report_search\.json\?[^"]+)"', html)
    rows = sample.get(link.replace("&amp;", "&")).json()
    assert {r["id"] for r in rows} == set(hit_ids(html))
