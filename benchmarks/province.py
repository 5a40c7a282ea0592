"""Benchmark: many stations catching up into one PostgreSQL, the central tally, and what the
link costs a station while idle.

1. A station file with `--rows` airings of 2026 (a busy station's year is about 100,000:
   sessions of the chime and two of ten slogans all day, a weekly segment), queued in its
   outbox by the triggers as the daemon would have written them.
2. Catch-up: `--stations` copies of it (each its own station id) forwarded by `--workers`
   processes at once into one PostgreSQL; time until all is in, and rows/s (and, at that
   rate, the time for `--province-stations`). Reference, same run: the same rows bulk-loaded
   with PostgreSQL's COPY (the fastest a client can write them), so the ratio is the
   forwarder's overhead for its guarantees.
3. The province's tally of the year across `--province-stations` stations (the forwarded
   ones copied under new ids inside PostgreSQL: the daily sums the tally reads, and the log
   rows too with `--grow-log`); target ≤ 2 s, checked against the number of airings.
4. One station's link while idle (empty outbox, heartbeat every `--interval` s): CPU and
   RSS of `playout province forward` over `--idle-seconds`; reference: the same command's
   process before its first cycle is not separable, so the reference is a bare Python
   interpreter importing playout (what any playout process costs).

    .venv/bin/python -m benchmarks.province [--stations 10] [--rows 100000] [--province-stations 100]
    .venv/bin/python -m benchmarks.province --quick
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks.common import PLAYOUT, cpu_seconds, rss_mb, station, wait_until
from benchmarks.postgres import start_postgres


def make_template(path: Path, rows: int) -> None:
    """A station's file: 60 clips and `rows` airings of a year, queued in the outbox."""
    from playout.clock import SystemClock
    from playout.db import open_database
    from playout.db.models import Clip
    from playout.province.forward import Forwarder

    db = open_database(f"sqlite:///{path}", durable=False)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with db.session() as s:
        for i in range(1, 65):
            kind = "chime" if i == 1 else "slogan" if i < 12 else "segment"
            s.add(Clip(id=i, title=f"Bài {i}", kind=kind, programme="CCHC" if kind == "segment" else None,
                       duration_ms=60_000 + i, loudness_before_lufs=-20, loudness_after_lufs=-16,
                       true_peak_before_dbtp=-3, true_peak_after_dbtp=-1.5, sample_rate=48000, channels=1,
                       content_hash=f"{i:064x}", source_hash=f"{i:064x}", original_name=f"{i}.flac",
                       path=f"xx/{i}.flac", imported_at=now))  # fmt: skip
        s.commit()
    Forwarder(db, None, "template", SystemClock()).join()  # type: ignore[arg-type]
    con = sqlite3.connect(path)
    per_day = -(-rows // 365)  # the rows fill the year 2026
    cols = ("key, occurrence, position, slot, item, scheduled_at, started_at, ended_at, played_ms, lateness_ms, "
            "clip_id, title, programme, kind, duration_ms, content_hash, output, outcome, reason, manual, level")

    def gen():  # noqa: ANN202
        # A busy station: sessions of the chime and two slogans rotated over ten, all day;
        # on Mondays the first session also has the week's segment (52 a year).
        n = 0
        for day in range(365):
            for session in range(-(-per_day // 3)):
                at = now + timedelta(days=day, minutes=5 * session)
                occ = f"tin@{at.isoformat()}"
                items = [1, 2 + (2 * (day * 100 + session)) % 10, 2 + (2 * (day * 100 + session) + 1) % 10]
                if session == 0 and day % 7 == 0:
                    items.append(12 + day // 7)
                for pos, clip in enumerate(items, 1):
                    if n == rows:
                        return
                    n += 1
                    kind = "chime" if clip == 1 else "slogan" if clip < 12 else "segment"
                    t = at.strftime("%Y-%m-%d %H:%M:%S.%f")
                    yield (f"{occ}/{pos}", occ, pos, "tin", f"tin#{pos}", t, t, t, 60_000, 12, clip, f"Bài {clip}",
                           "CCHC" if kind == "segment" else None, kind, 60_000 + clip, f"{clip:064x}", "alsa", "aired",
                           None, 0, None)  # fmt: skip

    con.executemany(f"insert into airings ({cols}) values ({', '.join('?' * 21)})", gen())
    con.commit()
    con.close()
    db.dispose()


def forward_stations(args: tuple[str, Path, list[int], Path]) -> int:
    """One worker: forward each of its stations (a copy of the template) to the end."""
    from sqlalchemy import update

    from playout.clock import SystemClock
    from playout.db import open_database
    from playout.province.forward import Forwarder, central_engine
    from playout.province.models import ProvinceLink

    url, template, ids, work = args
    engine = central_engine(url)
    sent = 0
    for i in ids:
        path = work / f"st-{i:03d}.db"
        shutil.copy(template, path)
        db = open_database(f"sqlite:///{path}", durable=False)
        sid = f"xa-{i:03d}"
        with db.session() as s:
            s.execute(update(ProvinceLink).values(station_id=sid))
            s.commit()
        sent += Forwarder(db, engine, sid, SystemClock(), name=f"Đài xã {i}").forward_all({"bench": True})
        db.dispose()
        path.unlink()
    engine.dispose()
    return sent


def copy_reference(server_port: int, dbname: str, template: Path, stations: int) -> float:
    """The same rows written by COPY into a plain table of the same shape: the floor."""
    import psycopg

    con = sqlite3.connect(template)
    cols = [c[1] for c in con.execute("pragma table_info(airings)") if c[1] != "id"]
    data = con.execute(f"select {', '.join(cols)} from airings").fetchall()
    con.close()
    with psycopg.connect(f"host=127.0.0.1 port={server_port} user=playout dbname={dbname}", autocommit=True) as pg:
        pg.execute("create table copy_ref (like province_airings including defaults)")
        t0 = time.perf_counter()
        for i in range(stations):
            buf = io.StringIO()
            sid = f"xa-{i:03d}"
            for r in data:
                buf.write("\t".join([sid, *("\\N" if v is None else str(v) for v in r)]) + "\n")
            with pg.cursor().copy(f"copy copy_ref (station_id, {', '.join(cols)}) from stdin") as cp:
                cp.write(buf.getvalue())
        elapsed = time.perf_counter() - t0
        pg.execute("drop table copy_ref")
    return elapsed


def grow_central(port: int, dbname: str, stations: int, log_too: bool) -> int:
    """Make the forwarded stations `stations` by copying their daily sums (what the tally
    reads) under new station ids inside PostgreSQL, and their log rows too with `log_too`;
    the airings the daily sums then hold."""
    import psycopg

    def copy(pg, table: str, cols: list[str], have: int, j: int) -> None:  # noqa: ANN001
        pg.execute(f"insert into {table} (station_id, {', '.join(cols)}) select station_id || '-c{j}', "
                   f"{', '.join(cols)} from {table} where station_id not like '%-c%'")  # fmt: skip

    with psycopg.connect(f"host=127.0.0.1 port={port} user=playout dbname={dbname}", autocommit=True) as pg:
        def columns(table: str) -> list[str]:
            return [r[0] for r in pg.execute("select column_name from information_schema.columns where table_name = "
                                             "%s and column_name not in ('id', 'station_id')", (table,))]  # fmt: skip

        have = pg.execute("select count(distinct station_id) from province_airing_days").fetchone()[0]
        base, j = have, 0
        while have < stations:
            j += 1
            copy(pg, "province_airing_days", columns("province_airing_days"), have, j)
            if log_too:
                copy(pg, "province_airings", columns("province_airings"), have, j)
            have += base
        pg.execute("vacuum analyze province_airing_days")
        return have


def tally_time(url: str) -> tuple[float, int]:
    from zoneinfo import ZoneInfo

    from playout.province import tally
    from playout.province.forward import central_engine
    from playout.reports.period import Period

    engine = central_engine(url)
    period = Period(date(2026, 1, 1), date(2026, 12, 31), ZoneInfo("Asia/Ho_Chi_Minh"))
    tally.compute(engine, period, "warm-up")
    t0 = time.perf_counter()
    pt = tally.compute(engine, period, "Tỉnh")
    elapsed = time.perf_counter() - t0
    engine.dispose()
    return elapsed, sum(ln.airings for ln in pt.total.lines)


def idle_link(url: str, seconds: float, interval: float) -> dict:
    root = Path(tempfile.mkdtemp(prefix="playout-idle-"))
    try:
        config = station(root, extra="")
        with config.open("a", encoding="utf-8") as f:
            f.write(f'\n[province]\nstation_id = "xa-idle"\ncentral_url = "{url}"\nforward_seconds = {interval}\n')
        subprocess.run([*PLAYOUT, "province", "forward", "--once", "--config", str(config)], check=True,
                       capture_output=True)  # fmt: skip
        proc = subprocess.Popen([*PLAYOUT, "province", "forward", "--config", str(config)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        wait_until(lambda: False, 3)  # let it import and make its first cycle
        c0, t0 = cpu_seconds(proc.pid), time.monotonic()
        wait_until(lambda: proc.poll() is not None, seconds)
        cpu, wall = cpu_seconds(proc.pid) - c0, time.monotonic() - t0
        rss, _peak = rss_mb(proc.pid)
        proc.terminate()
        proc.wait(30)
        bare = subprocess.Popen([sys.executable, "-c", "import playout.cli, sys; print('ready', flush=True); "
                                 "sys.stdin.read()"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
        bare.stdout.readline()  # type: ignore[union-attr]  # imported (a loaded machine takes seconds)
        bare_rss, _ = rss_mb(bare.pid)
        bare.stdin.close()  # type: ignore[union-attr]
        bare.wait(10)
        cycles = wall / interval
        return {"interval_s": interval, "seconds": round(wall, 1), "cpu_percent_of_one_core": round(100 * cpu / wall, 3),
                "cpu_ms_per_cycle": round(1000 * cpu / cycles, 2), "rss_mb": round(rss, 1),
                "reference_python_with_playout_rss_mb": round(bare_rss, 1),
                "cpu_percent_at_30_s": round(100 * (cpu / cycles) / 30, 4)}  # fmt: skip
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run(stations: int, rows: int, workers: int, idle_seconds: float, interval: float, province_stations: int,
        grow_log: bool) -> dict:  # fmt: skip
    load_before = os.getloadavg()
    server = start_postgres()
    work = Path(tempfile.mkdtemp(prefix="playout-bench-province-"))
    try:
        url = server.create_database("province")
        from playout.db import open_database

        open_database(url).dispose()
        template = work / "template.db"
        t0 = time.perf_counter()
        make_template(template, rows)
        queue_s = time.perf_counter() - t0
        ids = list(range(stations))
        chunks = [(url, template, ids[w::workers], work) for w in range(workers)]
        t0 = time.perf_counter()
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            sent = sum(pool.map(forward_stations, chunks))
        catch_up = time.perf_counter() - t0
        province_stations = grow_central(server.port, "province", province_stations, grow_log)
        tally_s, tallied = tally_time(url)
        ref_s = copy_reference(server.port, "province", template, stations)
        idle = idle_link(url, idle_seconds, interval)
        total = stations * rows
        return {
            "stations": stations, "rows_per_station": rows, "workers": workers, "rows": total,
            "queued_entries_sent": sent, "station_file_build_s": round(queue_s, 1),
            "catch_up_s": round(catch_up, 1), "rows_per_s": round(total / catch_up),
            "reference_copy_s": round(ref_s, 1), "reference_copy_rows_per_s": round(total / ref_s),
            "ratio_to_copy": round(catch_up / ref_s, 2),
            "extrapolated_catch_up_s_for_province": round(province_stations * rows / (total / catch_up)),
            "province_stations": province_stations, "log_rows_copied_too": grow_log,
            "tally_s": round(tally_s, 2), "tally_airings": tallied,
            "tally_counts_every_row": tallied == province_stations * rows,
            "idle": idle,
            # The machine's load (other work included) as the run began and ended, for the reader
            # to judge the figures by: os.cpu_count() cores.
            "cpus": os.cpu_count(), "load_average_1_5_15_before": [round(x, 2) for x in load_before],
            "load_average_1_5_15_after": [round(x, 2) for x in os.getloadavg()],
        }  # fmt: skip
    finally:
        server.remove()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--stations", type=int, default=10, help="stations forwarded for real")
    p.add_argument("--province-stations", type=int, default=100,
                   help="stations the tally runs over (the forwarded ones copied inside PostgreSQL)")
    p.add_argument("--grow-log", action="store_true", help="copy the log rows too, not only the daily sums")
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--idle-seconds", type=float, default=30)
    p.add_argument("--interval", type=float, default=1.0, help="forward_seconds of the idle station (30 by default in use)")
    p.add_argument("--quick", action="store_true", help="10 stations of 5,000 rows")
    a = p.parse_args()
    if a.quick:
        a.stations, a.rows, a.idle_seconds, a.province_stations = 4, 5000, 10, 20
    r = run(a.stations, a.rows, a.workers, a.idle_seconds, a.interval, a.province_stations, a.grow_log)
    print(json.dumps(r, indent=2, ensure_ascii=False))
    print(f"catch-up: {r['rows']:,} rows from {r['stations']} stations in {r['catch_up_s']} s "
          f"({r['rows_per_s']:,} rows/s; COPY reference {r['reference_copy_rows_per_s']:,} rows/s, ratio {r['ratio_to_copy']}×); "
          + (f"{r['province_stations']} stations at this rate: {r['extrapolated_catch_up_s_for_province']} s (extrapolated)"
           if r["province_stations"] > r["stations"] else "every station forwarded for real"))
    ok = r["tally_s"] <= 2 and r["tally_counts_every_row"]
    print(f"central tally of the year across {r['province_stations']} stations: {r['tally_s']} s for {r['tally_airings']:,} airings "
          f"(≤ 2 s and every row counted: {'met' if ok else 'MISSED'})")
    i = r["idle"]
    print(f"idle link (heartbeat every {i['interval_s']} s): {i['cpu_ms_per_cycle']} ms CPU a cycle, "
          f"{i['cpu_percent_at_30_s']}% of a core at the default 30 s; RSS {i['rss_mb']} MB "
          f"(Python with playout imported: {i['reference_python_with_playout_rss_mb']} MB)")


if __name__ == "__main__":
    main()
