"""The web page for the technician and the manager, served by the daemon itself.

Server-rendered pages (Flask, Jinja) with a little plain JavaScript; nothing is fetched from
elsewhere. Reading pages use the App (database, library, schedule preview, exports, tally)
as the commands do; what only the running daemon knows or does (status, air now, skip)
goes through its control routes, the same handlers `playout status` and `air-now` reach.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, Request, g, request, url_for
from markupsafe import Markup

from playout.actions import ActionLog, Actor
from playout.app import App
from playout.i18n import LANGUAGES, fmt_duration, label, t


class Control(Protocol):
    """The daemon's control routes: `playout.daemon.control.LocalControl` in the daemon."""

    def call(self, method: str, path: str, body: dict | None = None, actor: Actor | None = None) -> dict: ...


def secret_key(path: Path) -> bytes:
    """The key that signs login cookies: read, or made once and readable by its owner only."""
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made by another process meanwhile
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key.hex() + "\n")
    return key


def upload_folder(app: App) -> Path:
    """Uploads land here under names the server makes, before the importer reads them."""
    folder = app.config.library.folder / ".incoming" / "web"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


_lowered = threading.local()


def _lower_priority() -> None:
    """The daemon runs at a raised priority so airings start on time; the web page's work
    (an import decodes a whole file) must not compete with it. Threads have their own nice
    value on Linux, and ffmpeg started from this thread inherits it."""
    if getattr(_lowered, "done", False) or threading.current_thread() is threading.main_thread():
        return  # the main thread is the daemon's own (or a test's), never a server worker
    _lowered.done = True
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (OSError, AttributeError):
        pass


def create_app(app: App, control: Control | None, *, province: bool = False) -> Flask:
    """The station's web page; or, with `province`, the province's view of its central
    database (`app.db` is then that database; no control routes)."""
    cfg = app.config.web
    uploads = upload_folder(app)

    class UploadRequest(Request):
        def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):  # noqa: ANN001, ANN202
            # Streamed to disk under a name made here; the client's file name is never a path.
            return tempfile.NamedTemporaryFile(dir=uploads, prefix="upload-", suffix=".part")

    web = Flask(__name__)
    web.request_class = UploadRequest
    web.config.update(
        SECRET_KEY=secret_key(cfg.secret_key_file),
        SESSION_COOKIE_NAME="playout_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=cfg.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=cfg.session_hours),
        MAX_CONTENT_LENGTH=cfg.max_upload_bytes + 1024 * 1024,  # the form's other fields
        MAX_FORM_MEMORY_SIZE=1024 * 1024,
        SEND_FILE_MAX_AGE_DEFAULT=300,
    )
    web.extensions["playout"] = app
    web.extensions["playout.control"] = control
    web.extensions["playout.actions"] = ActionLog(app.db, app.clock)
    tz = app.config.station.timezone

    @web.before_request
    def _language() -> None:
        _lower_priority()
        wanted = request.args.get("lang")
        g.set_lang = wanted if wanted in LANGUAGES else None
        cookie = request.cookies.get("lang")
        g.lang = g.set_lang or (cookie if cookie in LANGUAGES else app.lang)

    @web.after_request
    def _headers(resp):  # noqa: ANN001, ANN202
        if g.get("set_lang"):
            resp.set_cookie("lang", g.set_lang, max_age=365 * 86400, samesite="Lax", httponly=True,
                            secure=cfg.secure_cookies)  # fmt: skip
        # media-src blob: lets the live page play back a recording it just made (a blob URL
        # only the page's own script, itself 'self' only, can create).
        resp.headers.setdefault("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; "
                                "media-src 'self' blob:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")  # fmt: skip
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        if resp.mimetype == "text/html" or resp.mimetype == "application/json":
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    def local(value: datetime | str | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.astimezone(tz).strftime(fmt)

    def url_with(**changes: Any) -> str:
        """This page's address with some query arguments changed (paging, language)."""
        args = {**request.args.to_dict(), **{k: str(v) for k, v in changes.items()}}
        if not request.endpoint:
            return "?" + "&".join(f"{k}={v}" for k, v in changes.items())
        return url_for(request.endpoint, **(request.view_args or {}), **args)

    def day(value: datetime | str | date, lang: str) -> str:
        """A weekday and date as a Vietnamese (or English) reader writes it: Thứ Hai 30/11."""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if isinstance(value, datetime):
            value = value.astimezone(tz).date()
        return f"{label(f'weekday.{value.weekday()}', lang)} {value.strftime('%d/%m')}"

    @web.context_processor
    def _helpers() -> dict[str, Any]:
        lang = g.get("lang", app.lang)
        return {
            "url_with": url_with,
            "other_lang": "en" if lang == "vi" else "vi",
            "L": lambda key: label(key, lang),
            "T": lambda msg_id, **p: t(msg_id, lang, **p),
            "lang": lang,
            "station": app.config.station.name,
            "duration": lambda ms: fmt_duration(ms) if ms is not None else "",
            "local": local,
            "day": lambda value: day(value, lang),
            "badge": lambda outcome: Markup('<span class="badge o-{0}">{1}</span>').format(
                outcome, label(f"outcome.{outcome}", lang)),
        }  # fmt: skip

    from playout.web import auth, display, pages

    web.jinja_env.globals["province_view"] = province
    auth.install(web, app, province=province)
    display.install(web, app)
    if province:
        from playout.web import province as province_pages

        province_pages.install(web)
    else:
        from playout.web import accounts, activity, bulletins, clips, recorded, schedule_editor

        pages.install(web)
        bulletins.install(web)
        recorded.install(web)
        schedule_editor.install(web)
        clips.install(web)
        accounts.install(web)
        activity.install(web)
    return web
