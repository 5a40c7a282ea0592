"""Property tests for the scheduling core, with python-dateutil as an independent oracle.

1. `Recurrence.occurs_on` against `dateutil.rrule` (weekly, monthly, bounds and exceptions).
2. `expand`: unique keys, air order, UTC instants against a hand-written offset oracle
   (Asia/Ho_Chi_Minh: always +07; Europe/Berlin: the EU rule, last Sundays of March/October).
3. `parse_files` never raises, on arbitrary bytes, text, token soups, generated TOML and mutations
   of the shipped example files; every problem names a plausible line and renders in vi and en.
4. Times of day: every real HH:MM parses, every impossible one is named on its own line.

The named regression tests at the end of sections 2-4 pin bugs these properties found (DST gap
times and their keys, tomllib's ValueError and RecursionError, Unicode line separators, a
header inside a multi-line string).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as rr
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from playout import i18n
from playout.scheduling.expand import expand, localize, occurrence_key
from playout.scheduling.model import Recurrence, Schedule, Slot, Source
from playout.scheduling.parse import SLOT_ID, parse_files
from tests.toml_text import mutations, toml_value

ROOT = Path(__file__).resolve().parents[2]
RR_DAYS = (rr.MO, rr.TU, rr.WE, rr.TH, rr.FR, rr.SA, rr.SU)
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
BERLIN = ZoneInfo("Europe/Berlin")

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def midnight(day: date) -> datetime:
    return datetime.combine(day, time())


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


# -- 1. Recurrence.occurs_on against dateutil.rrule --------------------------------------------

WINDOW_STARTS = st.dates(date(1975, 1, 1), date(2075, 1, 1))
WINDOW_LENGTHS = st.integers(300, 400)  # about a year
WEEKDAY_SETS = st.frozensets(st.integers(0, 6), min_size=1)
MONTHLY_RULES = st.frozensets(st.tuples(st.sampled_from([1, 2, 3, 4, 5, -1]), st.integers(0, 6)), min_size=1, max_size=6)
ANCHORS = st.one_of(st.none(), st.dates(date(1950, 1, 1), date(2099, 12, 31)))


def weekly_oracle(weekdays: frozenset[int], every: int, anchor: date, start: date, end: date) -> set[date]:
    """rrule only runs forward from dtstart: start it at the last Monday on or before the window
    that is a whole number of `every`-week periods away from the Monday of the anchor's week."""
    anchor_monday = monday_of(anchor)
    weeks = (monday_of(start) - anchor_monday).days // 7
    dtstart = anchor_monday + timedelta(weeks=every * (weeks // every))  # floor division: fine for negatives
    assert dtstart <= start and (start - dtstart).days < 7 * every
    rule = rr.rrule(rr.WEEKLY, interval=every, byweekday=[RR_DAYS[d] for d in weekdays], dtstart=midnight(dtstart), wkst=rr.MO)
    return {d.date() for d in rule.between(midnight(start), midnight(end), inc=True)}


def monthly_oracle(rules: frozenset[tuple[int, int]], start: date, end: date) -> set[date]:
    rule = rr.rrule(rr.MONTHLY, byweekday=[RR_DAYS[wd](n) for n, wd in rules], dtstart=midnight(start), until=midnight(end))
    return {d.date() for d in rule}


def occurring(rec: Recurrence, start: date, end: date) -> set[date]:
    return {d for d in days_between(start, end) if rec.occurs_on(d)}


@FAST
@given(weekdays=WEEKDAY_SETS, every=st.integers(1, 4), anchor=ANCHORS, start=WINDOW_STARTS, length=WINDOW_LENGTHS)
@example(weekdays=frozenset({0}), every=2, anchor=date(2026, 11, 29), start=date(2026, 1, 1), length=365)  # anchor a Sunday
def test_weekly_recurrence_matches_rrule(weekdays, every, anchor, start, length) -> None:  # noqa: ANN001
    end = start + timedelta(days=length)
    rec = Recurrence(weekdays=weekdays, every_weeks=every, anchor=anchor)
    # Without an anchor (and without valid_from) weeks count from 1970-01-05, a Monday.
    expected = weekly_oracle(weekdays, every, anchor or date(1970, 1, 5), start, end)
    assert occurring(rec, start, end) == expected


@FAST
@given(rules=MONTHLY_RULES, start=WINDOW_STARTS, length=WINDOW_LENGTHS)
def test_monthly_recurrence_matches_rrule(rules, start, length) -> None:  # noqa: ANN001
    end = start + timedelta(days=length)
    rec = Recurrence(weekly=False, weekdays=frozenset(), monthly=rules)
    assert occurring(rec, start, end) == monthly_oracle(rules, start, end)


@FAST
@given(weekdays=WEEKDAY_SETS, every=st.integers(1, 4), anchor=st.dates(date(1950, 1, 1), date(2099, 12, 31)),
       rules=MONTHLY_RULES, start=WINDOW_STARTS, length=WINDOW_LENGTHS)  # fmt: skip
def test_weekly_and_monthly_together_is_the_union(weekdays, every, anchor, rules, start, length) -> None:  # noqa: ANN001
    end = start + timedelta(days=length)
    rec = Recurrence(weekdays=weekdays, every_weeks=every, anchor=anchor, monthly=rules)
    expected = weekly_oracle(weekdays, every, anchor, start, end) | monthly_oracle(rules, start, end)
    assert occurring(rec, start, end) == expected


@st.composite
def bounded_recurrences(draw: st.DrawFn) -> tuple[Recurrence, date, date]:
    start = draw(WINDOW_STARTS)
    end = start + timedelta(days=draw(WINDOW_LENGTHS))
    near = st.dates(start - timedelta(days=30), end + timedelta(days=30))
    weekly = draw(st.booleans())
    rec = Recurrence(
        weekdays=draw(WEEKDAY_SETS) if weekly else frozenset(),
        every_weeks=draw(st.integers(1, 4)),
        anchor=draw(ANCHORS),
        monthly=draw(MONTHLY_RULES) if not weekly or draw(st.booleans()) else frozenset(),
        valid_from=draw(st.none() | near),
        valid_until=draw(st.none() | near),
        exceptions=draw(st.frozensets(near, max_size=25)),
        weekly=weekly,
    )
    return rec, start, end


@FAST
@given(bounded_recurrences())
def test_validity_window_and_exceptions_remove_exactly_those_dates(case) -> None:  # noqa: ANN001
    rec, start, end = case
    # The same rule without bounds. A multi-week rule without an anchor counts its weeks from
    # valid_from, so the unbounded rule keeps that as its anchor.
    unbounded = Recurrence(weekdays=rec.weekdays, every_weeks=rec.every_weeks, anchor=rec.anchor or rec.valid_from,
                           monthly=rec.monthly, weekly=rec.weekly)  # fmt: skip
    base = occurring(unbounded, start, end)
    removed = {d for d in base
               if (rec.valid_from and d < rec.valid_from) or (rec.valid_until and d > rec.valid_until) or d in rec.exceptions}  # fmt: skip
    assert occurring(rec, start, end) == base - removed


# -- 2. expand ----------------------------------------------------------------------------------


def last_sunday(year: int, month: int) -> date:
    return rr.rrule(rr.YEARLY, bymonth=month, byweekday=rr.SU(-1), dtstart=datetime(year, 1, 1), count=1)[0].date()


def expected_offset(tz: ZoneInfo, wall: datetime) -> timedelta | None:
    """The UTC offset of a wall-clock time, None in a spring-forward gap; the first one in a fold.

    Written from the rules, not from zoneinfo: Vietnam is UTC+7 all year (since 1975); Germany
    follows the EU rule (since 1996): summer time from 02:00 on the last Sunday of March to 03:00
    (summer time) on the last Sunday of October.
    """
    if tz is HCM:
        return timedelta(hours=7)
    assert tz is BERLIN
    spring = datetime.combine(last_sunday(wall.year, 3), time(2))
    autumn = datetime.combine(last_sunday(wall.year, 10), time(3))
    if spring <= wall < spring + timedelta(hours=1):
        return None
    return timedelta(hours=2) if spring + timedelta(hours=1) <= wall < autumn else timedelta(hours=1)


# Times biased to the hours around 02:00, where Berlin's clocks change.
TIMES = st.one_of(
    st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45])),
    st.builds(time, st.integers(1, 3), st.sampled_from([0, 30, 59])),
)


