"""The inbox: processed documents kept on disk until the archive that holds them is
published.

A run processes its documents while it crawls, but publishes the archive once, at its
end (``archive.publish``). In between, each result (the archive's document row and the
parsed form) is committed here as it arrives, so that memory stays bounded whatever the
size of the run and a killed run loses no processing: the next publish applies what the
inbox holds, then empties it. Saving a result is an upsert by document id, so applying
one twice changes nothing.

``DATA/inbox.db`` (SQLite) also holds the distributed writer's bookkeeping of its runs
(``archive.distributed.writer``): each portal's registry row and totals, as the workers
reported them, until the run's record is written.

Imports: sqlite-utils and ``nianbao_common`` only.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import sqlite_utils

from nianbao_common.ids import stable_id

INBOX_FILE = "inbox.db"

INBOX_TABLES: dict[str, dict] = {
    "results": {"columns": {"id": str, "result": bytes}, "pk": "id"},
    "portal_totals": {
        "columns": {
            "id": str,
            "run_id": str,
            "portal_id": str,
            "portal": str,  # the registry row, JSON
            "worker": str,
            "outcome": str,
            "requests": int,
            "bytes": int,
            "documents": int,
            "errors": int,
            "errors_by_kind": str,  # JSON
        },
        "pk": "id",
    },
}


def pack_result(result: dict) -> bytes:
    return zlib.compress(json.dumps(result, ensure_ascii=False).encode(), 6)


def unpack_result(blob: bytes) -> dict:
    return json.loads(zlib.decompress(blob))


class Inbox:
    """``inbox.db`` in a data directory. Like every SQLite connection, one instance is
    used by the thread that opened it."""

    def __init__(self, data_dir: str | Path):
        path = Path(data_dir) / INBOX_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        for name, spec in INBOX_TABLES.items():
            if not self.db[name].exists():
                self.db[name].create(spec["columns"], pk=spec["pk"])

    def add(self, results: Iterable[dict]) -> None:
        """Keep processed documents (``{"document": …, "parsed": …}``), one transaction."""
        rows = [{"id": r["document"]["id"], "result": pack_result(r)} for r in results]
        with self.db.conn:
            self.db["results"].upsert_all(rows, pk="id")

    def ids(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT id FROM results")}

    def results(self) -> Iterator[dict]:
        """The kept results, oldest first, read one at a time."""
        cursor = self.db.conn.cursor()  # its own cursor: the caller may write meanwhile
        for (blob,) in cursor.execute("SELECT result FROM results ORDER BY rowid"):
            yield unpack_result(blob)

    def count(self) -> int:
        return self.db["results"].count

    def clear_results(self) -> None:
        """After a publish: the archive holds every kept result."""
        with self.db.conn:
            self.db.execute("DELETE FROM results")

    def save_portal_totals(self, run_id: str, portal: dict, totals: dict) -> None:
        """One portal's part in a distributed run (the last report wins: a portal crawled
        again after its worker's lease ran out is counted once)."""
        row = {key: totals.get(key) for key in INBOX_TABLES["portal_totals"]["columns"]}
        row.update(
            id=stable_id(run_id, portal["id"]),
            run_id=run_id,
            portal_id=portal["id"],
            portal=json.dumps(portal, ensure_ascii=False),
            errors_by_kind=json.dumps(totals.get("errors_by_kind") or {}, ensure_ascii=False),
        )
        with self.db.conn:
            self.db["portal_totals"].upsert(row, pk="id")

    def portal_totals(self, run_id: str) -> list[dict]:
        rows = self.db["portal_totals"].rows_where("run_id = ?", [run_id], order_by="portal_id")
        return [
            {
                **row,
                "portal": json.loads(row["portal"]),
                "errors_by_kind": json.loads(row["errors_by_kind"] or "{}"),
            }
            for row in rows
        ]

    def forget_run(self, run_id: str) -> None:
        with self.db.conn:
            self.db.execute("DELETE FROM portal_totals WHERE run_id = ?", [run_id])

    def close(self) -> None:
        self.db.close()
