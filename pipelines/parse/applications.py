"""Table 3 — 收到和处理政府信息公开申请情况 → ``applications``.

A row is recognised by the words of its label (tolerant of typos and of the group
label being repeated in every row, as merged cells are expanded), its seven values by
where they stand. In a grid (a table extracted with its cells) every cell keeps its
column: the seven columns are those that hold the printed cells of the row and of the
rows beside it, so a blank cell — left blank, or unreadable after OCR — stays in its
place; where the header is not seven adjacent columns (a Word table whose 商业企业 spans
two grid columns), each value is read under its column label's grid columns. A text
rendering may have lost cells: its values are read under the header's 自然人…总计
columns, else after the label with the padding trimmed, and only where that agrees with
the columns the rows beside it fix. A label printed on a line of its own is held for the
line of bare numbers below it; a row printed twice is kept once where the copies agree,
else the copy the table's arithmetic accepts, else null; rows printed as a label and a
run of digits are cut where exactly one cut of them all makes the table hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from nianbao_common.keys import APPLICANT_COLUMNS
from pipelines.parse.align import agreed_cells, parts_add_up, readings
from pipelines.parse.blocks import RowBlock
from pipelines.parse.cells import NOT_A_VALUE, label, read_value
from pipelines.parse.checks import table3_findings
from pipelines.parse.glued import GluedRow, decode
from pipelines.parse.warn import warning

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
    other_single: bool = False  # one (六)其他处理 row (2019 template)
    header_seen: bool = False  # the 自然人 … 总计 header of the template
    glued: dict[str, str] = field(default_factory=dict)  # row key → its run of digits
    other_keys: set[str] = field(default_factory=set)  # (六) 1./2./3. rows seen (2021)

    def note_other_row(self, key: str) -> None:
        """Count the (六) rows seen, for the template they follow."""
        if key in ("other_no_correction", "other_unpaid_fee", "other_misc"):
            self.other_keys.add(key)
        elif key == "other_processing":
            self.other_single = True

    @property
    def template(self) -> str | None:
        """The template the (六) rows follow: three rows 2021, one row 2019."""
        if len(self.other_keys) >= 2:
            return "2021"
        return "2019" if self.other_single else None

    @property
    def templated(self) -> bool:
        """Printed on one of the templates (a pre-2019 free-form table is not)."""
        return self.header_seen and len(self.values) >= 10


def names_a_row(text: str) -> bool:
    """The text names a row or a group of rows of table 3 (``3.其他`` included, a row
    under (六) wherever it is printed)."""
    compact = label(text)
    return (
        any(word in compact for word in ROW_WORDS)
        or "总计" in compact
        or _OTHER_MISC.search(compact) is not None
    )


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


_COLUMN_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("natural_person", ("自然人",)),
    ("commercial_enterprise", ("商业企业",)),
    ("research_institution", ("科研机构",)),
    ("social_welfare_org", ("社会公益",)),
    ("legal_service_org", ("法律服务",)),
    ("total", ("总计", "合计")),
)


def _column_key(cell: str) -> str | None:
    if cell == "其他":
        return "other_org"
    return next((key for key, words in _COLUMN_WORDS if any(w in cell for w in words)), None)


def header_columns(header_rows: list[list[str]]) -> dict[str, list[int]] | None:
    """The grid columns under each of the header's seven column labels — a label merged
    over two grid columns (a Word table's ``colspan=2`` under 商业企业) covers both —
    named by the lowest header row that names a column there; None where the header does
    not name the seven in their order, each over adjacent columns."""
    width = max((len(row) for row in header_rows), default=0)
    columns: dict[str, list[int]] = {}
    for column in range(width):
        named = (_column_key(row[column]) for row in reversed(header_rows) if column < len(row))
        key = next((key for key in named if key), None)
        if key:
            columns.setdefault(key, []).append(column)
    if list(columns) != list(COLUMNS):
        return None
    if any(cols != list(range(cols[0], cols[-1] + 1)) for cols in columns.values()):
        return None
    return columns


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


def _numbers(window: list[str], key: str, warnings: list[str]) -> list:
    numbers = [read_value(cell).number for cell in window]
    if any(read_value(cell) is NOT_A_VALUE for cell in window):
        warnings.append(
            warning("t3_text_in_values", f"table 3 row {key}: text among the values, left null")
        )
        return [None] * WIDTH
    if len(numbers) == WIDTH + 1:
        warnings.append(
            warning(
                "t3_extra_value",
                f"table 3 row {key}: {WIDTH + 1} values for {WIDTH} columns; "
                "kept only the columns every reading agrees on",
            )
        )
        agreed = agreed_cells(readings(numbers, WIDTH), lambda r: parts_add_up(r, WIDTH))
        return agreed or [None] * WIDTH
    if len(numbers) != WIDTH:
        warnings.append(
            warning(
                "t3_value_count",
                f"table 3 row {key}: {len(numbers)} values for {WIDTH} columns, left null",
            )
        )
        return [None] * WIDTH
    return numbers


def _six_and_no_total(numbers: list) -> bool:
    return numbers[-1] is None and None not in numbers[:-1]


@dataclass
class _Row:
    key: str
    cells: list[str]  # as printed, a label merged over value columns blanked
    start: int  # the first column after the label
    span: tuple[int, int] | None  # the header's 自然人 and 总计 columns, where known
    block: int
    grid: bool
    # A grid block's header columns, where the header's 自然人…总计 are not seven adjacent
    # grid columns (a column label merged over two).
    columns: dict[str, list[int]] | None = None

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


def _is_label_line(raw: list[str], labels: list[str], grid: bool) -> bool:
    """A line of a text rendering holding a label and nothing else: a group label printed
    between its rows (PDF text in layout order), a floating 三、本年度办理结果, or the first
    line(s) of a label wrapped above its numbers."""
    return not grid and bool(labels) and len(labels) == len(raw)


def _scan(blocks: list[RowBlock], table: ApplicationsTable) -> list[_Row]:
    """The data rows of table 3 with their keys, in order, a row printed twice kept twice
    (``_resolved`` decides); header rows are collected for the columns they name. A label
    printed on lines of its own is held for a line of bare numbers below it."""
    found: list[_Row] = []
    header_rows: list[list[str]] = []
    block_headers: dict[int, list[list[str]]] = {}
    pending: list[str] = []
    group: str | None = None
    for number, block in enumerate(blocks):
        for raw in block.rows:
            if isinstance(raw, GluedRow):
                key, group = _row_key([label(raw[0])], group)
                if key:
                    table.note_other_row(key)
                    table.glued.setdefault(key, raw.digits)
                continue
            cells = [label(cell) for cell in raw]
            values = [read_value(cell) for cell in raw]
            label_indexes = [i for i, v in enumerate(values) if v is NOT_A_VALUE]
            labels = [cells[i] for i in label_indexes]
            if labels and is_header_row(labels):
                header_rows.append(cells)
                block_headers.setdefault(number, []).append(cells)
                table.header_seen = table.header_seen or any("自然人" in c for c in labels)
                pending = []
                continue
            if _is_label_line(raw, labels, block.grid):
                _, group = _row_key(labels, group)
                pending.extend(labels)
                continue
            if not labels:
                if not any(value.number is not None for value in values):
                    continue
                labels, pending = pending, []
                key, group = _row_key(labels, group)
                if key is None:
                    table.warnings.append(
                        warning(
                            "t3_values_without_label",
                            f"table 3: values {' '.join(raw)} with no row label above them "
                            f"({' '.join(labels) or 'none'}), left out",
                        )
                    )
                    continue
            pending = []
            key, group = _row_key(labels, group)
            if key is None:
                continue
            table.note_other_row(key)
            span = _header_span(header_rows)
            unmerged, last_label = _unmerged_label(
                raw, cells, label_indexes[-1] if label_indexes else -1, span
            )
            columns = None
            if block.grid and span is None:
                columns = header_columns(block_headers.get(number, []))
            found.append(_Row(key, unmerged, last_label + 1, span, number, block.grid, columns))
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


def _under_header_columns(row: _Row, warnings: list[str]) -> list[str] | None:
    """A grid row's cells for the seven columns where the header merges a column label
    over two grid columns: each column's value is what its grid columns print (a copy of a
    merged cell, or one printed cell beside a blank); two different numbers under one
    label are left blank with a warning. None where a printed cell stands under no label."""
    columns = row.columns or {}
    covered = {column for cols in columns.values() for column in cols}
    if min(covered) < row.start or any(index not in covered for index in row.occupied):
        return None
    window = []
    for key in COLUMNS:
        printed = {row.cells[c].strip() for c in columns[key] if row.cells[c].strip()}
        if len(printed) > 1:
            warnings.append(
                warning(
                    "t3_cells_disagree",
                    f"table 3 row {row.key}.{key}: {' and '.join(sorted(printed))} "
                    "under one column label, left null",
                )
            )
        window.append(printed.pop() if len(printed) == 1 else "")
    return window


def _resolved(rows: list[_Row], numbers_of: list[list], warnings: list[str]) -> dict[str, list]:
    """One reading per row key. A row printed twice (a table broken over a page, a row
    repeated by the text layer) is kept once where the copies agree; where they differ,
    the one copy with which the table's identities (balance, outcomes, row totals) hold,
    as far as they can be computed, and fail with the other; else the row is null."""
    copies: dict[str, list[list]] = {}
    for row, numbers in zip(rows, numbers_of, strict=True):
        if numbers not in copies.setdefault(row.key, []):
            copies[row.key].append(numbers)
    resolved = {key: found[0] for key, found in copies.items() if len(found) == 1}
    printed = [row.key for row in rows]
    for key in dict.fromkeys(k for k in printed if printed.count(k) > 1):
        if key in resolved:
            warnings.append(
                warning("t3_row_twice", f"table 3 row {key} printed twice, the same; kept once")
            )
    for key, found in copies.items():
        if len(found) == 1:
            continue
        table = {k: dict(zip(COLUMNS, v, strict=True)) for k, v in resolved.items()}
        accepted = []
        for numbers in found:
            findings = table3_findings({**table, key: dict(zip(COLUMNS, numbers, strict=True))})
            if findings and all(finding["ok"] for finding in findings):
                accepted.append(numbers)
        shown = " / ".join(" ".join(str(n) for n in numbers) for numbers in found)
        if len(accepted) == 1:
            resolved[key] = accepted[0]
            warnings.append(
                warning(
                    "t3_row_twice_by_arithmetic",
                    f"table 3 row {key} printed twice, differently ({shown}); kept the "
                    "copy with which the table adds up",
                )
            )
        else:
            resolved[key] = [None] * WIDTH
            warnings.append(
                warning(
                    "t3_row_twice_undecided",
                    f"table 3 row {key} printed twice, differently ({shown}); left null",
                )
            )
    return resolved


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
        under_columns = _under_header_columns(row, table.warnings) if row.columns else None
        if under_columns is not None:
            window, pushed = under_columns, False
        elif row.grid:
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
                    warning(
                        "t3_ambiguous_place",
                        f"table 3 row {row.key}: its values fit the columns of the rows "
                        "beside it and another place; left null",
                    )
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
                warning(
                    "t3_six_values_blank_total",
                    f"table 3 row {key}: six values and no 总计, read as the six applicant "
                    "columns as in the rows whose 总计 is blank",
                )
            )
        else:
            numbers_of[index] = [None] * WIDTH
            table.warnings.append(
                warning(
                    "t3_unplaced_values",
                    f"table 3 row {key}: {len(rows[index].occupied)} values for {WIDTH} "
                    "columns, more than one place they can stand, left null",
                )
            )
    for key, numbers in _resolved(rows, numbers_of, table.warnings).items():
        table.values[key] = dict(zip(COLUMNS, numbers, strict=True))
    _decode_glued(table)
    return table


def _decode_glued(table: ApplicationsTable) -> None:
    """Rows printed as a label and one run of digits (see ``glued``), cut into the seven
    columns where exactly one cut of all of them makes the table's identities hold."""
    runs = {key: digits for key, digits in table.glued.items() if key not in table.values}
    if not runs:
        return

    def holds(cut: dict[str, tuple[int, ...]]) -> bool:
        rows = {key: dict(zip(COLUMNS, numbers, strict=True)) for key, numbers in cut.items()}
        findings = table3_findings({**table.values, **rows})
        return bool(findings) and all(finding["ok"] for finding in findings)

    decoded = decode(runs, WIDTH, lambda cut: parts_add_up(cut, WIDTH), holds)
    names = ", ".join(runs)
    if decoded is None:
        table.warnings.append(
            warning(
                "glued_ambiguous",
                f"table 3 rows {names}: digits run together, no single way to cut them "
                "with which the table adds up; left null",
            )
        )
    else:
        table.warnings.append(
            warning(
                "glued_decoded",
                f"table 3 rows {names}: digits run together, cut the one way with which "
                "the table adds up",
            )
        )
    for key in runs:
        numbers = decoded[key] if decoded else (None,) * WIDTH
        table.values[key] = dict(zip(COLUMNS, numbers, strict=True))
