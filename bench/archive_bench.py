"""Archive benchmark: a synthetic archive of 100 000 reports through a real Datasette.

    python -m bench.archive_bench [--reports 100000] [--dir /tmp/nianbao-bench] [--keep]
                                  [--reuse]

Builds ``nianbao.db`` from the five seed reports' shapes (their HTML renderings as the
pipeline reads them: parsed forms and texts), varying the agency (34 provinces × 30
departments × places), the year (2019–2024) and every number. The rows of ``reports``,
``report_full_texts``, ``documents`` (one per report; the demo finds ~4),
``checks`` and the search index are made by ``archive.store``/``archive.search`` in two
worker processes; the statistics (≈200 per report) are the seeds' cells scaled in SQL;
``applications_wide``, ``outcome_shares`` and the totals are derived by the SQL the
archive itself uses. One transaction, no journal, indexes built and the search index
merged after the load.

Then starts Datasette as ``nianbao serve`` does and prints the database size, the
bytes per report of each table with its indexes (SQLite ``dbstat``), the build time,
the load average and the median latency of 20 requests each: a search for a
two-character word and for a four-character phrase, a faceted table page, every canned
query, a report page and the site's own pages (``site:``: front door, search results
with filters, a province, an agency, a question, a spreadsheet CSV). Targets: search
under 50 ms, the others under 100 ms.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import sqlite3
import statistics
import time
import urllib.parse
import urllib.request
from pathlib import Path

import sqlite_utils

from archive import search
from archive.rawstore import RawStore
from archive.schema import (
    TABLES,
    applications_wide_insert_sql,
    ensure_db_shape,
    outcome_shares_insert_sql,
)
from archive.serve import METADATA
from archive.store import (
    PROVINCE_BY_CODE,
    cells_read,
    pack,
    refresh_totals,
    report_id,
    report_row,
    report_texts_row,
    statistic_value_rows,
)
from nianbao_common.cjk import FTS_ROWID_ID_MASK
from pipelines.extract import extract
from pipelines.parse import parse_document
from tests.support import start_datasette

DEPARTMENTS = (
    "生态环境局 公安局 教育局 财政局 人力资源和社会保障局 自然资源局 住房和城乡建设局 交通运输局 "
    "水利局 农业农村局 商务局 文化和旅游局 卫生健康委员会 应急管理局 市场监督管理局 统计局 "
    "医疗保障局 林业局 人民政府办公室 民政局 司法局 审计局 退役军人事务局 发展和改革委员会 "
    "工业和信息化局 科学技术局 城市管理局 信访局 体育局 人民政府"
).split()
PLACE_CHARS = "安平新永和东西南北阳山江河城宁昌丰兴华德庆武泰定长乐清源"
YEARS = range(2019, 2025)
SCALES = (0, 1, 1, 2, 5, 20)
REQUESTS = 20
CHUNK = 500
TWO_CHARACTER_WORD = "处罚"
FOUR_CHARACTER_PHRASE = "应急管理"
FTS5_DEFAULT_AUTOMERGE = 4
FORMATS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "formats"


def place(number: int) -> tuple[str, str]:
    """A made-up place name and its level, from a number."""
    first = PLACE_CHARS[number % len(PLACE_CHARS)]
    second = PLACE_CHARS[(number // len(PLACE_CHARS)) % len(PLACE_CHARS)]
    return (f"{first}{second}县", "县") if number % 3 else (f"{first}{second}市", "市")


def agencies_and_years(count: int) -> list[tuple[str, str, int, str, str]]:
    """(report id, agency, year, division code, level) of ``count`` reports, in id
    order, so the statistics go into their WITHOUT ROWID table as appends."""
    provinces = list(PROVINCE_BY_CODE.items())
    plan = []
    number = 0
    while len(plan) < count:
        code, province = provinces[number % len(provinces)]
        department = DEPARTMENTS[(number // len(provinces)) % len(DEPARTMENTS)]
        town, level = place(number // (len(provinces) * len(DEPARTMENTS)))
        agency = f"{province}{town}{department}"
        for year in YEARS[: count - len(plan)]:
            plan.append((report_id(agency, year), agency, year, code, level))
        number += 1
    return sorted(plan)


def seed_forms() -> list[tuple[dict, str, bytes]]:
    """(parsed form, full text, packed parsed form) of the five seed reports as the
    pipeline reads their HTML renderings (``tests/fixtures/formats/*/clean.html``)."""
    forms = []
    for path in sorted(FORMATS.glob("*/clean.html")):
        document = extract(path.read_bytes(), url=path.name)
        parsed = dict(parse_document(document), full_text=document.text())
        forms.append((parsed, parsed["full_text"], pack(parsed)))
    return forms


_SEEDS: list = []


def synthetic_chunk(chunk: list[tuple[int, tuple]]) -> list[tuple]:
    """Rows of a chunk of planned reports (runs in a worker process)."""
    if not _SEEDS:
        _SEEDS.extend(seed_forms())
    return [synthetic_report(made, planned, _SEEDS) for made, planned in chunk]


def synthetic_report(made: int, planned: tuple, seeds: list) -> tuple:
    """(report row, texts row, search-index row, checks rows, document row, plan row)
    of one synthetic report; its statistics are made in SQL from the plan row."""
    rid, agency, year, code, level = planned
    rng = random.Random(made)
    seed = made % len(seeds)
    parsed, text, blob = seeds[seed]
    title = f"{agency}{year}年政府信息公开工作年度报告"
    form = dict(parsed, agency=agency, year=year, title=title)
    form["full_text"] = text.replace(parsed["agency"], agency)
    form["sections"] = {
        name: section.replace(parsed["agency"], agency)
        for name, section in (parsed.get("sections") or {}).items()
        if section is not None
    }
    form["checks"] = [
        {"rule": "applications.balance", "ok": rng.random() >= 0.1, "detail": ""},
        {"rule": "review_litigation.totals", "ok": True, "detail": ""},
    ]
    document = {
        "id": rid,
        "url": f"http://example.invalid/{rid}.html",
        "link_title": title,
        "link_date": f"{year + 1}-01-20",
    }
    portal = {"division_code": f"{code}0000", "level": level}
    row = report_row(rid, document, form, portal, 1)
    texts = {**report_texts_row(rid, form), "fts_rowid": row["fts_rowid"]}
    size = len(form["full_text"].encode())
    doc = (rid, rid, document["url"], "html", size, cells_read(form), 1, blob)
    checks = [(rid, i, c["rule"], int(c["ok"]), c["detail"]) for i, c in enumerate(form["checks"])]
    indexed = {**row, **texts}
    shadow = (row["fts_rowid"], *(search.index_text(indexed[c]) for c in search.FTS_COLUMNS))
    plan = (rid, seed, rng.choice(SCALES), made)
    return row, texts, shadow, checks, doc, plan


def synthetic_reports(count: int, workers: int = 2):
    """Rows of ``count`` reports, in id order, made by ``workers`` processes."""
    plan = list(enumerate(agencies_and_years(count)))
    chunks = [plan[i : i + CHUNK] for i in range(0, len(plan), CHUNK)]
    with multiprocessing.Pool(workers) as pool:
        yield from pool.imap(synthetic_chunk, chunks)


def _insert_sql(table: str, columns: list[str], rowid: str | None = None) -> str:
    names = ", ".join((["rowid"] if rowid else []) + columns)
    values = ", ".join(([f":{rowid}"] if rowid else []) + [f":{c}" for c in columns])
    return f"INSERT INTO {table} ({names}) VALUES ({values})"


def load_statistics(db: sqlite_utils.Database, seeds: list[tuple[dict, str, bytes]]) -> None:
    """Every planned report's statistics: its seed's cells × its scale, plus 0–3."""
    db.execute(
        "CREATE TEMP TABLE seed_cells (seed INTEGER, row_label INTEGER, column_label INTEGER, "
        "value NUMERIC, position INTEGER, PRIMARY KEY (seed, row_label, column_label)) "
        "WITHOUT ROWID"
    )
    db.conn.executemany(
        "INSERT INTO seed_cells VALUES (?, ?, ?, ?, ?)",
        [
            (seed, *row[1:], position)
            for seed, (parsed, _, _) in enumerate(seeds)
            for position, row in enumerate(statistic_value_rows(db, 0, parsed))
        ],
    )
    db.execute(
        "INSERT INTO statistic_values (report, row_label, column_label, value) "
        "SELECT p.fts_rowid, c.row_label, c.column_label, "
        "  CASE WHEN c.value IS NULL THEN NULL "
        "  ELSE c.value * p.scale + (p.made + c.position) % 4 END "
        "FROM bench_plan p JOIN seed_cells c ON c.seed = p.seed "
        "ORDER BY p.fts_rowid, c.row_label, c.column_label"
    )


def claim_rowids(rows: list[tuple], taken: set[int]) -> list[tuple]:
    """The rows of a chunk with every report's search rowid free, as
    ``archive.store.free_fts_rowid`` makes it: the next one of its year when taken."""
    claimed = []
    for row, texts, shadow, checks, doc, plan in rows:
        rowid = row["fts_rowid"]
        first, last = rowid & ~FTS_ROWID_ID_MASK, rowid | FTS_ROWID_ID_MASK
        while rowid in taken:
            rowid = first if rowid == last else rowid + 1
        taken.add(rowid)
        row["fts_rowid"] = texts["fts_rowid"] = rowid
        claimed.append((row, texts, (rowid, *shadow[1:]), checks, doc, (*plan, rowid)))
    return claimed


class Phases:
    """Prints how long each step of the build took."""

    def __init__(self):
        self.last = time.perf_counter()

    def done(self, step: str) -> None:
        now = time.perf_counter()
        print(f"  {step}: {now - self.last:.0f} s", flush=True)
        self.last = now


def set_automerge(db: sqlite_utils.Database, level: int) -> None:
    db.execute(
        f"INSERT INTO {search.FTS_TABLE}({search.FTS_TABLE}, rank) VALUES('automerge', ?)",
        [level],
    )


def build(path: Path, count: int) -> None:
    phases = Phases()
    db = sqlite_utils.Database(path, recreate=True)
    for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -1000000"):
        db.execute(f"PRAGMA {pragma}")
    ensure_db_shape(db)
    indexes = [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        )
    ]
    for name in indexes:  # bulk load first, index after: much faster
        db.execute(f'DROP INDEX "{name}"')
    set_automerge(db, 0)  # no merging of the search index while loading; one merge after
    reports_sql = _insert_sql("reports", list(TABLES["reports"]["columns"]), "fts_rowid")
    texts_sql = _insert_sql(
        "report_full_texts", list(TABLES["report_full_texts"]["columns"]), "fts_rowid"
    )
    fts_sql = (
        f"INSERT INTO {search.FTS_TABLE} (rowid, {', '.join(search.FTS_COLUMNS)}) "
        "VALUES (?, ?, ?, ?)"
    )
    conn = db.conn
    conn.execute("BEGIN")
    conn.execute(
        "CREATE TEMP TABLE bench_plan (report_id TEXT PRIMARY KEY, seed INTEGER, "
        "scale INTEGER, made INTEGER, fts_rowid INTEGER) WITHOUT ROWID"
    )
    taken: set[int] = set()
    for chunk in synthetic_reports(count):
        rows = claim_rowids(chunk, taken)
        conn.executemany(reports_sql, [r[0] for r in rows])
        conn.executemany(texts_sql, [r[1] for r in rows])
        conn.executemany(fts_sql, [r[2] for r in rows])
        conn.executemany(
            "INSERT INTO checks VALUES (?, ?, ?, ?, ?)", [c for r in rows for c in r[3]]
        )
        conn.executemany(
            "INSERT INTO documents (id, report_id, url, format, size, cells_read, is_report, "
            "parsed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [r[4] for r in rows],
        )
        conn.executemany("INSERT INTO bench_plan VALUES (?, ?, ?, ?, ?)", [r[5] for r in rows])
    phases.done("reports, texts, documents, checks, search index")
    load_statistics(db, seed_forms())
    phases.done("statistics")
    for insert in (applications_wide_insert_sql, outcome_shares_insert_sql):
        conn.execute(insert("1"))
    conn.execute("COMMIT")
    refresh_totals(db)
    phases.done("applications_wide, outcome_shares, totals")
    ensure_db_shape(db)  # recreates the indexes
    phases.done("indexes")
    search.optimize(db)
    set_automerge(db, FTS5_DEFAULT_AUTOMERGE)
    phases.done("search index merged")
    db.execute("PRAGMA analysis_limit = 1000")
    db.execute("ANALYZE")
    db.close()
    phases.done("analyze")


