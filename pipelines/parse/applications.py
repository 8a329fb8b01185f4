"""Table 3 — 收到和处理政府信息公开申请情况 → ``applications``.

A row is recognised by the words of its label (tolerant of typos and of the group
label being repeated in every row, as merged cells are expanded), its seven values by
where they stand. In a grid (a table extracted with its cells) every cell keeps its
column: the seven columns are those that hold the printed cells of the row and of the
rows beside it, so a blank cell — left blank, or unreadable after OCR — stays in its
place. A text rendering may have lost cells: its values are read under the header's
自然人…总计 columns, else after the label with the padding trimmed, and only where that
agrees with the columns the rows beside it fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from nianbao_common.keys import APPLICANT_COLUMNS
from pipelines.parse.cells import NOT_A_VALUE, agreed_reading, label, read_value

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


@dataclass
class RowBlock:
    """The rows of table 3 that one table block (or one flattened line) holds. ``grid``:
    the block's cells keep their columns, blank cells included (a table extracted from
    HTML, PDF, DOCX or a scan), so a blank is a position, never padding to close up."""

    rows: list[list[str]]
    grid: bool = False


@dataclass
class _Row:
    key: str
    cells: list[str]  # as printed, a label merged over value columns blanked
    start: int  # the first column after the label
    span: tuple[int, int] | None  # the header's 自然人 and 总计 columns, where known
    block: int
    grid: bool

    @cached_property
    def occupied(self) -> list[int]:
        """Columns after the label with something printed in them."""
        return [i for i in range(self.start, len(self.cells)) if self.cells[i].strip()]

    @cached_property
    def windows(self) -> frozenset[int]:
        """First columns of the seven-column windows that hold every printed cell, none
        of them left of the header's 自然人 column where a window can start there (the
        header's own label cell covers the columns to its left)."""
        occupied = self.occupied
        fitting = {
            first
            for first in range(self.start, len(self.cells) - WIDTH + 1)
            if not occupied or first <= occupied[0] and occupied[-1] < first + WIDTH
        }
        under_header = {first for first in fitting if self.span and first >= self.span[0]}
        return frozenset(under_header or fitting)


def _scan(blocks: list[RowBlock], table: ApplicationsTable) -> list[_Row]:
    """The data rows of table 3 with their keys, in order; header rows are collected
    for the columns they name, a row printed twice is kept once."""
    found: list[_Row] = []
    header_rows: list[list[str]] = []
    group: str | None = None
    for number, block in enumerate(blocks):
        for raw in block.rows:
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
            if any(row.key == key for row in found):
                table.warnings.append(f"table 3 row {key} printed twice; the first kept")
                continue
            if key in ("other_no_correction", "other_unpaid_fee", "other_misc"):
                table.other_rows += 1
            elif key == "other_processing":
                table.other_single = True
            span = _header_span(header_rows)
            unmerged, last_label = _unmerged_label(
                raw, cells, label_indexes[-1] if label_indexes else -1, span
            )
            found.append(_Row(key, unmerged, last_label + 1, span, number, block.grid))
    return found


def _aligned_to_header(rows: list[_Row]) -> bool:
    """Every row of a block stands left of the header's 自然人 column with its cells under
    the header's seven columns: the header says where each value is."""
    span = rows[0].span
    if span is None:
        return False
    return all(
        row.start <= span[0] and all(span[0] <= i < span[0] + WIDTH for i in row.occupied)
        for row in rows
    )


def _value_columns(rows: list[_Row]) -> list[int | None]:
    """For each row, the first of its seven value columns, or None where the cells do not
    fix it. Rows of one block whose labels end in the same column share their value
    columns: where a row's blanks (left blank, or unreadable after OCR) leave it more than
    one place, the others fix it. Then, where the whole block stands under the header,
    the header's columns; else the distance from the label at which every row whose
    place is fixed starts its values (a grid drawn from a rendering that had lost the
    header's columns: values follow each label at one distance)."""
    shapes: dict[tuple[int, int], frozenset[int]] = {}
    blocks: dict[int, list[_Row]] = {}
    for row in rows:
        shape = (row.block, row.start)
        shapes[shape] = shapes.get(shape, row.windows) & row.windows
        blocks.setdefault(row.block, []).append(row)
    gaps: dict[int, set[int]] = {}
    for (block, start), windows in shapes.items():
        if len(windows) == 1:
            gaps.setdefault(block, set()).add(next(iter(windows)) - start)
    firsts: list[int | None] = []
    for row in rows:
        shared = shapes[(row.block, row.start)]
        gap = gaps.get(row.block, set())
        if len(shared) == 1:
            firsts.append(next(iter(shared)))
        elif len(row.windows) == 1:
            firsts.append(next(iter(row.windows)))
        elif row.span and row.span[0] in row.windows and _aligned_to_header(blocks[row.block]):
            firsts.append(row.span[0])
        elif len(gap) == 1 and row.start + next(iter(gap)) in shared:
            firsts.append(row.start + next(iter(gap)))
        else:
            firsts.append(None)
    return firsts


