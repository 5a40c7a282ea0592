"""The daemon's memory stays where it was: glibc's arenas and free pages.

Each case runs in a process of its own, because an arena limit only holds for arenas not
made yet and this test process has made its own."""

from __future__ import annotations

import subprocess
import sys

CHILD = """
import ctypes, sys, threading
from playout.daemon.system import one_malloc_arena
if sys.argv[1] == "limit":
    assert one_malloc_arena()
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
start = threading.Barrier(4)
def work():
    start.wait()  # all four allocate at once, as the daemon's workers may
    blocks = [libc.malloc(4000) for _ in range(2000)]
    for b in blocks:
        libc.free(b)
threads = [threading.Thread(target=work) for _ in range(4)]
for th in threads:
    th.start()
for th in threads:
    th.join()
libc.malloc_stats()  # one "Arena N:" paragraph per arena, on stderr
"""


def arenas(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", CHILD, mode], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return sum(line.startswith("Arena ") for line in done.stderr.splitlines())


def test_the_daemons_threads_share_one_arena() -> None:
    # Without the limit each thread that allocates gets an arena of its own (the soak saw
    # the daemon's RSS climb in steps as its workers came into use); with it, one.
    assert arenas("default") > 1
    assert arenas("limit") == 1


TRIM = """
import ctypes
from playout.daemon.system import give_back_free_memory
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
def anon_mb():
    for line in open("/proc/self/status"):
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
blocks = [libc.malloc(4000) for _ in range(20000)]  # 80 MB of small blocks, as a replan makes
for b in blocks:
    ctypes.memset(b, 1, 4000)
for b in blocks[:-1]:
    libc.free(b)  # the last one kept: the heap's top cannot shrink past it
before = anon_mb()
give_back_free_memory()
print(before - anon_mb())
"""


def test_free_memory_goes_back_to_the_system() -> None:
    # What a replan briefly needed and freed stays resident until it is given back.
    done = subprocess.run([sys.executable, "-c", TRIM], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) > 60


def test_the_plan_is_carried_forward_every_replan_minutes(tmp_path) -> None:  # noqa: ANN001
    # What the soak shortens to see a dozen replans (where the daemon's memory moves) in a
    # short run; a station keeps the half hour.
    from datetime import timedelta

    from playout import app as app_mod
    from playout.daemon.live import LiveDaemon
    from tests.daemon.helpers import daemon_station

    st = daemon_station(tmp_path)
    text = st.config.read_text(encoding="utf-8").replace("lead_seconds = 2\n", "lead_seconds = 2\nreplan_minutes = 7\n")
    st.config.write_text(text, encoding="utf-8")
    daemon = LiveDaemon(app_mod.build(st.config))
    daemon.start()
    try:
        assert daemon.scheduler.get_job("replan").trigger.interval == timedelta(minutes=7)
    finally:
        daemon.stop()
