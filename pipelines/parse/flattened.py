"""Page text with its headings and table rows run together.

Mirrors and archives keep a report's page as its text, headings, paragraphs and every
table cell run together on one line (``…一、总体情况2021年，我区…三、收到和处理政府信息公开
申请情况（本列数据…）…一、本年新收政府信息公开申请数量640020470二、上年结转…``); a PDF's
text layer joins a table's rows into one paragraph where they reach its right edge. Such
a line is cut back into lines where the template's own words begin: a section heading (a
line of its own) where the line names two, or where a table row runs into it; inside
sections 二 and 三 the labels of the table's blocks and rows, each starting the line that
holds its numbers — every label after a heading of the same line, else where a line names
two labels or more. Any other line is left whole.
"""

from __future__ import annotations

import re

_SECTION = re.compile(
    r"[一二三四五六][、.．](?:总体情况|主动公开政府信息情况|收到和处理政府信息公开申请情况"
    r"|政府信息公开行政复议、?行政诉讼情况|存在的主要问题及改进情况|其他需要报告的事项)"
)
_TABLE2_LABEL = re.compile(
    r"第二十条第[（(][一二三四五六七八九十]+[)）]项|信息内容|行政规范性文件|规范性文件|规章"
    r"|行政许可|其他对外管理服务事项|行政处罚|行政强制|行政事业性收费|政府集中采购"
)
_TABLE3_LABEL = re.compile(
    r"[（(]本列数据|[一二四][、.．](?:本年新收|上年结转|结转下年度)|三[、.．]本年度办理结果"
    r"|[（(][一二三四五六七][)）](?:予以公开|部分公开|不予公开|无法提供|不予处理|其他处理|总计)"
    r"|\d[.．、](?:属于|其他法律|危及|保护第三方|本机关不掌握|没有现成|补正后|信访|重复申请"
    r"|要求提供|无正当理由|要求行政机关|申请人无正当|申请人逾期|其他(?=\s*\d))"
)
# The labels of the table of a section, by the numeral of its heading and by its key.
_LABELS = {"二": _TABLE2_LABEL, "三": _TABLE3_LABEL}
_LABELS_OF_SECTION = {"active_disclosure": _TABLE2_LABEL, "applications": _TABLE3_LABEL}
_ENDS_IN_A_NUMBER = re.compile(r"\d\s*$")


def _cut(text: str, starts: list[int]) -> list[str]:
    pieces = [text[a:b] for a, b in zip([0, *starts], [*starts, len(text)], strict=True)]
    return [piece.strip() for piece in pieces if piece.strip()]


def _rows(body: str, labels: re.Pattern[str] | None, least: int) -> list[str]:
    if not body.strip():
        return []
    starts = [m.start() for m in labels.finditer(body)] if labels else []
    return _cut(body, starts) if len(starts) >= least else [body]


def split_run_together(text: str, section: str | None = None) -> list[str]:
    """``text`` as the lines its run-together headings and table rows began; ``[text]``
    for an ordinary paragraph. ``section``: the key of the section the text stands in."""
    headings = list(_SECTION.finditer(text))
    cuts = [
        h.start()
        for h in headings
        if len(headings) >= 2 or _ENDS_IN_A_NUMBER.search(text[: h.start()])
    ]
    lines: list[str] = []
    for piece in _cut(text, cuts):
        heading = _SECTION.match(piece) if cuts else None
        if heading:
            lines.append(heading[0])
            lines += _rows(piece[heading.end() :], _LABELS.get(heading[0][0]), least=1)
        else:
            lines += _rows(piece, _LABELS_OF_SECTION.get(section or ""), least=2)
    return lines
