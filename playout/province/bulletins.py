"""Bulletins down: the province publishes, each targeted station fetches, checks, imports and
acts by level, and reports back up.

Levels (Thông tư 39/2020/TT-BTTTT): thông thường (normal) waits for the station's
technician to accept it; ưu tiên (priority) airs after the current airing; khẩn cấp
(emergency) airs at once, interrupting it. A bulletin is aired only inside its validity
window: one that reaches a station after the window (a station offline until then) is
recorded as received and expired, never aired.

Every step is a row in the station's `bulletin_reports` (received, aired, accepted,
rejected, expired, failed), forwarded up by the outbox like its airings.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePath

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from playout.clock import Clock
from playout.db import Database
from playout.db.models import Airing
from playout.errors import PlayoutError, UsageError
from playout.library.importer import Importer, ImportRequest, Status
from playout.model import Kind, Level
from playout.province.models import Bulletin, BulletinReport, StationBulletin

log = logging.getLogger("playout.province")

MAX_AUDIO_BYTES = 100 * 1024 * 1024  # a bulletin is minutes of audio; this is hours of WAV

# Outcomes that mean a scheduled bulletin went out.
AIRED_OUTCOMES = ("aired", "partial")


def _write_atomically(path: Path, text: str) -> None:
    """A schedule file appears whole or not at all (the daemon may read it at any moment)."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# What a station does on receipt, by level.
AIRS_ON_RECEIPT = {Level.PRIORITY, Level.EMERGENCY}


class State:
    WAITING = "waiting"  # normal: for the technician; priority/emergency: for its window to open
    AIRED = "aired"
    SCHEDULED = "scheduled"  # normal, accepted into a slot of its own in the schedule: airs at that time
    REJECTED = "rejected"
    EXPIRED = "expired"
    FAILED = "failed"


# -- the province's side ------------------------------------------------------------------


