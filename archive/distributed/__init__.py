"""Crawling and processing on several machines over Redis: ``nianbao enqueue``,
``nianbao worker``, ``nianbao write`` and ``nianbao reprocess --redis``.

- ``queue``: the Redis keys, the connection, the job queues with their leases, the
  results stream and the sender that fills it (everything both sides share).
- ``worker``: takes portals (and documents to reprocess), crawls with the spider, page
  objects and middlewares of ``nianbao crawl``, extracts and parses in its own worker
  processes, and sends what it kept and read to the writer.
- ``writer``: the only process that writes the raw store and the archive.

What scrapy-redis does here (and what it does not):

- ``scrapy_redis.spiders.RedisSpider`` (its ``RedisMixin``) is the worker's engine for taking work: when the
  spider has nothing left to crawl (Scrapy's ``spider_idle``) it reads the next portal
  from Redis, schedules its start requests and keeps the spider open
  (``setup_redis``, ``spider_idle``, ``schedule_next_requests``, ``next_requests``,
  ``make_request_from_data``). Its one-batch-at-a-time read is what makes a worker crawl
  one portal at a time, so robots.txt, one request per host and AutoThrottle stay inside
  one process. Its read (``fetch_data``: LRANGE + LTRIM, a pop) is replaced by a
  take-with-lease on a stream (XREADGROUP / XAUTOCLAIM), since a popped portal dies with
  its worker.
- ``scrapy_redis.connection.get_redis`` makes every client (``REDIS_URL`` and the
  ``REDIS_PARAMS`` defaults of scrapy-redis, plus retries across a Redis restart).
- Not used: scrapy-redis's scheduler, queues and dupefilter (a shared frontier would let
  N workers hit one host at N times the rate, and its queues pop requests, so those in
  flight on a killed worker would be lost; a portal's frontier is small and lives in
  the one process that crawls it), ``RedisPipeline`` (JSON items cannot carry the
  bodies, a list has no acknowledgement, and it has the deprecated
  ``process_item(item, spider)``) and ``RedisStatsCollector`` (a hash per spider name
  would mix the workers; each portal's counts travel with its results instead).
"""
