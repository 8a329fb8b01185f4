"""Renderings of the real-file layouts of issue 12 and 15, as golden fixtures.

Each layout seen in a real report (a Word-pasted HTML table whose header merges a column
over two grid columns, a WPS PDF's text layer in layout order, a conversion that split
or dropped table-4 cells, a table-2 row with a blank closed up, flattened page text with
the digits of neighbouring cells run together, a title wrapped inside full-width
brackets, a pre-2019 report with an old-style statistics table) is drawn here from a
known report — ``Truth``, numbers chosen so that the table's identities hold — and
written to ``tests/fixtures/reports/layout_<name>.*`` with its ``.expected.json`` (the
truth, with null where the rendering itself does not show a number's place) and a
``.source.txt`` saying what it is a rendering of. ``python -m tools.make_format_fixtures
--layouts`` writes them; ``tests/test_parse_layouts.py`` checks they are what this
module writes.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path

from nianbao_common.keys import APPLICANT_COLUMNS, REVIEW_COLUMNS, REVIEW_GROUPS

REPORTS_DIR = Path("tests/fixtures/reports")
COLUMNS = tuple(column.key for column in APPLICANT_COLUMNS)
GROUPS = tuple(group.key for group in REVIEW_GROUPS)
MEASURES = tuple(column.key for column in REVIEW_COLUMNS)

# Table 3 rows of the 2021 template: key, group label, item label.
ROWS_2021: tuple[tuple[str, str, str], ...] = (
    ("new_received", "", "一、本年新收政府信息公开申请数量"),
    ("carried_over", "", "二、上年结转政府信息公开申请数量"),
    ("granted", "三、本年度办理结果", "（一）予以公开"),
    (
        "partially_granted",
        "三、本年度办理结果",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    ),
    ("denied_state_secret", "（三）不予公开", "1.属于国家秘密"),
    ("denied_prohibited_by_law", "（三）不予公开", "2.其他法律行政法规禁止公开"),
    ("denied_security_stability", "（三）不予公开", "3.危及“三安全一稳定”"),
    ("denied_third_party_rights", "（三）不予公开", "4.保护第三方合法权益"),
    ("denied_internal_affairs", "（三）不予公开", "5.属于三类内部事务信息"),
    ("denied_process_information", "（三）不予公开", "6.属于四类过程性信息"),
    ("denied_enforcement_files", "（三）不予公开", "7.属于行政执法案卷"),
    ("denied_administrative_query", "（三）不予公开", "8.属于行政查询事项"),
    ("unable_not_held", "（四）无法提供", "1.本机关不掌握相关政府信息"),
    ("unable_needs_creation", "（四）无法提供", "2.没有现成信息需要另行制作"),
    ("unable_unclear_request", "（四）无法提供", "3.补正后申请内容仍不明确"),
    ("not_processed_complaint", "（五）不予处理", "1.信访举报投诉类申请"),
    ("not_processed_duplicate", "（五）不予处理", "2.重复申请"),
    ("not_processed_publication", "（五）不予处理", "3.要求提供公开出版物"),
    ("not_processed_excessive", "（五）不予处理", "4.无正当理由大量反复申请"),
    ("not_processed_confirmation", "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息"),
    (
        "other_no_correction",
        "（六）其他处理",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    ),
    (
        "other_unpaid_fee",
        "（六）其他处理",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    ),
    ("other_misc", "（六）其他处理", "3.其他"),
    ("other_processing", "", "（六）其他处理"),
    ("total_processed", "", "（七）总计"),
    ("carried_forward", "", "四、结转下年度继续办理"),
)
ROW_LABEL = {key: (group, item) for key, group, item in ROWS_2021}

Row = tuple[int | None, ...]


def _row(*numbers: int | None) -> Row:
    return tuple(numbers)


@dataclass
class Truth:
    """A report's title and numbers as the report printed them (None: a blank cell)."""

    agency: str
    year: int
    active: dict[str, dict[str, int | float | None]]
    applications: dict[str, Row]
    review: Row
    template: str | None = "2021"
    overview: str = "本机关认真贯彻落实《中华人民共和国政府信息公开条例》，持续推进政务公开工作。"
    extra: dict = field(default_factory=dict)  # further expected keys (warnings_contain …)

    @property
    def title(self) -> str:
        return f"{self.agency}{self.year}年政府信息公开工作年度报告"


