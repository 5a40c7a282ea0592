"""Schedule files (TOML) -> a validated `Schedule`, with every problem named by file and line.

Pure: takes file names and bytes, returns the schedule and the problems. Any byte sequence
gives problems, never an exception. The format is described in `schedules/README.md`.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from playout.i18n import toml_error
from playout.model import Kind
from playout.scheduling.model import (
    ClipRef,
    IfNoNew,
    Item,
    LatestEpisode,
    NamedClip,
    Problem,
    Recurrence,
    Relay,
    Rotation,
    Schedule,
    Slot,
    Source,
)

WEEKDAYS = {
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "t2": 0, "t3": 1, "t4": 2, "t5": 3, "t6": 4, "t7": 5, "cn": 6,
}  # fmt: skip
ORDINALS = {
    "first": 1, "1st": 1, "1": 1, "second": 2, "2nd": 2, "2": 2, "third": 3, "3rd": 3, "3": 3,
    "fourth": 4, "4th": 4, "4": 4, "fifth": 5, "5th": 5, "5": 5, "last": -1, "-1": -1,
}  # fmt: skip
SLOT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
TIME_OF_DAY = re.compile(r"^([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?$")
SLOT_KEYS = {"id", "name", "days", "times", "every_weeks", "anchor", "monthly", "valid_from", "valid_until",
             "except", "chime", "priority", "hard_end", "max_minutes", "item", "zones"}  # fmt: skip
ITEM_KEYS = {"clip", "latest", "if_no_new", "rotation", "relay", "minutes", "title", "programme", "days", "monthly",
             "except", "valid_from", "valid_until", "zones"}  # fmt: skip
RELAY_SCHEMES = ("http://", "https://", "rtsp://", "rtmp://", "srt://", "udp://", "rtp://")
ROTATION_KEYS = {"kind", "programme", "program", "tag", "count"}
STATION_KEYS = {"blackout", "chime"}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class _Locator:
    """Finds the line of a slot, an item or a key, from the file's text (tomllib keeps none)."""

    _HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\s\"']+?)\s*\]\]?\s*(#.*)?$")

    def __init__(self, text: str) -> None:
        # TOML lines end at LF only (str.splitlines would also split at U+2028 and friends,
        # which TOML allows inside comments and strings).
        self.lines = [line.removesuffix("\r") for line in text.split("\n")]
        self.headers: list[tuple[int, str]] = []  # (line number, header name)
        in_string: str | None = None  # the delimiter of an open multi-line string
        for n, line in enumerate(self.lines, 1):
            if in_string is None and (m := self._HEADER.match(line)):
                self.headers.append((n, re.sub(r"\s+", "", m.group(1))))
            for delim in ('"""', "'''"):
                if in_string in (None, delim) and line.count(delim) % 2 == 1:
                    in_string = None if in_string == delim else delim

    def block(self, slot: int, item: int | None = None) -> tuple[int, int]:
        """First and last line of slot number `slot` (0-based), or of its item `item`."""
        slot_lines = [n for n, h in self.headers if h == "slot"]
        if slot >= len(slot_lines):
            return 0, 0
        start = slot_lines[slot]
        end = next((n - 1 for n, h in self.headers if n > start and h in ("slot", "station")), len(self.lines))
        if item is None:
            first_item = next((n - 1 for n, h in self.headers if start < n <= end and h == "slot.item"), end)
            return start, first_item
        item_lines = [n for n, h in self.headers if start < n <= end and h == "slot.item"]
        if item >= len(item_lines):
            return start, start
        item_end = next((n - 1 for n in item_lines if n > item_lines[item]), end)
        return item_lines[item], item_end

    def key(self, key: str, lo: int, hi: int) -> int:
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for n in range(max(lo, 1), min(hi, len(self.lines)) + 1):
            if pattern.match(self.lines[n - 1]):
                return n
        return lo

    def station_key(self, key: str) -> int:
        for n, h in self.headers:
            if h == "station":
                end = next((m - 1 for m, _ in self.headers if m > n), len(self.lines))
                return self.key(key, n, end)
        return 0


@dataclass
class ParseResult:
    schedule: Schedule
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


class _Invalid(Exception):
    def __init__(self, msg_id: str, **params: Any) -> None:
        self.msg_id = msg_id
        self.params = params


# -- value parsers: raise _Invalid with a message id -----------------------------------------


