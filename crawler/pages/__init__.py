"""Page objects: one reader per CMS family, chosen by the registry's ``cms`` column.

A family reads list pages (``Response`` → ``Listing``: document links and further list
pages) and document pages (``Response`` → ``Detail``: title, date, attachments). All
pure: no requests, no storage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scrapy.http import Response

from crawler.pages import generic, gkmlpt, hanweb, nextlink, trs
from crawler.pages.common import Detail, Listing, read_detail, readable


@dataclass(frozen=True)
class PageFamily:
    name: str
    read_list: Callable[[Response], Listing]
    read_detail: Callable[[Response], Detail] = read_detail
    max_hops: int | None = None  # list pages followed from a start URL, None: no limit

    def list_page(self, response: Response) -> Listing:
        return self.read_list(readable(response))

    def detail_page(self, response: Response) -> Detail:
        return self.read_detail(readable(response))


FAMILIES: dict[str, PageFamily] = {
    "trs": PageFamily("trs", trs.read_list),
    "hanweb": PageFamily("hanweb", hanweb.read_list),
    "gkmlpt": PageFamily("gkmlpt", gkmlpt.read_list),
    "nextlink": PageFamily("nextlink", nextlink.read_list),
    "generic": PageFamily("generic", generic.read_list, max_hops=generic.MAX_HOPS),
}


def family_for(cms: str) -> PageFamily:
    return FAMILIES[cms]
