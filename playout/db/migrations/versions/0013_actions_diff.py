"""What a schedule change changed: the unified diff of the files the web page's editor wrote,
kept with the action that wrote them (the Activity page shows it).

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (nullable, no default): instant however long the journal.
    op.add_column("actions", sa.Column("diff", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("actions") as batch:
        batch.drop_column("diff")
