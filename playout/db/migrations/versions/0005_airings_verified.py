"""What the output's monitor heard of each airing: verified, the measured onset, why not.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (nullable, no default): instant on SQLite and PostgreSQL alike, however
    # long the log.
    op.add_column("airings", sa.Column("verified", sa.Boolean(), nullable=True))
    op.add_column("airings", sa.Column("heard_lateness_ms", sa.Integer(), nullable=True))
    op.add_column("airings", sa.Column("verify_note", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("airings") as batch:
        batch.drop_column("verify_note")
        batch.drop_column("heard_lateness_ms")
        batch.drop_column("verified")
