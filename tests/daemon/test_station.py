"""The station core on a virtual clock: once-only airing, catch-up, missed, interrupted,
clock jumps, hard end, manual airings at the three levels, fallback."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from playout.airlog import AiringLog
from playout.clock import VirtualClock
from playout.db import open_database
from playout.db.models import Airing
from playout.model import Kind, Level, Outcome
from playout.player import SimPlayer
from playout.scheduling.model import ClipRef
from playout.daemon.station import ClipFile, Station
from tests.scheduling.helpers import TZ, clip, example_library, parse
from tests.scheduling.test_select import example_schedule


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


class Rig:
    def __init__(self, tmp_path: Path, start: datetime, schedule=None, library=None, drives_clock=True,
                 fallback=None, db=None, verify=None) -> None:  # noqa: ANN001
        self.clock = VirtualClock(start)
        self.db = db or open_database(f"sqlite:///{tmp_path / 'log.db'}")
        self.airlog = AiringLog(self.db)
        self.player = SimPlayer(self.clock, drives_clock=drives_clock)
        self.lib = library or example_library()
        self.files = {}
        for c in self.lib.clips:
            p = tmp_path / f"{c.id}.flac"
            p.write_bytes(b"x")
            self.files[c.id] = ClipFile(p, f"{c.id:064d}")
        self.sched = schedule or example_schedule()
        self.station = Station(
            clock=self.clock, airlog=self.airlog, player=self.player, tz=TZ, schedule=lambda: self.sched,
            library=lambda: self.lib, clip_file=self.files.get, fallback=fallback, verify=verify,
        )  # fmt: skip

    def rows(self) -> list[Airing]:
        from sqlmodel import select

        with self.db.session() as s:
            return list(s.exec(select(Airing).order_by(Airing.scheduled_at, Airing.position)))

    def outcomes(self, occurrence: str) -> list[tuple[str | None, str]]:
        return [(r.title, r.outcome) for r in self.airlog.rows(occurrence)]


def test_an_occurrence_airs_once_and_every_item_is_logged(tmp_path: Path) -> None:
    rig = Rig(tmp_path, local(2026, 11, 30, 5, 29, 57))
    [occ] = rig.station.pending(rig.clock.now(), local(2026, 11, 30, 6, 0))
    rows = rig.station.air(occ)
    assert rows is not None
    assert rig.outcomes(occ.key) == [("Nhạc hiệu Đài", "aired"), ("CCHC tuần 49", "aired"),
                                     ("Khẩu hiệu 1", "aired"), ("Khẩu hiệu 2", "aired")]  # fmt: skip
    first = rig.airlog.rows(occ.key)[0]
    assert first.started_at == local(2026, 11, 30, 5, 30) and first.lateness_ms == 0
    assert first.played_ms == 3300 and first.output == "simulation"
    second = rig.airlog.rows(occ.key)[1]
    assert second.started_at == local(2026, 11, 30, 5, 30, 3) + timedelta(milliseconds=300)
    # Once only: asked again (a restart, a duplicate wake-up), it does not air.
    assert rig.station.air(occ) is None
    assert len(rig.player.played) == 4
    assert rig.station.pending(local(2026, 11, 30, 0, 0), local(2026, 11, 30, 6, 0)) == []


def test_crash_mid_airing_becomes_interrupted_and_is_never_replayed(tmp_path: Path) -> None:
    rig = Rig(tmp_path, local(2026, 11, 30, 5, 30))
    [occ] = rig.station.pending(rig.clock.now(), local(2026, 11, 30, 6, 0))
    # What a SIGKILL during the second item leaves behind:
    rows = rig.station._rows(occ, __import__("playout.scheduling.select", fromlist=["select"]).select(
        occ, rig.sched, rig.lib, rig.airlog.history()), rig.lib)
    rows[0].outcome = "aired"
    rows[1].outcome = "in_progress"
    rig.airlog.insert(rows)
    rig.clock.advance(timedelta(seconds=20))
    rig.station.catch_up_from(rig.station.recover(since=local(2026, 11, 30, 5, 29)))
    assert rig.outcomes(occ.key) == [("Nhạc hiệu Đài", "aired"), ("CCHC tuần 49", "interrupted"),
                                     ("Khẩu hiệu 1", "missed"), ("Khẩu hiệu 2", "missed")]  # fmt: skip
    assert rig.player.played == []


def test_killed_before_any_sound_airs_late_on_restart_and_only_once(tmp_path: Path) -> None:
    """Written, then killed while its audio was prepared: nothing sounded, so it is not
    'interrupted' but aired late after the restart (within the catch-up window)."""
    rig = Rig(tmp_path, local(2026, 11, 30, 5, 30))
    [occ] = rig.station.pending(rig.clock.now(), local(2026, 11, 30, 6, 0))
    from playout.scheduling.select import select

    rig.airlog.insert(rig.station._rows(occ, select(occ, rig.sched, rig.lib, rig.airlog.history()), rig.lib))
    rig.clock.advance(timedelta(seconds=40))  # restarted 40 s later; last heartbeat was after the due time
    start = rig.station.recover(since=local(2026, 11, 30, 5, 30, 10))
    assert start == occ.utc
    rig.station.catch_up_from(start)
    rows = rig.airlog.rows(occ.key)
    assert [r.outcome for r in rows] == ["aired"] * 4 and rows[0].lateness_ms == 40_000
    assert rig.station.recover(since=rig.clock.now()) == rig.clock.now()  # nothing left to reopen
    assert len(rig.player.played) == 4


def test_down_time_catch_up_within_window_else_missed(tmp_path: Path) -> None:
    sched, errors, _ = parse("""