@st.composite
def expand_cases(draw: st.DrawFn) -> tuple[Schedule, date, date]:
    year = draw(st.integers(2000, 2037))
    start = draw(st.one_of(
        st.dates(date(year, 1, 1), date(year, 12, 31)),
        st.builds(lambda m, back: last_sunday(year, m) - timedelta(days=back), st.sampled_from([3, 10]), st.integers(0, 6)),
    ))  # fmt: skip
    end = start + timedelta(days=draw(st.integers(0, 20)))
    near = st.dates(start - timedelta(days=5), end + timedelta(days=5))
    slots = []
    for slot_id in draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=4, unique=True)):
        weekly = draw(st.booleans()) or draw(st.booleans())
        recurrence = Recurrence(
            weekdays=draw(st.just(frozenset(range(7))) | WEEKDAY_SETS) if weekly else frozenset(),
            every_weeks=draw(st.integers(1, 3)),
            anchor=draw(st.none() | near),
            monthly=draw(MONTHLY_RULES) if not weekly else frozenset(),
            valid_from=draw(st.none() | near),
            valid_until=draw(st.none() | near),
            exceptions=draw(st.frozensets(near, max_size=3)),
            weekly=weekly,
        )
        times = draw(st.sets(TIMES, min_size=1, max_size=4))
        if draw(st.booleans()):  # times an hour apart: the pairs a clock change can merge or swap
            t = draw(TIMES)
            times |= {t, time((t.hour + 1) % 24, t.minute)}
        times = tuple(sorted(times))
        slots.append(Slot(id=slot_id, name=slot_id, recurrence=recurrence, times=times, items=(), chime=None,
                          priority=draw(st.integers(0, 2)), max_duration_ms=None, source=Source("x")))  # fmt: skip
    blackout = draw(st.frozensets(near, max_size=3))
    return Schedule(slots=tuple(slots), blackout=blackout), start, end


