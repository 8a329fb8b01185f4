import csv
import json
from pathlib import Path

import pytest

from pipelines.extract.document import Document, Paragraph, Table
from pipelines.extract.text import extract_text_document
from pipelines.parse import parse_document, parse_text
from pipelines.parse.applications import ApplicationsTable, read_applications
from pipelines.parse.blocks import RowBlock
from pipelines.parse.cells import TRADITIONAL_TABLE, label, read_value
from pipelines.parse.compare import compare_to_expected

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
REPORTS = Path(__file__).parent / "fixtures" / "reports"
SEED_FILES = sorted(SEEDS.glob("*.txt"))
KEY_ORDER = [
    "agency",
    "year",
    "template",
    "status",
    "title",
    "is_report",
    "active_disclosure",
    "applications",
    "review_litigation",
    "sections",
    "checks",
    "warnings",
]


def _expected(seed: Path) -> dict:
    return json.loads((SEEDS / "expected" / f"{seed.stem}.json").read_text())


@pytest.mark.parametrize("seed", SEED_FILES, ids=[s.stem[:3] for s in SEED_FILES])
def test_seed_parses_to_its_expected_form(seed):
    parsed = parse_text(seed.read_text())
    comparison = compare_to_expected(parsed, _expected(seed))
    assert comparison.mismatches == []
    assert comparison.scored > 190


@pytest.mark.parametrize("seed", SEED_FILES, ids=[s.stem[:3] for s in SEED_FILES])
def test_output_has_exactly_the_spec_keys_in_order(seed):
    parsed = parse_text(seed.read_text())
    assert list(parsed) == KEY_ORDER
    assert parsed["is_report"] is True
    assert set(parsed["sections"]) >= {"overview", "problems", "other"}
    json.dumps(parsed, ensure_ascii=False)


@pytest.mark.parametrize(
    ("printed", "number"),
    [
        ("0", 0),
        ("增12", 12),
        ("减3", -3),
        ("-516", -516),
        ("22.36万元", 22.36),
        ("１２３", 123),
        ("1,530", 1530),
        ("18028.5825", 18028.5825),
    ],
)
def test_printed_numbers(printed, number):
    assert read_value(printed).number == number


@pytest.mark.parametrize("printed", ["", " ", "/", "-", "—", "无"])
def test_blank_and_dash_are_null_not_zero(printed):
    value = read_value(printed)
    assert value.is_value and value.number is None


def test_text_is_no_value():
    assert not read_value("自然人").is_value
    assert not read_value("1.属于国家秘密").is_value


def test_seed_002_review_and_outcome_figures_are_read_as_printed():
    parsed = parse_text((SEEDS / "002_730fd97f12cf432f.txt").read_text())
    assert parsed["review_litigation"]["litigation_after_review"] == {
        "upheld": 7,
        "corrected": 0,
        "other": 0,
        "pending": 1,
        "total": 8,
    }
    checks = {c["rule"]: c["ok"] for c in parsed["checks"]}
    assert checks["applications.balance"] is True
    assert checks["review_litigation.totals"] is True


def test_seed_004_garbled_block_is_read_by_position_with_a_warning():
    parsed = parse_text((SEEDS / "004_b4f43ef4f0df1505.txt").read_text())
    assert parsed["active_disclosure"]["administrative_penalty"] == {"decisions": 0}
    assert any("信息内容/行政许可" in w and "position" in w for w in parsed["warnings"])


def test_hints_are_preferred_where_plausible():
    text = (SEEDS / "003_070690aef0575d3b.txt").read_text()
    parsed = parse_text(text, {"agency": "温州市洞头区生态环境分局", "year": 2020})
    assert parsed["agency"] == "温州市洞头区生态环境分局"
    implausible = parse_text(text, {"agency": "我局", "year": 1890})
    assert implausible["agency"] == "区生态环境分局"
    assert implausible["year"] == 2020


def test_ocr_documents_are_flagged_and_extractor_warnings_kept():
    doc = Document(
        blocks=[Paragraph("某某局2023年政府信息公开工作年度报告"), Paragraph("一、总体情况")],
        ocr=True,
        warnings=["page 3: no text layer"],
    )
    parsed = parse_document(doc)
    assert "page 3: no text layer" in parsed["warnings"]
    assert any("OCR" in w for w in parsed["warnings"])


