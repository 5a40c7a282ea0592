"""The airing log: the source of truth for what aired.

Every occurrence is written before it plays (one `pending` row per item, in one transaction
whose unique keys make a second attempt fail), each item is marked `in_progress` when its
sound starts and given its outcome when it ends. SQLite runs with full sync, so each of these
writes survives a power cut. The daemon decides "already aired?" from here, never from
APScheduler's job store.

When the database cannot be written (disk full, locked longer than the busy timeout, an I/O
error) the station keeps airing: records wait in memory, in order, and in the journal (a file
preallocated at start-up, see playout/journal.py) so that a kill or a power cut loses none of
them; the daemon says so loudly, and they are written as soon as the database takes writes
again, or replayed from the journal at the next start. "Already aired?" is answered from the
database and from these waiting records together.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import col, select

from playout.db import Database
from playout.db.models import Airing, DaemonState
from playout.journal import Journal
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


@dataclass(frozen=True)
class _Reopen:
    """Remove an occurrence's rows: it was cut off before any sound and airs again."""

    occurrence: str


_Op = _Insert | _Update | _Reopen


def _to_record(op: _Op) -> dict[str, Any]:
    if isinstance(op, _Insert):
        return {"op": "insert", "rows": op.rows}
    if isinstance(op, _Update):
        return {"op": "update", "key": op.key, "values": op.values}
    return {"op": "reopen", "occurrence": op.occurrence}


def _from_record(rec: dict[str, Any]) -> _Op:
    if rec["op"] == "insert":
        return _Insert(rec["rows"])
    if rec["op"] == "update":
        return _Update(rec["key"], rec["values"])
    return _Reopen(rec["occurrence"])


