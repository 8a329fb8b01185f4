"""Plain text and Markdown → Document.

Four table renderings are recognised:

- tab-separated lines (one row per line); the table goes on across blank lines as long
  as the next non-blank line is again a tab line;
- one cell per line, each cell line starting with a tab, a blank line ending the row
  (a DOCX export, seed 003); a line without a tab directly under a cell continues it;
- pipe rows, one row per line, with or without the leading pipe (``| a | b |``,
  ``a | b |``), Markdown separator lines dropped;
- pipe cells, one cell per line ending in a pipe (``a |``), a run of empty cells printed
  as a line of pipes (``|||``), as web pages flatten their tables to text. Rows are not
  marked there: a row starts at a text cell that follows a value or an empty cell.

Every other non-blank line is a Paragraph, with ``#`` heading markers and ``**bold**``
markers removed.
"""

from __future__ import annotations

import re

from pipelines.extract.document import Document, Paragraph, Table

_HEADING_MARKER = re.compile(r"^\s{0,3}#{1,6}\s*")
_BOOKMARK = re.compile(r"\[bookmark: [^\]]*\]")
_PIPE_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")


def _is_cell_line(line: str) -> bool:
    """One cell of a one-cell-per-line table: a leading tab and no other tab."""
    return line.startswith("\t") and line.count("\t") == 1


def _is_tab_row(line: str) -> bool:
    return "\t" in line and not _is_cell_line(line)


_VALUE_LIKE = re.compile(r"^(?:[增减+\-−]?[\d.,]+(?:万元|元|件)?|[/\\\-—–―]*|无)$")


def _is_pipe_row(line: str) -> bool:
    stripped = line.strip()
    return stripped.endswith("|") or stripped.startswith("|") and stripped.count("|") >= 2


def _is_blank(line: str) -> bool:
    """No text and no tab: a tab alone is an empty cell, not a blank line."""
    return "\t" not in line and not line.strip()


def _clean_paragraph(line: str) -> str:
    text = _BOOKMARK.sub("", _HEADING_MARKER.sub("", line))
    return text.replace("**", "").strip()


def _padded(rows: list[list[str]]) -> Table:
    width = max(len(row) for row in rows)
    return Table(rows=[row + [""] * (width - len(row)) for row in rows], grid=False)


def _next_non_blank(lines: list[str], start: int) -> int:
    while start < len(lines) and _is_blank(lines[start]):
        start += 1
    return start


def _read_tab_table(lines: list[str], start: int) -> tuple[Table, int]:
    rows: list[list[str]] = []
    i = start
    while i < len(lines):
        if _is_tab_row(lines[i]):
            rows.append([cell.strip() for cell in lines[i].split("\t")])
            i += 1
            continue
        following = _next_non_blank(lines, i)
        if following < len(lines) and _is_tab_row(lines[following]) and following > i:
            i = following
            continue
        break
    return _padded(rows), i


def _read_cell_table(lines: list[str], start: int) -> tuple[Table, int]:
    rows: list[list[str]] = []
    row: list[str] = []
    i = start
    while i < len(lines):
        line = lines[i]
        if _is_cell_line(line):
            row.append(line[1:].strip())
        elif not _is_blank(line) and row and not _is_blank(lines[i - 1]):
            row[-1] = f"{row[-1]}\n{line.strip()}" if row[-1] else line.strip()
        elif _is_blank(line):
            if row:
                rows.append(row)
                row = []
            following = _next_non_blank(lines, i)
            if following >= len(lines) or not _is_cell_line(lines[following]):
                i = following
                break
            i = following
            continue
        else:
            break
        i += 1
    if row:
        rows.append(row)
    return _padded(rows), i


def _split_pipe_row(line: str) -> list[str]:
    stripped = line.strip()
    if stripped.startswith("|"):
        stripped = stripped[1:]
    if stripped.endswith("|"):
        stripped = stripped[:-1]
    return [cell.strip().replace("**", "") for cell in stripped.split("|")]


def _pipe_cells(line: str) -> list[str]:
    """The cells of one line of the pipe-cell rendering: ``a |`` → [a], ``||`` → ["", ""]."""
    return [cell.strip() for cell in line.strip().split("|")[:-1]]


def _value_like(cell: str) -> bool:
    return _VALUE_LIKE.match(cell.replace(" ", "")) is not None


def _split_at_width(row: list[str], width: int) -> list[list[str]]:
    """A row that runs on into the next one (a header row followed by a label): cut at the
    table's width where a label stands there."""
    rows = [row]
    while len(rows[-1]) > width and not _value_like(rows[-1][width]):
        rows[-1:] = [rows[-1][:width], rows[-1][width:]]
    return rows


def _rows_of_cell_stream(cells: list[str]) -> list[list[str]]:
    """Rows of the pipe-cell rendering: a text cell after a value or an empty cell starts
    a row; rows padded with empty cells give the table's width, at which a run of text
    cells (a header row, then a row's label) is cut."""
    rows: list[list[str]] = [[]]
    for cell in cells:
        if not _value_like(cell) and any(_value_like(c) for c in rows[-1]):
            rows.append([])
        rows[-1].append(cell)
    padded = [len(row) for row in rows if row and not row[-1]]
    if not padded:
        return [row for row in rows if row]
    width = max(padded)
    return [part for row in rows if row for part in _split_at_width(row, width)]


def _read_pipe_table(lines: list[str], start: int) -> tuple[Table, int]:
    end = start
    while end < len(lines) and _is_pipe_row(lines[end]):
        end += 1
    run = [line for line in lines[start:end] if not _PIPE_SEPARATOR.match(line.strip())]
    one_cell_lines = all(sum(1 for c in _pipe_cells(line) if c) <= 1 for line in run)
    if len(run) > 1 and one_cell_lines and all(line.strip().endswith("|") for line in run):
        rows = _rows_of_cell_stream([cell for line in run for cell in _pipe_cells(line)])
    else:
        rows = [_split_pipe_row(line) for line in run]
    return _padded(rows), end


def extract_text_document(text: str) -> Document:
    """Plain text or Markdown → a Document of Paragraph and Table blocks."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "").split("\n")
    blocks: list[Paragraph | Table] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _is_cell_line(line):
            table, i = _read_cell_table(lines, i)
            blocks.append(table)
        elif _is_tab_row(line):
            table, i = _read_tab_table(lines, i)
            blocks.append(table)
        elif _is_pipe_row(line):
            table, i = _read_pipe_table(lines, i)
            if table.rows:
                blocks.append(table)
        else:
            paragraph = _clean_paragraph(line)
            if paragraph:
                blocks.append(Paragraph(text=paragraph))
            i += 1
    return Document(blocks=blocks, method="text")
