"""The published site starts from its own wheel: built from archive/site, installed with
Datasette alone into a fresh virtualenv (nothing of the crawler or the extraction
stack), started on the demo archive exactly as the published container starts it.
Needs the package index (PyPI) for Datasette, as CI has."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import venv
from pathlib import Path

import pytest

from archive.publish_site import build_site_wheel, publish_args, published_serve_options

pytestmark = pytest.mark.slow

ABSENT = ("scrapy", "pdfplumber", "pdfminer", "trafilatura", "docx", "pytesseract", "sqlite_utils")


@pytest.fixture(scope="module")
def site_venv(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("site-venv")
    wheel = build_site_wheel(root / "wheel")
    env_dir = root / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel],
        check=True,
        timeout=600,
    )
    return env_dir, wheel


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read().decode("utf-8")


def test_the_wheel_holds_the_site_and_nothing_of_the_crawler(site_venv):
    env_dir, wheel = site_venv
    names = subprocess.run(
        [sys.executable, "-m", "zipfile", "-l", wheel], capture_output=True, text=True, check=True
    ).stdout
    assert "nianbao_site/templates/" in names and "nianbao_common/keys.py" in names
    assert "crawler/" not in names and "pipelines/" not in names
    probe = f"import importlib.util as u; print([m for m in {ABSENT!r} if u.find_spec(m)])"
    found = subprocess.run(
        [env_dir / "bin" / "python", "-c", probe], capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "[]"


def test_the_publish_command_installs_the_wheel_with_the_site_settings(site_venv, tmp_path):
    _, wheel = site_venv
    args = publish_args(tmp_path / "nianbao.db", wheel, "nianbao")
    assert args[args.index("--install") + 1].endswith(wheel.name)
    assert "--setting sql_time_limit_ms" in args[args.index("--extra-options") + 1]
    assert "raw.db" not in " ".join(args)


def test_the_installed_site_serves_home_search_and_report(site_venv, demo_run):
    env_dir, _ = site_venv
    data, _ = demo_run
    archive = data / "nianbao.db"
    with sqlite3.connect(archive) as conn:
        report_id, title = conn.execute(
            "SELECT id, title FROM reports WHERE title LIKE '%年度报告%' ORDER BY id LIMIT 1"
        ).fetchone()
    port = free_port()
    server = subprocess.Popen(
        [env_dir / "bin" / "datasette", "serve", "-i", archive, "--port", str(port)]
        + published_serve_options(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                fetch(f"{base}/-/versions.json")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()[-3000:]
                time.sleep(0.1)
        status, plugins = fetch(f"{base}/-/plugins.json")
        assert status == 200 and '"datasette-nianbao"' in plugins and '"templates": true' in plugins
        status, home = fetch(f"{base}/")
        assert status == 200 and "年报" in home
        word = urllib.parse.quote("公开")
        status, results = fetch(f"{base}/nianbao/reports.json?_search={word}&_shape=array")
        assert status == 200 and report_id[:6] in results
        status, page = fetch(f"{base}/nianbao/reports/{report_id}")
        assert status == 200 and title in page
    finally:
        server.terminate()
        server.wait(timeout=30)
