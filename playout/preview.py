"""What a period will air and what is wrong with the schedule, as the daemon sees it.

`playout schedule check` and `show` print these; the web page's week grid draws them. The
selection is the daemon's own code, run from now with the airing history so far, so a
rotation shows the clip that will really air; an occurrence the airing log already holds
shows what the log says aired, and one in the past without a record says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from playout.airlog import AiringLog
from playout.app import App
from playout.model import FIRST_DAY, LAST_DAY
from playout.errors import UsageError
from playout.i18n import t
from playout.scheduling.check import check, overlaps
from playout.scheduling.expand import expand
from playout.scheduling.files import load_folder
from playout.scheduling.model import Problem
from playout.db.models import Airing
from playout.i18n import label
from playout.model import Outcome
from playout.scheduling.model import Occurrence
from playout.scheduling.select import LibraryView, Plan, Planned, plan_range, select


@dataclass
class Preview:
    plans: list[Plan] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)  # occurrence key -> skipped items, overlaps
    errors: list[Problem] = field(default_factory=list)  # the files do not load: nothing is planned


@dataclass
class Findings:
    errors: list[Problem]
    warnings: list[Problem]
    slots: int
    files: int


def today(app: App) -> date:
    return app.clock.now().astimezone(app.config.station.timezone).date()


def week_of(value: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week written 2026-W49."""
    try:
        year, w = value.strip().upper().split("-W")
        first = date.fromisocalendar(int(year), int(w), 1)
    except ValueError:
        raise UsageError("cli.bad_week", value=value) from None
    if not FIRST_DAY <= first <= LAST_DAY:
        raise UsageError("cli.date_out_of_range", option="--week", value=value, first=FIRST_DAY, last=LAST_DAY)
    return first, first + timedelta(days=6)


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.source.file, p.source.line))


def problem_line(p: Problem, severity: str, lang: str) -> str:
    return f"{p.source}: {t('schedule.' + severity, lang)}: {t(p.msg_id, lang, **p.params)}"


def findings(app: App) -> Findings:
    """Every error and warning of the schedule files: syntax, clips, pools, hard ends, overlaps."""
    result, n_files = load_folder(app.config.schedules_folder)
    sem_errors, sem_warnings = check(result.schedule, app.clips.view(), today(app), app.config.station.timezone,
                                     tuple(z.id for z in app.config.zones) or None, app.clock.now())  # fmt: skip
    return Findings(sorted_problems([*result.errors, *sem_errors]), sorted_problems([*result.warnings, *sem_warnings]),
                    len(result.schedule.slots), n_files)  # fmt: skip


def preview(app: App, first: date, last: date, lang: str) -> Preview:
    """The airings of [first, last] with what each plays, and a note on each that drops an
    item or runs into another."""
    tz = app.config.station.timezone
    result, _ = load_folder(app.config.schedules_folder)
    if result.errors:
        return Preview(errors=sorted_problems(result.errors))
    # Rotation depends on every airing before the period: plan what has not aired yet from
    # now (with the history so far) up to the period's end, then keep only the period.
    now = app.clock.now()
    airlog = AiringLog(app.db)
    library, history = app.clips.view(), airlog.history()
    occurrences = expand(result.schedule, min(first, today(app)), last, tz)
    logged = airlog.rows_by_occurrence(o.key for o in occurrences if o.utc <= now + timedelta(hours=1))
    ahead = plan_range([o for o in occurrences if o.key not in logged and o.utc >= now], result.schedule, library,
                       history)  # fmt: skip
    by_key = {p.occurrence.key: p for p in ahead}
    extra: dict[str, list[str]] = {}
    plans = []
    for occ in occurrences:
        if not first <= occ.local_date <= last:
            continue
        if occ.key in logged:
            plan, extra[occ.key] = _as_logged(occ, logged[occ.key], library, lang)
        elif occ.key in by_key:
            plan = by_key[occ.key]
        else:  # in the past, and the log has no record of it: the daemon was not running
            plan, extra[occ.key] = select(occ, result.schedule, library, history), [t("schedule.no_record", lang)]
        plans.append(plan)
    notes = {p.occurrence.key: [t(d.msg_id, lang, **d.params) for d in p.dropped] + extra.get(p.occurrence.key, [])
             for p in plans}  # fmt: skip
    for a, b in overlaps(plans, tuple(z.id for z in app.config.zones) or None):
        msg_id = "schedule.overlap" if a.occurrence.slot.priority == b.occurrence.slot.priority else "schedule.conflict"
        notes[b.occurrence.key].append(t(msg_id, lang, slot=a.occurrence.slot.id, other=b.occurrence.slot.id,
                                         when=b.occurrence.local.strftime("%H:%M"),
                                         end=a.end.astimezone(tz).strftime("%H:%M:%S")))  # fmt: skip
    return Preview(plans=plans, notes=notes)


def _as_logged(occ: Occurrence, rows: list[Airing], library: LibraryView, lang: str) -> tuple[Plan, list[str]]:
    """An occurrence as the airing log has it: what played, and a note for each item that
    did not air in full."""
    items, notes, offset = [], [], 0
    for r in rows:
        clip = library.by_id.get(r.clip_id) if r.clip_id is not None else None
        waiting = r.outcome in (Outcome.PENDING.value, Outcome.IN_PROGRESS.value)  # airing now
        if clip is not None and (r.started_at is not None or waiting):
            items.append(Planned(clip, offset, r.item))
            offset += r.played_ms or clip.duration_ms
        if r.outcome != Outcome.AIRED.value and not waiting:
            notes.append(f"{r.title or '—'}: {label('outcome.' + r.outcome, lang)}" + (f" ({r.reason})" if r.reason else ""))
    return Plan(occ, tuple(items), ()), notes
