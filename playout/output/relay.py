"""Relays: a programme from elsewhere (the province's stream, VOV, an FM receiver on line-in)
aired live, on the instant and for its length.

Two halves, one on each side of the output engine's pipe:

- `RelayFeed` (in the daemon) keeps the source connected from the lead time to the relay's
  end: ffmpeg reads the stream or the capture device and writes raw frames into a named
  pipe; when ffmpeg exits (the source went away) it is started again every RETRY_S seconds.
- `LiveSource` (in the output engine) drains that pipe every block, so the source never backs
  up, keeps only the freshest half second before the relay starts (it starts at the live
  edge, not at Icecast's burst), and gives the engine what it has for each block: what is
  missing airs as silence. It also keeps the record: frames of the source that aired, and
  each dropout (the source silent or gone for DROPOUT_S or more), from and to, in stream
  frames the engine turns into times at the output. Given the station's fallback clip
  (decoded to raw frames), a dropout airs it, looped, instead of silence, until the source
  is back.
"""

from __future__ import annotations

import errno
import logging
import mmap
import os
import subprocess
import threading
import time
from pathlib import Path

import numpy as np

from playout.model import describe_source
from playout.output.devices import FRAME_BYTES, RATE

log = logging.getLogger(__name__)

KEEP = RATE // 2  # frames of the source kept ahead before the relay starts (jitter room)
MAX_AHEAD = RATE * 3 // 2  # more than this waiting means the source came in a burst: skip to its edge
DROPOUT_S = 3.0  # the source silent or gone this long is a dropout on record
SILENCE = 10 ** (-50 / 20) * 32768  # below -50 dBFS (RMS) is silence
FADE_OUT = RATE // 2  # a relay ends with a half-second fade
RETRY_S = 3.0  # a source that went away is tried again this often
UP_S = 3.0  # a source read this long without failing counts as back
READ_MAX = 1 << 16
ADAPT_S = 2  # a microphone's feed: how long its lowest level is watched before a trim
TRIM_MIN = RATE // 20  # and how much more than needed (50 ms) it must have had throughout


