"""The `playout` command line."""

from __future__ import annotations

import os
import sys

import click
import typer
from typer import rich_utils

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


def _help_language(argv: list[str]) -> str:
    """The station's language, for the help (read before any command runs: --config or
    $PLAYOUT_CONFIG or ./playout.toml, and $PLAYOUT_STATION_LANGUAGE); Vietnamese when
    there is no readable configuration."""
    from pathlib import Path

    from playout import config as config_mod
    from playout.i18n import DEFAULT_LANGUAGE

    path = None
    for i, arg in enumerate(argv):
        if arg == "--config" and i + 1 < len(argv):
            path = argv[i + 1]
        elif arg.startswith("--config="):
            path = arg.split("=", 1)[1]
    try:
        return config_mod.load(Path(path) if path else None).station.language
    except Exception:  # noqa: BLE001 - a broken configuration is reported by the command, not by --help
        return os.environ.get("PLAYOUT_STATION_LANGUAGE", DEFAULT_LANGUAGE)


def localized(lang: str) -> click.Command:
    """The command line with its help in `lang` (the texts in the code are English; their
    translations are in the gettext catalogs, context "cli.help")."""
    from playout.i18n import help_text

    command = typer.main.get_command(app)
    if lang == "en":
        return command

    def walk(cmd: click.Command) -> None:
        if cmd.help:
            cmd.help = help_text(cmd.help, lang)
        for param in cmd.params:
            if getattr(param, "help", None):
                param.help = help_text(param.help, lang)  # type: ignore[attr-defined]
        for sub in getattr(cmd, "commands", {}).values():
            walk(sub)

    walk(command)
    if lang == "vi":  # typer's own headings
        rich_utils.ARGUMENTS_PANEL_TITLE, rich_utils.OPTIONS_PANEL_TITLE = "Tham số", "Tùy chọn"
        rich_utils.COMMANDS_PANEL_TITLE = "Lệnh"
    return command


def main() -> None:
    localized(_help_language(sys.argv[1:]))(prog_name="playout")
