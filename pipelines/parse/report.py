"""Document → the parsed form of spec/report-format.md.

Rows of every table block (and paragraphs that are flattened table rows) are routed
to table 2, 3 or 4 by their own labels, or by the section they stand in when they have
none (a table split over a page break, a row of bare numbers). Paragraphs are first cut
where run-together headings and rows begin (``flattened``); a paragraph of a table's
section may be a row printed with spaces, a label with its cells' digits glued
(``glued``), or — table 3 — a label on a line of its own (a PDF text layer's group
label, or a label wrapped above its numbers). Each table reader then sees its rows
whatever the rendering was. A report on a year before the 2019 template is its own kind
(status ``pre2019``): its tables are not read.
"""

from __future__ import annotations

import re

from nianbao_common.keys import APPLICATION_ROWS
from pipelines.extract.document import Document, Table
from pipelines.parse import active, applications, meta, review
from pipelines.parse.blocks import RowBlock
from pipelines.parse.cells import label, read_value
from pipelines.parse.checks import run_checks
from pipelines.parse.flattened import split_run_together
from pipelines.parse.glued import GluedRow, glued_row
from pipelines.parse.warn import warning

_TABLE_OF_SECTION = {
    "active_disclosure": "active",
    "applications": "applications",
    "review_litigation": "review",
}
_REVIEW_WORDS = (
    "行政复议",
    "行政诉讼",
    "结果维持",
    "结果纠正",
    "尚未审结",
    "复议后起诉",
    "直接起诉",
)
_APPLICATION_WORDS = applications.ROW_WORDS + ("申请人情况", "自然人", "商业企业", "科研机构")
_ACTIVE_WORDS = active.ROW_WORDS + (
    "制发件数",
    "新制作",
    "上一年项目",
    "处理决定",
    "收费金额",
    "采购项目",
)
_SPACES = re.compile(r"\s+")
_ROW_ORDER = tuple(row.key for row in APPLICATION_ROWS)
# The first year reported on the 2019 template (国办公开办函〔2019〕60号).
FIRST_TEMPLATE_YEAR = 2019
# Numbers table 3 must show for a report dated before the templates to be read as one.
_TEMPLATED_NUMBERS = 10


def _row_kind(cells: list[str]) -> str | None:
    joined = "|".join(label(cell) for cell in cells if cell)
    if any(word in joined for word in _REVIEW_WORDS):
        return "review"
    if any(word in joined for word in _APPLICATION_WORDS):
        return "applications"
    if any(word in joined for word in _ACTIVE_WORDS):
        return "active"
    return None


def _flattened_row(text: str, kind: str) -> list[str] | None:
    """A paragraph that is a table row printed with spaces (``规章 0 0 0``)."""
    tokens = _SPACES.split(text.strip())
    values = 0
    while values < len(tokens) and read_value(tokens[-1 - values]).is_value:
        values += 1
    labels = tokens[: len(tokens) - values]
    row = (["".join(labels)] if labels else []) + tokens[len(tokens) - values :]
    if values >= 3 or values and labels and _row_kind(row) == kind:
        return row
    if not values and kind == "active" and _row_kind(tokens) == "active":
        return active.flattened_header(text) or (tokens if len(tokens) <= 6 else None)
    return None


def _glued_line(text: str, kind: str) -> GluedRow | None:
    """A row of flattened text with its cells' digits run together: its label names a row
    of the table (table 4: a run of digits alone, one per cell at least)."""
    compact = text.strip()
    if kind == "review" and compact.isdigit() and len(compact) >= review.WIDTH:
        return GluedRow("", compact)
    glued = glued_row(text)
    if glued is None:
        return None
    if kind == "applications" and applications.names_a_row(glued[0]):
        return glued
    if kind == "active" and active.item_of(label(glued[0])):
        return glued
    if kind == "review" and _row_kind([glued[0]]) == "review":
        return glued
    return None


def _label_line(text: str) -> bool:
    """A short line naming a row or group of table 3 and holding nothing else: a group
    label or 三、本年度办理结果 printed between the rows, or a label wrapped above its
    numbers (PDF text in layout order)."""
    compact = label(text)
    return (
        len(compact) <= 50
        and "。" not in compact
        and not read_value(_SPACES.split(text.strip())[-1]).is_value
        and applications.names_a_row(compact)
    )