def _time(value: Any) -> time:
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise _Invalid("schedule.bad_time", value=str(value))
        return value.replace(microsecond=0)
    if isinstance(value, str) and (m := TIME_OF_DAY.match(value.strip())):
        h, mi, sec = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        if h <= 23 and mi <= 59 and sec <= 59:
            return time(h, mi, sec)
        raise _Invalid("schedule.impossible_time", value=repr(value))
    raise _Invalid("schedule.bad_time", value=repr(value))


def _date(value: Any) -> date:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise _Invalid("schedule.bad_date", value=value) from None
    raise _Invalid("schedule.bad_date", value=repr(value))


def _list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _weekday(value: Any) -> int:
    if isinstance(value, str) and value.strip().lower() in WEEKDAYS:
        return WEEKDAYS[value.strip().lower()]
    raise _Invalid("schedule.bad_weekday", value=repr(value))


def _days(value: Any) -> frozenset[int]:
    if isinstance(value, str) and value.strip().lower() in ("daily", "every day", "hằng ngày", "hàng ngày"):
        return frozenset(range(7))
    days = frozenset(_weekday(v) for v in _list(value))
    if not days:
        raise _Invalid("schedule.bad_weekday", value="[]")
    return days


def _monthly(value: Any) -> frozenset[tuple[int, int]]:
    rules = set()
    for rule in _list(value):
        parts = rule.strip().lower().split() if isinstance(rule, str) else []
        if len(parts) != 2 or parts[0] not in ORDINALS or parts[1] not in WEEKDAYS:
            raise _Invalid("schedule.bad_monthly", value=repr(rule))
        rules.add((ORDINALS[parts[0]], WEEKDAYS[parts[1]]))
    return frozenset(rules)