@pytest.mark.parametrize("tz", [HCM, BERLIN], ids=["Asia/Ho_Chi_Minh", "Europe/Berlin"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=expand_cases())
def test_expand_properties(tz: ZoneInfo, case) -> None:  # noqa: ANN001
    schedule, start, end = case
    occs = expand(schedule, start, end, tz)

    keys = [o.key for o in occs]
    assert len(keys) == len(set(keys)), Counter(keys).most_common(2)
    order = [(o.utc, -o.slot.priority, o.slot.id) for o in occs]
    assert order == sorted(order)

    walls: Counter[tuple[str, datetime]] = Counter()
    for o in occs:
        # The key names the scheduled wall time, even when a DST gap moved the airing.
        assert o.key in {occurrence_key(o.slot.id, datetime.combine(o.local_date, t)) for t in o.slot.times}
        assert o.utc == o.local.astimezone(UTC) and o.utc.utcoffset() == timedelta(0)
        assert o.local.tzinfo is tz
        assert start <= o.local_date <= end
        assert o.local_date not in schedule.blackout and o.slot.recurrence.occurs_on(o.local_date)
        wall = o.local.replace(tzinfo=None)
        offset = expected_offset(tz, wall)
        assert offset is not None, f"{o.key} airs at a wall-clock time that does not exist"
        assert o.utc.replace(tzinfo=None) == wall - offset, o.key
        walls[(o.slot.id, wall)] += 1

    expected_count: Counter[tuple[str, date]] = Counter()
    for slot in schedule.slots:
        for day in days_between(start, end):
            if day in schedule.blackout or not slot.recurrence.occurs_on(day):
                continue
            expected_count[(slot.id, day)] += len(slot.times)
            for at in slot.times:
                wall = datetime.combine(day, at)
                if expected_offset(tz, wall) is not None:  # a time that exists airs at exactly that time
                    assert walls[(slot.id, wall)] >= 1, f"{slot.id} on {day} at {at} is missing"
    assert Counter((o.slot.id, o.local_date) for o in occs) == expected_count


@pytest.mark.parametrize("tz", [HCM, BERLIN], ids=["Asia/Ho_Chi_Minh", "Europe/Berlin"])
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=expand_cases(), data=st.data())
def test_a_window_keeps_exactly_the_occurrences_in_it(tz: ZoneInfo, case, data) -> None:  # noqa: ANN001
    # The daemon carries its plan forward by reading only the new half hour's occurrences.
    schedule, start, end = case
    occs = expand(schedule, start, end, tz)
    first = datetime.combine(start, time(0), tzinfo=UTC) - timedelta(days=1)
    bounds = sorted(first + timedelta(minutes=data.draw(st.integers(0, ((end - start).days + 3) * 1440)))
                    for _ in range(2))  # fmt: skip
    window = (bounds[0], bounds[1])
    assert expand(schedule, start, end, tz, window) == [o for o in occs if window[0] <= o.utc < window[1]]


