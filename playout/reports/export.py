"""`playout log export`: every field of the airing log for a period, as CSV or XLSX.

Rows are streamed from the database to the file (bounded memory, a million rows is fine)
inside one read transaction: in WAL mode a reader never blocks the daemon's writes and sees
one consistent snapshot. Times are station-local; durations h:mm:ss; outcomes and kinds in
the chosen language.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from playout.db import Database
from playout.db.models import Airing
from playout.i18n import label
from playout.reports.period import Period

# (column, label key, kind of value)
COLUMNS: list[tuple[str, str, str]] = [
    ("scheduled_at", "export.scheduled", "datetime"),
    ("started_at", "export.started", "datetime"),
    ("ended_at", "export.ended", "datetime"),
    ("slot", "export.slot", "text"),
    ("position", "export.position", "int"),
    ("title", "export.title", "text"),
    ("programme", "export.programme", "text"),
    ("kind", "export.kind", "kind"),
    ("clip_id", "export.clip_id", "int"),
    ("duration_ms", "export.duration", "duration"),
    ("played_ms", "export.played", "duration"),
    ("lateness_ms", "export.lateness", "seconds"),
    ("outcome", "export.outcome", "outcome"),
    ("reason", "export.reason", "text"),
    ("manual", "export.manual", "bool"),
    ("level", "export.level", "level"),
    ("output", "export.output", "text"),
    ("content_hash", "export.content_hash", "text"),
    ("item", "export.item", "text"),
    ("occurrence", "export.occurrence", "text"),
    ("key", "export.key", "text"),
]


@dataclass(frozen=True)
class Filters:
    programme: str | None = None
    kind: str | None = None
    outcome: str | None = None


def hms(ms: int | None) -> str:
    if ms is None:
        return ""
    total = (ms + 500) // 1000  # half up, as SQLite rounds in the fast path
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


def rows(db: Database, period: Period, filters: Filters) -> Iterator[Any]:
    cols = [getattr(Airing, c) for c, _, _ in COLUMNS]
    stmt = select(*cols).where(Airing.scheduled_at >= period.utc_start, Airing.scheduled_at < period.utc_end)
    if filters.programme:
        stmt = stmt.where(Airing.programme == filters.programme)
    if filters.kind:
        stmt = stmt.where(Airing.kind == filters.kind)
    if filters.outcome:
        stmt = stmt.where(Airing.outcome == filters.outcome)
    stmt = stmt.order_by(Airing.scheduled_at, Airing.position, Airing.id)
    with db.engine.connect() as conn, conn.begin():
        result = conn.execution_options(stream_results=True, yield_per=5000).execute(stmt)
        yield from result


class _Cells:
    """Turns raw log values into what a person reads, in one language."""

    def __init__(self, period: Period, lang: str) -> None:
        self.tz = period.tz
        self.lang = lang
        self.words = {key: label(key, lang) for key in _label_keys()}

    def word(self, prefix: str, value: str | None) -> str:
        if value is None:
            return ""
        return self.words.get(f"{prefix}.{value}", value)

    def local(self, value: datetime | None) -> datetime | None:
        return value.astimezone(self.tz).replace(tzinfo=None) if value is not None else None


def _label_keys() -> list[str]:
    from playout.i18n import LABELS

    return [k for k in LABELS if k.split(".")[0] in ("kind", "outcome", "level", "bool")]


def _sql_text_batches(db: Database, period: Period, filters: Filters, lang: str, offset_min: int) -> Iterator[list]:
    """The CSV rows formatted by SQLite itself: a million rows without a Python loop per cell.

    Used for SQLite when the zone's offset is constant over the period (always in Vietnam).
    """
    cells = _Cells(period, lang)

    def words(column: str, prefix: str, values: list[str]) -> str:
        whens = " ".join(f"when '{v}' then '{cells.word(prefix, v)}'" for v in values)
        return f"case {column} {whens} else coalesce({column}, '') end"

    def local(column: str) -> str:
        return f"coalesce(strftime('%Y-%m-%d %H:%M:%S', {column}, '{offset_min:+d} minutes'), '')"

    def hms_sql(column: str) -> str:
        s = f"(({column} + 500) / 1000)"
        return f"case when {column} is null then '' else printf('%d:%02d:%02d', {s} / 3600, {s} % 3600 / 60, {s} % 60) end"

    from playout.model import Kind, Level, Outcome

    exprs = {
        "datetime": local, "duration": hms_sql,
        "seconds": lambda c: f"case when {c} is null then '' else printf('%.3f', {c} / 1000.0) end",
        "kind": lambda c: words(c, "kind", [k.value for k in Kind]),
        "outcome": lambda c: words(c, "outcome", [o.value for o in Outcome]),
        "level": lambda c: words(c, "level", [lv.value for lv in Level]),
        "bool": lambda c: f"case when {c} then '{cells.word('bool', 'yes')}' else '{cells.word('bool', 'no')}' end",
    }  # fmt: skip
    select_list = ", ".join(exprs.get(kind, lambda c: f"coalesce({c}, '')")(col) for col, _, kind in COLUMNS)
    where = ["scheduled_at >= ?", "scheduled_at < ?"]
    params: list[object] = [period.utc_start.strftime("%Y-%m-%d %H:%M:%S"), period.utc_end.strftime("%Y-%m-%d %H:%M:%S")]
    for column, value in (("programme", filters.programme), ("kind", filters.kind), ("outcome", filters.outcome)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    sql = f"select {select_list} from airings where {' and '.join(where)} order by scheduled_at, position, id"
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("begin")  # one snapshot for the whole export
        cur.execute(sql, params)
        while batch := cur.fetchmany(10_000):
            yield batch
        cur.execute("commit")
    finally:
        raw.close()


def write_csv(db: Database, period: Period, filters: Filters, lang: str, dest: Path) -> int:
    cells = _Cells(period, lang)
    count = 0
    with dest.open("w", encoding="utf-8-sig", newline="") as f:  # the BOM makes Excel read UTF-8
        w = csv.writer(f)
        w.writerow([label(key, lang) for _, key, _ in COLUMNS])
        offset = period.constant_offset_minutes()
        if db.engine.dialect.name == "sqlite" and offset is not None:
            for batch in _sql_text_batches(db, period, filters, lang, offset):
                w.writerows(batch)
                count += len(batch)
            return count
        fmt = "%Y-%m-%d %H:%M:%S"
        for row in rows(db, period, filters):
            out = []
            for (_, _, kind), value in zip(COLUMNS, row, strict=True):
                if kind == "datetime":
                    out.append(cells.local(value).strftime(fmt) if value is not None else "")
                elif kind == "duration":
                    out.append(hms(value))
                elif kind == "seconds":
                    out.append("" if value is None else f"{value / 1000:.3f}")
                elif kind in ("kind", "outcome", "level"):
                    out.append(cells.word(kind, value))
                elif kind == "bool":
                    out.append(cells.word("bool", "yes" if value else "no"))
                else:
                    out.append("" if value is None else value)
            w.writerow(out)
            count += 1
    return count


def write_xlsx(db: Database, period: Period, filters: Filters, lang: str, dest: Path, station: str) -> int:
    import xlsxwriter

    cells = _Cells(period, lang)
    # constant_memory: each row goes to disk as it is written, so memory does not grow with rows.
    wb = xlsxwriter.Workbook(str(dest), {"constant_memory": True})
    ws = wb.add_worksheet(label("export.sheet", lang)[:31])
    title = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bg_color": "#1F4E79", "font_color": "#FFFFFF", "border": 1,
                          "text_wrap": True, "valign": "vcenter"})  # fmt: skip
    dt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    dur = wb.add_format({"num_format": "[h]:mm:ss"})
    secs = wb.add_format({"num_format": "0.000"})
    widths = {"datetime": 19, "duration": 10, "seconds": 10, "int": 8, "kind": 14, "outcome": 14, "bool": 8,
              "level": 12, "text": 24}  # fmt: skip
    for i, (col, _, kind) in enumerate(COLUMNS):
        ws.set_column(i, i, 40 if col == "title" else 64 if col == "content_hash" else widths[kind])
    ws.write(0, 0, f"{station} — {label('export.title_row', lang)} {period.label()}", title)
    header_row = 2
    for i, (_, key, _) in enumerate(COLUMNS):
        ws.write(header_row, i, label(key, lang), head)
    ws.freeze_panes(header_row + 1, 0)
    r = header_row
    for row in rows(db, period, filters):
        r += 1
        for i, ((_, _, kind), value) in enumerate(zip(COLUMNS, row, strict=True)):
            if value is None:
                continue
            if kind == "datetime":
                ws.write_datetime(r, i, cells.local(value), dt)
            elif kind == "duration":
                ws.write_number(r, i, value / 86_400_000, dur)
            elif kind == "seconds":
                ws.write_number(r, i, value / 1000, secs)
            elif kind == "int":
                ws.write_number(r, i, value)
            elif kind in ("kind", "outcome", "level"):
                ws.write_string(r, i, cells.word(kind, value))
            elif kind == "bool":
                ws.write_string(r, i, cells.word("bool", "yes" if value else "no"))
            else:
                ws.write_string(r, i, str(value))
    ws.autofilter(header_row, 0, max(r, header_row), len(COLUMNS) - 1)
    wb.close()
    return r - header_row


