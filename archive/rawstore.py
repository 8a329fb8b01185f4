"""The raw store: every fetched body, kept before anything else is done with it.

``raw.db`` (SQLite, written with sqlite-utils) holds the bytes content-addressed by
sha256 (``blobs``), one row per URL and content version (``fetches``), the latest known
state of every URL for conditional requests (``resources``), the problems met while
fetching (``problems``), the run records (``crawl_runs``, ``portal_runs``) and the report
columns discovery found (``discoveries``).
Datasette serves it next to the archive, so an archived copy is one click away:
``/raw/blobs/<sha256>.blob?_blob_column=content``.

Nothing here is ever deleted: a changed document becomes a new ``fetches`` row next to
the old one, and a page the portal removed keeps its rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from nianbao_common.clock import utc_now
from nianbao_common.ids import sha256_hex, stable_id

RAW_TABLES: dict[str, dict] = {
    "blobs": {
        "columns": {"sha256": str, "size": int, "content": bytes},
        "pk": "sha256",
    },
    "fetches": {
        "columns": {
            "id": str,
            "url": str,
            "sha256": str,
            "size": int,
            "status": int,
            "content_type": str,
            "headers": str,
            "referer": str,
            "portal_id": str,
            "kind": str,
            "link_title": str,
            "link_date": str,
            "first_fetched_at": str,
            "last_fetched_at": str,
            "run_id": str,
        },
        "pk": "id",
        "indexes": [["url"], ["sha256"], ["portal_id"], ["run_id"]],
    },
    "resources": {
        "columns": {
            "url": str,
            "sha256": str,
            "etag": str,
            "last_modified": str,
            "status": int,
            "portal_id": str,
            "kind": str,
            "versions": int,
            "last_fetched_at": str,
            "last_checked_at": str,
        },
        "pk": "url",
    },
    "problems": {
        "columns": {
            "id": str,
            "run_id": str,
            "portal_id": str,
            "url": str,
            "kind": str,
            "detail": str,
            "at": str,
        },
        "pk": "id",
        "indexes": [["run_id"], ["portal_id"], ["kind"]],
    },
    "crawl_runs": {
        "columns": {
            "id": str,
            "started_at": str,
            "finished_at": str,
            "status": str,
            "portals": int,
            "requests": int,
            "new_documents": int,
            "new_versions": int,
            "new_reports": int,
            "bytes": int,
            "errors": int,
            "errors_by_kind": str,
            "reason": str,
            "job": str,
            "workers": str,  # nianbao write: the workers that took part (JSON list)
        },
        "pk": "id",
    },
    "portal_runs": {
        "columns": {
            "id": str,
            "run_id": str,
            "portal_id": str,
            "outcome": str,
            "requests": int,
            "documents": int,
            "errors": int,
            "errors_by_kind": str,
            "finished_at": str,
            "worker": str,  # nianbao write: the worker that crawled the portal
        },
        "pk": "id",
        "indexes": [["portal_id"], ["run_id"]],
    },
    # What discovery (cms auto) found: one row per report column of a portal or of one
    # of its departments, or one with no column_url when it found none.
    "discoveries": {
        "columns": {
            "id": str,
            "run_id": str,
            "portal_id": str,
            "department": str,
            "name": str,
            "kind": str,
            "division_code": str,
            "province": str,
            "city": str,
            "county": str,
            "level": str,
            "parent_code": str,
            "column_url": str,
            "cms": str,
            "evidence": str,
            "reports": int,
            "found_from": str,
            "allowed_domains": str,
            "obey_robots": str,
            "requests": int,
            "found_at": str,
        },
        "pk": "id",
        "indexes": [["portal_id"], ["run_id"]],
    },
}

# Run records and discoveries, copied into the archive as they are (archive.store).
COPIED_TO_ARCHIVE = ("crawl_runs", "portal_runs", "discoveries")


def ensure_shape(db: sqlite_utils.Database, tables: dict[str, dict]) -> None:
    """Create missing tables, columns and indexes; never drops anything. Idempotent."""
    for name, spec in tables.items():
        table = db[name]
        if not table.exists():
            table.create(spec["columns"], pk=spec["pk"])
        else:
            existing = set(table.columns_dict)
            for column, kind in spec["columns"].items():
                if column not in existing:
                    table.add_column(column, kind)
        for columns in spec.get("indexes", []):
            table.create_index(columns, if_not_exists=True)


@dataclass
class Known:
    """What the store knows of a URL: enough for a conditional request."""

    url: str
    sha256: str | None
    etag: str | None
    last_modified: str | None
    status: int | None


class RawStore:
    """``raw.db`` under the data directory."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(self.path)
        self.db.execute("PRAGMA journal_mode=WAL")
        ensure_shape(self.db, RAW_TABLES)

    def put(
        self,
        *,
        url: str,
        body: bytes,
        status: int = 200,
        headers: dict[str, str] | None = None,
        referer: str | None = None,
        portal_id: str | None = None,
        kind: str = "report_page",
        link_title: str | None = None,
        link_date: str | None = None,
        run_id: str | None = None,
        fetched_at: str | None = None,
    ) -> tuple[str, bool]:
        """Keep one fetched body. Returns (sha256, is_new_version): a version is new
        when this URL never had these bytes before. One transaction."""
        digest = sha256_hex(body)
        now = fetched_at or utc_now()
        headers = headers or {}
        lower = {k.lower(): v for k, v in headers.items()}
        fetch_id = stable_id(url, digest)
        with self.db.conn:
            if not self.db["blobs"].count_where("sha256 = ?", [digest]):
                self.db["blobs"].insert({"sha256": digest, "size": len(body), "content": body})
            is_new = not self.db["fetches"].count_where("id = ?", [fetch_id])
            row = {
                "id": fetch_id,
                "url": url,
                "sha256": digest,
                "size": len(body),
                "status": status,
                "content_type": lower.get("content-type"),
                "headers": json.dumps(headers, ensure_ascii=False),
                "referer": referer,
                "portal_id": portal_id,
                "kind": kind,
                "link_title": link_title,
                "link_date": link_date,
                "last_fetched_at": now,
            }
            if is_new:  # run_id and first_fetched_at: the run that first kept these bytes
                row.update(first_fetched_at=now, run_id=run_id)
                self.db["fetches"].insert(row)
            else:
                self.db["fetches"].update(fetch_id, row)
            versions = self.db["fetches"].count_where("url = ?", [url])
            self.db["resources"].upsert(
                {
                    "url": url,
                    "sha256": digest,
                    "etag": lower.get("etag"),
                    "last_modified": lower.get("last-modified"),
                    "status": status,
                    "portal_id": portal_id,
                    "kind": kind,
                    "versions": versions,
                    "last_fetched_at": now,
                    "last_checked_at": now,
                },
                pk="url",
            )
        return digest, is_new

    def touch(self, url: str) -> None:
        """Record that a URL was checked and had not changed (HTTP 304 or known)."""
        with self.db.conn:
            self.db["resources"].update(url, {"last_checked_at": utc_now()})

    def known(self, url: str) -> Known | None:
        rows = list(self.db["resources"].rows_where("url = ?", [url], limit=1))
        if not rows:
            return None
        row = rows[0]
        return Known(
            url=url,
            sha256=row["sha256"],
            etag=row["etag"],
            last_modified=row["last_modified"],
            status=row["status"],
        )

    def body(self, sha256: str) -> bytes:
        return self.db["blobs"].get(sha256)["content"]

    def stored(self, url: str, sha256: str) -> tuple[bytes, dict[str, str]]:
        """One kept version of a URL: its body and the response headers kept with it."""
        headers = "{}"
        for row in self.db["fetches"].rows_where("url = ? and sha256 = ?", [url, sha256], limit=1):
            headers = row["headers"] or "{}"
        return self.body(sha256), json.loads(headers)

    def record_discovery(self, row: dict, run_id: str | None = None) -> None:
        """Keep what discovery found (a ``discoveries`` row without id and run_id)."""
        key = (
            run_id or "",
            row["portal_id"],
            row.get("department") or "",
            row.get("column_url") or "",
        )
        with self.db.conn:
            self.db["discoveries"].upsert({**row, "id": stable_id(*key), "run_id": run_id}, pk="id")

    def record_problem(
        self,
        *,
        url: str,
        kind: str,
        detail: str = "",
        portal_id: str | None = None,
        run_id: str | None = None,
    ) -> None:
        with self.db.conn:
            self.db["problems"].upsert(
                {
                    "id": stable_id(run_id or "", url, kind),
                    "run_id": run_id,
                    "portal_id": portal_id,
                    "url": url,
                    "kind": kind,
                    "detail": detail[:2000],
                    "at": utc_now(),
                },
                pk="id",
            )

    def documents(self) -> Iterator[dict]:
        """Every kept report page and attachment version (not list pages), oldest first."""
        yield from self.db["fetches"].rows_where("kind != 'list'", order_by="first_fetched_at, id")
