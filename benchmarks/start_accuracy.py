"""Benchmark: does the sound start when the clock says, at the audio output?

The real daemon (APScheduler, libVLC) airs a short clip with a sharp onset at each of N
known instants on a PulseAudio null sink; a minimal reference player (sleep until the
instant with the best timer, then `paplay`) plays the same clip at the same instants on a
second null sink. Both sinks' monitors are recorded with `parec`; each onset is found in
the recording and compared with its instant. The second half runs while two busy processes
load both cores. The last airings are sequences (tone A then tone B) to measure the gap
between consecutive items.

Calibration: a recording's time origin is the wall-clock instant at which `parec` was
stopped minus the duration of the frames it wrote (read with a 10 ms latency request); the
remaining uncertainty (the recorder's buffering, about 10 ms) is the same for both players,
so their difference is free of it.

    .venv/bin/python -m benchmarks.start_accuracy [--n 100] [--spacing 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from benchmarks.common import PLAYOUT, cli, start_pulse, station, wait_until
from playout.clock import SystemClock

RATE = 48_000
THRESHOLD = 0.05


def tone(path: Path, freq: float, ms: int) -> None:
    from pydub import AudioSegment
    from pydub.generators import Sine

    seg = Sine(freq, sample_rate=RATE).to_audio_segment(duration=ms, volume=-3).fade_in(2).fade_out(2)
    (AudioSegment.silent(200, RATE) + seg + AudioSegment.silent(200, RATE)).export(str(path), format="wav")


def percentiles(values: list[float]) -> dict:
    if not values:
        return {}
    a = np.array(values)
    return {"n": len(values), "p50": round(float(np.percentile(a, 50)), 1), "p95": round(float(np.percentile(a, 95)), 1),
            "p99": round(float(np.percentile(a, 99)), 1), "max": round(float(a.max()), 1)}  # fmt: skip


class Recorder:
    def __init__(self, device: str, path: Path, env: dict) -> None:
        self.path = path
        self.f = path.open("wb")
        self.proc = subprocess.Popen(["parec", "--raw", "--latency-msec=10", "--format=s16le", f"--rate={RATE}",
                                      "--channels=1", f"--device={device}"], stdout=self.f, env=env)  # fmt: skip

    def stop(self) -> tuple[np.ndarray, float]:
        """The samples, and the wall-clock time (epoch seconds) of the first one."""
        stopped = time.time()
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=10)
        self.f.close()
        data = np.frombuffer(self.path.read_bytes(), dtype="<i2").astype(np.float32) / 32768
        return data, stopped - len(data) / RATE


def onsets(data: np.ndarray, origin: float, instants: list[float]) -> list[float | None]:
    out: list[float | None] = []
    for s in instants:
        lo = max(0, int((s - 0.3 - origin) * RATE))
        hi = int((s + 2.0 - origin) * RATE)
        loud = np.nonzero(np.abs(data[lo:hi]) > THRESHOLD)[0]
        out.append(None if len(loud) == 0 else origin + (lo + loud[0]) / RATE)
    return out


def gaps(data: np.ndarray, origin: float, starts: list[float | None], first_ms: int) -> list[float]:
    """Silence (ms) between the end of tone A and the start of tone B of each sequence."""
    out = []
    for s in starts:
        if s is None:
            continue
        lo = int((s - origin) * RATE) + int((first_ms - 100) * RATE / 1000)
        seg = np.abs(data[lo : lo + int(0.2 * RATE)]) > THRESHOLD
        quiet = 0
        run = 0
        for v in seg:
            run = 0 if v else run + 1
            quiet = max(quiet, run)
        out.append(quiet * 1000 / RATE)
    return out


def run(n: int = 100, spacing: int = 3, sequences: int = 20) -> dict:
    for tool in ("pulseaudio", "parec", "paplay"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (Debian: pulseaudio, pulseaudio-utils)")
    work = Path(tempfile.mkdtemp(prefix="playout-accuracy-"))
    procs: list[subprocess.Popen] = []
    try:
        pulse, server, env = start_pulse(work, ("daemon_sink", "ref_sink"))
        procs.append(pulse)
        config = station(work / "station", 'module = "pulse"\ndevice = "daemon_sink"', "lead_seconds = 5")
        for name, freq, ms in (("onset", 1000, 500), ("tone-a", 700, 500), ("tone-b", 1300, 500)):
            tone(work / f"{name}.wav", freq, ms)
            cli(config, "import", str(work / f"{name}.wav"), "--kind", "slogan", "--title", name)
        clips = {c["title"]: c for c in json.loads(cli(config, "clips", "list", "--json").stdout)}
        library = work / "station" / "audio" / "library"
        onset_file = library / clips["onset"]["path"]
        a_ms = clips["tone-a"]["duration_ms"]

        tz = __import__("playout.config", fromlist=["load"]).load(config).station.timezone
        first = datetime.now(tz).replace(microsecond=0) + timedelta(seconds=25)
        instants = [first + timedelta(seconds=i * spacing) for i in range(n)]
        # A sequence lasts longer (two items): give each a little more room.
        instants += [instants[-1] + timedelta(seconds=(i + 1) * (spacing + 1)) for i in range(sequences)]
        slots = []
        for i, when in enumerate(instants):
            items = ['clip = "onset"'] if i < n else ['clip = "tone-a"', 'clip = "tone-b"']
            body = "".join(f"  [[slot.item]]\n  {item}\n" for item in items)
            slots.append(f'[[slot]]\nid = "b{i:03d}"\ntimes = ["{when:%H:%M:%S}"]\n{body}')
        (work / "station" / "schedules" / "bench.toml").write_text("\n".join(slots), encoding="utf-8")

        rec_d = Recorder("daemon_sink.monitor", work / "daemon.raw", env)
        rec_r = Recorder("ref_sink.monitor", work / "ref.raw", env)
        daemon = subprocess.Popen([*PLAYOUT, "run", "--config", str(config)],
                                  env={**env, "PULSE_SINK": "daemon_sink"}, stderr=subprocess.DEVNULL)  # fmt: skip
        procs.append(daemon)

        epochs = [w.timestamp() for w in instants]
        clock = SystemClock()

        def reference() -> None:
            for w in instants[:n]:
                clock.sleep_until(w)
                subprocess.Popen(["paplay", "--device=ref_sink", str(onset_file)], env=env)

        ref = threading.Thread(target=reference)
        ref.start()
        # Load both cores for the second half of the single clips.
        half = instants[n // 2]
        clock.sleep_until(half - timedelta(seconds=1))
        load = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]
        procs += load
        clock.sleep_until(instants[n - 1] + timedelta(seconds=1))
        for p in load:
            p.kill()
        ref.join()
        clock.sleep_until(instants[-1] + timedelta(seconds=3))
        data_d, origin_d = rec_d.stop()
        data_r, origin_r = rec_r.stop()

        on_d = onsets(data_d, origin_d, epochs)
        on_r = onsets(data_r, origin_r, epochs[:n])
        late_d = [(o - s) * 1000 for o, s in zip(on_d[:n], epochs[:n], strict=True) if o is not None]
        late_r = [(o - s) * 1000 for o, s in zip(on_r, epochs[:n], strict=True) if o is not None]
        idle, loaded = slice(0, n // 2), slice(n // 2, n)
        late_d_idle = [(o - s) * 1000 for o, s in zip(on_d[idle], epochs[idle], strict=True) if o is not None]
        late_d_load = [(o - s) * 1000 for o, s in zip(on_d[loaded], epochs[loaded], strict=True) if o is not None]
        seq_gaps = gaps(data_d, origin_d, on_d[n:], a_ms)
        d, r = percentiles(late_d), percentiles(late_r)
        return {
            "clips": n, "spacing_s": spacing, "output": "pulse null sink via libVLC",
            "daemon_lateness_ms": d, "daemon_idle_ms": percentiles(late_d_idle),
            "daemon_loaded_ms": percentiles(late_d_load),
            "reference_paplay_lateness_ms": r,
            "daemon_minus_reference_p99_ms": round(d.get("p99", 0) - r.get("p99", 0), 1) if d and r else None,
            "missing_onsets": {"daemon": n - len(late_d), "reference": n - len(late_r)},
            "sequence_gap_ms": percentiles(seq_gaps),
            "targets": {"daemon_p99_ms": 50, "daemon_minus_reference_p99_ms": 20, "sequence_gap_p99_ms": 30},
        }  # fmt: skip
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--spacing", type=int, default=3, help="seconds (schedules have 1 s resolution)")
    parser.add_argument("--sequences", type=int, default=20)
    args = parser.parse_args()
    print(json.dumps(run(args.n, args.spacing, args.sequences), indent=2))


if __name__ == "__main__":
    main()
