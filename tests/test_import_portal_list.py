"""tools/import_portal_list.py: a public list of government websites fills the registry's
government rows without a URL, each URL citing its line; matched by division code, or by
exact name under its parent, never by a guess; non-government sites and shared sites left
out. The list lines are tests/fixtures/registry/qianxian_excerpt.md (quoted from
DiamonWoo/Laosheng.top, see its .source.txt)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.registry_file import (
    add_portal,
    is_government_row,
    sync_governments,
    validate_registry,
    write_registry,
)
from tools.import_portal_list import (
    QIANXIAN,
    Entry,
    Match,
    candidates_of,
    git_blob_id,
    import_list,
    match_coded,
    match_name,
    match_tree,
    read_pinned,
    read_qianxian,
    read_website_gov,
)

EXCERPT = Path(__file__).resolve().parent / "fixtures" / "registry" / "qianxian_excerpt.md"


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return read_qianxian(EXCERPT.read_text(encoding="utf-8"))


def test_each_linked_division_is_an_entry_with_its_line(entries):
    # 西沙区 (line 11) has no link and 江北区 (line 12) is struck out: not entries
    assert [(e.first_line, e.code) for e in entries] == [
        (1, "110000"), (2, "110101"), (3, "120102"), (4, "120116"), (5, "222400"),
        (6, "320100"), (7, "341022"), (8, "350500"), (9, "350527"), (10, "410400"),
        (13, "500110"), (14, "510402"), (15, "540422"), (16, "650000"), (17, "659000"),
        (18, "659001"),
    ]  # fmt: skip
    assert entries[0].url == "http://www.beijing.gov.cn/renwen/bjgk/"
    assert (entries[4].name, entries[4].url) == ("延边州", "http://www.yanbian.gov.cn/zq/")
    assert entries[6].url == "http://www.xiuning.gov.cn;"


def test_entries_match_by_code_or_by_name_under_their_parent(entries):
    found = {e.code: match_coded(e) for e in entries}
    assert found["110101"] == Match("110101", "code")
    assert found["222400"] == Match("222400", "code")  # 延边州 is 延边朝鲜族自治州
    assert found["659001"] == Match("659001", "code")  # 石河子市／第八师
    assert found["540422"] == Match("540481", "name")  # 米林市 under 林芝市, its new code
    assert found["659000"] == Match(None, "not in the division list")  # 兵团: no division


def test_a_name_found_twice_is_left_alone():
    assert match_name("桥西区", "130100") == Match("130104", "name")
    assert match_name("桥西区", "130000") == Match(
        None, "ambiguous name (2 divisions called 桥西区)"
    )
    # a code outside the list whose prefecture is not a division either: searched in the
    # whole province, where 石家庄 and 张家口 both have a 桥西区
    old_code = Entry(1, 1, "桥西区", "http://www.sjzqx.gov.cn", code="139904")
    assert match_coded(old_code).code is None


def test_non_government_and_shared_sites_are_skipped(entries):
    candidates = candidates_of(entries, [match_coded(e) for e in entries])
    skipped = {c.entry.code: c.skipped for c in candidates}
    assert skipped["410400"] == "not on a .gov.cn host"  # www.pds.cn
    assert skipped["341022"] == "not a well-formed URL"
    assert skipped["120102"] == skipped["510402"] == "one site listed for several governments"
    assert skipped["350527"] == "a page of the site of the government above it"
    assert skipped["350500"] == skipped["110101"] == ""


def registry_rows() -> list[dict[str, str]]:
    """A government row for every division, none with a URL but 南京市 and 黔江区 (as in
    the bundled registry: a report column, and cqqj.gov.cn)."""
    rows = sync_governments([]).rows
    seen, source = "2026-11-23", "https://www.nanjing.gov.cn/zzb/zfxxgk/zfxxgknb/"
    add_portal(rows, "https://www.nanjing.gov.cn/zzb/zfxxgk/zfxxgknb/", "320100", seen, source)
    add_portal(rows, "http://cqqj.gov.cn/zwgk_159/zfxxgknb/qzfxxgknb/", "500114", seen, source)
    return rows


def test_the_import_fills_rows_without_a_url_and_cites_the_line(tmp_path):
    rows = registry_rows()
    nanjing = dict(next(r for r in rows if r["division_code"] == "320100"))
    result = import_list(rows, EXCERPT.read_text(encoding="utf-8"), QIANXIAN)
    government = {r["division_code"]: r for r in rows if is_government_row(r)}
    dongcheng = government["110101"]
    assert dongcheng["start_urls"] == "http://www.bjdch.gov.cn"
    assert (dongcheng["cms"], dongcheng["allowed_domains"]) == ("", "")
    assert dongcheng["source"] == (
        "https://github.com/DiamonWoo/Laosheng.top/blob/960d764c2764edb3314e225cd500a5144b8d56c4"
        "/fuwu/qianxian.md?plain=1#L2"
    )
    assert (dongcheng["seen"], dongcheng["status"]) == ("2026-12-01", "url_from_source")
    binhai = government["120116"]
    assert binhai["start_urls"] == "http://www.tjbh.gov.cn/"
    assert "home page of http://www.tjbh.gov.cn/channels/13871.html" in binhai["note"]
    assert government["540481"]["start_urls"] == "http://www.milin.gov.cn"
    assert government["320100"] == nanjing  # never overwritten
    assert result.had_url == 1
    assert government["500110"]["start_urls"] == ""  # cqqj.gov.cn is 黔江区's row's site
    assert "site already the portal of another government" in result.reasons()
    for code in ("120102", "341022", "350527", "410400", "510402"):
        assert government[code]["status"] == "no_url"
    assert {c.match.code for c in result.filled} == {
        "110000", "110101", "120116", "222400", "350500", "540481", "650000", "659001",
    }  # fmt: skip
    path = tmp_path / "portals.csv"
    write_registry(path, rows)
    assert validate_registry(path) == []


def test_a_tree_list_matches_by_name_under_the_nearest_matched_node():
    # the layout of data/website-gov.ts (anyi-econ/china-public-debt), with the names and
    # sites of lines 16-18 of the excerpt: 兵团 is no division, so 石河子市 is looked for
    # under 新疆
    text = "\n".join(
        [
            "export const GOV_WEBSITES: GovWebsiteNode[] = [",
            "  {",
            '    name: "新疆维吾尔自治区",',
            '    url: "http://www.xinjiang.gov.cn/",',
            "    children: [",
            "      {",
            '        name: "新疆生产建设兵团",',
            '        url: "http://www.xjbt.gov.cn/",',
            "        children: [",
            "          {",
            '            name: "石河子市",',
            '            url: "http://www.shz.gov.cn/"',
            "          }",
            "        ]",
            "      }",
            "    ]",
            "  },",
            "];",
        ]
    )
    entries = read_website_gov(text)
    assert [(e.path, e.name, e.first_line, e.last_line) for e in entries] == [
        ((), "新疆维吾尔自治区", 3, 4),
        (("新疆维吾尔自治区",), "新疆生产建设兵团", 7, 8),
        (("新疆维吾尔自治区", "新疆生产建设兵团"), "石河子市", 11, 12),
    ]
    assert match_tree(entries) == [
        Match("650000", "name"),
        Match(None, "not in the division list"),
        Match("659001", "name"),
    ]


def test_only_the_pinned_file_is_read(tmp_path):
    assert git_blob_id(b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"  # git's empty blob
    with pytest.raises(SystemExit, match="line numbers would not be the cited ones"):
        read_pinned(EXCERPT, QIANXIAN)
