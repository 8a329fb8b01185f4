"""What workers and the writer share in Redis: keys, the connection, the job queues with
their leases, the results stream and the sender that fills it.

Keys (all under ``nianbao:``):

- ``portals``, ``documents``: streams of jobs (a portal to crawl; a stored document to
  process again), read by the consumer group ``workers``. A worker takes a job with
  XREADGROUP, renews its lease while it works (XCLAIM ``JUSTID`` resets the idle time)
  and acknowledges and deletes it when everything it produced is in ``results``
  (XACK + XDEL). A job idle for longer than the lease (its worker died) is taken by the
  next worker that asks (XAUTOCLAIM). So a stream's length is the work not yet done.
- ``results``: what workers send to the writer (kept bodies, checks, problems,
  processed documents, each portal's counts), read by the group ``writer``; the writer
  acknowledges an entry only after its own transaction committed.
- ``known``: URL → validators (sha256, ETag, Last-Modified) of what the raw store holds,
  kept by the writer, so workers skip held documents and send conditional requests.
- ``writer``: the writer's heartbeat; workers wait for it (``known`` is loaded then).
- ``blobs``: requests for stored bodies (a held report page read again, a document to
  reprocess); the writer answers on a one-off reply key.
- ``run``: the run in progress (id, kind ``crawl`` or ``reprocess``, start time);
  ``run:queued``: the portals it has queued; ``feeding``: present while ``nianbao
  reprocess`` is still queueing; ``done:<run id>``: a finished run's summary.

Redis must keep what it is given: ``maxmemory-policy noeviction`` and an append-only
file (deploy/redis-nianbao.conf).
"""

from __future__ import annotations

import json
import os
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import redis

PREFIX = "nianbao:"
PORTALS = PREFIX + "portals"
DOCUMENTS = PREFIX + "documents"
RESULTS = PREFIX + "results"
KNOWN = PREFIX + "known"
WRITER = PREFIX + "writer"
BLOBS = PREFIX + "blobs"
RUN = PREFIX + "run"
QUEUED = PREFIX + "run:queued"
FEEDING = PREFIX + "feeding"
DONE = PREFIX + "done:"
WORKERS_GROUP = "workers"
WRITER_GROUP = "writer"
CRAWL, REPROCESS = "crawl", "reprocess"

# How long a job may go without its worker renewing the lease before another worker
# takes it (seconds; renewed every third of it).
LEASE_SECONDS = float(os.environ.get("NIANBAO_LEASE_SECONDS", "60"))
# Entries in ``results`` past which workers wait for the writer (memory stays bounded).
RESULTS_BACKLOG = 500
# Commands retry across a Redis restart for about a minute, then fail.
OUTAGE_RETRIES = 30


class QueueUnavailable(RuntimeError):
    """Redis cannot be reached (or stopped answering for longer than a restart takes)."""


def client_params() -> dict:
    """scrapy-redis's client defaults, with retries across a Redis restart."""
    from redis.backoff import ExponentialBackoff
    from redis.retry import Retry
    from scrapy_redis import defaults

    params = {k: v for k, v in defaults.REDIS_PARAMS.items() if k != "encoding"}
    return {
        **params,
        "retry": Retry(ExponentialBackoff(cap=2.0, base=0.1), OUTAGE_RETRIES),
        "retry_on_error": [redis.ConnectionError, redis.TimeoutError],
        "health_check_interval": 10,
    }


def connect(url: str) -> redis.Redis:
    """A client for ``url``; raises ``QueueUnavailable`` at once (no retries) when the
    server does not answer, so a command fails before it has written anything."""
    from scrapy_redis.connection import get_redis

    probe = get_redis(url=url, socket_connect_timeout=3, socket_timeout=3)
    try:
        probe.ping()
    except (redis.RedisError, OSError, ValueError) as error:
        raise QueueUnavailable(f"cannot reach Redis at {url}: {error}") from error
    finally:
        probe.close()
    client = get_redis(url=url, **client_params())
    ensure_groups(client)
    return client


