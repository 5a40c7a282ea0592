"""Logging in, roles, CSRF tokens, the login throttle, and the Host and Origin checks.

The session is Flask's signed cookie (HttpOnly, SameSite=Lax, Secure behind TLS); it holds
the account's name, a session id, when its password last changed (a new password ends older
logins) and the CSRF token every form and upload must send back. The session id must be one
the server gave out and has not ended: logging out ends it on the server, so a copy of the
cookie saved before is worthless. Sessions live in the daemon's memory: a restart logs
everyone out.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import secrets
import threading
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import Blueprint, Flask, current_app, flash, g, jsonify, redirect, render_template, request, session, url_for

from playout.actions import Actor
from playout.app import App
from playout.clock import Clock
from playout.i18n import label, t
from playout.users import Role, UserRepository

PUBLIC = {"auth.login", "static"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def throttle_name(name: str) -> str:
    """One key for every spelling of a name: NFC, case folded, spaces trimmed (the spellings
    a person could type for the same account must not each get their own guesses)."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold().strip())


class LoginThrottle:
    """Failed logins in the last `window`, counted three ways: per name and address (`limit`),
    per address whatever the name (`per_address`: one client trying many names), and per
    name from everywhere (`per_name`: many clients trying one name). The last is not applied
    to the studio PC itself (loopback, not through a proxy), so a technician whose account
    is being attacked from the network can still log in at the station. In memory, which is
    enough for one studio PC (a restart forgets, and so does a success)."""

    def __init__(self, clock: Clock, limit: int = 5, window: timedelta = timedelta(minutes=5),
                 per_address: int = 20, per_name: int = 20) -> None:  # fmt: skip
        self.clock = clock
        self.limit = limit
        self.per_address = per_address
        self.per_name = per_name
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

    @staticmethod
    def _keys(name: str, address: str) -> tuple[tuple[str, str], tuple[str, str], tuple[str, str]]:
        n = throttle_name(name)
        return ("pair", f"{n}\0{address}"), ("address", address), ("name", n)

    def blocked(self, name: str, address: str, local: bool = False) -> bool:
        pair, addr, who = self._keys(name, address)
        with self._lock:
            if len(self._recent(pair)) >= self.limit or len(self._recent(addr)) >= self.per_address:
                return True
            return not local and len(self._recent(who)) >= self.per_name

    def failed(self, name: str, address: str) -> None:
        with self._lock:
            if len(self._failures) > 10_000:  # a flood of names: forget the stale ones
                for k in list(self._failures):
                    self._recent(k)
            now = self.clock.now()
            for key in self._keys(name, address):
                self._failures.setdefault(key, []).append(now)

    def succeeded(self, name: str, address: str) -> None:
        with self._lock:
            self._failures.pop(self._keys(name, address)[0], None)


class SessionStore:
    """The sessions the server gave out and has not ended: id -> (account name, when). One
    older than the login's lifetime is forgotten, so the store does not grow without end."""

    def __init__(self, clock: Clock, lifetime: timedelta) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self._live: dict[str, tuple[str, datetime]] = {}
        self._lock = threading.Lock()

    def start(self, name: str) -> str:
        sid = secrets.token_urlsafe(32)
        now = self.clock.now()
        with self._lock:
            for old in [k for k, (_, at) in self._live.items() if now - at > self.lifetime]:
                del self._live[old]
            self._live[sid] = (name, now)
        return sid

    def valid(self, sid: object, name: object) -> bool:
        with self._lock:
            found = self._live.get(sid) if isinstance(sid, str) else None
        return found is not None and found[0] == name and self.clock.now() - found[1] <= self.lifetime

    def end(self, sid: object) -> None:
        with self._lock:
            if isinstance(sid, str):
                self._live.pop(sid, None)


def client(trusted_proxy: str | None) -> tuple[str, bool]:
    """The client's address and whether it is the studio PC itself. The proxy's
    X-Forwarded-For is believed only from `[web] trusted_proxy`; a forwarded request from
    anywhere else is never "the studio PC", and is keyed apart from it."""
    remote = request.remote_addr or ""
    forwarded = request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded")
    if trusted_proxy and remote == trusted_proxy and request.headers.get("X-Forwarded-For"):
        last = request.headers["X-Forwarded-For"].split(",")[-1].strip()  # the one the proxy added
        try:
            return str(ipaddress.ip_address(last)), False
        except ValueError:
            return f"proxy:{remote}", False
    if forwarded:
        return f"proxy:{remote}", False
    try:
        loopback = ipaddress.ip_address(remote).is_loopback
    except ValueError:
        loopback = False
    return remote, loopback


