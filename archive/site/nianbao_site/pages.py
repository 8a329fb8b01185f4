"""The site's own pages, read from the archive database (and the raw store for copies):
the front door's figures, search results, a province's agencies, one agency across
years, and an archived copy served as what it is.

Everything here reads ``nianbao.db`` through Datasette's read-only connections; the
archive's shape is known only from its tables and views (``datasette-metadata.json``
describes them), never from the archive's code.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote, urlencode

from datasette.utils.asgi import Response
from markupsafe import Markup

from nianbao_site.chart import Series, bar_chart
from nianbao_site.copies import COPIES_PATH, archived_copy_url, copy_headers, extension
from nianbao_site.labels import column_labels, short_label, zh_part
from nianbao_site.search import UNKNOWN_PROVINCE, SearchRequest, export_args, run_search

ARCHIVE_DB = "nianbao"
RAW_DB = "raw"
PLUGIN = "nianbao_site"
RANKED_MATCHES = 1000
FTS_TABLE = "reports_fts"  # the search index, where the metadata does not name it
LEVELS = ("省", "市", "县", "乡")  # the registry's levels, top down
OK_RUNS = ("ok", "partial")  # a run that crawled (partial: some portals did not answer)

_summaries: dict[str, dict] = {}


def plugin_setting(datasette, name: str, default):
    return (datasette.plugin_config(PLUGIN) or {}).get(name, default)


def copies_base_url(datasette) -> str:
    """Where the copy links point: the plugin setting ``copies_base_url`` (the folder of
    ``nianbao export-raw`` on any web server), else this site's own ``/copies``."""
    return plugin_setting(datasette, "copies_base_url", COPIES_PATH)


def report_url(report_id: str) -> str:
    return f"/{ARCHIVE_DB}/reports/{report_id}"


def agency_url(agency: str) -> str:
    return "/agency/" + urlencode({"": agency})[1:]


def province_url(province: str | None) -> str:
    return "/province/" + urlencode({"": province or UNKNOWN_PROVINCE})[1:]


async def _summary(db) -> dict:
    async def rows(sql: str) -> list:
        return list((await db.execute(sql)).rows)

    totals = (await rows("SELECT count(*), count(DISTINCT agency) FROM reports"))[0]
    provinces = await rows(
        "SELECT province, count(*) AS reports, min(division_code) AS code FROM reports "
        "GROUP BY province ORDER BY province IS NULL, code, province"
    )
    # rowid: the report's place in the search index, each year one range (cjk.fts_rowid)
    years = await rows(
        "SELECT year, count(*), min(rowid), max(rowid) FROM reports "
        "GROUP BY year ORDER BY year DESC"
    )
    levels = dict(await rows("SELECT level, count(*) FROM reports GROUP BY level"))
    last = await rows(
        "SELECT max(finished_at) FROM crawl_runs "
        f"WHERE status IN ({', '.join(repr(s) for s in OK_RUNS)})"
    )
    return {
        "reports": totals[0],
        "agencies": totals[1],
        "provinces": [(p["province"] or UNKNOWN_PROVINCE, p["reports"]) for p in provinces],
        "years": [(year, count) for year, count, _, _ in years if year is not None],
        "year_rowids": {year: (first, last) for year, _, first, last in years},
        "levels": [(level, levels[level]) for level in LEVELS if level in levels],
        "last_crawl": last[0][0] if last else None,
    }


async def archive_summary(datasette) -> dict:
    """The archive's figures: reports, agencies, provinces, years, levels, last crawl.
    Computed once per process for an immutable archive (it is replaced, never changed)."""
    db = datasette.get_database(ARCHIVE_DB)
    if not db.is_mutable and ARCHIVE_DB in _summaries:
        return _summaries[ARCHIVE_DB]
    summary = await _summary(db)
    if not db.is_mutable:
        _summaries[ARCHIVE_DB] = summary
    return summary


def coverage_url(datasette, metadata: dict, tables: set[str]) -> str | None:
    """Where the coverage page is: a canned query, a page template or the table/view."""
    queries = metadata.get("databases", {}).get(ARCHIVE_DB, {}).get("queries", {})
    for name in queries:
        if "coverage" in name:
            return f"/{ARCHIVE_DB}/{name}"
    if "pages/coverage.html" in datasette.jinja_env.list_templates():
        return "/coverage"
    if "coverage" in tables:
        return f"/{ARCHIVE_DB}/coverage"
    return None


def database_listing(metadata: dict, tables_by_db: dict[str, list[str]]) -> list:
    """The databases for those who write SQL: the archive first, the raw store last."""
    order = sorted(tables_by_db, key=lambda name: (name == RAW_DB, name != ARCHIVE_DB, name))
    listing = []
    for name in order:
        described = metadata.get("databases", {}).get(name, {})
        tables = []
        for table in tables_by_db[name]:
            info = described.get("tables", {}).get(table, {})
            about = re.split("[。；]", zh_part(info.get("description")))[0]
            tables.append((table, about))
        listing.append(
            {
                "name": name,
                "description": zh_part(described.get("description")),
                "tables": tables,
                "operators": name == RAW_DB,
            }
        )
    return listing