class AiringLog:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.RLock()
        # Records the database did not take yet, oldest first; written by flush().
        self._backlog: list[_Op] = []
        self._backlog_keys: set[str] = set()
        self._reopened: set[str] = set()  # occurrences whose database rows a waiting _Reopen removes
        self.write_error: str | None = None
        self.journal: Journal | None = None

    def open_journal(self, path: Path) -> None:
        """Replay what a previous run left in the journal, then keep it ready (preallocated)
        for the next time the database refuses a write."""
        journal = Journal(path)
        try:
            records = journal.open()
        except OSError as exc:
            log.error("cannot prepare the airing log's journal %s (%s): if the database cannot be written, "
                      "records will be kept in memory only", path, exc.strerror)  # fmt: skip
            return
        with self._lock:
            self.journal = journal
            if records:
                log.warning("the airing log's journal holds %d record(s) from the last run; writing them", len(records))
                self._backlog.extend(_from_record(r) for r in records)
                self._index()
                if not self.flush():
                    log.error("CANNOT WRITE THE AIRING LOG (%s): %d record(s) from the journal wait for it",
                              self.write_error, len(self._backlog))  # fmt: skip

    def _index(self) -> None:
        keys: set[str] = set()
        reopened: set[str] = set()
        for op in self._backlog:
            if isinstance(op, _Insert):
                for r in op.rows:
                    keys |= {r["key"], r["occurrence"]}
                    reopened.discard(r["occurrence"])
            elif isinstance(op, _Reopen):
                keys = {k for k in keys if k != op.occurrence and not k.startswith(op.occurrence + "/")}
                reopened.add(op.occurrence)
        self._backlog_keys, self._reopened = keys, reopened

    # -- writing ------------------------------------------------------------------------

    def insert(self, rows: Iterable[Airing]) -> list[Airing] | None:
        """Write rows in one transaction; None if any key exists already (aired before)."""
        rows = list(rows)
        values = [r.model_dump(exclude={"id"}) for r in rows]
        with self._lock:
            if self._backlog:
                keys = {v["key"] for v in values}
                if keys & self._backlog_keys or (self._existing(keys) and not {v["occurrence"] for v in values}
                                                 <= self._reopened):  # fmt: skip
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
                        elif isinstance(op, _Update):
                            s.exec(update(Airing).where(Airing.key == op.key).values(**op.values))  # type: ignore[call-overload]
                        else:
                            s.exec(delete(Airing).where(Airing.occurrence == op.occurrence))  # type: ignore[call-overload]
                    s.commit()
            except OperationalError as exc:
                self.write_error = _reason(exc)
                return False
            log.warning("the airing log is written again: %d record(s) kept in memory are saved", len(self._backlog))
            self._backlog.clear()
            self._index()
            self.write_error = None
            if self.journal is not None:
                self.journal.clear()  # before any other write: a replay must not undo a later one
            return True

    def _keep(self, op: _Op, exc: OperationalError | None = None) -> None:
        if exc is not None:
            self.write_error = _reason(exc)
            log.error("CANNOT WRITE THE AIRING LOG (%s): airing goes on; records are kept in the journal and in "
                      "memory and written when the database takes writes again. Free disk space now.",
                      self.write_error)  # fmt: skip
        self._backlog.append(op)
        self._index()
        kept = self.journal is not None and self.journal.append(_to_record(op))
        log.error("airing log: %d record(s) waiting%s", len(self._backlog),
                  " (safe in the journal)" if kept else " IN MEMORY ONLY: a stop or a power cut loses them")  # fmt: skip
        if exc is None:
            self.flush()

    @property
    def journaled(self) -> bool:
        """Whether the records that wait are safe in the journal."""
        return self.journal is not None and self.journal.used > 0

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
        with self._lock:
            if not self._backlog:
                try:
                    return self._recover_in_database(now)
                except OperationalError as exc:
                    self.write_error = _reason(exc)
            return self._recover_waiting(now)

    def _recover_in_database(self, now: datetime) -> Recovered:
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

    def _recover_waiting(self, now: datetime) -> Recovered:
        """The same as in the database, when the database cannot be written: the rows as the
        database and the waiting records make them, settled by more waiting records."""
        state: dict[str, dict[str, Any]] = {}
        with self.db.session() as s:
            open_occ = set(s.exec(select(Airing.occurrence).where(
                col(Airing.outcome).in_([Outcome.PENDING.value, Outcome.IN_PROGRESS.value]))))  # fmt: skip
        for occ, rows in self.rows_by_occurrence(open_occ - self._reopened).items():
            for r in rows:
                state[r.key] = r.model_dump(exclude={"id"})
        for op in self._backlog:
            if isinstance(op, _Insert):
                for r in op.rows:
                    state.setdefault(r["key"], dict(r))
            elif isinstance(op, _Update):
                if op.key in state:
                    state[op.key].update(op.values)
            else:
                state = {k: v for k, v in state.items() if v["occurrence"] != op.occurrence}
        by_occ: dict[str, list[dict[str, Any]]] = {}
        for row in state.values():
            by_occ.setdefault(row["occurrence"], []).append(row)
        interrupted = missed = 0
        reopened: list[datetime] = []
        for occ, rows in sorted(by_occ.items()):
            outcomes = {r["outcome"] for r in rows}
            if not outcomes & {Outcome.PENDING.value, Outcome.IN_PROGRESS.value}:
                continue
            if not any(r["manual"] for r in rows) and all(r["outcome"] in _SILENT and r["started_at"] is None
                                                           for r in rows):  # fmt: skip
                reopened.append(min(r["scheduled_at"] for r in rows))
                self._keep(_Reopen(occ))
                continue
            for r in sorted(rows, key=lambda r: r["position"]):
                if r["outcome"] == Outcome.IN_PROGRESS.value:
                    interrupted += 1
                    self._keep(_Update(r["key"], {"outcome": Outcome.INTERRUPTED.value, "ended_at": now,
                                                  "reason": "daemon stopped during the airing"}))  # fmt: skip
                elif r["outcome"] == Outcome.PENDING.value:
                    missed += 1
                    self._keep(_Update(r["key"], {"outcome": Outcome.MISSED.value,
                                                  "reason": "daemon stopped before this item"}))  # fmt: skip
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
            reopened = set(self._reopened)
        with self.db.session() as s:
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                found |= set(s.exec(select(Airing.occurrence).where(col(Airing.occurrence).in_(chunk)).distinct()))
            return {k for k in found if k not in reopened or k in self._backlog_keys}

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
        """What selection needs: when each clip last aired, and what each item last played;
        an item about to air (pending: its session is on or about to be) counts, so that
        another session picking from the same pool meanwhile does not pick it again."""
        aired = (Outcome.AIRED.value, Outcome.PARTIAL.value, Outcome.IN_PROGRESS.value, Outcome.PENDING.value)
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