def test_a_table_split_over_a_page_break_is_read_as_one():
    text = (SEEDS / "002_730fd97f12cf432f.txt").read_text()
    doc = extract_text_document(text)
    third = [b for b in doc.blocks if isinstance(b, Table)][1]
    at = doc.blocks.index(third)
    doc.blocks[at : at + 1] = [Table(third.rows[:12]), Table(third.rows[12:])]
    assert parse_document(doc)["applications"] == parse_text(text)["applications"]
    assert parse_document(doc)["applications"]["unable_not_held"]["total"] == 50


def test_compare_counts_right_wrong_missed_and_ignores_unscored_keys():
    parsed = {
        "agency": "温州市洞头区生态环境分局",
        "year": 2020,
        "applications": {"new_received": {"natural_person": 3, "total": None}},
        "extra": 1,
    }
    expected = {
        "agency_contains": "生态环境分局",
        "year": 2021,
        "applications": {"new_received": {"natural_person": 3, "total": 5, "other_org": None}},
    }
    result = compare_to_expected(parsed, expected)
    assert (result.scored, result.right, result.wrong, result.missed) == (5, 2, 1, 2)
    assert any("year" in m for m in result.mismatches)


def _seed_003_table_3_with_merged_total_label() -> list[list[str]]:
    """Table 3 of seed 003 as its Word-HTML and PDF renderings once came out of extraction:
    the header garbled by merged cells, rows pushed right by their sub-item labels, and the
    (六)/(七) labels merged over the value columns (the value of (七)总计 one column right)."""
    note = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    header = [
        [note] + ["申请人情况"] * 9,
        [note, "自然人", "法人或其他组织"] + ["总计"] * 7,
        [note, "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构"] + ["其他"] * 4,
    ]
    blank6 = [""] * 6
    rows = [
        ["一、本年新收政府信息公开申请数量", *blank6, "0", "", ""],
        ["二、上年结转政府信息公开申请数量", *blank6, "0", "", ""],
        ["三、本年度办理结果", "（一）予以公开", *blank6, "0", ""],
        ["三、本年度办理结果", "（三）不予公开", "1.属于国家秘密", *blank6, "0"],
        ["", *["（六）其他处理"] * 9],
        ["", *["（七）总计"] * 7, "0", ""],
        ["四、结转下年度继续办理", *blank6, "0", "", ""],
    ]
    return header + rows


def test_a_label_merged_over_the_value_columns_pushes_its_value_right():
    doc = Document(
        blocks=[
            Paragraph("区生态环境分局2020年政府信息公开工作年度报告"),
            Paragraph("三、收到和处理政府信息公开申请情况"),
            Table(_seed_003_table_3_with_merged_total_label()),
        ]
    )
    applications = parse_document(doc)["applications"]
    assert applications["total_processed"] == {**dict.fromkeys(applications["granted"]), "total": 0}
    assert set(applications["other_processing"].values()) == {None}
    assert applications["denied_state_secret"]["total"] == 0
    assert applications["new_received"]["total"] == 0


def test_flattened_headers_with_spaces_inside_cells_keep_their_columns():
    text = (REPORTS / "flattened_tables.txt").read_text()
    spaced = text.replace(
        "信息内容 本年制发件数 本年废止件数 现行有效件数",
        "信息内容 本年 制发件数 本年 废止件数 现行 有效件数",
    ).replace("信息内容 本年处理决定数量", "信息内容 本年 处理决定 数量")
    assert spaced.count("本年 处理决定 数量") == 2
    parsed = parse_text(spaced)
    assert parsed["active_disclosure"] == parse_text(text)["active_disclosure"]
    assert parsed["active_disclosure"]["administrative_licensing"] == {"decisions": 1530}
    assert not any("by position" in warning for warning in parsed["warnings"])


