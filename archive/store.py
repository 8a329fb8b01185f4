"""Writing the archive: documents, reports, statistics, checks, portals, run records.

A report is one agency's report for one year (its id comes from the normalised agency
and the year); every copy of it that was found (the HTML page, its PDF attachment, the
same file on another portal) is a row of ``documents``. Each document keeps its own
parsed form (zlib-compressed JSON), so the report can always be rebuilt from its best
document, whatever order the documents are saved in.

The best document is the one that read the most table cells; ties go to the format
that loses least in extraction (html > docx > pdf > doc > anything else, and any OCR
last), then to the smallest document id. Saving a document re-derives the report it
belongs to (and the one it belonged to before, if its parse changed): the report row,
its texts, statistics, checks, applications_wide and outcome_shares rows are replaced
as a whole from the best document. Every write is an upsert of deterministic rows, so
saving the same thing twice changes nothing. The totals by province and year (``province_year_totals``,
``review_litigation_totals``) are summed once per run, by :func:`refresh_totals`
(``archive.publish`` calls it).
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
import zlib
from pathlib import Path

import sqlite_utils

from archive import coverage, search
from archive.rawstore import COPIED_TO_ARCHIVE, RAW_TABLES
from archive.schema import (
    TABLES,
    TEXT_SECTIONS,
    applications_wide_insert_sql,
    ensure_db_shape,
    label_ids,
    outcome_shares_insert_sql,
    province_year_totals_insert_sql,
    review_litigation_totals_insert_sql,
)
from crawler.divisions import full_name
from nianbao_common.cjk import FTS_ROWID_ID_MASK, fts_rowid
from nianbao_common.ids import stable_id

__all__ = [
    "copy_run_records",
    "ensure_db_shape",
    "rederive_reports",
    "refresh_totals",
    "report_id",
    "save_portals",
    "save_result",
]

STATISTICS_TABLES = ("active_disclosure", "applications", "review_litigation")
# A report's rows besides its reports and report_full_texts rows, replaced with it.
DERIVED_ROWS = ("checks", "applications_wide", "outcome_shares")
FORMAT_PREFERENCE = ("html", "docx", "pdf", "doc")

# 行政区划代码: the first two digits name the province.
PROVINCE_BY_CODE = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
    "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
    "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区", "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}  # fmt: skip

_SPACE = re.compile(r"\s+")


def normalise_agency(agency: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", agency))


def report_id(agency: str, year: int) -> str:
    """The report's id: the same agency and year give the same id, whatever the
    spacing or full-width characters of the name."""
    return stable_id("report", normalise_agency(agency), str(int(year)))


def level_from_code(code: str | None) -> str | None:
    """省 / 市 / 县 (the registry's levels) from a 6- or 12-digit 行政区划代码."""
    if not code or len(code) < 6 or not code[:6].isdigit():
        return None
    if code[2:6] == "0000":
        return "省"
    if code[4:6] == "00":
        return "市"
    return "县"


def cells_read(parsed: dict) -> int:
    """How many table cells the parser read as numbers (blanks not counted)."""
    return sum(
        value is not None
        for table in STATISTICS_TABLES
        for row in (parsed.get(table) or {}).values()
        for value in (row or {}).values()
    )


def best_document_key(document: dict) -> tuple:
    """Sort key: the first document in this order is the report's best copy."""
    fmt = (document.get("format") or "").lower()
    rank = FORMAT_PREFERENCE.index(fmt) if fmt in FORMAT_PREFERENCE else len(FORMAT_PREFERENCE)
    if document.get("ocr"):
        rank = len(FORMAT_PREFERENCE) + 1
    return (-(document.get("cells_read") or 0), rank, document["id"])


def statistics_rows(rid: str, parsed: dict) -> list[tuple]:
    return [
        (rid, table, row_key, column_key, value)
        for table in STATISTICS_TABLES
        for row_key, row in (parsed.get(table) or {}).items()
        for column_key, value in (row or {}).items()
    ]


def section_spans(full_text: str, sections: dict) -> tuple[dict, dict]:
    """The sections the full text holds verbatim, as {name: [first character (from 1,
    as SQLite's ``substr``), length]}, and the others as they are."""
    spans, others = {}, {}
    for name, text in sections.items():
        at = full_text.find(text) if isinstance(text, str) else -1
        if at >= 0:
            spans[name] = [at + 1, len(text)]
        else:
            others[name] = text
    return spans, others


def pack(parsed: dict) -> bytes:
    return zlib.compress(json.dumps(parsed, ensure_ascii=False, sort_keys=True).encode(), 6)


def unpack(blob: bytes) -> dict:
    return json.loads(zlib.decompress(blob))


def _json_list(items) -> str | None:
    return json.dumps(list(items), ensure_ascii=False) if items else None


def _full_text(document: dict, parsed: dict) -> str:
    """The document's extracted text (``pipelines/process.py`` passes it as ``text``), or
    what the parsed form holds of it."""
    text = document.get("text") or parsed.get("full_text") or parsed.get("text")
    if text:
        return text
    sections = parsed.get("sections") or {}
    return "\n".join(filter(None, [parsed.get("title"), *sections.values()]))


def _is_report(parsed: dict | None) -> bool:
    return bool(parsed and parsed.get("is_report"))


def _document_row(document: dict, parsed: dict | None, rid: str | None) -> dict:
    stored = None
    if _is_report(parsed):
        stored = dict(parsed, full_text=_full_text(document, parsed))
    return {
        "id": document["id"],
        "report_id": rid,
        "url": document.get("url"),
        "format": document.get("format"),
        "content_type": document.get("content_type"),
        "sha256": document.get("sha256"),
        "size": document.get("size"),
        "fetched_at": document.get("fetched_at"),
        "portal_id": document.get("portal_id"),
        "referer": document.get("referer"),
        "kind": document.get("kind"),
        "link_title": document.get("link_title"),
        "link_date": document.get("link_date"),
        "extraction_method": document.get("extraction_method"),
        "page_count": document.get("page_count"),
        "ocr": int(bool(document.get("ocr"))),
        "is_report": int(_is_report(parsed)),
        "cells_read": cells_read(parsed) if stored else None,
        "warnings": _json_list(document.get("warnings")),
        "error_kind": document.get("error_kind"),
        "error": document.get("error"),
        "parsed": pack(stored) if stored else None,
    }


def report_row(rid: str, best: dict, parsed: dict, portal: dict, count: int) -> dict:
    """The reports row of a report whose best document is ``best`` (a documents row)."""
    checks = parsed.get("checks") or []
    code = portal.get("division_code")
    year = int(parsed["year"])
    return {
        "id": rid,
        "agency": parsed["agency"],
        "year": year,
        "division_code": code,
        "division_name": full_name(code) if code else None,
        "province": portal.get("province") or PROVINCE_BY_CODE.get((code or "")[:2]),
        "city": portal.get("city"),
        "county": portal.get("county"),
        "level": portal.get("level") or level_from_code(code),
        "template": parsed.get("template"),
        "title": parsed.get("title") or best.get("link_title"),
        "published": parsed.get("published") or best.get("link_date"),
        "source_url": best.get("url"),
        "best_document": best["id"],
        "documents": count,
        "parse_status": parsed["status"],
        "failed_checks": sum(not check.get("ok") for check in checks),
        "warnings": _json_list(parsed.get("warnings")),
        "fts_rowid": fts_rowid(rid, year),
    }


def report_texts_row(rid: str, parsed: dict) -> dict:
    """The report_full_texts row: the full text of the best document, each section as
    its place in it (SQLite's ``substr``: first character from 1, length), or as its own
    text when the full text does not hold it verbatim."""
    sections = parsed.get("sections") or {}
    spans, others = section_spans(parsed["full_text"], {s: sections.get(s) for s in TEXT_SECTIONS})
    return {
        "report_id": rid,
        "full_text": parsed["full_text"],
        "section_spans": json.dumps(spans) if spans else None,
        **{section: others.get(section) for section in TEXT_SECTIONS},
    }


def _upsert_at_rowid(db: sqlite_utils.Database, table: str, row: dict, rowid: int) -> None:
    """Insert or update by primary key, a new row taking ``rowid`` (the report's search
    rowid): Datasette's per-column search (``?_search_title=``) joins on rowid, and a
    re-saved row keeps its place."""
    pk = TABLES[table]["pk"][0]
    columns = list(row)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != pk)
    db.execute(
        f"INSERT INTO {table} (rowid, {', '.join(columns)}) "
        f"VALUES (:_rowid, {', '.join(':' + c for c in columns)}) "
        f"ON CONFLICT({pk}) DO UPDATE SET {updates}",
        {**row, "_rowid": rowid},
    )


