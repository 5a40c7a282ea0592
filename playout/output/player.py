"""The daemon's side of the output engine: a `Player` that hands sessions to it.

Each session is decoded by ffmpeg, item by item, into one file of raw frames (48 kHz,
16-bit stereo) while it waits for its instant, so the engine only copies frames; the item
boundaries are exact frame counts, so a sequence's junctions are sample-exact. What the log
records (when each item's sound came out, how much of it, and how it ended) is what the
engine reports from the device's own figures.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playout.clock import Clock, wall_ns
from playout.library.ffmpeg import Tools, run
from playout.model import Outcome, describe_source
from playout.output.devices import FRAME_BYTES, RATE, DeviceSpec
from playout.output.relay import PushFeed, RelayFeed
from playout.player import Cue, NowPlaying, Observer

log = logging.getLogger("playout.output")

READY_S = 10.0
PREFIX = "playout-seq-"
AHEAD_S = 900.0  # a clip decoded ahead and not aired within this is dropped


def decode_to(tools: Tools, cue: Cue, path: Path) -> str | None:
    """Write the cue's audio to path (replacing it) as raw 48 kHz 16-bit stereo; why not, if it fails."""
    # A mono clip goes to both sides at full level (ffmpeg's default upmix is 3 dB down,
    # which would make mono clips quieter than stereo ones after normalisation).
    upmix = "pan=stereo|c0=c0|c1=c0," if cue.channels == 1 else ""
    done = run([tools.ffmpeg, "-nostdin", "-hide_banner", "-v", "error", "-i", str(cue.path), "-vn",
                "-af", f"aresample={RATE},{upmix}aformat=sample_fmts=s16:channel_layouts=stereo",
                "-f", "s16le", "-y", str(path)], timeout_s=300)  # fmt: skip
    if done.returncode != 0 or done.stderr.strip():
        return (done.stderr.strip().splitlines() or ["cannot decode"])[-1]
    return None


def append(src: Path, dest: Path) -> None:
    with dest.open("ab") as out, src.open("rb") as f:
        shutil.copyfileobj(f, out, 1 << 20)


def decode(tools: Tools, cue: Cue, dest: Path) -> str | None:
    """Append the cue's audio to dest as raw 48 kHz 16-bit stereo; why not, if it fails."""
    part = dest.with_suffix(".part")
    try:
        if (problem := decode_to(tools, cue, part)) is None:
            append(part, dest)
        return problem
    finally:
        part.unlink(missing_ok=True)


def resolve_monitor(spec: DeviceSpec, monitor: str) -> str:
    """What the monitor listens to: "" (nothing), or "pulse:SOURCE" / "alsa:DEVICE".
    "auto" is the PulseAudio sink's own monitor, where the output is a PulseAudio sink."""
    monitor = monitor.strip()
    if monitor != "auto":
        return monitor
    if spec.module == "pulse":
        return f"pulse:{spec.device}.monitor" if spec.device else "pulse:@DEFAULT_MONITOR@"
    if spec.module == "alsa" and spec.device == "pulse":
        return "pulse:@DEFAULT_MONITOR@"
    return ""


def _spawn(args: list[str], reader, name: str, env: dict[str, str] | None = None) -> subprocess.Popen:  # noqa: ANN001
    """A helper process spoken to in JSON lines, and the thread that reads what it says."""
    # In a session of its own: a Ctrl-C in the terminal or a stop sent to the daemon's whole
    # process group must reach the daemon only, which ends its helpers itself once the airing
    # it is finishing has ended (they also end when the daemon dies: their input closes).
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8",
                            bufsize=1, env=env or {**os.environ, "PYTHONUNBUFFERED": "1"},
                            start_new_session=True)  # fmt: skip
    threading.Thread(target=reader, args=(proc,), name=name, daemon=True).start()
    return proc


