"""`playout province ...`: this station's link to the province, and the province's own tasks."""

from __future__ import annotations

import getpass
import json
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from playout.cli.common import ConfigOption, handles_errors, load_app, out
from playout.errors import PlayoutError, UsageError
from playout.i18n import t

province_app = typer.Typer(help="The province: forward this station's records, publish bulletins.",
                           no_args_is_help=True)  # fmt: skip

CentralOption = Annotated[str | None, typer.Option("--central", help="The central PostgreSQL URL (default: [province] central_url).")]


def _central(app, central: str | None) -> str:  # noqa: ANN001
    url = central or app.config.province.central_url
    if not url:
        raise PlayoutError("province.no_central")
    return url


def forwarder(app):  # noqa: ANN001, ANN201
    """The station's forwarder, built from its configuration."""
    from playout.province.forward import Forwarder, central_engine

    p = app.config.province
    if not p.central_url or not p.station_id:
        raise PlayoutError("province.not_configured")
    return Forwarder(app.db, central_engine(p.central_url, p.link_timeout_seconds), p.station_id, app.clock, name=app.config.station.name,
                     batch_rows=p.batch_rows, tz=app.config.station.timezone.key)  # fmt: skip


@province_app.command("setup-central")
@handles_errors
def setup_central_command(central: CentralOption = None, config: ConfigOption = None) -> None:
    """Create or upgrade the province's central database (run once by the province)."""
    from playout.db import open_database

    app = load_app(config)
    url = _central(app, central)
    open_database(url).dispose()
    from sqlalchemy.engine import make_url

    shown = make_url(url).render_as_string(hide_password=True)
    out.print(t("province.central_ready", app.lang, url=shown), markup=False)


@province_app.command("web")
@handles_errors
def web_command(central: CentralOption = None, config: ConfigOption = None) -> None:
    """Serve the province's view of the central database (stations, tally, bulletins) on
    [web] host and port, for accounts of role province (playout users add … --role province)."""
    from playout.app import App
    from playout.web.server import WebServer

    app = load_app(config)
    url = _central(app, central)
    province = App(app.config, app.clock, database_url=url)
    server = WebServer(province, None, province=True)
    host, port = server.address
    out.print(t("province.web_ready", app.lang, address=f"http://{host}:{port}/"), markup=False)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    server.start()
    stop.wait()
    server.stop()


@province_app.command("account")
@handles_errors
def account_command(
    station_id: Annotated[str, typer.Argument(help="The station's id, as in its [province] station_id.")],
    role: Annotated[str, typer.Argument(help="The station's PostgreSQL account (made with createuser).")],
    central: CentralOption = None,
    config: ConfigOption = None,
) -> None:
    """Let a station's account forward for that station, and only for it (run by the province)."""
    from playout.province.accounts import grant

    app = load_app(config)
    sid = station_id.strip().lower()
    if not sid or len(sid) > 64 or not all(c.isascii() and (c.isalnum() or c in "-_.") for c in sid):
        raise UsageError("province.bad_station_id", value=station_id)
    grant(_central(app, central), sid, role)
    out.print(t("province.account_ready", app.lang, role=role, station=sid), markup=False)


@province_app.command("forward")
@handles_errors
def forward_command(
    once: Annotated[bool, typer.Option("--once", help="Forward what is queued, then stop.")] = False,
    config: ConfigOption = None,
) -> None:
    """Forward this station's queued records (without the daemon, which does it by itself)."""
    from sqlalchemy.exc import SQLAlchemyError

    from playout.province.forward import describe

    app = load_app(config)
    fw = forwarder(app)
    fw.join()
    stop = threading.Event()
    if not once:
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    while True:
        try:
            n = fw.forward_all({"forwarder": "standalone", "queued": fw.queued()}, stop=stop)
        except SQLAlchemyError as exc:
            fw.note(error=describe(exc))
            if once:
                raise PlayoutError("province.unreachable", detail=describe(exc), queued=fw.queued()) from None
            out.print(t("province.unreachable", app.lang, detail=describe(exc), queued=fw.queued()), markup=False)
        else:
            fw.note(error=None)
            if once or n:
                out.print(t("province.forwarded", app.lang, count=n, station=fw.station_id, queued=fw.queued()),
                          markup=False)  # fmt: skip
        if once or stop.wait(app.config.province.forward_seconds):
            return


@province_app.command("status")
@handles_errors
def status_command(config: ConfigOption = None) -> None:
    """What waits to be forwarded, and how the last attempt went."""
    from playout.province.forward import last_forward

    app = load_app(config)
    fw = forwarder(app)
    station, last, error = last_forward(app.db)
    tz = app.config.station.timezone
    out.print(t("province.status", app.lang, station=station or fw.station_id, queued=fw.queued(),
                last=last.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if last else "-", error=error or "-"),
              markup=False)  # fmt: skip



