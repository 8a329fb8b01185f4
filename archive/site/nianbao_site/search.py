"""The search results page: what a query asks (words, filters, order, page), the SQL
over the search index that answers it, and the snippet of text around the words. The
SQL builders and the snippet are pure; :func:`run_search` reads the archive.

The words go to FTS5 through :func:`nianbao_common.cjk.fts_query` (CJK bigrams), so a
two-character word, a longer word (its characters adjacent) and a ``"quoted phrase"``
match exactly; several words must all occur. The index's rowids put each year in one
range, newest first (``nianbao_common.cjk.fts_rowid``): a year filter is that range
(read from the archive), which FTS5 applies itself, and counting matches reads the
index alone; a province or level is the set of its reports' rowids.

Ranking by relevance (bm25) costs about a microsecond per matching report, so when more
than ``ranked`` reports match, the ranked order covers the first ``ranked`` of them in
index order (newest years first), as the table view does; the page says so, and
"newest first" order pages through every match.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from nianbao_common.cjk import fts_query

PAGE_SIZE = 20
SNIPPET_CHARS = 150
SNIPPET_LEAD = 45
SNIPPET_CANDIDATES = 8
ORDERS = {"relevance": "按相关度", "newest": "按年度（新→旧）"}
UNKNOWN_PROVINCE = "未知"  # how the archive's totals name a report with no province
_QUERY_TERM = re.compile(r'"([^"]*)"?|(\S+)')  # a "quoted phrase" or a bare word
_PIECE = re.compile(r"[0-9a-z]+|[^\W_0-9a-z]+")  # runs of Latin/digits, runs of other letters
_SPACE = re.compile(r"\s+")


@dataclass
class SearchRequest:
    words: str = ""
    year: int | None = None
    province: str = ""
    level: str = ""
    order: str = "relevance"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> SearchRequest:
        """From the page's query string (``q``, ``year``, ``province``, ``level``,
        ``order``, ``page``); what is not understood is left out."""
        year = args.get("year", "")
        page = args.get("page", "")
        order = args.get("order", "")
        return cls(
            words=args.get("q", "").strip(),
            year=int(year) if year.isdigit() else None,
            province=args.get("province", "").strip(),
            level=args.get("level", "").strip(),
            order=order if order in ORDERS else "relevance",
            page=max(int(page), 1) if page.isdigit() else 1,
        )

    def args(self, **changes) -> dict[str, str]:
        """The query string of this search with ``changes`` (for paging and filter links)."""
        values = {
            "q": self.words,
            "year": self.year or "",
            "province": self.province,
            "level": self.level,
            "order": "" if self.order == "relevance" else self.order,
            "page": "" if self.page == 1 else self.page,
            **changes,
        }
        return {k: str(v) for k, v in values.items() if v not in ("", None, 1)}


def export_args(request: SearchRequest, **extra: str) -> dict[str, str]:
    """The same search as column filters of the ``report_search`` view (JSON, CSV)."""
    args = {"_search": request.words}
    if request.year:
        args["year"] = str(request.year)
    if request.province == UNKNOWN_PROVINCE:
        args["province__isnull"] = "1"
    elif request.province:
        args["province"] = request.province
    if request.level:
        args["level"] = request.level
    return {**args, **extra}


def query_terms(words: str) -> list[str]:
    """The words and quoted phrases of a query, as the search treats them."""
    return [(quoted or bare).strip() for quoted, bare in _QUERY_TERM.findall(words or "")]


def search_where(request: SearchRequest, years: dict[int, tuple[int, int]]) -> tuple[list, dict]:
    """The conditions of this search on the index ``f``, and their parameters.
    ``years``: each year's first and last rowid in the index. A province or level is a
    set of the reports' rowids (read from an index of ``reports``), which the index's
    matches are checked against: no report is read for a match outside it."""
    where = ["f.{fts} MATCH :match"]
    params: dict[str, object] = {"match": fts_query(request.words)}
    if request.year:
        first, last = years.get(request.year, (0, -1))  # a year not in the archive: nothing
        where.append("f.rowid BETWEEN :first_rowid AND :last_rowid")
        params.update(first_rowid=first, last_rowid=last)
    on_report = []
    if request.province == UNKNOWN_PROVINCE:
        on_report.append("province IS NULL")
    elif request.province:
        on_report.append("province = :province")
        params["province"] = request.province
    if request.level:
        on_report.append("level = :level")
        params["level"] = request.level
    if on_report:
        if request.year:
            on_report.append("year = :year")
            params["year"] = request.year
        # "+": the set is checked for each match, not handed to FTS5 as rowids to look up
        where.append(f"+f.rowid IN (SELECT rowid FROM reports WHERE {' AND '.join(on_report)})")
    return where, params


def _where(fts_table: str, where: list[str]) -> str:
    return " AND ".join(where).format(fts=fts_table)


def count_sql(fts_table: str, where: list[str]) -> str:
    return f"SELECT count(*) FROM {fts_table} f WHERE {_where(fts_table, where)}"


def bound_sql(fts_table: str, where: list[str]) -> str:
    """The rowid of the match after the first ``:ranked`` in index order."""
    return (
        f"SELECT f.rowid FROM {fts_table} f WHERE {_where(fts_table, where)} "
        "ORDER BY f.rowid LIMIT 1 OFFSET :ranked"
    )


def page_sql(fts_table: str, where: list[str], order: str, bounded: bool) -> str:
    """One page of hits: by relevance (FTS5's ``rank``, bm25) among the matches below
    ``:bound`` (or all), or newest first. ``+f.rank``: SQLite sorts the matches left
    after every condition; FTS5 itself would rank every match of the words first."""
    conditions = [*where, "f.rowid < :bound"] if bounded else where
    order_by = "+f.rank, f.rowid" if order == "relevance" else "f.rowid"
    return (
        "SELECT r.id, r.title, r.agency, r.year, r.province, r.level, r.failed_checks "
        f"FROM {fts_table} f JOIN reports r ON r.rowid = f.rowid "
        f"WHERE {_where(fts_table, conditions)} ORDER BY {order_by} LIMIT :limit OFFSET :offset"
    )


def term_pattern(terms: list[str]) -> re.Pattern | None:
    """A pattern finding the terms in normalised text (NFKC, lower case): the pieces of
    a term may be parted by what the index ignores (spaces, punctuation) only where a
    run of Latin letters or digits meets other letters, as the index tokenises them."""
    alternatives = []
    for term in terms:
        pieces = _PIECE.findall(unicodedata.normalize("NFKC", term).lower())
        if pieces:
            alternatives.append(r"[\W_]*".join(map(re.escape, pieces)))
    if not alternatives:
        return None
    alternatives.sort(key=len, reverse=True)
    return re.compile("|".join(alternatives))


def _normalised(text: str) -> tuple[str, list[int] | None]:
    """``text`` in NFKC lower case, and for each of its characters the index of the
    original character it came from; None where they are the same (the usual case:
    NFKC turns one character into several, such as ㈠, only rarely)."""
    normal = unicodedata.normalize("NFKC", text).lower()
    if len(normal) == len(text):
        return normal, None
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char).lower()
        chars.append(folded)
        origin.extend([index] * len(folded))
    return "".join(chars), origin


@dataclass
class Marked:
    """A text in pieces, each marked (a searched word) or not."""

    pieces: list[tuple[str, bool]] = field(default_factory=list)
    cut_before: bool = False
    cut_after: bool = False


def _spans(text: str, pattern: re.Pattern | None) -> list[tuple[int, int]]:
    """Where the terms occur in ``text`` (start, end), in order."""
    if pattern is None:
        return []
    normal, origin = _normalised(text)
    found = [(m.start(), m.end()) for m in pattern.finditer(normal) if m.end() > m.start()]
    if origin is None:
        return found
    return [(origin[start], origin[end - 1] + 1) for start, end in found]


def marked(text: str, pattern: re.Pattern | None) -> Marked:
    """``text`` in pieces with the terms marked."""
    return _pieces(text, _spans(text, pattern), 0, len(text))


def _pieces(text: str, spans: list[tuple[int, int]], start: int, end: int) -> Marked:
    pieces: list[tuple[str, bool]] = []
    position = start
    for first, last in spans:
        if first < position or last > end:
            continue
        if first > position:
            pieces.append((text[position:first], False))
        pieces.append((text[first:last], True))
        position = last
    if position < end:
        pieces.append((text[position:end], False))
    return Marked(pieces, start > 0, end < len(text))


def _prose(text: str) -> int:
    """How much of ``text`` is Chinese prose (Han characters), not table numbers."""
    return sum("\u4e00" <= char <= "\u9fff" for char in text)


def snippet(text: str | None, pattern: re.Pattern | None, size: int = SNIPPET_CHARS) -> Marked:
    """The passage of ``text`` around a place where a term occurs, terms marked: of the
    first few places, the one in the most prose (a table's row of numbers says little).
    The text's beginning where no term occurs (the words were in the title or agency)."""
    text = _SPACE.sub(" ", text or "").strip()
    spans = _spans(text, pattern)
    windows = []
    for first, _ in spans[:SNIPPET_CANDIDATES] or [(0, 0)]:
        start = max(first - SNIPPET_LEAD, 0)
        end = min(start + size, len(text))
        start = max(min(start, end - size), 0)
        windows.append((start, end))
    start, end = max(windows, key=lambda w: _prose(text[w[0] : w[1]]))
    return _pieces(text, spans, start, end)


@dataclass
class SearchResults:
    request: SearchRequest
    searchable: bool  # False: the query holds nothing a report could contain
    total: int = 0
    ranked: int | None = None  # the ranked order covers only the first ``ranked`` matches
    hits: list[dict] = field(default_factory=list)
    pages: int = 0


async def run_search(
    db, request: SearchRequest, *, fts_table: str, years: dict, ranked: int
) -> SearchResults:
    """The page of results for ``request`` from the archive database ``db``: ``fts_table``
    is its search index, ``years`` each year's rowids in it (first, last)."""
    if fts_query(request.words) == fts_query(""):
        return SearchResults(request, searchable=False)
    where, params = search_where(request, years)
    total = (await db.execute(count_sql(fts_table, where), params)).rows[0][0]
    results = SearchResults(request, searchable=True, total=total)
    bound = None
    reachable = total
    if request.order == "relevance" and total > ranked:
        rows = (await db.execute(bound_sql(fts_table, where), {**params, "ranked": ranked})).rows
        bound = rows[0][0]
        results.ranked = ranked
        reachable = ranked
    results.pages = -(-reachable // PAGE_SIZE)
    offset = (request.page - 1) * PAGE_SIZE
    if offset >= reachable:
        return results
    page = await db.execute(
        page_sql(fts_table, where, request.order, bound is not None),
        {**params, "bound": bound, "limit": PAGE_SIZE, "offset": offset},
    )
    hits = [dict(row) for row in page.rows]
    texts = await db.execute(
        f"SELECT report_id, full_text FROM report_texts WHERE report_id IN "
        f"({', '.join('?' for _ in hits)})",
        [hit["id"] for hit in hits],
    )
    full_texts = {row["report_id"]: row["full_text"] for row in texts.rows}
    pattern = term_pattern(query_terms(request.words))
    for hit in hits:
        hit["title_marked"] = marked(hit["title"] or hit["agency"] or hit["id"], pattern)
        hit["snippet"] = snippet(full_texts.get(hit["id"]), pattern)
    results.hits = hits
    return results
