"""Datasette plugin of the nianbao site (loaded with ``--plugins-dir archive/plugins``).

Search. Datasette's table search runs ``… MATCH escape_fts(:search)``; on the archive's
connections this plugin registers its own ``escape_fts`` (last, over Datasette's), which
rewrites the words into CJK-bigram phrases (``nianbao_common.cjk.fts_query``). So the search
box and ``?_search=`` of ``reports`` and ``report_search`` find 处罚 or 生态环境 exactly.

Ranking. Datasette orders a table by a column, never by relevance, so a plain search of
``reports`` (no sort of its own) is redirected to the ``report_search`` view sorted by
``relevance`` (bm25). The view has no ``fts_table`` in the metadata: this plugin does its
search, adding ``search_match MATCH …``, which SQLite pushes into the FTS5 scan of the
view, so bm25 is computed for the matches only; with no search words the view shows
nothing.

Ranking costs about a microsecond per matching report, and a word like 处罚 is in
nearly every report (bm25 then gives it almost no weight anyway). So when more than
``ranked_matches`` reports match (plugin setting, default 1 000), the page ranks the
first ``ranked_matches`` of them in index order, newest years first (a rowid bound,
which FTS5 applies itself), and says so. (Counting every match of a phrase costs as
much as ranking them; bm25 already pays that once, for its IDF.) Column filters
(``?year=2019``) are applied before the bound; ``?_where=`` turns the bound off.

Report page. ``row-nianbao-reports.html`` gets the report's tables as printed (with the
Chinese labels), its failed checks, its documents and the links to the archived copies.
"""

from __future__ import annotations

import sqlite3
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.filters import FilterArguments, Filters
from markupsafe import Markup, escape

from nianbao_common import keys
from nianbao_common.cjk import fts_query
from nianbao_site.report_layout import printed_tables

ARCHIVE_DB = "nianbao"
RAW_DB = "raw"
SEARCH_VIEW = "report_search"
SEARCHABLE_TABLE = "reports"
TEXT_SECTIONS = ("overview", "problems", "other")  # the section texts in report_texts
DEFAULT_SORTS = {"", "id"}  # what the table's own form submits when nobody chose a sort
PLUGIN = "nianbao_site"
RANKED_MATCHES = 1000


def archived_copy_url(sha256: str) -> str:
    """The raw bytes of a document as Datasette serves them from raw.db."""
    return f"/{RAW_DB}/blobs/{sha256}.blob?_blob_column=content"


def ranked_search_location(path: str, query_string: str) -> str | None:
    """Where a search of the reports table goes to be ranked, or None to stay."""
    base = f"/{ARCHIVE_DB}/{SEARCHABLE_TABLE}"
    if path not in (base, f"{base}.json", f"{base}.csv"):
        return None
    args = parse_qsl(query_string, keep_blank_values=True)
    given = dict(args)
    if not given.get("_search", "").strip():
        return None
    if given.get("_sort", "") not in DEFAULT_SORTS or "_sort_desc" in given:
        return None
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
        limit = (datasette.plugin_config(PLUGIN) or {}).get("ranked_matches", RANKED_MATCHES)
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


@hookimpl
def asgi_wrapper():
    def wrap(app):
        async def redirect_searches(scope, receive, send):
            if scope["type"] == "http":
                location = ranked_search_location(
                    scope["path"], scope.get("query_string", b"").decode("latin-1")
                )
                if location:
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 302,
                            "headers": [
                                (b"location", location.encode("utf-8")),
                                (b"content-length", b"0"),
                            ],
                        }
                    )
                    await send({"type": "http.response.body", "body": b""})
                    return
            await app(scope, receive, send)

        return redirect_searches

    return wrap


@hookimpl
def render_cell(value, column, table, database):
    if database != ARCHIVE_DB or value is None:
        return None
    if table == SEARCH_VIEW and column == "id":
        return Markup(f'<a href="/{ARCHIVE_DB}/reports/{escape(value)}">{escape(value)}</a>')
    if table == "documents" and column == "sha256":
        return Markup(f'<a href="{escape(archived_copy_url(value))}">{escape(value)}</a>')
    return None


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
        dict(row, archived_copy=archived_copy_url(row["sha256"]) if row["sha256"] else None)
        for row in documents.rows
    ]
    best = next((d for d in document_rows if d["id"] == report["best_document"]), None)
    return {
        "report": report,
        "tables": printed_tables(
            [dict(row) for row in statistics.rows], report["template"], check_rows
        ),
        "checks": check_rows,
        "failed_checks": [c for c in check_rows if not c["ok"]],
        "report_documents": document_rows,
        "best_copy": best,
        "sections": [
            (label.zh, section_texts[label.key])
            for label in keys.SECTIONS
            if section_texts.get(label.key)
        ],
    }


@hookimpl
def extra_template_vars(view_name, database, table, request, datasette):
    if view_name != "row" or database != ARCHIVE_DB or table != "reports":
        return None

    async def report_vars():
        return {"nianbao": await _report_page(datasette, request)}

    return report_vars
