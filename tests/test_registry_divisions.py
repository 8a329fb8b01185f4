"""The bundled division list, the full registry built on it (one government row per
division, an openable source for every URL) and the ``nianbao registry`` commands."""

from __future__ import annotations

import csv
import shutil
from collections import Counter

import pytest
from click.testing import CliRunner

from archive.registry_cmd import registry
from crawler.divisions import divisions, full_name, government_name, place_names
from crawler.registry import BUNDLED_REGISTRY, REGISTRY_COLUMNS, load_registry
from crawler.registry_file import (
    RegistryEditError,
    add_portal,
    confirm_portals,
    figures,
    government_row,
    is_government_row,
    read_registry_rows,
    sync_governments,
    validate_registry,
)
from tools.make_divisions import division_rows

PROVINCES_31 = (
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65"
).split()


def test_the_division_list_has_every_government_of_the_31_provinces():
    known = divisions()
    levels = Counter(d.level for d in known.values())
    assert len(known) >= 3000 and levels["省"] == 31
    assert levels["市"] >= 330 and levels["县"] >= 2800
    assert sorted({code[:2] for code in known}) == PROVINCES_31
    for division in known.values():
        assert len(division.code) == 6 and division.code.isdigit()
        if division.level == "省":
            assert division.parent_code == "" and division.code.endswith("0000")
        else:
            parent = known[division.parent_code]
            assert parent.code[:2] == division.code[:2]
            assert "省市县".index(parent.level) < "省市县".index(division.level)


def test_full_and_government_names_from_the_code():
    assert full_name("320813") == "江苏省淮安市洪泽区"
    assert full_name("110112") == "北京市通州区"  # no 市辖区 placeholder
    assert full_name("419001") == "河南省济源市"  # 省直辖县级
    assert full_name("999999") is None
    assert place_names("110112") == {"province": "北京市", "city": "", "county": "通州区"}
    assert government_name("320115") == "南京市江宁区人民政府"
    assert government_name("140927") == "神池县人民政府"
    assert government_name("652900") == "阿克苏地区行政公署"
    assert government_name("429021") == "神农架林区人民政府"


def test_the_tool_flattens_the_source_tree():
    source = {
        "provinces": {
            "北京市": {
                "code": "110000000000",
                "cities": {"": {"code": None, "counties": {"通州区": "110112000000"}}},
            },
            "江苏省": {
                "code": "320000000000",
                "cities": {
                    "淮安市": {"code": "320800000000", "counties": {"洪泽区": "320813000000"}}
                },
            },
            "台湾省": {"code": "710000000000", "cities": {}},
        }
    }
    assert [tuple(r.values()) for r in division_rows(source)] == [
        ("110000", "北京市", "省", ""),
        ("110112", "通州区", "县", "110000"),
        ("320000", "江苏省", "省", ""),
        ("320800", "淮安市", "市", "320000"),
        ("320813", "洪泽区", "县", "320800"),
    ]


def test_the_bundled_registry_is_valid_and_has_one_row_per_government():
    assert validate_registry(BUNDLED_REGISTRY) == []
    rows = read_registry_rows(BUNDLED_REGISTRY)
    owners = Counter(r["division_code"] for r in rows if is_government_row(r))
    assert set(owners) == set(divisions()) and set(owners.values()) == {1}
    for row in rows:
        assert row["status"] == ("no_url" if not row["start_urls"] else row["status"])
        if row["start_urls"]:
            assert row["source"].startswith("http") and row["seen"]


def test_rows_without_a_url_are_not_crawled_but_are_not_errors():
    portals = load_registry(BUNDLED_REGISTRY)
    assert portals and all(p.start_urls for p in portals)
    rows = read_registry_rows(BUNDLED_REGISTRY)
    assert len(portals) == sum(bool(r["start_urls"]) for r in rows) < len(rows)


