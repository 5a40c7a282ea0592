"""Files a killed command leaves behind, swept at the next start of the command that owns them.

A kill (a power cut, SIGKILL, an out-of-memory kill) ends a process between two steps: an
import between rendering into `.incoming/` and storing, or between storing the clip's file and
committing its row; an export between opening its hidden temporary file and renaming it.
Nothing else ever removes those files, and they can be large.

A file is only swept when no running process still owns it: imports hold a shared lock on the
`.incoming` folder while they run (a sweep needs it exclusively, and skips when it cannot have
it), and an export holds a lock on its own temporary file.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

log = logging.getLogger("playout.leftovers")

EXPORT_MARK = ".playout-"  # in every export temporary file's name: `.NAME.playout-XXXXXXXX.tmp`


@contextlib.contextmanager
def importing(incoming: Path) -> Iterator[None]:
    """Held by an import while it runs: its files in `.incoming` and in the library are not leftovers."""
    fd = os.open(incoming, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


def incoming_leftovers(incoming: Path) -> list[Path]:
    """Rendered files of killed imports (`tmp*.flac` directly in `.incoming`)."""
    if not incoming.is_dir():
        return []
    return sorted(p for p in incoming.glob("tmp*.flac") if p.is_file())


def orphan_files(library: Path, known: Iterable[str]) -> list[Path]:
    """Stored clip files that no clip row names (a kill between storing and registering)."""
    if not library.is_dir():
        return []
    names = set(known)
    found = []
    for sub in library.iterdir():
        if sub.is_dir() and len(sub.name) == 2 and not sub.name.startswith("."):
            found += [p for p in sub.glob("*.flac") if f"{sub.name}/{p.name}" not in names]
    return sorted(found)


def sweep_import(library: Path, known: Callable[[], Iterable[str]]) -> list[Path]:
    """At the start of an import: remove what killed imports left, unless another import runs."""
    incoming = library / ".incoming"
    if not incoming.is_dir():
        return []
    fd = os.open(incoming, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return []  # another import is running: its files are not leftovers
        swept = [*incoming_leftovers(incoming), *orphan_files(library, known())]
        _remove(swept)
        return swept
    finally:
        os.close(fd)


def export_leftovers(folder: Path) -> list[Path]:
    """Export temporary files in `folder` that no running export holds."""
    found = []
    for p in folder.glob(f".*{EXPORT_MARK}*.tmp"):
        if p.is_file() and not _held(p):
            found.append(p)
    for d in folder.glob(f".*{EXPORT_MARK}*.tmp.d"):
        if d.is_dir() and not (d.with_suffix("").exists() and _held(d.with_suffix(""))):
            found.append(d)
    return sorted(found)


def sweep_exports(folder: Path) -> list[Path]:
    swept = export_leftovers(folder)
    _remove(swept)
    return swept


SEQUENCE_AGE_S = 600


def sweep_sequences(workdir: Path, now: float | None = None) -> list[Path]:
    """The player's rendered sequences (`playout-seq-*`) that a killed daemon left in its work
    folder (the system's temporary folder unless the unit has PrivateTmp). The folder may be
    shared with another station's daemon, so a file goes only when no process has it open or
    locked and it was last written more than SEQUENCE_AGE_S ago (a sequence waiting for its
    pre-roll is younger, and one on air is open)."""
    if not workdir.is_dir():
        return []
    now = time.time() if now is None else now
    old = [p for p in workdir.glob("playout-seq-*") if p.is_file() and now - p.stat().st_mtime > SEQUENCE_AGE_S]
    if not old:
        return []
    busy = open_files()
    swept = sorted(p for p in old if str(p.resolve()) not in busy and not _held(p))
    _remove(swept)
    return swept


def open_files() -> set[str]:
    """Every file some process we can see has open (Linux /proc)."""
    found: set[str] = set()
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            for fd in os.scandir(fd_dir):
                with contextlib.suppress(OSError):
                    found.add(os.readlink(fd.path))
        except OSError:
            continue
    return found


def _held(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def _remove(paths: list[Path]) -> None:
    for p in paths:
        try:
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink()
            log.info("removed a leftover of a killed command: %s", p)
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("cannot remove the leftover %s: %s", p, exc.strerror)
