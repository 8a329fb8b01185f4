"""Format sniffing, charset decoding, page furniture and the fixture generator's merges."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.extract import extract
from pipelines.extract.encoding import decode_html
from pipelines.extract.layout import PAGE_NUMBER
from pipelines.extract.sniff import sniff_format
from tests.support import Span, expanded_rows, infer_spans

FORMATS = Path("tests/fixtures/formats")
FIRST = sorted(FORMATS.glob("0*"))[0]


@pytest.mark.parametrize(
    ("path", "content_type", "url", "expected"),
    [
        (FIRST / "report.pdf", "text/html", "http://127.0.0.1/a.html", "pdf"),
        (FIRST / "report.docx", "application/msword", "http://127.0.0.1/a.doc", "docx"),
        (FIRST / "report.doc", None, None, "doc"),
        (FIRST / "report.doc", None, "http://127.0.0.1/a.wps", "wps"),
        (FIRST / "word.html", "application/pdf", "http://127.0.0.1/a.pdf", "html"),
        (FIRST / "gbk.html", None, None, "html"),
        (FORMATS / "bad" / "not-html.html", "text/html", None, "binary"),
        (FORMATS / "bad" / "empty.pdf", "application/pdf", None, "empty"),
        (Path("tests/fixtures/seeds") / f"{FIRST.name}.txt", None, None, "text"),
    ],
)
def test_format_is_read_from_the_bytes(path, content_type, url, expected):
    assert sniff_format(path.read_bytes(), content_type, url) == expected


def test_weak_markup_in_a_declared_text_file_stays_text():
    data = "说明：<p>标签</p> 原样保留".encode()
    assert sniff_format(data, "text/plain") == "text"
    assert sniff_format(data) == "html"


def test_page_declaring_utf8_but_written_in_gbk_is_decoded_as_gb18030():
    data = (FIRST / "gbk.html").read_bytes()
    text, codec, warnings = decode_html(data, "text/html; charset=utf-8")
    assert codec == "gb18030" and "政府信息公开" in text
    assert any("utf-8" in warning for warning in warnings)


def test_page_declaring_gb2312_but_written_in_utf8_is_decoded_as_utf8():
    data = (FIRST / "clean.html").read_bytes().replace(b'charset="utf-8"', b'charset="gb2312"')
    text, codec, warnings = decode_html(data)
    assert codec == "utf-8" and "政府信息公开" in text
    assert warnings == ["declared charset gb2312 but the bytes are UTF-8"]


def test_characters_outside_gb2312_survive_a_gb2312_declaration():
    page = '<html><head><meta charset="gb2312"></head><body><p>王镕 䶮 2023年</p></body></html>'
    document = extract(page.encode("gb18030"))
    assert document.blocks[0].text == "王镕 䶮 2023年"


@pytest.mark.parametrize("line", ["- 2 -", "— 12 —", "第 2 页", "第2页 共10页", "3/10", "7"])
def test_page_numbers_are_recognised(line):
    assert PAGE_NUMBER.match(line)


@pytest.mark.parametrize("line", ["2023年", "一、总体情况", "第二十条第（一）项", "- 2 - 3"])
def test_text_is_not_a_page_number(line):
    assert not PAGE_NUMBER.match(line)


def test_generator_merges_header_labels_and_group_labels():
    rows = [
        ["分类", "", "申请人", ""],
        ["", "", "自然人", "法人"],
        ["一、新收", "", "1", "2"],
        ["三、结果", "(一) 公开", "3", "4"],
        ["", "(二) 不公开", "5", "6"],
        ["(六) 其他", "", "", ""],
    ]
    spans = infer_spans(rows)
    assert spans[(0, 0)] == Span(2, 2)
    assert spans[(0, 2)] == Span(1, 2)
    assert spans[(3, 0)] == Span(2, 1)
    assert (5, 0) not in spans, "a label over blank values is data, not a header"
    assert expanded_rows(rows, spans)[4][:2] == ["三、结果", "(二) 不公开"]


def test_content_type_is_taken_from_scrapy_style_headers():
    data = (FIRST / "gbk.html").read_bytes()
    document = extract(data, headers={b"Content-Type": [b"text/html; charset=GBK"]})
    assert document.method.endswith("(gb18030)") and document.warnings == []
