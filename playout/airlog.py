"""The airing log: the source of truth for what aired.

Every occurrence is written before it plays (one `pending` row per item, in one transaction
whose unique keys make a second attempt fail), each item is marked `in_progress` when its
sound starts and given its outcome when it ends. SQLite runs with full sync, so each of these
writes survives a power cut. The daemon decides "already aired?" from here, never from
APScheduler's job store.

When the database cannot be written (disk full, locked longer than the busy timeout, an I/O
error) the station keeps airing: records wait in memory, in order, the daemon says so loudly,
and they are written as soon as the database takes writes again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import col, select

from playout.db import Database
from playout.db.models import Airing, DaemonState
from playout.model import Outcome
from playout.scheduling.select import History

log = logging.getLogger("playout.log")


@dataclass(frozen=True)
class Recovered:
    interrupted: int
    missed: int
    reopened: list[datetime]  # scheduled times of occurrences killed before any sound


# Outcomes that mean no sound of the occurrence went out yet.
_SILENT = {Outcome.PENDING.value, Outcome.SKIPPED.value}


@dataclass(frozen=True)
class _Insert:
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class _Update:
    key: str
    values: dict[str, Any]


class AiringLog:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.RLock()
        # Records the database did not take yet, oldest first; written by flush().
        self._backlog: list[_Insert | _Update] = []
        self._backlog_keys: set[str] = set()
        self.write_error: str | None = None

    # -- writing ------------------------------------------------------------------------

    def insert(self, rows: Iterable[Airing]) -> list[Airing] | None:
        """Write rows in one transaction; None if any key exists already (aired before)."""
        rows = list(rows)
        values = [r.model_dump(exclude={"id"}) for r in rows]
        with self._lock:
            if self._backlog:
                keys = {v["key"] for v in values}
                if keys & self._backlog_keys or self._existing(keys):
                    return None
                self._keep(_Insert(values))
                return rows
            try:
                with self.db.session() as s:
                    s.execute(insert(Airing), values)
                    s.commit()
            except IntegrityError:
                return None
            except OperationalError as exc:
                self._keep(_Insert(values), exc)
        return rows

    def update(self, row: Airing, **values: object) -> Airing:
        for key, value in values.items():
            setattr(row, key, value)
        with self._lock:
            if self._backlog:
                self._keep(_Update(row.key, dict(values)))
                return row
            try:
                with self.db.session() as s:
                    s.exec(update(Airing).where(Airing.key == row.key).values(**values))  # type: ignore[call-overload]
                    s.commit()
            except OperationalError as exc:
                self._keep(_Update(row.key, dict(values)), exc)
        return row

    @property
    def backlog(self) -> int:
        """How many records wait in memory for the database."""
        return len(self._backlog)

    def flush(self) -> bool:
        """Write what waits in memory, in order, in one transaction; True when none waits."""
        with self._lock:
            if not self._backlog:
                return True
            try:
                # A record the database took just before it failed is not written twice.
                add = insert(Airing).prefix_with("OR IGNORE", dialect="sqlite")
                with self.db.session() as s:
                    for op in self._backlog:
                        if isinstance(op, _Insert):
                            s.execute(add, op.rows)
                        else:
                            s.exec(update(Airing).where(Airing.key == op.key).values(**op.values))  # type: ignore[call-overload]
                    s.commit()
            except OperationalError as exc:
                self.write_error = _reason(exc)
                return False
            log.warning("the airing log is written again: %d record(s) kept in memory are saved", len(self._backlog))
            self._backlog.clear()
            self._backlog_keys.clear()
            self.write_error = None
            return True

    def _keep(self, op: _Insert | _Update, exc: OperationalError | None = None) -> None:
        if exc is not None:
            self.write_error = _reason(exc)
            log.error("CANNOT WRITE THE AIRING LOG (%s): airing goes on; records are kept in memory and written "
                      "when the database takes writes again. Free disk space now.", self.write_error)  # fmt: skip
        self._backlog.append(op)
        if isinstance(op, _Insert):
            self._backlog_keys |= {r["key"] for r in op.rows}
            self._backlog_keys |= {r["occurrence"] for r in op.rows}
        log.error("airing log: %d record(s) waiting in memory", len(self._backlog))
        if exc is None:
            self.flush()

    def _existing(self, keys: set[str]) -> bool:
        try:
            with self.db.session() as s:
                return s.exec(select(Airing.id).where(col(Airing.key).in_(keys)).limit(1)).first() is not None
        except OperationalError:
            return False

    def recover(self, now: datetime) -> Recovered:
        """After a crash or power cut: whatever was playing was interrupted, and whatever
        was still waiting in its sequence was missed. Nothing that made a sound is replayed.

        A scheduled occurrence killed before any of it sounded (written, then killed while
        its audio was being prepared) is reopened: its rows are removed, so that catch-up
        airs it late, or records it missed when the catch-up window has passed.
        """
        with self.db.session() as s:
            waiting = s.exec(select(Airing.occurrence).where(Airing.outcome == Outcome.PENDING.value,
                                                             Airing.manual == False)).all()  # noqa: E712  # fmt: skip
            reopened: list[datetime] = []
            for occ in set(waiting):
                rows = s.exec(select(Airing).where(Airing.occurrence == occ)).all()
                if all(r.outcome in _SILENT and r.started_at is None for r in rows):
                    reopened.append(min(r.scheduled_at for r in rows))
                    s.exec(delete(Airing).where(Airing.occurrence == occ))  # type: ignore[call-overload]
            interrupted = s.exec(
                update(Airing)  # type: ignore[call-overload]
                .where(Airing.outcome == Outcome.IN_PROGRESS.value)
                .values(outcome=Outcome.INTERRUPTED.value, ended_at=now, reason="daemon stopped during the airing")
            ).rowcount
            missed = s.exec(
                update(Airing)  # type: ignore[call-overload]
                .where(Airing.outcome == Outcome.PENDING.value)
                .values(outcome=Outcome.MISSED.value, reason="daemon stopped before this item")
            ).rowcount
            s.commit()
        return Recovered(interrupted, missed, sorted(reopened))

    def heartbeat(self, now: datetime, *, started: datetime | None = None) -> None:
        """Note that the daemon is alive; also the moment to write what waits in memory."""
        if not self.flush():
            return
        try:
            with self.db.session() as s:
                state = s.get(DaemonState, 1)
                if state is None:
                    state = DaemonState(id=1, alive_at=now, started_at=started or now)
                state.alive_at = now
                if started is not None:
                    state.started_at = started
                s.add(state)
                s.commit()
        except OperationalError as exc:
            if started is not None:
                raise
            log.error("cannot note the daemon alive in the database: %s", _reason(exc))

    # -- reading ------------------------------------------------------------------------

    def last_alive(self) -> datetime | None:
        with self.db.session() as s:
            state = s.get(DaemonState, 1)
            return state.alive_at if state else None

    def handled(self, occurrence_keys: Iterable[str]) -> set[str]:
        keys = list(occurrence_keys)
        if not keys:
            return set()
        with self._lock:
            found = {k for k in keys if k in self._backlog_keys}
        with self.db.session() as s:
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                found |= set(s.exec(select(Airing.occurrence).where(col(Airing.occurrence).in_(chunk)).distinct()))
            return found

    def rows_by_occurrence(self, occurrence_keys: Iterable[str]) -> dict[str, list[Airing]]:
        """The logged rows of each of these occurrences that has any, in position order."""
        keys = list(occurrence_keys)
        found: dict[str, list[Airing]] = {}
        with self.db.session() as s:
            for i in range(0, len(keys), 500):
                stmt = select(Airing).where(col(Airing.occurrence).in_(keys[i : i + 500]))
                for row in s.exec(stmt.order_by(Airing.occurrence, Airing.position, Airing.id)):
                    found.setdefault(row.occurrence, []).append(row)
        return found

    def rows(self, occurrence: str) -> list[Airing]:
        return self.rows_by_occurrence([occurrence]).get(occurrence, [])

    def recent(self, limit: int = 5) -> list[Airing]:
        with self.db.session() as s:
            stmt = select(Airing).where(col(Airing.outcome).not_in([Outcome.PENDING.value]))
            return list(s.exec(stmt.order_by(col(Airing.scheduled_at).desc(), col(Airing.position).desc()).limit(limit)))

    def history(self) -> History:
        """What selection needs: when each clip last aired, and what each item last played."""
        aired = (Outcome.AIRED.value, Outcome.PARTIAL.value, Outcome.IN_PROGRESS.value)
        with self.db.session() as s:
            last = s.exec(
                select(Airing.clip_id, func.max(func.coalesce(Airing.started_at, Airing.scheduled_at)))
                .where(col(Airing.outcome).in_(aired), col(Airing.clip_id).is_not(None))
                .group_by(Airing.clip_id)
            ).all()
            by_item = s.exec(
                select(Airing.item, Airing.clip_id, func.max(Airing.scheduled_at))
                .where(col(Airing.outcome).in_(aired), col(Airing.item).is_not(None))
                .group_by(Airing.item)
            ).all()
        return History(
            last_aired={cid: _aware(t) for cid, t in last},
            last_by_item={item: cid for item, cid, _ in by_item},
        )


def _reason(exc: OperationalError) -> str:
    return str(exc.orig or exc).strip()


def _aware(value: datetime | str) -> datetime:
    """max() over a UTCDateTime column loses the column type: SQLite returns its text."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
