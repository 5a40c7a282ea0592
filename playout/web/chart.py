"""The tally's chart as plain SVG coordinates: one panel of monthly airings per programme.

Drawn on the server so the page needs no charting script; the layout and colours are the
PDF and Word report's (playout.reports.chart), so they look alike.
"""

from __future__ import annotations


def panel_chart(series: list[tuple[str, list[int]]], categories: list[str], width: int = 900,
                columns: int | None = None) -> dict:  # fmt: skip
    """The tally's chart as the PDF and the Word report draw it: one panel per line of the
    tally, each on its own scale (playout.reports.chart), split into SVG primitives. A phone
    gets one panel to a row (`columns=1`, a narrower drawing), so twelve months stay readable."""
    from playout.reports import chart

    shapes, w, h = chart.panels(series, categories, width=width,
                                columns=columns or (3 if len(series) > 4 else 2), panel_height=150)  # fmt: skip
    return {
        "width": w, "height": h,
        "rects": [s for s in shapes if isinstance(s, chart.Rect)],
        "lines": [s for s in shapes if isinstance(s, chart.Line)],
        "texts": [s for s in shapes if isinstance(s, chart.Text)],
    }  # fmt: skip
