"""Datasette plugin of the nianbao site (an entry point of the ``datasette-nianbao``
distribution; stands only on ``nianbao_common`` and reads the archive from its database).

Pages of its own (``register_routes``):

- ``/`` the front door (``index.html``): what the archive is, its figures, one search
  box, provinces to browse, the questions, the coverage page, then the databases;
- ``/search?q=`` search results (``search.py``): title, agency, year, province and a
  snippet with the words marked, the count, filters, paging;
- ``/province/<name>`` a province's agencies and their years;
- ``/agency/<name>`` one agency across years: its reports, its main figures as a table
  and a chart drawn on the server (``chart.py``), links to each report and copy;
- ``/copies/<sha256>.<ext>`` an archived copy from the raw store, as what it is
  (``copies.py``): a PDF opens, a Word file downloads under the report's name, an
  archived web page opens sandboxed (no script of a portal runs here).

Search of the table views. Datasette's table search runs ``… MATCH escape_fts(:search)``;
on the archive's connections this plugin registers its own ``escape_fts`` (last, over
Datasette's), which rewrites the words into CJK-bigram phrases
(``nianbao_common.cjk.fts_query``). A search of the ``reports`` table page goes to the
search results page; its JSON and CSV (no sort of their own) go to the ``report_search``
view sorted by ``relevance`` (bm25). The view has no ``fts_table`` in the metadata: this
plugin does its search, adding ``search_match MATCH …``, which SQLite pushes into the FTS5
scan of the view, so bm25 is computed for the matches only; with no search words the
view shows nothing. When more than ``ranked_matches`` reports match (plugin setting,
default 1 000), the first ``ranked_matches`` of them in index order (newest years first)
are ranked, and the page says so. Column filters (``?year=2019``) apply before that
bound; ``?_where=`` turns it off.

Exports. ``?_bom=on`` on a CSV address (the "Excel/WPS" links) starts the file with a
UTF-8 byte-order mark, which Excel and WPS need to read UTF-8; the CSV still streams.

Chinese throughout: column headers from the metadata's descriptions (``labels.py``),
check rules and parser warnings in Chinese next to the table they concern (the report
page), report ids linked to their report, canned questions with the archive's years.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.filters import FilterArguments, Filters
from datasette.utils.asgi import NotFound, asgi_static
from markupsafe import Markup, escape

from nianbao_common import keys
from nianbao_common.cjk import fts_query
from nianbao_site import pages
from nianbao_site.copies import archived_copy_url
from nianbao_site.labels import check_note, warning_note, zh_part
from nianbao_site.pages import ARCHIVE_DB, RANKED_MATCHES
from nianbao_site.report_layout import printed_tables

__all__ = ["archived_copy_url"]

SEARCH_VIEW = "report_search"
SEARCHABLE_TABLE = "reports"
TEXT_SECTIONS = ("overview", "problems", "other")  # the section texts in report_texts
DEFAULT_SORTS = {"", "id"}  # what the table's own form submits when nobody chose a sort
# What the search results page filters by; a table search with other filters stays a table.
SEARCH_PAGE_FILTERS = {"year", "province", "level"}
BOM_PARAM = "_bom"
UTF8_BOM = b"\xef\xbb\xbf"


def ranked_search_location(path: str, query_string: str) -> str | None:
    """Where a search of the reports table goes to be ranked, or None to stay: the
    HTML page to the search results page, JSON and CSV to ``report_search``."""
    base = f"/{ARCHIVE_DB}/{SEARCHABLE_TABLE}"
    if path not in (base, f"{base}.json", f"{base}.csv"):
        return None
    args = parse_qsl(query_string, keep_blank_values=True)
    given = dict(args)
    if not given.get("_search", "").strip():
        return None
    if given.get("_sort", "") not in DEFAULT_SORTS or "_sort_desc" in given:
        return None
    # what the table's form always sends: a filter's operator and value count only
    # with a column, which is then a filter the results page does not have
    ignored = ("_search", "_sort", "_sort_by_desc", "_filter_op", "_filter_value")
    asked = [(k, v) for k, v in args if v and k not in ignored]
    if path == base and all(k in SEARCH_PAGE_FILTERS for k, _ in asked):
        return f"/search?{urlencode([('q', given['_search']), *asked])}"
    kept = [(k, v) for k, v in args if k not in ("_sort", "_sort_by_desc", "_next")]
    kept.append(("_sort_desc", "relevance"))
    extension = path[len(base) :]
    return f"/{ARCHIVE_DB}/{SEARCH_VIEW}{extension}?{urlencode(kept)}"


@hookimpl(trylast=True)
def prepare_connection(conn, database):
    if database == ARCHIVE_DB:
        conn.create_function("escape_fts", 1, fts_query, deterministic=True)


def column_filters(request) -> tuple[list[str], dict]:
    """The where clauses Datasette builds from the page's column filters (``?year=2023``,
    ``?province__contains=…``), with their parameters."""
    pairs = [
        (key, value)
        for key in request.args
        if not (key.startswith("_") and "__" not in key)
        for value in request.args.getlist(key)
    ]
    return Filters(sorted(pairs)).build_where_clauses(SEARCH_VIEW)


async def rank_bound(db, where: list[str], params: dict, limit: int) -> int | None:
    """The rowid below which the first ``limit`` matches in index order (newest years
    first) lie, when more than ``limit`` reports match; None otherwise."""
    after = await db.execute(
        f"SELECT fts_rowid FROM {SEARCH_VIEW} WHERE {' AND '.join(where)} "
        f"ORDER BY fts_rowid LIMIT 1 OFFSET {int(limit)}",
        params,
    )
    return after.rows[0][0] if after.rows else None


# trylast: runs after Datasette's own search filter, so its supports_search wins.
@hookimpl(trylast=True)
def filters_from_request(request, database, table, datasette):
    if database != ARCHIVE_DB or table != SEARCH_VIEW:
        return None
    words = request.args.get("_search", "")
    context = {"supports_search": True, "search": words}
    if not words.strip():
        return FilterArguments(
            ["0"], human_descriptions=["no search words given"], extra_context=context
        )
    # ?_searchmode=raw: the words are FTS5 syntax over the bigram tokens, for experts.
    raw = request.args.get("_searchmode") == "raw"
    match = f"search_match MATCH {':nianbao_words' if raw else 'escape_fts(:nianbao_words)'}"
    params = {"nianbao_words": words}
    described = f'search matches "{words}"'

    async def search_filter():
        limit = pages.plugin_setting(datasette, "ranked_matches", RANKED_MATCHES)
        if "_where" in request.args:
            return FilterArguments([match], params, [described], context)
        db = datasette.get_database(ARCHIVE_DB)
        where, where_params = column_filters(request)
        try:
            bound = await rank_bound(db, [match, *where], {**where_params, **params}, limit)
        except (QueryInterrupted, sqlite3.DatabaseError):
            bound = None  # the page's own query reports what is wrong
        if bound is None:
            return FilterArguments([match], params, [described], context)
        return FilterArguments(
            [match, "fts_rowid < :nianbao_bound"],
            {**params, "nianbao_bound": bound},
            [
                f"{described} in more than {limit:,} reports; the first {limit:,}, newest "
                "years first, ranked by relevance (filter by year or add words to rank others)"
            ],
            context,
        )

    return search_filter


def without_bom_param(query_string: str) -> tuple[str, bool]:
    """The query string less ``_bom``, and whether it asked for the byte-order mark."""
    args = parse_qsl(query_string, keep_blank_values=True)
    kept = [(k, v) for k, v in args if k != BOM_PARAM]
    return urlencode(kept), len(kept) != len(args)


def with_bom(send):
    """``send`` of a CSV response that starts the body with the UTF-8 byte-order mark."""
    state = {"ok": False, "started": False}

    async def send_with_bom(message):
        if message["type"] == "http.response.start":
            state["ok"] = message["status"] == 200
            if state["ok"]:
                headers = [
                    (
                        k,
                        str(int(v) + len(UTF8_BOM)).encode()
                        if k.lower() == b"content-length"
                        else v,
                    )
                    for k, v in message.get("headers", [])
                ]
                message = dict(message, headers=headers)
        elif message["type"] == "http.response.body" and state["ok"] and not state["started"]:
            state["started"] = True
            message = dict(message, body=UTF8_BOM + message.get("body", b""))
        await send(message)

    return send_with_bom


async def _redirect(send, location: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 302,
            "headers": [(b"location", location.encode("utf-8")), (b"content-length", b"0")],
        }
    )
    await send({"type": "http.response.body", "body": b""})


@hookimpl
def asgi_wrapper():
    def wrap(app):
        async def nianbao_requests(scope, receive, send):
            if scope["type"] == "http":
                query_string = scope.get("query_string", b"").decode("latin-1")
                location = ranked_search_location(scope["path"], query_string)
                if location:
                    await _redirect(send, location)
                    return
                if scope["path"].endswith(".csv") and BOM_PARAM in query_string:
                    kept, asked = without_bom_param(query_string)
                    if asked:
                        scope = dict(scope, query_string=kept.encode("latin-1"))
                        send = with_bom(send)
            await app(scope, receive, send)

        return nianbao_requests

    return wrap


def with_args(url: str, query_string: str) -> str:
    """``url`` with ``query_string`` appended to its own."""
    return f"{url}{'&' if '?' in url else '?'}{query_string}"


@hookimpl
def handle_exception(datasette, request, exception):
    """Datasette's "not found" as the site's Chinese page (JSON stays Datasette's)."""
    if not isinstance(exception, NotFound) or request.path.endswith(".json"):
        return None

    async def chinese_404():
        return await pages.not_found(datasette, request, str(exception))

    return chinese_404


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["nb_zh"] = zh_part
    env.filters["nb_with_args"] = with_args


@hookimpl
def register_routes():
    # The stylesheet at the address Datasette gives this module's static files, whatever
    # the name of the distribution it was installed with.
    static = asgi_static(str(Path(__file__).parent / "static"))
    return [
        (r"^/-/static-plugins/nianbao_site/(?P<path>.*)$", static),
        (r"^/$", pages.front_door),
        (r"^/search$", pages.search_page),
        (r"^/province/(?P<province>[^/]+)$", pages.province_page),
        (r"^/agency/(?P<agency>[^/]+)$", pages.agency_page),
        (r"^/copies/(?P<sha256>[0-9a-f]{64})(?:\.(?P<ext>[a-z0-9]{1,5}))?$", pages.copy_response),
    ]


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if database != ARCHIVE_DB or value is None:
        return None
    if column == "report_id" or (table == SEARCH_VIEW and column == "id"):
        if not isinstance(value, str):
            return None
        return Markup(
            f'<a href="{escape(pages.report_url(value))}" title="打开报告页">{escape(value)}</a>'
        )
    if column == "agency" and isinstance(value, str):
        return Markup(f'<a href="{escape(pages.agency_url(value))}">{escape(value)}</a>')
    if column == "rule" and table == "checks" or column == "failures":
        # check rules (``rule: detail | …`` in a question's answer) in Chinese
        return Markup("<br>").join(check_text(part) for part in str(value).split(" | "))
    if table == "documents" and column == "sha256":
        url = archived_copy_url(
            value,
            row["format"] if "format" in row.keys() else None,
            pages.copies_base_url(datasette),
        )
        return Markup(f'<a href="{escape(url)}">{escape(value)}</a>')
    return None


def check_text(text: str) -> Markup:
    """``rule: detail`` (or a rule) as its Chinese text, the rule's code beside it."""
    rule, _, detail = text.partition(": ")
    note = check_note(rule, detail)
    return Markup('{} <code class="nb-code">{}</code>').format(
        " ".join(filter(None, [note.zh or rule, note.detail])), rule
    )


def notes_by_table(checks: list[dict], warnings: list[str]) -> dict[str | None, list]:
    """Failed checks and parser warnings as notes, under the table each is about (None:
    the whole report)."""
    notes: dict[str | None, list] = {}
    for check in checks:
        if not check["ok"]:
            note = check_note(check["rule"], check["detail"])
            notes.setdefault(note.table, []).append(("failed", note))
    for text in warnings:
        note = warning_note(text)
        notes.setdefault(note.table, []).append(("warning", note))
    return notes


def parsed_warnings(value: str | None) -> list[str]:
    """The report's warnings (a JSON list in the archive)."""
    try:
        warnings = json.loads(value or "[]")
    except ValueError:
        return [value] if value else []
    return [str(w) for w in warnings] if isinstance(warnings, list) else [str(warnings)]


async def _report_page(datasette, request) -> dict:
    rid = request.url_vars.get("pks", "")
    db = datasette.get_database(ARCHIVE_DB)
    reports = await db.execute("SELECT * FROM reports WHERE id = ?", [rid])
    report = dict(reports.rows[0]) if reports.rows else None
    if report is None:
        return {}
    texts = await db.execute(
        f"SELECT {', '.join(TEXT_SECTIONS)} FROM report_texts WHERE report_id = ?", [rid]
    )
    section_texts = dict(texts.rows[0]) if texts.rows else {}
    statistics = await db.execute(
        "SELECT table_key, row_key, column_key, value FROM statistics WHERE report_id = ?",
        [rid],
    )
    checks = await db.execute(
        "SELECT position, rule, ok, detail FROM checks WHERE report_id = ? ORDER BY position",
        [rid],
    )
    documents = await db.execute(
        "SELECT id, url, format, content_type, sha256, size, fetched_at, portal_id, "
        "extraction_method, page_count, ocr, cells_read, error_kind "
        "FROM documents WHERE report_id = ? ORDER BY id",
        [rid],
    )
    check_rows = [dict(row) for row in checks.rows]
    document_rows = [
        dict(
            row,
            archived_copy=archived_copy_url(
                row["sha256"], row["format"], pages.copies_base_url(datasette)
            )
            if row["sha256"]
            else None,
        )
        for row in documents.rows
    ]
    document_rows.sort(key=lambda d: d["id"] != report["best_document"])  # best copy first
    best = next((d for d in document_rows if d["id"] == report["best_document"]), None)
    notes = notes_by_table(check_rows, parsed_warnings(report["warnings"]))
    return {
        "report": report,
        "tables": printed_tables(
            [dict(row) for row in statistics.rows], report["template"], check_rows
        ),
        "checks": [dict(c, note=check_note(c["rule"], c["detail"])) for c in check_rows],
        "failed_checks": [c for c in check_rows if not c["ok"]],
        "notes": notes,
        # where the first failed check is shown: its table, else the list of checks
        "first_failed": next(
            (note.table or "checks" for kind, note in sum(notes.values(), []) if kind == "failed"),
            "checks",
        ),
        "report_documents": document_rows,
        "best_copy": best,
        "parse_status": {label.key: label.zh for label in keys.PARSE_STATUSES}.get(
            report["parse_status"], report["parse_status"]
        ),
        "sections": [
            (label.zh, section_texts[label.key])
            for label in keys.SECTIONS
            if section_texts.get(label.key)
        ],
    }


@hookimpl
def extra_template_vars(template, view_name, database, table, request, datasette):
    async def site_vars():
        found = {
            "nb_header": pages.column_header(datasette, database),
            "nb_urls": pages.site_urls(),
        }
        if template.startswith("query") and database == ARCHIVE_DB:  # a canned question
            found["nb_years"] = [y for y, _ in (await pages.archive_summary(datasette))["years"]]
        elif view_name == "row" and database == ARCHIVE_DB and table == "reports":
            found["nianbao"] = await _report_page(datasette, request)
        return found

    return site_vars
