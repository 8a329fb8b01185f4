import json
from pathlib import Path

import pytest

from pipelines.extract.document import Document, Paragraph, Table
from pipelines.extract.text import extract_text_document
from pipelines.parse import parse_document, parse_text
from pipelines.parse.cells import read_value
from pipelines.parse.compare import compare_to_expected

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))
KEY_ORDER = [
    "agency",
    "year",
    "template",
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
