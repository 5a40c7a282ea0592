"""Accounts for the web page: a technician does everything, a manager reads and exports.

Passwords are kept only as argon2id hashes (argon2-cffi's defaults, rehashed when those
change). Checking a name that does not exist costs as much as checking a wrong password, so
the answer time does not tell which names exist.
"""

from __future__ import annotations

import re
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import select

from playout.clock import Clock
from playout.db import Database
from playout.db.models import User
from playout.errors import NotFound, UsageError
from playout.library.steps import nfc

MIN_PASSWORD = 8
_NAME = re.compile(r"^[\w.@-]{1,64}$")


class Role(StrEnum):
    TECHNICIAN = "technician"  # kỹ thuật viên: library, schedule, air now, and all a manager does
    MANAGER = "manager"  # lãnh đạo: reads, exports the log and the tally
    PROVINCE = "province"  # the province's staff, on the province's view of the central database only


class UserRepository:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self.hasher = PasswordHasher()
        self._dummy = self.hasher.hash("not a password of anyone")

    @staticmethod
    def check_name(name: str) -> str:
        name = nfc(name.strip())
        if not _NAME.match(name):
            raise UsageError("users.bad_name", name=name)
        return name

    @staticmethod
    def check_role(role: str) -> Role:
        try:
            return Role(role.strip().lower())
        except ValueError:
            raise UsageError("users.bad_role", value=role, choices=", ".join(r.value for r in Role)) from None

    @staticmethod
    def check_password(password: str) -> str:
        if len(password) < MIN_PASSWORD:
            raise UsageError("users.short_password", minimum=MIN_PASSWORD)
        return password

    def get(self, name: str) -> User | None:
        with self.db.session() as s:
            return s.exec(select(User).where(User.name == nfc(name.strip()))).first()

    def list(self) -> list[User]:
        with self.db.session() as s:
            return list(s.exec(select(User).order_by(User.name)))

    def add(self, name: str, role: str, password: str) -> User:
        name, kind = self.check_name(name), self.check_role(role)
        self.check_password(password)
        if self.get(name) is not None:
            raise UsageError("users.exists", name=name)
        now = self.clock.now()
        user = User(name=name, role=kind.value, password_hash=self.hasher.hash(password), created_at=now,
                    password_changed_at=now)  # fmt: skip
        with self.db.session() as s:
            s.add(user)
            s.commit()
            s.refresh(user)
        return user

    def _existing(self, name: str) -> User:
        user = self.get(name)
        if user is None:
            raise NotFound("users.not_found", name=name)
        return user

    def _keeps_a_technician(self, user: User, new_role: str | None) -> None:
        """Nobody could manage the accounts or air anything from the page without a technician."""
        if user.role != Role.TECHNICIAN.value or new_role == Role.TECHNICIAN.value:
            return
        if sum(1 for u in self.list() if u.role == Role.TECHNICIAN.value) <= 1:
            raise UsageError("users.last_technician", name=user.name)

    def set_role(self, name: str, role: str, *, keep_technician: bool = True) -> tuple[User, bool]:
        """Give an account another role; returns it and whether it changed."""
        user, kind = self._existing(name), self.check_role(role)
        if user.role == kind.value:
            return user, False
        if keep_technician:
            self._keeps_a_technician(user, kind.value)
        with self.db.session() as s:
            row = s.get(User, user.id)
            assert row is not None
            row.role = kind.value
            s.add(row)
            s.commit()
            s.refresh(row)
            return row, True

    def remove(self, name: str, *, keep_technician: bool = False) -> None:
        user = self._existing(name)
        if keep_technician:
            self._keeps_a_technician(user, None)
        with self.db.session() as s:
            s.delete(s.get(User, user.id))
            s.commit()

    def set_password(self, name: str, password: str) -> None:
        user = self._existing(name)
        self._store_hash(user, self.hasher.hash(self.check_password(password)))

    def _store_hash(self, user: User, password_hash: str) -> None:
        with self.db.session() as s:
            row = s.get(User, user.id)
            assert row is not None
            row.password_hash = password_hash
            row.password_changed_at = self.clock.now()
            s.add(row)
            s.commit()

    def authenticate(self, name: str, password: str) -> User | None:
        """The user if the password is theirs, else None."""
        user = self.get(name) if name.strip() else None
        try:
            self.hasher.verify(user.password_hash if user else self._dummy, password)
        except (VerificationError, InvalidHashError):
            return None
        if user is None:
            return None
        if self.hasher.check_needs_rehash(user.password_hash):
            self._store_hash(user, self.hasher.hash(password))
        return user
