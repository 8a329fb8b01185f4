"""A small grouped bar chart drawn as SVG on the server: one group of bars per year, one
bar per series. No script, nothing fetched: the page carries the picture. Pure.

A value that is null (the report left the cell blank, or has no such table) draws no
bar and a small "空" where the bar would be, so blank never looks like zero.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 480  # narrow, so that on a phone the text stays readable
HEIGHT = 250
LEFT = 64  # room for the value axis labels
BOTTOM = 30  # room for the years
TOP = 12
LEGEND = 26
LABELLED_BAR = 22  # bars at least this wide carry their number
COLOURS = ("#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#ff7f0e")


@dataclass
class Series:
    label: str
    values: list[float | None]  # one per year


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5 or 5 × 10ⁿ at or above ``value`` (a round axis top)."""
    if value <= 0:
        return 1
    magnitude = 1.0
    while magnitude * 10 <= value:
        magnitude *= 10
    while magnitude > value:
        magnitude /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def bar_chart(years: list[int], series: list[Series], title: str) -> Markup:
    """An SVG grouped bar chart of ``series`` over ``years`` (scales with its box)."""
    values = [v for s in series for v in s.values if v is not None]
    top = nice_ceiling(max(values, default=0))
    plot_w = WIDTH - LEFT - 8
    plot_h = HEIGHT - TOP - BOTTOM - LEGEND
    base = TOP + plot_h
    group_w = plot_w / max(len(years), 1)
    bar_w = min(group_w * 0.8 / max(len(series), 1), 40)
    parts = [
        f'<svg class="nb-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="15" font-family="sans-serif">',
        f"<title>{escape(title)}</title>",
    ]
    for fraction in (0, 0.5, 1):
        y = base - plot_h * fraction
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">'
            f"{_number(top * fraction)}</text>"
        )
    for index, year in enumerate(years):
        group_x = LEFT + group_w * index + (group_w - bar_w * len(series)) / 2
        for number, one in enumerate(series):
            value = one.values[index]
            x = group_x + bar_w * number
            colour = COLOURS[number % len(COLOURS)]
            if value is None:
                parts.append(
                    f'<text x="{x + bar_w / 2:.1f}" y="{base - 3:.1f}" text-anchor="middle" '
                    f'font-size="12" fill="#999">空</text>'
                )
                continue
            # a zero is a thin bar on the axis, so it never looks like a blank
            height = max(plot_h * max(value, 0) / top, 1.5)
            parts.append(
                f'<rect x="{x:.1f}" y="{base - height:.1f}" width="{bar_w * 0.9:.1f}" '
                f'height="{height:.1f}" fill="{colour}">'
                f"<title>{year} {escape(one.label)}：{_number(value)}</title></rect>"
            )
            if bar_w >= LABELLED_BAR:
                parts.append(
                    f'<text x="{x + bar_w * 0.45:.1f}" y="{base - height - 3:.1f}" '
                    f'text-anchor="middle" font-size="13" fill="#333">{_number(value)}</text>'
                )
        parts.append(
            f'<text x="{LEFT + group_w * (index + 0.5):.1f}" y="{base + 18}" '
            f'text-anchor="middle">{year}</text>'
        )
    legend_x = 8
    for number, one in enumerate(series):
        colour = COLOURS[number % len(COLOURS)]
        parts.append(
            f'<rect x="{legend_x}" y="{HEIGHT - 17}" width="14" height="14" fill="{colour}"/>'
            f'<text x="{legend_x + 18}" y="{HEIGHT - 5}">{escape(one.label)}</text>'
        )
        legend_x += 28 + 16 * len(one.label)
    parts.append("</svg>")
    return Markup("".join(parts))