def free_fts_rowid(db: sqlite_utils.Database, rid: str, preferred: int) -> int:
    """The search rowid of a new report: ``preferred`` (``fts_rowid`` of its id and
    year) or, when another report holds it, the next free one in the same year's range
    (with 20 bits of the id, some reports of a year share their preferred rowid)."""
    first, last = preferred & ~FTS_ROWID_ID_MASK, preferred | FTS_ROWID_ID_MASK
    candidate = preferred
    while db.execute(
        "SELECT 1 FROM reports WHERE fts_rowid = ? AND id != ?", [candidate, rid]
    ).fetchone():
        candidate = first if candidate == last else candidate + 1
    return candidate


def statistic_value_rows(db: sqlite_utils.Database, report: int, parsed: dict) -> list[tuple]:
    """The ``statistic_values`` rows of a report: (its search rowid, row label id,
    column label id, value) for every number of its three tables."""
    cells = statistics_rows("", parsed)
    ids = label_ids(
        db, {(t, axis, key) for _, t, r, c, _ in cells for axis, key in (("row", r), ("column", c))}
    )
    return [(report, ids[(t, "row", r)], ids[(t, "column", c)], v) for _, t, r, c, v in cells]


def _delete_report(db: sqlite_utils.Database, rid: str, old: dict | None) -> None:
    db.execute(
        "DELETE FROM statistic_values WHERE report = (SELECT fts_rowid FROM reports WHERE id = ?)",
        [rid],
    )
    for table in DERIVED_ROWS:
        db.execute(f"DELETE FROM {table} WHERE report_id = ?", [rid])
    if old is not None:
        search.index_report(db, old["fts_rowid"], old, None)
        db.execute("DELETE FROM report_full_texts WHERE report_id = ?", [rid])
        db.execute("DELETE FROM reports WHERE id = ?", [rid])


