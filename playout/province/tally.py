"""The province's tally: the stations' annual-report figures, per station and in total, from
the central record, with the same counting rule as a station's own tally (`aired`, and
`partial` when at least `partial_share` of the clip played).

Exports: CSV and XLSX (the tally's table with a station column), the report in the
administrative format as DOCX and PDF (the station's report, `playout.reports.document`,
with the province's total and a part per station), and a JSON form for a
future adapter to whatever the province reports upward (its schema is in the README,
"Province", and versioned by its `format` field).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.engine import Engine

from playout.model import Kind, Outcome
from playout.province.models import ProvinceAiringDay, ProvinceStation
from playout.reports.document import Letterhead
from playout.reports.period import Period
from playout.reports.tally import KIND_ORDER, NOT_AIRED, Line, Tally, airtime, headers, number, summary

JSON_FORMAT = "playout-province-tally/1"


@dataclass
class StationTally:
    station_id: str
    name: str
    last_heard_at: datetime | None
    tally: Tally


@dataclass
class ProvinceTally:
    period: Period
    province: str
    stations: list[StationTally]
    total: Tally


def compute(central: Engine, period: Period, province: str, partial_share: float = 0.9) -> ProvinceTally:
    """From the daily sums the forwarder keeps (province_airing_days), by the stations' local
    days: a year of a hundred stations is a few hundred thousand sums, not ten million rows."""
    d = ProvinceAiringDay
    counted = or_(d.outcome == Outcome.AIRED.value,
                  and_(d.outcome == Outcome.PARTIAL.value, d.share_permille >= round(partial_share * 1000)))  # fmt: skip
    by_station: dict[str, dict[tuple[str, str | None], Line]] = {}

    def line(sid: str, kind: str | None, prog: str | None) -> Line:
        key = (kind or Kind.OTHER.value, prog)
        return by_station.setdefault(sid, {}).setdefault(key, Line(*key))

    with central.connect() as conn, conn.begin():  # one consistent snapshot
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL jit = off"))  # compiling the query costs more than running it
        stations = {sid: (name, heard) for sid, name, heard in conn.execute(
            select(ProvinceStation.station_id, ProvinceStation.name, ProvinceStation.last_heard_at))}  # fmt: skip
        clips: dict[tuple[str, str, str | None], set[int]] = {}
        for sid, kind, prog, clip_id, outcome, is_counted, n, ms, manual in conn.execute(
            select(d.station_id, d.kind, d.programme, d.clip_id, d.outcome, counted, func.sum(d.airings),
                   func.sum(d.played_ms), func.sum(d.manual))
            .where(d.day >= period.start, d.day <= period.end)
            .group_by(d.station_id, d.kind, d.programme, d.clip_id, d.outcome, counted)
        ):  # fmt: skip
            if is_counted and clip_id is not None:
                ln = line(sid, kind, prog)
                clips.setdefault((sid, ln.kind, prog), set()).add(clip_id)
                ln.airings += int(n)
                ln.airtime_ms += int(ms)
                ln.manual += int(manual or 0)
            elif kind is not None and (outcome in NOT_AIRED or outcome == Outcome.PARTIAL.value and not is_counted):
                # A partial airing under the share is shown with what did not air, as a station's tally does.
                ln = line(sid, kind, prog)
                ln.not_aired[outcome] = ln.not_aired.get(outcome, 0) + int(n)
        for (sid, kind, prog), ids in clips.items():
            line(sid, kind, prog).clips = len(ids)
    months = [(y, m) for y, m, _, _ in period.months()]

    def ordered(lines: dict[tuple[str, str | None], Line]) -> list[Line]:
        return sorted(lines.values(), key=lambda ln: (KIND_ORDER.index(ln.kind) if ln.kind in KIND_ORDER else 99,
                                                      ln.programme is None, ln.programme or ""))  # fmt: skip

    result: list[StationTally] = []
    total: dict[tuple[str, str | None], Line] = {}
    for sid in sorted(set(stations) | set(by_station)):
        name, heard = stations.get(sid, (sid, None))
        lines = by_station.get(sid, {})
        result.append(StationTally(sid, name or sid, heard, Tally(period, name or sid, partial_share, ordered(lines), months)))
        for key, ln in lines.items():
            # A station's clips are its own (its episodes, its slogans): the total adds them up.
            t = total.setdefault(key, Line(*key))
            t.clips += ln.clips
            t.airings += ln.airings
            t.airtime_ms += ln.airtime_ms
            t.manual += ln.manual
            for k, v in ln.not_aired.items():
                t.not_aired[k] = t.not_aired.get(k, 0) + v
    return ProvinceTally(period, province, result, Tally(period, province, partial_share, ordered(total), months))


def as_json(pt: ProvinceTally, lang: str) -> dict:
    """The documented JSON form (see the README, "Province")."""

    def lines(t: Tally) -> list[dict]:
        return [{"kind": ln.kind, "programme": ln.programme, "clips": ln.clips, "airings": ln.airings,
                 "airtime_s": round(ln.airtime_ms / 1000), "manual": ln.manual, "not_aired": dict(ln.not_aired)}
                for ln in t.lines]  # fmt: skip

    return {
        "format": JSON_FORMAT,
        "province": pt.province,
        "period": {"from": pt.period.start.isoformat(), "to": pt.period.end.isoformat()},
        "partial_share": pt.total.partial_share,
        "stations": [{"station_id": s.station_id, "name": s.name,
                      "last_heard_at": s.last_heard_at.isoformat() if s.last_heard_at else None,
                      "lines": lines(s.tally), "sentences": summary(s.tally, lang)} for s in pt.stations],
        "total": {"lines": lines(pt.total), "sentences": summary(pt.total, lang)},
    }  # fmt: skip


def table_rows(pt: ProvinceTally, lang: str) -> list[list]:
    """The tally's table with a station column first; the province's total last."""
    from playout.i18n import label

    head = [label("province.station", lang), *headers(lang)]
    rows: list[list] = [head]
    for name, t in [*((s.name, s.tally) for s in pt.stations), (label("province.total", lang), pt.total)]:
        for ln in t.lines:
            not_aired = ", ".join(f"{label(f'outcome.{k}', lang)} {number(v, lang)}" for k, v in sorted(ln.not_aired.items()))
            rows.append([name, ln.name(lang), ln.clips, ln.airings, airtime(ln.airtime_ms), ln.manual, not_aired])
    return rows


def station_label(s: StationTally) -> str:
    return s.name if s.name == s.station_id else f"{s.name} ({s.station_id})"


def write(pt: ProvinceTally, fmt: str, path: Path, lang: str, head: Letterhead | None = None) -> int:
    """Write the tally as csv, xlsx, json, docx or pdf to `path` (the report's header from
    `head`, else the province's name alone); the number of table rows."""
    rows = table_rows(pt, lang)
    if fmt in ("docx", "pdf"):
        from playout.reports import document

        writer = document.write_docx if fmt == "docx" else document.write_pdf
        writer(pt.total, lang, path, head or Letterhead(pt.province), [(station_label(s), s.tally) for s in pt.stations])
    elif fmt == "json":
        path.write_text(json.dumps(as_json(pt, lang), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    elif fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            for r in rows:
                w.writerow([_neutral(v) for v in r])
    else:
        import xlsxwriter

        book = xlsxwriter.Workbook(str(path))
        sheet = book.add_worksheet("Tong hop")
        bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        sheet.write(0, 0, f"{pt.province} — {pt.period.label()}", book.add_format({"bold": True, "font_size": 13}))
        sheet.write_row(2, 0, rows[0], bold)
        for i, r in enumerate(rows[1:], 3):
            for j, v in enumerate(r):  # text always as text: a title is never run as a formula
                sheet.write_string(i, j, v) if isinstance(v, str) else sheet.write_number(i, j, v)
        sheet.freeze_panes(3, 0)
        sheet.autofilter(2, 0, 2 + len(rows) - 1, len(rows[0]) - 1)
        sheet.set_column(0, 1, 32)
        sheet.set_column(2, 6, 14)
        text = book.add_worksheet("Bao cao")
        line = 0
        for s in pt.stations:
            for sentence in summary(s.tally, lang):
                text.write_string(line, 0, f"{s.name}: {sentence}")
                line += 1
        for sentence in summary(pt.total, lang):
            text.write_string(line, 0, sentence)
            line += 1
        book.close()
    return len(rows) - 1


def _neutral(value: object) -> object:
    """In CSV, text a spreadsheet would run as a formula (a station's name or title starting
    with =, +, - or @) is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value

