"""Crawling on several machines, measured on one: pages/s and documents processed/s of
one ``nianbao crawl`` and of one writer with 1, 2 and 3 workers, on a latency-bound
synthetic portal.

    .venv/bin/python -m bench.distributed_bench [--sites 50] [--pages 4] [--latency 0.1]

``--sites`` TRS-style sites, each on its own loopback address (127.0.0.10, .11, …: Scrapy's
one request at a time per host then applies per site), each answering every request
after ``--latency`` seconds, with ``--pages`` report pages (the seeds' HTML) on one list
page. Politeness is one request at a time per host, no extra delay, so the network's
latency, not the CPU, bounds a worker. Each mode starts from an empty data directory;
its time runs from the start to the published archive. A worker crawls one portal at a
time (per-host politeness stays in one process), where one ``nianbao crawl`` crawls up to
``CONCURRENT_REQUESTS`` (16) hosts at once.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from crawler import sample_portal
from tests.fixtures.faulty.cli import query
from tests.fixtures.redis_server import ROOT, RedisServer, nianbao
from tools.make_sample_portal import (
    SiteBuild,
    document_html,
    link,
    load_seeds,
    trs_detail,
    trs_list,
)

COLUMN = "/zwgk/zfxxgk/zfxxgknb"
POLITE_NO_DELAY = ["DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=false", "LOG_LEVEL=ERROR"]
HEADER = "id,name,division_code,province,city,county,level,kind,cms,start_urls,allowed_domains,obey_robots,source"


def build_site(root: Path, number: int, pages: int, bodies: list[str]) -> None:
    site = SiteBuild("trs")
    site.add("/robots.txt", "User-agent: *\nDisallow:\n")
    entries = []
    for page in range(pages):
        title = f"样例单位{number:03d}{page:02d}2023年政府信息公开工作年度报告"
        path = f"{COLUMN}/2024/t2024_{page:03d}.html"
        site.add(path, trs_detail(title, "2024-01-20", bodies[(number + page) % len(bodies)], ""))
        entries.append(link(f"./2024/t2024_{page:03d}.html", title, "2024-01-20"))
    site.add(f"{COLUMN}/index.html", trs_list(entries, 0, 1))
    site.write(root)
    (root / "sites.json").write_text('{"trs": {"validators": ["etag", "last-modified"]}}')


def slow_handler(latency: float) -> None:
    """Every answer of the sample portal's servers (in this process) waits ``latency``."""
    handler = sample_portal._Handler
    for name in ("do_GET", "do_POST"):
        answer = getattr(handler, name)

        def delayed(self, answer=answer):
            time.sleep(latency)
            answer(self)

        setattr(handler, name, delayed)


def timed(processes: list[subprocess.Popen], logs: list[Path]) -> None:
    codes = [process.wait(timeout=3600) for process in processes]
    if any(codes):
        tail = "".join(log.read_text()[-1500:] for log in logs)
        raise SystemExit(f"a process failed: exit codes {codes}\n{tail}")


def figures(data: Path, seconds: float) -> dict:
    run = query(data / "raw.db", "SELECT requests FROM crawl_runs")[0]
    documents = query(data / "nianbao.db", "SELECT count(*) AS n FROM documents")[0]["n"]
    return {
        "seconds": seconds,
        "pages_s": run["requests"] / seconds,
        "documents_s": documents / seconds,
        "documents": documents,
    }


def crawl_once(registry: Path, data: Path, work: Path) -> dict:
    settings = [arg for pair in POLITE_NO_DELAY for arg in ("--set", pair)]
    started = time.monotonic()
    timed(
        [
            nianbao(
                ["crawl", "--data", str(data), "--registry", str(registry),
                 "--allow-private-hosts", "--workers", "1", *settings],
                work / "crawl.log",
            )
        ],
        [work / "crawl.log"],
    )  # fmt: skip
    return figures(data, time.monotonic() - started)


def distributed_once(registry: Path, data: Path, work: Path, workers: int) -> dict:
    settings = [arg for pair in POLITE_NO_DELAY for arg in ("--set", pair)]
    with RedisServer(work / f"redis-{workers}") as redis:
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "archive.cli", "enqueue", "--redis", redis.url,
             "--registry", str(registry)],
            check=True, capture_output=True, cwd=ROOT,
        )  # fmt: skip
        writer = nianbao(
            ["write", "--redis", redis.url, "--data", str(data), "--until-done"],
            work / f"writer-{workers}.log",
        )
        crawlers = [
            nianbao(
                ["worker", "--redis", redis.url, "--allow-private-hosts", "--workers", "1",
                 *settings],
                work / f"worker-{workers}-{n}.log",
            )
            for n in range(workers)
        ]  # fmt: skip
        timed([*crawlers, writer], sorted(work.glob(f"*-{workers}*.log")))
        return figures(data, time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument("--pages", type=int, default=4, help="report pages per site")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per answer")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="nianbao-distributed-bench-"))
    bodies = [document_html(seed.document) for seed in load_seeds().values()]
    slow_handler(options.latency)
    try:
        rows = [HEADER]
        with ExitStack() as servers:
            for number in range(options.sites):
                root = work / "sites" / f"{number:03d}"
                build_site(root, number, options.pages, bodies)
                served = servers.enter_context(
                    sample_portal.serve_sample_portal(root, host=f"127.0.0.{10 + number}")
                )
                host = served.hosts["trs"]
                rows.append(
                    f"bench-{number:03d},样例单位{number:03d},410000,河南省,,,省,department,trs,"
                    f"http://{host}{COLUMN}/index.html,{host},,distributed_bench"
                )
            registry = work / "registry.csv"
            registry.write_text("\n".join(rows) + "\n", encoding="utf-8")
            print(
                f"{options.sites} sites on 127.0.0.10–{9 + options.sites}, {options.pages} "
                f"report pages each, {options.latency * 1000:.0f} ms per answer"
            )
            crawl = crawl_once(registry, work / "crawl", work)
            print(
                f"nianbao crawl: {crawl['seconds']:.1f} s, {crawl['pages_s']:.1f} pages/s, "
                f"{crawl['documents_s']:.1f} documents processed/s ({crawl['documents']})"
            )
            for workers in (1, 2, 3):
                result = distributed_once(registry, work / f"data-{workers}", work, workers)
                print(
                    f"writer + {workers} worker(s): {result['seconds']:.1f} s, "
                    f"{result['pages_s']:.1f} pages/s "
                    f"({result['pages_s'] / crawl['pages_s']:.2f} × nianbao crawl), "
                    f"{result['documents_s']:.1f} documents processed/s "
                    f"({result['documents_s'] / crawl['documents_s']:.2f} ×; "
                    f"{result['documents']})"
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
