"""IP loudspeakers: the registry the technician keeps, and who is connected to each zone.

The registry is a file (`speakers.toml` beside playout.toml; 230 speakers are easier to edit
in a file than in tables of playout.toml): one `[[speaker]]` table each, with the zone it
listens to and how it is recognised among the listeners Icecast reports: its IP address,
and/or the user name it connects with (`http://ap3-01:PASSWORD@server:8000/ap-3`, reported
by Icecast when the mount has listener authentication). Icecast's admin listing does not
report a listener's query string, so an id in the URL (`?speaker=ap3-01`) cannot be seen.

`Presence` is the pure core of "who is connected": it is fed what each poll of a zone's
Icecast found (or that the poll failed), with the poll's time, and answers from that alone:
which speakers are online and since when, how many listeners are unregistered, and, for an
item that aired from `start` to `end`, how many registered speakers were connected
throughout. Icecast reports each listener's connection age (`Connected`, whole seconds),
so a speaker whose connection at the first poll after the item's end began before the item
did was connected throughout: a drop and reconnection in between would have started a new
connection. No I/O and no clock here; the daemon's poller (playout/daemon/speakers.py)
does the polling, and tests drive this with literal times.
"""

from __future__ import annotations

import ipaddress
import re
import threading
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from playout.i18n import toml_error

DEFAULT_FILE = "speakers.toml"
KEYS = ("id", "zone", "name", "place", "ip", "user")
# Icecast reports a connection's age in whole seconds: a speaker whose connection seems to
# begin up to this much after an item's start is taken as connected at the start.
CONNECTED_SLACK = timedelta(seconds=1)


@dataclass(frozen=True)
class Speaker:
    id: str
    zone: str
    name: str
    place: str = ""
    ip: str | None = None
    user: str | None = None

    def matches(self, listener: Listener) -> bool:
        """Both the address and the user name must match where both are given."""
        if self.user is not None and listener.user != self.user:
            return False
        if self.ip is not None and listener.ip != self.ip:
            return False
        return True


@dataclass(frozen=True)
class Problem:
    """A mistake in the registry file: where, and a message id with its parameters."""

    path: str
    line: int
    msg_id: str
    params: dict = field(default_factory=dict, hash=False, compare=False)

    def render(self, lang: str) -> str:
        from playout.errors import shown
        from playout.i18n import t

        return f"{self.path}:{self.line}: " + t(self.msg_id, lang, **{k: shown(v) for k, v in self.params.items()})


@dataclass(frozen=True)
class Registry:
    speakers: tuple[Speaker, ...] = ()

    def in_zone(self, zone: str) -> list[Speaker]:
        return [s for s in self.speakers if s.zone == zone]


_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_HEADER = re.compile(r"^\s*\[\[\s*speaker\s*\]\]")


