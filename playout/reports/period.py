"""Report periods in station-local dates, and safe writing of output files."""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playout import leftovers
from playout.errors import UsageError
from playout.model import FIRST_DAY, LAST_DAY


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    tz: ZoneInfo

    @property
    def utc_start(self) -> datetime:
        return datetime.combine(self.start, time(), tzinfo=self.tz).astimezone(UTC)

    @property
    def utc_end(self) -> datetime:
        """Exclusive."""
        return datetime.combine(self.end + timedelta(days=1), time(), tzinfo=self.tz).astimezone(UTC)

    def months(self) -> list[tuple[int, int, datetime, datetime]]:
        """(year, month, utc start, utc end) for every month the period touches, clipped to it."""
        out = []
        y, m = self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            first = max(date(y, m, 1), self.start)
            nxt = date(y + (m == 12), m % 12 + 1, 1)
            last = min(nxt - timedelta(days=1), self.end)
            out.append((y, m, Period(first, last, self.tz).utc_start, Period(first, last, self.tz).utc_end))
            y, m = nxt.year, nxt.month
        return out

    def constant_offset_minutes(self) -> int | None:
        """The zone's UTC offset if it is the same throughout the period (no daylight saving
        change in it, as in Vietnam), else None. Lets SQLite shift times itself."""
        offsets = set()
        day = self.start - timedelta(days=1)
        while day <= self.end + timedelta(days=1):
            off = datetime.combine(day, time(12), tzinfo=self.tz).utcoffset()
            offsets.add(off)
            if len(offsets) > 1:
                return None
            day += timedelta(days=1)
        (off,) = offsets
        return int(off.total_seconds() // 60) if off is not None else None

    def label(self) -> str:
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


def period_from(year: int | None, start: date | None, end: date | None, tz: ZoneInfo, today: date) -> Period:
    if year is not None and (start or end):
        raise UsageError("cli.year_or_range")
    if year is not None:
        if not FIRST_DAY.year <= year <= LAST_DAY.year:
            raise UsageError("cli.bad_year", value=year, first=FIRST_DAY.year, last=LAST_DAY.year)
        return Period(date(year, 1, 1), date(year, 12, 31), tz)
    first = start or date(today.year, 1, 1)
    last = end or today
    if first > last:
        raise UsageError("cli.bad_range", start=first, end=last)
    return Period(first, last, tz)


def check_output(path: Path, force: bool) -> None:
    """Refuse before any work: a missing or read-only folder, or a file that exists."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError("out.no_folder", folder=folder)
    if not os.access(folder, os.W_OK):
        raise UsageError("out.not_writable", folder=folder)
    if path.is_dir():
        raise UsageError("out.is_folder", path=path)
    if path.exists() and not force:
        raise UsageError("out.exists", path=path)


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """A temporary file beside `path`, renamed onto it only when writing succeeded, so a
    failure never leaves a half-written report behind. What killed exports left in the same
    folder is swept first; this one holds a lock on its file so that no other export sweeps it,
    and writers keep their own scratch files in `scratch(temp)`, removed with it."""
    folder = path.parent if str(path.parent) else Path(".")
    leftovers.sweep_exports(folder)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}{leftovers.EXPORT_MARK}", suffix=".tmp", dir=folder)
    temp = Path(name)
    work = Path(f"{name}.d")
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        work.mkdir()
        yield temp
        # mkstemp makes the file 0600; a report is the user's file like any other they save.
        os.chmod(temp, 0o666 & ~current_umask())
        os.replace(temp, path)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        temp.unlink(missing_ok=True)
        os.close(fd)


def scratch(dest: Path) -> str | None:
    """The folder for a writer's own temporary files (xlsxwriter's), beside the output and
    removed with it, instead of the system's temporary folder where a kill would leave them."""
    work = Path(f"{dest}.d")
    return str(work) if work.is_dir() else None


def current_umask() -> int:
    """The process's umask, read without changing it (os.umask would, briefly, for every
    thread: the web server writes reports from several)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


Writer = Callable[[Path], None]
