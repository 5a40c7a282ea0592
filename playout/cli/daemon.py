"""Daemon commands: run it, ask it (status, air-now, skip), and simulate a period."""

from __future__ import annotations

import errno
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text
from sqlalchemy.exc import OperationalError

from playout import app as app_mod
from playout import reasons
from playout.cli.common import ConfigOption, Context, handles_errors, load_app, out
from playout.daemon import control
from playout.errors import PlayoutError, UsageError
from playout.i18n import fmt_duration, label, t
from playout.model import Level
from playout.reasons import slot_name
from playout.scheduling.files import load_folder, slot_names


@handles_errors
def run_command(config: ConfigOption = None) -> None:
    """Run the daemon: air the schedules on time and record every airing (Ctrl-C or SIGTERM stops)."""
    from playout.daemon.live import LiveDaemon, Signals, configure_logging
    from playout.daemon.system import one_malloc_arena

    one_malloc_arena()  # first, before any thread: months unattended, memory held flat
    signals = Signals().install()  # before anything slow: an early SIGHUP must not kill it
    configure_logging()
    app = load_app(config)
    try:
        daemon = LiveDaemon(app)
        code = daemon.run_forever(signals)
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise PlayoutError("daemon.disk_full", detail=f"{exc.strerror}: {exc.filename or ''}".rstrip(": ")) from None
    except OperationalError as exc:
        raise PlayoutError("daemon.disk_full", detail=str(exc.orig or exc).strip()) from None
    raise typer.Exit(code)


def _ask(config: Path | None, method: str, path: str, body: dict | None = None) -> tuple[app_mod.App, dict]:
    app = load_app(config)
    d = app.config.daemon
    return app, control.call(d.control_socket, method, path, body, group=d.control_group)


def _hm(iso: str | None) -> str:
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M:%S") if iso else ""


@handles_errors
def status_command(config: ConfigOption = None) -> None:
    """Daemon health, what is on air, the next five and the last five airings."""
    app, s = _ask(config, "GET", "/status")
    lang = app.lang
    ntp = s["ntp_synchronized"]
    clock = t("status.clock_ok" if ntp else "status.clock_unsync" if ntp is False else "status.clock_unknown", lang)
    if ntp is False:
        clock += f" ({t('status.clock_hint', lang)})"
    sched = (t("status.schedule_errors", lang) if s["schedule"]["errors"]
             else t("status.schedule_ok", lang, slots=s["schedule"]["slots"]))  # fmt: skip
    out.print(f"[bold]{s['station']}[/bold] — {t('status.running_since', lang, since=_hm(s['started_at']))}; "
              f"{s['output']}; {clock}; {sched}")  # fmt: skip
    for line in s["schedule"]["errors"]:
        out.print("  " + line, markup=False)
    if s["schedule"].get("held"):
        out.print(t("status.schedule_held", lang, changes=s["schedule"]["held"],
                    seconds=f"{s['schedule']['settle_s']:g}"), style="bold red",
                  markup=False)  # fmt: skip
    if s["schedule"].get("changes"):
        out.print(t("status.schedule_changed", lang, at=_hm(s["schedule"]["changed_at"]),
                    changes=s["schedule"]["changes"]), markup=False)  # fmt: skip
    for problem in s.get("problems", []):
        out.print(t(problem["id"], lang, **problem["params"]), style="bold red", markup=False)
    _print_zones(s, lang)
    playing = s["now_playing"]
    if playing:
        out.print(f"{t('status.now_playing', lang)}: {playing['title']} "
                  f"{fmt_duration(playing['position_ms'])} / {fmt_duration(playing['duration_ms'])}", markup=False)  # fmt: skip
    else:
        out.print(f"{t('status.now_playing', lang)}: {t('status.idle', lang)}")
    names = slot_names(app.config.schedules_folder)
    nxt = Table(title=t("status.next", lang), title_justify="left")
    for col in ("col.start", "col.slot", "col.title"):
        nxt.add_column(label(col, lang))
    for n in s["next"]:
        nxt.add_row(_hm(n["start"]), slot_name(n["slot"], lang, names), ", ".join(n["items"]))
    out.print(nxt)
    last = Table(title=t("status.last", lang), title_justify="left")
    speakers = any(r.get("speakers_total") is not None for r in s["last"])
    zoned = len(s.get("zones") or []) > 1  # which zone each row is, where there are several
    for col in ("col.start", "col.slot", "col.title", *(("tally.zone",) if zoned else ()), "col.outcome",
                *(("col.speakers",) if speakers else ()), "col.notes"):  # fmt: skip
        last.add_column(label(col, lang))
    for r in s["last"]:
        last.add_row(_hm(r["started"] or r["scheduled"]), slot_name(r["slot"], lang, names), r["title"] or "—",
                     *((r.get("zone") or "",) if zoned else ()), label(f"outcome.{r['outcome']}", lang),
                     *((heard(r),) if speakers else ()), reasons.render(r["reason"], lang))  # fmt: skip
    out.print(last)


