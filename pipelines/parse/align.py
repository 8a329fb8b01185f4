"""Printed values that do not fit the table's columns, placed by the table's arithmetic.

A rendering can show more values than a row has columns (a cell printed twice, a stray
number, a number a conversion split into its digits: ``12`` → ``1 | 2``) or fewer (blank
cells closed up). ``readings`` lists every way the values can stand in the columns with
as few edits as the count difference asks; ``agreed_cells`` keeps the readings that break
none of the table's identities and, of them, the cells every one agrees on. A cell on
which they differ — or every cell, where no reading holds — is None: never a guess.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

Number = int | float | None
Reading = tuple[Number, ...]
# More edits than this and the run is not read at all (too many ways to place it).
MAX_EDITS = 4


def _joinable(left: Number, right: Number) -> bool:
    """Two values that may be one number split in two: both whole, the left not 0."""
    return isinstance(left, int) and isinstance(right, int) and left > 0 and right >= 0


@cache
def _fewer(values: Reading, edits: int, joins: bool) -> frozenset[Reading]:
    if edits == 0:
        return frozenset({values})
    found: set[Reading] = set()
    for i in range(len(values)):
        found |= _fewer(values[:i] + values[i + 1 :], edits - 1, joins)
        if joins and i + 1 < len(values) and _joinable(values[i], values[i + 1]):
            merged = int(f"{values[i]}{values[i + 1]}")
            found |= _fewer(values[:i] + (merged,) + values[i + 2 :], edits - 1, joins)
    return frozenset(found)


@cache
def _more(values: Reading, blanks: int) -> frozenset[Reading]:
    if blanks == 0:
        return frozenset({values})
    found: set[Reading] = set()
    for i in range(len(values) + 1):
        found |= _more(values[:i] + (None,) + values[i:], blanks - 1)
    return frozenset(found)


def readings(values: list[Number], width: int, *, joins: bool = False) -> frozenset[Reading]:
    """Every placing of ``values`` in ``width`` columns: values dropped (or, with ``joins``,
    neighbouring whole numbers joined) where there are too many, blank cells inserted where
    there are too few. Empty where the difference is more than ``MAX_EDITS``."""
    difference = len(values) - width
    if abs(difference) > MAX_EDITS:
        return frozenset()
    if difference >= 0:
        return _fewer(tuple(values), difference, joins)
    return _more(tuple(values), -difference)


def agreed_cells(
    candidates: frozenset[Reading], holds: Callable[[Reading], bool]
) -> list[Number] | None:
    """The cells every candidate that ``holds`` (breaks no identity of the table) agrees
    on, None in the others; None where no candidate holds."""
    passing = [reading for reading in candidates if holds(reading)]
    if not passing:
        return None
    return [column[0] if len(set(column)) == 1 else None for column in zip(*passing, strict=True)]


def parts_add_up(reading: Reading, size: int) -> bool:
    """Each run of ``size`` cells ends in the sum of the others, where all are printed
    (a blank term is not zero: such a run is not checked)."""
    for start in range(0, len(reading), size):
        group = reading[start : start + size]
        if None not in group and abs(sum(group[:-1]) - group[-1]) > 1e-9:
            return False
    return True
