"""The database's health: a check at start-up, salvage of a damaged file, consistent backups.

SQLite with WAL and full sync survives a killed process and, on honest disks, a power cut.
A disk that lies about its writes, or a failing card, can still damage the file. Then the
daemon must not run blind on it, nor lose what can be read: it keeps a copy of the damaged
file, salvages every readable row into a fresh database, and says so loudly.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from playout.errors import DatabaseError

log = logging.getLogger("playout.db")

SIDE_FILES = ("-wal", "-shm")


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL; None for other databases and for memory."""
    if not url.startswith("sqlite:///") or url == "sqlite:///:memory:":
        return None
    return Path(url.removeprefix("sqlite:///"))


def problems(path: Path, *, full: bool = False, strict: bool = False) -> list[str]:
    """What SQLite's own check finds wrong with the file; [] when it is sound.

    With `strict`, a check that could not run (a full disk, a lock, no permission: SQLite's
    OperationalError) raises instead of being reported as damage: a healthy database on a
    full disk is not damaged."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=15)
    except sqlite3.Error as exc:
        if strict and isinstance(exc, sqlite3.OperationalError):
            raise
        return [str(exc)]
    try:
        rows = con.execute("PRAGMA integrity_check" if full else "PRAGMA quick_check").fetchall()
        found = [r[0] for r in rows]
        return [] if found == ["ok"] else found
    except sqlite3.DatabaseError as exc:
        if strict and isinstance(exc, sqlite3.OperationalError):
            raise
        return [str(exc)]
    finally:
        con.close()


@dataclass(frozen=True)
class Repair:
    path: Path
    kept: Path  # the damaged file, as it was found
    detail: str
    airings: int


def check_at_start(url: str, now: datetime) -> Repair | None:
    """Quick-check the database; if it is damaged, keep a copy and salvage what can be read."""
    path = sqlite_path(url)
    if path is None or not path.exists():
        return None
    try:
        found = problems(path, strict=True)
    except sqlite3.OperationalError as exc:
        log.error("cannot check the database %s at start-up (%s); going on without the check", path, exc)
        return None
    if not found:
        return None
    detail = "; ".join(found[:3])
    kept = path.with_name(f"{path.name}.damaged-{now.strftime('%Y%m%dT%H%M%S')}")
    try:
        for suffix in ("", *SIDE_FILES):
            if Path(f"{path}{suffix}").exists():
                shutil.copy2(f"{path}{suffix}", f"{kept}{suffix}")
    except OSError as exc:
        for suffix in ("", *SIDE_FILES):  # no half copy left behind
            Path(f"{kept}{suffix}").unlink(missing_ok=True)
        raise DatabaseError("db.damaged_no_room", path=str(path), detail=detail, error=exc.strerror) from None
    log.error("THE DATABASE %s IS DAMAGED (%s); a copy is kept at %s; salvaging what can be read", path, detail, kept)
    salvaged = path.with_name(f"{path.name}.salvage")
    airings = _salvage(kept, salvaged)
    if airings is None:
        salvaged.unlink(missing_ok=True)
        raise DatabaseError("db.damaged", path=str(path), detail=detail, copy=str(kept))
    for suffix in SIDE_FILES:
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    salvaged.replace(path)
    log.error("database salvaged: %d airing record(s) recovered into %s; the damaged copy is %s", airings, path, kept)
    return Repair(path, kept, detail, airings)


def _walk(bad: sqlite3.Connection, sql: str, bound: int, rows: dict[int, tuple]) -> int | None:
    """Read rows from `bound` on in one direction until the end or a damaged page; the last
    rowid read, or None if none was."""
    last = None
    try:
        for row in bad.execute(sql, (bound,)):
            rows[row[0]] = row[1:]
            last = row[0]
    except sqlite3.DatabaseError:
        pass
    return last


def _readable_rows(bad: sqlite3.Connection, table: str, names: str) -> dict[int, tuple]:
    """Every row that can still be read, by rowid. A damaged page stops a walk; the walk goes
    on past it by seeking further and further ahead (each seek skips the damaged page through
    the table's interior pages) and, from the first row found beyond, reads back down to the
    damage, so that only the rows on damaged pages are lost, however many there are."""
    rows: dict[int, tuple] = {}
    up = f'SELECT rowid, {names} FROM "{table}" WHERE rowid > ? ORDER BY rowid ASC'
    down = f'SELECT rowid, {names} FROM "{table}" WHERE rowid < ? ORDER BY rowid DESC'
    top = _walk(bad, down, 2**63 - 1, rows)  # from the end: the highest rowid still readable
    if top is None:
        return rows
    position = -(2**63)
    while position < top:
        last = _walk(bad, up, position, rows)
        if last is not None and last >= top:
            break
        stuck = last if last is not None else position
        step, found = 1, None
        while stuck + step < top:
            try:
                found = bad.execute(f'SELECT rowid FROM "{table}" WHERE rowid > ? ORDER BY rowid LIMIT 1',
                                    (stuck + step,)).fetchone()  # fmt: skip
                break
            except sqlite3.DatabaseError:
                step *= 2
        if found is None:
            break
        _walk(bad, down, found[0], rows)  # back down to the damage: rows the skip jumped over
        position = found[0] - 1
    return rows


def _salvage(damaged: Path, target: Path) -> int | None:
    """Copy every readable row of a damaged database into a fresh one; its airing count, or
    None when not even the schema can be read.

    Each table is walked by rowid, around every damaged page (see `_readable_rows`): only
    the rows on damaged pages are lost.
    """
    from playout.db import open_database

    target.unlink(missing_ok=True)
    open_database(f"sqlite:///{target}").dispose()
    try:
        bad = sqlite3.connect(f"file:{damaged}?mode=ro", uri=True)
        good = sqlite3.connect(target)
    except sqlite3.Error as exc:
        log.error("salvage failed: %s", exc)
        return None
    try:
        bad.execute("SELECT name FROM sqlite_master").fetchall()
        tables = [r[0] for r in good.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name != 'alembic_version'")]  # fmt: skip
        for table in tables:
            wanted = [r[1] for r in good.execute(f'PRAGMA table_info("{table}")')]
            present = {r[1] for r in bad.execute(f'PRAGMA table_info("{table}")')}
            cols = [c for c in wanted if c in present]
            if not cols:
                continue
            names = ", ".join(f'"{c}"' for c in cols)
            rows = _readable_rows(bad, table, names)
            good.executemany(f'INSERT OR IGNORE INTO "{table}" ({names}) VALUES ({", ".join("?" * len(cols))})',
                             rows.values())  # fmt: skip
        good.commit()
        return good.execute("SELECT count(*) FROM airings").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        log.error("salvage failed: %s", exc)
        return None
    finally:
        bad.close()
        good.close()


def backup_name(path: Path, now: datetime) -> str:
    """The file name of a backup made at `now` (station time)."""
    return f"{path.stem}-{now.strftime('%Y%m%d-%H%M%S')}.db"


def backup(url: str, dest: Path) -> Path:
    """A consistent copy of the live database (SQLite's backup API) in the file `dest`,
    checked before it is kept: one self-contained file (rollback journal, not WAL)."""
    path = sqlite_path(url)
    if path is None or not path.exists():
        raise DatabaseError("db.backup_unsupported", url=url)
    temp = dest.with_name(dest.name + ".part")
    try:
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=15)
        out = sqlite3.connect(temp)
        try:
            src.backup(out)
            out.execute("PRAGMA journal_mode=DELETE")
        finally:
            out.close()
            src.close()
    except sqlite3.Error as exc:
        temp.unlink(missing_ok=True)
        raise DatabaseError("db.backup_failed", path=str(dest), detail=str(exc)) from None
    if found := problems(temp, full=True):
        temp.unlink(missing_ok=True)
        raise DatabaseError("db.backup_failed", path=str(dest), detail="; ".join(found[:3]))
    temp.replace(dest)
    return dest
