"""``nianbao reprocess`` after a parser change: an archive built by an "old parser" (the
current one wrapped, in a subprocess, to behave like a buggy earlier version: it missed
the 2019 template and read one column one too high) is reprocessed by the current code
in two worker processes. The archive then equals one built by the current code from
scratch, and the change report says what changed, counted independently here."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from archive.rawstore import RawStore
from tests.fixtures.faulty.cli import ROOT, archive_contents

pytestmark = pytest.mark.timeout(300)
FORMATS = ROOT / "tests" / "fixtures" / "formats"
SEEDS = sorted(p for p in FORMATS.iterdir() if p.name[:3].isdigit())
BUILD = """
import json
import sys
from pathlib import Path

import pipelines.parse
from pipelines.process import process_pending

current = pipelines.parse.parse_document


def old_parse_document(document, hints=None):
    parsed = current(document, hints=hints)
    if parsed.get("year") == 2019:  # the old parser did not know this template
        return dict(parsed, is_report=False)
    received = (parsed.get("applications") or {}).get("new_received") or {}
    if received.get("natural_person") is not None:  # and read a column one too high
        received["natural_person"] += 1
    return parsed


if sys.argv[2] == "old":
    pipelines.parse.parse_document = old_parse_document  # forked workers inherit it
process_pending(Path(sys.argv[1]), workers=1, portals=[json.loads(sys.argv[3])])
"""
# The registry row a crawl would have saved with the archive.
PORTAL = {
    "id": "fixture",
    "name": "河南省生态环境厅（样例）",
    "division_code": "410000",
    "province": "河南省",
    "city": "",
    "county": "",
    "level": "省",
    "kind": "department",
    "cms": "generic",
    "start_urls": "http://www.example.gov.cn/",
    "allowed_domains": "www.example.gov.cn",
    "obey_robots": "",
    "source": "tests/test_reprocess.py",
}


def keep_seed_documents(data: Path) -> None:
    """A raw store holding each seed's HTML page and DOCX, as a crawl would keep them."""
    store = RawStore(data / "raw.db")
    for seed in SEEDS:
        for name, kind, content_type in (
            ("clean.html", "report_page", "text/html; charset=utf-8"),
            (
                "report.docx",
                "attachment",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
        ):
            store.put(
                url=f"http://www.example.gov.cn/{seed.name}/{name}",
                body=(seed / name).read_bytes(),
                headers={"Content-Type": content_type},
                portal_id="fixture",
                kind=kind,
                run_id="fixture",
            )
    store.db.close()  # checkpoints the WAL into raw.db, which is then copied


def reprocess(data: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "archive.cli", "reprocess", "--data", str(data), "--workers", "2"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def reported(stdout: str, what: str) -> int:
    return int(re.search(rf"^{what}: (\d+)$", stdout, re.M).group(1))


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    old = tmp_path_factory.mktemp("old")
    keep_seed_documents(old)
    fresh = tmp_path_factory.mktemp("fresh")
    shutil.copy(old / "raw.db", fresh / "raw.db")
    build(old, "old")
    build(fresh, "current")
    before = archive_contents(old)
    result = reprocess(old)
    assert not list(old.glob(".nianbao.db.*")), "a frozen or staged copy was left behind"
    return before, archive_contents(old), result.stdout, reprocess(fresh), archive_contents(fresh)


def build(data: Path, parser: str) -> None:
    """The archive of ``data``'s raw store, built by the ``old`` or ``current`` parser."""
    built = subprocess.run(
        [sys.executable, "-c", BUILD, str(data), parser, json.dumps(PORTAL)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=240,
    )
    assert built.returncode == 0, built.stderr[-3000:]


def test_reprocess_makes_the_archive_what_the_current_code_builds(archives):
    before, after, _, _, fresh = archives
    assert after == fresh
    assert before != after


def test_the_change_report_counts_what_changed(archives):
    before, after, stdout, _, _ = archives
    old_reports = {r["id"]: r for r in before["reports"]}
    new_reports = {r["id"]: r for r in after["reports"]}
    gained = set(new_reports) - set(old_reports)
    assert reported(stdout, "reports gained") == len(gained) >= 1
    for report in gained:
        assert f"  + {new_reports[report]['agency']} {new_reports[report]['year']}" in stdout
    assert reported(stdout, "reports lost") == len(set(old_reports) - set(new_reports))

    def values(contents):
        return {
            (s["report_id"], s["table_key"], s["row_key"], s["column_key"]): s["value"]
            for s in contents["statistics"]
            if s["report_id"] in old_reports and s["report_id"] in new_reports
        }

    old_values, new_values = values(before), values(after)
    changed = {
        k for k in old_values.keys() | new_values.keys() if old_values.get(k) != new_values.get(k)
    }
    assert reported(stdout, "numbers changed") == len(changed) >= 1
    assert {k[1:] for k in changed} == {("applications", "new_received", "natural_person")}
    assert "applications/new_received/natural_person" in stdout

    def outcomes(contents):
        return {(c["report_id"], c["rule"]): c["ok"] for c in contents["checks"]}

    old_checks, new_checks = outcomes(before), outcomes(after)
    failing = [k for k, ok in new_checks.items() if not ok and old_checks.get(k, 1)]
    passing = [k for k, ok in new_checks.items() if ok and old_checks.get(k) == 0]
    assert reported(stdout, "checks newly failing") == len(failing)
    assert reported(stdout, "checks newly passing") == len(passing)


def test_reprocess_with_unchanged_code_changes_nothing(archives):
    _, _, _, fresh_run, fresh = archives
    assert f"reprocessed {2 * len(SEEDS)} documents" in fresh_run.stdout
    assert len(fresh["reports"]) >= len(SEEDS)
    for what in ("reports gained", "reports lost", "numbers changed", "checks newly failing"):
        assert reported(fresh_run.stdout, what) == 0, what
