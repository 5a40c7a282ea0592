"""The province's station accounts: each station's PostgreSQL account confined to its rows.

Revision ID: 0012
Revises: 0011

`province_accounts` says which station each database account forwards for (written by
`playout province account`). On PostgreSQL, row-level security on the central tables that
carry a station id lets such an account see and write only its own station's rows: a
station's password cannot read, forge or delete another station's record. The tables' owner
(the province's own account) is not confined; an account not in the table sees nothing. On
SQLite (a station's own file) the table exists for one schema everywhere, unused.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

CONFINED = ("province_airings", "province_airing_days", "province_clips", "province_stations", "bulletin_reports")


def upgrade() -> None:
    op.create_table(
        "province_accounts",
        sa.Column("role", sa.String(63), primary_key=True),
        sa.Column("station_id", sa.String(64), nullable=False),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    # The policies ask "whose account is this?" through a function that runs with its
    # owner's rights, so stations need no right to read the table of accounts itself.
    op.execute(
        "CREATE FUNCTION province_station_of(account name) RETURNS varchar LANGUAGE sql STABLE SECURITY DEFINER "
        "SET search_path = public AS $$ SELECT station_id FROM province_accounts WHERE role = account $$"
    )
    op.execute("REVOKE ALL ON FUNCTION province_station_of(name) FROM PUBLIC")
    for table in CONFINED:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY own_station ON {table} USING (station_id = province_station_of(current_user)) "
                   f"WITH CHECK (station_id = province_station_of(current_user))")  # fmt: skip


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in CONFINED:
            op.execute(f"DROP POLICY own_station ON {table}")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        op.execute("DROP FUNCTION province_station_of(name)")
    op.drop_table("province_accounts")
