"""The arithmetic the template implies, checked on the printed numbers.

Each check is a finding ``{"rule", "ok", "detail"}`` about the report; the numbers are
never corrected. A check is left out where none of its sums can be computed (a blank
is not zero, so a sum with a blank term is not computed).
"""

from __future__ import annotations

import re

from nianbao_common.keys import APPLICANT_COLUMNS, OUTCOME_ROWS, REVIEW_COLUMNS
from pipelines.parse.cells import label

Table = dict[str, dict[str, int | float | None]]
_APPLICANTS = tuple(c.key for c in APPLICANT_COLUMNS if c.key != "total")
_COLUMNS = tuple(c.key for c in APPLICANT_COLUMNS)
_REVIEW_PARTS = tuple(c.key for c in REVIEW_COLUMNS if c.key != "total")
_STATED_RECEIVED = re.compile(
    r"(?:收到|受理|新收|接收|接到)[^。;,，；]{0,14}?申请(?:共计|合计|共)?(\d+)(?:件|个|条|次|份)"
)
_STATED_NONE = re.compile(r"未(?:收到|受理|接到)[^。;；]{0,16}?申请")


def _close(a: float, b: float) -> bool:
    return abs(a - b) < 1e-6


def _finding(rule: str, failures: list[str], computed: int) -> dict | None:
    if not computed:
        return None
    return {"rule": rule, "ok": not failures, "detail": "; ".join(failures)}


def _balance(table: Table) -> dict | None:
    rows = ("new_received", "carried_over", "total_processed", "carried_forward")
    failures, computed = [], 0
    for column in _COLUMNS:
        got = [table.get(row, {}).get(column) for row in rows]
        if None in got:
            continue
        computed += 1
        if not _close(got[0] + got[1], got[2] + got[3]):
            failures.append(f"{column}: {got[0]}+{got[1]} ≠ {got[2]}+{got[3]}")
    return _finding("applications.balance", failures, computed)


def _outcomes(table: Table) -> dict | None:
    present = [row for row in OUTCOME_ROWS if row in table]
    failures, computed = [], 0
    for column in _COLUMNS:
        total = table.get("total_processed", {}).get(column)
        parts = [table[row].get(column) for row in present]
        if total is None or not parts or None in parts:
            continue
        computed += 1
        if not _close(sum(parts), total):
            failures.append(f"{column}: outcomes add up to {sum(parts)}, 总计 {total}")
    return _finding("applications.outcomes", failures, computed)


def _row_totals(table: Table) -> dict | None:
    failures, computed = [], 0
    for row, values in table.items():
        parts = [values.get(column) for column in _APPLICANTS]
        total = values.get("total")
        if total is None or None in parts:
            continue
        computed += 1
        if not _close(sum(parts), total):
            failures.append(f"{row}: columns add up to {sum(parts)}, 总计 {total}")
    return _finding("applications.row_totals", failures, computed)


def _review_totals(table: Table) -> dict | None:
    failures, computed = [], 0
    for group, values in table.items():
        parts = [values.get(part) for part in _REVIEW_PARTS]
        total = values.get("total")
        if total is None or None in parts:
            continue
        computed += 1
        if not _close(sum(parts), total):
            failures.append(f"{group}: {'+'.join(str(p) for p in parts)} ≠ 总计 {total}")
    return _finding("review_litigation.totals", failures, computed)


def _text_vs_table(paragraphs: list[str], table: Table) -> dict | None:
    received = table.get("new_received", {}).get("total")
    if received is None:
        return None
    carried = table.get("carried_over", {}).get("total") or 0
    failures, computed = [], 0
    for text in paragraphs:
        compact = label(text)
        stated = [(int(m[1]), m[0]) for m in _STATED_RECEIVED.finditer(compact)]
        stated += [(0, m[0]) for m in _STATED_NONE.finditer(compact)]
        for number, phrase in stated:
            computed += 1
            if not (_close(number, received) or _close(number, received + carried)):
                failures.append(f"text says “{phrase}”, table 新收 总计 {received}")
    return _finding("text_vs_table", failures, computed)


def _active_change(active: Table, current_items: dict[str, int | float | None]) -> dict | None:
    """2019 template: 上一年项目数量 + 本年增/减 = 本年项目数量, where the report prints the
    latter too; a report giving only the prior count and the change is not checked."""
    failures, computed = [], 0
    for item, current in current_items.items():
        prior = active.get(item, {}).get("prior_year_items")
        change = active.get(item, {}).get("change")
        if None in (prior, change, current):
            continue
        computed += 1
        if not _close(prior + change, current):
            failures.append(f"{item}: {prior}{change:+} ≠ 本年 {current}")
    return _finding("active_disclosure.change", failures, computed)


def table3_findings(applications: Table) -> list[dict]:
    """The checks of table 3 alone that can be computed: balance, outcomes, row totals."""
    findings = [_balance(applications), _outcomes(applications), _row_totals(applications)]
    return [finding for finding in findings if finding]


def run_checks(
    applications: Table,
    review: Table,
    paragraphs: list[str],
    active: Table | None = None,
    current_items: dict[str, int | float | None] | None = None,
) -> list[dict]:
    """Every check that can be computed on the parsed tables and the prose.
    ``current_items`` holds the 本年项目数量 of table 2 where a report prints it."""
    findings = [
        *table3_findings(applications),
        _review_totals(review),
        _active_change(active or {}, current_items or {}),
        _text_vs_table(paragraphs, applications),
    ]
    return [finding for finding in findings if finding]
