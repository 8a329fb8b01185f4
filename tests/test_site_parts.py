"""The site's pure parts: Chinese labels, the search's terms and snippets, how a copy is
served, the chart. No Datasette, no database."""

from __future__ import annotations

import re

from nianbao_common.keys import WARNING_LABELS_ZH
from nianbao_site.chart import Series, bar_chart, nice_ceiling
from nianbao_site.copies import HTML_POLICY, archived_copy_url, copy_headers
from nianbao_site.labels import check_note, column_labels, short_label, warning_note, zh_part
from nianbao_site.search import (
    SearchRequest,
    count_sql,
    marked,
    query_terms,
    search_where,
    snippet,
    term_pattern,
)

SHA = "ab" * 32


def test_a_column_header_is_the_chinese_head_of_its_description():
    assert short_label("发布机关（报告自称的名称） / Issuing agency, as printed") == "发布机关"
    assert short_label("层级：省、市、县、乡 / Level") == "层级"
    assert short_label("本年新收申请 / New requests received") == "本年新收申请"
    assert short_label("Content-Type") == "Content-Type"
    assert short_label(None) is None


def test_columns_of_a_query_take_their_headers_from_the_tables():
    metadata = {
        "databases": {
            "nianbao": {
                "tables": {"outcome_shares": {"columns": {"agency": "发布机关 / Agency"}}},
                "queries": {"q": {"columns": {"failures": "未通过的校验 / The failed checks"}}},
            }
        }
    }
    assert column_labels(metadata, "nianbao") == {"agency": "发布机关", "failures": "未通过的校验"}


def test_the_chinese_half_of_a_bilingual_title():
    assert zh_part("一个机关的历年数据 One agency across years") == "一个机关的历年数据"
    assert (
        zh_part("按“本年新收”排序，前 100 份。 The 100 reports") == "按“本年新收”排序，前 100 份。"
    )
    assert zh_part("只有中文") == "只有中文"


def test_a_coded_warning_is_in_chinese_under_its_table():
    note = warning_note("t3_extra_value: table 3 row total_processed: 8 values for 7 columns")
    assert note.zh == WARNING_LABELS_ZH["t3_extra_value"]
    assert note.detail == "table 3 row total_processed: 8 values for 7 columns"
    assert note.table == "applications"
    assert warning_note("t2_not_a_number: x").table == "active_disclosure"
    assert warning_note("ocr_numbers: pages 1-3").table is None


def test_a_warning_without_a_code_stays_as_it_is_under_the_table_it_names():
    note = warning_note("table 4: 16 values for 15 columns")
    assert (note.code, note.zh, note.table) == (None, None, "review_litigation")
    assert warning_note("numbers read by OCR").table is None


def test_a_check_is_in_chinese_under_its_table():
    note = check_note("review_litigation.totals", "administrative_review: 1+0+0+0 != 2")
    assert note.zh == WARNING_LABELS_ZH["review_litigation.totals"]
    assert note.table == "review_litigation"
    assert check_note("text_vs_table", "").table is None


# ---- search ---------------------------------------------------------------------------


def test_query_terms_keep_quoted_phrases_whole():
    assert query_terms('处罚 "生态 环境" 复议') == ["处罚", "生态 环境", "复议"]


def test_a_year_filter_is_the_years_range_of_index_rowids():
    where, params = search_where(SearchRequest(words="处罚", year=2021), {2021: (7, 9)})
    assert "f.rowid BETWEEN :first_rowid AND :last_rowid" in where
    assert (params["first_rowid"], params["last_rowid"]) == (7, 9)
    assert "reports r" not in count_sql("reports_fts", where)


def test_a_year_not_in_the_archive_matches_nothing():
    _, params = search_where(SearchRequest(words="处罚", year=1990), {2021: (7, 9)})
    assert params["first_rowid"] > params["last_rowid"]


def test_the_unknown_province_filters_reports_without_one():
    where, params = search_where(SearchRequest(words="处罚", province="未知"), {})
    assert "province IS NULL" in where[-1] and "province" not in params


