"""What a journalist sees: Debian's chromium, headless, walking the demo archive from the
front door to a search, a report, its archived copies, the agency's page, a question and
its spreadsheet download. Screenshots of every step go to test-artifacts/ (gitignored).

The demo's archived pages carry no script, so one archived page is added to a copy of
the demo's data (through the raw store, as the crawler keeps a page): a portal page whose
``<script>`` would retitle it and add an element if it ran."""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import sqlite_utils

from archive.rawstore import RawStore
from tests.support import start_datasette
from tests.test_site import archive_rows, reports_containing

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PHONE_WIDTH = 400
TWO_CHARACTER_WORD = "处罚"
UTF8_BOM = "\ufeff"

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    pytest.skip("Debian's chromium and chromium-driver are not installed", allow_module_level=True)

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402

SCRIPTED_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>存档页面</title></head>
<body><h1>政府信息公开工作年度报告（门户页面）</h1>
<p id="text">这是门户页面的正文。</p>
<script>document.title = "script ran"; document.body.insertAdjacentHTML("beforeend", '<p id="ran">ran</p>');</script>
</body></html>""".encode()


def add_scripted_page(data_dir: Path, report_id: str) -> str:
    """Keep a portal page with a script in the raw store and list it as a copy of the
    report; return its sha256."""
    url = "http://127.0.0.1/portal/page-with-script.html"
    store = RawStore(data_dir / "raw.db")
    sha256, _ = store.put(url=url, body=SCRIPTED_PAGE, headers={"Content-Type": "text/html"})
    store.db.close()
    archive = sqlite_utils.Database(data_dir / "nianbao.db")
    archive["documents"].insert(
        {
            "id": f"scripted-{sha256[:12]}",
            "report_id": report_id,
            "url": url,
            "format": "html",
            "content_type": "text/html; charset=utf-8",
            "sha256": sha256,
            "size": len(SCRIPTED_PAGE),
            "fetched_at": "2026-01-01T00:00:00Z",
            "kind": "report_page",
            "is_report": 0,
        }
    )
    archive.close()
    return sha256


@pytest.fixture(scope="module")
def journey(demo_run, tmp_path_factory) -> dict:
    """A copy of the demo's data with the scripted page added to the report (with a PDF
    copy) that the search word finds."""
    data_dir = tmp_path_factory.mktemp("journey") / "data"
    shutil.copytree(demo_run[0], data_dir, ignore=shutil.ignore_patterns("*.lock", "jobs"))
    hits = reports_containing(data_dir, TWO_CHARACTER_WORD)
    archive = sqlite_utils.Database(data_dir / "nianbao.db")
    with_pdf = {
        row["report_id"]
        for row in archive.query("SELECT report_id FROM documents WHERE format = 'pdf'")
    }
    archive.close()
    report_id = sorted(hits & with_pdf)[0]
    return {
        "data": data_dir,
        "report": report_id,
        "scripted": add_scripted_page(data_dir, report_id),
    }


@pytest.fixture(scope="module")
def site(journey):
    yield from start_datasette(journey["data"])


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads):
    profile = tempfile.mkdtemp(prefix="nianbao-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--window-size=1280,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(
        service=webdriver.ChromeService(executable_path=str(CHROMEDRIVER)), options=options
    )
    driver.set_page_load_timeout(60)
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(driver, name: str, width: int = 1280) -> Path:
    """The whole page at ``width`` pixels, saved as test-artifacts/<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.set_window_size(width, 1000)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(max(height, 800), 6000))
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 1000)
    return path


def page_width_on_a_phone(driver) -> int:
    """How wide the page is laid out on a phone (more than the screen: it scrolls sideways)."""
    driver.set_window_size(PHONE_WIDTH, 900)
    width = driver.execute_script("return document.documentElement.scrollWidth")
    driver.set_window_size(1280, 1000)
    return width


def wait_for(driver, condition, timeout: float = 30):
    WebDriverWait(driver, timeout).until(
        lambda d: condition(d) and d.execute_script("return document.readyState") == "complete"
    )


def open_link(driver, link) -> None:
    before = driver.current_url
    link.click()
    wait_for(driver, lambda d: d.current_url != before)


def body_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def downloaded_file(directory: Path, timeout: float = 30) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in directory.iterdir() if not p.name.endswith(".crdownload")]
        if done:
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"nothing downloaded to {directory}")


