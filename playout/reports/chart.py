"""The tally's chart as small multiples: one panel per programme and kind, each on its own scale.

One scale for all made the slogans (60 airings a month) dwarf the weekly segment (8) and the
monthly programme (1). Each panel has its own axis, and every bar is labelled with its number,
so a small count is read as exactly as a large one. The layout is computed here, as plain
shapes in points (origin top left), and drawn by the PDF (reportlab) and by the picture in the
Word file (Pillow) alike, so the two show the same chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from playout.reports.tally import CHART_COLOURS, chart_axis


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    colour: str


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    colour: str
    width: float = 0.5


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # the baseline
    text: str
    size: float
    anchor: str = "start"  # start, middle or end
    bold: bool = False
    colour: str = "#000000"


Shape = Rect | Line | Text
GRID, AXIS, INK = "#D0D0D0", "#606060", "#202020"


def panels(series: list[tuple[str, list[int]]], categories: list[str], width: float = 468.0,
           columns: int = 2, panel_height: float = 118.0) -> tuple[list[Shape], float, float]:  # fmt: skip
    """Shapes for `series` (name, one count per category), `columns` panels to a row, and the
    drawing's width and height in points."""
    shapes: list[Shape] = []
    if not series:
        return shapes, width, 0.0
    columns = max(1, min(columns, len(series)))
    gap = 14.0
    panel_w = (width - gap * (columns - 1)) / columns
    left, right, title_h, bottom = 24.0, 4.0, 16.0, 14.0
    labelled = len(categories) <= 12  # room for a number over each bar
    for index, (name, values) in enumerate(series):
        colour = CHART_COLOURS[index % len(CHART_COLOURS)]
        ox = (index % columns) * (panel_w + gap)
        oy = (index // columns) * (panel_height + gap)
        shapes.append(Text(ox, oy + 10, _fit(name, panel_w, 8.0), 8.0, bold=True, colour=INK))
        px, py = ox + left, oy + title_h + (8.0 if labelled else 2.0)
        pw, ph = panel_w - left - right, panel_height - title_h - bottom - (8.0 if labelled else 2.0)
        top, step = chart_axis(max(values + [1]))
        for v in range(0, top + 1, step):
            y = py + ph - ph * v / top
            shapes.append(Line(px, y, px + pw, y, GRID if v else AXIS, 0.4 if v else 0.7))
            shapes.append(Text(px - 3, y + 2.2, str(v), 6.0, "end", colour=AXIS))
        slot = pw / max(len(values), 1)
        for j, v in enumerate(values):
            cx = px + slot * j + slot / 2
            if v:
                h = ph * v / top
                shapes.append(Rect(cx - slot * 0.35, py + ph - h, slot * 0.7, h, colour))
                if labelled:
                    shapes.append(Text(cx, py + ph - h - 2, str(v), 5.5, "middle", colour=INK))
            if j < len(categories) and (labelled or j % 3 == 0):
                shapes.append(Text(cx, py + ph + 8, categories[j], 5.5, "middle", colour=AXIS))
    rows = (len(series) + columns - 1) // columns
    return shapes, width, rows * panel_height + (rows - 1) * gap


def _fit(text: str, width: float, size: float) -> str:
    """Cut a name that would run past its panel (an average glyph is about half the size wide)."""
    most = max(4, int(width / (size * 0.55)))
    return text if len(text) <= most else text[: most - 1] + "…"


def to_reportlab(shapes: list[Shape], width: float, height: float, regular: str, bold: str):  # type: ignore[no-untyped-def]
    """A reportlab Drawing of the shapes (y flipped: reportlab's origin is bottom left)."""
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.graphics.shapes import Line as RLine
    from reportlab.graphics.shapes import Rect as RRect
    from reportlab.lib import colors

    drawing = Drawing(width, height)
    for s in shapes:
        if isinstance(s, Rect):
            drawing.add(RRect(s.x, height - s.y - s.h, s.w, s.h, fillColor=colors.HexColor(s.colour), strokeColor=None))
        elif isinstance(s, Line):
            drawing.add(RLine(s.x1, height - s.y1, s.x2, height - s.y2, strokeColor=colors.HexColor(s.colour),
                              strokeWidth=s.width))  # fmt: skip
        else:
            drawing.add(String(s.x, height - s.y, s.text, fontName=bold if s.bold else regular, fontSize=s.size,
                               textAnchor=s.anchor, fillColor=colors.HexColor(s.colour)))  # fmt: skip
    return drawing


def to_png(shapes: list[Shape], width: float, height: float, dest: Path, regular: str, bold: str,
           dpi: int = 200) -> None:  # fmt: skip
    """The same shapes as a PNG picture (for the Word file, which cannot hold a vector chart
    that python-docx writes); text in the TrueType files `regular` and `bold`."""
    from PIL import Image, ImageDraw, ImageFont

    k = dpi / 72
    image = Image.new("RGB", (max(1, round(width * k)), max(1, round(height * k))), "white")
    draw = ImageDraw.Draw(image)
    fonts: dict[tuple[float, bool], ImageFont.FreeTypeFont] = {}
    for s in shapes:
        if isinstance(s, Rect):
            draw.rectangle([s.x * k, s.y * k, (s.x + s.w) * k, (s.y + s.h) * k], fill=s.colour)
        elif isinstance(s, Line):
            draw.line([s.x1 * k, s.y1 * k, s.x2 * k, s.y2 * k], fill=s.colour, width=max(1, round(s.width * k)))
        else:
            font = fonts.get((s.size, s.bold))
            if font is None:
                font = fonts[s.size, s.bold] = ImageFont.truetype(bold if s.bold else regular, round(s.size * k))
            anchor = {"start": "ls", "middle": "ms", "end": "rs"}[s.anchor]
            draw.text((s.x * k, s.y * k), s.text, fill=s.colour, font=font, anchor=anchor)
    image.save(dest, "PNG", dpi=(dpi, dpi), optimize=True)
