"""The tally as the report an office files: Word (DOCX) and PDF in the administrative format of
Nghị định 30/2020/NĐ-CP (Phụ lục I).

The layout: the issuing body (and the body above it) top left with the number and symbol
under it; the national name and motto top right with the place and date under them; the
kind of document (BÁO CÁO) and its title centred; the body; recipients (Nơi nhận) bottom
left and the signature block bottom right; page numbers centred at the top from page 2.
The typeface is Times New Roman, 13–14 pt for the body (Liberation Serif, with the same
metrics, where Times is not installed: the PDF embeds it). The Word file is editable text
and tables; only the chart is a picture.

A province's report (`stations` given: the province's total as `t`) has the total under I
and a part per station under II: its sentences and its table. The province's tally has no
months (it reads sums by station and clip), so no monthly table or chart.
"""

from __future__ import annotations

import calendar
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from playout.errors import ToolMissing
from playout.i18n import label
from playout.reports import chart
from playout.reports.tally import (
    Tally,
    airtime,
    chart_series,
    headers,
    not_aired_text,
    number,
    summary,
    zone_headers,
    zone_table,
)

SERIF_DIRS = [Path("/usr/share/fonts/truetype/liberation2"), Path("/usr/share/fonts/truetype/liberation")]
SANS_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu")]
WORD_FONT = "Times New Roman"
MONTHS_PER_TABLE = 12
# A4 with the decree's margins: top and bottom 20 mm, left 30 mm, right 15 mm.
PAGE_W_MM, LEFT_MM, RIGHT_MM, TOP_MM, BOTTOM_MM = 210, 30, 15, 20, 20
TEXT_W_MM = PAGE_W_MM - LEFT_MM - RIGHT_MM
HEAD_LEFT_MM = 62.0  # the issuing body's column; the national motto's column takes the rest


@dataclass(frozen=True)
class Letterhead:
    """What the report says around the figures, from `[station]` and `[reports]`."""

    issuing_body: str
    parent_body: str = ""
    place: str = ""
    issued: date | None = None
    title: str = ""
    symbol: str = ""
    signer: str = ""
    signer_title: str = ""
    recipients: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config: Any, issued: date) -> Letterhead:
        st, rp = config.station, config.report
        return cls(st.issuing_body or st.name, st.parent_body, st.place, issued, rp.title, rp.symbol, rp.signer,
                   rp.signer_title, rp.recipients)  # fmt: skip


# -- the words of the header, pure -------------------------------------------------------


def date_line(head: Letterhead, lang: str) -> str:
    """"Tân Hồng, ngày 05 tháng 01 năm 2027": the decree writes a day below 10 and the months
    1 and 2 with a leading zero. Without a place or date, dots to fill in by hand."""
    place = head.place or "……"
    d = head.issued
    if lang == "vi":
        if d is None:
            return f"{place}, ngày … tháng … năm …"
        month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
        return f"{place}, ngày {d.day:02d} tháng {month} năm {d.year}"
    return f"{place}, {d.day} {calendar.month_name[d.month]} {d.year}" if d else f"{place}, …"


def number_line(head: Letterhead, lang: str) -> str:
    """The number is the clerk's to give when the report is registered; the symbol is ours."""
    gap = "\u00a0" * 8
    return f"{label('report.number', lang)}{gap}/BC" + (f"-{head.symbol}" if head.symbol else "")


def period_words(t: Tally, lang: str) -> str:
    p = t.period
    if p.start == date(p.start.year, 1, 1) and p.end == date(p.start.year, 12, 31):
        return label("report.year", lang).format(year=p.start.year)
    a, b = p.start.strftime("%d/%m/%Y"), p.end.strftime("%d/%m/%Y")
    return f"từ {a} đến {b}" if lang == "vi" else f"{a} to {b}"


def title_line(t: Tally, head: Letterhead, lang: str) -> str:
    return head.title or label("report.default_title", lang).format(period=period_words(t, lang))


def recipient_lines(head: Letterhead, lang: str) -> list[str]:
    """"- UBND xã;" one per line, the file copy last, the last line ending with a full stop."""
    items = list(head.recipients)
    if not any(r.lower().startswith(("lưu", "file")) for r in items):
        items.append(label("report.archive", lang))
    return [f"- {r.rstrip(';.')}{'.' if i == len(items) - 1 else ';'}" for i, r in enumerate(items)]


