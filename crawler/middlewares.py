"""Downloader middlewares: scope, incremental fetching against the raw store, and
retries with backoff.

- ``ScopeMiddleware`` refuses what the crawler must never fetch: schemes other than
  http(s) (``file:``), loopback/private/reserved addresses unless
  ``NIANBAO_ALLOW_PRIVATE_HOSTS`` is on (setting or environment), and anything outside
  the portal's allowed domains (redirects included).
- ``RawStoreMiddleware`` makes a nightly run cheap: report pages and attachments the
  store already holds are not fetched again (unless ``NIANBAO_REFRESH``, which
  re-checks them with conditional requests); list pages are always fetched, with
  ``If-None-Match`` / ``If-Modified-Since`` when the store has a validator, kept in the
  store when they change and read back from it on a 304. It also records HTTP errors
  and failed downloads as problems and counts everything per portal.
- ``BackoffRetryMiddleware`` is Scrapy's retry (429/5xx) waiting longer before each
  attempt (``RETRY_BACKOFF_BASE`` × 2ⁿ, at most ``RETRY_BACKOFF_MAX`` seconds, or the
  server's ``Retry-After``).
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from datetime import datetime
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.stats import DownloaderStats
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.responsetypes import responsetypes
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future

from crawler.items import ATTACHMENT, LIST_PAGE, REPORT_PAGE
from pipelines.keep import raw_store_for, stored_headers

REQUEST_CAP = "request_cap"  # finish reason of a run stopped by NIANBAO_MAX_REQUESTS
STORED = "stored"  # flag of a response read from the raw store, not the network
_LEGACY_IPV4 = re.compile(r"^[0-9a-fx.]+$", re.IGNORECASE)


def _truthy(value) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def private_hosts_allowed(settings) -> bool:
    return settings.getbool("NIANBAO_ALLOW_PRIVATE_HOSTS") or _truthy(
        os.environ.get("NIANBAO_ALLOW_PRIVATE_HOSTS", "")
    )


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


def _portal_id(request: Request) -> str | None:
    return request.meta.get("portal_id")


def error_kind(exception: Exception) -> str:
    """A short stable name for a failed download."""
    name = type(exception).__name__
    known = {
        "TimeoutError": "timeout",
        "TCPTimedOutError": "timeout",
        "DNSLookupError": "dns",
        "ConnectionRefusedError": "connection_refused",
        "ConnectionLost": "connection_lost",
        "ResponseNeverReceived": "no_response",
        "CancelledError": "cancelled",
    }
    return known.get(name) or re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class _StoreUser:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.store = raw_store_for(crawler)
        self.run_id = crawler.settings.get("NIANBAO_RUN_ID")

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        return cls(crawler)

    def problem(self, request: Request, kind: str, detail: str = "") -> None:
        portal_id = _portal_id(request)
        self.store.record_problem(
            url=request.url, kind=kind, detail=detail, portal_id=portal_id, run_id=self.run_id
        )
        self.stats.inc_value(f"nianbao/errors/{kind}")
        if portal_id:
            self.stats.inc_value(f"nianbao/portal/{portal_id}/errors")
            self.stats.inc_value(f"nianbao/portal/{portal_id}/errors/{kind}")


class ScopeMiddleware(_StoreUser):
    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.allow_private = private_hosts_allowed(crawler.settings)

    def process_request(self, request: Request):
        kind = refusal(request.url, self.allow_private)
        if kind:
            self.problem(request, kind, "refused before fetching")
            raise IgnoreRequest(f"{kind}: {request.url}")
        portal = self.crawler.spider.portal(_portal_id(request)) if _portal_id(request) else None
        if portal and not portal.allows(request.url):
            self.stats.inc_value("nianbao/offsite_refused")
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


class RawStoreMiddleware(_StoreUser):
    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.refresh = crawler.settings.getbool("NIANBAO_REFRESH")

    def _conditional(self, request: Request, known) -> None:
        if known.etag:
            request.headers["If-None-Match"] = known.etag
        if known.last_modified:
            request.headers["If-Modified-Since"] = known.last_modified

    def process_request(self, request: Request):
        kind = request.meta.get("nianbao_kind")
        if kind is None:  # robots.txt
            return None
        portal_id = _portal_id(request)
        self.stats.inc_value(f"nianbao/portal/{portal_id}/requests")
        known = self.store.known(request.url)
        if known is None or known.sha256 is None or request.method != "GET":
            return None
        if kind == LIST_PAGE or self.refresh:
            self._conditional(request, known)
            return None
        self.store.touch(request.url)
        self.stats.inc_value("nianbao/skipped_known")
        self.stats.inc_value(f"nianbao/portal/{portal_id}/skipped_known")
        if kind == REPORT_PAGE:
            # Read again from the store, not the network, so that attachments a
            # capped or interrupted run never reached are still found.
            return self._stored_response(request, known.sha256)
        raise IgnoreRequest(f"already held: {request.url}")

    def process_response(self, request: Request, response: Response):
        kind = request.meta.get("nianbao_kind")
        if kind is None:
            return response
        if STORED in response.flags:
            return response
        portal_id = _portal_id(request)
        self.stats.inc_value(f"nianbao/portal/{portal_id}/responses")
        self.stats.inc_value(f"nianbao/portal/{portal_id}/responses/{response.status}")
        if response.status == 304:
            self.store.touch(response.url)
            self.stats.inc_value("nianbao/not_modified")
            if kind == ATTACHMENT:
                raise IgnoreRequest(f"not modified: {request.url}")
            return self._stored_response(request, self.store.known(response.url).sha256)
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
        body = self.store.body(sha256)
        headers = stored_headers(self.store, request.url, sha256)
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        if not issubclass(cls, TextResponse):
            cls = TextResponse
        return cls(
            url=request.url, status=200, headers=headers, body=body, request=request, flags=[STORED]
        )

    def process_exception(self, request: Request, exception: Exception):
        if request.meta.get("nianbao_kind") and not isinstance(exception, IgnoreRequest):
            self.problem(request, error_kind(exception), str(exception))
        return None


def response_headers(response: Response) -> dict[str, str]:
    """Headers as a plain dict of text (the first value of each)."""
    return {
        key.decode("latin-1"): values[0].decode("latin-1")
        for key, values in response.headers.items()
        if values
    }


def referer_of(request: Request) -> str | None:
    value = request.headers.get("Referer")
    return value.decode("latin-1") if value else None


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
            self.stats.max_value("nianbao/crawl_seconds", elapsed)
        return super().process_response(request, response)


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 120.0)

    async def process_request(self, request: Request):
        delay = request.meta.pop("nianbao_retry_delay", 0)
        if delay > 0:
            from twisted.internet import reactor, task  # the reactor Scrapy installed

            await maybe_deferred_to_future(task.deferLater(reactor, delay, lambda: None))
        return None

    def process_response(self, request: Request, response: Response):
        result = super().process_response(request, response)
        if isinstance(result, Request):
            after = (response.headers.get("Retry-After") or b"").decode("latin-1").strip()
            if after.isdigit():
                result.meta["nianbao_retry_delay"] = min(float(after), self.backoff_max)
        return result

    def _retry(self, request: Request, reason):
        retry = super()._retry(request, reason)
        if retry is not None and self.backoff_base > 0:
            attempt = retry.meta.get("retry_times", 1)
            retry.meta["nianbao_retry_delay"] = min(
                self.backoff_base * 2 ** (attempt - 1), self.backoff_max
            )
        return retry
