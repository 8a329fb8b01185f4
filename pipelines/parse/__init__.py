"""Parsing: an extracted document (or plain text) → the report's parsed form."""

from __future__ import annotations

from pipelines.extract.document import Document
from pipelines.extract.text import extract_text_document
from pipelines.parse.report import parse_document


def parse_text(text: str, hints: dict | None = None) -> dict:
    """Plain text or Markdown → the parsed form (``parse_document`` of its Document)."""
    return parse_document(extract_text_document(text), hints)


__all__ = ["Document", "parse_document", "parse_text"]
