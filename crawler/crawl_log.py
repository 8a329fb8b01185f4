"""What the crawl writes to the log: Scrapy's own messages for failures that are
already recorded as problems are demoted to INFO, and on a terminal the crawl's progress
line is redrawn once a second (``nianbao_common.events.PROGRESS``)."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.logformatter import LogFormatter
from twisted.internet import task

from crawler import counters
from nianbao_common.events import PROGRESS


class DemoteToInfo(logging.Filter):
    """An unreachable robots.txt is logged by Scrapy at ERROR with a traceback; the
    portal's own requests fail next and are recorded as problems, so it is detail."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.ERROR and str(record.msg).startswith("Error downloading"):
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


class ProblemLogFormatter(LogFormatter):
    """A failed download is a problem (an event line and a ``problems`` row), so
    Scrapy's own message for it, with its traceback, is logged at INFO, not ERROR."""

    def download_error(self, *args, **kwargs):
        entry = super().download_error(*args, **kwargs)
        entry["level"] = logging.INFO
        return entry


def crawl_progress_text(stats: dict, portal_count: int) -> str:
    """The crawl's progress line from Scrapy's stats (pure)."""
    answered, failing = set(), set()
    for portal_id, values in counters.portal_values(stats).items():
        statuses = [int(s) for s in values.get(counters.RESPONSES, {}) if s is not None]
        if any(status < 400 for status in statuses):
            answered.add(portal_id)
        if values.get(counters.ERRORS) or any(status >= 400 for status in statuses):
            failing.add(portal_id)
    errors = sum(counters.detail_values(stats, counters.ERRORS).values())
    return (
        f"crawl: {len(answered)}/{portal_count} portals answered"
        f" ({len(failing - answered)} failing) · "
        f"{stats.get('downloader/request_count', 0)} requests · "
        f"{stats.get(counters.key(counters.REPORT_LINKS), 0)} report links · "
        f"{stats.get(counters.key(counters.DOCUMENTS), 0)} documents kept · {errors} errors"
    )


class CrawlProgress:
    """Scrapy extension: redraws the progress line once a second while crawling, on a
    terminal only (``NIANBAO_PORTALS`` gives the number of portals)."""

    def __init__(self, crawler):
        if not PROGRESS.enabled:
            raise NotConfigured
        self.crawler = crawler
        self.portal_count = len(crawler.settings.getlist("NIANBAO_PORTALS"))
        self.loop = task.LoopingCall(self.show)
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def opened(self, spider) -> None:
        self.loop.start(1.0)

    def show(self) -> None:
        PROGRESS.update(crawl_progress_text(self.crawler.stats.get_stats(), self.portal_count))

    def closed(self, spider) -> None:
        if self.loop.running:
            self.loop.stop()
        self.show()
