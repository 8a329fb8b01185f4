"""Build the sample portal under tests/fixtures/portal/ from the five seed reports.

    .venv/bin/python -m tools.make_sample_portal

Reads tests/fixtures/seeds/*.txt (through ``extract_text_document``, so the report
pages carry the seeds' tables as real ``<table>`` markup) and copies the PDF/DOCX/DOC
renderings from tests/fixtures/formats/<seed>/. Writes one directory per site (one per
CMS family, a government whose platform lists its departments, plus an off-site mirror),
each with a home page, ``sites.json`` (how each site is served, see
``crawler.sample_portal``), ``registry.csv`` (the sample registry, ``{site}``
placeholders), ``registry-auto.csv`` (the same portals given only their home page and
``cms auto``) and ``EXPECTED.json`` (exactly which report pages and attachments a crawl
of each site keeps, from which seed, and what must never be requested). The output is
committed; rerun after changing a seed or this script.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

from w3lib.url import safe_url_string

from pipelines.extract.document import Document, Table
from pipelines.extract.text import extract_text_document

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "tests" / "fixtures" / "seeds"
FORMATS = ROOT / "tests" / "fixtures" / "formats"
OUT = ROOT / "tests" / "fixtures" / "portal"


@dataclass(frozen=True)
class Seed:
    id: str
    title: str  # as the report's agency publishes it in its list
    published: str  # YYYY-MM-DD
    document: Document

    def file(self, name: str) -> bytes:
        return (FORMATS / self.id / name).read_bytes()


SEED_TITLES = {
    "000_9b426c064bb490e9": (
        "焦作高新区生态环境服务中心2023年政府信息公开工作年度报告",
        "2024-01-20",
    ),
    "001_6ef1e1ca7e89b0c7": (
        "新乡市生态环境局卫辉分局2023年政府信息公开工作年度报告",
        "2024-01-25",
    ),
    "002_730fd97f12cf432f": ("河南省生态环境厅2019年政府信息公开工作年度报告", "2020-01-15"),
    "003_070690aef0575d3b": ("区生态环境分局2020年政府信息公开工作年度报告", "2021-01-28"),
    "004_b4f43ef4f0df1505": (
        "郑州市生态环境局经开分局2021年政务信息公开工作年度报告",
        "2022-01-18",
    ),
}


def load_seeds() -> dict[str, Seed]:
    seeds = {}
    for seed_id, (title, published) in SEED_TITLES.items():
        text = (SEEDS / f"{seed_id}.txt").read_text(encoding="utf-8")
        seeds[seed_id] = Seed(seed_id, title, published, extract_text_document(text))
    return seeds


# --- HTML ---------------------------------------------------------------------------

_NUMBER_LIKE = re.compile(r"^[\d.,+\-—增减%（）()万元 ]*$")


def _merged(row: list[str]) -> list[tuple[str, int]]:
    """Cells with colspans: equal neighbouring labels (never numbers, never blanks) are
    one merged cell, as the report printed them."""
    cells: list[tuple[str, int]] = []
    for text in row:
        mergeable = text.strip() and not _NUMBER_LIKE.match(text)
        if cells and mergeable and cells[-1][0] == text:
            cells[-1] = (text, cells[-1][1] + 1)
        else:
            cells.append((text, 1))
    return cells


def table_html(table: Table) -> str:
    rows = []
    for row in table.rows:
        cells = "".join(
            f'<td colspan="{span}">{html.escape(text)}</td>'
            if span > 1
            else f"<td>{html.escape(text)}</td>"
            for text, span in _merged(row)
        )
        rows.append(f"<tr>{cells}</tr>")
    return (
        '<table border="1" cellspacing="0" cellpadding="4" class="report-table">\n'
        + "\n".join(rows)
        + "\n</table>"
    )


def document_html(document: Document) -> str:
    parts = []
    for block in document.blocks:
        if isinstance(block, Table):
            parts.append(table_html(block))
        else:
            parts.append(f"<p>{html.escape(block.text)}</p>")
    return "\n".join(parts)


def page(title: str, body: str, head: str = "", charset: str | None = "utf-8") -> str:
    meta = f'<meta charset="{charset}">\n' if charset else ""
    return (
        f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n{meta}<title>{html.escape(title)}</title>\n'
        f"{head}</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def link(href: str, title: str, date: str | None = None, tag: str = "li") -> str:
    date_html = f"<span>{date}</span>" if date else ""
    return (
        f'<{tag}><a href="{html.escape(href)}" target="_blank" title="{html.escape(title)}">'
        f"{html.escape(title)}</a>{date_html}</{tag}>"
    )


def notice_page(title: str, date: str, text: str, charset: str | None = "utf-8") -> str:
    return page(
        title,
        f"<h1>{html.escape(title)}</h1>\n<p>发布日期：{date}</p>\n<p>{html.escape(text)}</p>",
        charset=charset,
    )


GUIDE_TEXT = "为了更好地提供政府信息公开服务，特编制本指南。公开方式包括主动公开和依申请公开。"
NOTICE_TEXT = "各科室、各单位：请按照要求做好本年度政务公开各项工作，并于规定时间前报送材料。"


# --- one site ---------------------------------------------------------------------


@dataclass
class SiteBuild:
    name: str
    files: dict[str, bytes] = field(default_factory=dict)
    documents: list[dict] = field(default_factory=list)
    never_requested: list[str] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)

    def add(self, path: str, content: str | bytes, encoding: str = "utf-8") -> None:
        self.files[path] = content if isinstance(content, bytes) else content.encode(encoding)

    def report_page(self, path: str, content: str | bytes, seed: Seed, fmt: str) -> None:
        """A page carrying (or linking) one seed report, which the crawl must keep."""
        self.add(path, content)
        self.expect(path, "report_page", seed, fmt)

    def attachment(self, path: str, seed: Seed, source: str, stored_as: str | None = None) -> None:
        """One of the seed's files (``report.pdf``…) at ``path`` (stored under
        ``stored_as`` when the server maps the URL to another file)."""
        self.add(stored_as or unquote(path), seed.file(source))
        self.expect(path, "attachment", seed, source.rsplit(".", 1)[1])

    def expect(self, path: str, kind: str, seed: Seed, fmt: str) -> None:
        """A document the crawl keeps; ``path`` as the crawler requests it
        (non-ASCII percent-encoded as UTF-8)."""
        url = safe_url_string("http://host" + path).removeprefix("http://host")
        self.documents.append({"path": url, "kind": kind, "seed": seed.id, "format": fmt})

    def write(self, root: Path) -> None:
        site = root / self.name
        if site.exists():
            shutil.rmtree(site)
        for path, content in self.files.items():
            target = site / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)


ROBOTS_OPEN = "User-agent: *\nDisallow:\n"


def home(
    site: SiteBuild, name: str, links: list[tuple[str, str]], charset: str | None = "utf-8"
) -> None:
    nav = "\n".join(f'<li><a href="{href}">{label}</a></li>' for href, label in links)
    site.add(
        "/index.html",
        page(name, f'<h1>{name}</h1>\n<ul class="nav">\n{nav}\n</ul>', charset=charset),
        "gb18030" if charset is None else "utf-8",
    )


# --- TRS WCM: createPageHTML pagination, relative and absolute links, robots, 404, mirror


def trs_detail(title: str, date: str, content: str, attachments: str = "") -> str:
    head = f'<meta name="ArticleTitle" content="{html.escape(title)}">\n<meta name="PubDate" content="{date} 10:00">\n'
    body = (
        '<div class="header"><a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a></div>\n'
        f'<div class="article"><h1>{html.escape(title)}</h1>\n<div class="info">发布时间：{date}</div>\n'
        f'<div class="TRS_Editor">\n{content}\n</div>\n{attachments}</div>'
    )
    return page(title, body, head)


def trs_list(entries: list[str], current: int, total: int) -> str:
    body = (
        '<div class="crumb"><a href="/">首页</a> &gt; <a href="/zwgk/">政府信息公开</a> &gt; 政府信息公开年报</div>\n'
        '<ul class="list">\n' + "\n".join(entries) + "\n</ul>\n"
        '<div class="page"><script type="text/javascript">\n'
        f"var currentPage = {current};//所在页从0开始\nvar countPage = {total}//共多少页\n"
        'createPageHTML(countPage, currentPage, "index", "html");\n</script></div>'
    )
    return page("政府信息公开年报", body, '<script src="/js/page.js"></script>\n')


def build_trs(seeds: dict[str, Seed]) -> SiteBuild:
    site = SiteBuild("trs")
    s2, s0 = seeds["002_730fd97f12cf432f"], seeds["000_9b426c064bb490e9"]
    column = "/zwgk/zfxxgk/zfxxgknb"
    site.add("/robots.txt", "User-agent: *\nDisallow: /internal/\n")
    site.add("/js/page.js", "function createPageHTML(n, c, name, ext) { /* writes the pager */ }\n")
    home(
        site,
        "河南省生态环境厅",
        [("/zwgk/index.html", "政府信息公开"), ("/xwzx/index.html", "新闻中心")],
    )
    site.add(
        "/zwgk/index.html",
        page(
            "政府信息公开", f'<ul><li><a href="{column}/index.html">政府信息公开年报</a></li></ul>'
        ),
    )

    pdf = "P020200115391234567890.pdf"
    site.report_page(
        f"{column}/202001/t20200115_2001.html",
        trs_detail(
            s2.title,
            s2.published,
            document_html(s2.document),
            f'<div class="attach">附件：<a href="./{pdf}">{s2.title}.pdf</a></div>\n',
        ),
        s2,
        "html",
    )
    site.attachment(f"{column}/202001/{pdf}", s2, "report.pdf")

    absolute_pdf = "/attach/2024/01/P020240120351234567890.pdf"
    site.report_page(
        f"{column}/202401/t20240120_2401.html",
        trs_detail(
            s0.title,
            s0.published,
            "<p>全文见附件。</p>",
            f'<div class="attach">附件：<a href="{absolute_pdf}">{s0.title}.pdf</a></div>\n',
        ),
        s0,
        "html-shell",
    )
    site.attachment(absolute_pdf, s0, "report.pdf")

    site.add(
        f"{column}/201901/t20190110_1901.html",
        notice_page("河南省生态环境厅政府信息公开指南", "2019-01-10", GUIDE_TEXT),
    )
    site.add(
        f"{column}/202303/t20230301_2301.html",
        notice_page(
            "关于做好2023年政府信息公开工作年度报告编制工作的通知", "2023-03-01", NOTICE_TEXT
        ),
    )
    site.add(
        f"{column}/202403/t20240310_2403.html",
        notice_page("河南省生态环境厅2024年政务公开工作要点", "2024-03-10", NOTICE_TEXT),
    )
    site.add(
        f"{column}/202001/t20200116_2002.html",
        notice_page(
            "图解：河南省生态环境厅2019年政府信息公开工作年度报告", "2020-01-16", NOTICE_TEXT
        ),
    )
    site.add(
        "/internal/2019/t20190110_1.html",
        notice_page("河南省生态环境厅2018年政府信息公开工作年度报告", "2019-01-10", NOTICE_TEXT),
    )

    pages = [
        [
            link("./202001/t20200115_2001.html", s2.title, s2.published),
            link("./201901/t20190110_1901.html", "河南省生态环境厅政府信息公开指南", "2019-01-10"),
            link(
                "./202303/t20230301_2301.html",
                "关于做好2023年政府信息公开工作年度报告编制工作的通知",
                "2023-03-01",
            ),
            link(
                "http://{{mirror}}/zwgk/nb/t20200115_2001.html", s2.title + "（转载）", s2.published
            ),
        ],
        [
            link("./202401/t20240120_2401.html", s0.title, s0.published),
            link(
                "/internal/2019/t20190110_1.html",
                "河南省生态环境厅2018年政府信息公开工作年度报告",
                "2019-01-10",
            ),
            link(
                "./202403/t20240310_2403.html",
                "河南省生态环境厅2024年政务公开工作要点",
                "2024-03-10",
            ),
        ],
        [
            link(
                "./201802/t20180201_1802.html",
                "河南省生态环境厅2017年政府信息公开工作年度报告",
                "2018-02-01",
            ),
            link(
                "./202001/t20200116_2002.html",
                "图解：河南省生态环境厅2019年政府信息公开工作年度报告",
                "2020-01-16",
            ),
        ],
    ]
    for number, entries in enumerate(pages):
        name = "index.html" if number == 0 else f"index_{number}.html"
        site.add(f"{column}/{name}", trs_list(entries, number, len(pages)))
    site.never_requested += [
        "/internal/2019/t20190110_1.html",  # robots.txt
        f"{column}/201901/t20190110_1901.html",  # 指南
        f"{column}/202303/t20230301_2301.html",  # 通知
        f"{column}/202403/t20240310_2403.html",  # 工作要点
        f"{column}/202001/t20200116_2002.html",  # 图解
    ]
    site.problems.append({"path": f"{column}/201802/t20180201_1802.html", "kind": "http_404"})
    return site


# --- Hanweb: inline datastore + POST dataproxy.jsp, downfile.jsp, Chinese file name


def hanweb_detail(title: str, date: str, content: str, attachments: str = "") -> str:
    head = f'<meta name="ArticleTitle" content="{html.escape(title)}">\n<meta name="pubdate" content="{date} 09:30">\n'
    body = (
        f'<div class="main"><h2 class="title">{html.escape(title)}</h2>\n'
        f'<div class="source">发布日期：{date}</div>\n<div id="zoom">\n{content}\n</div>\n{attachments}</div>'
    )
    return page(title, body, head)


def hanweb_record(href: str, title: str, date: str) -> str:
    return f"<record><![CDATA[\n{link(href, title, date)}\n]]></record>"


def add_hanweb_column(
    site: SiteBuild,
    column_id: int,
    unit_id: str,
    webname: str,
    records: list[str],
    per_page: int = 3,
    group_size: int = 1,
) -> None:
    """A Hanweb report column ``/col/col<id>/index.html``: its first ``per_page *
    group_size`` records inline in a datastore, the rest from the jpage proxy
    (``_jpage/<id>.xml``)."""
    inline = records[: per_page * group_size]
    datastore = (
        "<datastore>\n<nextgroup><![CDATA[]]></nextgroup>\n<recordset>\n"
        + "\n".join(inline)
        + "\n</recordset>\n</datastore>"
    )
    column = (
        '<div class="bt-position"><a href="/">首页</a> &gt; 政府信息公开 &gt; 政府信息公开年报</div>\n'
        f'<div id="{unit_id}"><script type="text/xml">\n{datastore}\n</script></div>\n'
        f"<script>\nvar param_{unit_id} = {{col:1,appid:1,webid:1,path:'/',columnid:{column_id},"
        f"sourceContentType:1,unitid:'{unit_id}',webname:'{webname}',permissiontype:0}};\n</script>\n"
        f"<script>\n$(document).ready(function(){{ $('#{unit_id}').jpage({{ dataStore: dataStore, "
        f"proxyUrl: '/module/web/jpage/dataproxy.jsp', perPage: {per_page}, groupSize: {group_size}, "
        f"totalRecord: {len(records)}, objId: '{unit_id}', ajaxParam: param_{unit_id} }}); }});\n</script>"
    )
    site.add(
        f"/col/col{column_id}/index.html",
        page("政府信息公开年报", column, '<script src="/module/web/jpage/jpage.js"></script>\n'),
    )
    site.add(
        f"/_jpage/{column_id}.xml",
        '<?xml version="1.0" encoding="UTF-8"?>\n<datastore><recordset>\n'
        + "\n".join(records)
        + "\n</recordset></datastore>\n",
    )


def build_hanweb(seeds: dict[str, Seed]) -> SiteBuild:
    site = SiteBuild("hanweb")
    s1, s3 = seeds["001_6ef1e1ca7e89b0c7"], seeds["003_070690aef0575d3b"]
    site.add("/robots.txt", ROBOTS_OPEN)
    home(site, "新乡市生态环境局", [("/col/col5000/index.html", "政府信息公开")])
    site.add(
        "/col/col5000/index.html",
        page(
            "政府信息公开",
            '<ul><li><a href="/col/col5001/index.html">政府信息公开年报</a></li></ul>',
        ),
    )

    docx_name = "2401251030123.docx"
    download = (
        f"/module/download/downfile.jsp?classid=0&filename={docx_name}&showname={s1.title}.docx"
    )
    site.report_page(
        "/art/2024/1/25/art_5001_60001.html",
        hanweb_detail(
            s1.title,
            s1.published,
            document_html(s1.document),
            f'<p>附件：<a href="{html.escape(download)}">{s1.title}.docx</a></p>\n',
        ),
        s1,
        "html",
    )
    site.attachment(download, s1, "report.docx", stored_as=f"/_downloads/{docx_name}")

    chinese_pdf = "/picture/0/" + quote(f"{s3.title}.pdf")
    site.report_page(
        "/art/2021/1/28/art_5001_40001.html",
        hanweb_detail(
            s3.title,
            s3.published,
            "<p>详见附件。</p>",
            f'<p>附件：<a href="{chinese_pdf}">{s3.title}.pdf</a></p>\n',
        ),
        s3,
        "html-shell",
    )
    site.attachment(chinese_pdf, s3, "report.pdf")

    word_title = s1.title + "（Word版）"
    site.attachment("/picture/0/2401251031456.doc", s1, "report.doc")

    site.add(
        "/art/2023/3/1/art_5001_50001.html",
        hanweb_detail("新乡市生态环境局政府信息公开指南", "2023-03-01", f"<p>{GUIDE_TEXT}</p>"),
    )
    site.add(
        "/art/2024/2/1/art_5001_60010.html",
        hanweb_detail("关于做好2024年政务公开工作的通知", "2024-02-01", f"<p>{NOTICE_TEXT}</p>"),
    )
    site.add(
        "/art/2024/3/10/art_5001_60020.html",
        hanweb_detail(
            "新乡市生态环境局2024年政务公开工作要点", "2024-03-10", f"<p>{NOTICE_TEXT}</p>"
        ),
    )
    site.add(
        "/art/2024/3/20/art_5001_60030.html",
        hanweb_detail(
            "新乡市生态环境局2023年度法治政府建设情况报告", "2024-03-20", f"<p>{NOTICE_TEXT}</p>"
        ),
    )
    records = [
        hanweb_record("/art/2024/1/25/art_5001_60001.html", s1.title, s1.published),
        hanweb_record(
            "/art/2023/3/1/art_5001_50001.html", "新乡市生态环境局政府信息公开指南", "2023-03-01"
        ),
        hanweb_record(
            "/art/2024/2/1/art_5001_60010.html", "关于做好2024年政务公开工作的通知", "2024-02-01"
        ),
        hanweb_record("/art/2021/1/28/art_5001_40001.html", s3.title, s3.published),
        hanweb_record("/picture/0/2401251031456.doc", word_title, s1.published),
        hanweb_record(
            "/art/2024/3/10/art_5001_60020.html",
            "新乡市生态环境局2024年政务公开工作要点",
            "2024-03-10",
        ),
        hanweb_record(
            "/art/2024/3/20/art_5001_60030.html",
            "新乡市生态环境局2023年度法治政府建设情况报告",
            "2024-03-20",
        ),
    ]
    add_hanweb_column(site, 5001, "51001", "新乡市生态环境局", records)
    site.never_requested += [
        "/art/2023/3/1/art_5001_50001.html",
        "/art/2024/2/1/art_5001_60010.html",
        "/art/2024/3/10/art_5001_60020.html",
        "/art/2024/3/20/art_5001_60030.html",
    ]
    return site


# --- gkmlpt: _CONFIG tree, JSON API with pages, nfw-cms-attachment


def gkmlpt_detail(title: str, date: str, content: str, attachments: str = "") -> str:
    body = (
        f'<div class="content-box"><h1 class="title">{html.escape(title)}</h1>\n'
        f'<table class="info"><tr><td>发布日期：{date}</td></tr></table>\n'
        f'<div class="article-content">\n{content}\n{attachments}</div></div>'
    )
    return page(title, body)


def gkmlpt_article(number: int, title: str, date: str) -> dict:
    url = f"http://{{{{gkmlpt}}}}/gkmlpt/content/0/201/post_{number}.html"
    return {
        "id": number,
        "title": title,
        "url": url,
        "post_url": url,
        "created_at": f"{date} 10:00:00",
        "attachment": [],
    }


def build_gkmlpt(seeds: dict[str, Seed]) -> SiteBuild:
    site = SiteBuild("gkmlpt")
    s4, s3 = seeds["004_b4f43ef4f0df1505"], seeds["003_070690aef0575d3b"]
    site.add("/robots.txt", ROBOTS_OPEN)
    home(site, "郑州市生态环境局", [("/gkmlpt/index", "政府信息公开目录")])
    tree = [
        {"id": 1, "name": "政策文件", "children": []},
        {"id": 2, "name": "政府信息公开年报", "children": []},
        {"id": 3, "name": "其他", "children": [{"id": 31, "name": "通知公告", "children": []}]},
    ]
    config = f"window._CONFIG = {{ SID: '4101001', TREE: {json.dumps(tree, ensure_ascii=False)} }};"
    site.add(
        "/gkmlpt/index",
        page("政府信息公开目录", f'<div id="app"></div>\n<script>\n{config}\n</script>'),
    )

    pdf = "/attachment/0/201/201001/4101001.pdf"
    site.report_page(
        "/gkmlpt/content/0/201/post_201001.html",
        gkmlpt_detail(
            s4.title,
            s4.published,
            document_html(s4.document),
            f'<p><a class="nfw-cms-attachment" href="{pdf}">{s4.title}.pdf</a></p>\n',
        ),
        s4,
        "html",
    )
    site.attachment(pdf, s4, "report.pdf")

    docx = "/attachment/0/201/201003/4101003.docx"
    site.report_page(
        "/gkmlpt/content/0/201/post_201003.html",
        gkmlpt_detail(
            s3.title,
            s3.published,
            "<p>报告全文请下载附件。</p>",
            f'<p><a class="nfw-cms-attachment" href="http://{{{{gkmlpt}}}}{docx}">{s3.title}.docx</a></p>\n',
        ),
        s3,
        "html-shell",
    )
    site.attachment(docx, s3, "report.docx")

    site.add(
        "/gkmlpt/content/0/201/post_201002.html",
        gkmlpt_detail("郑州市生态环境局政府信息公开指南", "2022-01-05", f"<p>{GUIDE_TEXT}</p>"),
    )
    site.add(
        "/gkmlpt/content/0/201/post_201004.html",
        gkmlpt_detail(
            "关于报送2021年政府信息公开工作年度报告的通知", "2021-12-20", f"<p>{NOTICE_TEXT}</p>"
        ),
    )
    site.add(
        "/gkmlpt/content/0/101/post_101001.html",
        gkmlpt_detail("郑州市生态环境局行政规范性文件清单", "2022-03-01", f"<p>{NOTICE_TEXT}</p>"),
    )
    reports = {
        "classify": {"id": 2, "name": "政府信息公开年报"},
        "articles": [
            gkmlpt_article(201001, s4.title, s4.published),
            gkmlpt_article(201002, "郑州市生态环境局政府信息公开指南", "2022-01-05"),
            gkmlpt_article(201003, s3.title, s3.published),
            gkmlpt_article(201004, "关于报送2021年政府信息公开工作年度报告的通知", "2021-12-20"),
            gkmlpt_article(201005, "郑州市生态环境局2018年政府信息公开工作年度报告", "2019-01-30"),
        ],
    }
    policies = {
        "classify": {"id": 1, "name": "政策文件"},
        "articles": [gkmlpt_article(101001, "郑州市生态环境局行政规范性文件清单", "2022-03-01")],
    }
    site.add("/_gkmlpt/2.json", json.dumps(reports, ensure_ascii=False, indent=1))
    site.add("/_gkmlpt/1.json", json.dumps(policies, ensure_ascii=False, indent=1))
    site.never_requested += [
        "/gkmlpt/content/0/201/post_201002.html",
        "/gkmlpt/content/0/201/post_201004.html",
        "/gkmlpt/content/0/101/post_101001.html",  # a category that is not the 年报 one
        "/gkmlpt/api/all/1?page=1&sid=4101001",
    ]
    site.problems.append({"path": "/gkmlpt/content/0/201/post_201005.html", "kind": "http_404"})
    return site


# --- 下一页 lists, GBK without any charset, Last-Modified only, a redirect, onclick


def gbk(text: str) -> bytes:
    return text.encode("gb18030")


def plain_detail(
    title: str, date: str, content: str, attachments: str = "", charset: str | None = "utf-8"
) -> str:
    body = (
        f'<div class="nav"><a href="/">首页</a> &gt; <a href="/xxgk/">信息公开</a></div>\n'
        f'<div class="article"><h1>{html.escape(title)}</h1>\n<p class="date">发布日期：{date}</p>\n'
        f'<div class="content">\n{content}\n</div>\n{attachments}</div>'
    )
    return page(title, body, charset=charset)


def build_nextlink(seeds: dict[str, Seed]) -> SiteBuild:
    site = SiteBuild("nextlink")
    s0, s4, s2 = (
        seeds["000_9b426c064bb490e9"],
        seeds["004_b4f43ef4f0df1505"],
        seeds["002_730fd97f12cf432f"],
    )
    site.add("/robots.txt", ROBOTS_OPEN)
    home(site, "焦作市生态环境局", [("/xxgk/index.html", "信息公开")], charset=None)
    site.add(
        "/xxgk/index.html",
        gbk(
            page(
                "信息公开",
                '<ul><li><a href="/xxgk/nb/list.html">政府信息公开年报</a></li></ul>',
                charset=None,
            )
        ),
    )

    doc = "/uploads/2024/01/jzgx2023.doc"
    site.report_page(
        "/xxgk/nb/2024/0120/c2401.html",
        gbk(
            plain_detail(
                s0.title,
                "2024年1月20日",
                document_html(s0.document),
                f'<p>附件：<a href="javascript:void(0)" onclick="window.open(\'{doc}\')">{s0.title}.doc</a></p>\n',
                charset=None,
            )
        ),
        s0,
        "html-gbk",
    )
    site.attachment(doc, s0, "report.doc")

    site.report_page(
        "/xxgk/nb/2022/0118/c2201.html",
        gbk(plain_detail(s4.title, "2022年1月18日", document_html(s4.document), charset=None)),
        s4,
        "html-gbk",
    )

    site.attachment("/uploads/2020/hnsthjt2019.pdf", s2, "report.pdf")

    site.add(
        "/xxgk/nb/2023/0105/c2301.html",
        gbk(
            notice_page("焦作市生态环境局政府信息公开指南", "2023-01-05", GUIDE_TEXT, charset=None)
        ),
    )
    site.add(
        "/xxgk/nb/2023/0210/c2302.html",
        gbk(
            notice_page(
                "焦作市生态环境局关于开展2023年政务公开培训的通知",
                "2023-02-10",
                NOTICE_TEXT,
                charset=None,
            )
        ),
    )
    first = [
        link("2024/0120/c2401.html", s0.title, "2024-01-20"),
        link("2022/old_2021.html", s4.title, "2022-01-18"),
        link("2023/0105/c2301.html", "焦作市生态环境局政府信息公开指南", "2023-01-05"),
    ]
    second = [
        link("../../uploads/2020/hnsthjt2019.pdf", s2.title, "2020-01-15"),
        link(
            "2023/0210/c2302.html", "焦作市生态环境局关于开展2023年政务公开培训的通知", "2023-02-10"
        ),
    ]
    site.add(
        "/xxgk/nb/list.html",
        gbk(
            page(
                "政府信息公开年报",
                '<ul class="news">\n'
                + "\n".join(first)
                + '\n</ul>\n<div class="pages"><span>首页</span> <a href="list_2.html">下一页</a></div>',
                charset=None,
            )
        ),
    )
    site.add(
        "/xxgk/nb/list_2.html",
        gbk(
            page(
                "政府信息公开年报",
                '<ul class="news">\n'
                + "\n".join(second)
                + '\n</ul>\n<div class="pages"><a href="list.html">上一页</a> <span>下一页</span></div>',
                charset=None,
            )
        ),
    )
    site.never_requested += ["/xxgk/nb/2023/0105/c2301.html", "/xxgk/nb/2023/0210/c2302.html"]
    return site


# --- generic: home → 政府信息公开 → 年报 column; iframe viewer, embed


def build_generic(seeds: dict[str, Seed]) -> SiteBuild:
    site = SiteBuild("generic")
    s3, s4 = seeds["003_070690aef0575d3b"], seeds["004_b4f43ef4f0df1505"]
    site.add("/robots.txt", ROBOTS_OPEN)
    home(
        site,
        "郑州市金水区人民政府",
        [
            ("/xwzx/index.html", "新闻中心"),
            ("/zfxxgk/index.html", "政府信息公开"),
            ("/zwfw/index.html", "政务服务"),
            ("/zfxxgk/zn.html", "政府信息公开指南"),
        ],
    )
    site.add(
        "/zfxxgk/index.html",
        page(
            "政府信息公开",
            "<ul>\n"
            + "\n".join(
                [
                    '<li><a href="/zfxxgk/zn.html">政府信息公开指南</a></li>',
                    '<li><a href="/zfxxgk/zd/index.html">政府信息公开制度</a></li>',
                    '<li><a href="/zfxxgk/fdzdgknr/index.html">法定主动公开内容</a></li>',
                    '<li><a href="/zfxxgk/ndbg/index.html">政府信息公开年报</a></li>',
                    '<li><a href="/zfxxgk/ysqgk/index.html">依申请公开</a></li>',
                ]
            )
            + "\n</ul>",
        ),
    )
    site.add(
        "/zfxxgk/zn.html", notice_page("郑州市金水区政府信息公开指南", "2023-01-01", GUIDE_TEXT)
    )
    site.add("/zfxxgk/zd/index.html", page("政府信息公开制度", "<p>政府信息公开工作制度。</p>"))

    viewer_pdf = "/uploads/2021/ndbg2020.pdf"
    site.report_page(
        "/zfxxgk/ndbg/202101/t20210128_301.html",
        plain_detail(
            s3.title,
            s3.published,
            document_html(s3.document),
            f'<iframe src="/pdfjs/web/viewer.html?file={viewer_pdf}" width="100%" height="800"></iframe>\n',
        ),
        s3,
        "html",
    )
    site.attachment(viewer_pdf, s3, "report.pdf")

    embedded = "/uploads/2022/jkfj2021.pdf"
    site.report_page(
        "/zfxxgk/ndbg/202201/t20220118_302.html",
        plain_detail(
            s4.title,
            s4.published,
            "<p>报告全文如下：</p>",
            f'<embed src="{embedded}" type="application/pdf" width="100%" height="800">\n',
        ),
        s4,
        "html-shell",
    )
    site.attachment(embedded, s4, "report.pdf")

    site.add(
        "/zfxxgk/ndbg/202403/t20240301_303.html",
        notice_page("郑州市金水区2024年政务公开工作要点", "2024-03-01", NOTICE_TEXT),
    )
    entries = [
        link("202101/t20210128_301.html", s3.title, s3.published),
        link("202201/t20220118_302.html", s4.title, s4.published),
        link("202403/t20240301_303.html", "郑州市金水区2024年政务公开工作要点", "2024-03-01"),
    ]
    site.add(
        "/zfxxgk/ndbg/index.html",
        page("政府信息公开年报", '<ul class="list">\n' + "\n".join(entries) + "\n</ul>"),
    )
    site.never_requested += [
        "/zfxxgk/zn.html",
        "/zfxxgk/ysqgk/index.html",
        "/zfxxgk/ndbg/202403/t20240301_303.html",
        "/zwfw/index.html",
    ]
    return site


# --- TRS "动静结合" (Fujian's list2.trsapi): the first page static, later pages only from
# POST /fjdzapp/search. Reconstructed after the column and article pages of
# www.pingtan.gov.cn (saved in https://github.com/changwu/pingtan-gov-zwgk-archive, see
# crawler.pages.trs); entries are this portal's own.

TRSAPI_SEARCH_ID = 229105  # SiteInfo.searchId, the value Fujian's provincial departments use
TRSAPI_CHANNEL = 4910  # classsql=chnlid=…
TRSAPI_PER_PAGE = 10


def trsapi_detail(title: str, published: str, content: str, attachments: str = "") -> str:
    """An article page: the government-website metadata in <head> (ArticleTitle, PubDate…),
    the title, 来源 and 发布时间 above the TRS_Editor body, then the attachment block."""
    source = re.split(r"\d{4}年", title)[0]
    head = (
        '<meta name="SiteName" content="河南省人民政府办公厅"/>\n'
        '<meta name="ColumnName" content="政府信息公开年报"/>\n'
        f'<meta name="ArticleTitle" content="{html.escape(title)}"/>\n'
        f'<meta name="PubDate" content="{published}"/>\n'
        f'<meta name="ContentSource" content="{html.escape(source)}"/>\n'
        f'<meta name="ChnlId" content="{TRSAPI_CHANNEL}"/>\n'
    )
    body = (
        '<div class="breadcrumb"><a href="../../../../">首页</a> &gt; <a href="../../">政府信息公开</a>'
        ' &gt; <a href="../">政府信息公开年报</a></div>\n<div class="article_component">\n'
        f'<div class="article_title_group"><div class="article_title">{html.escape(title)}</div></div>\n'
        f'<div class="article_extend"><span class="article_source">来源：{html.escape(source)}</span>'
        f" <span>发布时间：{published}</span></div>\n"
        f'<div class="article_area"><div class="TRS_Editor">\n{content}\n</div></div>\n{attachments}</div>'
    )
    return page(title, body, head)


def trsapi_attachment(href: str, name: str) -> str:
    return f'<div class="article_attachment"><p>附件：</p><ul><li><a href="{href}">{html.escape(name)}</a></li></ul></div>\n'


def trsapi_list(static: list[dict], records: int) -> str:
    """The column page: its first page of entries (``<dl><dd><a/></dd><dd>date</dd></dl>``),
    the template the module fills, SiteInfo and the list2.trsapi call."""
    entries = "\n".join(
        f'<dl><dd><a href="./{e["path"]}" target="_blank" title="{html.escape(e["title"])}">'
        f"{html.escape(e['title'])}</a></dd>\n<dd>{e['date']}</dd></dl>"
        for e in static
    )
    body = (
        '<div class="tabs info_tabs" ms-controller="list">\n'
        f'<div class="rules_tabs_01" ms-visible="showStatic">\n{entries}\n</div>\n'
        '<div class="rules_tabs_01" ms-visible="!showStatic" style="display: none">\n'
        '<dl ms-if="list.length>0" ms-repeat="list"><dd><a ms-attr-href="el.chnldocurl" '
        'ms-attr-title="el.doctitle" ms-text="el.doctitle|html" target="_blank"></a></dd>\n'
        "<dd ms-text=\"el.docreltime|date('yyyy-MM-dd')\"></dd></dl>\n</div>\n"
        '<div class="page_base" ms-controller="list_pagebar" ms-include-src="pgTemp"></div>\n</div>\n'
        f"<script>\n    var SiteInfo = {{\n        itpSiteId: 21,    //互动站点ID\n"
        f"        searchId: {TRSAPI_SEARCH_ID}, //默认的文档检索频道的ID\n"
        '        defaultPgTemp: "pgBar.html",  //本站点默认的分页模板名\n'
        '        loginUrl: "http://{{trsapi}}/uc/login/login?redirtUrl=",\n    };\n</script>\n'
        '<script src="/images/model.min.js"></script>\n'
        "<script>\n"
        '    require(["list2.trsapi", "tools"], function(listModel, tools) {\n'
        "        listModel({\n"
        '            quickMode: "动静结合",\n'
        "            maxStaticIndex: 1,\n"
        "            listArgs: {\n"
        "                channelid: SiteInfo.searchId,\n"
        f'                classsql: "" || "chnlid={TRSAPI_CHANNEL}",\n'
        '                sortfield: "-docorderpri,-docreltime"\n'
        "            },\n"
        "            pagebar: {\n"
        f"                prepage: {TRSAPI_PER_PAGE},\n"
        f"                recordCount: '{records}',\n"
        '                pgTemp: "pgBar_xxgk.html",\n'
        '                pgCountMode: "recordCount",\n'
        "                displayNum: 2\n"
        "            }\n"
        "        });\n"
        "    });\n"
        "</script>"
    )
    return page("政府信息公开年报", body)


def build_trsapi(seeds: dict[str, Seed]) -> SiteBuild:
    """23 entries, 10 a page: page 1 in the column page's HTML, pages 2 and 3 only in the
    list service's answers; the five reports on all three pages, next to notices, guides,
    解读 and 图解 that are never requested."""
    site = SiteBuild("trsapi")
    s0, s1, s2, s3, s4 = (seeds[k] for k in sorted(seeds))
    column = "/zwgk/zfxxgk/zfxxgknb"
    site.add("/robots.txt", ROBOTS_OPEN)
    home(site, "河南省人民政府办公厅", [(f"{column}/index.htm", "政府信息公开年报")])
    entries = [
        ("河南省人民政府办公厅关于印发2024年政务公开工作要点的通知", "2024-04-12 09:00", None),
        (
            "《新乡市生态环境局卫辉分局2023年政府信息公开工作年度报告》解读",
            "2024-01-26 16:00",
            None,
        ),
        (s1.title, f"{s1.published} 10:30", s1),
        (
            "图解：焦作高新区生态环境服务中心2023年政府信息公开工作年度报告",
            "2024-01-21 11:00",
            None,
        ),
        (s0.title, f"{s0.published} 15:35", s0),
        ("关于做好2023年政府信息公开工作年度报告编制发布工作的通知", "2023-12-15 10:00", None),
        ("河南省政府信息公开指南（2023年修订）", "2023-06-30 09:00", None),
        ("河南省2022年政务公开第三方评估报告", "2023-03-20 09:00", None),
        ("关于征集2023年政务公开工作意见建议的公告", "2023-02-10 09:00", None),
        ("河南省政府信息公开目录（2022年版）", "2022-12-01 09:00", None),
        ("河南省2022年政务公开工作要点", "2022-03-10 09:00", None),
        ("关于报送2021年政府信息公开工作年度报告的通知", "2022-01-20 09:00", None),
        (s4.title, f"{s4.published} 17:20", s4),
        ("河南省政府信息公开指南（2021年修订）", "2021-06-01 09:00", None),
        ("河南省2021年政务公开工作要点", "2021-03-15 09:00", None),
        ("《区生态环境分局2020年政府信息公开工作年度报告》解读", "2021-01-29 10:00", None),
        (s3.title, f"{s3.published} 09:15", s3),
        ("关于做好2020年政府信息公开工作年度报告编制工作的通知", "2020-12-10 09:00", None),
        ("政府信息公开工作年度报告格式（2021年版）征求意见稿", "2020-06-05 09:00", None),
        ("河南省2020年政务公开工作要点", "2020-03-20 09:00", None),
        ("图解：河南省生态环境厅2019年政府信息公开工作年度报告", "2020-01-16 10:00", None),
        (s2.title, f"{s2.published} 16:40", s2),
        ("河南省2019年政务公开工作要点", "2019-03-01 09:00", None),
    ]
    attached = {  # the report in an attached file, its page a shell
        s0.id: "P020240120353512345678.pdf",
        s3.id: "P020210128391234567890.docx",
    }
    records, static = [], []
    for number, (title, published, seed) in enumerate(entries):
        docid = 105100 - number
        day = published[:10].replace("-", "")
        path = f"{day[:6]}/t{day}_{docid}.htm"
        url = f"{column}/{path}"
        if seed is None:
            site.add(url, notice_page(title, published[:10], NOTICE_TEXT))
            site.never_requested.append(url)
        elif seed.id in attached:
            name = attached[seed.id]
            extension = name.rsplit(".", 1)[1]
            attachment = trsapi_attachment(f"./{name}", f"{title}.{extension}")
            shell = trsapi_detail(title, published, "<p>全文见附件。</p>", attachment)
            site.report_page(url, shell, seed, "html-shell")
            site.attachment(f"{column}/{day[:6]}/{name}", seed, f"report.{extension}")
        else:
            site.report_page(
                url, trsapi_detail(title, published, document_html(seed.document)), seed, "html"
            )
        records.append(
            {
                "doctitle": title,
                "docpuburl": f"http://{{{{trsapi}}}}{url}",
                "chnldocurl": f"http://{{{{trsapi}}}}{url}",
                "docreltime": f"{published}:00",
                "chnlid": TRSAPI_CHANNEL,
            }
        )
        if number < TRSAPI_PER_PAGE:
            static.append({"path": path, "title": title, "date": published[:10]})
    site.add(f"{column}/index.htm", trsapi_list(static, len(entries)))
    site.add(f"/_fjdzapp/{TRSAPI_CHANNEL}.json", json.dumps(records, ensure_ascii=False, indent=1))
    return site


def build_mirror(seeds: dict[str, Seed]) -> SiteBuild:
    """A spam mirror of a report page on another host: linked from the TRS site, never fetched."""
    site = SiteBuild("mirror")
    s2 = seeds["002_730fd97f12cf432f"]
    site.add("/robots.txt", ROBOTS_OPEN)
    site.add(
        "/zwgk/nb/t20200115_2001.html",
        trs_detail(s2.title, s2.published, document_html(s2.document)),
    )
    site.never_requested.append("/zwgk/nb/t20200115_2001.html")
    return site


# --- portal pages: home pages with real menus, the way from them to the report column,
# and a government whose platform lists its departments
#
# Discovery (``cms auto``) starts from a home page, so every site has one shaped like a
# real portal's: a top menu (首页 / 新闻中心 / 政务公开 / 政务服务 / 互动交流), a 信息公开
# block, dated news and links to other governments' sites, then the pages on the way to
# the column: TRS 政务公开 → 政府信息公开年报; Hanweb 信息公开 (/col/colNNN/) → 法定主动公开内容
# → 政府信息公开年报; gkmlpt 政务公开 → 政府信息公开目录 (/gkmlpt/index); 下一页 信息公开 → 年报.
# The menus follow real 政府信息公开 platforms, e.g. 邯郸市 http://hdzfxxgk.hd.gov.cn/
# (政府信息公开指南 / 制度文件 / 法定主动公开内容 / 政府信息公开年报 / 市政府部门信息公开; a saved
# copy of 2020-08 seen 2026-12-01) and 景泰县's 部门和乡镇信息公开 tree
# (https://www.jingtai.gov.cn/zfxxgk/bmhxzxxgk/, seen 2026-12-01); names, paths and
# news are the sample's own, the reports are the seeds.

OTHER_SITES = (("http://www.gov.cn/", "中国政府网"), ("http://www.henan.gov.cn/", "河南省人民政府"))


def _menu(links: list[tuple[str, str]]) -> str:
    return "\n".join(f'<li><a href="{href}">{html.escape(label)}</a></li>' for href, label in links)


def home_news(prefix: str, name: str) -> list[tuple[str, str, str]]:
    """Dated news on a home page: (href, title, date); never a way to the reports."""
    return [
        (f"{prefix}/202402/t20240220_1.html", f"{name}召开2024年工作会议", "2024-02-20"),
        (
            f"{prefix}/202303/t20230301_2.html",
            "关于做好2023年政府信息公开工作年度报告编制工作的通知",
            "2023-03-01",
        ),
        (f"{prefix}/202403/t20240310_3.html", "2024年政务公开工作要点", "2024-03-10"),
    ]


def portal_home_page(
    name: str,
    menu: list[tuple[str, str]],
    disclosure: list[tuple[str, str]],
    news: list[tuple[str, str, str]],
    charset: str | None = "utf-8",
) -> str:
    """A portal's home page: the top menu (首页 first), a 信息公开 block, dated news, and
    links to other governments' sites (off the portal's domains)."""
    others = " ".join(
        f'<a href="{href}" target="_blank">{label}</a>' for href, label in OTHER_SITES
    )
    body = (
        f'<div class="header"><a href="/"><img src="/images/logo.png" alt=""></a>'
        f"<span>{html.escape(name)}</span></div>\n"
        f'<ul class="nav">\n{_menu([("/", "首页"), *menu])}\n</ul>\n'
        f'<div class="xxgk"><h2>信息公开</h2>\n<ul>\n{_menu(disclosure)}\n</ul></div>\n'
        '<div class="news"><h2>工作动态</h2>\n<ul>\n'
        + "\n".join(link(href, title, date) for href, title, date in news)
        + "\n</ul></div>\n"
        f'<div class="footer">{others} <a href="/wzdt/index.html">网站地图</a> '
        '<a href="/lxwm/index.html">联系我们</a></div>'
    )
    return page(name, body, charset=charset)


def section_page(
    title: str,
    entries: list[tuple[str, str]],
    parents: Sequence[tuple[str, str]] = (("/", "首页"),),
    head: str = "",
    extra: str = "",
) -> str:
    """A page of a 政府信息公开 platform: its breadcrumb and its menu of columns."""
    crumb = " &gt; ".join(f'<a href="{href}">{label}</a>' for href, label in parents)
    return page(
        title,
        f'<div class="position">{crumb} &gt; {html.escape(title)}</div>\n'
        f'<ul class="menu">\n{_menu(entries)}\n</ul>\n{extra}',
        head,
    )


def trs_portal_pages(site: SiteBuild) -> None:
    site.add(
        "/index.html",
        portal_home_page(
            "河南省生态环境厅",
            [
                ("/xwzx/index.html", "新闻中心"),
                ("/zwgk/index.html", "政务公开"),
                ("/zwfw/index.html", "政务服务"),
                ("/hdjl/index.html", "互动交流"),
            ],
            [
                ("/zwgk/zfxxgk/zfxxgkzn/index.html", "政府信息公开指南"),
                ("/zwgk/index.html", "政府信息公开"),
                ("/zwgk/ysqgk/index.html", "依申请公开"),
            ],
            home_news("/xwzx", "河南省生态环境厅"),
        ),
    )
    site.add(
        "/zwgk/index.html",
        section_page(
            "政务公开",
            [
                ("/zwgk/zfxxgk/zfxxgkzn/index.html", "政府信息公开指南"),
                ("/zwgk/zfxxgk/zfxxgkzd/index.html", "政府信息公开制度"),
                ("/zwgk/zfxxgk/fdzdgknr/index.html", "法定主动公开内容"),
                ("/zwgk/zfxxgk/zfxxgknb/index.html", "政府信息公开年报"),
                ("/zwgk/ysqgk/index.html", "依申请公开"),
                ("/zwgk/zcjd/index.html", "政策解读"),
            ],
        ),
    )
    site.never_requested += [
        "/zwgk/zfxxgk/zfxxgkzn/index.html",
        "/zwgk/zfxxgk/zfxxgkzd/index.html",
        "/zwgk/zfxxgk/fdzdgknr/index.html",  # the 年报 link next to it scores higher
        "/zwgk/ysqgk/index.html",
        "/zwgk/zcjd/index.html",
    ]


def hanweb_portal_pages(site: SiteBuild) -> None:
    site.add(
        "/index.html",
        portal_home_page(
            "新乡市生态环境局",
            [
                ("/col/col4001/index.html", "新闻中心"),
                ("/col/col5010/index.html", "信息公开"),
                ("/col/col4002/index.html", "政务服务"),
                ("/col/col4003/index.html", "互动交流"),
            ],
            [
                ("/col/col5011/index.html", "政府信息公开指南"),
                ("/col/col5013/index.html", "依申请公开"),
                ("/col/col5014/index.html", "政策解读"),
            ],
            home_news("/art/2024", "新乡市生态环境局"),
        ),
    )
    latest = (
        '<div id="55010"><script type="text/xml">\n<datastore>\n<recordset>\n'
        + hanweb_record(
            "/art/2024/2/1/art_5001_60010.html", "关于做好2024年政务公开工作的通知", "2024-02-01"
        )
        + "\n</recordset>\n</datastore>\n</script></div>"
    )
    site.add(
        "/col/col5010/index.html",
        section_page(
            "政府信息公开",
            [
                ("/col/col5011/index.html", "政府信息公开指南"),
                ("/col/col5012/index.html", "政府信息公开制度"),
                ("/col/col5002/index.html", "法定主动公开内容"),
                ("/col/col5013/index.html", "依申请公开"),
            ],
            head='<meta name="ColumnName" content="政府信息公开">\n',
            extra=latest,
        ),
    )
    site.add(
        "/col/col5002/index.html",
        section_page(
            "法定主动公开内容",
            [
                ("/col/col5021/index.html", "机构职能"),
                ("/col/col5022/index.html", "政策文件"),
                ("/col/col5023/index.html", "规划计划"),
                ("/col/col5001/index.html", "政府信息公开年报"),
            ],
            parents=[("/", "首页"), ("/col/col5010/index.html", "政府信息公开")],
        ),
    )
    site.never_requested += [
        "/col/col5011/index.html",
        "/col/col5012/index.html",
        "/col/col5013/index.html",
        "/col/col5014/index.html",
        "/col/col5021/index.html",
    ]


def gkmlpt_portal_pages(site: SiteBuild) -> None:
    site.add(
        "/index.html",
        portal_home_page(
            "郑州市生态环境局",
            [
                ("/xwdt/index.html", "新闻动态"),
                ("/zwgk/index.html", "政务公开"),
                ("/bsfw/index.html", "办事服务"),
                ("/hdjl/index.html", "互动交流"),
            ],
            [("/zwgk/zn/index.html", "政府信息公开指南"), ("/zwgk/zcjd/index.html", "政策解读")],
            home_news("/xwdt", "郑州市生态环境局"),
        ),
    )
    site.add(
        "/zwgk/index.html",
        section_page(
            "政务公开",
            [
                ("/gkmlpt/index", "政府信息公开目录"),
                ("/zwgk/zn/index.html", "政府信息公开指南"),
                ("/zwgk/zcjd/index.html", "政策解读"),
                ("/zwgk/ysqgk/index.html", "依申请公开"),
            ],
        ),
    )
    site.never_requested += [
        "/zwgk/zn/index.html",
        "/zwgk/zcjd/index.html",
        "/zwgk/ysqgk/index.html",
    ]


def nextlink_portal_pages(site: SiteBuild) -> None:
    site.add(
        "/index.html",
        gbk(
            portal_home_page(
                "焦作市生态环境局",
                [
                    ("/xwdt/index.html", "新闻动态"),
                    ("/xxgk/index.html", "信息公开"),
                    ("/zwfw/index.html", "政务服务"),
                ],
                [("/xxgk/zn.html", "政府信息公开指南")],
                home_news("/xwdt", "焦作市生态环境局"),
                charset=None,
            )
        ),
    )
    site.never_requested.append("/xxgk/zn.html")


def generic_portal_pages(site: SiteBuild) -> None:
    site.add(
        "/index.html",
        portal_home_page(
            "郑州市金水区人民政府",
            [
                ("/xwzx/index.html", "新闻中心"),
                ("/zfxxgk/index.html", "政务公开"),
                ("/zwfw/index.html", "政务服务"),
                ("/hdjl/index.html", "互动交流"),
            ],
            [
                ("/zfxxgk/index.html", "政府信息公开"),
                ("/zfxxgk/zn.html", "政府信息公开指南"),
            ],
            home_news("/xwzx", "郑州市金水区人民政府"),
        ),
    )
    site.never_requested.append("/hdjl/index.html")


PORTAL_PAGES = {
    "trs": trs_portal_pages,
    "hanweb": hanweb_portal_pages,
    "gkmlpt": gkmlpt_portal_pages,
    "nextlink": nextlink_portal_pages,
    "generic": generic_portal_pages,
}


def add_portal_pages(site: SiteBuild) -> None:
    """The site's home page and the pages on the way to its column (none for a site that
    has its own, or none at all)."""
    if site.name in PORTAL_PAGES:
        PORTAL_PAGES[site.name](site)


def add_department_columns(site: SiteBuild, seeds: dict[str, Seed]) -> None:
    """The departments of the city site, each with its column in another CMS style."""
    s4, s3 = seeds["004_b4f43ef4f0df1505"], seeds["003_070690aef0575d3b"]
    # 郑州市生态环境局经开分局: TRS, createPageHTML over two pages, a PDF attached.
    column = "/bm/jkfj/zfxxgknb"
    pdf = "P020220118351234567890.pdf"
    site.report_page(
        f"{column}/202201/t20220118_101.html",
        trs_detail(
            s4.title,
            s4.published,
            document_html(s4.document),
            f'<div class="attach">附件：<a href="./{pdf}">{s4.title}.pdf</a></div>\n',
        ),
        s4,
        "html",
    )
    site.attachment(f"{column}/202201/{pdf}", s4, "report.pdf")
    site.add(
        f"{column}/202101/t20210105_100.html",
        notice_page("郑州市生态环境局经开分局政府信息公开指南", "2021-01-05", GUIDE_TEXT),
    )
    site.add(
        f"{column}/202302/t20230210_102.html",
        notice_page("关于开展2023年政务公开培训的通知", "2023-02-10", NOTICE_TEXT),
    )
    pages = [
        [
            link("./202201/t20220118_101.html", s4.title, s4.published),
            link(
                "./202101/t20210105_100.html",
                "郑州市生态环境局经开分局政府信息公开指南",
                "2021-01-05",
            ),
        ],
        [link("./202302/t20230210_102.html", "关于开展2023年政务公开培训的通知", "2023-02-10")],
    ]
    for number, entries in enumerate(pages):
        name = "index.html" if number == 0 else f"index_{number}.html"
        site.add(f"{column}/{name}", trs_list(entries, number, len(pages)))
    site.add(
        "/bm/jkfj/index.html",
        section_page(
            "郑州市生态环境局经开分局",
            [
                ("/bm/jkfj/zfxxgkzn/index.html", "政府信息公开指南"),
                ("/bm/jkfj/fdzdgknr/index.html", "法定主动公开内容"),
                (f"{column}/index.html", "政府信息公开年报"),
            ],
            parents=[("/", "首页"), ("/zfxxgk/bmxxgk/index.html", "部门信息公开")],
        ),
    )
    # 区生态环境分局: Hanweb, records inline and from the jpage proxy, a DOCX attached.
    docx = "/picture/7101/" + quote(f"{s3.title}.docx")
    site.report_page(
        "/art/2021/1/28/art_7101_1.html",
        hanweb_detail(
            s3.title,
            s3.published,
            "<p>详见附件。</p>",
            f'<p>附件：<a href="{docx}">{s3.title}.docx</a></p>\n',
        ),
        s3,
        "html-shell",
    )
    site.attachment(docx, s3, "report.docx")
    noise = [
        ("/art/2020/3/1/art_7101_2.html", "区生态环境分局政府信息公开指南", "2020-03-01"),
        ("/art/2021/2/1/art_7101_3.html", "关于做好2021年政务公开工作的通知", "2021-02-01"),
        ("/art/2021/3/10/art_7101_4.html", "区生态环境分局2021年政务公开工作要点", "2021-03-10"),
    ]
    for href, title, date in noise:
        site.add(href, hanweb_detail(title, date, f"<p>{NOTICE_TEXT}</p>"))
    records = [hanweb_record("/art/2021/1/28/art_7101_1.html", s3.title, s3.published)]
    records += [hanweb_record(*item) for item in noise]
    add_hanweb_column(site, 7101, "57101", "区生态环境分局", records)
    site.add(
        "/col/col7100/index.html",
        section_page(
            "区生态环境分局",
            [
                ("/col/col7102/index.html", "政府信息公开指南"),
                ("/col/col7101/index.html", "政府信息公开年报"),
            ],
            parents=[("/", "首页"), ("/zfxxgk/bmxxgk/index.html", "部门信息公开")],
        ),
    )
    # 郑州市统计局: its 年报 column (a plain list) holds no report yet.
    site.add(
        "/bm/tjj/index.html",
        section_page(
            "郑州市统计局",
            [
                ("/bm/tjj/zn.html", "政府信息公开指南"),
                ("/bm/tjj/fdzdgknr/index.html", "法定主动公开内容"),
                ("/bm/tjj/xxgknb/list.html", "政府信息公开年报"),
            ],
            parents=[("/", "首页"), ("/zfxxgk/bmxxgk/index.html", "部门信息公开")],
        ),
    )
    site.add(
        "/bm/tjj/xxgknb/list.html",
        section_page(
            "政府信息公开年报",
            [("/bm/tjj/zn.html", "政府信息公开指南")],
            parents=[("/", "首页"), ("/bm/tjj/index.html", "郑州市统计局")],
        ),
    )
    site.add(
        "/bm/tjj/fdzdgknr/index.html",
        section_page(
            "法定主动公开内容",
            [("/bm/tjj/tjsj/index.html", "统计数据"), ("/bm/tjj/tjgb/index.html", "统计公报")],
            parents=[("/", "首页"), ("/bm/tjj/index.html", "郑州市统计局")],
        ),
    )
    site.never_requested += [
        f"{column}/202101/t20210105_100.html",
        f"{column}/202302/t20230210_102.html",
        "/art/2020/3/1/art_7101_2.html",
        "/art/2021/2/1/art_7101_3.html",
        "/art/2021/3/10/art_7101_4.html",
        "/bm/tjj/zn.html",
        "/bm/jkfj/zfxxgkzn/index.html",
        "/col/col7102/index.html",
    ]


def build_city(seeds: dict[str, Seed]) -> SiteBuild:
    """郑州市人民政府: a government whose 政府信息公开 platform lists its departments — its
    政府信息公开年报 page has one entry per department, leading to the department's own
    column, and 部门信息公开 lists them all — each department's column in another CMS
    style. In the registry with its home page only (``cms auto``)."""
    site = SiteBuild("city")
    s4 = seeds["004_b4f43ef4f0df1505"]
    site.add("/robots.txt", ROBOTS_OPEN)
    latest = ("/bm/jkfj/zfxxgknb/202201/t20220118_101.html", s4.title, s4.published)
    site.add(
        "/index.html",
        portal_home_page(
            "郑州市人民政府",
            [
                ("/xwzx/index.html", "新闻中心"),
                ("/zwgk/index.html", "政务公开"),
                ("/zwfw/index.html", "政务服务"),
                ("/hdjl/index.html", "互动交流"),
            ],
            [
                ("/zfxxgk/index.html", "政府信息公开"),
                ("/zfxxgk/zn/index.html", "政府信息公开指南"),
                ("/zfxxgk/ysqgk/index.html", "依申请公开"),
            ],
            [*home_news("/xwzx", "郑州市人民政府"), latest],  # a report among the news
        ),
    )
    site.add(
        "/zwgk/index.html",
        section_page(
            "政务公开",
            [("/zfxxgk/index.html", "政府信息公开"), ("/zwgk/zcjd/index.html", "政策解读")],
        ),
    )
    site.add(
        "/zfxxgk/index.html",
        section_page(
            "政府信息公开",
            [
                ("/zfxxgk/zn/index.html", "政府信息公开指南"),
                ("/zfxxgk/zd/index.html", "政府信息公开制度"),
                ("/zfxxgk/fdzdgknr/index.html", "法定主动公开内容"),
                ("/zfxxgk/ndbg/index.html", "政府信息公开年报"),
                ("/zfxxgk/bmxxgk/index.html", "部门信息公开"),
                ("/zfxxgk/ysqgk/index.html", "依申请公开"),
            ],
        ),
    )
    parents = [("/", "首页"), ("/zfxxgk/index.html", "政府信息公开")]
    site.add(
        "/zfxxgk/ndbg/index.html",
        section_page(
            "政府信息公开年报",
            [
                ("/bm/jkfj/zfxxgknb/index.html", "郑州市生态环境局经开分局"),
                ("/col/col7101/index.html", "区生态环境分局"),
            ],
            parents=parents,
        ),
    )
    site.add(
        "/zfxxgk/bmxxgk/index.html",
        section_page(
            "部门信息公开",
            [
                ("/bm/jkfj/index.html", "郑州市生态环境局经开分局"),
                ("/col/col7100/index.html", "区生态环境分局"),
                ("/bm/tjj/index.html", "郑州市统计局"),
            ],
            parents=parents,
        ),
    )
    add_department_columns(site, seeds)
    site.never_requested += [
        "/zfxxgk/zn/index.html",
        "/zfxxgk/zd/index.html",
        "/zfxxgk/ysqgk/index.html",
        "/zfxxgk/fdzdgknr/index.html",  # the government's column is found first
        "/zwgk/zcjd/index.html",
    ]
    return site


def placeholder_site(start_urls: str) -> str:
    """The sample site a registry row crawls: the ``{site}`` placeholder of its start URL."""
    return re.search(r"\{(\w+)\}", start_urls).group(1)


def auto_registry_rows() -> list[tuple[str, ...]]:
    """The sample registry's portals given only their home page and ``cms auto``."""
    return [
        (*row[:8], "auto", f"http://{{{placeholder_site(row[9])}}}/", row[10])
        for row in REGISTRY_ROWS
    ]


