"""The real-file layouts of issue 12 and the pre-2019 reports of issue 15, one unit at a time.

Each test fails without its fix; the golden fixtures of each layout
(``tests/fixtures/reports/layout_*``, ``real_pingtan_*``) are scored by
``test_parse_golden.py`` and ``bench/parse_eval``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nianbao_common.keys import PARSE_STATUSES, WARNING_LABELS_ZH
from pipelines.extract import extract
from pipelines.extract.document import Document, Paragraph
from pipelines.parse import parse_document, parse_text
from pipelines.parse.align import agreed_cells, parts_add_up, readings
from pipelines.parse.applications import header_columns, read_applications
from pipelines.parse.blocks import RowBlock
from pipelines.parse.flattened import split_run_together
from pipelines.parse.glued import cuts, decode, glued_row
from pipelines.parse.review import read_review
from pipelines.parse.warn import warning, warning_code
from tests.support import golden_cases, parse_case
from tools import layout_fixtures

REPORTS = Path(__file__).parent / "fixtures" / "reports"
HEADER = [
    ["（本列数据的勾稽关系）"] * 3 + ["申请人情况"] * 8,
    ["（本列数据的勾稽关系）"] * 3 + ["自然人"] * 2 + ["法人或其他组织"] * 5 + ["总计"],
    ["（本列数据的勾稽关系）"] * 3 + ["", "商业企业", "商业企业", "科研机构", "社会公益组织"]
    + ["法律服务机构", "其他", "总计"],
]  # fmt: skip


def _codes(parsed_or_table) -> list[str | None]:
    return [warning_code(w) for w in parsed_or_table.warnings]


# --- 1. a header cell merged over two grid columns ---------------------------------------


def test_header_columns_follow_a_label_merged_over_two_grid_columns():
    columns = header_columns(HEADER)
    assert columns == {
        "natural_person": [3],
        "commercial_enterprise": [4, 5],
        "research_institution": [6],
        "social_welfare_org": [7],
        "legal_service_org": [8],
        "other_org": [9],
        "total": [10],
    }


def test_a_grid_row_of_eight_cells_is_read_under_the_header_columns():
    rows = [
        ["一、本年新收政府信息公开申请数量"] * 3 + ["64", "0", "0", "0", "2", "0", "4", "70"],
        ["二、上年结转政府信息公开申请数量"] * 3 + ["1", "", "3", "0", "0", "0", "0", "4"],
    ]
    table = read_applications([RowBlock(HEADER + rows, grid=True)])
    assert list(table.values["new_received"].values()) == [64, 0, 0, 2, 0, 4, 70]
    assert list(table.values["carried_over"].values()) == [1, 3, 0, 0, 0, 0, 4]


def test_two_different_numbers_under_one_column_label_are_null_with_a_warning():
    rows = [["一、本年新收政府信息公开申请数量"] * 3 + ["5", "1", "2", "0", "0", "0", "0", "8"]]
    table = read_applications([RowBlock(HEADER + rows, grid=True)])
    assert table.values["new_received"]["commercial_enterprise"] is None
    assert table.values["new_received"]["natural_person"] == 5
    assert "t3_cells_disagree" in _codes(table)


# --- 2. a WPS PDF's text layer in layout order ------------------------------------------


def _lines(*lines: str):
    """Table 3's rows as the router hands over lines of text: each a block of one row,
    its label one cell and each spaced number one cell."""
    blocks = []
    for line in lines:
        words = line.split()
        values = [w for w in words if w.isdigit()]
        label = " ".join(w for w in words if not w.isdigit())
        blocks.append(RowBlock([([label] if label else []) + values]))
    return read_applications(blocks)


def test_a_label_wrapped_over_two_lines_takes_the_numbers_on_the_third():
    table = _lines("（二）部分公开（区分处理的，只计这一情形，", "30 0 0 0 0 0 30")
    assert list(table.values["partially_granted"].values()) == [30, 0, 0, 0, 0, 0, 30]


def test_group_labels_between_rows_keep_the_group_of_the_rows_below():
    table = _lines(
        "（六）其他处理",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 1 0 0 0 0 0 1",
        "三、本年度办理结果",
        "3.其他 2 0 0 0 0 0 2",
    )
    assert table.values["other_misc"]["total"] == 2
    assert "other_processing" not in table.values


def test_bare_numbers_without_a_label_above_are_left_out_with_a_warning():
    table = _lines("（三）不予公开", "3 0 0 0 0 0 3")
    assert table.values == {}
    assert "t3_values_without_label" in _codes(table)


def test_label_lines_in_a_report_reach_table_3():
    parsed = parse_document(
        Document(
            blocks=[
                Paragraph(line)
                for line in layout_fixtures.wps_text_layer_lines(layout_fixtures.base_truth())
            ]
        )
    )
    assert parsed["applications"]["partially_granted"]["total"] == 30


def _twice(second: str, total: str = "210 1 0 0 0 0 211"):
    return _lines(
        "一、本年新收政府信息公开申请数量 207 1 0 0 0 0 208",
        "二、上年结转政府信息公开申请数量 3 0 0 0 0 0 3",
        "（一）予以公开 200 1 0 0 0 0 201",
        "4.保护第三方合法权益 3 0 0 0 0 0 3",
        f"4.保护第三方合法权益 {second}",
        "1.本机关不掌握相关政府信息 7 0 0 0 0 0 7",
        f"（七）总计 {total}",
        "四、结转下年度继续办理 0 0 0 0 0 0 0",
    )


def test_a_row_printed_twice_the_same_is_kept_once():
    table = _twice("3 0 0 0 0 0 3")
    assert table.values["denied_third_party_rights"]["total"] == 3
    assert "t3_row_twice" in _codes(table)


def test_a_row_printed_twice_differently_keeps_the_copy_the_sums_accept():
    table = _twice("2 1 0 0 0 0 3")
    assert list(table.values["denied_third_party_rights"].values()) == [3, 0, 0, 0, 0, 0, 3]
    assert "t3_row_twice_by_arithmetic" in _codes(table)


def test_a_row_printed_twice_differently_with_no_sum_to_decide_is_null():
    table = _twice("4 0 0 0 0 0 4", total="")
    assert set(table.values["denied_third_party_rights"].values()) == {None}
    assert "t3_row_twice_undecided" in _codes(table)


# --- 3. table 4 with more or fewer values than columns ---------------------------------


def test_split_digits_are_joined_back_where_one_alignment_adds_up():
    numbers = [9, 3, 0, 1, 1, 3, 2, 0, 1, 0, 3, 1, 0, 0, 0, 1]
    placed = agreed_cells(readings(numbers, 15, joins=True), lambda r: parts_add_up(r, 5))
    assert placed == [9, 3, 0, 1, 13, 2, 0, 1, 0, 3, 1, 0, 0, 0, 1]


def test_a_cell_closed_up_leaves_its_group_null_and_the_others_read():
    rows = [["3", "1", "1", "5", "2", "0", "1", "0", "3", "1", "0", "0", "0", "1"]]
    table = read_review(rows)
    assert set(table.values["administrative_review"].values()) == {None}
    assert table.values["litigation_direct"] == {
        "upheld": 2, "corrected": 0, "other": 1, "pending": 0, "total": 3,
    }  # fmt: skip
    assert "t4_aligned_by_arithmetic" in _codes(table)


def test_one_value_for_fifteen_columns_is_null_with_a_warning():
    table = read_review([["5"]])
    assert {v for group in table.values.values() for v in group.values()} == {None}
    assert "t4_value_count" in _codes(table)


def test_one_value_for_seven_columns_of_table_3_is_null_with_a_warning():
    table = _lines("二、上年结转政府信息公开申请数量 5")
    assert set(table.values["carried_over"].values()) == {None}
    assert "t3_value_count" in _codes(table)


def test_no_alignment_that_adds_up_leaves_table_4_null():
    table = read_review([["9"] * 16])
    assert {v for group in table.values.values() for v in group.values()} == {None}
    assert "t4_value_count" in _codes(table)


# --- 4. two numbers in a three-column table-2 row --------------------------------------

_ACTIVE = """某市2023年政府信息公开工作年度报告
二、主动公开政府信息情况
| 第二十条第（一）项 | | | |
| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |
{row}
"""


def test_two_numbers_under_three_measures_are_not_read_by_position():
    parsed = parse_text(_ACTIVE.format(row="| 规章 | 22 | 235 |"))
    assert parsed["active_disclosure"]["regulations"] == {
        "issued": None, "repealed": None, "in_force": None,
    }  # fmt: skip
    assert "t2_fewer_values" in [warning_code(w) for w in parsed["warnings"]]


def test_a_blank_printed_between_two_numbers_keeps_its_place():
    parsed = parse_text(_ACTIVE.format(row="| 规章 | 22 | | 235 |"))
    assert parsed["active_disclosure"]["regulations"] == {
        "issued": 22, "repealed": None, "in_force": 235,
    }  # fmt: skip


# --- 5. digits of neighbouring cells glued ---------------------------------------------


def test_cuts_respect_leading_zeros_and_spaces():
    assert list(cuts("003", 3)) == [(0, 0, 3)]
    assert sorted(cuts("125", 3)) == [(1, 2, 5)]
    assert list(cuts("500000 5", 7)) == [(5, 0, 0, 0, 0, 0, 5)]
    assert list(cuts("05", 2)) == [(0, 5)]
    assert list(cuts("05", 1)) == []


def test_glued_rows_are_told_from_rows_of_separate_values():
    assert glued_row("规章 0 0 3") is None
    assert glued_row("规章 000").digits == "000"
    row = glued_row("（二）部分公开（区分处理的，只计这一情形，不计其他情形）500000 5")
    assert row.digits == "500000 5"
    assert row[0] == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"


def test_a_glued_table_is_decoded_only_where_one_cut_of_all_its_rows_holds():
    def row_holds(cut):
        return parts_add_up(cut, 3)

    assert decode({"a": "12113"}, 3, row_holds, lambda _: True) == {"a": (12, 1, 13)}
    # 1 | 12 | 13 and 11 | 2 | 13 both add up: two cuts, nothing decoded.
    assert decode({"a": "11213"}, 3, row_holds, lambda _: True) is None
    # each row holds alone, but only one pair of cuts makes the table hold
    both = {"a": "11213", "b": "12113"}
    assert decode(both, 3, row_holds, lambda cut: cut["a"][0] == cut["b"][1]) == {
        "a": (1, 12, 13), "b": (12, 1, 13),
    }  # fmt: skip


def test_table_2_glued_digits_are_cut_only_where_no_blank_could_stand_elsewhere():
    text = _ACTIVE.format(row="规章003\n行政规范性文件125")
    parsed = parse_text(text.replace("| 规章 | 22 | 235 |", ""))
    assert parsed["active_disclosure"]["regulations"] == {
        "issued": 0, "repealed": 0, "in_force": 3,
    }  # fmt: skip
    # 125 could be 1 2 5 or 12 · 5 with a blank cell: left null.
    assert set(parsed["active_disclosure"]["normative_documents"].values()) == {None}


def test_run_together_page_text_is_cut_where_headings_and_row_labels_begin():
    line = (
        "一、总体情况2021年，我区持续推进。二、主动公开政府信息情况 第二十条第（一）项信息内容"
        "本年制发件数本年废止件数现行有效件数规章 000行政规范性文件693665"
        "三、收到和处理政府信息公开申请情况一、本年新收政府信息公开申请数量640020470"
        "（三）不予公开1.属于国家秘密00000003.其他1000001四、结转下年度继续办理1000001"
    )
    assert split_run_together(line) == [
        "一、总体情况",
        "2021年，我区持续推进。",
        "二、主动公开政府信息情况",
        "第二十条第（一）项",
        "信息内容本年制发件数本年废止件数现行有效件数",
        "规章 000",
        "行政规范性文件693665",
        "三、收到和处理政府信息公开申请情况",
        "一、本年新收政府信息公开申请数量640020470",
        "（三）不予公开",
        "1.属于国家秘密0000000",
        "3.其他1000001",
        "四、结转下年度继续办理1000001",
    ]
    assert split_run_together("一、总体情况 只有一个标题。") == ["一、总体情况 只有一个标题。"]


def test_rows_a_pdf_paragraph_joined_are_cut_apart_inside_their_section():
    joined = "30 0 0 0 0 0 30 1.属于国家秘密 0 0 0 0 0 0 0 2.其他法律行政法规禁止公开 2 0 0 0 0 0 2"
    assert split_run_together(joined, "applications") == [
        "30 0 0 0 0 0 30",
        "1.属于国家秘密 0 0 0 0 0 0 0",
        "2.其他法律行政法规禁止公开 2 0 0 0 0 0 2",
    ]
    assert split_run_together(joined, "overview") == [joined]
    assert split_run_together("3 1 0 1 5 2 0 1 0 3 1 0 0 0 1五、存在的主要问题及改进情况") == [
        "3 1 0 1 5 2 0 1 0 3 1 0 0 0 1",
        "五、存在的主要问题及改进情况",
    ]


# --- 6. agency names ---------------------------------------------------------------------


def test_a_title_broken_inside_its_report_word_gives_the_whole_agency():
    parsed = parse_text(
        "上海市科学技术委员会（市科委）2024年政府信息公开工作年\n度报告\n一、总体情况\n正文。\n"
    )
    assert parsed["agency"] == "上海市科学技术委员会(市科委)"
    assert parsed["year"] == 2024


def test_an_agency_named_in_the_body_keeps_its_bracketed_short_name():
    parsed = parse_text(
        "2024年政府信息公开工作年度报告\n"
        "以上为上海市科学技术委员会（市科委）2024年政府信息公开工作年度报告全文。\n"
    )
    assert parsed["agency"] == "上海市科学技术委员会(市科委)"


# --- 7. reports on a year before the templates -----------------------------------------


def _blank_2019_table(year: int) -> str:
    truth = layout_fixtures.base_truth()
    truth.year = year
    return layout_fixtures.blank_template_table_report(truth)


def test_a_report_before_2019_is_its_own_kind_never_complete():
    parsed = parse_text(_blank_2019_table(2018))
    assert (parsed["template"], parsed["status"]) == (None, "pre2019")
    assert parsed["applications"] == {} and parsed["is_report"] is True
    assert parsed["sections"]["overview"]
    assert "pre2019_tables_not_read" in [warning_code(w) for w in parsed["warnings"]]


def test_a_report_dated_before_2019_with_a_filled_template_keeps_its_tables():
    truth = layout_fixtures.base_truth()
    truth.year = 2018
    parsed = parse_text(layout_fixtures.markdown_report(truth))
    assert parsed["template"] == "2021" and parsed["status"] == "complete"
    assert parsed["applications"]["new_received"]["total"] == 218
    assert "template_before_its_year" in [warning_code(w) for w in parsed["warnings"]]


def test_status_names_the_tables_read():
    assert (
        parse_text(layout_fixtures.markdown_report(layout_fixtures.base_truth()))["status"]
        == "complete"
    )
    assert {label.key for label in PARSE_STATUSES} == {
        "complete",
        "partial",
        "no_tables",
        "pre2019",
    }


# --- warnings as codes -------------------------------------------------------------------


def test_warning_codes_must_be_known():
    assert warning("t3_value_count", "x") == "t3_value_count: x"
    with pytest.raises(ValueError):
        warning("no_such_code", "x")


def test_every_warning_code_the_parser_writes_has_a_chinese_text():
    source = "".join(p.read_text() for p in Path("pipelines/parse").glob("*.py"))
    used = set(re.findall(r'warning\(\s*"([a-z0-9_.]+)"', source))
    assert used and used <= set(WARNING_LABELS_ZH)
    assert all(re.search(r"[\u4e00-\u9fff]", text) for text in WARNING_LABELS_ZH.values())


NEW_CASES = [c for c in golden_cases() if c[0].startswith(("layout_", "real_pingtan_"))]


@pytest.mark.parametrize("case", NEW_CASES, ids=[c[0] for c in NEW_CASES])
def test_parser_warnings_on_the_new_fixtures_all_carry_a_code(case):
    _, source, _ = case
    extracted = []
    if source.suffix in (".pdf", ".html"):
        extracted = extract(source.read_bytes(), url=source.name).warnings
    parsed = parse_case(source)
    parser_warnings = [w for w in parsed["warnings"] if w not in extracted]
    assert all(warning_code(w) for w in parser_warnings), parser_warnings


# --- the layout fixtures are what the generator writes ----------------------------------


@pytest.mark.parametrize("fixture", layout_fixtures.fixtures(), ids=lambda f: f.name)
def test_layout_fixture_is_what_the_generator_writes(fixture):
    stem = REPORTS / f"layout_{fixture.name}"
    written = Path(f"{stem}.{fixture.suffix}")
    content = fixture.content
    assert (written.read_bytes() if isinstance(content, bytes) else written.read_text()) == content
    expected = json.loads(Path(f"{stem}.expected.json").read_text(encoding="utf-8"))
    assert expected == {"layout": fixture.layout, **fixture.expected}
