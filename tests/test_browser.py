"""What a person sees: Debian's chromium, headless, on the sample site. Screenshots go
to test-artifacts/ (gitignored)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from tests import test_site
from tests.test_site import archive_rows, reports_containing

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    pytest.skip("Debian's chromium and chromium-driver are not installed", allow_module_level=True)

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402

# The sample site of test_site, started again for this module.
data_dir = test_site.data_dir
site = test_site.site


@pytest.fixture(scope="module")
def browser():
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
        "--window-size=1280,1600",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(
        service=webdriver.ChromeService(executable_path=str(CHROMEDRIVER)), options=options
    )
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(driver, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1280, min(max(height, 800), 6000))
    driver.save_screenshot(str(path))
    return path


def submit_search(driver, box, words: str) -> None:
    """Type into a search box and submit, as a person would; wait for the results."""
    box.send_keys(words)
    box.submit()
    WebDriverWait(driver, 30).until(
        lambda d: (
            "/nianbao/report_search" in d.current_url
            and d.execute_script("return document.readyState") == "complete"
        )
    )


def result_ids(driver) -> set[str]:
    links = driver.find_elements(By.CSS_SELECTOR, "table.rows-and-columns a[href*='/reports/']")
    return {link.text for link in links}


def test_home_search_results_and_report_page(browser, site, data_dir):
    browser.get(site + "/")
    assert "政府信息公开工作年度报告" in browser.title
    assert "著作权法" in browser.find_element(By.TAG_NAME, "body").text
    screenshot(browser, "home")

    box = browser.find_element(By.ID, "nb-search")
    submit_search(browser, box, "排污许可")
    assert result_ids(browser) == reports_containing(data_dir, "排污许可")
    assert browser.find_element(By.ID, "_search").get_attribute("value") == "排污许可"
    screenshot(browser, "search-results")

    failed = archive_rows(data_dir, "SELECT id FROM reports WHERE failed_checks > 0")[0]["id"]
    browser.get(f"{site}/nianbao/reports/{failed}")
    text = browser.find_element(By.TAG_NAME, "body").text
    for label in (
        "三、收到和处理政府信息公开申请情况",
        "本年新收政府信息公开申请数量",
        "自然人",
        "行政复议",
        "未通过的校验",
    ):
        assert label in text
    failed_box = browser.find_element(By.CSS_SELECTOR, "section.nb-failed .nb-check-failed")
    assert failed_box.is_displayed()
    source = browser.find_element(By.CSS_SELECTOR, "a.nb-source")
    archived = browser.find_element(By.CSS_SELECTOR, "a.nb-archived")
    assert source.get_attribute("href").startswith("http://127.0.0.1/")
    assert "/raw/blobs/" in archived.get_attribute("href")
    assert archived.get_attribute("href").endswith(".blob?_blob_column=content")
    screenshot(browser, "report-page")


def test_search_box_of_the_reports_table_ranks(browser, site, data_dir):
    browser.get(f"{site}/nianbao/reports")
    box = browser.find_element(By.ID, "_search")
    submit_search(browser, box, "生态环境")
    assert "_sort_desc=relevance" in browser.current_url
    assert result_ids(browser) == reports_containing(data_dir, "生态环境")
    screenshot(browser, "reports-table-search")
