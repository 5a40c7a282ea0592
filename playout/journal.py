"""The airing log's journal: where records go when the database cannot take them.

A full disk, an I/O error or a lock held too long stops SQLite from writing, but the station
keeps airing, and what it aired must survive a kill or a power cut whatever the disk does.
So at start-up the daemon preallocates a small file beside the database (fallocate: its
blocks are taken while there is still room), and every record SQLite refuses is appended to
it and synced before the airing goes on. Writing inside blocks already allocated needs no
free space. At the next start the journal is replayed into the database (idempotently: a
record already there is not written twice) and emptied.

Format: one record after another from offset 0, each `<length:8 hex> <crc32:8 hex> <json>\n`;
the first header that is zero, malformed or fails its checksum ends the journal (a torn
last write is simply not there). Emptying writes zeros over what was used.
"""

from __future__ import annotations

import json
import logging
import os
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any

log = logging.getLogger("playout.log")

SIZE = 1 << 20  # about 2,000 airing records: weeks of a full disk at a few sessions a day
_HEADER = 18  # "xxxxxxxx xxxxxxxx "


def _default(value: object) -> object:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    raise TypeError(f"cannot journal {type(value).__name__}")


def _hook(obj: dict[str, Any]) -> object:
    if set(obj) == {"$dt"}:
        return datetime.fromisoformat(obj["$dt"])
    return obj


def encode(record: dict[str, Any]) -> bytes:
    payload = json.dumps(record, default=_default, ensure_ascii=False, separators=(",", ":")).encode()
    return b"%08x %08x " % (len(payload), zlib.crc32(payload)) + payload + b"\n"


class Journal:
    def __init__(self, path: Path, size: int = SIZE) -> None:
        self.path = path
        self.size = size
        self.fd: int | None = None
        self._end = 0

    def open(self) -> list[dict[str, Any]]:
        """Open (or make) the file, read what it holds, and make sure its full size is
        allocated. Raises OSError when the file cannot be made or allocated (a disk already
        full at the first start): the caller then has no journal."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            records, self._end = self._read(fd)
            if os.fstat(fd).st_size < self.size or os.fstat(fd).st_blocks * 512 < self.size:
                os.posix_fallocate(fd, 0, self.size)
                os.fsync(fd)
        except OSError:
            os.close(fd)
            raise
        self.fd = fd
        return records

    def _read(self, fd: int) -> tuple[list[dict[str, Any]], int]:
        size = os.fstat(fd).st_size
        data = os.pread(fd, size, 0) if size else b""
        records, at = [], 0
        while at + _HEADER <= len(data):
            try:
                length, crc = int(data[at : at + 8], 16), int(data[at + 9 : at + 17], 16)
            except ValueError:
                break
            payload = data[at + _HEADER : at + _HEADER + length]
            if length == 0 or len(payload) != length or zlib.crc32(payload) != crc:
                break
            records.append(json.loads(payload, object_hook=_hook))
            at += _HEADER + length + 1
        return records, at

    @property
    def used(self) -> int:
        return self._end

    def append(self, record: dict[str, Any]) -> bool:
        """Write one record and sync it; False when it cannot (no journal, or it is full)."""
        if self.fd is None:
            return False
        data = encode(record)
        if self._end + len(data) > self.size:
            log.critical("THE AIRING LOG'S JOURNAL IS FULL (%s): records are kept in memory only", self.path)
            return False
        try:
            os.pwrite(self.fd, data, self._end)
            os.fdatasync(self.fd)
        except OSError as exc:
            log.critical("cannot write the airing log's journal %s (%s): records are kept in memory only",
                         self.path, exc.strerror)  # fmt: skip
            return False
        self._end += len(data)
        return True

    def clear(self) -> None:
        """Empty it once the database holds everything it held."""
        if self.fd is None or self._end == 0:
            return
        os.pwrite(self.fd, bytes(self._end), 0)
        os.fdatasync(self.fd)
        self._end = 0

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
