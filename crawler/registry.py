"""The portal registry: every government and the sites to crawl, as data.

A registry is a UTF-8 CSV file with a header row and one body per line:

``id,name,division_code,province,city,county,level,kind,cms,start_urls,allowed_domains,obey_robots,source``
(:data:`COLUMNS`, enough to crawl) and, in the full registry (:data:`REGISTRY_COLUMNS`,
the bundled ``crawler/portals.csv``), ``seen,status,confirmed,parent_code,note``.

- ``id``: a short slug (``fj-pingtan``), unique in the file.
- ``division_code``: the GB/T 2260 administrative division code, six digits.
- ``level``: 省, 市, 县 or 乡; ``kind``: ``government`` or ``department``.
- ``cms``: the page family that reads the portal's lists (``trs``, ``hanweb``,
  ``gkmlpt``, ``nextlink``, ``generic``), or ``auto`` (blank means ``auto``): the
  crawler finds the report column and the family from the pages themselves, so a home
  page (any page of the portal) is enough.
- ``start_urls`` and ``allowed_domains``: space-separated. Every start URL must be on
  an allowed domain; a domain allows its subdomains; ``host:port`` allows that port only.
  Blank ``allowed_domains``: the start URLs' hosts, a leading ``www.`` dropped (so
  ``www.x.gov.cn`` allows ``xxgk.x.gov.cn``).
- ``obey_robots``: blank (obey robots.txt) or ``no``, a documented per-portal override.
- ``source``: where the URL was seen: one or more URLs a reader can open.
- ``seen``: the date (YYYY-MM-DD) the source was seen showing the URL.
- ``status``: ``no_url`` (no portal URL known yet: the gap, not an error),
  ``url_from_source`` (a public source shows it) or ``confirmed`` (a crawl archived a
  report from it, on the date in ``confirmed``). Blank: read from ``start_urls``.
- ``parent_code``: the government above: the parent division of a province-, prefecture-
  or county-level government; for a department or a township (乡), the government it
  belongs to (its ``division_code``).
- ``note``: free text for people.

Rows without ``start_urls`` are read and checked but not crawled:
:func:`load_registry` returns the crawlable portals only.

``{name}`` placeholders in start URLs and allowed domains are filled from the
``placeholders`` mapping, so a registry can describe sites whose address is known only
at run time (the sample portal on free ports of 127.0.0.1).
"""

from __future__ import annotations

import csv
import re
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

BUNDLED_REGISTRY = Path(__file__).resolve().parent / "portals.csv"

COLUMNS = (
    "id",
    "name",
    "division_code",
    "province",
    "city",
    "county",
    "level",
    "kind",
    "cms",
    "start_urls",
    "allowed_domains",
    "obey_robots",
    "source",
)
REGISTRY_COLUMNS = (*COLUMNS, "seen", "status", "confirmed", "parent_code", "note")
NO_URL, URL_FROM_SOURCE, CONFIRMED = "no_url", "url_from_source", "confirmed"
STATUSES = (NO_URL, URL_FROM_SOURCE, CONFIRMED)
CMS_FAMILIES = ("trs", "hanweb", "gkmlpt", "nextlink", "generic")
# Discovery: the family (and the report column) is found from the portal's own pages.
CMS_AUTO = "auto"
LEVELS = ("省", "市", "县", "乡")
KINDS = ("government", "department")
# GB/T 2260 province-level prefixes (71 台湾, 81 香港, 82 澳门 included).
PROVINCE_PREFIXES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_DIVISION = re.compile(r"^\d{6}$")


class RegistryError(ValueError):
    """A registry file that cannot be used; the message lists every problem found."""


@dataclass(frozen=True)
class Portal:
    id: str
    name: str
    division_code: str
    province: str
    city: str
    county: str
    level: str
    kind: str
    cms: str
    start_urls: tuple[str, ...]
    allowed_domains: tuple[str, ...]
    obey_robots: bool = True
    source: str = ""
    seen: str = ""
    status: str = ""
    confirmed: str = ""
    parent_code: str = ""
    note: str = ""

    def allows(self, url: str) -> bool:
        """Whether ``url`` is on one of the portal's allowed domains."""
        return url_on_domains(url, self.allowed_domains)

    def row(self) -> dict:
        """The portal as a flat dict (lists space-separated), for the archive."""
        row = asdict(self)
        row["start_urls"] = " ".join(self.start_urls)
        row["allowed_domains"] = " ".join(self.allowed_domains)
        row["obey_robots"] = "" if self.obey_robots else "no"
        return row


def url_on_domains(url: str, domains: tuple[str, ...] | list[str]) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    netloc = f"{host}:{parts.port}" if parts.port else host
    for domain in domains:
        domain = domain.lower()
        candidate = netloc if ":" in domain else host
        if candidate == domain or candidate.endswith("." + domain):
            return True
    return False


