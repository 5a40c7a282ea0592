"""The zones' locks: disjoint zones together, a shared zone in turn, by rank, never a deadlock."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta

from playout.daemon.zonelocks import ZoneLocks
from tests.daemon.helpers import wait_for

T0 = datetime(2026, 11, 30, 5, 30, tzinfo=UTC)
ORDER = ["xa-a", "ap-3", "ap-9"]  # the configuration's order


def _in_thread(locks: ZoneLocks, zones: list[str], at: datetime, got: list, urgent: bool = False) -> threading.Thread:
    """Acquire in a thread; the hold is appended to `got` once all its zones are held."""
    def run() -> None:
        hold = locks.acquire(zones, at, urgent)
        got.append(((zones, at, urgent), hold))

    th = threading.Thread(target=run, daemon=True)
    th.start()
    return th


def test_disjoint_zones_are_held_at_once() -> None:
    locks = ZoneLocks()
    a = locks.acquire(["xa-a"], T0)
    b = locks.acquire(["ap-3", "ap-9"], T0)  # would block forever with one lock for the station
    assert sorted(locks.busy()) == ["ap-3", "ap-9", "xa-a"]
    a.release_all()
    b.release_all()
    assert locks.busy() == [] and locks.wait_idle(0)


def test_a_shared_zone_waits_and_only_for_that_zone() -> None:
    locks = ZoneLocks()
    playing = locks.acquire(["xa-a", "ap-3"], T0)
    got: list = []
    th = _in_thread(locks, ["ap-3"], T0 + timedelta(seconds=1), got)
    wait_for(lambda: locks.waiting() == {"ap-3": 1}, 5, "the second airing to queue for ap-3")
    assert got == [] and not locks.wait_idle(0)
    playing.release("ap-3")  # that zone's part ended; xa-a still airs
    th.join(5)
    assert [z for (z, _, _), _ in got] == [["ap-3"]] and locks.busy() == ["xa-a", "ap-3"]
    playing.release("ap-3")  # a second release does nothing
    assert "ap-3" in locks.busy()
    playing.release_all()
    got[0][1].release_all()
    assert locks.wait_idle(0)


def test_waiters_go_by_rank_urgent_first_then_earliest_instant() -> None:
    locks = ZoneLocks()
    playing = locks.acquire(["xa-a"], T0)
    got: list = []
    # They come in the order 05:40, 05:35, an emergency at 05:50.
    for n, (minutes, urgent) in enumerate([(10, False), (5, False), (20, True)], 1):
        _in_thread(locks, ["xa-a"], T0 + timedelta(minutes=minutes), got, urgent)
        wait_for(lambda n=n: locks.waiting() == {"xa-a": n}, 5, f"waiter {n} to queue")
    playing.release_all()
    for n in range(3):
        wait_for(lambda n=n: len(got) > n, 5, "the next in turn")
        assert len(got) == n + 1  # one at a time: the zone is held
        got[n][1].release_all()
    assert locks.wait_idle(5)
    assert [(at - T0, urgent) for (_, at, urgent), _ in got] == [
        (timedelta(minutes=20), True), (timedelta(minutes=5), False), (timedelta(minutes=10), False)]


def test_many_airings_on_overlapping_zones_never_deadlock() -> None:
    locks = ZoneLocks()
    rng = random.Random(15)
    done: list[int] = []
    inside: dict[str, int] = {z: 0 for z in ORDER}
    clash = threading.Event()
    guard = threading.Lock()

    def airing(n: int, zones: list[str]) -> None:
        with locks.acquire(zones, T0 + timedelta(seconds=rng.randrange(60))):
            with guard:
                for z in zones:
                    inside[z] += 1
                    if inside[z] > 1:
                        clash.set()
            with guard:
                for z in zones:
                    inside[z] -= 1
        done.append(n)

    threads = []
    for n in range(60):
        zones = [z for z in ORDER if rng.random() < 0.6] or ["ap-3"]
        threads.append(threading.Thread(target=airing, args=(n, zones), daemon=True))
    for th in threads:
        th.start()
    for th in threads:
        th.join(10)
    assert sorted(done) == list(range(60)) and not clash.is_set()
    assert locks.wait_idle(0)


def test_an_urgent_claim_takes_its_zones_back_from_an_airing_still_waiting() -> None:
    """An airing holds xa-a while it waits for ap-3 (busy); an emergency for both zones is
    claimed: the waiting airing gives xa-a back, and when ap-3 is free the emergency takes
    both, before the airing that was there first."""
    locks = ZoneLocks()
    playing = locks.acquire(["ap-3"], T0)
    got: list = []
    _in_thread(locks, ["xa-a", "ap-3"], T0 + timedelta(seconds=5), got)
    wait_for(lambda: locks.busy() == ["ap-3", "xa-a"] and locks.waiting() == {"ap-3": 1}, 5,
             "the session to hold xa-a and wait for ap-3")  # fmt: skip
    claim = locks.claim(["xa-a", "ap-3"], T0 + timedelta(seconds=8), urgent=True)
    wait_for(lambda: locks.busy() == ["ap-3"], 5, "the waiting session to give xa-a back")
    emergency: list = []
    th = threading.Thread(target=lambda: emergency.append(claim.wait()), daemon=True)
    th.start()
    wait_for(lambda: "xa-a" in locks.busy() and locks.waiting().get("ap-3") == 1, 5, "the emergency to take xa-a")
    assert got == []  # the session waits behind it for xa-a again
    playing.release_all()  # the interrupted airing in ap-3 ends
    th.join(5)
    assert emergency and sorted(emergency[0].zones) == ["ap-3", "xa-a"] and got == []
    emergency[0].release_all()
    wait_for(lambda: got, 5, "the session after the emergency")
    assert got[0][1].zones == ["xa-a", "ap-3"]
    got[0][1].release_all()
    assert locks.wait_idle(5)


def test_an_urgent_claim_keeps_ordinary_airings_off_its_zones_until_taken_or_cancelled() -> None:
    locks = ZoneLocks()
    claim = locks.claim(["ap-3"], T0, urgent=True)
    got: list = []
    _in_thread(locks, ["ap-3"], T0 - timedelta(minutes=5), got)  # earlier, but ordinary
    wait_for(lambda: locks.waiting() == {"ap-3": 1}, 5, "the ordinary airing to queue")
    assert got == [] and locks.busy() == []  # free, yet not taken: it is claimed
    hold = claim.wait()
    assert hold.zones == ["ap-3"] and got == []
    hold.release_all()
    wait_for(lambda: got, 5, "the ordinary airing after the emergency")
    got[0][1].release_all()
    # A claim given up (the manual airing failed before it started) frees the zone at once.
    claim = locks.claim(["xa-a"], T0, urgent=True)
    _in_thread(locks, ["xa-a"], T0, got)
    wait_for(lambda: locks.waiting() == {"xa-a": 1}, 5, "the ordinary airing to queue")
    claim.cancel()
    wait_for(lambda: len(got) == 2, 5, "the ordinary airing once the claim is cancelled")
    got[1][1].release_all()
    assert locks.wait_idle(5)
