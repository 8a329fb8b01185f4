"""A table continued on the next page is joined to its first part even when the scan or
the converter shifted its borders by a few points."""

from pipelines.extract.document import Table
from pipelines.extract.layout import Page, PositionedTable, pages_to_blocks

HEADER = ["项目", "自然人", "总计"]


def page_with(table: PositionedTable) -> Page:
    return Page(width=600, height=800, lines=[], tables=[table])


def table_at(left: float, rows: list[list[str]]) -> PositionedTable:
    return PositionedTable(
        rows=rows,
        x0=left,
        x1=left + 400,
        top=100,
        bottom=300,
        column_edges=[left, left + 200, left + 300],
    )


def test_a_continued_table_shifted_a_few_points_is_joined_cell_for_cell():
    first = table_at(100, [HEADER, ["一、本年新收", "5", "5"]])
    for shift in (-5, -4, 4, 5):
        second = table_at(100 + shift, [["二、上年结转", "1", "1"]])
        blocks = pages_to_blocks([page_with(first), page_with(second)])
        assert blocks == [
            Table(rows=[HEADER, ["一、本年新收", "5", "5"], ["二、上年结转", "1", "1"]])
        ], shift
