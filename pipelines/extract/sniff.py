"""What a file really is, read from its bytes; the name and Content-Type only break ties."""

from __future__ import annotations

import io
import re
import zipfile

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
RTF_MAGIC = b"{\\rtf"

_IMAGE_MAGICS = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")
# Stream names in an OLE2 directory are stored as UTF-16LE.
_OLE_STREAMS = (
    ("EncryptedPackage", "encrypted-ooxml"),
    ("WordDocument", "doc"),
    ("Workbook", "xls"),
    ("Book", "xls"),
    ("PowerPoint Document", "ppt"),
)
_STRONG_HTML = re.compile(rb"<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>]|meta\s|title>)", re.I)
_WEAK_HTML = re.compile(rb"<(div|p|table|span|br|a|script|style|font|center)[\s>/]", re.I)

_EXTENSIONS = {
    "pdf": "pdf",
    "docx": "docx",
    "doc": "doc",
    "wps": "wps",
    "xls": "xls",
    "xlsx": "xlsx",
    "html": "html",
    "htm": "html",
    "shtml": "html",
    "txt": "text",
    "rtf": "rtf",
}
_CONTENT_TYPES = (
    ("pdf", "pdf"),
    ("wordprocessingml", "docx"),
    ("msword", "doc"),
    ("wps", "wps"),
    ("spreadsheetml", "xlsx"),
    ("ms-excel", "xls"),
    ("html", "html"),
    ("xhtml", "html"),
    ("rtf", "rtf"),
    ("text/plain", "text"),
)


def declared_format(content_type: str | None = None, url: str | None = None) -> str | None:
    """The format the URL's extension, else the Content-Type, claims; None if neither says."""
    if url:
        path = url.split("?", 1)[0].split("#", 1)[0]
        ext = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
        if ext in _EXTENSIONS:
            return _EXTENSIONS[ext]
    if content_type:
        lowered = content_type.lower()
        for marker, fmt in _CONTENT_TYPES:
            if marker in lowered:
                return fmt
    return None


def _zip_format(data: bytes, declared: str | None) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        # A damaged archive: trust the name to pick the reader, which reports the damage.
        return declared if declared in ("docx", "xlsx") else "zip"
    if "word/document.xml" in names:
        return "docx"
    if any(name.startswith("xl/") for name in names):
        return "xlsx"
    if any(name.startswith("ppt/") for name in names):
        return "pptx"
    return "zip"


def _ole_format(data: bytes, declared: str | None) -> str:
    for stream, fmt in _OLE_STREAMS:
        if stream.encode("utf-16-le") in data:
            if fmt == "doc" and declared == "wps":
                return "wps"
            return fmt
    # Old Kingsoft WPS files are OLE2 without a WordDocument stream.
    return "wps" if declared == "wps" else "ole"


def _looks_textual(head: bytes) -> bool:
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\x00" in head:
        return False
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return controls <= len(head) * 0.01


def sniff_format(data: bytes, content_type: str | None = None, url: str | None = None) -> str:
    """One of pdf, docx, xlsx, pptx, zip, doc, wps, xls, ppt, ole, encrypted-ooxml, rtf,
    html, text, image, binary, empty: by the bytes first, name and type as tie-breaker."""
    if not data.strip():
        return "empty"
    declared = declared_format(content_type, url)
    if PDF_MAGIC in data[:1024]:
        return "pdf"
    if data.startswith(ZIP_MAGIC):
        return _zip_format(data, declared)
    if data.startswith(OLE2_MAGIC):
        return _ole_format(data, declared)
    if data.startswith(RTF_MAGIC):
        return "rtf"
    if data.startswith(_IMAGE_MAGICS):
        return "image"
    head = data[:4096]
    if not _looks_textual(head):
        return "binary"
    if _STRONG_HTML.search(head):
        return "html"
    if _WEAK_HTML.search(head) and declared != "text":
        return "html"
    return "text"
