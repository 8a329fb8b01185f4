"""Scrapy settings: polite by default.

robots.txt is obeyed (a portal whose registry row says ``obey_robots=no`` is fetched
without it: a documented, per-portal decision), AutoThrottle adapts the pace to each
server, one request at a time per host, retries on 429/5xx wait longer each time, and
a run stops after ``NIANBAO_MAX_REQUESTS`` requests. ``JOBDIR`` (set per run) makes a
run resumable; the frontier and seen-set stay behind Scrapy's ``SCHEDULER`` and
``DUPEFILTER_CLASS`` so scrapy-redis can replace them.

nianbao's own settings: ``NIANBAO_DATA_DIR`` (where ``raw.db`` lives),
``NIANBAO_RUN_ID``, ``NIANBAO_MAX_REQUESTS``, ``NIANBAO_ALLOW_PRIVATE_HOSTS`` (demo and
tests only; also the environment variable of that name), ``NIANBAO_REFRESH`` (re-check
held documents with conditional requests instead of skipping them).
"""

BOT_NAME = "nianbao"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

CONTACT_URL = "https://github.com/nianbao/nianbao"
USER_AGENT = f"nianbao/0.1 (+{CONTACT_URL}; archive of 政府信息公开工作年度报告)"

ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
# A response yields a few items at most; Scrapy starts CONCURRENT_ITEMS asyncio tasks per
# response, which at the default (100) costs more than the parsing (DESIGN.md, measured).
CONCURRENT_ITEMS = 1
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
RETRY_BACKOFF_BASE = 5.0  # seconds before the first retry, doubled for each next one
RETRY_BACKOFF_MAX = 300.0

NIANBAO_MAX_REQUESTS = 50_000  # the per-run request cap (network requests only)
DOWNLOAD_MAXSIZE = 100 * 1024 * 1024
DOWNLOAD_WARNSIZE = 20 * 1024 * 1024

DOWNLOADER_MIDDLEWARES = {
    # Scope is per portal (each has its own allowed domains), so Scrapy's own offsite
    # middleware, which reads one spider-wide list, is replaced.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.downloadermiddlewares.ScopeMiddleware": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.downloadermiddlewares.RobotsMiddleware": 100,
    "crawler.downloadermiddlewares.RawStoreMiddleware": 540,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.downloadermiddlewares.BackoffRetryMiddleware": 550,
    "crawler.downloadermiddlewares.WafChallengeMiddleware": 560,
    "crawler.downloadermiddlewares.RedirectGuardMiddleware": 610,
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
    "crawler.downloadermiddlewares.NetworkStats": 850,
}
SPIDER_MIDDLEWARES = {"crawler.spidermiddlewares.PageProblemMiddleware": 960}
DOWNLOAD_HANDLERS = {"file": None, "s3": None, "ftp": None, "data": None}
ITEM_PIPELINES = {"pipelines.keep.KeepRawPipeline": 100}
EXTENSIONS = {"crawler.crawl_log.CrawlProgress": 500}

SCHEDULER = "scrapy.core.scheduler.Scheduler"
DUPEFILTER_CLASS = "scrapy.dupefilters.RFPDupeFilter"

LOG_LEVEL = "INFO"
# Failed downloads are recorded as problems and logged as event lines (nianbao_common/events.py);
# Scrapy's own messages for them are detail, shown with `nianbao crawl --verbose`.
LOG_FORMATTER = "crawler.crawl_log.ProblemLogFormatter"
RETRY_GIVE_UP_LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote-control server executes code sent to it: a crawler has no use for it.
REMOTE_CONTROL_ENABLED = False
