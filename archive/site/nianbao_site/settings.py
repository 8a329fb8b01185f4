"""The Datasette settings the site is served with — by ``nianbao serve`` and by the
published container alike (``python -m nianbao_site.settings`` prints them as
``datasette serve`` options for ``datasette publish --extra-options``)."""

from __future__ import annotations

SETTINGS = {
    # A journalist's ad-hoc SQL over millions of statistics rows needs more than 1 s.
    "sql_time_limit_ms": "3000",
    # Facet suggestions cost ~720 ms per table page on a 3.9 GB archive (DESIGN.md).
    "suggest_facets": "off",
    "facet_time_limit_ms": "1000",
    # The section texts of 100 reports would make a table page of several MB.
    "truncate_cells_html": "300",
    # 0 = no limit: a streamed CSV of statistics must hold every row, not stop at 100 MB.
    "max_csv_mb": "0",
}


def serve_options() -> list[str]:
    """``--setting NAME VALUE`` for every setting, as ``datasette serve`` takes them."""
    return [part for name, value in SETTINGS.items() for part in ("--setting", name, value)]


if __name__ == "__main__":
    print(" ".join(serve_options()))
