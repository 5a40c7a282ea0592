"""The database under a cut power, damage on disk, and a backup taken while the daemon writes."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from playout.airlog import AiringLog
from playout.db import health, open_database
from playout.db.models import Airing
from tests.conftest import ROOT

WRITER = """
import sys
from datetime import UTC, datetime, timedelta
from playout.airlog import AiringLog
from playout.db import open_database
from playout.db.models import Airing

log = AiringLog(open_database(sys.argv[1]))
run = sys.argv[2]
t0 = datetime(2026, 1, 1, tzinfo=UTC)
for i in range(100000):
    occ = f"{run}@{i}"
    rows = [Airing(key=f"{occ}/{p}", occurrence=occ, position=p, slot=run, scheduled_at=t0 + timedelta(seconds=i),
                   title="x" * 200, output="test", outcome="pending") for p in (1, 2)]
    log.insert(rows)
    log.update(rows[0], outcome="in_progress", started_at=t0)
    log.update(rows[0], outcome="aired", ended_at=t0)
    print(occ, flush=True)  # only once its writes are committed
"""


def _airing(key: str) -> Airing:
    return Airing(key=f"{key}/1", occurrence=key, position=1, slot="s", scheduled_at=datetime(2026, 1, 1, tzinfo=UTC),
                  title="t", output="test", outcome="aired")  # fmt: skip


def test_killed_in_the_middle_of_log_writes_the_database_is_sound_and_holds_every_committed_row(tmp_path: Path) -> None:
    """SIGKILL lands at a random point of a stream of commits, ten times over: each time the
    database passes integrity_check and holds every row the writer had reported committed."""
    url = f"sqlite:///{tmp_path / 'log.db'}"
    open_database(url).dispose()
    rng = random.Random(7)
    committed: list[str] = []
    for run in range(10):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, url, f"run{run}"], stdout=subprocess.PIPE, text=True,
                                cwd=ROOT)  # fmt: skip
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(rng.randint(5, 40))]
        proc.send_signal(signal.SIGKILL)
        rest, _ = proc.communicate(timeout=10)
        committed += [x.strip() for x in lines + rest.splitlines() if x.strip()]
        assert health.problems(tmp_path / "log.db", full=True) == []
        con = sqlite3.connect(tmp_path / "log.db")
        have = {r[0] for r in con.execute("SELECT occurrence FROM airings WHERE position = 1 AND outcome = 'aired'")}
        con.close()
        assert not set(committed) - have, f"run {run}: committed rows lost"
    assert len(committed) >= 10 * 5


def _damaged_station_db(path: Path, rows: int = 3000) -> None:
    """A database with enough airings to span many pages, then three pages overwritten."""
    db = open_database(f"sqlite:///{path}")
    log = AiringLog(db)
    log.insert([_airing(f"s@{i}") for i in range(rows)])
    db.dispose()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    con.close()
    with open(path, "r+b") as f:
        for share in (0.3, 0.5, 0.7):
            # The first table-leaf page (type 0x0D) from that point, so that rows are lost
            # whatever the schema's layout (a damaged index page loses no row at all).
            page = int(pages * share)
            while True:
                f.seek(4096 * page)
                if f.read(1) == b"\x0d":
                    break
                page += 1
            f.seek(4096 * page)
            f.write(random.Random(1).randbytes(4096))


def test_a_damaged_database_is_found_at_start_kept_and_salvaged(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    _damaged_station_db(path)
    assert health.problems(path)
    repair = health.check_at_start(f"sqlite:///{path}", datetime(2026, 11, 28, 19, 0, tzinfo=UTC))
    assert repair is not None
    assert repair.kept == tmp_path / "log.db.damaged-20261128T190000" and repair.kept.exists()
    assert health.problems(repair.kept)  # the copy is the damaged file as found
    assert health.problems(path, full=True) == []
    # Every readable row: only those on the three damaged pages are gone (a page holds a few
    # dozen airings).
    assert 2700 < repair.airings < 3000
    db = open_database(f"sqlite:///{path}")  # the salvaged file is a current playout database
    assert len(AiringLog(db).handled(f"s@{i}" for i in range(3000))) == repair.airings


def test_an_unsalvageable_database_stops_the_daemon_with_one_clear_sentence(station) -> None:  # noqa: ANN001
    station.db_path.write_bytes(random.Random(2).randbytes(64 * 1024))
    r = station.cli("run")
    assert r.exit_code == 4
    assert f"Cơ sở dữ liệu {station.db_path} bị hỏng" in r.output and "bản sao giữ tại" in r.output
    assert "Traceback" not in r.output
    assert list(station.root.glob("playout.db.damaged-*"))


def test_backup_while_the_daemon_writes_is_consistent_and_checked(station) -> None:  # noqa: ANN001
    db = open_database(f"sqlite:///{station.db_path}")
    log = AiringLog(db)
    stop = threading.Event()

    def write() -> None:
        i = 0
        while not stop.is_set():
            log.insert([_airing(f"w@{i}")])
            i += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        counts = []
        for n in range(3):
            dest = station.root / f"copy{n}.db"
            r = station.cli("db", "backup", str(dest))
            assert r.exit_code == 0 and f"Đã sao lưu cơ sở dữ liệu vào {dest}" in r.stdout
            assert health.problems(dest, full=True) == []
            counts.append(sqlite3.connect(dest).execute("SELECT count(*) FROM airings").fetchone()[0])
    finally:
        stop.set()
        writer.join()
    assert counts == sorted(counts) and counts[-1] > 0
    dated = station.cli("db", "backup")
    assert dated.exit_code == 0
    [made] = (station.root / "backups").glob("playout-*.db")
    assert station.cli("db", "check").stdout.strip() == f"Cơ sở dữ liệu {station.db_path} không có lỗi."
    assert health.problems(made, full=True) == []


def test_db_check_reports_a_damaged_database(station) -> None:  # noqa: ANN001
    _damaged_station_db(station.db_path, rows=2000)
    r = station.cli("db", "check")
    assert r.exit_code == 1 and f"Cơ sở dữ liệu {station.db_path} bị hỏng:" in r.stdout


def test_backup_never_overwrites_without_force_and_names_a_missing_folder(station) -> None:  # noqa: ANN001
    open_database(f"sqlite:///{station.db_path}").dispose()
    kept = station.root / "kept.db"
    kept.write_bytes(b"an older backup")
    r = station.cli("db", "backup", str(kept))
    assert r.exit_code == 2 and str(kept) in r.output and "Traceback" not in r.output
    assert kept.read_bytes() == b"an older backup"
    assert station.cli("db", "backup", str(kept), "--force").exit_code == 0
    assert health.problems(kept, full=True) == []
    missing = station.root / "usb-not-mounted"
    r = station.cli("db", "backup", str(missing))
    assert r.exit_code == 2 and f"Thư mục {missing} không tồn tại; không ghi gì." in r.output
    assert not missing.exists()