def monthly_tables(t: Tally, lang: str) -> list[list[list[str]]]:
    """The monthly counts as tables of at most twelve months, every line of the tally in each."""
    out = []
    for i in range(0, max(len(t.months), 1), MONTHS_PER_TABLE):
        months = t.months[i : i + MONTHS_PER_TABLE]
        one_year = t.period.start.year == t.period.end.year  # the title says which: months alone
        rows = [[label("tally.what", lang), *(f"{m:02d}" if one_year else f"{m:02d}/{y % 100:02d}" for y, m in months)]]
        rows += [[ln.name(lang), *(number(ln.monthly.get(m, 0), lang) for m in months)] for ln in t.lines]
        out.append(rows)
    return out


def zone_tables(t: Tally, lang: str) -> list[list[list[str]]]:
    """Programme x zone, where the station has more than one zone (none otherwise)."""
    return [[zone_headers(t, lang), *zone_table(t, lang)]] if t.breakdown else []


def zone_widths(rows: list[list[str]]) -> list[float]:
    zones = len(rows[0]) - 1
    each = min(30.0, (TEXT_W_MM - 50) / max(zones, 1))
    return [TEXT_W_MM - each * zones, *([each] * zones)]


def period_text(t: Tally, lang: str) -> str:
    text = f"{label('tally.period', lang)}: {t.period.start:%d/%m/%Y} – {t.period.end:%d/%m/%Y}"
    return text + (f"; {label('tally.zone', lang)}: {t.zone_label(t.zone)}." if t.zone else ".")


def results_heading(province: bool, lang: str) -> str:
    return f"I. {label('report.results_total' if province else 'report.results', lang)}"


def station_tables(stations: list[tuple[str, Tally]], first: int,
                   lang: str) -> list[tuple[str, str, list[str], list[list[str]]]]:  # fmt: skip
    """A province's part II, one entry per station: its heading, its table's caption, its
    sentences and its table."""
    out = []
    for i, (name, st) in enumerate(stations):
        caption = label("report.table", lang).format(n=first + i, name=f"{label('tally.heading', lang)} — {name}")
        out.append((f"{i + 1}. {name}", caption, body_sentences(st, lang), main_table(st, lang)))
    return out


def body_sentences(t: Tally, lang: str) -> list[str]:
    lines = summary(t, lang) or [label("tally.nothing", lang)]
    if t.unassigned_not_aired:
        lines.append(f"{label('tally.unassigned', lang)}: {not_aired_text(t.unassigned_not_aired, lang)}.")
    return lines


def main_table(t: Tally, lang: str) -> list[list[str]]:
    rows = [headers(lang)]
    for ln in t.lines:
        rows.append([ln.name(lang), number(ln.clips, lang), number(ln.airings, lang), airtime(ln.airtime_ms),
                     number(ln.manual, lang), not_aired_text(ln.not_aired, lang)])  # fmt: skip
    return rows


MAIN_WIDTHS_MM = [50, 20, 20, 22, 16, 37]


# -- fonts -----------------------------------------------------------------------------


def serif_fonts() -> dict[str, str]:
    """Liberation Serif (metrically Times New Roman, every Vietnamese letter), else DejaVu Serif."""
    names = {
        "regular": ("LiberationSerif-Regular.ttf", "DejaVuSerif.ttf"),
        "bold": ("LiberationSerif-Bold.ttf", "DejaVuSerif-Bold.ttf"),
        "italic": ("LiberationSerif-Italic.ttf", "DejaVuSerif-Italic.ttf"),
        "bolditalic": ("LiberationSerif-BoldItalic.ttf", "DejaVuSerif-BoldItalic.ttf"),
    }
    for choice in (0, 1):
        for folder in SERIF_DIRS + SANS_DIRS:
            found = {style: folder / files[choice] for style, files in names.items()}
            if all(p.is_file() for p in found.values()):
                return {style: str(p) for style, p in found.items()}
    raise ToolMissing("tool.missing", tool="Liberation Serif fonts", package="fonts-liberation2")


