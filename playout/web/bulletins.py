"""The station's bulletins from the province on its web page: what was received and what
became of each; a technician accepts a normal bulletin into the schedule at a time of their
choosing (a one-day slot of its own, written as a schedule file), airs it now, or declines
it. Every decision is journalled with who made it, and reported to the province."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, current_app, flash, g, redirect, render_template, request, url_for

from playout.app import App
from playout.errors import PlayoutError
from playout.i18n import t
from playout.model import Level
from playout.province.bulletins import State, StationBulletins
from playout.web.auth import technician_only, web_actor
from playout.web.display import parse_datetime

bp = Blueprint("bulletins", __name__)


def _app() -> App:
    return current_app.extensions["playout"]


def _inbox() -> StationBulletins | None:
    app = _app()
    sid = app.config.province.station_id
    if not sid:
        return None
    return StationBulletins(app.db, sid, app.clock, app.importer, app.config.station.timezone)


@bp.route("/bulletins")
def bulletins() -> Any:
    inbox = _inbox()
    app = _app()
    tz = app.config.station.timezone
    now = app.clock.now().astimezone(tz)
    suggested = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)  # the next whole hour
    return render_template("bulletins.html", page="bulletins", joined=inbox is not None,
                           rows=inbox.list() if inbox else [], waiting=State.WAITING,
                           suggested=suggested.strftime("%d/%m/%Y %H:%M"))  # fmt: skip


def _decide(uid: str, action: str, do: Any) -> Any:
    inbox = _inbox()
    if inbox is None:
        return redirect(url_for("bulletins.bulletins"))
    actor = web_actor()
    try:
        b = do(inbox, f"web:{actor.name}")
    except PlayoutError as exc:
        current_app.extensions["playout.actions"].record(actor, action, uid[:36], "failed: " + exc.render("en"))
        flash(exc.render(g.lang), "error")
    else:
        current_app.extensions["playout.actions"].record(actor, action, f"{b.title} ({uid[:8]})", b.state)
        flash(t("bulletin.decided", g.lang, title=b.title, state=t(f"bulletin.state.{b.state}", g.lang)), "ok")
    return redirect(url_for("bulletins.bulletins"))


@bp.route("/bulletins/<uid>/schedule", methods=["POST"])
@technician_only
def schedule(uid: str) -> Any:
    app = _app()
    try:
        at = parse_datetime(request.form.get("at", "")).replace(tzinfo=app.config.station.timezone)
    except ValueError:
        flash(t("web.bad_datetime", g.lang, option=t("bulletin.at", g.lang), value=request.form.get("at", "")[:40]),
              "error")  # fmt: skip
        return redirect(url_for("bulletins.bulletins"))
    return _decide(uid, "bulletin-schedule", lambda inbox, by: inbox.schedule(uid, by, at, app.config.schedules_folder))


@bp.route("/bulletins/<uid>/air", methods=["POST"])
@technician_only
def air(uid: str) -> Any:
    control = current_app.extensions["playout.control"]

    def air_now(clip_id: int, level: Level) -> str:
        return control.call("POST", "/air-now", {"clip": str(clip_id), "level": level.value}, actor=web_actor())["key"]

    return _decide(uid, "bulletin-air", lambda inbox, by: inbox.accept(uid, by, air_now))


@bp.route("/bulletins/<uid>/reject", methods=["POST"])
@technician_only
def reject(uid: str) -> Any:
    return _decide(uid, "bulletin-reject", lambda inbox, by: inbox.reject(uid, by))


def install(web: Flask) -> None:
    web.register_blueprint(bp)