def write_registry_file(path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=REGISTRY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def with_url(row: dict, url: str = "http://www.hongze.gov.cn/", **changes) -> dict:
    return {
        **row,
        "start_urls": url,
        "source": url,
        "seen": "2026-12-01",
        "status": "url_from_source",
        **changes,
    }


def test_bad_rows_give_file_line_reasons(tmp_path):
    good = government_row("320813")
    rows = [
        with_url(good),  # line 2: good
        with_url(government_row("320812"), source="issue 7"),  # 3: source not a URL
        with_url(government_row("320804"), seen="Nov 2026"),  # 4: no date
        {**government_row("320803"), "level": "市"},  # 5: level against the list
        {**government_row("320800"), "city": "淮阴市"},  # 6: place names
        {**government_row("320813"), "id": "again"},  # 7: a second government row
        {**government_row("320826"), "division_code": "329999"},  # 8: unknown code
        {**government_row("320830"), "status": "confirmed"},  # 9: confirmed without a URL
        {**government_row("320831"), "status": ""},  # 10: blank status
    ]
    path = tmp_path / "registry.csv"
    write_registry_file(path, rows)
    problems = validate_registry(path)
    by_line = {int(p.split(":")[1]) for p in problems}
    assert by_line == set(range(3, 11)), problems
    assert all(p.startswith(f"{path}:") for p in problems)
    text = "\n".join(problems)
    assert ":3: source 'issue 7' is not the URL" in text
    assert ":5: level 市 but 320803 淮安区 is 县" in text
    assert ":7: a second government row for 320813 (line 2)" in text
    assert ":8: division_code 329999 is not in the bundled division list" in text
    assert ":9: status is confirmed but start_urls is empty" in text

    result = CliRunner().invoke(registry, ["validate", str(path)])
    assert result.exit_code == 1
    assert f"{path}:3: source" in result.output


def test_validate_passes_a_good_file(tmp_path):
    path = tmp_path / "registry.csv"
    write_registry_file(path, [with_url(government_row("320813")), government_row("320800")])
    result = CliRunner().invoke(registry, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{path}: ok, 2 rows"


def test_sync_adds_every_missing_government_and_keeps_portals():
    rows = [with_url(government_row("320813"), id="js-ha-hongze", name="洪泽区人民政府")]
    result = sync_governments(rows)
    assert result.added == len(divisions()) - 1 and not result.unknown
    hongze = [r for r in result.rows if r["division_code"] == "320813"]
    assert [(r["id"], r["name"], r["status"]) for r in hongze] == [
        ("js-ha-hongze", "洪泽区人民政府", "url_from_source")
    ]
    assert sync_governments(result.rows).added == 0


def test_add_a_home_page_then_a_department_then_confirm(tmp_path):
    path = tmp_path / "portals.csv"
    shutil.copy(BUNDLED_REGISTRY, path)
    runner = CliRunner()
    result = runner.invoke(
        registry, ["add", "https://www.hongze.gov.cn/", "--code", "320813", "--registry", str(path)]
    )
    assert result.exit_code == 0, result.output
    row = next(r for r in read_registry_rows(path) if r["division_code"] == "320813")
    assert (row["status"], row["source"], row["cms"]) == (
        "url_from_source",
        "https://www.hongze.gov.cn/",
        "",
    )
    (portal,) = [p for p in load_registry(path) if p.division_code == "320813"]
    assert portal.cms == "auto" and portal.allowed_domains == ("hongze.gov.cn",)

    department = ["--name", "淮安市洪泽区财政局", "--source", "https://www.hongze.gov.cn/bm/"]
    result = runner.invoke(
        registry,
        [
            "add",
            "https://czj.hongze.gov.cn/",
            "--code",
            "320813",
            *department,
            "--registry",
            str(path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert validate_registry(path) == []
    rows = read_registry_rows(path)
    added = next(r for r in rows if r["name"] == "淮安市洪泽区财政局")
    assert (added["id"], added["kind"], added["parent_code"]) == (
        "320813-1",
        "department",
        "320813",
    )

    no_url = next(r["id"] for r in rows if not r["start_urls"])
    assert confirm_portals(rows, {row["id"]: "2026-12-02", no_url: "2026-12-02"}) == 1
    assert validate_registry_rows(tmp_path, rows) == []


def validate_registry_rows(tmp_path, rows) -> list[str]:
    path = tmp_path / "again.csv"
    write_registry_file(path, rows)
    return validate_registry(path)


@pytest.mark.parametrize(
    "url, code, message",
    [
        ("www.hongze.gov.cn", "320813", r"is not an http\(s\) URL"),
        ("http://www.hongze.gov.cn/", "329999", "is not a division code"),
    ],
)
def test_add_refuses_what_it_cannot_record(url, code, message):
    rows = [government_row("320813")]
    with pytest.raises(RegistryEditError, match=message):
        add_portal(rows, url, code, seen="2026-12-01")


def test_coverage_figures_by_level_status_and_province():
    rows = [
        with_url(government_row("320000")),
        government_row("320800"),
        {**with_url(government_row("320813")), "status": "confirmed", "confirmed": "2026-12-02"},
        government_row("110000"),
    ]
    counts = figures(rows)
    assert counts["governments"] == Counter(
        {
            ("省", "url_from_source"): 1,
            ("市", "no_url"): 1,
            ("县", "confirmed"): 1,
            ("省", "no_url"): 1,
        }
    )
    assert list(counts["provinces"]) == ["北京市", "江苏省"]
    assert counts["provinces"]["江苏省"] == Counter(governments=3, with_url=2, confirmed=1)


def test_the_coverage_command_prints_the_bundled_figures():
    result = CliRunner().invoke(registry, ["coverage"])
    assert result.exit_code == 0
    rows = read_registry_rows(BUNDLED_REGISTRY)
    total = sum(is_government_row(r) for r in rows)
    with_urls = sum(is_government_row(r) and bool(r["start_urls"]) for r in rows)
    assert f"{with_urls} of {total} governments have a portal URL" in result.output
    assert "江苏省" in result.output and "governments by level and status" in result.output


def test_the_group_is_a_nianbao_command():
    from archive.cli import cli

    result = CliRunner().invoke(cli, ["registry", "validate"])
    assert result.exit_code == 0 and result.output.endswith("rows\n")
