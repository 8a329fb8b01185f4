"""Scanned PDF pages → positioned lines and tables, by Tesseract (Simplified Chinese).

Each page is rendered with pypdfium2 at 300 dpi. Ruling lines are found in the image (long
runs of dark pixels); the grid they draw, with merged cells where a border is missing,
becomes the table. The lines are erased; the page is OCR'd with Tesseract's layout analysis
and each table once more as a block of rows; each word goes to the cell its box lies in.
A cell gets only what was read inside it, nothing is inferred: a word straddling a border,
a number read with low confidence, two readings of a number that disagree, or a digit read
as a Chinese character leave the cell blank.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
from dataclasses import dataclass

import numpy as np
import pypdfium2
from PIL import Image

from pipelines.extract.document import ConverterFailed, ConverterMissing
from pipelines.extract.layout import CJK, Line, Page, PositionedTable

DPI = 300
LANGUAGES = "chi_sim"
TIMEOUT_SECONDS = 180
MIN_WORD_CONFIDENCE = 30  # below: the word is noise
MIN_NUMBER_CONFIDENCE = 75  # below: a numeric cell is left blank rather than risked
_DARK = 140
_NUMERIC = re.compile(r"[增减]?[\d.,%+\-]+")


@dataclass
class Word:
    text: str
    confidence: float
    left: int
    top: int
    right: int
    bottom: int
    line_key: tuple[int, int, int]


@dataclass
class Region:
    """A (possibly merged) cell: grid rows r0..r1 and columns c0..c1, inclusive."""

    r0: int
    r1: int
    c0: int
    c1: int


def _runs(mask: np.ndarray, length: int) -> np.ndarray:
    """Pixels that belong to a run of at least ``length`` True values along axis 1."""
    padded = np.pad(mask.astype(np.int32), ((0, 0), (1, 0)))
    sums = np.cumsum(padded, axis=1)
    full = (sums[:, length:] - sums[:, :-length]) == length
    # Spread each full window back over the pixels it covers.
    starts = np.pad(full.astype(np.int32), ((0, 0), (0, length)))
    covered = np.cumsum(starts, axis=1)
    covered[:, length:] -= np.cumsum(starts, axis=1)[:, :-length]
    return covered[:, : mask.shape[1]] > 0


def _positions(profile: np.ndarray, minimum: int) -> list[int]:
    """Centres of the bands where ``profile`` (line pixels per row or column) ≥ minimum;
    bands a few pixels apart (one anti-aliased line) count as one."""
    bands: list[list[int]] = []
    for index in np.flatnonzero(profile >= minimum):
        if bands and index - bands[-1][1] <= 8:
            bands[-1][1] = int(index)
        else:
            bands.append([int(index), int(index)])
    return [(start + end) // 2 for start, end in bands]


def _border(mask: np.ndarray, fixed: int, start: int, end: int, vertical: bool) -> bool:
    """Whether a ruling line runs along ``fixed`` from start to end (most of the way)."""
    lo, hi = start + (end - start) // 6, end - (end - start) // 6
    if hi <= lo:
        return True
    band = mask[lo:hi, fixed - 3 : fixed + 4] if vertical else mask[fixed - 3 : fixed + 4, lo:hi]
    along = band.any(axis=1 if vertical else 0)
    return along.mean() > 0.8


def _regions(hmask: np.ndarray, vmask: np.ndarray, ys: list[int], xs: list[int]) -> list[Region]:
    """Merge grid cells not separated by a ruling line (union-find) into rectangles."""
    rows, cols = len(ys) - 1, len(xs) - 1
    parent = list(range(rows * cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(rows):
        for c in range(cols):
            if c + 1 < cols and not _border(vmask, xs[c + 1], ys[r], ys[r + 1], vertical=True):
                parent[find(r * cols + c + 1)] = find(r * cols + c)
            if r + 1 < rows and not _border(hmask, ys[r + 1], xs[c], xs[c + 1], vertical=False):
                parent[find((r + 1) * cols + c)] = find(r * cols + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(rows):
        for c in range(cols):
            groups.setdefault(find(r * cols + c), []).append((r, c))
    return [
        Region(min(r for r, _ in cells), max(r for r, _ in cells),
               min(c for _, c in cells), max(c for _, c in cells))
        for cells in groups.values()
    ]  # fmt: skip


@dataclass
class _TableGrid:
    ys: list[int]
    xs: list[int]
    regions: list[Region]


def _column_positions(vmask: np.ndarray, ys: list[int]) -> list[int]:
    """x of every vertical border that runs the full height of at least one row."""
    found = np.zeros(vmask.shape[1], dtype=bool)
    for top, bottom in zip(ys, ys[1:], strict=False):
        row = vmask[top + 4 : bottom - 3]
        if row.shape[0]:
            found |= row.mean(axis=0) > 0.8
    return _positions(found.astype(np.int32), 1)


def _table_grids(gray: np.ndarray) -> tuple[list[_TableGrid], np.ndarray]:
    """Ruled tables in the page image, and the mask of their ruling lines to erase."""
    dark = gray < _DARK
    hmask = _runs(dark, DPI // 5)  # horizontal runs ≥ 5 mm
    # Vertical runs ≥ 3 mm: longer than a table's characters are tall, not than body text's,
    # so columns are only looked for between horizontal lines.
    vmask = _runs(dark.T, DPI // 8).T
    grids = []
    erase = np.zeros_like(dark)
    # Consecutive horizontal lines joined by vertical ones on every row between are a table.
    groups: list[list[int]] = []
    for y in _positions(hmask.sum(axis=1), DPI // 3):
        if groups and vmask[groups[-1][-1] + 4 : y - 3].any(axis=1).all():
            groups[-1].append(y)
        else:
            groups.append([y])
    for ys in groups:
        if len(ys) < 2:
            continue
        xs = _column_positions(vmask, ys)
        if len(xs) < 2:
            continue
        grids.append(_TableGrid(ys, xs, _regions(hmask, vmask, ys, xs)))
        top, bottom, left, right = ys[0] - 4, ys[-1] + 5, xs[0] - 4, xs[-1] + 5
        erase[top:bottom, left:right] |= (hmask | vmask)[top:bottom, left:right]
    return grids, erase


def _tesseract_words(
    image: np.ndarray, psm: int = 3, offset: tuple[int, int] = (0, 0)
) -> list[Word]:
    """Words Tesseract reads in the image; boxes shifted by ``offset`` (x, y)."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        result = subprocess.run(
            ["tesseract", "stdin", "stdout", "-l", LANGUAGES, "--psm", str(psm),
             "--dpi", str(DPI), "tsv"],
            input=buffer.getvalue(), capture_output=True, timeout=TIMEOUT_SECONDS,
            env=environment, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as error:
        raise ConverterFailed(f"tesseract took over {TIMEOUT_SECONDS} s on a page") from error
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ConverterFailed(f"tesseract failed: {message[-1] if message else result.returncode}")
    words = []
    reader = csv.DictReader(io.StringIO(result.stdout.decode("utf-8")), delimiter="\t",
                            quoting=csv.QUOTE_NONE)  # fmt: skip
    for row in reader:
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        confidence = float(row["conf"])
        if confidence < MIN_WORD_CONFIDENCE:
            continue
        left, top = int(row["left"]) + offset[0], int(row["top"]) + offset[1]
        words.append(Word(
            text, confidence, left, top, left + int(row["width"]), top + int(row["height"]),
            (int(row["block_num"]), int(row["par_num"]), int(row["line_num"])),
        ))  # fmt: skip
    return words