def parse_registry(text: str, path: str, zones: dict[str, bool]) -> tuple[Registry, list[Problem]]:
    """The registry from the file's text. `zones` maps each zone id of the configuration to
    whether it is an Icecast zone (only those have speakers that can be seen). Every problem
    is reported with its line; a speaker with a problem is left out, the others kept."""
    problems: list[Problem] = []
    lines = text.split("\n")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        detail, line, _ = toml_error(str(exc))
        return Registry(), [Problem(path, len(lines) if line is None else line, "speakers.syntax", {"detail": detail})]
    except (ValueError, RecursionError):
        return Registry(), [Problem(path, 1, "speakers.syntax", {"detail": "a number or nesting too large"})]
    headers = [n for n, line in enumerate(lines, 1) if _HEADER.match(line)]

    def line_of(index: int, key: str | None = None) -> int:
        start = headers[index] if index < len(headers) else 1
        end = headers[index + 1] - 1 if index + 1 < len(headers) else len(lines)
        if key is not None:
            pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
            for n in range(start, end + 1):
                if pattern.match(lines[n - 1]):
                    return n
        return start

    for key in raw:
        if key != "speaker":
            n = next((i for i, line in enumerate(lines, 1) if re.match(rf"^\s*\[*\s*[\"']?{re.escape(key)}\b", line)), 1)
            problems.append(Problem(path, n, "speakers.unknown_key", {"key": key, "known": "[[speaker]]"}))
    tables = raw.get("speaker", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        problems.append(Problem(path, line_of(0), "speakers.not_tables"))
        return Registry(), problems
    speakers: list[Speaker] = []
    ids: set[str] = set()
    seen: dict[tuple[str, str | None, str | None], str] = {}
    for i, body in enumerate(tables):
        before = len(problems)

        def bad(msg_id: str, at_key: str | None = None, **params: Any) -> None:
            problems.append(Problem(path, line_of(i, at_key), msg_id, params))  # noqa: B023

        for key in body:
            if key not in KEYS:
                bad("speakers.unknown_key", key, key=key, known=", ".join(KEYS))
        values: dict[str, str | None] = {}
        for key in KEYS:
            value = body.get(key)
            if value is None:
                values[key] = None
                continue
            if not isinstance(value, str) or any(c in value for c in "\0\r\n") or len(value) > 200:
                bad("speakers.bad_text", key, key=key)
                continue
            values[key] = value.strip() or None
        sid, zone = values["id"], values["zone"]
        if sid is None:
            bad("speakers.missing", None, key="id")
        elif not _ID.match(sid):
            bad("speakers.bad_id", "id", value=sid)
        elif sid in ids:
            bad("speakers.duplicate", "id", value=sid)
        if values["name"] is None:
            bad("speakers.missing", None, key="name")
        if zone is None:
            bad("speakers.missing", None, key="zone")
        elif zone not in zones:
            bad("speakers.unknown_zone", "zone", zone=zone, known=", ".join(zones))
        elif not zones[zone]:
            bad("speakers.not_icecast", "zone", zone=zone)
        ip = values["ip"]
        if ip is not None:
            try:
                ip = str(ipaddress.ip_address(ip))
            except ValueError:
                bad("speakers.bad_ip", "ip", value=ip)
        if values["ip"] is None and values["user"] is None:
            bad("speakers.unrecognisable", None, id=sid or "?")
        if len(problems) > before:
            continue
        assert sid is not None and zone is not None
        recognised = (zone, ip, values["user"])
        if recognised in seen:
            bad("speakers.same_listener", "ip" if ip else "user", id=sid, other=seen[recognised])
            continue
        seen[recognised] = sid
        ids.add(sid)
        speakers.append(Speaker(sid, zone, values["name"] or sid, values["place"] or "", ip, values["user"]))
    return Registry(tuple(speakers)), problems


def load_registry(path: Path, zones: dict[str, bool]) -> tuple[Registry, list[Problem]]:
    """The registry file (no file: no speakers, and no problem)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Registry(), []
    except OSError as exc:
        return Registry(), [Problem(str(path), 1, "speakers.unreadable", {"detail": exc.strerror or str(exc)})]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return Registry(), [Problem(str(path), line, "speakers.not_utf8", {"byte": f"0x{raw[exc.start]:02x}"})]
    return parse_registry(text, str(path), zones)


# -- what Icecast reports ----------------------------------------------------------------


@dataclass(frozen=True)
class Listener:
    """One client connected to a mount, as Icecast's /admin/listclients lists it."""

    ip: str
    connected_s: int  # how long it has been connected, whole seconds
    user: str | None = None
    agent: str = ""
    id: str = ""


def parse_listclients(xml: bytes | str) -> list[Listener]:
    """The listeners in Icecast's `/admin/listclients?mount=…` answer (XML).
    Raises ValueError on anything else."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise ValueError(f"not Icecast's listener list: {exc}") from None
    if root.tag != "icestats":
        raise ValueError(f"not Icecast's listener list: <{root.tag}>")
    found: list[Listener] = []
    for node in root.iter("listener"):
        def text(tag: str) -> str | None:
            child = node.find(tag)
            return child.text.strip() if child is not None and child.text else None  # noqa: B023

        try:
            connected = int(text("Connected") or 0)
        except ValueError:
            connected = 0
        ip = text("IP") or ""
        try:
            ip = str(ipaddress.ip_address(ip.removeprefix("::ffff:")))
        except ValueError:
            pass
        found.append(Listener(ip, max(connected, 0), text("username") or text("Username"), text("UserAgent") or "",
                              node.get("id") or text("ID") or ""))  # fmt: skip
    return found


# -- who is connected ----------------------------------------------------------------------


def _record(settled: list[tuple[Callable[[int | None, int], None], int | None, int]]) -> None:
    for done, heard, total in settled:
        try:
            done(heard, total)
        except Exception:  # a record that cannot be written must not stop the polls
            import logging

            logging.getLogger("playout.speakers").exception("recording the speakers heard failed")


@dataclass
class _Zone:
    polled_at: datetime | None = None  # the last poll that answered
    error: str | None = None  # why the last poll failed (None: it answered)
    error_since: datetime | None = None
    online: dict[str, datetime] = field(default_factory=dict)  # speaker id -> connected since
    offline_since: dict[str, datetime] = field(default_factory=dict)  # speaker id -> first poll without it
    unregistered: int = 0
    listeners: int = 0


@dataclass
class _Expected:
    zone: str
    start: datetime
    end: datetime
    done: Callable[[int | None, int], None]


class Presence:
    """Who is connected to each Icecast zone, from the polls it is fed. Thread-safe: the
    poller feeds it, the station asks it to record airings, status reads it."""

    def __init__(self, registry: Registry, zones: list[str]) -> None:
        self._lock = threading.Lock()
        self.registry = registry
        self.registry_problems: list[Problem] = []
        self._zones = {z: _Zone() for z in zones}
        self._expected: list[_Expected] = []
        # Set by the poller: an item that ended wants a poll now rather than at the next round.
        self.wake: Callable[[], None] | None = None

    @property
    def zones(self) -> list[str]:
        return list(self._zones)

    def set_registry(self, registry: Registry, problems: list[Problem]) -> None:
        """A new registry (the file was edited); with problems, the speakers without one."""
        with self._lock:
            self.registry, self.registry_problems = registry, list(problems)
            known = {s.id for s in registry.speakers}
            for z in self._zones.values():
                z.online = {k: v for k, v in z.online.items() if k in known}
                z.offline_since = {k: v for k, v in z.offline_since.items() if k in known}

    def polled(self, zone: str, at: datetime, listeners: list[Listener]) -> None:
        """A poll of `zone` at `at` found these listeners."""
        with self._lock:
            z = self._zones[zone]
            z.polled_at, z.error, z.error_since = at, None, None
            online: dict[str, datetime] = {}
            matched = 0
            # Looked up by user name, else by address: a thousand listeners against a few
            # hundred speakers every few seconds stays cheap.
            by_user: dict[str, list[Speaker]] = {}
            by_ip: dict[str | None, list[Speaker]] = {}
            for sp in self.registry.in_zone(zone):
                (by_user.setdefault(sp.user, []) if sp.user is not None else by_ip.setdefault(sp.ip, [])).append(sp)
            for listener in listeners:
                since = at - timedelta(seconds=listener.connected_s)
                candidates = (by_user.get(listener.user, []) if listener.user is not None else []) + by_ip.get(listener.ip, [])
                hits = [sp for sp in candidates if sp.matches(listener)]
                if hits:
                    matched += 1
                for s in hits:  # two connections of one speaker: the older one counts
                    online[s.id] = min(since, online.get(s.id, since))
            for sid in z.online:
                if sid not in online:
                    z.offline_since[sid] = at
            for sid in online:
                z.offline_since.pop(sid, None)
            z.online = online
            z.listeners = len(listeners)
            z.unregistered = len(listeners) - matched
            settled = self._settle(zone, at, z)
        _record(settled)

    def failed(self, zone: str, at: datetime, reason: str) -> None:
        """A poll of `zone` at `at` got no answer (Icecast down, wrong admin password)."""
        with self._lock:
            z = self._zones[zone]
            if z.error is None:
                z.error_since = at
            z.error = reason
            settled = self._settle(zone, at, z)
        _record(settled)

    def expect(self, zone: str, start: datetime, end: datetime, done: Callable[[int | None, int], None]) -> bool:
        """Record, at the zone's first poll from `end` on, how many registered speakers were
        connected from `start` to `end`: `done(heard, total)`, heard None when that poll
        failed. False (nothing recorded) for a zone that is not polled."""
        with self._lock:
            if zone not in self._zones:
                return False
            self._expected.append(_Expected(zone, start, end, done))
        if self.wake is not None:
            self.wake()
        return True

    @property
    def waiting(self) -> int:
        with self._lock:
            return len(self._expected)

    def _settle(self, zone: str, at: datetime, z: _Zone) -> list[tuple[Callable[[int | None, int], None], int | None, int]]:
        """The items of `zone` that ended by `at`, with their counts (written by the caller
        once the lock is released: a database write must not hold up status or the station)."""
        due = [e for e in self._expected if e.zone == zone and e.end <= at]
        if not due:
            return []
        self._expected = [e for e in self._expected if e not in due]
        total = len(self.registry.in_zone(zone))
        return [(e.done, None if z.error is not None else sum(
            1 for since in z.online.values() if since <= e.start + CONNECTED_SLACK), total) for e in due]  # fmt: skip

    def snapshot(self) -> list[dict[str, Any]]:
        """Each polled zone: its speakers online and offline, since when, and the listeners
        no speaker of the registry accounts for (status, the web page, `playout speakers`)."""
        with self._lock:
            found = []
            for zone, z in self._zones.items():
                speakers = []
                for s in self.registry.in_zone(zone):
                    online = s.id in z.online and z.error is None
                    since = (z.online.get(s.id) if online else z.error_since if z.error is not None
                             else z.offline_since.get(s.id))
                    speakers.append({"id": s.id, "name": s.name, "place": s.place, "online": online,
                                     "since": since.isoformat() if since else None})  # fmt: skip
                found.append({"zone": zone, "total": len(speakers), "online": sum(1 for s in speakers if s["online"]),
                              "unregistered": z.unregistered if z.error is None else 0, "listeners": z.listeners,
                              "polled_at": z.polled_at.isoformat() if z.polled_at else None,
                              "error": z.error, "speakers": speakers})  # fmt: skip
            return found