def web_actor() -> Actor:
    """The account acting in this request, for the control routes and the journal."""
    return Actor(g.user.name, "web", g.client, g.user.role)


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
    home = url_for("province.stations") if "province" in current_app.blueprints else url_for("pages.now")
    if not target:
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return home
    return target


def _host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    try:
        name = urlsplit("//" + host).hostname
    except ValueError:
        return False
    return name is not None and name in allowed


def _origin_ok(origin: str, host: str) -> bool:
    """The page's own origin: the same host (and port) the request was sent to."""
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.strip().lower()


def session_valid(web: Flask, cookie_header: str) -> bool:
    """Is this Cookie header a live login? For the server, before it reads a request body."""
    from http.cookies import CookieError, SimpleCookie

    try:
        jar = SimpleCookie()
        jar.load(cookie_header)
    except CookieError:
        return False
    morsel = jar.get(web.config["SESSION_COOKIE_NAME"])
    if morsel is None:
        return False
    serializer = web.session_interface.get_signing_serializer(web)  # type: ignore[attr-defined]
    try:
        data = serializer.loads(morsel.value, max_age=int(web.permanent_session_lifetime.total_seconds()))
    except Exception:  # a forged, expired or garbled cookie  # noqa: BLE001
        return False
    store: SessionStore = web.extensions["playout.sessions"]
    return isinstance(data, dict) and store.valid(data.get("sid"), data.get("user"))


def install(web: Flask, app: App, *, province: bool = False) -> None:
    users = UserRepository(app.db, app.clock)
    throttle = LoginThrottle(app.clock)
    sessions = SessionStore(app.clock, timedelta(hours=app.config.web.session_hours))
    cfg = app.config.web
    web.extensions["playout.throttle"] = throttle
    web.extensions["playout.sessions"] = sessions
    web.jinja_env.globals["csrf_token"] = csrf_token

    @web.before_request
    def _guard() -> Any:
        # DNS rebinding: a name that resolves to this PC but is not one of ours.
        if not _host_allowed(request.host, cfg.allowed_hosts):
            return refuse(421, t("web.bad_host", g.lang, host=request.host[:80]))
        g.client, g.local = client(cfg.trusted_proxy)
        # Another site (another port of 127.0.0.1 is "same-site" to a browser, and gets our
        # SameSite=Lax cookie) may link to a page, never send us a form or read an answer.
        origin = request.headers.get("Origin")
        fetch_site = request.headers.get("Sec-Fetch-Site")
        if request.method in UNSAFE:
            foreign = (origin is not None and not _origin_ok(origin, request.host)) or fetch_site in ("cross-site",
                                                                                                   "same-site")
        else:
            foreign = fetch_site in ("cross-site", "same-site") and request.headers.get("Sec-Fetch-Mode") != "navigate"
        if foreign:
            return refuse(403, t("web.bad_origin", g.lang, origin=(origin or fetch_site or "?")[:80]))
        g.user = None
        name = session.get("user")
        if name:
            user = users.get(name)
            if (user is not None and session.get("pw") == user.password_changed_at.isoformat()
                    and sessions.valid(session.get("sid"), name)):  # fmt: skip
                g.user = user
            else:  # logged out, removed, or its password changed since this login
                sessions.end(session.get("sid"))
                session.clear()
        if g.user is not None and (g.user.role == Role.PROVINCE.value) != province:
            # A province account on a station's page, or a station's on the province's view.
            return refuse(403, t("web.forbidden", g.lang, role=label(f"role.{g.user.role}", g.lang)))
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
            name = request.form.get("name", "")
            if throttle.blocked(name, g.client, g.local):
                error, status = t("web.throttled", g.lang, minutes=int(throttle.window.total_seconds() // 60)), 429
            else:
                user = users.authenticate(name, request.form.get("password", ""))
                if user is None:
                    throttle.failed(name, g.client)
                    error, status = t("web.bad_login", g.lang), 401
                else:
                    throttle.succeeded(name, g.client)
                    sessions.end(session.get("sid"))
                    session.clear()  # a fresh session: no fixation
                    session.permanent = True
                    session["user"] = user.name
                    session["sid"] = sessions.start(user.name)
                    session["pw"] = user.password_changed_at.isoformat()
                    csrf_token()
                    return redirect(_safe_next(request.args.get("next")))
        return render_template("login.html", error=error, next=request.args.get("next", "")), status

    @bp.route("/logout", methods=["POST"])
    def logout() -> Any:
        sessions.end(session.get("sid"))
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

