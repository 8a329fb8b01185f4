"""Crawl throughput on a local synthetic portal, with and without the processing
pipeline, and what a second, unchanged run downloads.

    .venv/bin/python -m bench.crawl_bench [--pages 2000]

Builds a TRS-style site under /tmp (``--pages`` report pages with the seeds' tables,
one in ten with a PDF attachment, 20 per list page, ETag/Last-Modified on every file),
serves it on 127.0.0.1 and crawls it with politeness off, each crawl in its own process:

0. a bare Scrapy spider: the same spider and page objects, no raw store, no processing
   (the other runs are given as a share of its pages/s);
1. keep only (``KeepRawPipeline``): pages/s;
2. the same portal again, unchanged: requests and bytes as % of run 1 (target < 5 %);
3. a fresh archive with the full pipeline (``pipelines.process.ProcessPipeline`` when it
   exists): pages/s, and how much slower than run 1 (target < 20 %);
4. the whole ``nianbao crawl`` (crawl, process, publish) on a fresh data directory: its
   peak resident memory (the issue asks for it at ``--pages 10000``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crawler.sample_portal import serve_sample_portal
from tools.make_sample_portal import (
    SiteBuild,
    document_html,
    link,
    load_seeds,
    registry_csv,
    trs_detail,
    trs_list,
)

ROOT = Path(__file__).resolve().parent.parent
PER_LIST_PAGE = 20
ATTACHMENT_EVERY = 10
COLUMN = "/zwgk/zfxxgk/zfxxgknb"

CRAWL = """
import json, sys
from pathlib import Path
from crawler.registry import load_registry
from crawler.run import run_crawl
args = json.loads(sys.argv[1])
portals = load_registry(args["registry"], placeholders=args["hosts"])
summary = run_crawl(portals, Path(args["data"]), run_id=args["run_id"], polite=False,
                    allow_private_hosts=True, extra_settings=args["extra"])
