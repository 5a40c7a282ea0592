"""Audio devices the output engine writes to, each able to say when a written frame will play.

Every device takes interleaved signed 16-bit frames at one rate and answers `delay()`: how
many frames written so far have not yet come out of it. That figure is the device's own
(libpulse's stream latency, ALSA's `snd_pcm_delay`), so the engine can place a sample at an
instant without assuming a latency, and can say, from frames consumed, what really played.

The bindings are ctypes over the system libraries (libpulse-simple, libasound): no compiler
at install, and every call that blocks releases the GIL.
"""

from __future__ import annotations

import base64
import collections
import ctypes
import ctypes.util
import os
import select
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
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
        self._emit(data)
        self.written += frames

    def _emit(self, data: bytes) -> None:
        """Where the paced frames go: nowhere, or the WAV file."""
        if self.wav is not None:
            self.wav.writeframesraw(data)

    def delay(self) -> int:
        return max(0, self.written - self._played())

    def close(self) -> None:
        if self.wav is not None:
            self.wav.close()
            self.wav = None


# -- Icecast: a mount that IP loudspeakers pull -------------------------------------------------

CONNECT_S = 3.0  # reaching the Icecast server
STALL_S = 2.0  # the encoder not taking frames for this long is a failed output
CODECS = {
    # codec: ffmpeg encoder and container, and the content type Icecast announces.
    "mp3": (["-c:a", "libmp3lame", "-f", "mp3"], "audio/mpeg"),
    "opus": (["-c:a", "libopus", "-application", "voip", "-f", "ogg"], "audio/ogg"),
}


@dataclass(frozen=True)
class IcecastTarget:
    """An Icecast mount from `icecast://source:PASSWORD@host:port/mount` (or the same in
    http:// form), as ffmpeg's icecast output takes it."""

    user: str
    password: str
    host: str
    port: int
    mount: str

    @classmethod
    def parse(cls, url: str) -> IcecastTarget:
        u = urllib.parse.urlsplit(url.strip())
        if u.scheme not in ("icecast", "http") or not u.hostname or not u.path.strip("/"):
            raise ValueError("an Icecast mount is icecast://source:PASSWORD@host:port/mount")
        try:
            port = u.port or 8000
        except ValueError as exc:
            raise ValueError(f"bad port in {url!r}") from exc
        return cls(urllib.parse.unquote(u.username or "source"), urllib.parse.unquote(u.password or ""),
                   u.hostname, port, "/" + u.path.strip("/"))  # fmt: skip

    def url(self) -> str:
        user = urllib.parse.quote(self.user, safe="")
        password = urllib.parse.quote(self.password, safe="")
        return f"icecast://{user}:{password}@{self.host}:{self.port}{self.mount}"

    def public(self) -> str:
        """Where listeners pull it; no password, so it may go into logs and status."""
        return f"http://{self.host}:{self.port}{self.mount}"


def describe_output(module: str, device: str) -> str:
    """module:device for logs and status, an Icecast password never in it."""
    if module == "icecast":
        try:
            return f"icecast:{IcecastTarget.parse(device).public()}"
        except ValueError:
            return "icecast:?"
    return f"{module}:{device}" if device else module


