"""The pages: Now, Week, Library, Log, Tally and Air now.

Each page asks the same functions the commands use (the schedule preview, the clip
repository, the importer, the log export, the tally) and only arranges what they return.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, abort, copy_current_request_context, current_app, flash, g, jsonify, redirect, render_template, request, send_file, url_for

from playout import preview as preview_mod
from playout.app import App
from playout.errors import NotFound, PlayoutError, UsageError
from playout.i18n import fmt_duration, label, t
from playout.library.importer import ImportRequest, Status
from playout.library.steps import nfc
from playout.model import CLIP_KINDS, Kind, Level, Outcome, describe_source
from playout.reports import export, tally, tally_files
from playout.reports.document import Letterhead
from playout.reports.period import Period, period_from
from playout.actions import ActionLog
from playout.web.auth import technician_only, web_actor
from playout.web import display
from playout.web.chart import panel_chart

bp = Blueprint("pages", __name__)

LOG_PAGE = 50
LIVE_CHUNK_MAX = 48_000 * 2 * 2  # two seconds of the microphone (what piles up while a request is out)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _app() -> App:
    return current_app.extensions["playout"]


def _control() -> Any:
    return current_app.extensions["playout.control"]


def _actions() -> ActionLog:
    return current_app.extensions["playout.actions"]


def _today() -> date:
    return preview_mod.today(_app())


def _date_arg(name: str, default: date) -> date:
    value = request.args.get(name, "").strip()
    if not value:
        return default
    try:
        return display.parse_date(value)
    except ValueError:
        flash(t("web.bad_date", g.lang, option=label(f"web.period_{name}", g.lang), value=value), "error")
        return default


def _send_report(write: Callable[[Path], object], name: str, mimetype: str) -> Any:
    """Write a report to a private temporary file and hand it over; the file is gone as soon
    as it is open, so nothing is left behind whatever happens to the download."""
    fd, temp = tempfile.mkstemp(prefix="playout-report-", suffix=Path(name).suffix)
    os.close(fd)
    path = Path(temp)
    try:
        write(path)
        handle = path.open("rb")
    finally:
        path.unlink(missing_ok=True)
    return send_file(handle, mimetype=mimetype, as_attachment=True, download_name=name)


def _zones() -> dict[str, str]:
    """The station's zones, id -> name, in the configuration's order."""
    return {z.id: z.name for z in _app().config.zones}


def _zone_arg() -> str | None:
    """The page's zone filter: a zone the station has (or its log names), else none, said once."""
    value = request.args.get("zone", "").strip()
    if not value:
        return None
    known = list(_zones())
    if not export.zone_known(_app().db, value, known):
        flash(t("zones.not_found", g.lang, zones=value, known=", ".join(known)), "error")
        return None
    return value


def _zone_choice(chosen: str | None) -> list[tuple[str, str]]:
    """The zones a page offers to filter by, where the station has more than one (and a zone
    only the log names, once it is chosen)."""
    zones = list(_zones().items())
    if chosen and chosen not in dict(zones):
        zones.append((chosen, chosen))
    return zones if len(zones) > 1 else []


# -- Now --------------------------------------------------------------------------------


def _status() -> dict[str, Any]:
    try:
        status = _control().call("GET", "/status", actor=web_actor())
        return {"s": status, "down": None, "queued": display.queued_manual(_app(), _app().clock.now())}
    except PlayoutError as exc:
        return {"s": None, "down": t("web.daemon_down", g.lang, detail=exc.render(g.lang))}


@bp.route("/")
def now() -> Any:
    return render_template("now.html", page="now", **_status())


