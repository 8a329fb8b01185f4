"""The CJK bigram text of the search index, and the query rewrite that matches it.

FTS5's ``unicode61`` tokenizer keeps a run of Chinese characters as one token, and
``trigram`` never matches a two-character word, so neither finds 处罚 in 行政处罚决定.
The archive therefore indexes a *shadow text*: every run of Han characters becomes its
overlapping bigrams followed by the run's last character alone
(``行政处罚`` → ``行政 政处 处罚 罚``); other text passes through for ``unicode61``.
A query is rewritten the same way into FTS5 phrases, so a word of any length matches
exactly where its characters are adjacent in the text:

- ``处罚`` → the token ``处罚``;
- ``生态环境`` → the phrase ``"生态 态环 环境"`` (never 生态 … 环境 apart);
- ``罚`` → the prefix ``"罚"*`` (a bigram starting with 罚, or 罚 ending a run);
- ``2023年报`` → ``"2023 年报"``; several words separated by spaces must all occur.

The index side (``archive.search``) and the site's query side (``nianbao_site``) both
use this module, so they cannot drift apart.
"""

from __future__ import annotations

import operator
import re
import unicodedata

_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN_RUN = re.compile(f"[{_HAN}]+")
_WORD = re.compile(rf"[^\W{_HAN}_]+")
_TOKEN = re.compile(rf"([{_HAN}]+)|[^\W{_HAN}_]+")
_QUERY_TERM = re.compile(r'"([^"]*)"?|(\S+)')


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _run_tokens(run: str) -> list[str]:
    """The index tokens of one run of Han characters: bigrams, then the last char."""
    return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]


def _segments(text: str) -> list[tuple[bool, str]]:
    """(is_han, token-or-run) pieces of ``text`` in order; punctuation dropped."""
    pieces: list[tuple[bool, str]] = []
    position = 0
    for han in _HAN_RUN.finditer(text):
        pieces.extend((False, word) for word in _WORD.findall(text, position, han.start()))
        pieces.append((True, han.group()))
        position = han.end()
    pieces.extend((False, word) for word in _WORD.findall(text, position))
    return pieces


def index_tokens(text: str | None) -> list[str]:
    tokens: list[str] = []
    for match in _TOKEN.finditer(_normalise(text or "")):
        run = match.group(1)
        if run:
            tokens.extend(map(operator.add, run, run[1:]))  # the run's bigrams
            tokens.append(run[-1])
        else:
            tokens.append(match.group())
    return tokens


def index_text(text: str | None) -> str:
    """The shadow text FTS5 indexes in place of ``text``."""
    return " ".join(index_tokens(text))


def _phrase(term: str) -> str | None:
    """One query term (a word, or a quoted phrase) as an FTS5 phrase."""
    pieces = _segments(_normalise(term))
    tokens: list[str] = []
    prefix = False
    for number, (is_han, piece) in enumerate(pieces):
        last = number == len(pieces) - 1
        if not is_han:
            tokens.append(piece)
        elif not last:
            tokens.extend(_run_tokens(piece))
        elif len(piece) == 1:
            tokens.append(piece)
            prefix = True
        else:
            # The text may go on after the term: its run's last char is not alone there.
            tokens.extend(_run_tokens(piece)[:-1])
    if not tokens:
        return None
    return '"{}"{}'.format(" ".join(tokens), "*" if prefix else "")


def fts_query(query: str | None) -> str:
    """A user's search as an FTS5 MATCH expression over the shadow text: every
    whitespace-separated word (or "quoted phrase") must occur. A query with nothing
    searchable becomes a phrase that matches nothing."""
    phrases = []
    for quoted, bare in _QUERY_TERM.findall(query or ""):
        phrase = _phrase(quoted or bare)
        if phrase:
            phrases.append(phrase)
    return " ".join(phrases) or '""'


FTS_ROWID_ID_BITS = 20
FTS_ROWID_ID_MASK = (1 << FTS_ROWID_ID_BITS) - 1


def fts_rowid(report_id: str, year: int) -> int:
    """The report's preferred rowid in the search index (and in ``reports``): derived
    from its year and id. Newer years get smaller rowids (a matching report of 2024
    comes before one of 2019 in rowid order); within a year the order is the id's (its
    first 20 bits). Few bits keep the rowids of a year close together, so FTS5's
    doclists store small deltas (a third smaller an index than with 48 bits, at 10 000
    reports); a report
    whose preferred rowid is taken gets the next free one of its year
    (``archive.store.free_fts_rowid``), kept in ``reports.fts_rowid``."""
    return ((3000 - int(year)) << FTS_ROWID_ID_BITS) | (int(report_id[:5], 16) & FTS_ROWID_ID_MASK)