def base_truth() -> Truth:
    """A 2021-template report whose numbers make every identity hold."""
    applications = {
        "new_received": _row(217, 1, 0, 0, 0, 0, 218),
        "carried_over": _row(5, 0, 0, 0, 0, 0, 5),
        "granted": _row(120, 1, 0, 0, 0, 0, 121),
        "partially_granted": _row(30, 0, 0, 0, 0, 0, 30),
        "denied_state_secret": _row(0, 0, 0, 0, 0, 0, 0),
        "denied_prohibited_by_law": _row(2, 0, 0, 0, 0, 0, 2),
        "denied_security_stability": _row(0, 0, 0, 0, 0, 0, 0),
        "denied_third_party_rights": _row(3, 0, 0, 0, 0, 0, 3),
        "denied_internal_affairs": _row(1, 0, 0, 0, 0, 0, 1),
        "denied_process_information": _row(4, 0, 0, 0, 0, 0, 4),
        "denied_enforcement_files": _row(0, 0, 0, 0, 0, 0, 0),
        "denied_administrative_query": _row(2, 0, 0, 0, 0, 0, 2),
        "unable_not_held": _row(25, 0, 0, 0, 0, 0, 25),
        "unable_needs_creation": _row(6, 0, 0, 0, 0, 0, 6),
        "unable_unclear_request": _row(3, 0, 0, 0, 0, 0, 3),
        "not_processed_complaint": _row(5, 0, 0, 0, 0, 0, 5),
        "not_processed_duplicate": _row(4, 0, 0, 0, 0, 0, 4),
        "not_processed_publication": _row(1, 0, 0, 0, 0, 0, 1),
        "not_processed_excessive": _row(0, 0, 0, 0, 0, 0, 0),
        "not_processed_confirmation": _row(2, 0, 0, 0, 0, 0, 2),
        "other_no_correction": _row(1, 0, 0, 0, 0, 0, 1),
        "other_unpaid_fee": _row(0, 0, 0, 0, 0, 0, 0),
        "other_misc": _row(1, 0, 0, 0, 0, 0, 1),
        "total_processed": _row(210, 1, 0, 0, 0, 0, 211),
        "carried_forward": _row(12, 0, 0, 0, 0, 0, 12),
    }
    return Truth(
        agency="某区市场监督管理局",
        year=2023,
        active={
            "regulations": {"issued": 0, "repealed": 0, "in_force": 3},
            "normative_documents": {"issued": 5, "repealed": 1, "in_force": 25},
            "administrative_licensing": {"decisions": 134},
            "administrative_penalty": {"decisions": 20},
            "administrative_coercion": {"decisions": 2},
            "administrative_fees": {"amount_10k_yuan": 1.5},
        },
        applications=applications,
        review=_row(3, 1, 0, 1, 5, 2, 0, 1, 0, 3, 1, 0, 0, 0, 1),
    )


def _printed(number: int | float | None) -> str:
    return "" if number is None else f"{number:g}" if isinstance(number, float) else str(number)


def expected_form(truth: Truth, *, left_blank: dict[str, str] | None = None) -> dict:
    """The parsed form the rendering must give: the truth, with the rows ``left_blank``
    names (``"review_litigation.administrative_review"``: why) null — printed, but the
    rendering does not show their numbers' places."""
    form = {
        "agency": truth.agency,
        "year": truth.year,
        "template": truth.template,
        "status": "complete",
        "is_report": True,
        "active_disclosure": copy.deepcopy(truth.active),
        "applications": {
            key: dict(zip(COLUMNS, row, strict=True)) for key, row in truth.applications.items()
        },
        "review_litigation": {
            group: dict(zip(MEASURES, truth.review[i * 5 : i * 5 + 5], strict=True))
            for i, group in enumerate(GROUPS)
        },
        "sections": {"overview": truth.overview[:20]},
    }
    for path in left_blank or {}:
        table, row = path.split(".")
        form[table][row] = dict.fromkeys(form[table][row])
    if left_blank:
        form["left_blank"] = left_blank
    form.update(truth.extra)
    return form


# --- text pieces ------------------------------------------------------------------------

_PROBLEMS = "五、存在的主要问题及改进情况"
_OTHER = "六、其他需要报告的事项"


def _active_lines(truth: Truth) -> list[list[str]]:
    """Table 2 of the 2021 template as rows of cells."""
    a = truth.active
    lines = [
        ["第二十条第（一）项"],
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
    ]
    for key, name in (("regulations", "规章"), ("normative_documents", "行政规范性文件")):
        lines.append([name, *(_printed(a[key][m]) for m in ("issued", "repealed", "in_force"))])
    lines += [["第二十条第（五）项"], ["信息内容", "本年处理决定数量"]]
    lines.append(["行政许可", _printed(a["administrative_licensing"]["decisions"])])
    lines += [["第二十条第（六）项"], ["信息内容", "本年处理决定数量"]]
    lines.append(["行政处罚", _printed(a["administrative_penalty"]["decisions"])])
    lines.append(["行政强制", _printed(a["administrative_coercion"]["decisions"])])
    lines += [["第二十条第（八）项"], ["信息内容", "本年收费金额（单位：万元）"]]
    lines.append(["行政事业性收费", _printed(a["administrative_fees"]["amount_10k_yuan"])])
    return lines