class LiveSnapshot:
    """The Now page's live block, rendered at most once per `ttl` seconds per language and
    shared by every open page. Each page asks every second; without this, each request asked
    the daemon for its status and rendered the block itself, so twenty pages meant twenty
    status calls a second competing with the daemon for the interpreter.

    Once a block exists no request waits for a new one: the first request after `ttl` starts
    one renewal in a background thread and, like every request until it is done, gets the
    block it has (at most a second or so old; the page asks again in a second). A status call
    slowed by an airing being prepared therefore delays no page. Only the very first request
    for a language renders while the others wait for it."""

    def __init__(self, ttl: float = 0.5) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._first = threading.Lock()
        self._blocks: dict[str, tuple[float, str]] = {}
        self._renewing: set[str] = set()

    def get(self, lang: str, now: float, render: Callable[[], str],
            spawn: Callable[[Callable[[], None]], None] | None = None) -> str:  # fmt: skip
        with self._lock:
            held = self._blocks.get(lang)
            renew = held is not None and not 0 <= now - held[0] < self.ttl and lang not in self._renewing
            if renew:
                self._renewing.add(lang)
        if held is not None:
            if renew:
                (spawn or _in_thread)(lambda: self._renew(lang, now, render))
            return held[1]
        with self._first:  # no block yet: one request renders, the others wait for it
            with self._lock:
                if (held := self._blocks.get(lang)) is not None:
                    return held[1]
            text = render()
            with self._lock:
                self._blocks[lang] = (now, text)
            return text

    def _renew(self, lang: str, now: float, render: Callable[[], str]) -> None:
        try:
            text = render()
            with self._lock:
                self._blocks[lang] = (now, text)
        finally:
            with self._lock:
                self._renewing.discard(lang)


def _in_thread(work: Callable[[], None]) -> None:
    threading.Thread(target=work, name="web-live", daemon=True).start()


@bp.route("/now/live")
def now_live() -> Any:
    live = current_app.extensions.setdefault("playout.live", LiveSnapshot())

    request_globals = dict(vars(g))  # the language and the user, for a renewal in another thread

    @copy_current_request_context  # the renewal may run in its own thread after this request
    def render() -> str:
        vars(g).update(request_globals)
        return render_template("_now_live.html", **_status())

    text = live.get(g.lang, _app().clock.monotonic(), render, current_app.extensions.get("playout.live_spawn"))
    return current_app.response_class(text, mimetype="text/html", headers={"Cache-Control": "no-store"})


@bp.route("/skip", methods=["POST"])
@technician_only
def skip() -> Any:
    names = _zones()
    if request.form.get("confirm") != "1":  # cutting the broadcast asks first (no script needed)
        state = _status()
        playing = (state["s"] or {}).get("now_playing") if state["s"] else None
        if playing:
            # Where the station has zones, the question lists them with what each has on air,
            # those airing something ticked: the skip can be narrowed to some of them.
            on_air = {z["id"]: z.get("playing") for z in (state["s"] or {}).get("zones") or []}
            zones = [(z, name, on_air.get(z)) for z, name in names.items()] if len(names) > 1 else []
            return render_template("skip_confirm.html", page="now", zones=zones,
                                   ticked=[z for z in names if on_air.get(z)] or list(names),
                                   question=t("web.confirm_skip", g.lang, title=playing.get("title") or "?"))  # fmt: skip
        flash(state["down"] or t("daemon.nothing_playing", g.lang), "error" if state["down"] else "ok")
        return redirect(url_for("pages.now"))
    body: dict[str, Any] | None = None
    if len(names) > 1 and request.form.get("zone_choice") == "1":
        form_zones = [z for z in request.form.getlist("zones") if z]
        unknown = [z for z in form_zones if z not in names]
        if unknown or not form_zones:
            flash(t("zones.not_found", g.lang, zones=", ".join(unknown), known=", ".join(names)) if unknown
                  else t("web.no_zone", g.lang), "error")  # fmt: skip
            return redirect(url_for("pages.now"))
        if len(form_zones) < len(names):  # every zone is the daemon's default: only a narrowed choice is sent
            body = {"zones": [z for z in names if z in form_zones]}
    try:
        skipped = _control().call("POST", "/skip", body, actor=web_actor())["skipped"]
        flash(t("daemon.skipped" if skipped else "daemon.nothing_playing", g.lang), "ok")
    except PlayoutError as exc:
        flash(exc.render(g.lang), "error")
    return redirect(url_for("pages.now"))