print(json.dumps(summary))
"""


def build_synthetic_portal(root: Path, pages: int) -> None:
    seeds = list(load_seeds().values())
    bodies = [document_html(seed.document) for seed in seeds]
    pdfs = [seed.file("report.pdf") for seed in seeds]
    site = SiteBuild("trs")
    site.add("/robots.txt", "User-agent: *\nDisallow:\n")
    entries = []
    for number in range(pages):
        seed = number % len(seeds)
        title = f"样例单位{number:05d}2023年政府信息公开工作年度报告"
        path = f"{COLUMN}/2024/t2024_{number:05d}.html"
        attachment = ""
        if number % ATTACHMENT_EVERY == 0:
            pdf = f"{COLUMN}/2024/P2024_{number:05d}.pdf"
            site.add(pdf, pdfs[seed])
            attachment = (
                f'<div class="attach"><a href="./P2024_{number:05d}.pdf">{title}.pdf</a></div>\n'
            )
        site.add(path, trs_detail(title, "2024-01-20", bodies[seed], attachment))
        entries.append(link(f"./2024/t2024_{number:05d}.html", title, "2024-01-20"))
    lists = [entries[i : i + PER_LIST_PAGE] for i in range(0, len(entries), PER_LIST_PAGE)]
    for number, chunk in enumerate(lists):
        name = "index.html" if number == 0 else f"index_{number}.html"
        site.add(f"{COLUMN}/{name}", trs_list(chunk, number, len(lists)))
    site.write(root)
    (root / "sites.json").write_text(json.dumps({"trs": {"validators": ["etag", "last-modified"]}}))
    trs_row = next(line for line in registry_csv().splitlines() if line.startswith("sample-trs,"))
    header = registry_csv().splitlines()[0]
    (root / "registry.csv").write_text(f"{header}\n{trs_row}\n", encoding="utf-8")


# The bare spider: no store, no processing, no problem records; NetworkStats still times
# the crawl the same way.
BARE = {
    "ITEM_PIPELINES": {"pipelines.keep.KeepRawPipeline": None},
    "DOWNLOADER_MIDDLEWARES": {
        "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
        "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
        "crawler.downloadermiddlewares.NetworkStats": 850,
    },
    "SPIDER_MIDDLEWARES": {},
}


def peak_rss_of_nianbao_crawl(portal, data: Path) -> tuple[float, int]:
    """Seconds and peak resident memory (MiB) of ``nianbao crawl`` with politeness off."""
    fast = ["AUTOTHROTTLE_ENABLED=false", "DOWNLOAD_DELAY=0", "CONCURRENT_REQUESTS=32",
            "CONCURRENT_REQUESTS_PER_DOMAIN=32", "LOG_LEVEL=ERROR"]  # fmt: skip
    registry = data.parent / "registry-filled.csv"
    text = (portal.root / "registry.csv").read_text(encoding="utf-8")
    registry.write_text(text.format_map(portal.hosts), encoding="utf-8")
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "archive.cli", "crawl", "--data", str(data), "--registry",
         str(registry), "--allow-private-hosts", *[a for f in fast for a in ("--set", f)]],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
    )  # fmt: skip
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("nianbao crawl failed")
    return time.monotonic() - started, usage.ru_maxrss // 1024


def crawl(portal, data: Path, run_id: str, extra: dict | None = None) -> dict:
    args = {
        "registry": str(portal.root / "registry.csv"),
        "hosts": portal.hosts,
        "data": str(data),
        "run_id": run_id,
        "extra": {"LOG_LEVEL": "WARNING", **(extra or {})},
    }
    result = subprocess.run(
        [sys.executable, "-c", CRAWL, json.dumps(args)], capture_output=True, text=True, cwd=ROOT
    )
    if result.returncode != 0:
        raise SystemExit(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def rate(summary: dict) -> float:
    """Responses per second of crawling: from the start to the last response."""
    return summary["responses"] / summary["crawl_seconds"]


def process_pipeline() -> dict | None:
    if not hasattr(importlib.import_module("pipelines.process"), "ProcessPipeline"):
        return None
    return {"ITEM_PIPELINES": {"pipelines.process.ProcessPipeline": 200}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pages", type=int, default=2000, help="report pages in the synthetic portal"
    )
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="nianbao-crawl-bench-"))
    try:
        build_synthetic_portal(work / "portal", options.pages)
        lists = -(-options.pages // PER_LIST_PAGE)
        attachments = -(-options.pages // ATTACHMENT_EVERY)
        print(
            f"synthetic portal: {lists} list pages, {options.pages} report pages, "
            f"{attachments} PDF attachments ({work / 'portal'})"
        )
        with serve_sample_portal(work / "portal") as portal:
            bare = crawl(portal, work / "bare", "run-0", BARE)
            print(
                f"run 0, bare Scrapy spider: {bare['responses']} responses in "
                f"{bare['crawl_seconds']:.1f} s = {rate(bare):.0f} pages/s"
            )
            first = crawl(portal, work / "keep", "run-1")
            print(
                f"run 1, keep only, politeness off: {first['responses']} responses in "
                f"{first['crawl_seconds']:.1f} s = {rate(first):.0f} pages/s "
                f"({100 * rate(first) / rate(bare):.0f} % of bare), "
                f"{first['bytes'] / 1e6:.1f} MB, {first['documents']} documents kept"
            )
            second = crawl(portal, work / "keep", "run-2")
            print(
                f"run 2, unchanged: {second['requests']} requests "
                f"({second['not_modified']} answered 304, {second['skipped_known']} documents held, "
                f"not fetched), {second['bytes']} bytes = "
                f"{100 * second['bytes'] / first['bytes']:.2f} % of run 1 (target < 5 %)"
            )
            extra = process_pipeline()
            if extra is None:
                print(
                    "run 3, full pipeline: pipelines.process.ProcessPipeline does not exist yet; "
                    "run 1 is keep-only"
                )
                return
            third = crawl(portal, work / "full", "run-3", extra)
            cost = 100 * (1 - rate(third) / rate(first))
            print(
                f"run 3, keep + ProcessPipeline: {third['responses']} responses in "
                f"{third['crawl_seconds']:.1f} s = {rate(third):.0f} pages/s "
                f"({100 * rate(third) / rate(bare):.0f} % of bare, goal ≥ 80 %); "
                f"the pipeline costs the crawl {cost:.0f} % (target < 20 %); processing "
                f"ended {third['elapsed_seconds'] - third['crawl_seconds']:.0f} s after the "
                "last response"
            )
            seconds, peak = peak_rss_of_nianbao_crawl(portal, work / "whole")
            print(
                f"run 4, nianbao crawl (crawl, process, publish) of {options.pages} report "
                f"pages: {seconds:.0f} s, peak resident memory {peak} MiB"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
