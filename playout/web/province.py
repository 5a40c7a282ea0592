"""The province's view: the same web application pointed at the central database (`playout
province web`), for accounts of role `province`: the stations with when each was last heard
and its health, the tally across stations and per station (the annual report's sentences),
and the bulletins with who received, accepted and aired each, and when."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Flask, abort, current_app, g, redirect, render_template, request, url_for

from playout.app import App
from playout.i18n import label
from playout.province import tally as province_tally
from playout.province import view
from playout.reports import tally
from playout.reports.document import Letterhead
from playout.web.pages import DOCX, XLSX, _send_report, year_period

bp = Blueprint("province", __name__)


def _app() -> App:
    return current_app.extensions["playout"]


def _today() -> date:
    app = _app()
    return app.clock.now().astimezone(app.config.station.timezone).date()


@bp.route("/")
def index() -> Any:
    return redirect(url_for("province.stations"))


@bp.route("/stations")
def stations() -> Any:
    app = _app()
    found = view.stations(app.db.engine, app.clock.now())
    return render_template("province_stations.html", page="stations", stations=found,
                           silent=sum(1 for s in found if s.silent))  # fmt: skip


def _tally() -> tuple[int, province_tally.ProvinceTally]:
    app = _app()
    year, period = year_period(app, _today())
    return year, province_tally.compute(app.db.engine, period, app.config.station.name, app.config.partial_share)


@bp.route("/tally")
def tally_page() -> Any:
    lang = g.lang
    year, pt = _tally()
    per_station = [(s, tally.summary(s.tally, lang), tally.table(s.tally, lang)) for s in pt.stations]
    return render_template("province_tally.html", page="tally", year=year, pt=pt, headers=tally.headers(lang),
                           total=tally.summary(pt.total, lang), total_table=tally.table(pt.total, lang),
                           per_station=per_station,
                           rule=label("tally.rule", lang).format(share=round(pt.total.partial_share * 100)))  # fmt: skip


@bp.route("/tally/download")
def tally_download() -> Any:
    fmt = request.args.get("format", "xlsx")
    if fmt not in ("xlsx", "csv", "json", "docx", "pdf"):
        abort(404)
    year, pt = _tally()
    mimetype = {"xlsx": XLSX, "csv": "text/csv", "json": "application/json", "docx": DOCX, "pdf": "application/pdf"}[fmt]
    head = Letterhead.from_config(_app().config, _today())
    return _send_report(lambda dest: province_tally.write(pt, fmt, dest, g.lang, head), f"tinh-{year}.{fmt}", mimetype)


@bp.route("/bulletins")
def bulletins() -> Any:
    return render_template("province_bulletins.html", page="bulletins", bulletins=view.bulletins(_app().db.engine))


def install(web: Flask) -> None:
    web.register_blueprint(bp)
