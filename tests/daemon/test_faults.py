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
    mnt = tmp_path / "disk"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], capture_output=True, text=True)
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
