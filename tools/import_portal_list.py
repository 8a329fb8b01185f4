"""Fill government rows of the registry (crawler/portals.csv) from public lists of
government websites, each pinned to one commit of a public GitHub file so that every URL
keeps a line a reader can open.

The lists (read from a local copy; the copy must be the pinned file, byte for byte,
checked by its git blob id, or the cited line numbers would be wrong):

- ``--qianxian FILE``: 中国千县地名网, ``fuwu/qianxian.md`` of DiamonWoo/Laosheng.top —
  one line per division, ``CODE [name](URL 'remark')``, provinces in ``<h3>`` headings
  whose title starts with the code. Matched by division code. Page licence CC BY-NC-ND
  3.0: the file is not committed here, only the URLs with their line-level sources.
- ``--website-gov FILE``: 政府官网导航数据, ``data/website-gov.ts`` of
  anyi-econ/china-public-debt — a province → city → county tree of ``name`` / ``url``
  lines, no codes. Matched by name under the parent found before it. No licence: not
  committed here either.

Get the copies with git (or from raw.githubusercontent.com at the same commits)::

    git -C REPO.git show 960d764c2764edb3314e225cd500a5144b8d56c4:fuwu/qianxian.md > qianxian.md
    git -C REPO.git show 9b01b30ad48388b558c75b0538fe10a77f7b3650:data/website-gov.ts > website-gov.ts
    python -m tools.import_portal_list --qianxian qianxian.md --website-gov website-gov.ts

Rules, applied to each list in that order:

- An entry names a government of the bundled division list by its code (when the list
  gives one, the names must agree: 延边州 is 延边朝鲜族自治州, 凤翔市 is 凤翔区) or else by
  its exact name among the children of its parent, then among all the divisions under
  it; two candidates = ambiguous, left alone. Never a fuzzy name.
- Its URL must be an http(s) URL on a ``.gov.cn`` host (not an IP address, not a
  third-party site); a URL with a path (an introduction page) gives its home page, and
  the note says which page the list shows.
- A site listed for several governments goes to none of them, unless one of them is
  above all the others (a county listed with a page of its city's site: the city keeps
  it). A government listed twice is left alone. A host that already is the portal of
  another government in the registry is not given to a second one.
- Only government rows without a URL are filled (``nianbao registry add``'s rules:
  ``cms`` blank, ``allowed_domains`` from the host, status ``url_from_source``); the
  ``source`` is the entry's line at the pinned commit, ``seen`` the day the list was read.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections import Counter
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from crawler.divisions import divisions, lineage
from crawler.registry import BUNDLED_REGISTRY
from crawler.registry_file import (
    add_portal,
    is_government_row,
    read_registry_rows,
    write_registry,
)


@dataclass(frozen=True)
class ListFile:
    """A public file that lists government websites, pinned to one commit."""

    repo: str
    commit: str
    path: str
    blob: str  # git blob id of the file at that commit: the local copy must match it
    title: str
    seen: str  # the day the file was read at that commit
    coded: bool  # entries carry division codes (else: a tree of names)
    line_suffix: str = ""  # GitHub renders Markdown unless asked for ?plain=1

    def line_url(self, first: int, last: int) -> str:
        lines = f"L{first}" if first == last else f"L{first}-L{last}"
        base = f"https://github.com/{self.repo}/blob/{self.commit}/{self.path}"
        return f"{base}{self.line_suffix}#{lines}"

    @property
    def label(self) -> str:
        return f"{self.repo} ({self.title}, {self.path})"


QIANXIAN = ListFile(
    repo="DiamonWoo/Laosheng.top",
    commit="960d764c2764edb3314e225cd500a5144b8d56c4",
    path="fuwu/qianxian.md",
    blob="ff3c5f2b3e08b962950b896ee675316956ef41e2",
    title="中国千县地名网",
    seen="2026-12-01",
    coded=True,
    line_suffix="?plain=1",
)
WEBSITE_GOV = ListFile(
    repo="anyi-econ/china-public-debt",
    commit="9b01b30ad48388b558c75b0538fe10a77f7b3650",
    path="data/website-gov.ts",
    blob="8aba74355c326ec2d9f811338203894ffc3c09f3",
    title="政府官网导航数据",
    seen="2026-12-01",
    coded=False,
)


@dataclass(frozen=True)
class Entry:
    """One government website as a list gives it."""

    first_line: int
    last_line: int
    name: str
    url: str
    code: str = ""  # the list's division code, when it gives one
    path: tuple[str, ...] = ()  # the names above it, province first (tree lists)

    @property
    def listed_as(self) -> str:
        return f"{self.code} {self.name}" if self.code else "/".join((*self.path, self.name))


# 130102 [长安区](http://www.sjzca.gov.cn '石家庄长安') … ; a city's name is in <b>…</b>
_QIANXIAN_ENTRY = re.compile(r"^(\d{6})\s+(?:<b>)?\[([^\]]+)\]\(\s*(\S+?)\s*(?:'[^']*')?\s*\)")
# <h3 id="13">13 <a href="http://www.hebei.gov.cn/…" title="130000 …">河北省</a> …
_QIANXIAN_PROVINCE = re.compile(
    r'^<h3 id="\d+">\d+ <a href="([^"]+)" title="(\d{6})[^"]*">([^<]+)</a>'
)


def read_qianxian(text: str) -> list[Entry]:
    """The divisions of qianxian.md with their websites (struck-out lines, names without
    a link and the prose are not entries)."""
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if found := _QIANXIAN_ENTRY.match(line):
            code, name, url = found.groups()
        elif found := _QIANXIAN_PROVINCE.match(line):
            url, code, name = found.groups()
        else:
            continue
        entries.append(Entry(number, number, name.strip(), url.strip(), code=code))
    return entries


_TREE_FIELD = re.compile(r'^( *)(name|url): "([^"]*)",?$')


def read_website_gov(text: str) -> list[Entry]:
    """The nodes of website-gov.ts (``name`` then ``url`` at the same indentation; a
    deeper indentation is a child), with the names above each; a node without a URL is
    kept (its children are matched under it)."""
    entries = []
    above: list[tuple[int, str]] = []  # (indentation, name) from the province down
    name, name_line = "", 0
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if "GOV_WEBSITES" in line)
    for number, line in enumerate(lines[start:], start=start + 1):
        found = _TREE_FIELD.match(line)
        if not found:
            continue
        indent, key, value = len(found[1]), found[2], found[3].strip()
        if key == "name":
            while above and above[-1][0] >= indent:
                above.pop()
            name, name_line = value, number
            continue
        entries.append(Entry(name_line, number, name, value, path=tuple(n for _, n in above)))
        above.append((indent, name))
    return entries


# What a division's name ends with; an abbreviated name keeps only the last word.
_NAME_ENDINGS = ("自治州", "自治县", "自治旗", "地区", "州", "市", "区", "县", "旗", "盟")


def names_agree(listed: str, official: str) -> bool:
    """Whether a list's name fits the division its code names: the same name, or the
    same place under an abbreviated or outdated type (延边州 / 延边朝鲜族自治州, 凤翔市 /
    凤翔区, 石河子市／第八师 / 石河子市)."""
    listed = listed.split("／")[0]
    if listed == official:
        return True
    ending = next((e for e in _NAME_ENDINGS if listed.endswith(e)), "")
    stem = listed.removesuffix(ending)
    return bool(ending and stem) and official.startswith(stem) and official.endswith(_NAME_ENDINGS)


@cache
def _children() -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    for code, division in divisions().items():
        children.setdefault(division.parent_code, []).append(code)
    return children


def children_of(code: str) -> list[str]:
    return _children().get(code, [])


def under(code: str) -> list[str]:
    """Every division below ``code``, at any depth."""
    return [c for child in children_of(code) for c in (child, *under(child))]


@dataclass(frozen=True)
class Match:
    code: str | None
    how: str  # "code" or "name" when matched; otherwise why not


def match_name(name: str, parent: str | None) -> Match:
    """The one division called exactly ``name`` among ``parent``'s children, else among
    everything under it; provinces when ``parent`` is None."""
    known = divisions()
    if parent is None:
        candidates = [c for c, d in known.items() if d.level == "省" and d.name == name]
    else:
        candidates = [c for c in children_of(parent) if known[c].name == name]
        candidates = candidates or [c for c in under(parent) if known[c].name == name]
    if len(candidates) > 1:
        return Match(None, f"ambiguous name ({len(candidates)} divisions called {name})")
    if not candidates:
        return Match(None, "not in the division list")
    return Match(candidates[0], "name")


def listed_parent(code: str) -> str | None:
    """The division a code sits under by its digits: a province for a prefecture (or a
    county whose prefecture is not a division), else the prefecture; None for a
    province or when that parent is not in the division list."""
    if code.endswith("0000"):
        return None
    prefecture, province = code[:4] + "00", code[:2] + "0000"
    parent = prefecture if prefecture != code and prefecture in divisions() else province
    return parent if parent in divisions() else None


def match_coded(entry: Entry) -> Match:
    """A coded entry's division: its code when the names agree; a code that is not in
    the division list (an old code) by name under the parent its digits give."""
    division = divisions().get(entry.code)
    if division is not None:
        if names_agree(entry.name, division.name):
            return Match(entry.code, "code")
        return Match(None, f"name disagrees with the code ({division.name})")
    parent = listed_parent(entry.code)
    if parent is None and not entry.code.endswith("0000"):
        return Match(None, "not in the division list")
    return match_name(entry.name, parent)


def match_tree(entries: list[Entry]) -> list[Match]:
    """Each tree entry's division, found by name under the nearest entry above it that
    matched (a node that is no division, such as 新疆生产建设兵团, passes its children
    to the next one up)."""
    matched: dict[tuple[str, ...], str] = {}
    results = []
    for entry in entries:
        parent = next(
            (
                matched[entry.path[:n]]
                for n in range(len(entry.path), 0, -1)
                if entry.path[:n] in matched
            ),
            None,
        )
        if entry.path and parent is None:
            results.append(Match(None, "not in the division list"))
            continue
        result = match_name(entry.name, parent)
        if result.code:
            matched[(*entry.path, entry.name)] = result.code
        results.append(result)
    return results


_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


def url_problem(url: str) -> str | None:
    """Why a listed URL is not taken as a government's site (None when it is)."""
    if not url:
        return "no URL in the list"
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not _HOST.match(host):
        return "not a well-formed URL"
    if not host.endswith(".gov.cn"):
        return "not on a .gov.cn host"
    return None


