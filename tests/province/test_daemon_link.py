"""The live daemon with its province link: real APScheduler, libVLC (null output), SQLite
and PostgreSQL, in real time (a few seconds)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from playout import app as app_mod
from playout.clock import SystemClock
from playout.daemon.live import LiveDaemon
from playout.db import open_database
from playout.model import Level
from playout.province.bulletins import publish
from playout.province.forward import central_engine
from playout.province.models import BulletinReport, ProvinceAiring, ProvinceStation
from tests.daemon.helpers import daemon_station, rows, wait_for
from tests.province.test_bulletins import tone


def test_the_daemon_forwards_its_health_and_airs_an_emergency_bulletin(central_url: str, tmp_path: Path) -> None:
    st = daemon_station(tmp_path)
    with st.config.open("a", encoding="utf-8") as f:
        f.write(f'\n[province]\nstation_id = "xa-my-an"\ncentral_url = "{central_url}"\nforward_seconds = 1\n')
    open_database(central_url).dispose()
    central = central_engine(central_url)
    now = SystemClock().now()
    b = publish(central, tone(tmp_path, "bao.mp3", 660), title="Khẩn cấp: lũ về", level=Level.EMERGENCY,
                targets=["xa-my-an"], valid_from=now - timedelta(minutes=1), valid_until=now + timedelta(hours=1),
                by="so-vhtt", clock=SystemClock())  # fmt: skip
    normal = publish(central, tone(tmp_path, "hop.mp3", 520), title="Lịch họp dân", level=Level.NORMAL,
                     targets=None, valid_from=now - timedelta(minutes=1), valid_until=now + timedelta(hours=1),
                     by="so-vhtt", clock=SystemClock())  # fmt: skip
    daemon = LiveDaemon(app_mod.build(st.config))
    daemon.start()
    try:
        def aired_and_forwarded() -> list:
            with central.connect() as c:
                refs = c.execute(select(BulletinReport.ref).where(BulletinReport.bulletin_uid == b.uid,
                                                                  BulletinReport.event == "aired")).scalars().all()  # fmt: skip
                return c.execute(select(ProvinceAiring.title, ProvinceAiring.level, ProvinceAiring.outcome)
                                 .where(ProvinceAiring.key.in_(refs), ProvinceAiring.outcome == "aired")).all()  # type: ignore[attr-defined]  # fmt: skip

        [row] = wait_for(aired_and_forwarded, 60, "the bulletin aired and reported up")
        assert tuple(row) == ("Khẩn cấp: lũ về", "emergency", "aired")
        with central.connect() as c:
            [(heard, health)] = c.execute(select(ProvinceStation.last_heard_at, ProvinceStation.health)
                                          .where(ProvinceStation.station_id == "xa-my-an")).all()  # fmt: skip
        status = json.loads(health)
        assert status["station"] == daemon.cfg.station.name and "problems" in status and "next" in status
        assert heard is not None and abs((heard - SystemClock().now()).total_seconds()) < 30
        assert daemon.province is not None and daemon.province.error is None
        # The normal bulletin waits for the technician; accepted from the command line, the
        # running daemon airs it at the normal level.
        listed = st.cli("bulletin", "list", "--json").stdout
        assert '"state": "waiting"' in listed and normal.uid in listed
        r = st.cli("bulletin", "accept", normal.uid[:8])
        assert r.exit_code == 0, r.output
        wait_for(lambda: [x for x in rows(st, "manual@") if x["title"] == "Lịch họp dân" and x["outcome"] == "aired"],
                 60, "the accepted bulletin to air")  # fmt: skip
        [aired] = [x for x in rows(st, "manual@") if x["title"] == "Lịch họp dân"]
        assert aired["level"] == "normal" and aired["manual"] == 1
    finally:
        daemon.stop()
    assert not daemon.province._thread.is_alive()  # stopped with the daemon