# -- Week -------------------------------------------------------------------------------


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@bp.route("/week")
def week() -> Any:
    app, lang = _app(), g.lang
    today = _today()
    first = today - timedelta(days=today.weekday())
    if request.args.get("week"):
        try:
            first, _ = preview_mod.week_of(request.args["week"])
        except UsageError as exc:
            flash(exc.render(lang), "error")
    days = [first + timedelta(days=i) for i in range(7)]
    shown = preview_mod.preview(app, first, days[-1], lang)
    found = preview_mod.findings(app)
    problems = [("error", preview_mod.problem_line(p, "error", lang)) for p in found.errors]
    problems += [("warning", preview_mod.problem_line(p, "warning", lang)) for p in found.warnings]
    grid: dict[int, dict[date, list]] = {}
    for plan in shown.plans:
        occ = plan.occurrence
        grid.setdefault(occ.local.hour, {}).setdefault(occ.local_date, []).append(plan)
    return render_template(
        "week.html", page="week", days=days, hours=sorted(grid), grid=grid, notes=shown.notes, problems=problems,
        zones=_week_zones(shown.plans),
        week=_iso_week(first), prev=_iso_week(first - timedelta(days=7)), next=_iso_week(first + timedelta(days=7)),
        this=_iso_week(today), today=today, tz=app.config.station.timezone, broken=bool(shown.errors),
        source=describe_source,
        week_label=display.week_label(first, lang),
    )  # fmt: skip


def _week_zones(plans: list) -> dict[str, str]:
    """Where a slot or an item airs in only some of the station's zones, their names, by
    occurrence key (the slot) and by "occurrence key item key" (an item): nothing where it
    airs everywhere, so a station with one zone sees no change."""
    names = _zones()
    everywhere = set(names)

    def some(zones: tuple[str, ...] | None) -> str | None:
        if zones is None or everywhere <= set(zones):
            return None
        return ", ".join(names.get(z, z) for z in zones)

    found: dict[str, str] = {}
    for plan in plans:
        occ = plan.occurrence
        if (text := some(occ.slot.zones)) is not None:
            found[occ.key] = text
        for n, item in enumerate(occ.slot.items, 1):
            if (text := some(item.zones)) is not None:
                found[f"{occ.key} {occ.slot.id}#{n}"] = text
    return found


# -- Library ----------------------------------------------------------------------------


@bp.route("/library")
def library() -> Any:
    app = _app()
    everything = app.clips.list()
    q = nfc(request.args.get("q", "").strip()).casefold()
    kind = request.args.get("kind", "")
    programme = request.args.get("programme", "")
    status = request.args.get("status", "active")
    clips = [
        c for c in everything
        if (not kind or c.kind == kind) and (not programme or c.programme == programme)
        and (status == "all" or c.retired == (status == "retired"))
        and (not q or any(q in (v or "").casefold() for v in (c.title, c.programme, c.original_name, c.tags)))
    ]  # fmt: skip
    programmes = sorted({c.programme for c in everything if c.programme})
    return render_template(
        "library.html", page="library", clips=clips, total=len(everything), programmes=programmes,
        kinds=[k.value for k in CLIP_KINDS], q=request.args.get("q", ""), kind=kind, programme=programme, status=status,
        limit_mb=round(app.config.web.max_upload_bytes / 1024 / 1024),
    )  # fmt: skip


