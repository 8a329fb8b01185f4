"""Where ``published`` comes from: a report page's own date — its ``<meta name="PubDate">``
(or firstpublishedtime, publishdate…), else 发布时间：… in its text — and, as a hint
when the page gives none, the date its list prints beside the link (in the link, its
``<li>``, table row or ``<dl>``). One test per CMS family on its pages, then the spider:
the page's date is what the kept report page and its attachments carry."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request, Response, TextResponse

from crawler.items import ATTACHMENT, FetchedDocument
from crawler.pages import family_for
from crawler.pages.common import is_report_title, published_date
from crawler.registry import Portal
from crawler.sample_portal import SAMPLE_PORTAL_ROOT
from crawler.spiders.reports import ReportsSpider

PAGES = SAMPLE_PORTAL_ROOT / "pages"
HTML = {"Content-Type": "text/html; charset=utf-8"}


def page(url: str, path: Path, headers: dict | None = None) -> HtmlResponse:
    return HtmlResponse(url, body=path.read_bytes(), headers=HTML if headers is None else headers)


def html(body: str, head: str = "") -> HtmlResponse:
    text = f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"
    return HtmlResponse("http://a.gov.cn/nb/", body=text.encode(), headers=HTML)


def report_dates(family: str, response: TextResponse) -> list[str | None]:
    entries = family_for(family).list_page(response).entries
    return [e.date for e in entries if is_report_title(e.title)]


def test_trs_page_meta_and_list_dates():
    site = SAMPLE_PORTAL_ROOT / "trs/zwgk/zfxxgk/zfxxgknb"
    column = page("http://127.0.0.1:1/zwgk/zfxxgk/zfxxgknb/index.html", site / "index.html")
    assert report_dates("trs", column) == ["2020-01-15", "2020-01-15"]  # <li><a/><span>date
    report = page("http://127.0.0.1:1/r.html", site / "202001/t20200115_2001.html")
    assert published_date(report) == "2020-01-15"  # <meta name="PubDate" content="… 10:00">
    real = page("https://www.pingtan.gov.cn/r.htm", PAGES / "trsapi_pingtan_detail_2024.html")
    assert published_date(real) == "2025-03-10"  # <meta name="PubDate" content="2025-03-10 15:35"/>


def test_trs_dynamic_column_dates_in_the_cell_beside_the_link():
    column = page("https://www.pingtan.gov.cn/zwgk/", PAGES / "trsapi_pingtan_zfxxgknb.html")
    assert report_dates("trs", column)[:3] == ["2026-03-10", "2025-03-10", "2024-03-08"]


def test_hanweb_page_meta_and_list_dates():
    column = page(
        "http://127.0.0.1:1/col/col5001/index.html",
        SAMPLE_PORTAL_ROOT / "hanweb/col/col5001/index.html",
    )
    assert report_dates("hanweb", column)[0] == "2024-01-25"
    report = page(
        "http://127.0.0.1:1/art/2024/1/25/art_5001_60001.html",
        SAMPLE_PORTAL_ROOT / "hanweb/art/2024/1/25/art_5001_60001.html",
    )
    assert published_date(report) == "2024-01-25"  # <meta name="pubdate" content="… 09:30">


def test_gkmlpt_api_and_page_dates():
    api = TextResponse(
        "http://www.szpsq.gov.cn/gkmlpt/api/all/2845?page=1&sid=755033",
        body=(PAGES / "gkmlpt_api.json").read_bytes(),
        headers={"Content-Type": "application/json"},
    )
    # display_publish_time 1674662400 (seconds) and created_at "2022-01-27 09:00:00"
    assert set(report_dates("gkmlpt", api)) == {"2023-01-26", "2022-01-27"}
    report = page(
        "http://127.0.0.1:1/gkmlpt/content/0/201/post_201001.html",
        SAMPLE_PORTAL_ROOT / "gkmlpt/gkmlpt/content/0/201/post_201001.html",
    )
    assert published_date(report) == "2022-01-18"  # 发布日期：2022-01-18 in its info table


def test_nextlink_gbk_page_and_list_dates():
    gbk = {"Content-Type": "text/html"}  # the site sends no charset
    column = page(
        "http://127.0.0.1:1/xxgk/nb/list.html",
        SAMPLE_PORTAL_ROOT / "nextlink/xxgk/nb/list.html",
        gbk,
    )
    assert report_dates("nextlink", column) == ["2024-01-20", "2022-01-18"]
    report = page(
        "http://127.0.0.1:1/xxgk/nb/2024/0120/c2401.html",
        SAMPLE_PORTAL_ROOT / "nextlink/xxgk/nb/2024/0120/c2401.html",
        gbk,
    )
    assert published_date(report) == "2024-01-20"  # 发布日期：2024年1月20日


def test_generic_page_meta_and_table_list_dates():
    # www.gov.cn writes its publication time as "YYYY-MM-DD-HH:MM:SS"
    report = html(
        "<h1>某区2023年政府信息公开工作年度报告</h1>",
        '<meta name="firstpublishedtime" content="2024-01-30-15:21:16">',
    )
    assert published_date(report) == "2024-01-30"
    column = html(
        "<table><tr><td><a href='a.html'>某区2023年政府信息公开工作年度报告</a></td>"
        "<td>[2024-01-30]</td></tr></table>"
    )
    assert report_dates("generic", column) == ["2024-01-30"]


def test_the_page_meta_comes_before_a_date_in_its_text():
    report = html(
        "<p>发布时间：2025-03-12</p>", '<meta name="PubDate" content="2025-03-10 15:35"/>'
    )
    assert published_date(report) == "2025-03-10"


@pytest.mark.parametrize(
    "head, date",
    [
        ('<meta name="PUBDATE" content="2024-01-02">', "2024-01-02"),
        ('<meta name="PublishDate" content="2024/1/3">', "2024-01-03"),
        ('<meta name="publishdate" content="2024-01-04">', "2024-01-04"),
        (
            '<meta property="article:published_time" content="2024-01-05T08:00:00+08:00">',
            "2024-01-05",
        ),
        (
            '<meta name="PubDate" content=""><meta name="publishdate" content="2024-01-06">',
            "2024-01-06",
        ),
        # when the page was last generated or changed is not when it was published
        (
            '<meta name="MakeTime" content="2026-09-16"><meta name="lastmodifiedtime" content="2026-08-11-22:43:09">',
            None,
        ),
    ],
)
def test_publication_meta_in_any_case_and_never_build_or_change_times(head, date):
    assert published_date(html("<p>正文</p>", head)) == date


@pytest.mark.parametrize(
    "entry, dates",
    [
        ("<dl><dd><a href='a.html'>T</a></dd><dd>2025-03-10</dd></dl>", ["2025-03-10"]),
        ("<ul><li><a href='a.html'>T</a><span>2025-03-10</span></li></ul>", ["2025-03-10"]),
        (
            "<table><tr><td><a href='a.html'>T</a></td><td>2025年3月10日</td></tr></table>",
            ["2025-03-10"],
        ),
        ("<div class='item'><a href='a.html'>T</a><em>2025-03-10</em></div>", ["2025-03-10"]),
        ("<a href='a.html'><span>T</span><i>2025-03-10</i></a>", ["2025-03-10"]),
        # two links share the date beside them: it is neither one's
        (
            "<div><a href='a.html'>T</a> <a href='b.html'>U</a> <span>2025-03-10</span></div>",
            [None, None],
        ),
        # a page's worth of text around a lone link is not a list entry
        (f"<div><a href='a.html'>T</a><p>{'正文' * 120}2025-03-10</p></div>", [None]),
    ],
)
def test_list_dates_beside_the_link_only(entry, dates):
    entries = family_for("generic").list_page(html(entry)).entries
    assert [e.date for e in entries] == dates


# --- the spider: what the kept report page and its attachments carry ------------------

PORTAL = Portal(
    id="p",
    name="某区人民政府",
    division_code="350128",
    province="福建省",
    city="",
    county="平潭综合实验区",
    level="县",
    kind="government",
    cms="trs",
    start_urls=("https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/",),
    allowed_domains=("www.pingtan.gov.cn",),
)


def fetched(response: Response, list_date: str | None) -> list:
    meta = {
        "portal_id": "p",
        "link_title": "某区2024年度政府信息公开工作年度报告",
        "link_date": list_date,
    }
    request = Request(response.url, meta=meta)
    response = response.replace(request=request)
    return list(ReportsSpider(portals=[PORTAL]).parse_report(response))


ATTACHED = '<p><a href="./P020250310.pdf">附件.pdf</a></p>'


def test_the_kept_report_page_and_its_attachments_carry_the_pages_own_date():
    report = html(ATTACHED, '<meta name="PubDate" content="2025-03-10 15:35"/>')
    document, attachment = fetched(report, list_date="2025-03-11")
    assert isinstance(document, FetchedDocument) and document.link_date == "2025-03-10"
    assert attachment.meta["link_date"] == "2025-03-10"


def test_a_page_without_a_date_takes_the_date_beside_its_link():
    document, attachment = fetched(html(ATTACHED), list_date="2025-03-11")
    assert document.link_date == attachment.meta["link_date"] == "2025-03-11"
    (alone,) = fetched(html("<p>正文</p>"), list_date=None)
    assert alone.link_date is None


def test_an_attachment_keeps_the_date_its_report_page_gave_it():
    pdf = Response("https://www.pingtan.gov.cn/P020250310.pdf", body=b"%PDF-1.4")
    request = Request(pdf.url, meta={"portal_id": "p", "link_date": "2025-03-10"})
    (document,) = ReportsSpider(portals=[PORTAL]).parse_attachment(pdf.replace(request=request))
    assert (document.kind, document.link_date) == (ATTACHMENT, "2025-03-10")
