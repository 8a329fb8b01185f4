"""What a reprocess changed in the archive: reports gained or lost, numbers changed,
checks newly failing or passing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils


@dataclass
class Snapshot:
    reports: dict[str, str] = field(default_factory=dict)  # id → "agency year"
    values: dict[tuple, object] = field(default_factory=dict)
    checks: dict[tuple, bool] = field(default_factory=dict)


def archive_snapshot(data_dir: Path) -> Snapshot:
    path = data_dir / "nianbao.db"
    snapshot = Snapshot()
    if not path.exists():
        return snapshot
    db = sqlite_utils.Database(path)
    if not db["reports"].exists():
        return snapshot
    for row in db.query("select id, agency, year from reports"):
        snapshot.reports[row["id"]] = f"{row['agency']} {row['year']}"
    for row in db.query("select report_id, table_key, row_key, column_key, value from statistics"):
        key = (row["report_id"], row["table_key"], row["row_key"], row["column_key"])
        snapshot.values[key] = row["value"]
    for row in db.query("select report_id, rule, ok from checks"):
        snapshot.checks[(row["report_id"], row["rule"])] = bool(row["ok"])
    return snapshot


def describe_changes(before: Snapshot, after: Snapshot, examples: int = 5) -> list[str]:
    """Lines for a person: what the new code changed."""
    gained = sorted(set(after.reports) - set(before.reports))
    lost = sorted(set(before.reports) - set(after.reports))
    changed = sorted(
        key
        for key in set(before.values) | set(after.values)
        if key[0] in after.reports
        and key[0] in before.reports
        and before.values.get(key) != after.values.get(key)
    )
    newly_failing = sorted(
        key for key, ok in after.checks.items() if not ok and before.checks.get(key, True)
    )
    newly_passing = sorted(
        key for key, ok in after.checks.items() if ok and before.checks.get(key) is False
    )
    lines = [
        f"reports gained: {len(gained)}",
        *[f"  + {after.reports[r]}" for r in gained[:examples]],
        f"reports lost: {len(lost)}",
        *[f"  - {before.reports[r]}" for r in lost[:examples]],
        f"numbers changed: {len(changed)}",
        *[
            f"  ~ {after.reports[k[0]]} {'/'.join(k[1:])}: "
            f"{before.values.get(k)} → {after.values.get(k)}"
            for k in changed[:examples]
        ],
        f"checks newly failing: {len(newly_failing)}",
        *[f"  ✗ {after.reports[k[0]]} {k[1]}" for k in newly_failing[:examples]],
        f"checks newly passing: {len(newly_passing)}",
        *[f"  ✓ {after.reports[k[0]]} {k[1]}" for k in newly_passing[:examples]],
    ]
    return lines
