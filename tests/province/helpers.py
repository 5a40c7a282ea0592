"""Stations of one province for the tests: each its own folder, config and SQLite file (with
the example's clips), and a schedule of its own so that their logs differ."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playout import config as config_mod
from playout.app import App
from playout.clock import VirtualClock
from playout.daemon.station import Station
from playout.player import SimPlayer
from playout.scheduling.files import load_folder
from playout.scheduling.model import Occurrence
from tests.conftest import ROOT, free_port
from tests.conftest import Station as CliStation


@dataclass
class ProvinceStation:
    """One station: its configuration, its virtual clock and its station core."""

    sid: str
    cli: CliStation
    app: App
    clock: VirtualClock
    core: Station

    def air_until(self, end: datetime) -> int:
        """Air, on the virtual clock, every occurrence due before `end`: `playout simulate`'s loop."""
        occs: list[Occurrence] = self.core.pending(self.clock.now(), end)
        for occ in occs:
            self.clock.sleep_until(occ.utc)
            self.core.air(occ)
        self.clock.sleep_until(end)
        return len(occs)

    def rows(self) -> list[tuple]:
        con = sqlite3.connect(self.cli.db_path)
        try:
            cols = [c[1] for c in con.execute("pragma table_info(airings)") if c[1] != "id"]
            return sorted(con.execute(f"select {', '.join(cols)} from airings").fetchall())
        finally:
            con.close()


def schedule_text(offset_minutes: int) -> str:
    """A busy day: a session every 30 minutes from 05:00 to 21:00 (chime and two slogans),
    shifted by `offset_minutes` so that each station's log is its own."""
    times = [f"{h:02d}:{m + offset_minutes:02d}" for h in range(5, 21) for m in (0, 30)]
    return ('[station]\nchime = "Nhạc hiệu Đài"\n\n[[slot]]\nid = "tin"\n'
            f"times = {times!r}\nchime = true\n".replace("'", '"')
            + '\n  [[slot.item]]\n  rotation = { kind = "slogan", count = 2 }\n')  # fmt: skip


def make_station(tmp: Path, sid: str, central_url: str, library_db: Path, start: datetime | None = None,
                 offset: int = 0, extra: str = "") -> ProvinceStation:  # fmt: skip
    """A station of the province; its virtual clock starts at `start` (default: the local
    midnight that begins 2026-12-01)."""
    root = tmp / sid
    (root / "schedules").mkdir(parents=True)
    (root / "schedules" / "day.toml").write_text(schedule_text(offset), encoding="utf-8")
    text = (ROOT / "playout.toml").read_text(encoding="utf-8").split("[output]")[0]
    text += (f'[output]\nmodule = "null"\n\n[daemon]\ncontrol_port = {free_port()}\nlead_seconds = 2\n\n'
             f'[web]\nenabled = false\n\n[province]\nstation_id = "{sid}"\ncentral_url = "{central_url}"\n{extra}')  # fmt: skip
    text = text.replace('name = "Đài Truyền thanh huyện Tân Hồng"', f'name = "Đài truyền thanh xã {sid}"')
    (root / "playout.toml").write_text(text, encoding="utf-8")
    # The example's library: its files and its clip rows.
    shutil.copytree(library_db.parent / "audio" / "library", root / "audio" / "library")
    src, dst = sqlite3.connect(library_db), sqlite3.connect(root / "playout.db")
    src.backup(dst)
    src.close()
    dst.execute("delete from airings")
    dst.execute("delete from daemon_state")
    dst.commit()
    dst.close()
    cfg = config_mod.load(root / "playout.toml", env={})
    clock = VirtualClock(start or local_midnight(date(2026, 12, 1), cfg.station.timezone))
    app = App(config=cfg, clock=clock)
    result, _ = load_folder(cfg.schedules_folder)
    assert not result.errors, result.errors
    schedule = result.schedule
    # The library is read before each airing, as in the live daemon: bulletins imported
    # while the station runs can air.
    core = app.station(SimPlayer(clock), lambda: schedule)
    return ProvinceStation(sid, CliStation(root=root, config=root / "playout.toml"), app, clock, core)


def local_midnight(day: date, where: App | ZoneInfo) -> datetime:
    tz = where if isinstance(where, ZoneInfo) else where.config.station.timezone
    return datetime.combine(day, datetime.min.time(), tzinfo=tz).astimezone(UTC)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
