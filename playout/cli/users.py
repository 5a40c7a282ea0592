"""Accounts for the web page: add, list, remove, change a password."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from playout.cli.common import ConfigOption, handles_errors, load_app, out
from playout.errors import UsageError
from playout.i18n import label, t
from playout.users import Role, UserRepository

users_app = typer.Typer(help="Accounts for the web page (technician or manager).", no_args_is_help=True)

ROLE_CHOICES = ", ".join(r.value for r in Role)
StdinOption = Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input (scripts).")]


def _password(lang: str, from_stdin: bool) -> str:
    """Asked twice at the terminal (never echoed), or one line from standard input."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = typer.prompt(t("users.prompt", lang), hide_input=True)
    if typer.prompt(t("users.prompt_again", lang), hide_input=True) != first:
        raise UsageError("users.mismatch")
    return first


@users_app.command("add")
@handles_errors
def add_command(
    name: Annotated[str, typer.Argument(help="Login name, e.g. kythuat or lanhdao.")],
    role: Annotated[str, typer.Option("--role", help=f"One of: {ROLE_CHOICES}.")],
    password_stdin: StdinOption = False,
    config: ConfigOption = None,
) -> None:
    """Create an account: technician (everything) or manager (read, export, tally)."""
    app = load_app(config)
    users = UserRepository(app.db, app.clock)
    name, kind = users.check_name(name), users.check_role(role)
    user = users.add(name, kind.value, _password(app.lang, password_stdin))
    out.print(t("users.added", app.lang, name=user.name, role=label(f"role.{user.role}", app.lang)), markup=False)


@users_app.command("list")
@handles_errors
def list_command(config: ConfigOption = None) -> None:
    """The accounts and their roles."""
    app = load_app(config)
    rows = UserRepository(app.db, app.clock).list()
    if not rows:
        out.print(t("users.none", app.lang), markup=False)
        return
    tz = app.config.station.timezone
    table = Table()
    for key in ("web.user", "web.role", "web.created"):
        table.add_column(label(key, app.lang))
    for u in rows:
        table.add_row(u.name, label(f"role.{u.role}", app.lang), u.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"))
    out.print(table)


@users_app.command("remove")
@handles_errors
def remove_command(name: Annotated[str, typer.Argument(help="Login name.")], config: ConfigOption = None) -> None:
    """Delete an account; its open logins end at their next page."""
    app = load_app(config)
    UserRepository(app.db, app.clock).remove(name)
    out.print(t("users.removed", app.lang, name=name), markup=False)


@users_app.command("passwd")
@handles_errors
def passwd_command(
    name: Annotated[str, typer.Argument(help="Login name.")],
    password_stdin: StdinOption = False,
    config: ConfigOption = None,
) -> None:
    """Set a new password; logins made with the old one end."""
    app = load_app(config)
    users = UserRepository(app.db, app.clock)
    if users.get(name) is None:
        raise UsageError("users.not_found", name=name)
    users.set_password(name, _password(app.lang, password_stdin))
    out.print(t("users.password_set", app.lang, name=name), markup=False)
