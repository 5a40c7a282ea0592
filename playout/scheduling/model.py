"""The validated schedule: plain frozen values, no I/O.

A `Slot` says when (a `Recurrence` and times of day) and what (a sequence of items: a named
clip, the latest episode of a programme, or a fair rotation over a pool). Expansion turns
slots into `Occurrence`s; selection turns an occurrence into the clips that will play.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from playout.model import Kind


@dataclass(frozen=True)
class Source:
    """Where something was written, for messages: file and line (1-based; 0 = unknown)."""

    file: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Recurrence:
    """On which local dates something happens.

    Weekly rules: `weekdays` (0 = Monday), every `every_weeks` weeks counted from the week of
    `anchor`. Monthly rules: `monthly` holds (n, weekday) pairs, n = 1..5 or -1 for the last
    such weekday of the month. When both are given, a date matching either occurs.
    """

    weekdays: frozenset[int] = frozenset(range(7))
    every_weeks: int = 1
    anchor: date | None = None
    monthly: frozenset[tuple[int, int]] = frozenset()
    valid_from: date | None = None
    valid_until: date | None = None
    exceptions: frozenset[date] = frozenset()
    weekly: bool = True  # False when only `monthly` was given

    def occurs_on(self, day: date) -> bool:
        if self.valid_from and day < self.valid_from:
            return False
        if self.valid_until and day > self.valid_until:
            return False
        if day in self.exceptions:
            return False
        return self._weekly_match(day) or self._monthly_match(day)

    def _weekly_match(self, day: date) -> bool:
        if not self.weekly or day.weekday() not in self.weekdays:
            return False
        if self.every_weeks == 1:
            return True
        anchor = self.anchor or self.valid_from or date(1970, 1, 5)  # 1970-01-05 is a Monday
        weeks = ((day - timedelta(days=day.weekday())) - (anchor - timedelta(days=anchor.weekday()))).days // 7
        return weeks % self.every_weeks == 0

    def _monthly_match(self, day: date) -> bool:
        for n, weekday in self.monthly:
            if day.weekday() != weekday:
                continue
            if n > 0 and (day.day - 1) // 7 + 1 == n:
                return True
            if n < 0 and (day + timedelta(days=7)).month != day.month:
                return True
        return False


class IfNoNew(StrEnum):
    """What the latest-episode item does when no new episode came since it last aired."""

    REPEAT = "repeat"  # air the previous episode again
    SKIP = "skip"  # air nothing, record a skip and warn


@dataclass(frozen=True)
class ClipRef:
    """A clip named in a schedule, by number or by title."""

    clip_id: int | None = None
    title: str | None = None

    def __str__(self) -> str:
        return f"#{self.clip_id}" if self.clip_id is not None else f"«{self.title}»"

    @classmethod
    def from_text(cls, text: str) -> ClipRef:
        """A clip as a person types it (air-now, fallback_clip): a number or an exact title.
        Only ASCII digits make a number: "²" or "③" are digits to str.isdigit but not to int()."""
        text = unicodedata.normalize("NFC", text.strip())
        return cls(clip_id=int(text)) if text.isascii() and text.isdigit() else cls(title=text)


@dataclass(frozen=True)
class NamedClip:
    ref: ClipRef


@dataclass(frozen=True)
class LatestEpisode:
    programme: str
    if_no_new: IfNoNew = IfNoNew.REPEAT


@dataclass(frozen=True)
class Rotation:
    """`count` clips from a pool, least recently aired first."""

    kind: Kind | None = None
    programme: str | None = None
    tag: str | None = None
    count: int = 1

    def describe(self) -> str:
        parts = [f"kind={self.kind}" if self.kind else "", f"programme={self.programme}" if self.programme else "",
                 f"tag={self.tag}" if self.tag else ""]  # fmt: skip
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class Relay:
    """A programme from elsewhere aired live (tiếp âm): a stream's URL or "line-in", for
    `minutes`, or (None) until the slot's hard end."""

    source: str
    minutes: float | None = None
    title: str | None = None
    programme: str | None = None


What = NamedClip | LatestEpisode | Rotation | Relay


@dataclass(frozen=True)
class Item:
    """One step of a slot's sequence, optionally only on some dates."""

    what: What
    when: Recurrence | None
    source: Source
    zones: tuple[str, ...] | None = None  # only in these zones of the slot's (None: all of them)
    what_source: Source | None = None  # the line saying what it airs (clip, latest, rotation, relay)

    @property
    def what_at(self) -> Source:
        """Where a problem with what the item airs is reported: the line that names it."""
        return self.what_source or self.source


@dataclass(frozen=True)
class Slot:
    id: str
    name: str
    recurrence: Recurrence
    times: tuple[time, ...]
    items: tuple[Item, ...]
    chime: ClipRef | None
    priority: int
    max_duration_ms: int | None  # the hard end, as a length from the start
    source: Source
    zones: tuple[str, ...] | None = None  # the zones it airs in (None: every zone)


@dataclass(frozen=True)
class Schedule:
    slots: tuple[Slot, ...] = ()
    blackout: frozenset[date] = frozenset()
    default_chime: ClipRef | None = None
    # The items of slots left out for their own errors: never aired, but checked against
    # the library all the same, so one check lists every error, not the next one at a time.
    rejected: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Occurrence:
    """One planned airing of a slot. `key` is what the airing log keeps unique."""

    key: str
    slot: Slot
    local: datetime  # aware, station-local
    utc: datetime  # aware, UTC

    @property
    def local_date(self) -> date:
        return self.local.date()


@dataclass(frozen=True)
class Problem:
    """An error or a warning found in the schedule files."""

    source: Source
    msg_id: str
    params: dict = field(default_factory=dict, hash=False, compare=False)
