"""The tally's chart as plain SVG coordinates: monthly airings per programme, grouped bars.

Drawn on the server so the page needs no charting script; the colours are the XLSX and PDF
chart's, so the three look alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from playout.reports.tally import CHART_COLOURS as PALETTE
from playout.reports.tally import chart_axis


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    colour: str
    tip: str


def bar_chart(series: list[tuple[str, list[int]]], categories: list[str], width: int = 900,
              height: int = 300) -> dict:  # fmt: skip
    left, right, top, bottom = 44, 10, 10, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    peak, step = chart_axis(max([v for _, values in series for v in values] + [1]))
    group = plot_w / max(len(categories), 1)
    bar_w = group * 0.8 / max(len(series), 1)
    bars = []
    for i, (name, values) in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        for j, v in enumerate(values):
            if not v:
                continue
            h = plot_h * v / peak
            bars.append(Bar(left + j * group + group * 0.1 + i * bar_w, top + plot_h - h, max(bar_w - 1, 1), h, colour,
                            f"{name} {categories[j]}: {v}"))  # fmt: skip
    ticks = [(top + plot_h - plot_h * v / peak, v) for v in range(0, peak + 1, step)]
    return {
        "width": width, "height": height, "left": left, "top": top, "plot_w": plot_w, "plot_h": plot_h,
        "bars": bars, "ticks": ticks,
        "labels": [(left + j * group + group / 2, c) for j, c in enumerate(categories)],
        "legend": [(name, PALETTE[i % len(PALETTE)]) for i, (name, _) in enumerate(series)],
    }  # fmt: skip
