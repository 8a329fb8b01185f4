"""The generated fixtures are reproducible: each generator, run into a temporary folder,
writes exactly the files that are committed, byte for byte (and no committed file of
what it generates is missing from its output)."""

from pathlib import Path

import pytest

import tools.make_format_fixtures as make_format_fixtures
import tools.make_sample_portal as make_sample_portal
from tools.layout_fixtures import write_layout_fixtures

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def files_under(directory: Path) -> set[Path]:
    return {path.relative_to(directory) for path in directory.rglob("*") if path.is_file()}


def differences(made: Path, committed: Path) -> list[str]:
    """What differs between the generator's output ``made`` and the committed folder:
    files it wrote that differ or are not committed, and committed files under the
    folders it wrote that it no longer writes."""
    wrote = files_under(made)
    found = [
        f"{name}: {'not committed' if not (committed / name).exists() else 'differs'}"
        for name in sorted(wrote)
        if not (committed / name).exists()
        or (committed / name).read_bytes() != (made / name).read_bytes()
    ]
    for top in sorted({name.parts[0] for name in wrote if len(name.parts) > 1}):
        stale = files_under(committed / top) - {
            n.relative_to(top) for n in wrote if n.parts[0] == top
        }
        found += [f"{top}/{name}: committed, no longer generated" for name in sorted(stale)]
    return found


def test_the_sample_portal_is_what_its_generator_writes(tmp_path, monkeypatch):
    monkeypatch.setattr(make_sample_portal, "OUT", tmp_path)
    make_sample_portal.main()
    assert differences(tmp_path, FIXTURES / "portal") == []


def test_the_layout_fixtures_are_what_their_generator_writes(tmp_path):
    written = write_layout_fixtures(tmp_path)
    assert written
    assert differences(tmp_path, FIXTURES / "reports") == []


@pytest.mark.slow
def test_the_format_fixtures_are_what_their_generator_writes(tmp_path, monkeypatch):
    monkeypatch.setattr(make_format_fixtures, "SEED_DIR", FIXTURES / "seeds")
    monkeypatch.setattr(make_format_fixtures, "FORMATS_DIR", tmp_path)
    monkeypatch.setattr(make_format_fixtures, "BAD_DIR", tmp_path / "bad")
    seeds, bad = make_format_fixtures.write_formats()
    assert len(seeds) == 5 and bad
    assert differences(tmp_path, FIXTURES / "formats") == []