def relay_record(outcome: Outcome, played_ms: int, reason: str | None, relay: dict,
                 shown: str, fallback: str | None = None) -> tuple[Outcome, int, str | None]:  # fmt: skip
    """A relay's record from what the engine saw of its feed: played is the source's time on
    air (not the silence or the fallback clip aired for want of it) and each dropout is said
    from where in the relay it began, for how long, and how long the fallback clip filled
    them. Whole only where the source never dropped out; a source never heard at all is a
    failure (silence, or the fallback clip, aired for the relay's length)."""
    aired_ms = relay["aired"] * 1000 // RATE
    drops = relay["dropouts"]
    length_s = played_ms / 1000
    filled_s = relay.get("fallback", 0) / RATE
    filled = f"the fallback clip {fallback} aired {filled_s:.0f} s" if fallback and filled_s else ""
    if aired_ms == 0 and outcome == Outcome.AIRED:
        return Outcome.FAILED, 0, f"the source {shown} never came: " + (
            f"{filled} in its place" if filled else f"{length_s:.0f} s of silence aired")
    if not drops:
        return outcome, aired_ms, reason
    start = relay["start_ns"]
    parts = [f"at {(a - start) // 1_000_000_000 // 60}:{(a - start) // 1_000_000_000 % 60:02d} for {(b - a) / 1e9:.0f} s"
             for a, b in drops]  # fmt: skip
    text = (f"the source {shown} dropped out {len(drops)} time{'s' if len(drops) > 1 else ''} ({', '.join(parts)});"
            f" {aired_ms / 1000:.0f} of {length_s:.0f} s relayed" + (f"; {filled} in the gaps" if filled else ""))  # fmt: skip
    return (Outcome.PARTIAL if outcome == Outcome.AIRED else outcome), aired_ms, (
        text if reason is None else f"{reason}; {text}")


def _iso(wall_s: float) -> str:
    """A wall time (time.time()) as UTC ISO 8601, to the second."""
    return datetime.fromtimestamp(wall_s, UTC).isoformat(timespec="seconds")


def _to_dt(ns: int) -> datetime:
    return datetime.fromtimestamp(ns / 1e9, UTC)


def _ns(dt: datetime) -> int:
    return round(dt.timestamp() * 1e6) * 1000


