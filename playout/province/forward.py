"""Store and forward: a station's records up to the province's central PostgreSQL.

The transport is a direct PostgreSQL connection (psycopg), not a broker or an HTTP service
of our own: the province already runs PostgreSQL for the central record; its protocol has
TLS and per-station accounts; and its transactions give what store and forward needs. One
batch is read from the station's outbox, written centrally in one transaction as upserts
keyed by (station, key), and only then removed from the outbox. A link that drops, a central
server that restarts or a forwarder killed anywhere in between leaves the batch in the
outbox, and sending it again changes nothing: never lost, never doubled.

Each airing row is sent as the station has it at the moment of sending (a `pending` row
sent early is overwritten when its outcome is sent), and a row the station removed (an
occurrence reopened after a crash) is removed centrally too: the central log is the union
of the stations' logs, row for row.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, create_engine, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from playout.clock import Clock
from playout.db import Database, engine_url
from playout.db.health import sqlite_path
from playout.db.models import Airing, Clip
from playout.errors import PlayoutError
from playout.province.models import (
    BulletinReport,
    Outbox,
    ProvinceAiring,
    ProvinceClip,
    ProvinceLink,
    ProvinceStation,
)

log = logging.getLogger("playout.province")

# Fault injection for the tests: after a batch is committed centrally and before it leaves
# the outbox, create this file and wait there to be killed.
FAULT_HOLD_ENV = "PLAYOUT_FAULT_FORWARD_HOLD"

_AIRING_COLUMNS = [c.name for c in Airing.__table__.columns if c.name != "id"]  # type: ignore[attr-defined]
_CLIP_COLUMNS = [c.name for c in ProvinceClip.__table__.columns if c.name not in ("id", "station_id", "clip_id")]  # type: ignore[attr-defined]
_REPORT_COLUMNS = [c.name for c in BulletinReport.__table__.columns if c.name != "id"]  # type: ignore[attr-defined]


def central_engine(url: str, timeout_s: float = 30.0) -> Engine:
    """An engine for the central server over a link that drops: short connect timeout, TCP
    keepalives and a user timeout so that a dead 4G link fails a transaction in `timeout_s`
    instead of hanging on it; a connection is checked before use after a server restart."""
    probe = max(1, round(timeout_s / 6))
    return create_engine(
        engine_url(url), pool_pre_ping=True, pool_size=1, max_overflow=1,
        connect_args={"connect_timeout": max(2, round(timeout_s / 6)), "keepalives": 1, "keepalives_idle": probe,
                      "keepalives_interval": probe, "keepalives_count": 3, "tcp_user_timeout": round(timeout_s * 1000),
                      "application_name": "playout-forward"},
    )  # fmt: skip


class Forwarder:
    """Moves one station's outbox into the central record."""

    def __init__(self, local: Database, central: Engine, station_id: str, clock: Clock, *, name: str = "",
                 batch_rows: int = 2000, tz: str = "Asia/Ho_Chi_Minh") -> None:  # fmt: skip
        if local.engine.dialect.name != "sqlite":
            raise PlayoutError("province.station_not_sqlite")
        self.local = local
        self.central = central
        self.station_id = station_id
        self.name = name
        self.clock = clock
        self.batch_rows = batch_rows
        self.tz = tz  # the station's time zone: its airings are summed by its local days
        self._lock = threading.Lock()

    # -- the station side ---------------------------------------------------------------

    def join(self) -> bool:
        """Turn the outbox on; the first time, queue everything already recorded (a station
        that joins a province forwards its history). True when it joined now."""
        with self.local.session() as s:
            link = s.get(ProvinceLink, 1)
            if link is not None:
                if link.station_id != self.station_id:
                    raise PlayoutError("province.station_id_changed", old=link.station_id, new=self.station_id)
                return False
            s.add(ProvinceLink(id=1, station_id=self.station_id, joined_at=self.clock.now(), sums_version=DAY_SUMS))
            s.flush()
            s.execute(text("INSERT INTO outbox (kind, ref) SELECT 'clip', CAST(id AS TEXT) FROM clips ORDER BY id"))
            s.execute(text("INSERT INTO outbox (kind, ref) SELECT 'airing', key FROM airings ORDER BY id"))
            s.execute(text("INSERT INTO outbox (kind, ref) SELECT 'report', CAST(id AS TEXT) FROM bulletin_reports"))
            s.commit()
        log.info("this station joined the province as %s; its history is queued for the central record",
                 self.station_id)  # fmt: skip
        return True

    def queued(self) -> int:
        with self.local.session() as s:
            return s.execute(select(func.count()).select_from(Outbox)).scalar_one()

    def note(self, *, error: str | None) -> None:
        """Record how the last attempt went (shown by `playout province status`)."""
        values: dict[str, Any] = {"last_error": error}
        if error is None:
            values["last_forward_at"] = self.clock.now()
        with self.local.session() as s:
            s.execute(update(ProvinceLink).where(ProvinceLink.id == 1).values(**values))
            s.commit()

    # -- forwarding ---------------------------------------------------------------------

    def forward_batch(self, health: dict[str, Any] | None = None) -> int:
        """Forward the oldest batch of the outbox; the number of queue entries settled."""
        with self._lock:
            with self.local.session() as s:
                entries = s.execute(select(Outbox.seq, Outbox.kind, Outbox.ref).order_by(Outbox.seq)
                                    .limit(self.batch_rows)).all()  # fmt: skip
                link = s.get(ProvinceLink, 1)
                resum = link is not None and link.sums_version < DAY_SUMS
                if not entries and health is None and not resum:
                    return 0
                refs: dict[str, set[str]] = {"airing": set(), "clip": set(), "report": set()}
                for _seq, kind, ref in entries:
                    refs.setdefault(kind, set()).add(ref)
                airings = _raw_airings(s, sorted(refs["airing"]))
                clips = _rows(s, Clip, Clip.id, sorted(int(r) for r in refs["clip"]))
                reports = _rows(s, BulletinReport, BulletinReport.id, sorted(int(r) for r in refs["report"]))
            gone = refs["airing"] - {a[0] for a in airings}
            self._send(airings, gone, clips, reports, health, resum)
            if resum:
                with self.local.session() as s:
                    s.execute(update(ProvinceLink).where(ProvinceLink.id == 1).values(sums_version=DAY_SUMS))
                    s.commit()
                log.info("this station's daily sums in the central record were summed again (version %d)", DAY_SUMS)
            hold = os.environ.get(FAULT_HOLD_ENV)
            if hold and entries:
                Path(hold).write_text(str(len(entries)))
                threading.Event().wait()  # killed here by the test
            if entries:
                seqs = [e[0] for e in entries]
                with self.local.session() as s:
                    for i in range(0, len(seqs), 500):
                        s.execute(delete(Outbox).where(Outbox.seq.in_(seqs[i : i + 500])))  # type: ignore[union-attr]
                    s.commit()
            return len(entries)

    def forward_all(self, health: dict[str, Any] | None = None, *, stop: threading.Event | None = None) -> int:
        """Forward until the outbox is empty (or `stop` is set); the entries settled.

        One forwarder at a time per station file (the daemon's link, `playout province
        forward`): two reading the same row at different moments could otherwise land the
        older state last. A lock file beside the database, dropped by the kernel however
        the holder ends."""
        with _forward_lock(self.local):
            total = self.forward_batch(health)
            while total and not (stop and stop.is_set()):
                n = self.forward_batch()
                if not n:
                    break
                total += n
            return total

    def _send(self, airings: list[tuple], gone: set[str], clips: list[dict], reports: list[dict],
              health: dict[str, Any] | None, resum: bool = False) -> None:  # fmt: skip
        sid = self.station_id
        now = self.clock.now()
        with self.central.begin() as c:
            station = pg_insert(ProvinceStation.__table__).values(
                station_id=sid, name=self.name, last_heard_at=now, health=json.dumps(health or {}, ensure_ascii=False))
            set_: dict[str, Any] = {"last_heard_at": station.excluded.last_heard_at, "name": station.excluded.name}
            if health is not None:
                set_["health"] = station.excluded.health
            c.execute(station.on_conflict_do_update(index_elements=["station_id"], set_=set_))
            touched: set[str] = set()
            if airings:
                _upsert_airings(c, sid, airings)
                touched |= {a[_SCHEDULED] for a in airings}
            table = ProvinceAiring.__table__  # type: ignore[attr-defined]
            for keys in _chunks(sorted(gone)):
                removed = c.execute(delete(table).where(table.c.station_id == sid, table.c.key.in_(keys))
                                    .returning(table.c.scheduled_at))  # fmt: skip
                touched |= {str(t.astimezone(UTC).replace(tzinfo=None)) for (t,) in removed}
            if resum:  # every day of this station's, summed the way this version sums them
                params = {"s": sid, "tz": self.tz}
                c.execute(text("DELETE FROM province_airing_days WHERE station_id = :s"), params)
                c.execute(text("INSERT INTO province_airing_days (station_id, day, kind, programme, clip_id, outcome, "
                               "share_permille, airings, played_ms, manual) " + day_sums("station_id = :s")), params)
            elif touched:
                _rebuild_days(c, sid, self.tz, touched)
            if clips:
                stmt = pg_insert(ProvinceClip.__table__)
                stmt = stmt.on_conflict_do_update(constraint="uq_province_clips_station_clip",
                                                  set_={k: stmt.excluded[k] for k in _CLIP_COLUMNS})  # fmt: skip
                c.execute(stmt, [{"station_id": sid, "clip_id": r["id"], **{k: r[k] for k in _CLIP_COLUMNS}}
                                 for r in clips])  # fmt: skip
            if reports:
                stmt = pg_insert(BulletinReport.__table__).on_conflict_do_nothing(constraint="uq_bulletin_reports")
                c.execute(stmt, [{k: r[k] for k in _REPORT_COLUMNS} for r in reports])