def _table_line(text: str, kind: str) -> list[str] | None:
    """A paragraph that is a row of the table of its section, or None."""
    row = _glued_line(text, kind) or _flattened_row(text, kind)
    if row is None and kind == "applications" and _label_line(text):
        row = [text.strip()]
    return row


def _route(
    doc: Document,
) -> tuple[dict[str, list[RowBlock]], dict[str, list[str]], list[str]]:
    """Rows per table (grouped by the block they stand in), paragraph texts per section,
    and all paragraph texts in order."""
    rows: dict[str, list[RowBlock]] = {"active": [], "applications": [], "review": []}
    sections: dict[str, list[str]] = {}
    paragraphs: list[str] = []
    section: str | None = None
    section_number: int | None = None
    context: str | None = None
    for block in doc.blocks:
        if isinstance(block, Table):
            groups: dict[str, RowBlock] = {}
            for row in block.rows:
                context = _row_kind(row) or context
                if context:
                    if context not in groups:
                        groups[context] = RowBlock([], block.grid)
                        rows[context].append(groups[context])
                    groups[context].rows.append(row)
            continue
        for text in split_run_together(block.text, section):
            key = meta.heading_key(text)
            number = meta.top_heading_number(text)
            if key:
                if key not in sections or not "".join(sections[key]).strip():
                    sections[key] = []
                section, section_number = key, number
                context = _TABLE_OF_SECTION.get(key)
                continue
            line = _table_line(text, context) if context else None
            if line:
                rows[context].append(RowBlock([line]))
                continue
            if number and section_number and number > section_number and not _row_kind([text]):
                # A later top-level part the template does not have (before 2019: 收费及减免,
                # 咨询处理): its text belongs to no section.
                section, section_number, context = None, number, None
                paragraphs.append(text)
                continue
            paragraphs.append(text)
            if section:
                sections[section].append(text)
    return rows, sections, paragraphs


def _all_rows(blocks: list[RowBlock]) -> list[list[str]]:
    return [row for block in blocks for row in block.rows]


def _template(
    active_table: active.ActiveTable, apps: applications.ApplicationsTable, warnings: list[str]
) -> str | None:
    by_rows = apps.template
    by_columns = active_table.template
    if by_columns and by_rows and by_columns != by_rows:
        warnings.append(
            warning(
                "mixed_template",
                f"mixed template: table 2 printed on the {by_columns} template, "
                f"table 3 on the {by_rows} template",
            )
        )
    return by_columns or by_rows


def _year_before_publication(published: object) -> int | None:
    """``2024-01-20`` → 2023: reports are published in the first months after their year."""
    match = re.match(r"((?:19|20)\d{2})-\d{2}", str(published or ""))
    return int(match[1]) - 1 if match else None


def _identity(
    doc: Document, hints: dict, paragraphs: list[str], warnings: list[str]
) -> tuple[str | None, int | None, str | None]:
    head = paragraphs[:12]
    title = (
        hints.get("title") or doc.title or meta.find_title(head) or meta.title_in_body(paragraphs)
    )
    agency = hints.get("agency") if meta.plausible_agency(hints.get("agency")) else None
    if agency is None:
        short = meta.agency_from_title(meta.find_title(head) or title)
        agency = (
            meta.fuller_agency(short, paragraphs)
            if short
            else meta.agency_line(head, title or "")
            or meta.agency_from_body(paragraphs)
            or meta.signature_agency(paragraphs)
        )
    year = hints.get("year") if meta.plausible_year(hints.get("year")) else None
    if year is None:
        year = meta.year_from([t for t in (title, meta.find_title(head)) if t]) or (
            meta.year_from_body(paragraphs[:12])
        )
    published = hints.get("published") or doc.published
    if year is None and _year_before_publication(published):
        year = _year_before_publication(published)
        warnings.append(
            warning(
                "year_from_publication",
                f"no year in the report: {year} taken as the year before its publication "
                f"({published})",
            )
        )
    return agency, year, title


def _empty_report(
    agency, year, title, is_report, warnings, status="no_tables", sections=None
) -> dict:
    return {
        "agency": agency,
        "year": year,
        "template": None,
        "status": status,
        "title": title,
        "is_report": is_report,
        "active_disclosure": {},
        "applications": {},
        "review_litigation": {},
        "sections": sections or {},
        "checks": [],
        "warnings": warnings,
    }