def _indexed_report(db: sqlite_utils.Database, rid: str) -> dict | None:
    """What the search index holds of the report: its rowid there and the texts."""
    row = db.execute(
        "SELECT r.fts_rowid, r.title, r.agency, t.full_text FROM reports r "
        "LEFT JOIN report_full_texts t ON t.report_id = r.id WHERE r.id = ?",
        [rid],
    ).fetchone()
    return dict(zip(("fts_rowid", *search.FTS_COLUMNS), row, strict=True)) if row else None


def refresh_report(db: sqlite_utils.Database, rid: str) -> None:
    """Re-derive one report from the best of its documents (or remove it if none)."""
    documents = list(
        db["documents"].rows_where(
            "report_id = ? AND parsed IS NOT NULL",
            [rid],
            select="id, format, ocr, cells_read, url, link_title, link_date, portal_id, parsed",
        )
    )
    old = _indexed_report(db, rid)
    if not documents:
        _delete_report(db, rid, old)
        return
    best = min(documents, key=best_document_key)
    parsed = unpack(best["parsed"])
    portal = {}
    if best["portal_id"]:
        portal = next(db["portals"].rows_where("id = ?", [best["portal_id"]], limit=1), {})
    new = report_row(rid, best, parsed, portal, len(documents))
    new["fts_rowid"] = old["fts_rowid"] if old else free_fts_rowid(db, rid, new["fts_rowid"])
    texts = report_texts_row(rid, parsed)
    indexed = {**new, **texts}
    _delete_report(db, rid, None)
    if old is None or any(old[c] != indexed[c] for c in old):
        if old is not None:
            search.index_report(db, old["fts_rowid"], old, None)
        search.index_report(db, new["fts_rowid"], None, indexed)
    _upsert_at_rowid(db, "reports", new, new["fts_rowid"])
    _upsert_at_rowid(db, "report_full_texts", texts, new["fts_rowid"])
    db.conn.executemany(
        "INSERT INTO statistic_values (report, row_label, column_label, value) VALUES (?, ?, ?, ?)",
        statistic_value_rows(db, new["fts_rowid"], parsed),
    )
    db.conn.executemany(
        "INSERT INTO checks (report_id, position, rule, ok, detail) VALUES (?, ?, ?, ?, ?)",
        [
            (rid, position, check.get("rule"), int(bool(check.get("ok"))), check.get("detail"))
            for position, check in enumerate(parsed.get("checks") or [])
        ],
    )
    for insert in (applications_wide_insert_sql, outcome_shares_insert_sql):
        db.execute(insert("r.id = :report_id"), {"report_id": rid})


