"""Schedules -> concrete occurrences for a date range. Pure: no clock, no files, no database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from playout.scheduling.model import Occurrence, Schedule, Slot


def occurrence_key(slot_id: str, scheduled: datetime) -> str:
    """Slot id + the scheduled local wall time as written in the schedule (not as shifted by
    a DST gap): stable across restarts and reloads, and unique per slot and time."""
    fmt = "%Y-%m-%dT%H:%M" if scheduled.second == 0 else "%Y-%m-%dT%H:%M:%S"
    return f"{slot_id}@{scheduled.strftime(fmt)}"


def localize(day: date, at: time, tz: ZoneInfo) -> datetime:
    """A wall-clock time on a date as an aware datetime, well defined across DST changes.

    A time skipped by a spring-forward gap airs as late as the clocks jumped (02:30 in a
    one-hour gap airs at 03:30): the broadcast still happens, in its order. A time that
    happens twice in an autumn fold airs the first time only.
    """
    # fold=0 takes the offset in force before the transition: for a gap time that lands
    # after the gap, for a folded time it is the first of the two.
    return datetime.combine(day, at).replace(tzinfo=tz, fold=0).astimezone(UTC).astimezone(tz)


def days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


Window = tuple[datetime, datetime]


def slot_occurrences(slot: Slot, start: date, end: date, tz: ZoneInfo, blackout: frozenset[date],
                     window: Window | None = None) -> Iterator[Occurrence]:  # fmt: skip
    for day in days(start, end):
        if day in blackout or not slot.recurrence.occurs_on(day):
            continue
        for at in slot.times:
            local = localize(day, at, tz)
            utc = local.astimezone(UTC)
            if window is not None and not window[0] <= utc < window[1]:
                continue
            key = occurrence_key(slot.id, datetime.combine(day, at))
            yield Occurrence(key, slot, local, utc)


def expand(schedule: Schedule, start: date, end: date, tz: ZoneInfo, window: Window | None = None) -> list[Occurrence]:
    """Every occurrence of every slot on local dates start..end (inclusive), in air order;
    with a window (UTC instants, start included, end not) only those whose instant is in it:
    the others are never made (a schedule with a session a minute has 1,440 a day).

    Occurrences at the same instant are ordered by priority (highest first), then slot id,
    so the order is total and the same on every run.
    """
    found = [o for slot in schedule.slots for o in slot_occurrences(slot, start, end, tz, schedule.blackout, window)]
    found.sort(key=lambda o: (o.utc, -o.slot.priority, o.slot.id))
    return found
