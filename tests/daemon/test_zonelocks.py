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
