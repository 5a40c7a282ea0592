"""Live from the web page: the technician's microphone, aired as it is spoken and recorded.

The page's AudioWorklet sends 16-bit mono 48 kHz PCM about every 100 ms over the page's own
connection (fetch, the session cookie and the CSRF token; waitress has no WebSocket). Each
chunk says where it starts in the speaker's stream (`pos`, in samples) and when its first
sample was captured (`t_ms`, the browser's wall clock). Here each chunk goes, as stereo, into
a `PushFeed` per zone (the named pipe the output engine's live item reads, with 0.2 s of
jitter room) and, as it came, into a WAV file. A lost chunk is silence in both; a repeated
one is dropped.

The live ends when the speaker presses stop (the engine's `finish`: the item ends where it
is, faded, aired), when the page stops sending for QUIET_S (a tab closed: recorded so), or
at MAX_S. The recording is then imported through the normal import steps as an
announcement titled with the date, time and account, and the airing rows point at it.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
import threading
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from playout.actions import ActionLog, Actor
from playout.clock import wall_ns
from playout.db.models import Airing
from playout.errors import PlayoutError
from playout.model import Kind, Level, Outcome
from playout.output.relay import PushFeed

log = logging.getLogger("playout.live")

RATE = 48_000  # what the page sends (its AudioContext runs at 48 kHz)
QUIET_S = 5.0  # the page silent this long (a tab closed, the network gone): the live ends
MAX_S = 3600  # a live lasts at most this long
MAX_GAP_S = QUIET_S + 1  # a jump ahead by more than this is not lost chunks: it is refused
MAX_CHUNK = RATE * 2 * 2  # bytes: two seconds of mono 16-bit at most in one request


@dataclass
class Talk:
    id: str
    actor: Actor
    level: Level
    zones: list[str | None]
    title: str
    wav_path: Path
    feeds: dict[str | None, PushFeed]
    started_mono: float
    state: str = "waiting"  # waiting, on_air, ended, saved, failed
    received: int = 0  # samples of the speaker's stream received (and written)
    last_chunk: float = 0.0
    marks: list[tuple[int, float]] = field(default_factory=list)  # (sample, capture wall ms) per chunk
    rows: list[Airing] = field(default_factory=list)
    end_reason: str | None = None
    clip_id: int | None = None
    problem: str | None = None
    peak: float = 0.0  # the last chunk's peak, 0..1, for the page's meter
    lost: int = 0  # samples of silence put in for chunks that never came
    wav: Any = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: threading.Event = field(default_factory=threading.Event)


class LiveSpeech:
    """One live at a time per station (one microphone, one speaker)."""

    def __init__(self, station, importer: Callable[[], Any], journal: ActionLog, tz,  # noqa: ANN001
                 workdir: Path | None = None, now: Callable[[], datetime] | None = None) -> None:  # fmt: skip
        self.station = station
        self.importer = importer
        self.journal = journal
        self.tz = tz
        self.workdir = Path(workdir or tempfile.gettempdir())
        self.now = now or station.clock.now
        self.mono = station.clock.monotonic  # how long the page has been silent
        self.talk: Talk | None = None
        self.last: Talk | None = None  # the one before, with its delay figures (tests, status)
        # Where a copy of each recording as received goes before the import trims it (None:
        # nowhere): with the chunks' capture times, what the delay is measured from.
        self.keep_raw: Path | None = None
        self.quiet_s = QUIET_S
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._watch = threading.Thread(target=self._watchdog, name="live-watch", daemon=True)
        self._watch.start()

    # -- the routes -----------------------------------------------------------------------

    def start(self, actor: Actor, level: Level, zones: list[str] | None) -> dict[str, Any]:
        with self._lock:
            if self.talk is not None and not self.talk.done.is_set():
                raise PlayoutError("live.busy", actor=self.talk.actor.name)
            targets = self.station._targets(zones)  # noqa: SLF001 - the same zones air_now takes
            if not targets:
                from playout.errors import NotFound

                raise NotFound("zones.not_found", zones=", ".join(zones or []),
                               known=", ".join(map(str, self.station.zones)))  # fmt: skip
            now = self.now().astimezone(self.tz)
            tid = secrets.token_urlsafe(16)
            title = f"Phát trực tiếp {now:%Y-%m-%d %H:%M} — {actor.name}"
            self.workdir.mkdir(parents=True, exist_ok=True)
            wav_path = self.workdir / f"playout-live-{tid}.wav"
            feeds = {z: PushFeed(self.workdir / f"playout-live-{tid}-{z or 'out'}.fifo", f"microphone ({actor.name})")
                     for z in targets}  # fmt: skip
            wav = wave.open(str(wav_path), "wb")
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(RATE)
            talk = Talk(tid, actor, level, list(targets), title, wav_path, feeds, self.mono(), wav=wav,
                        last_chunk=self.mono())  # fmt: skip
            self.talk = talk
        rows = self.station.air_live(feeds, level, actor.describe(), title, MAX_S * 1000,
                                     lambda rows: self._ended(talk, rows))  # fmt: skip
        talk.rows = talk.rows or rows
        return {"id": tid, "title": title, "zones": [z for z in targets if z is not None], "level": level.value,
                "detail": f"{title} ({level.value}{', ' + ', '.join(map(str, targets)) if targets[0] else ''})"}

    def chunk(self, tid: str, actor: Actor, pos: int, t_ms: float, pcm: bytes) -> dict[str, Any]:
        talk = self._mine(tid, actor)
        if len(pcm) % 2 or len(pcm) > MAX_CHUNK:
            raise PlayoutError("live.bad_chunk", size=len(pcm))
        with talk.lock:
            if talk.done.is_set() or talk.state in ("ended", "saved", "failed") or talk.wav is None:
                return self.state(talk)
            talk.last_chunk = self.mono()
            samples = np.frombuffer(pcm, dtype="<i2")
            if pos > talk.received:  # chunks that never came: silence in their place
                gap = pos - talk.received
                if gap > MAX_GAP_S * RATE:
                    raise PlayoutError("live.bad_chunk", size=len(pcm))
                samples = np.concatenate([np.zeros(gap, dtype="<i2"), samples])
                talk.lost += gap
                pos = talk.received
            elif pos < talk.received:  # sent again: what is already here is dropped
                samples = samples[talk.received - pos:]
                pos = talk.received
            if samples.size:
                talk.marks.append((pos, float(t_ms)))
                talk.wav.writeframesraw(samples.tobytes())
                stereo = np.repeat(samples, 2).tobytes()
                for feed in talk.feeds.values():
                    feed.write(stereo)
                talk.received += samples.size
                talk.peak = float(np.abs(samples.astype(np.int32)).max()) / 32768
        return self.state(talk)

    def stop(self, tid: str, actor: Actor, reason: str | None = None) -> dict[str, Any]:
        talk = self._mine(tid, actor)
        self._finish(talk, reason)
        return {**self.state(talk), "detail": talk.title}

    def state_of(self, tid: str, actor: Actor) -> dict[str, Any]:
        return self.state(self._mine(tid, actor))

    def state(self, talk: Talk | None = None) -> dict[str, Any]:
        talk = talk or self.talk
        if talk is None:
            return {"state": "idle"}
        on_air = [f for f in talk.feeds.values() if f.started_ns is not None]
        if talk.state == "waiting" and on_air:
            talk.state = "on_air"
        since = min((f.started_ns for f in on_air), default=None)  # type: ignore[type-var]
        return {"id": talk.id, "state": talk.state, "title": talk.title, "level": talk.level.value,
                "zones": [z for z in talk.zones if z is not None], "peak": round(talk.peak, 3),
                "elapsed_ms": int((wall_ns() - since) / 1e6) if since and talk.state == "on_air" else 0,
                "received_ms": talk.received * 1000 // RATE, "clip_id": talk.clip_id, "problem": talk.problem,
                "reason": talk.end_reason}  # fmt: skip

    # -- ending ---------------------------------------------------------------------------

    def _mine(self, tid: str, actor: Actor) -> Talk:
        talk = self.talk
        if talk is None or not isinstance(tid, str) or not secrets.compare_digest(talk.id, tid) \
                or talk.actor.name != actor.name:  # fmt: skip
            raise PlayoutError("live.not_yours")
        return talk

    def _finish(self, talk: Talk, reason: str | None) -> None:
        with talk.lock:
            if talk.end_reason is None and talk.state in ("waiting", "on_air"):
                talk.end_reason = reason
            if talk.state in ("waiting", "on_air"):
                talk.state = "ending"
        for feed in talk.feeds.values():
            player = feed.session[0] if feed.session is not None else None
            if player is not None:
                player.finish_live(feed)  # type: ignore[attr-defined]
            else:
                feed.finished = True  # not sent to the output yet: it never will be

    def _watchdog(self) -> None:
        while not self._stop.wait(0.2):
            talk = self.talk
            if talk is not None and talk.state in ("waiting", "on_air") and \
                    self.mono() - talk.last_chunk > self.quiet_s:  # fmt: skip
                log.warning("live %s: nothing from the page for %.0f s; it ends", talk.title, self.quiet_s)
                self._finish(talk, f"the page stopped sending ({self.quiet_s:g} s without sound from it)")
                self.journal.record(talk.actor, "live-stop", talk.title, "ended: the page stopped sending")

    def _ended(self, talk: Talk, rows: list[Airing]) -> None:
        """Off the air in every zone: the recording goes into the library, the rows point at it."""
        talk.rows = rows
        with talk.lock:
            talk.state = "ended"
            wav, talk.wav = talk.wav, None
        for feed in talk.feeds.values():
            feed.close()
        try:
            wav.close()
            if talk.received == 0:
                raise PlayoutError("live.nothing_said")
            from playout.library.importer import ImportRequest, Status

            result = self.importer().import_one(talk.wav_path, ImportRequest(kind=Kind.ANNOUNCEMENT, title=talk.title))
            if result.status != Status.IMPORTED or result.clip is None:
                raise result.error or PlayoutError("live.nothing_said")
            clip = result.clip
            talk.clip_id = clip.id
            for row in talk.rows:
                extra = {"reason": talk.end_reason} if talk.end_reason and row.outcome == Outcome.AIRED.value else {}
                self.station.log.update(row, clip_id=clip.id, content_hash=clip.content_hash,
                                        duration_ms=clip.duration_ms, **extra)  # fmt: skip
            talk.state = "saved"
            self.journal.record(talk.actor, "live-record", f"#{clip.id} {talk.title}", "ok")
            log.info("live %s recorded as clip #%d", talk.title, clip.id)
        except PlayoutError as exc:
            talk.state, talk.problem = "failed", exc.render("en")
            for row in talk.rows:
                if talk.end_reason and row.outcome == Outcome.AIRED.value:
                    self.station.log.update(row, reason=talk.end_reason)
            self.journal.record(talk.actor, "live-record", talk.title, "failed: " + talk.problem)
            log.error("live %s: the recording was not kept: %s", talk.title, talk.problem)
        finally:
            if self.keep_raw is not None and talk.wav_path.exists():
                import shutil

                shutil.copyfile(talk.wav_path, self.keep_raw / f"{talk.id}.wav")
            talk.wav_path.unlink(missing_ok=True)
            self.last = talk
            talk.done.set()

    def close(self) -> None:
        self._stop.set()
        talk = self.talk
        if talk is not None and not talk.done.is_set():
            self._finish(talk, "the daemon was stopped")
            talk.done.wait(10)
