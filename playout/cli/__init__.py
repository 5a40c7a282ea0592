"""The `playout` command line."""

from __future__ import annotations

import typer

from playout.cli.library import clips_app, import_command
from playout.cli.schedule import schedule_app
from playout.cli.reports import log_app, tally_command
from playout.cli.db import db_app
from playout.cli.users import users_app
from playout.cli.province import bulletin_app, province_app
from playout.cli.daemon import air_now_command, reload_command, run_command, simulate_command, skip_command, status_command
from playout.cli.daemon import speakers_command

app = typer.Typer(
    name="playout",
    help="Radio automation for district radio stations: library, schedules, daemon, exports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("import")(import_command)
app.add_typer(clips_app, name="clips")
schedule_app.command("reload")(reload_command)
app.add_typer(schedule_app, name="schedule")
app.command("run")(run_command)
app.command("status")(status_command)
app.command("air-now")(air_now_command)
app.command("skip")(skip_command)
app.command("speakers")(speakers_command)
app.command("simulate")(simulate_command)
app.add_typer(log_app, name="log")
app.command("tally")(tally_command)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(province_app, name="province")
app.add_typer(bulletin_app, name="bulletin")


def main() -> None:
    app()
