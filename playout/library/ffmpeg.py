"""Running ffmpeg and ffprobe: where they are, and what they printed.

Every decode in the project goes through these programs; this module keeps the subprocess
details (paths, timeouts, stderr parsing) in one place.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from playout.errors import ToolMissing


@dataclass(frozen=True)
class Tools:
    ffmpeg: str
    ffprobe: str


def locate_tools(path: str | None = None) -> Tools:
    """Find ffmpeg and ffprobe on PATH, or say how to install them."""
    found = {}
    for name in ("ffmpeg", "ffprobe"):
        exe = shutil.which(name, path=path if path is not None else os.environ.get("PATH"))
        if exe is None:
            raise ToolMissing("tool.missing", tool=name, package="ffmpeg")
        found[name] = exe
    return Tools(**found)


def run(args: list[str], timeout_s: float) -> subprocess.CompletedProcess[str]:
    """Run a tool with no input and captured text output (decoded leniently: ffmpeg echoes
    file names and tags in whatever encoding they came in)."""
    return subprocess.run(
        args,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=timeout_s,
        check=False,
    )


_SILENCE_START = re.compile(r"silence_start: (-?[\d.]+)")
_SILENCE_END = re.compile(r"silence_end: (-?[\d.]+)")
_INTEGRATED = re.compile(r"^\s*I:\s+(-?[\d.]+|-inf|nan) LUFS", re.M)
_PEAK = re.compile(r"^\s*Peak:\s+(-?[\d.]+|-inf|nan) dBFS", re.M)
# ebur128's summary rounds to 0.1 LU; its frame metadata (printed by ametadata) has 0.001.
_PRECISE_I = re.compile(r"lavfi\.r128\.I=(-?[\d.]+|-inf|nan)")
_OUT_TIME = re.compile(r"^out_time_us=(\d+)", re.M)
_DECODE_ERROR = re.compile(r"^(?:\[[^\]]+\] )?(.*(?:Error while decoding|Invalid data|Header missing|corrupt).*)$", re.M | re.I)


@dataclass(frozen=True)
class FilterReport:
    """What one ffmpeg pass with silencedetect/ebur128 reported."""

    silences: list[tuple[float, float | None]]  # (start, end) in seconds; end None = till EOF
    integrated_lufs: float | None  # None when the summary was missing or the audio silent
    true_peak_dbtp: float | None
    decoded_s: float | None
    decode_errors: list[str]


def _float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return None if value != value or value in (float("inf"), float("-inf")) else value


def parse_report(stderr: str, stdout: str = "") -> FilterReport:
    """Read silencedetect, ebur128 summary and -progress output from one ffmpeg pass."""
    silences: list[tuple[float, float | None]] = []
    for line in stderr.splitlines():
        if m := _SILENCE_START.search(line):
            silences.append((float(m.group(1)), None))
        elif (m := _SILENCE_END.search(line)) and silences and silences[-1][1] is None:
            silences[-1] = (silences[-1][0], float(m.group(1)))
    integrated = _PRECISE_I.findall(stderr) or _INTEGRATED.findall(stderr)
    peak = _PEAK.findall(stderr)
    out_times = _OUT_TIME.findall(stdout)
    loudness = _float(integrated[-1]) if integrated else None
    if loudness is not None and loudness <= -70.0:
        loudness = None  # the absolute gate: nothing above -70 LUFS, i.e. silence
    return FilterReport(
        silences=silences,
        integrated_lufs=loudness,
        true_peak_dbtp=_float(peak[-1]) if peak else None,
        decoded_s=int(out_times[-1]) / 1e6 if out_times else None,
        decode_errors=[m.group(1).strip() for m in _DECODE_ERROR.finditer(stderr)],
    )


def measure_filters(threshold_db: float, min_silence_s: float) -> str:
    return (
        f"silencedetect=n={threshold_db:g}dB:d={min_silence_s:g},"
        "ebur128=peak=true:framelog=verbose"
    )


def analysis_command(tools: Tools, source: Path, threshold_db: float, min_silence_s: float) -> list[str]:
    return [
        tools.ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-v", "info",
        "-i", str(source), "-map", "0:a:0", "-vn", "-sn", "-dn",
        "-af", measure_filters(threshold_db, min_silence_s),
        "-f", "null", "-", "-progress", "pipe:1",
    ]  # fmt: skip


def render_command(
    tools: Tools,
    source: Path,
    dest: Path,
    *,
    start_s: float,
    end_s: float,
    gain_db: float,
    limit_dbtp: float | None,
    channels: int,
    sample_rate: int,
) -> list[str]:
    """Trim, apply gain (and a true-peak limiter when the gain would clip), measure, encode FLAC.

    The limiter runs on 4x oversampled audio so that it catches inter-sample peaks: that is
    what makes its ceiling a true-peak (dBTP) ceiling rather than a sample-peak one.
    """
    chain = [f"atrim=start={start_s:.4f}:end={end_s:.4f}", "asetpts=PTS-STARTPTS", f"volume={gain_db:.3f}dB"]
    if limit_dbtp is not None:
        limit = 10 ** (limit_dbtp / 20)
        chain += [
            f"aresample={sample_rate * 4}",
            f"alimiter=limit={limit:.5f}:attack=1:release=50:level=false",
        ]
    # The loudness is measured here, to a thousandth of a LU (the frame metadata), so that
    # the gain search in steps.render can aim within a tenth of the target.
    chain += [f"aresample={sample_rate}", "ebur128=peak=true:framelog=verbose:metadata=1",
              "ametadata=mode=print:key=lavfi.r128.I"]
    return [
        tools.ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-v", "info", "-y",
        "-i", str(source), "-map", "0:a:0", "-vn", "-sn", "-dn",
        "-af", ",".join(chain),
        "-ac", str(channels), "-ar", str(sample_rate), "-sample_fmt", "s16",
        "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact",
        "-c:a", "flac", "-f", "flac", str(dest),
    ]  # fmt: skip
