"""The archive's shape as data: tables, views and the search index of ``nianbao.db``.

``ensure_db_shape`` creates what is missing and never drops data: new columns are
added to old tables, views are recreated when their SQL changed, the search index is
rebuilt when :data:`ARCHIVE_VERSION` moved on.

Speed at 100 000 reports comes from reading few, small rows:

- ``reports`` holds no long text (facets and list pages scan it): the full text is in
  ``report_full_texts``, one row per report, with the sections as places in it (the
  view ``report_texts`` shows them as text);
- ``outcome_shares`` is a table, one row per report, written with the report (the sums
  of its outcome rows and their shares), so a canned query reads one row per report;
- ``applications_wide`` (table 3, one row per report and row) is a table written with
  the report too: a view pivoting 20 million statistics cannot even be counted quickly
  (at 10 000 reports such a view took 8 s for its first page); its row labels are in
  ``labels``;
- ``province_year_totals`` and ``review_litigation_totals`` are summed when the archive
  is published;
- every number is a row of ``statistic_values``, WITHOUT ROWID on integers: the
  report's ``fts_rowid`` and the ids of its row and column in ``labels`` (3.3 KB a
  report instead of 16.3 KB of repeated text keys); the ``statistics`` view shows them
  with their text keys, and a report's numbers are one primary-key range.
"""

from __future__ import annotations

import sqlite_utils

from archive import coverage, search
from archive.rawstore import COPIED_TO_ARCHIVE, RAW_TABLES
from nianbao_common import keys

SQL_TYPES = {str: "TEXT", int: "INTEGER", float: "REAL", bytes: "BLOB"}
TEXT_SECTIONS = ("overview", "problems", "other")

