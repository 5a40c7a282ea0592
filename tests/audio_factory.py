"""Test audio made on the fly with pydub (encoding through ffmpeg), so no binary fixtures
need committing and each test states the signal it relies on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
from pydub import AudioSegment
from pydub.generators import Sine, WhiteNoise

FORMAT_ARGS = {
    "mp3": {"format": "mp3", "bitrate": "96k"},
    "wav": {"format": "wav"},
    "ogg": {"format": "ogg", "codec": "libvorbis"},
    "m4a": {"format": "ipod", "codec": "aac"},
    "flac": {"format": "flac"},
    "wma": {"format": "asf", "codec": "wmav2"},
}


def programme_like(sound_ms: int = 2500, lead_ms: int = 700, tail_ms: int = 900, level_dbfs: float = -26.0,
                   peaky: bool = False, rate: int = 44100, channels: int = 1) -> AudioSegment:
    """A tone-and-noise signal between two stretches of digital silence.

    `peaky` adds short full-scale clicks, so that reaching the loudness target needs the
    true-peak limiter, as with real speech.
    """
    tone = Sine(330, sample_rate=rate).to_audio_segment(duration=sound_ms, volume=level_dbfs)
    noise = WhiteNoise(sample_rate=rate).to_audio_segment(duration=sound_ms, volume=level_dbfs - 6)
    sound = tone.overlay(noise)
    if peaky:
        click = Sine(2000, sample_rate=rate).to_audio_segment(duration=3, volume=-0.5)
        for at in range(200, sound_ms - 50, 700):
            sound = sound.overlay(click, position=at)
    sound = sound.set_channels(channels)
    silence = AudioSegment.silent(duration=lead_ms, frame_rate=rate).set_channels(channels)
    tail = AudioSegment.silent(duration=tail_ms, frame_rate=rate).set_channels(channels)
    return (silence + sound + tail).set_sample_width(2)


def write(segment: AudioSegment, path: Path, fmt: str | None = None, tags: dict | None = None) -> Path:
    fmt = fmt or path.suffix.lstrip(".")
    path.parent.mkdir(parents=True, exist_ok=True)
    segment.export(str(path), tags=tags, **FORMAT_ARGS[fmt]).close()
    return path


def loudness_lufs(path: Path) -> float:
    """Integrated loudness by pyloudnorm: an implementation independent of ffmpeg's."""
    import pyloudnorm

    data, rate = sf.read(str(path))
    return float(pyloudnorm.Meter(rate).integrated_loudness(data))


def true_peak_dbtp(path: Path) -> float:
    """True peak by 4x oversampling (ITU-R BS.1770 annex 2), with scipy."""
    from scipy.signal import resample_poly

    data, _rate = sf.read(str(path), always_2d=True)
    over = resample_poly(data, 4, 1, axis=0)
    return float(20 * np.log10(np.max(np.abs(over))))


def duration_ms(path: Path) -> int:
    info = sf.info(str(path))
    return round(info.frames * 1000 / info.samplerate)


def leading_silence_ms(path: Path, threshold_dbfs: float = -50.0) -> int:
    data, rate = sf.read(str(path), always_2d=True)
    level = np.max(np.abs(data), axis=1)
    loud = np.nonzero(level > 10 ** (threshold_dbfs / 20))[0]
    return round(loud[0] * 1000 / rate) if len(loud) else duration_ms(path)


def trailing_silence_ms(path: Path, threshold_dbfs: float = -50.0) -> int:
    data, rate = sf.read(str(path), always_2d=True)
    level = np.max(np.abs(data), axis=1)
    loud = np.nonzero(level > 10 ** (threshold_dbfs / 20))[0]
    return round((len(level) - 1 - loud[-1]) * 1000 / rate) if len(loud) else duration_ms(path)
