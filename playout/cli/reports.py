"""Manager commands: export the airing log, and the tally for the annual report."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Annotated

import typer
from playout.app import App
from playout.cli.common import ConfigOption, ForceOption, handles_errors, load_app, out, parse_date
from playout.errors import UsageError
from playout.i18n import LANGUAGES, t
from playout.model import Kind, Outcome
from playout.reports import export, tally, tally_files
from playout.reports.document import Letterhead
from playout.reports.period import atomic_output, check_output, period_from
from playout.preview import today

log_app = typer.Typer(help="The airing log.", no_args_is_help=True)

DbOption = Annotated[Path | None, typer.Option("--db", help="Read this SQLite database instead of the configured one.")]
LangOption = Annotated[str | None, typer.Option("--lang", help="vi or en (default: the station's language).")]
ProgramOption = Annotated[str | None, typer.Option("--program", "--programme", help="Only this programme.")]
FINAL_OUTCOMES = [o.value for o in Outcome if o.final]


def _format(fmt: str, choices: tuple[str, ...]) -> str:
    if fmt not in choices:
        raise UsageError("cli.bad_format", value=fmt, choices=", ".join(choices))
    return fmt


def _app(config: Path | None, db: Path | None) -> App:
    app = load_app(config)
    if db is not None:
        if not db.is_file():
            raise UsageError("db.missing_file", path=db)
        app.database_url = f"sqlite:///{db.resolve()}"
    return app


def _lang(app: App, lang: str | None) -> str:
    if lang is None:
        return app.lang
    if lang not in LANGUAGES:
        raise UsageError("cli.bad_lang", value=lang)
    return lang


def _check_programme(app: App, programme: str | None) -> str | None:
    if programme is None:
        return None
    from playout.library.steps import nfc

    programme = nfc(programme.strip())
    known = export.programmes(app.db)
    if programme not in known:
        raise UsageError("cli.unknown_programme", value=programme, known=", ".join(sorted(known)) or "-")
    return programme


def _check_zone(app: App, zone: str | None) -> str | None:
    """A zone of the station (or one its log names), or one clear sentence."""
    if zone is None:
        return None
    zone = zone.strip()
    known = [z.id for z in app.config.zones]
    if not export.zone_known(app.db, zone, known):
        raise UsageError("zones.not_found", zones=zone, known=", ".join(known))
    return zone


ZoneOption = Annotated[str | None, typer.Option("--zone", help="Only what aired in this zone.")]


@log_app.command("export")
@handles_errors
def export_command(
    start: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD).")],
    out_file: Annotated[Path, typer.Option("--out", help="The file to write.")],
    fmt: Annotated[str, typer.Option("--format", help="csv or xlsx.")] = "csv",
    program: ProgramOption = None,
    kind: Annotated[str | None, typer.Option(help="Only this kind.")] = None,
    outcome: Annotated[str | None, typer.Option(help="Only this outcome.")] = None,
    zone: ZoneOption = None,
    lang: LangOption = None,
    force: ForceOption = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Every airing of a period, every field, as CSV (UTF-8 with BOM) or XLSX."""
    app = _app(config, db)
    language = _lang(app, lang)
    _format(fmt, ("csv", "xlsx"))
    period = period_from(None, parse_date(start, "--from"), parse_date(end, "--to"), app.config.station.timezone,
                         today(app))  # fmt: skip
    if kind is not None and kind not in {k.value for k in Kind}:
        raise UsageError("cli.bad_kind", value=kind, choices=", ".join(k.value for k in Kind))
    if outcome is not None and outcome not in FINAL_OUTCOMES:
        raise UsageError("cli.bad_outcome", value=outcome, choices=", ".join(FINAL_OUTCOMES))
    filters = export.Filters(_check_programme(app, program), kind, outcome, _check_zone(app, zone))
    check_output(out_file, force)
    with atomic_output(out_file) as temp:
        if fmt == "csv":
            n = export.write_csv(app.db, period, filters, language, temp)
        else:
            n = export.write_xlsx(app.db, period, filters, language, temp, app.config.station.name)
    out.print(t("out.written", language, rows=n, path=out_file), markup=False)


@handles_errors
def tally_command(
    year: Annotated[int | None, typer.Option(help="A calendar year, e.g. 2026.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="md, csv, xlsx, docx or pdf.")] = "md",
    out_file: Annotated[Path | None, typer.Option("--out", help="The file to write (md: default stdout).")] = None,
    program: ProgramOption = None,
    zone: ZoneOption = None,
    lang: LangOption = None,
    force: ForceOption = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """The tally of a period: per programme and kind, distinct clips, airings, airtime, by month."""
    app = _app(config, db)
    language = _lang(app, lang)
    _format(fmt, ("md", "csv", "xlsx", "docx", "pdf"))
    period = period_from(year, parse_date(start, "--from"), parse_date(end, "--to"), app.config.station.timezone,
                         today(app))  # fmt: skip
    programme = _check_programme(app, program)
    zone = _check_zone(app, zone)
    if out_file is None and fmt != "md":
        raise UsageError("cli.needs_out", format=fmt)
    if out_file is not None:
        check_output(out_file, force)
    result = tally.compute(app.db, period, app.config.station.name, app.config.partial_share, programme, zone,
                           {z.id: z.name for z in app.config.zones})  # fmt: skip
    if out_file is None:
        sys.stdout.write(tally.markdown(result, language))
        return
    with atomic_output(out_file) as temp:
        if fmt == "md":
            tally_files.write_markdown(result, language, temp)
        elif fmt == "csv":
            with temp.open("w", encoding="utf-8-sig", newline="") as f:
                csv.writer(f).writerows(tally.csv_rows(result, language))
        elif fmt == "xlsx":
            tally_files.write_xlsx(result, language, temp)
        else:
            head = Letterhead.from_config(app.config, today(app))
            (tally_files.write_docx if fmt == "docx" else tally_files.write_pdf)(result, language, temp, head)
    out.print(t("out.saved", language, path=out_file), markup=False)  # a report, not rows
