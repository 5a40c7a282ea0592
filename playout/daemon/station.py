"""The station core: airs occurrences once only and records every item in the airing log.

Time comes from the injected clock and sound from the injected player, so the same code runs
the live daemon (system clock, libVLC, APScheduler waking it) and `playout simulate`
(virtual clock, a player that only advances time). APScheduler only says "look now"; whether
an occurrence already aired is decided here, from the airing log.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playout.airlog import AiringLog
from playout.clock import Clock
from playout.daemon.zonelocks import Hold, ZoneLocks
from playout.db.models import Airing
from playout.errors import NotFound
from playout.i18n import t
from playout.model import Kind, Level, Outcome
from playout.player import Cue, Player
from playout.scheduling.expand import expand
from playout.scheduling.model import ClipRef, Occurrence, Relay, Schedule
from playout.scheduling.select import ClipInfo, History, LibraryView, Plan, select
from playout.scheduling.zones import slot_zones
from playout.speakers import Presence

log = logging.getLogger("playout.station")


@dataclass(frozen=True)
class ClipFile:
    path: Path
    content_hash: str
    channels: int = 2


class _LogObserver:
    """Writes each cue's start and end into its airing-log row as it happens."""

    def __init__(self, station: Station, rows: list[Airing], scheduled: datetime | None) -> None:
        self.station = station
        self.rows = rows
        self.scheduled = scheduled  # None for a manual airing: "late" has no meaning there
        self.output_failed: list[Airing] = []  # items that did not air because the output failed

    def started(self, index: int, at: datetime) -> None:
        row = self.rows[index]
        lateness = None
        if index == 0 and self.scheduled is not None:
            lateness = round((at - self.scheduled).total_seconds() * 1000)
        self.station.log.update(row, outcome=Outcome.IN_PROGRESS.value, started_at=at, lateness_ms=lateness)
        log.info("airing %s: %s started%s", row.key, row.title,
                 f" ({lateness} ms late)" if lateness and abs(lateness) >= 1000 else "")  # fmt: skip

    def verified(self, index: int, whole: bool, onset: datetime | None, note: str | None) -> None:
        """What the output's monitor heard of the item (confidence monitoring)."""
        row = self.rows[index]
        heard = None
        if onset is not None and row.started_at is not None:
            reference = self.scheduled if index == 0 and self.scheduled is not None else row.started_at
            heard = round((onset - reference).total_seconds() * 1000)
        self.station.log.update(row, verified=whole, heard_lateness_ms=heard, verify_note=note)

    def ended(self, index: int, outcome: Outcome, played_ms: int, reason: str | None, at: datetime) -> None:
        row = self.rows[index]
        if outcome == Outcome.FAILED and (reason or "").startswith("the output failed"):
            self.output_failed.append(row)
        self.station.log.update(row, outcome=outcome.value, ended_at=at, played_ms=played_ms,
                                reason=reason if reason is not None else row.reason)
        presence = self.station.presence
        if presence is not None and row.zone is not None and row.started_at is not None and played_ms > 0:
            # Counted at the zone's next poll (at once: the poller is woken), off this thread.
            log_ = self.station.log
            presence.expect(row.zone, row.started_at, at,
                            lambda heard, total: log_.update(row, speakers_heard=heard, speakers_total=total))
        log.log(logging.INFO if outcome == Outcome.AIRED else logging.WARNING,
                "airing %s: %s %s%s", row.key, row.title, outcome.value, f" ({reason})" if reason else "")  # fmt: skip


