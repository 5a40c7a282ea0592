"""One daemon per database.

Two daemons on one station would share out its airings between them (the airing log's
unique keys stop a double airing, not the confusion). The daemon holds an exclusive lock
on a file beside the database while it runs; the kernel drops the lock when the process
ends, however it ends, so a crash or SIGKILL never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from playout.errors import PlayoutError


class DaemonLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise PlayoutError("daemon.already_running", database=str(self.path.with_suffix("")), pid=holder) from None
        try:  # the process number is for people; on a full disk the lock works without it
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        except OSError:
            pass
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing drops the lock
            self.fd = None
