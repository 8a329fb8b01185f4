"""Coverage in the archive: the ``divisions`` table (the bundled list, whatever registry
a run used), the ``coverage`` and ``coverage_provinces`` views, the full division name of
a report (issue 12: a report titled 洪泽区人民政府… keeps that agency and gets
江苏省淮安市洪泽区 from its code), and the coverage page through Datasette."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
import sqlite_utils
from datasette.app import Datasette

from archive.publish import staged_archive
from archive.serve import METADATA
from archive.store import save_portals, save_result
from crawler.divisions import divisions
from tests.test_archive_build import seed_document, seed_parsed, seed_texts

JIANGSU_GOVERNMENTS = sum(code.startswith("32") for code in divisions())
PORTALS = [
    {"id": "js-ha-hongze", "name": "洪泽区人民政府", "division_code": "320813",
     "province": "江苏省", "city": "淮安市", "county": "洪泽区", "level": "县",
     "kind": "government"},
    {"id": "fj-pingtan", "name": "平潭综合实验区管理委员会", "division_code": "350128",
     "province": "福建省", "city": "福州市", "county": "平潭县", "level": "县",
     "kind": "government"},
    {"id": "js-mzt", "name": "江苏省民政厅", "division_code": "320000", "province": "江苏省",
     "level": "省", "kind": "department"},
]  # fmt: skip
# (portal, agency as the report prints it, year)
REPORTS = [
    ("js-ha-hongze", "洪泽区人民政府", 2023),
    ("js-ha-hongze", "淮安市洪泽区人民政府", 2022),  # the same government, longer name
    ("js-ha-hongze", "洪泽区财政局", 2023),  # a department found on the government's site
    ("fj-pingtan", "平潭综合实验区管理委员会", 2023),  # the government by its portal's name
]


def build_archive(path: Path) -> Path:
    (stem, text), *_ = seed_texts()
    portals = {p["id"]: p for p in PORTALS}
    with staged_archive(path) as db:
        save_portals(db, PORTALS)
        for number, (portal_id, agency, year) in enumerate(REPORTS):
            parsed = dict(seed_parsed(stem, text), agency=agency, year=year)
            document = seed_document(f"{stem}-{number}", text, "html", portal_id)
            save_result(db, document=document, parsed=parsed, portal=portals[portal_id])
    return path


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return build_archive(tmp_path_factory.mktemp("coverage") / "nianbao.db")


def rows(archive: Path, sql: str, params=()) -> list[dict]:
    return list(sqlite_utils.Database(archive).query(sql, params))


def test_every_government_of_the_division_list_is_in_the_archive(archive):
    (count,) = rows(archive, "SELECT count(*) AS n FROM divisions")[0].values()
    assert count == len(divisions())
    governments = rows(
        archive, "SELECT count(DISTINCT division_code) AS n FROM coverage WHERE kind = 'government'"
    )
    assert governments == [{"n": len(divisions())}]


def test_a_report_keeps_its_agency_and_gets_the_full_name_from_its_code(archive):
    found = rows(archive, "SELECT agency, division_name FROM reports WHERE year = 2023")
    assert {"agency": "洪泽区人民政府", "division_name": "江苏省淮安市洪泽区"} in found


def test_coverage_per_government_department_and_year(archive):
    hongze = rows(
        archive,
        "SELECT kind, body, portal_id, year, reports, archived FROM coverage "
        "WHERE division_code = '320813' ORDER BY kind DESC, year",
    )
    assert hongze == [
        {"kind": "government", "body": "洪泽区人民政府", "portal_id": "js-ha-hongze",
         "year": 2022, "reports": 1, "archived": 1},
        {"kind": "government", "body": "洪泽区人民政府", "portal_id": "js-ha-hongze",
         "year": 2023, "reports": 1, "archived": 1},
        {"kind": "department", "body": "洪泽区财政局", "portal_id": "js-ha-hongze",
         "year": 2022, "reports": 0, "archived": 0},
        {"kind": "department", "body": "洪泽区财政局", "portal_id": "js-ha-hongze",
         "year": 2023, "reports": 1, "archived": 1},
    ]  # fmt: skip
    pingtan = rows(
        archive, "SELECT body, year, archived FROM coverage WHERE division_code = '350128'"
    )
    assert pingtan == [
        {"body": "平潭综合实验区管理委员会", "year": 2022, "archived": 0},
        {"body": "平潭综合实验区管理委员会", "year": 2023, "archived": 1},
    ]
    # a department portal with no report archived is a department row, never archived
    mzt = rows(archive, "SELECT kind, sum(archived) AS n FROM coverage WHERE body = '江苏省民政厅'")
    assert mzt == [{"kind": "department", "n": 0}]
    # a government with neither portal nor report: the gap, shown
    gap = rows(archive, "SELECT body, portal_id, archived FROM coverage "
               "WHERE division_code = '320115' AND year = 2023")  # fmt: skip
    assert gap == [{"body": "南京市江宁区人民政府", "portal_id": None, "archived": 0}]


def test_coverage_rolled_up_by_province(archive):
    jiangsu = rows(archive, "SELECT * FROM coverage_provinces WHERE province = '江苏省'")
    assert [r["year"] for r in jiangsu] == [2022, 2023]
    latest = jiangsu[1]
    assert latest["governments"] == JIANGSU_GOVERNMENTS
    assert latest["governments_with_portal"] == 1
    assert latest["governments_with_report"] == 1
    assert latest["governments_with_report_pct"] == round(100 / JIANGSU_GOVERNMENTS, 1)
    assert (latest["departments"], latest["departments_with_report"]) == (2, 1)
    assert latest["reports"] == 2
    provinces = rows(
        archive, "SELECT DISTINCT province FROM coverage_provinces ORDER BY province_code"
    )
    assert len(provinces) == 31 and provinces[0] == {"province": "北京市"}


def get(archive: Path, path: str):
    metadata = json.loads(METADATA.read_text(encoding="utf-8"))
    datasette = Datasette([str(archive)], metadata=metadata)
    return asyncio.run(datasette.client.get(path))


def test_the_coverage_page_is_in_chinese_and_exportable(archive):
    page = get(archive, "/nianbao/coverage_by_province")
    assert page.status_code == 200 and "各省覆盖情况" in page.text
    data = get(archive, "/nianbao/coverage_by_province.json?_shape=array").json()
    jiangsu = [row for row in data if row["省份"] == "江苏省" and row["年度"] == 2023]
    assert jiangsu == [
        {"省份": "江苏省", "年度": 2023, "政府数": JIANGSU_GOVERNMENTS, "已知门户的政府数": 1,
         "有年报的政府数": 1, "有年报的政府比例": round(100 / JIANGSU_GOVERNMENTS, 1),
         "有年报的部门数": 1, "年报数": 2},
    ]  # fmt: skip
    csv = get(archive, "/nianbao/coverage_by_province.csv")
    assert csv.status_code == 200 and csv.text.startswith("省份,年度,政府数")
    table = get(archive, "/nianbao/coverage?division_code=320813&kind=government")
    assert table.status_code == 200 and "江苏省淮安市洪泽区" in table.text  # the code's label


def test_the_report_page_shows_the_full_division_name(archive):
    (report,) = rows(archive, "SELECT id FROM reports WHERE agency = '洪泽区人民政府'")
    page = get(archive, f"/nianbao/reports/{report['id']}")
    assert page.status_code == 200
    assert "Templates considered: *row-nianbao-reports.html" in page.text  # the site's page
    text = re.sub(r"<[^>]+>", "", page.text)
    assert "江苏省淮安市洪泽区" in text and "320813" in text and "洪泽区人民政府" in text
