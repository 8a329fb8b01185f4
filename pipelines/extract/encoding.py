"""Bytes → str for HTML pages and text files, as Chinese portals serve them.

Order: a byte-order mark; valid UTF-8 (a GBK page is practically never valid UTF-8 once it
has Chinese in it, so this also catches pages that declare GBK and are UTF-8); the charset
the header declares, then the one the page's <meta> declares, each only if the bytes decode
with it; detection with charset-normalizer. The GBK family is always decoded as GB18030,
its superset, so characters outside GB2312 survive.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz-gb-2312", "euc-cn", "x-gbk", "cp936", "gb_2312-80"}
# Declarations that decode any byte string and so prove nothing about non-ASCII bytes.
_WEAK_CHARSETS = {"iso8859-1", "cp1252", "ascii"}


def normalise_charset(name: str) -> str | None:
    """A Python codec name for a declared charset (GBK family → gb18030), None if unknown."""
    cleaned = name.strip().strip("\"'").lower()
    if cleaned in _GB_FAMILY:
        return "gb18030"
    try:
        return codecs.lookup(cleaned).name
    except LookupError:
        return None


def charset_from_content_type(content_type: str | None) -> str | None:
    match = _HEADER_CHARSET.search(content_type or "")
    return match.group(1) if match else None


def charset_from_meta(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:8192])
    return match.group(1).decode("ascii") if match else None


def _decodes(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _detected(data: bytes) -> str | None:
    """charset-normalizer's guess; GB18030 whenever it is among the plausible ones, since
    mainland portals write GBK and short GBK samples also pass as Big5 or EUC-KR."""
    matches = from_bytes(data[:65536])
    codecs_found = [normalise_charset(match.encoding) for match in matches]
    if "gb18030" in codecs_found:
        return "gb18030"
    return next((codec for codec in codecs_found if codec), None)


def decode_bytes(data: bytes, declared: list[str | None]) -> tuple[str, str, list[str]]:
    """(text, codec used, warnings). ``declared``: charsets the source claims, strongest first."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace"), codec, []
    warnings: list[str] = []
    claimed = [(name, normalise_charset(name)) for name in declared if name]
    is_ascii = data.isascii()
    utf8 = None if is_ascii else _decodes(data, "utf-8")
    if utf8 is not None:
        for name, codec in claimed:
            if codec not in ("utf-8", None) and codec not in _WEAK_CHARSETS:
                warnings.append(f"declared charset {name} but the bytes are UTF-8")
                break
        return utf8, "utf-8", warnings
    for name, codec in claimed:
        if codec is None:
            warnings.append(f"unknown declared charset {name!r}")
            continue
        if codec in _WEAK_CHARSETS and not is_ascii:
            continue
        text = _decodes(data, codec)
        if text is not None:
            return text, codec, warnings
        warnings.append(f"declared charset {name} does not decode the bytes")
    if is_ascii:
        return data.decode("ascii"), "ascii", warnings
    codec = _detected(data)
    text = _decodes(data, codec) if codec else None
    if codec and text is not None:
        if claimed:
            warnings.append(f"charset detected as {codec}")
        return text, codec, warnings
    # GB18030 maps nearly every byte sequence; what it cannot is replaced and said so.
    warnings.append("charset undetermined: decoded as gb18030 with replacement characters")
    return data.decode("gb18030", errors="replace"), "gb18030", warnings


def decode_html(data: bytes, content_type: str | None = None) -> tuple[str, str, list[str]]:
    """An HTML page's text: header charset, then <meta>, then detection."""
    return decode_bytes(data, [charset_from_content_type(content_type), charset_from_meta(data)])


def decode_text(data: bytes, content_type: str | None = None) -> tuple[str, str, list[str]]:
    return decode_bytes(data, [charset_from_content_type(content_type)])