def hosts_of(urls: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The allowed domains a row without ``allowed_domains`` gets: each start URL's host
    (``host:port`` when a port is given), a leading ``www.`` dropped, in order, once."""
    domains: list[str] = []
    for url in urls:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().removeprefix("www.")
        domain = f"{host}:{parts.port}" if parts.port else host
        if host and domain not in domains:
            domains.append(domain)
    return tuple(domains)


def _fill(value: str, placeholders: dict[str, str]) -> str:
    return value.format_map(placeholders) if "{" in value else value


def _portal_problems(row: dict[str, str]) -> list[str]:
    problems = []
    if not _SLUG.match(row["id"]):
        problems.append(f"id {row['id']!r} is not a lowercase slug like 'fj-pingtan'")
    if not row["name"]:
        problems.append("name is empty")
    code = row["division_code"]
    if not _DIVISION.match(code) or code[:2] not in PROVINCE_PREFIXES:
        problems.append(f"division_code {code!r} is not a GB/T 2260 code (six digits)")
    if row["level"] not in LEVELS:
        problems.append(f"level {row['level']!r} is not one of {'/'.join(LEVELS)}")
    if row["kind"] not in KINDS:
        problems.append(f"kind {row['kind']!r} is not one of {', '.join(KINDS)}")
    if row["cms"] not in (*CMS_FAMILIES, CMS_AUTO):
        known = ", ".join((*CMS_FAMILIES, CMS_AUTO))
        problems.append(f"cms {row['cms']!r} is unknown (known: {known}, or blank)")
    if row["obey_robots"] not in ("", "yes", "no"):
        problems.append(f"obey_robots {row['obey_robots']!r} must be blank, 'yes' or 'no'")
    urls = row["start_urls"].split()
    problems += _status_problems(row["status"], bool(urls), row["confirmed"])
    domains = row["allowed_domains"].split()
    if urls and not domains:
        problems.append("allowed_domains is empty")
    for url in urls:
        if urlsplit(url).scheme not in ("http", "https"):
            problems.append(f"start URL {url} is not http(s)")
        elif domains and not url_on_domains(url, domains):
            problems.append(f"start URL {url} is outside allowed_domains ({' '.join(domains)})")
    return problems


def status_of(row: dict[str, str]) -> str:
    """A row's status: its ``status`` column, or, when blank, what ``start_urls`` says."""
    return row.get("status") or (URL_FROM_SOURCE if row.get("start_urls") else NO_URL)


def _status_problems(status: str, has_url: bool, confirmed: str) -> list[str]:
    if status and status not in STATUSES:
        return [f"status {status!r} is not one of {', '.join(STATUSES)}"]
    problems = []
    if status == NO_URL and has_url:
        problems.append("status is no_url but start_urls is set")
    if status in (URL_FROM_SOURCE, CONFIRMED) and not has_url:
        problems.append(f"status is {status} but start_urls is empty")
    if status == CONFIRMED and not is_date(confirmed):
        problems.append(f"status is confirmed but confirmed {confirmed!r} is not a YYYY-MM-DD date")
    if status != CONFIRMED and confirmed:
        problems.append(f"confirmed {confirmed!r} is set but status is not confirmed")
    return problems


def is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def read_rows(path: str | Path, columns: tuple[str, ...] = COLUMNS) -> list[tuple[int, dict]]:
    """The file's non-blank rows with their line numbers, every value stripped; raise
    ``RegistryError`` when one of ``columns`` is missing from the header."""
    path = Path(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise RegistryError(f"{path}: missing column(s): {', '.join(missing)}")
        rows = []
        for line, raw in enumerate(reader, start=2):
            row = {c: (raw.get(c) or "").strip() for c in REGISTRY_COLUMNS}
            if any(row.values()):
                rows.append((line, row))
    return rows


def check_registry(
    path: str | Path, placeholders: dict[str, str] | None = None
) -> tuple[list[Portal], list[str]]:
    """Read a registry file: its crawlable portals, and every problem as ``file:line:
    reason`` (a row with a problem gives no portal)."""
    path = Path(path)
    placeholders = placeholders or {}
    portals: list[Portal] = []
    problems: list[str] = []
    seen: set[str] = set()
    for line, row in read_rows(path):
        try:
            row["start_urls"] = _fill(row["start_urls"], placeholders)
            row["allowed_domains"] = _fill(row["allowed_domains"], placeholders)
        except KeyError as error:
            problems.append(f"{path}:{line}: unknown placeholder {error}")
            continue
        row["cms"] = row["cms"] or CMS_AUTO
        if not row["allowed_domains"]:
            row["allowed_domains"] = " ".join(hosts_of(row["start_urls"].split()))
        found = _portal_problems(row)
        if row["id"] in seen:
            found.append(f"id {row['id']!r} is used twice")
        seen.add(row["id"])
        problems += [f"{path}:{line}: {problem}" for problem in found]
        if not found and row["start_urls"]:
            portals.append(
                Portal(
                    id=row["id"],
                    name=row["name"],
                    division_code=row["division_code"],
                    province=row["province"],
                    city=row["city"],
                    county=row["county"],
                    level=row["level"],
                    kind=row["kind"],
                    cms=row["cms"],
                    start_urls=tuple(row["start_urls"].split()),
                    allowed_domains=tuple(d.lower() for d in row["allowed_domains"].split()),
                    obey_robots=row["obey_robots"] != "no",
                    source=row["source"],
                    seen=row["seen"],
                    status=status_of(row),
                    confirmed=row["confirmed"],
                    parent_code=row["parent_code"],
                    note=row["note"],
                )
            )
    return portals, problems


def load_registry(path: str | Path, placeholders: dict[str, str] | None = None) -> list[Portal]:
    """Read and validate a registry file: its crawlable portals (rows with start URLs);
    raise ``RegistryError`` naming every bad line."""
    portals, problems = check_registry(path, placeholders)
    if problems:
        raise RegistryError("\n".join(problems))
    return portals
