"""The sample portal: small government sites on 127.0.0.1 for the demo and the tests.

Each site under ``tests/fixtures/portal/<site>/`` (one per CMS family, plus an
off-site ``mirror``) is served by its own threaded HTTP server on a free port of
127.0.0.1, so each has its own ``host:port`` for allowed domains. ``sites.json``
describes each site's behaviour; ``registry.csv`` is a portal registry whose
``{site}`` placeholders become the sites' ``127.0.0.1:port`` (``SamplePortal.portals()``);
``EXPECTED.json`` lists what a crawl of each site must keep.

What the servers do beyond serving files (built by ``tools/make_sample_portal.py``):

- ``{{site}}`` in a text file is replaced by that site's ``127.0.0.1:port`` (absolute links,
  links to the mirror);
- ``ETag`` and/or ``Last-Modified`` per site (``validators``), answering
  ``If-None-Match`` / ``If-Modified-Since`` with 304;
- HTML with or without a charset in ``Content-Type`` (``charset``: null for the GBK site);
- ``redirects``: path → path, answered 301;
- ``flaky``: path → how many times it first answers 503 (with ``Retry-After: 1``);
- Hanweb's ``POST /module/web/jpage/dataproxy.jsp`` (records sliced from
  ``_jpage/<columnid>.xml``) and ``/module/download/downfile.jsp?filename=…``
  (from ``_downloads/``);
- gkmlpt's ``GET /gkmlpt/api/all/<catid>?page=N`` (pages sliced from
  ``_gkmlpt/<catid>.json``, ``page_size`` per site);
- Fujian TRS's list service ``POST /fjdzapp/search`` (form ``channelid``, ``classsql=chnlid=N``,
  ``page``, ``prepage``; see ``crawler.pages.trs``): ``{"pageCount": n, "data": [...]}``,
  records sliced from ``_fjdzapp/<chnlid>.json``, only for the site's ``search_id``;
- ``GET /__stats``: how many times each request was answered with each status,
  ``{"GET /path?query": {"200": n, "304": m}}``; files and dirs starting with ``_``
  are never served.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from crawler.registry import Portal, load_registry

SAMPLE_PORTAL_ROOT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "portal"
_TEXT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xml": "text/xml",
    ".json": "application/json",
    ".txt": "text/plain",
}
_RECORD = re.compile(r"<record>.*?</record>", re.S)
_PLACEHOLDER = re.compile(rb"\{\{(\w+)\}\}")


@dataclass
class Site:
    name: str
    directory: Path
    config: dict
    hosts: dict[str, str]  # every site's 127.0.0.1:port, for {{site}} placeholders
    counts: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, method: str, target: str, status: int) -> None:
        with self.lock:
            self.counts[(f"{method} {target}", str(status))] += 1

    def stats(self) -> dict[str, dict[str, int]]:
        with self.lock:
            result: dict[str, dict[str, int]] = {}
            for (request, status), n in self.counts.items():
                result.setdefault(request, {})[status] = n
            return result

    def fails(self, path: str) -> bool:
        """Whether a flaky path still has a 503 to give."""
        with self.lock:
            if self.failures[path] < self.config.get("flaky", {}).get(path, 0):
                self.failures[path] += 1
                return True
            return False

    def fill(self, body: bytes) -> bytes:
        return _PLACEHOLDER.sub(
            lambda m: self.hosts.get(m.group(1).decode(), m.group(0).decode()).encode(), body
        )

    def file(self, path: str) -> Path | None:
        """The file a URL path names (a directory means its index.html), never a
        ``_``-prefixed one, never outside the site."""
        parts = [p for p in unquote(path).split("/") if p]
        if any(p.startswith((".", "_")) for p in parts):
            return None
        candidate = self.directory.joinpath(*parts)
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None

    def content_type(self, path: Path) -> str:
        suffix = path.suffix.lower()
        kind = _TEXT_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0]
        if kind is None:
            kind = "text/html" if not suffix else "application/octet-stream"
        charset = self.config.get("charset", "utf-8")
        if kind.startswith("text/") or kind == "application/json":
            return f"{kind}; charset={charset}" if charset else kind
        return kind


class _Handler(BaseHTTPRequestHandler):
    server_version = "SamplePortal/1.0"
    site: Site  # set on the per-site subclass

    def log_message(self, format, *args):  # noqa: A002 — quiet: tests read /__stats
        return

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        if urlsplit(self.path).path != "/__stats":
            self.site.count(self.command, self.path, status)

    def do_GET(self):  # noqa: N802 — http.server's naming
        parts = urlsplit(self.path)
        if parts.path == "/__stats":
            self._send(
                200,
                json.dumps(self.site.stats(), ensure_ascii=False).encode(),
                {"Content-Type": "application/json"},
            )
            return
        if self.site.fails(parts.path):
            self._send(503, b"busy", {"Retry-After": "1", "Content-Type": "text/plain"})
            return
        redirect = self.site.config.get("redirects", {}).get(parts.path)
        if redirect:
            self._send(301, b"", {"Location": redirect})
            return
        query = parse_qs(parts.query)
        if parts.path.endswith("/module/download/downfile.jsp"):
            name = (query.get("filename") or [""])[0]
            self._serve_file(self.site.directory / "_downloads" / Path(name).name)
            return
        api = re.match(r"^/gkmlpt/api/all/(\d+)$", parts.path)
        if api:
            self._gkmlpt(api.group(1), query)
            return
        self._serve_file(self.site.file(parts.path))

    def do_POST(self):  # noqa: N802
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode("utf-8"))
        if parts.path.endswith("/module/web/jpage/dataproxy.jsp"):
            self._jpage(parse_qs(parts.query), form)
            return
        if parts.path == "/fjdzapp/search" and "search_id" in self.site.config:
            self._fjdzapp({**parse_qs(parts.query), **form})
            return
        self._send(405, b"")

    def _validators(self, body: bytes, modified: float) -> dict[str, str]:
        wanted = self.site.config.get("validators", [])
        headers = {}
        if "etag" in wanted:
            headers["ETag"] = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        if "last-modified" in wanted:
            headers["Last-Modified"] = formatdate(int(modified), usegmt=True)
        return headers

    def _not_modified(self, validators: dict[str, str]) -> bool:
        match = self.headers.get("If-None-Match")
        if match is not None and "ETag" in validators:
            return validators["ETag"] in [m.strip() for m in match.split(",")]
        since = self.headers.get("If-Modified-Since")
        if since and "Last-Modified" in validators:
            try:
                return parsedate_to_datetime(validators["Last-Modified"]) <= parsedate_to_datetime(
                    since
                )
            except (TypeError, ValueError):
                return False
        return False

    def _serve_file(self, path: Path | None) -> None:
        if path is None or not path.is_file():
            self._send(
                404,
                "<html><body><h1>404 页面不存在</h1></body></html>".encode(),
                {"Content-Type": "text/html; charset=utf-8"},
            )
            return
        body = path.read_bytes()
        content_type = self.site.content_type(path)
        if content_type.startswith(("text/", "application/json")):
            body = self.site.fill(body)
        validators = self._validators(body, path.stat().st_mtime)
        if validators and self._not_modified(validators):
            self._send(304, b"", validators)
            return
        self._send(200, body, {"Content-Type": content_type, **validators})

    def _jpage(self, query: dict, form: dict) -> None:
        column = (form.get("columnid") or query.get("columnid") or [""])[0]
        source = self.site.directory / "_jpage" / f"{Path(column).name}.xml"
        if not column or not source.is_file():
            self._send(404, b"")
            return
        records = _RECORD.findall(self.site.fill(source.read_bytes()).decode("utf-8"))
        start = int((query.get("startrecord") or ["1"])[0])
        end = int((query.get("endrecord") or [str(len(records))])[0])
        chosen = records[max(start - 1, 0) : end]
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n'
            f"<totalrecord>{len(records)}</totalrecord>\n<recordset>\n"
            + "\n".join(chosen)
            + "\n</recordset>\n</datastore>\n"
        ).encode()
        self._send(200, body, {"Content-Type": "text/xml; charset=utf-8"})

    def _fjdzapp(self, form: dict) -> None:
        """One page of a channel's records, as the Fujian TRS document search answers."""
        channel = re.fullmatch(r"\s*chnlid\s*=\s*(\d+)\s*", (form.get("classsql") or [""])[0])
        source = self.site.directory / "_fjdzapp" / f"{channel.group(1) if channel else ''}.json"
        asked = (form.get("channelid") or [""])[0] == str(self.site.config["search_id"])
        records = (
            json.loads(self.site.fill(source.read_bytes()))
            if asked and channel and source.is_file()
            else []
        )
        page = int((form.get("page") or ["1"])[0] or 1)
        size = max(int((form.get("prepage") or ["10"])[0] or 10), 1)
        answer = {
            "pageCount": -(-len(records) // size),
            "data": records[(page - 1) * size : page * size],
        }
        body = json.dumps(answer, ensure_ascii=False).encode()
        self._send(200, body, {"Content-Type": "application/json;charset=UTF-8"})

    def _gkmlpt(self, category: str, query: dict) -> None:
        source = self.site.directory / "_gkmlpt" / f"{category}.json"
        if not source.is_file():
            self._send(404, b"")
            return
        data = json.loads(self.site.fill(source.read_bytes()))
        size = int(self.site.config.get("page_size", 100))
        page = max(int((query.get("page") or ["1"])[0] or 1), 1)
        articles = data["articles"][(page - 1) * size : page * size]
        answer = {
            "classify": {**data.get("classify", {}), "post_count": len(data["articles"])},
            "total": len(data["articles"]),
            "articles": articles,
        }
        body = json.dumps(answer, ensure_ascii=False).encode()
        validators = self._validators(body, source.stat().st_mtime)
        if validators and self._not_modified(validators):
            self._send(304, b"", validators)
            return
        self._send(200, body, {"Content-Type": "application/json; charset=utf-8", **validators})


@dataclass
class SamplePortal:
    """The running sites. ``hosts``: site → ``127.0.0.1:port``."""

    root: Path
    sites: dict[str, Site]
    servers: dict[str, ThreadingHTTPServer]

    @property
    def hosts(self) -> dict[str, str]:
        return {
            name: f"{s.server_address[0]}:{s.server_address[1]}" for name, s in self.servers.items()
        }

    def base_url(self, site: str) -> str:
        return f"http://{self.hosts[site]}"

    def portals(self) -> list[Portal]:
        """The sample registry with every ``{site}`` filled in."""
        return load_registry(self.root / "registry.csv", placeholders=self.hosts)

    def stats(self) -> dict[str, dict[str, dict[str, int]]]:
        """Requests answered so far, per site (see ``/__stats``)."""
        return {name: site.stats() for name, site in self.sites.items()}

    def close(self) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()

    def __enter__(self) -> SamplePortal:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def serve_sample_portal(root: Path = SAMPLE_PORTAL_ROOT, host: str = "127.0.0.1") -> SamplePortal:
    """Start one server per site of ``root`` on free ports of ``host``; returns at once
    (the servers run in daemon threads until ``close()``)."""
    root = Path(root)
    config = json.loads((root / "sites.json").read_text(encoding="utf-8"))
    servers: dict[str, ThreadingHTTPServer] = {}
    hosts: dict[str, str] = {}
    sites: dict[str, Site] = {}
    for name, site_config in config.items():
        site = Site(name=name, directory=root / name, config=site_config, hosts=hosts)
        handler = type(f"{name.title()}Handler", (_Handler,), {"site": site})
        server = ThreadingHTTPServer((host, 0), handler)
        server.daemon_threads = True
        servers[name], sites[name] = server, site
        hosts[name] = f"{host}:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, name=f"sample-{name}", daemon=True).start()
    return SamplePortal(root=root, sites=sites, servers=servers)
