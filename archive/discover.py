"""``nianbao discover``: what discovery found, as registry rows an operator can pin.

Reads the raw store's ``discoveries`` (written by crawls of ``cms auto`` portals): for
each portal, the rows of the latest run that searched it; each portal and each of its
departments with a report column becomes one row of ``crawler/portals.csv``'s format
(``crawler.registry.REGISTRY_COLUMNS``): the family found as ``cms``, the columns as
``start_urls``, the pages that link them as ``source``, the day as ``seen``, and
``status`` ``confirmed`` (on that day) when the column listed reports. A department's
row has its own id (the portal's id and a short hash of its name), kind ``department``
and the government's division code as ``parent_code``. Searches that found nothing are
returned apart, for the operator to look at."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from crawler.registry import CONFIRMED, REGISTRY_COLUMNS, URL_FROM_SOURCE
from nianbao_common.ids import stable_id

_LATEST = """
SELECT d.* FROM discoveries d
WHERE d.run_id = (
  SELECT latest.run_id FROM discoveries latest WHERE latest.portal_id = d.portal_id
  ORDER BY latest.found_at DESC, latest.run_id DESC LIMIT 1
)
ORDER BY d.portal_id, d.department IS NOT NULL, d.department, d.cms, d.column_url
"""


def latest_discoveries(raw_db: Path) -> list[dict]:
    """Every portal's discoveries of the latest run that searched it (read-only)."""
    raw = sqlite3.connect(f"file:{Path(raw_db).resolve()}?mode=ro", uri=True)
    raw.row_factory = sqlite3.Row
    try:
        if not raw.execute("SELECT 1 FROM sqlite_master WHERE name = 'discoveries'").fetchone():
            return []
        return [dict(row) for row in raw.execute(_LATEST)]
    finally:
        raw.close()


def _unique(values: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def department_id(portal_id: str, department: str) -> str:
    """A department's registry id: its government portal's id and a hash of its name."""
    return f"{portal_id}-{stable_id('department', department)[:6]}"


def registry_row(rows: list[dict], families: int) -> dict[str, str]:
    """One registry row from the discoveries of one portal or department read by one
    family (``families``: how many families its columns have; more than one gives each
    row an id suffix)."""
    first = rows[0]
    row_id = first["portal_id"]
    if first["department"]:
        row_id = department_id(row_id, first["department"])
    if families > 1:
        row_id = f"{row_id}-{first['cms']}"
    seen = first["found_at"][:10]
    confirmed = any(r["reports"] for r in rows)
    columns = _unique(r["column_url"] for r in rows)
    return {
        "id": row_id,
        "name": first["name"],
        "division_code": first["division_code"],
        "province": first["province"] or "",
        "city": first["city"] or "",
        "county": first["county"] or "",
        "level": first["level"],
        "kind": first["kind"],
        "cms": first["cms"],
        "start_urls": " ".join(columns),
        "allowed_domains": first["allowed_domains"],
        "obey_robots": first["obey_robots"] or "",
        "source": " ".join(_unique(r["found_from"] for r in rows) or columns),
        "seen": seen,
        "status": CONFIRMED if confirmed else URL_FROM_SOURCE,
        "confirmed": seen if confirmed else "",
        "parent_code": first["parent_code"] or "",
        "note": "found by discovery: " + ", ".join(_unique(r["evidence"] for r in rows)),
    }


def discovered_rows(discoveries: list[dict]) -> tuple[list[dict[str, str]], list[dict]]:
    """(registry rows for every column found, the searches that found none)."""
    found: dict[tuple[str, str | None], dict[str, list[dict]]] = {}
    nothing = []
    for row in discoveries:
        if not row["column_url"]:
            nothing.append(row)
            continue
        by_family = found.setdefault((row["portal_id"], row["department"]), {})
        by_family.setdefault(row["cms"], []).append(row)
    registry = [
        registry_row(rows, len(by_family))
        for by_family in found.values()
        for rows in by_family.values()
    ]
    return registry, nothing


def registry_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=REGISTRY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
