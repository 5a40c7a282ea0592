"""The clip library.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from playout.db.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clips",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("programme", sa.String(), nullable=True),
        sa.Column("episode_date", sa.Date(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("tags", sa.String(), nullable=False, server_default=""),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("loudness_before_lufs", sa.Float(), nullable=False),
        sa.Column("loudness_after_lufs", sa.Float(), nullable=False),
        sa.Column("true_peak_before_dbtp", sa.Float(), nullable=False),
        sa.Column("true_peak_after_dbtp", sa.Float(), nullable=False),
        sa.Column("sample_rate", sa.Integer(), nullable=False),
        sa.Column("channels", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("source_hash", sa.String(64), nullable=False),
        sa.Column("original_name", sa.String(), nullable=False),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_clips_kind", "clips", ["kind"])
    op.create_index("ix_clips_programme", "clips", ["programme"])
    op.create_index("ix_clips_source_hash", "clips", ["source_hash"])


def downgrade() -> None:
    op.drop_table("clips")
