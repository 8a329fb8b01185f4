"""Archive benchmark: a synthetic archive of 100 000 reports through a real Datasette.

    python -m bench.archive_bench [--reports 100000] [--dir /tmp/nianbao-bench] [--keep]

Builds ``nianbao.db`` from the five seed reports' shapes (their parsed forms and
texts), varying the agency (34 provinces × 30 departments × places), the year
(2019–2024) and every number, in one transaction with ``executemany`` and the
secondary indexes built after the load. Then starts Datasette as ``nianbao serve``
does and prints the database size and the median latency of ~20 requests each: a
search, a faceted table page and a canned query (and a few more for context).
Targets: each under 100 ms at 100 000 reports, the search under 50 ms.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import shutil
import statistics
import time
import urllib.parse
import urllib.request
from pathlib import Path

import sqlite_utils

from archive import search
from archive.rawstore import RawStore
from archive.schema import TABLES, ensure_db_shape
from archive.store import (
    PROVINCE_BY_CODE,
    cells_read,
    pack,
    report_id,
    report_row,
    statistics_rows,
)
from tests.test_archive_build import seed_parsed, seed_texts
from tests.test_site import start_datasette

DEPARTMENTS = (
    "生态环境局 公安局 教育局 财政局 人力资源和社会保障局 自然资源局 住房和城乡建设局 交通运输局 "
    "水利局 农业农村局 商务局 文化和旅游局 卫生健康委员会 应急管理局 市场监督管理局 统计局 "
    "医疗保障局 林业局 人民政府办公室 民政局 司法局 审计局 退役军人事务局 发展和改革委员会 "
    "工业和信息化局 科学技术局 城市管理局 信访局 体育局 人民政府"
).split()
PLACE_CHARS = "安平新永和东西南北阳山江河城宁昌丰兴华德庆武泰定长乐清源"
YEARS = range(2019, 2025)
REQUESTS = 20
CHUNK = 500


def place(number: int) -> tuple[str, str]:
    """A made-up place name and its level, from a number."""
    first = PLACE_CHARS[number % len(PLACE_CHARS)]
    second = PLACE_CHARS[(number // len(PLACE_CHARS)) % len(PLACE_CHARS)]
    return (f"{first}{second}县", "县") if number % 3 else (f"{first}{second}市", "市")


def vary(parsed: dict, rng: random.Random) -> dict:
    """The seed's parsed form with every number changed (blanks stay blank)."""
    scale = rng.choice((0, 1, 1, 2, 5, 20))
    out = {}
    for table in ("active_disclosure", "applications", "review_litigation"):
        out[table] = {
            row: {
                col: (None if v is None else int(v) * scale + rng.randrange(4))
                for col, v in cells.items()
            }
            for row, cells in (parsed.get(table) or {}).items()
        }
    return out


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
    forms = []
    for stem, text in seed_texts():
        parsed = seed_parsed(stem, text)
        forms.append((parsed, text, pack(parsed)))
    return forms


_SEEDS: list = []


def synthetic_chunk(chunk: list[tuple[int, tuple]]) -> list[tuple]:
    """Rows of a chunk of planned reports (runs in a worker process)."""
    if not _SEEDS:
        _SEEDS.extend(seed_forms())
    return [synthetic_report(made, planned, _SEEDS) for made, planned in chunk]


def synthetic_report(made: int, planned: tuple, seeds: list) -> tuple:
    """(report row, search-index row, statistics rows, checks rows, document row)."""
    rid, agency, year, code, level = planned
    rng = random.Random(made)
    parsed, text, blob = seeds[made % len(seeds)]
    title = f"{agency}{year}年政府信息公开工作年度报告"
    body = text.replace(parsed["agency"], agency)
    form = dict(parsed, **vary(parsed, rng), agency=agency, year=year, title=title)
    form["full_text"] = body
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
    doc = (rid, rid, document["url"], "html", len(body.encode()), cells_read(form), 1, blob)
    checks = [(rid, i, c["rule"], int(c["ok"]), c["detail"]) for i, c in enumerate(form["checks"])]
    shadow = (row["fts_rowid"], *(search.index_text(row[c]) for c in search.FTS_COLUMNS))
    return row, shadow, statistics_rows(rid, form), checks, doc


