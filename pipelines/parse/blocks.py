"""The rows the router hands a table reader, grouped by the block they stand in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RowBlock:
    """The rows of one table that one table block (or one flattened line) holds. ``grid``:
    the block's cells keep their columns, blank cells included (a table extracted from
    HTML, PDF, DOCX or a scan), so a blank is a position, never padding to close up; a
    text rendering (pipe rows, tab lines, a line of spaced values) may have lost blanks."""

    rows: list[list[str]]
    grid: bool = False
