"""Publishing a run: all writes go to a staged copy, which replaces the live archive
in one rename, so a reader sees the archive before the run or after it, never between.

The staged copy is a private temporary file (nobody reads it until the rename), so it is
written without a rollback journal on disk and without syncing every commit; it is synced
once, before the rename. If the run fails, the copy is removed and the live file is left
as it was.

A Datasette serving the archive keeps reading the file it opened; ``archive/serve.py``
notices the new file and reopens it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from archive.schema import ensure_db_shape
from archive.store import refresh_totals


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def staged_archive(live_path: str | Path) -> Iterator[sqlite_utils.Database]:
    """Yield the archive as a Database on a temporary copy next to ``live_path``
    (shape ensured); on a clean exit sum the per-year totals, commit, fsync and
    ``os.replace`` it over the live file; on an exception delete it and leave the live
    file untouched."""
    live = Path(live_path)
    live.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{live.name}.", suffix=".staged", dir=live.parent)
    os.close(fd)
    staged = Path(name)
    # mkstemp makes the file private (0600); the published archive must stay readable by
    # a Datasette running as another user: keep the live file's mode, or 0644.
    staged.chmod(live.stat().st_mode & 0o777 if live.exists() else 0o644)
    db = None
    try:
        if live.exists():
            shutil.copyfile(live, staged)
        db = sqlite_utils.Database(staged)
        db.execute("PRAGMA journal_mode = MEMORY")
        db.execute("PRAGMA synchronous = OFF")
        ensure_db_shape(db)
        yield db
        refresh_totals(db)
        if db.conn.in_transaction:
            db.conn.commit()
        db.execute("PRAGMA optimize")
        db.close()
        db = None
        _fsync(staged)
        os.replace(staged, live)
        _fsync(live.parent)
    finally:
        if db is not None:
            db.close()
        staged.unlink(missing_ok=True)
