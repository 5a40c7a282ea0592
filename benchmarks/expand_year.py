"""Benchmark: expand a year of a 200-slot schedule, and plan what each occurrence plays.

Reference, measured in the same run: python-dateutil's rrule producing the same dates for
the same rules (a well-known, independent recurrence engine). Prints the figures and the
ratio; these machines are shared, so compare ratios, not absolute times.

    .venv/bin/python -m benchmarks.expand_year [--slots 200] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import time as _time
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from dateutil import rrule

from playout.model import Kind
from playout.scheduling.expand import expand
from playout.scheduling.model import Item, Recurrence, Rotation, Schedule, Slot, Source
from playout.scheduling.select import ClipInfo, History, LibraryView, plan_range

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
START, END = date(2027, 1, 1), date(2027, 12, 31)


def make_schedule(n_slots: int) -> Schedule:
    """A mix like a busy station's: daily, weekday, fortnightly and monthly slots."""
    slots = []
    for i in range(n_slots):
        minute = (i * 7) % (24 * 60)
        at = time(minute // 60, minute % 60)
        if i % 4 == 0:
            rec = Recurrence()
        elif i % 4 == 1:
            rec = Recurrence(weekdays=frozenset({0, 2, 4}))
        elif i % 4 == 2:
            rec = Recurrence(weekdays=frozenset({1, 3}), every_weeks=2, anchor=date(2027, 1, 4))
        else:
            rec = Recurrence(weekly=False, weekdays=frozenset(), monthly=frozenset({(1, 5), (-1, 4)}))
        item = Item(Rotation(kind=Kind.SLOGAN, count=2), None, Source("bench"))
        slots.append(Slot(f"s{i}", f"s{i}", rec, (at,), (item,), None, 10, None, Source("bench")))
    return Schedule(tuple(slots))


def reference(schedule: Schedule) -> int:
    count = 0
    for slot in schedule.slots:
        r = slot.recurrence
        at = slot.times[0]
        start = datetime.combine(date(2026, 12, 28), at)  # a Monday before the period
        until = datetime.combine(END, at)
        if not r.weekly:
            rule = rrule.rrule(rrule.MONTHLY, byweekday=[rrule.weekday(wd, n) for n, wd in r.monthly],
                               dtstart=start, until=until)  # fmt: skip
        else:
            dtstart = datetime.combine(r.anchor or date(2026, 12, 28), at)
            rule = rrule.rrule(rrule.WEEKLY, interval=r.every_weeks, byweekday=sorted(r.weekdays),
                               dtstart=dtstart, until=until, wkst=rrule.MO)  # fmt: skip
        for dt in rule:
            if dt.date() >= START:
                dt.replace(tzinfo=TZ)
                count += 1
    return count


def best_of(fn, repeat: int) -> tuple[float, object]:  # noqa: ANN001
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = _time.perf_counter()
        result = fn()
        best = min(best, _time.perf_counter() - t0)
    return best, result


def run(n_slots: int = 200, repeat: int = 5) -> dict:
    schedule = make_schedule(n_slots)
    library = LibraryView(ClipInfo(i, f"k{i}", Kind.SLOGAN, None, None, None, None, frozenset(), 4000) for i in range(1, 11))
    t_expand, occurrences = best_of(lambda: expand(schedule, START, END, TZ), repeat)
    t_ref, ref_count = best_of(lambda: reference(schedule), repeat)
    t_plan, plans = best_of(lambda: plan_range(occurrences, schedule, library, History()), max(1, repeat // 2))
    assert len(occurrences) == ref_count, (len(occurrences), ref_count)
    return {
        "slots": n_slots,
        "occurrences": len(occurrences),
        "expand_s": round(t_expand, 4),
        "reference_rrule_s": round(t_ref, 4),
        "ratio_to_reference": round(t_expand / t_ref, 2),
        "plan_s": round(t_plan, 4),
        "target_expand_s": 1.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slots", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(run(args.slots, args.repeat), indent=2))


if __name__ == "__main__":
    main()
