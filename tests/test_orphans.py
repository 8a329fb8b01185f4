"""No orphans: however ``nianbao serve`` or ``nianbao demo`` stops — SIGTERM, SIGINT,
SIGHUP, or killed outright (SIGKILL, where only the kernel can tell the children) — the
Datasette it started stops too and the port is free again."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support import free_port

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 180.0  # the demo crawls first; a busy machine is slow
STOP_TIMEOUT = 5.0


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=2):
            return True
    except OSError:
        return False


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def children_of(pid: int) -> list[int]:
    """The process's children (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.fixture
def started(tmp_path):
    """Start a nianbao command on a free port; after the test, kill whatever of it is
    left, so a failing test leaves no server behind either."""
    processes: list[subprocess.Popen] = []
    children: list[int] = []

    def start(args: list[str], data: Path) -> tuple[subprocess.Popen, int, list[int]]:
        port = free_port()
        command = [sys.executable, "-m", "archive.cli", *args, "--data", str(data)]
        log = (tmp_path / f"{args[0]}-{port}.log").open("wb")
        process = subprocess.Popen(
            [*command, "--port", str(port)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        processes.append(process)
        assert wait_until(lambda: answers(port) or process.poll() is not None, START_TIMEOUT)
        assert process.poll() is None, (tmp_path / log.name).read_text()[-3000:]
        children.extend(children_of(process.pid))
        assert children, "the command started no child process"
        return process, port, list(children)

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait()
    for pid in children:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def demo_copy(demo_run, tmp_path_factory) -> Path:
    """A copy of the demo's data directory (serving writes its inspect file there)."""
    data, _ = demo_run
    copy = tmp_path_factory.mktemp("orphans") / "data"
    shutil.copytree(data, copy)
    return copy


STOPS = [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGKILL]


@pytest.mark.parametrize("stop", STOPS, ids=lambda s: s.name)
def test_serve_leaves_no_datasette_behind(started, demo_copy, stop):
    process, port, children = started(["serve"], demo_copy)
    process.send_signal(stop)
    assert wait_until(lambda: not port_in_use(port), STOP_TIMEOUT), (
        f"port {port} still served {STOP_TIMEOUT:.0f} s after {stop.name} to nianbao serve"
    )
    assert wait_until(lambda: not any(alive(pid) for pid in children), STOP_TIMEOUT)
    process.wait(timeout=STOP_TIMEOUT)


@pytest.mark.slow
def test_demo_leaves_no_datasette_behind(started, tmp_path):
    process, port, children = started(["demo"], tmp_path / "data")
    process.send_signal(signal.SIGTERM)
    assert wait_until(lambda: not port_in_use(port), STOP_TIMEOUT)
    assert wait_until(lambda: not any(alive(pid) for pid in children), STOP_TIMEOUT)
    process.wait(timeout=STOP_TIMEOUT)


# A parent that starts the extraction workers (which ignore SIGTERM and SIGINT) and waits.
WORKERS = """
import time
from pipelines.process import WorkerPool
pool = WorkerPool(None, workers=2)
fetch = {"id": "t", "url": "notice.txt", "sha256": "0" * 64}
pool.result(pool.submit(fetch, "关于开展培训的通知".encode()), fetch)
print("ready", flush=True)
time.sleep(600)
"""


def test_extraction_workers_end_when_their_parent_is_killed():
    process = subprocess.Popen(
        [sys.executable, "-c", WORKERS], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    workers: list[int] = []
    try:
        assert process.stdout.readline().strip() == "ready"
        workers = children_of(process.pid)
        assert workers, "the pool started no worker"
        process.kill()
        process.wait()
        assert wait_until(lambda: not any(alive(pid) for pid in workers), STOP_TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
        for pid in workers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
