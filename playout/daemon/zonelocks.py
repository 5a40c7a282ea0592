"""One lock per zone: an occurrence holds exactly the zones it airs in.

Two occurrences for different zones air at the same time, each on time; one that shares a
zone with an airing waits for that zone only. Zones are taken one at a time in the
configuration's order, so two occurrences never hold one zone each while waiting for the
other's (no deadlock). A zone goes to its waiters by rank, not by which thread woke first:
an emergency before anything, then the earliest scheduled instant (of those waiting for a
zone, a session due earlier airs first). A zone is given back as soon as
its part of an airing ends (an emergency to ap-3 does not wait for xa-a to finish), and an
airing waiting for its zones gives back those it holds when an emergency claims one of them.
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


class Claim:
    """A request for zones, made at once and waited on later: an emergency claims its zones
    before it interrupts them, so that an airing the interruption frees cannot take them first."""

    def __init__(self, locks: ZoneLocks, zones: Sequence[Zone], rank: tuple, urgent: bool) -> None:
        self._locks = locks
        self.zones = list(zones)
        self.rank = rank
        self.urgent = urgent
        self.pending = list(zones) if urgent else []  # urgent: the zones not held yet

    def wait(self) -> Hold:
        return self._locks._wait(self)

    def cancel(self) -> None:
        """Give up a claim that will not be waited on."""
        self._locks._cancel(self)


class ZoneLocks:
    URGENT = 0  # emergency and priority announcements go before anything waiting
    ORDINARY = 1

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._held: dict[Zone, Hold] = {}
        self._waiting: dict[Zone, set[tuple]] = {}
        self._urgent: dict[Zone, int] = {}  # urgent claims for each zone not yet holding it
        self._seq = itertools.count()

    def acquire(self, zones: Sequence[Zone], at: datetime, urgent: bool = False) -> Hold:
        """Take these zones (in the order given: the configuration's), waiting for each to be
        free and for every better-ranked waiter of it to go first. Blocks until all are held."""
        return self.claim(zones, at, urgent).wait()

    def claim(self, zones: Sequence[Zone], at: datetime, urgent: bool = False) -> Claim:
        """Claim zones now, take them later (`Claim.wait`). An urgent claim keeps ordinary
        airings from taking its zones from this moment on, and one that holds some of them
        while waiting for the rest gives them back (then queues again)."""
        rank = (self.URGENT if urgent else self.ORDINARY, at, next(self._seq))
        found = Claim(self, zones, rank, urgent)
        if urgent:
            with self._cond:
                for zone in found.pending:
                    self._urgent[zone] = self._urgent.get(zone, 0) + 1
                self._cond.notify_all()
        return found

    def _wait(self, claim: Claim) -> Hold:
        hold = Hold(self)
        rank = claim.rank
        with self._cond:
            index = 0
            while index < len(claim.zones):
                zone = claim.zones[index]
                queue = self._waiting.setdefault(zone, set())
                queue.add(rank)
                while True:
                    if not claim.urgent and any(self._urgent.get(z) for z in hold.zones):
                        # An emergency wants a zone this airing holds while it waits for
                        # another: give them all back and queue again behind it.
                        self._leave(zone, rank)
                        for z in list(hold.zones):
                            del self._held[z]
                        hold.zones.clear()
                        index = -1
                        self._cond.notify_all()
                        break
                    if (zone not in self._held and min(queue) == rank
                            and (claim.urgent or not self._urgent.get(zone))):  # fmt: skip
                        self._leave(zone, rank)
                        self._held[zone] = hold
                        hold.zones.append(zone)
                        if zone in claim.pending:
                            claim.pending.remove(zone)
                            self._urgent[zone] -= 1
                            if not self._urgent[zone]:
                                del self._urgent[zone]
                        self._cond.notify_all()  # the next in another zone's queue may now be first
                        break
                    self._cond.wait()
                index += 1
        return hold

    def _cancel(self, claim: Claim) -> None:
        with self._cond:
            for zone in claim.pending:
                self._urgent[zone] -= 1
                if not self._urgent[zone]:
                    del self._urgent[zone]
            claim.pending.clear()
            self._cond.notify_all()

    def _leave(self, zone: Zone, rank: tuple) -> None:
        queue = self._waiting.get(zone)
        if queue is not None:
            queue.discard(rank)
            if not queue:
                del self._waiting[zone]

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
