"""Stops and restarts of a real daemon (libVLC null output, SQLite, APScheduler, real time):
what fell due while it was down airs in order, and a stop during the pre-roll loses nothing."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from playout import app as app_mod
from playout.daemon.live import LiveDaemon
from playout.db.models import DaemonState
from tests.daemon.helpers import air_until, at, daemon_station, final, rows, slot, wait_for
from tests.daemon.test_live import _needs_libvlc  # noqa: F401 (autouse: libVLC must work)

SLOGAN = "Khẩu hiệu 1: Cải cách hành chính phục vụ nhân dân"
SEGMENT = "CCHC: Đăng ký khai sinh trực tuyến"


def _down_since(app: app_mod.App, seconds: float) -> None:
    """As if the daemon had died `seconds` ago."""
    then = datetime.now(UTC) - timedelta(seconds=seconds)
    with app.db.session() as s:
        s.merge(DaemonState(id=1, alive_at=then, started_at=then - timedelta(hours=1)))
        s.commit()


def test_catch_ups_air_in_scheduled_order_before_a_later_occurrence(tmp_path: Path) -> None:
    st = daemon_station(tmp_path)
    (st.root / "schedules" / "test.toml").write_text(
        slot("a", at(-50), [SLOGAN], chime=False) + slot("b", at(-30), [SLOGAN], chime=False)
        + slot("c", at(1), [SLOGAN], chime=False), encoding="utf-8")  # fmt: skip
    app = app_mod.build(st.config)
    _down_since(app, 60)
    daemon = LiveDaemon(app)
    daemon.start()
    try:
        for prefix in ("a@", "b@", "c@"):
            wait_for(final(st, prefix, 1), 40, f"occurrence {prefix} to air")
    finally:
        daemon.stop()
    aired = sorted(rows(st), key=lambda r: r["started_at"])
    assert [(r["slot"], r["outcome"]) for r in aired] == [("a", "aired"), ("b", "aired"), ("c", "aired")]


def _config_with(st, line: str) -> None:  # noqa: ANN001
    text = st.config.read_text(encoding="utf-8").replace("lead_seconds = 2\n", f"lead_seconds = 2\n{line}\n")
    st.config.write_text(text, encoding="utf-8")


def test_a_stop_with_interrupt_during_the_pre_roll_airs_the_occurrence_at_the_next_start(tmp_path: Path) -> None:
    st = daemon_station(tmp_path)
    _config_with(st, 'on_stop = "interrupt"')
    (st.root / "schedules" / "test.toml").write_text(slot("pre", at(5), [SLOGAN], chime=False), encoding="utf-8")
    daemon = LiveDaemon(app_mod.build(st.config))
    daemon.start()
    try:
        wait_for(lambda: rows(st, "pre@"), 20, "the occurrence to be written before its pre-roll")
    finally:
        daemon.stop()
    left = rows(st, "pre@")
    assert [(r["outcome"], r["started_at"], r["played_ms"]) for r in left] == [("pending", None, 0)]
    done = air_until(st, "pre@", 1, 30, "the occurrence to air after the restart")
    assert [(r["outcome"], r["reason"]) for r in done] == [("aired", None)]
    # On time if the restart came before its instant (the output places it on the frame), else
    # late within the catch-up window; never early.
    assert 0 <= done[0]["lateness_ms"] < 5 * 60_000


def test_a_stop_while_finishing_a_session_asks_systemd_for_more_time(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """on_stop = "finish" lets a half-hour session end; the unit's TimeoutStopSec must not
    SIGKILL it meanwhile: the daemon extends the timeout (EXTEND_TIMEOUT_USEC) while it waits."""
    st = daemon_station(tmp_path)
    (st.root / "schedules" / "test.toml").write_text(slot("long", at(3), [SEGMENT], chime=False), encoding="utf-8")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify"))
    notify.settimeout(30)
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify"))
    daemon = LiveDaemon(app_mod.build(st.config))
    daemon.start()
    stopper = threading.Thread(target=daemon.stop)
    try:
        wait_for(lambda: any(r["outcome"] == "in_progress" for r in rows(st, "long@")), 30, "the session to start")
        stopper.start()
        messages = []
        while not any(m.startswith("EXTEND_TIMEOUT_USEC=") for m in messages):
            messages.append(notify.recv(256).decode())
    finally:
        stopper.join(60) if stopper.is_alive() or stopper.ident else daemon.stop()
        notify.close()
    assert [r["outcome"] for r in rows(st, "long@")] == ["aired"]  # finished, not cut
    unit = (Path(__file__).resolve().parents[2] / "packaging" / "playout.service").read_text(encoding="utf-8")
    assert "Type=notify" in unit and "NotifyAccess=main" in unit
