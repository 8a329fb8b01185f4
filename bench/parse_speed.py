"""Parse throughput on the seeds, text already in memory, one process.

    python -m bench.parse_speed [ROUNDS]

Parses the five seeds ROUNDS times (default 100) with ``parse_text`` and prints
reports per second twice: warm (the label/value caches kept across reports, as in a
long reprocess run) and cold (the caches cleared before every report, so no cell is
ever seen before).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from pipelines.parse import parse_text
from pipelines.parse.cells import label, read_value

SEEDS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "seeds"


def _clear_caches() -> None:
    label.cache_clear()
    read_value.cache_clear()


def measure(rounds: int, cold: bool) -> tuple[float, int]:
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    _clear_caches()
    start = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            if cold:
                _clear_caches()
            parse_text(text)
    elapsed = time.perf_counter() - start
    return rounds * len(texts) / elapsed, rounds * len(texts)


if __name__ == "__main__":
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    for mode in ("warm", "cold"):
        rate, reports = measure(rounds, cold=mode == "cold")
        print(f"parse_text, {mode}: {reports} seed reports, {rate:.0f} reports/s (one core)")
