"""The archive's Chinese full-text index (FTS5 over CJK bigrams).

The shadow text and the query rewrite live in :mod:`nianbao_common.cjk`; the Datasette
plugin (``nianbao_site``) puts :func:`~nianbao_common.cjk.fts_query` in place of
Datasette's own ``escape_fts`` on the archive's connections, so the table search box and
``?_search=`` use it unchanged.

The index is contentless: the words live in ``reports`` (title, agency) and
``report_full_texts`` (full text); an entry is removed by giving FTS5 its old shadow text.
A report's rowid in the index orders the newest year first (``nianbao_common.cjk.fts_rowid``), so the
plugin can rank "the most recent N matches" of a very common word with a rowid bound.
"""

from __future__ import annotations

import sqlite_utils

from nianbao_common.cjk import index_text

FTS_TABLE = "reports_fts"
FTS_COLUMNS = ("title", "agency", "full_text")
# bm25 weights of the columns above: a word in the title or the agency's name counts
# more than the same word in the body.
FTS_WEIGHTS = (10.0, 5.0, 1.0)


def fts_table_sql() -> str:
    columns = ", ".join(FTS_COLUMNS)
    return (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
        f"{columns}, content='', tokenize='unicode61 remove_diacritics 2')"
    )


def _shadow(values: dict) -> list[str]:
    return [index_text(values.get(column)) for column in FTS_COLUMNS]


def index_report(db: sqlite_utils.Database, rowid: int, old: dict | None, new: dict | None):
    """Replace the index entry at ``rowid``. ``old`` must hold the title/agency/full_text
    last indexed there (FTS5 removes a contentless entry by its tokens)."""
    placeholders = ", ".join("?" for _ in FTS_COLUMNS)
    columns = ", ".join(FTS_COLUMNS)
    if old is not None:
        db.execute(
            f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {columns}) "
            f"VALUES('delete', ?, {placeholders})",
            [rowid, *_shadow(old)],
        )
    if new is not None:
        db.execute(
            f"INSERT INTO {FTS_TABLE}(rowid, {columns}) VALUES(?, {placeholders})",
            [rowid, *_shadow(new)],
        )


def configure_rank(db: sqlite_utils.Database) -> None:
    weights = ", ".join(str(w) for w in FTS_WEIGHTS)
    db.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES('rank', 'bm25({weights})')")


def rebuild_search(db: sqlite_utils.Database) -> None:
    """Drop and rebuild the whole index from ``reports`` and ``report_full_texts`` (after a
    change of :func:`index_text`, or to repair it), then merge it into one segment."""
    placeholders = ", ".join("?" for _ in FTS_COLUMNS)
    with db.atomic():
        db.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        db.execute(fts_table_sql())
        configure_rank(db)
        rows = db.execute(
            "SELECT r.fts_rowid, r.title, r.agency, t.full_text FROM reports r "
            "LEFT JOIN report_full_texts t ON t.report_id = r.id"
        )
        db.conn.executemany(
            f"INSERT INTO {FTS_TABLE}(rowid, {', '.join(FTS_COLUMNS)}) VALUES(?, {placeholders})",
            ([rowid, *map(index_text, texts)] for rowid, *texts in rows),
        )
        optimize(db)


def optimize(db: sqlite_utils.Database) -> None:
    """Merge the index's segments into one: a query then reads one doclist per token."""
    db.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES('optimize')")
