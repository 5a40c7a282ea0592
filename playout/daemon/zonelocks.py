"""One lock per zone: an occurrence holds exactly the zones it airs in.

Two occurrences for different zones air at the same time, each on time; one that shares a
zone with an airing waits for that zone only. Zones are taken one at a time in the
configuration's order, so two occurrences never hold one zone each while waiting for the
other's (no deadlock). A zone goes to its waiters by rank, not by which thread woke first:
an emergency before anything, then the earliest scheduled instant, so that a session due
earlier never airs after one due later in the same zone. A zone is given back as soon as
its part of an airing ends (an emergency to ap-3 does not wait for xa-a to finish).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Hashable, Sequence
from datetime import datetime

Zone = Hashable | None


class Hold:
    """The zones one airing holds; each is released once (a second release does nothing)."""

    def __init__(self, locks: ZoneLocks) -> None:
        self._locks = locks
        self.zones: list[Zone] = []

    def release(self, zone: Zone) -> None:
        self._locks._release(self, zone)

    def release_all(self) -> None:
        for zone in list(self.zones):
            self._locks._release(self, zone)

    def __enter__(self) -> Hold:
        return self

    def __exit__(self, *_: object) -> None:
        self.release_all()


class ZoneLocks:
    URGENT = 0  # emergency and priority announcements go before anything waiting
    ORDINARY = 1

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._held: dict[Zone, Hold] = {}
        self._waiting: dict[Zone, set[tuple]] = {}
        self._seq = itertools.count()

    def acquire(self, zones: Sequence[Zone], at: datetime, urgent: bool = False) -> Hold:
        """Take these zones (in the order given: the configuration's), waiting for each to be
        free and for every better-ranked waiter of it to go first. Blocks until all are held."""
        hold = Hold(self)
        rank = (self.URGENT if urgent else self.ORDINARY, at, next(self._seq))
        with self._cond:
            for zone in zones:
                queue = self._waiting.setdefault(zone, set())
                queue.add(rank)
                while zone in self._held or min(queue) != rank:
                    self._cond.wait()
                queue.discard(rank)
                if not queue:
                    del self._waiting[zone]
                self._held[zone] = hold
                hold.zones.append(zone)
                self._cond.notify_all()  # the next in another zone's queue may now be first
        return hold

    def _release(self, hold: Hold, zone: Zone) -> None:
        with self._cond:
            if self._held.get(zone) is hold:
                del self._held[zone]
                hold.zones.remove(zone)
                self._cond.notify_all()

    def busy(self) -> list[Zone]:
        """The zones held now."""
        with self._cond:
            return list(self._held)

    def waiting(self) -> dict[Zone, int]:
        """How many airings wait for each zone now."""
        with self._cond:
            return {zone: len(queue) for zone, queue in self._waiting.items()}

    def wait_idle(self, timeout: float = -1) -> bool:
        """Until no zone is held and nobody waits (or `timeout` seconds; -1: no limit).
        False when the timeout came first."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._held and not self._waiting,
                                       None if timeout < 0 else timeout)  # fmt: skip
