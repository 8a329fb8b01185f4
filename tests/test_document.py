"""The Document contract round-trips through JSON: the golden .doc.json fixtures are
extracted Documents saved with ``to_dict`` and read back with ``from_dict``."""

import json

from pipelines.extract.document import Document, Paragraph, Table


def test_a_document_survives_json_with_its_blocks_in_order():
    document = Document(
        blocks=[
            Paragraph("一、总体情况"),
            Table(rows=[["信息内容", "本年制发件数"], ["规章", "0"]]),
            Table(rows=[["自然人", "0"]], grid=False),
        ],
        title="某局2023年政府信息公开工作年度报告",
        published="2024-01-20",
        page_count=3,
        method="pdf:pdfplumber",
        warnings=["dropped 2 page-number lines"],
    )
    restored = Document.from_dict(json.loads(json.dumps(document.to_dict(), ensure_ascii=False)))
    assert restored == document
    assert restored.text() == "一、总体情况\n信息内容\t本年制发件数\n规章\t0\n自然人\t0"