TABLES: dict[str, dict] = {
    "reports": {
        "columns": {
            "id": "TEXT",
            "agency": "TEXT",
            "year": "INTEGER",
            "division_code": "TEXT",
            "division_name": "TEXT",
            "province": "TEXT",
            "city": "TEXT",
            "county": "TEXT",
            "level": "TEXT",
            "template": "TEXT",
            "title": "TEXT",
            "published": "TEXT",
            "source_url": "TEXT",
            "best_document": "TEXT",
            "documents": "INTEGER",
            "parse_status": "TEXT",
            "failed_checks": "INTEGER",
            "warnings": "TEXT",
            "fts_rowid": "INTEGER",
        },
        "pk": ["id"],
        "foreign_keys": [("best_document", "documents", "id")],
        # One index per facet, and per facet within a year (the usual filter); a year's
        # page in primary-key order reads its first rows from (year, id).
        "indexes": [
            ["year", "id"],
            ["year", "province"],
            ["year", "level"],
            ["year", "template"],
            ["province", "year"],
            ["level"],
            ["template"],
            ["agency", "year"],
            ["failed_checks", "year"],
            ["division_code", "year"],
        ],
        "unique_indexes": [["fts_rowid"]],
    },
    # The full text once: a section found in it verbatim is kept as its place there
    # (section_spans, JSON {section: [first character, length]}), any other in its own
    # column; the view report_texts shows every section as text.
    "report_full_texts": {
        "columns": {
            "report_id": "TEXT",
            "full_text": "TEXT",
            "section_spans": "TEXT",
            **{section: "TEXT" for section in TEXT_SECTIONS},
        },
        "pk": ["report_id"],
        "foreign_keys": [("report_id", "reports", "id")],
    },
    "documents": {
        "columns": {
            "id": "TEXT",
            "report_id": "TEXT",
            "url": "TEXT",
            "format": "TEXT",
            "content_type": "TEXT",
            "sha256": "TEXT",
            "size": "INTEGER",
            "fetched_at": "TEXT",
            "portal_id": "TEXT",
            "referer": "TEXT",
            "kind": "TEXT",
            "link_title": "TEXT",
            "link_date": "TEXT",
            "extraction_method": "TEXT",
            "page_count": "INTEGER",
            "ocr": "INTEGER",
            "is_report": "INTEGER",
            "cells_read": "INTEGER",
            "warnings": "TEXT",
            "error_kind": "TEXT",
            "error": "TEXT",
            "parsed": "BLOB",
        },
        "pk": ["id"],
        "foreign_keys": [("report_id", "reports", "id"), ("portal_id", "portals", "id")],
        "indexes": [["report_id"], ["portal_id"], ["sha256"], ["url"], ["error_kind"]],
    },
    "statistic_values": {
        "columns": {
            "report": "INTEGER",
            "row_label": "INTEGER",
            "column_label": "INTEGER",
            "value": "NUMERIC",
        },
        "pk": ["report", "row_label", "column_label"],
        "without_rowid": True,
        "foreign_keys": [
            ("report", "reports", "fts_rowid"),
            ("row_label", "labels", "id"),
            ("column_label", "labels", "id"),
        ],
    },
    "applications_wide": {
        "columns": {
            "report_id": "TEXT",
            "year": "INTEGER",
            "province": "TEXT",
            "row_position": "INTEGER",
            "row_key": "TEXT",
            **{column.key: "NUMERIC" for column in keys.APPLICANT_COLUMNS},
        },
        "pk": ["report_id", "row_key"],
        "without_rowid": True,
        "foreign_keys": [("report_id", "reports", "id")],
        "indexes": [["row_key", "year", "total"]],
    },
    "outcome_shares": {
        "columns": {
            "report_id": "TEXT",
            "agency": "TEXT",
            "year": "INTEGER",
            "province": "TEXT",
            "level": "TEXT",
            "template": "TEXT",
            "new_received": "NUMERIC",
            "total_processed": "NUMERIC",
            **{group: "NUMERIC" for group in keys.OUTCOME_GROUPS},
            **{f"{group}_pct": "REAL" for group in keys.OUTCOME_GROUPS},
            "refused_or_unable": "NUMERIC",
            "refused_or_unable_pct": "REAL",
        },
        "pk": ["report_id"],
        "foreign_keys": [("report_id", "reports", "id")],
        "indexes": [
            ["year", "new_received"],
            ["year", "refused_or_unable_pct", "total_processed"],
            ["province"],
            ["level"],
        ],
    },
    "province_year_totals": {
        "columns": {
            "province": "TEXT",
            "year": "INTEGER",
            "reports": "INTEGER",
            "new_received": "NUMERIC",
            "total_processed": "NUMERIC",
            **{group: "NUMERIC" for group in keys.OUTCOME_GROUPS},
        },
        "pk": ["province", "year"],
        "without_rowid": True,
    },
    "review_litigation_totals": {
        "columns": {
            "year": "INTEGER",
            "group_key": "TEXT",
            **{column.key: "NUMERIC" for column in keys.REVIEW_COLUMNS},
            "reports": "INTEGER",
        },
        "pk": ["year", "group_key"],
        "without_rowid": True,
    },
    "checks": {
        "columns": {
            "report_id": "TEXT",
            "position": "INTEGER",
            "rule": "TEXT",
            "ok": "INTEGER",
            "detail": "TEXT",
        },
        "pk": ["report_id", "position"],
        "without_rowid": True,
        "foreign_keys": [("report_id", "reports", "id")],
        "indexes": [["ok", "rule"], ["rule"]],
    },
    "labels": {
        "columns": {
            "id": "INTEGER",
            "table_key": "TEXT",
            "axis": "TEXT",
            "key": "TEXT",
            "position": "INTEGER",
            "zh": "TEXT",
            "en": "TEXT",
        },
        "pk": ["table_key", "axis", "key"],
        "without_rowid": True,
        # Numbered by the archive (assign_label_ids), never renumbered: statistic_values
        # refer to these ids.
        "unique_indexes": [["id"]],
    },
    "portals": {
        "columns": {
            "id": "TEXT",
            "name": "TEXT",
            "division_code": "TEXT",
            "province": "TEXT",
            "city": "TEXT",
            "county": "TEXT",
            "level": "TEXT",
            "kind": "TEXT",
            "cms": "TEXT",
            "start_urls": "TEXT",
            "allowed_domains": "TEXT",
            "source": "TEXT",
            "extra": "TEXT",
        },
        "pk": ["id"],
    },
    **coverage.TABLES,
    **{
        name: {
            "columns": {
                column: SQL_TYPES[kind] for column, kind in RAW_TABLES[name]["columns"].items()
            },
            "pk": [RAW_TABLES[name]["pk"]],
            "indexes": RAW_TABLES[name].get("indexes", []),
        }
        for name in COPIED_TO_ARCHIVE
    },
}