def daily_slot(*times: time) -> Slot:
    return Slot(id="s", name="s", recurrence=Recurrence(), times=times, items=(), chime=None, priority=10,
                max_duration_ms=None, source=Source("x"))  # fmt: skip


@FAST
@given(year=st.integers(2000, 2037), minute=st.integers(0, 59))
def test_berlin_gap_and_fold_times_air_exactly_once(year: int, minute: int) -> None:
    at = time(2, minute)
    for day, offset in ((last_sunday(year, 3), None), (last_sunday(year, 10), timedelta(hours=2))):
        occs = expand(Schedule(slots=(daily_slot(at),)), day - timedelta(days=1), day + timedelta(days=1), BERLIN)
        assert [o.local_date for o in occs] == [day - timedelta(days=1), day, day + timedelta(days=1)]
        if offset is not None:  # the autumn fold: the first 02:xx, still in summer time
            (occ,) = [o for o in occs if o.local_date == day]
            assert occ.local.replace(tzinfo=None) == datetime.combine(day, at) and occ.local.utcoffset() == offset


def test_berlin_dst_2026_exact_values() -> None:
    assert last_sunday(2026, 3) == date(2026, 3, 29) and last_sunday(2026, 10) == date(2026, 10, 25)
    (occ,) = expand(Schedule(slots=(daily_slot(time(2, 30)),)), date(2026, 10, 25), date(2026, 10, 25), BERLIN)
    assert occ.utc == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    (occ,) = expand(Schedule(slots=(daily_slot(time(2, 30)),)), date(2026, 3, 29), date(2026, 3, 29), BERLIN)
    assert occ.local_date == date(2026, 3, 29)


@FAST
@given(year=st.integers(2000, 2037), minute=st.integers(0, 59))
def test_gap_time_airs_after_the_gap(year: int, minute: int) -> None:
    day = last_sunday(year, 3)
    gap_end = datetime.combine(day, time(1), tzinfo=UTC)  # 03:00 CEST = 02:00 CET = 01:00 UTC
    local = localize(day, time(2, minute), BERLIN)
    assert local.astimezone(UTC) >= gap_end, local


def test_gap_time_key_does_not_collide_with_the_hour_before() -> None:
    occs = expand(Schedule(slots=(daily_slot(time(1, 30), time(2, 30)),)), date(2026, 3, 29), date(2026, 3, 29), BERLIN)
    keys = [o.key for o in occs]
    assert len(keys) == 2 and len(set(keys)) == 2, keys


