"""The airing log: the source of truth for what aired.

Every occurrence is written before it plays (one `pending` row per item, in one transaction
whose unique keys make a second attempt fail), each item is marked `in_progress` when its
sound starts and given its outcome when it ends. SQLite runs with full sync, so each of these
writes survives a power cut. The daemon decides "already aired?" from here, never from
APScheduler's job store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from playout.db import Database
from playout.db.models import Airing, DaemonState
from playout.model import Outcome
from playout.scheduling.select import History


@dataclass(frozen=True)
class Recovered:
    interrupted: int
    missed: int


class AiringLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- writing ------------------------------------------------------------------------

    def insert(self, rows: Iterable[Airing]) -> list[Airing] | None:
        """Write rows in one transaction; None if any key exists already (aired before)."""
        rows = list(rows)
        with self.db.session() as s:
            s.add_all(rows)
            try:
                s.commit()
            except IntegrityError:
                s.rollback()
                return None
            for r in rows:
                s.refresh(r)
        return rows

    def update(self, row: Airing, **values: object) -> Airing:
        with self.db.session() as s:
            s.exec(update(Airing).where(Airing.id == row.id).values(**values))  # type: ignore[call-overload]
            s.commit()
        for key, value in values.items():
            setattr(row, key, value)
        return row

    def recover(self, now: datetime) -> Recovered:
        """After a crash or power cut: whatever was playing was interrupted, and whatever
        was still waiting in its sequence was missed. Nothing is replayed."""
        with self.db.session() as s:
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
        return Recovered(interrupted, missed)

    def heartbeat(self, now: datetime, *, started: datetime | None = None) -> None:
        with self.db.session() as s:
            state = s.get(DaemonState, 1)
            if state is None:
                state = DaemonState(id=1, alive_at=now, started_at=started or now)
            state.alive_at = now
            if started is not None:
                state.started_at = started
            s.add(state)
            s.commit()

    # -- reading ------------------------------------------------------------------------

    def last_alive(self) -> datetime | None:
        with self.db.session() as s:
            state = s.get(DaemonState, 1)
            return state.alive_at if state else None

    def handled(self, occurrence_keys: Iterable[str]) -> set[str]:
        keys = list(occurrence_keys)
        if not keys:
            return set()
        with self.db.session() as s:
            found: set[str] = set()
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                found |= set(s.exec(select(Airing.occurrence).where(col(Airing.occurrence).in_(chunk)).distinct()))
            return found

    def rows(self, occurrence: str) -> list[Airing]:
        with self.db.session() as s:
            return list(s.exec(select(Airing).where(Airing.occurrence == occurrence).order_by(Airing.position)))

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


def _aware(value: datetime | str) -> datetime:
    """max() over a UTCDateTime column loses the column type: SQLite returns its text."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
