"""Tables, as SQLModel classes. The schema itself is owned by the Alembic migrations beside
this file: a change here needs a new migration, and `tests/db` checks the two agree."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import DateTime, Index, String, TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, whatever the database keeps.

    SQLite has no time zone type: values are stored as naive UTC text and come back aware,
    so code never compares a naive and an aware datetime.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # noqa: ANN001
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):  # noqa: ANN001
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Clip(SQLModel, table=True):
    """One audio file in the library. Rows are never deleted: a clip that aired stays in the
    history, and a retired clip is simply never chosen again."""

    __tablename__ = "clips"

    id: int | None = Field(default=None, primary_key=True)
    title: str
    kind: str = Field(sa_type=String(16), index=True)
    programme: str | None = Field(default=None, index=True)
    episode_date: date | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    tags: str = ""
    duration_ms: int
    loudness_before_lufs: float
    loudness_after_lufs: float
    true_peak_before_dbtp: float
    true_peak_after_dbtp: float
    sample_rate: int
    channels: int
    content_hash: str = Field(sa_type=String(64), unique=True)
    source_hash: str = Field(sa_type=String(64), index=True)
    original_name: str
    path: str
    imported_at: datetime = Field(sa_type=UTCDateTime)
    retired: bool = False
    retired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(",") if t]


class Airing(SQLModel, table=True):
    """One item of one occurrence, as handled by the daemon: the airing log (as-run log).

    Written before play starts and again when it ends; never deleted. `key` (the occurrence
    key plus the item's position) is unique, which is what makes an airing happen once only.
    """

    __tablename__ = "airings"
    __table_args__ = (Index("ix_airings_time_position", "scheduled_at", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_type=String(160), unique=True)
    occurrence: str = Field(sa_type=String(160), index=True)
    position: int
    slot: str = Field(sa_type=String(64), index=True)
    item: str | None = Field(default=None, sa_type=String(80))  # "slot#n" of the schedule item
    scheduled_at: datetime = Field(sa_type=UTCDateTime, index=True)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    played_ms: int = 0
    lateness_ms: int | None = None
    clip_id: int | None = Field(default=None, index=True)
    title: str | None = None
    programme: str | None = Field(default=None, index=True)
    kind: str | None = Field(default=None, sa_type=String(16))
    duration_ms: int | None = None
    content_hash: str | None = Field(default=None, sa_type=String(64))
    output: str | None = None
    outcome: str = Field(sa_type=String(16), index=True)
    reason: str | None = None
    manual: bool = False
    level: str | None = Field(default=None, sa_type=String(16))
    # Confidence monitoring: None where nothing listens to the output; True when the item was
    # heard whole at the output, with the onset measured there; False with the reason.
    verified: bool | None = None
    heard_lateness_ms: int | None = None
    verify_note: str | None = None
    # Who aired it by hand, or whose skip or emergency ended it: "name (cli|web, where)".
    actor: str | None = Field(default=None, sa_type=String(160))
    # The zone (group of loudspeakers) it aired to; a station with several zones has a row
    # per zone and item, its key ending "@zone". None before zones existed.
    zone: str | None = Field(default=None, sa_type=String(64))
    # An Icecast zone's registered speakers connected throughout the item, and how many are
    # registered ("212 / 230"); heard None when Icecast could not be asked. None elsewhere.
    speakers_heard: int | None = None
    speakers_total: int | None = None


class DaemonState(SQLModel, table=True):
    """A single row: when the daemon was last known alive, to find what fell due while it
    was down (a crash, a power cut) and record it as missed or air it late."""

    __tablename__ = "daemon_state"

    id: int = Field(default=1, primary_key=True)
    alive_at: datetime = Field(sa_type=UTCDateTime)
    started_at: datetime = Field(sa_type=UTCDateTime)


class User(SQLModel, table=True):
    """An account for the web page. Only a password hash (argon2) is kept, never the password."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=String(64), unique=True)
    role: str = Field(sa_type=String(16))
    password_hash: str = Field(sa_type=String(255))
    created_at: datetime = Field(sa_type=UTCDateTime)
    password_changed_at: datetime = Field(sa_type=UTCDateTime)


class Action(SQLModel, table=True):
    """One manual action (air now, skip, retire, import, schedule reload), with who did it
    and from where; refused attempts too. Never deleted, like the airing log."""

    __tablename__ = "actions"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor: str = Field(sa_type=String(64))  # the web account, or the Unix user
    via: str = Field(sa_type=String(8))  # web or cli
    address: str = Field(sa_type=String(64))  # the browser's address, or the local process
    action: str = Field(sa_type=String(32))
    detail: str = ""
    outcome: str = "ok"
    diff: str | None = None  # a schedule change's files, before and after (unified diff)
