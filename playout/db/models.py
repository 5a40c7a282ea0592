"""Tables, as SQLModel classes. The schema itself is owned by the Alembic migrations beside
this file: a change here needs a new migration, and `tests/db` checks the two agree."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import DateTime, String, TypeDecorator
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
