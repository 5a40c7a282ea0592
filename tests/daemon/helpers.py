"""A throwaway station for daemon tests: its own config, library, schedules and port."""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.conftest import ROOT, Station, free_port

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
EX = ROOT / "audio" / "examples"


def daemon_station(tmp_path: Path, output: str = 'module = "null"') -> Station:
    root = tmp_path / "station"
    (root / "schedules").mkdir(parents=True)
    text = (ROOT / "playout.toml").read_text(encoding="utf-8")
    text = text.split("[output]")[0] + f"[output]\n{output}\n\n[daemon]\nlead_seconds = 2\n"
    text += f"\n[web]\nport = {free_port()}\n"
    (root / "playout.toml").write_text(text, encoding="utf-8")
    st = Station(root=root, config=root / "playout.toml")
    assert st.cli("import", str(EX / "nhac-hieu.ogg"), "--kind", "chime").exit_code == 0
    assert st.cli("import", str(EX / "khau-hieu-01-cai-cach-hanh-chinh.mp3"), "--kind", "slogan").exit_code == 0
    assert st.cli("import", str(EX / "cchc-2026-11-23.mp3"), "--kind", "segment", "--program", "CCHC").exit_code == 0
    (root / "schedules" / "station.toml").write_text('[station]\nchime = "Nhạc hiệu Đài"\n', encoding="utf-8")
    return st


def at(seconds: float) -> datetime:
    """A local time `seconds` from now, on a whole second."""
    t = datetime.now(TZ) + timedelta(seconds=seconds)
    return t.replace(microsecond=0) + timedelta(seconds=1)


def slot(slot_id: str, when: datetime, items: list[str], chime: bool = True) -> str:
    body = "".join(f'  [[slot.item]]\n  clip = "{title}"\n' for title in items)
    return (f'[[slot]]\nid = "{slot_id}"\ntimes = ["{when.strftime("%H:%M:%S")}"]\n'
            f'chime = {"true" if chime else "false"}\n{body}')  # fmt: skip


def rows(st: Station, occurrence_prefix: str = "") -> list[dict]:
    if not st.db_path.exists():
        return []
    con = sqlite3.connect(st.db_path, timeout=30)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(
            "select * from airings where occurrence like ? order by scheduled_at, position", (occurrence_prefix + "%",))]
    except sqlite3.OperationalError:
        return []
    finally:
        con.close()


def wait_for(predicate, timeout: float, what: str):  # noqa: ANN001, ANN201
    """Wait for a condition the system under test will bring about, with a deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def final(st: Station, prefix: str, count: int):  # noqa: ANN201
    def done():  # noqa: ANN202
        r = rows(st, prefix)
        return r if len(r) >= count and all(x["outcome"] not in ("pending", "in_progress") for x in r) else None

    return done


def air_until(st: Station, prefix: str, count: int, timeout: float, what: str) -> list[dict]:
    """Run the daemon until `count` rows of occurrences starting with `prefix` are final
    (within `timeout` s, else fail saying `what` did not happen); stop it; return the rows."""
    from playout import app as app_mod
    from playout.daemon.live import LiveDaemon

    daemon = LiveDaemon(app_mod.build(st.config))
    daemon.start()
    try:
        return wait_for(final(st, prefix, count), timeout, what)
    finally:
        daemon.stop()
