from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from sqlmodel import select

from playout.db import open_database
from playout.db.models import Clip
from playout.errors import DatabaseError


def clip(**kw) -> Clip:  # noqa: ANN003
    base = dict(
        title="t", kind="slogan", duration_ms=1000, loudness_before_lufs=-20, loudness_after_lufs=-16,
        true_peak_before_dbtp=-3, true_peak_after_dbtp=-1.5, sample_rate=48000, channels=1,
        content_hash="a" * 64, source_hash="b" * 64, original_name="t.wav", path="aa/a.flac",
        imported_at=datetime(2026, 11, 28, 8, 0, tzinfo=UTC),
    )  # fmt: skip
    return Clip(**{**base, **kw})


def test_schema_is_created_in_wal_mode_and_datetimes_come_back_aware(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'p.db'}")
    ict = timezone(timedelta(hours=7))
    with db.session() as s:
        s.add(clip(imported_at=datetime(2026, 11, 28, 15, 0, tzinfo=ict)))
        s.commit()
    with db.session() as s:
        [c] = s.exec(select(Clip)).all()
    assert c.imported_at == datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    assert c.imported_at.tzinfo is not None
    con = sqlite3.connect(tmp_path / "p.db")
    assert con.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert con.execute("select imported_at from clips").fetchone()[0].startswith("2026-11-28 08:00:00")


def test_naive_datetimes_are_refused(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'p.db'}")
    with db.session() as s, pytest.raises(Exception, match="naive datetime"):
        s.add(clip(imported_at=datetime(2026, 11, 28, 8, 0)))
        s.commit()


def test_reopening_keeps_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    db = open_database(url)
    with db.session() as s:
        s.add(clip())
        s.commit()
    db.dispose()
    with open_database(url).session() as s:
        assert len(s.exec(select(Clip)).all()) == 1


def test_a_database_from_a_newer_playout_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    open_database(f"sqlite:///{path}").dispose()
    con = sqlite3.connect(path)
    con.execute("update alembic_version set version_num = '9999'")
    con.commit()
    con.close()
    with pytest.raises(DatabaseError) as info:
        open_database(f"sqlite:///{path}")
    assert "newer playout (schema 9999)" in info.value.render("en")


def test_migrations_build_the_schema_the_models_describe(tmp_path: Path) -> None:
    """The migrations own the schema; the SQLModel classes must agree with them."""
    from sqlalchemy import inspect

    from playout.db.models import SQLModel

    db = open_database(f"sqlite:///{tmp_path / 'p.db'}")
    live = inspect(db.engine)
    for table in SQLModel.metadata.sorted_tables:
        assert {c["name"] for c in live.get_columns(table.name)} == {c.name for c in table.columns}, table.name
        model_indexes = {i.name for i in table.indexes}
        assert model_indexes <= {i["name"] for i in live.get_indexes(table.name)}, table.name


def test_an_old_database_is_upgraded_in_place_with_its_rows(tmp_path: Path) -> None:
    """A database made by the first schema (clips only) gains the later tables, rows kept."""
    from alembic import command

    from playout.db import Database, _alembic_config

    path = tmp_path / "old.db"
    old = Database(f"sqlite:///{path}")
    cfg = _alembic_config()
    with old.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    with old.session() as s:
        s.add(clip())
        s.commit()
    old.dispose()
    db = open_database(f"sqlite:///{path}")
    with db.session() as s:
        assert len(s.exec(select(Clip)).all()) == 1
    con = sqlite3.connect(path)
    assert con.execute("select version_num from alembic_version").fetchone()[0] == "0010"
    assert con.execute("select count(*) from airings").fetchone()[0] == 0
