"""The published site, through a real Datasette on 127.0.0.1 over the sample archive:
Chinese search of the table views (``?_search=`` and the search box), canned queries
against oracles, metadata completeness, CSV and JSON export. The site's own pages are
tested in process in test_site_pages."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import urllib.parse
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from archive.publish import staged_archive
from archive.serve import (
    METADATA,
    inspect_data,
)
from archive.store import PROVINCE_BY_CODE, report_id
from nianbao_common import keys
from nianbao_common.cjk import index_tokens
from nianbao_site import archived_copy_url
from tests.support import start_datasette
from tests.test_archive_build import SEEDS, build_sample, sample_results

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("site")
    build_sample(directory)
    return directory


@pytest.fixture(scope="module")
def site(data_dir) -> Iterator[str]:
    yield from start_datasette(data_dir)


def get(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.geturl(), response.read().decode("utf-8")


def get_json(url: str):
    return json.loads(get(url)[2])


def archive_rows(data_dir: Path, sql: str, params=()) -> list[sqlite3.Row]:
    conn = sqlite3.connect(data_dir / "nianbao.db")
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


REPORT_WORDS = (
    "SELECT r.id, r.title, r.agency, t.full_text FROM reports r "
    "JOIN report_texts t ON t.report_id = r.id"
)


def reports_containing(data_dir: Path, phrase: str) -> set[str]:
    """The oracle: reports whose title, agency or text contains the phrase verbatim."""
    rows = archive_rows(data_dir, REPORT_WORDS)
    return {
        row["id"]
        for row in rows
        if any(phrase in (row[column] or "") for column in ("title", "agency", "full_text"))
    }


SEARCHES = ["处罚", "复议", "环评", "生态环境", "排污许可", "依申请公开"]


@pytest.mark.parametrize("phrase", SEARCHES)
def test_search_parameter_finds_exactly_the_reports_with_the_phrase(site, data_dir, phrase):
    expected = reports_containing(data_dir, phrase)
    query = urllib.parse.urlencode({"_search": phrase})
    status, final_url, body = get(f"{site}/nianbao/reports.json?{query}&_shape=array")
    assert status == 200 and "/nianbao/report_search.json" in final_url
    rows = json.loads(body)
    assert {row["id"] for row in rows} == expected
    relevance = [row["relevance"] for row in rows]
    assert relevance == sorted(relevance, reverse=True)


def test_the_sample_has_searches_that_split_it(data_dir):
    everything = len(archive_rows(data_dir, "SELECT id FROM reports"))
    sizes = {phrase: len(reports_containing(data_dir, phrase)) for phrase in SEARCHES}
    assert all(sizes.values())
    assert any(size < everything for size in sizes.values())


def test_a_title_word_outranks_the_same_word_in_the_body(site, data_dir):
    """Pick a word of one report's agency name that other reports only mention."""
    rows = archive_rows(data_dir, REPORT_WORDS)
    for row in rows:
        for word in {row["agency"][i : i + 2] for i in range(len(row["agency"]) - 1)}:
            in_names = [r for r in rows if word in r["agency"] or word in (r["title"] or "")]
            in_text = [r for r in rows if word in r["full_text"] and r not in in_names]
            if len(in_names) == 1 and in_text:
                query = urllib.parse.urlencode({"_search": word})
                found = get_json(f"{site}/nianbao/reports.json?{query}&_shape=array")
                assert found[0]["id"] == row["id"]
                return
    pytest.fail("the sample has no agency word that other reports mention in their text")


def adjacent_bigram_trap(data_dir: Path) -> tuple[str, str]:
    """A three-character phrase ABC and a report holding AB and BC but never ABC."""
    rows = archive_rows(data_dir, REPORT_WORDS)
    for row in rows:
        text = "\n".join(row[c] or "" for c in ("title", "agency", "full_text"))
        bigrams = {t for t in index_tokens(text) if len(t) == 2 and not t.isascii()}
        by_first: dict[str, list[str]] = {}
        for bigram in bigrams:
            by_first.setdefault(bigram[0], []).append(bigram)
        for first in sorted(bigrams):
            for second in sorted(by_first.get(first[1], [])):
                phrase = first + second[1]
                if phrase not in text:
                    return phrase, row["id"]
    raise AssertionError("no trap found")


