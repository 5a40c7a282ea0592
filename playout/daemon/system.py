"""What the daemon asks of the operating system: clock synchronisation and systemd."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import socket


def ntp_synchronized() -> bool | None:
    """Whether the kernel clock is disciplined by NTP (None when it cannot be told).

    adjtimex(2) with no changes returns the clock state; TIME_ERROR (5) means the clock is
    not synchronised. This is what `timedatectl` reports, without needing systemd.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        buf = ctypes.create_string_buffer(512)  # struct timex, zeroed: modes = 0, read only
        state = libc.adjtimex(buf)
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
