"""Score a parsed report against its hand-checked expected form.

Every leaf of ``expected`` is one scored cell; keys absent from ``expected`` are not
scored. Special keys of the expected form:

- ``agency_contains``: the parsed ``agency`` must contain this text;
- ``sections``: each expected text must occur inside the parsed section;
- ``checks``: a list of ``{"rule", "ok"}``; the parsed checks of that rule must agree;
- ``warnings_contain``: texts each of which some parsed warning must contain;
- ``layout``: the layout the fixture renders (for grouping the scores), not scored;
- ``left_blank``: cells the source prints that no single reading places (path → why), which
  the expected form therefore holds as null; not scored again.

A cell is *right* when equal, *missed* when the parsed key is absent or null where a
value was expected, *wrong* otherwise (a different number, or a number where null was
expected).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_MISSING = object()


@dataclass
class Comparison:
    scored: int = 0
    right: int = 0
    wrong: int = 0
    missed: int = 0
    mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.wrong == 0 and self.missed == 0

    def add(self, other: Comparison) -> None:
        self.scored += other.scored
        self.right += other.right
        self.wrong += other.wrong
        self.missed += other.missed
        self.mismatches.extend(other.mismatches)


def _same(parsed: Any, expected: Any) -> bool:
    if isinstance(expected, bool) or isinstance(parsed, bool):
        return parsed is expected
    if isinstance(expected, int | float) and isinstance(parsed, int | float):
        return abs(parsed - expected) < 1e-9
    return parsed == expected


def _score(result: Comparison, path: str, parsed: Any, expected: Any) -> None:
    result.scored += 1
    if _same(parsed, expected):
        result.right += 1
    elif parsed is _MISSING or parsed is None and expected is not None:
        result.missed += 1
        result.mismatches.append(f"{path}: missed (expected {expected!r})")
    else:
        result.wrong += 1
        result.mismatches.append(f"{path}: {parsed!r}, expected {expected!r}")


def _compare_tree(result: Comparison, path: str, parsed: Any, expected: Any) -> None:
    if expected == {}:
        _score(result, path, parsed if parsed is _MISSING else parsed or {}, expected)
    elif isinstance(expected, dict):
        parsed_dict = parsed if isinstance(parsed, dict) else {}
        for key, value in expected.items():
            _compare_tree(result, f"{path}.{key}", parsed_dict.get(key, _MISSING), value)
    else:
        _score(result, path, parsed, expected)


def _compare_checks(result: Comparison, parsed: list[dict], expected: list[dict]) -> None:
    for check in expected:
        found = [c["ok"] for c in parsed if c.get("rule") == check["rule"]]
        _score(result, f"checks[{check['rule']}]", all(found) if found else _MISSING, check["ok"])


def _compare_contains(result: Comparison, path: str, parsed: Any, needle: str) -> None:
    result.scored += 1
    if isinstance(parsed, str) and needle in parsed:
        result.right += 1
    elif not parsed:
        result.missed += 1
        result.mismatches.append(f"{path}: missed (expected text containing {needle!r})")
    else:
        result.wrong += 1
        result.mismatches.append(f"{path}: {parsed[:40]!r}… does not contain {needle!r}")


def compare_to_expected(parsed: dict, expected: dict) -> Comparison:
    """Score ``parsed`` against ``expected`` (see the module docstring)."""
    result = Comparison()
    for key, value in expected.items():
        if key in ("layout", "left_blank"):
            continue
        if key == "agency_contains":
            _compare_contains(result, "agency", parsed.get("agency"), value)
        elif key == "sections":
            sections = parsed.get("sections") or {}
            for name, needle in value.items():
                _compare_contains(result, f"sections.{name}", sections.get(name), needle)
        elif key == "checks":
            _compare_checks(result, parsed.get("checks") or [], value)
        elif key == "warnings_contain":
            warnings = parsed.get("warnings") or []
            for needle in value:
                hit = next((w for w in warnings if needle in w), None)
                _compare_contains(result, "warnings", hit, needle)
        else:
            _compare_tree(result, key, parsed.get(key, _MISSING), value)
    return result
