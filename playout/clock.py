"""The only place that reads wall time.

Everything else receives a `Clock`, so tests and `playout simulate` drive time themselves
instead of monkeypatching `datetime`. Times are aware and in UTC; conversion to station-local
time happens at the edges (schedules, display).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


def wall_ns() -> int:
    """Wall time in integer nanoseconds since the epoch: the output engine's time stamps."""
    return time.time_ns()


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never jumps, for measuring intervals and deadlines."""
        ...

    def sleep_until(self, instant: datetime) -> None:
        """Return at `instant` (at once if it has passed)."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep_until(self, instant: datetime) -> None:
        # Coarse sleep until just before, then short naps: the start of an airing is judged
        # to the millisecond, and time.sleep alone can overshoot by a scheduler tick.
        while True:
            remaining = (instant - self.now()).total_seconds()
            if remaining <= 0:
                return
            time.sleep(remaining - 0.02 if remaining > 0.05 else min(remaining, 0.0005))


class VirtualClock:
    """A clock that moves only when told to: for tests and simulation."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("VirtualClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._mono = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise ValueError("time only moves forward; use jump() for a clock step")
        with self._lock:
            self._now += delta
            self._mono += delta.total_seconds()

    def sleep_until(self, instant: datetime) -> None:
        with self._lock:
            if instant > self._now:
                self._mono += (instant - self._now).total_seconds()
                self._now = instant

    def jump(self, delta: timedelta) -> None:
        """Step the wall clock (as NTP or `date -s` would) without moving monotonic time."""
        with self._lock:
            self._now += delta
