"""Accounts on the page: a technician adds, changes the role of, resets the password of and
removes accounts; everyone changes their own password. The same repository as `playout users`
(playout/users.py) does the work and the checks; each change is journalled with who made it.

The station always keeps one technician: without one nobody could manage accounts or air
anything from the page. A removed account's logins end at its next page, and a new password
ends the logins made with the old one (playout/web/auth.py compares when it changed).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, flash, g, redirect, render_template, request, session, url_for

from playout.actions import ActionLog
from playout.app import App
from playout.errors import PlayoutError, UsageError
from playout.i18n import label, t
from playout.users import Role, UserRepository
from playout.web.auth import technician_only, web_actor

bp = Blueprint("accounts", __name__)

STATION_ROLES = (Role.TECHNICIAN.value, Role.MANAGER.value)  # a province account lives on the province's view


def _users() -> UserRepository:
    app: App = current_app.extensions["playout"]
    return UserRepository(app.db, app.clock)


def _actions() -> ActionLog:
    return current_app.extensions["playout.actions"]


def _role(value: str) -> str:
    if value not in STATION_ROLES:
        raise UsageError("users.bad_role", value=value[:40], choices=", ".join(STATION_ROLES))
    return value


def _two_passwords(form: Any, first: str = "password", again: str = "password_again") -> str:
    if form.get(first, "") != form.get(again, ""):
        raise UsageError("users.mismatch")
    return UserRepository.check_password(form.get(first, ""))


def _page(status: int = 200, **extra: Any) -> Any:
    users = _users().list()
    return render_template("accounts.html", page="accounts", users=users, roles=STATION_ROLES,
                           form=extra.pop("form", {}), error=extra.pop("error", None), **extra), status  # fmt: skip


@bp.route("/accounts")
@technician_only
def accounts() -> Any:
    return _page()


@bp.route("/accounts/add", methods=["POST"])
@technician_only
def add() -> Any:
    form = request.form
    name, role = form.get("name", ""), form.get("role", "")
    try:
        user = _users().add(name, _role(role), _two_passwords(form))
    except PlayoutError as exc:
        _actions().record(web_actor(), "user-add", f"{name[:64]} ({role[:16]})", "failed: " + exc.render("en"))
        return _page(400, error=exc.render(g.lang), form={"name": name, "role": role})
    _actions().record(web_actor(), "user-add", f"{user.name} ({user.role})")
    flash(t("users.added", g.lang, name=user.name, role=label(f"role.{user.role}", g.lang)), "ok")
    return redirect(url_for("accounts.accounts"))


@bp.route("/accounts/<name>/role", methods=["POST"])
@technician_only
def role(name: str) -> Any:
    wanted = request.form.get("role", "")
    try:
        user, changed = _users().set_role(name, _role(wanted), keep_technician=True)
    except PlayoutError as exc:
        _actions().record(web_actor(), "user-role", f"{name[:64]} -> {wanted[:16]}", "failed: " + exc.render("en"))
        flash(exc.render(g.lang), "error")
        return redirect(url_for("accounts.accounts"))
    if changed:
        _actions().record(web_actor(), "user-role", f"{user.name} -> {user.role}")
    flash(t("users.role_set" if changed else "users.role_unchanged", g.lang, name=user.name,
            role=label(f"role.{user.role}", g.lang)), "ok")  # fmt: skip
    return redirect(url_for("accounts.accounts"))


@bp.route("/accounts/<name>/password", methods=["POST"])
@technician_only
def reset(name: str) -> Any:
    try:
        users = _users()
        if users.get(name) is None:
            raise UsageError("users.not_found", name=name[:64])
        users.set_password(name, _two_passwords(request.form))
    except PlayoutError as exc:
        _actions().record(web_actor(), "user-reset", name[:64], "failed: " + exc.render("en"))
        flash(exc.render(g.lang), "error")
        return redirect(url_for("accounts.accounts"))
    _actions().record(web_actor(), "user-reset", name)
    if name == g.user.name:  # this login goes on; the others end
        session["pw"] = _users().get(name).password_changed_at.isoformat()  # type: ignore[union-attr]
    flash(t("users.password_set", g.lang, name=name), "ok")
    return redirect(url_for("accounts.accounts"))


@bp.route("/accounts/<name>/remove", methods=["GET", "POST"])
@technician_only
def remove(name: str) -> Any:
    users = _users()
    user = users.get(name)
    if user is None:
        flash(t("users.not_found", g.lang, name=name[:64]), "error")
        return redirect(url_for("accounts.accounts"))
    if request.method == "GET" or request.form.get("confirm") != "1":  # a removal asks first
        question = t("web.confirm_remove_user", g.lang, name=user.name, role=label(f"role.{user.role}", g.lang))
        return render_template("account_remove.html", page="accounts", user=user, question=question,
                               yourself=user.name == g.user.name)  # fmt: skip
    try:
        users.remove(user.name, keep_technician=True)
    except PlayoutError as exc:
        _actions().record(web_actor(), "user-remove", user.name, "failed: " + exc.render("en"))
        flash(exc.render(g.lang), "error")
        return redirect(url_for("accounts.accounts"))
    _actions().record(web_actor(), "user-remove", f"{user.name} ({user.role})")
    flash(t("users.removed", g.lang, name=user.name), "ok")
    return redirect(url_for("accounts.accounts"))


@bp.route("/password", methods=["GET", "POST"])
def own_password() -> Any:
    """Everyone's own password: the current one first (a login left open is not enough)."""
    error, status = None, 200
    if request.method == "POST":
        users = _users()
        throttle = current_app.extensions["playout.throttle"]  # the login's: guessing here is guessing there
        try:
            if throttle.blocked(g.user.name, g.client, g.local):
                raise UsageError("web.throttled", minutes=int(throttle.window.total_seconds() // 60))
            if users.authenticate(g.user.name, request.form.get("current", "")) is None:
                throttle.failed(g.user.name, g.client)
                raise UsageError("users.wrong_password")
            users.set_password(g.user.name, _two_passwords(request.form))
        except PlayoutError as exc:
            _actions().record(web_actor(), "password", g.user.name, "failed: " + exc.render("en"))
            error, status = exc.render(g.lang), 400
        else:
            _actions().record(web_actor(), "password", g.user.name)
            session["pw"] = users.get(g.user.name).password_changed_at.isoformat()  # type: ignore[union-attr]
            flash(t("users.own_password_set", g.lang), "ok")
            return redirect(url_for("pages.now"))
    return render_template("password.html", page="password", error=error), status


def install(web: Flask) -> None:
    web.register_blueprint(bp)
