"""Coverage in the archive: the bundled division list as the ``divisions`` table, and two
tables that say, for every government of that list and every department found, and every
report year, whether a report is archived (``coverage``), and the same per province
(``coverage_provinces``).

Shape as data, applied by :func:`archive.schema.ensure_db_shape`, which also refills
``divisions`` from crawler/reference/divisions.csv, whichever registry a run used: the
gaps show in every archive, the demo's too. ``coverage`` and ``coverage_provinces`` are
summed when the archive is published (:data:`TOTALS`, run by
:func:`archive.store.refresh_totals`): as a view, ``coverage`` took 1.4–2.8 s a query on
100 000 reports (570 000 rows), too slow for a page.

A report is a government's own when its ``division_code`` is the government's and its
agency is the government (``…洪泽区人民政府``, ``…阿克苏地区行政公署``, or the name its
registry portal gives, such as 平潭综合实验区管理委员会); every other report with a
division code is a department's (a township's, for a 乡 portal), one body per agency name.
"""

from __future__ import annotations

import sqlite_utils

from crawler.divisions import divisions, full_name, government_name, place_names

TABLES: dict[str, dict] = {
    "divisions": {
        "columns": {
            "code": "TEXT",
            "name": "TEXT",
            "level": "TEXT",
            "parent_code": "TEXT",
            "full_name": "TEXT",
            "province": "TEXT",
            "city": "TEXT",
            "county": "TEXT",
            "government": "TEXT",
        },
        "pk": ["code"],
        "indexes": [["province"]],
    },
    "coverage": {
        "columns": {
            "id": "INTEGER",
            "division_code": "TEXT",
            "province": "TEXT",
            "level": "TEXT",
            "kind": "TEXT",
            "body": "TEXT",
            "portal_id": "TEXT",
            "year": "INTEGER",
            "reports": "INTEGER",
            "archived": "INTEGER",
        },
        # A row number (the rowid, in division, kind, body, year order): indexes hold
        # it, not a copy of a long key.
        "pk": ["id"],
        # the division's full name is its label (datasette-metadata.json), not a copy
        "foreign_keys": [("division_code", "divisions", "code")],
        "indexes": [["division_code", "year"], ["year", "archived"], ["province", "year"]],
    },
    "coverage_provinces": {
        "columns": {
            "province": "TEXT",
            "year": "INTEGER",
            "governments": "INTEGER",
            "governments_with_portal": "INTEGER",
            "governments_with_report": "INTEGER",
            "governments_with_report_pct": "REAL",
            "departments": "INTEGER",
            "departments_with_report": "INTEGER",
            "reports": "INTEGER",
            "province_code": "TEXT",
        },
        "pk": ["province", "year"],
    },
}

# Whether report ``r`` (joined to its division ``d``) is the government's own (see the
# module docstring).
_IS_OWN = """(r.agency LIKE '%' || d.name || '人民政府'
      OR r.agency LIKE '%' || d.name || '行政公署'
      OR r.agency IN (SELECT p.name FROM portals p WHERE p.division_code = d.code
                      AND p.kind = 'government' AND p.level = d.level))"""

_COVERAGE_COLUMNS = ", ".join(list(TABLES["coverage"]["columns"])[1:])  # id: the rowid
# One pass over the reports (``classified``: a government's own report has agency ''),
# counted per body and year; the bodies are every division's government, every other
# agency with a report, and department portals with none; each body gets every year.
COVERAGE_INSERT_SQL = f"""INSERT INTO coverage ({_COVERAGE_COLUMNS})
WITH years AS MATERIALIZED (SELECT DISTINCT year FROM reports WHERE year IS NOT NULL),
classified AS MATERIALIZED (
  SELECT r.division_code AS code, r.year, r.best_document,
    CASE WHEN {_IS_OWN} THEN '' ELSE r.agency END AS agency,
    CASE WHEN r.level = '乡' THEN 'township' ELSE 'department' END AS other_kind
  FROM reports r JOIN divisions d ON d.code = r.division_code
  WHERE r.agency IS NOT NULL
),
counts AS MATERIALIZED (
  SELECT code, agency, year, count(*) AS reports FROM classified GROUP BY code, agency, year
),
bodies AS MATERIALIZED (
  SELECT d.code, '' AS agency, coalesce(p.name, d.government) AS body, 'government' AS kind,
    p.id AS portal_id
  FROM divisions d
  LEFT JOIN portals p ON p.id = (
    SELECT id FROM portals WHERE division_code = d.code AND kind = 'government'
      AND level = d.level ORDER BY id LIMIT 1
  )
  UNION ALL
  SELECT c.code, c.agency, c.agency, max(c.other_kind), max(doc.portal_id)
  FROM classified c LEFT JOIN documents doc ON doc.id = c.best_document
  WHERE c.agency <> ''
  GROUP BY c.code, c.agency
  UNION ALL
  SELECT p.division_code, NULL, p.name,
    CASE WHEN p.level = '乡' THEN 'township' ELSE 'department' END, p.id
  FROM portals p JOIN divisions d ON d.code = p.division_code
  WHERE (p.kind <> 'government' OR p.level = '乡')
    AND NOT EXISTS (SELECT 1 FROM documents doc
                    WHERE doc.portal_id = p.id AND doc.report_id IS NOT NULL)
)
SELECT b.code, d.province, d.level, b.kind, b.body,
  b.portal_id, y.year, coalesce(c.reports, 0), c.reports IS NOT NULL
FROM bodies b
JOIN divisions d ON d.code = b.code
CROSS JOIN years y
LEFT JOIN counts c ON c.code = b.code AND c.agency = b.agency AND c.year = y.year
ORDER BY b.code, b.kind, b.body, y.year"""

_PROVINCE_COLUMNS = ", ".join(TABLES["coverage_provinces"]["columns"])
COVERAGE_PROVINCES_INSERT_SQL = f"""INSERT INTO coverage_provinces ({_PROVINCE_COLUMNS})
SELECT province, year,
  sum(kind = 'government') AS governments,
  sum(kind = 'government' AND portal_id IS NOT NULL) AS governments_with_portal,
  sum(kind = 'government' AND archived) AS governments_with_report,
  round(100.0 * sum(kind = 'government' AND archived) / sum(kind = 'government'), 1)
    AS governments_with_report_pct,
  sum(kind <> 'government') AS departments,
  sum(kind <> 'government' AND archived) AS departments_with_report,
  sum(reports) AS reports,
  min(division_code) AS province_code
FROM coverage
GROUP BY province, year"""

# Refilled, in this order, when the archive is published.
TOTALS: dict[str, str] = {
    "coverage": COVERAGE_INSERT_SQL,
    "coverage_provinces": COVERAGE_PROVINCES_INSERT_SQL,
}


def division_rows() -> list[dict[str, str]]:
    """The ``divisions`` rows: the bundled list with full names and government names."""
    return [
        {
            "code": d.code,
            "name": d.name,
            "level": d.level,
            "parent_code": d.parent_code,
            "full_name": full_name(d.code),
            **place_names(d.code),
            "government": government_name(d.code),
        }
        for d in divisions().values()
    ]


def fill_divisions(db: sqlite_utils.Database) -> None:
    """Make the ``divisions`` table the bundled list (rewritten only when it differs)."""
    rows = division_rows()
    columns = list(TABLES["divisions"]["columns"])
    current = db.execute(f"SELECT {', '.join(columns)} FROM divisions ORDER BY code").fetchall()
    if current == [tuple(row[c] for c in columns) for row in rows]:
        return
    db.execute("DELETE FROM divisions")
    db["divisions"].insert_all(rows)
