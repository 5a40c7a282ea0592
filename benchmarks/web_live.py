"""Benchmark: the Now page's live block under 20 open pages, against a real daemon.

Twenty clients, each logged in, ask for `/now/live` once a second as the page does, for a
while that spans a scheduled airing. Reported: the latency of those requests (p50/p99/max),
the daemon's CPU over the window (share of one core), its resident memory before and after,
and the lateness the airing log records for the airing that fell inside the load. References
in the same run: a static file under the same load (the server's floor), and the same
airing's lateness with no page open (a second airing after the load stops).

    .venv/bin/python -m benchmarks.web_live [--clients 20] [--seconds 30]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import re
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

from benchmarks.common import PLAYOUT, cli, cpu_seconds, percentiles, rss_mb, station, wait_until

PASSWORD = "mat-khau-do-thu-12345"


def login(base: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    form = urllib.parse.urlencode({"name": "bench", "password": PASSWORD, "csrf_token": token}).encode()
    opener.open(f"{base}/login", data=form, timeout=10).read()
    return opener


def load(openers: list[urllib.request.OpenerDirector], url: str, seconds: float, period: float = 1.0) -> list[float]:
    """Each client asks for `url` every `period` seconds (as the page's timer does, the next
    request a period after the previous one started); latencies in milliseconds."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(opener: urllib.request.OpenerDirector, offset: float) -> None:
        time.sleep(offset)  # spread the clients over the second, as pages opened at different times are
        while (start := time.monotonic()) < stop:
            try:
                with opener.open(url, timeout=10) as resp:
                    resp.read()
                    ok = resp.status == 200
            except OSError as exc:
                ok = False
                errors.append(str(exc))
            took = (time.monotonic() - start) * 1000
            with lock:
                latencies.append(took if ok else float("inf"))
            time.sleep(max(0.0, start + period - time.monotonic()))

    threads = [threading.Thread(target=client, args=(o, i * period / len(openers))) for i, o in enumerate(openers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, e.g. {errors[0]}")
    return latencies


def run(clients: int = 20, seconds: float = 30) -> dict:
    work = Path(tempfile.mkdtemp(prefix="playout-weblive-"))
    daemon = None
    try:
        config = station(work, extra="lead_seconds = 3")
        from playout import config as config_mod

        cfg = config_mod.load(config)
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=f=660:d=3", "-ar", "48000",
                        str(work / "tone.wav")], check=True)  # fmt: skip
        cli(config, "import", str(work / "tone.wav"), "--kind", "slogan", "--title", "tone")
        cli(config, "users", "add", "bench", "--role", "manager", "--password-stdin", input=PASSWORD + "\n")
        tz = cfg.station.timezone
        # The loaded airing falls in the middle of the load; the reference one after it.
        start = datetime.now(tz).replace(microsecond=0) + timedelta(seconds=10)
        loaded_at = start + timedelta(seconds=round(seconds / 2))
        quiet_at = start + timedelta(seconds=round(seconds) + 15)
        slots = [f'[[slot]]\nid = "{name}"\ntimes = ["{when:%H:%M:%S}"]\n  [[slot.item]]\n  clip = "tone"\n'
                 for name, when in (("loaded", loaded_at), ("quiet", quiet_at))]  # fmt: skip
        (work / "schedules" / "bench.toml").write_text("\n".join(slots), encoding="utf-8")
        daemon = subprocess.Popen([*PLAYOUT, "run", "--config", str(config)], stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{cfg.web.port}"

        def up() -> bool:
            try:
                urllib.request.urlopen(f"{base}/login", timeout=1).read()
                return True
            except OSError:
                return daemon.poll() is not None

        wait_until(up, 60)
        if daemon.poll() is not None:
            raise RuntimeError("the daemon did not start")
        openers = [login(base) for _ in range(clients)]
        wait_until(lambda: datetime.now(tz) >= start, 60)
        rss_before, _ = rss_mb(daemon.pid)
        cpu0, w0 = cpu_seconds(daemon.pid), time.monotonic()
        live = load(openers, f"{base}/now/live", seconds)
        cpu = (cpu_seconds(daemon.pid) - cpu0) / (time.monotonic() - w0)
        rss_after, _ = rss_mb(daemon.pid)
        static = load(openers, f"{base}/static/style.css", 10)
        wait_until(lambda: datetime.now(tz) >= quiet_at + timedelta(seconds=5), 120)
        con = sqlite3.connect(work / "playout.db")
        lateness = dict(con.execute("select slot, lateness_ms from airings where slot in ('loaded', 'quiet')"))
        outcomes = dict(con.execute("select slot, outcome from airings where slot in ('loaded', 'quiet')"))
        con.close()
        return {
            "clients": clients, "seconds": seconds,
            "live_latency_ms": percentiles(live), "reference_static_latency_ms": percentiles(static),
            "daemon_cpu_percent_of_one_core": round(cpu * 100, 1),
            "rss_before_mb": round(rss_before, 1), "rss_after_mb": round(rss_after, 1),
            "airing_lateness_ms_under_load": lateness.get("loaded"), "outcome_under_load": outcomes.get("loaded"),
            "reference_airing_lateness_ms_quiet": lateness.get("quiet"), "outcome_quiet": outcomes.get("quiet"),
            "targets": {"live_p99_ms": 100, "daemon_cpu_percent_of_one_core": 10},
        }  # fmt: skip
    finally:
        if daemon is not None and daemon.poll() is None:
            daemon.terminate()
            daemon.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    print(json.dumps(run(args.clients, args.seconds), indent=2))


if __name__ == "__main__":
    main()