TOTALS = {
    "province_year_totals": province_year_totals_insert_sql(),
    "review_litigation_totals": review_litigation_totals_insert_sql(),
    **coverage.TOTALS,
}


def refresh_totals(db: sqlite_utils.Database) -> None:
    """Sum the totals by province and year again (after a run has saved its reports)."""
    with db.atomic():
        for table, insert in TOTALS.items():
            db.execute(f"DELETE FROM {table}")
            db.execute(insert)


def rederive_reports(db: sqlite_utils.Database) -> None:
    """Derive every report again from the parsed forms its documents keep."""
    rids = db.execute(
        "SELECT DISTINCT report_id FROM documents "
        "WHERE report_id IS NOT NULL AND parsed IS NOT NULL ORDER BY report_id"
    ).fetchall()
    for (rid,) in rids:
        refresh_report(db, rid)
    search.optimize(db)
    refresh_totals(db)


def save_result(
    db: sqlite_utils.Database,
    *,
    document: dict,
    parsed: dict | None,
    portal: dict | None = None,
) -> str | None:
    """Upsert one processed document and, when it is a report, re-derive its report.
    Returns the report id, or None when the document is not a report (or names no
    agency or year)."""
    rid = None
    if _is_report(parsed):
        if parsed.get("agency") and parsed.get("year"):
            rid = report_id(parsed["agency"], parsed["year"])
        else:
            parsed = dict(parsed, is_report=False)
            document = dict(
                document,
                warnings=[*(document.get("warnings") or []), "report names no agency or year"],
            )
    with db.atomic():
        if portal:
            save_portals(db, [portal])
        previous = next(
            db["documents"].rows_where("id = ?", [document["id"]], select="report_id", limit=1),
            {},
        ).get("report_id")
        db["documents"].upsert(_document_row(document, parsed, rid), pk="id")
        for affected in dict.fromkeys(r for r in (rid, previous) if r):
            refresh_report(db, affected)
    return rid


def portal_row(portal: dict) -> dict:
    columns = TABLES["portals"]["columns"]
    row = {}
    for column in columns:
        value = portal.get(column)
        row[column] = _json_list(value) if isinstance(value, list | tuple) else value
    extra = {k: v for k, v in portal.items() if k not in columns}
    row["extra"] = json.dumps(extra, ensure_ascii=False, sort_keys=True) if extra else None
    return row


def save_portals(db: sqlite_utils.Database, portals: list[dict]) -> None:
    """Upsert registry rows (crawler/registry.py's columns; a key the archive has no
    column for is kept in ``extra`` as JSON, a list value as a JSON list)."""
    db["portals"].upsert_all([portal_row(p) for p in portals], pk="id")


def copy_run_records(db: sqlite_utils.Database, raw_db_path: str | Path) -> None:
    """Copy ``crawl_runs``, ``portal_runs`` and ``discoveries`` from raw.db (read-only)
    into the archive."""
    raw = sqlite3.connect(f"file:{Path(raw_db_path).resolve()}?mode=ro", uri=True)
    raw.row_factory = sqlite3.Row
    try:
        with db.atomic():
            for name in COPIED_TO_ARCHIVE:
                exists = raw.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]
                ).fetchone()
                if not exists:
                    continue
                columns = ", ".join(RAW_TABLES[name]["columns"])
                rows = [dict(row) for row in raw.execute(f"SELECT {columns} FROM {name}")]
                db[name].upsert_all(rows, pk=RAW_TABLES[name]["pk"])
    finally:
        raw.close()
