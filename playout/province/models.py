"""Tables of the province link. The migration 0008 owns their schema.

Station side: `outbox` (what is still to forward), `province_link` (this station joined a
province), `station_bulletins` (bulletins received and what became of them).
Central side: `province_stations`, `province_airings`, `province_clips`, `bulletins`.
Both: `bulletin_reports` (receipt, acceptance, airing of a bulletin: written by a station,
forwarded up like its airings).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Index, LargeBinary, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from playout.db.models import UTCDateTime


class Outbox(SQLModel, table=True):
    """One change still to forward: which table, which row. Written by a trigger in the same
    transaction as the change itself, so a committed airing is never missing from here."""

    __tablename__ = "outbox"

    seq: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_type=String(16))  # airing, clip, report
    ref: str = Field(sa_type=String(160))  # the airing key, the clip id, the report id


class ProvinceLink(SQLModel, table=True):
    """A single row once this station forwards to a province; its presence turns the outbox
    triggers on (a station outside any province keeps no queue)."""

    __tablename__ = "province_link"

    id: int = Field(default=1, primary_key=True)
    station_id: str = Field(sa_type=String(64))
    joined_at: datetime = Field(sa_type=UTCDateTime)
    last_forward_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = None
    # How this station's daily sums in the central record were made (forward.DAY_SUMS): a
    # station whose days were summed the older way sums them all again at its next forward.
    sums_version: int = 1


class StationBulletin(SQLModel, table=True):
    """A bulletin this station received: its clip in the library and what became of it."""

    __tablename__ = "station_bulletins"

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(sa_type=String(36), unique=True)
    title: str
    level: str = Field(sa_type=String(16))
    valid_from: datetime = Field(sa_type=UTCDateTime)
    valid_until: datetime = Field(sa_type=UTCDateTime)
    clip_id: int | None = None
    state: str = Field(sa_type=String(16))  # waiting, aired, expired, rejected, failed
    received_at: datetime = Field(sa_type=UTCDateTime)
    decided_by: str | None = Field(default=None, sa_type=String(64))
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    airing_key: str | None = Field(default=None, sa_type=String(160))
    detail: str | None = None


class BulletinReport(SQLModel, table=True):
    """One event of one bulletin at one station: received, aired, expired, rejected,
    failed. Idempotent by (bulletin, station, event, ref): forwarding it twice is harmless."""

    __tablename__ = "bulletin_reports"
    __table_args__ = (UniqueConstraint("bulletin_uid", "station_id", "event", "ref", name="uq_bulletin_reports"),)

    id: int | None = Field(default=None, primary_key=True)
    bulletin_uid: str = Field(sa_type=String(36), index=True)
    station_id: str = Field(sa_type=String(64))
    event: str = Field(sa_type=String(16))
    ref: str = Field(default="", sa_type=String(160))  # the airing key for "aired"
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str | None = Field(default=None, sa_type=String(64))  # who decided (a person), or the station
    detail: str | None = None


class ProvinceStation(SQLModel, table=True):
    """Central: one row per station, with when it was last heard and its health (what
    `playout status` says)."""

    __tablename__ = "province_stations"

    station_id: str = Field(sa_type=String(64), primary_key=True)
    name: str = ""
    last_heard_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    health: str = Field(default="{}", sa_type=Text)  # JSON


class ProvinceAiring(SQLModel, table=True):
    """Central: a station's airing-log row, as the station has it (the same columns)."""

    __tablename__ = "province_airings"
    __table_args__ = (
        UniqueConstraint("station_id", "key", name="uq_province_airings_station_key"),
        Index("ix_province_airings_time", "scheduled_at", "station_id"),
        Index("ix_province_airings_station_time", "station_id", "scheduled_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    station_id: str = Field(sa_type=String(64))
    key: str = Field(sa_type=String(160))
    occurrence: str = Field(sa_type=String(160))
    position: int
    slot: str = Field(sa_type=String(64))
    item: str | None = Field(default=None, sa_type=String(80))
    scheduled_at: datetime = Field(sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    played_ms: int = 0
    lateness_ms: int | None = None
    clip_id: int | None = None
    title: str | None = None
    programme: str | None = None
    kind: str | None = Field(default=None, sa_type=String(16))
    duration_ms: int | None = None
    content_hash: str | None = Field(default=None, sa_type=String(64))
    output: str | None = None
    outcome: str = Field(sa_type=String(16))
    reason: str | None = None
    manual: bool = False
    level: str | None = Field(default=None, sa_type=String(16))
    verified: bool | None = None
    heard_lateness_ms: int | None = None
    verify_note: str | None = None
    actor: str | None = Field(default=None, sa_type=String(160))
    zone: str | None = Field(default=None, sa_type=String(64))
    speakers_heard: int | None = None
    speakers_total: int | None = None


class ProvinceAiringDay(SQLModel, table=True):
    """Central: the airings of one station and local day, grouped down to the clip and the
    outcome; what the province's tally reads (a year of a hundred stations is ten million
    airings, and a tally must not scan them). Rebuilt for the days each forwarded batch
    touches, in the same transaction. A partial airing keeps its played share (per mille),
    so that the tally's partial rule still applies."""

    __tablename__ = "province_airing_days"
    __table_args__ = (Index("ix_province_airing_days_station_day", "station_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    station_id: str = Field(sa_type=String(64))
    day: date = Field(index=True)
    kind: str | None = Field(default=None, sa_type=String(16))
    programme: str | None = None
    clip_id: int | None = None
    outcome: str = Field(sa_type=String(16))
    share_permille: int | None = None  # partial airings only: floor(1000 * played / duration)
    airings: int
    played_ms: int = Field(sa_type=BigInteger)
    manual: int


class ProvinceClip(SQLModel, table=True):
    """Central: a station's clip catalogue (metadata only; the audio stays at the station)."""

    __tablename__ = "province_clips"
    __table_args__ = (UniqueConstraint("station_id", "clip_id", name="uq_province_clips_station_clip"),)

    id: int | None = Field(default=None, primary_key=True)
    station_id: str = Field(sa_type=String(64))
    clip_id: int
    title: str
    kind: str = Field(sa_type=String(16))
    programme: str | None = None
    episode_date: date | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    duration_ms: int
    content_hash: str = Field(sa_type=String(64))
    imported_at: datetime = Field(sa_type=UTCDateTime)
    retired: bool = False


class Bulletin(SQLModel, table=True):
    """Central: a bulletin the province published. The audio travels in the row (a bulletin
    is minutes long), with its sha256 so a station can check what it fetched."""

    __tablename__ = "bulletins"

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(sa_type=String(36), unique=True)
    title: str
    level: str = Field(sa_type=String(16))  # normal, priority, emergency
    audio: bytes = Field(sa_type=LargeBinary)
    audio_hash: str = Field(sa_type=String(64))
    original_name: str
    targets: str = Field(sa_type=Text)  # "*" or station ids separated by commas
    valid_from: datetime = Field(sa_type=UTCDateTime)
    valid_until: datetime = Field(sa_type=UTCDateTime)
    published_at: datetime = Field(sa_type=UTCDateTime)
    published_by: str = Field(sa_type=String(64))
