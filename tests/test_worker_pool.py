"""WorkerPool: a worker that dies takes the pool down with it; the documents the
other workers held are tried again, not recorded as failed."""

import os
import signal
import time
from pathlib import Path

from archive.rawstore import RawStore
from nianbao_common.ids import stable_id
from pipelines.process import WorkerPool

FORMATS = Path(__file__).resolve().parent / "fixtures" / "formats"


def kept_documents(raw_path: Path) -> list[dict]:
    store = RawStore(raw_path)
    for path in sorted(FORMATS.glob("*/report.doc")):
        url = f"http://127.0.0.1/{path.parent.name}/report.doc"
        store.put(url=url, body=path.read_bytes(), kind="attachment", portal_id="p")
    return list(store.documents())


def test_documents_of_a_broken_pool_are_processed_again(tmp_path):
    fetches = kept_documents(tmp_path / "raw.db")
    pool = WorkerPool(tmp_path / "raw.db", workers=2)
    try:
        futures = [(fetch, pool.submit(fetch)) for fetch in fetches]
        deadline = time.monotonic() + 60
        while not getattr(pool._executor, "_processes", None) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # the workers are converting their first .doc now
        os.kill(next(iter(pool._executor._processes)), signal.SIGKILL)
        results = [pool.result(future, fetch) for fetch, future in futures]
    finally:
        pool.close()
    assert [r["document"].get("error_kind") for r in results] == [None] * len(fetches)
    assert all(r["parsed"]["is_report"] for r in results)
    assert [r["document"]["id"] for r in results] == [
        stable_id(f["url"], f["sha256"]) for f in fetches
    ]
