"""Downloader middlewares: scope, incremental fetching against the raw store, and
retries with backoff.

- ``ScopeMiddleware`` refuses what the crawler must never fetch: schemes other than
  http(s) (``file:``), loopback/private/reserved addresses unless the setting
  ``NIANBAO_ALLOW_PRIVATE_HOSTS`` is on (the CLI maps the environment variable of that
  name to it), and anything outside the portal's allowed domains (redirects included).
- ``RawStoreMiddleware`` makes a nightly run cheap: report pages and attachments the
  store already holds are not fetched again (unless ``NIANBAO_REFRESH``, which
  re-checks them with conditional requests); list pages are always fetched, with
  ``If-None-Match`` / ``If-Modified-Since`` when the store has a validator, kept in the
  store when they change and read back from it on a 304. It also records HTTP errors
  and failed downloads as problems and counts everything per portal.
- ``WafChallengeMiddleware``, ``RedirectGuardMiddleware``, ``RobotsMiddleware`` name
  what would otherwise fail silently (a JS cookie challenge, a redirect loop, a start
  URL robots.txt forbids); ``NetworkStats`` counts the network only and applies the
  per-run request cap.
- ``BackoffRetryMiddleware`` is Scrapy's retry (429/5xx) waiting longer before each
  attempt (``RETRY_BACKOFF_BASE`` × 2ⁿ, at most ``RETRY_BACKOFF_MAX`` seconds, or the
  server's ``Retry-After``).
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from datetime import datetime
from urllib.parse import urljoin, urlsplit
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.downloadermiddlewares.stats import DownloaderStats
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.responsetypes import responsetypes
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future

from crawler import counters
from crawler.crawl_log import DemoteToInfo
from crawler.items import ATTACHMENT, LIST_PAGE, REPORT_PAGE
from crawler.meta import (
    HOPS,
    RETRY_DELAY,
    STORED,
    kind_of,
    portal_id_of,
    referer_of,
    response_headers,
)
from nianbao_common.events import log_event
from pipelines.keep import raw_store_for

REQUEST_CAP = "request_cap"  # finish reason of a run stopped by NIANBAO_MAX_REQUESTS
_LEGACY_IPV4 = re.compile(r"^[0-9a-fx.]+$", re.IGNORECASE)


def is_private_host(host: str) -> bool:
    """Loopback, private, link-local or otherwise non-global: ``localhost``, IP
    literals, and the legacy forms resolvers accept (``2130706433``, ``0x7f.1``)."""
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if not _LEGACY_IPV4.match(host):
            return False
        try:
            address = ipaddress.ip_address(socket.inet_aton(host))
        except OSError:
            return False
    return not address.is_global


def refusal(url: str, allow_private: bool) -> str | None:
    """Why a URL must not be fetched (a problem kind), or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "scheme_refused"
    if not parts.hostname:
        return "no_host"
    if not allow_private and is_private_host(parts.hostname):
        return "private_host"
    return None


_EXCEPTION_KINDS = {
    "TimeoutError": "timeout",
    "TCPTimedOutError": "timeout",
    "DownloadTimeoutError": "timeout",
    "DNSLookupError": "dns",
    "CannotResolveHostError": "dns",
    "ConnectionRefusedError": "connection_refused",
    "DownloadConnectionRefusedError": "connection_refused",
    "ConnectionLost": "connection_lost",
    "ConnectionDone": "connection_lost",
    "ResponseNeverReceived": "no_response",
    "ResponseDataLossError": "data_loss",
    "CancelledError": "cancelled",
    "DownloadCancelledError": "cancelled",
}


def error_kind(exception: Exception, received: int = 0, maxsize: int = 0) -> str:
    """A short stable name for a failed download. A download cancelled because it grew
    past ``DOWNLOAD_MAXSIZE`` (declared or ``received`` so far) is ``too_large``; a
    failure that wraps a lost connection (a reset) is ``connection_lost``."""
    name = type(exception).__name__
    text = str(exception)
    if name in ("DownloadCancelledError", "CancelledError") and (
        "download max size" in text or (maxsize and received > maxsize)
    ):
        return "too_large"
    if name in ("DownloadFailedError", "ResponseFailed", "ResponseNeverReceived") and (
        "ConnectionLost" in text or "ConnectionDone" in text
    ):
        return "connection_lost"
    return _EXCEPTION_KINDS.get(name) or re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# JS cookie challenges of the WAFs in front of government portals: Ruishu (瑞数, ``$_ts``),
