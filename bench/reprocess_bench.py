"""Reprocess throughput: documents per second of ``nianbao reprocess`` (extract + parse
in worker processes, one writer) with 1 and 2 worker processes, on the sample corpus
(the demo's archive: the sample portal crawled, 21 documents: HTML, PDF, DOCX, DOC).

    python -m bench.reprocess_bench [--repeat N] [--data DIR]

Without ``--data`` it builds the demo archive in a temporary directory first
(``nianbao demo --no-serve``). Each run reprocesses every document; the figure printed
is the median of ``--repeat`` runs (default 3) per worker count.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipelines.process import process_pending

ROOT = Path(__file__).resolve().parent.parent


def build_demo_archive(data: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "archive.cli", "demo", "--no-serve", "--data", str(data)],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def measure(data: Path, workers: int) -> tuple[int, float]:
    """Documents reprocessed and seconds taken, for one reprocess of everything."""
    started = time.perf_counter()
    summary = process_pending(data, everything=True, workers=workers)
    return summary.documents, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--data", type=Path, help="an archive directory (default: build the demo's)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        data = args.data
        if data is None:
            data = Path(scratch) / "demo"
            build_demo_archive(data)
        for workers in (1, 2):
            runs = [measure(data, workers) for _ in range(args.repeat)]
            rates = [documents / seconds for documents, seconds in runs]
            seconds = statistics.median(s for _, s in runs)
            print(
                f"reprocess, {workers} worker process{'es' if workers > 1 else ''}: "
                f"{runs[0][0]} documents, median {seconds:.2f} s, "
                f"{statistics.median(rates):.2f} documents/s "
                f"(runs: {', '.join(f'{r:.2f}' for r in rates)})",
                flush=True,
            )


if __name__ == "__main__":
    main()