class IcecastDevice(PacedDevice):
    """A source connection to one Icecast mount, kept open: an ffmpeg encoder reads the raw
    frames on its stdin and writes MP3 or Opus to a pipe, which a thread sends on to the mount
    over a connection this process opened (`icecast_source`: the password never on a command line).

    It is paced like `PacedDevice` (the encoder and Icecast would take frames as fast as
    they come; listeners need them at real time), so its delay is the frames written that
    real time has not consumed yet: the instant a frame reaches the encoder. What the
    listeners add (Icecast's burst, their own buffer) no device can report; the zone's
    `latency_offset_ms` covers it where it matters. A write the encoder does not take within
    STALL_S, or an encoder gone (Icecast restarted, the mount refused), is a DeviceError:
    the engine reopens, which connects again.
    """

    def __init__(self, url: str, *, codec: str = "mp3", bitrate_kbps: int = 64, channels: int = 1,
                 title: str = "", buffer_ms: int = 50, ffmpeg: str | None = None) -> None:  # fmt: skip
        super().__init__(None, buffer_ms)
        try:
            self.target = IcecastTarget.parse(url)
        except ValueError as exc:
            raise DeviceError(str(exc)) from exc
        self.name = f"icecast:{self.target.public()}"
        if codec not in CODECS:
            raise DeviceError(f"unknown Icecast codec {codec!r} (mp3 or opus)")
        exe = ffmpeg or shutil.which("ffmpeg")
        if exe is None:
            raise DeviceError("ffmpeg is not installed")
        encode, content_type = CODECS[codec]
        # The source connection is this process's, not ffmpeg's: an icecast:// output would put
        # the source password on ffmpeg's command line, which every local account can read
        # (ps). ffmpeg only encodes, to its stdout; a thread sends that on to the mount.
        self.sock = icecast_source(self.target, content_type, title or "playout")
        # No probing: the input's format is given, and the encoder starts at once.
        args = [exe, "-nostdin", "-hide_banner", "-v", "error", "-probesize", "32", "-analyzeduration", "0",
                "-fflags", "nobuffer", "-f", "s16le", "-ar", str(RATE), "-ac", str(CHANNELS),
                "-i", "pipe:0", "-ac", str(channels), "-b:a", f"{bitrate_kbps}k", *encode,
                "-flush_packets", "1", "pipe:1"]  # fmt: skip
        # Its own session, as the engine's (see output/player.py): only the engine ends it.
        try:
            self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         start_new_session=True)  # fmt: skip
        except OSError as exc:
            self.sock.close()
            raise DeviceError(f"cannot start the encoder: {exc}") from exc
        assert self.proc.stdin is not None and self.proc.stdout is not None and self.proc.stderr is not None
        self.fd = self.proc.stdin.fileno()
        os.set_blocking(self.fd, False)
        self.errors: collections.deque[str] = collections.deque(maxlen=5)
        threading.Thread(target=self._read_errors, args=(self.proc.stderr,), daemon=True).start()
        self._sender = threading.Thread(target=self._send, args=(self.proc.stdout,), daemon=True)
        self._sender.start()

    def _read_errors(self, stream) -> None:  # noqa: ANN001
        for line in stream:
            text = line.decode("utf-8", "replace").strip()
            if text:
                self.errors.append(text)

    def _send(self, stream) -> None:  # noqa: ANN001
        """The encoder's output to the mount, as it comes. The server gone ends the encoder,
        so the next write or delay is a DeviceError saying why."""
        fd = stream.fileno()
        try:
            while data := os.read(fd, 1 << 16):
                self.sock.sendall(data)
        except OSError as exc:
            self.errors.append(f"the connection to the server was lost ({exc.strerror or exc})")
            try:
                self.proc.kill()
            except OSError:
                pass
        finally:
            stream.close()

    def _why(self) -> str:
        last = self.errors[-1] if self.errors else "the encoder stopped"
        return f"Icecast {self.target.public()}: {last}"

    def _emit(self, data: bytes) -> None:
        view = memoryview(data)
        deadline = time.monotonic() + STALL_S
        while view:
            if self.proc.poll() is not None:
                time.sleep(0.05)  # let its last words arrive
                raise DeviceError(self._why())
            try:
                n = os.write(self.fd, view)
                view = view[n:]
                continue
            except BlockingIOError:
                pass
            except (BrokenPipeError, OSError) as exc:
                self.proc.wait(timeout=2)
                raise DeviceError(self._why()) from exc
            left = deadline - time.monotonic()
            if left <= 0:
                raise DeviceError(f"Icecast {self.target.public()}: the encoder has not taken audio for {STALL_S:.0f} s")
            select.select([], [self.fd], [], min(left, 0.1))

    def delay(self) -> int:
        if self.proc.poll() is not None:
            raise DeviceError(self._why())
        return super().delay()

    def close(self) -> None:
        try:
            self.proc.stdin.close()  # type: ignore[union-attr]
        except OSError:
            pass
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._sender.join(timeout=2)
        self.sock.close()


SOURCE_REPLIES = {401: "the source password was refused", 403: "the mount is in use or not allowed"}