# -- 3. Parser fuzzing --------------------------------------------------------------------------

EXAMPLES = [(p.name, p.read_bytes()) for p in sorted((ROOT / "schedules").glob("*.toml"))]


def check_result(files: list[tuple[str, bytes]]) -> None:
    """parse_files never raises; problems name a line of their file and render in vi and en."""
    result = parse_files(files)
    lines = {name: len(data.splitlines()) for name, data in files}
    for problem in result.errors + result.warnings:
        assert problem.source.file in lines, problem
        assert 0 <= problem.source.line <= lines[problem.source.file] + 1, problem
        for lang in ("vi", "en"):
            text = i18n.t(problem.msg_id, lang, **problem.params)
            assert isinstance(text, str) and text.strip(), problem
    ids = [s.id for s in result.schedule.slots]
    assert len(ids) == len(set(ids))
    for slot in result.schedule.slots:
        assert SLOT_ID.match(slot.id) and slot.items and list(slot.times) == sorted(set(slot.times))
        assert all(isinstance(t, time) for t in slot.times)
    again = parse_files(files)  # pure: the same input gives the same answer
    assert again.schedule == result.schedule
    assert [(p.source, p.msg_id) for p in again.errors] == [(p.source, p.msg_id) for p in result.errors]


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=2000))
@example(data=b"\xef\xbb\xbf")
@example(data=b"\xef\xbb\xbf\xff")
@example(data=b"")
def test_parse_never_raises_on_bytes(data: bytes) -> None:
    check_result([("f.toml", data)])


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=1000))
def test_parse_never_raises_on_text(text: str) -> None:
    check_result([("f.toml", text.encode("utf-8"))])


TOKENS = [
    "[[slot]]\n", "[[slot.item]]\n", "[station]\n", "[slot]\n", "[[station]]\n", "\n", " ", "=", '"', "'", "[", "]",
    "{", "}", ",", "#", 'id = "a"\n', 'id = "b"\n', 'times = ["05:30"]\n', 'times = "24:00"\n', "times = 05:30:00\n",
    'days = ["mon", "t2"]\n', 'days = "daily"\n', 'monthly = "last fri"\n', 'monthly = ["1st sun", 3]\n', "every_weeks = 2\n",
    "anchor = 2026-11-30\n", "valid_from = 2026-01-01\n", "valid_until = 2025-01-01\n", 'except = ["2026-02-30"]\n',
    "chime = true\n", "chime = false\n", 'chime = "Nhạc hiệu"\n', "chime = 0\n", 'hard_end = "06:00"\n', "max_minutes = 30\n",
    "priority = 101\n", 'clip = "X"\n', "clip = 3\n", 'latest = "CCHC"\n', 'if_no_new = "skip"\n', 'if_no_new = "never"\n',
    'rotation = { kind = "slogan", count = 2 }\n', 'rotation = { tag = "" }\n', "rotation = 1\n", "blackout = [2027-02-06]\n",
    "item = 1\n", "slot = 1\n", "x = 1\n", "\ufeff", "\r\n", "\t", "1979-05-27T07:32:00Z", "inf", "nan", "0x1f", "1e400",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(tokens=st.lists(st.sampled_from(TOKENS), max_size=40))
def test_parse_never_raises_on_token_soup(tokens: list[str]) -> None:
    check_result([("f.toml", "".join(tokens).encode("utf-8"))])


# Structured fuzzing: well-formed TOML with plausible and implausible keys and values.
PLAUSIBLE_STRINGS = [
    "05:30", "5:30", "24:00", "23:60", "99:99", "5:3", " 06:00 ", "2026-11-30", "2026-02-30", "mon", "T2", "cn", "daily",
    "every day", "hằng ngày", "first sat", "last fri", "6th mon", "-1 sun", "phien-sang", "Bad ID", "", " ", "slogan",
    "segment", "repeat", "skip", "CCHC", "Nhạc hiệu Đài", "x" * 70,
]  # fmt: skip
SLOT_KEYS = ["id", "name", "days", "times", "every_weeks", "anchor", "monthly", "valid_from", "valid_until", "except",
             "chime", "priority", "hard_end", "max_minutes", "colour", "Times"]  # fmt: skip
ITEM_KEYS = ["clip", "latest", "if_no_new", "rotation", "days", "monthly", "except", "valid_from", "valid_until", "count"]
INNER_KEYS = ["kind", "programme", "program", "tag", "count", "extra"]
PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs"))
SCALARS = st.one_of(
    st.sampled_from(PLAUSIBLE_STRINGS), st.text(PRINTABLE, max_size=12), st.booleans(), st.integers(-3, 200),
    st.integers(), st.dates(date(1900, 1, 1), date(2100, 1, 1)), st.times().map(lambda t: t.replace(microsecond=0)),
)  # fmt: skip
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(INNER_KEYS), inner, max_size=3),
                      max_leaves=6)  # fmt: skip


