"""TRS "动静结合" lists (Fujian's ``list2.trsapi`` module, see ``crawler.pages.trs``):
the static first page, the pages the list service answers — counted from ``recordCount``
and ``prepage``, never guessed — the service's answers, the sample portal's service, and
a crawl over 127.0.0.1 that reaches every report of such a column."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse

from crawler.pages import family_for
from crawler.pages.common import ListRequest, is_report_title
from crawler.pages.trs import js_value, list_model, service_requests
from crawler.sample_portal import SAMPLE_PORTAL_ROOT, serve_sample_portal
from tests.test_crawl import crawl, kept_documents

PAGES = SAMPLE_PORTAL_ROOT / "pages"
PINGTAN = "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/"
SERVICE = "https://www.pingtan.gov.cn/fjdzapp/search"
PINGTAN_FORM = (
    ("channelid", "200210"),
    ("classsql", "chnlid=1813"),
    ("sortfield", "-docorderpri,-docreltime"),
)


def pingtan_column() -> HtmlResponse:
    body = (PAGES / "trsapi_pingtan_zfxxgknb.html").read_bytes()
    return HtmlResponse(PINGTAN, body=body, headers={"Content-Type": "text/html; charset=utf-8"})


def test_the_real_column_page_gives_its_static_page_and_asks_the_service_for_page_2():
    listing = family_for("trs").list_page(pingtan_column())
    reports = [e for e in listing.entries if is_report_title(e.title)]
    assert len(reports) == 10
    assert (reports[1].url, reports[1].title, reports[1].date) == (
        PINGTAN + "202503/t20250310_97791.htm",
        "平潭综合实验区2024年度政府信息公开工作年度报告",
        "2025-03-10",
    )
    assert [r.date for r in reports][-1] == "2017-01-18"
    assert listing.next_pages == [
        ListRequest(SERVICE, "POST", (*PINGTAN_FORM, ("page", "2"), ("prepage", "10")))
    ]


def column_script(
    config: str, site_info: str = "var SiteInfo = { searchId: 229105 };"
) -> list[str]:
    call = (
        'require(["list2.trsapi", "tools"], function(listModel, tools) {\n'
        f'  listModel({{ quickMode: "动静结合", {config}, callToPage: function(p) {{ }} }});\n}});'
    )
    return [site_info, call]


ARGS = 'listArgs: { channelid: SiteInfo.searchId, classsql: "" || "chnlid=4910" }'


@pytest.mark.parametrize(
    "config, pages",
    [
        (f"maxStaticIndex: 1, {ARGS}, pagebar: {{ prepage: 10, recordCount: '20' }}", [2]),
        (f"maxStaticIndex: 1, {ARGS}, pagebar: {{ prepage: 10, recordCount: '23' }}", [2, 3]),
        # rst.fujian.gov.cn's 招聘公示 column: seven pages in its HTML, 213 records
        (
            f"maxStaticIndex:7, {ARGS}, pagebar:{{prepage:10,recordCount:'213'}}",
            list(range(8, 23)),
        ),
        (f"maxStaticIndex: 1, {ARGS}, pagebar: {{ prepage: 10, recordCount: '10' }}", []),
        (f"maxStaticIndex: 1, {ARGS}, pagebar: {{ prepage: 10, recordCount: '0' }}", []),
        (f"{ARGS}, pagebar: {{ prepage: 10, recordCount: '15' }}", [1, 2]),  # no static page
        # no recordCount: the first page after the static ones; its answer's pageCount says on
        (f"maxStaticIndex: 1, {ARGS}, pagebar: {{ prepage: 10 }}", [2]),
    ],
)
def test_service_pages_come_from_record_count_and_prepage(config, pages):
    requests = service_requests(list_model(column_script(config)), "http://a.gov.cn/xxgk/nb/")
    assert [dict(r.formdata)["page"] for r in requests] == [str(p) for p in pages]
    for request in requests:
        assert request.url == "http://a.gov.cn/fjdzapp/search"
        assert request.method == "POST"
        assert dict(request.formdata) == {
            "channelid": "229105",
            "classsql": "chnlid=4910",
            "page": dict(request.formdata)["page"],
            "prepage": "10",
        }


@pytest.mark.parametrize(
    "site_info",
    [
        "",  # SiteInfo defined in a script file the page only links
        "var SiteInfo = { itpSiteId: 21 };",  # defined, without searchId
    ],
)
def test_a_value_the_page_does_not_define_means_no_request(site_info):
    config = f"maxStaticIndex: 1, {ARGS}, pagebar: {{ prepage: 10, recordCount: '20' }}"
    assert list_model(column_script(config, site_info)) is None


@pytest.mark.parametrize(
    "expression, value",
    [
        ('"" || "chnlid=1813"', "chnlid=1813"),
        ("SiteInfo.searchId", "200210"),
        ("'20'", "20"),
        ("0 || 5", "5"),
        ('"-docorderpri,-docreltime"', "-docorderpri,-docreltime"),
        ('someVariable || "x"', None),  # not defined on the page: unknown, not "x"
        ("SiteInfo.missing", None),
    ],
)
def test_js_values_as_the_module_reads_them(expression, value):
    assert js_value(expression, {"SiteInfo": {"searchId": "200210"}}) == value


def service_answer(page: int, answer: dict) -> TextResponse:
    form = urlencode((*PINGTAN_FORM, ("page", str(page)), ("prepage", "10")))
    request = Request(SERVICE, method="POST", body=form)
    return TextResponse(
        SERVICE,
        body=json.dumps(answer, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json;charset=UTF-8"},
        request=request,
    )


def test_a_service_answer_gives_its_documents_and_the_next_page_it_counts():
    records = [
        {
            "doctitle": "平潭综合实验区<font color='red'>2015</font>年度政府信息公开工作年度报告",
            "chnldocurl": "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/201601/t20160120_80445.htm",
            "docreltime": "2016-01-20 10:00:00",
        },
        {
            "doctitle": "平潭县人民政府2013年政府信息公开工作年度报告",
            "docpuburl": "/zwgk/zfxxgk/zfxxgknb/201401/t20140115_80754.htm",
            "docreltime": 1389751200000,  # 2014-01-15 10:00 in China, in milliseconds
        },
        {"doctitle": "no URL: not an entry"},
    ]
    listing = family_for("trs").list_page(service_answer(2, {"pageCount": 3, "data": records}))
    assert [(e.url, e.title, e.date) for e in listing.entries] == [
        (records[0]["chnldocurl"], "平潭综合实验区2015年度政府信息公开工作年度报告", "2016-01-20"),
        (
            "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/201401/t20140115_80754.htm",
            "平潭县人民政府2013年政府信息公开工作年度报告",
            "2014-01-15",
        ),
    ]
    assert listing.next_pages == [
        ListRequest(SERVICE, "POST", (*PINGTAN_FORM, ("page", "3"), ("prepage", "10")))
    ]
    last = family_for("trs").list_page(service_answer(3, {"pageCount": 3, "data": records}))
    assert last.next_pages == []


@pytest.mark.parametrize("body", [b"<html>busy</html>", b"[]", b'{"pageCount": 2}'])
def test_an_answer_that_is_not_a_page_of_records_gives_nothing(body):
    response = TextResponse(SERVICE, body=body, headers={"Content-Type": "text/html"})
    listing = family_for("trs").list_page(response)
    assert (listing.entries, listing.next_pages) == ([], [])


def post(url: str, form: dict) -> dict:
    data = urlencode(form).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as answer:
        assert answer.headers["Content-Type"].startswith("application/json")
        return json.loads(answer.read())


def test_the_sample_portal_service_answers_one_channel_a_page_at_a_time():
    config = json.loads((SAMPLE_PORTAL_ROOT / "sites.json").read_text(encoding="utf-8"))
    form = {"channelid": config["trsapi"]["search_id"], "classsql": "chnlid=4910"}
    form |= {"sortfield": "-docorderpri,-docreltime", "prepage": 10}
    with serve_sample_portal() as portal:
        url = portal.base_url("trsapi") + "/fjdzapp/search"
        pages = [post(url, form | {"page": page}) for page in (1, 2, 3)]
        other_site = post(url, form | {"channelid": 1, "page": 1})
        with pytest.raises(urllib.error.HTTPError, match="404"):  # POST only
            urllib.request.urlopen(url, timeout=10)
        host = portal.hosts["trsapi"]
    assert [(p["pageCount"], len(p["data"])) for p in pages] == [(3, 10), (3, 10), (3, 3)]
    first = pages[1]["data"][0]
    assert set(first) >= {"doctitle", "chnldocurl", "docpuburl", "docreltime"}
    assert first["chnldocurl"].startswith(f"http://{host}/zwgk/zfxxgk/zfxxgknb/")
    assert other_site == {"pageCount": 0, "data": []}


def test_a_crawl_reaches_the_reports_of_every_page_through_the_service(tmp_path):
    expected = json.loads((SAMPLE_PORTAL_ROOT / "EXPECTED.json").read_text(encoding="utf-8"))
    column = expected["portals"]["sample-trsapi"]
    root = tmp_path / "portal"
    shutil.copytree(SAMPLE_PORTAL_ROOT, root)
    with serve_sample_portal(root) as portal:
        summary = crawl(portal, tmp_path / "data", "run-1", portal_ids=["sample-trsapi"])
        answered = portal.stats()["trsapi"]
        base = portal.base_url("trsapi")
    kept = {
        row["url"].removeprefix(base): row
        for row in kept_documents(tmp_path / "data", "sample-trsapi")
    }
    assert summary["portals"]["sample-trsapi"] == "ok"
    assert sorted(kept) == sorted(d["path"] for d in column["documents"])
    # pages 2 and 3, asked once each; page 1 is in the column page and never asked for
    assert answered["POST /fjdzapp/search"] == {"200": 2}
    through_service = {p for p, row in kept.items() if row["referer"] == base + "/fjdzapp/search"}
    assert len(through_service) == 3
    assert answered.keys().isdisjoint(f"GET {path}" for path in column["never_requested"])
