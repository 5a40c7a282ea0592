"""Each station's PostgreSQL account is confined to its own station's rows (row-level
security), on the real PostgreSQL: a station's password cannot read, forge or delete another
station's record, and forwarding with it still works."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from benchmarks.postgres import PostgresServer
from playout.db import open_database
from playout.province.forward import central_engine
from tests.conftest import Station
from tests.province.helpers import hours, local_midnight, make_station
from tests.province.test_forward import DAY, central_log, forwarder, local_log


def _as(url: str, role: str) -> str:
    return make_url(url).set(username=role).render_as_string(hide_password=False)


def test_a_station_account_forwards_its_own_rows_and_cannot_touch_another_stations(
        example_station: Station, central_url: str, postgres: PostgresServer, tmp_path: Path) -> None:  # fmt: skip
    open_database(central_url).dispose()
    with central_engine(central_url).begin() as c:
        for role in ("xa_a", "xa_b", "xa_lạ"):
            c.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    a = make_station(tmp_path, "xa-a", _as(central_url, "xa_a"), example_station.db_path)
    b = make_station(tmp_path, "xa-b", _as(central_url, "xa_b"), example_station.db_path, offset=7)
    for st, role in ((a, "xa_a"), (b, "xa_b")):
        done = st.cli.cli("province", "account", st.sid, role, "--central", central_url)
        assert done.exit_code == 0 and role in done.output, done.output
    missing = a.cli.cli("province", "account", "xa-c", "xa_khong_co", "--central", central_url)
    assert missing.exit_code != 0 and "xa_khong_co" in missing.output and "Traceback" not in missing.output
    # Each station forwards through its own account.
    for st in (a, b):
        st.air_until(local_midnight(DAY, st.app) + hours(7))
        fw = forwarder(st, st.app.config.province.central_url)
        assert fw.join() and fw.forward_all({"ok": True}) > 0 and fw.queued() == 0
    province = central_engine(central_url)  # the tables' owner: every station's rows
    assert central_log(province, "xa-a") == local_log(a) and central_log(province, "xa-b") == local_log(b)
    # Station a's account sees only its own rows...
    mine = central_engine(_as(central_url, "xa_a"))
    with mine.connect() as c:
        assert c.execute(text("SELECT DISTINCT station_id FROM province_airings")).scalars().all() == ["xa-a"]
        assert c.execute(text("SELECT DISTINCT station_id FROM province_stations")).scalars().all() == ["xa-a"]
    # ...cannot change or delete station b's...
    with mine.begin() as c:
        assert c.execute(text("UPDATE province_airings SET outcome = 'missed' WHERE station_id = 'xa-b'")).rowcount == 0
        assert c.execute(text("DELETE FROM province_airings WHERE station_id = 'xa-b'")).rowcount == 0
    assert central_log(province, "xa-b") == local_log(b)
    # ...nor write rows in its name.
    with pytest.raises(DBAPIError, match="row-level security"), mine.begin() as c:
        c.execute(text("INSERT INTO province_stations (station_id, name, last_heard_at) "
                       "VALUES ('xa-b', 'giả mạo', now())"))  # fmt: skip
    with pytest.raises(DBAPIError, match="row-level security"), mine.begin() as c:
        c.execute(text("UPDATE province_airings SET station_id = 'xa-b' WHERE station_id = 'xa-a'"))
    # An account the province has not listed reads nothing, even given the table rights.
    with province.begin() as c:
        c.execute(text('GRANT SELECT ON province_airings TO "xa_lạ"'))
    with pytest.raises(DBAPIError, match="permission denied"), central_engine(_as(central_url, "xa_lạ")).connect() as c:
        c.execute(text("SELECT count(*) FROM province_airings"))
