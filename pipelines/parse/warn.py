"""The warnings of the parsed form: ``code: detail``.

The code is a key of ``nianbao_common.keys.WARNING_LABELS_ZH`` (the site shows its Chinese
text), the detail says in English which row, column or numbers it is about.
"""

from __future__ import annotations

from nianbao_common.keys import WARNING_LABELS_ZH


def warning(code: str, detail: str) -> str:
    """``code: detail``; ``code`` must be a known warning code."""
    if code not in WARNING_LABELS_ZH:
        raise ValueError(f"unknown warning code {code!r}")
    return f"{code}: {detail}"


def warning_code(text: str) -> str | None:
    """The code of a parser warning, None for a warning without one (an extractor's)."""
    code = text.split(": ", 1)[0]
    return code if code in WARNING_LABELS_ZH else None
