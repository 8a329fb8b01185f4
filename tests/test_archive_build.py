"""Building the archive: one report per agency and year, documents for every copy,
re-running harmless, atomic publishing. Also the sample archive the site tests use."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest
import sqlite_utils

from archive.publish import staged_archive
from archive.rawstore import RawStore
from archive.schema import ARCHIVE_VERSION, TABLES, ensure_db_shape
from archive.store import (
    best_document_key,
    copy_run_records,
    report_id,
    save_portals,
    save_result,
)
from nianbao_common.cjk import fts_query
from nianbao_common.ids import sha256_hex, stable_id

SEEDS = Path(__file__).parent / "fixtures" / "seeds"

# Where each seed was published (the sample portals); codes are real 行政区划代码.
SAMPLE_PORTALS = [
    {"id": "jiaozuo", "name": "焦作市人民政府", "division_code": "410800", "city": "焦作市"},
    {"id": "xinxiang", "name": "新乡市人民政府", "division_code": "410700", "city": "新乡市"},
    {"id": "henan", "name": "河南省人民政府", "division_code": "410000", "cms": "trs"},
    {"id": "zhengzhou-jinshui", "name": "金水区人民政府", "division_code": "410105"},
    {"id": "zhengzhou", "name": "郑州市人民政府", "division_code": "410100", "city": "郑州市"},
]


def seed_texts() -> list[tuple[str, str]]:
    return [(path.stem, path.read_text(encoding="utf-8")) for path in sorted(SEEDS.glob("*.txt"))]


def seed_parsed(stem: str, text: str) -> dict:
    """The seed's parsed form: the parser's, once it exists; until then the
    hand-checked expected form with the seed text as the full text."""
    try:
        from pipelines.parse import parse_text
    except ImportError:
        expected = json.loads((SEEDS / "expected" / f"{stem}.json").read_text(encoding="utf-8"))
        agency = expected.pop("agency", None) or expected.pop("agency_contains")
        return dict(expected, agency=agency, is_report=True, full_text=text, checks=[])
    return dict(parse_text(text), full_text=text)


def seed_document(stem: str, text: str, fmt: str, portal_id: str) -> dict:
    body = text.encode("utf-8")
    url = f"http://127.0.0.1/{portal_id}/{stem}.{fmt}"
    return {
        "id": stable_id(url, sha256_hex(body)),
        "url": url,
        "sha256": sha256_hex(body),
        "size": len(body),
        "content_type": "text/html; charset=utf-8" if fmt == "html" else "application/pdf",
        "format": fmt,
        "fetched_at": "2024-03-01T00:00:00Z",
        "referer": f"http://127.0.0.1/{portal_id}/index.html",
        "portal_id": portal_id,
        "kind": "report_page" if fmt == "html" else "attachment",
        "link_title": None,
        "extraction_method": f"{fmt}:fixture",
        "page_count": None if fmt == "html" else 3,
        "ocr": False,
        "warnings": [],
    }


def sample_results() -> list[tuple[dict, dict, dict]]:
    """(document, parsed, portal) for every seed as an HTML page; seed 001 also as a PDF
    attachment (the same report twice); seed 002 given a failed check, so the archive
    holds a report whose numbers do not add up whatever the parser finds."""
    results = []
    for (stem, text), portal in zip(seed_texts(), SAMPLE_PORTALS, strict=True):
        parsed = seed_parsed(stem, text)
        if stem.startswith("002"):
            parsed["checks"] = [
                *parsed.get("checks", []),
                {"rule": "review_litigation.totals", "ok": False, "detail": "synthetic finding"},
            ]
        results.append((seed_document(stem, text, "html", portal["id"]), parsed, portal))
        if stem.startswith("001"):
            results.append((seed_document(stem, text, "pdf", portal["id"]), parsed, portal))
    return results


def write_raw_store(path: Path, results) -> None:
    store = RawStore(path)
    for document, parsed, portal in results:
        store.put(
            url=document["url"],
            body=parsed["full_text"].encode("utf-8"),
            portal_id=portal["id"],
            kind=document["kind"],
            headers={"Content-Type": document["content_type"]},
            run_id="run-1",
        )
    with store.db.conn:
        store.db["crawl_runs"].insert(
            {"id": "run-1", "started_at": "2024-03-01T00:00:00Z", "status": "ok", "portals": 5}
        )
        store.db["portal_runs"].insert_all(
            {
                "id": f"run-1-{p['id']}",
                "run_id": "run-1",
                "portal_id": p["id"],
                "outcome": "ok",
                "finished_at": "2024-03-01T01:00:00Z",
            }
            for p in SAMPLE_PORTALS
        )
    store.db.close()


def build_sample(data_dir: Path) -> Path:
    """raw.db and nianbao.db of the sample portals under ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    results = sample_results()
    write_raw_store(data_dir / "raw.db", results)
    with staged_archive(data_dir / "nianbao.db") as db:
        save_portals(db, SAMPLE_PORTALS)
        for document, parsed, portal in results:
            save_result(db, document=document, parsed=parsed, portal=portal)
        copy_run_records(db, data_dir / "raw.db")
    return data_dir / "nianbao.db"


