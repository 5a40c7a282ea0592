"""Benchmark: import throughput (audio seconds per wall second) on generated clips of mixed
formats, against the same work done by calling ffmpeg directly: a two-pass loudnorm
(measure, then normalise) and a FLAC encode, per file.

    .venv/bin/python -m benchmarks.import_speed [--files 12] [--seconds 30]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.common import cli, station

FORMATS = ["mp3", "ogg", "m4a", "wav", "flac", "wma"]


def make_clips(folder: Path, n: int, seconds: float) -> float:
    """Speech-like material (tone and noise bursts with pauses) in rotating formats."""
    from tests.audio_factory import programme_like, write

    total = 0.0
    for i in range(n):
        length = int(seconds * 1000 * (0.6 + 0.8 * (i % 5) / 4))
        seg = programme_like(sound_ms=length, lead_ms=500, tail_ms=700, level_dbfs=-30 + (i % 7), peaky=i % 2 == 0)
        write(seg, folder / f"clip-{i:02d}.{FORMATS[i % len(FORMATS)]}")
        total += len(seg) / 1000
    return total


def reference(files: list[Path], out: Path) -> None:
    for f in files:
        first = subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-i", str(f), "-af",
                                "loudnorm=I=-16:TP=-1:LRA=20:print_format=json", "-f", "null", "-"],
                               capture_output=True, text=True, check=True)  # fmt: skip
        m = dict(re.findall(r'"(input_i|input_tp|input_lra|input_thresh|target_offset)" : "([-\d.inf]+)"', first.stderr))
        af = (f"loudnorm=I=-16:TP=-1:LRA=20:measured_I={m['input_i']}:measured_TP={m['input_tp']}:"
              f"measured_LRA={m['input_lra']}:measured_thresh={m['input_thresh']}:offset={m['target_offset']}:linear=true")
        subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", "-i", str(f), "-af", af, "-ar", "48000",
                        "-c:a", "flac", str(out / (f.stem + ".flac"))], check=True)  # fmt: skip


def run(n_files: int = 12, seconds: float = 30) -> dict:
    work = Path(tempfile.mkdtemp(prefix="playout-import-"))
    try:
        src = work / "src"
        src.mkdir()
        audio_s = make_clips(src, n_files, seconds)
        files = sorted(src.iterdir())
        (work / "ref").mkdir()
        t0 = time.perf_counter()
        reference(files, work / "ref")
        ref_s = time.perf_counter() - t0
        config = station(work / "station")
        t0 = time.perf_counter()
        cli(config, "import", str(src), "--kind", "slogan")
        ours_s = time.perf_counter() - t0
        return {
            "files": n_files, "audio_s": round(audio_s, 1), "formats": FORMATS,
            "import_s": round(ours_s, 2), "import_audio_s_per_s": round(audio_s / ours_s, 1),
            "reference_ffmpeg_two_pass_s": round(ref_s, 2), "reference_audio_s_per_s": round(audio_s / ref_s, 1),
            "ratio_to_reference": round(ours_s / ref_s, 2),
            "targets": {"ratio_to_reference": 1.5},
        }  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    print(json.dumps(run(args.files, args.seconds), indent=2))


if __name__ == "__main__":
    main()
