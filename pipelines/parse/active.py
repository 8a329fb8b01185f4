"""Table 2 — 主动公开政府信息情况 → ``active_disclosure``.

The table is a run of blocks, each headed 第二十条第（X）项, then a header row naming
the measures (信息内容 | 本年制发件数 | …), then one row per item. Measures are read
from the header's labels; the block's items from the row labels, and by position only
where the labels are garbled and the block has exactly as many rows as items.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nianbao_common.keys import ACTIVE_DISCLOSURE_ITEMS, ACTIVE_DISCLOSURE_LAYOUT
from pipelines.parse.blocks import RowBlock
from pipelines.parse.cells import NOT_A_VALUE, label, read_value, yuan_to_10k
from pipelines.parse.glued import GluedRow, cuts
from pipelines.parse.warn import warning

CURRENT_ITEMS = "current_year_items"  # 本年项目数量, printed by some 2019-template reports
# OCR reads the bracket （ as 〈 or <.
_BLOCK = re.compile(r"第二十条第?[(〈<]?([一二三四五六七八九十]+)\)?项")

# (measure, words, template the words vote for); most specific first.
_MEASURES: tuple[tuple[str, tuple[str, ...], str | None], ...] = (
    ("issued", ("制发件数", "制发数"), "2021"),
    ("repealed", ("废止件数", "废止数"), "2021"),
    ("in_force", ("现行有效",), "2021"),
    ("new_made", ("新制作",), "2019"),
    ("new_published", ("新公开",), "2019"),
    ("total_published", ("公开总数",), "2019"),
    ("prior_year_items", ("上一年",), "2019"),
    # Not a key of the parsed form: read only for the active_disclosure.change check.
    (CURRENT_ITEMS, ("本年项目数", "当年项目数"), "2019"),
    ("change", ("增/减", "增减", "增(减)"), "2019"),
    ("decisions", ("本年处理决定",), "2021"),
    ("decisions", ("处理决定",), None),
    ("amount_10k_yuan", ("收费金额",), "2021"),
    ("amount_10k_yuan", ("采购总金额", "总金额"), "2019"),
    ("items", ("采购项目",), "2019"),
)
_ITEMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("normative_documents", ("规范性文件",)),
    ("regulations", ("规章",)),
    ("other_management_services", ("对外管理服务",)),
    ("administrative_licensing", ("行政许可",)),
    ("administrative_penalty", ("行政处罚",)),
    ("administrative_coercion", ("行政强制",)),
    ("administrative_fees", ("事业性收费", "行政收费")),
    ("centralized_procurement", ("集中采购", "政府采购")),
)
_BLOCK_ITEMS: dict[str, tuple[str, ...]] = {
    "一": ("regulations", "normative_documents"),
    "五": ("administrative_licensing", "other_management_services"),
    "六": ("administrative_penalty", "administrative_coercion"),
    "八": ("administrative_fees",),
    "九": ("centralized_procurement",),
}
_ITEM_ORDER = tuple(item.key for item in ACTIVE_DISCLOSURE_ITEMS)
_YUAN_HEADER = re.compile(r"(?<!万)元\)|单位:元")
ROW_WORDS: tuple[str, ...] = ("第二十条", "信息内容") + tuple(
    w for _, words in _ITEMS for w in words
)


@dataclass
class _Header:
    measures: list[str | None]  # per column
    yuan: list[bool]  # per column: the header says the amount is in 元


@dataclass
class _Row:
    label: str
    cells: list[str]  # the whole row, label included
    label_index: int
    grid: bool = True  # False: a text rendering, whose blank cells may have been closed up
    digits: str | None = None  # the run of digits of a row printed glued to its label


@dataclass
class _Block:
    name: str | None
    header: _Header | None = None
    rows: list[_Row] = field(default_factory=list)


@dataclass
class ActiveTable:
    values: dict[str, dict[str, int | float | None]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    votes: dict[str, int] = field(default_factory=dict)
    current_items: dict[str, int | float | None] = field(default_factory=dict)

    @property
    def template(self) -> str | None:
        if not self.votes:
            return None
        return max(self.votes, key=lambda t: (self.votes[t], t))


def _measure(cell: str) -> tuple[str | None, str | None]:
    for measure, words, template in _MEASURES:
        if any(word in cell for word in words):
            return measure, template
    return None, None


def flattened_header(text: str) -> list[str] | None:
    """A measure header printed as one line with spaces anywhere (``信息内容 本年 制发件数
    本年 废止件数 现行 有效件数``, a PDF or a flattened page) → its cells, cut where each
    measure's words begin, so that the n-th measure stands over the n-th value of the rows
    below (``规章 0 0 3``). None for a line naming no measure."""
    compact = label(text)
    matches = sorted(
        {(compact.find(w), -len(w)) for _, words, _ in _MEASURES for w in words if w in compact}
    )
    cuts: list[int] = []
    end = -1
    for start, negative_length in matches:
        if start >= end:
            cuts.append(start)
            end = start - negative_length
    if not cuts:
        return None
    cells = [compact[: cuts[0]]] + [
        compact[a:b] for a, b in zip(cuts, [*cuts[1:], None], strict=True)
    ]
    measures = [_measure(cell)[0] for cell in cells[1:]]
    return cells if None not in measures and len(set(measures)) == len(measures) else None


def item_of(cell: str) -> str | None:
    for item, words in _ITEMS:
        if any(word in cell for word in words):
            return item
    return None


def _scan(row_blocks: list[RowBlock], table: ActiveTable) -> list[_Block]:
    blocks = [_Block(None)]
    for raw, grid in ((row, block.grid) for block in row_blocks for row in block.rows):
        cells = [label(cell) for cell in raw]
        block = next((m[1] for c in cells if (m := _BLOCK.search(c))), None)
        if block:
            blocks.append(_Block(block))
            continue
        found = [_measure(cell) for cell in cells]
        if any(measure for measure, _ in found):
            for _, template in found:
                if template:
                    table.votes[template] = table.votes.get(template, 0) + 1
            yuan = [bool(_YUAN_HEADER.search(cell)) for cell in cells]
            if blocks[-1].header and blocks[-1].rows:
                # A second header under rows already read: a block whose 第二十条 line
                # was not recognised. Its header is not the earlier rows' header.
                blocks.append(_Block(None))
            blocks[-1].header = _Header([m for m, _ in found], yuan)
            continue
        first = next((c for c in cells if c), "")
        if first and read_value(first) is NOT_A_VALUE:
            digits = raw.digits if isinstance(raw, GluedRow) else None
            blocks[-1].rows.append(_Row(first, list(raw), cells.index(first), grid, digits))
    return blocks


def _assign_items(
    block: _Block, layouts: dict[str, tuple[str, ...]], table: ActiveTable
) -> list[tuple[str, _Row]]:
    """(item, row) for the rows of one block."""
    expected = tuple(
        item for item in _BLOCK_ITEMS.get(block.name or "", ()) if not layouts or item in layouts
    )
    labelled = [(item_of(row.label), row) for row in block.rows]
    if not expected:
        return [(item, row) for item, row in labelled if item]
    matched = [(item, row) for item, row in labelled if item in expected]
    if not matched and len(block.rows) == len(expected):
        names = "/".join(row.label for row in block.rows)
        table.warnings.append(
            warning(
                "t2_rows_by_position",
                f"table 2 block ({block.name}): rows labelled {names}, read by position",
            )
        )
        return list(zip(expected, block.rows, strict=True))
    for item, row in labelled:
        if item not in expected:
            table.warnings.append(
                warning(
                    "t2_row_out_of_block",
                    f"table 2 block ({block.name}): row {row.label} does not belong here, left out",
                )
            )
    return matched


def _column_measures(
    header: _Header, layout: tuple[str, ...], block: str | None, table: ActiveTable
) -> list[tuple[int, str]]:
    """(column, measure) pairs: each measure's first column; a column whose label
    repeats another's, standing where the layout has a measure the header lacks, is
    read as that measure (one reading), with a warning."""
    columns: list[tuple[int, str]] = []
    seen: set[str] = set()
    for index, measure in enumerate(header.measures):
        if measure and measure not in seen:
            columns.append((index, measure))
            seen.add(measure)
    missing = [m for m in layout if m not in seen]
    value_columns = [i for i, m in enumerate(header.measures) if m]
    if missing and len(value_columns) == len(layout):
        for position, index in enumerate(value_columns):
            measure = layout[position]
            if (
                measure in missing
                and header.measures[index] in seen
                and (index, header.measures[index]) not in columns
            ):
                columns.append((index, measure))
                table.warnings.append(
                    warning(
                        "t2_column_by_position",
                        f"table 2 block ({block}): column {index + 1} labelled like another, "
                        f"read by position as {measure}",
                    )
                )
    return sorted(columns)


def _read_cells(
    row: _Row, columns: list[tuple[int, str]], header: _Header, item: str, table: ActiveTable
) -> dict:
    values: dict[str, int | float | None] = {}
    for index, measure in columns:
        cell = row.cells[index] if index < len(row.cells) else ""
        value = read_value(cell)
        if value is NOT_A_VALUE:
            table.warnings.append(
                warning(
                    "t2_not_a_number",
                    f"table 2 {item}.{measure}: {cell!r} is not a number, left null",
                )
            )
            values[measure] = None
            continue
        number = value.number
        in_yuan = value.unit == "元" or (header.yuan[index] and not value.unit)
        if in_yuan and number is not None and measure == "amount_10k_yuan":
            number = yuan_to_10k(number)
            table.warnings.append(
                warning(
                    "t2_yuan_converted",
                    f"table 2 {item}.{measure}: {cell} printed in 元, converted to {number} 万元",
                )
            )
        values[measure] = number
    return values


def _closed_up(row: _Row, columns: list[tuple[int, str]]) -> bool:
    """A text row printing fewer values than the header has measures, every blank at its
    end: padding or a blank the rendering closed up, nothing says which (``规章 | 22 | 235 |``
    under three measures)."""
    if row.grid:
        return False
    cells = [row.cells[i] if i < len(row.cells) else "" for i, _ in columns]
    printed = [bool(cell.strip()) for cell in cells]
    count = sum(printed)
    return 0 < count < len(cells) and all(printed[:count])


def _glued_cells(row: _Row, columns: list[tuple[int, str]]) -> _Row | None:
    """A row printed as its label and one run of digits, with its digits cut into the
    measure columns where only one cut is possible — table 2 has no sums to choose by, and
    a blank cell prints no digit, so a cut into fewer cells (blanks elsewhere) counts as
    another: ``003`` is 0 0 3, ``125`` could be 1 2 5 or 12 · 5. None where not one."""
    digits = row.digits or ""
    if len(columns) == 1:
        if " " in digits:
            return None
        pieces = [digits]
    else:
        found = list(cuts(digits, len(columns)))
        fewer = any(True for parts in range(1, len(columns)) for _ in cuts(digits, parts))
        if len(found) != 1 or fewer:
            return None
        pieces = [str(number) for number in found[0]]
    cells = [row.label] + [""] * max(index for index, _ in columns)
    for (index, _), piece in zip(columns, pieces, strict=True):
        cells[index] = piece
    return _Row(row.label, cells, 0)


def _by_position(row: _Row, layout: tuple[str, ...]) -> dict | None:
    cells = row.cells[row.label_index + 1 :]
    while cells and not cells[-1].strip() and len(cells) > len(layout):
        cells.pop()
    if len(cells) != len(layout):
        return None
    return {measure: read_value(cell).number for measure, cell in zip(layout, cells, strict=True)}


def read_active(row_blocks: list[RowBlock], template: str | None) -> ActiveTable:
    """Rows of table 2 (block, header and item rows, any rendering) → the table.
    ``template`` is the document's, used where this table's own labels do not say."""
    table = ActiveTable()
    blocks = _scan(row_blocks, table)
    layouts = ACTIVE_DISCLOSURE_LAYOUT.get(table.template or template or "", {})
    for block in blocks:
        assigned = _assign_items(block, layouts, table)
        if block.header and assigned:
            layout = layouts.get(assigned[0][0], ())
            columns = _column_measures(block.header, layout, block.name, table)
        for item, row in assigned:
            if item in table.values:
                continue
            if block.header and row.digits is not None:
                glued = _glued_cells(row, columns)
                if glued is None:
                    table.warnings.append(
                        warning(
                            "glued_ambiguous",
                            f"table 2 {item}: digits {row.digits} run together, more than one "
                            f"way to cut them into {len(columns)} cells; left null",
                        )
                    )
                    glued = _Row(row.label, [row.label], 0)
                elif len(columns) > 1:
                    table.warnings.append(
                        warning(
                            "glued_decoded",
                            f"table 2 {item}: digits {row.digits} run together, one way to "
                            f"cut them into {len(columns)} cells",
                        )
                    )
                values = _read_cells(glued, columns, block.header, item, table)
            elif block.header and _closed_up(row, columns):
                table.warnings.append(
                    warning(
                        "t2_fewer_values",
                        f"table 2 {item}: {' | '.join(row.cells)} — fewer values than its "
                        f"{len(columns)} columns and no sign of which is blank; left null",
                    )
                )
                values = {measure: None for _, measure in columns}
            elif block.header:
                values = _read_cells(row, columns, block.header, item, table)
            else:
                values = _by_position(row, layouts.get(item, ()))
                if values is None:
                    table.warnings.append(
                        warning(
                            "t2_no_header_left_out",
                            f"table 2 {item}: no header and no single reading, left out",
                        )
                    )
                    continue
                table.warnings.append(
                    warning(
                        "t2_no_header_by_position",
                        f"table 2 {item}: no measure header, read by position",
                    )
                )
            if CURRENT_ITEMS in values:
                table.current_items[item] = values.pop(CURRENT_ITEMS)
            table.values[item] = values
    table.values = {k: table.values[k] for k in _ITEM_ORDER if k in table.values}
    return table