def dump(db: sqlite_utils.Database) -> list[str]:
    return list(db.conn.iterdump())


@pytest.fixture
def db() -> sqlite_utils.Database:
    database = sqlite_utils.Database(memory=True)
    ensure_db_shape(database)
    return database


def test_ensure_db_shape_is_idempotent_and_adds_missing_columns(db):
    before = dump(db)
    ensure_db_shape(db)
    assert dump(db) == before
    db.execute("ALTER TABLE portals DROP COLUMN extra")
    ensure_db_shape(db)
    assert "extra" in db["portals"].columns_dict
    assert set(TABLES) <= set(db.table_names())


def test_report_id_ignores_spacing_and_width():
    assert report_id("河南省 生态环境厅", 2023) == report_id("河南省生态环境厅", 2023)
    assert report_id("河南省生态环境厅", 2023) != report_id("河南省生态环境厅", 2022)


def test_html_and_pdf_copies_make_one_report_with_two_documents(db):
    results = sample_results()
    for document, parsed, portal in results:
        save_result(db, document=document, parsed=parsed, portal=portal)
    copies = [(d, p) for d, p, _ in results if d["url"].split("/")[-1].startswith("001")]
    assert len(copies) == 2
    rid = report_id(copies[0][1]["agency"], copies[0][1]["year"])
    report = db["reports"].get(rid)
    assert report["documents"] == 2
    assert db["documents"].count_where("report_id = ?", [rid]) == 2
    # Same cells read: the HTML page beats the PDF.
    html = next(d for d, _ in copies if d["format"] == "html")
    assert report["best_document"] == html["id"]
    assert db["reports"].count == len({(p["agency"], p["year"]) for _, p, _ in results})


def test_best_document_is_the_same_whatever_the_order(db):
    results = sample_results()
    for document, parsed, portal in reversed(results):
        save_result(db, document=document, parsed=parsed, portal=portal)
    other = sqlite_utils.Database(memory=True)
    ensure_db_shape(other)
    for document, parsed, portal in results:
        save_result(other, document=document, parsed=parsed, portal=portal)
    rows = "SELECT * FROM {} ORDER BY 1, 2, 3"
    for table in ("reports", "statistics", "checks"):
        assert (
            db.execute(rows.format(table)).fetchall()
            == other.execute(rows.format(table)).fetchall()
        )


def test_more_cells_read_wins_and_replaces_the_statistics(db):
    (document, parsed, portal), *_ = sample_results()
    save_result(db, document=document, parsed=parsed, portal=portal)
    rid = report_id(parsed["agency"], parsed["year"])
    # An OCR'd copy that read one more cell than the page is still the better copy.
    fuller = json.loads(json.dumps(parsed))
    fuller["applications"]["new_received"]["natural_person"] = 7
    fuller.setdefault("review_litigation", {}).setdefault("extra_group", {})["total"] = 1
    scan = dict(document, id="scan", format="pdf", ocr=True, url="http://127.0.0.1/scan.pdf")
    save_result(db, document=scan, parsed=fuller, portal=portal)
    assert db["reports"].get(rid)["best_document"] == "scan"
    value = db.execute(
        "SELECT value FROM statistics WHERE report_id = ? AND row_key = 'new_received' "
        "AND column_key = 'natural_person'",
        [rid],
    ).fetchone()[0]
    assert value == 7
    # The copy re-parsed with fewer cells gives the report back to the page.
    save_result(db, document=scan, parsed=None, portal=portal)
    assert db["reports"].get(rid)["best_document"] == document["id"]
    assert (
        db.execute(
            "SELECT count(*) FROM statistics WHERE report_id = ? AND row_key = 'extra_group'", [rid]
        ).fetchone()[0]
        == 0
    )


