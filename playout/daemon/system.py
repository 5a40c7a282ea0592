"""What the daemon asks of the operating system: clock synchronisation, systemd, memory."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import socket


@functools.cache
def _libc() -> ctypes.CDLL:
    """The C library, looked up once (find_library runs ldconfig)."""
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def ntp_synchronized() -> bool | None:
    """Whether the kernel clock is disciplined by NTP (None when it cannot be told).

    adjtimex(2) with no changes returns the clock state; TIME_ERROR (5) means the clock is
    not synchronised. This is what `timedatectl` reports, without needing systemd.
    """
    try:
        buf = ctypes.create_string_buffer(512)  # struct timex, zeroed: modes = 0, read only
        state = _libc().adjtimex(buf)
    except (OSError, AttributeError):
        return None
    if state < 0:
        return None
    return state != 5


def sd_notify(message: str) -> bool:
    """Tell systemd (Type=notify, WatchdogSec=) that we are ready or still alive."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
        return True
    except OSError:
        return False


M_ARENA_MAX = -8  # mallopt(3)


def one_malloc_arena() -> bool:
    """Have every thread of this process allocate from glibc's main arena.

    By default glibc gives each new thread an arena of its own (up to eight per core) the
    first time it allocates, and each arena keeps the memory its threads freed for them
    alone. The daemon's threads take turns under the GIL anyway, but a wake-up or a replan
    that lands on a worker thread for the first time grows a new arena. Measured
    in the soak with a replan every 3 minutes: the memory glibc held free grew 4.8 -> 8.5 MB
    in 15 minutes with the default arenas, and stayed at 2.2 MB with one; the daemon's RSS
    climbed in steps at each replan until then. With one arena what one thread frees another
    reuses. Call before any thread starts (arenas already made stay). False where this is not
    glibc."""
    try:
        return bool(_libc().mallopt(M_ARENA_MAX, 1))
    except (OSError, AttributeError):
        return False


def give_back_free_memory() -> bool:
    """Return to the system the pages the allocator holds free (glibc's malloc_trim), after
    work that briefly needs much more memory than the daemon keeps (planning two days of a
    busy schedule). False where this is not glibc."""
    try:
        return bool(_libc().malloc_trim(0))
    except (OSError, AttributeError):
        return False