def test_publication_date_gives_the_year_before_it_when_the_report_names_none():
    text = (REPORTS / "real_xuwen_bureau_split_header.txt").read_text()
    assert parse_text(text)["year"] is None
    parsed = parse_text(text, {"published": "2024-01-18"})
    assert parsed["year"] == 2023
    assert any("2024-01-18" in warning for warning in parsed["warnings"])
    doc = extract_text_document(text)
    doc.published = "2021-02-03"
    assert parse_document(doc)["year"] == 2020
    assert parse_text(text, {"published": "2024-01-18", "year": 2022})["year"] == 2022


def test_year_in_the_text_wins_over_the_publication_date():
    text = (REPORTS / "real_zhanjiang_gazetteer_2023_rows.txt").read_text()
    parsed = parse_text(text, {"published": "2025-06-30"})
    assert parsed["year"] == 2023
    assert not any("publication" in warning for warning in parsed["warnings"])


def _table_2_of_2019_with_current_counts(licensing_now: str) -> Document:
    rows = [
        ["第二十条第（五）项", "", "", "", ""],
        ["信息内容", "上一年项目数量", "本年增/减", "本年项目数量", "处理决定数量"],
        ["行政许可", "28", "增12", licensing_now, "40"],
        ["其他对外管理服务事项", "5", "减3", "2", "0"],
        ["第二十条第（八）项", "", "", "", ""],
        ["信息内容", "上一年项目数量", "本年增/减", "", ""],
        ["行政事业性收费", "4", "-1", "", ""],
    ]
    return Document(
        blocks=[
            Paragraph("某县市场监督管理局2020年政府信息公开工作年度报告"),
            Paragraph("二、主动公开政府信息情况"),
            Table(rows),
        ]
    )


def test_active_change_is_checked_where_both_years_counts_are_printed():
    parsed = parse_document(_table_2_of_2019_with_current_counts("40"))
    assert parsed["template"] == "2019"
    assert parsed["active_disclosure"]["administrative_licensing"] == {
        "prior_year_items": 28,
        "change": 12,
        "decisions": 40,
    }
    assert parsed["active_disclosure"]["administrative_fees"] == {
        "prior_year_items": 4,
        "change": -1,
    }
    assert {"rule": "active_disclosure.change", "ok": True, "detail": ""} in parsed["checks"]
    failing = parse_document(_table_2_of_2019_with_current_counts("41"))
    [check] = [c for c in failing["checks"] if c["rule"] == "active_disclosure.change"]
    assert check["ok"] is False
    assert "administrative_licensing" in check["detail"]
    assert "other_management_services" not in check["detail"]


def test_active_change_is_not_checked_from_the_prior_count_and_change_alone():
    parsed = parse_text((SEEDS / "003_070690aef0575d3b.txt").read_text())
    assert parsed["active_disclosure"]["administrative_licensing"]["change"] == 12
    assert not any(c["rule"] == "active_disclosure.change" for c in parsed["checks"])


def test_pre_2019_parts_the_template_lacks_do_not_run_into_the_section_above():
    text = "\n".join(
        [
            "某市人民政府2016年政府信息公开工作年度报告",
            "一、概述",
            "2016年，我市深入实施《条例》。",
            "三、政府信息依申请公开办理情况",
            "全年共受理政府信息公开申请12件。",
            "四、政府信息公开的收费及减免情况",
            "全年未收取检索、复制、邮寄等费用。",
            "五、因政府信息公开申请行政复议、提起行政诉讼的情况",
            "全年未发生行政复议。",
            "六、政府信息公开工作存在的主要问题及改进措施",
            "公开内容还不够全面。",
            "七、需要说明的事项与附表",
            "无。",
        ]
    )
    parsed = parse_text(text)
    assert parsed["template"] is None and parsed["is_report"] is True
    sections = parsed["sections"]
    assert sections["applications"] == "全年共受理政府信息公开申请12件。"
    assert "收取" not in "".join(sections.values())
    assert sections["review_litigation"] == "全年未发生行政复议。"
    assert sections["problems"] == "公开内容还不够全面。"
    assert sections["other"] == "无。"


