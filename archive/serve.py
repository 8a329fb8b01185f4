"""Serving the archive with Datasette, read-only.

``nianbao.db`` is opened immutable (``-i``): it is only ever replaced whole by
``archive.publish.staged_archive``. ``raw.db`` is opened read-only (``mode=ro``) but
not immutable, because the crawler appends to it (WAL) while the site is up, and an
immutable reader would ignore the WAL. Datasette has no way to write to either.

An immutable database stays open on the file Datasette started with, so
:func:`serve` runs Datasette as a child process and restarts it when a run has
replaced ``nianbao.db`` (a second or so without the site).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from archive.publish import staged_archive
from archive.rawstore import RawStore

REPO = Path(__file__).resolve().parent.parent
METADATA = REPO / "datasette-metadata.json"
PLUGINS_DIR = Path(__file__).resolve().parent / "plugins"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
ARCHIVE_FILE = "nianbao.db"
RAW_FILE = "raw.db"
RELOAD_POLL_SECONDS = 2.0

SETTINGS = {
    # A journalist's ad-hoc SQL over millions of statistics rows needs more than 1 s.
    "sql_time_limit_ms": "3000",
    # Facet suggestions cost ~0.7 s per table page on a large archive.
    "suggest_facets": "off",
    "facet_time_limit_ms": "1000",
    # The section texts of 100 reports would make a table page of several MB.
    "truncate_cells_html": "300",
    # 0 = no limit: a streamed CSV of statistics must hold every row, not stop at 100 MB.
    "max_csv_mb": "0",
}


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
        "--plugins-dir",
        str(PLUGINS_DIR),
        "--template-dir",
        str(TEMPLATES_DIR),
        "--host",
        host,
        "--port",
        str(port),
    ]
    for name, value in SETTINGS.items():
        args += ["--setting", name, value]
    return args


def datasette_env() -> dict[str, str]:
    """The environment for a Datasette child: the plugin imports ``archive``."""
    paths = [str(REPO), os.environ.get("PYTHONPATH", "")]
    return dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in paths if p))


def prepare_data_dir(data_dir: Path) -> None:
    """Create an empty archive and raw store where none exist yet."""
    data_dir = Path(data_dir)
    if not (data_dir / ARCHIVE_FILE).exists():
        with staged_archive(data_dir / ARCHIVE_FILE):
            pass
    if not (data_dir / RAW_FILE).exists():
        RawStore(data_dir / RAW_FILE).db.close()


def serve(data_dir: Path, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Run Datasette over ``data_dir`` until interrupted, restarting it whenever the
    archive file has been replaced by a new run."""
    data_dir = Path(data_dir)
    prepare_data_dir(data_dir)
    archive = data_dir / ARCHIVE_FILE
    command = [sys.executable, "-m", "datasette", *datasette_args(data_dir, host, port)]
    while True:
        inode = archive.stat().st_ino
        child = subprocess.Popen(command, env=datasette_env())
        try:
            while child.poll() is None and archive.stat().st_ino == inode:
                time.sleep(RELOAD_POLL_SECONDS)
        except KeyboardInterrupt:
            child.terminate()
            child.wait()
            return
        if child.poll() is not None:
            raise SystemExit(child.returncode)
        child.terminate()
        child.wait()
