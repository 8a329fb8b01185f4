"""Coverage in the archive: the bundled division list as the ``divisions`` table, and two
views that say, for every government of that list and every department found, and every
report year, whether a report is archived (``coverage``), and the same per province
(``coverage_provinces``).

Shape as data, applied by :func:`archive.schema.ensure_db_shape`, which also refills
``divisions`` from crawler/reference/divisions.csv, whichever registry a run used: the
gaps show in every archive, the demo's too.

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
}

# The reports that are a government's own (see the module docstring).
_OWN_REPORTS = """SELECT r.id, r.year, d.code
  FROM reports r JOIN divisions d ON d.code = r.division_code
  WHERE r.agency LIKE '%' || d.name || '人民政府'
    OR r.agency LIKE '%' || d.name || '行政公署'
    OR r.agency IN (SELECT p.name FROM portals p
                    WHERE p.division_code = d.code AND p.kind = 'government'
                      AND p.level = d.level)"""

COVERAGE_SQL = f"""CREATE VIEW coverage AS
WITH years AS (SELECT DISTINCT year FROM reports WHERE year IS NOT NULL),
own AS ({_OWN_REPORTS}),
own_counts AS (SELECT code, year, count(*) AS reports FROM own GROUP BY code, year),
other_reports AS (
  SELECT r.division_code AS code, r.agency AS body, r.year,
    CASE WHEN r.level = '乡' THEN 'township' ELSE 'department' END AS kind,
    (SELECT doc.portal_id FROM documents doc WHERE doc.id = r.best_document) AS portal_id
  FROM reports r JOIN divisions d ON d.code = r.division_code
  WHERE r.agency IS NOT NULL AND r.id NOT IN (SELECT id FROM own)
),
other_counts AS (
  SELECT code, body, year, count(*) AS reports FROM other_reports GROUP BY code, body, year
),
bodies AS (
  SELECT code, coalesce(p.name, d.government) AS body, 'government' AS kind, p.id AS portal_id
  FROM divisions d
  LEFT JOIN portals p ON p.id = (
    SELECT id FROM portals WHERE division_code = d.code AND kind = 'government'
      AND level = d.level ORDER BY id LIMIT 1
  )
  UNION ALL
  SELECT code, body, max(kind), max(portal_id) FROM other_reports GROUP BY code, body
  UNION ALL
  SELECT p.division_code, p.name, CASE WHEN p.level = '乡' THEN 'township' ELSE 'department' END,
    p.id
  FROM portals p JOIN divisions d ON d.code = p.division_code
  WHERE (p.kind <> 'government' OR p.level = '乡')
    AND NOT EXISTS (SELECT 1 FROM other_reports o WHERE o.portal_id = p.id)
)
SELECT b.code AS division_code, d.full_name, d.province, d.city, d.county, d.level, b.kind,
  b.body, b.portal_id, y.year,
  coalesce(CASE WHEN b.kind = 'government' THEN oc.reports ELSE xc.reports END, 0) AS reports,
  coalesce(CASE WHEN b.kind = 'government' THEN oc.reports ELSE xc.reports END, 0) > 0
    AS archived
FROM bodies b
JOIN divisions d ON d.code = b.code
CROSS JOIN years y
LEFT JOIN own_counts oc ON b.kind = 'government' AND oc.code = b.code AND oc.year = y.year
LEFT JOIN other_counts xc ON b.kind <> 'government' AND xc.code = b.code AND xc.body = b.body
  AND xc.year = y.year"""

COVERAGE_PROVINCES_SQL = """CREATE VIEW coverage_provinces AS
SELECT province, year,
  sum(kind = 'government') AS governments,
  sum(kind = 'government' AND portal_id IS NOT NULL) AS governments_with_portal,
  sum(kind = 'government' AND archived) AS governments_with_report,
  round(100.0 * sum(kind = 'government' AND archived) / sum(kind = 'government'), 1)
    AS governments_with_report_pct,
  sum(kind <> 'government') AS departments,
  sum(kind <> 'government' AND archived) AS departments_with_report,
  sum(reports) AS reports
FROM coverage
GROUP BY province, year
ORDER BY min(division_code), year"""

VIEWS: dict[str, str] = {
    "coverage": COVERAGE_SQL,
    "coverage_provinces": COVERAGE_PROVINCES_SQL,
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