def _applications_grid(rows: list[list[str]]) -> ApplicationsTable:
    """Table 3 as one grid block of 10 columns (two label columns) under its header."""
    header = [
        ["（本列数据的勾稽关系为：…）", "", "申请人情况", "", "", "", "", "", "总计", ""],
        ["", "", "自然人", "法人或其他组织", "", "", "", "", "", ""],
        ["", "", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "", ""],
    ]
    return read_applications([RowBlock(header + rows, grid=True)])


def test_ocr_blank_cells_keep_their_columns():
    """The scan's grid puts row (四)2's values one column right of the other rows of its
    label depth's neighbours; OCR left 科研机构 and 总计 blank. Read in the columns the rows
    beside it fix: blank stays blank, no value moves."""
    doc = Document.from_dict(json.loads((REPORTS / "ocr_seed002_blank_cells.doc.json").read_text()))
    assert doc.ocr
    row = parse_document(doc)["applications"]["unable_needs_creation"]
    assert list(row.values()) == [0, 0, None, 0, 0, 0, None]


def test_a_grid_row_whose_blanks_leave_two_places_is_null_with_a_warning():
    """The block does not stand under its header (a sub-item label in the 自然人 column) and
    its rows start their values at different distances from their labels: nothing fixes
    where a row with blank first and last cells stands."""
    new_received = ["一、本年新收政府信息公开申请数量", "", "1", "0", "0", "0", "0", "0", "1", ""]
    state_secret = ["三、本年度办理结果", "（三）不予公开", "1.属于国家秘密", "0", "0", "0", "0"]
    state_secret += ["0", "0", "0"]
    shifted = ["三、本年度办理结果", "（一）予以公开", "", "", "1", "2", "3", "4", "5", ""]
    table = _applications_grid([new_received, state_secret, shifted])
    assert set(table.values["granted"].values()) == {None}
    assert any("granted" in w and "left null" in w for w in table.warnings)
    assert list(table.values["new_received"].values()) == [1, 0, 0, 0, 0, 0, 1]


def test_grid_rows_beside_a_row_fix_its_columns():
    """Rows whose labels end in the same column share their value columns: the full row
    fixes them for the row whose first and last cells are blank."""
    full = ["三、本年度办理结果", "（一）予以公开", "", "1", "1", "0", "0", "0", "0", "2"]
    blank_ends = ["三、本年度办理结果", "（二）部分公开", "", "", "1", "2", "3", "4", "5", ""]
    applications = _applications_grid([full, blank_ends]).values
    assert list(applications["partially_granted"].values()) == [None, 1, 2, 3, 4, 5, None]
    assert list(applications["granted"].values()) == [1, 1, 0, 0, 0, 0, 2]


def test_a_grid_standing_under_its_header_is_read_in_the_header_columns():
    under_header = ["一、本年新收政府信息公开申请数量", "", "", "5", "0", "0", "0", "0", "", ""]
    full = ["二、上年结转政府信息公开申请数量", "", "1", "0", "0", "0", "0", "0", "1", ""]
    applications = _applications_grid([under_header, full]).values
    assert list(applications["new_received"].values()) == [None, 5, 0, 0, 0, 0, None]


def _traditional_table() -> tuple[dict[int, str], list[tuple[str, str]]]:
    with TRADITIONAL_TABLE.open(encoding="utf-8", newline="") as table:
        pairs = [(row["traditional"], row["simplified"]) for row in csv.DictReader(table)]
    return {ord(t): s for t, s in pairs if len(t) == 1}, [(t, s) for t, s in pairs if len(t) > 1]


@pytest.mark.parametrize("name", ["traditional_seed002", "traditional_taiwan_terms_seed002"])
def test_traditional_fixture_is_seed_002_in_the_tables_characters(name):
    characters, terms = _traditional_table()
    traditional = (REPORTS / f"{name}.txt").read_text()
    simplified = traditional.translate(characters)
    for term, replacement in terms:
        simplified = simplified.replace(term.translate(characters), replacement)
    assert simplified == (SEEDS / "002_730fd97f12cf432f.txt").read_text()
    assert sum(1 for char in traditional if ord(char) in characters) > 500


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("規章", "规章"),
        ("行政處罰", "行政处罚"),
        ("行政複議", "行政复议"),
        ("行政訴訟", "行政诉讼"),
        ("總 計", "总计"),
        ("商業企業", "商业企业"),
        ("科研機構", "科研机构"),
        ("社會公益組織", "社会公益组织"),
        ("法律服務機構", "法律服务机构"),
        ("政府資訊公開工作年度報告", "政府信息公开工作年度报告"),
        ("屬於國家秘密", "属于国家秘密"),
    ],
)
def test_traditional_labels_read_as_simplified(traditional, simplified):
    assert label(traditional) == simplified