def site_of(url: str) -> str:
    """The host a URL is on, ``www.`` dropped: one site whichever way it is written."""
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def home_page(url: str) -> str:
    """The URL itself when it is a site's root, else the root of its host."""
    parts = urlsplit(url)
    if parts.path in ("", "/") and not parts.query:
        return url
    return f"{parts.scheme}://{parts.netloc}/"


@dataclass
class Candidate:
    entry: Entry
    match: Match
    skipped: str = ""  # why the entry gives no URL; blank = it may fill its row


@dataclass
class ImportResult:
    filled: list[Candidate] = field(default_factory=list)
    had_url: int = 0
    other_site: int = 0  # of those, rows this run filled from an earlier list with another site
    skipped: list[Candidate] = field(default_factory=list)

    def reasons(self) -> Counter:
        return Counter(c.skipped for c in self.skipped)


def candidates_of(entries: list[Entry], matches: list[Match]) -> list[Candidate]:
    """Entries with their divisions, each marked with the first reason it gives no URL:
    no division, not a government site, its government listed twice, its site listed for
    other governments too."""
    found = [
        Candidate(e, m, "" if m.code else m.how) for e, m in zip(entries, matches, strict=True)
    ]
    for candidate in found:
        if not candidate.skipped:
            candidate.skipped = url_problem(candidate.entry.url) or ""
    usable = [c for c in found if not c.skipped]
    listed = Counter(c.match.code for c in usable)
    for candidate in usable:
        if listed[candidate.match.code] > 1:
            candidate.skipped = "government listed twice"
    by_site: dict[str, list[Candidate]] = {}
    for candidate in usable:
        by_site.setdefault(site_of(candidate.entry.url), []).append(candidate)
    for sharing in by_site.values():
        _share_site([c for c in sharing if not c.skipped])
    return found