def test_phrases_match_adjacent_characters_only(site, data_dir):
    phrase, trapped = adjacent_bigram_trap(data_dir)
    query = urllib.parse.urlencode({"_search": phrase})
    found = {r["id"] for r in get_json(f"{site}/nianbao/reports.json?{query}&_shape=array")}
    assert trapped not in found
    assert found == reports_containing(data_dir, phrase)
    # Matching the bigrams anywhere (what a naive rewrite does) would return it.
    loose = urllib.parse.urlencode(
        {"_search": f'"{phrase[:2]}" "{phrase[1:]}"', "_searchmode": "raw"}
    )
    naive = get_json(f"{site}/nianbao/report_search.json?{loose}&_shape=array")
    assert trapped in {r["id"] for r in naive}


class FormReader(HTMLParser):
    """The fields a browser would submit from the page's filter form."""

    def __init__(self):
        super().__init__()
        self.action = None
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "filters" in (a.get("class") or ""):
            self._in_form, self.action = True, a.get("action")
        elif not self._in_form:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind == "checkbox" and "checked" not in a:
                return
            if kind != "submit":
                self.fields.append(
                    (a["name"], a.get("value") or ("on" if kind == "checkbox" else ""))
                )
        elif tag == "select":
            self._select, self._options = a.get("name"), []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_endtag(self, tag):
        if tag == "form" and self._in_form:
            self._in_form = False
        elif tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected] or [self._options[0][0]]
            self.fields.append((self._select, chosen[0]))
            self._select = None


@pytest.mark.parametrize("phrase", ["处罚", "生态环境", "排污许可"])
def test_search_box_of_the_reports_table(site, data_dir, phrase):
    reader = FormReader()
    reader.feed(get(f"{site}/nianbao/reports")[2])
    names = [name for name, _ in reader.fields]
    assert "_search" in names
    fields = [(n, phrase if n == "_search" else v) for n, v in reader.fields]
    status, final_url, body = get(f"{site}{reader.action}?{urllib.parse.urlencode(fields)}")
    assert "/search?" in final_url  # the search results page
    ids = set()
    for link in body.split('href="/nianbao/reports/')[1:]:
        ids.add(link.split('"')[0])
    assert ids == reports_containing(data_dir, phrase)


def test_a_word_in_many_reports_ranks_the_first_matches_newest_years_first(data_dir, tmp_path):
    """With ``ranked_matches`` 2, a word in every sample report ranks the 2 matches first
    in the index (newest years first) and says that it did."""
    word = "复议"
    matching = reports_containing(data_dir, word)
    assert len(matching) > 2
    metadata = json.loads(METADATA.read_text(encoding="utf-8"))
    metadata["plugins"] = {"nianbao_site": {"ranked_matches": 2}}
    small = tmp_path / "metadata.json"
    small.write_text(json.dumps(metadata, ensure_ascii=False), encoding="utf-8")
    rows = archive_rows(data_dir, "SELECT id, year, fts_rowid FROM reports ORDER BY fts_rowid")
    first = [row["id"] for row in rows if row["id"] in matching][:2]
    years = {row["id"]: row["year"] for row in rows}
    assert min(years[r] for r in first) >= max(years[r] for r in matching - set(first))
    query = urllib.parse.urlencode({"_search": word})
    for base in start_datasette(data_dir, small):
        found = get_json(f"{base}/nianbao/report_search.json?{query}&_shape=array")
        assert {row["id"] for row in found} == set(first)
        _, _, page = get(f"{base}/nianbao/report_search?{query}")
        assert "in more than 2 reports; the first 2, newest years first" in page
        # A column filter applies before the bound: the year's own first matches.
        year = years[first[-1]]
        in_year = urllib.parse.urlencode({"_search": word, "year": year})
        found = get_json(f"{base}/nianbao/report_search.json?{in_year}&_shape=array")
        expected = [r["id"] for r in rows if r["id"] in matching and r["year"] == year][:2]
        assert {row["id"] for row in found} == set(expected)


def test_search_without_words_shows_nothing(site):
    rows = get_json(f"{site}/nianbao/report_search.json?_shape=array")
    assert rows == []


# ---- canned queries: each against an oracle computed from the parsed forms -------------