def _joined(words: list[Word]) -> str:
    text = ""
    for word in sorted(words, key=lambda w: w.left):
        if text and not (CJK.search(text[-1]) or CJK.search(word.text[0])):
            text += " "
        text += word.text
    return text


def _cell_text(words: list[Word]) -> str:
    """The cell's words, line by line; blank if it reads as a number of doubtful confidence."""
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        lines.setdefault(word.line_key, []).append(word)
    ordered = sorted(lines.values(), key=lambda line: min(w.top for w in line))
    text = "\n".join(_joined(line) for line in ordered)
    if _NUMERIC.fullmatch(text.replace("\n", "")) and (
        "\n" in text or min(w.confidence for w in words) < MIN_NUMBER_CONFIDENCE
    ):
        # Doubtful, or several numbers in one cell (a border OCR could not see).
        return ""
    return text


def _dilated(mask: np.ndarray, radius: int) -> np.ndarray:
    grown = mask.copy()
    for shift in range(1, radius + 1):
        grown[shift:, :] |= mask[:-shift, :]
        grown[:-shift, :] |= mask[shift:, :]
        grown[:, shift:] |= mask[:, :-shift]
        grown[:, :-shift] |= mask[:, shift:]
    return grown


def _region_of(grid: _TableGrid, word: Word) -> int | None:
    """The cell holding the word, None if the word straddles a border (two cells' text
    read as one word, e.g. "0 0" as "00", must not land in either)."""
    cx, cy = (word.left + word.right) / 2, (word.top + word.bottom) / 2
    for number, region in enumerate(grid.regions):
        x0, x1 = grid.xs[region.c0], grid.xs[region.c1 + 1]
        y0, y1 = grid.ys[region.r0], grid.ys[region.r1 + 1]
        if x0 < cx < x1 and y0 < cy < y1:
            overhang = max(0, x0 - word.left) + max(0, word.right - x1)
            return None if overhang > 0.25 * (word.right - word.left) else number
    return None


