"""Build the extraction fixtures: every seed report in every format portals publish.

For each seed in tests/fixtures/seeds/*.txt (read with the text extractor, so paragraphs and
tables are the seed's own), writes tests/fixtures/formats/<seed-id>/:

  clean.html   UTF-8, plain <table> grids
  word.html    pasted from Word: MsoNormal spans, rowspan/colspan on group labels and header
               cells, &nbsp; cells, <br> in long cells, inside a CMS page (nav, breadcrumb,
               share widget) whose layout table holds the article
  gbk.html     clean.html as GBK bytes, no charset declared anywhere
  report.pdf   ruled tables with merged cells, CJK text (STSong-Light, real Unicode),
               "第 N 页" footers
  split.pdf    plain grids, the applications table broken across two pages, a running
               header and "- N -" page numbers
  scanned.pdf  report.pdf rasterised (pdftoppm, 150 dpi grey) as an image-only PDF
  report.docx  Word tables, merged cells as gridSpan + vMerge
  report.doc   report.docx converted by LibreOffice

and tests/fixtures/formats/bad/: files that must give a typed error; and the layout
renderings of real-file shapes into the golden set (``tools/layout_fixtures.py``).

Merged cells are inferred from the seed grid (``tests.support.infer_spans``, which the
tests share); ``expanded_rows`` there is the grid an extractor must return for a merged
rendering. Run from the repository root:
``python -m tools.make_format_fixtures`` (``--layouts``: only the layout renderings, which
need neither LibreOffice nor poppler).
"""

from __future__ import annotations

import io
import random
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from docx import Document as DocxDocument
from docx.shared import Pt
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Flowable, SimpleDocTemplate, TableStyle
from reportlab.platypus import Paragraph as PdfParagraph
from reportlab.platypus import Table as PdfTable

from pipelines.extract.document import Document, Paragraph, Table
from tests.support import Span, infer_spans, is_value, seed_document
from tools.layout_fixtures import write_layout_fixtures

SEED_DIR = Path("tests/fixtures/seeds")
FORMATS_DIR = Path("tests/fixtures/formats")
BAD_DIR = FORMATS_DIR / "bad"
PUBLISHED = "2024-01-20"
FONT = "STSong-Light"
SCAN_DPI = 150
# Reproducible output (a test regenerates the fixtures and compares them byte for byte):
# reportlab without creation dates and random document ids, zip entries with one date.
rl_config.invariant = 1
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def covered_cells(spans: dict[tuple[int, int], Span]) -> set[tuple[int, int]]:
    return {
        (r + dr, c + dc)
        for (r, c), span in spans.items()
        for dr in range(span.rowspan)
        for dc in range(span.colspan)
        if dr or dc
    }


def report_title(document: Document) -> str:
    """The seed's title: its first paragraphs up to the one naming the report."""
    parts = []
    for block in document.blocks:
        if not isinstance(block, Paragraph):
            break
        parts.append(block.text)
        if "报告" in block.text or len(parts) == 2:
            break
    return "".join(parts)


# --- HTML -------------------------------------------------------------------------------


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain_table_html(rows: list[list[str]]) -> str:
    lines = ['<table border="1" cellspacing="0" cellpadding="4">']
    for row in rows:
        cells = "".join(f"<td>{_escape(cell).replace(chr(10), '<br>')}</td>" for cell in row)
        lines.append(f"<tr>{cells}</tr>")
    lines.append("</table>")
    return "\n".join(lines)


