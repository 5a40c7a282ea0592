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

from benchmarks import expand_year, export_scale, footprint, icecast_listeners, import_speed, start_accuracy, web_live

RESULTS = Path(__file__).resolve().parent / "results"


def rows(r: dict) -> list[tuple[str, str, str, str]]:
    """(what, figure, reference / ratio, target and verdict)."""
    out = []
    for module, a in (r.get("start_accuracy") or {}).items():
        d, ref, log_err, gap = a["daemon_onset_ms"], a["reference_onset_ms"], a["log_vs_measured_ms"], a["junction_gap_ms"]
        checks = a["checks"]
        out.append((f"1. onset at the output, {a['output']}, {a['airings']} airings (half loaded)",
                    f"p50 {d.get('p50')} / p99 {d.get('p99')} / max {d.get('max')} ms",
                    f"open-stream reference p50 {ref.get('p50')} / p99 {ref.get('p99')} ms; "
                    f"p99 difference {a['daemon_minus_reference_p99_ms']} ms",
                    f"≤ ref + 5 ms: {'met' if checks['onset p99 <= reference p99 + 5 ms'] == 'PASS' else 'MISSED'}"))
        out.append(("   idle / loaded (cores busy, web page polled, import running)",
                    f"p99 {a['daemon_idle_ms'].get('p99')} / {a['daemon_loaded_ms'].get('p99')} ms",
                    f"reference {a['reference_idle_ms'].get('p99')} / {a['reference_loaded_ms'].get('p99')} ms", ""))
        out.append(("   whole clips / stray sound", f"{a['whole']['daemon']} of {a['airings']} / {a['stray_sound']}",
                    f"reference {a['whole']['reference']} of {a['airings']}",
                    f"all whole: {'met' if checks['every clip whole'] == 'PASS' else 'MISSED'}"))
        local = a["log_vs_measured_local_ms"]
        out.append(("   log lateness vs measured onset, against the reference beside it",
                    f"p99 {log_err.get('p99')} / max {log_err.get('max')} ms; {a['log_within_5ms']} of {a['airings']} "
                    "within 5 ms", "includes the reference's own misses",
                    f"every airing ≤ 5 ms: {'met' if checks['log within 5 ms of the measured onset, every airing'] == 'PASS' else 'MISSED'}"))
        out.append(("   log lateness vs measured onset, recorder drift removed",
                    f"p99 {local.get('p99')} / max {local.get('max')} ms; {a['log_within_5ms_local']} of {a['airings']} "
                    "within 5 ms", "local median of the recording's offset", "every airing ≤ 5 ms: "
                    + ("met" if a["log_within_5ms_local"] == a["airings"] else "MISSED")))
        if "every airing verified by the monitor" in checks:
            out.append(("   verified by the monitor", f"{a['monitor_verified']} of {a['airings']} (not whole "
                        f"{a['monitor_not_whole']}, not judged {a['monitor_not_judged']})",
                        f"monitor − log p50 {a['monitor_minus_log_ms'].get('p50')} ms",
                        f"all: {'met' if checks['every airing verified by the monitor'] == 'PASS' else 'MISSED'}"))
        out.append(("   junction between items", f"max {gap.get('max')} ms of silence", "the clips' own 2 ms fades",
                    f"sample-exact: {'met' if checks['junctions sample-exact'] == 'PASS' else 'MISSED'}"))
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
    if ic := r.get("icecast_listeners"):
        out.extend(icecast_listeners.rows(ic))
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
        ("start_accuracy", lambda: start_accuracy.run(6 if q else 100, 2, 2 if q else 10)),
        ("icecast_listeners", lambda: icecast_listeners.run(50 if q else 1000, 15 if q else 60)),
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
