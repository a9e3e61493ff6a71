"""Bar charts drawn on the server as inline SVG: no script and no address outside the app, so
they show on an intranet without Internet access and in a printed page alike (§2.1.1).

Shared by every page that draws one (the usage view, the overtime inspection, the dashboard);
the data of each chart is a query owned by that page's report module, this module only draws.

Every label is escaped (process and node names are typed by designers); each bar carries a
``<title>`` with its exact figure, which browsers show on hover and screen readers read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Two series, readable when printed in grey: a dark and a light blue.
COLOURS = ("#2b6cb0", "#90cdf4")
_FONT = 'font-family="sans-serif" font-size="11"'


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int]


def _scale_top(largest: int) -> int:
    """A round top for the value axis (1, 2 or 5 times a power of ten) at or above
    ``largest``."""
    top = 1
    while True:
        for step in (1, 2, 5):
            if step * top >= largest:
                return max(step * top, 1)
        top *= 10


def _legend(series: Sequence[Series], x: int, y: int) -> list[str]:
    parts = []
    for index, line in enumerate(series):
        left = x + index * 140
        parts.append(
            f'<rect x="{left}" y="{y - 9}" width="10" height="10" fill="{COLOURS[index]}"/>'
            f'<text x="{left + 14}" y="{y}" {_FONT}>{escape(line.name)}</text>'
        )
    return parts


def columns(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    chart_id: str,
    fmt: Callable[[int], str] = str,
) -> Markup:
    """Grouped vertical bars: one group per label (a day or a month), one bar per series."""
    width, height, left, bottom, top_margin = 720, 240, 44, 28, 34
    plot_w, plot_h = width - left - 10, height - bottom - top_margin
    top = _scale_top(max((v for line in series for v in line.values), default=0))
    group_w = plot_w / max(len(labels), 1)
    bar_w = max(group_w * 0.8 / max(len(series), 1), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{chart_id}" class="oa-chart" '
        f'role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px">',
        f"<title>{escape(title)}</title>",
        *_legend(series, left, 14),
    ]
    for fraction in (0, 0.5, 1):
        if fraction == 0.5 and top % 2:
            continue  # a top of 1 (one to-do) has no whole half-way mark
        y = top_margin + plot_h * (1 - fraction)
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" {_FONT}>'
            f"{escape(fmt(int(top * fraction)))}</text>"
        )
    every = max(1, len(labels) // 16)  # a month's 31 days: every other label
    for group, label in enumerate(labels):
        x0 = left + group * group_w + group_w * 0.1
        for index, line in enumerate(series):
            value = line.values[group]
            bar_h = plot_h * value / top
            x = x0 + index * bar_w
            parts.append(
                f'<rect x="{x:.1f}" y="{top_margin + plot_h - bar_h:.1f}" width="{bar_w:.1f}" '
                f'height="{bar_h:.1f}" fill="{COLOURS[index]}" data-value="{value}">'
                f"<title>{escape(label)} {escape(line.name)}: {escape(fmt(value))}</title></rect>"
            )
        if group % every == 0:
            parts.append(
                f'<text x="{left + (group + 0.5) * group_w:.1f}" y="{height - bottom + 14}" '
                f'text-anchor="middle" {_FONT}>{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def rows(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    chart_id: str,
    fmt: Callable[[int], str] = str,
) -> Markup:
    """Grouped horizontal bars, one row per label (long names such as "process / node" fit
    on the left), one bar per series, the value written after it."""
    width, label_w, row_h, top_margin = 720, 260, 40, 26
    height = top_margin + row_h * max(len(labels), 1) + 8
    plot_w = width - label_w - 130  # room after the longest bar for "159 d 23 h 2 min"
    top = max((v for line in series for v in line.values), default=0) or 1
    bar_h = (row_h - 6) / max(len(series), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{chart_id}" class="oa-chart" '
        f'role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px">',
        f"<title>{escape(title)}</title>",
        *_legend(series, label_w, 14),
    ]
    for row, label in enumerate(labels):
        y0 = top_margin + row * row_h
        shown = label if len(label) <= 40 else label[:39] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y0 + row_h / 2 + 3:.1f}" text-anchor="end" '
            f"{_FONT}><title>{escape(label)}</title>{escape(shown)}</text>"
        )
        for index, line in enumerate(series):
            value = line.values[row]
            bar_w = plot_w * value / top
            y = y0 + 3 + index * bar_h
            parts.append(
                f'<rect x="{label_w}" y="{y:.1f}" width="{bar_w:.1f}" height="{bar_h:.1f}" '
                f'fill="{COLOURS[index]}" data-value="{value}">'
                f"<title>{escape(label)} {escape(line.name)}: {escape(fmt(value))}</title></rect>"
                f'<text x="{label_w + bar_w + 4:.1f}" y="{y + bar_h - 2:.1f}" {_FONT}>'
                f"{escape(fmt(value))}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
