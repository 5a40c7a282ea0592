"""The import pipeline, one small function per step.

probe -> analyse (decode, measure loudness, find silence) -> plan (trim, gain) -> render
(normalise, trim, encode) -> hash -> store -> register. Each step takes plain values and
returns plain values or raises `ImportRejected` naming the file and the reason, so each can
be tested alone and the importer only sequences them.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import subprocess
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydub.utils import mediainfo_json

from playout.config import LibraryConfig
from playout.errors import ImportRejected
from playout.i18n import fmt_duration
from playout.library import ffmpeg
from playout.library.ffmpeg import Tools

CANONICAL_RATE = 48_000
MIN_SOUND_MS = 400  # BS.1770 gating blocks are 400 ms: shorter sound has no integrated loudness
LOUDNESS_TOLERANCE_LU = 0.1  # what the gain search aims at; the promise is 0.5, measured 0.2
MAX_RENDERS = 6
# Some encoders (WMA, AAC) leave a few tens of milliseconds of low-level noise at the very
# start or end of a file. Sound this short before the leading silence (or after the trailing
# one) is treated as part of that silence rather than as programme.
EDGE_SLACK_MS = 150


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


log = logging.getLogger(__name__)
# Codecs ffprobe reports as a one-frame "video" stream: a picture, whatever its file is named.
IMAGE_CODECS = {"png", "mjpeg", "jpeg2000", "bmp", "gif", "webp", "tiff", "ppm", "pgm", "pam", "psd", "svg", "qoi"}


def _reject(msg_id: str, source: Path, raw: str | None = None, **params: object) -> ImportRejected:
    """The person gets one sentence in their language; what the tool said goes to the log."""
    if raw:
        log.info("import %s rejected (%s): %s", nfc(str(source)), msg_id, raw)
    return ImportRejected(msg_id, file=nfc(str(source)), **params)


def _os_error(source: Path, exc: OSError) -> ImportRejected:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return _reject("import.no_permission", source, raw=str(exc))
    code = errno.errorcode.get(exc.errno or 0, str(exc.errno))
    return _reject("import.unreadable", source, raw=str(exc), code=code)


# -- check and hash the source ------------------------------------------------------------


def source_hash(source: Path) -> str:
    """sha256 of the original bytes: a cheap way to spot a re-import before decoding."""
    try:
        if not source.exists():
            raise _reject("import.not_found", source)
        if source.stat().st_size == 0:
            raise _reject("import.empty", source)
        return file_hash(source)
    except OSError as exc:
        raise _os_error(source, exc) from None


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# -- probe ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    duration_ms: int | None  # what the container says; None when it does not say
    sample_rate: int
    channels: int
    codec: str
    tags: dict[str, str]


def probe(source: Path, limits: LibraryConfig) -> Probe:
    """What the file claims to be (ffprobe, through pydub): its first audio stream and tags."""
    try:
        info = mediainfo_json(str(source))
    except (ValueError, KeyError, OSError) as exc:  # unparsable ffprobe output
        raise _reject("import.not_audio", source, raw=str(exc)) from None
    streams = info.get("streams") or []
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    if not info or not streams:
        raise _reject("import.not_audio", source, raw="ffprobe found no media streams")
    if not audio:
        kinds = sorted({s.get("codec_type", "?") for s in streams})
        raw = "streams: " + ", ".join(f"{s.get('codec_type', '?')}/{s.get('codec_name', '?')}" for s in streams)
        codecs = {str(s.get("codec_name", "")) for s in streams if s.get("codec_type") == "video"}
        if kinds == ["video"] and codecs <= IMAGE_CODECS:
            raise _reject("import.image", source, raw=raw, format=", ".join(sorted(codecs)).upper())
        if "video" in kinds:
            raise _reject("import.video_no_sound", source, raw=raw)
        raise _reject("import.no_audio_stream", source, raw=raw)
    stream = audio[0]
    fmt = info.get("format") or {}
    duration = _seconds(stream.get("duration")) or _seconds(fmt.get("duration"))
    duration_ms = round(duration * 1000) if duration else None
    if duration_ms is not None and duration_ms > limits.max_duration_ms:
        raise _reject(
            "import.too_long",
            source,
            duration=fmt_duration(duration_ms),
            limit=fmt_duration(limits.max_duration_ms),
        )
    tags = {str(k).lower(): nfc(str(v)) for k, v in {**stream.get("tags", {}), **fmt.get("tags", {})}.items()}
    return Probe(
        duration_ms=duration_ms,
        sample_rate=int(stream.get("sample_rate") or 0),
        channels=int(stream.get("channels") or 0),
        codec=str(stream.get("codec_name", "?")),
        tags=tags,
    )


def _seconds(value: object) -> float | None:
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return seconds if seconds > 0 else None


# -- analyse ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Analysis:
    loudness_lufs: float
    true_peak_dbtp: float
    decoded_ms: int
    sound_start_ms: int  # first non-silent instant
    sound_end_ms: int  # last non-silent instant


def _timeout_s(duration_ms: int | None, limits: LibraryConfig) -> float:
    # Decoding runs far faster than real time; real time plus a minute means a hung process.
    return 60 + (duration_ms or limits.max_duration_ms) / 1000


def analyse(tools: Tools, source: Path, probed: Probe, limits: LibraryConfig) -> Analysis:
    """Decode the whole file once: integrated loudness, true peak, silence at both ends."""
    args = ffmpeg.analysis_command(
        tools, source, limits.silence_threshold_db, limits.min_silence_ms / 1000
    )
    try:
        done = ffmpeg.run(args, _timeout_s(probed.duration_ms, limits))
    except subprocess.TimeoutExpired:
        raise _reject("import.timeout", source, raw="decoding took too long") from None
    report = ffmpeg.parse_report(done.stderr, done.stdout)
    if done.returncode != 0:
        raise _reject("import.not_audio", source, raw=_tail(done.stderr))
    if report.decode_errors:
        raise _reject("import.decode_error", source, raw="; ".join(report.decode_errors[:5]))
    decoded_ms = round((report.decoded_s or 0) * 1000)
    if decoded_ms > limits.max_duration_ms:
        raise _reject(
            "import.too_long", source, duration=fmt_duration(decoded_ms), limit=fmt_duration(limits.max_duration_ms)
        )
    # A container that promises more than decodes was cut short (a copy interrupted, a
    # download broken off). Allow a little slack for encoder padding and estimated durations.
    if probed.duration_ms and decoded_ms < probed.duration_ms * 0.97 - 100:
        raise _reject(
            "import.truncated",
            source,
            expected=fmt_duration(probed.duration_ms),
            decoded=fmt_duration(decoded_ms),
        )
    start_ms, end_ms = 0, decoded_ms
    for begin, end in report.silences:
        end_at = round(end * 1000) if end is not None else decoded_ms
        if begin * 1000 <= EDGE_SLACK_MS and start_ms == 0:
            start_ms = end_at
        if end_at >= decoded_ms - EDGE_SLACK_MS:
            end_ms = min(end_ms, round(begin * 1000))
    if report.integrated_lufs is None or end_ms <= start_ms:
        raise _reject("import.silent", source)
    if end_ms - start_ms < MIN_SOUND_MS:
        raise _reject("import.too_short", source, duration=f"{(end_ms - start_ms) / 1000:.2f} s")
    return Analysis(
        loudness_lufs=report.integrated_lufs,
        true_peak_dbtp=report.true_peak_dbtp if report.true_peak_dbtp is not None else 0.0,
        decoded_ms=decoded_ms,
        sound_start_ms=start_ms,
        sound_end_ms=end_ms,
    )


def _tail(text: str, n: int = 5) -> str:
    """The last lines ffmpeg printed (without the per-frame loudness lines), for the log."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and "lavfi.r128" not in line
             and "] frame:" not in line]  # fmt: skip
    return " | ".join(lines[-n:]) if lines else "ffmpeg failed"


