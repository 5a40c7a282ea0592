"""The province link: the station's outbox and bulletins; the central record's tables.

Revision ID: 0008
Revises: 0006

Every database gets every table (one schema, one chain of migrations, on SQLite and on
PostgreSQL alike); a station uses its side, the central server its own. The outbox triggers
exist only on SQLite, the stations' engine: they queue each change of an airing, a clip or a
bulletin report in the transaction that makes it, once the station has joined a province.
"""

import sqlalchemy as sa
from alembic import op

from playout.db.models import UTCDateTime

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None

_QUEUED = {  # table -> (outbox kind, the row's reference)
    "airings": ("airing", "key"),
    "clips": ("clip", "CAST({row}.id AS TEXT)"),
    "bulletin_reports": ("report", "CAST({row}.id AS TEXT)"),
}


def _triggers() -> list[tuple[str, str]]:
    found = []
    for table, (kind, ref) in _QUEUED.items():
        for when, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            name = f"outbox_{table}_{when.lower()}"
            value = ref.format(row=row) if "{row}" in ref else f"{row}.{ref}"
            found.append((name, f"CREATE TRIGGER {name} AFTER {when} ON {table} "
                                f"WHEN EXISTS (SELECT 1 FROM province_link) "
                                f"BEGIN INSERT INTO outbox (kind, ref) VALUES ('{kind}', {value}); END"))  # fmt: skip
    return found


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("ref", sa.String(160), nullable=False),
    )
    op.create_table(
        "province_link",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
        sa.Column("last_forward_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
    )
    op.create_table(
        "station_bulletins",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uid", sa.String(36), nullable=False, unique=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("valid_from", UTCDateTime(), nullable=False),
        sa.Column("valid_until", UTCDateTime(), nullable=False),
        sa.Column("clip_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("airing_key", sa.String(160), nullable=True),
        sa.Column("detail", sa.String(), nullable=True),
    )
    op.create_table(
        "bulletin_reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("bulletin_uid", sa.String(36), nullable=False),
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("ref", sa.String(160), nullable=False, server_default=""),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=True),
        sa.Column("detail", sa.String(), nullable=True),
        sa.UniqueConstraint("bulletin_uid", "station_id", "event", "ref", name="uq_bulletin_reports"),
    )
    op.create_index("ix_bulletin_reports_bulletin_uid", "bulletin_reports", ["bulletin_uid"])
    op.create_table(
        "province_stations",
        sa.Column("station_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(), nullable=False, server_default=""),
        sa.Column("last_heard_at", UTCDateTime(), nullable=True),
        sa.Column("health", sa.Text(), nullable=False, server_default="{}"),
    )
    op.create_table(
        "province_airings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("key", sa.String(160), nullable=False),
        sa.Column("occurrence", sa.String(160), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("slot", sa.String(64), nullable=False),
        sa.Column("item", sa.String(80), nullable=True),
        sa.Column("scheduled_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("played_ms", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("lateness_ms", sa.Integer(), nullable=True),
        sa.Column("clip_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(), nullable=True),
        sa.Column("programme", sa.String(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=True),
        sa.Column("output", sa.String(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("manual", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("level", sa.String(16), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=True),
        sa.Column("heard_lateness_ms", sa.Integer(), nullable=True),
        sa.Column("verify_note", sa.String(), nullable=True),
        sa.Column("actor", sa.String(160), nullable=True),
        sa.UniqueConstraint("station_id", "key", name="uq_province_airings_station_key"),
    )
    op.create_index("ix_province_airings_time", "province_airings", ["scheduled_at", "station_id"])
    op.create_index("ix_province_airings_station_time", "province_airings", ["station_id", "scheduled_at"])
    op.create_table(
        "province_airing_days",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=True),
        sa.Column("programme", sa.String(), nullable=True),
        sa.Column("clip_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("share_permille", sa.Integer(), nullable=True),
        sa.Column("airings", sa.Integer(), nullable=False),
        sa.Column("played_ms", sa.BigInteger(), nullable=False),
        sa.Column("manual", sa.Integer(), nullable=False),
    )
    op.create_index("ix_province_airing_days_day", "province_airing_days", ["day"])
    op.create_index("ix_province_airing_days_station_day", "province_airing_days", ["station_id", "day"])
    op.create_table(
        "province_clips",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("clip_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("programme", sa.String(), nullable=True),
        sa.Column("episode_date", sa.Date(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.UniqueConstraint("station_id", "clip_id", name="uq_province_clips_station_clip"),
    )
    op.create_table(
        "bulletins",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uid", sa.String(36), nullable=False, unique=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("audio", sa.LargeBinary(), nullable=False),
        sa.Column("audio_hash", sa.String(64), nullable=False),
        sa.Column("original_name", sa.String(), nullable=False),
        sa.Column("targets", sa.Text(), nullable=False),
        sa.Column("valid_from", UTCDateTime(), nullable=False),
        sa.Column("valid_until", UTCDateTime(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.Column("published_by", sa.String(64), nullable=False),
    )
    if op.get_context().dialect.name == "sqlite":
        for _name, sql in _triggers():
            op.execute(sql)


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        for name, _sql in _triggers():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for table in ("bulletins", "province_clips", "province_airing_days", "province_airings", "province_stations", "bulletin_reports",
                  "station_bulletins", "province_link", "outbox"):  # fmt: skip
        op.drop_table(table)