def ensure_groups(client: redis.Redis) -> None:
    """Create the streams and their consumer groups (idempotent)."""
    for stream, group in (
        (PORTALS, WORKERS_GROUP),
        (DOCUMENTS, WORKERS_GROUP),
        (RESULTS, WRITER_GROUP),
    ):
        try:
            client.xgroup_create(stream, group, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise


def consumer_name() -> str:
    """This process's name in the consumer groups and the run records."""
    return f"{os.uname().nodename}-{os.getpid()}"


# Atomic: find or start the run, then queue one job unless the run already has it.
_ENQUEUE = """
local run = redis.call('HGET', KEYS[1], 'id')
if not run then
  run = ARGV[1]
  redis.call('HSET', KEYS[1], 'id', run, 'kind', ARGV[2], 'started_at', ARGV[3])
elseif redis.call('HGET', KEYS[1], 'kind') ~= ARGV[2] then
  return {run, -1}
end
if ARGV[4] ~= '' and redis.call('SADD', KEYS[2], ARGV[4]) == 0 then
  return {run, 0}
end
redis.call('XADD', KEYS[3], '*', 'run', run, 'job', ARGV[5])
return {run, 1}
"""


class RunBusy(RuntimeError):
    """A run of the other kind is in progress."""


def enqueue(
    client: redis.Redis, stream: str, kind: str, jobs: list[tuple[str, dict]], new_run: str
) -> tuple[str, int]:
    """Queue ``jobs`` ((dedup key or "", job)) on ``stream`` in the run in progress, or in
    a new run ``new_run`` of ``kind``. Returns the run id and how many were queued (a
    portal the run already has is not queued twice)."""
    from nianbao_common.clock import utc_now

    script = client.register_script(_ENQUEUE)
    run, added = new_run, 0
    for key, job in jobs:
        run_id, outcome = script(
            keys=[RUN, QUEUED, stream],
            args=[new_run, kind, utc_now(), key, json.dumps(job, ensure_ascii=False)],
        )
        run = run_id.decode()
        if outcome == -1:
            raise RunBusy(f"run {run} of another kind is in progress; try when it is done")
        added += outcome
    return run, added


def current_run(client: redis.Redis) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in client.hgetall(RUN).items()}


@dataclass
class Job:
    stream: str
    id: bytes
    run: str
    body: dict


def take(client: redis.Redis, stream: str, consumer: str) -> Job | None:
    """The next job of ``stream``: first one whose lease ran out (its worker died), else
    a new one; None when there is neither."""
    _, claimed, *_ = client.xautoclaim(
        stream, WORKERS_GROUP, consumer, min_idle_time=int(LEASE_SECONDS * 1000), count=1
    )
    entries = claimed
    if not entries:
        answer = client.xreadgroup(WORKERS_GROUP, consumer, {stream: ">"}, count=1)
        entries = answer[0][1] if answer else []
    for entry_id, fields in entries:
        if fields:
            return Job(stream, entry_id, fields[b"run"].decode(), json.loads(fields[b"job"]))
        finish(client, stream, entry_id)  # deleted meanwhile: nothing to do
    return None


def finish(client: redis.Redis, stream: str, entry_id: bytes) -> None:
    """A job done: acknowledged and removed."""
    with client.pipeline() as pipe:
        pipe.xack(stream, WORKERS_GROUP, entry_id)
        pipe.xdel(stream, entry_id)
        pipe.execute()


def outstanding(client: redis.Redis) -> int:
    """Jobs not yet done, taken or not."""
    return client.xlen(PORTALS) + client.xlen(DOCUMENTS)