def _text_window(row: _Row) -> tuple[list[str], bool]:
    """A text rendering's cells for the seven columns: under the header where the header
    says where they are, else the cells after the label with the padding trimmed; with
    whether the label pushed them right."""
    last_label = row.start - 1
    return _aligned(row.cells, last_label, row.span) or (_trimmed(row.cells[row.start :]), False)


def _grid_window(row: _Row, first: int | None) -> list[str] | None:
    """A grid row's cells for the seven columns: from ``first`` where its window is fixed;
    blank for a row with nothing printed; the printed run for a row with more values
    than columns (read as ``_numbers`` reads an extra value); None where the values fit
    more than one place."""
    occupied = row.occupied
    if first is not None:
        return row.cells[first : first + WIDTH]
    if not occupied:
        return [""] * WIDTH
    if row.windows:
        return None
    return row.cells[occupied[0] : occupied[-1] + 1]


def _six_in_a_row(row: _Row) -> list[str] | None:
    """The six applicant cells and a blank total of a grid row that prints six values
    side by side, or None."""
    occupied = row.occupied
    if len(occupied) != WIDTH - 1 or occupied[-1] - occupied[0] != WIDTH - 2:
        return None
    return [row.cells[i] for i in occupied] + [""]


def read_applications(blocks: list[RowBlock], blanks_printed: bool = True) -> ApplicationsTable:
    """Table 3's rows (header rows included, any rendering), block by block → the table.

    In a grid a cell keeps its column: a blank is a blank cell, never closed up (see
    ``_value_columns``). A text rendering may have lost cells, so its values are taken
    under the header, or after the label with padding trimmed. A row that shows six
    values and no total where more than one reading is possible (a blank total, or any
    one value missing) is read as the six applicant columns only where rows whose place
    is fixed show that the table leaves 总计 blank — which a scan cannot show
    (``blanks_printed`` False: a blank there may be a cell OCR could not read); otherwise
    it is left null. Either way with a warning."""
    table = ApplicationsTable()
    rows = _scan(blocks, table)
    firsts = _value_columns(rows)
    numbers_of: list[list] = []
    unplaced: list[int] = []
    blank_total_column = False
    for index, row in enumerate(rows):
        if row.grid:
            window = _grid_window(row, firsts[index])
            pushed = window is None
            if pushed:
                window = _six_in_a_row(row)
        else:
            window, pushed = _text_window(row)
            first = firsts[index]
            if first is not None and window != row.cells[first : first + WIDTH]:
                # Read after its label, the row's values would stand in other columns
                # than the rows beside it fix: two readings.
                table.warnings.append(
                    f"table 3 row {row.key}: its values fit the columns of the rows beside "
                    "it and another place; left null"
                )
                window, pushed = [""] * WIDTH, False
        numbers = _numbers(window, row.key, table.warnings) if window else [None] * WIDTH
        six_and_no_total = _six_and_no_total(numbers)
        if pushed and (row.grid or six_and_no_total):
            unplaced.append(index)
        elif not pushed and blanks_printed and six_and_no_total:
            blank_total_column = True
        numbers_of.append(numbers)
    for index in unplaced:
        key = rows[index].key
        if _six_and_no_total(numbers_of[index]) and blank_total_column:
            table.warnings.append(
                f"table 3 row {key}: six values and no 总计, read as the six applicant "
                "columns as in the rows whose 总计 is blank"
            )
        else:
            numbers_of[index] = [None] * WIDTH
            table.warnings.append(
                f"table 3 row {key}: {len(rows[index].occupied)} values for {WIDTH} columns, "
                "more than one place they can stand, left null"
            )
    for row, numbers in zip(rows, numbers_of, strict=True):
        table.values[row.key] = dict(zip(COLUMNS, numbers, strict=True))
    return table