# Labels for the outcome groups of the outcome_shares view (keys.OUTCOME_GROUPS).
OUTCOME_GROUP_LABELS: tuple[keys.Label, ...] = (
    keys.Label("granted", "予以公开", "Disclosed in full"),
    keys.Label("partially_granted", "部分公开", "Partially disclosed"),
    keys.Label("denied", "不予公开", "Refused"),
    keys.Label("unable", "无法提供", "Unable to provide"),
    keys.Label("not_processed", "不予处理", "Not processed"),
    keys.Label("other", "其他处理", "Otherwise handled"),
)

# (table_key, axis, labels): the rows of the labels table.
LABEL_GROUPS: tuple[tuple[str, str, tuple[keys.Label, ...]], ...] = (
    ("report", "table", keys.TABLES),
    ("report", "section", keys.SECTIONS),
    ("active_disclosure", "row", keys.ACTIVE_DISCLOSURE_ITEMS),
    ("active_disclosure", "column", keys.ACTIVE_DISCLOSURE_MEASURES),
    ("applications", "row", keys.APPLICATION_ROWS),
    ("applications", "column", keys.APPLICANT_COLUMNS),
    ("applications", "outcome_group", OUTCOME_GROUP_LABELS),
    ("review_litigation", "row", keys.REVIEW_GROUPS),
    ("review_litigation", "column", keys.REVIEW_COLUMNS),
)


def label_rows() -> list[dict]:
    return [
        {
            "table_key": table_key,
            "axis": axis,
            "key": label.key,
            "position": position,
            "zh": label.zh,
            "en": label.en,
        }
        for table_key, axis, labels in LABEL_GROUPS
        for position, label in enumerate(labels)
    ]


def assign_label_ids(db: sqlite_utils.Database) -> None:
    """Number the labels that have no id yet, after the highest id (in the order of
    :func:`label_rows`): an id once given never changes, ``statistic_values`` refer to it."""
    missing = db.execute("SELECT table_key, axis, key FROM labels WHERE id IS NULL").fetchall()
    order = {(r["table_key"], r["axis"], r["key"]): n for n, r in enumerate(label_rows())}
    missing.sort(key=lambda label: (order.get(tuple(label), len(order)), label))
    start = db.execute("SELECT coalesce(max(id), 0) FROM labels").fetchone()[0]
    db.conn.executemany(
        "UPDATE labels SET id = ? WHERE table_key = ? AND axis = ? AND key = ?",
        [(start + number, *label) for number, label in enumerate(missing, 1)],
    )


def label_ids(db: sqlite_utils.Database, wanted: set[tuple[str, str, str]]) -> dict:
    """{(table_key, axis, key): id} of the ``wanted`` labels and every other; a key the
    labels table does not hold yet gets a row of its own (no texts) and an id."""
    known = {
        (table_key, axis, key): id_
        for id_, table_key, axis, key in db.execute("SELECT id, table_key, axis, key FROM labels")
    }
    if wanted <= known.keys():
        return known
    db.conn.executemany(
        "INSERT INTO labels (table_key, axis, key) VALUES (?, ?, ?)", sorted(wanted - known.keys())
    )
    assign_label_ids(db)
    return label_ids(db, wanted)


