"""`nianbao demo --no-serve` end to end: the bundled sample portal served on 127.0.0.1,
crawled, processed, archived — and the archive holds the five seed reports, each once,
with the numbers of their hand-checked expected JSON."""

import json
from pathlib import Path

import pytest
import sqlite_utils

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = sorted((ROOT / "tests/fixtures/seeds/expected").glob("*.json"))
TABLES = ("active_disclosure", "applications", "review_litigation")


@pytest.fixture(scope="module")
def demo_archive(demo_run):
    return demo_run


def find_report(db: sqlite_utils.Database, expected: dict) -> dict:
    agency = expected.get("agency") or expected["agency_contains"]
    rows = list(
        db.query(
            "select * from reports where year = ? and agency like ?",
            [expected["year"], f"%{agency}%"],
        )
    )
    assert len(rows) == 1, f"{agency} {expected['year']}: {len(rows)} reports in the archive"
    return rows[0]


def test_demo_prints_a_progress_line_per_stage(demo_archive):
    _, stdout = demo_archive
    for stage in ("[1/4 sample portal]", "[2/4 crawl]", "[3/4 archive]"):
        assert stage in stdout


def test_archive_holds_the_five_seed_reports_once_each(demo_archive):
    data, _ = demo_archive
    db = sqlite_utils.Database(data / "nianbao.db")
    assert db["reports"].count == len(EXPECTED)
    for path in EXPECTED:
        report = find_report(db, json.loads(path.read_text()))
        documents = db["documents"].count_where("report_id = ?", [report["id"]])
        assert documents >= 2, f"{report['agency']}: found in only {documents} document"


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.stem)
def test_archived_numbers_are_the_expected_ones(demo_archive, path):
    data, _ = demo_archive
    db = sqlite_utils.Database(data / "nianbao.db")
    expected = json.loads(path.read_text())
    report = find_report(db, expected)
    assert report["template"] == expected["template"]
    archived = {
        (row["table_key"], row["row_key"], row["column_key"]): row["value"]
        for row in db.query(
            "select table_key, row_key, column_key, value from statistics where report_id = ?",
            [report["id"]],
        )
    }
    wrong = [
        f"{table}.{row}.{column}: archived {archived.get((table, row, column), 'absent')}, "
        f"expected {value}"
        for table in TABLES
        for row, columns in expected[table].items()
        for column, value in columns.items()
        if archived.get((table, row, column), "absent") != value
    ]
    assert not wrong, "\n".join(wrong)


def test_the_published_run_record_is_the_finished_one(demo_archive):
    data, _ = demo_archive
    runs = list(sqlite_utils.Database(data / "nianbao.db")["crawl_runs"].rows)
    assert [(r["status"], r["new_reports"]) for r in runs] == [("ok", len(EXPECTED))]
    assert runs[0]["finished_at"] >= runs[0]["started_at"]
