"""Rows of flattened text whose cells' digits run together.

A page's text taken with its tables run together prints a row as its label and one run
of digits (``一、本年新收政府信息公开申请数量21710000218`` for 217 1 0 0 0 0 218). A run is cut
into the row's cells only where exactly one way of cutting every such row of the table
makes every identity of the table hold (row totals, outcomes, the balance; each group's
总计 in table 4): otherwise the rows stay null. A blank cell prints no digit, so a cut
assumes every cell printed; a table with blanks has fewer digits than that needs, or
breaks an identity, and is left null.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from itertools import product

# A label (ending in anything but a digit, a point or a space) and a run of digits.
_GLUED = re.compile(r"^(?P<label>.*[^\d.,\s])(?P<digits>\d+(?:\.\d+)?)$")
# Longest number a cell is taken to hold.
MAX_DIGITS = 7
# More combined cuts than this and the table is not decoded.
MAX_COMBINATIONS = 4096

Cut = tuple[int, ...]


class GluedRow(list):
    """A row printed as its label and one run of digits. As a list it is the label alone,
    so a reader that does not decode it reads a label with no values."""

    def __init__(self, label: str, digits: str) -> None:
        super().__init__([label])
        self.digits = digits


def glued_row(text: str) -> GluedRow | None:
    """A line ending in digits run together: a label with digits run on
    (``…申请数量21710000218``, ``规章003``), maybe followed by runs the page kept apart
    (``…情形）500000 5``: a space is a cell boundary), or a run no single number prints
    (``规章 000``); None for a row of separate values (``规章 0 0 3``)."""
    words = text.split()
    runs = 0
    while runs < len(words) and words[-1 - runs].isdigit():
        runs += 1
    trailing = words[len(words) - runs :]
    match = _GLUED.match(words[-1 - runs]) if runs < len(words) else None
    if match:
        label = " ".join([*words[: len(words) - runs - 1], match["label"]])
        return GluedRow(label, " ".join([match["digits"], *trailing]))
    if any(len(run) > 1 and run[0] == "0" for run in trailing):
        return GluedRow(" ".join(words[: len(words) - runs]), " ".join(trailing))
    return None


def cuts(digits: str, parts: int) -> Iterator[Cut]:
    """Every way to cut ``digits`` into ``parts`` whole numbers, none but 0 itself
    starting with 0, none longer than ``MAX_DIGITS``; a space in ``digits`` is a cut every
    way makes."""
    runs = digits.split()
    if len(runs) == 1:
        yield from _cuts_of_run(runs[0], parts)
        return
    rest = " ".join(runs[1:])
    for first in range(1, parts - len(runs) + 2):
        for head in _cuts_of_run(runs[0], first):
            for tail in cuts(rest, parts - first):
                yield head + tail


def _cuts_of_run(digits: str, parts: int) -> Iterator[Cut]:
    if not digits.isdigit() or parts > len(digits):
        return
    if parts == 1:
        if len(digits) <= MAX_DIGITS and (digits == "0" or digits[0] != "0"):
            yield (int(digits),)
        return
    longest = 1 if digits[:1] == "0" else MAX_DIGITS
    for size in range(1, min(longest, len(digits) - parts + 1) + 1):
        for rest in _cuts_of_run(digits[size:], parts - 1):
            yield (int(digits[:size]), *rest)


def decode(
    runs: dict[str, str],
    parts: int,
    row_holds: Callable[[Cut], bool],
    table_holds: Callable[[dict[str, Cut]], bool],
) -> dict[str, Cut] | None:
    """The one cut of every run (key → digits) with which each row holds and the table
    holds; None where there is none or more than one."""
    options = {
        key: [cut for cut in cuts(digits, parts) if row_holds(cut)] for key, digits in runs.items()
    }
    total = 1
    for found in options.values():
        total *= len(found)
    if not total or total > MAX_COMBINATIONS:
        return None
    keys = list(options)
    holding: list[dict[str, Cut]] = []
    for choice in product(*(options[key] for key in keys)):
        cut = dict(zip(keys, choice, strict=True))
        if table_holds(cut):
            holding.append(cut)
            if len(holding) > 1:
                return None
    return holding[0] if holding else None
