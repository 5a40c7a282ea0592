"""Joining a sequence into one stream before it airs.

A session (chime, segment, slogans) is rendered ahead of its start into one file: items
follow each other sample-exact, with no gap for the player to open a new input, and a few
seconds of silence after the last item keep the output fed while it drains (libVLC 3's
PulseAudio output cuts the end of a stream that ends with its input).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from playout.library.ffmpeg import Tools, run

TAIL_SILENCE_S = 3.0
# Silence before the first item. The player starts the stream this much before the instant:
# whatever the output swallows while it opens (libVLC's PulseAudio output drops up to a
# second at the start of a stream) is silence, and the first item's sound lands on time.
LEAD_SILENCE_S = 1.5
RATE = 48_000


@dataclass(frozen=True)
class RenderFailure(Exception):
    index: int
    detail: str


def _to_stereo(index: int, channels: int) -> str:
    # A mono clip goes to both sides at full level (ffmpeg's default upmix is 3 dB down,
    # which would make mono clips quieter than stereo ones after normalisation).
    upmix = "pan=stereo|c0=c0|c1=c0," if channels == 1 else ""
    return f"[{index}:a]aresample={RATE},{upmix}aformat=sample_fmts=s16:channel_layouts=stereo[a{index}]"


def render(tools: Tools, paths: list[Path], dest: Path, channels: list[int] | None = None) -> None:
    """Write paths back to back, as 48 kHz stereo FLAC, followed by the silent tail."""
    channels = channels or [2] * len(paths)
    chains = [_to_stereo(i, channels[i]) for i in range(len(paths))]
    joined = "".join(f"[a{i}]" for i in range(len(paths)))
    lead_ms = round(LEAD_SILENCE_S * 1000)
    graph = ";".join([*chains, f"{joined}concat=n={len(paths)}:v=0:a=1,adelay={lead_ms}:all=1,"
                               f"apad=pad_dur={TAIL_SILENCE_S}[out]"])
    args = [tools.ffmpeg, "-nostdin", "-hide_banner", "-v", "error", "-y"]
    for p in paths:
        args += ["-i", str(p)]
    args += ["-filter_complex", graph, "-map", "[out]", "-c:a", "flac", "-f", "flac", str(dest)]
    done = run(args, timeout_s=120 + 2 * len(paths))
    if done.returncode != 0:
        # Find which input is at fault, so only that item fails.
        for i, p in enumerate(paths):
            probe = run([tools.ffmpeg, "-nostdin", "-v", "error", "-i", str(p), "-f", "null", "-"], timeout_s=120)
            if probe.returncode != 0 or probe.stderr.strip():
                raise RenderFailure(i, (probe.stderr.strip().splitlines() or ["cannot decode"])[-1])
        raise RenderFailure(-1, (done.stderr.strip().splitlines() or ["ffmpeg failed"])[-1])


def safe_render(tools: Tools, paths: list[Path], dest: Path, channels: list[int]) -> tuple[list[int], dict[int, str]]:
    """Render what can be rendered; returns the indexes kept and, for the others, why not."""
    kept = list(range(len(paths)))
    failed: dict[int, str] = {}
    while kept:
        try:
            render(tools, [paths[i] for i in kept], dest, [channels[i] for i in kept])
            return kept, failed
        except RenderFailure as exc:
            if exc.index < 0:
                for i in kept:
                    failed[i] = exc.detail
                return [], failed
            bad = kept.pop(exc.index)
            failed[bad] = exc.detail
        except subprocess.TimeoutExpired:
            for i in kept:
                failed[i] = "rendering took too long"
            return [], failed
    return kept, failed
