"""The database adapter: SQLite (one studio PC) or PostgreSQL (a province's central log).

Opening a database brings its schema up to date through the migrations, and refuses a
database made by a newer playout rather than guess at columns it does not know.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import re
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, create_engine

from playout.errors import DatabaseError

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).parent / "migrations"


BUSY_TIMEOUT_MS = 15000


def _sqlite_pragmas(durable: bool, busy_timeout_ms: int):  # noqa: ANN202
    def on_connect(dbapi_conn, _record) -> None:  # noqa: ANN001
        # WAL lets exports read while the daemon writes; FULL sync makes a committed airing
        # survive a power cut; the busy timeout makes a writer wait for a long reader.
        # A simulation's log is a preview that can be made again, so it skips the syncs.
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={'FULL' if durable else 'OFF'}")
        cur.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    return on_connect


def _alembic_config() -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


class Database:
    """An engine plus the operations every command needs: sessions and migrations."""

    def __init__(self, url: str, *, durable: bool = True, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.url = url
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine: Engine = create_engine(url)
        except (SQLAlchemyError, ImportError) as exc:
            raise DatabaseError("db.cannot_open", url=url, detail=str(exc)) from None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas(durable, busy_timeout_ms))

    def migrate(self) -> None:
        """Bring the schema to the version this program knows; refuse a newer one."""
        if self._at_head():
            return
        from alembic import command
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        cfg = _alembic_config()
        script = ScriptDirectory.from_config(cfg)
        try:
            with self.engine.begin() as conn:
                current = MigrationContext.configure(conn).get_current_revision()
                if current is not None and current not in {r.revision for r in script.walk_revisions()}:
                    raise DatabaseError("db.newer", url=self.url, revision=current)
                if current != script.get_current_head():
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
        except SQLAlchemyError as exc:
            raise DatabaseError("db.cannot_open", url=self.url, detail=str(exc.orig or exc)) from None

    def _at_head(self) -> bool:
        """Whether the database is already at this program's one head revision, read without
        Alembic: loading Alembic costs every short command (an export, a status) most of a
        second, and almost every open finds the schema current."""
        head = _head_revision()
        if head is None:
            return False
        try:
            with self.engine.connect() as conn:
                return conn.execute(text("select version_num from alembic_version")).scalars().all() == [head]
        except SQLAlchemyError:
            return False

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


@cache
def _head_revision() -> str | None:
    """The revision no migration builds on, from the migration files; None unless exactly one."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        if m := re.search(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", source, re.M):
            revisions.add(m.group(1))
        if m := re.search(r"^down_revision\s*=\s*(.*)$", source, re.M):
            parents.update(re.findall(r"['\"]([^'\"]+)['\"]", m.group(1)))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def open_database(url: str, *, durable: bool = True, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Database:
    db = Database(url, durable=durable, busy_timeout_ms=busy_timeout_ms)
    db.migrate()
    return db