def _station_time(value: str, option: str, tz) -> datetime:  # noqa: ANN001
    try:
        parsed = datetime.fromisoformat(value.strip().replace("T", " "))
    except ValueError:
        raise UsageError("bulletin.bad_time", option=option, value=value) from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)).astimezone(UTC)


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@province_app.command("publish")
@handles_errors
def publish_command(
    audio: Annotated[Path, typer.Argument(help="The bulletin's audio (any format ffmpeg reads).")],
    title: Annotated[str, typer.Option("--title", help="The bulletin's title.")],
    level: Annotated[str, typer.Option("--level", help="normal (thông thường), priority (ưu tiên) or emergency (khẩn cấp).")],
    to: Annotated[str, typer.Option("--to", help="'all', or station ids separated by commas.")] = "all",
    valid_from: Annotated[str | None, typer.Option("--from", help="Valid from (YYYY-MM-DD HH:MM, station time; default now).")] = None,
    valid_until: Annotated[str, typer.Option("--until", help="Valid until (YYYY-MM-DD HH:MM, station time).")] = "",
    central: CentralOption = None,
    config: ConfigOption = None,
) -> None:
    """Publish a bulletin from the province to its stations."""
    from playout.model import Level
    from playout.province.bulletins import publish
    from playout.province.forward import central_engine

    app = load_app(config)
    tz = app.config.station.timezone
    try:
        lvl = Level(level.strip().lower())
    except ValueError:
        raise UsageError("bulletin.bad_level", value=level) from None
    start = _station_time(valid_from, "--from", tz) if valid_from else app.clock.now()
    if not valid_until:
        raise UsageError("bulletin.bad_time", option="--until", value="''")
    end = _station_time(valid_until, "--until", tz)
    targets = None if to.strip().lower() in ("all", "*") else to.split(",")
    engine = central_engine(_central(app, central))
    try:
        b = publish(engine, audio, title=title, level=lvl, targets=targets, valid_from=start, valid_until=end,
                    by=_who(), clock=app.clock)  # fmt: skip
    finally:
        engine.dispose()
    out.print(t("bulletin.published", app.lang, title=b.title, level=t(f"bulletin.level.{b.level}", app.lang),
                targets=b.targets, start=start.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                end=end.astimezone(tz).strftime("%Y-%m-%d %H:%M"), uid=b.uid), markup=False)  # fmt: skip


bulletin_app = typer.Typer(help="Bulletins from the province: list, accept, reject.", no_args_is_help=True)


def _station_bulletins(app):  # noqa: ANN001, ANN201
    from playout.province.bulletins import StationBulletins

    p = app.config.province
    if not p.station_id:
        raise PlayoutError("province.not_configured")
    return StationBulletins(app.db, p.station_id, app.clock, app.importer, app.config.station.timezone)


@bulletin_app.command("list")
@handles_errors
def bulletin_list_command(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per bulletin.")] = False,
    config: ConfigOption = None,
) -> None:
    """The bulletins this station received and what became of each."""
    app = load_app(config)
    rows = _station_bulletins(app).list()
    tz = app.config.station.timezone
    if as_json:
        for b in rows:
            out.print(json.dumps({"uid": b.uid, "title": b.title, "level": b.level, "state": b.state,
                                  "valid_from": b.valid_from.isoformat(), "valid_until": b.valid_until.isoformat(),
                                  "clip_id": b.clip_id, "airing_key": b.airing_key, "decided_by": b.decided_by},
                                 ensure_ascii=False), markup=False, soft_wrap=True)  # fmt: skip
        return
    if not rows:
        out.print(t("bulletin.none", app.lang), markup=False)
        return
    for b in rows:
        out.print(f"{b.uid[:8]}  {t(f'bulletin.level.{b.level}', app.lang):<12} {t(f'bulletin.state.{b.state}', app.lang):<9} "
                  f"{b.valid_until.astimezone(tz).strftime('%Y-%m-%d %H:%M')}  {b.title}", markup=False, soft_wrap=True)  # fmt: skip


@bulletin_app.command("accept")
@handles_errors
def bulletin_accept_command(
    uid: Annotated[str, typer.Argument(help="The bulletin's id (its first characters are enough).")],
    config: ConfigOption = None,
) -> None:
    """Accept a normal bulletin: the running daemon airs it after the current airing."""
    from playout.daemon import control

    app = load_app(config)
    d = app.config.daemon

    def air_now(clip_id: int, level) -> str:  # noqa: ANN001
        return control.call(d.control_socket, "POST", "/air-now", {"clip": clip_id, "level": level.value},
                            group=d.control_group)["key"]

    b = _station_bulletins(app).accept(uid, f"cli:{_who()}", air_now)
    out.print(t("bulletin.accepted", app.lang, title=b.title, key=b.airing_key), markup=False)