def test_a_journalists_path_through_the_site(browser, site, journey, downloads):
    data = journey["data"]
    # 1. The front door: what the archive is, its figures, one search box.
    browser.get(site + "/")
    assert browser.title.startswith("年报库")
    text = body_text(browser)
    (reports,) = archive_rows(data, "SELECT count(*) FROM reports")[0]
    assert f"{reports} 份报告" in text and "常见问题" in text and "按地区浏览" in text
    assert page_width_on_a_phone(browser) <= PHONE_WIDTH
    screenshot(browser, "01-front-door")
    screenshot(browser, "01-front-door-phone", PHONE_WIDTH)

    # 2. A two-character word in the search box: every report with it, the word marked.
    box = browser.find_element(By.ID, "nb-q")
    box.send_keys(TWO_CHARACTER_WORD)
    box.submit()
    wait_for(browser, lambda d: "/search?" in d.current_url)
    expected = reports_containing(data, TWO_CHARACTER_WORD)
    hits = browser.find_elements(By.CSS_SELECTOR, "li.nb-hit h3 a")
    assert {link.get_attribute("href").rsplit("/", 1)[1] for link in hits} == expected
    assert f"共 {len(expected)} 份报告" in body_text(browser)
    marks = browser.find_elements(By.CSS_SELECTOR, "li.nb-hit .nb-snippet mark")
    assert marks and all(mark.text == TWO_CHARACTER_WORD for mark in marks)
    assert page_width_on_a_phone(browser) <= PHONE_WIDTH
    screenshot(browser, "02-search-results")
    screenshot(browser, "02-search-results-phone", PHONE_WIDTH)

    # 3. A hit's title opens its report page: tables as printed, copies listed.
    (hit,) = [h for h in hits if h.get_attribute("href").endswith("/" + journey["report"])]
    open_link(browser, hit)
    text = body_text(browser)
    for label in (
        "三、收到和处理政府信息公开申请情况",
        "本年新收政府信息公开申请数量",
        "文件与存档副本",
    ):
        assert label in text
    assert page_width_on_a_phone(browser) <= PHONE_WIDTH  # only the tables scroll
    screenshot(browser, "03-report-page")
    screenshot(browser, "03-report-page-phone", PHONE_WIDTH)
    report_page = browser.current_url

    # 4. Its PDF copy opens in the browser.
    pdf = browser.find_element(By.CSS_SELECTOR, "a.nb-copy[href$='.pdf']")
    open_link(browser, pdf)
    assert browser.execute_script("return document.contentType") == "application/pdf"
    time.sleep(1)  # the viewer draws the first page
    screenshot(browser, "04-archived-pdf")

    # 5. An archived web page opens, but its script does not run.
    browser.get(report_page)
    page = browser.find_element(By.CSS_SELECTOR, f"a.nb-copy[href*='{journey['scripted']}']")
    open_link(browser, page)
    assert "这是门户页面的正文" in body_text(browser)
    assert browser.title == "存档页面"
    assert browser.find_elements(By.ID, "ran") == []
    screenshot(browser, "05-archived-page-sandboxed")

    # 6. The agency's page: its figures by year, drawn.
    browser.get(report_page)
    agency = browser.find_element(By.CSS_SELECTOR, ".nb-meta dd a")
    open_link(browser, agency)
    chart = browser.find_element(By.CSS_SELECTOR, "svg.nb-chart")
    assert chart.is_displayed() and chart.size["height"] > 100
    assert browser.find_elements(By.CSS_SELECTOR, "svg.nb-chart rect title")
    assert page_width_on_a_phone(browser) <= PHONE_WIDTH  # the table of figures scrolls
    screenshot(browser, "06-agency-page")
    screenshot(browser, "06-agency-page-phone", PHONE_WIDTH)

    # 7. A question from the front door, answered for the latest year.
    browser.get(site + "/")
    question = browser.find_element(By.LINK_TEXT, "某年收到申请最多的机关")
    open_link(browser, question)
    rows = browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    assert rows
    assert page_width_on_a_phone(browser) <= PHONE_WIDTH
    screenshot(browser, "07-question")
    screenshot(browser, "07-question-phone", PHONE_WIDTH)

    # 8. Its spreadsheet download: UTF-8 with a BOM, the same rows as the JSON.
    browser.find_element(By.CSS_SELECTOR, "a.nb-csv-excel").click()
    downloaded = downloaded_file(downloads)
    raw = downloaded.read_bytes().decode("utf-8")
    assert raw.startswith(UTF8_BOM)
    table = list(csv.DictReader(io.StringIO(raw[len(UTF8_BOM) :])))
    as_json = urllib.parse.urljoin(browser.current_url, "most_applications.json?_shape=array")
    with urllib.request.urlopen(as_json, timeout=30) as response:
        expected_rows = json.loads(response.read())
    assert len(table) == len(rows) == len(expected_rows)
    assert [(r["report_id"], r["agency"]) for r in table] == [
        (r["report_id"], r["agency"]) for r in expected_rows
    ]

    # 9. The coverage page from the front door: every province, governments with a
    # known portal and with a report, per year.
    browser.get(site + "/")
    open_link(browser, browser.find_element(By.PARTIAL_LINK_TEXT, "哪些地区的政府已收录"))
    headers = [
        th.text for th in browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns th")
    ]
    assert "省份" in " ".join(headers) and "有年报的政府数" in " ".join(headers)
    provinces = {
        td.text
        for td in browser.find_elements(
            By.CSS_SELECTOR, "table.rows-and-columns tbody td:first-child"
        )
    }
    (expected,) = archive_rows(
        data, "SELECT count(DISTINCT province_code) FROM coverage_provinces"
    )[0]
    assert len(provinces) == expected >= 31
    assert page_width_on_a_phone(browser) <= PHONE_WIDTH
    screenshot(browser, "09-coverage")
