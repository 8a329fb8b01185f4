"""Serving the archive with Datasette, read-only.

``nianbao.db`` is opened immutable (``-i``): it is only ever replaced whole by
``archive.publish.staged_archive``. ``raw.db`` is opened read-only (``mode=ro``) but
not immutable, because the crawler appends to it (WAL) while the site is up, and an
immutable reader would ignore the WAL. Datasette has no way to write to either.

An immutable database stays open on the file Datasette started with, so
:func:`serve` runs Datasette as a child process and restarts it when a run has
replaced ``nianbao.db`` (a second or so without the site).

Before each start, :func:`write_inspect_file` gives Datasette the row count of every
table of the archive (``--inspect-file``): an unfiltered table page then shows its count
without counting 20 million statistics each time.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
import time
from pathlib import Path

from archive import ARCHIVE_FILE, RAW_FILE
from archive.children import Stopped, start_child, stop_child, stopped_by_signals
from archive.publish import staged_archive
from archive.rawstore import RawStore
from nianbao_site.settings import serve_options

REPO = Path(__file__).resolve().parent.parent
METADATA = REPO / "datasette-metadata.json"
INSPECT_FILE = "nianbao-inspect.json"
RELOAD_POLL_SECONDS = 2.0


def datasette_args(
    data_dir: Path, host: str = "127.0.0.1", port: int = 8001, metadata: Path = METADATA
) -> list[str]:
    """Arguments of ``datasette`` (after the program name) serving ``data_dir``."""
    data_dir = Path(data_dir)
    args = [
        "serve",
        "-i",
        str(data_dir / ARCHIVE_FILE),
        str(data_dir / RAW_FILE),
        "--metadata",
        str(metadata),
        "--inspect-file",
        str(data_dir / INSPECT_FILE),
        "--host",
        host,
        "--port",
        str(port),
    ]
    return args + serve_options()


def inspect_data(archive: Path) -> dict:
    """Datasette's inspect data for the archive: every table's row count, and as its
    "hash" an identifier of this copy of the file (path, size, mtime, inode), which is
    what Datasette uses it for (an ETag), instead of hashing gigabytes."""
    archive = Path(archive)
    stat = archive.stat()
    identity = f"{archive.resolve()}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ino}"
    conn = sqlite3.connect(f"file:{archive.resolve()}?immutable=1", uri=True)
    try:
        names = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        tables = {
            name: {"count": conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]}
            for name in names
        }
    finally:
        conn.close()
    return {
        archive.stem: {
            "hash": hashlib.sha256(identity.encode()).hexdigest(),
            "size": stat.st_size,
            "file": archive.name,
            "tables": tables,
        }
    }


def write_inspect_file(data_dir: Path) -> Path:
    """Write the archive's inspect data where :func:`datasette_args` points Datasette."""
    path = Path(data_dir) / INSPECT_FILE
    data = inspect_data(Path(data_dir) / ARCHIVE_FILE)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def prepare_data_dir(data_dir: Path) -> None:
    """Create an empty archive and raw store where none exist yet."""
    data_dir = Path(data_dir)
    if not (data_dir / ARCHIVE_FILE).exists():
        with staged_archive(data_dir / ARCHIVE_FILE):
            pass
    if not (data_dir / RAW_FILE).exists():
        RawStore(data_dir / RAW_FILE).db.close()


def serve(data_dir: Path, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Run Datasette over ``data_dir`` until interrupted (SIGINT, SIGTERM, SIGHUP),
    restarting it whenever the archive file has been replaced by a new run. Datasette
    never outlives this process (:mod:`archive.children`)."""
    data_dir = Path(data_dir)
    prepare_data_dir(data_dir)
    archive = data_dir / ARCHIVE_FILE
    command = [sys.executable, "-m", "datasette", *datasette_args(data_dir, host, port)]
    with stopped_by_signals():
        while True:
            inode = archive.stat().st_ino
            write_inspect_file(data_dir)
            child = start_child(command)
            try:
                while child.poll() is None and archive.stat().st_ino == inode:
                    time.sleep(RELOAD_POLL_SECONDS)
                exited = child.poll()  # None: stopped below because the archive was replaced
            except (KeyboardInterrupt, Stopped):
                return
            finally:
                stop_child(child)
            if exited is not None:
                raise SystemExit(exited)
