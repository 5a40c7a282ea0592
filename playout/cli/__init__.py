"""The `playout` command line."""

from __future__ import annotations

import typer

from playout.cli.library import clips_app, import_command
from playout.cli.schedule import schedule_app

app = typer.Typer(
    name="playout",
    help="Radio automation for district radio stations: library, schedules, daemon, exports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("import")(import_command)
app.add_typer(clips_app, name="clips")
app.add_typer(schedule_app, name="schedule")


def main() -> None:
    app()
