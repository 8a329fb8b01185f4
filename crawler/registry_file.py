"""The full registry as a curated data set: one row per government of the bundled
division list (crawler/divisions.py), plus departments and townships; checked against
that list, kept complete (:func:`sync_governments`), edited (:func:`add_portal`,
:func:`confirm_portals`), counted (:func:`figures`) and written back in one order.

Rows are plain dicts of :data:`crawler.registry.REGISTRY_COLUMNS`. Pure: no network, no
archive; the ``nianbao registry`` commands (archive/registry_cmd.py) do the reading and
printing.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from crawler.divisions import divisions, government_name, place_names
from crawler.registry import (
    CONFIRMED,
    NO_URL,
    REGISTRY_COLUMNS,
    URL_FROM_SOURCE,
    RegistryError,
    check_registry,
    is_date,
    read_rows,
    status_of,
)

GOVERNMENT_LEVELS = ("省", "市", "县")
PLACE_COLUMNS = ("province", "city", "county")


def is_government_row(row: dict[str, str]) -> bool:
    """A province-, prefecture- or county-level government: the row its division owns."""
    return row["kind"] == "government" and row["level"] in GOVERNMENT_LEVELS


def expected_parent(row: dict[str, str]) -> str:
    """A government's parent division; for a department or township, its government."""
    if is_government_row(row):
        return divisions()[row["division_code"]].parent_code
    return row["division_code"]


def is_url_list(value: str) -> bool:
    urls = value.split()
    return bool(urls) and all(
        urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname for url in urls
    )


def _division_problems(row: dict[str, str]) -> list[str]:
    code = row["division_code"]
    division = divisions().get(code)
    if division is None:
        return [f"division_code {code} is not in the bundled division list"]
    problems = []
    if row["kind"] == "government" and row["level"] == "乡":
        if division.level != "县":
            problems.append(f"a township's division_code must be its county's, not {code}")
    elif row["level"] != division.level:
        problems.append(f"level {row['level']} but {code} {division.name} is {division.level}")
    places = place_names(code)
    wrong = [c for c in PLACE_COLUMNS if row[c] != places[c]]
    if wrong:
        expected = "/".join(places[c] or "-" for c in PLACE_COLUMNS)
        problems.append(f"{', '.join(wrong)} do not match {code} ({expected})")
    if row["parent_code"] != expected_parent(row):
        problems.append(f"parent_code {row['parent_code']!r} should be {expected_parent(row)}")
    return problems


def _source_problems(row: dict[str, str]) -> list[str]:
    if not row["status"]:
        return [f"status is blank (one of {NO_URL}, {URL_FROM_SOURCE}, {CONFIRMED})"]
    if not row["start_urls"]:
        return []
    problems = []
    if not is_url_list(row["source"]):
        problems.append(f"source {row['source']!r} is not the URL(s) where the portal was seen")
    if not is_date(row["seen"]):
        problems.append(f"seen {row['seen']!r} is not the YYYY-MM-DD date the source was seen")
    return problems


def validate_registry(path: str | Path) -> list[str]:
    """Every problem of a full registry file as ``file:line: reason``: the crawl checks
    of :func:`crawler.registry.check_registry`, then the codes, levels, names and parents
    against the division list, one government row per division, and an openable source
    with its date for every URL."""
    try:
        rows = read_rows(path, REGISTRY_COLUMNS)
    except RegistryError as error:
        return [str(error)]
    _, problems = check_registry(path)
    owner: dict[str, int] = {}
    for line, row in rows:
        found = _source_problems(row)
        if row["division_code"].isdigit() and len(row["division_code"]) == 6:
            found += _division_problems(row)
        if is_government_row(row):
            first = owner.setdefault(row["division_code"], line)
            if first != line:
                found.append(f"a second government row for {row['division_code']} (line {first})")
        problems += [f"{path}:{line}: {problem}" for problem in found]
    return sorted(problems, key=_line_order)


def _line_order(problem: str) -> tuple[int, str]:
    parts = problem.split(":")
    return (int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else 0, problem)


def government_row(code: str) -> dict[str, str]:
    """A new row for a division's government, no URL yet; its id is its code."""
    division = divisions()[code]
    row = dict.fromkeys(REGISTRY_COLUMNS, "")
    row.update(
        id=code,
        name=government_name(code),
        division_code=code,
        level=division.level,
        kind="government",
        status=NO_URL,
        parent_code=division.parent_code,
        **place_names(code),
    )
    return row


@dataclass
class SyncResult:
    rows: list[dict[str, str]]
    added: int
    updated: int
    unknown: list[str]  # ids of rows whose division_code is not in the list


def sync_governments(rows: list[dict[str, str]]) -> SyncResult:
    """Bring the rows in line with the division list: a government row for every
    division that has none; levels, place names and parents of every row whose code is
    known set from the list; a blank status set from ``start_urls``. Nothing is removed:
    rows whose code left the list are returned in ``unknown``."""
    known = divisions()
    owned = {r["division_code"] for r in rows if is_government_row(r)}
    added = [government_row(code) for code in known if code not in owned]
    updated, unknown = 0, []
    for row in rows:
        if row["division_code"] not in known:
            unknown.append(row["id"])
            continue
        before = dict(row)
        if is_government_row(row):
            row["level"] = known[row["division_code"]].level
        row.update(place_names(row["division_code"]))
        row["parent_code"] = expected_parent(row)
        row["status"] = status_of(row)
        updated += row != before
    return SyncResult(in_order(rows + added), len(added), updated, unknown)


