"""`playout province ...`: this station's link to the province, and the province's own tasks."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from playout.cli.common import ConfigOption, handles_errors, load_app, out
from playout.errors import PlayoutError
from playout.i18n import t

province_app = typer.Typer(help="The province: forward this station's records, publish bulletins.",
                           no_args_is_help=True)  # fmt: skip

CentralOption = Annotated[str | None, typer.Option("--central", help="The central PostgreSQL URL (default: [province] central_url).")]


def _central(app, central: str | None) -> str:  # noqa: ANN001
    url = central or app.config.province.central_url
    if not url:
        raise PlayoutError("province.no_central")
    return url


def forwarder(app):  # noqa: ANN001, ANN201
    """The station's forwarder, built from its configuration."""
    from playout.province.forward import Forwarder, central_engine

    p = app.config.province
    if not p.central_url or not p.station_id:
        raise PlayoutError("province.not_configured")
    return Forwarder(app.db, central_engine(p.central_url), p.station_id, app.clock, name=app.config.station.name,
                     batch_rows=p.batch_rows)  # fmt: skip


@province_app.command("setup-central")
@handles_errors
def setup_central_command(central: CentralOption = None, config: ConfigOption = None) -> None:
    """Create or upgrade the province's central database (run once by the province)."""
    from playout.db import open_database

    app = load_app(config)
    url = _central(app, central)
    open_database(url).dispose()
    out.print(t("province.central_ready", app.lang, url=url), markup=False)


@province_app.command("forward")
@handles_errors
def forward_command(
    once: Annotated[bool, typer.Option("--once", help="Forward what is queued, then stop.")] = False,
    config: ConfigOption = None,
) -> None:
    """Forward this station's queued records (without the daemon, which does it by itself)."""
    from sqlalchemy.exc import SQLAlchemyError

    from playout.province.forward import describe

    app = load_app(config)
    fw = forwarder(app)
    fw.join()
    stop = threading.Event()
    if not once:
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    while True:
        try:
            n = fw.forward_all({"forwarder": "standalone", "queued": fw.queued()}, stop=stop)
        except SQLAlchemyError as exc:
            fw.note(error=describe(exc))
            if once:
                raise PlayoutError("province.unreachable", detail=describe(exc), queued=fw.queued()) from None
            out.print(t("province.unreachable", app.lang, detail=describe(exc), queued=fw.queued()), markup=False)
        else:
            fw.note(error=None)
            if once or n:
                out.print(t("province.forwarded", app.lang, count=n, station=fw.station_id, queued=fw.queued()),
                          markup=False)  # fmt: skip
        if once or stop.wait(app.config.province.forward_seconds):
            return


@province_app.command("status")
@handles_errors
def status_command(config: ConfigOption = None) -> None:
    """What waits to be forwarded, and how the last attempt went."""
    from playout.province.forward import last_forward

    app = load_app(config)
    fw = forwarder(app)
    station, last, error = last_forward(app.db)
    tz = app.config.station.timezone
    out.print(t("province.status", app.lang, station=station or fw.station_id, queued=fw.queued(),
                last=last.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if last else "-", error=error or "-"),
              markup=False)  # fmt: skip

