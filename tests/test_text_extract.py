from pathlib import Path

from pipelines.extract.document import Paragraph, Table
from pipelines.extract.text import extract_text_document

SEEDS = Path(__file__).parent / "fixtures" / "seeds"


def _tables(doc):
    return [b for b in doc.blocks if isinstance(b, Table)]


def test_tab_lines_become_one_padded_table():
    doc = extract_text_document("标题\n\na\tb\tc\nd\te\n\n后文\n")
    assert doc.method == "text"
    assert [type(b) for b in doc.blocks] == [Paragraph, Table, Paragraph]
    assert doc.blocks[1].rows == [["a", "b", "c"], ["d", "e", ""]]


def test_tab_table_goes_on_across_a_blank_line():
    doc = extract_text_document("a\t1\n\nb\t2\n")
    assert _tables(doc)[0].rows == [["a", "1"], ["b", "2"]]


def test_one_cell_per_line_rows_end_at_blank_lines_and_keep_empty_cells():
    text = "\t信息内容\n\t本年新\n制作数量\n\n\t规章\n\t\n\t0\n\n\n正文\n"
    doc = extract_text_document(text)
    assert _tables(doc)[0].rows == [["信息内容", "本年新\n制作数量", ""], ["规章", "", "0"]]
    assert doc.blocks[-1] == Paragraph("正文")


def test_markdown_pipe_table_and_heading_markup():
    text = "#### 四、情况\n\n| 行政复议 | 总计 |\n|---|:--:|\n| **0** | 1 |\n\n**一、总体情况**\n"
    doc = extract_text_document(text)
    assert doc.blocks[0] == Paragraph("四、情况")
    assert _tables(doc)[0].rows == [["行政复议", "总计"], ["0", "1"]]
    assert doc.blocks[-1] == Paragraph("一、总体情况")


def test_seed_003_docx_export_gives_three_tables_of_equal_width_rows():
    doc = extract_text_document((SEEDS / "003_070690aef0575d3b.txt").read_text())
    tables = _tables(doc)
    assert len(tables) == 3
    for table in tables:
        assert len({len(row) for row in table.rows}) == 1
    assert tables[0].rows[6][:4] == ["行政许可", "28", "增12", "40"]
    assert tables[2].rows[-1][:15] == ["0"] * 15


def test_pipe_rows_without_a_leading_pipe_are_rows():
    doc = extract_text_document(
        "标题\n第二十条第(一)项 |\n信息内容 | 本年制发件数 |\n规章 | 0 |\n后文\n"
    )
    assert _tables(doc)[0].rows == [
        ["第二十条第(一)项", ""],
        ["信息内容", "本年制发件数"],
        ["规章", "0"],
    ]
    assert doc.blocks[-1] == Paragraph("后文")


def test_one_pipe_cell_per_line_is_cut_into_rows_at_labels_and_the_padded_width():
    text = "\n".join(
        ["第二十条第(一)项 |", "|||", "信息内容 |", "本年制发件数 |", "本年废止件数 |"]
        + ["现行有效件数 |", "规章 |", "/ |", "0 |", "3 |", "行政许可 |", "0 |", "||"]
    )
    assert _tables(extract_text_document(text))[0].rows == [
        ["第二十条第(一)项", "", "", ""],
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "/", "0", "3"],
        ["行政许可", "0", "", ""],
    ]


def test_pipe_cells_with_interior_blanks_keep_their_positions():
    text = "\n".join(["一、本年新收政府信息公开申请数量 |"] + ["|"] * 6 + ["0 |", "||"])
    rows = _tables(extract_text_document(text))[0].rows
    assert rows == [["一、本年新收政府信息公开申请数量", "", "", "", "", "", "", "0", "", ""]]