def synthetic_reports(count: int, workers: int = 2):
    """Rows of ``count`` reports, in id order, made by ``workers`` processes."""
    plan = list(enumerate(agencies_and_years(count)))
    chunks = [plan[i : i + CHUNK] for i in range(0, len(plan), CHUNK)]
    with multiprocessing.Pool(workers) as pool:
        yield from pool.imap(synthetic_chunk, chunks)


def build(path: Path, count: int) -> None:
    db = sqlite_utils.Database(path, recreate=True)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    ensure_db_shape(db)
    indexes = [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        )
    ]
    for name in indexes:  # bulk load first, index after: much faster
        db.execute(f'DROP INDEX "{name}"')
    columns = list(TABLES["reports"]["columns"])
    report_sql = (
        f"INSERT INTO reports (rowid, {', '.join(columns)}) "
        f"VALUES (:fts_rowid, {', '.join(':' + c for c in columns)})"
    )
    fts_sql = (
        f"INSERT INTO {search.FTS_TABLE} (rowid, {', '.join(search.FTS_COLUMNS)}) "
        "VALUES (?, ?, ?, ?)"
    )
    conn = db.conn
    conn.execute("BEGIN")
    for rows in synthetic_reports(count):
        conn.executemany(report_sql, [r[0] for r in rows])
        conn.executemany(fts_sql, [r[1] for r in rows])
        conn.executemany(
            "INSERT INTO statistics VALUES (?, ?, ?, ?, ?)", [s for r in rows for s in r[2]]
        )
        conn.executemany(
            "INSERT INTO checks VALUES (?, ?, ?, ?, ?)", [c for r in rows for c in r[3]]
        )
        conn.executemany(
            "INSERT INTO documents (id, report_id, url, format, size, cells_read, is_report, "
            "parsed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [r[4] for r in rows],
        )
    conn.execute("COMMIT")
    ensure_db_shape(db)  # recreates the indexes
    db.execute("ANALYZE")
    db.close()


def median_ms(url: str) -> float:
    for _ in range(2):
        urllib.request.urlopen(url, timeout=120).read()
    times = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        urllib.request.urlopen(url, timeout=120).read()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/nianbao-bench"))
    parser.add_argument("--keep", action="store_true", help="keep the built archive")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    archive = args.dir / "nianbao.db"
    start = time.perf_counter()
    build(archive, args.reports)
    built = time.perf_counter() - start
    RawStore(args.dir / "raw.db").db.close()
    db = sqlite_utils.Database(archive)
    print(f"reports: {db['reports'].count:,}  statistics rows: {db['statistics'].count:,}")
    db.close()
    print(f"build: {built:.0f} s  nianbao.db: {archive.stat().st_size / 2**30:.2f} GiB")
    q = urllib.parse.quote
    pages = {
        "search 应急管理 (ranked, facets; target < 50 ms)": (
            f"/nianbao/report_search?_search={q('应急管理')}&_sort_desc=relevance"
        ),
        "search 交通运输 (JSON)": (
            f"/nianbao/report_search.json?_search={q('交通运输')}&_sort_desc=relevance"
        ),
        "search 处罚 (in most reports)": (
            f"/nianbao/report_search?_search={q('处罚')}&_sort_desc=relevance"
        ),
        "faceted table page reports?year=2023 (target < 100 ms)": "/nianbao/reports?year=2023",
        "faceted table page reports (all)": "/nianbao/reports",
        "canned query most_applications (target < 100 ms)": (
            "/nianbao/most_applications?year=2023"
        ),
        "canned query highest_refusal_share": "/nianbao/highest_refusal_share?year=2022&min_processed=",
        "report page": None,
    }
    for base in start_datasette(args.dir):
        rid = (
            sqlite_utils.Database(archive)
            .execute("SELECT id FROM reports LIMIT 1 OFFSET 777")
            .fetchone()[0]
        )
        pages["report page"] = f"/nianbao/reports/{rid}"
        for name, path in pages.items():
            print(f"{name}: median {median_ms(base + path):.1f} ms over {REQUESTS} requests")
    if not args.keep:
        shutil.rmtree(args.dir)


if __name__ == "__main__":
    main()
