"""Who did what: the journal of manual actions, and the actor on the airings they touched.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from playout.db.models import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("via", sa.String(8), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("detail", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
    )
    op.create_index("ix_actions_at", "actions", ["at"])
    op.add_column("airings", sa.Column("actor", sa.String(160), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("airings") as batch:
        batch.drop_column("actor")
    op.drop_index("ix_actions_at", "actions")
    op.drop_table("actions")
