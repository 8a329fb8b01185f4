"""The raw store in open formats, for archivists (WARC and WACZ), and the archived
copies as a static folder for publishing.

Every fetched response in ``raw.db`` (one ``fetches`` row per URL and content version:
URL, status, response headers, the time these bytes were first fetched, and the body
from ``blobs``) becomes one WARC ``response`` record, after one ``warcinfo`` record that
says what made the file. ``WARC-Payload-Digest`` is the body's sha256 as the raw store
addresses it (``sha256:`` + base32), so ``warcio check`` proves that every body is the
one its address names. A WACZ package (the ``wacz`` tool) adds a CDXJ index and a page
list of the report pages and attachments, so ReplayWeb.page and pywb open it as is.

The headers are the ones the crawler kept, less what no longer describes the stored
body: Scrapy has already undone the transfer and content encodings, so
``Transfer-Encoding`` and ``Content-Encoding`` are kept as ``X-Archive-Orig-…`` (pywb's
name for a header that is not the replayed one) and ``Content-Length`` is the body's.

``nianbao export-raw`` writes every copy the archive links to as a file named by its
sha256 and the extension of its format (``nianbao_common.copies``), the names the
site's copy links use: any web server or object store can then serve the copies, and
the published site need not carry the raw store.

Archive layer: reads the raw store and the archive; imports nothing above it.
"""

from __future__ import annotations

import base64
import contextlib
import http
import io
import json
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from nianbao_common.copies import copy_file_name

WARC_VERSION = "WARC/1.1"
# Headers that describe how the bytes travelled, not the body the raw store keeps.
TRANSFER_HEADERS = ("transfer-encoding", "content-encoding")
# The fetches a reader would open as a page in a replay tool (not the list pages).
PAGE_KINDS = ("report_page", "attachment")
DESCRIPTION = (
    "Government information-disclosure annual reports (政府信息公开工作年度报告), their pages "
    "and attachments, as nianbao's crawler fetched and kept them in its raw store."
)


@dataclass(frozen=True)
class Fetch:
    """One stored response: a ``fetches`` row and its body."""

    url: str
    status: int
    headers: dict[str, str]
    fetched_at: str
    sha256: str
    kind: str | None
    title: str | None
    body: bytes


@dataclass(frozen=True)
class ExportSummary:
    records: int
    body_bytes: int
    path: Path


def nianbao_version() -> str:
    try:
        return version("nianbao")
    except PackageNotFoundError:
        return "unknown"


