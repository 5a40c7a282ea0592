"""Zones: the group of loudspeakers each airing-log row aired to.

Revision ID: 0010
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (nullable, no default): instant however long the log; rows written
    # before zones existed keep NULL (the station's one output).
    op.add_column("airings", sa.Column("zone", sa.String(64), nullable=True))
    # The province's copy of every station's log carries it too.
    op.add_column("province_airings", sa.Column("zone", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("province_airings") as batch:
        batch.drop_column("zone")
    with op.batch_alter_table("airings") as batch:
        batch.drop_column("zone")
