"""`playout simulate`: a period of airings on a virtual clock, into a normal airing log.

The same planning, selection and logging code as the live daemon; only the clock (virtual)
and the player (one that advances the clock by each clip's duration) differ. A station
previews a year with it; the tests check a year of rotation and episodes with it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from playout.app import App
from playout.clock import VirtualClock
from playout.player import SimPlayer
from playout.scheduling.model import Schedule


@dataclass(frozen=True)
class SimulationResult:
    days: int
    occurrences: int
    rows: int
    seconds: float


def simulate(app: App, schedule: Schedule, start: date, end: date) -> SimulationResult:
    tz = app.config.station.timezone
    begin = datetime.combine(start, datetime.min.time(), tzinfo=tz).astimezone(UTC)
    finish = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=tz).astimezone(UTC)
    clock = VirtualClock(begin)
    app.clock = clock
    station = app.station(SimPlayer(clock), lambda: schedule, snapshot=True)
    t0 = time.perf_counter()
    occurrences = station.pending(begin, finish)
    for occ in occurrences:
        clock.sleep_until(occ.utc)
        station.air(occ)
    with app.db.session() as s:
        from sqlmodel import func, select

        from playout.db.models import Airing

        rows = s.exec(select(func.count()).select_from(Airing)).one()
    return SimulationResult((end - start).days + 1, len(occurrences), rows, time.perf_counter() - t0)
