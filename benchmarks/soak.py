"""Soak: the daemon airs a session every minute for hours on a PulseAudio null sink, its
monitor verifying each airing; memory is sampled throughout.

    make soak                      (two hours; not part of CI)
    .venv/bin/python -m benchmarks.soak --minutes 30
    .venv/bin/python -m benchmarks.soak --minutes 40 --replan-minutes 3

A run of N minutes counts N sessions due: it lasts a minute longer, and the sessions counted
are those due from 20 s after the daemon's launch (its start-up) to 40 s before the end (the
last one's airing). The daemon replans every `replan_minutes` (30 by default), carrying its
plan forward; `--replan-minutes 3` packs a dozen replans into 40 minutes.

Prints how many sessions were due (by the clock, not by the log), aired, verified; the daemon's and the output engine's RSS
at the start, the end and the peak, and the slope of a line fitted through the samples
(MB per hour). The verdict needs every session aired whole and verified, and memory flat: the
line fitted through the samples after the warm-up (the first quarter of the run, which holds
the caches filling and the allocator's first growth) rising less than `FLAT_MB_PER_HOUR`, for
the daemon and for the output engine and monitor together.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from benchmarks.common import PLAYOUT, ROOT, cli, rss_mb, start_pulse, station, stop_all
from playout.clock import SystemClock

FLAT_MB_PER_HOUR = 1.0  # at most this growth after the warm-up: 0.7 GB in a month unattended


def children(pid: int) -> list[int]:
    """The daemon's output engine and monitor (long-lived), not the ffmpeg it runs for a while."""
    try:
        pids = [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    keep = []
    for child in pids:
        try:
            if b"playout.output." in Path(f"/proc/{child}/cmdline").read_bytes():
                keep.append(child)
        except OSError:
            pass
    return keep


def run(minutes: int = 120, replan_minutes: int = 30) -> dict:
    work = Path(tempfile.mkdtemp(prefix="playout-soak-"))
    procs: list[subprocess.Popen] = []
    try:
        pulse, _server, env = start_pulse(work, ("soak_sink",))
        procs.append(pulse)
        config = station(work / "station", 'module = "pulse"\ndevice = "soak_sink"\nmonitor = "auto"',
                         extra=f"replan_minutes = {replan_minutes}")
        ex = ROOT / "audio" / "examples"
        cli(config, "import", str(ex / "nhac-hieu.ogg"), "--kind", "chime")
        cli(config, "import", *map(str, sorted(ex.glob("khau-hieu-*"))), "--kind", "slogan")
        (work / "station" / "schedules" / "station.toml").write_text('[station]\nchime = "Nhạc hiệu Đài"\n',
                                                                      encoding="utf-8")  # fmt: skip
        # Every minute at :30, the chime and two rotating slogans.
        (work / "station" / "schedules" / "soak.toml").write_text(
            '[[slot]]\nid = "soak"\ndays = "daily"\ntimes = [' + ", ".join(
                f'"{h:02d}:{m:02d}:30"' for h in range(24) for m in range(60)) + ']\nchime = true\n'
            '  [[slot.item]]\n  rotation = { kind = "slogan", count = 2 }\n', encoding="utf-8")  # fmt: skip
        daemon = subprocess.Popen([*PLAYOUT, "run", "--config", str(config)], env=env,
                                  stderr=(work / "daemon.log").open("w"))  # fmt: skip
        procs.append(daemon)
        start = SystemClock().now()
        end = start + timedelta(minutes=minutes + 1)
        samples: list[tuple[float, float, float]] = []
        loads: list[float] = []  # the machine's 1-minute load average (2 cores: 2.0 = both busy)
        t0 = time.monotonic()
        while SystemClock().now() < end and daemon.poll() is None:
            time.sleep(30)
            engine = sum(rss_mb(c)[0] for c in children(daemon.pid))
            samples.append(((time.monotonic() - t0) / 3600, rss_mb(daemon.pid)[0], engine))
            loads.append(os.getloadavg()[0])
        stop = SystemClock().now()
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=120)
        con = sqlite3.connect(work / "station" / "playout.db")
        problems = con.execute("select outcome, coalesce(reason, ''), verified, coalesce(verify_note, ''), count(*) "
                               "from airings where outcome != 'aired' or verified is not 1 group by 1, 2, 3, 4 "
                               "order by 5 desc limit 20").fetchall()  # fmt: skip
        # Where the engine's figures and what the monitor heard disagree: aired whole but not
        # heard whole, or recorded short but heard whole.
        disagree = con.execute("select sum(outcome = 'aired' and verified = 0), sum(outcome != 'aired' and verified = 1) "
                               "from airings").fetchone()  # fmt: skip
        first, last = start + timedelta(seconds=20), stop - timedelta(seconds=40)
        rows = con.execute("select occurrence, outcome, verified from airings where scheduled_at >= ? and "
                           "scheduled_at < ?", (first.strftime("%Y-%m-%d %H:%M:%S"),
                                                last.strftime("%Y-%m-%d %H:%M:%S"))).fetchall()  # fmt: skip
        con.close()
        # Due by the clock: every :30 in the window, whether or not the log has it.
        due = sum(1 for k in range(int((last - first).total_seconds()) // 60 + 2)
                  if first <= (first.replace(second=30, microsecond=0) + timedelta(minutes=k)) < last)
        sessions: dict[str, list] = {}
        for occ, outcome, verified in rows:
            sessions.setdefault(occ, []).append((outcome, verified))
        hours = np.array([s[0] for s in samples])
        daemon_rss = np.array([s[1] for s in samples])
        engine_rss = np.array([s[2] for s in samples])
        slope = float(np.polyfit(hours, daemon_rss, 1)[0]) if len(samples) > 2 else None
        settled = hours >= hours[-1] / 4 if len(samples) else hours
        late = {name: round(float(np.polyfit(hours[settled], rss[settled], 1)[0]), 2) if settled.sum() > 2 else None
                for name, rss in (("daemon", daemon_rss), ("processes", engine_rss))}
        return {
            "minutes": minutes,
            "replan_minutes": replan_minutes,
            "sessions_due": due,
            "sessions": len(sessions),
            "sessions_aired_whole": sum(all(o == "aired" for o, _ in v) for v in sessions.values()),
            "sessions_verified": sum(all(bool(x) for _, x in v) for v in sessions.values()),
            "items": len(rows),
            "aired_but_not_heard_whole": disagree[0] or 0,
            "short_but_heard_whole": disagree[1] or 0,
            "load_average": {"mean": round(float(np.mean(loads)), 2), "max": round(float(np.max(loads)), 2)} if loads else None,
            "daemon_rss_mb": {"first": round(float(daemon_rss[0]), 1), "last": round(float(daemon_rss[-1]), 1),
                              "max": round(float(daemon_rss.max()), 1), "slope_mb_per_hour": round(slope or 0, 2),
                              "slope_after_warmup_mb_per_hour": late["daemon"]},
            "processes_rss_mb": {"first": round(float(engine_rss[0]), 1), "last": round(float(engine_rss[-1]), 1),
                                 "max": round(float(engine_rss.max()), 1),
                                 "slope_after_warmup_mb_per_hour": late["processes"]},
            # What kept an item from airing whole or from being verified, with how often.
            "problems": [{"outcome": o, "reason": r, "verified": v, "note": n, "items": c} for o, r, v, n, c in problems],
            # Every sample (hours from the start, daemon MB, engine and monitor MB): the steps
            # and the plateau a slope alone does not show.
            "samples": [[round(h, 3), round(d, 1), round(p, 1)] for h, d, p in samples],
        }  # fmt: skip
    finally:
        stop_all(procs)
        shutil.rmtree(work, ignore_errors=True)


def checks(result: dict, minutes: int) -> dict[str, str]:
    """Each target of the soak, judged on the figures (a figure missing fails its check)."""

    def flat(slope: float | None) -> bool:
        return slope is not None and slope < FLAT_MB_PER_HOUR

    verdict = {
        f"a session every minute ({minutes} due, all in the log)":
            result["sessions_due"] >= minutes and result["sessions"] == result["sessions_due"],
        "every session aired whole": result["sessions_aired_whole"] == result["sessions"],
        "every session verified by the monitor": result["sessions_verified"] == result["sessions"],
        "engine and monitor agree": result["aired_but_not_heard_whole"] == 0 and result["short_but_heard_whole"] == 0,
        f"daemon RSS flat after the warm-up (< {FLAT_MB_PER_HOUR} MB/h)":
            flat(result["daemon_rss_mb"]["slope_after_warmup_mb_per_hour"]),
        f"engine and monitor RSS flat after the warm-up (< {FLAT_MB_PER_HOUR} MB/h)":
            flat(result["processes_rss_mb"]["slope_after_warmup_mb_per_hour"]),
    }  # fmt: skip
    return {name: "PASS" if ok else "FAIL" for name, ok in verdict.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=120)
    parser.add_argument("--replan-minutes", type=int, default=30,
                        help="the daemon's replan_minutes: shorter replans many times in a short run")
    args = parser.parse_args()
    result = run(args.minutes, args.replan_minutes)
    result["checks"] = checks(result, args.minutes)
    result["verdict"] = "PASS" if all(v == "PASS" for v in result["checks"].values()) else "FAIL"
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