def in_order(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The file's order: by division code, the government first, then others by id."""
    return sorted(rows, key=lambda r: (r["division_code"], not is_government_row(r), r["id"]))


class RegistryEditError(ValueError):
    """An edit that cannot be made (unknown code, not a URL, no such portal)."""


def add_portal(
    rows: list[dict[str, str]],
    url: str,
    code: str,
    seen: str,
    source: str = "",
    name: str = "",
    portal_id: str = "",
    cms: str = "",
) -> dict[str, str]:
    """Set ``url`` as the start URL of the government of ``code`` or, with ``name``, of
    that department (added when the registry has none of that name under ``code``).
    ``source`` (default: the URL itself, a page a reader can open) and ``seen`` are
    recorded; ``cms`` blank means discovery (``auto``); allowed domains come from the
    URL. Returns the row, changed in place or appended to ``rows``."""
    if not is_url_list(url) or len(url.split()) != 1:
        raise RegistryEditError(f"{url!r} is not an http(s) URL")
    if source and not is_url_list(source):
        raise RegistryEditError(f"source {source!r} is not an http(s) URL")
    if code not in divisions():
        raise RegistryEditError(f"{code} is not a division code of the bundled list")
    row = _row_to_edit(rows, code, name, portal_id)
    row.update(
        start_urls=url,
        allowed_domains="",
        cms=cms,
        source=source or url,
        seen=seen,
        status=URL_FROM_SOURCE,
        confirmed="",
    )
    return row


def _row_to_edit(rows: list[dict[str, str]], code: str, name: str, portal_id: str) -> dict:
    if portal_id:
        match = [r for r in rows if r["id"] == portal_id]
        if match and match[0]["division_code"] != code:
            raise RegistryEditError(f"{portal_id} is a portal of {match[0]['division_code']}")
    elif name:
        match = [r for r in rows if r["division_code"] == code and r["name"] == name]
    else:
        match = [r for r in rows if r["division_code"] == code and is_government_row(r)]
        if not match:
            raise RegistryEditError(f"no government row for {code}: run `nianbao registry sync`")
    if match:
        return match[0]
    if not name:
        raise RegistryEditError(f"no portal {portal_id!r}; give --name to add a department")
    row = dict.fromkeys(REGISTRY_COLUMNS, "")
    row.update(
        id=portal_id or _free_id(rows, code),
        name=name,
        division_code=code,
        level=divisions()[code].level,
        kind="department",
        parent_code=code,
        **place_names(code),
    )
    rows.append(row)
    return row


def _free_id(rows: list[dict[str, str]], code: str) -> str:
    taken = {r["id"] for r in rows}
    return next(f"{code}-{n}" for n in range(1, len(rows) + 2) if f"{code}-{n}" not in taken)


def confirm_portals(rows: list[dict[str, str]], confirmed: dict[str, str]) -> int:
    """Mark ``confirmed`` (portal id → YYYY-MM-DD, from a crawl that archived a report
    from the portal) on the rows that have a URL; returns how many rows changed."""
    changed = 0
    for row in rows:
        day = confirmed.get(row["id"])
        if day and row["start_urls"] and (row["status"], row["confirmed"]) != (CONFIRMED, day):
            row["status"], row["confirmed"] = CONFIRMED, day
            changed += 1
    return changed


def figures(rows: list[dict[str, str]]) -> dict:
    """Counts for ``nianbao registry coverage``: government rows by level and status;
    other rows (departments, townships) by status; per province, governments, those with
    a URL and those confirmed."""
    governments = [r for r in rows if is_government_row(r)]
    by_province: dict[str, Counter] = {}
    for row in governments:
        counts = by_province.setdefault(row["province"], Counter())
        counts["governments"] += 1
        counts["with_url"] += status_of(row) != NO_URL
        counts[CONFIRMED] += status_of(row) == CONFIRMED
    return {
        "governments": Counter((r["level"], status_of(r)) for r in governments),
        "others": Counter(
            (r["kind"], r["level"], status_of(r)) for r in rows if not is_government_row(r)
        ),
        "provinces": dict(sorted(by_province.items(), key=lambda item: _province_code(item[0]))),
    }


def _province_code(province: str) -> str:
    codes = {d.name: d.code for d in divisions().values() if d.level == "省"}
    return codes.get(province, province)


def read_registry_rows(path: str | Path) -> list[dict[str, str]]:
    """The rows of a registry file (any columns missing from it are blank)."""
    return [row for _, row in read_rows(path, columns=("id", "division_code"))]


def write_registry(path: str | Path, rows: list[dict[str, str]]) -> None:
    """Write rows with every registry column, in the file's order."""
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=REGISTRY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(in_order(rows))
