"""The real player: libVLC through python-vlc.

One long-lived libVLC instance and media player. Each sequence is rendered into one file
ahead of its start (see render.py), loaded, and started at the instant with play(). The
airing is watched from this side, not only through libVLC's end event: the position must
advance, and the whole must end by a deadline. libVLC callbacks only put events on a queue:
libVLC is not reentrant from its own callbacks.

An output that goes away (the PulseAudio server killed, the sink removed, the sound card
unplugged) does not stop libVLC's clock: the position keeps advancing over a dead output and
the item would be logged as aired. The audio output's own error messages are therefore
taken from libVLC's log, and an item during which the output failed is recorded partial or
failed, naming the output's error.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import queue
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from playout.clock import Clock
from playout.library.ffmpeg import Tools
from playout.model import Outcome
from playout.player import Cue, NowPlaying, Observer
from playout.player.render import LEAD_SILENCE_S, TAIL_SILENCE_S, safe_render

log = logging.getLogger("playout.player")

_libc = ctypes.CDLL(ctypes.util.find_library("c"))
_libc.vsnprintf.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_void_p]
LOG_ERROR = 4  # libVLC's LIBVLC_ERROR level

POLL_S = 0.01
STALL_S = 5.0  # no progress for this long while playing: the output is stuck
DRAIN_S = 0.3  # how long after the last item's end the stream is stopped


@dataclass(frozen=True)
class OutputSpec:
    module: str  # pulse, alsa, null, file
    device: str = ""
    file: str = ""

    def describe(self) -> str:
        return f"{self.module}:{self.device or self.file}" if (self.device or self.file) else self.module

    def vlc_args(self) -> list[str]:
        if self.module == "null":
            return ["--aout=adummy"]
        if self.module == "file":
            return ["--aout=afile", f"--audiofile-file={self.file}", "--audiofile-wav"]
        if self.module == "alsa":
            return ["--aout=alsa", f"--alsa-audio-device={self.device or 'default'}"]
        return ["--aout=pulse"]


class VlcPlayer:
    def __init__(self, spec: OutputSpec, clock: Clock, tools: Tools, workdir: Path | None = None) -> None:
        import vlc  # imported here so that machines without libVLC can still run everything else

        self._vlc = vlc
        self.spec = spec
        self.output = spec.describe()
        self.clock = clock
        self.tools = tools
        self.workdir = workdir or Path(tempfile.gettempdir())
        env_sink = spec.device if spec.module == "pulse" and spec.device else None
        if env_sink:
            os.environ["PULSE_SINK"] = env_sink
        # No Lua scripts and no metadata look-ups: a player on air needs neither, and they
        # start extra threads on every new stream.
        self.instance = vlc.Instance(["--no-video", "--quiet", "--no-xlib", "--no-stats", "--no-lua",
                                      "--no-metadata-network-access", *spec.vlc_args()])  # fmt: skip
        if self.instance is None:
            raise RuntimeError("libVLC could not start (is vlc-plugin-base installed?)")
        self.mp = self.instance.media_player_new()
        self.events: queue.Queue[str] = queue.Queue()
        em = self.mp.event_manager()
        em.event_attach(vlc.EventType.MediaPlayerEndReached, lambda _e: self.events.put("end"))
        em.event_attach(vlc.EventType.MediaPlayerEncounteredError, lambda _e: self.events.put("error"))
        self.output_errors: queue.Queue[str] = queue.Queue()
        get_object = vlc.dll.libvlc_log_get_object
        get_object.argtypes = [ctypes.c_void_p, *[ctypes.POINTER(ctypes.c_char_p)] * 2, ctypes.POINTER(ctypes.c_uint)]
        get_object.restype = None
        self._log_object = get_object
        self._log_cb = vlc.CallbackDecorators.LogCb(self._on_log)  # kept: libVLC holds only the pointer
        self.instance.log_set(self._log_cb, None)
        self._lock = threading.Lock()
        self._now: NowPlaying | None = None
        self._request: tuple[str, str] | None = None  # (what, reason): skip, interrupt, stop_after
        self._busy = False  # from the moment play() is called: rendering and pre-roll included

    # -- control from other threads -----------------------------------------------------

    def _ask(self, what: str, reason: str) -> bool:
        with self._lock:
            if self._now is None and not self._busy:
                return False
            self._request = (what, reason)
            return True

    def skip(self) -> bool:
        return self._ask("skip", "skipped by the technician")

    def interrupt(self, reason: str) -> bool:
        return self._ask("interrupt", reason)

    def stop_after_current(self, reason: str) -> None:
        self._ask("stop_after", reason)

    def now_playing(self) -> NowPlaying | None:
        with self._lock:
            return None if self._now is None else NowPlaying(**vars(self._now))

    def _on_log(self, _data, level, ctx, fmt, args) -> None:  # noqa: ANN001
        """libVLC's log, from its threads: only errors of the audio output are kept."""
        if level < LOG_ERROR:
            return
        name, header, oid = ctypes.c_char_p(), ctypes.c_char_p(), ctypes.c_uint()
        self._log_object(ctypes.cast(ctx, ctypes.c_void_p), ctypes.byref(name), ctypes.byref(header), ctypes.byref(oid))
        if name.value != b"audio output":
            return
        buf = ctypes.create_string_buffer(256)
        _libc.vsnprintf(buf, len(buf), fmt, args)
        self.output_errors.put(buf.value.decode("utf-8", "replace"))

    def close(self) -> None:
        self.instance.log_unset()
        self.mp.stop()
        self.mp.release()
        self.instance.release()

    # -- playing ------------------------------------------------------------------------

    def play(self, cues: list[Cue], start_at: datetime, observer: Observer) -> None:
        # A request that comes while the sequence is rendered or waits for its instant (an
        # emergency during the pre-roll) is kept for it, not lost.
        with self._lock:
            self._busy, self._request = True, None
        try:
            self._render_and_play(cues, start_at, observer)
        finally:
            with self._lock:
                self._busy, self._request = False, None

    def _render_and_play(self, cues: list[Cue], start_at: datetime, observer: Observer) -> None:
        fd, name = tempfile.mkstemp(suffix=".flac", prefix="playout-seq-", dir=self.workdir)
        os.close(fd)
        rendered = Path(name)
        try:
            files = [i for i, c in enumerate(cues) if c.relay is None]
            for i in (i for i, c in enumerate(cues) if c.relay is not None):
                observer.ended(i, Outcome.FAILED, 0, 'a relay needs the output engine ([output] engine = "stream")',
                               self.clock.now())  # fmt: skip
            kept, failed = safe_render(self.tools, [cues[i].path for i in files], rendered,
                                       [cues[i].channels for i in files])  # fmt: skip
            for index, reason in failed.items():
                observer.ended(files[index], Outcome.FAILED, 0, f"cannot decode: {reason}", self.clock.now())
            if kept:
                self._play_rendered(rendered, [cues[files[i]] for i in kept], [files[i] for i in kept], start_at,
                                    observer)  # fmt: skip
        finally:
            rendered.unlink(missing_ok=True)

    def _play_rendered(self, path: Path, cues: list[Cue], indexes: list[int], start_at: datetime,
                       observer: Observer) -> None:  # fmt: skip
        vlc = self._vlc
        lead = round(LEAD_SILENCE_S * 1000)
        offsets = [lead]
        for c in cues:
            offsets.append(offsets[-1] + c.duration_ms)
        total = offsets[-1]
        media = self.instance.media_new(str(path))
        self.mp.set_media(media)
        media.release()
        for q in (self.events, self.output_errors):
            while not q.empty():
                q.get_nowait()
        # The stream starts with LEAD_SILENCE_S of silence: start it that much early, so the
        # first item's sound is on the instant. t0 is when position 0 of the stream plays.
        self.clock.sleep_until(start_at - timedelta(milliseconds=lead))
        with self._lock:
            request = self._request
        if request and request[0] == "interrupt":  # interrupted before a sound: nothing plays
            for i in indexes:
                observer.ended(i, Outcome.SKIPPED, 0, request[1], self.clock.now())
            return
        t0 = self.clock.now()
        m0 = time.monotonic()
        if self.mp.play() != 0:
            for n, i in enumerate(indexes):
                observer.ended(i, Outcome.FAILED, 0, "libVLC could not start playback", self.clock.now())
            return
        current = 0
        self.clock.sleep_until(t0 + timedelta(milliseconds=lead))
        observer.started(indexes[0], self.clock.now())
        last_pos, last_move = 0, m0
        deadline = m0 + total / 1000 + TAIL_SILENCE_S + 10

        def at(ms: int) -> datetime:
            return t0 + timedelta(milliseconds=ms)

        def finish_rest(outcome_first: Outcome, played: int, reason: str) -> None:
            observer.ended(indexes[current], outcome_first, played, reason, self.clock.now())
            for n in range(current + 1, len(cues)):
                observer.ended(indexes[n], Outcome.SKIPPED, 0, reason, self.clock.now())

        while True:
            with self._lock:
                self._now = NowPlaying(indexes[current], cues[current].label,
                                       max(0, last_pos - offsets[current]), cues[current].duration_ms)  # fmt: skip
                request, self._request = self._request, None
            pos = max(self.mp.get_time(), 0)
            mono = time.monotonic()
            if pos > last_pos:
                last_pos, last_move = pos, mono
            event = None if self.events.empty() else self.events.get_nowait()
            played = max(0, min(pos, offsets[current + 1]) - offsets[current])
            if request and request[0] == "interrupt":
                self.mp.stop()
                finish_rest(Outcome.INTERRUPTED, played, request[1])
                break
            if request and request[0] == "skip":
                observer.ended(indexes[current], Outcome.INTERRUPTED, played, request[1], self.clock.now())
                current += 1
                if current == len(cues):
                    self.mp.stop()
                    break
                self.mp.set_time(offsets[current])
                last_pos = offsets[current]
                observer.started(indexes[current], self.clock.now())
                continue
            if request and request[0] == "stop_after":
                stop_after = request[1]
                with self._lock:
                    self._request = ("stop_after", stop_after)  # keep it until the item ends
            while current < len(cues) and pos >= offsets[current + 1]:
                observer.ended(indexes[current], Outcome.AIRED, cues[current].duration_ms, None, at(offsets[current + 1]))
                current += 1
                with self._lock:
                    pending = self._request
                if current < len(cues) and pending and pending[0] == "stop_after":
                    self.mp.stop()
                    for n in range(current, len(cues)):
                        observer.ended(indexes[n], Outcome.SKIPPED, 0, pending[1], self.clock.now())
                    current = len(cues)
                    break
                if current < len(cues):
                    observer.started(indexes[current], at(offsets[current]))
            if current == len(cues):
                # Let the last item's sound leave the output before stopping the stream.
                remaining = (t0 + timedelta(milliseconds=total) - self.clock.now()).total_seconds() + DRAIN_S
                if remaining > 0 and self.mp.get_state() == vlc.State.Playing:
                    time.sleep(remaining)
                self.mp.stop()
                break
            if not self.output_errors.empty():
                error = self.output_errors.get_nowait()
                log.error("the output %s failed: %s", self.output, error)
                self.mp.stop()
                finish_rest(Outcome.PARTIAL if played else Outcome.FAILED, played, f"the output failed: {error}")
                break
            if event == "error" or self.mp.get_state() == vlc.State.Error:
                self.mp.stop()
                finish_rest(Outcome.PARTIAL if played else Outcome.FAILED, played, "libVLC reported an error")
                break
            if event == "end" and pos < offsets[-1] - 500:
                self.mp.stop()
                finish_rest(Outcome.PARTIAL, played, "the stream ended early")
                break
            if mono - last_move > STALL_S or mono > deadline:
                self.mp.stop()
                finish_rest(Outcome.PARTIAL, played, "playback stalled (the output stopped taking audio)")
                break
            time.sleep(POLL_S)
        with self._lock:
            self._now = None
            self._request = None
