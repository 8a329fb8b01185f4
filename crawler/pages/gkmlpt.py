"""Guangdong's 政府信息公开目录 platform (``/gkmlpt/``). The index page
(``/gkmlpt/index``) is a single-page app configured by ``window._CONFIG = {SID: '…',
TREE: [...]}``, a tree of categories ``{id, name, children}``; each category's list is
JSON from ``/gkmlpt/api/all/<catid>?page=N&sid=<SID>``:
``{"classify": {"post_count": …}, "total": …, "articles": [{"id", "title", "url",
"post_url", "created_at", "attachment": [{"name", "url", …}]}, …]}``; pages 0 and 1
answer the same articles, so paging starts at 1. Document pages are plain HTML
(``/gkmlpt/content/…/post_NNN.html``) with ``<a class="nfw-cms-attachment">`` files, whose
``href`` some templates leave empty for a script to fill: the API's ``attachment`` list is
therefore offered too, each file under its article's title.

The categories read are the one named in the start URL's fragment (``index#2845``)
or, failing that, every category whose name says 年报 / 年度报告."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

from scrapy.http import TextResponse

from crawler.pages.common import Link, Listing, ListRequest, date_of

_SID = re.compile(r"\bSID\b['\"]?\s*[:=]\s*['\"]?(\d+)")
_TREE = re.compile(r"\bTREE\b['\"]?\s*[:=]\s*")
_REPORT_CATEGORY = re.compile(r"年报|年報|年度报告|年度報告")
_API_PATH = re.compile(r"/gkmlpt/api/all/(\d+)")


def balanced_json(text: str, start: int):
    """The JSON array or object that begins at ``text[start]`` (None when it does not parse)."""
    opening = text[start : start + 1]
    closing = {"[": "]", "{": "}"}.get(opening)
    if closing is None:
        return None
    depth, in_string, escaped = 0, False, False
    for position in range(start, len(text)):
        char = text[position]
        if in_string:
            escaped = char == "\\" and not escaped
            if char == '"' and not escaped:
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                try:
                    return json.loads(text[start : position + 1])
                except ValueError:
                    return None
    return None


def _categories(nodes) -> Iterator[dict]:
    for node in nodes or []:
        if isinstance(node, dict):
            yield node
            yield from _categories(node.get("children"))


def report_categories(text: str) -> list[str]:
    tree = _TREE.search(text)
    nodes = balanced_json(text, tree.end()) if tree else None
    return [
        str(node["id"])
        for node in _categories(nodes)
        if "id" in node and _REPORT_CATEGORY.search(str(node.get("name", "")))
    ]


def api_url(base_url: str, category: str, page: int, sid: str | None) -> str:
    root = base_url.split("/gkmlpt/", 1)[0] + "/gkmlpt/"
    query = {"page": page, **({"sid": sid} if sid else {})}
    return urljoin(root, f"api/all/{category}?{urlencode(query)}")


def read_index(response: TextResponse) -> Listing:
    text = response.text
    sid = _SID.search(text)
    fragment = urlsplit(response.url).fragment
    categories = [fragment] if fragment.isdigit() else report_categories(text)
    return Listing(
        next_pages=[
            ListRequest(api_url(response.url, c, 1, sid.group(1) if sid else None))
            for c in categories
        ]
    )


def _article_date(article: dict) -> str | None:
    for key in ("created_at", "publish_time", "display_publish_time", "create_time", "date"):
        if date := date_of(article.get(key)):
            return date
    return None


def _article_links(article: dict, base_url: str) -> list[Link]:
    """The article's page and every file the API lists for it, under the article's title."""
    title, date = str(article.get("title") or ""), _article_date(article)
    urls = [article.get("post_url") or article.get("url")]
    urls += [f.get("url") for f in article.get("attachment") or [] if isinstance(f, dict)]
    return [
        Link(url=urljoin(base_url, url), title=title, date=date)
        for url in urls
        if isinstance(url, str) and url.strip()
    ]


def read_api(response: TextResponse) -> Listing:
    data = json.loads(response.text)
    articles = [a for a in data.get("articles") or [] if isinstance(a, dict)]
    entries = [link for article in articles for link in _article_links(article, response.url)]
    total = data.get("total") or (data.get("classify") or {}).get("post_count") or 0
    parts = urlsplit(response.url)
    query = parse_qs(parts.query)
    page = int(query.get("page", ["1"])[0] or 1)
    category = _API_PATH.search(parts.path).group(1)
    next_pages = []
    # The page size is not in the answer: a full-looking page is followed by the next,
    # so a partial last page may cost one request that answers no articles.
    if articles and max(page, 1) * len(articles) < int(total):
        sid = query.get("sid", [None])[0]
        next_pages.append(ListRequest(api_url(response.url, category, max(page, 1) + 1, sid)))
    return Listing(entries=entries, next_pages=next_pages)


def read_list(response: TextResponse) -> Listing:
    if _API_PATH.search(urlsplit(response.url).path):
        return read_api(response)
    return read_index(response)