[[slot]]
id = "a"
times = ["10:00", "10:02", "10:20"]
  [[slot.item]]
  clip = "Khẩu hiệu 1"
""")
    assert errors == []
    rig = Rig(tmp_path, local(2026, 12, 1, 10, 6), schedule=sched)
    rig.station.catch_up_from(rig.station.recover(since=local(2026, 12, 1, 9, 59)))
    assert rig.outcomes("a@2026-12-01T10:00") == [("Khẩu hiệu 1", "missed")]
    [late] = rig.airlog.rows("a@2026-12-01T10:02")
    assert late.outcome == "aired" and late.lateness_ms == 4 * 60_000
    assert rig.outcomes("a@2026-12-01T10:20") == []  # not due yet


def test_clock_jumps_neither_double_nor_flood(tmp_path: Path) -> None:
    sched, _, _ = parse('[[slot]]\nid = "a"\ntimes = ["10:00", "11:00", "12:00", "12:59"]\n'
                        '  [[slot.item]]\n  clip = "Khẩu hiệu 1"\n')  # fmt: skip
    rig = Rig(tmp_path, local(2026, 12, 1, 9, 59), schedule=sched)
    rig.clock.advance(timedelta(minutes=1))
    rig.station.catch_up_from(local(2026, 12, 1, 9, 59))
    assert rig.outcomes("a@2026-12-01T10:00")[0][1] == "aired"
    # NTP steps the clock three hours forward: 11:00 and 12:00 are long past, 12:59 is 1 min late.
    before = rig.clock.now()
    rig.clock.jump(timedelta(hours=3))
    rig.station.catch_up_from(before)
    assert [rig.outcomes(f"a@2026-12-01T{h}")[0][1] for h in ("11:00", "12:00", "12:59")] == ["missed", "missed", "aired"]
    # And back two hours: nothing airs twice.
    rig.clock.jump(timedelta(hours=-2))
    rig.station.catch_up_from(rig.clock.now() - timedelta(hours=3))
    assert len(rig.player.played) == 2
    assert len(rig.rows()) == 4


def test_hard_end_drops_are_logged_as_skipped(tmp_path: Path) -> None:
    sched, _, _ = parse('[[slot]]\nid = "ngan"\ntimes = ["06:00"]\nmax_minutes = 1\n'
                        '  [[slot.item]]\n  clip = "Dài"\n  [[slot.item]]\n  clip = "Khẩu hiệu 1"\n')  # fmt: skip
    lib = type(example_library())([*example_library().clips, clip(30, "Dài", Kind.SEGMENT, "X", date(2026, 1, 1), ms=120_000)])
    rig = Rig(tmp_path, local(2026, 12, 1, 6, 0), schedule=sched, library=lib)
    [occ] = rig.station.pending(rig.clock.now(), local(2026, 12, 1, 7, 0))
    rig.station.air(occ)
    rows = rig.airlog.rows(occ.key)
    assert [(r.title, r.outcome) for r in rows] == [("Khẩu hiệu 1", "aired"), (None, "skipped")]
    assert "“Dài” would run past the hard end" in rows[1].reason


def test_missing_file_fails_its_item_and_plays_the_fallback(tmp_path: Path) -> None:
    rig = Rig(tmp_path, local(2026, 12, 1, 5, 30), fallback=ClipRef(title="Khẩu hiệu 3"))
    rig.files[1].path.unlink()  # the chime's file vanished after import
    [occ] = rig.station.pending(rig.clock.now(), local(2026, 12, 1, 6, 0))
    rig.station.air(occ)
    rows = rig.airlog.rows(occ.key)
    assert [(r.title, r.outcome) for r in rows][:2] == [("Nhạc hiệu Đài", "failed"), ("Khẩu hiệu 3", "aired")]
    assert rows[0].reason.startswith("at air time: audio file missing: ")
    assert rows[1].reason == "fallback for Nhạc hiệu Đài" and rows[1].key.endswith("/1-fallback")


def test_an_output_that_fails_before_the_first_sound_is_covered_by_the_fallback(tmp_path: Path) -> None:
    rig = Rig(tmp_path, local(2026, 12, 1, 5, 30), fallback=ClipRef(title="Khẩu hiệu 3"))
    rig.player.fail = {"Nhạc hiệu Đài": "the output failed: ALSA hw:0: No such device",
                       "CCHC tuần 49": "the output failed: ALSA hw:0: No such device"}  # fmt: skip
    [occ] = rig.station.pending(rig.clock.now(), local(2026, 12, 1, 6, 0))
    rig.station.air(occ)
    rows = rig.airlog.rows(occ.key)
    by_title = {(r.title, r.key.endswith("-fallback")): r for r in rows}
    assert by_title["Nhạc hiệu Đài", False].outcome == "failed"
    fallback = by_title["Khẩu hiệu 3", True]
    assert fallback.outcome == "aired" and fallback.reason == "fallback for Nhạc hiệu Đài"
    assert len([r for r in rows if r.key.endswith("-fallback")]) == 1  # once per airing


def _start_airing(rig: Rig) -> tuple[threading.Thread, str]:
    [occ] = rig.station.pending(rig.clock.now(), rig.clock.now() + timedelta(minutes=30))
    thread = threading.Thread(target=rig.station.air, args=(occ,))
    thread.start()
    for _ in range(2000):
        if rig.player.now_playing() is not None:
            break
        threading.Event().wait(0.002)
    return thread, occ.key


@pytest.mark.parametrize("level", [Level.EMERGENCY, Level.PRIORITY, Level.NORMAL])
def test_manual_airings_at_three_levels(tmp_path: Path, level: Level) -> None:
    rig = Rig(tmp_path, local(2026, 12, 1, 5, 30), drives_clock=False)
    thread, key = _start_airing(rig)
    rig.clock.advance(timedelta(seconds=1))  # one second into the chime
    manual = rig.station.air_now(7, level)
    for _ in range(20):  # let time pass until everything has played
        rig.clock.advance(timedelta(seconds=5))
        threading.Event().wait(0.02)
    thread.join(timeout=5)
    assert not thread.is_alive()
    session = rig.outcomes(key)
    played = [label for _, label in rig.player.played]
    if level == Level.EMERGENCY:
        assert session == [("Nhạc hiệu Đài", "interrupted"), ("Khẩu hiệu 1", "skipped"), ("Khẩu hiệu 2", "skipped")]
        assert played == ["Nhạc hiệu Đài", "Đồng hành tháng 11"]
    elif level == Level.PRIORITY:
        assert session == [("Nhạc hiệu Đài", "aired"), ("Khẩu hiệu 1", "skipped"), ("Khẩu hiệu 2", "skipped")]
        assert played == ["Nhạc hiệu Đài", "Đồng hành tháng 11"]
    else:
        assert [o for _, o in session] == ["aired"] * 3
        assert played == ["Nhạc hiệu Đài", "Khẩu hiệu 1", "Khẩu hiệu 2", "Đồng hành tháng 11"]
    [row] = rig.airlog.rows(manual.occurrence)
    assert row.manual and row.level == level.value and row.outcome == "aired"


def test_skip_ends_the_current_item_only(tmp_path: Path) -> None:
    rig = Rig(tmp_path, local(2026, 12, 1, 5, 30), drives_clock=False)
    thread, key = _start_airing(rig)
    rig.clock.advance(timedelta(seconds=1))
    assert rig.player.skip()
    for _ in range(10):
        rig.clock.advance(timedelta(seconds=5))
        threading.Event().wait(0.02)
    thread.join(timeout=5)
    assert [o for _, o in rig.outcomes(key)] == ["interrupted", "aired", "aired"]
    assert rig.airlog.rows(key)[0].reason == "skipped by the technician"
