"""The database adapter on a real PostgreSQL: the same migrations, the same models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from playout.db import open_database
import playout.province.models  # noqa: F401  (the province tables join the metadata)
from playout.db.models import Airing, Clip, SQLModel
from playout.errors import DatabaseError
from tests.db.test_database import clip


def test_migrations_build_the_models_schema_on_postgresql(central_url: str) -> None:
    db = open_database(central_url)
    assert db.engine.dialect.name == "postgresql"
    live = inspect(db.engine)
    for table in SQLModel.metadata.sorted_tables:
        assert {c["name"] for c in live.get_columns(table.name)} == {c.name for c in table.columns}, table.name
    with db.engine.connect() as c:
        head = c.execute(text("select version_num from alembic_version")).scalar_one()
    db.dispose()
    # Opening again finds the schema current and changes nothing.
    again = open_database(central_url)
    with again.engine.connect() as c:
        assert c.execute(text("select version_num from alembic_version")).scalar_one() == head
    again.dispose()


def test_aware_datetimes_and_unique_keys_hold_on_postgresql(central_url: str) -> None:
    db = open_database(central_url)
    ict = timezone(timedelta(hours=7))
    with db.session() as s:
        s.add(clip(imported_at=datetime(2026, 11, 28, 15, 0, tzinfo=ict), title="Khẩu hiệu Đồng hành"))
        s.commit()
    with db.session() as s:
        [c] = s.exec(select(Clip)).all()
    assert c.imported_at == datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    assert c.title == "Khẩu hiệu Đồng hành"
    row = dict(key="a@2026-11-30T05:30/1", occurrence="a@2026-11-30T05:30", position=1, slot="a",
               scheduled_at=datetime(2026, 11, 29, 22, 30, tzinfo=UTC), outcome="aired")  # fmt: skip
    with db.session() as s:
        s.add(Airing(**row))
        s.commit()
    with pytest.raises(Exception, match="unique|duplicate"), db.session() as s:
        s.add(Airing(**row))
        s.commit()
    db.dispose()


def test_a_newer_schema_is_refused_on_postgresql(central_url: str) -> None:
    open_database(central_url).dispose()
    db = open_database(central_url)
    with db.engine.begin() as c:
        c.execute(text("update alembic_version set version_num = '9999'"))
    db.dispose()
    with pytest.raises(DatabaseError) as info:
        open_database(central_url)
    assert "9999" in info.value.render("en")