def _number(value: Any, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
        raise _Invalid("schedule.bad_number", value=repr(value), lo=lo, hi=hi)
    return float(value)


def _int(value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise _Invalid("schedule.bad_number", value=repr(value), lo=lo, hi=hi)
    return value


def _zones(value: Any) -> tuple[str, ...]:
    """Zone ids (which exist is for `check`, which knows the configuration)."""
    if not isinstance(value, list) or not value or not all(isinstance(z, str) and SLOT_ID.match(z) for z in value):
        raise _Invalid("schedule.bad_zones", value=repr(value))
    return tuple(dict.fromkeys(value))


def _clip_ref(value: Any) -> ClipRef:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return ClipRef(clip_id=value)
    if isinstance(value, str) and value.strip():
        return ClipRef(title=nfc(value.strip()))
    raise _Invalid("schedule.bad_clip_ref", value=repr(value))


class _FileParser:
    def __init__(self, name: str, raw: bytes) -> None:
        self.name = name
        self.raw = raw
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.rejected: list[Item] = []  # the items of slots left out for their errors
        self.loc = _Locator("")

    def error(self, line: int, msg_id: str, **params: Any) -> None:
        self.errors.append(Problem(Source(self.name, line), msg_id, params))

    def warn(self, line: int, msg_id: str, **params: Any) -> None:
        self.warnings.append(Problem(Source(self.name, line), msg_id, params))

    def decode(self) -> dict | None:
        raw = self.raw
        if raw.startswith(b"\xef\xbb\xbf"):
            self.warn(1, "schedule.bom")
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            self.error(line, "schedule.not_utf8", byte=f"0x{raw[exc.start]:02x}")
            return None
        if not text.strip():
            return {}
        self.loc = _Locator(text)
        try:
            return tomllib.loads(text)
        except (ValueError, RecursionError) as exc:  # TOMLDecodeError is a ValueError
            # tomllib also raises a plain ValueError (an integer of thousands of digits) and
            # RecursionError (arrays nested thousands deep): both are broken files too.
            msg = str(exc) if isinstance(exc, tomllib.TOMLDecodeError) else f"{type(exc).__name__}: {exc}"[:200]
            detail, line, column = toml_error(msg)
            self.error(len(text.splitlines()) if line is None else line, "schedule.syntax", column=column or 0,
                       detail=detail)  # fmt: skip
            return None

    def parse(self) -> tuple[list[Slot], frozenset[date], list[tuple[ClipRef, int]]]:
        doc = self.decode()
        if doc is None:
            return [], frozenset(), []
        for key in doc:
            if key not in ("slot", "station"):
                self.error(self._top_line(key), "schedule.unknown_key", key=key, known="slot, station")
        blackout, chimes = self._station(doc.get("station"))
        slots_raw = doc.get("slot", [])
        if not isinstance(slots_raw, list) or not all(isinstance(s, dict) for s in slots_raw):
            self.error(self._top_line("slot"), "schedule.slot_not_table")
            return [], blackout, chimes
        if not slots_raw and "station" not in doc:
            self.warn(0, "schedule.empty")
        slots = []
        for index, raw in enumerate(slots_raw):
            slot = self._slot(index, raw)
            if slot is not None:
                slots.append(slot)
        return slots, blackout, chimes

    def _top_line(self, key: str) -> int:
        for n, line in enumerate(self.loc.lines, 1):
            if re.match(rf"^\s*\[*\s*{re.escape(key)}\b", line):
                return n
        return 0

    def _station(self, raw: Any) -> tuple[frozenset[date], list[tuple[ClipRef, int]]]:
        if raw is None:
            return frozenset(), []
        if not isinstance(raw, dict):
            self.error(self._top_line("station"), "schedule.slot_not_table")
            return frozenset(), []
        for key in raw:
            if key not in STATION_KEYS:
                self.error(self.loc.station_key(key), "schedule.unknown_key", key=key, known=", ".join(sorted(STATION_KEYS)))
        blackout: set[date] = set()
        for value in _list(raw.get("blackout", [])):
            try:
                blackout.add(_date(value))
            except _Invalid as exc:
                self.error(self.loc.station_key("blackout"), exc.msg_id, **exc.params)
        chimes = []
        if "chime" in raw:
            try:
                chimes.append((_clip_ref(raw["chime"]), self.loc.station_key("chime")))
            except _Invalid as exc:
                self.error(self.loc.station_key("chime"), exc.msg_id, **exc.params)
        return frozenset(blackout), chimes

    def _field(self, raw: dict, key: str, parse, line: int, default: Any = None) -> Any:  # noqa: ANN001
        if key not in raw:
            return default
        try:
            return parse(raw[key])
        except _Invalid as exc:
            self.error(line, exc.msg_id, **exc.params)
            return default

    def _recurrence(self, raw: dict, lo: int, hi: int, *, whole_week_default: bool) -> Recurrence | None:
        at = lambda key: self.loc.key(key, lo, hi)  # noqa: E731
        n_errors = len(self.errors)
        weekdays = self._field(raw, "days", _days, at("days"))
        monthly = self._field(raw, "monthly", _monthly, at("monthly"), frozenset())
        every = self._field(raw, "every_weeks", lambda v: _int(v, 1, 52), at("every_weeks"), 1)
        anchor = self._field(raw, "anchor", _date, at("anchor"))
        valid_from = self._field(raw, "valid_from", _date, at("valid_from"))
        valid_until = self._field(raw, "valid_until", _date, at("valid_until"))
        exceptions = set()
        for value in _list(raw.get("except", [])):
            try:
                exceptions.add(_date(value))
            except _Invalid as exc:
                self.error(at("except"), exc.msg_id, **exc.params)
        if valid_from and valid_until and valid_from > valid_until:
            self.error(at("valid_until"), "schedule.window_reversed", valid_from=valid_from, valid_until=valid_until)
        if len(self.errors) > n_errors:
            return None
        weekly = weekdays is not None or not monthly
        if weekdays is None:
            weekdays = frozenset(range(7)) if whole_week_default else frozenset()
        return Recurrence(
            weekdays=weekdays, every_weeks=every, anchor=anchor, monthly=monthly,
            valid_from=valid_from, valid_until=valid_until, exceptions=frozenset(exceptions), weekly=weekly,
        )  # fmt: skip

    def _slot(self, index: int, raw: dict) -> Slot | None:
        lo, hi = self.loc.block(index)
        at = lambda key: self.loc.key(key, lo, hi)  # noqa: E731
        n_errors = len(self.errors)
        slot_id = raw.get("id")
        if not isinstance(slot_id, str) or not SLOT_ID.match(slot_id):
            self.error(at("id") if "id" in raw else lo, "schedule.bad_slot_id", value=repr(slot_id))
            slot_id = None
        for key in raw:
            if key not in SLOT_KEYS:
                self.error(at(key), "schedule.unknown_key", key=key, known=", ".join(sorted(SLOT_KEYS)))
        name = raw.get("name", slot_id or "")
        if "name" in raw and not isinstance(name, str):
            self.error(at("name"), "schedule.bad_text", key="name", value=repr(name))
        times: list[time] = []
        n_before_times = len(self.errors)
        if "times" not in raw:
            self.error(lo, "schedule.missing_key", key="times")
        for value in _list(raw.get("times", [])):
            try:
                times.append(_time(value))
            except _Invalid as exc:
                self.error(at("times"), exc.msg_id, **exc.params)
        if "times" in raw and _list(raw["times"]) == []:
            self.error(at("times"), "schedule.no_times")
        recurrence = self._recurrence(raw, lo, hi, whole_week_default=True)
        chime = self._field(raw, "chime", self._chime, at("chime"), None)
        priority = self._field(raw, "priority", lambda v: _int(v, 0, 100), at("priority"), 10)
        zones = self._field(raw, "zones", _zones, at("zones"))
        max_ms = self._field(raw, "max_minutes", lambda v: _int(v, 1, 24 * 60) * 60_000, at("max_minutes"))
        hard_end = self._field(raw, "hard_end", _time, at("hard_end"))
        if hard_end is not None:
            if max_ms is not None:
                self.error(at("hard_end"), "schedule.hard_end_and_max")
            elif len(times) != 1:
                if len(self.errors) == n_before_times:  # not because a time was already refused
                    self.error(at("hard_end"), "schedule.hard_end_needs_one_time")
            else:
                start = times[0].hour * 60 + times[0].minute
                end = hard_end.hour * 60 + hard_end.minute
                if end <= start:
                    self.error(at("hard_end"), "schedule.hard_end_before_start", hard_end=hard_end.strftime("%H:%M"),
                               start=times[0].strftime("%H:%M"))  # fmt: skip
                else:
                    max_ms = (end - start) * 60_000
        items_raw = raw.get("item", [])
        if not isinstance(items_raw, list) or not all(isinstance(i, dict) for i in items_raw):
            self.error(at("item"), "schedule.slot_not_table")
            items_raw = []
        if not items_raw:
            self.error(lo, "schedule.no_items", slot=slot_id or "?")
        items = [self._item(index, j, item) for j, item in enumerate(items_raw)]
        for item in items:
            if item is not None and isinstance(item.what, Relay) and item.what.minutes is None and max_ms is None:
                self.error(item.source.line, "schedule.relay_length", slot=slot_id or "?")
        if len(self.errors) > n_errors or recurrence is None or slot_id is None:
            self.rejected += [i for i in items if i is not None]
            return None
        return Slot(
            id=slot_id, name=nfc(name) if isinstance(name, str) else slot_id, recurrence=recurrence,
            times=tuple(sorted(set(times))), items=tuple(i for i in items if i is not None),
            chime=chime, priority=priority, max_duration_ms=max_ms, source=Source(self.name, lo), zones=zones,
        )  # fmt: skip

    @staticmethod
    def _chime(value: Any) -> ClipRef | None:
        # true: the station's chime; false: none; a title or number: that clip.
        if value is True:
            return ClipRef()
        if value is False:
            return None
        return _clip_ref(value)

    def _item(self, slot_index: int, index: int, raw: dict) -> Item | None:
        lo, hi = self.loc.block(slot_index, index)
        at = lambda key: self.loc.key(key, lo, hi)  # noqa: E731
        n_errors = len(self.errors)
        for key in raw:
            if key not in ITEM_KEYS:
                self.error(at(key), "schedule.unknown_key", key=key, known=", ".join(sorted(ITEM_KEYS)))
        kinds = [k for k in ("clip", "latest", "rotation", "relay") if k in raw]
        if len(kinds) != 1:
            self.error(lo, "schedule.item_what", found=", ".join(kinds) or "-")
            return None
        what: Any = None
        if "clip" in raw:
            what = self._field(raw, "clip", lambda v: NamedClip(_clip_ref(v)), at("clip"))
        elif "latest" in raw:
            programme = raw["latest"]
            if not isinstance(programme, str) or not programme.strip():
                self.error(at("latest"), "schedule.bad_text", key="latest", value=repr(programme))
            policy = self._field(raw, "if_no_new", self._policy, at("if_no_new"), IfNoNew.REPEAT)
            if isinstance(programme, str) and programme.strip():
                what = LatestEpisode(nfc(programme.strip()), policy)
        elif "rotation" in raw:
            what = self._rotation(raw["rotation"], at("rotation"))
        else:
            what = self._relay(raw, at)
        for key in ("minutes", "title", "programme"):
            if key in raw and "relay" not in raw:
                self.error(at(key), "schedule.relay_only", key=key)
        has_when = any(k in raw for k in ("days", "monthly", "except", "valid_from", "valid_until"))
        when = self._recurrence(raw, lo, hi, whole_week_default=True) if has_when else None
        zones = self._field(raw, "zones", _zones, at("zones"))
        if len(self.errors) > n_errors or what is None:
            return None
        return Item(what=what, when=when, source=Source(self.name, lo), zones=zones,
                    what_source=Source(self.name, at(kinds[0])))

    def _relay(self, raw: dict, at: Any) -> Relay | None:
        """relay = "URL" | "line-in", minutes = N (or until the slot's hard end), title."""
        source = raw["relay"]
        if not isinstance(source, str) or not (source.strip() == "line-in" or source.strip().startswith(RELAY_SCHEMES)):
            self.error(at("relay"), "schedule.bad_relay", value=repr(source))
            return None
        minutes = self._field(raw, "minutes", lambda v: _number(v, 0.05, 24 * 60), at("minutes"))
        texts = {}
        for key in ("title", "programme"):
            value = raw.get(key)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                self.error(at(key), "schedule.bad_text", key=key, value=repr(value))
                return None
            texts[key] = nfc(value.strip()) if value else None
        return Relay(source.strip(), minutes, texts["title"], texts["programme"])

    @staticmethod
    def _policy(value: Any) -> IfNoNew:
        try:
            return IfNoNew(value)
        except ValueError:
            raise _Invalid("schedule.bad_choice", key="if_no_new", value=repr(value), choices="repeat, skip") from None

    def _rotation(self, raw: Any, line: int) -> Rotation | None:
        if not isinstance(raw, dict):
            self.error(line, "schedule.bad_rotation", value=repr(raw))
            return None
        for key in raw:
            if key not in ROTATION_KEYS:
                self.error(line, "schedule.unknown_key", key=f"rotation.{key}", known="kind, programme, tag, count")
        kind = None
        if "kind" in raw:
            try:
                kind = Kind(raw["kind"])
            except ValueError:
                self.error(line, "schedule.bad_choice", key="rotation.kind", value=repr(raw["kind"]),
                           choices=", ".join(k.value for k in Kind))  # fmt: skip
                return None
        programme = raw.get("programme", raw.get("program"))
        tag = raw.get("tag")
        for key, value in (("programme", programme), ("tag", tag)):
            if value is not None and (not isinstance(value, str) or not value.strip()):
                self.error(line, "schedule.bad_text", key=f"rotation.{key}", value=repr(value))
                return None
        if kind is None and programme is None and tag is None:
            self.error(line, "schedule.bad_rotation", value=repr(raw))
            return None
        try:
            count = _int(raw.get("count", 1), 1, 50)
        except _Invalid as exc:
            self.error(line, exc.msg_id, **exc.params)
            return None
        return Rotation(kind=kind, programme=nfc(programme.strip()) if programme else None,
                        tag=nfc(tag.strip()) if tag else None, count=count)  # fmt: skip


def parse_files(files: list[tuple[str, bytes]]) -> ParseResult:
    """Parse every schedule file; slots with errors are left out of the schedule."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    slots: list[Slot] = []
    blackout: set[date] = set()
    chimes: list[tuple[ClipRef, Source]] = []
    rejected: list[Item] = []
    for name, raw in files:
        parser = _FileParser(name, raw)
        file_slots, file_blackout, file_chimes = parser.parse()
        rejected += parser.rejected
        errors += parser.errors
        warnings += parser.warnings
        slots += file_slots
        blackout |= file_blackout
        chimes += [(ref, Source(name, line)) for ref, line in file_chimes]
    seen: dict[str, Slot] = {}
    unique = []
    for slot in slots:
        if slot.id in seen:
            errors.append(Problem(slot.source, "schedule.duplicate_slot", {"slot": slot.id, "other": str(seen[slot.id].source)}))
            continue
        seen[slot.id] = slot
        unique.append(slot)
    if len({ref for ref, _ in chimes}) > 1:
        errors.append(Problem(chimes[1][1], "schedule.two_chimes", {"other": str(chimes[0][1])}))
    schedule = Schedule(slots=tuple(unique), blackout=frozenset(blackout), default_chime=chimes[0][0] if chimes else None,
                        rejected=tuple(rejected))  # fmt: skip
    return ParseResult(schedule, errors, warnings)