def test_ranking_rule_prefers_cells_then_format_then_id():
    docs = [
        {"id": "b", "format": "pdf", "cells_read": 10, "ocr": 0},
        {"id": "a", "format": "html", "cells_read": 10, "ocr": 0},
        {"id": "c", "format": "html", "cells_read": 9, "ocr": 0},
        {"id": "d", "format": "docx", "cells_read": 10, "ocr": 1},
    ]
    assert [d["id"] for d in sorted(docs, key=best_document_key)] == ["a", "b", "d", "c"]


def test_saving_twice_gives_the_same_database(db):
    results = sample_results()
    for document, parsed, portal in results:
        save_result(db, document=document, parsed=parsed, portal=portal)
    first = dump(db)
    for document, parsed, portal in results:
        save_result(db, document=document, parsed=parsed, portal=portal)
    assert dump(db) == first


def test_blank_cells_stay_null_and_parsed_form_is_kept(db):
    (document, parsed, portal), *_ = sample_results()
    parsed = json.loads(json.dumps(parsed))
    parsed["applications"]["carried_over"]["research_institution"] = None
    save_result(db, document=document, parsed=parsed, portal=portal)
    rid = report_id(parsed["agency"], parsed["year"])
    value = db.execute(
        "SELECT value FROM statistics WHERE report_id = ? AND row_key = 'carried_over' "
        "AND column_key = 'research_institution'",
        [rid],
    ).fetchone()
    assert value == (None,)
    stored = json.loads(zlib.decompress(db["documents"].get(document["id"])["parsed"]))
    assert stored["applications"] == parsed["applications"]


def test_a_document_that_is_no_longer_a_report_takes_its_report_away(db):
    (document, parsed, portal), *_ = sample_results()
    save_result(db, document=document, parsed=parsed, portal=portal)
    rid = report_id(parsed["agency"], parsed["year"])
    assert save_result(db, document=document, parsed={"is_report": False}) is None
    assert not db["reports"].count_where("id = ?", [rid])
    assert not db["statistics"].count_where("report_id = ?", [rid])
    assert db["documents"].get(document["id"])["is_report"] == 0
    assert db.execute("SELECT count(*) FROM reports_fts").fetchone()[0] == 0


def test_staged_archive_replaces_atomically_and_keeps_live_on_error(tmp_path):
    live = build_sample(tmp_path)
    before = live.read_bytes()
    with pytest.raises(RuntimeError):
        with staged_archive(live) as db:
            db.execute("DELETE FROM reports")
            raise RuntimeError("run failed")
    assert live.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".staged")] == []
    with staged_archive(live) as db:
        db.execute("DELETE FROM checks")
    assert sqlite_utils.Database(live)["checks"].count == 0


def test_run_records_are_copied_from_the_raw_store(tmp_path):
    build_sample(tmp_path)
    archive = sqlite_utils.Database(tmp_path / "nianbao.db")
    assert archive["crawl_runs"].count == 1
    assert archive["portal_runs"].count == len(SAMPLE_PORTALS)
    status = {row["portal_id"]: row for row in archive["portal_status"].rows}
    assert set(status) == {p["id"] for p in SAMPLE_PORTALS}
    assert all(row["last_outcome"] == "ok" and row["reports"] == 1 for row in status.values())


def test_section_texts_are_kept_once_and_read_back_whole(db):
    (document, parsed, portal), *_ = sample_results()
    full = parsed["full_text"]
    sections = {"overview": full[10:60], "problems": full[100:180], "other": "全文中没有的一段。"}
    save_result(db, document=document, parsed=dict(parsed, sections=sections), portal=portal)
    rid = report_id(parsed["agency"], parsed["year"])
    stored = db["report_full_texts"].get(rid)
    assert stored["overview"] is None  # a place in the full text, not a second copy
    assert stored["other"] == sections["other"]
    shown = db.execute("SELECT * FROM report_texts WHERE report_id = ?", [rid]).fetchone()
    assert shown == (
        rid,
        sections["overview"],
        sections["problems"],
        sections["other"],
        stored["full_text"],
    )