def display_name(name: str) -> str:
    """The client's file name, reduced to a name to show: never used as a path."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return nfc("".join(ch for ch in base if ch.isprintable()).strip())[:200] or "upload"


def _upload_request() -> ImportRequest:
    """What the upload form says about the files: the same fields and checks as the edit page."""
    from playout.web.clips import clip_fields

    values, errors = clip_fields(request.form, g.lang, title_needed=False)
    if errors:
        raise UsageError("web.upload_fields", problems=" ".join(errors.values()))
    return ImportRequest(kind=Kind(values["kind"]), programme=values["programme"], episode_date=values["episode_date"],
                         title=values["title"], valid_from=values["valid_from"], valid_until=values["valid_until"],
                         tags=tuple(x for x in values["tags"].split(",") if x))  # fmt: skip


@bp.route("/library/upload", methods=["POST"])
@technician_only
def upload() -> Any:
    """One file per request (the page sends them one after another, with progress), through
    the same importer and with the same messages as `playout import`."""
    app, lang = _app(), g.lang
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        return jsonify({"ok": False, "message": t("web.no_file", lang)}), 400
    shown = display_name(sent.filename)
    try:
        path = Path(sent.stream.name)  # the server-named file the upload was streamed into
        sent.stream.flush()
        limit = app.config.web.max_upload_bytes
        if path.stat().st_size > limit:
            return jsonify({"ok": False, "message": t("web.too_large", lang, file=shown,
                                                            limit=round(limit / 1024 / 1024))}), 413  # fmt: skip
        result = app.importer().import_one(path, _upload_request(), shown_as=shown)
    except PlayoutError as exc:
        _actions().record(web_actor(), "import", shown, "failed: " + exc.render("en"))
        return jsonify({"ok": False, "message": exc.render(lang)}), 400
    finally:
        sent.close()
    ok = result.status != Status.FAILED
    _actions().record(web_actor(), "import", f"{shown}" + (f" -> #{result.clip.id}" if result.clip else ""),
                      "ok" if ok else "failed: " + result.message("en"))  # fmt: skip
    return jsonify({"ok": ok, "status": result.status.value, "message": result.message(lang),
                    "clip_id": result.clip.id if result.clip else None}), 200 if ok else 422  # fmt: skip


@bp.route("/library/<int:clip_id>/retire", methods=["POST"])
@technician_only
def retire(clip_id: int) -> Any:
    try:
        clip, changed = _app().clips.retire(clip_id)
        _actions().record(web_actor(), "retire", f"#{clip.id} {clip.title}", "ok" if changed else "already retired")
        flash(t("clips.retired" if changed else "clips.already_retired", g.lang, clip_id=clip.id, title=clip.title), "ok")
    except PlayoutError as exc:
        flash(exc.render(g.lang), "error")
    return redirect(url_for("pages.library"))


@bp.route("/library/<int:clip_id>/audio")
def audio(clip_id: int) -> Any:
    app = _app()
    try:
        clip = app.clips.get(clip_id)
    except NotFound:
        abort(404)
    folder = app.config.library.folder.resolve()
    path = (folder / clip.path).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        abort(404)
    return send_file(path, mimetype="audio/flac", conditional=True, download_name=f"clip-{clip_id}.flac")


# -- Log --------------------------------------------------------------------------------


def _log_query() -> tuple[Period, export.Filters, dict[str, str]]:
    app, today = _app(), _today()
    first = _date_arg("from", today - timedelta(days=6))
    last = _date_arg("to", today)
    try:
        period = period_from(None, first, last, app.config.station.timezone, today)
    except UsageError as exc:
        flash(exc.render(g.lang), "error")
        period = period_from(None, today - timedelta(days=6), today, app.config.station.timezone, today)
    programme = request.args.get("programme", "")
    kind = request.args.get("kind", "")
    outcome = request.args.get("outcome", "")
    filters = export.Filters(
        programme=programme or None,
        kind=kind if kind in {k.value for k in Kind} else None,
        outcome=outcome if outcome in {o.value for o in Outcome} else None,
        zone=_zone_arg(),
    )
    args = {"from": period.start.isoformat(), "to": period.end.isoformat(), "programme": filters.programme or "",
            "kind": filters.kind or "", "outcome": filters.outcome or "", "zone": filters.zone or ""}  # fmt: skip
    return period, filters, args


@bp.route("/log")
def log() -> Any:
    app = _app()
    period, filters, args = _log_query()
    try:
        page_no = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page_no = 1
    rows, total = export.page(app.db, period, filters, (page_no - 1) * LOG_PAGE, LOG_PAGE)
    pages = max(1, -(-total // LOG_PAGE))
    actions, actions_total = _actions().between(period.utc_start, period.utc_end, limit=200)
    return render_template(
        "log.html", page="log", rows=rows, total=total, page_no=page_no, pages=pages, args=args,
        zones=_zone_choice(filters.zone),  # a zone column and filter where there is more than one zone
        first=(page_no - 1) * LOG_PAGE + 1, last=(page_no - 1) * LOG_PAGE + len(rows),
        programmes=export.programmes(app.db), kinds=[k.value for k in Kind], outcomes=[o.value for o in Outcome],
        actions=actions, actions_total=actions_total,
        shown={"from": display.show_date(period.start), "to": display.show_date(period.end)},
    )  # fmt: skip


@bp.route("/log/actions")
def actions_export() -> Any:
    app, lang = _app(), g.lang
    period, _, _ = _log_query()
    name = f"{'thao-tac' if lang == 'vi' else 'manual-actions'}-{period.start}-{period.end}.csv"
    return _send_report(lambda dest: export.write_actions_csv(app.db, period, lang, dest), name,
                        "text/csv")  # fmt: skip (werkzeug adds the charset)


@bp.route("/log/export")
def log_export() -> Any:
    app, lang = _app(), g.lang
    fmt = request.args.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        abort(404)
    period, filters, _ = _log_query()
    name = f"{'nhat-ky' if lang == 'vi' else 'airing-log'}-{period.start}-{period.end}.{fmt}"
    if fmt == "csv":
        return _send_report(lambda dest: export.write_csv(app.db, period, filters, lang, dest), name,
                            "text/csv")  # fmt: skip (werkzeug adds the charset)
    return _send_report(lambda dest: export.write_xlsx(app.db, period, filters, lang, dest, app.config.station.name),
                        name, XLSX)  # fmt: skip


# -- Tally ------------------------------------------------------------------------------


def year_period(app: App, today: date) -> tuple[int, Period]:
    """The tally's year from the page's `year` argument (this year when it is not one)."""
    try:
        year = int(request.args.get("year", today.year))
        return year, period_from(year, None, None, app.config.station.timezone, today)
    except (ValueError, UsageError):
        return today.year, period_from(today.year, None, None, app.config.station.timezone, today)


def _tally() -> tuple[int, tally.Tally]:
    app, today = _app(), _today()
    year, period = year_period(app, today)
    zone = _zone_arg()
    return year, tally.compute(app.db, period, app.config.station.name, app.config.partial_share, zone=zone,
                               zones=_zones())  # fmt: skip


@bp.route("/tally")
def tally_page() -> Any:
    lang = g.lang
    year, result = _tally()
    months = [tally.month_label(y, m) for y, m in result.months]
    return render_template(
        "tally.html", page="tally", year=year, result=result, headers=tally.headers(lang),
        zones=_zone_choice(result.zone), zone=result.zone or "",
        zone_headers=tally.zone_headers(result, lang) if result.breakdown else [],
        zone_table=tally.zone_table(result, lang) if result.breakdown else [],
        table=tally.table(result, lang), summary=tally.summary(result, lang), months=months,
        monthly=[(ln.name(lang), [tally.number(ln.monthly.get(m, 0), lang) for m in result.months]) for ln in result.lines],
        chart=panel_chart(tally.chart_series(result, lang), [m[:2] for m in months]),
        chart_narrow=panel_chart(tally.chart_series(result, lang), [m[:2] for m in months], width=300, columns=1),
        rule=label("tally.rule", lang).format(share=round(result.partial_share * 100)),
        unassigned=tally.not_aired_text(result.unassigned_not_aired, lang),
    )  # fmt: skip


@bp.route("/tally/download")
def tally_download() -> Any:
    lang = g.lang
    fmt = request.args.get("format", "xlsx")
    if fmt not in ("xlsx", "pdf", "docx"):
        abort(404)
    year, result = _tally()
    name = f"{'tong-hop' if lang == 'vi' else 'tally'}-{year}{'-' + result.zone if result.zone else ''}.{fmt}"
    if fmt == "xlsx":
        return _send_report(lambda dest: tally_files.write_xlsx(result, lang, dest), name, XLSX)
    head = Letterhead.from_config(_app().config, _today())
    if fmt == "docx":
        return _send_report(lambda dest: tally_files.write_docx(result, lang, dest, head), name, DOCX)
    return _send_report(lambda dest: tally_files.write_pdf(result, lang, dest, head), name, "application/pdf")


# -- Air now ----------------------------------------------------------------------------


@bp.route("/air-now", methods=["GET", "POST"])
@technician_only
def air_now() -> Any:
    app, lang = _app(), g.lang
    clips = [c for c in app.clips.list() if not c.retired]
    chosen, level = None, Level.NORMAL
    names = _zones()
    # Zones to choose from where the station has more than one (default: every zone ticked).
    zones = list(names.items()) if len(names) > 1 else []
    ticked = list(names)
    if request.method == "POST":
        form_zones = [z for z in request.form.getlist("zones") if z]
        if zones:
            ticked = [z for z in names if z in form_zones]
        try:
            level = Level(request.form.get("level", "normal"))
            chosen = app.clips.get(int(request.form.get("clip", "")))
        except (ValueError, PlayoutError):
            flash(t("daemon.no_clip", lang, clip=request.form.get("clip", "")), "error")
            return render_template("air_now.html", page="air", clips=clips, chosen=None, level=level.value,
                                   levels=[lv.value for lv in Level], zones=zones, ticked=ticked), 400  # fmt: skip
        unknown = [z for z in form_zones if z not in names]
        if zones and (unknown or not ticked):
            flash(t("zones.not_found", lang, zones=", ".join(unknown), known=", ".join(names)) if unknown
                  else t("web.no_zone", lang), "error")  # fmt: skip
            return render_template("air_now.html", page="air", clips=clips, chosen=chosen, level=level.value,
                                   levels=[lv.value for lv in Level], zones=zones, ticked=ticked), 400  # fmt: skip
        # Every zone is the daemon's default: only a narrowed choice is sent.
        narrowed = ticked if zones and len(ticked) < len(names) else None
        if request.form.get("confirm") == "1":
            body: dict[str, Any] = {"clip": str(chosen.id), "level": level.value}
            if narrowed:
                body["zones"] = narrowed
            # Normal and priority wait for what is on air: say so, not "airing now".
            busy = level != Level.EMERGENCY and bool((_status()["s"] or {}).get("now_playing"))
            try:
                done = _control().call("POST", "/air-now", body, actor=web_actor())
            except PlayoutError as exc:
                flash(exc.render(lang), "error")
            else:
                flash(t("web.air_waits" if busy else "daemon.air_now", lang, level=label(f"level.{level.value}", lang), clip_id=done["clip_id"],
                        title=done["title"]), "ok")  # fmt: skip
                return redirect(url_for("pages.now"))
        else:
            question = t("web.confirm_air", lang, clip_id=chosen.id, title=chosen.title,
                         duration=fmt_duration(chosen.duration_ms), level=label(f"level.{level.value}", lang))  # fmt: skip
            return render_template("air_confirm.html", page="air", clip=chosen, level=level.value, question=question,
                                   ticked=ticked if zones else [],
                                   where=", ".join(names.get(z, z) for z in narrowed) if narrowed else "")  # fmt: skip
    return render_template("air_now.html", page="air", clips=clips, chosen=chosen, level=level.value,
                           levels=[lv.value for lv in Level], zones=zones, ticked=ticked)  # fmt: skip


# -- Live from the microphone -----------------------------------------------------------


@bp.route("/live")
@technician_only
def live_page() -> Any:
    zones = [(z.id, z.name or z.id) for z in _app().config.zones]
    return render_template("live.html", page="live", zones=zones if len(zones) > 1 else [],
                           levels=[lv.value for lv in Level], today=_today())  # fmt: skip


def _live_call(path: str, body: dict[str, Any]) -> Any:
    try:
        return jsonify({"ok": True, **_control().call("POST", path, body, actor=web_actor())})
    except PlayoutError as exc:
        return jsonify({"ok": False, "message": exc.render(g.lang)}), getattr(exc, "status", 400)


@bp.route("/live/start", methods=["POST"])
@technician_only
def live_start() -> Any:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        body = {}
    return _live_call("/live/start", {k: v for k, v in body.items() if k in ("level", "zones")})


@bp.route("/live/chunk", methods=["POST"])
@technician_only
def live_chunk() -> Any:
    """A chunk of the microphone: raw 16-bit mono PCM at 48 kHz in the body; where it starts
    in the speaker's stream (pos, samples) and when it was captured (t, ms) in the query."""
    try:
        pos, t_ms = int(request.args.get("pos", "")), float(request.args.get("t", ""))
    except ValueError:
        pos, t_ms = -1, 0.0
    if (request.content_length or 0) > LIVE_CHUNK_MAX:  # not read: a chunk is never this big
        return jsonify({"ok": False, "message": t("live.bad_chunk", g.lang, size=request.content_length)}), 413
    return _live_call("/live/chunk", {"id": request.args.get("id", ""), "pos": pos, "t_ms": t_ms,
                                      "pcm": request.get_data(cache=False)})  # fmt: skip


@bp.route("/live/stop", methods=["POST"])
@technician_only
def live_stop() -> Any:
    body = request.get_json(silent=True)
    return _live_call("/live/stop", {"id": body.get("id", "") if isinstance(body, dict) else ""})


@bp.route("/live/state", methods=["POST"])
@technician_only
def live_state() -> Any:
    body = request.get_json(silent=True)
    return _live_call("/live/state", {"id": body.get("id", "") if isinstance(body, dict) else ""})


def install(web: Flask) -> None:
    web.register_blueprint(bp)