def _quoted(names: list[str] | tuple[str, ...]) -> str:
    return ", ".join(f'"{name}"' for name in names)


def _section_text(section: str) -> str:
    """SQL: a section's own text, or its span of the full text (``report_full_texts``)."""
    first, length = (f"json_extract(section_spans, '$.{section}[{i}]')" for i in (0, 1))
    return f"coalesce({section}, substr(full_text, {first}, {length})) AS {section}"


_SECTION_TEXTS = ",\n  ".join(map(_section_text, TEXT_SECTIONS))
REPORT_TEXTS_SQL = f"""CREATE VIEW report_texts AS
SELECT report_id,
  {_SECTION_TEXTS},
  full_text
FROM report_full_texts"""

STATISTICS_SQL = """CREATE VIEW statistics AS
SELECT r.id AS report_id, rl.table_key, rl.key AS row_key, cl.key AS column_key, v.value
FROM statistic_values v
JOIN reports r ON r.fts_rowid = v.report
JOIN labels rl ON rl.id = v.row_label
JOIN labels cl ON cl.id = v.column_label"""


def numbers_of(table_key: str) -> str:
    """FROM clause: every number ``v`` of the statistics table ``table_key`` with its
    report ``r``, row label ``rl`` and column label ``cl``; one primary-key seek into
    ``statistic_values`` per report and row. The caller adds ``AND`` conditions."""
    return f"""reports r CROSS JOIN labels rl CROSS JOIN statistic_values v
JOIN labels cl ON cl.id = v.column_label
WHERE rl.table_key = '{table_key}' AND rl.axis = 'row'
  AND v.report = r.fts_rowid AND v.row_label = rl.id"""


def applications_wide_insert_sql(where: str) -> str:
    """INSERT of the ``applications_wide`` rows of the reports matching ``where`` (over
    ``reports r``): table 3 with its seven applicant columns side by side."""
    pivoted = ",\n  ".join(
        f"max(CASE WHEN cl.key = '{c.key}' THEN v.value END)" for c in keys.APPLICANT_COLUMNS
    )
    columns = ", ".join(TABLES["applications_wide"]["columns"])
    return f"""INSERT INTO applications_wide ({columns})
SELECT r.id, r.year, r.province, rl.position, rl.key,
  {pivoted}
FROM {numbers_of("applications")} AND {where}
GROUP BY r.id, rl.key"""


def _sum_of(row_keys: tuple[str, ...]) -> str:
    listed = ", ".join(f"'{key}'" for key in row_keys)
    return f"sum(CASE WHEN rl.key IN ({listed}) THEN v.value END)"


def _share(count: str) -> str:
    return f"round(100.0 * {count} / nullif(total_processed, 0), 1)"


REFUSED_OR_UNABLE = (
    "CASE WHEN denied IS NULL AND unable IS NULL THEN NULL "
    "ELSE ifnull(denied, 0) + ifnull(unable, 0) END"
)


def outcome_shares_insert_sql(where: str) -> str:
    """INSERT of the ``outcome_shares`` rows of the reports matching ``where`` (over
    ``reports r``): the total column of table 3, summed by outcome group. A row takes
    its report's rowid: a stable order, and a rowid table, so an index scan tests its
    own columns before reading the row."""
    sums = {
        "new_received": ("new_received",),
        "total_processed": ("total_processed",),
        **keys.OUTCOME_GROUPS,
    }
    summed = ",\n    ".join(f"{_sum_of(rows)} AS {name}" for name, rows in sums.items())
    groups = list(keys.OUTCOME_GROUPS)
    values = [
        "rowid, report_id, agency, year, province, level, template",
        *sums,
        *(_share(group) for group in groups),
        REFUSED_OR_UNABLE,
        _share(f"({REFUSED_OR_UNABLE})"),
    ]
    columns = ", ".join(TABLES["outcome_shares"]["columns"])
    selected = ",\n  ".join(values)
    return f"""INSERT INTO outcome_shares (rowid, {columns})
SELECT {selected}
FROM (
  SELECT r.rowid, r.id AS report_id, r.agency, r.year, r.province, r.level, r.template,
    {summed}
  FROM {numbers_of("applications")} AND cl.key = 'total' AND {where}
  GROUP BY r.id
)"""


