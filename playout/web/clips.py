"""Editing what the library says about a clip, and putting a retired clip back.

The audio is never touched here: a technician corrects the title, the programme, the kind, the
tags (rotation pools choose by them), the episode date (the latest episode is chosen by it) and
the validity window (a storm notice valid three days). Each change is journalled with who made
it and what it was before.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Flask, current_app, flash, g, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from playout.actions import ActionLog
from playout.app import App
from playout.errors import PlayoutError
from playout.i18n import label, t
from playout.library.steps import nfc
from playout.model import CLIP_KINDS, Kind
from playout.web.auth import technician_only, web_actor
from playout.web.display import parse_date, show_date

bp = Blueprint("clips", __name__)

TITLE_MAX = 200
DATES = ("episode_date", "valid_from", "valid_until")
LABELS = {"episode_date": "col.episode_date", "valid_from": "field.valid_from", "valid_until": "field.valid_until",
          "title": "col.title", "kind": "col.kind", "programme": "col.programme", "tags": "field.tags"}


def _app() -> App:
    return current_app.extensions["playout"]


def _actions() -> ActionLog:
    return current_app.extensions["playout.actions"]


def clip_fields(form: MultiDict, lang: str, *, title_needed: bool) -> tuple[dict[str, Any], dict[str, str]]:
    """The clip's fields from a form (the edit page's, or an upload's), and a sentence per
    field that is wrong. Dates are typed dd/mm/yyyy; tags are separated by commas."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    title = nfc(form.get("title", "").strip())
    if len(title) > TITLE_MAX:
        errors["title"] = t("clips.title_too_long", lang, limit=TITLE_MAX)
    elif not title and title_needed:
        errors["title"] = t("clips.title_needed", lang)
    values["title"] = title or None
    try:
        kind = Kind(form.get("kind", "").strip().lower())
        if kind not in CLIP_KINDS:
            raise ValueError(kind)
        values["kind"] = kind.value
    except ValueError:
        errors["kind"] = t("cli.bad_kind", lang, value=form.get("kind", "")[:40],
                           choices=", ".join(k.value for k in CLIP_KINDS))  # fmt: skip
    values["programme"] = nfc(form.get("programme", "").strip())[:TITLE_MAX] or None
    tags = sorted({nfc(x).strip() for x in form.get("tags", "").replace(";", ",").split(",") if x.strip()})
    values["tags"] = ",".join(tags)
    for name in DATES:
        text = form.get(name, "").strip()
        if not text:
            values[name] = None
            continue
        try:
            values[name] = parse_date(text)
        except ValueError:
            errors[name] = t("web.bad_date", lang, option=label(LABELS[name], lang), value=text[:40])
    first, last = values.get("valid_from"), values.get("valid_until")
    if isinstance(first, date) and isinstance(last, date) and first > last:
        errors["valid_until"] = t("cli.bad_window", lang, valid_from=show_date(first), valid_until=show_date(last))
    return values, errors


def _shown(value: Any, name: str = "") -> str:
    if isinstance(value, date):
        return show_date(value)
    if name == "tags" and value:
        return str(value).replace(",", ", ")
    return "—" if value in (None, "") else str(value)


@bp.route("/library/<int:clip_id>/edit", methods=["GET", "POST"])
@technician_only
def edit(clip_id: int) -> Any:
    app, lang = _app(), g.lang
    try:
        clip = app.clips.get(clip_id)
    except PlayoutError as exc:
        flash(exc.render(lang), "error")
        return redirect(url_for("pages.library"))
    form: dict[str, str] = {
        "title": clip.title, "kind": clip.kind, "programme": clip.programme or "", "tags": ", ".join(clip.tag_list),
        **{name: show_date(getattr(clip, name)) for name in DATES},
    }  # fmt: skip
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in form}
        values, errors = clip_fields(request.form, lang, title_needed=True)
        if not errors:
            clip, changed = app.clips.update(clip_id, values)
            if changed:
                # Stored once, read by everyone: in the station's language, like its exports.
                detail = f"#{clip.id} {clip.title}: " + "; ".join(
                    f"{label(LABELS[name], app.lang)}: {_shown(old, name)} → {_shown(new, name)}"
                    for name, (old, new) in changed.items())
                _actions().record(web_actor(), "clip-edit", detail)
                flash(t("clips.saved", lang, clip_id=clip.id, title=clip.title), "ok")
            else:
                flash(t("clips.unchanged", lang, clip_id=clip.id, title=clip.title), "ok")
            return redirect(url_for("pages.library", status="all") + f"#clip-{clip.id}")
    programmes = sorted({c.programme for c in app.clips.list() if c.programme})
    return render_template("clip_edit.html", page="library", clip=clip, form=form, errors=errors,
                           kinds=[k.value for k in CLIP_KINDS], programmes=programmes), 400 if errors else 200  # fmt: skip


@bp.route("/library/<int:clip_id>/unretire", methods=["POST"])
@technician_only
def unretire(clip_id: int) -> Any:
    try:
        clip, changed = _app().clips.unretire(clip_id)
        _actions().record(web_actor(), "unretire", f"#{clip.id} {clip.title}", "ok" if changed else "already active")
        flash(t("clips.unretired" if changed else "clips.already_active", g.lang, clip_id=clip.id, title=clip.title),
              "ok")  # fmt: skip
    except PlayoutError as exc:
        flash(exc.render(g.lang), "error")
    return redirect(request.form.get("back") if request.form.get("back") == url_for("clips.edit", clip_id=clip_id)
                    else url_for("pages.library", status="all"))  # fmt: skip


def install(web: Flask) -> None:
    web.register_blueprint(bp)