def icecast_source(target: IcecastTarget, content_type: str, name: str) -> socket.socket:
    """A source connection to the mount, open and accepted (Icecast 2.4's HTTP PUT, with
    `Expect: 100-continue` so that a refusal comes before any audio): the socket to send the
    encoded stream on. A refusal or an unreachable server is a DeviceError saying which, the
    password never in it."""
    where = f"Icecast {target.public()}"
    try:
        sock = socket.create_connection((target.host, target.port), timeout=CONNECT_S)
    except OSError as exc:
        raise DeviceError(f"{where} is unreachable: {exc.strerror or exc}") from exc
    login = base64.b64encode(f"{target.user}:{target.password}".encode()).decode("ascii")
    head = (f"PUT {urllib.parse.quote(target.mount)} HTTP/1.1\r\n"
            f"Host: {target.host}:{target.port}\r\n"
            f"Authorization: Basic {login}\r\n"
            f"User-Agent: playout\r\n"
            f"Content-Type: {content_type}\r\n"
            f"Ice-Name: {_header_text(name)}\r\nIce-Description: {_header_text(name)}\r\nIce-Public: 0\r\n"
            f"Expect: 100-continue\r\n\r\n")  # fmt: skip
    try:
        sock.sendall(head.encode("utf-8"))
        reply = b""
        while b"\r\n\r\n" not in reply and len(reply) < 8192:
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    except OSError as exc:
        sock.close()
        raise DeviceError(f"{where}: no answer to the source connection ({exc.strerror or exc})") from exc
    status = reply.split(b"\r\n", 1)[0].decode("latin-1", "replace").strip()
    parts = status.split(" ", 2)
    code = int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else 0
    if code not in (100, 200):
        sock.close()
        why = SOURCE_REPLIES.get(code) or (f"the server answered {status!r}" if status else "the server closed the connection")
        raise DeviceError(f"{where}: {why}")
    sock.settimeout(STALL_S)  # a server that stops taking the stream is a failed output
    return sock


def _header_text(text: str) -> str:
    """A name for an HTTP header: one line (Icecast keeps its bytes, UTF-8, as ffmpeg sent them)."""
    return " ".join(text.split())


def set_icecast_title(url: str, title: str, timeout_s: float = 2.0) -> str | None:
    """Set the mount's title (what listeners' players show) through Icecast's admin
    interface, with the source credentials. Why not, if it fails."""
    try:
        t = IcecastTarget.parse(url)
    except ValueError as exc:
        return str(exc)
    query = urllib.parse.urlencode({"mount": t.mount, "mode": "updinfo", "song": title, "charset": "UTF-8"})
    req = urllib.request.Request(f"http://{t.host}:{t.port}/admin/metadata?{query}")
    mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    mgr.add_password(None, f"http://{t.host}:{t.port}/", t.user, t.password)
    opener = urllib.request.build_opener(urllib.request.HTTPBasicAuthHandler(mgr))
    try:
        with opener.open(req, timeout=timeout_s) as resp:
            resp.read()
        return None
    except OSError as exc:
        return str(exc)


@dataclass(frozen=True)
class DeviceSpec:
    """Which device the engine opens: module pulse/alsa/null/file/icecast and its device
    (an Icecast mount's URL for icecast) or file; for icecast, how it is encoded."""

    module: str
    device: str = ""
    file: str = ""
    buffer_ms: int = 50
    codec: str = "mp3"
    bitrate_kbps: int = 64
    channels: int = 1
    title: str = ""

    def describe(self) -> str:
        if self.module == "icecast" or not self.file:
            return describe_output(self.module, self.device)
        return f"{self.module}:{self.file}"

    def open(self) -> Device:
        if self.module == "pulse":
            return PulseStream(self.device, buffer_ms=self.buffer_ms)
        if self.module == "alsa":
            return AlsaStream(self.device, buffer_ms=self.buffer_ms)
        if self.module == "file":
            return PacedDevice(Path(self.file), self.buffer_ms)
        if self.module == "icecast":
            return IcecastDevice(self.device, codec=self.codec, bitrate_kbps=self.bitrate_kbps, channels=self.channels,
                                 title=self.title, buffer_ms=self.buffer_ms)  # fmt: skip
        return PacedDevice(None, self.buffer_ms)