class LiveSource:
    """The engine's end of a relay: non-blocking reads from the feed's named pipe."""

    def __init__(self, path: str, frames: int, keep: int = KEEP, max_ahead: int = MAX_AHEAD, adapt: bool = False,
                 fallback: str | None = None) -> None:  # fmt: skip
        self.path = path
        self.frames = frames  # the item's length at the output
        # Jitter room: a relay keeps half a second; a microphone on the page less, for a
        # shorter delay (its chunks come every 100 ms), and skips to its edge sooner.
        self.keep, self.max_ahead = keep, max(max_ahead, keep)
        # A microphone's delay must not stay longer after one late chunk: when for ADAPT_S
        # the feed never ran lower than half its jitter room plus TRIM_MIN, the excess goes.
        self.adapt = adapt
        self._low: int | None = None
        self._seen = 0
        self.trimmed = 0  # frames of the source cut to bring the delay back
        self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        self.buf = bytearray()
        self.started = False
        self.out = 0  # frames of the item written so far
        self.aired = 0  # of which frames of the source (not silence for want of it, not in a dropout)
        self.bad_from: int | None = None  # item frame where the source last went silent or away
        self.dropouts: list[tuple[int, int | None]] = []  # item frames, from-to (None: still on)
        self._in_dropout = False
        self.done = False
        self._pending_aired = 0  # source frames of the current bad stretch, not yet known to be a dropout
        self.base = 0  # the stream frame of the item's first frame
        # Dead air is what a listener must never hear for long: once the source has been
        # gone DROPOUT_S (a shorter lull is the source's own pause), the fallback clip airs,
        # from its start at each dropout and looped for as long as it lasts, and the source
        # cuts back in the moment it is heard again.
        self.fallback = self._load(fallback)
        self._fb_pos = 0
        self.fallback_aired = 0  # frames of the fallback clip aired in dropouts

    @staticmethod
    def _load(path: str | None) -> bytes | mmap.mmap | None:
        if not path:
            return None
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size - os.fstat(f.fileno()).st_size % FRAME_BYTES
            return mmap.mmap(f.fileno(), size, access=mmap.ACCESS_READ) if size else None

    def drain(self) -> None:
        """Read what the feed has written; before the start keep only the freshest KEEP."""
        while True:
            try:
                chunk = os.read(self.fd, READ_MAX)
            except OSError as exc:
                if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                    break
                raise
            if not chunk:
                break  # no writer just now (the feed is between tries)
            self.buf += chunk
        limit = self.keep if not self.started else self.max_ahead
        if len(self.buf) > limit * FRAME_BYTES:
            keep = self.keep * FRAME_BYTES
            cut = len(self.buf) - keep
            del self.buf[: cut - cut % FRAME_BYTES]

    def take(self, n: int, stream_frame: int) -> bytes:
        """The next n frames of the item: the source where it has them, silence elsewhere,
        the end faded; the record kept."""
        if not self.started:
            self.started, self.base = True, stream_frame
        if self.adapt:
            self._adapt(n)
        have = min(n, len(self.buf) // FRAME_BYTES)
        chunk = bytes(self.buf[: have * FRAME_BYTES]) + bytes((n - have) * FRAME_BYTES)
        del self.buf[: have * FRAME_BYTES]
        samples = np.frombuffer(chunk, dtype="<i2")
        quiet = have < n or n == 0 or float(np.sqrt(np.mean(samples.astype(np.float32) ** 2))) < SILENCE
        was_in = self._in_dropout
        self._account(have, n, quiet)
        if self._in_dropout and self.fallback is not None:
            chunk = self._fill(n, restart=not was_in)
            samples = np.frombuffer(chunk, dtype="<i2")
        start = self.out
        self.out += n
        if self.out > self.frames - FADE_OUT:  # the last half second fades to nothing
            pos = np.arange(start, start + n)
            gain = np.clip((self.frames - pos) / FADE_OUT, 0.0, 1.0).repeat(2)
            chunk = (samples * gain).astype("<i2").tobytes()
        return chunk

    def _fill(self, n: int, restart: bool) -> bytes:
        """n frames of the fallback clip, from its start at a new dropout, looped."""
        assert self.fallback is not None
        if restart:
            self._fb_pos = 0
        size = len(self.fallback) // FRAME_BYTES
        out = bytearray()
        while len(out) < n * FRAME_BYTES:
            take = min(n - len(out) // FRAME_BYTES, size - self._fb_pos)
            out += self.fallback[self._fb_pos * FRAME_BYTES:(self._fb_pos + take) * FRAME_BYTES]
            self._fb_pos = (self._fb_pos + take) % size
        self.fallback_aired += n
        return bytes(out)

    def _adapt(self, n: int) -> None:
        level = len(self.buf) // FRAME_BYTES
        self._low = level if self._low is None else min(self._low, level)
        self._seen += n
        if self._seen >= ADAPT_S * RATE:
            excess = self._low - self.keep // 2
            if excess > TRIM_MIN:
                del self.buf[: excess * FRAME_BYTES]
                self.trimmed += excess
            self._low, self._seen = None, 0

    def _account(self, have: int, n: int, quiet: bool) -> None:
        if quiet:
            if self.bad_from is None:
                self.bad_from, self._pending_aired = self.out, 0
            self._pending_aired += have
            if not self._in_dropout and self.out + n - self.bad_from >= DROPOUT_S * RATE:
                self._in_dropout = True
                self.dropouts.append((self.bad_from, None))
            return
        self._end_bad()
        self.aired += have

    def _end_bad(self) -> None:
        """The source is back (or the item over): a dropout ends here; a shorter lull was
        the source's own, and what it gave aired."""
        if self.bad_from is None:
            return
        if self._in_dropout:
            self.dropouts[-1] = (self.bad_from, self.out)
        else:
            self.aired += self._pending_aired
        self.bad_from, self._in_dropout = None, False

    def end_soon(self) -> int:
        """The speaker pressed stop: the item ends FADE_OUT from here, faded (its new length)."""
        self.frames = max(self.out, min(self.frames, self.out + FADE_OUT))
        return self.frames

    def finish(self) -> None:
        """The item ended (its length, a skip, an interrupt): the record closes here."""
        self._end_bad()
        self.done = True

    def close(self) -> None:
        try:
            os.close(self.fd)
        except OSError:
            pass
        if isinstance(self.fallback, mmap.mmap):
            self.fallback.close()
        self.fallback = None


# A stream's Content-Type, as ffmpeg's demuxer: told the format, ffmpeg starts at once; left
# to probe an Icecast MP3 stream joined mid-way it reads some 64 KB first (8 s at 64 kbit/s).
FORMATS = {"audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/aac": "aac", "audio/aacp": "aac", "audio/ogg": "ogg",
           "application/ogg": "ogg", "audio/opus": "ogg"}  # fmt: skip


def stream_format(url: str, timeout: float = 3.0) -> str | None:
    """The ffmpeg format of an HTTP stream, from the server's Content-Type (None: let
    ffmpeg probe; an HLS playlist, a server that does not say, a source not reachable now)."""
    import urllib.request

    if not url.startswith(("http://", "https://")):
        return None
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Icy-MetaData": "0"}), timeout=timeout) as r:
            kind = (r.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    except (OSError, ValueError):
        return None
    return FORMATS.get(kind)


def feed_args(ffmpeg: str, source: str, line_in: str | None, fmt: str | None = None) -> list[str]:
    """ffmpeg reading the source, writing raw 48 kHz stereo s16 to stdout."""
    out = ["-vn", "-ac", "2", "-ar", str(RATE), "-f", "s16le", "-"]
    if source == "line-in":
        if not line_in:
            raise ValueError("no line-in device is configured ([relay] line_in)")
        kind, _, device = line_in.partition(":")
        if kind not in ("pulse", "alsa") or not device:
            raise ValueError(f"line-in device {line_in!r}: expected pulse:SOURCE or alsa:DEVICE")
        return [ffmpeg, "-nostdin", "-v", "error", "-f", kind, "-i", device, *out]
    net = ["-reconnect", "1", "-reconnect_streamed", "1", "-reconnect_delay_max", "2", "-rw_timeout", "5000000"] \
        if source.startswith(("http://", "https://")) else []  # fmt: skip
    known = ["-f", fmt, "-fflags", "nobuffer", "-probesize", "32", "-analyzeduration", "0"] if fmt else []
    return [ffmpeg, "-nostdin", "-v", "error", *net, *known, "-i", source, *out]


class RelayFeed:
    """The daemon's end of a relay: the source kept connected into a named pipe."""

    def __init__(self, ffmpeg: str, source: str, fifo: Path, line_in: str | None = None) -> None:
        feed_args(ffmpeg, source, line_in)  # a line-in without a device fails here, at once
        self.ffmpeg, self.source, self.line_in = ffmpeg, source, line_in
        self.shown = describe_source(source)
        self.fifo = fifo
        os.mkfifo(fifo, 0o600)
        # Held open for reading here too, so opening it for writing never blocks and a feed
        # between two tries does not look like the end of the pipe to anyone.
        self._hold = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        self._stop = threading.Event()
        self.proc: subprocess.Popen | None = None
        self.state = "connecting"
        self.lost_since: float | None = None  # wall time (time.time) the source went away
        # Connected but not heard: the engine says when the source went silent (a dropout,
        # DROPOUT_S or more below SILENCE) and when it is heard again.
        self.silent_since: float | None = None
        self.tries = 0
        self._thread = threading.Thread(target=self._run, name="relay-feed", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.tries += 1
            args = feed_args(self.ffmpeg, self.source, self.line_in, stream_format(self.source))
            if self._stop.is_set():
                break
            out = os.open(self.fifo, os.O_WRONLY)
            try:
                self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                             start_new_session=True)  # only playout ends it (see output/player.py)  # fmt: skip
            finally:
                os.close(out)
            self.state = "on"
            try:  # a source that stays up a few seconds is back
                self.proc.wait(timeout=UP_S)
            except subprocess.TimeoutExpired:
                self.lost_since = None
            _, err = self.proc.communicate()
            if self._stop.is_set():
                break
            self.state = "lost"
            self.lost_since = self.lost_since or time.time()
            log.warning("relay source %s went away (%s); trying again in %.0f s", self.shown,
                        (err or b"").decode(errors="replace").strip().splitlines()[-1:] or "ended", RETRY_S)  # fmt: skip
            self._stop.wait(RETRY_S)

    def close(self) -> None:
        self._stop.set()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._thread.join(5)
        os.close(self._hold)
        self.fifo.unlink(missing_ok=True)



class PushFeed:
    """A live feed the daemon writes itself (the web page's microphone): the same named pipe
    a `LiveSource` reads, fed with whatever PCM arrives. Writes never block: while nothing
    reads yet (a normal-level live waiting for the airing before it) the pipe fills and what
    does not fit is dropped; the engine starts from the freshest `keep_ms` all the same."""

    KEEP_MS = 200  # jitter room: chunks come every 100 ms
    MAX_MS = 600  # more than this waiting (a stall caught up): skip to the edge

    def __init__(self, fifo: Path, shown: str) -> None:
        import fcntl

        self.fifo = fifo
        self.shown = shown
        self.lost_since: float | None = None  # as a RelayFeed's: a push feed is never "lost"
        os.mkfifo(fifo, 0o600)
        self._hold = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        self._out = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        try:  # room for a second of stereo: a late read by the engine loses nothing
            fcntl.fcntl(self._out, 1031, 1 << 18)  # F_SETPIPE_SZ
        except OSError:
            pass
        self.dropped = 0  # bytes that found the pipe full
        self._pending = bytearray()
        self._written = 0
        self.session: tuple[object, int, int] | None = None  # (player, session id, item) once sent
        self.started_ns: int | None = None  # wall time the item's first frame came out
        self.started_frame: int | None = None  # and its frame in the output stream
        self.finished = False
        self._lock = threading.Lock()

    def write(self, pcm: bytes) -> None:
        """Stereo frames into the pipe; what it cannot take now waits (up to a second, the
        oldest dropped beyond that, whole frames only, so the stream never loses its frame
        alignment)."""
        with self._lock:
            if self._out < 0:
                return
            self._pending += pcm
            try:
                n = os.write(self._out, self._pending)
            except BlockingIOError:
                n = 0
            self._written += n
            del self._pending[:n]
            excess = len(self._pending) - RATE * FRAME_BYTES
            if excess > 0:
                head = -self._written % FRAME_BYTES  # the rest of a frame begun in the pipe
                cut = excess + -excess % FRAME_BYTES
                del self._pending[head: head + cut]
                self.dropped += cut

    def close(self) -> None:
        with self._lock:
            for fd in (self._out, self._hold):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self._out = self._hold = -1
        self.fifo.unlink(missing_ok=True)