def heard(row: dict) -> str:
    """An airing's speakers as the log shows them: "212 / 230" ("? / 230": Icecast could not
    be asked; empty: not an Icecast zone)."""
    if row.get("speakers_total") is None:
        return ""
    return f"{'?' if row.get('speakers_heard') is None else row['speakers_heard']} / {row['speakers_total']}"


def speaker_state(sp: dict | None, zone_error: str | None, lang: str) -> str:
    """"online since …", "offline since …", or why it is not known."""
    if sp is None or zone_error:
        return label("status.unknown", lang)
    if sp["since"] is None:
        return label("status.never_seen", lang)
    return t("status.online_since" if sp["online"] else "status.offline_since", lang, since=_hm(sp["since"]))


def _print_zones(s: dict, lang: str) -> None:
    """Each zone (name, output, state) and, for an Icecast zone, its speakers: the count
    online, and each speaker offline with since when."""
    zones = s.get("zones") or []
    if len(zones) < 2 and not s.get("speakers"):
        return  # one zone, no speakers: the output on the first line says it all
    speakers = {z["zone"]: z for z in s.get("speakers") or []}
    out.print(f"{label('status.zones', lang)}:")
    for z in zones:
        line = f"  {'✗' if z.get('error') else '✓'} {z['id']}  {z['name']}  {z['output']}"
        if (sp := speakers.get(z["id"])) is not None:
            line += "  — " + t("status.speakers_count", lang, online=sp["online"], total=sp["total"])
            if sp["unregistered"]:
                line += ", " + t("status.unregistered", lang, count=sp["unregistered"])
        out.print(line, style="bold red" if z.get("error") else None, markup=False)
        if sp is not None:
            for one in sp["speakers"]:
                if not one["online"]:
                    out.print(f"      {one['id']}  {one['name']}  {speaker_state(one, sp['error'], lang)}", markup=False)


@handles_errors
def speakers_command(config: ConfigOption = None) -> None:
    """The IP speakers registered per zone (speakers.toml), online or offline since when."""
    app = load_app(config)
    lang = app.lang
    registry, problems = app.speaker_registry()
    for p in problems:
        out.print(p.render(lang), markup=False)
    try:
        d = app.config.daemon
        live = {z["zone"]: z for z in control.call(d.control_socket, "GET", "/status", None,
                                                   group=d.control_group).get("speakers", [])}  # fmt: skip
    except PlayoutError as exc:
        live = {}
        out.print(t("speakers.daemon_down", lang, detail=exc.render(lang)), markup=False)
    if not registry.speakers:
        out.print(t("speakers.none", lang, path=app.config.speakers.file), markup=False)
    table = Table()
    for col in ("col.speaker_zone", "col.speaker", "col.speaker_name", "col.place", "col.recognised", "col.status"):
        table.add_column(label(col, lang))
    for sp in registry.speakers:
        zone = live.get(sp.zone)
        now = next((x for x in zone["speakers"] if x["id"] == sp.id), None) if zone else None
        cells = (sp.zone, sp.id, sp.name, sp.place, " ".join(x for x in (sp.ip, sp.user and f"user={sp.user}") if x),
                 speaker_state(now, zone["error"] if zone else None, lang))  # fmt: skip
        table.add_row(*(Text(c) for c in cells))  # the technician's text, never rich markup
    if registry.speakers:
        out.print(table)
    for zone in live.values():
        line = f"{zone['zone']}: " + t("status.speakers_count", lang, online=zone["online"], total=zone["total"])
        if zone["unregistered"]:
            line += ", " + t("status.unregistered", lang, count=zone["unregistered"])
        out.print(line + (f" ({zone['error']})" if zone["error"] else ""), markup=False)
    if problems:
        raise UsageError("speakers.file_has_errors")


