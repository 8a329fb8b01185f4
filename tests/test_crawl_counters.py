"""The crawl's counters: written by one module's key builders, read back by the same
module, per portal and per detail, whatever the portal id looks like."""

from crawler import counters
from crawler.crawl_log import crawl_progress_text
from crawler.registry import Portal
from crawler.run import portal_counts


def stats_of(*increments: tuple[str, int]) -> dict:
    stats: dict[str, int] = {}
    for key, value in increments:
        stats[key] = stats.get(key, 0) + value
    return stats


STATS = stats_of(
    (counters.portal_key("fj-pingtan", counters.REQUESTS), 5),
    (counters.portal_key("fj-pingtan", counters.RESPONSES), 4),
    (counters.portal_key("fj-pingtan", counters.RESPONSES, 200), 3),
    (counters.portal_key("fj-pingtan", counters.RESPONSES, 503), 1),
    (counters.portal_key("fj-pingtan", counters.ERRORS), 1),
    (counters.portal_key("fj-pingtan", counters.ERRORS, "http_503"), 1),
    (counters.portal_key("gd-errors", counters.ERRORS), 2),
    (counters.portal_key("gd-errors", counters.ERRORS, "timeout"), 2),
    (counters.key(counters.ERRORS, "http_503"), 1),
    (counters.key(counters.ERRORS, "timeout"), 2),
    (counters.key(counters.DOCUMENTS), 7),
    ("downloader/request_count", 9),
)


def portal(portal_id: str) -> Portal:
    return Portal(
        id=portal_id,
        name=portal_id,
        division_code="350128",
        province="福建省",
        city="",
        county="",
        level="县",
        kind="government",
        cms="trs",
        start_urls=("http://127.0.0.1/",),
        allowed_domains=("127.0.0.1",),
    )


def test_portal_values_split_keys_back_by_portal_name_and_detail():
    values = counters.portal_values(STATS)
    assert values["fj-pingtan"][counters.RESPONSES] == {None: 4, "200": 3, "503": 1}
    assert values["gd-errors"][counters.ERRORS] == {None: 2, "timeout": 2}
    assert counters.detail_values(STATS, counters.ERRORS) == {"http_503": 1, "timeout": 2}


def test_portal_counts_and_outcomes_from_the_counters():
    counts = portal_counts(STATS, [portal("fj-pingtan"), portal("gd-errors"), portal("silent")])
    assert counts["fj-pingtan"]["answered"] == 3
    assert counts["fj-pingtan"]["errors_by_kind"] == {"http_503": 1}
    assert counts["fj-pingtan"]["outcome"] == "ok"
    assert counts["gd-errors"]["outcome"] == "unreachable"
    assert counts["silent"]["outcome"] == "failed"


def test_progress_line_counts_answered_and_failing_portals():
    line = crawl_progress_text(STATS, 3)
    assert line.startswith("crawl: 1/3 portals answered (1 failing)")
    assert "7 documents kept · 3 errors" in line
