"""The crawl's counters in Scrapy's stats, named here once: what the middlewares and
the keep pipeline count, and how a run reads them back per portal.

A counter is ``nianbao/<name>``; a portal's is ``nianbao/portal/<id>/<name>``, where
``<name>`` may carry one detail (``errors/http_503``, ``responses/200``). Portal ids
contain no ``/`` (the registry refuses them), so a key splits back unambiguously.
"""

from __future__ import annotations

PREFIX = "nianbao"

# Run-wide counters.
DOCUMENTS = "documents"
NEW_DOCUMENTS = "new_documents"
NEW_VERSIONS = "new_versions"
SKIPPED_KNOWN = "skipped_known"
NOT_MODIFIED = "not_modified"
OFFSITE_REFUSED = "offsite_refused"
SKIPPED_YEAR = "skipped_year"
REPORT_LINKS = "report_links"
CRAWL_SECONDS = "crawl_seconds"
ERRORS = "errors"  # with a detail: the problem kind

# Per-portal counters (``REQUESTS``, ``RESPONSES`` with the status as detail, …).
REQUESTS = "requests"
RESPONSES = "responses"
ROBOTS_FORBIDDEN_START = "robots_forbidden_start"

RUN_COUNTERS = (
    DOCUMENTS,
    NEW_DOCUMENTS,
    NEW_VERSIONS,
    SKIPPED_KNOWN,
    NOT_MODIFIED,
    OFFSITE_REFUSED,
    SKIPPED_YEAR,
)


def key(name: str, detail: object = None) -> str:
    """A run-wide counter's stats key."""
    return f"{PREFIX}/{name}" if detail is None else f"{PREFIX}/{name}/{detail}"


def portal_key(portal_id: str | None, name: str, detail: object = None) -> str:
    """A portal's counter's stats key."""
    return key(f"portal/{portal_id}/{name}", detail)


def detail_values(stats: dict, name: str) -> dict[str, int]:
    """The run-wide counter ``name`` by detail (``errors`` → {kind: count})."""
    prefix = key(name) + "/"
    return {k.removeprefix(prefix): v for k, v in stats.items() if k.startswith(prefix)}


def portal_values(stats: dict) -> dict[str, dict[str, dict[str | None, int]]]:
    """Every portal's counters: {portal id: {name: {detail or None: value}}}."""
    prefix = key("portal") + "/"
    portals: dict[str, dict[str, dict[str | None, int]]] = {}
    for stat, value in stats.items():
        if not stat.startswith(prefix):
            continue
        portal_id, name, *detail = stat.removeprefix(prefix).split("/", 2)
        counters = portals.setdefault(portal_id, {}).setdefault(name, {})
        counters[detail[0] if detail else None] = value
    return portals
