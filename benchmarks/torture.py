"""Torture: SIGKILL a real daemon at random moments, again and again, and audit the log.

A real `playout run` (libVLC on its null output, real SQLite, real APScheduler) airs a
schedule of short two-clip sessions every few seconds. The daemon is killed with SIGKILL at
a random moment (sometimes while it is still starting, otherwise before, during or right
after an airing) and started again at once, KILLS times. Then it runs undisturbed until
every session that fell due has settled, and stops.

The audit: every occurrence that fell due has exactly one final row per item (aired,
interrupted, missed...), none is left pending or in progress, no item has two rows and none
started twice (aired twice); the daemon came back after every kill.

    make torture                       (50 kills, about 6 minutes)
    .venv/bin/python -m benchmarks.torture [--kills 50] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from statistics import median
from zoneinfo import ZoneInfo

from benchmarks.common import PLAYOUT, cli, station, wait_until
from playout.daemon import control
from playout.scheduling.expand import occurrence_key

RESULTS = Path(__file__).resolve().parent / "results"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
EVERY_S = 5  # a session every five seconds: a kill often lands mid-airing
FINAL = {"aired", "partial", "interrupted", "missed", "skipped", "failed"}


def _clips(folder: Path) -> list[Path]:
    """Two short tones (1.0 s and 0.8 s), made with ffmpeg."""
    made = []
    for name, freq, secs in (("mot", 440, 1.0), ("hai", 660, 0.8)):
        path = folder / f"{name}.wav"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency={freq}:duration={secs}",
                        "-af", "volume=0.3", str(path)], check=True)  # fmt: skip
        made.append(path)
    return made


def _schedule(start: datetime, count: int) -> tuple[str, list[datetime]]:
    times = [start + timedelta(seconds=EVERY_S * i) for i in range(count)]
    text = (f'[[slot]]\nid = "t"\ntimes = [{", ".join(chr(34) + t.strftime("%H:%M:%S") + chr(34) for t in times)}]\n'
            'chime = false\n  [[slot.item]]\n  clip = "mot"\n  [[slot.item]]\n  clip = "hai"\n')  # fmt: skip
    return text, times


class Daemon:
    def __init__(self, config: Path, log: Path) -> None:
        self.config = config
        self.log = log
        from playout import config as config_mod

        self.socket = config_mod.load(config).daemon.control_socket
        self.proc: subprocess.Popen | None = None
        self.started = 0.0

    def start(self) -> None:
        with self.log.open("a") as err:
            self.proc = subprocess.Popen([*PLAYOUT, "run", "--config", str(self.config)], stderr=err,
                                         stdout=subprocess.DEVNULL)  # fmt: skip
        self.started = time.monotonic()

    def ready(self) -> bool:
        try:
            control.call(self.socket, "GET", "/status", timeout=1)
            return True
        except Exception:  # noqa: BLE001 (not up yet)
            return False

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)


def _rows(db: Path) -> list[sqlite3.Row]:
    con = sqlite3.connect(db, timeout=30)
    con.row_factory = sqlite3.Row
    try:
        return con.execute("SELECT * FROM airings ORDER BY scheduled_at, position").fetchall()
    finally:
        con.close()


def audit(db: Path, due: list[str]) -> dict:
    """Lost: a due occurrence without a final row for each item. Duplicated: an item with
    two rows, or started twice."""
    rows = _rows(db)
    by_occ: dict[str, list[sqlite3.Row]] = {}
    for r in rows:
        by_occ.setdefault(r["occurrence"], []).append(r)
    lost = [k for k in due if sorted(r["position"] for r in by_occ.get(k, [])) != [1, 2]
            or any(r["outcome"] not in FINAL for r in by_occ[k])]  # fmt: skip
    per_item = Counter((r["occurrence"], r["position"]) for r in rows)
    starts = Counter((r["occurrence"], r["position"]) for r in rows if r["started_at"] is not None)
    duplicated = sorted({f"{o}/{p}" for (o, p), n in per_item.items() if n > 1}
                        | {f"{o}/{p}" for (o, p), n in starts.items() if n > 1})  # fmt: skip
    open_rows = [r["key"] for r in rows if r["outcome"] not in FINAL]
    return {
        "occurrences_due": len(due),
        "rows": len(rows),
        "lost": len(lost),
        "lost_keys": lost[:10],
        "duplicated": len(duplicated),
        "duplicated_keys": duplicated[:10],
        "left_open": len(open_rows),
        "outcomes": dict(Counter(r["outcome"] for r in rows if r["occurrence"] in set(due))),
    }


def run(kills: int = 50, seed: int = 1, folder: Path | None = None, say=print) -> dict:  # noqa: ANN001
    rng = random.Random(seed)
    tmp = Path(folder or tempfile.mkdtemp(prefix="playout-torture-"))
    config = station(tmp, extra="lead_seconds = 2\ncatch_up_minutes = 5\nreadiness_minutes = 0")
    for clip in _clips(tmp):
        cli(config, "import", str(clip), "--kind", "slogan", "--title", clip.stem)
    # Sessions from 15 s from now, for as long as the kills can take (8 s each at most) and then some.
    first = (datetime.now(TZ) + timedelta(seconds=15)).replace(microsecond=0)
    text, times = _schedule(first, int(kills * 8 / EVERY_S) + 30)
    (tmp / "schedules" / "torture.toml").write_text(text, encoding="utf-8")
    daemon = Daemon(config, tmp / "daemon.log")
    ready_s: list[float] = []
    came_back = 0
    t0 = time.monotonic()
    daemon.start()
    if not wait_until(daemon.ready, 60):
        raise RuntimeError(f"the daemon did not start; see {daemon.log}")
    ready_s.append(time.monotonic() - daemon.started)
    wait_until(lambda: datetime.now(TZ) >= first - timedelta(seconds=3), 30)
    during_start = 0
    for n in range(kills):
        if rng.random() < 0.2:  # while it starts: recovering, planning, catching up
            time.sleep(rng.uniform(0.1, 1.5))
            during_start += 1
        else:
            time.sleep(rng.uniform(0.2, 2 * EVERY_S))
        daemon.kill()
        daemon.start()
        if wait_until(daemon.ready, 60):
            came_back += 1
            ready_s.append(time.monotonic() - daemon.started)
        else:
            say(f"kill {n + 1}: the daemon did not come back within 60 s")
        if (n + 1) % 10 == 0:
            say(f"{n + 1} kills")
    last_kill = datetime.now(TZ)
    # Everything due up to the last kill, and a little after, must settle.
    due_until = last_kill + timedelta(seconds=EVERY_S)
    due = [occurrence_key("t", t) for t in times if first <= t <= due_until]
    db = tmp / "playout.db"
    settled = wait_until(lambda: audit(db, due)["lost"] == 0, 90)
    code = daemon.stop()
    figures = {
        "kills": kills,
        "kills_while_starting": during_start,
        "came_back": came_back,
        "ready_after_restart_s": {"median": round(median(ready_s), 2), "max": round(max(ready_s), 2)},
        "seconds": round(time.monotonic() - t0, 1),
        "settled": settled,
        "clean_stop_exit_code": code,
        **audit(db, due),
        "folder": str(tmp),
    }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    os.chdir(Path(__file__).resolve().parent.parent)
    r = run(args.kills, args.seed, say=lambda s: print(s, flush=True))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "torture.json").write_text(json.dumps(r, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(r, indent=2, ensure_ascii=False))
    ok = r["lost"] == 0 and r["duplicated"] == 0 and r["came_back"] == r["kills"] and r["left_open"] == 0
    print(f"{r['kills']} kills: {r['lost']} lost, {r['duplicated']} duplicated, came back {r['came_back']}/{r['kills']}, "
          f"{r['occurrences_due']} occurrences due, outcomes {r['outcomes']}: {'PASS' if ok else 'FAIL'}")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