def clean_html(document: Document, title: str) -> str:
    body = []
    for block in document.blocks:
        if isinstance(block, Table):
            body.append(_plain_table_html(block.rows))
        else:
            body.append(f"<p>{_escape(block.text)}</p>")
    content = "\n".join(body)
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{_escape(title)}</title>
<meta name="PubDate" content="{PUBLISHED} 09:30">
</head>
<body>
<div class="header"><a href="/">首页</a> <a href="/zwgk/">政务公开</a></div>
<div class="article">
<h1>{_escape(title)}</h1>
<div class="info">发布时间：{PUBLISHED}</div>
<div class="content">
{content}
</div>
</div>
<div class="footer">主办单位：生态环境局 版权所有</div>
</body>
</html>
"""


def _word_wrapped(text: str, width: int = 38) -> str:
    """Word's HTML export breaks long source lines; between CJK characters a browser
    shows no space, and neither must the extractor."""
    pieces, line = [], ""
    for char in text:
        line += char
        if len(line) >= width and "\u4e00" <= char <= "\u9fff":
            pieces.append(line)
            line = ""
    pieces.append(line)
    return "\r\n".join(pieces)


def _word_cell_html(text: str) -> str:
    if not text:
        return "<p class=MsoNormal><span lang=EN-US>&nbsp;<o:p></o:p></span></p>"
    lines = text.split("\n")
    if len(lines) == 1 and len(text) > 16 and not is_value(text):
        lines = [text[:12], text[12:]]
    inner = "<br>\r\n".join(_escape(line) for line in lines)
    return (
        "<p class=MsoNormal align=center style='text-align:center'>"
        f"<span style='font-size:10.0pt;font-family:仿宋_GB2312'>{inner}<o:p></o:p></span></p>"
    )


def _word_table_html(rows: list[list[str]]) -> str:
    spans = infer_spans(rows)
    covered = covered_cells(spans)
    lines = [
        "<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 "
        "style='border-collapse:collapse;border:none;mso-border-alt:solid windowtext .5pt'>"
    ]
    for r, row in enumerate(rows):
        cells = []
        for c, cell in enumerate(row):
            if (r, c) in covered:
                continue
            span = spans.get((r, c), Span(1, 1))
            attributes = "valign=top style='border:solid windowtext 1.0pt;padding:0cm 5.4pt'"
            if span.rowspan > 1:
                attributes = f"rowspan={span.rowspan} {attributes}"
            if span.colspan > 1:
                attributes = f"colspan={span.colspan} {attributes}"
            cells.append(f"<td {attributes}>\r\n{_word_cell_html(cell)}\r\n</td>")
        lines.append("<tr style='height:15.0pt'>\r\n" + "\r\n".join(cells) + "\r\n</tr>")
    # Word's trailer row fixing column widths: empty cells, no text.
    lines.append(
        "<![if !supportMisalignedColumns]><tr height=0>"
        + "<td width=60 style='border:none'></td>" * len(rows[0])
        + "</tr><![endif]>"
    )
    lines.append("</table>")
    return "\r\n".join(lines)


def word_html(document: Document, title: str) -> str:
    body = []
    for block in document.blocks:
        if isinstance(block, Table):
            body.append(f"<div align=center>\r\n{_word_table_html(block.rows)}\r\n</div>")
        else:
            text = _word_wrapped(_escape(block.text))
            body.append(
                "<p class=MsoNormal style='text-indent:32.0pt;line-height:28.0pt'>"
                f"<span style='font-size:16.0pt;font-family:仿宋_GB2312'>{text}</span></p>"
            )
    content = "\r\n".join(body)
    return f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{_escape(title)}_政府信息公开年报</title>
<meta name="ArticleTitle" content="{_escape(title)}">
<meta name="PubDate" content="{PUBLISHED} 09:30">
<script>var _hmt = _hmt || [];</script>
<style>p.MsoNormal {{margin:0cm;}}</style>
</head>
<body>
<div id="top_nav" class="nav">
<ul><li><a href="/">网站首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/hdjl/">互动交流</a></li><li><a href="/bsfw/">办事服务</a></li></ul>
</div>
<table width="100%" border="0" cellspacing="0" cellpadding="0" class="layout">
<tr><td class="left" width="200">
<div class="menu"><a href="/zwgk/ndbg/">政府信息公开年报</a> <a href="/zwgk/zc/">政策文件</a></div>
</td>
<td class="main">
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; 年度报告</div>
<div class="detail">
<h1 class="title">{_escape(title)}</h1>
<div class="source">发布时间：{PUBLISHED} &nbsp; 来源：办公室 &nbsp; 浏览次数：128</div>
<div class="share bdshare">分享到：<a>微信</a> <a>微博</a> <a>QQ空间</a></div>
<div class="TRS_Editor">
<!--[if gte mso 9]><xml><o:DocumentProperties><o:Author>admin</o:Author></o:DocumentProperties></xml><![endif]-->
<div class=WordSection1 style='layout-grid:15.6pt'>
{content}
</div>
</div>
<div class="print">【<a href="javascript:window.print()">打印本页</a>】【<a href="javascript:window.close()">关闭窗口</a>】</div>
</div>
</td></tr>
</table>
<div class="footer">主办单位：生态环境局 &nbsp; 网站标识码：4100000001 &nbsp; 备案号：豫ICP备00000000号</div>
</body>
</html>
"""


# --- PDF --------------------------------------------------------------------------------


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


_BODY = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=17, wordWrap="CJK")
_CELL = ParagraphStyle("cell", fontName=FONT, fontSize=7.5, leading=9.5, wordWrap="CJK")


class _LeaveRoom(Flowable):
    """Takes up the frame's height but ``room`` points, so what follows must break."""

    def __init__(self, room: float) -> None:
        super().__init__()
        self.room = room

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.height = max(0.0, available_height - self.room)
        return available_width, self.height

    def draw(self) -> None:
        pass


def _column_widths(rows: list[list[str]], total: float) -> list[float]:
    width = len(rows[0])
    weights = []
    for c in range(width):
        longest = max(len(row[c]) for row in rows)
        weights.append(min(max(longest, 3), 14))
    scale = total / sum(weights)
    return [weight * scale for weight in weights]


