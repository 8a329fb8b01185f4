"""The scheduling files in deploy/ and .github/ say what the README says they do."""

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(DEPLOY / name, encoding="utf-8")
    return parser


def test_crawl_service_runs_the_nightly_command_and_restarts_datasette():
    service = unit("nianbao-crawl.service")["Service"]
    assert service["Type"] == "oneshot"
    assert service["ExecStart"].endswith("/.venv/bin/nianbao crawl")
    assert "try-restart nianbao-serve.service" in service["ExecStartPost"]


def test_a_stopped_crawl_gets_sigterm_first_and_time_to_save_its_queue():
    service = unit("nianbao-crawl.service")["Service"]
    assert service["KillMode"] == "mixed"  # SIGTERM to nianbao, not to its workers
    assert service["KillSignal"] == "SIGTERM"
    assert service["TimeoutStopSec"].endswith("min")


def test_the_workflow_stops_the_crawl_before_the_job_limit_and_always_saves_data():
    workflow = yaml.safe_load((ROOT / ".github/workflows/nightly.yml").read_text())
    job = workflow["jobs"]["crawl"]
    crawl = next(step for step in job["steps"] if "nianbao crawl" in step.get("run", ""))
    save = next(step for step in job["steps"] if "cache/save" in step.get("uses", ""))
    assert crawl["timeout-minutes"] < job["timeout-minutes"]
    assert save["if"] == "always()"


def test_serve_service_runs_datasette_on_loopback():
    service = unit("nianbao-serve.service")["Service"]
    assert "nianbao serve --host 127.0.0.1" in service["ExecStart"]


def test_timer_fires_nightly_and_catches_up_missed_runs():
    timer = unit("nianbao-crawl.timer")["Timer"]
    assert timer["Persistent"] == "true"
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    result = subprocess.run(
        ["systemd-analyze", "calendar", timer["OnCalendar"]], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "01:30:00" in result.stdout


def test_crontab_line_is_well_formed():
    lines = [
        line
        for line in (DEPLOY / "crontab").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(lines) == 1
    fields = lines[0].split(None, 5)
    assert all(re.fullmatch(r"[\d*/,-]+", f) for f in fields[:5])
    assert "nianbao crawl" in fields[5]


def test_github_workflow_crawls_nightly_and_publishes():
    workflow = yaml.safe_load((ROOT / ".github/workflows/nightly.yml").read_text())
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML reads `on` as True
    assert triggers["schedule"][0]["cron"] == "30 17 * * *"
    commands = " ".join(step.get("run", "") for step in workflow["jobs"]["crawl"]["steps"])
    assert "nianbao crawl" in commands
    assert "nianbao publish" in commands  # datasette publish with the site's wheel
    assert "raw.db" not in commands


def test_worker_template_follows_the_queue_and_restarts():
    service = unit("nianbao-worker@.service")["Service"]
    assert "/.venv/bin/nianbao worker --follow" in service["ExecStart"]
    assert service["EnvironmentFile"] == "/etc/nianbao/queue.env"  # NIANBAO_REDIS
    assert service["Restart"] == "always"
    assert service["KillSignal"] == "SIGTERM"
    assert "%i" in unit("nianbao-worker@.service")["Unit"]["Description"]


def test_writer_service_is_the_one_writer_of_the_data_directory():
    service = unit("nianbao-writer.service")["Service"]
    assert service["ExecStart"].endswith("/.venv/bin/nianbao write")
    assert service["EnvironmentFile"] == "/etc/nianbao/queue.env"
    assert service["Environment"].startswith("NIANBAO_DATA=")
    assert service["Restart"] == "always"


def test_redis_settings_keep_the_queue(tmp_path):
    """Debian's redis-server accepts the file and runs with what the queue needs."""
    from redis import Redis, RedisError

    from tests.fixtures.redis_server import REDIS_SERVER, free_port, wait_for

    if not Path(REDIS_SERVER).exists():
        pytest.skip("redis-server is not installed")
    port = free_port()
    server = subprocess.Popen(
        [REDIS_SERVER, str(DEPLOY / "redis-nianbao.conf"), "--port", str(port),
         "--dir", str(tmp_path), "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        client = Redis(port=port)

        def answers() -> bool:
            try:
                return client.ping()
            except RedisError:  # still starting
                return False

        wait_for(answers, 10, "redis-server with deploy/redis-nianbao.conf")
        settings = {
            key: client.config_get(key)[key]
            for key in ("appendonly", "appendfsync", "maxmemory-policy")
        }
        assert settings == {
            "appendonly": "yes",
            "appendfsync": "everysec",
            "maxmemory-policy": "noeviction",
        }
    finally:
        server.terminate()
        server.wait(timeout=10)
