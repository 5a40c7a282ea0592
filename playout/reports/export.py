"""`playout log export`: every field of the airing log for a period, as CSV or XLSX.

Rows are streamed from the database to the file (bounded memory, a million rows is fine)
inside one read transaction: in WAL mode a reader never blocks the daemon's writes and sees
one consistent snapshot. Times are station-local; durations h:mm:ss; outcomes and kinds in
the chosen language.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import String, case, cast, func, select

from playout.config import MAIN_ZONE
from playout.db import Database
from playout.db.models import Action, Airing, Clip
from playout.i18n import label
from playout.reasons import render as render_reason
from playout.reports.period import Period, scratch

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
    ("reason", "export.reason", "reason"),
    ("manual", "export.manual", "bool"),
    ("level", "export.level", "level"),
    ("actor", "export.actor", "text"),
    # What the output's monitor heard (empty where nothing listens to the output).
    ("verified", "export.verified", "verdict"),
    ("heard_lateness_ms", "export.heard_lateness", "seconds"),
    ("verify_note", "export.verify_note", "reason"),
    # An Icecast zone's registered speakers connected throughout the item: "212 / 230".
    ("speakers", "export.speakers", "text"),
    ("output", "export.output", "text"),
    ("zone", "export.zone", "text"),
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
    zone: str | None = None


def hms(ms: int | None) -> str:
    if ms is None:
        return ""
    total = (ms + 500) // 1000  # half up, as SQLite rounds in the fast path
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


def programmes(db: Database) -> list[str]:
    """Every programme named in the library or the log (a retired programme still has history)."""
    with db.session() as s:
        known = set(s.execute(select(Clip.programme).distinct()).scalars())
        known |= set(s.execute(select(Airing.programme).distinct()).scalars())
    known.discard(None)
    return sorted(known)  # type: ignore[type-var]


def zone_known(db: Database, zone: str, configured: list[str]) -> bool:
    """A zone of the station, or one its log names (a zone taken out of playout.toml keeps
    its history; rows from before zones are `main`). The log is asked only for a zone the
    configuration does not have, and only whether one row has it: no scan of a long log."""
    if zone in configured:
        return True
    from playout.reports.tally import zone_is

    with db.session() as s:
        return s.execute(select(Airing.id).where(zone_is(zone)).limit(1)).first() is not None


def _where(period: Period, filters: Filters) -> list[Any]:
    where = [Airing.scheduled_at >= period.utc_start, Airing.scheduled_at < period.utc_end]
    if filters.programme:
        where.append(Airing.programme == filters.programme)
    if filters.kind:
        where.append(Airing.kind == filters.kind)
    if filters.outcome:
        where.append(Airing.outcome == filters.outcome)
    if filters.zone:
        from playout.reports.tally import zone_is

        where.append(zone_is(filters.zone))
    return where


# The "speakers" column in SQL, as `_column` makes it (the fast path, and the benchmark's
# reference dump with the sqlite3 tool).
SPEAKERS_SQL = "case when speakers_total is null then '' else coalesce(speakers_heard, '?') || ' / ' || speakers_total end"


def _column(name: str) -> Any:
    if name == "speakers":  # two columns shown as one: "212 / 230", "? / 230" (not known), or nothing
        heard = func.coalesce(cast(Airing.speakers_heard, String), "?")
        return case((Airing.speakers_total.is_(None), None),  # type: ignore[union-attr]
                    else_=heard + " / " + cast(Airing.speakers_total, String))  # fmt: skip
    return getattr(Airing, name)


def rows(db: Database, period: Period, filters: Filters) -> Iterator[Any]:
    cols = [_column(c) for c, _, _ in COLUMNS]
    stmt = select(*cols).where(*_where(period, filters)).order_by(Airing.scheduled_at, Airing.position, Airing.id)
    with db.engine.connect() as conn, conn.begin():
        result = conn.execution_options(stream_results=True, yield_per=5000).execute(stmt)
        yield from result


def page(db: Database, period: Period, filters: Filters, offset: int, limit: int) -> tuple[list[Airing], int]:
    """One page of the rows an export with these filters would write, newest first, and how
    many there are in all (the web page's log)."""
    where = _where(period, filters)
    with db.session() as s:
        total = s.execute(select(func.count()).select_from(Airing).where(*where)).scalar_one()
        order = (Airing.scheduled_at.desc(), Airing.position.desc(), Airing.id.desc())  # type: ignore[union-attr]
        found = list(s.execute(select(Airing).where(*where).order_by(*order).offset(offset).limit(limit)).scalars())
    return found, total


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

    return [k for k in LABELS if k.split(".")[0] in ("kind", "outcome", "level", "bool", "action")]


_SPECIAL = re.compile('[,"\r\n]').search
# A spreadsheet takes a cell that begins with one of these as a formula (CSV injection):
# such a cell gets a leading apostrophe, which Excel and LibreOffice show as text (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutral(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def _q(text: str | None) -> str:
    """A free-text field as csv.QUOTE_MINIMAL writes it, neutralised."""
    if text is None:
        return ""
    text = neutral(text)
    return '"' + text.replace('"', '""') + '"' if _SPECIAL(text) else text


def _sqlite_lines(db: Database, period: Period, filters: Filters, lang: str, offset_min: int) -> Iterator[tuple[int, str]]:
    """Finished CSV text, a batch at a time, for SQLite when the zone's offset is constant over
    the period (always in Vietnam). Raw values straight from the DB-API cursor; fields that
    are identifiers (slot, keys, hash) are joined by SQLite; times shifted with a per-hour
    cache; durations from a cache. Same bytes as the generic path (a test checks it), and
    several times faster: the target is a million rows within 3x of the sqlite3 tool."""
    cells = _Cells(period, lang)
    words = cells.words
    kinds = {k.split(".", 1)[1]: v for k, v in words.items() if k.startswith("kind.")}
    outcomes = {k.split(".", 1)[1]: v for k, v in words.items() if k.startswith("outcome.")}
    levels = {k.split(".", 1)[1]: v for k, v in words.items() if k.startswith("level.")}
    yes, no = words["bool.yes"], words["bool.no"]
    verdict = {None: "", 1: yes, 0: no, True: yes, False: no}
    durations: dict[int | None, str] = {None: ""}
    lateness: dict[int | None, str] = {None: ""}
    shift = timedelta(minutes=offset_min)
    parse = datetime.fromisoformat
    hours: dict[str, str] = {}
    # Reasons are stored in English: each distinct one is put in the reader's words once.
    reasons: dict[str | None, str] = {None: ""}

    def why(v: str | None) -> str:
        text = reasons.get(v)
        if text is None:
            text = reasons[v] = _q(render_reason(v, lang))
        return text

    def when(v: str | None) -> str:
        if v is None:
            return ""
        if offset_min % 60:
            return (parse(v) + shift).isoformat(" ", "seconds")
        # A whole-hour offset changes only the date and the hour: convert each stored hour
        # ("YYYY-MM-DD HH") once and keep the minutes and seconds as they are.
        head = v[:13]
        local = hours.get(head)
        if local is None:
            local = hours[head] = (parse(head + ":00:00") + shift).isoformat(" ", "hours")
        return local + v[13:19]

    def length(v: int | None) -> str:
        text = durations.get(v)
        if text is None:
            text = durations[v] = hms(v)
        return text

    def late(v: int | None) -> str:
        text = lateness.get(v)
        if text is None:
            text = lateness[v] = f"{v / 1000:.3f}"
        return text

    where = ["scheduled_at >= ?", "scheduled_at < ?"]
    params: list[object] = [period.utc_start.strftime("%Y-%m-%d %H:%M:%S"), period.utc_end.strftime("%Y-%m-%d %H:%M:%S")]
    for column, value in (("programme", filters.programme), ("kind", filters.kind), ("outcome", filters.outcome)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if filters.zone:  # rows from before zones existed went out on the one output, "main"
        where.append("(zone = ? or zone is null)" if filters.zone == MAIN_ZONE else "zone = ?")
        params.append(filters.zone)
    assert [c for c, _, _ in COLUMNS] == ["scheduled_at", "started_at", "ended_at", "slot", "position", "title",
        "programme", "kind", "clip_id", "duration_ms", "played_ms", "lateness_ms", "outcome", "reason", "manual",
        "level", "actor", "verified", "heard_lateness_ms", "verify_note", "speakers", "output", "zone", "content_hash",
        "item", "occurrence", "key"], "keep _sqlite_lines in step with COLUMNS"  # fmt: skip
    # Slot ids, zone ids and keys begin with a letter or digit (the schedule's and the
    # configuration's rules): never a formula.
    sql = ("select scheduled_at, started_at, ended_at, slot || ',' || position, title, programme, kind,"
           " coalesce(clip_id, ''), duration_ms, played_ms, lateness_ms, outcome, reason, manual, level, actor,"
           " verified, heard_lateness_ms, verify_note,"
           f" {SPEAKERS_SQL},"
           " output, coalesce(zone, '') || ',' ||"
           " coalesce(content_hash, '') || ',' || coalesce(item, '') || ',' || occurrence || ',' || key"
           f" from airings where {' and '.join(where)} order by scheduled_at, position, id")  # fmt: skip
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("begin")  # one snapshot for the whole export
        cur.execute(sql, params)
        while batch := cur.fetchmany(10_000):
            yield len(batch), "".join([
                f"{when(a)},{when(b)},{when(c)},{sp},{_q(title)},{_q(prog)},{kinds.get(kind, kind or '')},{clip},"
                f"{length(dur)},{length(played)},{late(lt)},{outcomes.get(oc, oc)},{why(reason)},{yes if man else no},"
                f"{levels.get(lv, lv or '')},{_q(who)},{verdict[ver]},{late(heard)},{why(note)},{speakers},{_q(out)},"
                f"{tail}\r\n"
                for a, b, c, sp, title, prog, kind, clip, dur, played, lt, oc, reason, man, lv, who, ver, heard, note,
                speakers, out, tail in batch
            ])  # fmt: skip
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
            for n, text in _sqlite_lines(db, period, filters, lang, offset):
                f.write(text)
                count += n
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
                elif kind == "verdict":
                    out.append("" if value is None else cells.word("bool", "yes" if value else "no"))
                elif kind == "reason":
                    out.append(neutral(render_reason(value, lang)) if value else "")
                else:
                    out.append("" if value is None else neutral(str(value)))
            w.writerow(out)
            count += 1
    return count


ACTION_COLUMNS = ("actions.at", "actions.actor", "actions.where", "actions.action", "actions.detail", "actions.outcome")


def actions(db: Database, period: Period) -> Iterator[Action]:
    """The manual actions of the period (who aired, skipped, retired, imported, reloaded), oldest first."""
    with db.session() as s:
        yield from s.execute(select(Action).where(Action.at >= period.utc_start, Action.at < period.utc_end)
                             .order_by(Action.at, Action.id)).scalars()  # type: ignore[arg-type]


def _action_cells(a: Action, cells: _Cells) -> list[Any]:
    return [cells.local(a.at), a.actor, f"{a.via}, {a.address}", label(f"action.{a.action}", cells.lang)
            if f"action.{a.action}" in cells.words else a.action, a.detail, render_reason(a.outcome, cells.lang)]  # fmt: skip


def write_actions_csv(db: Database, period: Period, lang: str, dest: Path) -> int:
    cells = _Cells(period, lang)
    count = 0
    with dest.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow([label(key, lang) for key in ACTION_COLUMNS])
        for a in actions(db, period):
            row = _action_cells(a, cells)
            w.writerow([row[0].strftime("%Y-%m-%d %H:%M:%S"), *(neutral(str(v)) for v in row[1:])])
            count += 1
    return count


def write_xlsx(db: Database, period: Period, filters: Filters, lang: str, dest: Path, station: str) -> int:
    import xlsxwriter

    cells = _Cells(period, lang)
    # constant_memory: each row goes to disk as it is written, so memory does not grow with rows.
    wb = xlsxwriter.Workbook(str(dest), {"constant_memory": True, "tmpdir": scratch(dest)})
    ws = wb.add_worksheet(label("export.sheet", lang)[:31])
    title = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bg_color": "#1F4E79", "font_color": "#FFFFFF", "border": 1,
                          "text_wrap": True, "valign": "vcenter"})  # fmt: skip
    dt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    dur = wb.add_format({"num_format": "[h]:mm:ss"})
    secs = wb.add_format({"num_format": "0.000"})
    widths = {"datetime": 19, "duration": 10, "seconds": 10, "int": 8, "kind": 14, "outcome": 14, "bool": 8, "verdict": 8,
              "level": 12, "text": 24, "reason": 32}  # fmt: skip
    for i, (col, _, kind) in enumerate(COLUMNS):
        ws.set_column(i, i, 40 if col == "title" else 64 if col == "content_hash" else widths[kind])
    ws.write(0, 0, f"{station} — {label('export.title_row', lang)} {period.label()}", title)
    header_row = 2
    from playout.reports.tally_files import header_height, print_setup

    names = [label(key, lang) for _, key, _ in COLUMNS]
    column_widths = [40 if col == "title" else 64 if col == "content_hash" else widths[kind] for col, _, kind in COLUMNS]
    ws.set_row(header_row, header_height(names, column_widths))
    print_setup(ws, header_row)
    for i, name in enumerate(names):
        ws.write(header_row, i, name, head)
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
            elif kind in ("bool", "verdict"):
                ws.write_string(r, i, cells.word("bool", "yes" if value else "no"))
            elif kind == "reason":
                ws.write_string(r, i, render_reason(value, lang))
            else:
                ws.write_string(r, i, str(value))
    ws.autofilter(header_row, 0, max(r, header_row), len(COLUMNS) - 1)
    # Who did what by hand in the period, on a sheet of its own (text cells: never formulas).
    acts = wb.add_worksheet(label("export.actions_sheet", lang)[:31])
    for i, key in enumerate(ACTION_COLUMNS):
        acts.write_string(0, i, label(key, lang), head)
        acts.set_column(i, i, 19 if i == 0 else 40 if i == 4 else 18)
    acts.freeze_panes(1, 0)
    for n, a in enumerate(actions(db, period), 1):
        at, *texts = _action_cells(a, cells)
        acts.write_datetime(n, 0, at, dt)
        for i, text in enumerate(texts, 1):
            acts.write_string(n, i, str(text))
    wb.close()
    return r - header_row