def parsed_reports() -> dict[str, dict]:
    """report id → (parsed form, portal) of the sample, best copy first as the archive."""
    reports: dict[str, dict] = {}
    for _, parsed, portal in sample_results():
        reports.setdefault(report_id(parsed["agency"], parsed["year"]), dict(parsed, portal=portal))
    return reports


def total(parsed: dict, row: str) -> float | None:
    return (parsed.get("applications") or {}).get(row, {}).get("total")


def group_total(parsed: dict, group: str) -> float | None:
    values = [total(parsed, row) for row in keys.OUTCOME_GROUPS[group]]
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def canned(site: str, name: str, **params) -> list[dict]:
    query = urllib.parse.urlencode({**params, "_shape": "array"})
    return get_json(f"{site}/nianbao/{name}.json?{query}")


def test_every_canned_query_runs(site):
    metadata = json.loads(METADATA.read_text(encoding="utf-8"))
    queries = metadata["databases"]["nianbao"]["queries"]
    assert len(queries) >= 6
    for name in queries:
        params = urllib.parse.urlencode({"year": 2023, "agency": "局", "min_processed": ""})
        data = get_json(f"{site}/nianbao/{name}.json?{params}")
        assert data["ok"] is not False and "rows" in data, name


def test_most_applications_in_a_year(site):
    reports = parsed_reports()
    for year in sorted({p["year"] for p in reports.values()}):
        expected = sorted(
            (
                (-total(p, "new_received"), p["agency"])
                for p in reports.values()
                if p["year"] == year and total(p, "new_received") is not None
            ),
        )
        rows = canned(site, "most_applications", year=year)
        assert [(-r["new_received"], r["agency"]) for r in rows] == expected


def test_highest_refusal_share(site):
    reports = parsed_reports()
    busy = [p for p in reports.values() if (total(p, "total_processed") or 0) >= 1]
    assert busy, "the sample needs a report that processed requests"
    for year in {p["year"] for p in busy}:
        rows = canned(site, "highest_refusal_share", year=year, min_processed=1)
        expected = {}
        for p in busy:
            if p["year"] != year:
                continue
            refused = (group_total(p, "denied") or 0) + (group_total(p, "unable") or 0)
            expected[p["agency"]] = round(100.0 * refused / total(p, "total_processed"), 1)
        assert {r["agency"]: r["refused_or_unable_pct"] for r in rows} == expected


def test_one_agency_across_years(site):
    reports = parsed_reports()
    agency = next(iter(reports.values()))["agency"]
    rows = canned(site, "agency_across_years", agency=agency[-4:])
    expected = sorted(
        (p["agency"], p["year"]) for p in reports.values() if agency[-4:] in p["agency"]
    )
    assert [(r["agency"], r["year"]) for r in rows] == expected
    assert all(r["new_received"] == total(reports[r["report_id"]], "new_received") for r in rows)


def test_reports_whose_numbers_do_not_add_up(site):
    reports = parsed_reports()
    expected = {
        rid: sum(not c["ok"] for c in p.get("checks", []))
        for rid, p in reports.items()
        if any(not c["ok"] for c in p.get("checks", []))
    }
    assert expected, "the sample holds a failed check"
    rows = canned(site, "numbers_do_not_add_up", year="全部")
    assert {r["report_id"]: r["failed_checks"] for r in rows} == expected
    year = reports[next(iter(expected))]["year"]
    in_year = canned(site, "numbers_do_not_add_up", year=year)
    assert {r["report_id"] for r in in_year} == {
        rid for rid in expected if reports[rid]["year"] == year
    }


def test_reviews_and_lawsuits_by_outcome(site):
    reports = parsed_reports()
    rows = {r["group_key"]: r for r in canned(site, "reviews_and_lawsuits_by_outcome", year="全部")}
    for group in keys.REVIEW_GROUPS:
        for column in keys.REVIEW_COLUMNS:
            values = [
                p["review_litigation"][group.key].get(column.key)
                for p in reports.values()
                if group.key in (p.get("review_litigation") or {})
            ]
            present = [v for v in values if v is not None]
            assert rows[group.key][column.key] == (sum(present) if present else None)
        assert rows[group.key]["category"] == group.zh


