"""The scanned-report fixtures are what tools/make_scan_fixtures.py makes: rebuilding one
gives the committed bytes (the smudged page, the quickest; every fixture goes through the
same steps)."""

from __future__ import annotations

from pathlib import Path

from tools.make_scan_fixtures import SCANS_DIR, SEED_DIR, SMUDGED_NUMBER, SMUDGED_SEED, smudged_page


def test_the_smudged_page_rebuilds_to_the_committed_bytes():
    rebuilt = smudged_page(SEED_DIR / f"{SMUDGED_SEED}.txt", SMUDGED_NUMBER)
    assert rebuilt == Path(SCANS_DIR, "smudged-digit.pdf").read_bytes()
