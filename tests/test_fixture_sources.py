"""Every fixture's ``*.source.txt`` says where it comes from in terms a reader can follow:
a fixture taken from public material cites an address a reader can open and the date it
was seen; a generated or derived one names the script or the fixture it was made from."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SOURCES = sorted(FIXTURES.rglob("*.source.txt"))
URL = re.compile(r"https?://[^\s)>\]]+")
DATE_SEEN = re.compile(r"seen[^\n\d]{0,40}(20\d\d-\d\d-\d\d)")
GENERATOR = re.compile(r"\btools[./](\w+)")
SEED = re.compile(r"\b[Ss]eed[ _]?(\d{3})\b")
FIXTURE_NAME = re.compile(r"\b(?:[Aa]s|from) ([a-z0-9_]+)\b")


def from_public_material(path: Path, text: str) -> bool:
    return path.name.startswith("real_") or bool(URL.search(text))


def made_from(text: str) -> list[Path]:
    """The in-repo scripts and fixtures a generated or derived fixture names."""
    named = [ROOT / "tools" / f"{name}.py" for name in GENERATOR.findall(text)]
    named += [p for n in SEED.findall(text) for p in (FIXTURES / "seeds").glob(f"{n}_*.txt")]
    for name in FIXTURE_NAME.findall(text):
        named += list((FIXTURES / "reports").glob(f"{name}.*"))
    return named


def test_there_are_source_notes():
    assert len(SOURCES) >= 30


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name.removesuffix(".source.txt"))
def test_a_source_note_can_be_followed(path):
    text = path.read_text(encoding="utf-8")
    if from_public_material(path, text):
        assert URL.search(text), f"{path.name}: no address a reader can open"
        assert DATE_SEEN.search(text), f"{path.name}: no date seen (seen YYYY-MM-DD)"
    else:
        named = made_from(text)
        assert named, f"{path.name}: neither an address nor the script or fixture it was made from"
        missing = [str(p.relative_to(ROOT)) for p in named if not p.exists()]
        assert not missing, f"{path.name} names what does not exist: {missing}"


def test_an_undated_address_is_refused():
    assert not DATE_SEEN.search("Source: http://www.example.gov.cn/a.html")
    assert DATE_SEEN.search("Source: http://www.example.gov.cn/a.html (seen 2026-11-23)")
