"""Which way a station's daily sums in the central record were made: days summed before
an item aired in two zones (whole in one, mostly in another) counted once are summed again
by the station's next forward.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A constant default: SQLite adds it without rewriting the table.
    op.add_column("province_link", sa.Column("sums_version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("province_link") as batch:
        batch.drop_column("sums_version")