def _pdf_table(rows: list[list[str]], merged: bool, frame_width: float) -> PdfTable:
    spans = infer_spans(rows) if merged else {}
    covered = covered_cells(spans)
    data = [
        [
            "" if (r, c) in covered or not cell else PdfParagraph(_escape(cell), _CELL)
            for c, cell in enumerate(row)
        ]
        for r, row in enumerate(rows)
    ]
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.6, "black"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for (r, c), span in spans.items():
        commands.append(("SPAN", (c, r), (c + span.colspan - 1, r + span.rowspan - 1)))
    table = PdfTable(data, colWidths=_column_widths(rows, frame_width), hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


def _pdf_bytes(
    document: Document, title: str, *, merged: bool, running_header: str | None, footer: str
) -> bytes:
    _register_font()
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer, pagesize=A4, title=title, leftMargin=50, rightMargin=50, topMargin=60,
        bottomMargin=60,
    )  # fmt: skip
    biggest = max((b for b in document.blocks if isinstance(b, Table)), key=lambda b: len(b.rows))
    story: list[Flowable] = []
    for block in document.blocks:
        if isinstance(block, Table):
            if not merged and block is biggest:
                story.append(_LeaveRoom(150))
            story.append(_pdf_table(block.rows, merged, pdf.width))
        else:
            story.append(PdfParagraph(_escape(block.text), _BODY))

    def decorate(page: canvas.Canvas, template: SimpleDocTemplate) -> None:
        page.saveState()
        page.setFont(FONT, 9)
        if running_header:
            page.drawCentredString(A4[0] / 2, A4[1] - 35, running_header)
            page.line(50, A4[1] - 40, A4[0] - 50, A4[1] - 40)
        page.drawCentredString(A4[0] / 2, 30, footer.format(page=template.page))
        page.restoreState()

    pdf.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def report_pdf(document: Document, title: str) -> bytes:
    return _pdf_bytes(document, title, merged=True, running_header=None, footer="第 {page} 页")


def split_pdf(document: Document, title: str) -> bytes:
    return _pdf_bytes(document, title, merged=False, running_header=title, footer="- {page} -")


def scanned_pdf(pdf: bytes) -> bytes:
    """Every page rendered to a grey JPEG and placed as the page's only content."""
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "report.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", str(SCAN_DPI), "-gray", "-jpeg", "-jpegopt", "quality=70",
             str(source), str(Path(work) / "page")],
            check=True,
        )  # fmt: skip
        buffer = io.BytesIO()
        page = canvas.Canvas(buffer, pagesize=A4)
        for image in sorted(Path(work).glob("page-*.jpg")):
            page.drawImage(ImageReader(str(image)), 0, 0, width=A4[0], height=A4[1])
            page.showPage()
        page.save()
        return buffer.getvalue()


# --- DOCX / DOC -------------------------------------------------------------------------


def report_docx(document: Document, title: str) -> bytes:
    docx = DocxDocument()
    docx.core_properties.title = title
    style = docx.styles["Normal"]
    style.font.size = Pt(10.5)
    for block in document.blocks:
        if isinstance(block, Paragraph):
            docx.add_paragraph(block.text)
            continue
        rows = block.rows
        table = docx.add_table(rows=len(rows), cols=len(rows[0]))
        table.style = "Table Grid"
        spans = infer_spans(rows)
        for (r, c), span in spans.items():
            table.cell(r, c).merge(table.cell(r + span.rowspan - 1, c + span.colspan - 1))
        covered = covered_cells(spans)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                if (r, c) not in covered:
                    table.cell(r, c).text = text
    buffer = io.BytesIO()
    docx.save(buffer)
    return dated_zip(buffer.getvalue())


def dated_zip(data: bytes) -> bytes:
    """The zip archive with every entry dated ``ZIP_DATE`` instead of when it was written."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for entry in source.infolist():
            dated = zipfile.ZipInfo(entry.filename, ZIP_DATE)
            dated.compress_type = entry.compress_type
            target.writestr(dated, source.read(entry))
    return buffer.getvalue()


def docx_to_doc(docx: bytes) -> bytes:
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "report.docx"
        source.write_bytes(docx)
        subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{work}/profile", "--headless",
             "--norestore", "--convert-to", "doc", "--outdir", work, str(source)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
        return (Path(work) / "report.doc").read_bytes()


# --- bad files --------------------------------------------------------------------------

ERROR_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>404 Not Found</title></head>
<body><h1>404 Not Found</h1><p>您访问的页面不存在或已被删除。</p>
<p><a href="/">返回首页</a></p></body></html>
"""