def test_totals_by_province_and_year(site):
    reports = parsed_reports()
    expected: dict[tuple, list] = {}
    for p in reports.values():
        province = PROVINCE_BY_CODE[p["portal"]["division_code"][:2]]
        key = (province, p["year"])
        expected.setdefault(key, []).append(total(p, "new_received"))
    rows = canned(site, "totals_by_province_and_year")
    assert {(r["province"], r["year"]): r["reports"] for r in rows} == {
        k: len(v) for k, v in expected.items()
    }
    for r in rows:
        values = [v for v in expected[(r["province"], r["year"])] if v is not None]
        assert r["new_received"] == (sum(values) if values else None)


# ---- metadata, export ---------------------------------------------------------------


def test_every_table_and_column_is_described_and_every_described_table_exists(site, data_dir):
    metadata = json.loads(METADATA.read_text(encoding="utf-8"))
    for database in ("nianbao", "raw"):
        described = metadata["databases"][database]["tables"]
        conn = sqlite3.connect(data_dir / f"{database}.db")
        names = {
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                "AND name NOT LIKE 'sqlite_%'"
            )
        }
        # The FTS5 index's own tables (reports_fts_data, …) go with the index.
        shadow = {
            n
            for n in names
            for f in described
            if described[f].get("hidden") and n.startswith(f"{f}_")
        }
        assert names - shadow == set(described), database
        for name, table in described.items():
            assert table.get("description"), name
            columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{name}")')]
            assert set(table.get("columns", {})) == set(columns), name
            assert all(table["columns"].values()), name
        conn.close()
    assert "著作权法" in metadata["license"]


def test_facets_on_reports(site):
    data = get_json(f"{site}/nianbao/reports.json?_size=1")
    assert set(data["facet_results"]) == {"province", "level", "year", "template"}


PAGE = 100


def test_statistics_export_returns_every_row(site, data_dir):
    count = archive_rows(data_dir, "SELECT count(*) FROM statistics")[0][0]
    assert count > 5 * PAGE  # many pages
    _, _, body = get(f"{site}/nianbao/statistics.csv?_stream=on&_size={PAGE}")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == count
    assert {r["value"] for r in rows} >= {"", "0"}  # blanks stay blank, zeros stay zero
    seen = 0
    url = f"{site}/nianbao/statistics.json?_size={PAGE}"
    while url:
        page = get_json(url)
        seen += len(page["rows"])
        url = page.get("next_url")
    assert seen == count


def test_report_page_shows_tables_checks_and_links(site, data_dir):
    failed = archive_rows(data_dir, "SELECT id, best_document FROM reports WHERE failed_checks > 0")
    rid, best = failed[0]["id"], failed[0]["best_document"]
    url, sha = archive_rows(data_dir, "SELECT url, sha256 FROM documents WHERE id = ?", [best])[0]
    _, _, page = get(f"{site}/nianbao/reports/{rid}")
    for label in ("本年新收政府信息公开申请数量", "予以公开", "行政复议", "结果维持", "信息内容"):
        assert label in page
    assert "nb-failed" in page and "nb-check-failed" in page
    (fmt,) = archive_rows(data_dir, "SELECT format FROM documents WHERE id = ?", [best])[0]
    archived = archived_copy_url(sha, fmt)
    assert f'href="{archived}"' in page
    status, _, body = get(f"{site}{archived}")
    seed = SEEDS / f"{Path(urllib.parse.urlsplit(url).path).stem}.txt"
    assert status == 200 and body == seed.read_text(encoding="utf-8")  # the bytes kept


def test_inspect_data_counts_every_table_and_names_this_copy_of_the_file(tmp_path):
    archive = build_sample(tmp_path)
    first = inspect_data(archive)["nianbao"]
    tables = {
        row["name"]
        for row in archive_rows(tmp_path, "SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    assert set(first["tables"]) == {t for t in tables if not t.startswith("sqlite_")}
    for name, info in first["tables"].items():
        assert info["count"] == archive_rows(tmp_path, f'SELECT count(*) FROM "{name}"')[0][0]
    with staged_archive(archive) as db:
        db.execute("DELETE FROM checks")
    second = inspect_data(archive)["nianbao"]
    assert second["tables"]["checks"]["count"] == 0
    assert second["hash"] != first["hash"]