def _is_stray(cell: str) -> bool:
    """What a misread number looks like: one character that is not a digit, digits mixed
    with something else in a short cell ("7了"), or no letter or digit at all."""
    if not cell or _NUMERIC.fullmatch(cell):
        return False
    if len(cell) == 1 or not any(char.isalnum() for char in cell):
        return True
    return len(cell) <= 3 and any(char.isdigit() for char in cell)


def _blank_stray_cells(rows: list[list[str]]) -> list[list[str]]:
    """Below the header rows, among numbers, a cell that cannot be a number or a label is
    a number misread (a digit read as a Chinese character): blank it. In a column of
    numbers any short non-number is blanked, in a row of numbers what looks stray."""
    first_data = next(
        (r for r, row in enumerate(rows) if any(_NUMERIC.fullmatch(cell) for cell in row)),
        len(rows),
    )
    width = len(rows[0]) if rows else 0
    numeric_columns = {
        c
        for c in range(width)
        if sum(1 for row in rows[first_data:] if _NUMERIC.fullmatch(row[c])) >= 3
    }
    for row in rows[first_data:]:
        numeric_row = sum(1 for cell in row if _NUMERIC.fullmatch(cell)) >= 3
        for c, cell in enumerate(row):
            if not cell or _NUMERIC.fullmatch(cell):
                continue
            if (c in numeric_columns and len(cell) <= 3) or (numeric_row and _is_stray(cell)):
                row[c] = ""
    return rows


def _cell_texts(grid: _TableGrid, words: list[Word]) -> list[str]:
    """Each region's text from these words; '' where nothing (trustworthy) was read."""
    cells: dict[int, list[Word]] = {}
    doubtful: set[int] = set()
    for word in words:
        number = _region_of(grid, word)
        if number is None:
            doubtful.update(n for n in range(len(grid.regions)) if _overlaps(grid, n, word))
        else:
            cells.setdefault(number, []).append(word)
    return [
        _cell_text(cells[n]) if n in cells and n not in doubtful else ""
        for n in range(len(grid.regions))
    ]


