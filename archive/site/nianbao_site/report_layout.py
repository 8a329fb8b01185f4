"""The three statistics tables of one report, laid out as the report prints them, for
the report page. Pure: statistics rows and labels in, rows of cells out."""

from __future__ import annotations

from dataclasses import dataclass, field

from nianbao_common import keys


@dataclass
class PrintedRow:
    label: str | None  # None: the table prints no row label
    cells: list[object]  # values (None = printed blank), or header texts
    header: bool = False


@dataclass
class PrintedTable:
    key: str
    title: str
    header_rows: list[list[tuple[str, int]]]  # (text, colspan) per header cell
    rows: list[PrintedRow]
    failed: list[dict] = field(default_factory=list)  # failed checks about this table


def _values(statistics: list[dict], table: str) -> dict[str, dict[str, object]]:
    values: dict[str, dict[str, object]] = {}
    for row in statistics:
        if row["table_key"] == table:
            values.setdefault(row["row_key"], {})[row["column_key"]] = row["value"]
    return values


def _ordered(present: dict, labels: tuple[keys.Label, ...]) -> list[keys.Label]:
    """Labels of the keys present, in print order; unknown keys last, as themselves."""
    known = [label for label in labels if label.key in present]
    names = {label.key for label in labels}
    return known + [keys.Label(k, k, k) for k in sorted(present) if k not in names]


# Where an item prints its own name for a shared measure key (spec table 2).
ITEM_MEASURE_LABELS = {("centralized_procurement", "amount_10k_yuan"): "采购总金额（万元）"}


def active_disclosure_table(statistics: list[dict], template: str | None) -> PrintedTable:
    values = _values(statistics, "active_disclosure")
    layout = keys.ACTIVE_DISCLOSURE_LAYOUT.get(template or "", {})
    measure_labels = {label.key: label for label in keys.ACTIVE_DISCLOSURE_MEASURES}
    rows: list[PrintedRow] = []
    header_rows: list[list[tuple[str, int]]] = []
    width = max((len(v) for v in values.values()), default=0)
    previous: tuple[str, ...] | None = None
    for item in _ordered(values, keys.ACTIVE_DISCLOSURE_ITEMS):
        measures = layout.get(item.key) or tuple(values[item.key])
        width = max(width, len(measures))
        if measures != previous:
            # Each block of items with the same measures gets its header row, as printed.
            zh = [
                ITEM_MEASURE_LABELS.get((item.key, m))
                or measure_labels.get(m, keys.Label(m, m, m)).zh
                for m in measures
            ]
            rows.append(PrintedRow("信息内容", zh, header=True))
            previous = measures
        rows.append(PrintedRow(item.zh, [values[item.key].get(m) for m in measures]))
    header_rows.append([("第二十条 主动公开政府信息情况", width + 1)])
    return PrintedTable("active_disclosure", "二、主动公开政府信息情况", header_rows, rows)


def applications_table(statistics: list[dict]) -> PrintedTable:
    values = _values(statistics, "applications")
    columns = keys.APPLICANT_COLUMNS
    header_rows = [
        [("", 1), ("申请人情况", len(columns))],
        [("", 1), ("自然人", 1), ("法人或其他组织", len(columns) - 2), ("总计", 1)],
        [("", 1), ("", 1), *((c.zh, 1) for c in columns[1:-1]), ("", 1)],
    ]
    rows = [
        PrintedRow(row.zh, [values[row.key].get(c.key) for c in columns])
        for row in _ordered(values, keys.APPLICATION_ROWS)
    ]
    return PrintedTable("applications", "三、收到和处理政府信息公开申请情况", header_rows, rows)


def review_litigation_table(statistics: list[dict]) -> PrintedTable:
    values = _values(statistics, "review_litigation")
    groups = _ordered(values, keys.REVIEW_GROUPS)
    columns = keys.REVIEW_COLUMNS
    header_rows = [
        [(group.zh, len(columns)) for group in groups],
        [(c.zh, 1) for _ in groups for c in columns],
    ]
    rows = [PrintedRow(None, [values[g.key].get(c.key) for g in groups for c in columns])]
    return PrintedTable(
        "review_litigation", "四、政府信息公开行政复议、行政诉讼情况", header_rows, rows
    )


def printed_tables(
    statistics: list[dict], template: str | None, checks: list[dict]
) -> list[PrintedTable]:
    """The report's tables that have any statistics, each with its failed checks."""
    tables = [
        active_disclosure_table(statistics, template),
        applications_table(statistics),
        review_litigation_table(statistics),
    ]
    present = {row["table_key"] for row in statistics}
    for table in tables:
        table.failed = [
            c for c in checks if not c["ok"] and (c["rule"] or "").startswith(table.key + ".")
        ]
    return [table for table in tables if table.key in present]
