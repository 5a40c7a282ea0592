"""The airing log and the daemon's heartbeat.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from playout.db.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "airings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(160), nullable=False, unique=True),
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
    )
    op.create_index("ix_airings_occurrence", "airings", ["occurrence"])
    op.create_index("ix_airings_slot", "airings", ["slot"])
    op.create_index("ix_airings_scheduled_at", "airings", ["scheduled_at"])
    op.create_index("ix_airings_clip_id", "airings", ["clip_id"])
    op.create_index("ix_airings_programme", "airings", ["programme"])
    op.create_index("ix_airings_outcome", "airings", ["outcome"])
    op.create_table(
        "daemon_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("alive_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("daemon_state")
    op.drop_table("airings")
