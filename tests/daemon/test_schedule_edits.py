"""Schedule edits close to air time on a real daemon: an editor that empties or cuts a file
for a moment does not take a session off the air, and one that does take it off is recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from playout import app as app_mod
from playout.daemon.live import SETTLE_S, LiveDaemon
from playout.scheduling.model import Schedule
from tests.daemon.helpers import at, daemon_station, final, slot, wait_for
from tests.daemon.test_live import _needs_libvlc  # noqa: F401 (autouse: libVLC must work)

ONE = "Khẩu hiệu 1: Cải cách hành chính phục vụ nhân dân"
TWO = "Nhạc hiệu Đài"


class _Mono:
    """The daemon's monotonic time for settling edits, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _look(daemon: LiveDaemon) -> None:
    daemon._last_watch = 0
    daemon._tick()


def test_an_edit_that_drops_what_is_due_soon_waits_for_the_file_to_settle(tmp_path: Path) -> None:
    st = daemon_station(tmp_path)
    sched = st.root / "schedules" / "test.toml"
    whole = slot("s", at(300), [ONE, TWO], chime=False)  # well inside CLOSE_S
    sched.write_text(whole, encoding="utf-8")
    daemon = LiveDaemon(app_mod.build(st.config))
    daemon.monotonic = mono = _Mono()
    daemon.start()
    try:
        # Saved in place: empty for a moment, then cut after the first item (still valid TOML).
        sched.write_text("", encoding="utf-8")
        _look(daemon)
        assert [s.id for s in daemon.schedule.slots] == ["s"]  # the previous schedule runs on
        held = st.cli("status")
        assert "bỏ lượt s lúc" in held.stdout and "chỉ áp dụng khi tệp không đổi trong 5 giây" in held.stdout
        cut = whole[: whole.index("  [[slot.item]]", whole.index(ONE))]
        sched.write_text(cut, encoding="utf-8")
        mono.now += SETTLE_S - 1
        _look(daemon)
        assert len(daemon.schedule.slots[0].items) == 2
        sched.write_text(whole, encoding="utf-8")  # the editor finishes writing
        mono.now += SETTLE_S
        _look(daemon)
        assert len(daemon.schedule.slots[0].items) == 2 and daemon._held is None
        assert daemon.schedule_changes == []

        # A deliberate cut: still there after the files settle, it is adopted and said.
        sched.write_text(cut, encoding="utf-8")
        _look(daemon)
        assert len(daemon.schedule.slots[0].items) == 2
        mono.now += SETTLE_S
        _look(daemon)
        assert len(daemon.schedule.slots[0].items) == 1
        status = st.cli("status")
        assert "Lịch phát đổi lúc" in status.stdout and "sửa khung giờ s" in status.stdout
        assert "còn 1/2 mục" in status.stdout
    finally:
        daemon.stop()


def test_an_occurrence_removed_just_before_its_time_gets_a_record(tmp_path: Path) -> None:
    st = daemon_station(tmp_path)
    sched = st.root / "schedules" / "test.toml"
    sched.write_text(slot("gone", at(6), [ONE], chime=False), encoding="utf-8")
    daemon = LiveDaemon(app_mod.build(st.config))
    daemon.monotonic = mono = _Mono()
    daemon.start()
    try:
        sched.write_text("", encoding="utf-8")
        _look(daemon)
        mono.now += SETTLE_S
        _look(daemon)
        assert daemon.schedule.slots == ()
        done = wait_for(final(st, "gone@", 1), 20, "the removed occurrence's record")
    finally:
        daemon.stop()
    assert [(r["outcome"], r["title"]) for r in done] == [("skipped", None)]
    assert done[0]["reason"].startswith("removed from the schedule ") and done[0]["reason"].endswith(" s before its time")


def test_replanning_leaves_what_is_planned_and_unchanged_and_replans_a_changed_occurrence(tmp_path: Path) -> None:
    # A schedule edit, midnight and a clock jump plan the next 48 hours again: on a busy
    # schedule (a session a minute in the soak) re-adding every wake-up took seconds and grew
    # the daemon's memory.
    st = daemon_station(tmp_path)
    when = at(900)
    (st.root / "schedules" / "test.toml").write_text(slot("later", when, [ONE]), encoding="utf-8")
    daemon = LiveDaemon(app_mod.build(st.config))
    daemon.start()
    try:
        keys = sorted(k for k in daemon._due if k.startswith("later@"))  # today's and tomorrow's
        key = keys[0]
        job = daemon.scheduler.get_job(key)
        added: list[str] = []
        add_job = daemon.scheduler.add_job

        def counting(*args, **kw):  # noqa: ANN002, ANN003, ANN202
            added.append(kw.get("id"))
            return add_job(*args, **kw)

        daemon.scheduler.add_job = counting  # type: ignore[method-assign]
        daemon.plan()
        assert added == [] and daemon.scheduler.get_job(key).next_run_time == job.next_run_time
        # The slot gains an item: its wake-up is planned again, for the new session.
        (st.root / "schedules" / "test.toml").write_text(slot("later", when, [ONE, TWO]), encoding="utf-8")
        assert daemon.reload()
        assert sorted(added) == keys
        occ = daemon.scheduler.get_job(key).args[0]
        assert len(occ.slot.items) == 2 and daemon.scheduler.get_job(key).next_run_time == job.next_run_time
    finally:
        daemon.stop()


def test_the_periodic_replan_reads_and_plans_only_what_the_horizon_brings_in(tmp_path: Path) -> None:
    st = daemon_station(tmp_path)
    (st.root / "schedules" / "test.toml").write_text(slot("later", at(900), [ONE]), encoding="utf-8")
    daemon = LiveDaemon(app_mod.build(st.config))
    daemon.start()
    try:
        today, tomorrow = sorted(k for k in daemon._due if k.startswith("later@"))
        reached, schedule = daemon._planned_to
        # As if the plan had reached a day less far: tomorrow's wake-up is what it brings in.
        daemon.scheduler.remove_job(tomorrow)
        del daemon._due[tomorrow]
        daemon._planned_to = (reached - timedelta(days=1), schedule)
        windows: list[tuple[datetime, datetime]] = []
        added: list[str] = []
        pending, add_job = daemon.station.pending, daemon.scheduler.add_job

        def reading(start: datetime, end: datetime) -> list:
            windows.append((start, end))
            return pending(start, end)

        def adding(*args, **kw):  # noqa: ANN002, ANN003, ANN202
            added.append(kw.get("id"))
            return add_job(*args, **kw)

        daemon.station.pending = reading  # type: ignore[method-assign]
        daemon.scheduler.add_job = adding  # type: ignore[method-assign]
        daemon.carry_forward()
        assert added == [tomorrow] and today in daemon._due and tomorrow in daemon._due
        assert len(windows) == 1 and windows[0][0] == reached - timedelta(days=1)
        assert reached <= windows[0][1] < reached + timedelta(minutes=1)
        assert daemon._planned_to == (windows[0][1], schedule)
        # Carried forward again at once: nothing new, nothing planned twice.
        added.clear()
        daemon.carry_forward()
        assert added == []
        # Planned for another schedule than the one in force: the whole horizon is read anew.
        windows.clear()
        daemon._planned_to = (reached, Schedule())
        daemon.carry_forward()
        assert windows[0][0] <= datetime.now(UTC) and windows[0][1] >= reached
        assert added == [] and daemon._planned_to[1] is daemon.schedule
    finally:
        daemon.stop()
