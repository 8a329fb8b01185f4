"""Scanned PDF pages → positioned lines and tables, by RapidOCR (default) or Tesseract.

Each page is rendered with pypdfium2 at the engine's resolution and straightened (a sheet
fed askew turns a ruling line into a staircase). Ruling lines are found in the image (long
runs of dark pixels); the grid they draw, with merged cells where a border is missing,
becomes the table. The lines are erased, then the engine reads:

- ``rapidocr`` (rapidocr-onnxruntime: PP-OCRv4 detection and recognition models shipped in
  its wheel, run by onnxruntime on the CPU): each cell's lines of ink are cut out of the
  grid and recognised in strips, a table row's pieces side by side (a lone "0" read alone
  is as much "o" as "0"; among other digits it is a digit); each character comes with the
  model's confidence. Text outside the tables is found by the detection model.
- ``tesseract``: the page with Tesseract's layout analysis and each table once more as a
  block of rows; each word goes to the cell its box lies in; a number stands only where
  the two readings agree.

A cell gets only what was read inside it, nothing is inferred: a number with a digit read
below the engine's confidence threshold, several numbers in one cell, a word straddling a
border, or a digit read as a letter or a Chinese character leave the cell blank, and the
blank numbers are counted for the document's warnings.

Which engine: the ``engine`` argument, else the ``NIANBAO_OCR_ENGINE`` environment
variable, else ``rapidocr``. An engine that is not installed raises ``ConverterMissing``.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pypdfium2
from PIL import Image

from pipelines.extract.document import ConverterFailed, ConverterMissing
from pipelines.extract.layout import CJK, Line, Page, PositionedTable

ENGINE_VARIABLE = "NIANBAO_OCR_ENGINE"
DEFAULT_ENGINE = "rapidocr"
_DARK = 140  # below: a pixel of a ruling line
_NUMERIC = re.compile(r"[增减]?[\d.,%+\-]+")
_VALUE = re.compile(r"[增减]?[\d.,%+\-]+(万元|元)?")  # a number as the parser reads one


@dataclass
class Word:
    """Text read in one box of the page image (pixels); ``confidences`` per character
    where the engine gives them, else one for the whole word."""

    text: str
    confidences: list[float]
    left: int
    top: int
    right: int
    bottom: int
    line_key: tuple[int, ...]


@dataclass
class Region:
    """A (possibly merged) cell: grid rows r0..r1 and columns c0..c1, inclusive."""

    r0: int
    r1: int
    c0: int
    c1: int


@dataclass
class TableGrid:
    ys: list[int]
    xs: list[int]
    regions: list[Region]

    def bounds(self, region: Region) -> tuple[int, int, int, int]:
        """(left, top, right, bottom) of a region, on its borders."""
        return (
            self.xs[region.c0],
            self.ys[region.r0],
            self.xs[region.c1 + 1],
            self.ys[region.r1 + 1],
        )


@dataclass
class PageReading:
    """What an engine read on one page: text lines outside the tables (pixels), each
    table's region texts ('' where nothing trustworthy was read), and how many numbers
    were left blank for a doubtful digit."""

    lines: list[Line]
    cell_texts: list[list[str]]
    doubtful_numbers: int = 0


@dataclass
class OcrPages:
    pages: list[Page]
    engine: str
    doubtful_numbers: int = 0
    warnings: list[str] = field(default_factory=list)


class OcrEngine(Protocol):
    name: str
    dpi: int

    def read(self, cleaned: np.ndarray, grids: list[TableGrid]) -> PageReading: ...


# --- the page image: straightening, ruling lines, grid ---------------------------------


def _projection_sharpness(mask: Image.Image, angle: float) -> float:
    rows = np.asarray(mask.rotate(angle, resample=Image.BILINEAR), dtype=np.float32).sum(axis=1)
    return float(np.square(np.diff(rows)).sum())


def skew_angle(gray: np.ndarray, limit: float = 3.0) -> float:
    """The rotation (degrees, counter-clockwise) that makes the page's text rows and
    ruling lines horizontal: the angle whose row profile of dark pixels is sharpest."""
    mask = Image.fromarray(((gray[::4, ::4] < _DARK) * 255).astype(np.uint8))
    best = 0.0
    for step in (0.25, 0.05, 0.01):
        span = limit if step == 0.25 else step * 5
        angles = np.arange(best - span, best + span + step / 2, step)
        best = float(max(angles, key=lambda angle: _projection_sharpness(mask, angle)))
    return best


def deskewed(gray: np.ndarray) -> np.ndarray:
    angle = skew_angle(gray)
    if abs(angle) < 0.02:
        return gray
    image = Image.fromarray(gray).rotate(angle, resample=Image.BICUBIC, fillcolor=255)
    return np.asarray(image)


def _runs(mask: np.ndarray, length: int) -> np.ndarray:
    """Pixels that belong to a run of at least ``length`` True values along axis 1: where
    such a run starts (an erosion by doubling windows), then what it covers."""
    starts = mask.copy()
    span = 1
    while span < length:  # starts[x]: mask[x : x + span] all True
        step = min(span, length - span)
        starts[:, :-step] &= starts[:, step:]
        starts[:, -step:] = False
        span += step
    covered = starts.copy()
    span = 1
    while span < length:  # covered[x]: a run starts in [x - span + 1, x]
        step = min(span, length - span)
        covered[:, step:] |= covered[:, :-step]
        span += step
    return covered


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


def _column_positions(vmask: np.ndarray, ys: list[int]) -> list[int]:
    """x of every vertical border that runs the full height of at least one row."""
    found = np.zeros(vmask.shape[1], dtype=bool)
    for top, bottom in zip(ys, ys[1:], strict=False):
        row = vmask[top + 4 : bottom - 3]
        if row.shape[0]:
            found |= row.mean(axis=0) > 0.8
    return _positions(found.astype(np.int32), 1)


def table_grids(gray: np.ndarray, dpi: int) -> tuple[list[TableGrid], np.ndarray]:
    """Ruled tables in the page image, and the mask of their ruling lines to erase."""
    dark = gray < _DARK
    hmask = _runs(dark, dpi // 5)  # horizontal runs ≥ 5 mm
    # Vertical runs ≥ 3 mm: longer than a table's characters are tall, not than body text's,
    # so columns are only looked for between horizontal lines.
    vmask = _runs(dark.T, dpi // 8).T
    grids = []
    erase = np.zeros_like(dark)
    # Consecutive horizontal lines joined by vertical ones on every row between are a table.
    groups: list[list[int]] = []
    for y in _positions(hmask.sum(axis=1), dpi // 3):
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
        grids.append(TableGrid(ys, xs, _regions(hmask, vmask, ys, xs)))
        top, bottom, left, right = ys[0] - 4, ys[-1] + 5, xs[0] - 4, xs[-1] + 5
        erase[top:bottom, left:right] |= (hmask | vmask)[top:bottom, left:right]
    return grids, erase


def _dilated(mask: np.ndarray, radius: int) -> np.ndarray:
    grown = mask.copy()
    for shift in range(1, radius + 1):
        grown[shift:, :] |= mask[:-shift, :]
        grown[:-shift, :] |= mask[shift:, :]
        grown[:, shift:] |= mask[:, :-shift]
        grown[:, :-shift] |= mask[:, shift:]
    return grown


# --- words → cells and lines (both engines) -------------------------------------------


def _joined(words: list[Word]) -> str:
    text = ""
    for word in sorted(words, key=lambda w: w.left):
        if text and not (CJK.search(text[-1]) or CJK.search(word.text[0])):
            text += " "
        text += word.text
    return text


def cell_text(words: list[Word], min_confidence: float) -> tuple[str, bool]:
    """The cell's words, line by line, and whether a number was left out: a cell that
    reads as a number is blank when any of its characters was read below
    ``min_confidence``, or when it holds several lines of numbers (a border OCR missed)."""
    if not words:
        return "", False
    lines: dict[tuple[int, ...], list[Word]] = {}
    for word in words:
        lines.setdefault(word.line_key, []).append(word)
    ordered = sorted(lines.values(), key=lambda line: min(w.top for w in line))
    text = "\n".join(_joined(line) for line in ordered)
    if not _VALUE.fullmatch(text.replace("\n", "")):
        return text, False
    doubtful = min(c for word in words for c in word.confidences) < min_confidence
    if doubtful or "\n" in text:
        return "", True
    return text, False


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
    a number misread (a digit read as a letter or a Chinese character): blank it. In a
    column of numbers any short non-number is blanked, in a row of numbers what looks stray."""
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


