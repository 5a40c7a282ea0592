"""The tally as files an office hands in: XLSX (with a chart, set up to print) and the report
in the administrative format as DOCX and PDF (`document`)."""

from __future__ import annotations

from pathlib import Path

from playout.i18n import label
from playout.reports.period import scratch
from playout.reports import document
from playout.reports.document import Letterhead
from playout.reports.tally import (
    CHART_COLOURS,
    Tally,
    chart_axis,
    chart_series,
    headers,
    markdown,
    month_label,
    not_aired_text,
    period_line,
    summary,
    zone_headers,
)

def print_setup(ws, header_row: int) -> None:  # type: ignore[no-untyped-def]
    """A sheet that prints as an office expects: A4 landscape, every column on the page's
    width, the header row repeated on every page, page numbers in the footer."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.set_footer("&C&P / &N")


def header_height(labels: list[str], widths: list[float]) -> float:
    """Points for a wrapped header row to show every word: the longest label's line count
    in its column (about one character per unit of width), 15 points a line."""
    lines = max(-(-len(text) // max(int(w) - 1, 1)) for text, w in zip(labels, widths, strict=True))
    return 15.0 * max(lines, 1) + 3


def write_xlsx(t: Tally, lang: str, dest: Path) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(dest), {"tmpdir": scratch(dest)})
    ws = wb.add_worksheet(label("tally.sheet", lang))
    title = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bg_color": "#1F4E79", "font_color": "#FFFFFF", "border": 1, "text_wrap": True,
                          "valign": "vcenter", "align": "center"})  # fmt: skip
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    dur = wb.add_format({"num_format": "[h]:mm:ss"})
    widths = [38, 14, 14, 14, 14, 40]
    for i, w in enumerate(widths):
        ws.set_column(i, i, w)
    ws.write(0, 0, f"{label('tally.heading', lang)} — {t.station}", title)
    ws.write(1, 0, period_line(t, lang))
    row = 3
    for sentence in summary(t, lang) or [label("tally.nothing", lang)]:
        ws.merge_range(row, 0, row, 5, sentence, wrap)
        ws.set_row(row, 30)
        row += 1
    row += 1
    ws.write_row(row, 0, headers(lang), head)
    ws.set_row(row, header_height(headers(lang), widths))
    print_setup(ws, row)
    for ln in t.lines:
        row += 1
        ws.write_string(row, 0, ln.name(lang))
        ws.write_number(row, 1, ln.clips)
        ws.write_number(row, 2, ln.airings)
        ws.write_number(row, 3, ln.airtime_ms / 86_400_000, dur)
        ws.write_number(row, 4, ln.manual)
        ws.write_string(row, 5, not_aired_text(ln.not_aired, lang))
    ws.write(row + 2, 0, label("tally.rule", lang).format(share=round(t.partial_share * 100)))

    # Every line of the tally, month by month (the chart's series and the rest).
    months = wb.add_worksheet(label("tally.sheet_months", lang))
    month_headers = [label("tally.what", lang), *(month_label(y, m) for y, m in t.months)]
    months.set_column(0, 0, 38)
    months.set_column(1, len(t.months), 9)
    months.write_row(0, 0, month_headers, head)
    months.set_row(0, header_height(month_headers, [38] + [9] * len(t.months)))
    print_setup(months, 0)
    for i, ln in enumerate(t.lines, 1):
        months.write_string(i, 0, ln.name(lang))
        months.write_row(i, 1, [ln.monthly.get(m, 0) for m in t.months])
    if t.breakdown:  # programme x zone, where the station has more than one zone
        by_zone = wb.add_worksheet(label("tally.sheet_zones", lang))
        zone_head = zone_headers(t, lang)
        by_zone.set_column(0, 0, 38)
        by_zone.set_column(1, len(t.zones), 16)
        by_zone.write_row(0, 0, zone_head, head)
        by_zone.set_row(0, header_height(zone_head, [38] + [16] * len(t.zones)))
        print_setup(by_zone, 0)
        for i, ln in enumerate([ln for ln in t.lines if ln.airings], 1):
            by_zone.write_string(i, 0, ln.name(lang))
            by_zone.write_row(i, 1, [ln.by_zone.get(z, 0) for z in t.zones])
    # One small chart per programme, each on its own scale (see playout.reports.chart).
    series = chart_series(t, lang)
    names = [ln.name(lang) for ln in t.lines]
    top_row = row + 4
    for i, (name, values) in enumerate(series):
        source = names.index(name) + 1
        chart = wb.add_chart({"type": "column"})
        chart.add_series({
            "name": [months.name, source, 0],
            "categories": [months.name, 0, 1, 0, len(t.months)],
            "values": [months.name, source, 1, source, len(t.months)],
            "fill": {"color": CHART_COLOURS[i % len(CHART_COLOURS)]},
            "data_labels": {"value": True, "font": {"size": 7}},
        })  # fmt: skip
        chart.set_title({"name": name, "name_font": {"size": 10}})
        chart.set_legend({"none": True})
        top, step = chart_axis(max(values + [1]))
        chart.set_y_axis({"min": 0, "max": top, "major_unit": step, "num_font": {"size": 8}})
        chart.set_x_axis({"num_font": {"size": 7}})
        chart.set_size({"width": 470, "height": 230})
        ws.insert_chart(top_row + (i // 2) * 12, 0, chart, {"x_offset": (i % 2) * 490})
    wb.close()


def write_pdf(t: Tally, lang: str, dest: Path, head: Letterhead | None = None) -> None:
    """The report in the administrative format (see `document`)."""
    document.write_pdf(t, lang, dest, head or Letterhead(t.station))


def write_docx(t: Tally, lang: str, dest: Path, head: Letterhead | None = None) -> None:
    """The same report as a Word file an office edits and signs."""
    document.write_docx(t, lang, dest, head or Letterhead(t.station))


def write_markdown(t: Tally, lang: str, dest: Path) -> None:
    dest.write_text(markdown(t, lang), encoding="utf-8")
