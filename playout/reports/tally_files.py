"""The tally as files a district office hands in: XLSX (with a chart) and PDF (with a chart,
Vietnamese text in an embedded DejaVu font)."""

from __future__ import annotations

from pathlib import Path

from playout.errors import ToolMissing
from playout.i18n import label
from playout.reports.period import scratch
from playout.reports.tally import (
    CHART_COLOURS,
    Tally,
    chart_axis,
    airtime,
    chart_series,
    headers,
    markdown,
    month_label,
    not_aired_text,
    number,
    summary,
)

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu")]


def write_xlsx(t: Tally, lang: str, dest: Path) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(dest), {"tmpdir": scratch(dest)})
    ws = wb.add_worksheet(label("tally.sheet", lang))
    title = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bg_color": "#1F4E79", "font_color": "#FFFFFF", "border": 1, "text_wrap": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    dur = wb.add_format({"num_format": "[h]:mm:ss"})
    ws.set_column(0, 0, 38)
    ws.set_column(1, 4, 14)
    ws.set_column(5, 5, 40)
    ws.write(0, 0, f"{label('tally.heading', lang)} — {t.station}", title)
    ws.write(1, 0, f"{label('tally.period', lang)}: {t.period.label()}")
    row = 3
    for sentence in summary(t, lang) or [label("tally.nothing", lang)]:
        ws.merge_range(row, 0, row, 5, sentence, wrap)
        ws.set_row(row, 30)
        row += 1
    row += 1
    ws.write_row(row, 0, headers(lang), head)
    first = row + 1
    for ln in t.lines:
        row += 1
        ws.write_string(row, 0, ln.name(lang))
        ws.write_number(row, 1, ln.clips)
        ws.write_number(row, 2, ln.airings)
        ws.write_number(row, 3, ln.airtime_ms / 86_400_000, dur)
        ws.write_number(row, 4, ln.manual)
        ws.write_string(row, 5, not_aired_text(ln.not_aired, lang))
    ws.write(row + 2, 0, label("tally.rule", lang).format(share=round(t.partial_share * 100)))

    months = wb.add_worksheet(label("tally.sheet_months", lang))
    months.set_column(0, 0, 38)
    months.write_row(0, 0, [label("tally.what", lang), *(month_label(y, m) for y, m in t.months)], head)
    series = chart_series(t, lang)
    for i, (name, values) in enumerate(series, 1):
        months.write_string(i, 0, name)
        months.write_row(i, 1, values)
    if series:
        chart = wb.add_chart({"type": "column"})
        for i in range(1, len(series) + 1):
            chart.add_series({
                "name": [months.name, i, 0],
                "categories": [months.name, 0, 1, 0, len(t.months)],
                "values": [months.name, i, 1, i, len(t.months)],
            })  # fmt: skip
        chart.set_title({"name": label("tally.chart", lang)})
        top, step = chart_axis(max(v for _, values in series for v in values))
        chart.set_y_axis({"name": label("tally.airings", lang), "min": 0, "max": top, "major_unit": step})
        chart.set_size({"width": 900, "height": 420})
        ws.insert_chart(row + 4 if first else 4, 0, chart)
    wb.close()


def _font() -> tuple[str, str]:
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return str(regular), str(bold)
    raise ToolMissing("tool.missing", tool="DejaVu fonts", package="fonts-dejavu-core")


def write_pdf(t: Tally, lang: str, dest: Path) -> None:
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = _font()
    pdfmetrics.registerFont(TTFont("DejaVuSans", regular))  # embedded: Vietnamese diacritics render anywhere
    pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", bold))
    body = ParagraphStyle("body", fontName="DejaVuSans", fontSize=10, leading=14)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10)
    h1 = ParagraphStyle("h1", parent=body, fontName="DejaVuSans-Bold", fontSize=15, leading=20, spaceAfter=4)
    h2 = ParagraphStyle("h2", parent=body, fontName="DejaVuSans-Bold", fontSize=12, leading=16, spaceBefore=8)

    story = [Paragraph(f"{label('tally.heading', lang)} — {t.station}", h1),
             Paragraph(f"{label('tally.period', lang)}: {t.period.label()}", body), Spacer(1, 4 * mm)]  # fmt: skip
    for sentence in summary(t, lang) or [label("tally.nothing", lang)]:
        story.append(Paragraph(sentence, body))
    story.append(Spacer(1, 4 * mm))
    data = [[Paragraph(h, small) for h in headers(lang)]]
    for ln in t.lines:
        data.append([Paragraph(ln.name(lang), small), number(ln.clips, lang), number(ln.airings, lang),
                     airtime(ln.airtime_ms), number(ln.manual, lang),
                     Paragraph(not_aired_text(ln.not_aired, lang), small)])  # fmt: skip
    tbl = Table(data, colWidths=[55 * mm, 20 * mm, 20 * mm, 22 * mm, 16 * mm, 42 * mm], repeatRows=1)
    tbl.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), "DejaVuSans", 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DCE6F1")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("ALIGN", (1, 1), (4, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))  # fmt: skip
    story.append(tbl)

    series = chart_series(t, lang)
    if series:
        story.append(Paragraph(label("tally.chart", lang), h2))
        drawing = Drawing(170 * mm, 85 * mm)
        chart = VerticalBarChart()
        chart.x, chart.y, chart.width, chart.height = 10 * mm, 8 * mm, 105 * mm, 70 * mm
        chart.data = [values for _, values in series]
        chart.categoryAxis.categoryNames = [month_label(y, m)[:2] for y, m in t.months]
        chart.categoryAxis.labels.fontName = "DejaVuSans"
        chart.valueAxis.labels.fontName = "DejaVuSans"
        top, step = chart_axis(max(v for _, values in series for v in values))
        chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, top, step
        palette = [colors.HexColor(c) for c in CHART_COLOURS]
        for i in range(len(series)):
            chart.bars[i].fillColor = palette[i % len(palette)]
        legend = Legend()
        legend.x, legend.y = 122 * mm, 75 * mm
        legend.alignment = "right"
        legend.fontName, legend.fontSize = "DejaVuSans", 7
        legend.columnMaximum = 8
        legend.deltay = 10
        legend.colorNamePairs = [(palette[i % len(palette)], name) for i, (name, _) in enumerate(series)]
        drawing.add(chart)
        drawing.add(legend)
        story.append(drawing)
    story.append(Paragraph(label("tally.rule", lang).format(share=round(t.partial_share * 100)), small))
    doc = SimpleDocTemplate(str(dest), pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=f"{label('tally.heading', lang)} {t.period.label()}",
                            author=t.station)  # fmt: skip
    doc.build(story)


def write_markdown(t: Tally, lang: str, dest: Path) -> None:
    dest.write_text(markdown(t, lang), encoding="utf-8")
