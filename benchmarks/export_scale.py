"""Benchmark: the airing log at network scale (1,000,000 airings, about a decade of a busy
station or a year of a province's network).

Reports, each against a reference measured in the same run:
- CSV export time, against the sqlite3 command-line tool dumping the same rows (`-csv`);
- XLSX export time and peak memory, at 100,000 and 1,000,000 rows (memory must not grow);
- the tally of one year.

    .venv/bin/python -m benchmarks.export_scale [--rows 1000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playout.db import open_database
from playout.reports import export

ROOT = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def generate(path: Path, n: int, first_year: int = 2017) -> tuple[date, date]:
    """n airings spread evenly over ten years, shaped like the daemon's rows."""
    open_database(f"sqlite:///{path}", durable=False).dispose()
    con = sqlite3.connect(path)
    con.execute("pragma synchronous=off")
    rnd = random.Random(7)
    start = datetime(first_year, 1, 1, tzinfo=TZ).astimezone(UTC)
    span = (datetime(first_year + 10, 1, 1, tzinfo=TZ).astimezone(UTC) - start).total_seconds()
    step = span / n
    outcomes = ["aired"] * 96 + ["partial", "interrupted", "failed", "missed"]
    titles = [f"Khẩu hiệu số {i}" for i in range(40)] + [f"CCHC: chuyên mục tuần {i}" for i in range(60)]

    def rows():  # noqa: ANN202
        for i in range(n):
            at = start + timedelta(seconds=i * step)
            t = rnd.randrange(len(titles))
            seg = t >= 40
            dur = 600_000 if seg else 5_000
            outcome = rnd.choice(outcomes)
            ts = at.strftime("%Y-%m-%d %H:%M:%S.%f")
            key = f"s{i % 200}@{at.astimezone(TZ):%Y-%m-%dT%H:%M:%S}"
            yield (f"{key}/{i}", key, 1 + i % 4, f"s{i % 200}", f"s{i % 200}#1", ts, ts, ts,
                   dur if outcome == "aired" else dur // 2, 0, t + 1, titles[t], "CCHC" if seg else None,
                   "segment" if seg else "slogan", dur, "a" * 64, "alsa:default", outcome,
                   None if outcome == "aired" else "test", 0, None)  # fmt: skip

    con.executemany(
        "insert into airings (key, occurrence, position, slot, item, scheduled_at, started_at, ended_at, played_ms,"
        " lateness_ms, clip_id, title, programme, kind, duration_ms, content_hash, output, outcome, reason, manual,"
        " level) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows(),
    )
    con.commit()
    con.close()
    return date(first_year, 1, 1), date(first_year + 9, 12, 31)


def run_measured(args: list[str], **kw) -> tuple[float, int]:  # noqa: ANN003
    """Wall seconds and peak resident memory (MiB) of a command."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, **kw)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{args[:3]} failed")
    return elapsed, usage.ru_maxrss // 1024


def sqlite_reference(db: Path, first: date, last: date, out: Path) -> float:
    cols = ", ".join(export.SPEAKERS_SQL if c == "speakers" else c for c, _, _ in export.COLUMNS)
    lo = datetime.combine(first, datetime.min.time(), tzinfo=TZ).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    hi = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=TZ).astimezone(UTC).strftime(
        "%Y-%m-%d %H:%M:%S")  # fmt: skip
    sql = (f"select {cols} from airings where scheduled_at >= '{lo}' and scheduled_at < '{hi}' "
           "order by scheduled_at, position, id;")  # fmt: skip
    with out.open("w") as f:
        t, _ = run_measured(["sqlite3", "-csv", "-header", str(db), sql], stdout=f)
    return t


def playout(*args: str) -> list[str]:
    return [sys.executable, "-m", "playout", *args, "--config", str(ROOT / "playout.toml")]


def run(n_rows: int = 1_000_000, keep: Path | None = None) -> dict:
    work = Path(tempfile.mkdtemp(prefix="playout-bench-"))
    try:
        db = work / "log.db"
        t0 = time.perf_counter()
        first, last = generate(db, n_rows)
        gen_s = time.perf_counter() - t0
        ref_s = sqlite_reference(db, first, last, work / "ref.csv")
        csv_s, csv_mb = run_measured(playout("log", "export", "--from", str(first), "--to", str(last), "--db", str(db),
                                             "--out", str(work / "out.csv"), "--force"), stdout=subprocess.DEVNULL)  # fmt: skip
        # XLSX at a tenth of the rows and at all of them: memory must stay flat.
        tenth_last = first + (last - first) / 10
        x10_s, x10_mb = run_measured(playout("log", "export", "--from", str(first), "--to", str(tenth_last), "--db",
                                             str(db), "--format", "xlsx", "--out", str(work / "a.xlsx"), "--force"),
                                     stdout=subprocess.DEVNULL)  # fmt: skip
        x_s, x_mb = run_measured(playout("log", "export", "--from", str(first), "--to", str(last), "--db", str(db),
                                         "--format", "xlsx", "--out", str(work / "b.xlsx"), "--force"),
                                 stdout=subprocess.DEVNULL)  # fmt: skip
        from playout.reports import tally
        from playout.reports.period import Period

        database = open_database(f"sqlite:///{db}")
        tally_s = float("inf")
        for _ in range(3):  # best of three: the first run also warms the page cache
            t0 = time.perf_counter()
            year = tally.compute(database, Period(date(last.year, 1, 1), last, TZ), "bench")
            tally_s = min(tally_s, time.perf_counter() - t0)
        figures = {
            "rows": n_rows,
            "generate_s": round(gen_s, 1),
            "sqlite3_csv_s": round(ref_s, 2),
            "csv_export_s": round(csv_s, 2),
            "csv_ratio_to_sqlite3": round(csv_s / ref_s, 2),
            "csv_peak_mb": csv_mb,
            "xlsx_export_s": round(x_s, 1),
            "xlsx_peak_mb": x_mb,
            "xlsx_tenth_rows_peak_mb": x10_mb,
            "xlsx_tenth_rows_s": round(x10_s, 1),
            "tally_year_s": round(tally_s, 3),
            "tally_year_airings": year.total("airings"),
            "targets": {"csv_ratio_to_sqlite3": 1.5, "tally_year_s": 1.0, "xlsx_memory": "flat"},
        }
        if keep:
            shutil.copy(db, keep / "log.db")
        return figures
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    print(json.dumps(run(args.rows, args.keep), indent=2))


if __name__ == "__main__":
    main()
