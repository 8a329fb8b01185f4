"""Spider middleware: a page the page objects cannot read is a problem, not a crash."""

from __future__ import annotations

from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.downloadermiddlewares import ProblemRecorder
from crawler.meta import kind_of


class PageProblemMiddleware(ProblemRecorder):
    """Spider middleware: a page the page objects cannot read (an exception in a
    callback) is recorded as an ``unreadable_page`` problem against its URL, and the
    crawl goes on."""

    def process_spider_exception(self, response: Response, exception: Exception):
        if isinstance(exception, HttpError) or not kind_of(response.request):
            return None
        self.problem(
            response.request, "unreadable_page", f"{type(exception).__name__}: {exception}"
        )
        return []
