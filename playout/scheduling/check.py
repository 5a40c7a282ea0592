"""Semantic checks of a parsed schedule against the library: what `playout schedule check`
reports beyond syntax. Pure: the caller passes the library snapshot and today's date."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from playout.i18n import fmt_duration
from playout.scheduling.expand import expand
from playout.scheduling.model import (
    ClipRef,
    Item,
    LatestEpisode,
    NamedClip,
    Problem,
    Rotation,
    Schedule,
    Slot,
    Source,
)
from playout.scheduling.select import History, LibraryView, plan_range
from playout.scheduling.zones import slot_zones

# Five weeks covers every weekly, fortnightly and monthly pattern at least once.
HORIZON_DAYS = 35


def _ref_problem(ref: ClipRef, library: LibraryView, source: Source) -> Problem | None:
    found = library.find(ref)
    if not found:
        return Problem(source, "schedule.unknown_clip", {"clip": str(ref)})
    if len(found) > 1:
        ids = ", ".join(f"#{c.id}" for c in found)
        return Problem(source, "schedule.ambiguous_clip", {"clip": str(ref), "ids": ids})
    return None


def _check_item(item: Item, library: LibraryView, errors: list[Problem], warnings: list[Problem]) -> None:
    """What one item asks of the library: its clip, its programme's episodes, its pool."""
    what = item.what
    if isinstance(what, NamedClip):
        if p := _ref_problem(what.ref, library, item.what_at):
            errors.append(p)
    elif isinstance(what, LatestEpisode):
        if not library.episodes(what.programme):
            errors.append(Problem(item.what_at, "schedule.unknown_programme", {"programme": what.programme}))
    elif isinstance(what, Rotation):
        pool = [c for c in library.pool(what) if not c.retired]
        if not pool:
            errors.append(Problem(item.what_at, "schedule.empty_pool", {"pool": what.describe()}))
        elif len(pool) == 1:
            warnings.append(Problem(item.what_at, "schedule.pool_of_one", {"pool": what.describe(), "title": pool[0].title}))


def check(schedule: Schedule, library: LibraryView, today: date, tz: ZoneInfo,
          zones: tuple[str, ...] | None = None, now: datetime | None = None) -> tuple[list[Problem], list[Problem]]:  # fmt: skip
    """Errors and warnings: unknown clips and programmes, unknown zones, empty pools,
    sequences that cannot fit their hard end, equal-priority overlaps (per zone: the daemon
    airs one occurrence at a time in each zone, and occurrences for different zones together),
    and what is worth a technician's look. `zones`: the station's zone ids (None: not checked)."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for slot in schedule.slots:
        if zones is not None:
            for where, source in ((slot.zones, slot.source), *((i.zones, i.source) for i in slot.items)):
                for zone in where or ():
                    if zone not in zones:
                        errors.append(Problem(source, "schedule.unknown_zone", {"zone": zone, "known": ", ".join(zones)}))
        if slot.chime is not None:
            ref = slot.chime if slot.chime != ClipRef() else schedule.default_chime
            if ref is None:
                errors.append(Problem(slot.source, "schedule.no_station_chime", {"slot": slot.id}))
            elif p := _ref_problem(ref, library, slot.source):
                errors.append(p)
        if slot.recurrence.valid_until and slot.recurrence.valid_until < today:
            warnings.append(Problem(slot.source, "schedule.window_ended", {"slot": slot.id, "date": slot.recurrence.valid_until}))
        for item in slot.items:
            _check_item(item, library, errors, warnings)
    # A slot left out for its own errors: what its items ask of the library is checked too.
    rejected_errors: list[Problem] = []
    for item in schedule.rejected:
        _check_item(item, library, rejected_errors, [])

    # Plan the coming weeks as the daemon would, to find what only real durations reveal.
    occurrences = expand(schedule, today, today + timedelta(days=HORIZON_DAYS), tz)
    plans = plan_range(occurrences, schedule, library, History())
    reported: set[tuple[str, ...]] = set()

    def once(key: tuple[str, ...], bucket: list[Problem], problem: Problem) -> None:
        if key not in reported:
            reported.add(key)
            bucket.append(problem)

    slots_with_errors = {str(p.source) for p in errors}
    for plan in plans:
        slot = plan.occurrence.slot
        when = plan.occurrence.local.strftime("%Y-%m-%d %H:%M")
        for d in plan.dropped:
            if d.msg_id == "select.past_hard_end":
                needed = sum(c.duration_ms for c in _all_clips(plan)) + _dropped_ms(plan, library)
                once(("fit", slot.id), errors, Problem(slot.source, "schedule.cannot_fit", {
                    "slot": slot.id, "when": when, "needed": fmt_duration(needed),
                    "limit": fmt_duration(slot.max_duration_ms or 0)}))  # fmt: skip
            elif (d.msg_id == "select.no_episode" and str(slot.source) not in slots_with_errors
                  and (now is None or plan.occurrence.utc >= now)):  # the next airing, not one gone by today
                once(("episode", d.item_key), warnings, Problem(slot.source, "schedule.no_episode_next", {
                    "programme": d.params["programme"], "when": when, "slot": slot.id}))  # fmt: skip
    for a, b in overlaps(plans, zones):
        sa, sb = a.occurrence.slot, b.occurrence.slot
        params = {"slot": sa.id, "other": sb.id, "when": b.occurrence.local.strftime("%Y-%m-%d %H:%M"),
                  "end": a.end.astimezone(tz).strftime("%H:%M:%S")}  # fmt: skip
        if sa.priority == sb.priority:
            once(("overlap", *sorted((sa.id, sb.id))), errors, Problem(sb.source, "schedule.overlap", params))
        else:
            once(("conflict", *sorted((sa.id, sb.id))), warnings, Problem(sb.source, "schedule.conflict", params))
    return errors + rejected_errors, warnings


def _all_clips(plan):  # noqa: ANN001, ANN202
    return [p.clip for p in plan.items]


def _dropped_ms(plan, library: LibraryView) -> int:  # noqa: ANN001
    titles = {d.params.get("title") for d in plan.dropped if d.msg_id == "select.past_hard_end"}
    return sum(c.duration_ms for c in library.clips if c.title in titles)


def share_a_zone(a: Slot, b: Slot, zones: tuple[str, ...] | None) -> bool:
    """Do occurrences of these slots air in a zone in common? Without the station's zone ids,
    a slot without `zones` airs in every zone, including any the other does not name."""
    known = zones if zones is not None else (*{z for s in (a, b) for z in s.zones or ()}, "\0every other zone")
    return bool(set(slot_zones(a, known)) & set(slot_zones(b, known)))


def overlaps(plans, zones: tuple[str, ...] | None = None):  # noqa: ANN001, ANN201
    """Pairs (earlier, later) of plans of different slots whose airtimes overlap in a zone
    they share (`zones`: the station's zone ids)."""
    ordered = sorted(plans, key=lambda p: p.occurrence.utc)
    active = []
    for plan in ordered:
        active = [a for a in active if a.end > plan.occurrence.utc]
        for a in active:
            if a.occurrence.slot.id != plan.occurrence.slot.id and share_a_zone(a.occurrence.slot,
                                                                                plan.occurrence.slot, zones):
                yield a, plan
        active.append(plan)