_REVIEW_HEADER = [
    ["行政复议", "行政诉讼"],
    ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"],
    ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2,
]
_APPLICATIONS_HEADER_TEXT = [
    "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） 申请人情况",
    "自然人 法人或其他组织 总计",
    "商业企业 科研机构 社会公益组织 法律服务机构 其他",
]


def _opening(truth: Truth) -> list[str]:
    return [
        truth.title,
        "一、总体情况",
        f"{truth.year}年，{truth.overview}",
        "二、主动公开政府信息情况",
    ]


def _closing() -> list[str]:
    return [_PROBLEMS, "一是公开内容有待进一步丰富。", _OTHER, "本年度未收取信息处理费。"]


def _row_label(key: str) -> str:
    group, item = ROW_LABEL[key]
    return f"{group} {item}".strip()


# --- 1. Word-pasted HTML, a column label merged over two grid columns ---------------------


def _td(text: str, colspan: int = 1, rowspan: int = 1) -> str:
    spans = (f" colspan={colspan}" if colspan > 1 else "") + (
        f" rowspan={rowspan}" if rowspan > 1 else ""
    )
    inner = text or "&nbsp;"
    return (
        f"<td{spans} valign=top style='border:solid windowtext 1.0pt'><p class=MsoNormal "
        f"align=center><span style='font-size:10.0pt'>{inner}</span></p></td>"
    )


