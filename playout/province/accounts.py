"""A station's PostgreSQL account at the province: what it may touch.

The central tables that carry a station id are under row-level security (migration 0012):
an account listed in `province_accounts` sees and writes only its station's rows. `grant`
lists it there and gives it the table rights forwarding needs; it is run by the province's
own account (the tables' owner), which is not confined.
"""

from __future__ import annotations

from sqlalchemy import text

from playout.db import open_database
from playout.errors import UsageError

# What a station's link writes (its log, its clips, its health, its bulletin reports) and reads.
WRITES = ("province_airings", "province_airing_days", "province_clips", "province_stations", "bulletin_reports")
READS = ("bulletins",)


def grant(url: str, station_id: str, role: str) -> None:
    db = open_database(url)  # the schema, policies included, up to date first
    try:
        with db.engine.begin() as c:
            if c.dialect.name != "postgresql":
                raise UsageError("province.no_central")
            if c.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first() is None:
                raise UsageError("province.no_such_role", role=role)
            quoted = c.dialect.identifier_preparer.quote(role)
            c.execute(text("INSERT INTO province_accounts (role, station_id) VALUES (:r, :s) "
                           "ON CONFLICT (role) DO UPDATE SET station_id = EXCLUDED.station_id"),
                      {"r": role, "s": station_id})  # fmt: skip
            c.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(WRITES)} TO {quoted}"))
            c.execute(text(f"GRANT SELECT ON {', '.join(READS)} TO {quoted}"))
            c.execute(text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {quoted}"))
            c.execute(text(f"GRANT EXECUTE ON FUNCTION province_station_of(name) TO {quoted}"))
            database = c.execute(text("SELECT current_database()")).scalar_one()
            c.execute(text(f"GRANT TEMPORARY ON DATABASE {c.dialect.identifier_preparer.quote(database)} TO {quoted}"))
    finally:
        db.dispose()