# -- render: trim, normalise, encode --------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    path: Path
    loudness_lufs: float
    true_peak_dbtp: float
    duration_ms: int
    sample_rate: int
    channels: int


def render(
    tools: Tools, source: Path, dest: Path, probed: Probe, analysis: Analysis, limits: LibraryConfig
) -> Rendered:
    """Write the canonical file: silence trimmed, at the loudness target, under the peak ceiling.

    A plain gain reaches the target exactly when the peaks allow it. When they do not, the
    limiter that holds the true-peak ceiling also takes loudness away, more the harder it
    works, so the output loudness is a monotonic but far from linear function of the gain.
    The gain is searched for: a secant step from the last two renders until the target is
    bracketed, then interpolation inside the bracket; each attempt is kept in its own file
    and the closest one becomes `dest` (no render is repeated).
    """
    target = limits.loudness_target_lufs
    ceiling = limits.true_peak_max_dbtp
    channels = 1 if probed.channels == 1 else 2
    gain = target - analysis.loudness_lufs
    # Half a dB of headroom under the ceiling: the FLAC quantisation and the final
    # resampling can each add a little to the true peak.
    limit_at = ceiling - 0.5 if analysis.true_peak_dbtp + gain > ceiling - 0.1 else None
    tried: list[tuple[float, float, float, Path]] = []  # (gain, loudness, peak, file)
    try:
        for attempt in range(MAX_RENDERS):
            out = dest.with_name(f"{dest.name}.{attempt}")
            loudness, peak = _render_once(tools, source, out, analysis, gain, limit_at, channels, probed, limits)
            tried.append((gain, loudness, peak, out))
            if abs(loudness - target) <= LOUDNESS_TOLERANCE_LU:
                break
            gain = next_gain(target, [(g, lo) for g, lo, _, _ in tried])
            if limit_at is None and analysis.true_peak_dbtp + gain > ceiling - 0.1:
                limit_at = ceiling - 0.5
        best = min(tried, key=lambda t: abs(t[1] - target))
        os.replace(best[3], dest)
    finally:
        for *_, path in tried:
            path.unlink(missing_ok=True)
    return Rendered(
        path=dest,
        loudness_lufs=best[1],
        true_peak_dbtp=best[2],
        duration_ms=analysis.sound_end_ms - analysis.sound_start_ms,
        sample_rate=CANONICAL_RATE,
        channels=channels,
    )


