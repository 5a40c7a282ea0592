"""The database adapter: SQLite (one studio PC) or PostgreSQL (a province's central log).

Opening a database brings its schema up to date through the migrations, and refuses a
database made by a newer playout rather than guess at columns it does not know.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import re

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, create_engine

from playout.errors import DatabaseError

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


def engine_url(url: str) -> str:
    """SQLAlchemy reads a plain postgresql:// as psycopg2; playout ships psycopg 3."""
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def _alembic_config():  # noqa: ANN202
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _head_from_files() -> str | None:
    """The newest migration, read from the migration files' text; None unless there is
    exactly one. Importing alembic takes a second or more on a busy studio PC, and every
    command and every daemon restart opens the database: alembic is loaded only to upgrade."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for f in (MIGRATIONS / "versions").glob("*.py"):
        body = f.read_text(encoding="utf-8")
        rev = re.search(r"^revision\b[^=\n]*=\s*['\"]([^'\"]+)['\"]", body, re.M)
        down = re.search(r"^down_revision\b[^=\n]*=(.*)$", body, re.M)
        if rev is None or down is None:
            return None
        revisions.add(rev.group(1))
        parents |= set(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


class Database:
    """An engine plus the operations every command needs: sessions and migrations."""

    def __init__(self, url: str, *, durable: bool = True, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.url = url
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine: Engine = create_engine(engine_url(url))
        except (SQLAlchemyError, ImportError) as exc:
            raise DatabaseError("db.cannot_open", url=url, detail=str(exc)) from None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas(durable, busy_timeout_ms))

    def migrate(self) -> None:
        """Bring the schema to the version this program knows; refuse a newer one."""
        head = _head_from_files()
        if head is not None:
            try:
                with self.engine.connect() as conn:
                    if conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head]:
                        return  # up to date: the usual case
            except SQLAlchemyError:
                pass  # a new database, or one to look at closely: alembic decides
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

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, *, durable: bool = True, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Database:
    db = Database(url, durable=durable, busy_timeout_ms=busy_timeout_ms)
    db.migrate()
    return db