def sans_fonts() -> tuple[str, str]:
    for folder in SANS_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return str(regular), str(bold)
    raise ToolMissing("tool.missing", tool="DejaVu fonts", package="fonts-dejavu-core")


def _register_serif() -> dict[str, str]:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    files = serif_fonts()
    names = {"regular": "ReportSerif", "bold": "ReportSerif-Bold", "italic": "ReportSerif-Italic",
             "bolditalic": "ReportSerif-BoldItalic"}  # fmt: skip
    for style, name in names.items():
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, files[style]))  # embedded: the PDF reads the same anywhere
    addMapping("ReportSerif", 0, 0, names["regular"])
    addMapping("ReportSerif", 1, 0, names["bold"])
    addMapping("ReportSerif", 0, 1, names["italic"])
    addMapping("ReportSerif", 1, 1, names["bolditalic"])
    return names


def text_width_mm(text: str, size: float, bold: bool = False) -> float:
    """How wide a line of Times-metric text is, for the rules under the header's lines."""
    from reportlab.pdfbase import pdfmetrics

    names = _register_serif()
    return pdfmetrics.stringWidth(text, names["bold" if bold else "regular"], size) * 25.4 / 72


def chart_shapes(t: Tally, lang: str) -> tuple[list[chart.Shape], float, float]:
    categories = [f"{m}" for _, m in t.months]
    return chart.panels(chart_series(t, lang), categories, width=TEXT_W_MM * 72 / 25.4)


# -- Word ------------------------------------------------------------------------------