UNKNOWN_PROVINCE = "未知"


def province_year_totals_insert_sql() -> str:
    """INSERT of every ``province_year_totals`` row: outcome_shares summed."""
    counts = ["new_received", "total_processed", *keys.OUTCOME_GROUPS]
    columns = ", ".join(TABLES["province_year_totals"]["columns"])
    sums = ", ".join(f"sum({column})" for column in counts)
    # A report with no province (its portal is not in the registry) is counted under
    # UNKNOWN_PROVINCE: the key cannot be NULL.
    return f"""INSERT INTO province_year_totals ({columns})
SELECT coalesce(province, '{UNKNOWN_PROVINCE}'), year, count(*), {sums}
FROM outcome_shares
GROUP BY 1, year"""


def review_litigation_totals_insert_sql() -> str:
    """INSERT of every ``review_litigation_totals`` row: table 4 summed by year."""
    sums = ",\n  ".join(
        f"sum(CASE WHEN cl.key = '{c.key}' THEN v.value END)" for c in keys.REVIEW_COLUMNS
    )
    columns = ", ".join(TABLES["review_litigation_totals"]["columns"])
    return f"""INSERT INTO review_litigation_totals ({columns})
SELECT r.year, rl.key,
  {sums},
  count(DISTINCT r.id)
FROM {numbers_of("review_litigation")}
GROUP BY r.year, rl.key"""


PORTAL_STATUS_SQL = """CREATE VIEW portal_status AS
SELECT p.id AS portal_id, p.name, p.division_code, p.province, p.level, p.cms,
  pr.finished_at AS last_crawled, pr.outcome AS last_outcome, pr.run_id AS last_run,
  pr.requests AS last_requests, pr.documents AS last_documents, pr.errors AS last_errors,
  pr.errors_by_kind AS last_errors_by_kind,
  (SELECT max(finished_at) FROM portal_runs ok WHERE ok.portal_id = p.id AND ok.outcome = 'ok')
    AS last_ok,
  (SELECT count(*) FROM documents d WHERE d.portal_id = p.id) AS documents,
  (SELECT count(DISTINCT d.report_id) FROM documents d WHERE d.portal_id = p.id) AS reports
FROM portals p
LEFT JOIN portal_runs pr ON pr.id = (
  SELECT id FROM portal_runs WHERE portal_id = p.id ORDER BY finished_at DESC, id DESC LIMIT 1
)"""

# The ranked search page: the plugin adds ``search_match MATCH`` for ``?_search=``, which
# SQLite pushes into the FTS5 scan, so ``relevance`` (bm25, higher is better) is defined,
# and a bound on ``fts_rowid`` (the first N matches, newest years first), which FTS5 also
# takes. Every index entry has its report (same rowid); LEFT JOIN keeps the index the
# outer loop, so a rare word never scans ``reports``. Few columns: a results page
# renders every cell, and that is most of its time.
REPORT_SEARCH_SQL = f"""CREATE VIEW report_search AS
SELECT r.id, r.title, r.agency, r.year, r.province, r.level, r.template, r.published,
  r.failed_checks, -f.rank AS relevance, f.rowid AS fts_rowid,
  f.{search.FTS_TABLE} AS search_match
FROM {search.FTS_TABLE} f LEFT JOIN reports r ON r.rowid = f.rowid"""

VIEWS: dict[str, str] = {
    "report_texts": REPORT_TEXTS_SQL,
    "statistics": STATISTICS_SQL,
    "portal_status": PORTAL_STATUS_SQL,
    "report_search": REPORT_SEARCH_SQL,
}