@bulletin_app.command("schedule")
@handles_errors
def bulletin_schedule_command(
    uid: Annotated[str, typer.Argument(help="The bulletin's id (its first characters are enough).")],
    at: Annotated[str, typer.Option("--at", help="Local date and time it airs, e.g. 2026-12-01 18:30.")],
    config: ConfigOption = None,
) -> None:
    """Accept a normal bulletin into the schedule: a one-day slot of its own airs it then."""
    app = load_app(config)
    try:
        when = datetime.fromisoformat(at.strip().replace(" ", "T")).replace(tzinfo=app.config.station.timezone)
    except ValueError:
        raise UsageError("cli.bad_date", option="--at", value=at) from None
    b = _station_bulletins(app).schedule(uid, f"cli:{_who()}", when, app.config.schedules_folder)
    out.print(t("bulletin.scheduled", app.lang, title=b.title, at=when.strftime("%Y-%m-%d %H:%M"),
                file=str(app.config.schedules_folder / f"ban-tin-{b.uid[:8].lower()}.toml")), markup=False)  # fmt: skip


@bulletin_app.command("reject")
@handles_errors
def bulletin_reject_command(
    uid: Annotated[str, typer.Argument(help="The bulletin's id (its first characters are enough).")],
    config: ConfigOption = None,
) -> None:
    """Decline a normal bulletin; the province sees who declined it, and when."""
    app = load_app(config)
    b = _station_bulletins(app).reject(uid, f"cli:{_who()}")
    out.print(t("bulletin.rejected", app.lang, title=b.title), markup=False)


@province_app.command("tally")
@handles_errors
def tally_command(
    year: Annotated[int | None, typer.Option(help="A calendar year, e.g. 2026.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="md (on screen), csv, xlsx, json, docx or pdf.")] = "md",
    out_file: Annotated[Path | None, typer.Option("--out", help="The file to write (not md).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
    central: CentralOption = None,
    config: ConfigOption = None,
) -> None:
    """The province's tally from the central record: per station and in total."""
    from playout.cli.common import parse_date
    from playout.province import tally
    from playout.province.forward import central_engine
    from playout.reports.document import Letterhead
    from playout.reports.period import atomic_output, check_output, period_from
    from playout.reports.tally import markdown

    app = load_app(config)
    if fmt not in ("md", "csv", "xlsx", "json", "docx", "pdf"):
        raise UsageError("cli.bad_format", value=fmt, choices="md, csv, xlsx, json, docx, pdf")
    tz = app.config.station.timezone
    period = period_from(year, parse_date(start, "--from"), parse_date(end, "--to"), tz,
                         app.clock.now().astimezone(tz).date())  # fmt: skip
    if fmt != "md" and out_file is None:
        raise UsageError("cli.needs_out", format=fmt)
    if out_file is not None:
        check_output(out_file, force)
    engine = central_engine(_central(app, central))
    try:
        result = tally.compute(engine, period, app.config.station.name, app.config.partial_share)
    finally:
        engine.dispose()
    if fmt == "md":
        for s in [*result.stations]:
            out.print(markdown(s.tally, app.lang), markup=False, soft_wrap=True)
        out.print(markdown(result.total, app.lang), markup=False, soft_wrap=True)
        return
    with atomic_output(out_file) as temp:  # type: ignore[arg-type]
        head = Letterhead.from_config(app.config, app.clock.now().astimezone(tz).date())
        tally.write(result, fmt, temp, app.lang, head)
    out.print(t("out.saved", app.lang, path=out_file), markup=False)  # a report, not rows


@province_app.command("stations")
@handles_errors
def stations_command(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per station.")] = False,
    central: CentralOption = None,
    config: ConfigOption = None,
) -> None:
    """The province's stations: when each was last heard and its health."""
    from playout.province.forward import central_engine
    from playout.province.view import stations

    app = load_app(config)
    engine = central_engine(_central(app, central))
    try:
        found = stations(engine, app.clock.now())
    finally:
        engine.dispose()
    tz = app.config.station.timezone
    for s in found:
        if as_json:
            out.print(json.dumps({"station_id": s.station_id, "name": s.name,
                                  "last_heard_at": s.last_heard_at.isoformat() if s.last_heard_at else None,
                                  "health": s.health, "airings": s.airings}, ensure_ascii=False),
                      markup=False, soft_wrap=True)  # fmt: skip
        else:
            heard = s.last_heard_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if s.last_heard_at else "-"
            out.print(f"{s.station_id:<20} {heard:<17} {len(s.problems):>2} {s.name}", markup=False, soft_wrap=True)