def write_docx(t: Tally, lang: str, dest: Path, head: Letterhead,
               stations: list[tuple[str, Tally]] | None = None) -> None:  # fmt: skip
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = WORD_FONT, Pt(13)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), WORD_FONT)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin, section.right_margin = Mm(LEFT_MM), Mm(RIGHT_MM)
    section.top_margin, section.bottom_margin = Mm(TOP_MM), Mm(BOTTOM_MM)
    section.header_distance = Mm(10)
    center, justify = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY

    def para(where: Any, text: str, size: float = 13, bold: bool = False, italic: bool = False,
             align: Any = None, after: float = 0, before: float = 0, first: float | None = None,
             reuse: bool = False) -> Any:  # fmt: skip
        p = where.paragraphs[0] if reuse and where.paragraphs and not where.paragraphs[0].text else where.add_paragraph()
        if text:
            run = p.add_run(text)
            run.font.size, run.bold, run.italic = Pt(size), bold, italic
        p.alignment = align
        p.paragraph_format.space_after, p.paragraph_format.space_before = Pt(after), Pt(before)
        if first is not None:
            p.paragraph_format.first_line_indent = Mm(first)
        return p

    def rule(where: Any, width_mm: float, column_mm: float) -> None:
        """A solid line under a header line, as the decree draws it, centred in its column."""
        p = para(where, "", 2)
        side = max((column_mm - width_mm) / 2, 0)
        p.paragraph_format.left_indent, p.paragraph_format.right_indent = Mm(side), Mm(side)
        p.paragraph_format.space_after = Pt(4)
        borders = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
            bottom.set(qn(key), value)
        borders.append(bottom)
        p._p.get_or_add_pPr().append(borders)

    def grid(rows: int, widths_mm: list[float], borders: bool) -> Any:
        table = doc.add_table(rows=rows, cols=len(widths_mm))
        if borders:
            table.style = doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for i, w in enumerate(widths_mm):
            table.columns[i].width = Mm(w)
            for cell in table.columns[i].cells:
                cell.width = Mm(w)
        return table

    def repeat_header(row: Any) -> None:
        tr_pr = row._tr.get_or_add_trPr()
        flag = OxmlElement("w:tblHeader")
        flag.set(qn("w:val"), "true")
        tr_pr.append(flag)

    # Header block: issuing body | national name and motto; number | place and date.
    right_mm = TEXT_W_MM - HEAD_LEFT_MM
    top = grid(2, [HEAD_LEFT_MM, right_mm], borders=False)
    body_cell, nation_cell = top.cell(0, 0), top.cell(0, 1)
    if head.parent_body:
        para(body_cell, head.parent_body.upper(), 12, align=center, reuse=True)
    issuer = head.issuing_body.upper()
    para(body_cell, issuer, 12, bold=True, align=center, reuse=True)
    rule(body_cell, min(text_width_mm(issuer, 12, True), HEAD_LEFT_MM) / 3, HEAD_LEFT_MM)
    para(nation_cell, label("report.nation", lang), 12, bold=True, align=center, reuse=True)
    motto = label("report.motto", lang)
    para(nation_cell, motto, 13, bold=True, align=center)
    rule(nation_cell, text_width_mm(motto, 13, True), right_mm)
    para(top.cell(1, 0), number_line(head, lang), 13, align=center, reuse=True)
    para(top.cell(1, 1), date_line(head, lang), 13, italic=True, align=center, reuse=True)

    # Kind and title.
    para(doc, label("report.kind", lang), 14, bold=True, align=center, before=18)
    title = title_line(t, head, lang)
    para(doc, title, 14, bold=True, align=center)
    rule(doc, 40, TEXT_W_MM)
    para(doc, period_text(t, lang), 13,
         align=justify, before=6, after=6, first=10)  # fmt: skip
    province = stations is not None
    para(doc, results_heading(province, lang), 13, bold=True, after=6, first=10)
    for sentence in body_sentences(t, lang):
        para(doc, sentence, 13, align=justify, after=6, first=10)

    def data_table(rows: list[list[str]], widths: list[float], size: float) -> None:
        table = grid(len(rows), widths, borders=True)
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                cell = table.cell(r, c)
                p = para(cell, value, size, bold=r == 0, reuse=True,
                         align=center if r == 0 else (WD_ALIGN_PARAGRAPH.RIGHT if 0 < c < len(values) - 1 or
                                                      (len(values) > 7 and c) else None))  # fmt: skip
                p.paragraph_format.keep_with_next = r == 0
        repeat_header(table.rows[0])

    para(doc, label("report.table", lang).format(n=1, name=label("tally.heading", lang)), 13, bold=True, before=6,
         after=4)  # fmt: skip
    data_table(main_table(t, lang), [float(w) for w in MAIN_WIDTHS_MM], 11)
    for i, rows in enumerate([] if province else monthly_tables(t, lang)):
        name = label("tally.by_month", lang) + (f" ({i + 1})" if len(t.months) > MONTHS_PER_TABLE else "")
        para(doc, label("report.table", lang).format(n=2 + i, name=name), 13, bold=True, before=10, after=4)
        months = len(rows[0]) - 1
        first_w = TEXT_W_MM - 10.5 * months
        data_table(rows, [first_w, *([10.5] * months)], 9.5)
    for rows in zone_tables(t, lang):
        n = 2 + len(monthly_tables(t, lang))
        para(doc, label("report.table", lang).format(n=n, name=label("tally.by_zone", lang)), 13, bold=True, before=10,
             after=4)  # fmt: skip
        data_table(rows, zone_widths(rows), 9.5)

    shapes, width, height = ([], 0.0, 0.0) if province else chart_shapes(t, lang)
    if shapes:
        para(doc, label("report.figure", lang).format(name=label("tally.chart", lang)), 13, bold=True, before=10,
             after=4).paragraph_format.keep_with_next = True  # fmt: skip
        regular, bold = sans_fonts()
        with tempfile.TemporaryDirectory(prefix="playout-chart-") as folder:
            png = Path(folder) / "chart.png"
            chart.to_png(shapes, width, height, png, regular, bold)
            doc.add_picture(str(png), width=Mm(TEXT_W_MM))
        doc.paragraphs[-1].alignment = center
    if stations is not None:
        para(doc, f"II. {label('report.by_station', lang)}", 13, bold=True, before=10, after=6, first=10)
        for heading, caption, sentences, rows in station_tables(stations, 2, lang):
            para(doc, heading, 13, bold=True, before=8, after=4, first=10).paragraph_format.keep_with_next = True
            for sentence in sentences:
                para(doc, sentence, 13, align=justify, after=6, first=10)
            para(doc, caption, 13, bold=True, before=4, after=4).paragraph_format.keep_with_next = True
            data_table(rows, [float(w) for w in MAIN_WIDTHS_MM], 11)
    para(doc, label("tally.rule", lang).format(share=round(t.partial_share * 100)), 11, italic=True, before=6)

    # Recipients | signature.
    para(doc, "", 6)
    end = grid(1, [TEXT_W_MM / 2 - 5, TEXT_W_MM / 2 + 5], borders=False)
    left, right = end.cell(0, 0), end.cell(0, 1)
    para(left, label("report.recipients", lang), 12, bold=True, italic=True, reuse=True)
    for line in recipient_lines(head, lang):
        para(left, line, 11)
    para(right, (head.signer_title or label("report.signer_title", lang)).upper(), 13, bold=True, align=center,
         reuse=True)  # fmt: skip
    for _ in range(4):
        para(right, "", 13)
    para(right, head.signer, 13, bold=True, align=center)
    for row in end.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))

    # Page numbers: centred at the top, from the second page (the decree does not number page 1).
    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.alignment = center
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    p._p.append(field)
    doc.core_properties.title = f"{label('report.kind', lang)} {title}"
    doc.core_properties.author = head.issuing_body
    doc.save(str(dest))