def read_only(raw_db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{Path(raw_db).resolve()}?mode=ro", uri=True)


def stored_fetches(raw_db: Path) -> Iterator[Fetch]:
    """Every fetched response of the raw store, oldest first, read in one snapshot."""
    conn = read_only(raw_db)
    try:
        rows = conn.execute(
            "SELECT f.url, f.status, f.headers, f.first_fetched_at, f.sha256, f.kind, "
            "f.link_title, b.content FROM fetches f JOIN blobs b ON b.sha256 = f.sha256 "
            "ORDER BY f.first_fetched_at, f.id"
        )
        for url, status, headers, fetched_at, sha256, kind, title, body in rows:
            yield Fetch(
                url=url,
                status=status or 200,
                headers=json.loads(headers or "{}"),
                fetched_at=fetched_at,
                sha256=sha256,
                kind=kind,
                title=title,
                body=body,
            )
    finally:
        conn.close()


def warc_sha256(hex_digest: str) -> str:
    """A sha256 in the WARC digest form (``sha256:`` + base32), as warcio checks it."""
    return "sha256:" + base64.b32encode(bytes.fromhex(hex_digest)).decode("ascii")


def http_headers(fetch: Fetch) -> StatusAndHeaders:
    """The response's status line and headers as they describe the stored body."""
    try:
        reason = http.HTTPStatus(fetch.status).phrase
    except ValueError:
        reason = ""
    headers = []
    for name, value in fetch.headers.items():
        lowered = name.lower()
        if lowered == "content-length":
            continue
        if lowered in TRANSFER_HEADERS:
            name = f"X-Archive-Orig-{name}"
        headers.append((name, value))
    headers.append(("Content-Length", str(len(fetch.body))))
    return StatusAndHeaders(f"{fetch.status} {reason}".strip(), headers, protocol="HTTP/1.1")


def write_warc(fetches: Iterator[Fetch], out, *, filename: str) -> tuple[int, int]:
    """Write the warcinfo record and one response record per fetch to the binary file
    ``out`` (gzipped per record when ``filename`` ends in ``.gz``). Returns (records,
    body bytes)."""
    writer = WARCWriter(out, gzip=filename.endswith(".gz"), warc_version=WARC_VERSION)
    info = {
        "software": f"nianbao {nianbao_version()}",
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "description": DESCRIPTION,
    }
    writer.write_record(writer.create_warcinfo_record(filename, info))
    records = body_bytes = 0
    for fetch in fetches:
        record = writer.create_warc_record(
            fetch.url,
            "response",
            payload=io.BytesIO(fetch.body),
            length=len(fetch.body),
            http_headers=http_headers(fetch),
            warc_headers_dict={
                "WARC-Date": fetch.fetched_at,
                "WARC-Payload-Digest": warc_sha256(fetch.sha256),
            },
        )
        writer.write_record(record)
        records += 1
        body_bytes += len(fetch.body)
    return records, body_bytes


def export_warc(raw_db: Path, path: Path) -> ExportSummary:
    """Every fetched response of ``raw_db`` as a WARC file at ``path``."""
    path = Path(path)
    with path.open("wb") as out:
        records, body_bytes = write_warc(stored_fetches(raw_db), out, filename=path.name)
    return ExportSummary(records, body_bytes, path)


def page_list(raw_db: Path) -> list[dict]:
    """The WACZ page list: every report page and attachment, titled by its link."""
    kinds = ", ".join("?" for _ in PAGE_KINDS)
    conn = read_only(raw_db)
    try:
        rows = conn.execute(
            "SELECT url, first_fetched_at, link_title FROM fetches "
            f"WHERE kind IN ({kinds}) ORDER BY first_fetched_at, id",
            PAGE_KINDS,
        ).fetchall()
    finally:
        conn.close()
    return [{"url": url, "ts": ts, "title": title or url} for url, ts, title in rows]


def export_wacz(raw_db: Path, path: Path) -> ExportSummary:
    """Every fetched response of ``raw_db`` as a WACZ package at ``path``: the WARC, its
    CDXJ index, the page list and the signed-off digests of ``datapackage.json``."""
    from wacz.main import main as wacz_main  # heavy (frictionless); only for this command

    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        warc = export_warc(raw_db, Path(tmp) / "nianbao.warc.gz")
        pages = Path(tmp) / "pages.jsonl"
        header = {"format": "json-pages-1.0", "id": "pages", "title": "Reports and attachments"}
        lines = [header, *page_list(raw_db)]
        pages.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
        said = io.StringIO()
        with contextlib.redirect_stdout(said):
            status = wacz_main(
                [
                    "create",
                    "-o",
                    str(path),
                    "-p",
                    str(pages),
                    "--title",
                    "nianbao raw store",
                    "--desc",
                    DESCRIPTION,
                    str(warc.path),
                ]
            )
        if status:
            raise RuntimeError(f"wacz create failed: {said.getvalue().strip()[-500:]}")
    return ExportSummary(warc.records, warc.body_bytes, path)


@dataclass(frozen=True)
class CopiesSummary:
    copies: int
    written: int
    bytes_written: int


def archived_copies(archive_db: Path) -> dict[str, str]:
    """{file name: sha256} of every document copy the archive links to."""
    conn = read_only(archive_db)
    try:
        rows = conn.execute(
            "SELECT DISTINCT sha256, format FROM documents WHERE sha256 IS NOT NULL"
        ).fetchall()
    finally:
        conn.close()
    return {copy_file_name(sha256, format_name): sha256 for sha256, format_name in rows}


def export_copies(archive_db: Path, raw_db: Path, directory: Path) -> CopiesSummary:
    """Write every archived copy to ``directory`` as ``<sha256>.<extension>`` (a static,
    content-addressed folder). A file already there with the right size is kept: a
    name stands for one content, so a second run writes only what is new. Each file is
    written under a temporary name and renamed, so a reader never sees half a file."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    copies = archived_copies(archive_db)
    conn = read_only(raw_db)
    written = bytes_written = 0
    try:
        for name, sha256 in sorted(copies.items()):
            path = directory / name
            stored = conn.execute("SELECT size FROM blobs WHERE sha256 = ?", [sha256]).fetchone()
            if stored is None:
                raise LookupError(f"{sha256}: in the archive but not in the raw store {raw_db}")
            if path.exists() and path.stat().st_size == stored[0]:
                continue
            content = conn.execute("SELECT content FROM blobs WHERE sha256 = ?", [sha256])
            content = content.fetchone()[0]
            partial = path.with_name(f".{name}.partial")
            partial.write_bytes(content)
            partial.replace(path)
            written += 1
            bytes_written += len(content)
    finally:
        conn.close()
    return CopiesSummary(len(copies), written, bytes_written)