def table_bytes(archive: Path) -> dict[str, int]:
    """Bytes on disk of each table with its indexes (SQLite ``dbstat``); the search
    index's shadow tables count as the search index."""
    conn = sqlite3.connect(f"file:{archive.resolve()}?mode=ro", uri=True)
    try:
        owners = dict(
            conn.execute(
                "SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')"
            )
        )
        pages = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
    finally:
        conn.close()
    sizes: dict[str, int] = {}
    for name, size in pages:
        owner = owners.get(name, name)
        if owner.startswith(f"{search.FTS_TABLE}_"):
            owner = search.FTS_TABLE
        sizes[owner] = sizes.get(owner, 0) + size
    return dict(sorted(sizes.items(), key=lambda item: -item[1]))


def print_bytes_per_report(archive: Path, reports: int) -> None:
    sizes = table_bytes(archive)
    print(f"bytes per report (dbstat, table with its indexes), {reports:,} reports:")
    for name, size in sizes.items():
        if size / reports >= 10:
            print(f"  {name:<28} {size / reports / 1000:8.2f} KB")
    print(f"  {'total':<28} {sum(sizes.values()) / reports / 1000:8.2f} KB")


def median_ms(url: str) -> float:
    for _ in range(2):
        urllib.request.urlopen(url, timeout=120).read()
    times = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        urllib.request.urlopen(url, timeout=120).read()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def canned_query_pages(agency: str) -> dict[str, str]:
    """One page per canned query of the metadata, with parameters that select a year."""
    queries = json.loads(METADATA.read_text(encoding="utf-8"))["databases"]["nianbao"]["queries"]
    params = {"year": "2023", "min_processed": "", "agency": agency}
    pages = {}
    for name, query in queries.items():
        used = {k: v for k, v in params.items() if f":{k}" in query["sql"]}
        pages[f"canned query {name}"] = f"/nianbao/{name}?{urllib.parse.urlencode(used)}"
    return pages


