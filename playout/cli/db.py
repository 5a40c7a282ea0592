"""Database care: a consistent backup while the daemon runs, and a full check."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Annotated

import typer

from sqlmodel import select

from playout import leftovers
from playout.cli.common import ConfigOption, ForceOption, handles_errors, load_app, out
from playout.db.models import Clip
from playout.db import health
from playout.errors import DatabaseError
from playout.i18n import t
from playout.reports.period import check_output

db_app = typer.Typer(help="Database care: backup and check.", no_args_is_help=True)


def _path(app) -> Path:  # noqa: ANN001
    path = health.sqlite_path(app.db_url)
    if path is None:
        raise DatabaseError("db.backup_unsupported", url=app.db_url)
    return path


@db_app.command("backup")
@handles_errors
def backup_command(
    dest: Annotated[Path | None, typer.Argument(help="A file, or a folder for a dated file (default: backups/ beside the database).")] = None,
    force: ForceOption = False,
    config: ConfigOption = None,
) -> None:
    """Copy the database consistently, even while the daemon writes to it, and check the copy."""
    app = load_app(config)
    path = _path(app)
    target = dest or path.parent / "backups"
    if target.is_dir() or not target.suffix:  # a folder: a file named by station time in it
        if dest is None:
            target.mkdir(exist_ok=True)
        target = target / health.backup_name(path, app.clock.now().astimezone(app.config.station.timezone))
    check_output(target, force)
    made = health.backup(app.db_url, target)
    con = sqlite3.connect(made)
    try:
        airings, clips = (con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in ("airings", "clips"))
    finally:
        con.close()
    out.print(t("db.backup_done", app.lang, path=made, airings=airings, clips=clips), markup=False)


@db_app.command("check")
@handles_errors
def check_command(config: ConfigOption = None) -> None:
    """Run SQLite's full integrity check on the database (read only; safe while the daemon runs)."""
    app = load_app(config)
    path = _path(app)
    if not path.is_file():
        raise DatabaseError("db.missing_file", path=str(path))
    found = health.problems(path, full=True)
    if found:
        out.print(t("db.check_bad", app.lang, path=path, detail="; ".join(found[:5])), markup=False)
        raise typer.Exit(1)
    out.print(t("db.check_ok", app.lang, path=path), markup=False)
    library = app.config.library.folder
    with app.db.session() as s:
        known = list(s.exec(select(Clip.path)))
    if orphans := leftovers.orphan_files(library, known):
        out.print(t("db.check_orphans", app.lang, count=len(orphans), files=_few(orphans, library)), markup=False)
    if stray := leftovers.incoming_leftovers(library / ".incoming"):
        out.print(t("db.check_stray", app.lang, count=len(stray), folder=library / ".incoming",
                    files=_few(stray, library)), markup=False)  # fmt: skip


def _few(paths: list[Path], under: Path) -> str:
    shown = ", ".join(str(p.relative_to(under)) for p in paths[:5])
    return shown + (", …" if len(paths) > 5 else "")
