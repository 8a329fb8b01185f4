"""Table 3 — 收到和处理政府信息公开申请情况 → ``applications``.

A row is recognised by the words of its label (tolerant of typos and of the group
label being repeated in every row, as merged cells are expanded), its seven values by
where they stand: aligned under the header's 自然人…总计 columns where the header
says where those are, else the cells after the label with the padding trimmed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipelines.parse.cells import NOT_A_VALUE, agreed_reading, label, read_value
from pipelines.parse.keys import APPLICANT_COLUMNS

COLUMNS: tuple[str, ...] = tuple(column.key for column in APPLICANT_COLUMNS)
WIDTH = len(COLUMNS)

# Sub-item words, most specific first; each is unique to one row of the template.
_ITEM_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("denied_state_secret", ("国家秘密",)),
    ("denied_prohibited_by_law", ("禁止公开", "其他法律", "法规禁止")),
    ("denied_security_stability", ("安全一稳定", "三安全", "危及")),
    ("denied_third_party_rights", ("第三方",)),
    ("denied_internal_affairs", ("内部事务",)),
    ("denied_process_information", ("过程性",)),
    ("denied_enforcement_files", ("执法案卷",)),
    ("denied_administrative_query", ("查询事项", "行政查询")),
    ("unable_not_held", ("不掌握",)),
    ("unable_needs_creation", ("另行制作", "现成信息")),
    ("unable_unclear_request", ("仍不明确", "补正后")),
    ("not_processed_complaint", ("信访", "举报投诉")),
    ("not_processed_duplicate", ("重复申请",)),
    ("not_processed_publication", ("出版物",)),
    ("not_processed_excessive", ("大量反复", "反复申请")),
    ("not_processed_confirmation", ("重新出具", "确认或")),
    ("other_no_correction", ("不补正", "逾期不")),
    ("other_unpaid_fee", ("缴纳费用", "收费通知")),
    ("carried_forward", ("结转下年", "继续办理")),
    ("new_received", ("新收",)),
    ("carried_over", ("上年结转",)),
    ("granted", ("予以公开",)),
    ("partially_granted", ("部分公开",)),
)
_OTHER_MISC = re.compile(r"(?:^|\d\.?)其他$")
_GROUP = re.compile(r"\(([一二三四五六七])\)")
_HEADER_WORDS = ("申请人情况", "自然人", "商业企业", "科研机构", "法人或其他组织")
ROW_WORDS: tuple[str, ...] = tuple(w for _, words in _ITEM_WORDS for w in words) + (
    "本年度办理结果",
    "其他处理",
    "不予公开",
    "无法提供",
    "不予处理",
)


@dataclass
class ApplicationsTable:
    values: dict[str, dict[str, int | float | None]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    other_rows: int = 0  # rows under (六) that are 1./2./3. items (2021 template)
    other_single: bool = False  # one (六)其他处理 row (2019 template)
    header_seen: bool = False  # the 自然人 … 总计 header of the template

    @property
    def template(self) -> str | None:
        """The template the (六) rows follow: three rows 2021, one row 2019."""
        if self.other_rows >= 2:
            return "2021"
        return "2019" if self.other_single else None

    @property
    def templated(self) -> bool:
        """Printed on one of the templates (a pre-2019 free-form table is not)."""
        return self.header_seen and len(self.values) >= 10


def is_header_row(labels: list[str]) -> bool:
    return any(word in cell for cell in labels for word in _HEADER_WORDS)


def _cell_key(text: str, group: str | None) -> str | None:
    for key, words in _ITEM_WORDS:
        if any(word in text for word in words):
            return key
    if "总计" in text:
        return "total_processed"
    if _OTHER_MISC.search(text) and group == "六":
        return "other_misc"
    if "其他处理" in text:
        return "other_processing"
    return None


def _row_key(cells: list[str], group: str | None) -> tuple[str | None, str | None]:
    """The row key for the label cells of a row, and the group (一…七) it is in. The
    most specific (rightmost) label decides: merged group labels are repeated to its
    left, sometimes the wrong one where the source table is garbled."""
    groups = _GROUP.findall("".join(cells))
    if groups:
        group = groups[-1]
    for text in [*reversed(cells), "".join(cells)]:
        key = _cell_key(text, group)
        if key:
            return key, "六" if key.startswith("other_") else group
    return None, group


def _header_span(header_rows: list[list[str]]) -> tuple[int, int] | None:
    """Columns of 自然人 and 总计 where the header puts them six apart (总计 may be
    repeated over more columns, a merged cell expanded)."""
    first = next(
        (
            min(i for i, c in enumerate(row) if "自然人" in c)
            for row in header_rows
            if "自然人" in "".join(row)
        ),
        None,
    )
    if first is None:
        return None
    last = first + WIDTH - 1
    if any(last < len(row) and "总计" in row[last] for row in header_rows):
        return first, last
    return None


def _aligned(
    cells: list[str], last_label: int, span: tuple[int, int] | None
) -> tuple[list[str], bool] | None:
    """The cells under the header's seven columns, or — where a label stands in the
    first of them (text renderings put a sub-item label there and push the values
    right) — the seven cells after the label; with whether they were pushed right.
    None where values stand outside that window."""
    if span is None:
        return None
    start = max(span[0], last_label + 1)
    end = start + WIDTH
    if end > len(cells) + 1:
        return None
    window = cells[start:end] + [""] * (end - len(cells))
    outside = cells[last_label + 1 : start] + cells[end:]
    if any(cell.strip() for cell in outside):
        return None
    return window, start > span[0]


def _unmerged_label(
    raw: list[str], cells: list[str], last_label: int, span: tuple[int, int] | None
) -> tuple[list[str], int]:
    """A label merged over value columns (``（七）总计`` repeated from the label column into
    the 自然人…总计 columns, as Word HTML and PDF tables expand it): the columns it covers
    hold no value, so they are read as blank and the row as pushed right by its label,
    like the rows with sub-item labels. Other rows unchanged."""
    if span is None or last_label < span[0]:
        return raw, last_label
    first = last_label
    while first > 0 and cells[first - 1] == cells[last_label]:
        first -= 1
    if first == last_label:
        return raw, last_label
    return raw[: first + 1] + [""] * (last_label - first) + raw[last_label + 1 :], first


def _trimmed(region: list[str]) -> list[str]:
    """The cells after a label with padding blanks dropped: trailing ones first (rows
    padded to the table's width), then leading ones (a merged label's second cell)."""
    cells = list(region)
    while len(cells) > WIDTH and not cells[-1].strip():
        cells.pop()
    while len(cells) > WIDTH and not cells[0].strip():
        cells.pop(0)
    return cells


def _row_adds_up(reading: list) -> bool:
    return sum(reading[: WIDTH - 1]) == reading[-1]


def _numbers(window: list[str], key: str, warnings: list[str]) -> list:
    numbers = [read_value(cell).number for cell in window]
    if any(read_value(cell) is NOT_A_VALUE for cell in window):
        warnings.append(f"table 3 row {key}: text among the values, left null")
        return [None] * WIDTH
    if len(numbers) == WIDTH + 1:
        warnings.append(
            f"table 3 row {key}: {WIDTH + 1} values for {WIDTH} columns; "
            "kept only the columns every reading agrees on"
        )
        return agreed_reading(numbers, _row_adds_up) or [None] * WIDTH
    if len(numbers) != WIDTH:
        warnings.append(f"table 3 row {key}: {len(numbers)} values for {WIDTH} columns, left null")
        return [None] * WIDTH
    return numbers


def _six_and_no_total(numbers: list) -> bool:
    return numbers[-1] is None and None not in numbers[:-1]


def read_applications(rows: list[list[str]]) -> ApplicationsTable:
    """Rows of table 3 (header rows included, any rendering) → the table.

    A row pushed right by its label that shows six values and no total is ambiguous
    (a blank total, or any one value missing): it is read as the six applicant
    columns only where rows standing under the header show the table leaves 总计
    blank; otherwise it is left null. Either way with a warning."""
    table = ApplicationsTable()
    header_rows: list[list[str]] = []
    group: str | None = None
    pushed_without_total: list[str] = []
    blank_total_column = False
    for raw in rows:
        cells = [label(cell) for cell in raw]
        values = [read_value(cell) for cell in raw]
        label_indexes = [i for i, v in enumerate(values) if v is NOT_A_VALUE]
        labels = [cells[i] for i in label_indexes]
        if labels and is_header_row(labels):
            header_rows.append(cells)
            table.header_seen = table.header_seen or any("自然人" in c for c in labels)
            continue
        key, group = _row_key(labels, group)
        if key is None:
            continue
        if key in table.values:
            table.warnings.append(f"table 3 row {key} printed twice; the first kept")
            continue
        if key in ("other_no_correction", "other_unpaid_fee", "other_misc"):
            table.other_rows += 1
        elif key == "other_processing":
            table.other_single = True
        last_label = label_indexes[-1] if label_indexes else -1
        span = _header_span(header_rows)
        raw, last_label = _unmerged_label(raw, cells, last_label, span)
        window, pushed = _aligned(raw, last_label, span) or (
            _trimmed(raw[last_label + 1 :]),
            False,
        )
        numbers = _numbers(window, key, table.warnings)
        if _six_and_no_total(numbers):
            if pushed:
                pushed_without_total.append(key)
            else:
                blank_total_column = True
        table.values[key] = dict(zip(COLUMNS, numbers, strict=True))
    for key in pushed_without_total:
        if blank_total_column:
            table.warnings.append(
                f"table 3 row {key}: six values and no 总计, read as the six applicant "
                "columns as in the rows whose 总计 is blank"
            )
        else:
            table.values[key] = dict.fromkeys(COLUMNS)
            table.warnings.append(f"table 3 row {key}: 6 values for {WIDTH} columns, left null")
    return table