def test_traditional_report_keeps_its_own_characters_in_title_and_sections():
    parsed = parse_text((REPORTS / "traditional_taiwan_terms_seed002.txt").read_text())
    assert parsed["title"].endswith("政府資訊公開工作年度報告")
    assert "政務公開" in parsed["sections"]["overview"]
    assert parsed["applications"]["total_processed"]["total"] == 92


def _openings() -> list:
    cases = json.loads((REPORTS / "openings.json").read_text(encoding="utf-8"))
    return [
        pytest.param(case, marks=pytest.mark.xfail(reason=case["xfail"], strict=True))
        if "xfail" in case
        else case
        for case in cases
    ]


@pytest.mark.parametrize("case", _openings())
def test_real_report_openings_give_agency_year_and_kind(case):
    """Openings of real pages (reports and look-alikes), each hand-read: only what the
    opening states is expected."""
    parsed = parse_text(case["text"])
    if "agency" in case:
        assert label(parsed["agency"] or "") == label(case["agency"])
    if "agency_contains" in case:
        assert label(case["agency_contains"]) in label(parsed["agency"] or "")
    for key in ("year", "is_report"):
        if key in case:
            assert parsed[key] == case[key]


@pytest.mark.parametrize(
    ("text", "year"),
    [("某县二〇二三年政府信息公开工作年度报告\n一、总体情况", 2023)],
)
def test_chinese_numeral_years_are_read(text, year):
    assert parse_text(text)["year"] == year


def test_an_amount_printed_in_wanyuan_under_a_yuan_header_is_not_converted_again():
    text = (
        "某局2019年政府信息公开工作年度报告\n二、主动公开政府信息情况\n"
        "第二十条第（九）项\t\t\n"
        "信息内容\t采购项目数量\t采购总金额（元）\n"
        "政府集中采购\t9\t22.36万元\n"
    )
    parsed = parse_text(text)
    assert parsed["active_disclosure"]["centralized_procurement"] == {
        "items": 9,
        "amount_10k_yuan": 22.36,
    }


@pytest.mark.parametrize(
    "opening",
    [
        "根据《中华人民共和国政府信息公开条例》（2019年修订）要求，现公布本机关年度报告。",
        "某县人民政府办公室\n2024年1月20日",
    ],
)
def test_a_cited_or_dated_year_is_not_the_year_reported_on(opening):
    from pipelines.parse.meta import year_from_body

    assert year_from_body(opening.splitlines()) is None


def test_the_year_of_running_text_is_read_when_the_title_has_none():
    from pipelines.parse.meta import year_from_body

    assert year_from_body(["2023年，我局认真贯彻落实《条例》（2019年修订）。"]) == 2023


def test_the_last_day_of_the_year_names_the_year_reported_on():
    from pipelines.parse.meta import year_from_body

    assert year_from_body(["截至2023年12月31日，我局共发布信息34条。"]) == 2023


def test_a_review_row_labelled_with_its_group_keeps_its_numbers():
    seed = Path(__file__).parent / "fixtures/seeds/002_730fd97f12cf432f.txt"
    row = "2\t0\t0\t0\t2\t0\t0\t0\t0\t0\t7\t0\t0\t1\t8"
    text = seed.read_text(encoding="utf-8")
    assert row in text
    review = parse_text(text.replace(row, "行政复议\t" + row))["review_litigation"]
    assert review["administrative_review"] == {
        "upheld": 2,
        "corrected": 0,
        "other": 0,
        "pending": 0,
        "total": 2,
    }
    assert review["litigation_after_review"]["total"] == 8
