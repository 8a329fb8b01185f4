"""What a reprocess changed in the archive: reports gained or lost, numbers changed,
checks newly failing or passing.

``frozen_archive`` keeps the archive as it was before (a hard link to the live file:
publishing replaces the live file by rename, so the link keeps the old version at no
cost), and ``compare_archives`` compares the two in SQL, so the archive's size does not
matter.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from archive import ARCHIVE_FILE


@dataclass
class Changes:
    gained: list[str] = field(default_factory=list)  # "agency year" of each report gained
    lost: list[str] = field(default_factory=list)
    numbers_changed: int = 0
    number_examples: list[str] = field(default_factory=list)
    newly_failing: int = 0
    failing_examples: list[str] = field(default_factory=list)
    newly_passing: int = 0
    passing_examples: list[str] = field(default_factory=list)


@contextmanager
def frozen_archive(data_dir: Path) -> Iterator[Path | None]:
    """The archive as it is now, kept while the block runs (None if there is none)."""
    live = data_dir / ARCHIVE_FILE
    if not live.exists():
        yield None
        return
    frozen = data_dir / f".{ARCHIVE_FILE}.before"
    frozen.unlink(missing_ok=True)
    try:
        os.link(live, frozen)
    except OSError:  # a file system without hard links
        shutil.copyfile(live, frozen)
    try:
        yield frozen
    finally:
        frozen.unlink(missing_ok=True)


_GAINED = """SELECT n.agency || ' ' || n.year FROM new.reports n
WHERE n.id NOT IN (SELECT id FROM old.reports) ORDER BY n.agency, n.year"""
_LOST = """SELECT o.agency || ' ' || o.year FROM old.reports o
WHERE o.id NOT IN (SELECT id FROM new.reports) ORDER BY o.agency, o.year"""
# Values of reports in both archives that differ, or that one of them lacks.
_CHANGED = """WITH kept AS (SELECT id, agency, year FROM new.reports
                        WHERE id IN (SELECT id FROM old.reports)),
changed AS (
  SELECT n.report_id, n.table_key, n.row_key, n.column_key, o.value AS before, n.value AS after
  FROM new.statistics n
  LEFT JOIN old.statistics o ON o.report_id = n.report_id AND o.table_key = n.table_key
    AND o.row_key = n.row_key AND o.column_key = n.column_key
  WHERE n.report_id IN (SELECT id FROM kept) AND o.value IS NOT n.value
  UNION ALL
  SELECT o.report_id, o.table_key, o.row_key, o.column_key, o.value, NULL
  FROM old.statistics o
  LEFT JOIN new.statistics n ON o.report_id = n.report_id AND o.table_key = n.table_key
    AND o.row_key = n.row_key AND o.column_key = n.column_key
  WHERE o.report_id IN (SELECT id FROM kept) AND n.report_id IS NULL
)
SELECT k.agency || ' ' || k.year, c.table_key || '/' || c.row_key || '/' || c.column_key,
  c.before, c.after
FROM changed c JOIN kept k ON k.id = c.report_id
ORDER BY k.agency, k.year, c.table_key, c.row_key, c.column_key"""
# Checks whose outcome is ``ok`` now and was not before (a check a report did not have
# before counts as passing before): the rows of ``new`` that flipped.
_FLIPPED = """SELECT r.agency || ' ' || r.year, n.rule FROM new.checks n
JOIN new.reports r ON r.id = n.report_id
LEFT JOIN old.checks o ON o.report_id = n.report_id AND o.rule = n.rule
WHERE n.ok = ? AND coalesce(o.ok, 1) = ? AND (o.ok IS NOT NULL OR ? = 0)
ORDER BY r.agency, r.year, n.rule"""


def compare_archives(before: Path | None, after: Path, examples: int = 5) -> Changes:
    """What changed from the archive file ``before`` (None: there was none) to ``after``."""
    connection = _attach(before, after)
    try:
        changes = Changes(
            gained=[row[0] for row in connection.execute(_GAINED)],
            lost=[row[0] for row in connection.execute(_LOST)],
        )
        changed = connection.execute(_CHANGED).fetchall()
        changes.numbers_changed = len(changed)
        changes.number_examples = [
            f"{report} {key}: {old} → {new}" for report, key, old, new in changed[:examples]
        ]
        failing = connection.execute(_FLIPPED, [0, 1, 0]).fetchall()
        passing = connection.execute(_FLIPPED, [1, 0, 1]).fetchall()
        changes.newly_failing = len(failing)
        changes.failing_examples = [f"{report} {rule}" for report, rule in failing[:examples]]
        changes.newly_passing = len(passing)
        changes.passing_examples = [f"{report} {rule}" for report, rule in passing[:examples]]
        return changes
    finally:
        connection.close()


def _attach(before: Path | None, after: Path) -> sqlite3.Connection:
    connection = sqlite3.connect("file::memory:", uri=True)
    connection.execute("ATTACH DATABASE ? AS new", [f"file:{after.resolve()}?mode=ro"])
    if before is not None:
        connection.execute("ATTACH DATABASE ? AS old", [f"file:{before.resolve()}?mode=ro"])
        return connection
    connection.execute("ATTACH DATABASE 'file::memory:' AS old")
    for name, columns in (
        ("reports", "id, agency, year"),
        ("statistics", "report_id, table_key, row_key, column_key, value"),
        ("checks", "report_id, rule, ok"),
    ):
        connection.execute(f"CREATE TABLE old.{name} ({columns})")
    return connection


def describe_changes(changes: Changes) -> list[str]:
    """Lines for a person: what the new code changed."""
    return [
        f"reports gained: {len(changes.gained)}",
        *[f"  + {report}" for report in changes.gained[:5]],
        f"reports lost: {len(changes.lost)}",
        *[f"  - {report}" for report in changes.lost[:5]],
        f"numbers changed: {changes.numbers_changed}",
        *[f"  ~ {line}" for line in changes.number_examples],
        f"checks newly failing: {changes.newly_failing}",
        *[f"  ✗ {line}" for line in changes.failing_examples],
        f"checks newly passing: {changes.newly_passing}",
        *[f"  ✓ {line}" for line in changes.passing_examples],
    ]