def _share_site(sharing: list[Candidate]) -> None:
    codes = {c.match.code for c in sharing}
    if len(codes) < 2:
        return
    above_all = [a for a in codes if all(a == c or _is_above(a, c) for c in codes)]
    for candidate in sharing:
        if above_all and candidate.match.code != above_all[0]:
            candidate.skipped = "a page of the site of the government above it"
        elif not above_all:
            candidate.skipped = "one site listed for several governments"


def _is_above(upper: str, code: str) -> bool:
    return any(d.code == upper for d in lineage(code)[:-1])


def portal_sites(rows: list[dict[str, str]]) -> dict[str, set[str]]:
    """Site → the division codes of the registry rows that crawl it."""
    sites: dict[str, set[str]] = {}
    for row in rows:
        for url in row["start_urls"].split():
            sites.setdefault(site_of(url), set()).add(row["division_code"])
    return sites


def note_for(entry: Entry, match: Match, source: ListFile) -> str:
    shown = (
        "home page as listed"
        if home_page(entry.url) == entry.url
        else f"home page of {entry.url}, listed"
    )
    note = f"{shown} for {entry.listed_as} in {source.label}"
    if match.how == "name" and entry.code:
        note += f"; {entry.code} is not in the division list, matched by name"
    elif match.how == "name":
        note += "; matched by name"
    return note


