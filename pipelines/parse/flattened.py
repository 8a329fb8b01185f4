"""Page text with its headings and table rows run together into one line.

Mirrors and archives keep a report's page as its text, headings, paragraphs and every
table cell run together (``…一、总体情况2021年，我区…三、收到和处理政府信息公开申请情况
（本列数据…）…一、本年新收政府信息公开申请数量640020470二、上年结转…``). Such a line is cut
back into lines where the template's own words begin: the six section headings (a line of
their own), and inside section 二 and 三 the labels of the table's blocks and rows, each
starting the line that holds its numbers. A line naming fewer than two section headings
is left whole.
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
_LABELS_OF_SECTION = {"二": _TABLE2_LABEL, "三": _TABLE3_LABEL}


def _cut(text: str, starts: list[int]) -> list[str]:
    pieces = [text[a:b] for a, b in zip([0, *starts], [*starts, len(text)], strict=True)]
    return [piece.strip() for piece in pieces if piece.strip()]


def split_run_together(text: str) -> list[str]:
    """``text`` as the lines its run-together headings and table rows began; ``[text]``
    for an ordinary paragraph."""
    headings = list(_SECTION.finditer(text))
    if len(headings) < 2:
        return [text]
    lines = _cut(text, [h.start() for h in headings])
    result: list[str] = []
    for line in lines:
        heading = _SECTION.match(line)
        if not heading:
            result.append(line)
            continue
        result.append(heading[0])
        body = line[heading.end() :]
        labels = _LABELS_OF_SECTION.get(heading[0][0])
        starts = [m.start() for m in labels.finditer(body)] if labels else []
        result += _cut(body, starts)
    return result