class _Ahead:
    """A clip decoded ahead of its session (`StreamPlayer.prepare`): its raw frames, once done."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.done = threading.Event()
        self.problem: str | None = None
        self.made = time.monotonic()


def _ahead_key(cue: Cue) -> tuple | None:
    """The file as it is now: a clip replaced since it was decoded ahead is decoded again."""
    try:
        st = cue.path.stat()
    except OSError:
        return None
    return (str(cue.path), st.st_size, st.st_mtime_ns, cue.channels)


@dataclass
class _Playing:
    id: int
    labels: list[str]
    durations: list[int]
    started: dict[int, datetime]
    events: queue.Queue


class StreamPlayer:
    """Plays through the output engine process (see engine.py)."""

    def __init__(self, spec: DeviceSpec, clock: Clock, tools: Tools, workdir: Path | None = None,
                 latency_offset_ms: int = 0, monitor: str = "", line_in: str | None = None) -> None:  # fmt: skip
        self.spec = spec
        self.line_in = line_in  # the capture device a relay = "line-in" reads (an FM receiver)
        self.output = spec.describe()
        self.clock = clock
        self.tools = tools
        self.workdir = workdir or Path(tempfile.gettempdir())
        # What the device cannot report (an amplifier's or transmitter's own delay), measured
        # once at the loudspeaker: sessions start this much earlier.
        self.offset = timedelta(milliseconds=latency_offset_ms)
        self.monitor_source = resolve_monitor(spec, monitor)
        self.monitor_error: str | None = None
        self.alarm: str | None = None  # the last item the monitor did not hear whole
        self._verifying: dict[tuple[int, int], tuple[Observer, int]] = {}
        self.monitor_proc: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._seq = 0
        self._playing: _Playing | None = None
        self._skew = 0  # the daemon's clock minus the system's wall clock, in ns
        self._busy = False
        self._request: tuple[str, str] | None = None
        self._sessions: dict[int, queue.Queue] = {}
        self._feeds: list[RelayFeed] = []  # relays being aired (or about to be)
        self._ahead: dict[tuple, _Ahead] = {}  # clips decoded ahead of their session
        self.device_error: str | None = None
        self.titles: list[str] = []  # titles set on an Icecast mount, in order
        self.priority: str | None = None
        self._ready = threading.Event()
        self._closing = False
        self.proc: subprocess.Popen | None = None
        self._start_engine()
        if self.monitor_source:
            self._start_monitor()
        if not self._ready.wait(READY_S) or self.device_error:
            log.error("the output %s is not ready: %s", self.output, self.device_error or "no answer from the engine")

    # -- the engine process --------------------------------------------------------------------

    def _start_engine(self) -> None:
        self._ready.clear()
        args = [sys.executable, "-m", "playout.output.engine", "--module", self.spec.module,
                "--buffer-ms", str(self.spec.buffer_ms)]  # fmt: skip
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        if self.spec.module == "icecast":
            env["PLAYOUT_OUTPUT_DEVICE"] = self.spec.device  # it holds the source password
            args += ["--codec", self.spec.codec, "--bitrate-kbps", str(self.spec.bitrate_kbps),
                     "--channels", str(self.spec.channels), "--title", self.spec.title]  # fmt: skip
        elif self.spec.device:
            args += ["--device", self.spec.device]
        if self.spec.file:
            args += ["--file", self.spec.file]
        self.proc = _spawn(args, self._read_events, "output-events", env)

    def _start_monitor(self) -> None:
        self.monitor_proc = _spawn([sys.executable, "-m", "playout.output.monitor", "--source", self.monitor_source],
                                   self._read_monitor, "monitor-events")

    def _tell_monitor(self, **cmd: object) -> None:
        self._send(proc=self.monitor_proc, **cmd)

    def _read_monitor(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if ev.get("ev") == "ready":
                self.monitor_error = None
                log.info("listening to the output on %s", self.monitor_source)
            elif ev.get("ev") == "error":
                self.monitor_error = ev.get("message")
                log.error("the output monitor %s failed: %s", self.monitor_source, self.monitor_error)
            elif ev.get("ev") == "verified":
                with self._lock:
                    found = self._verifying.pop((ev["id"], ev["index"]), None)
                if found is not None:
                    self._verified(found[0], found[1], ev)
        if not self._closing:
            self.monitor_error = self.monitor_error or f"the monitor stopped (exit {proc.wait()})"
            log.error("the output monitor stopped: %s", self.monitor_error)

    def _verified(self, observer: Observer, index: int, ev: dict) -> None:
        onset = _to_dt(ev["onset_ns"] + self._skew) + self.offset if ev.get("onset_ns") else None
        if ev.get("whole"):
            note = None
        elif ev.get("error"):
            note = f"not verified: {ev['error']}"
        elif not ev.get("heard"):
            note = "not heard at the output"
        else:
            note = f"heard with {ev.get('silent_ms')} ms of silence where there should be sound"
            where = []
            if ev.get("silent_at_ms"):
                where.append("from " + ", ".join(f"{ms / 1000:.2f}" for ms in ev["silent_at_ms"]) + " s into it")
            if ev.get("gaps_ms"):  # the output ran dry and played the rest late (or lost some)
                where.append("the rest came after a gap of " + ", ".join(f"{ms} ms" for ms in ev["gaps_ms"]))
            if where:
                note += " (" + "; ".join(where) + ")"
        if ev.get("error"):  # nothing could be judged (the monitor was starting): no verdict
            log.warning("output monitor: item %d of session %d %s", index, ev["id"], note)
        elif note is None:
            self.alarm = None  # heard whole again
        else:
            self.alarm = note
            log.error("output monitor: item %d of session %d %s", index, ev["id"], note)
        verified = getattr(observer, "verified", None)
        if verified is not None:
            verified(index, None if ev.get("error") else bool(ev.get("whole")), onset, note)

    def _send(self, proc: subprocess.Popen | None = None, **cmd: object) -> bool:
        proc = proc or self.proc
        if proc is None or proc.stdin is None:
            return False
        try:
            proc.stdin.write(json.dumps(cmd) + "\n")
            proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError, ValueError):
            return False

    def _read_events(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            kind = ev.get("ev")
            if kind == "hello":
                self.priority = ev.get("priority")
                log.info("output engine for %s started (pid %s, %s)", self.output, ev.get("pid"), self.priority)
            elif kind == "ready":
                if self.device_error:
                    log.warning("the output %s is back", self.output)
                self.device_error = None
                self._ready.set()
            elif kind == "error":
                self.device_error = ev.get("message")
                log.error("the output %s failed: %s", self.output, self.device_error)
                self._ready.set()  # answered: the daemon starts; the engine keeps trying
            elif "id" in ev:
                with self._lock:
                    q = self._sessions.get(ev["id"])
                if q is not None:
                    q.put(ev)
        # The engine is gone: sessions on air end with what was reported; a new engine starts.
        with self._lock:
            waiting = list(self._sessions.values())
        for q in waiting:
            q.put({"ev": "lost"})
        if not self._closing:
            log.error("the output engine for %s stopped (exit %s); starting it again", self.output, proc.wait())
            self._start_engine()

    # -- Player --------------------------------------------------------------------------------

    def _ask(self, what: str, reason: str) -> bool:
        with self._lock:
            if not self._busy:
                return False
            self._request = (what, reason)
            playing = self._playing
        if playing is not None:
            self._send(op=what, id=playing.id, reason=reason)
        return True

    def skip(self) -> bool:
        return self._ask("skip", "skipped by the technician")

    def interrupt(self, reason: str) -> bool:
        return self._ask("interrupt", reason)

    def stop_after_current(self, reason: str) -> None:
        self._ask("stop_after", reason)

    def finish_live(self, feed: PushFeed) -> None:
        """The speaker pressed stop: the microphone's item ends where it is, faded."""
        feed.finished = True
        if feed.session is not None:
            _player, sid, index = feed.session
            self._send(op="finish", id=sid, index=index)

    def now_playing(self) -> NowPlaying | None:
        with self._lock:
            p = self._playing
            if p is None or not p.started:
                return None
            index = max(p.started)
            at = p.started[index]
        position = max(0, int((self.clock.now() - at).total_seconds() * 1000))
        return NowPlaying(index, p.labels[index], min(position, p.durations[index]), p.durations[index])

    @property
    def relay_problem(self) -> str | None:
        """A relay on air whose source is gone: which, and since when (status, Now)."""
        for feed in list(self._feeds):
            if feed.lost_since is not None:
                return f"{feed.shown} ({_iso(feed.lost_since)})"
        return None

    @property
    def relay_silent(self) -> str | None:
        """A relay on air whose source is connected and silent: which, and since when."""
        for feed in list(self._feeds):
            if feed.lost_since is None and feed.silent_since is not None:
                return f"{feed.shown} ({_iso(feed.silent_since)})"
        return None

    @property
    def relays(self) -> list[dict]:
        """Each relay's source being aired (or connected ahead) and its state: connecting,
        on, or lost since when, silent since when (UTC, ISO) (the Now page shows what airs
        with it)."""
        return [{"source": feed.shown, "state": feed.state,
                 "lost_since": None if feed.lost_since is None else _iso(feed.lost_since),
                 "silent_since": None if feed.silent_since is None else _iso(feed.silent_since)}
                for feed in list(self._feeds)]  # fmt: skip

    def prepare(self, cues: list[Cue]) -> None:
        """Decode these clips now, for a session that waits for this output to be free: when
        it is handed over, `play` finds them decoded and only copies their frames, so a
        session due as another ends starts on its instant, not after its decoding. A guess
        (the session's items as things stand): a clip `play` is given that was not prepared
        is decoded then, as always; one prepared and not aired is dropped after `AHEAD_S`."""
        self._drop_ahead(time.monotonic() - AHEAD_S)
        for cue in cues:
            if cue.feed is not None or cue.relay is not None or (key := _ahead_key(cue)) is None:
                continue
            with self._lock:
                if key in self._ahead or self._closing:
                    continue
                fd, name = tempfile.mkstemp(suffix=".pcm", prefix=PREFIX + "ahead-", dir=self.workdir)
                os.close(fd)
                entry = self._ahead[key] = _Ahead(Path(name))
            try:
                entry.problem = decode_to(self.tools, cue, entry.path)
            except Exception as exc:  # noqa: BLE001 - a failed guess: play decodes it again and says why
                entry.problem = str(exc) or type(exc).__name__
            finally:
                entry.done.set()

    def _drop_ahead(self, before: float) -> None:
        with self._lock:
            stale = [k for k, e in self._ahead.items() if e.made < before and e.done.is_set()]
            dropped = [self._ahead.pop(k) for k in stale]
        for entry in dropped:
            entry.path.unlink(missing_ok=True)

    def _decode(self, cue: Cue, dest: Path, again: bool = False) -> str | None:
        """Append the cue's frames to dest: the ones decoded ahead if there are (waiting for a
        decoding still under way), else decoded now. `again`: the session airs the same clip
        later, so what was decoded ahead is kept for it."""
        key = _ahead_key(cue)
        with self._lock:
            if key is None:
                entry = None
            else:
                entry = self._ahead.get(key) if again else self._ahead.pop(key, None)
            # The same file decoded ahead before it changed: no use any more.
            stale = [self._ahead.pop(k) for k, e in list(self._ahead.items())
                     if k[0] == str(cue.path) and k != key and e.done.is_set()]  # fmt: skip
        for old in stale:
            old.path.unlink(missing_ok=True)
        if entry is not None:
            size = dest.stat().st_size
            try:
                if entry.done.wait(300) and entry.problem is None:
                    if size == 0 and not again:
                        os.replace(entry.path, dest)  # the session's first item: no copy
                    else:
                        append(entry.path, dest)
                    return None
            except OSError as exc:
                log.warning("%s: the frames decoded ahead cannot be used (%s); decoding it now", cue.label, exc)
                with dest.open("r+b") as f:  # drop whatever part was copied
                    f.truncate(size)
            finally:
                if not again:
                    entry.path.unlink(missing_ok=True)
        return decode(self.tools, cue, dest)

    def play(self, cues: list[Cue], start_at: datetime, observer: Observer) -> None:
        with self._lock:
            self._busy, self._request = True, None
        try:
            self._play(cues, start_at, observer)
        finally:
            with self._lock:
                self._busy, self._request, self._playing = False, None, None

    def _play(self, cues: list[Cue], start_at: datetime, observer: Observer) -> None:
        fd, name = tempfile.mkstemp(suffix=".pcm", prefix=PREFIX, dir=self.workdir)
        os.close(fd)
        rendered = Path(name)
        feeds: dict[int, RelayFeed] = {}
        fallbacks: dict[int, tuple[Path, str]] = {}  # a relay's fallback clip, decoded, and its title
        try:
            kept: list[int] = []
            frames: list[int] = []
            size = 0
            for i, cue in enumerate(cues):
                if cue.feed is not None:  # the page's microphone: its feed is open, the live session owns it
                    feeds[len(kept)] = cue.feed  # type: ignore[assignment]
                    kept.append(i)
                    frames.append(cue.duration_ms * RATE // 1000)
                    continue
                if cue.relay is not None:  # connected now, during the lead time; aired live
                    try:
                        feed = RelayFeed(self.tools.ffmpeg, cue.relay, rendered.with_suffix(f".relay{i}"), self.line_in)
                    except (OSError, ValueError) as exc:
                        observer.ended(i, Outcome.FAILED, 0, f"cannot relay {describe_source(cue.relay)}: {exc}",
                                       self.clock.now())  # fmt: skip
                        continue
                    feeds[len(kept)] = feed
                    self._feeds.append(feed)
                    if cue.fallback is not None:  # decoded now: a dropout must not wait for ffmpeg
                        fb = rendered.with_suffix(f".relay{i}.fallback")
                        if (problem := decode(self.tools, cue.fallback, fb)) is None:
                            fallbacks[len(kept)] = (fb, cue.fallback.label)
                        else:
                            fb.unlink(missing_ok=True)
                            log.warning("relay %s: the fallback clip cannot be decoded (%s); dropouts air silence",
                                        feed.shown, problem)  # fmt: skip
                    kept.append(i)
                    frames.append(cue.duration_ms * RATE // 1000)
                    continue
                problem = self._decode(cue, rendered, again=any(c.path == cue.path for c in cues[i + 1:]))
                new_size = rendered.stat().st_size
                if problem is not None or new_size == size:
                    with rendered.open("r+b") as f:  # drop whatever a failed decode left
                        f.truncate(size)
                    observer.ended(i, Outcome.FAILED, 0, f"cannot decode: {problem or 'no audio'}", self.clock.now())
                    continue
                kept.append(i)
                frames.append((new_size - size) // FRAME_BYTES)
                size = new_size
            if kept:
                self._air(rendered, [cues[i] for i in kept], kept, frames, start_at, observer, feeds, fallbacks)
        finally:
            for fb, _title in fallbacks.values():
                fb.unlink(missing_ok=True)
            for feed in feeds.values():
                if isinstance(feed, RelayFeed):
                    feed.close()
                    self._feeds.remove(feed)
            rendered.unlink(missing_ok=True)

    def _air(self, path: Path, cues: list[Cue], indexes: list[int], frames: list[int], start_at: datetime,
             observer: Observer, feeds: dict[int, RelayFeed] | None = None,
             fallbacks: dict[int, tuple[Path, str]] | None = None) -> None:  # fmt: skip
        feeds, fallbacks = feeds or {}, fallbacks or {}
        with self._lock:
            request = self._request
        if request and request[0] == "interrupt":  # interrupted while it was prepared: nothing sounded
            for i in indexes:
                observer.ended(i, Outcome.SKIPPED, 0, request[1], self.clock.now())
            return
        events: queue.Queue = queue.Queue()
        with self._lock:
            self._seq += 1
            sid = self._seq
            self._sessions[sid] = events
            self._playing = _Playing(sid, [c.label for c in cues], [f * 1000 // RATE for f in frames], {}, events)
        at = start_at - self.offset
        now = self.clock.now()
        # The engine keeps the system's wall clock; the daemon's clock may be another (a
        # test's, stepped): instants cross between them by the difference read now.
        self._skew = _ns(now) - wall_ns()
        at_ns = None if at <= now else _ns(at) - self._skew
        if self.monitor_proc is not None:
            offset = 0
            for n, f in enumerate(frames):
                if n in feeds:
                    continue  # a relay's sound is not known ahead: nothing to compare with
                self._tell_monitor(op="expect", id=sid, index=n, path=str(path), offset=offset, frames=f)
                offset += f
        items = [{"frames": f, "live": str(feeds[n].fifo)} if n in feeds else f for n, f in enumerate(frames)]
        for n, (fb, _title) in fallbacks.items():
            items[n]["fallback"] = str(fb)  # type: ignore[index]
        for n, feed in feeds.items():
            if isinstance(feed, PushFeed):
                items[n].update(keep_ms=feed.KEEP_MS, max_ms=feed.MAX_MS, adapt=True)  # type: ignore[union-attr]
                feed.session = (self, sid, n)
        if not self._send(op="play", id=sid, path=str(path), at_ns=at_ns, items=items):
            for i in indexes:
                observer.ended(i, Outcome.FAILED, 0, "the output engine is not running", self.clock.now())
            return
        for n, feed in feeds.items():
            if isinstance(feed, PushFeed) and feed.finished:  # stopped while it was prepared
                self._send(op="finish", id=sid, index=n)
        with self._lock:
            request = self._request
        if request is not None:  # asked between the check above and the engine having it
            self._send(op=request[0], id=sid, reason=request[1])
        ended: set[int] = set()
        try:
            while len(ended) < len(indexes):
                ev = events.get()
                kind = ev.get("ev")
                if kind == "started":
                    n = ev["index"]
                    at_dt = _to_dt(ev["at_ns"] + self._skew) + self.offset
                    with self._lock:
                        assert self._playing is not None
                        self._playing.started[n] = at_dt
                    if isinstance(feeds.get(n), PushFeed):  # where the speech starts at the output
                        feeds[n].started_ns, feeds[n].started_frame = ev["at_ns"], ev.get("frame")  # type: ignore[union-attr]
                    observer.started(indexes[n], at_dt)
                    if self.spec.module == "icecast" and self.spec.codec == "mp3":  # Icecast titles MP3 mounts
                        self._announce(cues[n].label)
                    if self.monitor_proc is not None and n not in feeds:
                        with self._lock:
                            self._verifying[(sid, n)] = (observer, indexes[n])
                        self._tell_monitor(op="at", id=sid, index=n, at_ns=ev["at_ns"])
                elif kind == "ended":
                    n = ev["index"]
                    ended.add(n)
                    if self.monitor_proc is not None and n not in feeds:
                        if ev["frames"] > 0:
                            self._tell_monitor(op="ended", id=sid, index=n, frames=ev["frames"])
                        else:
                            self._tell_monitor(op="forget", id=sid, index=n)
                            with self._lock:
                                self._verifying.pop((sid, n), None)
                    played = ev["frames"] * 1000 // RATE
                    outcome, reason = Outcome(ev["outcome"]), ev.get("reason")
                    if "relay" in ev and isinstance(feeds[n], RelayFeed):
                        outcome, played, reason = relay_record(outcome, played, reason, ev["relay"], feeds[n].shown,
                                                               fallbacks.get(n, (None, None))[1])  # fmt: skip
                    observer.ended(indexes[n], outcome, played, reason,
                                   _to_dt(ev["at_ns"] + self._skew) + self.offset)  # fmt: skip
                elif kind in ("silent", "sound"):
                    if isinstance(feed := feeds.get(ev["index"]), RelayFeed):
                        feed.silent_since = ev["at_ns"] / 1e9 if kind == "silent" else None
                elif kind == "lost":
                    for n in range(len(indexes)):
                        if n not in ended:
                            with self._lock:
                                began = self._playing.started.get(n) if self._playing else None
                            outcome = Outcome.PARTIAL if began else Outcome.FAILED
                            observer.ended(indexes[n], outcome, 0, "the output engine stopped", self.clock.now())
                            ended.add(n)
                elif kind == "done":
                    break
        finally:
            with self._lock:
                self._sessions.pop(sid, None)

    def _announce(self, title: str) -> None:
        """The mount's title becomes what airs (listeners' players show it); in the
        background, as the admin request may wait on the network."""
        from playout.output.devices import set_icecast_title

        def run_it() -> None:
            problem = set_icecast_title(self.spec.device, title)
            if problem:
                log.warning("cannot set the title of %s: %s", self.output, problem)
            else:
                self.titles.append(title)
                del self.titles[:-20]  # the last few, for status and tests: a daemon runs for months

        threading.Thread(target=run_it, name="icecast-title", daemon=True).start()

    def close(self) -> None:
        self._closing = True
        self._drop_ahead(float("inf"))
        self._send(op="quit")
        if self.monitor_proc is not None:
            self._tell_monitor(op="quit")
            try:
                self.monitor_proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.monitor_proc.kill()
        if self.proc is not None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
