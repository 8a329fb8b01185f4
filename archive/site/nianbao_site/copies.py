"""How an archived copy is served: its type, whether it opens in the browser or
downloads, under which file name, and the sandbox an archived web page runs in. Pure.

The type follows the extension of the copy's address (the archive writes it from the
document's format), as a static file server would serve the same files:

- PDF and plain text open in the browser (``inline``);
- DOC, DOCX, WPS and anything unknown download (``attachment``) under the report's name;
- an archived HTML page opens, but as a sandbox (``Content-Security-Policy: sandbox``,
  and nothing loaded from anywhere): a portal's script never runs on this site, and the
  page cannot call the portal back.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from nianbao_common.copies import copy_file_name

# extension → (Content-Type, opens in the browser)
TYPES: dict[str, tuple[str, bool]] = {
    "pdf": ("application/pdf", True),
    "html": ("text/html", True),
    "htm": ("text/html", True),
    "txt": ("text/plain; charset=utf-8", True),
    "doc": ("application/msword", False),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", False),
    "wps": ("application/vnd.ms-works", False),
    "xls": ("application/vnd.ms-excel", False),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False),
}
UNKNOWN = ("application/octet-stream", False)
COPIES_PATH = "/copies"  # where this site serves the copies from the raw store
# Scripts, forms, plugins and same-origin access all off; nothing fetched but inline
# styles and images carried in the page itself.
HTML_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
FILE_NAME_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
_CHARSET = re.compile(r"charset=([\w.:-]+)", re.IGNORECASE)


def extension(format_name: str | None) -> str:
    """The file extension of a document format (``pdf``), or ``""``."""
    name = (format_name or "").lower()
    return name if name in TYPES else ""


def file_name(title: str | None, sha256: str, ext: str) -> str:
    """What a downloaded copy is called: the report's title, else its sha256."""
    stem = FILE_NAME_UNSAFE.sub(" ", title or "").strip() or sha256
    return f"{stem}.{ext}" if ext else stem


def content_disposition(inline: bool, name: str, fallback: str) -> str:
    """RFC 6266: the UTF-8 name for every current browser, ``fallback`` (ASCII) for
    the others."""
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def copy_headers(
    sha256: str, ext: str, title: str | None = None, declared_type: str | None = None
) -> dict[str, str]:
    """The response headers of the copy ``sha256`` with extension ``ext``, saved under
    the report's ``title``. ``declared_type`` (what the portal sent) gives an HTML page
    its charset."""
    content_type, inline = TYPES.get(ext, UNKNOWN)
    headers = {
        "content-disposition": content_disposition(
            inline, file_name(title, sha256, ext), file_name(None, sha256, ext)
        ),
        "x-content-type-options": "nosniff",
        # content-addressed: these bytes never change under this address
        "cache-control": "public, max-age=31536000, immutable",
    }
    if content_type == "text/html":
        charset = _CHARSET.search(declared_type or "")
        if charset:
            content_type = f"text/html; charset={charset.group(1)}"
        headers["content-security-policy"] = HTML_POLICY
    headers["content-type"] = content_type
    return headers


def archived_copy_url(
    sha256: str, format_name: str | None = None, base_url: str = COPIES_PATH
) -> str:
    """Where the archived copy with this sha256 is served: under ``base_url`` (this
    site's own ``/copies``, or wherever the folder ``nianbao export-raw`` writes is
    hosted: the plugin setting ``copies_base_url``), named as in that folder
    (``<sha256>.pdf``, ``nianbao_common.copies``)."""
    return f"{base_url.rstrip('/')}/{copy_file_name(sha256, format_name)}"
