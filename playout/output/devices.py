"""Audio devices the output engine writes to, each able to say when a written frame will play.

Every device takes interleaved signed 16-bit frames at one rate and answers `delay()`: how
many frames written so far have not yet come out of it. That figure is the device's own
(libpulse's stream latency, ALSA's `snd_pcm_delay`), so the engine can place a sample at an
instant without assuming a latency, and can say, from frames consumed, what really played.

The bindings are ctypes over the system libraries (libpulse-simple, libasound): no compiler
at install, and every call that blocks releases the GIL.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

RATE = 48_000
CHANNELS = 2
FRAME_BYTES = 2 * CHANNELS


class DeviceError(Exception):
    """The device failed (server gone, card unplugged, write refused)."""


class Device(Protocol):
    name: str

    def write(self, data: bytes) -> None:
        """Hand frames to the device; blocks while its buffer is full."""
        ...

    def delay(self) -> int:
        """Frames written that have not been played yet."""
        ...

    def close(self) -> None: ...


# -- PulseAudio (libpulse-simple) ------------------------------------------------------------

class _SampleSpec(ctypes.Structure):
    _fields_ = [("format", ctypes.c_int), ("rate", ctypes.c_uint32), ("channels", ctypes.c_uint8)]


class _BufferAttr(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint32) for n in ("maxlength", "tlength", "prebuf", "minreq", "fragsize")]


_PA_SAMPLE_S16LE = 3
_PA_PLAYBACK, _PA_RECORD = 1, 2
_NONE = 0xFFFFFFFF


def _load(names: tuple[str, ...]) -> ctypes.CDLL:
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    raise DeviceError(f"{names[0]} is not installed")


class _Pulse:
    def __init__(self) -> None:
        self.simple = _load(("libpulse-simple.so.0", ctypes.util.find_library("pulse-simple") or "libpulse-simple.so"))
        self.pulse = _load(("libpulse.so.0", ctypes.util.find_library("pulse") or "libpulse.so"))
        s = self.simple
        s.pa_simple_new.restype = ctypes.c_void_p
        s.pa_simple_new.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p,
                                    ctypes.POINTER(_SampleSpec), ctypes.c_void_p, ctypes.POINTER(_BufferAttr),
                                    ctypes.POINTER(ctypes.c_int)]  # fmt: skip
        s.pa_simple_write.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_int)]
        s.pa_simple_read.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_int)]
        s.pa_simple_get_latency.restype = ctypes.c_uint64
        s.pa_simple_get_latency.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
        s.pa_simple_free.argtypes = [ctypes.c_void_p]
        self.pulse.pa_strerror.restype = ctypes.c_char_p
        self.pulse.pa_strerror.argtypes = [ctypes.c_int]

    def error(self, code: int) -> str:
        return (self.pulse.pa_strerror(code) or b"unknown error").decode("utf-8", "replace")


_pulse: _Pulse | None = None


def _pulse_lib() -> _Pulse:
    global _pulse
    if _pulse is None:
        _pulse = _Pulse()
    return _pulse


class PulseStream:
    """One PulseAudio stream (playback or record) through the simple API.

    The simple API creates its stream with automatic, interpolated timing updates, so its
    latency figure moves smoothly with the device clock rather than in steps.
    """

    def __init__(self, device: str, *, record: bool = False, buffer_ms: int = 50, name: str = "playout") -> None:
        lib = _pulse_lib()
        self.lib = lib
        self.name = f"pulse:{device}" if device else "pulse"
        spec = _SampleSpec(_PA_SAMPLE_S16LE, RATE, CHANNELS if not record else 1)
        frame = FRAME_BYTES if not record else 2
        size = RATE * buffer_ms // 1000 * frame
        attr = _BufferAttr(_NONE, size, _NONE, RATE // 100 * frame, _NONE) if not record else \
            _BufferAttr(_NONE, _NONE, _NONE, _NONE, RATE // 100 * frame)  # fmt: skip
        err = ctypes.c_int(0)
        server = os.environ.get("PULSE_SERVER")
        self.handle = lib.simple.pa_simple_new(server.encode() if server else None, name.encode(),
                                               _PA_RECORD if record else _PA_PLAYBACK,
                                               device.encode() if device else None,
                                               b"monitor" if record else b"on air", ctypes.byref(spec), None,
                                               ctypes.byref(attr), ctypes.byref(err))  # fmt: skip
        if not self.handle:
            raise DeviceError(f"PulseAudio: {lib.error(err.value)}")

    def write(self, data: bytes) -> None:
        err = ctypes.c_int(0)
        if self.lib.simple.pa_simple_write(self.handle, data, len(data), ctypes.byref(err)) < 0:
            raise DeviceError(f"PulseAudio: {self.lib.error(err.value)}")

    def read(self, size: int) -> bytes:
        buf = ctypes.create_string_buffer(size)
        err = ctypes.c_int(0)
        if self.lib.simple.pa_simple_read(self.handle, buf, size, ctypes.byref(err)) < 0:
            raise DeviceError(f"PulseAudio: {self.lib.error(err.value)}")
        return buf.raw

    def latency_us(self) -> int:
        err = ctypes.c_int(0)
        value = self.lib.simple.pa_simple_get_latency(self.handle, ctypes.byref(err))
        if value == 0xFFFFFFFFFFFFFFFF:
            raise DeviceError(f"PulseAudio: {self.lib.error(err.value)}")
        return int(value)

    def delay(self) -> int:
        return self.latency_us() * RATE // 1_000_000

    def close(self) -> None:
        if self.handle:
            self.lib.simple.pa_simple_free(self.handle)
            self.handle = None


# -- ALSA (libasound) ------------------------------------------------------------------------

class _Alsa:
    def __init__(self) -> None:
        a = _load(("libasound.so.2", ctypes.util.find_library("asound") or "libasound.so"))
        a.snd_pcm_open.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p, ctypes.c_int, ctypes.c_int]
        a.snd_pcm_set_params.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
                                         ctypes.c_int, ctypes.c_uint]  # fmt: skip
        a.snd_pcm_writei.restype = ctypes.c_long
        a.snd_pcm_writei.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_ulong]
        a.snd_pcm_readi.restype = ctypes.c_long
        a.snd_pcm_readi.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_ulong]
        a.snd_pcm_delay.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_long)]
        a.snd_pcm_recover.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
        a.snd_pcm_close.argtypes = [ctypes.c_void_p]
        a.snd_strerror.restype = ctypes.c_char_p
        a.snd_strerror.argtypes = [ctypes.c_int]
        self.lib = a

    def error(self, code: int) -> str:
        return (self.lib.snd_strerror(code) or b"unknown error").decode("utf-8", "replace")


_alsa: _Alsa | None = None

_SND_PCM_FORMAT_S16_LE = 2
_SND_PCM_ACCESS_RW_INTERLEAVED = 3
_EPIPE = 32


class AlsaStream:
    """One ALSA PCM (a card's device such as hw:0,0 or plughw:0, or `pulse` through
    PulseAudio's ALSA plugin), blocking, with the period and buffer ALSA picks for the
    requested latency."""

    def __init__(self, device: str, *, record: bool = False, buffer_ms: int = 50) -> None:
        global _alsa
        if _alsa is None:
            _alsa = _Alsa()
        self.a = _alsa
        self.name = f"alsa:{device or 'default'}"
        self.channels = 1 if record else CHANNELS
        self.pcm = ctypes.c_void_p()
        rc = self.a.lib.snd_pcm_open(ctypes.byref(self.pcm), (device or "default").encode(), 1 if record else 0, 0)
        if rc < 0:
            raise DeviceError(f"ALSA {device or 'default'}: {self.a.error(rc)}")
        rc = self.a.lib.snd_pcm_set_params(self.pcm, _SND_PCM_FORMAT_S16_LE, _SND_PCM_ACCESS_RW_INTERLEAVED,
                                           self.channels, RATE, 1, buffer_ms * 1000)  # fmt: skip
        if rc < 0:
            self.a.lib.snd_pcm_close(self.pcm)
            raise DeviceError(f"ALSA {device or 'default'}: {self.a.error(rc)}")
        self.underruns = 0

    def write(self, data: bytes) -> None:
        frames = len(data) // (2 * self.channels)
        view = memoryview(data)
        while frames > 0:
            n = self.a.lib.snd_pcm_writei(self.pcm, bytes(view), frames)
            if n < 0:
                if -n == _EPIPE:
                    self.underruns += 1
                rc = self.a.lib.snd_pcm_recover(self.pcm, int(n), 1)
                if rc < 0:
                    raise DeviceError(f"ALSA {self.name}: {self.a.error(int(n))}")
                continue
            frames -= n
            view = view[n * 2 * self.channels:]

    def read(self, size: int) -> bytes:
        frames = size // (2 * self.channels)
        buf = ctypes.create_string_buffer(size)
        n = self.a.lib.snd_pcm_readi(self.pcm, buf, frames)
        if n < 0:
            rc = self.a.lib.snd_pcm_recover(self.pcm, int(n), 1)
            if rc < 0:
                raise DeviceError(f"ALSA {self.name}: {self.a.error(int(n))}")
            return b"\0" * size
        return buf.raw[: n * 2 * self.channels]

    def delay(self) -> int:
        d = ctypes.c_long(0)
        rc = self.a.lib.snd_pcm_delay(self.pcm, ctypes.byref(d))
        if rc < 0:
            raise DeviceError(f"ALSA {self.name}: cannot read the delay: {self.a.error(rc)}")
        return int(d.value)

    def latency_us(self) -> int:
        return self.delay() * 1_000_000 // RATE

    def close(self) -> None:
        if self.pcm:
            self.a.lib.snd_pcm_close(self.pcm)
            self.pcm = ctypes.c_void_p()


# -- No sound card: a device paced by the monotonic clock --------------------------------------

class PacedDevice:
    """A device that plays at exactly RATE frames per second of monotonic time and outputs
    nothing (`null`), or writes everything it plays, silence included, to a WAV file
    (`file`: frame n of the file is the frame that played n/RATE s after the stream opened)."""

    def __init__(self, file: Path | None = None, buffer_ms: int = 50) -> None:
        self.name = f"file:{file}" if file else "null"
        self.buffer = RATE * buffer_ms // 1000
        self.written = 0
        self.start = time.monotonic()
        self.wav: wave.Wave_write | None = None
        if file is not None:
            self.wav = wave.open(str(file), "wb")
            self.wav.setnchannels(CHANNELS)
            self.wav.setsampwidth(2)
            self.wav.setframerate(RATE)

    def _played(self) -> int:
        return int((time.monotonic() - self.start) * RATE)

    def write(self, data: bytes) -> None:
        frames = len(data) // FRAME_BYTES
        if self.written == 0:
            self.start = time.monotonic()  # the device starts playing with its first frame
        # Block while the buffer is full, as a sound card would.
        ahead = self.written + frames - self._played() - self.buffer
        if ahead > 0:
            time.sleep(ahead / RATE)
        if self.wav is not None:
            self.wav.writeframesraw(data)
        self.written += frames

    def delay(self) -> int:
        return max(0, self.written - self._played())

    def close(self) -> None:
        if self.wav is not None:
            self.wav.close()
            self.wav = None


@dataclass(frozen=True)
class DeviceSpec:
    """Which device the engine opens: module pulse/alsa/null/file and its device or file."""

    module: str
    device: str = ""
    file: str = ""
    buffer_ms: int = 50

    def describe(self) -> str:
        where = self.device or self.file
        return f"{self.module}:{where}" if where else self.module

    def open(self) -> Device:
        if self.module == "pulse":
            return PulseStream(self.device, buffer_ms=self.buffer_ms)
        if self.module == "alsa":
            return AlsaStream(self.device, buffer_ms=self.buffer_ms)
        if self.module == "file":
            return PacedDevice(Path(self.file), self.buffer_ms)
        return PacedDevice(None, self.buffer_ms)