@handles_errors
def air_now_command(
    clip: Annotated[str, typer.Argument(help="Clip number or exact title.")],
    level: Annotated[str, typer.Option(help="normal, priority (after the current item) or emergency (at once).")] = "normal",
    zone: Annotated[list[str] | None, typer.Option("--zone", help="A zone to air it to (repeat for several); default: all zones.")] = None,
    config: ConfigOption = None,
) -> None:
    """Air a clip now, by hand; recorded in the airing log as a manual airing."""
    try:
        lvl = Level(level)
    except ValueError:
        raise UsageError("schedule.bad_choice", key="--level", value=level, choices="normal, priority, emergency") from None
    body: dict = {"clip": clip, "level": lvl.value}
    if zone:
        body["zones"] = zone
    app, r = _ask(config, "POST", "/air-now", body)
    out.print(t("daemon.air_now", app.lang, level=label(f"level.{r['level']}", app.lang), clip_id=r["clip_id"],
                title=r["title"]), markup=False)  # fmt: skip


@handles_errors
def skip_command(
    zone: Annotated[list[str] | None, typer.Option("--zone", help="A zone to skip in (repeat for several); default: all zones.")] = None,
    config: ConfigOption = None,
) -> None:
    """End the item on air now; the rest of the session follows."""
    app, r = _ask(config, "POST", "/skip", {"zones": zone} if zone else None)
    out.print(t("daemon.skipped" if r["skipped"] else "daemon.nothing_playing", app.lang))


@handles_errors
def reload_command(config: ConfigOption = None) -> None:
    """Read the schedule files again now (the daemon also notices edits by itself)."""
    app, r = _ask(config, "POST", "/reload")
    if r["ok"]:
        out.print(t("daemon.reloaded", app.lang))
        return
    for line in r["errors"]:
        out.print(line, markup=False)
    raise UsageError("schedule.has_errors")


@handles_errors
def simulate_command(
    start: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD).")],
    db: Annotated[Path, typer.Option("--db", help="SQLite file to write the simulated airing log to.")],
    config: ConfigOption = None,
) -> None:
    """Replay a period on a virtual clock with the daemon's own code, into an airing log."""
    from playout.cli.common import parse_date
    from playout.simulate import simulate

    app = load_app(config)
    first, last = parse_date(start, "--from"), parse_date(end, "--to")
    assert first and last
    if first > last:
        raise UsageError("cli.bad_range", start=first, end=last)
    result, _ = load_folder(app.config.schedules_folder)
    if result.errors:
        for p in result.errors:
            out.print(f"{p.source}: {t('schedule.error', app.lang)}: {t(p.msg_id, app.lang, **p.params)}", markup=False)
        raise UsageError("schedule.has_errors")
    library_app = app
    sim_app = app_mod.App(config=app.config, database_url=f"sqlite:///{db.resolve()}", durable=False)
    # The simulated log gets the live library's clips: copy the rows it needs.
    _copy_library(library_app, sim_app)
    r = simulate(sim_app, result.schedule, first, last)
    out.print(t("simulate.done", Context.lang, days=r.days, occurrences=r.occurrences, rows=r.rows, db=db,
                seconds=f"{r.seconds:.1f}"), markup=False)  # fmt: skip


def _copy_library(src: app_mod.App, dst: app_mod.App) -> None:
    from sqlmodel import select

    from playout.db.models import Clip

    with src.db.session() as s:
        clips = list(s.exec(select(Clip)))
    with dst.db.session() as d:
        existing = {c.id for c in d.exec(select(Clip))}
        for c in clips:
            if c.id not in existing:
                d.add(Clip.model_validate(c.model_dump()))
        d.commit()