def colspan_header_html(truth: Truth, split_rows: frozenset[str]) -> str:
    """Table 3 as Word pastes it when 商业企业's header cell spans two grid columns: the data
    rows print one cell spanning both (expanded: the number twice) or — rows in
    ``split_rows`` — two cells, the number in the second and the first blank, so the row
    shows eight cells for seven columns."""
    head = [
        "<tr>" + _td("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3)
        + _td("申请人情况", 8) + "</tr>",
        "<tr>" + _td("自然人", 1, 2) + _td("法人或其他组织", 6) + _td("总计", 1, 2) + "</tr>",
        "<tr>" + _td("商业企业", 2) + "".join(
            _td(name) for name in ("科研机构", "社会公益组织", "法律服务机构", "其他")
        ) + "</tr>",
    ]  # fmt: skip
    body = []
    groups_seen: set[str] = set()
    for key, row in truth.applications.items():
        group, item = ROW_LABEL[key]
        cells = []
        if group and group.startswith("（") and key != "other_processing":
            if group not in groups_seen:
                size = sum(ROW_LABEL[k][0] == group for k in truth.applications)
                cells.append(_td(group, 1, size))
                groups_seen.add(group)
            cells.append(_td(item, 2))
        elif group:
            if group not in groups_seen:
                size = sum(ROW_LABEL[k][0] == group for k in truth.applications)
                size += sum(ROW_LABEL[k][0].startswith("（") for k in truth.applications)
                cells.append(_td(group, 1, size))
                groups_seen.add(group)
            cells.append(_td(item, 2))
        else:
            cells.append(_td(item, 3))
        values = [_printed(number) for number in row]
        cells.append(_td(values[0]))
        if key in split_rows:
            cells += [_td(""), _td(values[1])]
        else:
            cells.append(_td(values[1], 2))
        cells += [_td(value) for value in values[2:]]
        body.append("<tr>" + "".join(cells) + "</tr>")
    table3 = "<table class=MsoNormalTable border=1 cellspacing=0>" + "\n".join(head + body)
    table3 += "</table>"

    def plain(rows: list[list[str]]) -> str:
        return (
            "<table border=1>"
            + "".join("<tr>" + "".join(_td(c) for c in row) + "</tr>" for row in rows)
            + "</table>"
        )

    review_rows = [*_REVIEW_HEADER, [_printed(n) for n in truth.review]]
    parts = [f"<p class=MsoNormal>{line}</p>" for line in _opening(truth)]
    parts.append(plain(_active_lines(truth)))
    parts.append("<p class=MsoNormal>三、收到和处理政府信息公开申请情况</p>")
    parts.append(table3)
    parts.append("<p class=MsoNormal>四、政府信息公开行政复议、行政诉讼情况</p>")
    parts.append(plain(review_rows))
    parts += [f"<p class=MsoNormal>{line}</p>" for line in _closing()]
    content = "\n".join(parts)
    return f"""<!DOCTYPE html>
<html>
<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{truth.title}</title></head>
<body>
<div class="position">当前位置：<a href="/">首页</a> &gt; 政府信息公开年报</div>
<div class="TRS_Editor"><div class=WordSection1>
{content}
</div></div>
</body>
</html>
"""


# --- 2. a WPS PDF's text layer in layout order ------------------------------------------


def _numbers_line(row: Row) -> str:
    return " ".join(_printed(n) for n in row)


def wps_text_layer_lines(truth: Truth, *, second_copy: Row | None = None) -> list[str]:
    """Table 3 as the text layer of a WPS-made PDF gives it, line by line: each merged
    group label printed once, in the middle of its rows (（三）不予公开 after its row 4);
    三、本年度办理结果 floating in the middle of the outcomes; a long label wrapped over two
    lines with its numbers on the third; the table broken over a page after
    4.保护第三方合法权益, which the next page prints again (with ``second_copy``'s numbers
    where given: a row seen twice, differently)."""
    lines = ["三、收到和处理政府信息公开申请情况", *_APPLICATIONS_HEADER_TEXT]
    keys = list(truth.applications)
    outcomes = [k for k in keys if ROW_LABEL[k][0] or k == "other_processing"]
    middle = outcomes[len(outcomes) // 2]
    group_rows: dict[str, list[str]] = {}
    for key in keys:
        group = ROW_LABEL[key][0]
        if group.startswith("（"):
            group_rows.setdefault(group, []).append(key)
    for key in keys:
        group, item = ROW_LABEL[key]
        if key == middle:
            lines.append("三、本年度办理结果")
        numbers = _numbers_line(truth.applications[key])
        if key == "partially_granted":
            lines += ["（二）部分公开（区分处理的，只计这一情形，", "不计其他情形）", numbers]
        elif key == "denied_third_party_rights":
            # the last row of the page, printed again at the top of the next one
            lines.append(f"{item} {numbers}")
            lines.append(f"{item} {_numbers_line(second_copy or truth.applications[key])}")
        else:
            lines.append(f"{item} {numbers}")
        members = group_rows.get(group, [])
        if members and key == members[(len(members) - 1) // 2]:
            lines.append(group)
    return lines


def wps_document(truth: Truth, *, second_copy: Row | None = None) -> dict:
    """The whole report as the PDF extractor's Document (``.doc.json``): paragraphs in the
    text layer's order, tables 2 and 4 ruled (read as grids)."""
    blocks = [{"kind": "paragraph", "text": line} for line in _opening(truth)]
    width = 4
    blocks.append(
        {
            "kind": "table",
            "rows": [row + [""] * (width - len(row)) for row in _active_lines(truth)],
            "grid": True,
        }
    )
    blocks += [
        {"kind": "paragraph", "text": line}
        for line in wps_text_layer_lines(truth, second_copy=second_copy)
    ]
    blocks.append({"kind": "paragraph", "text": "四、政府信息公开行政复议、行政诉讼情况"})
    review_rows = [*_REVIEW_HEADER, [_printed(n) for n in truth.review]]
    blocks.append(
        {
            "kind": "table",
            "rows": [row + [""] * (15 - len(row)) for row in review_rows],
            "grid": True,
        }
    )
    blocks += [{"kind": "paragraph", "text": line} for line in _closing()]
    return {"blocks": blocks, "title": None, "method": "pdf:pdfplumber", "warnings": []}


_FONT = "STSong-Light"
_PAGE_WIDTH, _PAGE_HEIGHT = 595.27, 841.89
_LEFT, _RIGHT = 60.0, 535.0
_VALUE_X = 300.0  # the first value column of a table row; 28 pt between columns


def _text_layer_lines(truth: Truth) -> list[tuple[str, list[str]]]:
    """The report as a WPS PDF without ruling lines lays it out: (label, values) per line;
    a prose line fills the measure."""
    prose = f"{truth.year}年，{truth.overview}" * 2
    lines: list[tuple[str, list[str]]] = [(truth.title, []), ("一、总体情况", [])]
    lines += [(prose[i : i + 47], []) for i in range(0, len(prose), 47)]
    lines.append(("二、主动公开政府信息情况", []))
    for row in _active_lines(truth):
        is_label = row[0].startswith(("第二十条", "信息内容"))
        lines.append((" ".join(row), []) if is_label else (row[0], row[1:]))
    for line in wps_text_layer_lines(truth):
        words = line.split()
        values = [w for w in words if w.isdigit()]
        label = " ".join(w for w in words if not w.isdigit())
        lines.append((label, values))
    lines.append(("四、政府信息公开行政复议、行政诉讼情况", []))
    lines += [(" ".join(row), []) for row in _REVIEW_HEADER]
    lines.append(("", [_printed(n) for n in truth.review]))
    lines += [(line, []) for line in _closing()]
    return lines


def wps_text_layer_pdf(truth: Truth) -> bytes:
    """The report as a PDF whose tables have no ruling lines (their text is read line by
    line): labels at the left, each value in its column, the second copy of
    4.保护第三方合法权益 at the top of page 2, page numbers in the bottom margin.
    Reproducible: reportlab's invariant mode."""
    import io

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if _FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_FONT))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(_PAGE_WIDTH, _PAGE_HEIGHT), invariant=1)
    pdf.setTitle(truth.title)
    page, y = 1, _PAGE_HEIGHT - 80
    repeated = "4.保护第三方合法权益"
    seen_repeat = False
    for label, values in _text_layer_lines(truth):
        if label == repeated and seen_repeat or y < 90:
            pdf.setFont(_FONT, 9)
            pdf.drawCentredString(_PAGE_WIDTH / 2, 40, f"- {page} -")
            pdf.showPage()
            page, y = page + 1, _PAGE_HEIGHT - 80
        seen_repeat = seen_repeat or label == repeated
        pdf.setFont(_FONT, 10)
        if label and not values and len(label) >= 47:
            pdf.drawString(_LEFT, y, label)
            pdf.setFont(_FONT, 10)
        elif label:
            pdf.drawString(_LEFT, y, label)
        for column, value in enumerate(values):
            pdf.drawRightString(_VALUE_X + 28 * column + 12, y, value)
        y -= 16
    pdf.setFont(_FONT, 9)
    pdf.drawCentredString(_PAGE_WIDTH / 2, 40, f"- {page} -")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