# -- PDF -------------------------------------------------------------------------------


def write_pdf(t: Tally, lang: str, dest: Path, head: Letterhead,
              stations: list[tuple[str, Tally]] | None = None) -> None:  # fmt: skip
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Flowable,
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )
    from xml.sax.saxutils import escape

    fonts = _register_serif()
    regular_sans, bold_sans = sans_fonts()
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name, path in (("DejaVuSans", regular_sans), ("DejaVuSans-Bold", bold_sans)):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, path))

    def style(size: float, bold: bool = False, italic: bool = False, align: int = TA_CENTER, **kw: Any) -> ParagraphStyle:
        font = fonts["bolditalic" if bold and italic else "bold" if bold else "italic" if italic else "regular"]
        return ParagraphStyle(f"s{size}{bold}{italic}{align}", fontName=font, fontSize=size, leading=size * 1.25,
                              alignment=align, **kw)  # fmt: skip

    class Rule(Flowable):  # type: ignore[misc]
        def __init__(self, width: float) -> None:
            super().__init__()
            self.line_w = width

        def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
            self.avail = avail_w
            return avail_w, 7

        def draw(self) -> None:
            x = (self.avail - self.line_w) / 2
            self.canv.setLineWidth(0.6)
            self.canv.line(x, 3.5, x + self.line_w, 3.5)

    def p(text: str, st: ParagraphStyle) -> Paragraph:
        return Paragraph(escape(text), st)

    right_w = (TEXT_W_MM - HEAD_LEFT_MM) * mm
    issuer = head.issuing_body.upper()
    motto = label("report.motto", lang)
    left_cell = ([p(head.parent_body.upper(), style(12))] if head.parent_body else []) + [
        p(issuer, style(12, True)), Rule(min(text_width_mm(issuer, 12, True), HEAD_LEFT_MM) / 3 * mm)]
    right_cell = [p(label("report.nation", lang), style(12, True)), p(motto, style(13, True)),
                  Rule(text_width_mm(motto, 13, True) * mm)]  # fmt: skip
    header = Table([[left_cell, right_cell], [p(number_line(head, lang), style(13)),
                                              p(date_line(head, lang), style(13, italic=True))]],
                   colWidths=[HEAD_LEFT_MM * mm, right_w])  # fmt: skip
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))  # fmt: skip
    title = title_line(t, head, lang)
    body = style(13, align=TA_JUSTIFY, firstLineIndent=10 * mm, spaceAfter=6)
    story: list[Any] = [header, Spacer(1, 8 * mm), p(label("report.kind", lang), style(14, True)),
                        p(title, style(14, True)), Rule(40 * mm), Spacer(1, 3 * mm),
                        p(period_text(t, lang), body),
                        p(results_heading(stations is not None, lang),
                          style(13, True, align=0, firstLineIndent=10 * mm, spaceAfter=6))]  # fmt: skip
    story += [p(s, body) for s in body_sentences(t, lang)]
    caption = style(13, True, align=0, spaceBefore=6, spaceAfter=4)

    def data_table(rows: list[list[str]], widths_mm: list[float], size: float) -> Table:
        cell, head_st = style(size, align=0), style(size, True)
        num = style(size, align=TA_RIGHT)
        data = [[p(v, head_st) for v in rows[0]]]
        for r in rows[1:]:
            data.append([p(v, cell if c == 0 or (c == len(r) - 1 and len(r) <= 7) else num) for c, v in enumerate(r)])
        tbl = Table(data, colWidths=[w * mm for w in widths_mm], repeatRows=1)
        tbl.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                 ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]))  # fmt: skip
        return tbl

    story += [p(label("report.table", lang).format(n=1, name=label("tally.heading", lang)), caption),
              data_table(main_table(t, lang), [float(w) for w in MAIN_WIDTHS_MM], 11)]  # fmt: skip
    for i, rows in enumerate([] if stations is not None else monthly_tables(t, lang)):
        name = label("tally.by_month", lang) + (f" ({i + 1})" if len(t.months) > MONTHS_PER_TABLE else "")
        months = len(rows[0]) - 1
        story += [p(label("report.table", lang).format(n=2 + i, name=name), caption),
                  data_table(rows, [TEXT_W_MM - 10.5 * months, *([10.5] * months)], 9.5)]  # fmt: skip
    for rows in zone_tables(t, lang):
        n = 2 + len(monthly_tables(t, lang))
        story += [p(label("report.table", lang).format(n=n, name=label("tally.by_zone", lang)), caption),
                  data_table(rows, zone_widths(rows), 9.5)]  # fmt: skip
    shapes, width, height = ([], 0.0, 0.0) if stations is not None else chart_shapes(t, lang)
    if shapes:
        story.append(KeepTogether([p(label("report.figure", lang).format(name=label("tally.chart", lang)), caption),
                                   chart.to_reportlab(shapes, width, height, "DejaVuSans", "DejaVuSans-Bold")]))
    if stations is not None:
        story.append(p(f"II. {label('report.by_station', lang)}",
                       style(13, True, align=0, firstLineIndent=10 * mm, spaceBefore=10, spaceAfter=6)))  # fmt: skip
        for heading, caption_text, sentences, rows in station_tables(stations, 2, lang):
            story.append(KeepTogether([p(heading, style(13, True, align=0, firstLineIndent=10 * mm, spaceBefore=8,
                                                        spaceAfter=4)), *(p(x, body) for x in sentences)]))  # fmt: skip
            story.append(KeepTogether([p(caption_text, caption),
                                       data_table(rows, [float(w) for w in MAIN_WIDTHS_MM], 11)]))  # fmt: skip
    story.append(p(label("tally.rule", lang).format(share=round(t.partial_share * 100)),
                   style(11, italic=True, align=0, spaceBefore=6)))  # fmt: skip
    recipients = [p(label("report.recipients", lang), style(12, True, True, align=0))]
    recipients += [p(line, style(11, align=0)) for line in recipient_lines(head, lang)]
    signature = [p((head.signer_title or label("report.signer_title", lang)).upper(), style(13, True)),
                 Spacer(1, 25 * mm), p(head.signer, style(13, True))]  # fmt: skip
    end = Table([[recipients, signature]], colWidths=[(TEXT_W_MM / 2 - 5) * mm, (TEXT_W_MM / 2 + 5) * mm])
    end.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story += [Spacer(1, 6 * mm), KeepTogether([end])]

    def page_number(canvas: Any, doc: Any) -> None:
        canvas.setFont(fonts["regular"], 13)
        canvas.drawCentredString(LEFT_MM * mm + TEXT_W_MM * mm / 2, A4[1] - 12 * mm, str(doc.page))

    doc = SimpleDocTemplate(str(dest), pagesize=A4, leftMargin=LEFT_MM * mm, rightMargin=RIGHT_MM * mm,
                            topMargin=TOP_MM * mm, bottomMargin=BOTTOM_MM * mm,
                            title=f"{label('report.kind', lang)} {title}", author=head.issuing_body)  # fmt: skip
    doc.build(story, onLaterPages=page_number)
