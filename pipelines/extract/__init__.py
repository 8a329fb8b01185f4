"""Extraction: the bytes of a fetched file → a Document (ordered paragraphs and tables).

``extract`` reads what the bytes are (``sniff_format``), not what the server or the file name
says, and dispatches to the reader of that format. Bad input raises one of the typed
``ExtractionError`` subclasses with a one-line message, never anything else.
"""

from __future__ import annotations

from pipelines.extract.doc import extract_doc
from pipelines.extract.document import (
    ConverterFailed,
    CorruptFile,
    Document,
    EmptyFile,
    EncryptedFile,
    ExtractionError,
    MislabelledFile,
    TooLarge,
    UnsupportedFormat,
)
from pipelines.extract.docx import extract_docx
from pipelines.extract.encoding import decode_text
from pipelines.extract.html import extract_html, page_title
from pipelines.extract.pdf import extract_pdf
from pipelines.extract.sniff import declared_format, sniff_format
from pipelines.extract.text import extract_text_document

__all__ = ["Document", "ExtractionError", "extract", "sniff_format"]

MAX_BYTES = 100 * 1024 * 1024
_DOCUMENT_FORMATS = {"pdf", "docx", "doc", "wps", "xls", "xlsx", "rtf"}
_NAMES = {
    "pdf": "a PDF",
    "docx": "a DOCX file",
    "doc": "a Word .doc file",
    "wps": "a WPS file",
    "html": "an HTML page",
    "text": "plain text",
}


def _read(fmt: str, data: bytes, content_type: str | None, url: str | None, ocr: bool) -> Document:
    if fmt == "pdf":
        return extract_pdf(data, ocr=ocr)
    if fmt == "html":
        return extract_html(data, content_type=content_type, url=url)
    if fmt == "docx":
        return extract_docx(data)
    if fmt in ("doc", "wps", "rtf"):
        return extract_doc(data, suffix=fmt)
    if fmt == "text":
        text, codec, warnings = decode_text(data, content_type)
        document = extract_text_document(text)
        document.method = f"text({codec})"
        document.warnings.extend(warnings)
        return document
    if fmt == "encrypted-ooxml":
        raise EncryptedFile("password-protected Office document (encrypted OOXML package)")
    raise UnsupportedFormat(f"unsupported format: {fmt}")


def _mislabel_error(declared: str, data: bytes, url: str | None) -> MislabelledFile:
    title = page_title(data)
    where = f" ({url})" if url else ""
    what = f"an HTML page titled {title!r}" if title else "an HTML page"
    return MislabelledFile(f"expected {_NAMES.get(declared, declared)}{where}, got {what}")


def _header(headers: dict, name: str) -> str | None:
    """One header from a plain dict or Scrapy's (bytes keys, lists of bytes values)."""
    for key, value in headers.items():
        key = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if key.lower() == name:
            value = value[-1] if isinstance(value, list | tuple) and value else value
            return value.decode("latin-1") if isinstance(value, bytes) else value
    return None


def extract(
    data: bytes,
    *,
    content_type: str | None = None,
    url: str | None = None,
    headers: dict | None = None,
    ocr: bool = True,
) -> Document:
    """The Document of a fetched file. ``headers`` (the response's) supply the Content-Type
    when ``content_type`` is not given; ``ocr`` False turns scanned pages into an error."""
    if content_type is None and headers:
        content_type = _header(headers, "content-type")
    if len(data) > MAX_BYTES:
        raise TooLarge(f"file is {len(data) / 1e6:.0f} MB (limit {MAX_BYTES / 1e6:.0f} MB)")
    fmt = sniff_format(data, content_type, url)
    if fmt == "empty":
        raise EmptyFile("file is empty")
    declared = declared_format(content_type, url)
    if fmt == "html" and declared in _DOCUMENT_FORMATS:
        raise _mislabel_error(declared, data, url)
    if fmt == "binary":
        if declared in ("html", "text"):
            raise MislabelledFile(
                f"expected {_NAMES[declared]}, got binary data of no known format"
            )
        if declared in _DOCUMENT_FORMATS:
            raise CorruptFile(f"expected {_NAMES.get(declared, declared)}, got unrecognised bytes")
        raise UnsupportedFormat("binary data of no known format")
    try:
        document = _read(fmt, data, content_type, url, ocr)
    except ExtractionError:
        raise
    except RecursionError as error:
        raise CorruptFile(f"{fmt} file nested too deeply to read") from error
    except Exception as error:  # a reader's library failing on bad input: still a bad file
        raise ConverterFailed(f"{fmt} reader failed: {type(error).__name__}: {error}") from error
    if declared and declared != fmt:
        document.warnings.append(f"served as {declared} but the bytes are {fmt}")
    return document
