"""Store and forward on a real PostgreSQL: each station airs from its own SQLite file whatever
the link does, and the central record ends up equal to the union of the stations' logs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from benchmarks.common import wait_until
from benchmarks.postgres import PostgresServer
from playout.db import open_database
from playout.db.models import Airing
from playout.errors import PlayoutError
from playout.province.forward import FAULT_HOLD_ENV, Forwarder, central_engine, day_sums
from playout.province.models import ProvinceAiring, ProvinceStation
from tests.conftest import Station
from tests.province.helpers import ProvinceStation as Member
from tests.province.helpers import hours, local_midnight, make_station

DAY = date(2026, 12, 1)
COLS = [c.name for c in Airing.__table__.columns if c.name != "id"]  # type: ignore[attr-defined]


def local_log(st: Member) -> list[tuple]:
    table = Airing.__table__  # type: ignore[attr-defined]
    with st.app.db.engine.connect() as c:
        return sorted((tuple(r) for r in c.execute(select(*[table.c[k] for k in COLS]))), key=lambda r: r[0])


def central_log(engine: Engine, sid: str) -> list[tuple]:
    table = ProvinceAiring.__table__  # type: ignore[attr-defined]
    stmt = select(*[table.c[k] for k in COLS]).where(table.c.station_id == sid)
    with engine.connect() as c:
        return sorted((tuple(r) for r in c.execute(stmt)), key=lambda r: r[0])


def days_match_airings(engine: Engine) -> bool:
    """The daily sums the tally reads equal the same sums made afresh from the central log."""
    from sqlalchemy import text

    fresh = day_sums("true", "'Asia/Ho_Chi_Minh'")
    kept = ("SELECT station_id, day, kind, programme, clip_id, outcome, share_permille, airings, played_ms, manual "
            "FROM province_airing_days")
    with engine.connect() as c:
        a = sorted(map(tuple, c.execute(text(fresh))), key=repr)
        b = sorted(map(tuple, c.execute(text(kept))), key=repr)
    return a == b and len(a) > 0


def forwarder(st: Member, url: str) -> Forwarder:
    p = st.app.config.province
    return Forwarder(st.app.db, central_engine(url), st.sid, st.clock, name=st.app.config.station.name,
                     batch_rows=p.batch_rows, tz=st.app.config.station.timezone.key)  # fmt: skip


def forward_process(st: Member, **env: str) -> subprocess.Popen:
    """`playout province forward --once`: a station's forwarder in its own process."""
    return subprocess.Popen([sys.executable, "-m", "playout", "province", "forward", "--once", "--config",
                             str(st.cli.config)], env={**os.environ, "PLAYOUT_STATION_LANGUAGE": "en", **env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


@pytest.fixture
def stations(example_station: Station, central_url: str, tmp_path: Path) -> list[Member]:
    open_database(central_url).dispose()  # the province sets up its central database
    made = []
    for i, sid in enumerate(("xa-an-binh", "xa-tan-thanh", "xa-phu-tho")):
        st = make_station(tmp_path, sid, central_url, example_station.db_path, start=None, offset=i * 7,
                          extra="batch_rows = 40\n")  # fmt: skip
        made.append(st)
    return made


def test_forwarding_is_idempotent_and_follows_updates_and_removals(stations: list[Member], central_url: str) -> None:
    st = stations[0]
    day = local_midnight(DAY, st.app)
    assert st.air_until(day + hours(7)) == 4  # 05:00, 05:30, 06:00, 06:30
    fw = forwarder(st, central_url)
    assert fw.join()  # joining queues the history recorded before
    assert fw.queued() > 0
    assert fw.forward_all({"ok": True}) > 0 and fw.queued() == 0
    central = central_engine(central_url)
    assert central_log(central, st.sid) == local_log(st) and len(local_log(st)) == 12
    # Forwarding again sends nothing and changes nothing.
    assert fw.forward_all() == 0
    assert central_log(central, st.sid) == local_log(st)
    # A later change to a row overwrites it; a row the station removed goes centrally too.
    with st.app.db.session() as s:
        first = local_log(st)[0][0]
        s.execute(update(Airing).where(Airing.key == first).values(outcome="interrupted", reason="test"))
        s.execute(delete(Airing).where(Airing.key == local_log(st)[-1][0]))
        s.commit()
    assert fw.queued() == 2
    fw.forward_all()
    assert central_log(central, st.sid) == local_log(st) and len(local_log(st)) == 11
    assert days_match_airings(central)
    # The same file cannot forward under another station id: the records would mix.
    other = Forwarder(st.app.db, central, "xa-khac", st.clock)
    with pytest.raises(PlayoutError) as info:
        other.join()
    assert "xa-an-binh" in info.value.render("en")
    with central.connect() as c:
        [(sid, heard, health)] = c.execute(select(ProvinceStation.station_id, ProvinceStation.last_heard_at,
                                                  ProvinceStation.health)).all()  # fmt: skip
    assert sid == st.sid and heard == st.clock.now() and health == '{"ok": true}'


def test_three_stations_air_a_day_through_outages_and_a_killed_forwarder(
    stations: list[Member], postgres: PostgresServer, central_url: str, tmp_path: Path
) -> None:  # fmt: skip
    a, b, c = stations
    central = central_engine(central_url)
    fws = [forwarder(a, central_url), forwarder(b, central_url)]
    for fw in fws:
        fw.join()
    day = local_midnight(DAY, a.app)

    def air(until_hour: int) -> None:
        for st in stations:
            st.air_until(day + hours(until_hour))

    # Morning: the link is up.
    air(8)
    for fw in fws:
        fw.forward_all()
    p = forward_process(c)
    assert p.wait(60) == 0, p.stderr.read()
    assert len(central_log(central, c.sid)) == len(local_log(c)) > 0

    # 08:00 the central server goes away: stations keep airing and keep their queue.
    postgres.stop()
    try:
        before = [len(local_log(st)) for st in stations]
        air(13)
        assert [len(local_log(st)) for st in stations] == [n + 30 for n in before]  # 10 sessions each
        with pytest.raises(OperationalError):
            fws[0].forward_all()
        p = forward_process(c)
        assert p.wait(60) == 1
        assert "Cannot reach the province's central server" in p.stderr.read()
        assert fws[0].queued() > 0 and fws[1].queued() > 0
    finally:
        postgres.start()  # 13:00 it comes back

    air(17)
    for fw in fws:
        fw.forward_all()
    # Station c's forwarder is killed after a batch reached the central server and before
    # the station took it off its queue: the batch is sent again, and counted once.
    hold = tmp_path / "held"
    p = forward_process(c, **{FAULT_HOLD_ENV: str(hold)})
    assert wait_until(lambda: hold.exists() or p.poll() is not None, 60) and hold.exists(), p.stderr.read()
    os.kill(p.pid, signal.SIGKILL)
    p.wait(10)
    queued_c = forwarder(c, central_url).queued()
    assert queued_c >= 40  # the held batch is still queued
    assert 0 < len(central_log(central, c.sid)) < len(local_log(c))

    air(24)
    for fw in fws:
        fw.forward_all()
    p = forward_process(c)
    assert p.wait(60) == 0, p.stderr.read()

    # The central log is the union of the stations' logs, row for row: none lost, none twice.
    for st in stations:
        mine = local_log(st)
        assert len(mine) == 32 * 3  # 32 sessions of chime and two slogans
        assert central_log(central, st.sid) == mine
        assert forwarder(st, central_url).queued() == 0
    with central.connect() as conn:
        total = conn.execute(select(ProvinceAiring.id)).all()
    assert len(total) == 3 * 32 * 3
    assert days_match_airings(central)


def test_the_daemons_link_waits_out_a_dead_central_server_and_catches_up(stations: list[Member],
                                                                         central_url: str) -> None:  # fmt: skip
    from playout.province.forward import last_forward
    from playout.province.link import ProvinceLink
    from tests.conftest import free_port

    st = stations[0]
    link = ProvinceLink(st.app, status=lambda: {"station": "x", "problems": []}, air_now=lambda c, lv: "")
    link.forwarder.join()
    dead = central_engine(f"postgresql+psycopg://playout@127.0.0.1:{free_port()}/none")
    link.central = link.forwarder.central = dead
    st.air_until(local_midnight(DAY, st.app) + hours(7))
    link.cycle()
    assert link.error and "127.0.0.1" in link.error
    # each of the 12 rows queued three times (pending, started, ended), and the clips
    assert last_forward(st.app.db)[2] == link.error and link.forwarder.queued() >= 12 * 3
    link.central = link.forwarder.central = central_engine(central_url)
    link.cycle()
    assert link.error is None and link.forwarder.queued() == 0
    assert central_log(link.central, st.sid) == local_log(st)
    assert last_forward(st.app.db)[1:] == (st.clock.now(), None)
