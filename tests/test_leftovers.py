"""Leftovers of killed commands: each is swept at the next start of the command that owns it,
and `playout db check` reports what is there meanwhile."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from playout import leftovers
from tests.conftest import ROOT, Station, make_station, require_program
from tests.daemon.helpers import wait_for

EX = ROOT / "audio" / "examples"


@pytest.fixture
def station(tmp_path: Path) -> Station:
    require_program("ffmpeg")
    return make_station(tmp_path / "station")


def test_a_killed_import_leaves_files_that_db_check_reports_and_the_next_import_removes(station: Station) -> None:
    assert station.cli("import", str(EX / "nhac-hieu.ogg"), "--kind", "chime").exit_code == 0
    incoming = station.library / ".incoming"
    # A real kill (the whole process group, as systemd or a power cut does) while rendering.
    exe = Path(sys.executable).with_name("playout")
    proc = subprocess.Popen([str(exe), "import", str(EX / "cchc-2026-11-30.flac"), "--kind", "segment",
                             "--program", "CCHC"], env={**os.environ, "PLAYOUT_CONFIG": str(station.config)},
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_for(lambda: list(incoming.glob("tmp*.flac")) or proc.poll() is not None, 60, "the import to render")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    assert list(incoming.glob("tmp*.flac")), "the kill came too late to test anything"
    # A kill between storing a clip's file and committing its row leaves an orphan.
    [stored] = [p for p in station.library_files() if ".incoming" not in p.parts]
    orphan = stored.parent.parent / "ee" / ("ee" + "0" * 62 + ".flac")
    orphan.parent.mkdir()
    shutil.copy(stored, orphan)

    check = station.cli("db", "check")
    assert check.exit_code == 0
    assert "1 tệp âm thanh trong thư viện không thuộc bài nào" in check.stdout and "ee/ee000" in check.stdout
    assert "tệp tạm của lần nhập bị dừng giữa chừng" in check.stdout and ".incoming/tmp" in check.stdout

    assert station.cli("import", str(EX / "khau-hieu-01-cai-cach-hanh-chinh.mp3"), "--kind", "slogan").exit_code == 0
    assert not list(incoming.glob("tmp*.flac")) and not orphan.exists()
    assert stored.exists() and len([p for p in station.library_files() if ".incoming" not in p.parts]) == 2
    check = station.cli("db", "check")
    assert "không thuộc bài nào" not in check.stdout and "tệp tạm" not in check.stdout


def test_a_sweep_leaves_alone_the_files_of_an_import_that_is_running(tmp_path: Path) -> None:
    library = tmp_path / "library"
    incoming = library / ".incoming"
    incoming.mkdir(parents=True)
    live = incoming / "tmpabc.flac"
    live.write_bytes(b"x")
    with leftovers.importing(incoming):
        assert leftovers.sweep_import(library, lambda: []) == []
        assert live.exists()
    assert leftovers.sweep_import(library, lambda: []) == [live] and not live.exists()


def test_export_temporary_files_of_a_killed_export_are_swept_by_the_next_export(station: Station, tmp_path: Path,
                                                                                 monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    out = tmp_path / "out"
    out.mkdir()
    # What a kill in the middle of an export leaves: its hidden file, and xlsxwriter's scratch folder.
    left = out / f".nhat-ky.xlsx{leftovers.EXPORT_MARK}k1ll3d00.tmp"
    left.write_bytes(b"x" * 1000)
    (out / f"{left.name}.d").mkdir()
    (out / f"{left.name}.d" / "xlsxwriter.tmp").write_bytes(b"x")
    mine = out / "tai-lieu.tmp"  # a person's own file is not touched
    mine.write_bytes(b"x")
    # xlsxwriter's scratch files must not go to the system's temporary folder, where a kill
    # leaves them: with that folder gone, an export that used it would fail.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
    r = station.cli("log", "export", "--from", "2026-01-01", "--to", "2026-01-31", "--format", "xlsx",
                    "--out", str(out / "other.xlsx"))  # fmt: skip
    assert r.exit_code == 0, r.output
    r = station.cli("tally", "--year", "2026", "--format", "xlsx", "--out", str(out / "tally.xlsx"))
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["other.xlsx", "tai-lieu.tmp", "tally.xlsx"]


def test_player_sequences_left_by_a_killed_daemon_are_swept_unless_in_use(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    old = time.time() - 2 * leftovers.SEQUENCE_AGE_S
    left, playing, fresh = (work / f"playout-seq-{n}.flac" for n in ("left", "playing", "fresh"))
    for p in (left, playing, fresh):
        p.write_bytes(b"x")
    for p in (left, playing):
        os.utime(p, (old, old))
    with playing.open("rb") as f:
        holder = subprocess.Popen(["sleep", "60"], stdin=f)
    try:
        assert leftovers.sweep_sequences(work) == [left]
    finally:
        holder.kill()
        holder.wait()
    assert not left.exists() and playing.exists() and fresh.exists()


def test_the_daemon_sweeps_its_players_work_folder_at_start(tmp_path: Path) -> None:
    from playout import app as app_mod
    from playout.clock import SystemClock
    from playout.daemon.live import LiveDaemon
    from playout.player import SimPlayer
    from tests.daemon.helpers import daemon_station

    st = daemon_station(tmp_path)
    player = SimPlayer(SystemClock(), drives_clock=False)
    player.workdir = tmp_path / "work"  # type: ignore[attr-defined]
    player.workdir.mkdir()
    left = player.workdir / "playout-seq-k1ll3d.flac"
    left.write_bytes(b"x")
    os.utime(left, (time.time() - 2 * leftovers.SEQUENCE_AGE_S,) * 2)
    daemon = LiveDaemon(app_mod.build(st.config), player=player)
    daemon.start()
    daemon.stop()
    assert not left.exists()
