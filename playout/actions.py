"""Who did what: the actor behind a manual action, and the journal of manual actions.

Every manual action (air now, skip, retire, import, schedule reload) is recorded with the
person who did it (a web account, or the Unix user behind the command line) and from where
(an address, or the process on the studio PC). The airing log's rows that an action touched
carry the same actor; the journal also keeps actions that touch no airing (retire, import,
reload) and those that were refused.
"""

from __future__ import annotations

import logging
import os
import pwd
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from playout.clock import Clock
from playout.db import Database
from playout.db.models import Action

log = logging.getLogger("playout.actions")

# Who may do what. Reading (status) is for anyone the daemon lets in; operating the
# transmitter and changing the library is for technicians and the station's Unix users.
OPERATORS = {"technician", "operator"}
DIFF_CHARS = 20_000  # a schedule change's diff kept with it (a week's files are a few kB)


@dataclass(frozen=True)
class Actor:
    """A person acting: `name` is the web account or the Unix user; `via` is "web" or "cli";
    `address` is where from (the browser's address, or the local process); `role` decides
    what they may do ("technician", "manager" for web accounts; "operator" for a Unix user
    in the station's group)."""

    name: str
    via: str
    address: str
    role: str

    def may_operate(self) -> bool:
        return self.role in OPERATORS

    def describe(self) -> str:
        return f"{self.name} ({self.via}, {self.address})"


def unix_user(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def command_line_actor() -> Actor:
    """The person running a `playout` command on this PC (the import and retire commands
    write the database themselves; the daemon learns the caller from the kernel instead)."""
    return Actor(unix_user(os.getuid()), "cli", f"pid {os.getpid()}", "operator")


class ActionLog:
    """The journal of manual actions. A write that fails (disk full, locked) is logged and
    does not stop the action: the person has already done it."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def record(self, actor: Actor, action: str, detail: str = "", outcome: str = "ok", diff: str | None = None) -> None:
        row = Action(at=self.clock.now(), actor=actor.name[:64], via=actor.via[:8], address=actor.address[:64],
                     action=action[:32], detail=detail[:500], outcome=outcome[:500],
                     diff=diff[:DIFF_CHARS] if diff else None)  # fmt: skip
        try:
            with self.db.session() as s:
                s.add(row)
                s.commit()
        except OperationalError as exc:
            log.error("manual action not journalled (%s): %s %s by %s", exc.orig, action, detail, actor.describe())
        log.info("manual action: %s %s by %s: %s", action, detail, actor.describe(), outcome)

    def between(self, start: datetime, end: datetime, offset: int = 0, limit: int | None = None) -> tuple[list[Action], int]:
        """Actions in [start, end), newest first, and how many there are."""
        where = (Action.at >= start, Action.at < end)
        with self.db.session() as s:
            total = s.execute(select(func.count()).select_from(Action).where(*where)).scalar_one()
            stmt = select(Action).where(*where).order_by(Action.at.desc(), Action.id.desc()).offset(offset)  # type: ignore[union-attr]
            if limit is not None:
                stmt = stmt.limit(limit)
            return list(s.execute(stmt).scalars()), total
