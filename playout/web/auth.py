"""Logging in, roles, CSRF tokens and the login throttle.

The session is Flask's signed cookie (HttpOnly, SameSite=Lax, Secure behind TLS); it holds
the account's name, when its password last changed (a new password ends older logins) and
the CSRF token every form and upload must send back.
"""

from __future__ import annotations

import functools
import hmac
import secrets
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import Blueprint, Flask, flash, g, jsonify, redirect, render_template, request, session, url_for

from playout.app import App
from playout.clock import Clock
from playout.i18n import label, t
from playout.users import Role, UserRepository

PUBLIC = {"auth.login", "static"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class LoginThrottle:
    """At most `limit` failed logins per name and address in `window`; in memory, which is
    enough for one studio PC (a restart forgets, and so does a success)."""

    def __init__(self, clock: Clock, limit: int = 5, window: timedelta = timedelta(minutes=5)) -> None:
        self.clock = clock
        self.limit = limit
        self.window = window
        self._failures: dict[tuple[str, str], list[datetime]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str]) -> list[datetime]:
        since = self.clock.now() - self.window
        kept = [at for at in self._failures.get(key, []) if at > since]
        if kept:
            self._failures[key] = kept
        else:
            self._failures.pop(key, None)
        return kept

    def blocked(self, key: tuple[str, str]) -> bool:
        with self._lock:
            return len(self._recent(key)) >= self.limit

    def failed(self, key: tuple[str, str]) -> None:
        with self._lock:
            if len(self._failures) > 10_000:  # a flood of names: forget the stale ones
                for k in list(self._failures):
                    self._recent(k)
            self._failures.setdefault(key, []).append(self.clock.now())

    def succeeded(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._failures.pop(key, None)


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def refuse(status: int, message: str) -> Any:
    if wants_json():
        return jsonify({"ok": False, "message": message}), status
    return render_template("error.html", message=message), status


def technician_only(view: Callable) -> Callable:
    """Loading clips, retiring them and airing by hand are the technician's; a manager reads."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.user.role != Role.TECHNICIAN.value:
            return refuse(403, t("web.forbidden", g.lang, role=label(f"role.{g.user.role}", g.lang)))
        return view(*args, **kwargs)

    return wrapper


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never another host after logging in."""
    if not target:
        return url_for("pages.now")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("pages.now")
    return target


def install(web: Flask, app: App) -> None:
    users = UserRepository(app.db, app.clock)
    throttle = LoginThrottle(app.clock)
    web.extensions["playout.throttle"] = throttle
    web.jinja_env.globals["csrf_token"] = csrf_token

    @web.before_request
    def _guard() -> Any:
        g.user = None
        name = session.get("user")
        if name:
            user = users.get(name)
            if user is not None and session.get("pw") == user.password_changed_at.isoformat():
                g.user = user
            else:  # removed, or its password changed since this login
                session.clear()
        if request.endpoint not in PUBLIC and g.user is None:
            if wants_json() or request.method in UNSAFE:
                return refuse(401, t("web.login_needed", g.lang))
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if request.method in UNSAFE:
            # The header first: an upload is not parsed before its token is checked.
            sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
            expected = session.get("csrf", "")
            if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
                return refuse(400, t("web.csrf", g.lang))
        return None

    bp = Blueprint("auth", __name__)

    @bp.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        error, status = None, 200
        if request.method == "POST":
            name = request.form.get("name", "").strip()
            key = (name.casefold(), request.remote_addr or "")
            if throttle.blocked(key):
                error, status = t("web.throttled", g.lang, minutes=int(throttle.window.total_seconds() // 60)), 429
            else:
                user = users.authenticate(name, request.form.get("password", ""))
                if user is None:
                    throttle.failed(key)
                    error, status = t("web.bad_login", g.lang), 401
                else:
                    throttle.succeeded(key)
                    session.clear()  # a fresh session: no fixation
                    session.permanent = True
                    session["user"] = user.name
                    session["pw"] = user.password_changed_at.isoformat()
                    csrf_token()
                    return redirect(_safe_next(request.args.get("next")))
        return render_template("login.html", error=error, next=request.args.get("next", "")), status

    @bp.route("/logout", methods=["POST"])
    def logout() -> Any:
        session.clear()
        flash(t("web.logged_out", g.lang), "ok")
        return redirect(url_for("auth.login"))

    web.register_blueprint(bp)

    @web.errorhandler(404)
    def _not_found(_exc: Exception) -> Any:
        return refuse(404, t("web.not_found", g.get("lang", app.lang)))

    @web.errorhandler(413)
    def _too_large(_exc: Exception) -> Any:
        limit = round(app.config.web.max_upload_bytes / 1024 / 1024)
        name = unquote(request.headers.get("X-File-Name", ""))[:200]
        return refuse(413, t("web.too_large", g.get("lang", app.lang), file=name, limit=limit))