# Rebuilt from ``documents`` (each keeps its parsed form) when the archive's shape changes.
DERIVED_TABLES = (
    "reports",
    "report_full_texts",
    "statistic_values",
    "checks",
    "applications_wide",
    "outcome_shares",
    "province_year_totals",
    "review_litigation_totals",
    *coverage.TOTALS,
    search.FTS_TABLE,
)
# Tables of older archives that are views now (dropped when the archive is re-derived).
FORMER_TABLES = ("statistics", "report_texts")
# Bump when a derived table or the search index (nianbao_common.cjk.index_text) changes:
# ensure_db_shape then re-derives every report of an older archive from its documents.
ARCHIVE_VERSION = 6


def create_table_sql(name: str, spec: dict) -> str:
    lines = [f'"{column}" {kind}' for column, kind in spec["columns"].items()]
    lines.append(f"PRIMARY KEY ({_quoted(spec['pk'])})")
    lines.extend(
        f'FOREIGN KEY ("{column}") REFERENCES "{other}"("{other_column}")'
        for column, other, other_column in spec.get("foreign_keys", [])
    )
    body = ",\n  ".join(lines)
    suffix = " WITHOUT ROWID" if spec.get("without_rowid") else ""
    return f'CREATE TABLE "{name}" (\n  {body}\n){suffix}'


def _ensure_table(db: sqlite_utils.Database, name: str, spec: dict) -> None:
    if not db[name].exists():
        db.execute(create_table_sql(name, spec))
    else:
        existing = set(db[name].columns_dict)
        for column, kind in spec["columns"].items():
            if column not in existing:
                db.execute(f'ALTER TABLE "{name}" ADD COLUMN "{column}" {kind}')
    for unique, groups in (
        (False, spec.get("indexes", [])),
        (True, spec.get("unique_indexes", [])),
    ):
        for columns in groups:
            db[name].create_index(columns, unique=unique, if_not_exists=True)


def _ensure_view(db: sqlite_utils.Database, name: str, sql: str) -> None:
    row = db.execute("SELECT sql FROM sqlite_master WHERE type = 'view' AND name = ?", [name])
    current = row.fetchone()
    if current and current[0] == sql:
        return
    db.execute(f'DROP VIEW IF EXISTS "{name}"')
    db.execute(sql)


def _drop_derived(db: sqlite_utils.Database) -> None:
    for name, kind in db.execute("SELECT name, type FROM sqlite_master").fetchall():
        if kind == "view" and (name in VIEWS or name in TABLES):
            db.execute(f'DROP VIEW "{name}"')
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for name in (*DERIVED_TABLES, *FORMER_TABLES):
        if name in tables:
            db.execute(f'DROP TABLE "{name}"')


def ensure_db_shape(db: sqlite_utils.Database) -> None:
    """Create or bring up to date every table, index, view and the search index. Idempotent.
    An archive of an older :data:`ARCHIVE_VERSION` gets its derived tables rebuilt from
    its documents."""
    with db.atomic():
        version = db.execute("PRAGMA user_version").fetchone()[0]
        stale = version != ARCHIVE_VERSION and db["documents"].exists()
        if stale:
            _drop_derived(db)
        for name, spec in TABLES.items():
            _ensure_table(db, name, spec)
        if not db[search.FTS_TABLE].exists():
            db.execute(search.fts_table_sql())
            search.configure_rank(db)
        for name, sql in VIEWS.items():
            _ensure_view(db, name, sql)
        db["labels"].upsert_all(label_rows(), pk=TABLES["labels"]["pk"])
        assign_label_ids(db)
        coverage.fill_divisions(db)
        if stale:
            from archive.store import rederive_reports  # store builds on this module

            rederive_reports(db)
        if version != ARCHIVE_VERSION:
            db.execute(f"PRAGMA user_version = {ARCHIVE_VERSION}")