def test_the_extracted_text_of_the_best_document_is_stored_and_searched(db):
    (document, parsed, portal), *_ = sample_results()
    parsed = {k: v for k, v in parsed.items() if k != "full_text"}
    text = "附录：本机关另行公布了排污许可证核发清单。"
    save_result(db, document=dict(document, text=text), parsed=parsed, portal=portal)
    rid = report_id(parsed["agency"], parsed["year"])
    stored = db.execute("SELECT full_text FROM report_texts WHERE report_id = ?", [rid])
    assert stored.fetchone()[0] == text
    rowid = db["reports"].get(rid)["fts_rowid"]
    found = db.execute(
        "SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?", [fts_query("核发清单")]
    ).fetchall()
    assert found == [(rowid,)]


def test_outcome_shares_holds_one_row_per_report_with_its_sums(db):
    for document, parsed, portal in sample_results():
        save_result(db, document=document, parsed=parsed, portal=portal)
    rows = {row["report_id"]: row for row in db["outcome_shares"].rows}
    for _, parsed, _ in sample_results():
        row = rows[report_id(parsed["agency"], parsed["year"])]
        totals = {key: cells.get("total") for key, cells in parsed["applications"].items()}
        assert row["new_received"] == totals.get("new_received")
        denied = [v for k, v in totals.items() if k.startswith("denied_") and v is not None]
        assert row["denied"] == (sum(denied) if denied else None)


def test_an_archive_of_an_older_shape_is_rederived_from_its_documents(tmp_path):
    live = build_sample(tmp_path)
    db = sqlite_utils.Database(live)
    derived = ("reports", "report_texts", "statistics", "checks", "outcome_shares")
    before = {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall()) for t in derived}
    db.execute("DROP TABLE report_full_texts")
    db.execute("DELETE FROM statistic_values")
    for view in ("statistics", "report_texts"):  # tables in older archives
        db.execute(f"DROP VIEW {view}")
        db.execute(f"CREATE TABLE {view} (report_id TEXT, full_text TEXT)")
    db.execute("ALTER TABLE reports ADD COLUMN full_text TEXT")
    db.execute(f"PRAGMA user_version = {ARCHIVE_VERSION - 1}")
    ensure_db_shape(db)
    after = {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall()) for t in derived}
    assert after == before
    assert "full_text" not in db["reports"].columns_dict
    assert db.execute("SELECT count(*) FROM reports_fts").fetchone()[0] == len(before["reports"])


def test_a_report_without_portal_is_published_under_an_unknown_province(tmp_path):
    stem, text = seed_texts()[2]
    with staged_archive(tmp_path / "nianbao.db") as db:
        save_result(
            db, document=seed_document(stem, text, "html", "p1"), parsed=seed_parsed(stem, text)
        )
    totals = list(sqlite_utils.Database(tmp_path / "nianbao.db")["province_year_totals"].rows)
    assert [(t["province"], t["year"], t["reports"]) for t in totals] == [("未知", 2019, 1)]


def test_the_published_archive_is_readable_by_other_users(tmp_path):
    live = build_sample(tmp_path)
    assert live.stat().st_mode & 0o777 == 0o644
    live.chmod(0o640)
    with staged_archive(live):
        pass
    assert live.stat().st_mode & 0o777 == 0o640


def test_a_report_before_2019_is_archived_as_pre2019_never_complete(db):
    (document, _, portal), *_ = sample_results()
    text = (SEEDS.parent / "reports" / "real_pingtan_2018_old_table.txt").read_text()
    from pipelines.parse import parse_text

    parsed = dict(parse_text(text), full_text=text)
    save_result(db, document=dict(document, id="pre2019-document"), parsed=parsed, portal=portal)
    report = db["reports"].get(report_id(parsed["agency"], parsed["year"]))
    assert report["year"] == 2018
    assert report["parse_status"] == "pre2019" and report["template"] is None
    assert db.execute(
        "SELECT count(*) FROM statistics WHERE report_id = ?", [report["id"]]
    ).fetchone() == (0,)
