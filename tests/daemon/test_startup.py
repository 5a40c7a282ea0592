"""`playout run` refuses to start on bad ground, with one sentence and its exit code."""

from __future__ import annotations

import sqlite3

from playout.db import open_database


def test_a_bad_config_value_stops_run_with_the_key_and_the_value(station) -> None:  # noqa: ANN001
    text = station.config.read_text(encoding="utf-8").replace("catch_up_minutes = 5", "catch_up_minutes = -3")
    station.config.write_text(text, encoding="utf-8")
    r = station.cli("run")
    assert r.exit_code == 2
    assert "catch_up_minutes" in r.output and "-3" in r.output and "Traceback" not in r.output


def test_a_database_from_a_newer_playout_stops_run(station) -> None:  # noqa: ANN001
    open_database(f"sqlite:///{station.db_path}").dispose()
    with sqlite3.connect(station.db_path) as con:
        con.execute("update alembic_version set version_num = '9999'")
    r = station.cli("run")
    assert r.exit_code == 4
    assert "phiên bản playout mới hơn (lược đồ 9999)" in r.output and "Traceback" not in r.output


def test_a_second_daemon_on_the_same_database_is_refused_even_on_other_ports(tmp_path) -> None:  # noqa: ANN001
    from playout import app as app_mod
    from playout.daemon.live import LiveDaemon
    from tests.conftest import free_port
    from tests.daemon.helpers import daemon_station

    st = daemon_station(tmp_path)
    first = LiveDaemon(app_mod.build(st.config))
    first.start()
    try:
        r = st.cli("run", env={"PLAYOUT_DAEMON_CONTROL_PORT": str(free_port()), "PLAYOUT_WEB_PORT": str(free_port())})
        assert r.exit_code == 1
        assert f"Một playout khác đang chạy trên cơ sở dữ liệu {st.db_path} (tiến trình " in r.output
    finally:
        first.stop()
    # Once stopped, the next one starts (after a SIGKILL too: the torture test restarts at once).
    again = LiveDaemon(app_mod.build(st.config))
    again.start()
    again.stop()
