"""Document → the parsed form of spec/report-format.md.

Rows of every table block (and paragraphs that are flattened table rows) are routed
to table 2, 3 or 4 by their own labels, or by the section they stand in when they have
none (a table split over a page break, a row of bare numbers). Each table reader then
sees its rows whatever the rendering was.
"""

from __future__ import annotations

import re

from nianbao_common.keys import APPLICATION_ROWS
from pipelines.extract.document import Document, Table
from pipelines.parse import active, applications, meta, review
from pipelines.parse.cells import label, read_value
from pipelines.parse.checks import run_checks

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
PRE_TEMPLATE_WARNING = (
    "no table of the 2019 or 2021 template (a free-form report, as before 2019): "
    "statistics left empty"
)


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


def _route(
    doc: Document,
) -> tuple[dict[str, list[applications.RowBlock]], dict[str, list[str]], list[str]]:
    """Rows per table (grouped by the block they stand in), paragraph texts per section,
    and all paragraph texts in order."""
    rows: dict[str, list[applications.RowBlock]] = {"active": [], "applications": [], "review": []}
    sections: dict[str, list[str]] = {}
    paragraphs: list[str] = []
    section: str | None = None
    section_number: int | None = None
    context: str | None = None
    for block in doc.blocks:
        if isinstance(block, Table):
            groups: dict[str, applications.RowBlock] = {}
            for row in block.rows:
                context = _row_kind(row) or context
                if context:
                    if context not in groups:
                        groups[context] = applications.RowBlock([], block.grid)
                        rows[context].append(groups[context])
                    groups[context].rows.append(row)
            continue
        text = block.text
        key = meta.heading_key(text)
        number = meta.top_heading_number(text)
        if key:
            if key not in sections or not "".join(sections[key]).strip():
                sections[key] = []
            section, section_number = key, number
            context = _TABLE_OF_SECTION.get(key)
            continue
        flattened = _flattened_row(text, context) if context else None
        if flattened:
            rows[context].append(applications.RowBlock([flattened]))
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


def _all_rows(blocks: list[applications.RowBlock]) -> list[list[str]]:
    return [row for block in blocks for row in block.rows]


def _template(
    active_table: active.ActiveTable, apps: applications.ApplicationsTable, warnings: list[str]
) -> str | None:
    by_rows = apps.template
    by_columns = active_table.template
    if by_columns and by_rows and by_columns != by_rows:
        warnings.append(
            f"mixed template: table 2 printed on the {by_columns} template, "
            f"table 3 on the {by_rows} template"
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
            f"no year in the report: {year} taken as the year before its publication ({published})"
        )
    return agency, year, title


def _empty_report(agency, year, title, is_report, warnings) -> dict:
    return {
        "agency": agency,
        "year": year,
        "template": None,
        "title": title,
        "is_report": is_report,
        "active_disclosure": {},
        "applications": {},
        "review_litigation": {},
        "sections": {},
        "checks": [],
        "warnings": warnings,
    }


def parse_document(doc: Document, hints: dict | None = None) -> dict:
    """An extracted document → the parsed form (spec/report-format.md). ``hints`` may
    carry ``agency``, ``year``, ``title``, ``published`` from the page the document
    was found on; they are preferred where present and plausible."""
    hints = hints or {}
    warnings = list(doc.warnings)
    if doc.ocr:
        warnings.append("numbers read by OCR: check them against the original")
    rows, section_texts, paragraphs = _route(doc)
    agency, year, title = _identity(
        doc, hints, [b.text for b in doc.blocks if not isinstance(b, Table)], warnings
    )
    apps = applications.read_applications(rows["applications"], blanks_printed=not doc.ocr)
    active_table = active.read_active(_all_rows(rows["active"]), apps.template)
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
        warnings.append(f"not an annual report ({title or 'no title'}): nothing parsed")
        return _empty_report(agency, year, title, False, warnings)
    template = _template(active_table, apps, warnings)
    sections = {key: "\n".join(texts) for key, texts in section_texts.items()}
    if template is None and not apps.templated:
        warnings.append(PRE_TEMPLATE_WARNING)
        report = _empty_report(agency, year, title, True, warnings)
        report["sections"] = sections
        return report
    review_table = review.read_review(_all_rows(rows["review"]))
    warnings += active_table.warnings + apps.warnings + review_table.warnings
    if template is None:
        warnings.append("template not recognised from the labels: tables read, template left null")
    application_values = {key: apps.values[key] for key in _ROW_ORDER if key in apps.values}
    return {
        "agency": agency,
        "year": year,
        "template": template,
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
