"""Faults the airing log must survive: a full disk, a database locked by another program.

The station keeps airing; records the database cannot take wait in memory, in order, and are
written once it takes writes again, each exactly once.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from playout.db import open_database
from tests.conftest import IN_CI, require_program
from tests.daemon.test_station import Rig, local

FIRST = local(2026, 11, 30, 5, 30)  # the example schedule's Monday morning session


def _all_final(rig: Rig) -> list[tuple[str, str]]:
    rows = rig.rows()
    assert all(r.outcome not in ("pending", "in_progress") for r in rows)
    return [(r.key, r.outcome) for r in rows]


@pytest.fixture
def small_disk(tmp_path: Path):  # noqa: ANN201
    """A real 4 MiB tmpfs: a disk that can be filled."""
    yield from _tmpfs(tmp_path, "4m")


@pytest.fixture
def station_disk(tmp_path: Path):  # noqa: ANN201
    """A real 24 MiB tmpfs: room for a station's library, then filled."""
    yield from _tmpfs(tmp_path, "24m")


def _tmpfs(tmp_path: Path, size: str):  # noqa: ANN202
    mnt = tmp_path / "disk"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)], capture_output=True,
                          text=True)  # fmt: skip
    if done.returncode != 0:
        if IN_CI:
            pytest.fail(f"cannot mount a tmpfs for the disk-full test: {done.stderr.strip()}")
        pytest.skip(f"cannot mount a tmpfs (not root?): {done.stderr.strip()}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=True)


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (65536, 512):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler


def test_disk_full_keeps_airing_keeps_records_in_memory_and_writes_them_when_space_returns(small_disk: Path) -> None:
    db = open_database(f"sqlite:///{small_disk / 'log.db'}")
    rig = Rig(small_disk, FIRST, db=db)
    with sqlite3.connect(small_disk / "log.db") as con:  # the next commit must grow the WAL file
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    filler = _fill(small_disk)

    [monday] = rig.station.pending(FIRST, local(2026, 11, 30, 6, 0))
    assert rig.station.air(monday) is not None
    assert len(rig.player.played) == 4  # the whole session aired
    assert rig.airlog.backlog > 0 and "full" in (rig.airlog.write_error or "")
    assert rig.rows() == []  # nothing reached the disk...
    assert rig.station.pending(FIRST, local(2026, 11, 30, 6, 0)) == []  # ...yet it is known to have aired
    assert rig.station.air(monday) is None
    assert rig.airlog.flush() is False  # still full

    filler.unlink()
    rig.airlog.heartbeat(rig.clock.now())  # the daemon's regular beat writes what waits
    assert rig.airlog.backlog == 0 and rig.airlog.write_error is None
    final = _all_final(rig)
    assert [o for _, o in final] == ["aired"] * 4
    assert len({k for k, _ in final}) == 4


class _Killed(BaseException):
    """What a SIGKILL does to the airing in progress: nothing after this point runs."""


class _KillAfter:
    """The player, until the daemon is killed after `events` start/end notes of its observer."""

    def __init__(self, inner, events: int) -> None:  # noqa: ANN001
        self.inner, self.left = inner, events
        self.output = inner.output

    def play(self, cues, start_at, observer) -> None:  # noqa: ANN001
        outer = self

        class Observer:
            def started(self, index, at) -> None:  # noqa: ANN001
                outer._note()
                observer.started(index, at)

            def ended(self, index, outcome, played_ms, reason, at) -> None:  # noqa: ANN001
                outer._note()
                observer.ended(index, outcome, played_ms, reason, at)

        self.inner.play(cues, start_at, Observer())

    def _note(self) -> None:
        if self.left == 0:
            raise _Killed
        self.left -= 1


def _restart(rig: Rig, url: str, journal: Path) -> None:
    """A new process: a new database connection, the airing log's memory gone, the journal read."""
    from playout.airlog import AiringLog

    rig.db.dispose()
    rig.db = open_database(url)
    rig.airlog = AiringLog(rig.db)
    rig.station.log, rig.station.player = rig.airlog, rig.player
    rig.airlog.open_journal(journal)


def test_disk_full_then_kills_lose_no_record_and_air_nothing_twice(small_disk: Path) -> None:
    """The database's disk is full; a session airs; the daemon is killed during item 3 and
    started again twice on the still-full disk; then space returns. Every record is kept, in
    the journal preallocated at start-up, and the session never airs again."""
    from playout.journal import SIZE, Journal

    url = f"sqlite:///{small_disk / 'log.db'}"
    rig = Rig(small_disk, FIRST, db=open_database(url))
    journal = small_disk / "log.db.airlog-journal"
    rig.airlog.open_journal(journal)
    assert journal.stat().st_size == SIZE and journal.stat().st_blocks * 512 >= SIZE
    with sqlite3.connect(small_disk / "log.db") as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    filler = _fill(small_disk)

    [monday] = rig.station.pending(FIRST, local(2026, 11, 30, 6, 0))
    rig.station.player = _KillAfter(rig.player, 5)  # items 1 and 2 air whole, item 3 starts: kill
    with pytest.raises(_Killed):
        rig.station.air(monday)
    assert rig.rows() == [] and len(rig.player.played) == 3

    for _ in range(2):  # killed again right after the restart, before the disk has room
        _restart(rig, url, journal)
        assert rig.airlog.backlog > 0 and "full" in (rig.airlog.write_error or "")
        rig.clock.advance(timedelta(seconds=40))
        since = rig.station.recover(FIRST)
        assert rig.station.pending(since or FIRST, rig.clock.now()) == []  # known to have aired: from the journal
        rig.station.catch_up_from(since or FIRST)
        assert rig.station.air(monday) is None
    assert len(rig.player.played) == 3  # nothing aired twice

    filler.unlink()
    _restart(rig, url, journal)  # the replay writes the journal into the database
    assert rig.airlog.backlog == 0 and rig.airlog.write_error is None
    got = [(r.position, r.outcome, r.played_ms > 0) for r in rig.rows()]
    assert got == [(1, "aired", True), (2, "aired", True), (3, "interrupted", False), (4, "missed", False)]
    assert Journal(journal).open() == []  # emptied once the database holds it all


class _Locker:
    """Another program holding the database's write lock (as a long import or sqlite3 would)."""

    def __init__(self, path: Path) -> None:
        self.con = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
        self.con.execute("BEGIN IMMEDIATE")
        self.con.execute("INSERT INTO daemon_state (id, alive_at, started_at) VALUES (99, '2000-01-01', '2000-01-01')")

    def release(self) -> None:
        self.con.execute("ROLLBACK")
        self.con.close()


def test_a_write_waits_for_a_lock_held_by_another_program_and_succeeds(tmp_path: Path) -> None:
    rig = Rig(tmp_path, FIRST)
    reader = sqlite3.connect(tmp_path / "log.db")  # a long export: an open read transaction
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM airings").fetchone()
    locker = _Locker(tmp_path / "log.db")
    threading.Timer(1.0, locker.release).start()  # the other program finishes within the busy timeout
    [monday] = rig.station.pending(FIRST, local(2026, 11, 30, 6, 0))
    assert rig.station.air(monday) is not None
    assert rig.airlog.backlog == 0
    assert [o for _, o in _all_final(rig)] == ["aired"] * 4
    reader.close()


def test_a_lock_held_past_the_busy_timeout_keeps_records_in_memory_until_it_is_released(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'log.db'}", busy_timeout_ms=100)
    rig = Rig(tmp_path, FIRST, db=db)
    locker = _Locker(tmp_path / "log.db")
    [monday] = rig.station.pending(FIRST, local(2026, 11, 30, 6, 0))
    assert rig.station.air(monday) is not None
    assert len(rig.player.played) == 4
    assert rig.airlog.backlog > 0 and "locked" in (rig.airlog.write_error or "")
    locker.release()
    assert rig.airlog.flush()
    assert [o for _, o in _all_final(rig)] == ["aired"] * 4


def test_records_are_written_in_order_so_an_update_never_precedes_its_row(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'log.db'}", busy_timeout_ms=100)
    rig = Rig(tmp_path, FIRST, db=db)
    [monday] = rig.station.pending(FIRST, local(2026, 11, 30, 6, 0))
    locker = _Locker(tmp_path / "log.db")
    real_update = rig.airlog.update
    calls = []

    def update_then_release(row, **values):  # noqa: ANN001, ANN202
        calls.append(values.get("outcome"))
        if len(calls) == 3:  # the lock goes away in the middle of the session
            locker.release()
        return real_update(row, **values)

    rig.airlog.update = update_then_release  # type: ignore[method-assign]
    rig.station.air(monday)
    rig.airlog.flush()
    assert [o for _, o in _all_final(rig)] == ["aired"] * 4


# -- audio files changed behind playout's back ------------------------------------------------


def test_deleted_truncated_and_replaced_files_are_found_before_air_and_the_fallback_airs(tmp_path: Path) -> None:
    """The readiness check minutes ahead names each damaged file; at air time each damaged
    item is recorded failed with the reason, and the fallback clip airs in its place."""
    require_program("ffmpeg")
    from playout.library.ffmpeg import locate_tools
    from playout.library.steps import file_hash
    from playout.library.verify import FileVerifier
    from playout.daemon.station import ClipFile
    from playout.scheduling.model import ClipRef
    from tests.audio_factory import programme_like, write

    verifier = FileVerifier(locate_tools().ffmpeg)
    rig = Rig(tmp_path, local(2026, 11, 30, 5, 25), fallback=ClipRef(title="Khẩu hiệu 3"),
              verify=lambda f, decode: verifier.problem(f.path, f.content_hash, decode=decode))  # fmt: skip
    for cid in list(rig.files):  # real audio, with the hashes recorded at import
        path = write(programme_like(sound_ms=800 + 100 * cid), tmp_path / f"real-{cid}.flac", "flac")
        rig.files[cid] = ClipFile(path, file_hash(path))
    by_title = {c.title: rig.files[c.id].path for c in rig.lib.clips}
    soon = (rig.clock.now(), rig.clock.now() + timedelta(minutes=10))
    assert rig.station.readiness(*soon) == {}

    by_title["Nhạc hiệu Đài"].unlink()
    data = by_title["CCHC tuần 49"].read_bytes()
    by_title["CCHC tuần 49"].write_bytes(data[: len(data) // 2])
    by_title["Khẩu hiệu 1"].write_bytes(by_title["Khẩu hiệu 2"].read_bytes())

    [(key, problems)] = rig.station.readiness(*soon).items()
    assert key == "phien-sang@2026-11-30T05:30"
    assert [p.split(":")[0] for p in problems] == ["Nhạc hiệu Đài", "CCHC tuần 49", "Khẩu hiệu 1"]
    assert "audio file missing" in problems[0]
    assert "changed since import" in problems[1] and "changed since import" in problems[2]

    rig.clock.advance(timedelta(minutes=5))
    [occ] = rig.station.pending(rig.clock.now(), local(2026, 11, 30, 6, 0))
    rig.station.air(occ)
    got = [(r.title, r.outcome, r.reason) for r in rig.airlog.rows(occ.key)]
    assert [(title, outcome) for title, outcome, _ in got] == [
        ("Nhạc hiệu Đài", "failed"), ("Khẩu hiệu 3", "aired"), ("CCHC tuần 49", "failed"), ("Khẩu hiệu 3", "aired"),
        ("Khẩu hiệu 1", "failed"), ("Khẩu hiệu 3", "aired"), ("Khẩu hiệu 2", "aired")]
    assert got[2][2].startswith("at air time: audio file changed since import (hash differs): ")


def test_a_file_that_does_not_decode_is_reported_by_the_readiness_check(tmp_path: Path) -> None:
    require_program("ffmpeg")
    from playout.library.ffmpeg import locate_tools
    from playout.library.steps import file_hash
    from playout.library.verify import FileVerifier
    from tests.audio_factory import programme_like, write

    path = write(programme_like(), tmp_path / "clip.flac", "flac")
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 2000] = bytes(2000)
    path.write_bytes(bytes(data))
    verifier = FileVerifier(locate_tools().ffmpeg)
    # Recorded with this very content (as if damaged before import): only decoding finds it.
    assert verifier.problem(path, file_hash(path)) is None
    found = verifier.problem(path, file_hash(path), decode=True)
    assert found is not None and found.startswith(f"audio file does not decode: {path}")


# -- `playout run` on a full disk --------------------------------------------------------------


def _run(st, seconds: float = 60) -> subprocess.Popen:  # noqa: ANN001
    import sys

    exe = Path(sys.executable).with_name("playout")
    return subprocess.Popen([str(exe), "run"], env={**os.environ, "PLAYOUT_CONFIG": str(st.config)},
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


def test_run_on_a_full_disk_with_no_room_for_the_journal_refuses_in_one_sentence(station_disk: Path) -> None:
    from tests.daemon.helpers import daemon_station

    st = daemon_station(station_disk)
    _fill(station_disk)
    proc = _run(st)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err[-3000:]
    assert "Traceback" not in err and "OperationalError" not in err, err[-3000:]
    assert err.strip().splitlines()[-1].startswith("Không khởi động: "), err[-3000:]
    assert not list(st.root.glob("playout.db.damaged-*"))  # a full disk is not damage


def test_run_on_a_full_disk_with_its_journal_airs_and_says_where_records_go(station_disk: Path) -> None:
    require_program("ffmpeg")
    from playout import app as app_mod
    from playout.daemon.live import LiveDaemon
    from tests.daemon.helpers import at, daemon_station, final, rows, slot, wait_for

    st = daemon_station(station_disk)
    first = LiveDaemon(app_mod.build(st.config))  # an earlier run prepared the journal
    first.start()
    first.stop()
    (st.root / "schedules" / "test.toml").write_text(
        slot("full", at(6), ["Khẩu hiệu 1: Cải cách hành chính phục vụ nhân dân"], chime=False), encoding="utf-8")
    with sqlite3.connect(st.db_path) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    filler = _fill(station_disk)
    proc = _run(st)
    try:
        wait_for(lambda: proc.poll() is not None or st.cli("status").exit_code == 0, 30, "the daemon to be ready")
        assert proc.poll() is None
        journal = st.root / "playout.db.airlog-journal"
        from playout.journal import Journal

        wait_for(lambda: len(Journal(journal)._read(os.open(journal, os.O_RDONLY))[0]) >= 3, 30,
                 "the airing's records in the journal")  # fmt: skip
        status = st.cli("status")
        assert "đang giữ an toàn trong tệp nhật ký dự phòng" in status.stdout
    finally:
        proc.send_signal(__import__("signal").SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "Traceback" not in err, err[-3000:]
    assert not list(st.root.glob("playout.db.damaged-*"))
    filler.unlink()
    again = _run(st)  # the next start writes the journal into the database
    try:
        done = wait_for(final(st, "full@", 1), 30, "the records to reach the database")
    finally:
        again.send_signal(__import__("signal").SIGTERM)
        again.communicate(timeout=30)
    assert [r["outcome"] for r in done] == ["aired"]
    assert len(rows(st)) == 1


def test_a_healthy_database_on_a_full_disk_is_not_called_damaged(small_disk: Path) -> None:
    """SQLite's check cannot run on a full disk (it must make the -shm file): 'disk I/O error'
    is not damage, so nothing is copied aside or salvaged."""
    from datetime import UTC, datetime

    from playout.db import health

    url = f"sqlite:///{small_disk / 'p.db'}"
    open_database(url).dispose()
    _fill(small_disk)
    assert health.problems(small_disk / "p.db") != []  # the check itself cannot run
    assert health.check_at_start(url, datetime.now(UTC)) is None
    assert not list(small_disk.glob("p.db.damaged-*")) and not list(small_disk.glob("p.db.salvage"))
