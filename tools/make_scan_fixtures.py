"""Build the scanned-report fixtures: each seed's printed report as a scanner gives it back.

For each seed, tests/fixtures/formats/<seed-id>/report.pdf (made by
``tools.make_format_fixtures`` from the seed's own text) is rasterised with pdftoppm at
200 dpi in grey, then put through what printing, stamping and scanning do to a page:

- ink spread (a slight blur) and a paper tone that is not white and not even;
- on the last page, the agency's round red seal (公章) stamped over the end of the text,
  as grey as red ink scans in a grey scan;
- each sheet fed a little askew (0.2–0.9°, either way) and shifted a few pixels;
- sensor noise and dust specks; saved as JPEG (quality 60) inside an image-only PDF.

Written to tests/fixtures/scans/<seed-id>.pdf, plus ``smudged-digit.pdf``: the one page of
seed 002 that prints ``SMUDGED_NUMBER``, with a blot of ink over its second digit (the
recogniser, blind to the blot, reads the three digits it sees, confidently), the case where
OCR must leave the number blank, not print a wrong one.

Everything is drawn from a random generator seeded by the seed id, so a rerun gives the same
bytes with the same libraries. Run from the repository root (needs poppler-utils):
``python -m tools.make_scan_fixtures``.
"""

from __future__ import annotations

import hashlib
import io
import math
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pdfplumber
from PIL import Image, ImageFilter
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from pipelines.extract.document import Paragraph
from tools.make_format_fixtures import FONT, FORMATS_DIR, SEED_DIR, seed_document

SCANS_DIR = Path("tests/fixtures/scans")
SCAN_DPI = 200
JPEG_QUALITY = 60
SEAL_INK = 120  # grey level of red seal ink in a grey scan
SEAL_RADIUS_MM = 21
# The smudged case: seed 002's 行政许可 本年新制发 (2019 template), printed once.
SMUDGED_SEED = "002_730fd97f12cf432f"
SMUDGED_NUMBER = "2229"


@dataclass(frozen=True)
class Smudge:
    """An ink blot over one digit: centre in page pixels and radius."""

    x: float
    y: float
    radius: float


def _rng(name: str) -> np.random.Generator:
    return np.random.default_rng(int(hashlib.sha256(name.encode()).hexdigest()[:16], 16))


def rasterised(pdf: Path, dpi: int = SCAN_DPI) -> list[np.ndarray]:
    """The PDF's pages as grey images, by pdftoppm (the renderer a print driver would be)."""
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(pdf), f"{work}/page"], check=True
        )
        return [
            np.asarray(Image.open(path).convert("L"))
            for path in sorted(Path(work).glob("page-*.png"))
        ]