@contextmanager
def _forward_lock(local: Database) -> Iterator[None]:
    path = sqlite_path(local.url)
    if path is None:
        yield
        return
    fd = os.open(f"{path}.forward.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _raw_airings(session, keys: list[str]) -> list[tuple]:  # noqa: ANN001
    """The airing rows as SQLite keeps them (text, numbers), in _AIRING_COLUMNS order: they
    go to COPY as text, so they are not turned into Python objects and back."""
    found: list[tuple] = []
    stmt = text(f"SELECT {', '.join(_AIRING_COLUMNS)} FROM airings WHERE key IN :keys").bindparams(
        bindparam("keys", expanding=True))
    for chunk in _chunks(keys):
        found += [tuple(r) for r in session.execute(stmt, {"keys": chunk})]
    return found


# SQLite keeps UTC datetimes as naive text; COPY is told they are UTC.
_UTC_TEXT = {i for i, k in enumerate(_AIRING_COLUMNS) if k in ("scheduled_at", "started_at", "ended_at")}
_SCHEDULED = _AIRING_COLUMNS.index("scheduled_at")
_BOOL = {i for i, k in enumerate(_AIRING_COLUMNS) if k in ("manual", "verified")}
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_line(station_id: str, row: tuple) -> str:
    """One row in COPY's text format."""
    out = [station_id.translate(_COPY_ESCAPES)]
    for i, v in enumerate(row):
        if v is None:
            out.append("\\N")
        elif i in _UTC_TEXT:
            out.append(f"{v}+00")
        elif i in _BOOL:
            out.append("t" if v else "f")
        else:
            out.append(str(v).translate(_COPY_ESCAPES))
    return "\t".join(out)


def _upsert_airings(conn, station_id: str, airings: list[tuple]) -> None:  # noqa: ANN001
    """COPY the batch into a temporary table, then one INSERT ... ON CONFLICT DO UPDATE from
    it: PostgreSQL's bulk path (a row-by-row upsert from Python runs ten times slower)."""
    cols = ", ".join(_AIRING_COLUMNS)
    updates = ", ".join(f"{k} = EXCLUDED.{k}" for k in _AIRING_COLUMNS if k != "key")
    conn.execute(text(f"CREATE TEMP TABLE incoming_airings ON COMMIT DROP AS "
                      f"SELECT station_id, {cols} FROM province_airings WITH NO DATA"))  # fmt: skip
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY incoming_airings (station_id, {cols}) FROM STDIN") as copy:
        copy.write("".join(_copy_line(station_id, a) + "\n" for a in airings))
    conn.execute(text(f"INSERT INTO province_airings (station_id, {cols}) SELECT station_id, {cols} "
                      f"FROM incoming_airings ON CONFLICT ON CONSTRAINT uq_province_airings_station_key "
                      f"DO UPDATE SET {updates}"))  # fmt: skip
    conn.execute(text("DROP TABLE incoming_airings"))


# An item aired to several zones has a row per zone: aired (whole or partly) it counts once,
# as in a station's own tally; what did not air counts per row, as there too.
DAY_SUMS = 2  # the way day_sums counts; 1: an item whole in one zone and partial in another counted twice


def day_sums(where: str, tz: str = ":tz") -> str:
    """The daily sums of the central log's rows that match `where`, by station, local day
    (`tz`, an SQL expression), kind, programme, clip, outcome and share of a partial airing.
    An item (occurrence and position) that went out in any zone is one airing however many
    zones it went to: aired if it aired whole in one, else partial with its largest share;
    its air time its longest run among them, by hand once. What did not air counts once per
    item and outcome, as a station's own tally counts."""
    share = "CASE WHEN duration_ms > 0 THEN (1000 * played_ms::bigint / duration_ms)::int END"
    day = f"(scheduled_at AT TIME ZONE {tz})::date"
    whole = "bool_or(outcome = 'aired')"
    return ("SELECT station_id, day, kind, programme, clip_id, outcome, share, count(*), coalesce(sum(ms), 0), "
            "sum(CASE WHEN by_hand THEN 1 ELSE 0 END) FROM ("
            f"SELECT station_id, {day} AS day, kind, programme, clip_id, "
            f"CASE WHEN {whole} THEN 'aired' ELSE 'partial' END AS outcome, "
            f"CASE WHEN {whole} THEN NULL ELSE max({share}) END AS share, "
            "max(played_ms) AS ms, bool_or(manual) AS by_hand FROM province_airings "
            f"WHERE ({where}) AND outcome IN ('aired', 'partial') GROUP BY 1, 2, 3, 4, 5, occurrence, position "
            "UNION ALL "
            f"SELECT station_id, {day} AS day, kind, programme, clip_id, outcome, NULL AS share, "
            "max(played_ms) AS ms, bool_or(manual) AS by_hand FROM province_airings "
            f"WHERE ({where}) AND outcome NOT IN ('aired', 'partial') GROUP BY 1, 2, 3, 4, 5, 6, occurrence, position"
            ") AS items GROUP BY 1, 2, 3, 4, 5, 6, 7")


def _rebuild_days(conn, station_id: str, tz: str, scheduled: set[str]) -> None:  # noqa: ANN001
    """Sum again the station's local days these airings fall on (province_airing_days)."""
    zone = ZoneInfo(tz)
    days = sorted({datetime.fromisoformat(t).replace(tzinfo=UTC).astimezone(zone).date() for t in scheduled})
    lo = datetime.combine(days[0], datetime.min.time(), tzinfo=UTC) - timedelta(days=1)
    hi = datetime.combine(days[-1], datetime.min.time(), tzinfo=UTC) + timedelta(days=2)
    params = {"s": station_id, "tz": tz, "days": days, "lo": lo, "hi": hi}
    conn.execute(text("DELETE FROM province_airing_days WHERE station_id = :s AND day = ANY(:days)"), params)
    conn.execute(text(
        "INSERT INTO province_airing_days (station_id, day, kind, programme, clip_id, outcome, share_permille, "
        "airings, played_ms, manual) " + day_sums(
            "station_id = :s AND scheduled_at >= :lo AND scheduled_at < :hi "
            "AND (scheduled_at AT TIME ZONE :tz)::date = ANY(:days)")), params)  # fmt: skip


def _chunks(items: list, size: int = 500):  # noqa: ANN202
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _rows(session, model, column, refs: list) -> list[dict]:  # noqa: ANN001
    found: list[dict] = []
    for chunk in _chunks(refs):
        found += [dict(r._mapping) for r in session.execute(select(model.__table__).where(column.in_(chunk)))]
    return found


def describe(exc: BaseException) -> str:
    """One line for the log and for status: why the central server could not be reached."""
    if isinstance(exc, SQLAlchemyError):
        orig = getattr(exc, "orig", None)
        return str(orig or exc).strip().splitlines()[0] if str(orig or exc).strip() else type(exc).__name__
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def last_forward(local: Database) -> tuple[str | None, datetime | None, str | None]:
    """(station id, last successful forward, last error) from the station's own file."""
    with local.session() as s:
        link = s.get(ProvinceLink, 1)
        return (link.station_id, link.last_forward_at, link.last_error) if link else (None, None, None)

