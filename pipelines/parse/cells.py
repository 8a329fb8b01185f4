"""Cell text: normalised labels and printed values.

``label()`` makes labels comparable across renderings: NFKC (full-width digits,
brackets and colons to ASCII), all whitespace removed (``自 然 人``, ``本年新\\n制作数量``),
traditional characters as simplified (``規章`` → 规章, ``政府資訊公開`` → 政府信息公开) by the
table in ``traditional.csv``: the characters of the template's labels, headings and title
words, and the Taiwan-style terms, no more.
``read_value()`` turns a printed cell into a number, null, or "not a value".
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_WHITESPACE = re.compile(r"\s+")
# Pages that print the pinyin after a character: 報(bào)告.
_PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}\)")
_NULL_MARKERS = frozenset({"", "/", "\\", "-", "--", "—", "——", "–", "―", "无"})
_NUMBER = re.compile(
    r"^(?P<sign>增加?|减少?|\+|-|−)?(?P<number>\d+(?:\.\d+)?)(?P<unit>万元|元|件|个|项|条|次)?$"
)


TRADITIONAL_TABLE = Path(__file__).with_name("traditional.csv")


def _simplified_forms() -> tuple[dict[int, str], tuple[tuple[str, str], ...]]:
    """The table as a character map, and the terms (several characters) it replaces
    after the characters are mapped."""
    with TRADITIONAL_TABLE.open(encoding="utf-8", newline="") as table:
        pairs = [(row["traditional"], row["simplified"]) for row in csv.DictReader(table)]
    characters = {ord(t): s for t, s in pairs if len(t) == 1}
    terms = tuple((t.translate(characters), s) for t, s in pairs if len(t) > 1)
    return characters, terms


_SIMPLIFIED_CHARACTERS, _SIMPLIFIED_TERMS = _simplified_forms()


@lru_cache(maxsize=8192)
def label(text: str) -> str:
    """A cell or heading as a comparable label: NFKC, no whitespace, traditional
    characters of the template's words as simplified, `“”` kept."""
    compact = _WHITESPACE.sub("", unicodedata.normalize("NFKC", text))
    if "(" in compact:
        compact = _PINYIN.sub("", compact)
    compact = compact.translate(_SIMPLIFIED_CHARACTERS)
    for term, simplified in _SIMPLIFIED_TERMS:
        if term in compact:
            compact = compact.replace(term, simplified)
    return compact


@dataclass(frozen=True)
class Value:
    """A printed cell read as a value. ``number`` is None for a blank or a null
    marker; ``is_value`` is False for text that is no value at all (a label)."""

    number: int | float | None
    is_value: bool = True
    unit: str = ""  # the unit printed after the number: 元, 万元, 件 …


NOT_A_VALUE = Value(None, is_value=False)
BLANK = Value(None)


@lru_cache(maxsize=8192)
def read_value(text: str) -> Value:
    """``0`` → 0, ``增12`` → 12, ``减3`` → -3, ``22.36万元`` → 22.36, ``1,530`` → 1530,
    blank / ``-`` / ``—`` / ``无`` → null, anything else → NOT_A_VALUE."""
    compact = label(text).replace(",", "")
    if compact in _NULL_MARKERS:
        return BLANK
    match = _NUMBER.match(compact)
    if not match:
        return NOT_A_VALUE
    digits = match["number"]
    number: int | float = float(digits) if "." in digits else int(digits)
    if match["sign"] and match["sign"][0] in "减-−":
        number = -number
    return Value(number, unit=match["unit"] or "")


def yuan_to_10k(amount: int | float) -> float:
    """An amount printed in 元 as 万元 (251000 → 25.1), rounded to the 4 decimals
    the template asks for."""
    return round(amount / 10000, 4)
