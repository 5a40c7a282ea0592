"""IP loudspeakers: how many registered speakers of an Icecast zone were connected
throughout each item, out of how many registered.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (nullable, no default): instant however long the log. NULL where the
    # zone is not an Icecast mount, or for rows written before speakers were counted.
    for table in ("airings", "province_airings"):  # the province's copy carries them too
        op.add_column(table, sa.Column("speakers_heard", sa.Integer(), nullable=True))
        op.add_column(table, sa.Column("speakers_total", sa.Integer(), nullable=True))


def downgrade() -> None:
    for table in ("province_airings", "airings"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("speakers_total")
            batch.drop_column("speakers_heard")
