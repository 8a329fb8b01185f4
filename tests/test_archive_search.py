"""Chinese full-text search: any run of characters finds exactly the texts that hold it."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest
import sqlite_utils

from archive.schema import ensure_db_shape
from archive.search import FTS_COLUMNS, FTS_TABLE, index_report, rebuild_search
from nianbao_common.cjk import fts_query, index_text
from tests.test_archive_build import seed_texts

HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")


@pytest.fixture(scope="module")
def index() -> tuple[sqlite_utils.Database, dict[int, str]]:
    db = sqlite_utils.Database(memory=True)
    db.execute(f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5({', '.join(FTS_COLUMNS)}, content='')")
    texts = {}
    for number, (_, text) in enumerate(seed_texts(), start=1):
        texts[number] = unicodedata.normalize("NFKC", text).lower()
        db.execute(
            f"INSERT INTO {FTS_TABLE}(rowid, full_text) VALUES (?, ?)",
            [number, index_text(text)],
        )
    return db, texts


def found(db: sqlite_utils.Database, query: str) -> set[int]:
    sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?"
    return {row[0] for row in db.execute(sql, [fts_query(query)])}


def test_every_substring_finds_exactly_the_texts_holding_it(index):
    db, texts = index
    rng = random.Random(2024)
    runs = [run for text in texts.values() for run in HAN_RUN.findall(text) if len(run) > 1]
    queries = set()
    for _ in range(400):
        run = rng.choice(runs)
        length = rng.randint(1, min(6, len(run)))
        start = rng.randrange(len(run) - length + 1)
        queries.add(run[start : start + length])
    splits = {q for q in queries if 0 < sum(q in t for t in texts.values()) < len(texts)}
    assert len(splits) > 20  # the sample tells the texts apart
    for query in sorted(queries):
        assert found(db, query) == {n for n, t in texts.items() if query in t}, query


def test_joined_pieces_never_match_where_the_characters_are_apart(index):
    db, texts = index
    runs = [run for text in texts.values() for run in HAN_RUN.findall(text) if len(run) >= 4]
    checked = 0
    for left in runs[:60]:
        for right in runs[-60:]:
            query = left[-2:] + right[:2]
            expected = {n for n, t in texts.items() if query in t}
            assert found(db, query) == expected, query
            checked += 1
    assert checked > 1000


def test_digits_full_width_forms_and_several_words(index):
    """Spaces in the text separate nothing a reader would see: 2023 年 reads 2023年."""
    db, texts = index
    joined = {n: re.sub(r"\s+", "", t) for n, t in texts.items()}
    for query in ("2023年", "２０２３年", "第二十条", "政府信息 行政复议", "2019年 环评"):
        words = unicodedata.normalize("NFKC", query).lower().split()
        expected = {n for n, t in joined.items() if all(word in t for word in words)}
        assert expected, query
        assert found(db, query) == expected, query


def test_nothing_searchable_matches_nothing(index):
    db, _ = index
    assert found(db, "，。、 ") == set()
    assert found(db, "") == set()


def test_index_entries_are_replaced_and_rebuilt(tmp_path):
    db = sqlite_utils.Database(tmp_path / "a.db")
    ensure_db_shape(db)
    old = {"title": "行政处罚年报", "agency": "某局", "full_text": "行政处罚"}
    new = {"title": "行政复议年报", "agency": "某局", "full_text": "行政复议"}
    index_report(db, 42, None, old)
    index_report(db, 42, old, new)
    assert found(db, "处罚") == set()
    assert found(db, "复议") == {42}
    rebuild_search(db)  # from reports, which is empty here
    assert found(db, "复议") == set()
