"""Playing a sequence of clips on time, and saying what happened to each.

`Player` is the interface the daemon talks to. `VlcPlayer` (player/vlc.py) is the real one;
`SimPlayer` plays nothing and only advances a virtual clock (for `playout simulate`), and
tests use it too, told to fail or stall where a test needs it. The same contract tests run
against both.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from playout.clock import Clock
from playout.model import Outcome


@dataclass(frozen=True)
class Cue:
    """One item to play: a library file and how long it lasts; or a relay: a source (a
    stream's URL, or "line-in") aired live for `duration_ms`."""

    path: Path
    duration_ms: int
    label: str = ""
    channels: int = 2
    relay: str | None = None
    feed: object | None = None  # a live feed already open (a `PushFeed`: the page's microphone)
    fallback: Cue | None = None  # a relay's: the clip aired, looped, while its source has dropped out


class Observer(Protocol):
    """Receives what happens to each cue, as it happens (the daemon writes the log here)."""

    def started(self, index: int, at: datetime) -> None: ...

    def ended(self, index: int, outcome: Outcome, played_ms: int, reason: str | None, at: datetime) -> None: ...

    # Optional: where the output is listened to, what was heard of a cue (whole or not, the
    # onset measured there, why not). May come after `play` has returned.
    # def verified(self, index: int, whole: bool, onset: datetime | None, note: str | None) -> None: ...


@dataclass
class NowPlaying:
    index: int
    label: str
    position_ms: int
    duration_ms: int


class Player(Protocol):
    output: str  # which output, for the airing log ("pulse:sink", "alsa:hw:0", "null")

    def play(self, cues: list[Cue], start_at: datetime, observer: Observer) -> None:
        """Play the cues back to back from `start_at`; return when all have ended.

        Every cue gets exactly one `ended` call (aired, partial, interrupted or failed), and
        `started` before it when its sound began.
        """
        ...

    def skip(self) -> bool:
        """End the current cue now; the next one follows. False if nothing is playing."""
        ...

    def interrupt(self, reason: str) -> bool:
        """Stop the whole sequence now (emergency, shutdown): the current cue is interrupted,
        the rest skipped. False if nothing is playing."""
        ...

    def stop_after_current(self, reason: str) -> None:
        """Let the current cue finish, then skip the rest (a priority announcement waits)."""
        ...

    def now_playing(self) -> NowPlaying | None: ...

    def close(self) -> None: ...


@dataclass
class SimPlayer:
    """Plays nothing: each cue 'lasts' its duration on the clock it is given.

    With a VirtualClock and `drives_clock` a year of airings runs in seconds (`playout
    simulate`); with `drives_clock=False` a test moves the clock itself and can interrupt or
    skip mid-cue. Tests can also make a cue fail (`fail`: label -> reason) or stop partway
    (`cut`: label -> ms played).
    """

    clock: Clock
    output: str = "simulation"
    drives_clock: bool = True
    fail: dict[str, str] = field(default_factory=dict)
    cut: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._current: NowPlaying | None = None
        self._wake = threading.Event()
        self._end_current: tuple[Outcome, str] | None = None
        self._stop_rest: str | None = None
        self.played: list[tuple[datetime, str]] = []
        # For a test that moves the clock: the time this player last looked at while waiting
        # for it (None: not waiting), so the test can wait until it has seen a step.
        self.waiting_saw: datetime | None = None

    def _wait(self, until: datetime) -> None:
        if self.drives_clock:
            self.clock.sleep_until(until)
            return
        try:
            while (now := self.clock.now()) < until and self._end_current is None:
                self.waiting_saw = now
                self._wake.wait(0.005)
                self._wake.clear()
        finally:
            self.waiting_saw = None

    def saw(self, instant: datetime) -> bool:
        """True unless it is waiting for the clock and has not looked since `instant`."""
        seen = self.waiting_saw
        return seen is None or seen >= instant

    def play(self, cues: list[Cue], start_at: datetime, observer: Observer) -> None:
        self._wait(start_at)
        self._stop_rest = None
        for index, cue in enumerate(cues):
            now = self.clock.now()
            if self._stop_rest is not None:
                observer.ended(index, Outcome.SKIPPED, 0, self._stop_rest, now)
                continue
            if cue.label in self.fail:
                observer.ended(index, Outcome.FAILED, 0, self.fail[cue.label], now)
                continue
            observer.started(index, now)
            self.played.append((now, cue.label))
            with self._lock:
                self._end_current = None
                self._current = NowPlaying(index, cue.label, 0, cue.duration_ms)
            length = self.cut.get(cue.label, cue.duration_ms)
            self._wait(now + timedelta(milliseconds=length))
            ended_at = self.clock.now()
            played = min(length, int((ended_at - now).total_seconds() * 1000))
            with self._lock:
                self._current = None
                early = self._end_current
                self._end_current = None
            if early is not None:
                observer.ended(index, early[0], played, early[1], ended_at)
            elif length < cue.duration_ms:
                observer.ended(index, Outcome.PARTIAL, played, "output stopped early", ended_at)
            else:
                observer.ended(index, Outcome.AIRED, played, None, ended_at)

    def _end(self, outcome: Outcome, reason: str, stop_rest: bool) -> bool:
        with self._lock:
            if stop_rest:
                self._stop_rest = reason
            if self._current is None:
                return False
            self._end_current = (outcome, reason)
        self._wake.set()
        return True

    def skip(self) -> bool:
        return self._end(Outcome.INTERRUPTED, "skipped by the technician", stop_rest=False)

    def interrupt(self, reason: str) -> bool:
        return self._end(Outcome.INTERRUPTED, reason, stop_rest=True)

    def stop_after_current(self, reason: str) -> None:
        with self._lock:
            self._stop_rest = reason

    def now_playing(self) -> NowPlaying | None:
        with self._lock:
            if self._current is None:
                return None
            return self._current

    def close(self) -> None:
        pass
