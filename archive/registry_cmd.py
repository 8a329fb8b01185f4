"""``nianbao registry``: check, complete, edit and count the portal registry (app layer:
reads files and the archive, prints; the rules are in crawler/registry_file.py)."""

from __future__ import annotations

import sqlite3
import unicodedata
from datetime import date
from pathlib import Path

import click

from archive.cli_options import data_option, fail
from crawler.registry import BUNDLED_REGISTRY, CMS_AUTO, CMS_FAMILIES, CONFIRMED, NO_URL, STATUSES
from crawler.registry_file import (
    RegistryEditError,
    add_portal,
    confirm_portals,
    figures,
    read_registry_rows,
    sync_governments,
    validate_registry,
    write_registry,
)

REGISTRY_FILE = click.argument(
    "registry_file",
    required=False,
    default=BUNDLED_REGISTRY,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
REGISTRY_OPTION = click.option(
    "--registry",
    "registry_file",
    default=BUNDLED_REGISTRY,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The registry file to change (default: the bundled crawler/portals.csv).",
)


@click.group()
def registry() -> None:
    """The portal registry: one row per government (by division code), departments,
    and the portal URLs known for them."""


@registry.command()
@REGISTRY_FILE
def validate(registry_file: Path) -> None:
    """Check a full registry file (default: the bundled one): one `file:line: reason`
    per problem on stderr, exit 1 if there is any."""
    problems = validate_registry(registry_file)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        fail(f"{len(problems)} problem(s) in {registry_file}")
    click.echo(f"{registry_file}: ok, {len(read_registry_rows(registry_file))} rows")


@registry.command()
@REGISTRY_FILE
def sync(registry_file: Path) -> None:
    """Give every government of the bundled division list a row (no URL yet) and set
    levels, place names and parents from the list; nothing is removed."""
    result = sync_governments(read_registry_rows(registry_file))
    write_registry(registry_file, result.rows)
    click.echo(f"{registry_file}: {result.added} government rows added, {result.updated} updated")
    if result.unknown:
        click.echo(f"not in the division list: {', '.join(result.unknown)}", err=True)


@registry.command()
@click.argument("url")
@click.option("--code", required=True, help="The six-digit division code of the government.")
@click.option("--source", default="", help="The page that shows the URL (default: the URL).")
@click.option("--name", default="", help="A department of that government: its name.")
@click.option("--id", "portal_id", default="", help="The row's id (a new department's slug).")
@click.option(
    "--cms",
    type=click.Choice([*CMS_FAMILIES, CMS_AUTO]),
    default=None,
    help="The CMS family, if known (default: discovered from the pages).",
)
@REGISTRY_OPTION
def add(
    url: str,
    code: str,
    source: str,
    name: str,
    portal_id: str,
    cms: str | None,
    registry_file: Path,
) -> None:
    """Set URL (a home page is enough) as the portal of the government CODE, or of its
    department --name; records the source and today's date, status url_from_source."""
    rows = read_registry_rows(registry_file)
    try:
        row = add_portal(
            rows,
            url,
            code,
            seen=date.today().isoformat(),
            source=source,
            name=name,
            portal_id=portal_id,
            cms="" if cms in (None, CMS_AUTO) else cms,
        )
    except RegistryEditError as error:
        fail(str(error))
    write_registry(registry_file, rows)
    click.echo(f"{registry_file}: {row['id']} {row['name']} → {url}")


@registry.command()
@data_option
@REGISTRY_OPTION
def confirm(data_dir: Path, registry_file: Path) -> None:
    """Mark confirmed (with the date) every portal from which the archive holds a report."""
    from archive import ARCHIVE_FILE

    archive = data_dir / ARCHIVE_FILE
    if not archive.is_file():
        fail(f"no archive at {archive}: run `nianbao crawl` first")
    rows = read_registry_rows(registry_file)
    changed = confirm_portals(rows, reporting_portals(archive))
    write_registry(registry_file, rows)
    click.echo(f"{registry_file}: {changed} portal(s) newly confirmed")


def reporting_portals(archive: Path) -> dict[str, str]:
    """Portal id → the date of its latest crawl, for portals with a report archived."""
    connection = sqlite3.connect(f"file:{archive.resolve()}?mode=ro", uri=True)
    try:
        found = connection.execute(
            "SELECT portal_id, substr(coalesce(last_ok, last_crawled), 1, 10) "
            "FROM portal_status WHERE reports > 0 AND coalesce(last_ok, last_crawled) IS NOT NULL"
        ).fetchall()
    finally:
        connection.close()
    return dict(found)


@registry.command()
@REGISTRY_FILE
def coverage(registry_file: Path) -> None:
    """Print the registry's figures: governments by level and status, other rows by
    kind and status, and per province governments with a URL and confirmed."""
    for line in coverage_lines(figures(read_registry_rows(registry_file))):
        click.echo(line)


def coverage_lines(counts: dict) -> list[str]:
    governments = counts["governments"]
    header = _pad("level", 8) + "".join(f"{s:>17}" for s in STATUSES) + f"{'total':>8}"
    lines = ["governments by level and status", header]
    for level in ("省", "市", "县"):
        row = [governments[(level, status)] for status in STATUSES]
        lines.append(_pad(level, 8) + "".join(f"{n:>17}" for n in row) + f"{sum(row):>8}")
    totals = [sum(governments[(lv, s)] for lv in ("省", "市", "县")) for s in STATUSES]
    lines.append(_pad("all", 8) + "".join(f"{n:>17}" for n in totals) + f"{sum(totals):>8}")
    lines += ["", "departments and townships (kind, level, status: rows)"]
    lines += [f"  {k} {lv} {s}: {n}" for (k, lv, s), n in sorted(counts["others"].items())]
    lines += ["", _pad("province", 18) + f"{'governments':>12}{'with URL':>10}{'confirmed':>10}"]
    for province, n in counts["provinces"].items():
        counted = f"{n['governments']:>12}{n['with_url']:>10}{n[CONFIRMED]:>10}"
        lines.append(_pad(province, 18) + counted)
    with_url = sum(n["with_url"] for n in counts["provinces"].values())
    total = sum(governments.values())
    lines.append(f"{with_url} of {total} governments have a portal URL ({NO_URL}: the gap)")
    return lines


def _pad(text: str, width: int) -> str:
    """``text`` left-aligned in ``width`` terminal columns (a CJK character takes two)."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - used, 1)
