"""The portal registry: the file format, its validation, and the bundled registry."""

from __future__ import annotations

import pytest

from crawler.registry import BUNDLED_REGISTRY, COLUMNS, RegistryError, load_registry
from crawler.sample_portal import SAMPLE_PORTAL_ROOT

HEADER = ",".join(COLUMNS)
GOOD = (
    "fj-pingtan,平潭综合实验区管理委员会,350128,福建省,福州市,平潭县,县,government,trs,"
    "http://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/,pingtan.gov.cn,,"
    "issue 7"
)


def write(tmp_path, *rows: str):
    path = tmp_path / "registry.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_good_row(tmp_path):
    (portal,) = load_registry(write(tmp_path, GOOD))
    assert portal.id == "fj-pingtan"
    assert portal.level == "县" and portal.cms == "trs" and portal.obey_robots
    assert portal.start_urls == ("http://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/",)
    assert portal.allows("http://www.pingtan.gov.cn/a.pdf")
    assert portal.allows("https://pingtan.gov.cn/")
    assert not portal.allows("http://www.pingtan.gov.cn.mirror.example.com/")
    assert not portal.allows("http://notpingtan.gov.cn/")
    assert portal.row()["start_urls"] == "http://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/"


def test_obey_robots_override(tmp_path):
    row = GOOD.replace(",pingtan.gov.cn,,", ",pingtan.gov.cn,no,")
    (portal,) = load_registry(write(tmp_path, row))
    assert not portal.obey_robots


@pytest.mark.parametrize(
    "change, message",
    [
        (("350128", "35012"), "division_code '35012'"),
        (("350128", "990128"), "division_code '990128'"),
        ((",trs,", ",wordpress,"), "cms 'wordpress' is unknown"),
        ((",县,", ",区,"), "level '区'"),
        ((",government,", ",agency,"), "kind 'agency'"),
        (("fj-pingtan", "FJ Pingtan"), "is not a lowercase slug"),
        (
            (
                "http://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/",
                "http://www.pingtan.mirror.cn/zwgk/",
            ),
            "outside allowed_domains",
        ),
        (
            ("http://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/", "file:///etc/passwd"),
            "is not http(s)",
        ),
    ],
)
def test_bad_rows_are_named_with_their_line(tmp_path, change, message):
    row = GOOD.replace(*change)
    with pytest.raises(RegistryError) as error:
        load_registry(write(tmp_path, row))
    assert ":2: " in str(error.value) and message in str(error.value)


def test_every_problem_is_reported_at_once(tmp_path):
    good = GOOD
    bad = good.replace("350128", "x").replace(",trs,", ",cms,")
    with pytest.raises(RegistryError) as error:
        load_registry(write(tmp_path, good, good, bad))
    lines = str(error.value).splitlines()
    assert any(":3: id 'fj-pingtan' is used twice" in line for line in lines)
    assert sum(":4: " in line for line in lines) == 3  # code, cms, and the id again


def test_missing_columns(tmp_path):
    path = tmp_path / "registry.csv"
    path.write_text("id,name\nx,y\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="missing column"):
        load_registry(path)


def test_sample_registry_placeholders():
    hosts = {
        name: f"127.0.0.1:{8000 + i}"
        for i, name in enumerate(
            ["trs", "hanweb", "gkmlpt", "nextlink", "generic", "trsapi", "city"]
        )
    }
    portals = load_registry(SAMPLE_PORTAL_ROOT / "registry.csv", placeholders=hosts)
    assert {p.cms for p in portals} == {"trs", "hanweb", "gkmlpt", "nextlink", "generic", "auto"}
    trs = next(p for p in portals if p.cms == "trs")
    assert trs.start_urls[0].startswith("http://127.0.0.1:8000/")
    assert trs.allows("http://127.0.0.1:8000/x.pdf") and not trs.allows(
        "http://127.0.0.1:8001/x.pdf"
    )
    with pytest.raises(RegistryError, match="unknown placeholder"):
        load_registry(SAMPLE_PORTAL_ROOT / "registry.csv", placeholders={"trs": "127.0.0.1:1"})


def test_the_bundled_registry_is_valid():
    portals = load_registry(BUNDLED_REGISTRY)
    assert portals
    assert all(not p.allows("http://127.0.0.1/") for p in portals)


def test_placeholders_left_unfilled_are_an_error():
    with pytest.raises(RegistryError, match="unknown placeholder"):
        load_registry(SAMPLE_PORTAL_ROOT / "registry.csv")


@pytest.mark.parametrize("cms", ["auto", ""])
def test_a_home_page_with_cms_auto_or_blank_is_enough(tmp_path, cms):
    row = f"gd-yf-yunan,郁南县人民政府,445322,广东省,云浮市,郁南县,县,government,{cms},"
    row += "http://www.gdyunan.gov.cn/,,,https://example.org/seen"
    (portal,) = load_registry(write(tmp_path, row))
    assert portal.cms == "auto"
    assert portal.allowed_domains == ("gdyunan.gov.cn",)
    assert portal.allows("http://xxgk.gdyunan.gov.cn/nb/")
    assert not portal.allows("http://www.yunan.gov.cn/")


def test_blank_allowed_domains_keep_a_port(tmp_path):
    row = GOOD.replace("http://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/", "http://127.0.0.1:8123/")
    (portal,) = load_registry(write(tmp_path, row.replace(",pingtan.gov.cn,", ",,")))
    assert portal.allowed_domains == ("127.0.0.1:8123",)
    assert not portal.allows("http://127.0.0.1:8124/")
