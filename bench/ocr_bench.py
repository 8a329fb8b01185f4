"""OCR engines side by side on the same scanned pages: `python -m bench.ocr_bench`.

The pages are tests/fixtures/scans/<seed>.pdf (printed, stamped and scanned renderings of
the five seed reports, made by ``tools.make_scan_fixtures``). Each engine reads every
document through the PDF extractor and the parser, as the pipeline does; the parsed form
is scored against the seed's hand-checked expected values
(tests/fixtures/seeds/expected/, copies of shared/seeds/expected/), never against a parse.

Per engine: seconds per page (median over the documents of wall time / pages, and the
same for CPU time, this process's and tesseract's), the statistics cells right / wrong / blank (blank =
null where the report prints a number), agency and year read. ``--sweep`` also scores
RapidOCR at several digit-confidence thresholds (its recognitions are cached, so only
the thresholds differ between runs), the measurement behind
``RapidOcrEngine.min_digit_confidence``.

    python -m bench.ocr_bench [--engine rapidocr] [--engine tesseract] [--sweep] [-v]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipelines.extract import ocr
from pipelines.extract.document import ConverterMissing
from pipelines.extract.pdf import extract_pdf
from pipelines.parse import parse_document
from pipelines.parse.compare import Comparison, compare_to_expected

SCANS = Path("tests/fixtures/scans")
EXPECTED = Path("tests/fixtures/seeds/expected")
TABLE_KEYS = ("active_disclosure", "applications", "review_litigation")
SWEEP = (0.0, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98)


@dataclass
class EngineScore:
    engine: str
    wall_per_page: list[float] = field(default_factory=list)
    cpu_per_page: list[float] = field(default_factory=list)
    pages: int = 0
    cells: Comparison = field(default_factory=Comparison)
    agencies: int = 0
    years: int = 0
    documents: int = 0


def cpu_seconds() -> float:
    """CPU time of this process and of the programs it ran (tesseract runs as one)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def scan_cases() -> list[tuple[str, Path, dict]]:
    return [
        (path.stem, path, json.loads((EXPECTED / f"{path.stem}.json").read_text()))
        for path in sorted(SCANS.glob("0*.pdf"))
    ]


def agency_read(parsed: dict, expected: dict) -> bool:
    agency = parsed.get("agency") or ""
    if "agency" in expected:
        return agency == expected["agency"]
    return expected["agency_contains"] in agency


def score_document(score: EngineScore, name: str, parsed: dict, expected: dict, verbose: bool):
    cells = compare_to_expected(parsed, {key: expected[key] for key in TABLE_KEYS})
    score.cells.add(cells)
    agency, year = agency_read(parsed, expected), parsed.get("year") == expected["year"]
    score.agencies += agency
    score.years += year
    score.documents += 1
    if verbose:
        print(
            f"  {score.engine:9} {name[:12]}  right {cells.right:3}  wrong {cells.wrong}  "
            f"blank {cells.missed:2}  agency {parsed.get('agency')!r}  year {parsed.get('year')}"
        )
        for mismatch in cells.mismatches:
            print(f"      {mismatch}")


def run_engine(engine: str, verbose: bool) -> EngineScore:
    score = EngineScore(engine)
    for name, path, expected in scan_cases():
        data = path.read_bytes()
        wall, cpu = time.perf_counter(), cpu_seconds()
        document = extract_pdf(data, ocr_engine=engine)
        wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
        pages = document.page_count or 1
        score.pages += pages
        score.wall_per_page.append(wall / pages)
        score.cpu_per_page.append(cpu / pages)
        score_document(score, name, parse_document(document), expected, verbose)
    return score


def _yes(count: int, total: int) -> str:
    return "yes" if count == total else f"{count}/{total}"


def print_scores(scores: list[EngineScore]) -> None:
    print(
        f"{'engine':10} {'pages':>5} {'s/page':>7} {'cpu s/page':>10} {'cells':>6} {'right':>6} "
        f"{'wrong':>6} {'blank':>6} {'right %':>8} {'agency':>7} {'year':>5}"
    )
    for score in scores:
        cells = score.cells
        print(
            f"{score.engine:10} {score.pages:5} {statistics.median(score.wall_per_page):7.1f} "
            f"{statistics.median(score.cpu_per_page):10.1f} {cells.scored:6} {cells.right:6} "
            f"{cells.wrong:6} {cells.missed:6} {100 * cells.right / cells.scored:7.1f}% "
            f"{_yes(score.agencies, score.documents):>7} {_yes(score.years, score.documents):>5}"
        )


class _CachedRecognition:
    """RapidOCR's detector and recogniser with their answers kept by input, so a rerun at
    another threshold costs only what does not depend on the models."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.answers: dict[bytes, object] = {}
        self.text_rec = self._cached(engine.text_rec, "rec")

    def _key(self, images, keywords) -> bytes:
        digest = hashlib.sha256(repr(sorted(keywords.items())).encode())
        for image in images if isinstance(images, list) else [images]:
            digest.update(np.ascontiguousarray(image).tobytes())
        return digest.digest()

    def _cached(self, method, label: str):
        def call(images, *arguments, **keywords):
            key = self._key(images, {"arguments": arguments, **keywords, "method": label})
            if key not in self.answers:
                self.answers[key] = method(images, *arguments, **keywords)
            return self.answers[key]

        return call

    def __call__(self, images, *arguments, **keywords):
        return self._cached(self.engine, "det")(images, *arguments, **keywords)


def sweep(verbose: bool) -> None:
    """RapidOCR at each threshold in SWEEP: cells right / wrong / blank."""
    cells = _CachedRecognition(ocr._rapidocr(ocr.CELL_HEIGHT))
    lines = _CachedRecognition(ocr._rapidocr(ocr.LINE_HEIGHT))
    original_init = ocr.RapidOcrEngine.__init__
    original_threshold = ocr.RapidOcrEngine.min_digit_confidence

    def cached_init(self) -> None:
        self.ocr, self.line_ocr = cells, lines

    ocr.RapidOcrEngine.__init__ = cached_init
    try:
        print(
            f"\nrapidocr digit threshold sweep\n{'threshold':>9} {'right':>6} {'wrong':>6} {'blank':>6}"
        )
        for threshold in SWEEP:
            ocr.RapidOcrEngine.min_digit_confidence = threshold
            score = EngineScore(f"t={threshold}")
            for name, path, expected in scan_cases():
                document = extract_pdf(path.read_bytes(), ocr_engine="rapidocr")
                score_document(score, name, parse_document(document), expected, verbose)
            result = score.cells
            print(f"{threshold:9.2f} {result.right:6} {result.wrong:6} {result.missed:6}")
    finally:
        ocr.RapidOcrEngine.__init__ = original_init
        ocr.RapidOcrEngine.min_digit_confidence = original_threshold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", action="append", choices=sorted(ocr.ENGINES))
    parser.add_argument("--sweep", action="store_true", help="rapidocr digit thresholds")
    parser.add_argument("-v", action="store_true", help="each document and every mismatch")
    arguments = parser.parse_args()
    print(f"{len(scan_cases())} scanned reports, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at the start")  # fmt: skip
    scores = []
    for engine in arguments.engine or sorted(ocr.ENGINES):
        try:
            scores.append(run_engine(engine, arguments.v))
        except ConverterMissing as error:
            print(f"{engine}: {error}")
    print_scores(scores)
    if arguments.sweep:
        sweep(arguments.v)


if __name__ == "__main__":
    main()