def _inside(grid: TableGrid, word: Word) -> bool:
    cx, cy = (word.left + word.right) / 2, (word.top + word.bottom) / 2
    return grid.xs[0] < cx < grid.xs[-1] and grid.ys[0] < cy < grid.ys[-1]


def text_lines(words: list[Word]) -> list[Line]:
    """Words grouped by their line key into page lines (pixels), top to bottom."""
    lines: dict[tuple[int, ...], list[Word]] = {}
    for word in words:
        lines.setdefault(word.line_key, []).append(word)
    page_lines = []
    for line_words in lines.values():
        top = min(w.top for w in line_words)
        bottom = max(w.bottom for w in line_words)
        page_lines.append(Line(
            _joined(line_words), min(w.left for w in line_words),
            max(w.right for w in line_words), top, bottom, bottom - top,
        ))  # fmt: skip
    return sorted(page_lines, key=lambda line: line.top)


def _positioned_table(grid: TableGrid, texts: list[str], scale: float) -> PositionedTable | None:
    rows = [["" for _ in grid.xs[:-1]] for _ in grid.ys[:-1]]
    for text, region in zip(texts, grid.regions, strict=True):
        for r in range(region.r0, region.r1 + 1):
            for c in range(region.c0, region.c1 + 1):
                rows[r][c] = text
    rows = [row for row in _blank_stray_cells(rows) if any(row)]
    if not rows:
        return None
    return PositionedTable(
        rows=rows, x0=grid.xs[0] * scale, x1=grid.xs[-1] * scale, top=grid.ys[0] * scale,
        bottom=grid.ys[-1] * scale, column_edges=[x * scale for x in grid.xs[:-1]],
    )  # fmt: skip