# --- 3., 4. Markdown conversions: table 4 cells split or closed up, a table-2 blank lost ---


def _pipe(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def markdown_report(
    truth: Truth,
    *,
    review_cells: list[str] | None = None,
    active_rows: dict[str, list[str]] | None = None,
) -> str:
    """The report as a PDF-to-Markdown conversion prints it: every table as pipe rows.
    ``review_cells`` replaces table 4's data row (a conversion that split or dropped
    cells), ``active_rows`` replaces table-2 rows (cells after the label, as printed)."""
    lines = [f"# {truth.title}", "", *(f"{line}\n" for line in _opening(truth)[1:])]
    for row in _active_lines(truth):
        cells = (active_rows or {}).get(row[0], row[1:])
        lines.append(_pipe([row[0], *cells]))
    lines += ["", "三、收到和处理政府信息公开申请情况", ""]
    lines.append(
        _pipe(
            ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"]
        )
    )
    lines.append(
        _pipe(
            ["", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
        )
    )
    for key, row in truth.applications.items():
        lines.append(_pipe([_row_label(key), *(_printed(n) for n in row)]))
    lines += ["", "四、政府信息公开行政复议、行政诉讼情况", ""]
    lines += [_pipe(row) for row in _REVIEW_HEADER]
    lines.append(_pipe(review_cells or [_printed(n) for n in truth.review]))
    lines += ["", *(f"{line}\n" for line in _closing())]
    return "\n".join(lines)


# --- 5. flattened page text, the digits of neighbouring cells run together ---------------


def glued_report(truth: Truth) -> str:
    """The report's page text with its tables run together: each table row one line, its
    cells' text glued (a blank cell prints nothing)."""
    lines = _opening(truth)
    for row in _active_lines(truth):
        lines.append("".join(row))
    lines.append("三、收到和处理政府信息公开申请情况")
    lines += [line.replace(" ", "") for line in _APPLICATIONS_HEADER_TEXT]
    for key, row in truth.applications.items():
        lines.append(_row_label(key).replace(" ", "") + "".join(_printed(n) for n in row))
    lines.append("四、政府信息公开行政复议、行政诉讼情况")
    lines += ["".join(row) for row in _REVIEW_HEADER]
    lines.append("".join(_printed(n) for n in truth.review))
    lines += _closing()
    return "\n".join(lines) + "\n"


# --- 6. a title wrapped inside full-width brackets; a county name as printed -----------


def wrapped_title_report(first_line: str, second_line: str, body: str) -> str:
    return "\n".join(
        [first_line, second_line, body, "一、总体情况", "本机关持续推进政务公开工作。", _PROBLEMS,
         "一是公开内容有待进一步丰富。", _OTHER, "无。"]
    ) + "\n"  # fmt: skip


# --- 7. a report on a year before the templates, with a template-like table left blank ---


def blank_template_table_report(truth: Truth) -> str:
    """A report on 2018 whose statistics table carries the 2019 template's labels with
    every cell blank (the shape a parser reading labels alone calls template 2019)."""
    lines = [
        truth.title,
        "一、概述",
        f"{truth.year}年，{truth.overview}",
        "二、主动公开政府信息情况",
    ]
    lines += [
        "| 第二十条第（一）项 | | | |",
        "| 信息内容 | 本年新制作数量 | 本年新公开数量 | 对外公开总数量 |",
        "| 规章 | | | |",
        "| 规范性文件 | | | |",
        "",
        "三、收到和处理政府信息公开申请情况",
        "",
        _pipe(
            ["", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
        ),
    ]
    for key in truth.applications:
        lines.append(_pipe([_row_label(key), *[""] * 7]))
    lines += ["", "四、政府信息公开行政复议、行政诉讼情况", "", *(_pipe(r) for r in _REVIEW_HEADER)]
    lines += [_pipe([""] * 15), "", *_closing()]
    return "\n".join(lines) + "\n"


# --- the fixtures -----------------------------------------------------------------------


@dataclass
class Fixture:
    name: str  # layout_<name>.*
    layout: str  # the layout group bench/parse_eval reports it under
    suffix: str  # html, md, txt, doc.json, pdf
    content: str | bytes
    expected: dict
    shape: str  # what the rendering shows, for the .source.txt


def _variant(source: Truth, agency: str, *warnings: str, **fields) -> Truth:
    """A copy of ``source`` under another agency, whose parse must warn ``warnings``."""
    truth = copy.deepcopy(source)
    truth.agency = agency
    truth.extra = {"warnings_contain": list(warnings)}
    for name, value in fields.items():
        setattr(truth, name, value)
    return truth


def fixtures() -> list[Fixture]:
    found: list[Fixture] = []
    # 1 — colspan header
    truth = base_truth()
    split = frozenset({"new_received", "granted", "total_processed"})
    found.append(
        Fixture(
            "colspan_header", "colspan header (Word HTML)", "html",
            colspan_header_html(truth, split), expected_form(truth),
            "Word-pasted HTML whose table-3 header cell 商业企业 spans two grid columns "
            "(colspan=2): data rows print one cell over both, or two cells (a blank and the "
            "number), i.e. eight cells for seven columns (issue 12 layout 1; issue 15's 2021 "
            "report).",
        )
    )  # fmt: skip
    # 2 — WPS text layer; (六) as one row inside a 2021 table
    wps = base_truth()
    wps.agency = "某县自然资源局"
    other = [sum(n) for n in zip(*(wps.applications.pop(k) for k in (
        "other_no_correction", "other_unpaid_fee", "other_misc")), strict=True)]  # fmt: skip
    rows = list(wps.applications.items())
    at = [k for k, _ in rows].index("total_processed")
    rows.insert(at, ("other_processing", tuple(other)))
    wps.applications = dict(rows)
    wps.extra = {"warnings_contain": ["mixed_template"]}
    found.append(
        Fixture(
            "wps_text_layer", "WPS PDF text layer", "doc.json",
            json.dumps(wps_document(wps), ensure_ascii=False, indent=1),
            expected_form(wps),
            "the Document a WPS-made PDF gives when table 3 has no ruling lines: its text "
            "layer line by line in layout order — （三）不予公开 printed after row 4 of its "
            "group, 三、本年度办理结果 floating in the middle, a label wrapped over two lines "
            "with its numbers on the third, the page broken after 4.保护第三方合法权益 which "
            "the next page prints again, （六）其他处理 as one row (2019 style) in a 2021 "
            "table (issue 12 layout 2).",
        )
    )  # fmt: skip
    as_pdf = _variant(wps, "某县农业农村局", "mixed_template", "t3_row_twice")
    found.append(
        Fixture(
            "wps_text_layer_pdf", "WPS PDF text layer", "pdf", wps_text_layer_pdf(as_pdf),
            expected_form(as_pdf),
            "the same report as a PDF whose tables have no ruling lines, read through the PDF "
            "extractor: the text layer gives table 3 line by line in layout order, and joins "
            "the rows that reach the right edge of a page into one paragraph.",
        )
    )  # fmt: skip
    differing = _variant(wps, "某县水利局", "t3_row_twice_by_arithmetic")
    found.append(
        Fixture(
            "wps_row_twice_differing", "WPS PDF text layer", "doc.json",
            json.dumps(wps_document(differing, second_copy=(2, 1, 0, 0, 0, 0, 3)),
                       ensure_ascii=False, indent=1),
            expected_form(differing),
            "as layout_wps_text_layer, the row printed again at the top of the next page "
            "with other numbers (2 1 0 0 0 0 3 against 3 0 0 0 0 0 3): only the first copy "
            "lets the columns add up to （七）总计.",
        )
    )  # fmt: skip
    undecided = _variant(wps, "某县林业局", "t3_row_twice_undecided")
    undecided.applications["total_processed"] = (211, 1, 0, 0, 0, 0, 212)
    undecided.extra["checks"] = [{"rule": "applications.balance", "ok": False}]
    found.append(
        Fixture(
            "wps_row_twice_undecided", "WPS PDF text layer", "doc.json",
            json.dumps(wps_document(undecided, second_copy=(4, 0, 0, 0, 0, 0, 4)),
                       ensure_ascii=False, indent=1),
            expected_form(undecided, left_blank={
                "applications.denied_third_party_rights":
                    "printed twice (3 … 3, 4 … 4); no identity of the table tells which"}),
            "as layout_wps_text_layer, the row printed twice differently (3 … 3 and "
            "4 … 4) in a report whose own 总计 (211, 212) breaks the balance whichever copy "
            "is right: no identity tells the copies apart, the row is null.",
        )
    )  # fmt: skip
    # 3 — table 4 with cells split, closed up, or one value only
    split_review = _variant(
        base_truth(), "某市司法局", "t4_aligned_by_arithmetic",
        review=_row(12, 3, 0, 1, 16, 10, 0, 0, 0, 10, 1, 0, 0, 0, 1),
    )  # fmt: skip
    found.append(
        Fixture(
            "review_split_cells", "table 4 value count (Markdown)", "md",
            markdown_report(split_review, review_cells=[
                "1", "2", "3", "0", "1", "1", "6", "1", "0", "0", "0", "0", "10", "1", "0",
                "0", "0", "1"]),
            expected_form(split_review, left_blank={
                "review_litigation.administrative_review":
                    "1 2 3 0 1 1 6 adds up as 12 3 0 1 16 and as 1 2 3 0 6"}),
            "a PDF-to-Markdown conversion of table 4 that split three cells into their "
            "digits (12 → 1 | 2, 16 → 1 | 6, 10 → 1 | 0): 18 values for 15 columns "
            "(issue 12 layout 3). The two 行政诉讼 groups add up in one alignment only; "
            "行政复议 in two (12 3 0 1 16, or 1 2 3 0 6 with two stray 1s): it stays null.",
        )
    )  # fmt: skip
    total_split = _variant(
        base_truth(), "某市民政局", "t4_aligned_by_arithmetic",
        review=_row(9, 3, 0, 1, 13, 2, 0, 1, 0, 3, 1, 0, 0, 0, 1),
    )  # fmt: skip
    found.append(
        Fixture(
            "review_split_total", "table 4 value count (Markdown)", "md",
            markdown_report(total_split, review_cells=[
                "9", "3", "0", "1", "1", "3", "2", "0", "1", "0", "3", "1", "0", "0", "0",
                "1"]),
            expected_form(total_split),
            "a conversion that split 行政复议's 总计 13 into 1 | 3: 16 values for 15 columns, "
            "one alignment in which every group adds up (issue 12 layout 3).",
        )
    )  # fmt: skip
    closed = _variant(
        base_truth(), "某市审计局", "t4_aligned_by_arithmetic",
        review=_row(3, 1, None, 1, 5, 2, 0, 1, 0, 3, 1, 0, 0, 0, 1),
    )  # fmt: skip
    found.append(
        Fixture(
            "review_cell_closed_up", "table 4 value count (Markdown)", "md",
            markdown_report(closed, review_cells=[
                _printed(n) for n in closed.review if n is not None]),
            expected_form(closed, left_blank={
                "review_litigation.administrative_review":
                    "a blank closed up: it may stand in any of the five cells"}),
            "a conversion that dropped table 4's one blank cell (行政复议 其他结果): 14 values "
            "for 15 columns; the blank can stand anywhere in 行政复议, whose cells stay null, "
            "the two 行政诉讼 groups add up only where they are (issue 12 layout 3).",
        )
    )  # fmt: skip
    one = _variant(base_truth(), "某市统计局", "t4_value_count")
    found.append(
        Fixture(
            "review_one_value", "table 4 value count (Markdown)", "md",
            markdown_report(one, review_cells=["5"]),
            {**expected_form(one, left_blank={
                f"review_litigation.{group}": "one value (5) for 15 cells" for group in GROUPS}),
             "status": "partial"},
            "table 4's data row converted to a single value (5) for 15 columns: no place "
            "for it can be told, the table is null (issue 12 layout 3, fewer values).",
        )
    )  # fmt: skip
    # 4 — two numbers in a three-column table-2 row
    two = _variant(base_truth(), "某市交通运输局", "t2_fewer_values")
    found.append(
        Fixture(
            "active_two_numbers", "table 2 blank closed up (Markdown)", "md",
            markdown_report(two, active_rows={"规章": ["22", "235"]}),
            expected_form(two, left_blank={
                "active_disclosure.regulations": "22 and 235 under three measures"}),
            "a conversion that printed `规章 | 22 | 235 |` under the three measures 本年制发件数 "
            "本年废止件数 现行有效件数: one blank was closed up and nothing tells which "
            "(issue 12 layout 4). Expected: null, never by position.",
        )
    )  # fmt: skip
    # 5 — digits glued
    glued = _variant(base_truth(), "某区卫生健康委员会", "glued_decoded", "glued_ambiguous")
    found.append(
        Fixture(
            "glued_digits", "flattened text, digits glued", "txt",
            glued_report(glued),
            expected_form(glued, left_blank={
                "active_disclosure.normative_documents": "5125 cuts as 5 1 25, 5 12 5, 51 2 5"}),
            "the report's page text with its tables run together and the digits of "
            "neighbouring cells glued (一、本年新收政府信息公开申请数量21710000218). Table 3 "
            "and 4 have one cut that makes every identity hold; 行政规范性文件5125 (5 1 25) "
            "has three cuts and nothing to choose between them, so it stays null "
            "(issue 12 layout 5).",
        )
    )  # fmt: skip
    # 6 — titles
    found.append(
        Fixture(
            "title_wrapped_brackets", "agency names", "txt",
            wrapped_title_report(
                "上海市科学技术委员会（市科委）2024年政府信息公开工作年", "度报告",
                "本报告根据《中华人民共和国政府信息公开条例》编制。"),
            {"agency": "上海市科学技术委员会(市科委)", "year": 2024, "is_report": True},
            "a title printed over two lines, broken inside 年度报告, with the agency's short "
            "name in full-width brackets (issue 12 layout 6; the real title is quoted in the "
            "issue).",
        )
    )  # fmt: skip
    found.append(
        Fixture(
            "county_name_as_printed", "agency names", "txt",
            wrapped_title_report(
                "洪泽区人民政府2023年政府信息公开工作年度报告", "",
                "本报告由淮安市洪泽区人民政府办公室根据《中华人民共和国政府信息公开条例》编制。"),
            {"agency": "洪泽区人民政府", "year": 2023, "is_report": True},
            "a county report titled 洪泽区人民政府… whose body says 淮安市洪泽区: the agency "
            "is kept as the title prints it (issue 12 layout 6).",
        )
    )  # fmt: skip
    # 7 — a 2018 report with a template-like table left blank
    old = _variant(base_truth(), "某县人民政府办公室", "pre2019_tables_not_read", year=2018)
    found.append(
        Fixture(
            "pre2019_blank_template_table", "pre-2019 reports", "md",
            blank_template_table_report(old),
            {"agency": old.agency, "year": 2018, "template": None, "status": "pre2019",
             "is_report": True, "active_disclosure": {}, "applications": {},
             "review_litigation": {}, "sections": {"overview": old.overview[:20]},
             **old.extra},
            "a report on 2018 whose statistics table carries the labels of the 2019 template "
            "with every cell blank (issue 15 item 3: such reports came out template 2019, "
            "status complete, all statistics blank).",
        )
    )  # fmt: skip
    return found


def source_text(fixture: Fixture) -> str:
    return (
        f"A generated rendering, not a real report: tools/layout_fixtures.py writes it "
        f"(python -m tools.make_format_fixtures --layouts).\nShape: {fixture.shape}\n"
        "The numbers are the module's Truth, chosen so that the table's identities hold; the "
        "expected form is that truth, with null where the rendering does not show a "
        "number's place.\n"
    )


def write_layout_fixtures(directory: Path = REPORTS_DIR) -> list[Path]:
    written = []
    for fixture in fixtures():
        stem = directory / f"layout_{fixture.name}"
        files: dict[str, str | bytes] = {
            f"{stem}.{fixture.suffix}": fixture.content,
            f"{stem}.expected.json": json.dumps(
                {"layout": fixture.layout, **fixture.expected}, ensure_ascii=False, indent=1
            )
            + "\n",
            f"{stem}.source.txt": source_text(fixture),
        }
        for path, content in files.items():
            if isinstance(content, bytes):
                Path(path).write_bytes(content)
            else:
                Path(path).write_text(content, encoding="utf-8")
            written.append(Path(path))
    return written