SITES = {
    "trs": ({"validators": ["etag", "last-modified"], "charset": "utf-8"}, build_trs),
    "hanweb": ({"validators": ["etag"], "charset": "utf-8"}, build_hanweb),
    "gkmlpt": (
        {"validators": ["etag", "last-modified"], "charset": "utf-8", "page_size": 2},
        build_gkmlpt,
    ),
    "nextlink": (
        {
            "validators": ["last-modified"],
            "charset": None,
            "redirects": {"/xxgk/nb/2022/old_2021.html": "/xxgk/nb/2022/0118/c2201.html"},
            "flaky": {"/xxgk/nb/list_2.html": 1},
        },
        build_nextlink,
    ),
    "generic": ({"validators": [], "charset": "utf-8"}, build_generic),
    "trsapi": ({"validators": ["etag"], "search_id": TRSAPI_SEARCH_ID}, build_trsapi),
    "city": ({"validators": ["etag", "last-modified"], "charset": "utf-8"}, build_city),
    "mirror": ({"validators": [], "charset": "utf-8"}, build_mirror),
}

REGISTRY_ROWS = [
    (
        "sample-trs",
        "河南省生态环境厅（样例：TRS WCM）",
        "410000",
        "河南省",
        "",
        "",
        "省",
        "department",
        "trs",
        "http://{trs}/zwgk/zfxxgk/zfxxgknb/index.html",
        "{trs}",
    ),
    (
        "sample-hanweb",
        "新乡市生态环境局（样例：Hanweb）",
        "410700",
        "河南省",
        "新乡市",
        "",
        "市",
        "department",
        "hanweb",
        "http://{hanweb}/col/col5001/index.html",
        "{hanweb}",
    ),
    (
        "sample-gkmlpt",
        "郑州市生态环境局（样例：gkmlpt）",
        "410100",
        "河南省",
        "郑州市",
        "",
        "市",
        "department",
        "gkmlpt",
        "http://{gkmlpt}/gkmlpt/index",
        "{gkmlpt}",
    ),
    (
        "sample-nextlink",
        "焦作市生态环境局（样例：下一页，GBK）",
        "410800",
        "河南省",
        "焦作市",
        "",
        "市",
        "department",
        "nextlink",
        "http://{nextlink}/xxgk/nb/list.html",
        "{nextlink}",
    ),
    (
        "sample-generic",
        "郑州市金水区人民政府（样例：通用）",
        "410105",
        "河南省",
        "郑州市",
        "金水区",
        "县",
        "government",
        "generic",
        "http://{generic}/",
        "{generic}",
    ),
    (
        "sample-trsapi",
        "河南省人民政府办公厅（样例：TRS 动静结合）",
        "410000",
        "河南省",
        "",
        "",
        "省",
        "government",
        "trs",
        "http://{trsapi}/zwgk/zfxxgk/zfxxgknb/index.htm",
        "{trsapi}",
    ),
    (
        "sample-city",
        "郑州市人民政府（样例：部门，cms auto）",
        "410100",
        "河南省",
        "郑州市",
        "",
        "市",
        "government",
        "auto",
        "http://{city}/",
        "{city}",
    ),
]


