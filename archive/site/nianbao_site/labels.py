"""The site's Chinese words for what the archive stores in codes: column headers from the
metadata's bilingual descriptions, the Chinese half of bilingual titles, and check rules
and parser warnings with the statistics table each one is about. Pure."""

from __future__ import annotations

import re
from typing import NamedTuple

from nianbao_common import keys

# Where the short Chinese name of a column description ends: its explanation starts.
_LABEL_END = re.compile(r"[（(，,：:；;/]| [A-Za-z]")
# Where the English half of a bilingual text starts: " / ", or a capitalised English word.
_ENGLISH = re.compile(r"\s/\s|\s+(?=[A-Z][a-z])")
# Parser warning codes name their table: t2_… is table 2 of the report.
WARNING_TABLES = {"t2": "active_disclosure", "t3": "applications", "t4": "review_litigation"}
# A warning without a code may still begin with the table it is about ("table 3 row …").
_NUMBERED_TABLE = re.compile(r"table ([234])\b")
TABLE_KEYS = {label.key for label in keys.TABLES}


def short_label(description: str | None) -> str | None:
    """A column header from a bilingual description:
    ``"发布机关（报告自称的名称） / Issuing agency"`` → ``"发布机关"``."""
    if not description:
        return None
    head = _LABEL_END.split(description.split(" / ")[0], maxsplit=1)[0].strip()
    return head or None


def zh_part(text: str | None) -> str:
    """The Chinese half of a bilingual text: what comes before its English
    (``"一个机关的历年数据 One agency across years"`` → ``"一个机关的历年数据"``)."""
    text = text or ""
    return _ENGLISH.split(text, maxsplit=1)[0].strip() or text


def column_labels(metadata: dict, database: str) -> dict[str, str]:
    """Column name → Chinese header for every column described anywhere in the
    database's metadata (tables first, then the canned queries' ``columns``), for
    columns that have no description where they are shown (a query's results)."""
    labels: dict[str, str] = {}
    described = metadata.get("databases", {}).get(database, {})
    groups = [t.get("columns", {}) for t in described.get("tables", {}).values()]
    groups += [q.get("columns", {}) for q in described.get("queries", {}).values()]
    for columns in groups:
        for name, description in columns.items():
            label = short_label(description)
            if label:
                labels.setdefault(name, label)
    return labels


class Note(NamedTuple):
    """A check or warning as a reader sees it."""

    code: str | None
    zh: str | None  # None: no Chinese text for it (shown as it is)
    detail: str
    table: str | None  # the statistics table it is about, or None for the whole report


def check_note(rule: str | None, detail: str | None) -> Note:
    rule = rule or ""
    table = rule.split(".", 1)[0]
    return Note(
        rule,
        keys.WARNING_LABELS_ZH.get(rule),
        detail or "",
        table if table in TABLE_KEYS else None,
    )


def warning_note(text: str) -> Note:
    """A parser warning ``code: detail``; one without a known code stays as it is."""
    code, _, detail = text.partition(": ")
    zh = keys.WARNING_LABELS_ZH.get(code)
    if zh is None:
        numbered = _NUMBERED_TABLE.match(text)
        return Note(None, None, text, WARNING_TABLES.get(f"t{numbered[1]}") if numbered else None)
    return Note(code, zh, detail, WARNING_TABLES.get(code.split("_", 1)[0]))