def _garbage(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


def _encrypted_pdf() -> bytes:
    _register_font()
    buffer = io.BytesIO()
    page = canvas.Canvas(
        buffer, pagesize=A4, encrypt=StandardEncryption("nianbao", ownerPassword="owner")
    )
    page.setFont(FONT, 12)
    page.drawString(72, 760, "2023年政府信息公开工作年度报告（加密）")
    page.save()
    return buffer.getvalue()


def _small_pdf(document: Document, title: str) -> bytes:
    """The seed's title, first paragraph and first table: a PDF a server calls text/html."""
    first_table = next(b for b in document.blocks if isinstance(b, Table))
    first_text = next(b for b in document.blocks[1:] if isinstance(b, Paragraph))
    return report_pdf(Document(blocks=[Paragraph(title), first_text, first_table]), title)


def _zip_bomb() -> bytes:
    """A .docx whose document.xml inflates 1000-fold to 60 MB of XML."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(
            zipfile.ZipInfo("[Content_Types].xml", ZIP_DATE),
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"/>',
            zipfile.ZIP_DEFLATED,
        )
        archive.writestr(
            zipfile.ZipInfo("word/document.xml", ZIP_DATE),
            '<?xml version="1.0"?><w:document>' + " " * 60_000_000,
            zipfile.ZIP_DEFLATED,
        )
    return buffer.getvalue()


def _corrupt_docx(docx: bytes) -> bytes:
    """Valid central directory, zeroed compressed data: fails on reading, not on opening."""
    damaged = bytearray(docx)
    for offset in range(len(damaged) // 4, len(damaged) // 2):
        damaged[offset] = 0
    return bytes(damaged)


def bad_files(first_seed: Document, first_docx: bytes, first_pdf: bytes) -> dict[str, bytes]:
    title = report_title(first_seed)
    return {
        "empty.pdf": b"",
        "corrupt.pdf": b"%PDF-1.4\n" + _garbage(1, 4000) + b"\n%%EOF\n",
        "truncated.pdf": first_pdf[: len(first_pdf) * 2 // 5],
        "encrypted.pdf": _encrypted_pdf(),
        "error-page-saved-as.pdf": ERROR_PAGE.encode("utf-8"),
        "pdf-served-as-html.html": _small_pdf(first_seed, title),
        "zipbomb.docx": _zip_bomb(),
        "corrupt.docx": _corrupt_docx(first_docx),
        "not-html.html": _garbage(2, 3000),
    }


# --- main -------------------------------------------------------------------------------


def write_seed_formats(seed: Path) -> tuple[Document, bytes, bytes]:
    document = seed_document(seed)
    title = report_title(document)
    out = FORMATS_DIR / seed.stem
    out.mkdir(parents=True, exist_ok=True)
    clean = clean_html(document, title)
    (out / "clean.html").write_text(clean, encoding="utf-8")
    (out / "word.html").write_text(word_html(document, title), encoding="utf-8", newline="")
    gbk = clean.replace('<meta charset="utf-8">\n', "")
    (out / "gbk.html").write_bytes(gbk.encode("gbk"))
    report = report_pdf(document, title)
    (out / "report.pdf").write_bytes(report)
    (out / "split.pdf").write_bytes(split_pdf(document, title))
    (out / "scanned.pdf").write_bytes(scanned_pdf(report))
    docx = report_docx(document, title)
    (out / "report.docx").write_bytes(docx)
    (out / "report.doc").write_bytes(docx_to_doc(docx))
    return document, docx, report


def write_formats() -> tuple[list[Path], dict[str, bytes]]:
    """Every seed in every format under ``FORMATS_DIR``, and the bad files under
    ``BAD_DIR``; returns the seeds and the bad files."""
    seeds = sorted(SEED_DIR.glob("*.txt"))
    firsts = [write_seed_formats(seed) for seed in seeds]
    BAD_DIR.mkdir(parents=True, exist_ok=True)
    bad = bad_files(*firsts[0])
    for name, data in bad.items():
        (BAD_DIR / name).write_bytes(data)
    return seeds, bad


def main() -> None:
    layouts = write_layout_fixtures()
    print(f"wrote {len(layouts)} layout fixture files under tests/fixtures/reports")
    if "--layouts" in sys.argv:
        return
    if not shutil.which("soffice") or not shutil.which("pdftoppm"):
        raise SystemExit("needs LibreOffice (soffice) and poppler-utils (pdftoppm)")
    seeds, bad = write_formats()
    total = sum(path.stat().st_size for path in FORMATS_DIR.rglob("*") if path.is_file())
    print(f"wrote {len(seeds)} seeds × 8 formats + {len(bad)} bad files "
          f"({total / 1e6:.1f} MB) under {FORMATS_DIR}")  # fmt: skip


if __name__ == "__main__":
    main()