class Station:
    def __init__(
        self,
        *,
        clock: Clock,
        airlog: AiringLog,
        player: Player,
        tz: ZoneInfo,
        schedule: Callable[[], Schedule],
        library: Callable[[], LibraryView],
        clip_file: Callable[[int], ClipFile | None],
        catch_up: timedelta = timedelta(minutes=5),
        fallback: ClipRef | None = None,
        check_files: bool = True,
        remember_history: bool = False,
        verify: Callable[[ClipFile, bool], str | None] | None = None,
        presence: Presence | None = None,
    ) -> None:
        self.clock = clock
        self.log = airlog
        self.player = player
        self.tz = tz
        self.schedule = schedule
        self.library = library
        self.clip_file = clip_file
        self.catch_up = catch_up
        self.fallback = fallback
        # A simulation previews airings from the library's records; it does not need the
        # audio files to be on this machine.
        self.check_files = check_files
        # Is a stored file still the imported clip (exists, same hash; decodes, when asked)?
        # Who is connected to each Icecast zone: each item aired there records how many of its
        # registered speakers were connected throughout (None: no Icecast zone).
        self.presence = presence
        self.verify = verify or (lambda f, _decode: None if f.path.is_file() else f"audio file missing: {f.path}")
        # A simulation is the log's only writer: it keeps the selection history in memory
        # instead of reading it back from the log before every occurrence.
        self._history: History | None = None if not remember_history else airlog.history()
        # One airing at a time in each zone; occurrences for different zones air together.
        self._locks = ZoneLocks()
        # But one selection at a time: what one session picks from a rotation pool is in the
        # log (pending) before another session, in another zone, reads the history.
        self._selecting = threading.Lock()
        self._manual_seq = 0
        self._current: list[_LogObserver] = []  # the airing on the outputs now, one per zone
        self._live_feeds: dict[str, object] = {}  # airing key -> the page microphone's feed for it
        # Set when the daemon stops: nothing new starts, and an occurrence cut off before any
        # of its sound went out is left to air at the next start (as a SIGKILL would leave it).
        self.stopping = False

    # -- planning ----------------------------------------------------------------------

    def occurrences(self, start: datetime, end: datetime) -> list[Occurrence]:
        """Occurrences whose instant is in [start, end)."""
        first = start.astimezone(self.tz).date() - timedelta(days=1)
        last = end.astimezone(self.tz).date() + timedelta(days=1)
        return expand(self.schedule(), first, last, self.tz, (start, end))

    def pending(self, start: datetime, end: datetime) -> list[Occurrence]:
        """Occurrences in [start, end) that the airing log has not handled yet."""
        occs = self.occurrences(start, end)
        done = self.log.handled(o.key for o in occs)
        return [o for o in occs if o.key not in done]

    def recover(self, since: datetime | None) -> datetime | None:
        """At start-up: settle what a crash left open, then deal with what fell due while the
        daemon was down: air it late if within the catch-up window, else record it missed.
        Returns where catch-up must start (None: nothing to catch up)."""
        now = self.clock.now()
        recovered = self.log.recover(now)
        if recovered.interrupted or recovered.missed or recovered.reopened:
            log.warning("recovered after a stop: %d airing(s) interrupted, %d item(s) missed, %d occurrence(s) "
                        "stopped before any sound to air again", recovered.interrupted, recovered.missed,
                        len(recovered.reopened))  # fmt: skip
        starts = [t for t in (since, *recovered.reopened) if t is not None]
        return min(starts) if starts else None

    def catch_up_from(self, since: datetime) -> None:
        """Handle every unhandled occurrence due in [since, now]: late or missed, in their
        scheduled order. What falls due while a catch-up airs joins the queue behind it, so
        a later session never goes before an earlier one."""
        tried: set[str] = set()
        while not self.stopping:
            due = [o for o in self.pending(since, self.clock.now() + timedelta(microseconds=1)) if o.key not in tried]
            if not due:
                return
            tried.add(due[0].key)  # once each, whatever air() makes of it
            self.air(due[0])
            since = due[0].utc

    # -- airing ------------------------------------------------------------------------

    def air(self, occ: Occurrence) -> list[Airing] | None:
        """Air one occurrence unless the log says it was handled. Blocks while it plays, and
        while an airing holds one of its zones (an occurrence for other zones airs at once)."""
        zones = self._occ_zones(occ)
        if set(zones) & set(self._locks.busy()):  # it waits for an airing: its clips are decoded meanwhile
            threading.Thread(target=self._prepare, args=(occ,), name=f"prepare-{occ.key}", daemon=True).start()
        with self._locks.acquire(zones, occ.utc) as hold:
            if self.stopping:
                return None  # not handled: the next start catches it up
            with self._selecting:
                now = self.clock.now()
                library = self.library()
                history = self._history_now()
                plan = select(occ, self.schedule(), library, history)
                late = now - occ.utc
                if late > self.catch_up:
                    return self._record(occ, plan, Outcome.MISSED,
                                        f"due while the daemon was not airing; {int(late.total_seconds())} s late")  # fmt: skip
                rows = self._zoned(occ, self._rows(occ, plan, library))
                written = self.log.insert(rows)
                if written is None:
                    log.info("occurrence %s was already handled; not airing it again", occ.key)
                    return None
                if self._history is not None:
                    self._history.record(plan)
            waiting = [r for r in written if r.outcome == Outcome.PENDING.value]
            self._play(written, occ.utc if late.total_seconds() < 0 else now, occ.utc, hold)
            if self.stopping and waiting and all(not r.played_ms for r in waiting):
                self._leave_for_next_start(occ, waiting)
            return written

    def _prepare(self, occ: Occurrence) -> None:
        """While an occurrence waits for an airing on its zones to end: have each zone's
        output decode the clips it will most likely air (its selection as things stand; the
        selection made once it holds its zones is what airs, decoded then if it differs)."""
        try:
            with self._selecting:
                library = self.library()
                history = self._history_now()
                plan = select(occ, self.schedule(), library, history)
            for zone, rows in self._by_zone(self._zoned(occ, self._rows(occ, plan, library))).items():
                prepare = getattr(self.zones[zone], "prepare", None)
                cues = [cue for row in rows if row.outcome == Outcome.PENDING.value and row.kind != Kind.RELAY.value
                        and row.key not in self._live_feeds and isinstance(cue := self._clip_cue(row), Cue)]  # fmt: skip
                if prepare is not None and cues:
                    prepare(cues)
        except Exception:  # noqa: BLE001 - only a guess: the airing decodes what it needs itself
            log.exception("occurrence %s: its clips could not be decoded ahead", occ.key)

    def _history_now(self) -> History:
        """What has aired, for selection: the simulation's own record, else the airing log."""
        return self._history if self._history is not None else self.log.history()

    def _leave_for_next_start(self, occ: Occurrence, rows: list[Airing]) -> None:
        """The daemon was stopped (on_stop = "interrupt") before any of this occurrence
        sounded: nothing went out, so it is not 'interrupted'. Its rows go back to waiting,
        and the next start reopens it and airs it within the catch-up window."""
        for row in rows:
            self.log.update(row, outcome=Outcome.PENDING.value, started_at=None, ended_at=None, played_ms=0,
                            lateness_ms=None, reason=None)  # fmt: skip
        log.warning("occurrence %s was stopped before any sound; it airs at the next start if still in time", occ.key)

    def record_removed(self, occ: Occurrence, reason: str) -> list[Airing] | None:
        """Record that an occurrence due soon was taken out of the schedule: one skipped row,
        unless it was handled already."""
        with self._locks.acquire(self._occ_zones(occ), occ.utc):
            written = self.log.insert([self._row(occ, 1, None, None, Outcome.SKIPPED, reason)])
        if written is not None:
            log.warning("occurrence %s did not air: %s", occ.key, reason)
        return written

    @property
    def zones(self) -> dict[str | None, Player]:
        """One player per zone (the player is a `Zones`), or the one player of a station
        without zones."""
        return dict(getattr(self.player, "zones", None) or {None: self.player})

    def _targets(self, zones: tuple[str, ...] | list[str] | None) -> list[str | None]:
        """The station's zones among these (None: all of them), in the configuration's order.
        A player without zones (a simulation's) airs everything."""
        if None in self.zones:
            return [None]
        return [z for z in self.zones if zones is None or z in zones]

    def _occ_zones(self, occ: Occurrence) -> list[str | None]:
        """The zones whose locks an occurrence takes: those it airs in, in the configuration's
        order (a player without zones: its one output)."""
        if None in self.zones:
            return [None]
        return list(slot_zones(occ.slot, [z for z in self.zones if z is not None]))

    def _in_zone(self, row: Airing, zone: str | None) -> Airing:
        """The row as aired to one zone: its zone and output, and, where the station has more
        than one zone, a key of its own (a station with one zone keeps the keys it had)."""
        values = row.model_dump(exclude={"id"})
        values.update(zone=zone, output=self.zones[zone].output)
        if len(self.zones) > 1:
            values["key"] = f"{row.key}@{zone}"
        return Airing(**values)

    def _zoned(self, occ: Occurrence, rows: list[Airing]) -> list[Airing]:
        """One row per zone the occurrence airs to and item meant for that zone (a slot's
        `zones`, narrowed by an item's). Unknown zone ids are left out (`schedule check`
        reports them); an occurrence left with no zone at all is recorded skipped."""
        items = {f"{occ.slot.id}#{n}": item.zones for n, item in enumerate(occ.slot.items, 1)}
        zoned = [self._in_zone(row, zone) for zone in self._targets(occ.slot.zones) for row in rows
                 if zone is None or items.get(row.item or "") is None or zone in items[row.item or ""]]  # fmt: skip
        if zoned:
            return zoned
        row = self._row(occ, 1, None, None, Outcome.SKIPPED, "none of its zones is a zone of this station")
        return [row]

    def _rows(self, occ: Occurrence, plan: Plan, library: LibraryView) -> list[Airing]:
        rows: list[Airing] = []
        for position, item in enumerate(plan.items, 1):
            rows.append(self._row(occ, position, item.clip, item.item_key, Outcome.PENDING, None))
        for d in plan.dropped:
            row = self._row(occ, len(rows) + 1, None, d.item_key, Outcome.SKIPPED, t(d.msg_id, "en", **d.params))
            if "programme" in d.params:  # a latest-episode item: the tally counts it under its programme
                row.programme, row.kind = d.params["programme"], Kind.SEGMENT.value
            rows.append(row)
        if not rows:
            rows.append(self._row(occ, 1, None, None, Outcome.SKIPPED, "nothing to play on this date"))
        return rows

    def _row(self, occ: Occurrence, position: int, clip: ClipInfo | None, item: str | None, outcome: Outcome,
             reason: str | None, **extra: object) -> Airing:  # fmt: skip
        stored = self.clip_file(clip.id) if clip and clip.id else None  # a relay (id 0) has no file
        return Airing(
            key=f"{occ.key}/{position}", occurrence=occ.key, position=position, slot=occ.slot.id, item=item,
            scheduled_at=occ.utc, clip_id=clip.id if clip and clip.id else None, title=clip.title if clip else None,
            programme=clip.programme if clip else None, kind=clip.kind.value if clip else None,
            duration_ms=clip.duration_ms if clip else None, content_hash=stored.content_hash if stored else None,
            output=self.player.output, outcome=outcome.value, reason=reason, **extra,
        )  # fmt: skip

    def _record(self, occ: Occurrence, plan: Plan, outcome: Outcome, reason: str) -> list[Airing] | None:
        rows = self._zoned(occ, self._rows(occ, plan, self.library()))
        for r in rows:
            if r.outcome == Outcome.PENDING.value:
                r.outcome, r.reason = outcome.value, reason
        written = self.log.insert(rows)
        if written is not None:
            log.warning("occurrence %s %s: %s", occ.key, outcome.value, reason)
        return written

    def _play(self, rows: list[Airing], start_at: datetime, scheduled: datetime | None, hold: Hold | None = None) -> None:
        """Play the pending rows, each zone's on its own output from the same instant; each
        zone's rows get their own outcomes. Each zone is given back to `hold`'s lock as soon
        as its part ends: what waits for that zone only need not wait for the others."""
        by_zone = self._by_zone(rows)
        if len(by_zone) == 1:
            [(zone, only)] = by_zone.items()
            self._play_zone(zone, only, start_at, scheduled, hold)
            return
        threads = [threading.Thread(target=self._play_zone, args=(zone, zrows, start_at, scheduled, hold),
                                    name=f"zone-{zone}", daemon=True) for zone, zrows in by_zone.items()]  # fmt: skip
        for th in threads:
            th.start()
        for th in threads:
            th.join()

    def _by_zone(self, rows: list[Airing]) -> dict[str | None, list[Airing]]:
        by_zone: dict[str | None, list[Airing]] = {}
        for row in rows:
            by_zone.setdefault(row.zone if row.zone in self.zones else next(iter(self.zones)), []).append(row)
        return by_zone

    def _clip_cue(self, row: Airing) -> Cue | str:
        """The cue that airs a row's library clip, or why it cannot air (its file)."""
        stored = self.clip_file(row.clip_id) if row.clip_id is not None else None
        problem = self._problem(stored, row.clip_id)
        if problem is not None:
            return problem
        return Cue(stored.path, row.duration_ms or 0, row.title or "", stored.channels)  # type: ignore[union-attr]

    def _play_zone(self, zone: str | None, rows: list[Airing], start_at: datetime, scheduled: datetime | None,
                   hold: Hold | None = None) -> None:  # fmt: skip
        """Play one zone's pending rows; a missing file fails its row and plays the fallback."""
        try:
            self._play_zone_rows(zone, rows, start_at, scheduled)
        finally:
            if hold is not None:
                hold.release(zone)

    def _play_zone_rows(self, zone: str | None, rows: list[Airing], start_at: datetime,
                        scheduled: datetime | None) -> None:  # fmt: skip
        player = self.zones[zone]
        cues: list[Cue] = []
        playing: list[Airing] = []
        fallback: tuple[ClipInfo, ClipFile] | str | None = None  # looked up at the first failure
        for row in rows:
            if row.outcome != Outcome.PENDING.value:
                continue
            if row.key in self._live_feeds:  # the page's microphone, live
                feed = self._live_feeds[row.key]
                if getattr(feed, "finished", False) or not hasattr(player, "finish_live"):
                    reason = "stopped before it aired" if getattr(feed, "finished", False) else \
                        "this output cannot air live sound"  # fmt: skip
                    self.log.update(row, outcome=Outcome.SKIPPED.value, ended_at=self.clock.now(), reason=reason)
                    continue
                cues.append(Cue(Path(os.devnull), row.duration_ms or 0, row.title or "", feed=feed))
                playing.append(row)
                continue
            if row.kind == Kind.RELAY.value:
                source = self._relay_source(row)
                if source is not None:
                    cues.append(Cue(Path(os.devnull), row.duration_ms or 0, row.title or "", relay=source,
                                    fallback=self._relay_fallback()))  # fmt: skip
                    playing.append(row)
                else:
                    self.log.update(row, outcome=Outcome.FAILED.value, ended_at=self.clock.now(),
                                    reason="at air time: the relay is no longer in the schedule")  # fmt: skip
                continue
            cue = self._clip_cue(row)
            if isinstance(cue, Cue):
                cues.append(cue)
                playing.append(row)
                continue
            reason = f"at air time: {cue}"
            self.log.update(row, outcome=Outcome.FAILED.value, reason=reason, ended_at=self.clock.now())
            log.error("airing %s: %s failed (%s)", row.key, row.title, reason)
            if self.fallback is None:
                continue
            if fallback is None:
                fallback = self._usable_fallback(self.library())
            if not isinstance(fallback, str) and (written := self._fallback_row(row, *fallback, player)) is not None:
                cues.append(Cue(fallback[1].path, written.duration_ms or 0, written.title or "", fallback[1].channels))
                playing.append(written)
        if not cues:
            return
        observer = _LogObserver(self, playing, scheduled)
        self._current.append(observer)
        try:
            player.play(cues, start_at, observer)
        finally:
            self._current.remove(observer)
        # The output failed before an item could sound (a device that would not open): once
        # it is back, the fallback clip airs in its place, so the hour is not silent. Once per
        # airing: a fallback that fails the same way is not retried.
        failed = [r for r in observer.output_failed if not r.key.endswith("-fallback")]
        if failed and self.fallback is not None:
            usable = self._usable_fallback(self.library())
            if not isinstance(usable, str) and (written := self._fallback_row(failed[0], *usable, player)) is not None:
                log.warning("airing %s: the output failed; the fallback clip airs in its place", failed[0].key)
                player.play([Cue(usable[1].path, written.duration_ms or 0, written.title or "", usable[1].channels)],
                                 self.clock.now(), _LogObserver(self, [written], None))  # fmt: skip

    def _relay_fallback(self) -> Cue | None:
        """The station's fallback clip as a relay's filler for its dropouts (None: none is
        set, or it cannot air: a dropout is then silence, as it was)."""
        if self.fallback is None:
            return None
        usable = self._usable_fallback(self.library())
        if isinstance(usable, str):
            log.warning("the fallback clip cannot fill a relay's dropouts: %s", usable)
            return None
        clip, stored = usable
        return Cue(stored.path, clip.duration_ms, clip.title, stored.channels)

    def _relay_source(self, row: Airing) -> str | None:
        """A relay row's source, from the schedule item it was planned from (the log keeps
        the source only as shown, without a password)."""
        slot = next((s for s in self.schedule().slots if s.id == row.slot), None)
        try:
            what = slot.items[int((row.item or "").rsplit("#", 1)[1]) - 1].what if slot else None
        except (IndexError, ValueError):
            return None
        return what.source if isinstance(what, Relay) else None

    def skip(self, actor: str | None, zones: list[str] | None = None) -> bool:
        """End the item on air in these zones (None: all), recorded as skipped by `actor`;
        the rest of each session follows. False if nothing was on air there."""
        targets = self._targets(zones)
        if not targets:
            raise NotFound("zones.not_found", zones=", ".join(zones or []), known=", ".join(map(str, self.zones)))
        if actor is not None:
            self.attribute(actor, current=True, rest=False, zones=targets)
        return any([self.zones[zone].skip() for zone in targets])

    def on_air(self) -> list[Airing]:
        """The rows on air now, one per zone (what the Now page says airs: a relay, a live)."""
        return [row for observer in list(self._current) for row in list(observer.rows)
                if row.outcome == Outcome.IN_PROGRESS.value]  # fmt: skip

    def attribute(self, actor: str, *, current: bool, rest: bool, zones: list[str | None] | None = None) -> None:
        """Name who ended what is on air, on those rows of the airing log: a skip ends the
        current item, a priority announcement the rest of the airing, an emergency both."""
        open_ = ((Outcome.IN_PROGRESS.value,) if current else ()) + ((Outcome.PENDING.value,) if rest else ())
        for observer in list(self._current):
            for row in list(observer.rows):
                if row.outcome in open_ and (zones is None or row.zone in zones):
                    self.log.update(row, actor=actor)

    def _problem(self, stored: ClipFile | None, clip_id: int | None, decode: bool = False) -> str | None:
        if stored is None:
            return f"clip #{clip_id} is not in the library"
        return self.verify(stored, decode) if self.check_files else None

    def readiness(self, start: datetime, end: datetime) -> dict[str, list[str]]:
        """Problems with the audio of what is due in [start, end): each file must exist, be
        the file that was imported (hash) and decode to the end. Checked minutes before air,
        so that a technician can still put it right; at air time the fallback covers it."""
        due = self.pending(start, end)
        if not due:  # the usual case: nothing soon, and no need to read the library
            return {}
        library = self.library()
        history = self._history_now()
        problems: dict[str, list[str]] = {}
        for occ in due:
            for item in select(occ, self.schedule(), library, history).items:
                if item.relay is not None:
                    continue  # a relay's source is tried at its lead time, not ahead
                if found := self._problem(self.clip_file(item.clip.id), item.clip.id, decode=True):
                    problems.setdefault(occ.key, []).append(f"{item.clip.title}: {found}")
        if problems and self.fallback is not None:
            usable = self._usable_fallback(library, decode=True)
            if isinstance(usable, str):
                problems["fallback"] = [f"the fallback clip cannot air either: {usable}"]
        return problems

    def _usable_fallback(self, library: LibraryView, decode: bool = False) -> tuple[ClipInfo, ClipFile] | str:
        """The fallback clip and its file, or why it cannot air."""
        assert self.fallback is not None
        found = library.find(self.fallback)
        if len(found) != 1:
            return "no single clip matches it"
        stored = self.clip_file(found[0].id)
        reason = self._problem(stored, found[0].id, decode)
        return reason if reason is not None else (found[0], stored)  # type: ignore[return-value]

    def _fallback_row(self, failed: Airing, clip: ClipInfo, stored: ClipFile, player: Player) -> Airing | None:
        row = Airing(
            key=f"{failed.key}-fallback", occurrence=failed.occurrence, position=failed.position, slot=failed.slot,
            item=None, scheduled_at=failed.scheduled_at, clip_id=clip.id, title=clip.title, programme=clip.programme,
            kind=clip.kind.value, duration_ms=clip.duration_ms, content_hash=stored.content_hash,
            output=player.output, outcome=Outcome.PENDING.value, reason=f"fallback for {failed.title}",
            zone=failed.zone,
        )  # fmt: skip
        written = self.log.insert([row])
        return written[0] if written else None

    def wait_idle(self, timeout: float = -1) -> bool:
        """Until nothing is on air (or `timeout` seconds): a manual airing plays in its own
        thread, and the player must not be closed under it. False when the timeout came first."""
        return self._locks.wait_idle(timeout)

    # -- manual airings ----------------------------------------------------------------

    def air_now(self, clip_id: int, level: Level, actor: str | None = None,
                zones: list[str] | None = None) -> Airing:  # fmt: skip
        """Air a clip by hand to these zones (None: all). Normal waits for the current airing
        to end; priority for the current item; emergency interrupts it (in those zones only:
        an airing in another zone goes on, and is not waited for).
        Recorded like any airing, marked manual, a row per zone; returns the first."""
        targets = self._targets(zones)
        if not targets:
            raise NotFound("zones.not_found", zones=", ".join(zones or []), known=", ".join(map(str, self.zones)))
        library = self.library()
        clip = library.by_id.get(clip_id)
        if clip is None:
            raise NotFound("clips.not_found", clip_id=clip_id)
        now = self.clock.now()
        self._manual_seq += 1
        key = f"manual@{now.astimezone(self.tz).strftime('%Y-%m-%dT%H:%M:%S.%f')}-{self._manual_seq}"
        occ_key = key
        stored = self.clip_file(clip.id)
        row = Airing(
            key=f"{key}/1", occurrence=occ_key, position=1, slot="manual", item=None, scheduled_at=now,
            clip_id=clip.id, title=clip.title, programme=clip.programme, kind=clip.kind.value,
            duration_ms=clip.duration_ms, content_hash=stored.content_hash if stored else None,
            output=self.player.output, outcome=Outcome.PENDING.value, manual=True, level=level.value, actor=actor,
        )  # fmt: skip
        rows = [self._in_zone(row, zone) for zone in targets]
        rows = self.log.insert(rows) or rows
        # Emergency and priority go before anything waiting for these zones; normal waits its
        # turn. Claimed before the interruption, so that what it frees cannot take them first.
        claim = self._locks.claim(targets, now, urgent=level != Level.NORMAL)
        try:
            if actor is not None and level != Level.NORMAL:
                self.attribute(actor, current=level == Level.EMERGENCY, rest=True, zones=targets)
            for zone in targets:
                if level == Level.EMERGENCY:
                    self.zones[zone].interrupt("interrupted by an emergency announcement")
                elif level == Level.PRIORITY:
                    self.zones[zone].stop_after_current("skipped for a priority announcement")
            log.info("manual airing %s (%s): %s%s", key, level.value, clip.title,
                     f" to {', '.join(map(str, targets))}" if len(self.zones) > 1 else "")  # fmt: skip

            def run() -> None:
                with claim.wait() as hold:
                    self._play(rows, self.clock.now(), None, hold)

            threading.Thread(target=run, name=f"manual-{self._manual_seq}", daemon=True).start()
        except BaseException:
            claim.cancel()  # an urgent claim left behind would keep these zones from airing
            raise
        return rows[0]

    def air_live(self, feeds: dict[str | None, object], level: Level, actor: str, title: str,
                 max_ms: int, done: Callable[[list[Airing]], None]) -> list[Airing]:  # fmt: skip
        """Air the page's microphone live to these zones (a feed each, see `PushFeed`), at a
        level as `air_now`'s: an emergency interrupts what airs. A row per zone, marked
        manual, kind announcement, without a clip until the recording is imported; it lasts
        until the speaker stops (`finish_live`) or `max_ms`. `done(rows)` runs once it is off
        the air."""
        now = self.clock.now()
        self._manual_seq += 1
        key = f"live@{now.astimezone(self.tz).strftime('%Y-%m-%dT%H:%M:%S.%f')}-{self._manual_seq}"
        row = Airing(
            key=f"{key}/1", occurrence=key, position=1, slot="live", item=None, scheduled_at=now, title=title,
            kind=Kind.ANNOUNCEMENT.value, duration_ms=max_ms, output=self.player.output,
            outcome=Outcome.PENDING.value, manual=True, level=level.value, actor=actor,
        )  # fmt: skip
        targets = list(feeds)
        rows = self.log.insert([self._in_zone(row, zone) for zone in targets]) or []
        for r in rows:
            self._live_feeds[r.key] = feeds[r.zone if r.zone in feeds else targets[0]]
        # As air_now: its zones claimed before it cuts in, so what it frees cannot take them first.
        claim = self._locks.claim(targets, now, urgent=level != Level.NORMAL)
        try:
            if level != Level.NORMAL:
                self.attribute(actor, current=level == Level.EMERGENCY, rest=True, zones=targets)
            for zone in targets:
                if level == Level.EMERGENCY:
                    self.zones[zone].interrupt("interrupted by an emergency live announcement")
                elif level == Level.PRIORITY:
                    self.zones[zone].stop_after_current("skipped for a priority live announcement")
            log.warning("live from the web page %s (%s) by %s%s", key, level.value, actor,
                        f" to {', '.join(map(str, targets))}" if len(self.zones) > 1 else "")  # fmt: skip

            def run() -> None:
                try:
                    with claim.wait() as hold:
                        self._play(rows, self.clock.now(), None, hold)
                finally:
                    for r in rows:
                        self._live_feeds.pop(r.key, None)
                    done(rows)

            threading.Thread(target=run, name=f"live-{self._manual_seq}", daemon=True).start()
        except BaseException:
            claim.cancel()
            for r in rows:
                self._live_feeds.pop(r.key, None)
            raise
        return rows