def registry_csv(rows: list[tuple[str, ...]] = REGISTRY_ROWS) -> str:
    from crawler.registry import COLUMNS

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([*row, "", "sample portal (tools/make_sample_portal.py)"])
    return out.getvalue()


def main() -> None:
    seeds = load_seeds()
    OUT.mkdir(parents=True, exist_ok=True)
    config = {}
    expected = {"portals": {}, "sites_never_requested": ["mirror"], "seeds": sorted(seeds)}
    site_of_portal = {row[0]: placeholder_site(row[9]) for row in REGISTRY_ROWS}
    builds = {}
    for name, (site_config, build) in SITES.items():
        builds[name] = build(seeds)
        add_portal_pages(builds[name])
        builds[name].write(OUT)
        config[name] = site_config
    for portal_id, site_name in site_of_portal.items():
        site = builds[site_name]
        expected["portals"][portal_id] = {
            "site": site_name,
            "documents": site.documents,
            "never_requested": site.never_requested,
            "problems": site.problems,
        }
    found = {d["seed"] for p in expected["portals"].values() for d in p["documents"]}
    missing = set(seeds) - found
    if missing:
        raise SystemExit(f"seeds missing from the sample portal: {sorted(missing)}")
    (OUT / "sites.json").write_text(
        json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (OUT / "registry.csv").write_text(registry_csv(), encoding="utf-8")
    (OUT / "registry-auto.csv").write_text(registry_csv(auto_registry_rows()), encoding="utf-8")
    (OUT / "EXPECTED.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    total = sum(len(p["documents"]) for p in expected["portals"].values())
    print(f"sample portal: {len(SITES)} sites, {total} documents expected, in {OUT}")


if __name__ == "__main__":
    main()