def _seal_pdf(agency: str) -> bytes:
    """A round seal: double ring, star, the agency's name around the top, red."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    radius = SEAL_RADIUS_MM * 72 / 25.4
    size = 2 * radius + 4
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=(size, size), invariant=1)
    page.translate(size / 2, size / 2)
    page.setStrokeColorRGB(0.85, 0.1, 0.1)
    page.setFillColorRGB(0.85, 0.1, 0.1)
    page.setLineWidth(3)
    page.circle(0, 0, radius - 2)
    star = [
        (math.cos(math.radians(90 + 144 * k)) * radius * 0.3,
         math.sin(math.radians(90 + 144 * k)) * radius * 0.3)
        for k in range(5)
    ]  # fmt: skip
    path = page.beginPath()
    path.moveTo(*star[0])
    for point in star[1:]:
        path.lineTo(*point)
    path.close()
    page.drawPath(path, stroke=0, fill=1)
    font_size = radius * 0.28
    page.setFont(FONT, font_size)
    span = 240.0
    for k, char in enumerate(agency):
        angle = 90 + span / 2 - span * (k + 0.5) / len(agency)
        page.saveState()
        page.rotate(angle - 90)
        page.drawCentredString(0, radius * 0.68, char)
        page.restoreState()
    page.showPage()
    page.save()
    return buffer.getvalue()


def seal_image(agency: str) -> np.ndarray:
    """The seal as ink coverage 0..1 at the scan resolution."""
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "seal.pdf"
        source.write_bytes(_seal_pdf(agency))
        (gray,) = rasterised(source)
    return 1 - gray.astype(np.float32) / 255


def _stamp(page: np.ndarray, seal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Press the seal over the end of the page's text, right of centre, unevenly inked."""
    rows = np.flatnonzero((page < 128).sum(axis=1) > 5)
    footer_gap = page.shape[0] - 60 * SCAN_DPI // 72
    last_text = max((y for y in rows if y < footer_gap), default=page.shape[0] // 2)
    height, width = seal.shape
    top = int(min(last_text - height * 0.55, page.shape[0] - height - 10))
    left = int(page.shape[1] * 0.58 + rng.integers(-40, 40))
    unevenness = np.asarray(
        Image.fromarray((rng.random((height // 8 + 1, width // 8 + 1)) * 255).astype(np.uint8))
        .resize((width, height), Image.BICUBIC)
    ).astype(np.float32) / 255  # fmt: skip
    ink = seal * (0.65 + 0.35 * unevenness)
    region = page[top : top + height, left : left + width].astype(np.float32)
    stamped = np.minimum(region, 255 - ink * (255 - SEAL_INK))
    result = page.copy()
    result[top : top + height, left : left + width] = stamped.astype(np.uint8)
    return result


def _smudged(page: np.ndarray, smudge: Smudge) -> np.ndarray:
    """A blot of grey ink over a digit, hiding it, soft at its edge."""
    ys, xs = np.mgrid[0 : page.shape[0], 0 : page.shape[1]]
    distance = np.hypot(xs - smudge.x, ys - smudge.y) / smudge.radius
    cover = np.clip(1.4 - distance, 0, 1)
    return (page * (1 - cover) + 80 * cover).astype(np.uint8)


def scanned(page: np.ndarray, rng: np.random.Generator) -> Image.Image:
    """What printing and a flatbed scanner do to a clean page render."""
    image = Image.fromarray(page).filter(ImageFilter.GaussianBlur(0.7))
    height, width = page.shape
    tone = np.asarray(
        Image.fromarray((rng.random((6, 4)) * 255).astype(np.uint8)).resize(
            (width, height), Image.BICUBIC
        )
    ).astype(np.float32)  # fmt: skip
    paper = 232 + tone / 255 * 18
    ink = np.asarray(image).astype(np.float32) / 255
    toned = ink * paper
    angle = float(rng.uniform(0.2, 0.9) * rng.choice([-1, 1]))
    shift = (int(rng.integers(-4, 5)), int(rng.integers(-4, 5)))  # a feeder's guides: ±0.5 mm
    skewed = Image.fromarray(toned.astype(np.uint8)).rotate(
        angle, resample=Image.BICUBIC, translate=shift, fillcolor=int(paper.mean())
    )
    noisy = np.asarray(skewed).astype(np.float32) + rng.normal(0, 3, (height, width))
    for _ in range(int(rng.integers(15, 40))):
        y, x = int(rng.integers(0, height)), int(rng.integers(0, width))
        noisy[y : y + int(rng.integers(1, 3)), x : x + int(rng.integers(1, 3))] = rng.uniform(
            40, 120
        )
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def image_pdf(pages: list[Image.Image]) -> bytes:
    """Each page image as a JPEG filling an A4 page, nothing else (as a scanner saves)."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    for image in pages:
        jpeg = io.BytesIO()
        image.save(jpeg, format="JPEG", quality=JPEG_QUALITY, dpi=(SCAN_DPI, SCAN_DPI))
        jpeg.seek(0)
        pdf.drawImage(ImageReader(jpeg), 0, 0, width=A4[0], height=A4[1])
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def seal_agency(seed: Path) -> str:
    """The name on the seal: the seed title's text before its year (an agency name)."""
    title = next(b.text for b in seed_document(seed).blocks if isinstance(b, Paragraph))
    name = title.split("20")[0].strip() or title[:8]
    return name[:14]


def scanned_report(seed: Path) -> bytes:
    rng = _rng(seed.stem)
    pages = rasterised(FORMATS_DIR / seed.stem / "report.pdf")
    pages[-1] = _stamp(pages[-1], seal_image(seal_agency(seed)), rng)
    return image_pdf([scanned(page, rng) for page in pages])


def smudged_page(seed: Path, number: str) -> bytes:
    """The page printing ``number``, scanned, with a blot over the number's second digit."""
    source = FORMATS_DIR / seed.stem / "report.pdf"
    index, smudge = smudge_over(source, number)
    page = _smudged(rasterised(source)[index], smudge)
    return image_pdf([scanned(page, _rng(f"{seed.stem} smudged"))])


def smudge_over(pdf: Path, number: str) -> tuple[int, Smudge]:
    """Page index and blot over the second digit of the first cell printing ``number``."""
    scale = SCAN_DPI / 72
    with pdfplumber.open(pdf) as document:
        for index, page in enumerate(document.pages):
            for word in page.extract_words():
                if word["text"] == number:
                    digit = (word["x1"] - word["x0"]) / len(number)
                    height = word["bottom"] - word["top"]
                    x, y = word["x0"] + digit * 1.5, word["top"] + height * 0.45
                    return index, Smudge(x * scale, y * scale, height * scale * 0.66)
    raise SystemExit(f"{number} is not printed in {pdf}")


def main() -> None:
    if not shutil.which("pdftoppm"):
        raise SystemExit("needs poppler-utils (pdftoppm)")
    SCANS_DIR.mkdir(parents=True, exist_ok=True)
    seeds = sorted(SEED_DIR.glob("*.txt"))
    for seed in seeds:
        (SCANS_DIR / f"{seed.stem}.pdf").write_bytes(scanned_report(seed))
    smudged = smudged_page(SEED_DIR / f"{SMUDGED_SEED}.txt", SMUDGED_NUMBER)
    (SCANS_DIR / "smudged-digit.pdf").write_bytes(smudged)
    total = sum(path.stat().st_size for path in SCANS_DIR.glob("*.pdf"))
    print(f"wrote {len(seeds) + 1} scanned reports ({total / 1e6:.1f} MB) under {SCANS_DIR}")


if __name__ == "__main__":
    main()