def _agreed(first: str, second: str) -> str:
    """Two readings of one cell: a number only if both readings that saw it agree."""
    if not first or not second:
        return first or second
    if _NUMERIC.fullmatch(first) or _NUMERIC.fullmatch(second):
        return first if first == second else ""
    return first


def _read_table(
    gray: np.ndarray, grid: _TableGrid, page_words: list[Word], scale: float
) -> PositionedTable | None:
    """The table read twice, as part of the page and on its own as a block of text lines;
    each word goes to its cell, and a number stands only where the readings agree."""
    left, top = grid.xs[0], grid.ys[0]
    block_words = _tesseract_words(gray[top : grid.ys[-1], left : grid.xs[-1]], 6, (left, top))
    texts = [
        _agreed(block, page)
        for block, page in zip(
            _cell_texts(grid, block_words), _cell_texts(grid, page_words), strict=True
        )
    ]
    rows = [["" for _ in grid.xs[:-1]] for _ in grid.ys[:-1]]
    for text, region in zip(texts, grid.regions, strict=True):
        for r in range(region.r0, region.r1 + 1):
            for c in range(region.c0, region.c1 + 1):
                rows[r][c] = text
    rows = [row for row in _blank_stray_cells(rows) if any(row)]
    if not rows:
        return None
    return PositionedTable(
        rows=rows, x0=left * scale, x1=grid.xs[-1] * scale, top=top * scale,
        bottom=grid.ys[-1] * scale, column_edges=[x * scale for x in grid.xs[:-1]],
    )  # fmt: skip


def _inside(grid: _TableGrid, word: Word) -> bool:
    cx, cy = (word.left + word.right) / 2, (word.top + word.bottom) / 2
    return grid.xs[0] < cx < grid.xs[-1] and grid.ys[0] < cy < grid.ys[-1]


def _overlaps(grid: _TableGrid, number: int, word: Word) -> bool:
    region = grid.regions[number]
    return (
        word.left < grid.xs[region.c1 + 1] and word.right > grid.xs[region.c0]
        and word.top < grid.ys[region.r1 + 1] and word.bottom > grid.ys[region.r0]
    )  # fmt: skip


def _text_lines(words: list[Word], scale: float) -> list[Line]:
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        lines.setdefault(word.line_key, []).append(word)
    page_lines = []
    for line_words in lines.values():
        top = min(w.top for w in line_words)
        bottom = max(w.bottom for w in line_words)
        page_lines.append(Line(
            _joined(line_words), min(w.left for w in line_words) * scale,
            max(w.right for w in line_words) * scale, top * scale, bottom * scale,
            (bottom - top) * scale,
        ))  # fmt: skip
    return sorted(page_lines, key=lambda line: line.top)


def _page_from_image(gray: np.ndarray, scale: float) -> Page:
    grids, rules = _table_grids(gray)
    cleaned = gray.copy()
    cleaned[_dilated(rules, 2)] = 255
    words = _tesseract_words(cleaned)
    tables = [table for grid in grids if (table := _read_table(cleaned, grid, words, scale))]
    outside = [word for word in words if not any(_inside(grid, word) for grid in grids)]
    height, width = gray.shape
    return Page(width * scale, height * scale, _text_lines(outside, scale), tables)


def ocr_pdf_pages(data: bytes, indices: list[int]) -> list[Page]:
    """OCR the given pages (0-based) of a PDF; coordinates in PDF points like pdfplumber's."""
    if shutil.which("tesseract") is None:
        raise ConverterMissing("tesseract is not installed: cannot OCR a scanned PDF")
    document = pypdfium2.PdfDocument(data)
    try:
        pages = []
        for index in indices:
            bitmap = document[index].render(scale=DPI / 72, grayscale=True)
            gray = np.asarray(bitmap.to_pil().convert("L"))
            pages.append(_page_from_image(gray, 72 / DPI))
        return pages
    finally:
        document.close()
