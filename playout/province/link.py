"""The daemon's link to the province: one background thread that, every `forward_seconds`,
forwards the outbox with the station's health, then fetches and acts on bulletins.

It is a separate component, started and stopped by the live daemon. Airing never waits for
it: the station airs from its own SQLite file, and the link only reads the outbox and
writes short transactions. A link that is down is logged once when it goes and once when it
comes back; its queue waits in the station's file.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from playout.app import App
from playout.province.bulletins import AirNow, StationBulletins
from playout.province.forward import Forwarder, central_engine, describe

log = logging.getLogger("playout.province")


class ProvinceLink:
    def __init__(self, app: App, status: Callable[[], dict[str, Any]], air_now: AirNow) -> None:
        p = app.config.province
        self.interval = p.forward_seconds
        self.central = central_engine(p.central_url, p.link_timeout_seconds)
        self.forwarder = Forwarder(app.db, self.central, p.station_id, app.clock, name=app.config.station.name,
                                   batch_rows=p.batch_rows, tz=app.config.station.timezone.key)  # fmt: skip
        self.bulletins = StationBulletins(app.db, p.station_id, app.clock, app.importer, app.config.station.timezone)
        self.status = status
        self.air_now = air_now
        self.error: str | None = None
        self.cycles = 0
        self._stop = threading.Event()
        self._kick = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="province-link", daemon=True)

    def start(self) -> None:
        self.forwarder.join()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._kick.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        self.central.dispose()

    def kick(self) -> None:
        """Run a cycle now rather than at the next interval."""
        self._kick.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.cycle()
            self._kick.wait(self.interval)
            self._kick.clear()

    def cycle(self) -> None:
        try:
            health = self.status()
        except Exception as exc:  # the link must go on even when status cannot be made
            health = {"error": str(exc)}
        try:
            self.forwarder.forward_all(health, stop=self._stop)
            self.bulletins.fetch(self.central, self.air_now)
            self.forwarder.forward_all(stop=self._stop)  # receipts and airings go up at once
        except SQLAlchemyError as exc:
            reason = describe(exc)
            if self.error is None:
                log.warning("the province's central server cannot be reached (%s); records stay queued", reason)
            self.error = reason
        except Exception:  # contain it: the next cycle tries again
            log.exception("the province link failed")
            self.error = "internal error"
        else:
            if self.error is not None:
                log.info("the province's central server is reachable again; queued records are sent")
            self.error = None
        finally:
            self.cycles += 1
        try:
            self.forwarder.note(error=self.error)
        except SQLAlchemyError:
            pass


def province_link(app: App, status: Callable[[], dict[str, Any]], air_now: AirNow) -> ProvinceLink | None:
    """The link when this station belongs to a province ([province] central_url), else None."""
    p = app.config.province
    if not p.central_url or not p.station_id:
        return None
    return ProvinceLink(app, status, air_now)