def fill_rows(
    rows: list[dict[str, str]],
    candidates: list[Candidate],
    source: ListFile,
    filled_before: AbstractSet[str] = frozenset(),
) -> ImportResult:
    """Give each government row without a URL the home page its candidate lists (rows
    changed in place). A row that ``filled_before`` (the codes an earlier list of the
    same run filled) where this list shows another site gets a note saying so."""
    result = ImportResult(skipped=[c for c in candidates if c.skipped])
    governments = {r["division_code"]: r for r in rows if is_government_row(r)}
    sites = portal_sites(rows)
    for candidate in (c for c in candidates if not c.skipped):
        code, entry = candidate.match.code, candidate.entry
        row = governments[code]
        if row["start_urls"]:
            result.had_url += 1
            if code in filled_before and site_of(row["start_urls"]) != site_of(entry.url):
                line = source.line_url(entry.first_line, entry.last_line)
                _add_note(row, f"{line} gives {entry.url} instead")
                result.other_site += 1
            continue
        if sites.get(site_of(entry.url), set()) - {code}:
            candidate.skipped = "site already the portal of another government"
            result.skipped.append(candidate)
            continue
        add_portal(
            rows,
            home_page(entry.url),
            code,
            seen=source.seen,
            source=source.line_url(entry.first_line, entry.last_line),
        )
        _add_note(row, note_for(entry, candidate.match, source))
        sites.setdefault(site_of(entry.url), set()).add(code)
        result.filled.append(candidate)
    return result


def _add_note(row: dict[str, str], note: str) -> None:
    row["note"] = "; ".join(filter(None, (row["note"], note)))


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def read_pinned(path: Path, source: ListFile) -> str:
    """The text of a local copy of ``source``; refuses any other version of the file."""
    data = path.read_bytes()
    if git_blob_id(data) != source.blob:
        raise SystemExit(
            f"{path} is not {source.repo} {source.path} at {source.commit} "
            f"(git blob {source.blob}): its line numbers would not be the cited ones"
        )
    return data.decode("utf-8")


def import_list(
    rows: list[dict[str, str]],
    text: str,
    source: ListFile,
    filled_before: AbstractSet[str] = frozenset(),
) -> ImportResult:
    """Read one list and fill the registry rows from it."""
    if source.coded:
        entries = read_qianxian(text)
        matches = [match_coded(e) for e in entries]
    else:
        entries = read_website_gov(text)
        matches = match_tree(entries)
    return fill_rows(rows, candidates_of(entries, matches), source, filled_before)


def summary(source: ListFile, result: ImportResult) -> list[str]:
    entries = len(result.filled) + result.had_url + len(result.skipped)
    how = Counter(c.match.how for c in result.filled)
    lines = [
        f"{source.label} at {source.commit[:12]}: {entries} entries",
        f"  filled: {len(result.filled)} (by code {how['code']}, by name {how['name']})",
        f"  row already had a URL: {result.had_url} "
        f"(filled by an earlier list but shown here on another site: {result.other_site})",
        f"  skipped: {len(result.skipped)}",
    ]
    for reason, count in result.reasons().most_common():
        named = [c.entry.listed_as for c in result.skipped if c.skipped == reason]
        shown = ", ".join(named[:8]) + (", …" if len(named) > 8 else "")
        lines.append(f"    {count:5}  {reason}: {shown}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--qianxian", type=Path, help=f"a copy of {QIANXIAN.path} ({QIANXIAN.repo})"
    )
    parser.add_argument(
        "--website-gov", type=Path, help=f"a copy of {WEBSITE_GOV.path} ({WEBSITE_GOV.repo})"
    )
    parser.add_argument("--registry", type=Path, default=BUNDLED_REGISTRY)
    args = parser.parse_args(argv)
    lists = [(QIANXIAN, args.qianxian), (WEBSITE_GOV, args.website_gov)]
    lists = [(source, path) for source, path in lists if path]
    if not lists:
        parser.error("give --qianxian FILE and/or --website-gov FILE")
    rows = read_registry_rows(args.registry)
    filled: set[str] = set()
    for source, path in lists:
        result = import_list(rows, read_pinned(path, source), source, filled)
        filled |= {c.match.code for c in result.filled}
        print("\n".join(summary(source, result)))
    write_registry(args.registry, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
