"""Publishing the site alone: the archive file and the site's own wheel.

The published container holds ``nianbao.db``, ``datasette-metadata.json`` and the wheel
of ``archive/site`` (the Datasette plugin ``nianbao_site`` with its templates, and the
bottom layer ``nianbao_common``), installed with Datasette and nothing of the crawler or
the extraction stack. The raw store is not published: archived copies are served from a
static folder (``nianbao export-raw``) at the base URL the metadata names.

``nianbao publish`` runs ``datasette publish cloudrun`` with :func:`publish_args`; the
container starts ``datasette serve`` with :func:`published_serve_options`, which a test
uses to start the wheel in a fresh virtualenv exactly so.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from nianbao_site.settings import serve_options

REPO = Path(__file__).resolve().parent.parent
SITE_DIR = REPO / "archive" / "site"
METADATA = REPO / "datasette-metadata.json"
WHEEL_MOUNT = "site-wheel"  # the folder the wheel is copied to inside the container


def build_site_wheel(out_dir: Path) -> Path:
    """Build the wheel of ``archive/site`` into ``out_dir`` and return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as build:
        # Built from a copy: setuptools leaves build/ and *.egg-info in the tree it builds.
        source = Path(build) / "source"
        shutil.copytree(SITE_DIR, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", build, source],
            check=True,
        )
        (built,) = Path(build).glob("datasette_nianbao-*.whl")
        target = out_dir / built.name
        target.write_bytes(built.read_bytes())
    return target


def published_serve_options(metadata: Path = METADATA) -> list[str]:
    """The ``datasette serve`` options of the published site, besides its files."""
    return ["--metadata", str(metadata), *serve_options()]


def publish_args(archive: Path, wheel: Path, service: str, metadata: Path = METADATA) -> list[str]:
    """``datasette publish cloudrun`` arguments publishing ``archive`` with the wheel."""
    return [
        "publish",
        "cloudrun",
        str(archive),
        "--service",
        service,
        "--metadata",
        str(metadata),
        "--static",
        f"{WHEEL_MOUNT}:{Path(wheel).parent}",
        "--install",
        f"/app/{WHEEL_MOUNT}/{Path(wheel).name}",
        "--extra-options",
        " ".join(serve_options()),
    ]