def test_paging_links_keep_the_search_and_drop_defaults():
    search = SearchRequest(words="处罚", year=2023, order="relevance", page=2)
    assert search.args(page=3) == {"q": "处罚", "year": "2023", "page": "3"}
    assert search.args(page=1) == {"q": "处罚", "year": "2023"}
    assert SearchRequest.from_args({"q": " 处罚 ", "page": "x", "order": "?"}) == SearchRequest(
        words="处罚"
    )


def plain(m) -> str:
    return "".join(f"[{t}]" if hit else t for t, hit in m.pieces)


def test_terms_are_marked_across_width_and_case():
    pattern = term_pattern(["处罚", "2023年报"])
    assert plain(marked("行政处罚决定", pattern)) == "行政[处罚]决定"
    assert plain(marked("见２０２３ 年报。", pattern)) == "见[２０２３ 年报]。"
    assert term_pattern(["，。"]) is None


def test_the_snippet_prefers_prose_to_a_row_of_numbers():
    table = "行政处罚 4 6 10 " + "0 " * 60
    prose = "本机关全年共作出行政处罚决定二十件，均已依法公开处罚结果和依据。"
    text = table + "说明。" * 20 + prose
    found = snippet(text, term_pattern(["处罚"]))
    assert "[处罚]决定二十件" in plain(found)
    assert found.cut_before


def test_without_the_words_in_the_text_the_snippet_is_its_beginning():
    found = snippet("一、总体情况\n\n本年度……", term_pattern(["不在文中"]))
    assert plain(found) == "一、总体情况 本年度……" and not found.cut_before


# ---- copies ---------------------------------------------------------------------------


def test_a_pdf_opens_in_the_browser_under_the_reports_name():
    headers = copy_headers(SHA, "pdf", "河南省生态环境厅2019年政府信息公开工作年度报告")
    assert headers["content-type"] == "application/pdf"
    disposition = headers["content-disposition"]
    assert disposition.startswith("inline;")
    assert f'filename="{SHA}.pdf"' in disposition
    assert "filename*=UTF-8''%E6%B2%B3%E5%8D%97" in disposition
    assert "content-security-policy" not in headers


def test_word_files_download_with_their_type():
    doc = copy_headers(SHA, "doc", "报告")
    docx = copy_headers(SHA, "docx", "报告")
    wps = copy_headers(SHA, "wps", "报告")
    assert doc["content-type"] == "application/msword"
    assert docx["content-type"].endswith("wordprocessingml.document")
    assert wps["content-type"] == "application/vnd.ms-works"
    assert all(h["content-disposition"].startswith("attachment;") for h in (doc, docx, wps))


def test_an_archived_page_is_a_sandbox_with_its_declared_charset():
    headers = copy_headers(SHA, "html", "报告", "text/html; charset=GBK")
    assert headers["content-type"] == "text/html; charset=GBK"
    assert headers["content-security-policy"] == HTML_POLICY
    assert HTML_POLICY.startswith("sandbox;") and "allow-scripts" not in HTML_POLICY


def test_an_unknown_format_downloads_as_bytes():
    headers = copy_headers(SHA, "", None)
    assert headers["content-type"] == "application/octet-stream"
    assert headers["content-disposition"].startswith(f'attachment; filename="{SHA}"')


def test_a_copy_address_is_named_like_a_file_of_its_format():
    assert archived_copy_url(SHA, "PDF") == f"/copies/{SHA}.pdf"
    assert archived_copy_url(SHA, None) == f"/copies/{SHA}"
    assert archived_copy_url(SHA, "exe") == f"/copies/{SHA}"


# ---- chart ----------------------------------------------------------------------------


def test_axis_tops_are_round():
    assert [nice_ceiling(v) for v in (0, 7, 94, 101, 2400)] == [1, 10, 100, 200, 2500]


def test_a_blank_draws_no_bar_and_a_zero_draws_a_thin_one():
    svg = str(
        bar_chart([2022, 2023], [Series("新收申请", [None, 0]), Series("行政复议", [5, 3])], "t")
    )
    bars = re.findall(r'height="([\d.]+)" fill="#\w+"><title>([^<]+)</title>', svg)
    heights = {title: float(height) for height, title in bars}
    assert set(heights) == {"2022 行政复议：5", "2023 新收申请：0", "2023 行政复议：3"}
    assert heights["2023 新收申请：0"] == 1.5
    assert svg.count(">空</text>") == 1
    assert "<title>2023 新收申请：0</title>" in svg
