"""Technician commands for schedules: check the files, preview what will air."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Annotated

import typer
from rich.table import Table

from playout.cli.common import ConfigOption, handles_errors, load_app, out, parse_date
from playout.errors import UsageError
from playout.i18n import fmt_duration, label, t
from playout.preview import findings, preview, problem_line, today, week_of

schedule_app = typer.Typer(help="Check weekly schedules and preview what will air.", no_args_is_help=True)

MAX_PREVIEW_DAYS = 366


@schedule_app.command("check")
@handles_errors
def check_command(config: ConfigOption = None) -> None:
    """Validate every schedule file: syntax, clips, programmes, pools, hard ends, overlaps."""
    app = load_app(config)
    lang = app.lang
    found = findings(app)
    for p in found.errors:
        out.print(problem_line(p, "error", lang), markup=False)
    for p in found.warnings:
        out.print(problem_line(p, "warning", lang), markup=False)
    if found.errors:
        out.print(t("schedule.check_failed", lang, errors=len(found.errors), warnings=len(found.warnings)),
                  markup=False)  # fmt: skip
        raise typer.Exit(1)
    out.print(t("schedule.check_ok", lang, slots=found.slots, files=found.files, warnings=len(found.warnings)),
              markup=False)  # fmt: skip


def _period(week: str | None, day: str | None, start: str | None, end: str | None, today: date) -> tuple[date, date]:
    if sum(x is not None for x in (week, day, start or end)) > 1:
        raise UsageError("cli.one_period")
    if week is not None:
        return week_of(week)
    if day is not None:
        d = parse_date(day, "--date")
        assert d is not None
        return d, d
    if start or end:
        first = parse_date(start, "--from") or today
        last = parse_date(end, "--to") or first + timedelta(days=6)
        if first > last:
            raise UsageError("cli.bad_range", start=first, end=last)
        if (last - first).days + 1 > MAX_PREVIEW_DAYS:
            raise UsageError("cli.range_too_long", days=(last - first).days + 1, limit=MAX_PREVIEW_DAYS)
        return first, last
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


@schedule_app.command("show")
@handles_errors
def show_command(
    week: Annotated[str | None, typer.Option(help="ISO week, e.g. 2026-W48.")] = None,
    date_: Annotated[str | None, typer.Option("--date", help="One day, e.g. 2026-11-30.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    config: ConfigOption = None,
) -> None:
    """Preview the airings of a period, with what each will play, as the daemon will choose it."""
    app = load_app(config)
    lang = app.lang
    tz = app.config.station.timezone
    first, last = _period(week, date_, start, end, today(app))
    if fmt not in ("table", "json"):
        raise UsageError("schedule.bad_choice", key="--format", value=fmt, choices="table, json")
    shown = preview(app, first, last, lang)
    if shown.errors:
        for p in shown.errors:
            out.print(problem_line(p, "error", lang), markup=False)
        raise UsageError("schedule.has_errors")
    plans, notes = shown.plans, shown.notes

    if fmt == "json":
        data = [
            {
                "key": p.occurrence.key,
                "slot": p.occurrence.slot.id,
                "start": p.occurrence.local.isoformat(),
                "end": p.end.astimezone(tz).isoformat(),
                "duration_ms": p.duration_ms,
                "priority": p.occurrence.slot.priority,
                "items": [
                    {"clip_id": i.clip.id, "title": i.clip.title, "programme": i.clip.programme,
                     "kind": i.clip.kind.value, "start": (p.occurrence.local + timedelta(milliseconds=i.offset_ms)).isoformat(),
                     "duration_ms": i.clip.duration_ms}  # fmt: skip
                    for i in p.items
                ],
                "skipped": [{"item": d.item_key, "reason": t(d.msg_id, lang, **d.params)} for d in p.dropped],
                "notes": notes[p.occurrence.key],
            }
            for p in plans
        ]
        out.print_json(json.dumps(data, ensure_ascii=False))
        return

    table = Table(title=f"{app.config.station.name}: {first} → {last}")
    for col in ("col.start", "col.end", "col.slot", "col.title", "col.programme", "col.kind", "col.duration", "col.notes"):
        table.add_column(label(col, lang))
    current_day = None
    for p in plans:
        occ = p.occurrence
        if occ.local_date != current_day:
            current_day = occ.local_date
            table.add_section()
            table.add_row(f"[bold]{label(f'weekday.{current_day.weekday()}', lang)} {current_day}[/bold]")
        rows = p.items or ()
        end_local = p.end.astimezone(tz)
        if not rows:
            table.add_row(occ.local.strftime("%H:%M"), _second(end_local), occ.slot.id, "—", "", "", "0:00",
                          "; ".join(notes[occ.key]))  # fmt: skip
        for n, i in enumerate(rows):
            start = occ.local + timedelta(milliseconds=i.offset_ms)
            table.add_row(
                _second(start) if n else occ.local.strftime("%H:%M"),
                _second(start + timedelta(milliseconds=i.clip.duration_ms)) if n + 1 < len(rows)
                else _second(end_local),
                occ.slot.id if n == 0 else "",
                i.clip.title,
                i.clip.programme or "",
                label(f"kind.{i.clip.kind.value}", lang),
                fmt_duration(i.clip.duration_ms),
                "; ".join(notes[occ.key]) if n == 0 else "",
            )  # fmt: skip
    out.print(table)


def _second(at: datetime) -> str:
    """A time to the nearest second, as the durations beside it are rounded (truncating the
    times showed a 3.5 s clip from 17:30:03 to 17:30:06 beside its 0:04)."""
    return (at + timedelta(milliseconds=500)).strftime("%H:%M:%S")