def _scaled(line: Line, scale: float) -> Line:
    return Line(line.text, line.x0 * scale, line.x1 * scale, line.top * scale,
                line.bottom * scale, line.size * scale)  # fmt: skip


# --- RapidOCR ----------------------------------------------------------------------------


@dataclass
class Piece:
    """One line of ink inside one region of a table grid (pixels)."""

    region: int
    left: int
    top: int
    right: int
    bottom: int


def _spans(present: np.ndarray, max_gap: int) -> list[tuple[int, int]]:
    """[start, end) runs of True, runs closer than ``max_gap`` joined."""
    spans: list[list[int]] = []
    for index in np.flatnonzero(present):
        if spans and index - spans[-1][1] <= max_gap:
            spans[-1][1] = int(index) + 1
        else:
            spans.append([int(index), int(index) + 1])
    return [(start, end) for start, end in spans]


def cell_pieces(cleaned: np.ndarray, grid: TableGrid, dpi: int) -> list[Piece]:
    """The lines of ink in every region of the grid, top to bottom: rows of ink at least a
    third of a small character tall; within a line, its ink from the first to the last
    mark that is not a speck of dust (marks apart by more than the line's height)."""
    ink_level, min_height, min_mark = 170, dpi // 30, 8
    pieces = []
    for number, region in enumerate(grid.regions):
        left, top, right, bottom = grid.bounds(region)
        left, top, right, bottom = left + 4, top + 4, right - 3, bottom - 3
        if right <= left or bottom <= top:
            continue
        ink = cleaned[top:bottom, left:right] < ink_level
        for y0, y1 in _spans(ink.sum(axis=1) > 0, 2):
            if y1 - y0 < min_height:
                continue
            band = ink[y0:y1]
            marks = [
                (x0, x1)
                for x0, x1 in _spans(band.any(axis=0), y1 - y0)
                if band[:, x0:x1].sum() >= min_mark
            ]
            if marks:
                pieces.append(Piece(
                    number, left + marks[0][0], top + y0, left + marks[-1][1], top + y1,
                ))  # fmt: skip
    return pieces


@dataclass
class Strip:
    """Pieces resized to one height and laid side by side with white between them."""

    image: np.ndarray
    pieces: list[Piece]
    spans: list[tuple[int, int]]  # each piece's x-range in the strip


# Heights text is recognised at. The model was trained at 48 px: table cells are read at
# 48 (at 40, 7 % more numbers are left blank and "22.36" is read "2236" twice over); lines of
# body text at 40, which read the 42 lines of a scanned page (seed 002, page 1) as at 48 did,
# in 40 % of the time.
CELL_HEIGHT = 48
LINE_HEIGHT = 40
STRIP_HEIGHT = CELL_HEIGHT
STRIP_GAP = STRIP_HEIGHT // 3  # white between two pieces: a third of a character
STRIP_MARGIN = STRIP_HEIGHT // 6
STRIP_MAX_WIDTH = 32 * STRIP_HEIGHT


