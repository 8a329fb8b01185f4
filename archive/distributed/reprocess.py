"""``nianbao reprocess --redis``: every stored document processed again by the workers.

Runs next to the writer (it reads the documents of ``DATA/raw.db``): it queues one job
per stored document on ``documents`` (a few thousand at a time, so Redis holds the
queue's head, not the whole store), then waits for the writer to publish the run and
returns the run's summary. Workers read each body from the writer's raw store through
Redis (``queue.ask_blob``): no shared file system is needed, and a body travels only
when a worker is ready for it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import redis

from archive import RAW_FILE
from archive.distributed.queue import DOCUMENTS, DONE, FEEDING, REPROCESS, enqueue
from archive.nightly import new_run_id
from archive.rawstore import RawStore

QUEUE_HEAD = 2000  # documents queued ahead of the workers
FEEDING_TTL = 30  # seconds: a feeder that died stops holding the run open


def reprocess_through_workers(client: redis.Redis, data_dir: Path) -> dict:
    """Queue every stored document, wait until the writer has published the results;
    returns the writer's summary (documents, reports, failed)."""
    store = RawStore(data_dir / RAW_FILE)
    run = new_run_id()
    queued = 0
    client.set(FEEDING, run, ex=FEEDING_TTL)
    try:
        for fetch in store.documents():
            while client.xlen(DOCUMENTS) >= QUEUE_HEAD:
                client.set(FEEDING, run, ex=FEEDING_TTL)
                time.sleep(0.5)
            run, added = enqueue(client, DOCUMENTS, REPROCESS, [("", {"fetch": fetch})], run)
            queued += added
    finally:
        client.delete(FEEDING)
    if not queued:
        return {"documents": 0, "reports": 0, "failed": 0}
    while (summary := client.get(DONE + run)) is None:
        time.sleep(1)
    return json.loads(summary)
