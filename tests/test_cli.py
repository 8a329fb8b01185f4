"""The CLI: every command and option is documented in the README; errors are one line
on stderr with a non-zero exit."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SEEDS = ROOT / "tests" / "fixtures" / "seeds"


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_and_option_is_in_the_readme(name):
    command = cli.commands[name]
    assert f"nianbao {name}" in README, f"`nianbao {name}` is not documented in README.md"
    for param in command.params:
        for option in getattr(param, "opts", []):
            if option.startswith("--") and option != "--help":
                assert option in README, f"`nianbao {name} {option}` is not in README.md"


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_parse_json_prints_one_object_per_file():
    files = sorted(SEEDS.glob("*.txt"))[:2]
    result = subprocess.run(
        [sys.executable, "-m", "archive.cli", "parse", "--json", *map(str, files)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    assert [json.loads(line)["year"] for line in lines] == [2023, 2023]


def test_parse_of_a_file_that_is_not_a_report_fails_with_one_line(tmp_path):
    notice = tmp_path / "notice.txt"
    notice.write_text("关于开展2024年政务公开培训的通知\n\n各单位：请于3月1日前报名。\n", "utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "archive.cli", "parse", str(notice)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("nianbao: ")


def test_reprocess_without_a_raw_store_fails_with_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "archive.cli", "reprocess", "--data", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"nianbao: no raw store at {tmp_path / 'raw.db'}: nothing to reprocess"
    )