async def front_door(datasette, request):
    """``/``: the front door, in place of Datasette's list of databases."""
    metadata = datasette.metadata() or {}
    tables_by_db = {}
    for name, db in datasette.databases.items():
        if name.startswith("_"):
            continue
        described = metadata.get("databases", {}).get(name, {}).get("tables", {})
        present = set(await db.table_names()) | set(await db.view_names())
        listed = [t for t, info in described.items() if t in present and not info.get("hidden")]
        tables_by_db[name] = listed + sorted(
            present - set(described) - set(await db.hidden_table_names())
        )
    queries = metadata.get("databases", {}).get(ARCHIVE_DB, {}).get("queries", {})
    context = {
        "summary": await archive_summary(datasette),
        "questions": [
            {"url": f"/{ARCHIVE_DB}/{name}", "title": zh_part(q.get("title") or name)}
            for name, q in queries.items()
        ],
        "coverage_url": coverage_url(datasette, metadata, set(tables_by_db.get(ARCHIVE_DB, []))),
        "databases": database_listing(metadata, tables_by_db),
    }
    return await render(datasette, request, "index.html", {"nb": context, "metadata": metadata})


async def render(datasette, request, template: str, context: dict, status: int = 200):
    html = await datasette.render_template(
        template, {**context, "nb_urls": site_urls()}, request=request, view_name="nianbao"
    )
    return Response.html(html, status=status)


async def not_found(datasette, request, message: str):
    """The Chinese 404 page with ``message`` (Datasette's own NotFound would first
    redirect a percent-encoded address to its tilde encoding)."""
    return await render(datasette, request, "404.html", {"error": message}, status=404)


def site_urls() -> dict:
    return {"report": report_url, "agency": agency_url, "province": province_url}


async def search_page(datasette, request):
    search = SearchRequest.from_args(request.args)
    db = datasette.get_database(ARCHIVE_DB)
    summary = await archive_summary(datasette)
    results = None
    if search.words:
        results = await run_search(
            db,
            search,
            fts_table=datasette.table_metadata(ARCHIVE_DB, "reports").get("fts_table", FTS_TABLE),
            years=summary["year_rowids"],
            ranked=plugin_setting(datasette, "ranked_matches", RANKED_MATCHES),
        )
    return await render(
        datasette,
        request,
        "nianbao_search.html",
        {
            "search": search,
            "results": results,
            "summary": summary,
            "as_json": export_args(search, _shape="array"),
            "as_csv": export_args(search, _dl="on", _bom="on", _size="max"),
        },
    )


def year_links(years: str) -> Markup:
    """``"2021 <id>,2019 <id>"`` as links to the reports, oldest year first. Made here,
    not in the template: a province lists thousands (Jinja's async loop costs ~50 µs a
    link)."""
    pairs = sorted((int(year), rid) for year, rid in (y.split(" ") for y in years.split(",")))
    return Markup(
        " ".join(f'<a href="{html.escape(report_url(rid))}">{year}</a>' for year, rid in pairs)
    )


async def province_page(datasette, request):
    province = unquote(request.url_vars["province"])
    db = datasette.get_database(ARCHIVE_DB)
    where = "province IS NULL" if province == UNKNOWN_PROVINCE else "province = :province"
    rows = (
        await db.execute(
            "SELECT agency, min(division_code) AS code, min(city) AS city, "
            "min(county) AS county, min(level) AS level, count(*) AS reports, "
            "group_concat(year || ' ' || id) AS years FROM reports "
            f"WHERE {where} GROUP BY agency ORDER BY code, agency",
            {"province": province},
        )
    ).rows
    if not rows:
        return await not_found(datasette, request, f"档案中没有“{province}”的报告。")
    agencies = [
        {
            "name": row["agency"],
            "url": agency_url(row["agency"]),
            "place": " · ".join(p for p in (row["city"], row["county"]) if p),
            "level": row["level"],
            "years": year_links(row["years"]),
        }
        for row in rows
    ]
    places: dict[str, list[dict]] = {}  # in division-code order, as the rows come
    for agency in agencies:
        places.setdefault(agency["place"], []).append(agency)
    return await render(
        datasette,
        request,
        "nianbao_province.html",
        {
            "province": province,
            "places": list(places.items()),
            "agencies": len(agencies),
            "reports": sum(r["reports"] for r in rows),
        },
    )


