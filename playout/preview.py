"""What a period will air and what is wrong with the schedule, as the daemon sees it.

`playout schedule check` and `show` print these; the web page's week grid draws them. The
selection is the daemon's own code, run from today with the airing history so far, so a
rotation shows the clip that will really air.
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
from playout.scheduling.select import Plan, plan_range


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
    sem_errors, sem_warnings = check(result.schedule, app.clips.view(), today(app), app.config.station.timezone)
    return Findings(sorted_problems([*result.errors, *sem_errors]), sorted_problems([*result.warnings, *sem_warnings]),
                    len(result.schedule.slots), n_files)  # fmt: skip


def preview(app: App, first: date, last: date, lang: str) -> Preview:
    """The airings of [first, last] with what each plays, and a note on each that drops an
    item or runs into another."""
    tz = app.config.station.timezone
    result, _ = load_folder(app.config.schedules_folder)
    if result.errors:
        return Preview(errors=sorted_problems(result.errors))
    # Rotation depends on every airing before the period: plan from today (with the history
    # so far) up to the period's end, then keep only the period.
    plan_from = min(first, today(app))
    plans = plan_range(expand(result.schedule, plan_from, last, tz), result.schedule, app.clips.view(),
                       AiringLog(app.db).history())  # fmt: skip
    plans = [p for p in plans if first <= p.occurrence.local_date <= last]
    notes = {p.occurrence.key: [t(d.msg_id, lang, **d.params) for d in p.dropped] for p in plans}
    for a, b in overlaps(plans):
        msg_id = "schedule.overlap" if a.occurrence.slot.priority == b.occurrence.slot.priority else "schedule.conflict"
        notes[b.occurrence.key].append(t(msg_id, lang, slot=a.occurrence.slot.id, other=b.occurrence.slot.id,
                                         when=b.occurrence.local.strftime("%H:%M"),
                                         end=a.end.astimezone(tz).strftime("%H:%M:%S")))  # fmt: skip
    return Preview(plans=plans, notes=notes)
