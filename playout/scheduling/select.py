"""What plays at an occurrence: the latest episode, a fair rotation, a named clip, the chime.

Pure: works on a snapshot of the library (`LibraryView`) and of the airing history
(`History`). The daemon, `playout simulate` and `playout schedule show` all call `select`,
so a preview shows what will air.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from playout.model import Kind, describe_source
from playout.scheduling.model import ClipRef, IfNoNew, LatestEpisode, NamedClip, Occurrence, Relay, Rotation, Schedule

_NEVER = datetime.min.replace(tzinfo=UTC)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold().strip()


@dataclass(frozen=True)
class ClipInfo:
    """What selection needs to know of a clip."""

    id: int
    title: str
    kind: Kind
    programme: str | None
    episode_date: date | None
    valid_from: date | None
    valid_until: date | None
    tags: frozenset[str]
    duration_ms: int
    retired: bool = False

    def airable_on(self, day: date) -> bool:
        """Retired clips never air; clips outside their validity window are never chosen."""
        if self.retired:
            return False
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_until and day > self.valid_until)


class LibraryView:
    """An immutable snapshot of the library, indexed for selection."""

    def __init__(self, clips: Iterable[ClipInfo]) -> None:
        self.clips = tuple(sorted(clips, key=lambda c: c.id))
        self.by_id = {c.id: c for c in self.clips}
        self._by_title: dict[str, list[ClipInfo]] = {}
        for c in self.clips:
            self._by_title.setdefault(_fold(c.title), []).append(c)
        self.programmes = {_fold(c.programme): c.programme for c in self.clips if c.programme}

    def find(self, ref: ClipRef) -> list[ClipInfo]:
        """Clips matching a reference: one, none (unknown) or several (ambiguous title)."""
        if ref.clip_id is not None:
            return [self.by_id[ref.clip_id]] if ref.clip_id in self.by_id else []
        if ref.title is None:
            return []
        return [c for c in self._by_title.get(_fold(ref.title), []) if not c.retired] or self._by_title.get(
            _fold(ref.title), []
        )

    def episodes(self, programme: str) -> list[ClipInfo]:
        key = _fold(programme)
        return [c for c in self.clips if c.kind == Kind.SEGMENT and c.programme and _fold(c.programme) == key]

    def pool(self, rotation: Rotation) -> list[ClipInfo]:
        return [
            c
            for c in self.clips
            if (rotation.kind is None or c.kind == rotation.kind)
            and (rotation.programme is None or (c.programme and _fold(c.programme) == _fold(rotation.programme)))
            and (rotation.tag is None or _fold(rotation.tag) in {_fold(t) for t in c.tags})
        ]


@dataclass
class History:
    """The part of the airing log that selection needs. Built from the log by the daemon;
    updated in memory by previews and simulation as each occurrence is planned."""

    last_aired: dict[int, datetime] = field(default_factory=dict)  # clip id -> last start
    last_by_item: dict[str, int] = field(default_factory=dict)  # "slot#item" -> clip id

    def record(self, plan: Plan) -> None:
        for p in plan.items:
            if p.relay is not None:
                continue
            start = plan.occurrence.utc + timedelta(milliseconds=p.offset_ms)
            if self.last_aired.get(p.clip.id, _NEVER) < start:
                self.last_aired[p.clip.id] = start
            if p.item_key:
                self.last_by_item[p.item_key] = p.clip.id


@dataclass(frozen=True)
class Planned:
    clip: ClipInfo  # for a relay, a stand-in: id 0, kind relay, its title and length
    offset_ms: int  # from the occurrence's start
    item_key: str | None  # None for the chime
    relay: str | None = None  # a relay's source (a stream's URL or "line-in")


@dataclass(frozen=True)
class Dropped:
    """An item that will not play at this occurrence, and why (recorded as skipped)."""

    item_key: str
    msg_id: str
    params: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Plan:
    occurrence: Occurrence
    items: tuple[Planned, ...]
    dropped: tuple[Dropped, ...]

    @property
    def duration_ms(self) -> int:
        return self.items[-1].offset_ms + self.items[-1].clip.duration_ms if self.items else 0

    @property
    def end(self) -> datetime:
        return self.occurrence.utc + timedelta(milliseconds=self.duration_ms)


def relay_info(relay: Relay, length_ms: int) -> ClipInfo:
    """A relay as selection and the log see it: no clip (id 0), kind relay, its title (or
    its source, without a password) and its length."""
    return ClipInfo(id=0, title=relay.title or describe_source(relay.source), kind=Kind.RELAY,
                    programme=relay.programme, episode_date=None, valid_from=None, valid_until=None,
                    tags=frozenset(), duration_ms=length_ms)  # fmt: skip


def item_key(slot_id: str, index: int) -> str:
    return f"{slot_id}#{index + 1}"


def select(occ: Occurrence, schedule: Schedule, library: LibraryView, history: History) -> Plan:
    day = occ.local_date
    slot = occ.slot
    chosen: list[tuple[ClipInfo, str | None]] = []
    relays: dict[str, Relay] = {}
    dropped: list[Dropped] = []

    if slot.chime is not None:
        ref = slot.chime if slot.chime != ClipRef() else schedule.default_chime
        found = library.find(ref) if ref else []
        if len(found) == 1 and found[0].airable_on(day):
            chosen.append((found[0], None))
        else:
            dropped.append(Dropped(f"{slot.id}#chime", "select.chime_unavailable", {"clip": str(ref or "-")}))

    taken: set[int] = set()
    for index, item in enumerate(slot.items):
        key = item_key(slot.id, index)
        if item.when is not None and not item.when.occurs_on(day):
            continue
        what = item.what
        if isinstance(what, NamedClip):
            found = library.find(what.ref)
            if len(found) == 1 and found[0].airable_on(day):
                chosen.append((found[0], key))
            else:
                dropped.append(Dropped(key, "select.clip_unavailable", {"clip": str(what.ref)}))
        elif isinstance(what, LatestEpisode):
            episodes = [c for c in library.episodes(what.programme)
                        if c.airable_on(day) and c.episode_date is not None and c.episode_date <= day]  # fmt: skip
            if not episodes:
                dropped.append(Dropped(key, "select.no_episode", {"programme": what.programme}))
                continue
            latest = max(episodes, key=lambda c: (c.episode_date, c.id))
            if what.if_no_new == IfNoNew.SKIP and history.last_by_item.get(key) == latest.id:
                dropped.append(Dropped(key, "select.no_new_episode", {"programme": what.programme, "title": latest.title}))
                continue
            chosen.append((latest, key))
        elif isinstance(what, Relay):
            relays[key] = what
            length = round(what.minutes * 60_000) if what.minutes is not None else 0  # 0: to the hard end
            chosen.append((relay_info(what, length), key))
        elif isinstance(what, Rotation):
            pool = [c for c in library.pool(what) if c.airable_on(day)]
            if not pool:
                dropped.append(Dropped(key, "select.empty_pool", {"pool": what.describe()}))
                continue
            # Least recently aired first (never aired before all), then the clip number: over
            # time every clip of the pool airs within one airing of the others.
            pool.sort(key=lambda c: (c.id in taken, history.last_aired.get(c.id, _NEVER), c.id))
            for c in pool[: what.count]:
                chosen.append((c, key))
                taken.add(c.id)

    items: list[Planned] = []
    offset = 0
    for clip, key in chosen:
        relay = relays.get(key or "")
        if relay is not None and slot.max_duration_ms is not None:
            # A relay runs to the hard end when it has no length of its own, and stops there when it has.
            left = slot.max_duration_ms - offset
            if left > 0 and (clip.duration_ms == 0 or clip.duration_ms > left):
                clip = replace(clip, duration_ms=left)
        if clip.duration_ms <= 0 or (slot.max_duration_ms is not None and offset + clip.duration_ms > slot.max_duration_ms):
            dropped.append(Dropped(key or f"{slot.id}#chime", "select.past_hard_end", {"title": clip.title}))
            continue
        items.append(Planned(clip, offset, key, relay.source if relay else None))
        offset += clip.duration_ms
    return Plan(occ, tuple(items), tuple(dropped))


def plan_range(occurrences: Iterable[Occurrence], schedule: Schedule, library: LibraryView, history: History) -> list[Plan]:
    """Plans for a run of occurrences, each one's selection seeing the ones before it."""
    plans = []
    for occ in occurrences:
        plan = select(occ, schedule, library, history)
        history.record(plan)
        plans.append(plan)
    return plans