def _numbers_read(table: dict[str, dict[str, int | float | None]]) -> int:
    return sum(value is not None for row in table.values() for value in row.values())


def _status(tables: tuple[dict, ...]) -> str:
    """``complete`` where each statistics table has a number read, ``partial`` where some
    have, ``no_tables`` where none has (keys: ``PARSE_STATUSES``)."""
    read = sum(_numbers_read(table) > 0 for table in tables)
    return "complete" if read == len(tables) else "partial" if read else "no_tables"


def _before_the_templates(
    year: int | None,
    template: str | None,
    apps: applications.ApplicationsTable,
    warnings: list[str],
) -> bool:
    """A report on a year before the 2019 template: its tables are free-form or the old
    statistics table (主动公开文件数, 当面申请数 …), never the template's, and are not read.
    Where table 3 shows the template filled in all the same, the year is doubtful: the
    tables are read, with a warning."""
    if year is None or year >= FIRST_TEMPLATE_YEAR:
        return False
    if template is not None and _numbers_read(apps.values) >= _TEMPLATED_NUMBERS:
        warnings.append(
            warning(
                "template_before_its_year",
                f"a report on {year} printed on the {template} template: tables read, "
                "check the year",
            )
        )
        return False
    warnings.append(
        warning(
            "pre2019_tables_not_read",
            f"a report on {year}, before the 2019 template (free-form, or an old-style "
            "table): its tables are not read; statistics left empty",
        )
    )
    return True


def parse_document(doc: Document, hints: dict | None = None) -> dict:
    """An extracted document → the parsed form (spec/report-format.md). ``hints`` may
    carry ``agency``, ``year``, ``title``, ``published`` from the page the document
    was found on; they are preferred where present and plausible."""
    hints = hints or {}
    warnings = list(doc.warnings)
    if doc.ocr:
        warnings.append(
            warning("ocr_numbers", "numbers read by OCR: check them against the original")
        )
    rows, section_texts, paragraphs = _route(doc)
    agency, year, title = _identity(
        doc, hints, [b.text for b in doc.blocks if not isinstance(b, Table)], warnings
    )
    apps = applications.read_applications(rows["applications"], blanks_printed=not doc.ocr)
    active_table = active.read_active(rows["active"], apps.template)
    kind = meta.is_report_title(title)
    if kind is None and meta.names_itself_report(paragraphs):
        kind = True
    templated = bool(apps.values or active_table.template)
    if (
        kind is False
        and not apps.values
        or kind is None
        and not templated
        and len(section_texts) < 3
    ):
        warnings.append(
            warning("not_a_report", f"not an annual report ({title or 'no title'}): nothing parsed")
        )
        return _empty_report(agency, year, title, False, warnings)
    template = _template(active_table, apps, warnings)
    sections = {key: "\n".join(texts) for key, texts in section_texts.items()}
    if _before_the_templates(year, template, apps, warnings):
        return _empty_report(agency, year, title, True, warnings, "pre2019", sections)
    if template is None and not apps.templated:
        warnings.append(
            warning(
                "free_form_no_template",
                "no table of the 2019 or 2021 template (a free-form report): statistics left empty",
            )
        )
        return _empty_report(agency, year, title, True, warnings, sections=sections)
    review_table = review.read_review(_all_rows(rows["review"]))
    warnings += active_table.warnings + apps.warnings + review_table.warnings
    if template is None:
        warnings.append(
            warning(
                "template_unrecognised",
                "template not recognised from the labels: tables read, template left null",
            )
        )
    application_values = {key: apps.values[key] for key in _ROW_ORDER if key in apps.values}
    tables = (active_table.values, application_values, review_table.values)
    return {
        "agency": agency,
        "year": year,
        "template": template,
        "status": _status(tables),
        "title": title,
        "is_report": True,
        "active_disclosure": active_table.values,
        "applications": application_values,
        "review_litigation": review_table.values,
        "sections": sections,
        "checks": run_checks(
            application_values,
            review_table.values,
            paragraphs,
            active_table.values,
            active_table.current_items,
        ),
        "warnings": warnings,
    }
