"""Several machines: ``nianbao enqueue``, ``nianbao worker``, ``nianbao write`` and
``nianbao reprocess --redis`` as real processes around a real Redis (Debian's
redis-server on a free loopback port), crawling the sample portal.

The archive one writer and three workers build equals the one ``nianbao crawl`` builds
from the same portals; so does the archive of a run whose worker and writer were killed
(SIGKILL) and whose Redis was restarted in the middle."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from redis import Redis

from crawler.sample_portal import serve_sample_portal
from tests.fixtures.faulty.cli import FAST, ROOT, TIME_LIMIT, archive_contents, query, run_crawl_cli
from tests.fixtures.redis_server import REDIS_SERVER, RedisServer, nianbao, wait_for

pytestmark = [
    pytest.mark.timeout(900),
    pytest.mark.skipif(not Path(REDIS_SERVER).exists(), reason="redis-server is not installed"),
]
PORTALS = ("sample-trs", "sample-hanweb", "sample-gkmlpt")
# Three workers and a writer share two cores: a PDF may take longer than in one crawl.
WORKER_TIME_LIMIT = 4 * TIME_LIMIT
SETTINGS = [arg for k, v in FAST.items() for arg in ("--set", f"{k}={v}")]


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    root = tmp_path_factory.mktemp("distributed")
    with serve_sample_portal() as served:
        registry = root / "registry.csv"
        text = (served.root / "registry.csv").read_text(encoding="utf-8")
        registry.write_text(text.format_map(served.hosts), encoding="utf-8")
        reference = run_crawl_cli(root / "reference", registry, *portal_args())
        assert reference.returncode == 0, reference.stderr[-3000:]
        yield registry, archive_contents(root / "reference")


def differences(contents: dict, reference: dict) -> list[str]:
    """Where two archives differ: table, row id, column (readable when a test fails)."""
    found = []
    for table, rows in reference.items():
        theirs = {str(row.get("id") or row): row for row in contents.get(table, [])}
        for row in rows:
            other = theirs.pop(str(row.get("id") or row), None)
            if other is None:
                found.append(f"{table} {row.get('id')}: missing")
            else:
                found += [f"{table} {row.get('id')} {k}" for k in row if row[k] != other.get(k)]
        found += [f"{table} {key}: extra" for key in theirs]
    return found


def portal_args() -> list[str]:
    return [arg for portal in PORTALS for arg in ("--portal", portal)]


def enqueue(redis: RedisServer, registry: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "archive.cli", "enqueue", "--redis", redis.url,
         "--registry", str(registry), *portal_args()],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip


def worker(redis: RedisServer, log: Path, *settings: str) -> subprocess.Popen:
    return nianbao(
        ["worker", "--redis", redis.url, "--allow-private-hosts", "--workers", "1",
         "--time-limit", str(WORKER_TIME_LIMIT), *SETTINGS, *settings],
        log,
    )  # fmt: skip


def writer(redis: RedisServer, data: Path, log: Path) -> subprocess.Popen:
    return nianbao(["write", "--redis", redis.url, "--data", str(data), "--until-done"], log)


def events(log: Path, name: str) -> list[str]:
    return [line for line in log.read_text().splitlines() if f" event={name} " in line]


def finish(*processes: subprocess.Popen, timeout: float = 420) -> list[int]:
    """Exit statuses, once every process has ended. Generous: on two shared cores a
    portal whose worker was killed waits for its lease, then is crawled again."""
    return [process.wait(timeout=timeout) for process in processes]


@pytest.fixture(scope="module")
def three_workers(portal, tmp_path_factory):
    registry, _ = portal
    root = tmp_path_factory.mktemp("three-workers")
    with RedisServer(root / "redis") as redis:
        queued = enqueue(redis, registry)
        assert queued.returncode == 0, queued.stderr
        the_writer = writer(redis, root / "data", root / "writer.log")
        workers = [worker(redis, root / f"worker-{n}.log") for n in range(3)]
        codes = finish(*workers, the_writer)
        assert codes == [0, 0, 0, 0], (root / "writer.log").read_text()[-3000:]
        contents = archive_contents(root / "data")
        reprocess = subprocess.Popen(
            [sys.executable, "-m", "archive.cli", "reprocess", "--redis", redis.url,
             "--data", str(root / "data")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        )  # fmt: skip
        client = Redis.from_url(redis.url)
        wait_for(lambda: client.exists("nianbao:run"), 30, "the reprocess run")
        helpers = [writer(redis, root / "data", root / "writer-2.log")]
        helpers.append(worker(redis, root / "worker-r.log"))
        printed, errors = reprocess.communicate(timeout=180)
        assert reprocess.returncode == 0, errors
        assert finish(*helpers) == [0, 0]
        yield root, queued.stdout, contents, printed


def test_enqueue_says_which_run_got_the_portals(three_workers):
    _, printed, _, _ = three_workers
    assert printed.startswith("run ") and "3 portals queued" in printed


def test_one_writer_and_three_workers_build_what_nianbao_crawl_builds(portal, three_workers):
    _, reference = portal
    _, _, contents, _ = three_workers
    assert differences(contents, reference) == []


def test_reprocess_through_the_workers_prints_the_change_report(three_workers):
    root, _, contents, printed = three_workers
    lines = printed.splitlines()
    assert lines[0].startswith(f"reprocessed {len(contents['documents'])} documents: ")
    assert "reports gained: 0" in lines and "numbers changed: 0" in lines
    assert archive_contents(root / "data") == contents


def test_the_run_record_names_the_portals_and_the_workers(three_workers):
    root, _, _, _ = three_workers
    data = root / "data"
    runs = query(data / "raw.db", "SELECT * FROM crawl_runs")
    assert [run["status"] for run in runs] == ["ok"]
    names = {line.split(" worker=")[1].split()[0] for n in range(3)
             for line in events(root / f"worker-{n}.log", "worker_start")}  # fmt: skip
    assert set(json.loads(runs[0]["workers"])) <= names
    portal_runs = query(data / "raw.db", "SELECT portal_id, outcome, worker FROM portal_runs")
    assert sorted(r["portal_id"] for r in portal_runs) == sorted(PORTALS)
    assert all(r["outcome"] == "ok" and r["worker"] in names for r in portal_runs)
    archived = query(data / "nianbao.db", "SELECT id, workers FROM crawl_runs")
    assert archived == [{"id": runs[0]["id"], "workers": runs[0]["workers"]}]


def test_a_killed_worker_and_writer_and_a_restarted_redis_lose_nothing(portal, tmp_path):
    registry, reference = portal
    data = tmp_path / "data"
    with RedisServer(tmp_path / "redis") as redis:
        assert enqueue(redis, registry).returncode == 0
        first_writer = writer(redis, data, tmp_path / "writer-1.log")
        slow = worker(redis, tmp_path / "slow.log", "--set", "DOWNLOAD_DELAY=0.5")
        wait_for(lambda: events(tmp_path / "slow.log", "portal_start"), 60, "a portal taken")
        wait_for(lambda: (data / "raw.db").exists(), 30, "the writer's first commit")
        slow.send_signal(signal.SIGKILL)  # mid-portal: its lease runs out, another takes it
        first_writer.send_signal(signal.SIGKILL)  # what it took and did not acknowledge comes back
        assert finish(slow, first_writer) == [-signal.SIGKILL, -signal.SIGKILL]
        redis.restart()
        second_writer = writer(redis, data, tmp_path / "writer-2.log")
        workers = [worker(redis, tmp_path / f"worker-{n}.log") for n in range(2)]
        wait_for(lambda: events(tmp_path / "worker-0.log", "portal_start"), 60, "work resumed")
        redis.restart()  # while the workers crawl: they wait for it and go on
        assert finish(*workers, second_writer) == [0, 0, 0], (
            tmp_path / "writer-2.log"
        ).read_text()[-3000:]
    assert differences(archive_contents(data), reference) == []
    crawled = query(data / "raw.db", "SELECT portal_id, outcome FROM portal_runs")
    assert sorted((r["portal_id"], r["outcome"]) for r in crawled) == [
        (p, "ok") for p in sorted(PORTALS)
    ]


@pytest.mark.parametrize(
    "command",
    [
        ["enqueue"],
        ["worker", "--allow-private-hosts"],
        ["write", "--until-done"],
    ],
)
def test_redis_unreachable_is_one_line_and_nothing_is_written(command, tmp_path):
    from tests.fixtures.redis_server import free_port

    data = tmp_path / "data"
    result = subprocess.run(
        [sys.executable, "-m", "archive.cli", *command, "--redis",
         f"redis://127.0.0.1:{free_port()}/0",
         *(["--data", str(data)] if command[0] == "write" else [])],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("nianbao: cannot reach Redis at redis://127.0.0.1:")
    assert not data.exists()
