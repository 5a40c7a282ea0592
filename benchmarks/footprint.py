"""Benchmark: the idle daemon with a 10,000-clip library and a 200-slot schedule for a year.

Start-up time to ready (the control API answers), resident memory and CPU over an idle
minute. Reference, same run: a bare Python interpreter's memory (what any Python daemon
costs before doing anything).

    .venv/bin/python -m benchmarks.footprint [--clips 10000] [--slots 200] [--seconds 60]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from benchmarks.common import PLAYOUT, cpu_seconds, rss_mb, station, wait_until
from playout.daemon import control
from playout.db import open_database
from playout.db.models import Clip


def library(db_url: str, n: int) -> None:
    db = open_database(db_url, durable=False)
    now = datetime.now(UTC)
    with db.session() as s:
        for i in range(1, n + 1):
            kind = ("segment", "slogan", "announcement", "other")[i % 4]
            s.add(Clip(id=i, title=f"Bài {i}", kind=kind, programme=f"CT{i % 20}" if kind == "segment" else None,
                       episode_date=date(2026, 1, 1) if kind == "segment" else None, duration_ms=60_000 + i,
                       loudness_before_lufs=-20, loudness_after_lufs=-16, true_peak_before_dbtp=-3,
                       true_peak_after_dbtp=-1.5, sample_rate=48000, channels=1, content_hash=f"{i:064x}",
                       source_hash=f"{i:064x}", original_name=f"{i}.flac", path=f"xx/{i}.flac", imported_at=now))  # fmt: skip
        s.commit()
    db.dispose()


def schedule(folder: Path, n: int) -> None:
    lines = [f'[station]\nchime = 4\n']
    for i in range(n):
        minute = (i * 7) % (24 * 60)
        days = ('"daily"', '["mon", "wed", "fri"]', '["tue", "thu"]', '["sat", "sun"]')[i % 4]
        lines.append(f'[[slot]]\nid = "s{i:03d}"\ntimes = ["{minute // 60:02d}:{minute % 60:02d}:{i % 60:02d}"]\n'
                     f'days = {days}\nvalid_from = 2026-01-01\nvalid_until = 2027-12-31\npriority = {i % 90}\n'
                     f'  [[slot.item]]\n  latest = "CT{i % 20}"\n'
                     f'  [[slot.item]]\n  rotation = {{ kind = "slogan", count = 2 }}\n')  # fmt: skip
    (folder / "bench.toml").write_text("\n".join(lines), encoding="utf-8")


def run(clips: int = 10_000, slots: int = 200, seconds: float = 60) -> dict:
    work = Path(tempfile.mkdtemp(prefix="playout-footprint-"))
    try:
        config = station(work)
        library(f"sqlite:///{work / 'playout.db'}", clips)
        schedule(work / "schedules", slots)
        from playout import config as config_mod

        cfg = config_mod.load(config)
        t0 = time.perf_counter()
        proc = subprocess.Popen([*PLAYOUT, "run", "--config", str(config)], stderr=subprocess.PIPE, text=True)

        def ready() -> bool:
            try:
                control.call(cfg.daemon.control_socket, "GET", "/status", timeout=1)
                return True
            except Exception:  # noqa: BLE001
                return proc.poll() is not None

        wait_until(ready, 60)
        startup = time.perf_counter() - t0
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read())
        time.sleep(2)  # let the first planning settle; measure the idle daemon
        cpu0, w0 = cpu_seconds(proc.pid), time.perf_counter()
        samples = []
        while time.perf_counter() - w0 < seconds:
            time.sleep(1)
            samples.append(rss_mb(proc.pid)[0])
        cpu = (cpu_seconds(proc.pid) - cpu0) / (time.perf_counter() - w0)
        _, peak = rss_mb(proc.pid)
        proc.terminate()
        proc.wait(timeout=60)
        bare = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(2)"])
        time.sleep(1)
        bare_rss, _ = rss_mb(bare.pid)
        bare.wait()
        return {
            "clips": clips, "slots": slots, "idle_seconds": seconds,
            "startup_to_ready_s": round(startup, 2),
            "rss_mb": round(max(samples), 1), "peak_rss_mb": round(peak, 1),
            "cpu_percent_of_one_core": round(cpu * 100, 2),
            "reference_bare_python_rss_mb": round(bare_rss, 1),
            "targets": {"rss_mb": 80, "cpu_percent_of_one_core": 1.0, "startup_to_ready_s": 3.0},
        }  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=10_000)
    parser.add_argument("--slots", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    print(json.dumps(run(args.clips, args.slots, args.seconds), indent=2))


if __name__ == "__main__":
    main()


def simulate_200_slots(days: int = 365, clips: int = 2_000) -> dict:
    """`playout simulate` of the 200-slot schedule for a year (the footprint's schedule)."""
    from benchmarks.common import cli

    work = Path(tempfile.mkdtemp(prefix="playout-sim200-"))
    try:
        config = station(work)
        library(f"sqlite:///{work / 'playout.db'}", clips)
        schedule(work / "schedules", 200)
        end = date(2027, 1, 1).toordinal() + days - 1
        t0 = time.perf_counter()
        out = cli(config, "simulate", "--from", "2027-01-01", "--to", date.fromordinal(end).isoformat(),
                  "--db", str(work / "sim.db")).stdout  # fmt: skip
        return {"days": days, "slots": 200, "seconds": round(time.perf_counter() - t0, 1), "output": out.strip()}
    finally:
        shutil.rmtree(work, ignore_errors=True)
