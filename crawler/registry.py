"""The portal registry: which government sites to crawl, as data.

A registry is a UTF-8 CSV file with a header row and one portal per line:

``id,name,division_code,province,city,county,level,kind,cms,start_urls,allowed_domains,obey_robots,source``

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
- ``source``: where the URL was seen.

``{name}`` placeholders in start URLs and allowed domains are filled from the
``placeholders`` mapping, so a registry can describe sites whose address is known only
at run time (the sample portal on free ports of 127.0.0.1).
"""

from __future__ import annotations

import csv
import re
from dataclasses import asdict, dataclass
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
    domains = row["allowed_domains"].split()
    if not domains:
        problems.append("allowed_domains is empty")
    urls = row["start_urls"].split()
    if not urls:
        problems.append("start_urls is empty")
    for url in urls:
        if urlsplit(url).scheme not in ("http", "https"):
            problems.append(f"start URL {url} is not http(s)")
        elif domains and not url_on_domains(url, domains):
            problems.append(f"start URL {url} is outside allowed_domains ({' '.join(domains)})")
    return problems


def load_registry(path: str | Path, placeholders: dict[str, str] | None = None) -> list[Portal]:
    """Read and validate a registry file; raise ``RegistryError`` naming every bad line."""
    path = Path(path)
    placeholders = placeholders or {}
    portals: list[Portal] = []
    problems: list[str] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise RegistryError(f"{path}: missing column(s): {', '.join(missing)}")
        for line, raw in enumerate(reader, start=2):
            row = {c: (raw.get(c) or "").strip() for c in COLUMNS}
            if not any(row.values()):
                continue
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
            if not found:
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
                    )
                )
    if problems:
        raise RegistryError("\n".join(problems))
    return portals