# Jiasule (加速乐, ``__jsl_clearance``, often spelt out character by character), Aliyun
# (``acw_sc__v2``). They answer 412, 521, 403 or even 200 with a small page whose script
# sets a cookie and reloads.
_WAF_MARKERS = re.compile(
    rb"\$_ts\s*=|__jsl_clearance|acw_sc__v2|\('_'\)\+\('_'\)\+\('j'\)\+\('s'\)\+\('l'\)"
)
_RELOAD = re.compile(rb"location\.(?:reload|href\s*=|replace)|window\.location\s*=")
WAF_STATUSES = (202, 403, 412, 503, 521)
WAF_MAX_BODY = 64 * 1024


def waf_challenge(status: int, body: bytes) -> str | None:
    """Why a response is a WAF's JS cookie challenge rather than a page, or None."""
    if len(body) > WAF_MAX_BODY or b"<script" not in body.lower():
        return None
    marker = _WAF_MARKERS.search(body)
    if marker:
        return f"HTTP {status}, challenge marker {marker.group(0).decode('latin-1')!r}"
    if status in WAF_STATUSES and b"document.cookie" in body and _RELOAD.search(body):
        return f"HTTP {status}, script sets a cookie and reloads"
    return None


class ProblemRecorder:
    """Base of the components that record problems in the raw store and count them."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.store = raw_store_for(crawler)
        self.run_id = crawler.settings.get("NIANBAO_RUN_ID")

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        return cls(crawler)

    def problem(
        self, request: Request, kind: str, detail: str = "", url: str | None = None
    ) -> None:
        """Record a problem against ``url`` (default: the request's)."""
        portal_id = portal_id_of(request)
        url = url or request.url
        self.store.record_problem(
            url=url, kind=kind, detail=detail, portal_id=portal_id, run_id=self.run_id
        )
        log_event(
            "problem", run=self.run_id, portal=portal_id, kind=kind, url=url, detail=detail[:200]
        )
        self.stats.inc_value(counters.key(counters.ERRORS, kind))
        if portal_id:
            self.stats.inc_value(counters.portal_key(portal_id, counters.ERRORS))
            self.stats.inc_value(counters.portal_key(portal_id, counters.ERRORS, kind))


class ScopeMiddleware(ProblemRecorder):
    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.allow_private = crawler.settings.getbool("NIANBAO_ALLOW_PRIVATE_HOSTS")

    def process_request(self, request: Request):
        kind = refusal(request.url, self.allow_private)
        if kind:
            self.problem(request, kind, "refused before fetching")
            raise IgnoreRequest(f"{kind}: {request.url}")
        portal = (
            self.crawler.spider.portal(portal_id_of(request)) if portal_id_of(request) else None
        )
        if portal and not portal.allows(request.url):
            self.stats.inc_value(counters.key(counters.OFFSITE_REFUSED))
            if request.meta.get("redirect_urls"):
                self.problem(
                    request, "offsite_redirect", f"from {request.meta['redirect_urls'][0]}"
                )
            raise IgnoreRequest(f"offsite: {request.url}")
        return None

    def process_response(self, request: Request, response: Response):
        # A public name that resolved to a private address (DNS rebinding).
        address = response.ip_address
        if address is not None and not self.allow_private and not address.is_global:
            self.problem(request, "private_host", f"{response.url} resolved to {address}")
            raise IgnoreRequest(f"private address {address}: {request.url}")
        return response


class WafChallengeMiddleware(ProblemRecorder):
    """A WAF's JS cookie challenge is recorded as a ``waf_challenge`` problem and never
    reaches the spider (so it is never kept as a report). Runs before the retry
    middleware: a challenge is not retried, only a later run can pass it."""

    def process_response(self, request: Request, response: Response):
        if not kind_of(request) or STORED in response.flags:
            return response
        reason = waf_challenge(response.status, response.body)
        if reason is None:
            return response
        portal_id = portal_id_of(request)
        self.stats.inc_value(counters.portal_key(portal_id, counters.RESPONSES))
        self.problem(request, "waf_challenge", reason)
        raise IgnoreRequest(f"WAF challenge ({reason}): {request.url}")


class RedirectGuardMiddleware(ProblemRecorder):
    """Names what Scrapy's redirect middleware drops silently: a redirect back to a URL
    of the same chain (``redirect_loop``; the dupefilter would drop it unseen) and a
    chain longer than ``REDIRECT_MAX_TIMES`` (``too_many_redirects``)."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.max_redirects = crawler.settings.getint("REDIRECT_MAX_TIMES")

    def process_response(self, request: Request, response: Response):
        location = response.headers.get("Location")
        if not kind_of(request) or response.status not in (301, 302, 303, 307, 308):
            return response
        if not location:
            return response
        target = urljoin(request.url, location.decode("latin-1"))
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target in chain:
            self.problem(request, "redirect_loop", " → ".join([*chain, target]), url=chain[0])
            raise IgnoreRequest(f"redirect loop: {request.url}")
        if len(chain) > self.max_redirects:
            self.problem(request, "too_many_redirects", f"{len(chain)} redirects", url=chain[0])
            raise IgnoreRequest(f"too many redirects: {request.url}")
        return response


class RobotsMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, recording a portal's start URL that robots.txt
    forbids (``robots_forbidden``): a portal whose every start URL is forbidden is
    ``blocked_by_robots``. Other forbidden URLs are only counted."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.recorder = ProblemRecorder(crawler)
        robots_logger = logging.getLogger(RobotsTxtMiddleware.__module__)
        if not any(isinstance(f, DemoteToInfo) for f in robots_logger.filters):
            robots_logger.addFilter(DemoteToInfo())

    def process_request_2(self, rp, request: Request) -> None:
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest:
            portal_id = portal_id_of(request)
            if kind_of(request) == LIST_PAGE and not request.meta.get(HOPS):
                self.recorder.stats.inc_value(
                    counters.portal_key(portal_id, counters.ROBOTS_FORBIDDEN_START)
                )
                self.recorder.problem(request, "robots_forbidden", "start URL forbidden")
            raise


class RawStoreMiddleware(ProblemRecorder):
    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.refresh = crawler.settings.getbool("NIANBAO_REFRESH")
        # Bytes received per attachment download, to tell a size cap from other
        # cancellations (Scrapy cancels a body that outgrows DOWNLOAD_MAXSIZE silently).
        self.maxsize = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        self.received: WeakKeyDictionary[Request, int] = WeakKeyDictionary()
        crawler.signals.connect(self.count_bytes, signal=signals.bytes_received)

    def _conditional(self, request: Request, known) -> None:
        if known.etag:
            request.headers["If-None-Match"] = known.etag
        if known.last_modified:
            request.headers["If-Modified-Since"] = known.last_modified

    def process_request(self, request: Request):
        kind = kind_of(request)
        if kind is None:  # robots.txt
            return None
        portal_id = portal_id_of(request)
        self.stats.inc_value(counters.portal_key(portal_id, counters.REQUESTS))
        known = self.store.known(request.url)
        if known is None or known.sha256 is None or request.method != "GET":
            return None
        if kind == LIST_PAGE or self.refresh:
            self._conditional(request, known)
            return None
        self.store.touch(request.url)
        self.stats.inc_value(counters.key(counters.SKIPPED_KNOWN))
        self.stats.inc_value(counters.portal_key(portal_id, counters.SKIPPED_KNOWN))
        if kind == REPORT_PAGE:
            # Read again from the store, not the network, so that attachments a
            # capped or interrupted run never reached are still found.
            return self._stored_response(request, known.sha256)
        raise IgnoreRequest(f"already held: {request.url}")

    def process_response(self, request: Request, response: Response):
        kind = kind_of(request)
        if kind is None:
            return response
        if STORED in response.flags:
            return response
        self.received.pop(request, None)
        portal_id = portal_id_of(request)
        self.stats.inc_value(counters.portal_key(portal_id, counters.RESPONSES))
        self.stats.inc_value(counters.portal_key(portal_id, counters.RESPONSES, response.status))
        if response.status == 304:
            # After a redirect the validators were those of the first URL.
            asked = (request.meta.get("redirect_urls") or [request.url])[0]
            known = self.store.known(response.url) or self.store.known(asked)
            self.stats.inc_value(counters.key(counters.NOT_MODIFIED))
            if known is None or not known.sha256:
                raise IgnoreRequest(f"304 for a URL the raw store does not hold: {request.url}")
            self.store.touch(known.url)
            if kind == ATTACHMENT:
                raise IgnoreRequest(f"not modified: {request.url}")
            return self._stored_response(request, known.sha256)
        if response.status >= 400:
            self.problem(request, f"http_{response.status}", response.url)
        elif kind == LIST_PAGE and response.status == 200:
            self.store.put(
                url=response.url,
                body=response.body,
                status=response.status,
                headers=response_headers(response),
                referer=referer_of(request),
                portal_id=portal_id,
                kind=LIST_PAGE,
                run_id=self.run_id,
            )
        return response

    def _stored_response(self, request: Request, sha256: str) -> Response:
        """The page as last kept, to read instead of downloading it."""
        body, headers = self.store.stored(request.url, sha256)
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        if not issubclass(cls, TextResponse):
            cls = TextResponse
        return cls(
            url=request.url, status=200, headers=headers, body=body, request=request, flags=[STORED]
        )

    def process_exception(self, request: Request, exception: Exception):
        if kind_of(request) and not isinstance(exception, IgnoreRequest):
            received = self.received.pop(request, 0)
            maxsize = request.meta.get("download_maxsize", self.maxsize)
            kind = error_kind(exception, received, maxsize)
            detail = str(exception) or f"{type(exception).__name__} after {received} bytes"
            self.problem(request, kind, detail)
        return None

    def count_bytes(self, data: bytes, request: Request, spider=None) -> None:
        if kind_of(request) == ATTACHMENT:
            self.received[request] = self.received.get(request, 0) + len(data)


class NetworkStats(DownloaderStats):
    """Scrapy's downloader stats, counting the network only (not the pages read back
    from the raw store); ``nianbao/crawl_seconds``, from the start to the last response
    (the crawl itself, without what pipelines do after it); and the per-run request cap
    ``NIANBAO_MAX_REQUESTS`` (Scrapy's ``CLOSESPIDER_PAGECOUNT`` would also count the
    pages read from the store)."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler.stats)
        self.crawler = crawler
        self.max_requests = crawler.settings.getint("NIANBAO_MAX_REQUESTS")
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        return cls(crawler)

    def process_request(self, request: Request):
        sent = self.stats.get_value("downloader/request_count", 0)
        if self.max_requests and sent >= self.max_requests:
            if not self.closing:
                self.closing = True
                deferred_from_coro(self.crawler.engine.close_spider_async(reason=REQUEST_CAP))
            raise IgnoreRequest(f"request cap ({self.max_requests}) reached")
        return super().process_request(request)

    def process_response(self, request: Request, response: Response):
        if STORED in response.flags:
            return response
        started = self.stats.get_value("start_time")
        if started is not None:
            elapsed = (datetime.now(started.tzinfo) - started).total_seconds()
            self.stats.max_value(counters.key(counters.CRAWL_SECONDS), elapsed)
        return super().process_response(request, response)


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 120.0)

    async def process_request(self, request: Request):
        delay = request.meta.pop(RETRY_DELAY, 0)
        if delay > 0:
            from twisted.internet import reactor, task  # the reactor Scrapy installed

            await maybe_deferred_to_future(task.deferLater(reactor, delay, lambda: None))
        return None

    def process_response(self, request: Request, response: Response):
        result = super().process_response(request, response)
        if isinstance(result, Request):
            after = (response.headers.get("Retry-After") or b"").decode("latin-1").strip()
            if after.isdigit():
                result.meta[RETRY_DELAY] = min(float(after), self.backoff_max)
        return result

    def _retry(self, request: Request, reason):
        retry = super()._retry(request, reason)
        if retry is not None and self.backoff_base > 0:
            attempt = retry.meta.get("retry_times", 1)
            retry.meta[RETRY_DELAY] = min(self.backoff_base * 2 ** (attempt - 1), self.backoff_max)
        return retry
