"""The bundled division list: every province-, prefecture- and county-level government
of the 31 provinces by its GB/T 2260 code (crawler/reference/divisions.csv; where it comes
from and how it is rebuilt: crawler/reference/README.md).

Pure and stdlib only: read by the registry, the ``nianbao registry`` commands and the
archive's coverage table. Imports nothing of the project.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DIVISIONS_FILE = Path(__file__).resolve().parent / "reference" / "divisions.csv"
# Prefecture-level 地区 and 盟 are governed by a 行政公署, every other level by a 人民政府.
ADMINISTRATIVE_OFFICE_SUFFIXES = ("地区", "盟")
DISTRICT, NOT_DISTRICTS = "区", ("林区", "特区")


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str  # 省, 市 or 县
    parent_code: str  # blank for a province


@cache
def divisions() -> dict[str, Division]:
    """Every government of the bundled list, by code, in code order."""
    with DIVISIONS_FILE.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: Division(**row) for row in csv.DictReader(handle)}


def lineage(code: str) -> list[Division]:
    """The division and its ancestors, province first (empty for an unknown code)."""
    known = divisions()
    chain: list[Division] = []
    while code in known:
        chain.insert(0, known[code])
        code = known[code].parent_code
    return chain


def full_name(code: str) -> str | None:
    """The division's name with its province and prefecture: ``320813`` →
    ``江苏省淮安市洪泽区``; None for a code not in the list."""
    chain = lineage(code)
    return "".join(d.name for d in chain) or None


def place_names(code: str) -> dict[str, str]:
    """``province``, ``city`` and ``county`` names of a code, as the registry has them
    (``city`` blank for a county directly under its province, as in 北京市通州区)."""
    names = {"province": "", "city": "", "county": ""}
    for division in lineage(code):
        names[{"省": "province", "市": "city", "县": "county"}[division.level]] = division.name
    return names


def government_name(code: str) -> str:
    """The usual name of a division's government: ``X人民政府`` (``X行政公署`` for a 地区
    or 盟); a district (区, not 林区 or 特区) carries its city's name, as district
    governments call themselves (``南京市江宁区人民政府``)."""
    division = divisions()[code]
    if division.name.endswith(ADMINISTRATIVE_OFFICE_SUFFIXES) and division.level == "市":
        return division.name + "行政公署"
    prefix = ""
    if (
        division.level == "县"
        and division.name.endswith(DISTRICT)
        and not division.name.endswith(NOT_DISTRICTS)
    ):
        prefix = divisions()[division.parent_code].name
    return prefix + division.name + "人民政府"
