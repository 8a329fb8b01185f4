"""Table 4 — 政府信息公开行政复议、行政诉讼情况 → ``review_litigation``.

The template prints one data row of 15 numbers: three groups (行政复议, 未经复议直接起诉,
复议后起诉) of five (结果维持, 结果纠正, 其他结果, 尚未审结, 总计), always in that order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nianbao_common.keys import REVIEW_COLUMNS, REVIEW_GROUPS
from pipelines.parse.cells import NOT_A_VALUE, agreed_reading, label, read_value

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


def _groups_add_up(reading: list) -> bool:
    size = len(MEASURES)
    groups = [reading[i : i + size] for i in range(0, len(reading), size)]
    return all(sum(group[:-1]) == group[-1] for group in groups)


def read_review(rows: list[list[str]]) -> ReviewTable:
    """Rows of table 4 (header rows included) → the table."""
    table = ReviewTable()
    numbers: list[int | float | None] = []
    for raw in rows:
        row = _row_numbers(raw)
        if row is not None:
            numbers.extend(row)
    if not numbers:
        return table
    if len(numbers) == WIDTH + 1:
        numbers = agreed_reading(numbers, _groups_add_up) or [None] * WIDTH
        table.warnings.append(
            f"table 4: {WIDTH + 1} values for {WIDTH} columns; "
            "kept only the columns every reading agrees on"
        )
    elif len(numbers) != WIDTH:
        table.warnings.append(f"table 4: {len(numbers)} values for {WIDTH} columns, left null")
        numbers = [None] * WIDTH
    for index, group in enumerate(GROUPS):
        part = numbers[index * len(MEASURES) : (index + 1) * len(MEASURES)]
        table.values[group] = dict(zip(MEASURES, part, strict=True))
    return table