def next_gain(target: float, tried: list[tuple[float, float]]) -> float:
    """The next gain to try, from (gain, measured loudness) pairs: loudness rises with gain
    (more slowly once the limiter works). Pure, so the search is tested without audio."""
    below = [t for t in tried if t[1] < target]
    above = [t for t in tried if t[1] > target]
    if below and above:
        (g1, l1), (g2, l2) = max(below), min(above)
        if l2 != l1 and g2 != g1:
            return g1 + (target - l1) * (g2 - g1) / (l2 - l1)
        return (g1 + g2) / 2
    g, loudness = tried[-1]
    if len(tried) >= 2:
        g0, l0 = tried[-2]
        if l0 != loudness and g0 != g:
            slope = (loudness - l0) / (g - g0)
            if 0.05 <= slope <= 1.5:  # a sane slope; anything else, step as if plain gain
                return g + (target - loudness) / slope
    return g + target - loudness


def _render_once(
    tools: Tools,
    source: Path,
    dest: Path,
    analysis: Analysis,
    gain: float,
    limit_at: float | None,
    channels: int,
    probed: Probe,
    limits: LibraryConfig,
) -> tuple[float, float]:
    args = ffmpeg.render_command(
        tools,
        source,
        dest,
        start_s=analysis.sound_start_ms / 1000,
        end_s=analysis.sound_end_ms / 1000,
        gain_db=gain,
        limit_dbtp=limit_at,
        channels=channels,
        sample_rate=CANONICAL_RATE,
    )
    try:
        done = ffmpeg.run(args, _timeout_s(probed.duration_ms, limits) * 2)
    except subprocess.TimeoutExpired:
        raise _reject("import.timeout", source, raw="encoding took too long") from None
    report = ffmpeg.parse_report(done.stderr)
    if done.returncode != 0 or report.integrated_lufs is None:
        raise _reject("import.ffmpeg_failed", source, raw=_tail(done.stderr))
    return report.integrated_lufs, report.true_peak_dbtp if report.true_peak_dbtp is not None else 0.0


# -- metadata -------------------------------------------------------------------------------

_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})[-_.](\d{2})[-_.](\d{2})(?!\d)")


def default_title(source: Path, probed: Probe) -> str:
    """The title tag if the file has one, else the file name without its extension."""
    tag = probed.tags.get("title", "").strip()
    if tag:
        return nfc(tag)
    return nfc(source.stem.replace("_", " ").strip()) or nfc(source.name)


def date_from_name(source: Path) -> date | None:
    """An episode date written in the file name (cchc-2026-11-30.mp3), if there is one."""
    for m in _DATE_IN_NAME.finditer(nfc(source.stem)):
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            continue
    return None


# -- store ----------------------------------------------------------------------------------


def library_relpath(content_hash: str) -> str:
    """Where a clip lives in the library: by content, so a name can never collide or lie."""
    return f"{content_hash[:2]}/{content_hash}.flac"


def store(temp: Path, library: Path, content_hash: str) -> tuple[Path, bool]:
    """Move the rendered file into place; returns its path and whether this call created it."""
    final = library / library_relpath(content_hash)
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        temp.unlink(missing_ok=True)
        return final, False
    with temp.open("rb") as f:
        os.fsync(f.fileno())
    os.replace(temp, final)
    return final, True
