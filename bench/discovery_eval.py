"""Discovery on the sample portal: documents found from home pages with ``cms auto``,
against the crawl given each site's report column and family, and against home pages
read with ``generic`` (what the crawler did before discovery); and the requests
discovery spends per portal and per department.

    .venv/bin/python -m bench.discovery_eval

Three crawls, each in its own process over its own copy of tests/fixtures/portal/:
``family`` (``registry.csv``: columns and families; the city site, which has no family
of its own, is ``auto`` there too), ``auto`` (``registry-auto.csv``: home pages only)
and ``generic`` (the same home pages, ``cms generic``). Documents are report pages and
attached files, counted against ``EXPECTED.json``. Exits 1 when ``auto`` finds fewer
documents than ``family`` for any portal.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

from bench.crawl_bench import crawl
from crawler.sample_portal import SAMPLE_PORTAL_ROOT, serve_sample_portal

MODES = {"family": "registry.csv", "auto": "registry-auto.csv", "generic": "registry-auto.csv"}


def registry_for(mode: str, root: Path) -> str:
    text = (root / MODES[mode]).read_text(encoding="utf-8")
    if mode != "generic":
        return text
    rows = list(csv.DictReader(io.StringIO(text)))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows({**row, "cms": "generic"} for row in rows)
    return out.getvalue()


def kept(data: Path, base_urls: dict[str, str], expected: dict) -> dict[str, set[tuple]]:
    """Per portal, the expected (path, kind) it kept."""
    db = sqlite3.connect(data / "raw.db")
    found: dict[str, set[tuple]] = {}
    for portal_id, url, kind in db.execute(
        "SELECT portal_id, url, kind FROM fetches WHERE kind != 'list'"
    ):
        base = base_urls[expected[portal_id]["site"]]
        found.setdefault(portal_id, set()).add((url.removeprefix(base), kind))
    db.close()
    return found


def discovery_requests(data: Path) -> dict[str, dict[str, int]]:
    """Per portal, the requests each search spent ('' = the portal itself)."""
    db = sqlite3.connect(data / "raw.db")
    rows = db.execute(
        "SELECT portal_id, coalesce(department, ''), max(requests) FROM discoveries "
        "GROUP BY portal_id, department"
    )
    spent: dict[str, dict[str, int]] = {}
    for portal_id, department, requests in rows:
        spent.setdefault(portal_id, {})[department] = requests
    db.close()
    return spent


def run(mode: str, work: Path, expected: dict) -> tuple[dict, dict, dict]:
    root = work / mode / "portal"
    shutil.copytree(SAMPLE_PORTAL_ROOT, root)
    (root / "registry.csv").write_text(registry_for(mode, root), encoding="utf-8")
    with serve_sample_portal(root) as portal:
        summary = crawl(portal, work / mode / "data", f"discovery-{mode}")
        base_urls = {site: portal.base_url(site) for site in portal.hosts}
    data = work / mode / "data"
    return summary, kept(data, base_urls, expected), discovery_requests(data)


def main() -> None:
    expected = json.loads((SAMPLE_PORTAL_ROOT / "EXPECTED.json").read_text(encoding="utf-8"))
    portals = expected["portals"]
    work = Path(tempfile.mkdtemp(prefix="nianbao-discovery-"))
    try:
        results = {mode: run(mode, work, portals) for mode in MODES}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("documents found / expected (report pages + files), and requests per portal")
    print(f"{'portal':18} {'family':>12} {'auto':>12} {'generic':>12}  discovery requests (auto)")
    worse = []
    totals = dict.fromkeys(MODES, 0)
    for portal_id, portal in portals.items():
        wanted = {(d["path"], d["kind"]) for d in portal["documents"]}
        cells = []
        for mode, (summary, found, _) in results.items():
            hits = len(found.get(portal_id, set()) & wanted)
            totals[mode] += hits
            requests = summary["portal_counts"][portal_id]["requests"]
            cells.append(f"{hits:>2}/{len(wanted)} {requests:>3} rq")
        spent = results["auto"][2].get(portal_id, {})
        searches = ", ".join(f"{name or 'portal'} {n}" for name, n in spent.items())
        print(
            f"{portal_id:18} {cells[0]:>12} {cells[1]:>12} {cells[2]:>12}  {sum(spent.values())}: {searches}"
        )
        auto_hits = len(results["auto"][1].get(portal_id, set()) & wanted)
        if auto_hits < len(results["family"][1].get(portal_id, set()) & wanted):
            worse.append(portal_id)
    everything = sum(len(p["documents"]) for p in portals.values())
    print("total documents: " + ", ".join(f"{mode} {totals[mode]}/{everything}" for mode in MODES))
    if worse:
        print(f"auto finds fewer documents than the family given: {', '.join(worse)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
