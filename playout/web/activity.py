"""Activity: who did what and when, in one list (uploads, clip edits, air-now, skip, account
changes, schedule reloads, refused attempts), from the journal of manual actions (`actions`),
filtered by person, kind of action and period. Read by technicians and managers alike.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Flask, current_app, flash, g, render_template, request
from sqlalchemy import func, select

from playout import preview as preview_mod
from playout.app import App
from playout.db.models import Action
from playout.errors import UsageError
from playout.i18n import LABELS, label, t
from playout.reports.period import period_from
from playout.web.display import parse_date, show_date

bp = Blueprint("activity", __name__)

PAGE = 100


def _app() -> App:
    return current_app.extensions["playout"]


def action_name(action: str, lang: str) -> str:
    key = f"action.{action}"
    return label(key, lang) if key in LABELS else action


def _date(name: str, default: date) -> date:
    value = request.args.get(name, "").strip()
    if not value:
        return default
    try:
        return parse_date(value)
    except ValueError:
        flash(t("web.bad_date", g.lang, option=label(f"web.period_{name}", g.lang), value=value[:40]), "error")
        return default


@bp.route("/activity")
def activity() -> Any:
    app, lang = _app(), g.lang
    today = preview_mod.today(app)
    tz = app.config.station.timezone
    first, last = _date("from", today - timedelta(days=30)), _date("to", today)
    try:
        period = period_from(None, first, last, tz, today)
    except UsageError as exc:
        flash(exc.render(lang), "error")
        period = period_from(None, today - timedelta(days=30), today, tz, today)
    person, kind = request.args.get("person", "").strip(), request.args.get("kind", "").strip()
    try:
        page_no = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page_no = 1
    where = [Action.at >= period.utc_start, Action.at < period.utc_end]
    if person:
        where.append(Action.actor == person)
    if kind:
        where.append(Action.action == kind)
    with app.db.session() as s:
        total = s.execute(select(func.count()).select_from(Action).where(*where)).scalar_one()
        rows = list(s.execute(select(Action).where(*where).order_by(Action.at.desc(), Action.id.desc())  # type: ignore[union-attr]
                              .offset((page_no - 1) * PAGE).limit(PAGE)).scalars())  # fmt: skip
        people = sorted(p for p in s.execute(select(Action.actor).distinct()).scalars() if p)
        kinds = sorted(k for k in s.execute(select(Action.action).distinct()).scalars() if k)
    return render_template(
        "activity.html", page="activity", rows=rows, total=total, page_no=page_no, pages=max(1, -(-total // PAGE)),
        people=people, kinds=[(k, action_name(k, lang)) for k in kinds], person=person, kind=kind,
        shown={"from": show_date(period.start), "to": show_date(period.end)},
        export={"from": period.start.isoformat(), "to": period.end.isoformat()},
        action_name=lambda a: action_name(a, lang),
    )  # fmt: skip


def install(web: Flask) -> None:
    web.register_blueprint(bp)
