"""Fixtures shared by several test modules."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> tuple[Path, str]:
    """``nianbao demo --no-serve`` run once per test session: (its data directory, what
    it printed). Tests read it and must not change it."""
    data = tmp_path_factory.mktemp("demo")
    result = subprocess.run(
        [sys.executable, "-m", "archive.cli", "demo", "--no-serve", "--data", str(data)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return data, result.stdout