def _piece_image(cleaned: np.ndarray, piece: Piece) -> np.ndarray:
    """The piece with a margin of a fifth of its height, at the strip's height."""
    pad = max(2, (piece.bottom - piece.top) // 5)
    crop = cleaned[
        max(0, piece.top - pad) : piece.bottom + pad, max(0, piece.left - pad) : piece.right + pad
    ]
    height, width = crop.shape
    resized_width = max(1, round(width * STRIP_HEIGHT / height))
    return np.asarray(Image.fromarray(crop).resize((resized_width, STRIP_HEIGHT), Image.BICUBIC))


def strips(cleaned: np.ndarray, pieces: list[Piece]) -> list[Strip]:
    """Pieces in reading order, as many to a strip as fit in STRIP_MAX_WIDTH."""
    result: list[Strip] = []
    parts: list[np.ndarray] = []
    members: list[Piece] = []
    spans: list[tuple[int, int]] = []
    x = STRIP_MARGIN

    def close() -> None:
        white = np.full((STRIP_HEIGHT, STRIP_MARGIN), 255, dtype=np.uint8)
        image = np.concatenate([white, *parts, white], axis=1)
        result.append(Strip(image, list(members), list(spans)))

    for piece in pieces:
        image = _piece_image(cleaned, piece)
        if members and x + image.shape[1] > STRIP_MAX_WIDTH:
            close()
            parts, members, spans, x = [], [], [], STRIP_MARGIN
        if members:
            parts.append(np.full((STRIP_HEIGHT, STRIP_GAP), 255, dtype=np.uint8))
            x += STRIP_GAP
        parts.append(image)
        members.append(piece)
        spans.append((x, x + image.shape[1]))
        x += image.shape[1]
    if members:
        close()
    return result


def _strip_words(strip: Strip, text: str, info: list) -> list[tuple[Piece, Word]]:
    """The characters recognised in a strip, back to the pieces they lie on, by each
    character's position in the model's output sequence. A character in the white
    between two pieces belongs to neither: both pieces are then left unread."""
    steps, columns, confidences = info[0], info[2], info[4]
    positions = [column for word in columns for column in word]
    width = strip.image.shape[1]
    chars: list[list[tuple[str, float]]] = [[] for _ in strip.pieces]
    spoiled: set[int] = set()
    for char, column, confidence in zip(text, positions, confidences, strict=False):
        if char.isspace():
            continue
        x = (column + 0.5) * width / steps
        owner = next(
            (
                n
                for n, (x0, x1) in enumerate(strip.spans)
                if x0 - STRIP_GAP / 4 <= x < x1 + STRIP_GAP / 4
            ),
            None,
        )
        if owner is None:
            spoiled.update(
                n for n, (x0, x1) in enumerate(strip.spans)
                if x0 - STRIP_GAP <= x < x1 + STRIP_GAP
            )  # fmt: skip
            continue
        chars[owner].append((char, float(confidence)))
    words = []
    for n, (piece, read) in enumerate(zip(strip.pieces, chars, strict=True)):
        if not read or n in spoiled:
            continue
        words.append((piece, Word(
            "".join(char for char, _ in read), [confidence for _, confidence in read],
            piece.left, piece.top, piece.right, piece.bottom, (piece.top,),
        )))  # fmt: skip
    return words


def _digit_widths(text: str) -> float:
    """How many digits wide the text is printed: a Chinese character (增, 减) two, a point
    or a comma half, anything else one."""
    return sum(2 if CJK.match(char) else 0.5 if char in ".," else 1 for char in text)


@functools.cache
def _rapidocr(height: int):
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as error:
        raise ConverterMissing(
            "rapidocr-onnxruntime is not installed: cannot OCR a scanned PDF with rapidocr"
        ) from error
    # One thread: the pipeline runs one OCR per worker process, one worker per core; and
    # onnxruntime's second thread spins, costing CPU time for little gain on two cores.
    return RapidOCR(
        intra_op_num_threads=1,
        inter_op_num_threads=1,
        rec_img_shape=[3, height, height * 20 // 3],  # the shape of the default 48 × 320
    )


class RapidOcrEngine:
    """rapidocr-onnxruntime 1.4 (PP-OCRv4 mobile det + rec, models inside the wheel).

    Its public call ``RapidOCR()(image, use_det=, use_cls=, use_rec=)`` returns
    ``[box, text, score]`` per text box, or ``(None, None)`` when it finds nothing (API page
    rapidai.github.io/RapidOCRDocs/install_usage/api/RapidOCR, pypi.org/project/
    rapidocr-onnxruntime); the score is the mean of the box's characters' probabilities,
    which hides one doubtful digit in a long number. Its recogniser,
    ``RapidOCR().text_rec(images, return_word_box=True)`` (read in the 1.4.4 source), also
    gives each character's probability and its step in the output sequence: what places a
    character on its table cell, and what the digit threshold is applied to.
    """

    name = "rapidocr"
    dpi = 200
    # A digit below this probability leaves its number blank. Measured (bench/ocr_bench.py
    # --sweep, 987 cells of the scanned seeds): wrong numbers appear only with no threshold
    # at all; right ones are 976–977 from 0.7 to 0.85 and fall past 0.9 (972, 942 at 0.95,
    # 826 at 0.98). A digit half under a blot was misread at 0.60 ("2229" as "229"): 0.8
    # leaves a margin above it, in the flat part.
    min_digit_confidence = 0.8
    min_line_score = 0.5  # text outside tables: below, the box is noise (rapidocr's default)
    detection_scale = 2  # text outside tables is detected at half resolution

    def __init__(self) -> None:
        self.ocr = _rapidocr(CELL_HEIGHT)
        self.line_ocr = _rapidocr(LINE_HEIGHT)

    def _outside_lines(self, cleaned: np.ndarray, grids: list[TableGrid]) -> list[Line]:
        page = cleaned.copy()
        for grid in grids:
            page[grid.ys[0] - 4 : grid.ys[-1] + 5, grid.xs[0] - 4 : grid.xs[-1] + 5] = 255
        small = np.asarray(Image.fromarray(page).reduce(self.detection_scale).convert("RGB"))
        boxes, _ = self.ocr(small, use_det=True, use_cls=False, use_rec=False)
        if not boxes:
            return []
        crops, places = [], []
        for box in boxes:
            points = np.asarray(box) * self.detection_scale
            left, top = np.floor(points.min(axis=0)).astype(int)
            right, bottom = np.ceil(points.max(axis=0)).astype(int)
            if right - left < 4 or bottom - top < 4:
                continue
            crops.append(np.stack([page[top:bottom, left:right]] * 3, axis=-1))
            places.append((left, top, right, bottom))
        results, _ = self.line_ocr.text_rec(crops)
        return sorted(
            (
                Line(text, left, right, top, bottom, bottom - top)
                for (text, score), (left, top, right, bottom) in zip(results, places, strict=True)
                if text.strip() and score >= self.min_line_score
            ),
            key=lambda line: line.top,
        )

    def _cell_words(self, cleaned: np.ndarray, pieces: list[Piece]) -> list[tuple[Piece, Word]]:
        laid = strips(cleaned, pieces)
        if not laid:
            return []
        images = [np.stack([strip.image] * 3, axis=-1) for strip in laid]
        results, _ = self.ocr.text_rec(images, return_word_box=True)
        return [
            word
            for strip, (text, _, info) in zip(laid, results, strict=True)
            for word in _strip_words(strip, text, info)
        ]

    def _confirm_numbers(self, cleaned: np.ndarray, read: list[tuple[Piece, Word]]) -> None:
        """Read every number of two or more digits once more, alone: in a strip the
        recogniser can drop a point squeezed between two digits with every character sure
        ("22.36" read "2236"). A number whose two readings differ, or whose second reading
        scores under the threshold, is doubtful (its confidence set to 0)."""
        numbers = [
            (piece, word)
            for piece, word in read
            if _VALUE.fullmatch(word.text) and sum(char.isdigit() for char in word.text) >= 2
        ]
        if not numbers:
            return
        images = [np.stack([_piece_image(cleaned, piece)] * 3, axis=-1) for piece, _ in numbers]
        results, _ = self.ocr.text_rec(images)
        for (_, word), (text, score) in zip(numbers, results, strict=True):
            if text != word.text or score < self.min_digit_confidence:
                word.confidences = [0.0]

    @staticmethod
    def _doubt_wide_numbers(read: list[tuple[Piece, Word]]) -> None:
        """A number whose ink is much wider than its characters need holds a mark the
        recogniser skipped: a digit under a blot, read "229" where "2229" is printed. The
        width a character needs is the page's own: the median ink width per character of
        its numbers of two or more characters (digits are all one width)."""
        numbers = [word for _, word in read if _NUMERIC.fullmatch(word.text)]
        widths = [(w.right - w.left) / _digit_widths(w.text) for w in numbers if len(w.text) >= 2]
        if len(widths) < 3:
            return
        per_digit = float(np.median(widths))
        for word in numbers:
            if (word.right - word.left) > (_digit_widths(word.text) + 0.5) * per_digit:
                word.confidences = [0.0]

    def read(self, cleaned: np.ndarray, grids: list[TableGrid]) -> PageReading:
        cell_texts, doubtful = [], 0
        for grid in grids:
            pieces = cell_pieces(cleaned, grid, self.dpi)
            by_region: dict[int, list[Word]] = {}
            read = self._cell_words(cleaned, pieces)
            self._confirm_numbers(cleaned, read)
            self._doubt_wide_numbers(read)
            for piece, word in read:
                by_region.setdefault(piece.region, []).append(word)
            texts = []
            for number in range(len(grid.regions)):
                text, left_out = cell_text(by_region.get(number, []), self.min_digit_confidence)
                texts.append(text)
                doubtful += left_out
            cell_texts.append(texts)
        return PageReading(self._outside_lines(cleaned, grids), cell_texts, doubtful)


# --- Tesseract ---------------------------------------------------------------------------


class TesseractEngine:
    """Tesseract (chi_sim) through its command line, TSV output: one confidence per word."""

    name = "tesseract"
    dpi = 300
    languages = "chi_sim"
    timeout_seconds = 180
    min_word_confidence = 30  # below: the word is noise
    min_number_confidence = 75  # below: a numeric cell is left blank rather than risked

    def __init__(self) -> None:
        if shutil.which("tesseract") is None:
            raise ConverterMissing("tesseract is not installed: cannot OCR a scanned PDF")

    def words(
        self, image: np.ndarray, psm: int = 3, offset: tuple[int, int] = (0, 0)
    ) -> list[Word]:
        """Words Tesseract reads in the image; boxes shifted by ``offset`` (x, y)."""
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="PNG")
        environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        try:
            result = subprocess.run(
                ["tesseract", "stdin", "stdout", "-l", self.languages, "--psm", str(psm),
                 "--dpi", str(self.dpi), "tsv"],
                input=buffer.getvalue(), capture_output=True, timeout=self.timeout_seconds,
                env=environment, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired as error:
            raise ConverterFailed(
                f"tesseract took over {self.timeout_seconds} s on a page"
            ) from error
        if result.returncode != 0:
            message = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ConverterFailed(
                f"tesseract failed: {message[-1] if message else result.returncode}"
            )
        words = []
        reader = csv.DictReader(io.StringIO(result.stdout.decode("utf-8")), delimiter="\t",
                                quoting=csv.QUOTE_NONE)  # fmt: skip
        for row in reader:
            text = (row.get("text") or "").strip()
            if row.get("level") != "5" or not text:
                continue
            confidence = float(row["conf"])
            if confidence < self.min_word_confidence:
                continue
            left, top = int(row["left"]) + offset[0], int(row["top"]) + offset[1]
            words.append(Word(
                text, [confidence], left, top, left + int(row["width"]),
                top + int(row["height"]),
                (int(row["block_num"]), int(row["par_num"]), int(row["line_num"])),
            ))  # fmt: skip
        return words

    def _cell_texts(self, grid: TableGrid, words: list[Word]) -> list[tuple[str, bool]]:
        """Each region's text from these words; '' where nothing (trustworthy) was read."""
        cells: dict[int, list[Word]] = {}
        straddled: set[int] = set()
        for word in words:
            number = _region_of(grid, word)
            if number is None:
                straddled.update(n for n in range(len(grid.regions)) if _overlaps(grid, n, word))
            else:
                cells.setdefault(number, []).append(word)
        return [
            cell_text(cells.get(n, []), self.min_number_confidence)
            if n not in straddled
            else ("", False)
            for n in range(len(grid.regions))
        ]

    def read(self, cleaned: np.ndarray, grids: list[TableGrid]) -> PageReading:
        """The table read twice, as part of the page and on its own as a block of text lines;
        a number stands only where the readings agree."""
        words = self.words(cleaned)
        cell_texts, doubtful = [], 0
        for grid in grids:
            left, top = grid.xs[0], grid.ys[0]
            block = self.words(cleaned[top : grid.ys[-1], left : grid.xs[-1]], 6, (left, top))
            texts = []
            for (first, first_doubt), (second, second_doubt) in zip(
                self._cell_texts(grid, block), self._cell_texts(grid, words), strict=True
            ):
                text = _agreed(first, second)
                texts.append(text)
                doubtful += not text and (first_doubt or second_doubt)
            cell_texts.append(texts)
        outside = [word for word in words if not any(_inside(grid, word) for grid in grids)]
        return PageReading(text_lines(outside), cell_texts, doubtful)


def _region_of(grid: TableGrid, word: Word) -> int | None:
    """The cell holding the word, None if the word straddles a border (two cells' text
    read as one word, e.g. "0 0" as "00", must not land in either)."""
    cx, cy = (word.left + word.right) / 2, (word.top + word.bottom) / 2
    for number, region in enumerate(grid.regions):
        x0, y0, x1, y1 = grid.bounds(region)
        if x0 < cx < x1 and y0 < cy < y1:
            overhang = max(0, x0 - word.left) + max(0, word.right - x1)
            return None if overhang > 0.25 * (word.right - word.left) else number
    return None


def _overlaps(grid: TableGrid, number: int, word: Word) -> bool:
    x0, y0, x1, y1 = grid.bounds(grid.regions[number])
    return word.left < x1 and word.right > x0 and word.top < y1 and word.bottom > y0


def _agreed(first: str, second: str) -> str:
    """Two readings of one cell: a number only if both readings that saw it agree."""
    if not first or not second:
        return first or second
    if _NUMERIC.fullmatch(first) or _NUMERIC.fullmatch(second):
        return first if first == second else ""
    return first


# --- pages -------------------------------------------------------------------------------

ENGINES: dict[str, type] = {"rapidocr": RapidOcrEngine, "tesseract": TesseractEngine}


def ocr_engine(name: str | None = None) -> OcrEngine:
    """The engine by name, else ``NIANBAO_OCR_ENGINE``, else the default;
    ``ConverterMissing`` when it is not installed or not one we have."""
    name = name or os.environ.get(ENGINE_VARIABLE) or DEFAULT_ENGINE
    if name not in ENGINES:
        raise ConverterMissing(f"no OCR engine {name!r} (we have {', '.join(ENGINES)})")
    return ENGINES[name]()


def page_from_image(gray: np.ndarray, engine: OcrEngine) -> tuple[Page, int]:
    """One page image read by the engine; coordinates in PDF points. Also the count of
    numbers left blank for a doubtful digit."""
    gray = deskewed(gray)
    grids, rules = table_grids(gray, engine.dpi)
    cleaned = gray.copy()
    cleaned[_dilated(rules, 2)] = 255
    reading = engine.read(cleaned, grids)
    scale = 72 / engine.dpi
    tables = [
        table
        for grid, texts in zip(grids, reading.cell_texts, strict=True)
        if (table := _positioned_table(grid, texts, scale))
    ]
    height, width = gray.shape
    lines = [_scaled(line, scale) for line in reading.lines]
    return Page(width * scale, height * scale, lines, tables), reading.doubtful_numbers


def ocr_pdf_pages(data: bytes, indices: list[int], engine: str | None = None) -> OcrPages:
    """OCR the given pages (0-based) of a PDF; coordinates in PDF points like pdfplumber's."""
    reader = ocr_engine(engine)
    document = pypdfium2.PdfDocument(data)
    result = OcrPages([], reader.name)
    try:
        for index in indices:
            bitmap = document[index].render(scale=reader.dpi / 72, grayscale=True)
            gray = np.asarray(bitmap.to_pil().convert("L"))
            page, doubtful = page_from_image(gray, reader)
            result.pages.append(page)
            result.doubtful_numbers += doubtful
    finally:
        document.close()
    if result.doubtful_numbers:
        result.warnings.append(
            f"OCR: {result.doubtful_numbers} numbers left blank: a digit read with low"
            " confidence, two readings that differ, or ink no character accounts for"
        )
    return result
