"""Page objects on saved pages: the sample portal's own files and pages written after
the markup of real portals (tests/fixtures/portal/pages/)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, TextResponse, XmlResponse

from crawler.pages import family_for
from crawler.pages.common import (
    ListRequest,
    find_date,
    is_attachment_url,
    is_report_title,
    readable,
    report_year,
)
from crawler.pages.trs import page_urls
from crawler.sample_portal import SAMPLE_PORTAL_ROOT

PAGES = SAMPLE_PORTAL_ROOT / "pages"


def html_response(
    url: str, path: Path, content_type: str = "text/html; charset=utf-8"
) -> HtmlResponse:
    return HtmlResponse(url=url, body=path.read_bytes(), headers={"Content-Type": content_type})


def titles(links) -> list[str]:
    return [link.title for link in links]


@pytest.mark.parametrize(
    "title, year",
    [
        ("平潭综合实验区管委会2022年政府信息公开工作年度报告", 2022),
        ("生态环境中心 2023 年政府信息公开工作年度报告", 2023),
        ("郑州市生态环境局经开分局2021年政务信息公开工作年度报告", 2021),
        ("2019年度政府信息公开年报", 2019),
        ("某县政府信息公开年报（2022年）", 2022),
        ("某区2015年政府信息公开工作报告", 2015),
        ("某区2023年政务公开工作年度报告", 2023),
        ("某区政府信息公开工作年度报告（2022）", 2022),
        ("臺北市政府2022年政府資訊公開工作年度報告", 2022),
        ("某县二〇二三年政府信息公开工作年度报告", 2023),
    ],
)
def test_report_titles_are_recognised_with_their_year(title, year):
    assert is_report_title(title)
    assert report_year(title) == year


@pytest.mark.parametrize(
    "title",
    [
        "政府信息公开年报",  # the column, no year
        "平潭综合实验区政府信息公开指南",
        "2023年政府信息公开目录",
        "关于做好2023年政府信息公开工作年度报告编制工作的通知",
        "2024年政务公开工作要点",
        "图解：河南省生态环境厅2019年政府信息公开工作年度报告",
        "《2022年政府信息公开工作年度报告》解读",
        "2023年度法治政府建设情况报告",
        "2022年统计年报",
    ],
)
def test_other_items_are_not_reports(title):
    assert not is_report_title(title)


@pytest.mark.parametrize(
    "text, date",
    [
        ("发布时间：2024年01月30日", "2024-01-30"),
        ("2022/1/28", "2022-01-28"),
        ("2023.12.05 10:00", "2023-12-05"),
        ("浏览 2023-13-45 次", None),
        ("无日期", None),
    ],
)
def test_dates(text, date):
    assert find_date(text) == date


def test_trs_pages_come_from_create_page_html():
    url = "http://127.0.0.1:1/zwgk/zfxxgk/zfxxgknb/index_1.html"
    response = html_response(url, SAMPLE_PORTAL_ROOT / "trs/zwgk/zfxxgk/zfxxgknb/index_1.html")
    listing = family_for("trs").list_page(response)
    assert [p.url for p in listing.next_pages] == [
        "http://127.0.0.1:1/zwgk/zfxxgk/zfxxgknb/index_2.html"
    ]
    first = html_response(url, SAMPLE_PORTAL_ROOT / "trs/zwgk/zfxxgk/zfxxgknb/index.html")
    assert [p.url.rsplit("/", 1)[1] for p in family_for("trs").list_page(first).next_pages] == [
        "index_1.html",
        "index_2.html",
    ]
    report = next(e for e in listing.entries if is_report_title(e.title))
    assert report.url == "http://127.0.0.1:1/zwgk/zfxxgk/zfxxgknb/202401/t20240120_2401.html"
    assert report.date == "2024-01-20"


def test_trs_newer_template_titles_from_the_title_attribute():
    url = "http://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/index_2.html"
    listing = family_for("trs").list_page(html_response(url, PAGES / "trs_list_newer.html"))
    assert [p.url.rsplit("/", 1)[1] for p in listing.next_pages] == ["index_3.html"]
    reports = [e for e in listing.entries if is_report_title(e.title)]
    assert titles(reports) == [
        "平潭综合实验区管委会2022年政府信息公开工作年度报告",
        "平潭综合实验区管委会2021年度政府信息公开工作年度报告",
    ]
    assert [r.date for r in reports] == ["2023-01-30", "2022-01-28"]
    assert is_attachment_url(reports[1].url)


def test_create_page_html_with_variables_and_without_pages():
    script = 'var countPage = 3;\nvar currentPage = 0;\ncreatePageHTML(countPage, currentPage, "index", "shtml");'
    assert page_urls(script, "http://a.gov.cn/nb/") == [
        "http://a.gov.cn/nb/index_1.shtml",
        "http://a.gov.cn/nb/index_2.shtml",
    ]
    last = 'createPageHTML(3, 2, "index", "html");'
    assert page_urls(last, "http://a.gov.cn/nb/") == []
    assert page_urls("var x = 1;", "http://a.gov.cn/nb/") == []


def test_hanweb_column_reads_inline_records_and_posts_for_the_rest():
    url = "http://127.0.0.1:1/col/col5001/index.html"
    listing = family_for("hanweb").list_page(
        html_response(url, SAMPLE_PORTAL_ROOT / "hanweb/col/col5001/index.html")
    )
    assert len(listing.entries) == 3
    assert listing.entries[0].date == "2024-01-25"
    assert [(p.method, p.url) for p in listing.next_pages] == [
        (
            "POST",
            "http://127.0.0.1:1/module/web/jpage/dataproxy.jsp?startrecord=4&endrecord=6&perpage=3&columnid=5001",
        ),
        (
            "POST",
            "http://127.0.0.1:1/module/web/jpage/dataproxy.jsp?startrecord=7&endrecord=9&perpage=3&columnid=5001",
        ),
    ]
    form = dict(listing.next_pages[0].formdata)
    assert (
        form["columnid"] == "5001"
        and form["unitid"] == "51001"
        and form["webname"] == "新乡市生态环境局"
    )


def test_hanweb_older_template_links_the_next_group():
    url = "http://www.wenzhou.gov.cn/col/col1229105/index.html"
    listing = family_for("hanweb").list_page(
        html_response(url, PAGES / "hanweb_column_nextgroup.html")
    )
    assert titles(listing.entries) == [
        "温州市人民政府2022年政府信息公开工作年度报告",
        "温州市人民政府2021年政府信息公开工作年度报告",
    ]
    assert (
        listing.entries[1].url
        == "http://www.wenzhou.gov.cn/art/2022/1/25/art_1229105_58000001.html"
    )
    assert listing.next_pages == [
        ListRequest(
            "http://www.wenzhou.gov.cn/module/jpage/dataproxy.jsp?page=1&appid=1&webid=23&path=/"
            "&columnid=1229105&unitid=4062&webname=%E6%B8%A9%E5%B7%9E%E5%B8%82&permissiontype=0"
        )
    ]


def test_hanweb_proxy_answer():
    url = "http://www.wenzhou.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=30&perpage=15"
    response = XmlResponse(url=url, body=(PAGES / "hanweb_dataproxy.xml").read_bytes())
    listing = family_for("hanweb").list_page(response)
    assert [(e.url, e.date) for e in listing.entries] == [
        ("http://www.wenzhou.gov.cn/art/2021/1/29/art_1229105_57000001.html", "2021-01-29"),
        ("http://www.wenzhou.gov.cn/art/2020/3/2/art_1229105_56000001.html", "2020-03-02"),
    ]
    assert listing.next_pages == []


def test_gkmlpt_index_finds_the_report_category_in_the_tree():
    body = (SAMPLE_PORTAL_ROOT / "gkmlpt/gkmlpt/index").read_bytes()
    response = HtmlResponse(url="http://127.0.0.1:1/gkmlpt/index", body=body, encoding="utf-8")
    listing = family_for("gkmlpt").list_page(response)
    assert listing.next_pages == [
        ListRequest("http://127.0.0.1:1/gkmlpt/api/all/2?page=1&sid=4101001")
    ]


def test_gkmlpt_index_prefers_the_category_named_in_the_url():
    body = b"<html><script>window._CONFIG = {SID: '755041', TREE: []};</script></html>"
    response = HtmlResponse(
        url="http://www.szpsq.gov.cn/gkmlpt/index#2845", body=body, encoding="utf-8"
    )
    listing = family_for("gkmlpt").list_page(response)
    assert listing.next_pages == [
        ListRequest("http://www.szpsq.gov.cn/gkmlpt/api/all/2845?page=1&sid=755041")
    ]


def test_gkmlpt_api_articles_and_next_page():
    url = "http://www.szpsq.gov.cn/gkmlpt/api/all/2845?page=1&sid=755041"
    response = TextResponse(
        url=url, body=(PAGES / "gkmlpt_api.json").read_bytes(), encoding="utf-8"
    )
    listing = family_for("gkmlpt").list_page(response)
    assert [(e.url, e.date) for e in listing.entries] == [
        ("http://www.szpsq.gov.cn/gkmlpt/content/9/9103/post_9103540.html", "2023-01-26"),
        ("http://www.szpsq.gov.cn/gkmlpt/content/9/9103/post_9103541.html", "2022-01-27"),
        ("http://www.szpsq.gov.cn/attachment/0/1/1/1.pdf", "2022-01-27"),
    ]
    assert listing.entries[2].title == "深圳市坪山区人民政府2021年政府信息公开工作年度报告"
    assert listing.next_pages == [
        ListRequest("http://www.szpsq.gov.cn/gkmlpt/api/all/2845?page=2&sid=755041")
    ]
    last = TextResponse(
        url=url.replace("page=1", "page=3"),
        body=json.dumps({"total": 5, "articles": []}).encode(),
        encoding="utf-8",
    )
    assert family_for("gkmlpt").list_page(last).next_pages == []


def test_next_link_lists_in_gbk_without_a_declared_charset():
    url = "http://127.0.0.1:1/xxgk/nb/list.html"
    response = html_response(
        url, SAMPLE_PORTAL_ROOT / "nextlink/xxgk/nb/list.html", content_type="text/html"
    )
    assert readable(response).encoding == "gb18030"
    listing = family_for("nextlink").list_page(response)
    assert listing.next_pages == [ListRequest("http://127.0.0.1:1/xxgk/nb/list_2.html")]
    assert "焦作高新区生态环境服务中心2023年政府信息公开工作年度报告" in titles(listing.entries)


def test_utf8_and_declared_pages_keep_their_encoding():
    utf8 = HtmlResponse(
        url="http://a.gov.cn/", body="<p>年报</p>".encode(), headers={"Content-Type": "text/html"}
    )
    assert readable(utf8).text.endswith("<p>年报</p>")
    declared = HtmlResponse(
        url="http://a.gov.cn/",
        body="<p>年报</p>".encode("gbk"),
        headers={"Content-Type": "text/html; charset=gbk"},
    )
    assert readable(declared) is declared


def test_detail_page_title_date_and_every_attachment():
    url = "http://www.example.gov.cn/zwgk/nb/202401/t20240130_1.html"
    detail = family_for("trs").detail_page(html_response(url, PAGES / "detail_attachments.html"))
    assert detail.title == "某县人民政府2023年政府信息公开工作年度报告"
    assert detail.date == "2024-01-30"
    assert [a.url for a in detail.attachments] == [
        "http://www.example.gov.cn/zwgk/nb/202401/P020240130123456789012.pdf",
        "http://files.example.gov.cn/2024/报告.docx",
        "http://www.example.gov.cn/zwgk/nb/202401/附件/2023年报.pdf",
        "http://www.example.gov.cn/upload/2024/nb2023.wps",
        "http://www.example.gov.cn/module/download/downfile.jsp?classid=0&filename=2401301030.xls&showname=统计表.xls",
        "http://www.example.gov.cn/download?id=3",
        "http://www.example.gov.cn/upload/2024/viewer.pdf",
        "http://www.example.gov.cn/upload/2024/embedded.pdf",
        "http://www.example.gov.cn/upload/2024/object.pdf",
    ]
    assert detail.attachments[0].title == "年度报告（PDF版）"


def test_generic_walk_follows_disclosure_sections_only():
    url = "http://127.0.0.1:1/zfxxgk/index.html"
    listing = family_for("generic").list_page(
        html_response(url, SAMPLE_PORTAL_ROOT / "generic/zfxxgk/index.html")
    )
    assert [p.url for p in listing.next_pages] == [
        "http://127.0.0.1:1/zfxxgk/zd/index.html",
        "http://127.0.0.1:1/zfxxgk/ndbg/index.html",
    ]
    assert family_for("generic").max_hops is not None


def test_detail_pages_of_the_sample_portal_link_their_seed_attachments():
    expected = json.loads((SAMPLE_PORTAL_ROOT / "EXPECTED.json").read_text(encoding="utf-8"))
    hanweb = expected["portals"]["sample-hanweb"]["documents"]
    page = next(d for d in hanweb if d["kind"] == "report_page" and d["format"] == "html")
    url = "http://127.0.0.1:1" + page["path"]
    detail = family_for("hanweb").detail_page(
        html_response(url, SAMPLE_PORTAL_ROOT / "hanweb" / page["path"].lstrip("/"))
    )
    assert [a.url.split("?")[0] for a in detail.attachments] == [
        "http://127.0.0.1:1/module/download/downfile.jsp"
    ]
    assert detail.date == "2024-01-25"


def test_trs_table_list_with_the_pager_defined_inline():
    url = "http://www.example.gov.cn/zwgk/zfxxgk/zfxxgknb/index.html"
    listing = family_for("trs").list_page(html_response(url, PAGES / "trs_list_table.html"))
    assert [p.url.rsplit("/", 1)[1] for p in listing.next_pages] == ["index_1.html", "index_2.html"]
    assert [(e.url, e.title, e.date) for e in listing.entries if is_report_title(e.title)] == [
        (
            "http://www.example.gov.cn/zwgk/zfxxgk/zfxxgknb/202401/t20240115_2563012.html",
            "某县2023年度政府信息公开工作年度报告",
            "2024-01-15",
        ),
        (
            "http://www.example.gov.cn/zwgk/zfxxgk/zfxxgknb/202301/t20230118_2200001.html",
            "某县政府信息公开年报（2022年）",
            "2023-01-18",
        ),
    ]


def test_list_of_report_names_and_look_alikes_with_chinese_dates():
    url = "http://www.example.gov.cn/xxgk/nb/index.html"
    listing = family_for("trs").list_page(html_response(url, PAGES / "trs_list_cn_dates.html"))
    assert listing.next_pages == [ListRequest("http://www.example.gov.cn/xxgk/nb/index_1.html")]
    reports = [e for e in listing.entries if is_report_title(e.title)]
    assert [(r.url.rsplit("/", 1)[1], r.date) for r in reports] == [
        ("t20240120_1.html", "2024-01-20"),
        ("t20240118_2.html", "2024-01-18"),
        ("t20230131_6.html", "2023-01-31"),
    ]


def test_hanweb_column_counts_from_totalrecord_and_dates_inside_links():
    url = "http://gxt.example.gov.cn/col/col78506/index.html"
    listing = family_for("hanweb").list_page(
        html_response(url, PAGES / "hanweb_column_totalrecord.html")
    )
    assert [(e.title, e.date) for e in listing.entries] == [
        ("江苏省某厅2023年政府信息公开工作年度报告", "2024-01-19"),
        ("江苏省某厅2022年政府信息公开工作年度报告", "2023-01-20"),
    ]
    proxy = "http://gxt.example.gov.cn/module/web/jpage/dataproxy.jsp"
    assert [p.url for p in listing.next_pages] == [
        f"{proxy}?startrecord=3&endrecord=4&perpage=2&columnid=78506",
        f"{proxy}?startrecord=5&endrecord=6&perpage=2&columnid=78506",
    ]
    assert dict(listing.next_pages[0].formdata)["unitid"] == "325517"


def test_gkmlpt_content_page_dates_and_attachments_in_html_and_json():
    url = "http://www.example-gd.gov.cn/gkmlpt/content/0/963/post_963149.html"
    detail = family_for("gkmlpt").detail_page(html_response(url, PAGES / "gkmlpt_content.html"))
    assert detail.date == "2024-01-15"
    assert detail.title == "某区2023年政府信息公开工作年度报告"
    assert [(a.url, a.title) for a in detail.attachments] == [
        (
            "http://www.example-gd.gov.cn/attachment/0/963/963149/9631490.pdf",
            "某区2023年政府信息公开工作年度报告.pdf",
        ),
        ("https://www.example-gd.gov.cn/attachment/0/963/963150/9631500.xls", ""),
    ]


def test_hanweb_detail_title_in_a_div_and_the_report_only_as_downfile_attachment():
    url = "http://www.wenzhou.gov.cn/art/2024/1/22/art_1229105_59100001.html"
    detail = family_for("hanweb").detail_page(
        html_response(url, PAGES / "detail_hanweb_downfile.html")
    )
    assert detail.title == "温州市某局2023年政府信息公开工作年度报告"
    assert detail.date == "2024-01-22"
    assert [a.url for a in detail.attachments] == [
        "http://www.wenzhou.gov.cn/module/download/downfile.jsp?classid=0"
        "&filename=2c9a2f7e3b5d4c1e9f0a1b2c3d4e5f60.pdf"
    ]
    assert detail.attachments[0].title == "温州市某局2023年政府信息公开工作年度报告.pdf"


def test_plain_pager_follows_only_the_next_page():
    url = "http://www.example.gov.cn/xxgk/nb/list.jsp?page=2"
    listing = family_for("nextlink").list_page(
        html_response(url, PAGES / "nextlink_pager_symbols.html")
    )
    assert listing.next_pages == [ListRequest("http://www.example.gov.cn/xxgk/nb/list.jsp?page=3")]
    assert [(e.title, e.date) for e in listing.entries if is_report_title(e.title)] == [
        ("某镇2023年政府信息公开工作年度报告", "2024-01-15")
    ]
