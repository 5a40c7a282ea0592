"""Clock jumps on a real daemon: libVLC, SQLite, APScheduler, with the wall clock stepped.

libfaketime cannot do this with Python 3.11 (its clock_nanosleep breaks time.sleep when the
monotonic clock is left alone), so the wall clock is offset by injection: the daemon gets a
clock whose offset the test sets, and APScheduler's own reads of the time go through it too.
The monotonic clock runs on, as it does when NTP or `date -s` steps the system clock.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from playout import app as app_mod
from playout.clock import SystemClock
from playout.daemon.live import LiveDaemon
from tests.daemon.helpers import TZ, daemon_station, rows, slot, wait_for
from tests.daemon.test_live import _needs_libvlc  # noqa: F401 (autouse: libVLC must work)


class SteppedClock(SystemClock):
    """The system clock plus an offset that can be stepped, like `date -s`."""

    def __init__(self) -> None:
        self.offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self.offset

    def step_to(self, instant: datetime) -> None:
        with self._lock:
            self.offset += instant - (datetime.now(UTC) + self.offset)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> SteppedClock:
    clock = SteppedClock()

    class _Datetime(datetime):
        @classmethod
        def now(cls, tz=None):  # noqa: ANN001, ANN206
            return clock.now().astimezone(tz)

    import apscheduler.executors.base
    import apscheduler.schedulers.base
    import apscheduler.triggers.date
    import apscheduler.triggers.interval

    for module in (apscheduler.schedulers.base, apscheduler.executors.base, apscheduler.triggers.date,
                   apscheduler.triggers.interval):  # fmt: skip
        monkeypatch.setattr(module, "datetime", _Datetime)
    return clock


def test_jumps_forward_and_back_by_hours_neither_double_nor_flood(tmp_path: Path, clock: SteppedClock) -> None:
    st = daemon_station(tmp_path)
    base = datetime.now(TZ).replace(microsecond=0)
    skipped_over = base + timedelta(hours=1)  # passed by the forward jump: long gone, so missed
    target = base + timedelta(hours=2)
    after = target + timedelta(seconds=12)
    title = "Khẩu hiệu 1: Cải cách hành chính phục vụ nhân dân"
    (st.root / "schedules" / "test.toml").write_text(
        slot("passed", skipped_over, [title], chime=False) + slot("target", target, [title], chime=False)
        + slot("after", after, [title], chime=False), encoding="utf-8")  # fmt: skip
    daemon = LiveDaemon(app_mod.App(config=app_mod.build(st.config).config, clock=clock))
    daemon.start()
    try:
        clock.step_to((target - timedelta(seconds=4)).astimezone(UTC))  # two hours forward
        wait_for(lambda: daemon.jumps == 1, 10, "the forward jump to be noticed")
        done = wait_for(lambda: [r for r in rows(st, "target@") if r["outcome"] == "aired"], 20, "the target to air")
        assert abs(done[0]["lateness_ms"]) < 1000
        [passed] = rows(st, "passed@")
        assert passed["outcome"] == "missed" and passed["reason"].startswith("due while the daemon was not airing; 35")

        clock.step_to(datetime.now(UTC))  # two hours back
        wait_for(lambda: daemon.jumps == 2, 10, "the backward jump to be noticed")
        clock.step_to((target + timedelta(seconds=2)).astimezone(UTC))  # forward past the target again
        wait_for(lambda: daemon.jumps == 3, 10, "the second forward jump to be noticed")
        wait_for(lambda: [r for r in rows(st, "after@") if r["outcome"] == "aired"], 30, "the next slot to air")
    finally:
        daemon.stop()
    assert len(rows(st, "target@")) == 1  # aired once, though its time came round twice
    assert len(rows(st, "passed@")) == 1  # recorded missed once, not aired on either jump
    assert len(rows(st)) == 3
