"""Torture: SIGKILL a real daemon at random moments, again and again, and audit the log.

A real `playout run` (libVLC on its null output, real SQLite, real APScheduler) airs a
schedule of short two-clip sessions, one every EVERY_S seconds: a session (the wake-up lead,
the player's pre-roll, 1.8 s of clips, the end) fits well inside its period, and the audit
checks that it did. The daemon is killed with SIGKILL at a random moment (sometimes while it
is still starting, otherwise before, during or right after an airing) and started again at
once, KILLS times, optionally with every core kept busy (--load). Then it runs undisturbed
until every session that fell due has settled, and stops.

The audit: every occurrence that fell due has exactly one final row per item (aired,
interrupted, missed...), none is left pending or in progress, no item has two rows and none
started twice (aired twice); the daemon came back after every kill. It also reports how late
each session's first item started and how many sessions were missed whole, and fails when
those pass their limits (--max-late-s, --max-missed-whole): a log that is complete but says
the station aired everything minutes late is not a pass. Restart time (start to ready) is
measured without load first, as the reference, and then during the kills.

    make torture                       (50 kills, about 12 minutes)
    .venv/bin/python -m benchmarks.torture [--kills 50] [--seed 1] [--load 2]
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
from statistics import median, quantiles
from zoneinfo import ZoneInfo

from benchmarks.common import PLAYOUT, cli, station, wait_until
from playout.daemon import control
from playout.scheduling.expand import occurrence_key

RESULTS = Path(__file__).resolve().parent / "results"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
EVERY_S = 12  # a session every twelve seconds: it takes about six, so a kill often lands mid-airing
LEAD_S = 2  # the daemon's wake-up lead (lead_seconds)
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


def _ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def timing(rows: list[sqlite3.Row], due: list[str]) -> dict:
    """How late each due session's first item started, how many were missed whole, and how
    long a whole session keeps the daemon busy (it must fit its period)."""
    by_occ: dict[str, list[sqlite3.Row]] = {}
    for r in rows:
        by_occ.setdefault(r["occurrence"], []).append(r)
    late, busy, missed_whole = [], [], 0
    for key in due:
        got = sorted(by_occ.get(key, []), key=lambda r: r["position"])
        started = [r for r in got if r["started_at"] is not None]
        if not started:
            missed_whole += 1
            continue
        late.append((_ts(started[0]["started_at"]) - _ts(got[0]["scheduled_at"])).total_seconds())  # type: ignore[operator]
        ends = [_ts(r["ended_at"]) for r in got if r["ended_at"]]
        if len(started) == len(got) and all(r["outcome"] == "aired" for r in got) and ends:
            # Its own length, however late it started: the wake-up lead (the pre-roll is in
            # it), then the first item's start to the last one's end.
            busy.append((max(ends) - _ts(started[0]["started_at"])).total_seconds() + LEAD_S)  # type: ignore[operator,type-var]
    return {
        "first_item_late_s": {
            "median": round(median(late), 2) if late else None,
            "p95": round(quantiles(late, n=20, method="inclusive")[-1], 2) if len(late) >= 2 else (round(late[0], 2) if late else None),
            "max": round(max(late), 2) if late else None,
            "over_1s": sum(1 for x in late if x > 1.0),
        },
        "missed_whole": missed_whole,
        "session_busy_s_max": round(max(busy), 2) if busy else None,
        "period_s": EVERY_S,
    }


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
        **timing(rows, due),
    }


def _busy_cores(n: int) -> list[subprocess.Popen]:
    """Load: n processes that keep a core busy each, at ordinary priority."""
    return [subprocess.Popen(["python3", "-c", "while True: pass"]) for _ in range(n)]


def _restart_reference(daemon: "Daemon", times: int) -> list[float]:
    """Start-to-ready times on the unloaded machine: the reference for the loaded figure."""
    found = []
    for _ in range(times):
        daemon.kill()
        daemon.start()
        if wait_until(daemon.ready, 60):
            found.append(time.monotonic() - daemon.started)
    return found


def run(kills: int = 50, seed: int = 1, folder: Path | None = None, say=print, load: int = 0) -> dict:  # noqa: ANN001
    rng = random.Random(seed)
    tmp = Path(folder or tempfile.mkdtemp(prefix="playout-torture-"))
    config = station(tmp, extra=f"lead_seconds = {LEAD_S}\ncatch_up_minutes = 5\nreadiness_minutes = 0")
    for clip in _clips(tmp):
        cli(config, "import", str(clip), "--kind", "slogan", "--title", clip.stem)
    # Sessions from 30 s from now, for as long as the kills can take and then some.
    first = (datetime.now(TZ) + timedelta(seconds=30)).replace(microsecond=0)
    text, times = _schedule(first, int(kills * (EVERY_S + 10) / EVERY_S) + 30)
    (tmp / "schedules" / "torture.toml").write_text(text, encoding="utf-8")
    daemon = Daemon(config, tmp / "daemon.log")
    ready_s: list[float] = []
    came_back = 0
    t0 = time.monotonic()
    daemon.start()
    if not wait_until(daemon.ready, 60):
        raise RuntimeError(f"the daemon did not start; see {daemon.log}")
    reference_s = _restart_reference(daemon, 3)
    wait_until(lambda: datetime.now(TZ) >= first - timedelta(seconds=3), 40)
    during_start = 0
    hogs = _busy_cores(load)
    try:
        for n in range(kills):
            _kill_once(daemon, rng, n, ready_s, say, counts := {"start": 0, "back": 0})
            during_start += counts["start"]
            came_back += counts["back"]
            if (n + 1) % 10 == 0:
                say(f"{n + 1} kills")
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
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
        "load_processes": load,
        "ready_unloaded_reference_s": {"median": round(median(reference_s), 2), "max": round(max(reference_s), 2)},
        "ready_after_restart_s": {"median": round(median(ready_s), 2), "max": round(max(ready_s), 2)},
        "ready_ratio_to_reference": round(median(ready_s) / median(reference_s), 2),
        "seconds": round(time.monotonic() - t0, 1),
        "settled": settled,
        "clean_stop_exit_code": code,
        **audit(db, due),
        "folder": str(tmp),
    }
    return figures


def _kill_once(daemon: Daemon, rng: random.Random, n: int, ready_s: list[float], say, counts: dict) -> None:  # noqa: ANN001
    if rng.random() < 0.2:  # while it starts: recovering, planning, catching up
        time.sleep(rng.uniform(0.1, 1.5))
        counts["start"] += 1
    else:
        time.sleep(rng.uniform(0.2, EVERY_S))
    daemon.kill()
    daemon.start()
    if wait_until(daemon.ready, 60):
        counts["back"] += 1
        ready_s.append(time.monotonic() - daemon.started)
    else:
        say(f"kill {n + 1}: the daemon did not come back within 60 s")


def verdict(r: dict, max_late_s: float, max_missed_whole: int) -> list[str]:
    """What fails the run; [] for a pass."""
    failed = []
    if r["lost"] or r["duplicated"] or r["left_open"]:
        failed.append(f"{r['lost']} lost, {r['duplicated']} duplicated, {r['left_open']} left open")
    if r["came_back"] != r["kills"]:
        failed.append(f"came back {r['came_back']}/{r['kills']}")
    if r["missed_whole"] > max_missed_whole:
        failed.append(f"{r['missed_whole']} session(s) missed whole (limit {max_missed_whole})")
    late = r["first_item_late_s"]["max"]
    if late is not None and late > max_late_s:
        failed.append(f"a first item started {late} s late (limit {max_late_s} s)")
    busy = r["session_busy_s_max"]
    if busy is not None and busy > r["period_s"]:
        failed.append(f"a session kept the daemon busy {busy} s, longer than its {r['period_s']} s period")
    return failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--load", type=int, default=0, help="processes keeping a core busy each during the kills")
    parser.add_argument("--max-late-s", type=float, default=30.0,
                        help="fail when a session's first item starts later than this (restart time included)")
    parser.add_argument("--max-missed-whole", type=int, default=0, help="fail when more sessions are missed whole")
    args = parser.parse_args()
    os.chdir(Path(__file__).resolve().parent.parent)
    r = run(args.kills, args.seed, say=lambda s: print(s, flush=True), load=args.load)
    failed = verdict(r, args.max_late_s, args.max_missed_whole)
    r["failed"] = failed
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "torture.json").write_text(json.dumps(r, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(r, indent=2, ensure_ascii=False))
    late = r["first_item_late_s"]
    print(f"{r['kills']} kills (load {r['load_processes']}): {r['lost']} lost, {r['duplicated']} duplicated, "
          f"came back {r['came_back']}/{r['kills']}, {r['occurrences_due']} occurrences due, "
          f"{r['missed_whole']} missed whole, first items late median {late['median']} s / max {late['max']} s, "
          f"ready after restart median {r['ready_after_restart_s']['median']} s "
          f"({r['ready_ratio_to_reference']}x the unloaded {r['ready_unloaded_reference_s']['median']} s), "
          f"outcomes {r['outcomes']}: {'PASS' if not failed else 'FAIL: ' + '; '.join(failed)}")
    raise SystemExit(0 if not failed else 1)


if __name__ == "__main__":
    main()