@st.composite
def toml_documents(draw: st.DrawFn) -> str:
    lines = []
    if draw(st.booleans()):
        lines.append("[station]")
        lines += [f"{k} = {toml_value(v)}" for k, v in draw(st.dictionaries(st.sampled_from(["blackout", "chime", "tz"]), VALUES, max_size=2)).items()]
    for _ in range(draw(st.integers(0, 3))):
        lines.append("[[slot]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in draw(st.dictionaries(st.sampled_from(SLOT_KEYS), VALUES, max_size=6)).items()]
        for _ in range(draw(st.integers(0, 3))):
            lines.append("  [[slot.item]]")
            items = draw(st.dictionaries(st.sampled_from(ITEM_KEYS), VALUES, max_size=4))
            lines += [f"  {k} = {toml_value(v)}" for k, v in items.items()]
    return "\n".join(lines) + "\n"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=toml_documents())
def test_parse_never_raises_on_generated_toml(doc: str) -> None:
    check_result([("f.toml", doc.encode("utf-8"))])


INSERTS = [
    b'"', b"[", b"]]", b"=", b"\n", b"#", b"\n[[slot]]\n", b"\n[[slot.item]]\n", b"\n[station]\n", b'\ntimes = ["24:00"]\n',
    b"\xef\xbb\xbf", b"\xff", b"\x00", b"\r", b"\xc2\x85", b"\n  days = []\n", b'\nmonthly = "6th mon"\n', b"\nevery_weeks = 0\n",
    b'\nhard_end = "05:00"\n', b"\nvalid_from = 2026-12-01\nvalid_until = 2026-01-01\n", b'\nid = "phien-sang"\n',
    b'\nchime = "Other"\n', b"\nclip = 1\n", b'\nrotation = { count = 2 }\n', "Đ".encode(), "ồ".encode()[:2],
]  # fmt: skip


@st.composite
def mutated_examples(draw: st.DrawFn) -> list[tuple[str, bytes]]:
    index = draw(st.integers(0, len(EXAMPLES) - 1))
    name, original = EXAMPLES[index]
    data = draw(mutations(original, INSERTS))
    others = [f for j, f in enumerate(EXAMPLES) if j != index] if draw(st.booleans()) else []
    return [(name, data), *others]


def test_the_examples_are_there_and_valid() -> None:
    assert len(EXAMPLES) >= 2
    result = parse_files(EXAMPLES)
    assert result.errors == [] and len(result.schedule.slots) >= 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=mutated_examples())
def test_parse_never_raises_on_mutated_examples(files: list[tuple[str, bytes]]) -> None:
    check_result(files)


def test_parse_survives_a_huge_integer() -> None:
    check_result([("f.toml", b"[[slot]]\nid = \"a\"\npriority = " + b"9" * 5000 + b"\n")])


