"""The extracted document: the one contract between extraction and parsing.

Every extractor (HTML, PDF, DOCX, DOC/WPS, OCR, plain text) returns a ``Document``;
the parser reads nothing else.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Paragraph:
    """A run of text: a heading, a paragraph, a line of a PDF page."""

    text: str
    kind: str = "paragraph"


@dataclass
class Table:
    """A table as rows of cell strings, merged cells expanded (repeated in every
    cell they cover), so every row of one table has the same number of cells.

    ``grid`` is true where the cells keep their positions (HTML, PDF, DOCX, OCR); false
    where the table was read back from text lines, in which empty cells may be lost."""

    rows: list[list[str]]
    kind: str = "table"
    grid: bool = True


Block = Paragraph | Table


@dataclass
class Document:
    blocks: list[Block] = field(default_factory=list)
    title: str | None = None
    published: str | None = None  # ISO date (YYYY-MM-DD) where the source gives one
    page_count: int | None = None
    method: str = ""  # e.g. "html:trafilatura+lxml-tables", "pdf:pdfplumber", "ocr:tesseract"
    ocr: bool = False
    warnings: list[str] = field(default_factory=list)

    def text(self) -> str:
        """The whole document as plain text, tables as tab-separated lines."""
        parts = []
        for block in self.blocks:
            if isinstance(block, Table):
                parts.append("\n".join("\t".join(row) for row in block.rows))
            else:
                parts.append(block.text)
        return "\n".join(parts)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Document:
        blocks: list[Block] = []
        for block in data.get("blocks", []):
            if block.get("kind") == "table":
                blocks.append(
                    Table(rows=[list(r) for r in block["rows"]], grid=block.get("grid", True))
                )
            else:
                blocks.append(Paragraph(text=block["text"]))
        fields = {k: v for k, v in data.items() if k != "blocks"}
        return cls(blocks=blocks, **fields)


class ExtractionError(Exception):
    """A file that cannot be turned into a document. ``kind`` is a short, stable code
    recorded against the document (``corrupt``, ``empty``, ``encrypted``, ``truncated``,
    ``unsupported``, ``too_large``, ``zip_bomb``, ``converter_missing``,
    ``converter_failed``, ``mislabelled``, ``timeout``, ``no_text``)."""

    kind = "error"


class EmptyFile(ExtractionError):
    kind = "empty"


class CorruptFile(ExtractionError):
    kind = "corrupt"


class TruncatedFile(ExtractionError):
    kind = "truncated"


class EncryptedFile(ExtractionError):
    kind = "encrypted"


class UnsupportedFormat(ExtractionError):
    kind = "unsupported"


class MislabelledFile(ExtractionError):
    """The bytes are not what the name or Content-Type says, and not a format we read
    (an HTML error page saved as .pdf)."""

    kind = "mislabelled"


class TooLarge(ExtractionError):
    kind = "too_large"


class ZipBomb(ExtractionError):
    kind = "zip_bomb"


class ConverterMissing(ExtractionError):
    kind = "converter_missing"


class ConverterFailed(ExtractionError):
    kind = "converter_failed"


class NoTextLayer(ExtractionError):
    """A PDF without usable text where OCR is unavailable or disabled."""

    kind = "no_text"


class ExtractionTimeout(ExtractionError):
    kind = "timeout"
