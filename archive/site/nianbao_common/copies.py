"""How an archived copy is named: the sha256 of its bytes and the extension of its
format, e.g. ``9f86…0f00.pdf``. The site's copy links and the static folder that
``nianbao export-raw`` writes use the same names, so the folder can be served by any web
server or object store under the site's ``copies_base_url``."""

from __future__ import annotations

# The document's format as the archive records it (sniffed from the bytes) → extension.
EXTENSIONS = {
    "pdf": "pdf",
    "html": "html",
    "docx": "docx",
    "doc": "doc",
    "wps": "wps",
    "text": "txt",
    "xls": "xls",
    "xlsx": "xlsx",
}


def copy_file_name(sha256: str, format_name: str | None) -> str:
    """``<sha256>.<extension>``, or the bare sha256 for a format without one."""
    extension = EXTENSIONS.get((format_name or "").lower())
    return f"{sha256}.{extension}" if extension else sha256