def publish(central: Engine, audio: Path, *, title: str, level: Level, targets: list[str] | None,
            valid_from: datetime, valid_until: datetime, by: str, clock: Clock) -> Bulletin:  # fmt: skip
    """Store a bulletin centrally for its targets (None: every station)."""
    title = title.strip()
    if not title:
        raise UsageError("bulletin.no_title")
    if valid_until <= valid_from:
        raise UsageError("bulletin.bad_window", start=valid_from.isoformat(), end=valid_until.isoformat())
    try:
        data = audio.read_bytes()
    except OSError as exc:
        raise UsageError("bulletin.unreadable", path=audio, detail=exc.strerror or str(exc)) from None
    if not data or len(data) > MAX_AUDIO_BYTES:
        raise UsageError("bulletin.bad_size", path=audio, limit=MAX_AUDIO_BYTES // (1024 * 1024))
    if targets is not None:
        targets = sorted({t.strip().lower() for t in targets if t.strip()})
        if not targets or any("," in t or t == "*" for t in targets):
            raise UsageError("bulletin.bad_targets")
    row = Bulletin(
        uid=str(uuid.uuid4()), title=title, level=level.value, audio=data, audio_hash=hashlib.sha256(data).hexdigest(),
        original_name=PurePath(audio).name, targets="*" if targets is None else ",".join(targets),
        valid_from=valid_from, valid_until=valid_until, published_at=clock.now(), published_by=by,
    )  # fmt: skip
    with central.begin() as c:
        c.execute(Bulletin.__table__.insert().values(**row.model_dump(exclude={"id"})))  # type: ignore[attr-defined]
    return row


# -- the station's side -------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    uid: str
    title: str
    level: str
    state: str


AirNow = Callable[[int, Level], str]  # airs a clip at a level; the airing's key


class StationBulletins:
    """Fetches this station's bulletins from the central database and acts on them."""

    def __init__(self, local: Database, station_id: str, clock: Clock, importer: Callable[[], Importer],
                 tz) -> None:  # noqa: ANN001  # fmt: skip
        self.local = local
        self.station_id = station_id
        self.clock = clock
        self.importer = importer
        self.tz = tz

    # -- fetching -----------------------------------------------------------------------

    def fetch(self, central: Engine, air_now: AirNow | None) -> list[Received]:
        """Take every bulletin for this station not received yet; act on those due. Raises
        the central database's error when the link is down (nothing is lost: what was not
        taken is taken next time)."""
        table = Bulletin.__table__  # type: ignore[attr-defined]
        with self.local.session() as s:
            known = set(s.execute(select(StationBulletin.uid)).scalars())
        with central.connect() as c:
            listed = c.execute(select(table.c.uid, table.c.targets).order_by(table.c.published_at)).all()
        got: list[Received] = []
        for uid, targets in listed:
            if uid in known or (targets != "*" and self.station_id not in targets.split(",")):
                continue
            with central.connect() as c:
                b = c.execute(select(table).where(table.c.uid == uid)).one()
            got.append(self._receive(Bulletin(**b._mapping)))
        got += self.act(air_now)
        return got

    def _receive(self, b: Bulletin) -> Received:
        now = self.clock.now()
        row = StationBulletin(uid=b.uid, title=b.title, level=b.level, valid_from=b.valid_from,
                              valid_until=b.valid_until, state=State.WAITING, received_at=now)  # fmt: skip
        if now >= b.valid_until:
            row.state, row.detail = State.EXPIRED, "received after its validity window"
        elif hashlib.sha256(b.audio).hexdigest() != b.audio_hash:
            row.state, row.detail = State.FAILED, "the audio does not match its hash"
        else:
            clip_id, problem = self._import(b)
            if clip_id is None:
                row.state, row.detail = State.FAILED, problem
            row.clip_id = clip_id
        events = [("received", None)]
        if row.state != State.WAITING:
            events.append((row.state, row.detail))
        with self.local.session() as s:
            s.add(row)
            for event, detail in events:
                s.add(self._report(b.uid, event, detail=detail))
            try:
                s.commit()
            except IntegrityError:  # received meanwhile by another fetch
                s.rollback()
        log.warning("bulletin received from the province: %s (%s), %s", b.title, b.level, row.state)
        return Received(b.uid, b.title, b.level, row.state)

    def _import(self, b: Bulletin) -> tuple[int | None, str | None]:
        """The normal import steps (probe, analyse, render, hash, store, register)."""
        suffix = PurePath(b.original_name).suffix.lower()[:8] or ".audio"
        with tempfile.TemporaryDirectory(prefix="playout-bulletin-") as tmp:
            path = Path(tmp) / f"bulletin{suffix}"
            path.write_bytes(b.audio)
            request = ImportRequest(kind=Kind.ANNOUNCEMENT, title=b.title, tags=("province",),
                                    valid_from=b.valid_from.astimezone(self.tz).date(),
                                    valid_until=b.valid_until.astimezone(self.tz).date())  # fmt: skip
            result = self.importer().import_one(path, request, shown_as=b.original_name)
        if result.status in (Status.IMPORTED, Status.DUPLICATE) and result.clip is not None:
            return result.clip.id, None
        return None, result.error.render("en") if result.error else "import failed"

    # -- acting -------------------------------------------------------------------------

    def act(self, air_now: AirNow | None) -> list[Received]:
        """Air what is due by its level; expire what is past its window."""
        now = self.clock.now()
        done: list[Received] = []
        with self.local.session() as s:
            waiting = list(s.execute(select(StationBulletin).where(StationBulletin.state == State.WAITING)).scalars())
            scheduled = list(s.execute(select(StationBulletin).where(StationBulletin.state == State.SCHEDULED)).scalars())
        for b in scheduled:  # accepted into a slot: aired once the log says its occurrence aired
            with self.local.session() as s:
                row = s.execute(select(Airing).where(Airing.occurrence == b.airing_key, Airing.clip_id == b.clip_id,
                                                     Airing.outcome.in_(AIRED_OUTCOMES))).scalars().first()  # type: ignore[attr-defined]  # fmt: skip
            if row is not None:
                self._settle(b, State.AIRED, None, ref=row.key, actor=b.decided_by)
                done.append(Received(b.uid, b.title, b.level, b.state))
            elif now >= b.valid_until:
                self._settle(b, State.EXPIRED, "its slot passed without it airing")
                done.append(Received(b.uid, b.title, b.level, b.state))
        for b in waiting:
            if now >= b.valid_until:
                self._settle(b, State.EXPIRED, "its validity window ended before it aired")
            elif Level(b.level) in AIRS_ON_RECEIPT and now >= b.valid_from and air_now is not None:
                self._air(b, Level(b.level), air_now, "station")
            else:
                continue
            done.append(Received(b.uid, b.title, b.level, b.state))
        return done

    def accept(self, uid: str, by: str, air_now: AirNow) -> StationBulletin:
        """The technician accepts a normal bulletin: it airs after the current airing."""
        b = self._waiting(uid)
        if self.clock.now() >= b.valid_until:
            self._settle(b, State.EXPIRED, "its validity window ended before it aired")
            raise PlayoutError("bulletin.expired", title=b.title)
        if self.clock.now() < b.valid_from:
            raise PlayoutError("bulletin.not_yet", title=b.title,
                               start=b.valid_from.astimezone(self.tz).strftime("%Y-%m-%d %H:%M"))  # fmt: skip
        with self.local.session() as s:
            s.add(self._report(uid, "accepted", actor=by))
            s.commit()
        return self._air(b, Level.NORMAL, air_now, by)

    def schedule(self, uid: str, by: str, at: datetime, folder: Path) -> StationBulletin:
        """The technician accepts a normal bulletin into the schedule at `at` (within its
        validity window): a one-day slot of its own is written to `folder` as a schedule file
        like any other (seen in the week, editable, removable), and the daemon airs it then."""
        from playout.scheduling.expand import occurrence_key

        b = self._waiting(uid)
        now = self.clock.now()
        if not (max(now, b.valid_from) <= at < b.valid_until):
            raise PlayoutError("bulletin.outside_window", title=b.title,
                               start=max(now, b.valid_from).astimezone(self.tz).strftime("%Y-%m-%d %H:%M"),
                               end=b.valid_until.astimezone(self.tz).strftime("%Y-%m-%d %H:%M"))  # fmt: skip
        if b.clip_id is None:
            return self._settle(b, State.FAILED, "no clip in the library")
        local = at.astimezone(self.tz).replace(second=0, microsecond=0)
        slot_id = f"ban-tin-{b.uid[:8].lower()}"
        name = json.dumps(f"Bản tin: {b.title}", ensure_ascii=False)  # a TOML basic string, whatever the title
        who = " ".join(by.split())
        text = (f"# Bản tin của tỉnh, duyệt phát bởi {who} lúc {now.astimezone(self.tz):%Y-%m-%d %H:%M}.\n"
                f"# Tệp do playout viết; có thể sửa hoặc xoá (xoá thì bản tin không phát).\n"
                f'[[slot]]\nid = "{slot_id}"\nname = {name}\ntimes = ["{local:%H:%M}"]\n'
                f"valid_from = {local:%Y-%m-%d}\nvalid_until = {local:%Y-%m-%d}\nchime = false\n"
                f"  [[slot.item]]\n  clip = {b.clip_id}\n")  # fmt: skip
        _write_atomically(folder / f"{slot_id}.toml", text)
        with self.local.session() as s:
            s.add(self._report(uid, "accepted", actor=by))
            s.commit()
        b.airing_key, b.decided_by = occurrence_key(slot_id, local), by
        log.warning("bulletin %s accepted into the schedule at %s by %s", b.title, local.isoformat(), by)
        return self._settle(b, State.SCHEDULED, f"at {local:%Y-%m-%d %H:%M}", ref=b.airing_key, actor=by)

    def reject(self, uid: str, by: str) -> StationBulletin:
        b = self._waiting(uid)
        b.decided_by = by
        return self._settle(b, State.REJECTED, None, actor=by)

    def list(self) -> list[StationBulletin]:
        with self.local.session() as s:
            return list(s.execute(select(StationBulletin).order_by(StationBulletin.received_at.desc())).scalars())  # type: ignore[attr-defined]

    def _waiting(self, uid: str) -> StationBulletin:
        with self.local.session() as s:
            found = list(s.execute(select(StationBulletin).where(StationBulletin.uid.startswith(uid))).scalars())  # type: ignore[attr-defined]
        if len(found) != 1:
            raise PlayoutError("bulletin.not_found", uid=uid)
        if found[0].state != State.WAITING:
            raise PlayoutError("bulletin.not_waiting", title=found[0].title, state=found[0].state)
        return found[0]

    def _air(self, b: StationBulletin, level: Level, air_now: AirNow, by: str) -> StationBulletin:
        if b.clip_id is None:
            return self._settle(b, State.FAILED, "no clip in the library")
        key = air_now(b.clip_id, level)
        b.airing_key, b.decided_by = key, by
        log.warning("bulletin %s aired at level %s as %s", b.title, level.value, key)
        return self._settle(b, State.AIRED, None, ref=key, actor=by)

    def _settle(self, b: StationBulletin, state: str, detail: str | None, *, ref: str = "",
                actor: str | None = None) -> StationBulletin:  # fmt: skip
        b.state, b.detail = state, detail
        b.decided_at = self.clock.now()
        with self.local.session() as s:
            s.merge(b)
            s.add(self._report(b.uid, state, ref=ref, detail=detail, actor=actor))
            s.commit()
        return b

    def _report(self, uid: str, event: str, *, ref: str = "", detail: str | None = None,
                actor: str | None = None) -> BulletinReport:  # fmt: skip
        return BulletinReport(bulletin_uid=uid, station_id=self.station_id, event=event, ref=ref or "",
                              at=self.clock.now(), actor=actor or "station", detail=detail)  # fmt: skip
