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