def test_parse_survives_deep_nesting() -> None:
    check_result([("f.toml", b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n")])


# -- 4. Times of day ----------------------------------------------------------------------------

# Comments may hold U+2028/U+2029 (legal in TOML), which must not shift line numbers.
COMMENT_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20)


@st.composite
def files_with_time(draw: st.DrawFn, value: str) -> tuple[bytes, int, int]:
    """A file of valid slots, one of whose `times` holds `value`: (bytes, slot index, line of `times`)."""
    lines = [f"# {c}" for c in draw(st.lists(COMMENT_TEXT, max_size=3))]
    n_slots = draw(st.integers(1, 3))
    target = draw(st.integers(0, n_slots - 1))
    times_line = 0
    for i in range(n_slots):
        lines += [""] * draw(st.integers(0, 2)) + ["[[slot]]"]
        times = '"06:00"'
        if i == target:
            times = draw(st.sampled_from([f'"{value}"', f'["{value}"]', f'["06:00", "{value}"]', f'[ "{value}" , "07:15" ]']))
        body = [f'id = "s{i}"', f'name = "Khung {i}"', 'days = "daily"', "priority = 10", f"times = {times}  # HH:MM"]
        for line in draw(st.permutations(body)):
            lines.append(line)
            if line.startswith("times") and i == target:
                times_line = len(lines)
        lines += ["  [[slot.item]]", "  clip = 1"]
    return "\n".join(lines).encode("utf-8") + draw(st.sampled_from([b"", b"\n"])), target, times_line


@FAST
@given(data=st.data(), h=st.integers(0, 23), m=st.integers(0, 59), pad=st.booleans())
def test_every_real_time_of_day_parses(data: st.DataObject, h: int, m: int, pad: bool) -> None:
    value = f"{h:02d}:{m:02d}" if pad else f"{h}:{m:02d}"
    raw, target, _ = data.draw(files_with_time(value))
    result = parse_files([("f.toml", raw)])
    assert result.errors == [] and result.warnings == []
    slots = {s.id: s for s in result.schedule.slots}
    assert time(h, m) in slots[f"s{target}"].times


@FAST
@given(data=st.data(), hm=st.one_of(st.tuples(st.integers(24, 99), st.integers(0, 59)), st.tuples(st.integers(0, 99), st.integers(60, 99))))
def test_every_impossible_time_is_named_on_its_line(data: st.DataObject, hm: tuple[int, int]) -> None:
    value = f"{hm[0]:02d}:{hm[1]:02d}"
    raw, target, times_line = data.draw(files_with_time(value))
    result = parse_files([("f.toml", raw)])
    assert [(p.source.file, p.source.line, p.msg_id) for p in result.errors] == [("f.toml", times_line, "schedule.impossible_time")]
    assert value in str(result.errors[0].params["value"])  # quoted or not: the message shows what was written
    assert re.match(rf"\s*times\s*=.*{value}", raw.decode().splitlines()[times_line - 1])
    assert f"s{target}" not in {s.id for s in result.schedule.slots}
    for lang in ("vi", "en"):
        assert value in i18n.t("schedule.impossible_time", lang, **result.errors[0].params)


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_unicode_line_separator_does_not_shift_line_numbers(separator: str) -> None:
    text = f'# note{separator}more\n[[slot]]\nid = "a"\ntimes = ["25:00"]\n  [[slot.item]]\n  clip = 1\n'
    result = parse_files([("f.toml", text.encode("utf-8"))])
    assert [(p.source.line, p.msg_id) for p in result.errors] == [(4, "schedule.impossible_time")]


def test_header_inside_a_multiline_string_does_not_shift_slots() -> None:
    text = ('[[slot]]\nid = "a"\nname = """\n[[slot]]\n"""\ntimes = ["05:00"]\n  [[slot.item]]\n  clip = 1\n'
            '[[slot]]\nid = "b"\ntimes = ["25:00"]\n  [[slot.item]]\n  clip = 1\n')  # fmt: skip
    result = parse_files([("f.toml", text.encode("utf-8"))])
    assert [(p.source.line, p.msg_id) for p in result.errors] == [(11, "schedule.impossible_time")]
