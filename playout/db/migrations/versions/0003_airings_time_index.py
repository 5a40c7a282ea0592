"""Index airings by time and position: exports read them in that order without a sort.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_airings_time_position", "airings", ["scheduled_at", "position"])


def downgrade() -> None:
    op.drop_index("ix_airings_time_position", "airings")
