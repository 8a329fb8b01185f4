"""The raw store in open formats: the demo's raw store exported as WARC and as WACZ,
validated by the formats' own tools (``warcio check``, ``wacz validate``), and every
record read back to the bytes and sha256 the raw store keeps; the archived copies
exported as a static folder of files named by their sha256 and extension."""

import gzip
import hashlib
import io
import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.serve import METADATA
from nianbao_common.copies import copy_file_name
from tests.test_site_pages import Site

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def stored_responses(raw_db: Path) -> dict[tuple[str, str], tuple[int, str, bytes]]:
    """(url, sha256) → (status, first fetched at, body) of every fetch in the raw store."""
    conn = sqlite3.connect(raw_db)
    try:
        rows = conn.execute(
            "SELECT f.url, f.sha256, f.status, f.first_fetched_at, b.content "
            "FROM fetches f JOIN blobs b ON b.sha256 = f.sha256"
        ).fetchall()
    finally:
        conn.close()
    return {(url, sha): (status, at, body) for url, sha, status, at, body in rows}


def read_back(warc: io.BufferedIOBase) -> tuple[list[str], dict]:
    """The record types in order, and (url, sha256 of the body) → (status, date, body)
    of every response record."""
    types, responses = [], {}
    for record in ArchiveIterator(warc):
        types.append(record.rec_type)
        if record.rec_type != "response":
            continue
        body = record.content_stream().read()
        key = (record.rec_headers["WARC-Target-URI"], hashlib.sha256(body).hexdigest())
        assert key not in responses, f"{key} written twice"
        status = int(record.http_headers.get_statuscode())
        responses[key] = (status, record.rec_headers["WARC-Date"], body)
    return types, responses


def nianbao(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "archive.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def export(data: Path, kind: str, path: Path) -> subprocess.CompletedProcess:
    return nianbao("export", kind, str(path), "--data", str(data))


@pytest.fixture(scope="module")
def exported(demo_run, tmp_path_factory):
    data, _ = demo_run
    out = tmp_path_factory.mktemp("export")
    paths = {"warc": out / "demo.warc.gz", "wacz": out / "demo.wacz"}
    for kind, path in paths.items():
        result = export(data, kind, path)
        assert result.returncode == 0, result.stderr
        assert str(path) in result.stdout
    return data, paths


def test_warc_is_valid_under_warcio_check(exported):
    _, paths = exported
    result = subprocess.run(
        [BIN / "warcio", "check", "-v", paths["warc"]], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "digest pass" in result.stdout
    assert "digest not present" not in result.stdout


def test_every_stored_response_reads_back_to_its_bytes(exported):
    data, paths = exported
    stored = stored_responses(data / "raw.db")
    assert stored, "the demo's raw store is empty"
    with paths["warc"].open("rb") as warc:
        types, responses = read_back(warc)
    assert types[0] == "warcinfo"
    assert types[1:] == ["response"] * len(stored)
    assert responses == stored


def test_warc_headers_describe_the_stored_body(exported):
    _, paths = exported
    with paths["warc"].open("rb") as warc:
        for record in ArchiveIterator(warc):
            if record.rec_type == "response":
                body = record.content_stream().read()
                assert record.http_headers["Content-Length"] == str(len(body))
                assert record.rec_headers["WARC-Payload-Digest"].startswith("sha256:")


def test_wacz_is_valid_under_wacz_validate(exported):
    _, paths = exported
    result = subprocess.run(
        [BIN / "wacz", "validate", "-f", paths["wacz"]], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is valid" in result.stdout


def test_wacz_holds_every_response_an_index_and_the_report_pages(exported):
    data, paths = exported
    stored = stored_responses(data / "raw.db")
    with zipfile.ZipFile(paths["wacz"]) as wacz:
        names = wacz.namelist()
        with wacz.open("archive/nianbao.warc.gz") as warc:
            _, responses = read_back(io.BytesIO(warc.read()))
        index = gzip.decompress(wacz.read("indexes/index.cdx.gz")).decode()
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()]
    assert {"datapackage.json", "datapackage-digest.json", "indexes/index.idx"} <= set(names)
    assert responses == stored
    indexed = {json.loads(line.split(" ", 2)[2])["url"] for line in index.splitlines()}
    assert indexed == {url for url, _ in stored}
    conn = sqlite3.connect(data / "raw.db")
    documents = {url for (url,) in conn.execute("SELECT url FROM fetches WHERE kind != 'list'")}
    conn.close()
    assert {page["url"] for page in pages[1:]} == documents


def test_export_without_a_raw_store_fails_with_one_line(tmp_path):
    result = export(tmp_path, "warc", tmp_path / "out.warc.gz")
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"nianbao: no raw store at {tmp_path / 'raw.db'}: nothing to export"
    )
    assert not (tmp_path / "out.warc.gz").exists()


# The demo's formats and the extensions a web server needs to serve them as such.
EXTENSIONS = {"html": ".html", "pdf": ".pdf", "docx": ".docx", "doc": ".doc"}


def test_export_raw_writes_every_copy_once_named_by_its_sha256(demo_run, tmp_path):
    data, _ = demo_run
    out = tmp_path / "copies"
    first = nianbao("export-raw", str(out), "--data", str(data))
    assert first.returncode == 0, first.stderr
    conn = sqlite3.connect(data / "nianbao.db")
    documents = set(conn.execute("SELECT sha256, format FROM documents"))
    conn.close()
    assert {f for _, f in documents} == set(EXTENSIONS)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        sha + EXTENSIONS[f] for sha, f in documents
    )
    stored = {sha: body for (_, sha), (_, _, body) in stored_responses(data / "raw.db").items()}
    for path in out.iterdir():
        body = path.read_bytes()
        assert hashlib.sha256(body).hexdigest() == path.stem
        assert body == stored[path.stem]
    again = nianbao("export-raw", str(out), "--data", str(data))
    assert f"{len(documents)} copies, 0 written" in again.stdout


def test_a_copy_of_a_text_format_is_txt_and_of_an_unknown_one_has_no_extension():
    assert copy_file_name("ab" * 32, "text") == "ab" * 32 + ".txt"
    assert copy_file_name("ab" * 32, "image") == "ab" * 32


def test_copy_links_point_at_the_configured_base_url(demo_run):
    data, _ = demo_run
    metadata = json.loads(METADATA.read_text(encoding="utf-8"))
    base = "https://copies.example.org/nianbao"
    metadata.setdefault("plugins", {}).setdefault("nianbao_site", {})["copies_base_url"] = base
    conn = sqlite3.connect(data / "nianbao.db")
    rid, sha = conn.execute(
        "SELECT r.id, d.sha256 FROM reports r JOIN documents d ON d.report_id = r.id "
        "WHERE d.format = 'pdf' LIMIT 1"
    ).fetchone()
    conn.close()
    served, published = Site(data), Site(data, metadata)
    try:
        for site, url in ((served, f"/copies/{sha}.pdf"), (published, f"{base}/{sha}.pdf")):
            assert f'href="{url}"' in site.page(f"/nianbao/reports/{rid}")
            assert f'href="{url}"' in site.page(f"/nianbao/documents?sha256={sha}")
        assert "/copies/" not in published.page(f"/nianbao/reports/{rid}")
    finally:
        served.close()
        published.close()