# The figures of the agency page: (column of outcome_shares or review group, label).
APPLICATION_FIGURES = (
    ("new_received", "新收申请"),
    ("total_processed", "办理总数"),
    ("granted", "予以公开"),
    ("partially_granted", "部分公开"),
    ("denied", "不予公开"),
    ("unable", "无法提供"),
)
REVIEW_FIGURES = (
    ("administrative_review", "行政复议"),
    ("litigation_direct", "行政诉讼（直接）"),
    ("litigation_after_review", "行政诉讼（复议后）"),
)
LAWSUIT_GROUPS = ("litigation_direct", "litigation_after_review")


def lawsuits(figures: dict) -> float | None:
    """Lawsuits of both kinds together; unknown when either was left blank."""
    values = [figures.get(group) for group in LAWSUIT_GROUPS]
    return None if None in values else sum(values)


def agency_chart(agency: str, years: list[dict]):
    series = [
        Series("新收申请", [y["new_received"] for y in years]),
        Series("予以公开", [y["granted"] for y in years]),
        Series("不予公开", [y["denied"] for y in years]),
        Series("行政复议", [y["administrative_review"] for y in years]),
        Series("行政诉讼", [lawsuits(y) for y in years]),
    ]
    return bar_chart([y["year"] for y in years], series, f"{agency}历年主要数字")


async def agency_page(datasette, request):
    agency = unquote(request.url_vars["agency"])
    db = datasette.get_database(ARCHIVE_DB)
    figures = ", ".join(f"o.{column}" for column, _ in APPLICATION_FIGURES)
    reports = (
        await db.execute(
            "SELECT r.id, r.year, r.title, r.province, r.city, r.county, r.level, "
            f"r.failed_checks, r.parse_status, d.sha256, d.format, {figures} "
            "FROM reports r LEFT JOIN outcome_shares o ON o.report_id = r.id "
            "LEFT JOIN documents d ON d.id = r.best_document "
            "WHERE r.agency = :agency ORDER BY r.year",
            {"agency": agency},
        )
    ).rows
    if not reports:
        return await not_found(datasette, request, f"档案中没有机关“{agency}”的报告。")
    years = [dict(row) for row in reports]
    ids = [row["id"] for row in years]
    reviews = await db.execute(
        "SELECT report_id, row_key, value FROM statistics "
        f"WHERE report_id IN ({', '.join('?' for _ in ids)}) "
        "AND table_key = 'review_litigation' AND column_key = 'total'",
        ids,
    )
    by_report: dict[str, dict] = {}
    for row in reviews.rows:
        by_report.setdefault(row["report_id"], {})[row["row_key"]] = row["value"]
    for year in years:
        year.update(
            {group: by_report.get(year["id"], {}).get(group) for group, _ in REVIEW_FIGURES}
        )
        year["lawsuits"] = lawsuits(year)
        year["copy_url"] = (
            archived_copy_url(year["sha256"], year["format"], copies_base_url(datasette))
            if year["sha256"]
            else None
        )
    first = years[-1]
    return await render(
        datasette,
        request,
        "nianbao_agency.html",
        {
            "agency": agency,
            "place": [first["province"], first["city"], first["county"]],
            "level": first["level"],
            "years": years,
            "figures": APPLICATION_FIGURES + REVIEW_FIGURES,
            "chart": agency_chart(agency, years),
        },
    )


async def copy_response(datasette, request):
    """An archived copy from the raw store, served as its type (see ``copies``)."""
    sha256 = request.url_vars["sha256"]
    if RAW_DB not in datasette.databases:
        return await not_found(datasette, request, "本站没有存档副本库（raw.db）。")
    blob = await datasette.get_database(RAW_DB).execute(
        "SELECT content FROM blobs WHERE sha256 = ?", [sha256]
    )
    if not blob.rows:
        return await not_found(datasette, request, f"没有这份存档副本：{sha256}。")
    document = await datasette.get_database(ARCHIVE_DB).execute(
        "SELECT d.format, d.content_type, r.title FROM documents d "
        "LEFT JOIN reports r ON r.id = d.report_id WHERE d.sha256 = ? "
        "ORDER BY r.id IS NULL LIMIT 1",
        [sha256],
    )
    known = dict(document.rows[0]) if document.rows else {}
    ext = request.url_vars.get("ext") or extension(known.get("format"))
    headers = copy_headers(sha256, ext, known.get("title"), known.get("content_type"))
    content_type = headers.pop("content-type")
    return Response(blob.rows[0][0], headers=headers, content_type=content_type)


def column_header(datasette, database: str | None):
    """``header(name, description=None)`` for templates: a column's Chinese header, from
    its own description, else from the same column described elsewhere, else its name."""
    everywhere = column_labels(datasette.metadata() or {}, database or ARCHIVE_DB)

    def header(name: str, description: str | None = None) -> str:
        return short_label(description) or everywhere.get(name) or name

    return header