class Leases:
    """Renews the leases of the jobs this process holds, every third of the lease."""

    def __init__(self, client: redis.Redis, consumer: str):
        self.client = client
        self.consumer = consumer
        self.held: set[tuple[str, bytes]] = set()
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        threading.Thread(target=self._renew, name="leases", daemon=True).start()

    def hold(self, job: Job) -> None:
        with self.lock:
            self.held.add((job.stream, job.id))

    def release(self, job: Job) -> None:
        with self.lock:
            self.held.discard((job.stream, job.id))

    def _renew(self) -> None:
        while not self.stopped.wait(LEASE_SECONDS / 3):
            with self.lock:
                held = sorted(self.held)
            for stream, entry_id in held:
                try:
                    self.client.xclaim(
                        stream, WORKERS_GROUP, self.consumer, 0, [entry_id], justid=True
                    )
                except redis.RedisError:
                    pass  # Redis restarting: the next round renews it

    def stop(self) -> None:
        self.stopped.set()


class Sender:
    """Sends entries to ``results`` from one thread, in the order they were given, so
    that a portal's counts always follow its documents. ``put`` waits while more than a
    few entries wait to be sent (bodies are held in memory until then), and the thread
    waits while the writer is more than ``RESULTS_BACKLOG`` entries behind."""

    def __init__(self, client: redis.Redis, worker: str, capacity: int = 32):
        self.client = client
        self.worker = worker
        self.queue: queue.Queue = queue.Queue(capacity)
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._send, name="sender", daemon=True)
        self.thread.start()

    def send(self, kind: str, meta: dict, body: bytes = b"") -> None:
        self._put(("send", kind, json.dumps({**meta, "worker": self.worker}), body))

    def then(self, action: Callable[[], None]) -> None:
        """Run ``action`` in the sender's thread once everything given before is sent."""
        self._put(("call", action))

    def _put(self, entry: tuple) -> None:
        if self.failure is not None:
            raise QueueUnavailable(f"results cannot be sent: {self.failure}")
        self.queue.put(entry)

    def _send(self) -> None:
        sent = 0
        while (entry := self.queue.get()) is not None:
            if self.failure is not None:
                continue
            try:
                if entry[0] == "call":
                    entry[1]()
                    continue
                if sent % 50 == 0:
                    while self.client.xlen(RESULTS) > RESULTS_BACKLOG:
                        time.sleep(0.2)
                _, kind, meta, body = entry
                self.client.xadd(RESULTS, {"kind": kind, "meta": meta, "body": body})
                sent += 1
            except BaseException as error:  # Redis gone for good: the worker stops
                self.failure = error

    def close(self) -> None:
        """Send what is left, then stop; raises if something could not be sent."""
        self.queue.put(None)
        self.thread.join()
        if self.failure is not None:
            raise QueueUnavailable(f"results could not be sent: {self.failure}")


def known_value(resource: dict) -> str:
    """What ``known`` holds for one URL (a row of the raw store's ``resources``)."""
    return json.dumps(
        {k: resource.get(k) for k in ("sha256", "etag", "last_modified", "status")},
        ensure_ascii=False,
    )


def ask_blob(client: redis.Redis, url: str, sha256: str, patience: float = 120) -> tuple:
    """A stored body and the headers it was kept with, from the writer's raw store:
    (body, headers). Raises ``QueueUnavailable`` when the writer does not answer."""
    reply = f"{PREFIX}blob:{uuid.uuid4().hex}"
    request = json.dumps({"url": url, "sha256": sha256, "reply": reply})
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        client.lpush(BLOBS, request)
        answer = client.blpop([reply], timeout=10)
        if answer is not None:
            head, _, body = answer[1].partition(b"\n")
            return body, json.loads(head)
    raise QueueUnavailable(f"the writer did not send the stored body of {url}")


def answer_blob(client: redis.Redis, request: bytes, read: Callable[[str, str], tuple]) -> None:
    """The writer's side of ``ask_blob``: ``read(url, sha256)`` → (body, headers)."""
    asked = json.loads(request)
    body, headers = read(asked["url"], asked["sha256"])
    with client.pipeline() as pipe:
        pipe.rpush(asked["reply"], json.dumps(headers, ensure_ascii=False).encode() + b"\n" + body)
        pipe.expire(asked["reply"], 60)
        pipe.execute()
