"""Run every benchmark, print a table, and keep the figures as JSON in benchmarks/results/.

    make bench            (or: .venv/bin/python -m benchmarks.run_all [--quick])
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import datetime
from pathlib import Path

from benchmarks import expand_year, export_scale, footprint, import_speed, start_accuracy, web_live

RESULTS = Path(__file__).resolve().parent / "results"


def rows(r: dict) -> list[tuple[str, str, str, str]]:
    """(what, figure, reference / ratio, target and verdict)."""
    out = []
    if a := r.get("start_accuracy"):
        d, ref, gap = a["daemon_lateness_ms"], a["reference_paplay_lateness_ms"], a["sequence_gap_ms"]
        out.append((f"1. start lateness at the output, {a['clips']} clips (half with both cores loaded)",
                    f"p50 {d['p50']} / p95 {d['p95']} / p99 {d['p99']} / max {d['max']} ms",
                    f"paplay p50 {ref['p50']} / p99 {ref['p99']} ms; p99 difference {a['daemon_minus_reference_p99_ms']} ms",
                    f"p99 ≤ 50 ms: {'met' if d['p99'] <= 50 else 'MISSED'}; ≤ ref + 20 ms: "
                    f"{'met' if a['daemon_minus_reference_p99_ms'] <= 20 else 'MISSED'}"))
        out.append(("   idle / loaded", f"p99 {a['daemon_idle_ms']['p99']} / {a['daemon_loaded_ms']['p99']} ms", "", ""))
        out.append(("   gap chime → next item", f"p99 {gap['p99']} ms (max {gap['max']})", "",
                    f"p99 ≤ 30 ms: {'met' if gap['p99'] <= 30 else 'MISSED'}"))
    if f := r.get("footprint"):
        out.append((f"2. idle daemon, {f['clips']:,} clips, {f['slots']} slots",
                    f"RSS {f['rss_mb']} MB, CPU {f['cpu_percent_of_one_core']}% of a core, ready in {f['startup_to_ready_s']} s",
                    f"bare Python {f['reference_bare_python_rss_mb']} MB",
                    f"≤ 80 MB, ≤ 1%, ≤ 3 s: {'met' if f['rss_mb'] <= 80 and f['cpu_percent_of_one_core'] <= 1 and f['startup_to_ready_s'] <= 3 else 'MISSED'}"))
    if w := r.get("web_live"):
        lat, ref = w["live_latency_ms"], w["reference_static_latency_ms"]
        ok = lat["p99"] <= 100 and w["daemon_cpu_percent_of_one_core"] <= 10
        out.append((f"2. Now page's live block, {w['clients']} pages polling for {w['seconds']:g} s",
                    f"p50 {lat['p50']} / p99 {lat['p99']} / max {lat['max']} ms; daemon CPU "
                    f"{w['daemon_cpu_percent_of_one_core']}% of a core; RSS {w['rss_before_mb']} → {w['rss_after_mb']} MB",
                    f"static file p99 {ref['p99']} ms; airing lateness {w['airing_lateness_ms_under_load']} ms "
                    f"({w['outcome_under_load']}), without the pages {w['reference_airing_lateness_ms_quiet']} ms",
                    f"p99 ≤ 100 ms, ≤ 10%: {'met' if ok else 'MISSED'}"))
    if e := r.get("expand_year"):
        out.append((f"3. expand a year, {e['slots']} slots ({e['occurrences']:,} occurrences)", f"{e['expand_s']} s",
                    f"rrule {e['reference_rrule_s']} s ({e['ratio_to_reference']}×); plan {e['plan_s']} s",
                    f"≤ 1 s: {'met' if e['expand_s'] <= 1 else 'MISSED'}"))
    if s := r.get("simulate_example_year_s"):
        out.append(("3. simulate a year of the example", f"{s} s", "", f"≤ 30 s: {'met' if s <= 30 else 'MISSED'}"))
    if m := r.get("simulate_200_slots"):
        year = round(m["seconds"] * 365 / m["days"])
        out.append((f"3. simulate {m['days']} days of a 200-slot schedule", f"{m['seconds']} s",
                    f"a year at this rate: {year} s", f"a year ≤ 30 s: {'met' if year <= 30 else 'MISSED'}"))
    if i := r.get("import_speed"):
        out.append((f"4. import {i['files']} clips, {i['audio_s']} s of audio, 6 formats",
                    f"{i['import_audio_s_per_s']} audio s per s",
                    f"ffmpeg two-pass loudnorm {i['reference_audio_s_per_s']} audio s/s; ratio {i['ratio_to_reference']}×",
                    f"≤ 1.5×: {'met' if i['ratio_to_reference'] <= 1.5 else 'MISSED'}"))
    if x := r.get("export_scale"):
        out.append((f"5. CSV export, {x['rows']:,} airings", f"{x['csv_export_s']} s",
                    f"sqlite3 -csv {x['sqlite3_csv_s']} s; ratio {x['csv_ratio_to_sqlite3']}×",
                    f"≤ 1.5×: {'met' if x['csv_ratio_to_sqlite3'] <= 1.5 else 'MISSED'}"))
        out.append((f"5. XLSX export, {x['rows']:,} airings", f"{x['xlsx_export_s']} s, peak {x['xlsx_peak_mb']} MB",
                    f"a tenth of the rows: peak {x['xlsx_tenth_rows_peak_mb']} MB", "memory flat: "
                    + ("met" if x["xlsx_peak_mb"] <= x["xlsx_tenth_rows_peak_mb"] * 1.2 else "MISSED")))
        out.append(("5. tally of a year", f"{x['tally_year_s']} s ({x['tally_year_airings']:,} airings)", "",
                    f"≤ 1 s: {'met' if x['tally_year_s'] <= 1 else 'MISSED'}"))
    return out


def simulate_example_year() -> float:
    import subprocess
    import sys
    import tempfile

    from benchmarks.common import ROOT

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "playout", "simulate", "--from", "2027-01-01", "--to", "2027-12-31",
                        "--db", f"{tmp}/sim.db", "--config", str(ROOT / "playout.toml")], check=True,
                       capture_output=True)  # fmt: skip
        return round(time.perf_counter() - t0, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run, not figures to keep")
    args = parser.parse_args()
    q = args.quick
    started = time.perf_counter()
    results: dict = {"date": datetime.now().isoformat(timespec="seconds"), "machine": {
        "python": platform.python_version(), "system": platform.platform(), "cpus": __import__("os").cpu_count()}}
    steps = [
        ("expand_year", lambda: expand_year.run(20 if q else 200, 1 if q else 5)),
        ("simulate_example_year_s", simulate_example_year),
        ("import_speed", lambda: import_speed.run(3 if q else 12, 5 if q else 30)),
        ("footprint", lambda: footprint.run(500 if q else 10_000, 20 if q else 200, 3 if q else 60)),
        ("web_live", lambda: web_live.run(5 if q else 20, 10 if q else 30)),
        ("simulate_200_slots", lambda: footprint.simulate_200_slots(3 if q else 31)),
        ("export_scale", lambda: export_scale.run(20_000 if q else 1_000_000)),
        ("start_accuracy", lambda: start_accuracy.run(6 if q else 100, 3, 2 if q else 20)),
    ]
    for name, step in steps:
        t0 = time.perf_counter()
        results[name] = step()
        print(f"[{name}: {time.perf_counter() - t0:.0f} s]", flush=True)
    results["total_s"] = round(time.perf_counter() - started)
    table = rows(results)
    print("\n| benchmark | figure | reference | target |\n|---|---|---|---|")
    for row in table:
        print("| " + " | ".join(row) + " |")
    if not q:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{datetime.now():%Y-%m-%dT%H%M%S}.json"
        path.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
        print(f"\nfigures written to {path.relative_to(RESULTS.parent.parent)}")


if __name__ == "__main__":
    main()