def pages_to_measure(archive: Path) -> dict[str, str]:
    db = sqlite_utils.Database(archive)
    rid, agency = db.execute("SELECT id, agency FROM reports LIMIT 1 OFFSET 777").fetchone()
    db.close()
    pages = {}
    for label, words in (
        ("two-character word", TWO_CHARACTER_WORD),
        ("four-character phrase", FOUR_CHARACTER_PHRASE),
    ):
        query = urllib.parse.urlencode({"_search": words, "_sort_desc": "relevance"})
        pages[f"search {words} ({label}, ranked, HTML)"] = f"/nianbao/report_search?{query}"
    pages["faceted table page reports?year=2023"] = "/nianbao/reports?year=2023"
    pages["faceted table page reports (all)"] = "/nianbao/reports"
    pages.update(canned_query_pages(agency))
    pages["report page"] = f"/nianbao/reports/{rid}"
    pages.update(site_pages(archive, agency))
    return pages


def site_pages(archive: Path, agency: str) -> dict[str, str]:
    """The site's own pages (nianbao_site): front door, search results, filters, a
    province, an agency, a question on its default year, a spreadsheet CSV."""
    db = sqlite_utils.Database(archive)
    province, level = db.execute(
        "SELECT province, level FROM reports WHERE agency = ? LIMIT 1", [agency]
    ).fetchone()
    db.close()
    quote = urllib.parse.quote
    pages = {"site: front door": "/"}
    for words in (TWO_CHARACTER_WORD, FOUR_CHARACTER_PHRASE):
        pages[f"site: search {words}"] = f"/search?q={quote(words)}"
    word = quote(TWO_CHARACTER_WORD)
    pages[f"site: search {TWO_CHARACTER_WORD}, year 2023"] = f"/search?q={word}&year=2023"
    pages[f"site: search {TWO_CHARACTER_WORD}, province"] = (
        f"/search?q={word}&province={quote(province)}"
    )
    pages[f"site: search {TWO_CHARACTER_WORD}, level {level}"] = (
        f"/search?q={word}&level={quote(level)}"
    )
    pages[f"site: search {TWO_CHARACTER_WORD}, newest first, page 40"] = (
        f"/search?q={word}&order=newest&page=40"
    )
    pages["site: province page"] = f"/province/{quote(province)}"
    pages["site: agency page"] = f"/agency/{quote(agency)}"
    pages["site: question, default year"] = "/nianbao/most_applications"
    pages["site: question CSV for spreadsheets"] = "/nianbao/most_applications.csv?_bom=on&_dl=on"
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/nianbao-bench"))
    parser.add_argument("--keep", action="store_true", help="keep the built archive")
    parser.add_argument("--reuse", action="store_true", help="measure an archive kept before")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    archive = args.dir / "nianbao.db"
    if not (args.reuse and archive.exists()):
        start = time.perf_counter()
        build(archive, args.reports)
        print(f"build: {time.perf_counter() - start:.0f} s")
        RawStore(args.dir / "raw.db").db.close()
    db = sqlite_utils.Database(archive)
    reports = db["reports"].count
    print(f"reports: {reports:,}  statistics rows: {db['statistic_values'].count:,}")
    db.close()
    print(f"nianbao.db: {archive.stat().st_size / 2**30:.2f} GiB")
    print_bytes_per_report(archive, reports)
    pages = pages_to_measure(archive)
    for base in start_datasette(args.dir):
        print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        for name, path in pages.items():
            print(f"{name}: median {median_ms(base + path):.1f} ms over {REQUESTS} requests")
        print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    if not args.keep:
        shutil.rmtree(args.dir)


if __name__ == "__main__":
    main()
