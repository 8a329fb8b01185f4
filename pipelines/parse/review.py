"""Table 4 — 政府信息公开行政复议、行政诉讼情况 → ``review_litigation``.

The template prints one data row of 15 numbers: three groups (行政复议, 未经复议直接起诉,
复议后起诉) of five (结果维持, 结果纠正, 其他结果, 尚未审结, 总计), always in that order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nianbao_common.keys import REVIEW_COLUMNS, REVIEW_GROUPS
from pipelines.parse.align import agreed_cells, parts_add_up, readings
from pipelines.parse.cells import NOT_A_VALUE, label, read_value
from pipelines.parse.glued import GluedRow, decode
from pipelines.parse.warn import warning

GROUPS: tuple[str, ...] = tuple(group.key for group in REVIEW_GROUPS)
MEASURES: tuple[str, ...] = tuple(column.key for column in REVIEW_COLUMNS)
WIDTH = len(GROUPS) * len(MEASURES)
HEADER_WORDS = ("复议", "诉讼", "维持", "纠正", "审结", "起诉")


@dataclass
class ReviewTable:
    values: dict[str, dict[str, int | float | None]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _row_numbers(raw: list[str]) -> list[int | float | None] | None:
    """The values of a data row (cells after any label, padding trimmed), or None
    for a row that is a header."""
    values = [read_value(cell) for cell in raw]
    labelled = [i for i, v in enumerate(values) if v is NOT_A_VALUE]
    numbers = any(v.number is not None for v in values)
    # A header row names the groups; a data row may carry a group name as its label
    # (行政复议 2 0 0 0 2 …), so only a row without numbers is a header.
    if not numbers and any(word in label(raw[i]) for i in labelled for word in HEADER_WORDS):
        return None
    region = values[labelled[-1] + 1 :] if labelled else values
    while region and region[-1].number is None and len(region) > WIDTH:
        region.pop()
    while region and region[0].number is None and len(region) > WIDTH:
        region.pop(0)
    if not any(v.number is not None for v in region):
        return None
    return [v.number for v in region]


def _placed(numbers: list[int | float | None], warnings: list[str]) -> list[int | float | None]:
    """The 15 cells of a data row printed with more or fewer values: the cells every
    alignment in which each group's 总计 is the sum of its four results agrees on (see
    ``align``), null where they differ or none holds."""
    if len(numbers) == WIDTH:
        return numbers
    size = len(MEASURES)
    placed = agreed_cells(
        readings(numbers, WIDTH, joins=True), lambda reading: parts_add_up(reading, size)
    )
    if placed is None:
        warnings.append(
            warning(
                "t4_value_count",
                f"table 4: {len(numbers)} values for {WIDTH} columns, no alignment in which "
                "the groups add up, left null",
            )
        )
        return [None] * WIDTH
    nulls = [f"{GROUPS[i // size]}.{MEASURES[i % size]}" for i, v in enumerate(placed) if v is None]
    warnings.append(
        warning(
            "t4_aligned_by_arithmetic",
            f"table 4: {len(numbers)} values for {WIDTH} columns; kept only the cells every "
            "alignment in which the groups add up agrees on"
            + (f" (left null: {', '.join(nulls)})" if nulls else ""),
        )
    )
    return placed


def _unglued(digits: str, warnings: list[str]) -> list[int | float | None]:
    """The data row printed as one run of digits: its one cut into 15 numbers with which
    each group adds up, else null (see ``glued``)."""
    size = len(MEASURES)
    cut = decode({"row": digits}, WIDTH, lambda c: parts_add_up(c, size), lambda _: True)
    if cut is None:
        warnings.append(
            warning(
                "glued_ambiguous",
                f"table 4: digits {digits} run together, no single way to cut them into "
                f"{WIDTH} cells with which the groups add up; left null",
            )
        )
        return [None] * WIDTH
    warnings.append(
        warning(
            "glued_decoded",
            f"table 4: digits {digits} run together, cut the one way with which the groups add up",
        )
    )
    return list(cut["row"])


def read_review(rows: list[list[str]]) -> ReviewTable:
    """Rows of table 4 (header rows included) → the table."""
    table = ReviewTable()
    numbers: list[int | float | None] = []
    for raw in rows:
        if isinstance(raw, GluedRow):
            numbers.extend(_unglued(raw.digits, table.warnings))
            continue
        row = _row_numbers(raw)
        if row is not None:
            numbers.extend(row)
    if not numbers:
        return table
    numbers = _placed(numbers, table.warnings)
    for index, group in enumerate(GROUPS):
        part = numbers[index * len(MEASURES) : (index + 1) * len(MEASURES)]
        table.values[group] = dict(zip(MEASURES, part, strict=True))
    return table
