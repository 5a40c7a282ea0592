"""What the province sees in its central record: the stations with when each was last heard
and its health, and each bulletin with who received, accepted and aired it, and when."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from playout.province.models import Bulletin, BulletinReport, ProvinceAiring, ProvinceStation

SILENT_AFTER = timedelta(minutes=10)  # a station not heard for this long is shown as silent


@dataclass
class StationView:
    station_id: str
    name: str
    last_heard_at: datetime | None
    health: dict[str, Any]
    airings: int  # rows in the central log
    silent: bool

    @property
    def problems(self) -> list[dict]:
        return list(self.health.get("problems") or [])


@dataclass
class BulletinView:
    uid: str
    title: str
    level: str
    targets: str
    valid_from: datetime
    valid_until: datetime
    published_at: datetime
    published_by: str
    # station -> [(event, at, actor, ref)]
    events: dict[str, list[tuple[str, datetime, str | None, str]]] = field(default_factory=dict)


def stations(central: Engine, now: datetime) -> list[StationView]:
    with central.connect() as c:
        counts = dict(c.execute(select(ProvinceAiring.station_id, func.count()).group_by(ProvinceAiring.station_id)).all())
        rows = c.execute(select(ProvinceStation).order_by(ProvinceStation.station_id)).all()
    found = []
    for r in rows:
        try:
            health = json.loads(r.health or "{}")
        except ValueError:
            health = {}
        heard = r.last_heard_at
        found.append(StationView(r.station_id, r.name, heard, health if isinstance(health, dict) else {},
                                 counts.get(r.station_id, 0), heard is None or now - heard > SILENT_AFTER))  # fmt: skip
    return found


def bulletins(central: Engine) -> list[BulletinView]:
    b = Bulletin
    with central.connect() as c:
        listed = c.execute(select(b.uid, b.title, b.level, b.targets, b.valid_from, b.valid_until, b.published_at,
                                  b.published_by).order_by(b.published_at.desc())).all()  # type: ignore[attr-defined]  # fmt: skip
        reports = c.execute(select(BulletinReport.bulletin_uid, BulletinReport.station_id, BulletinReport.event,
                                   BulletinReport.at, BulletinReport.actor, BulletinReport.ref)
                            .order_by(BulletinReport.at)).all()  # fmt: skip
    views = {r.uid: BulletinView(*r) for r in listed}
    for uid, sid, event, at, actor, ref in reports:
        if uid in views:
            views[uid].events.setdefault(sid, []).append((event, at, actor, ref))
    return list(views.values())
