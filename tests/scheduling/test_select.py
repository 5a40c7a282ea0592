"""Selection with literal dates: latest episode, rotation fairness, validity, hard end."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from playout.model import Kind
from playout.scheduling.expand import expand
from playout.scheduling.select import History, LibraryView, plan_range, select
from tests.conftest import ROOT
from tests.scheduling.helpers import TZ, clip, example_library, parse


def example_schedule():
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "schedules").glob("*.toml"))]
    schedule, errors, _ = parse(*texts)
    assert errors == []
    return schedule


def titles(plan) -> list[str]:  # noqa: ANN001
    return [p.clip.title for p in plan.items]


def test_example_week_plays_what_the_brief_describes() -> None:
    schedule = example_schedule()
    plans = plan_range(expand(schedule, date(2026, 11, 30), date(2026, 12, 6), TZ), schedule, example_library(), History())
    by_key = {p.occurrence.key: p for p in plans}
    assert len(plans) == 14
    # Monday morning: chime, the CCHC premiere (newest episode), two slogans.
    monday = by_key["phien-sang@2026-11-30T05:30"]
    assert titles(monday)[:2] == ["Nhạc hiệu Đài", "CCHC tuần 49"]
    assert [p.clip.kind for p in monday.items[2:]] == [Kind.SLOGAN, Kind.SLOGAN]
    assert monday.occurrence.utc == datetime(2026, 11, 29, 22, 30, tzinfo=TZ).astimezone(TZ).replace(
        day=30, hour=5, minute=30) .astimezone(monday.occurrence.utc.tzinfo)
    # Thursday evening: the rebroadcast of the same episode.
    assert titles(by_key["phien-chieu@2026-12-03T17:30"])[1] == "CCHC tuần 49"
    # First Saturday evening of December: Đồng hành cùng Nhân dân.
    assert titles(by_key["phien-chieu@2026-12-05T17:30"])[1] == "Đồng hành tháng 11"
    # Other sessions: chime and two slogans only.
    assert [p.clip.kind for p in by_key["phien-sang@2026-12-01T05:30"].items] == [Kind.CHIME, Kind.SLOGAN, Kind.SLOGAN]
    # Sequence offsets follow real durations back to back.
    offsets = [p.offset_ms for p in monday.items]
    assert offsets[:3] == [0, 3300, 11_300]


def test_latest_episode_ignores_future_and_invalid_episodes_and_skips_when_nothing_new() -> None:
    schedule = example_schedule()
    library = LibraryView([
        *example_library().clips,
        clip(8, "CCHC tuần 50 (chưa đến ngày)", Kind.SEGMENT, "CCHC", date(2026, 12, 7)),
        clip(9, "CCHC rút lại", Kind.SEGMENT, "CCHC", date(2026, 12, 1), retired=True),
        clip(10, "CCHC hết hạn", Kind.SEGMENT, "CCHC", date(2026, 12, 2), valid_until=date(2026, 12, 5)),
    ])  # fmt: skip
    plans = plan_range(expand(schedule, date(2026, 11, 30), date(2026, 12, 14), TZ), schedule, library, History())
    mondays = {p.occurrence.local_date: p for p in plans if p.occurrence.slot.id == "phien-sang" and p.occurrence.local.weekday() == 0}
    assert titles(mondays[date(2026, 11, 30)])[1] == "CCHC tuần 49"
    assert titles(mondays[date(2026, 12, 7)])[1] == "CCHC tuần 50 (chưa đến ngày)"
    # No new episode for 14 December: the premiere item has `if_no_new = "skip"`.
    last = mondays[date(2026, 12, 14)]
    assert [p.clip.kind for p in last.items] == [Kind.CHIME, Kind.SLOGAN, Kind.SLOGAN]
    assert [d.msg_id for d in last.dropped] == ["select.no_new_episode"]


def test_rotation_is_fair_over_a_year() -> None:
    schedule = example_schedule()
    slogans = [clip(100 + i, f"Khẩu hiệu {i}", ms=3000 + 100 * i) for i in range(10)]
    library = LibraryView([*example_library().clips[:1], *slogans, *example_library().clips[4:]])
    plans = plan_range(expand(schedule, date(2026, 1, 1), date(2026, 12, 31), TZ), schedule, library, History())
    counts = Counter(p.clip.id for plan in plans for p in plan.items if p.clip.kind == Kind.SLOGAN)
    assert len(plans) == 730 and sum(counts.values()) == 730 * 2
    assert set(counts) == {c.id for c in slogans}
    assert max(counts.values()) - min(counts.values()) <= 1
    # Never the same slogan twice in one session.
    assert all(len({p.clip.id for p in plan.items}) == len(plan.items) for plan in plans)


def test_rotation_respects_validity_windows_and_retirement() -> None:
    schedule = example_schedule()
    library = LibraryView([
        *example_library().clips[:1],
        clip(20, "Tết", valid_from=date(2027, 1, 20), valid_until=date(2027, 2, 10)),
        clip(21, "Thường", ms=3000), clip(22, "Đã bỏ", retired=True),
    ])  # fmt: skip
    plans = plan_range(expand(schedule, date(2027, 1, 1), date(2027, 2, 28), TZ), schedule, library, History())
    for plan in plans:
        ids = {p.clip.id for p in plan.items}
        assert 22 not in ids
        assert (20 in ids) == (date(2027, 1, 20) <= plan.occurrence.local_date <= date(2027, 2, 10))


def test_history_from_the_log_decides_the_next_slogans() -> None:
    schedule = example_schedule()
    library = example_library()
    occ = expand(schedule, date(2026, 12, 1), date(2026, 12, 1), TZ)[0]
    history = History(last_aired={2: datetime(2026, 11, 30, 10, 0, tzinfo=TZ), 3: datetime(2026, 11, 29, 10, 0, tzinfo=TZ)})
    assert titles(select(occ, schedule, library, history))[1:] == ["Khẩu hiệu 3", "Khẩu hiệu 2"]


def test_items_past_the_hard_end_are_dropped_and_later_ones_still_fit() -> None:
    schedule, errors, _ = parse("""
[station]
chime = "Nhạc hiệu Đài"
[[slot]]
id = "ngan"
times = ["06:00"]
max_minutes = 1
chime = true
  [[slot.item]]
  clip = "Dài"
  [[slot.item]]
  clip = "Khẩu hiệu 1"
""")
    assert errors == []
    library = LibraryView([*example_library().clips, clip(30, "Dài", Kind.SEGMENT, "X", date(2026, 1, 1), ms=120_000)])
    [occ] = expand(schedule, date(2026, 12, 1), date(2026, 12, 1), TZ)
    plan = select(occ, schedule, library, History())
    assert titles(plan) == ["Nhạc hiệu Đài", "Khẩu hiệu 1"]
    assert [(d.msg_id, d.params["title"]) for d in plan.dropped] == [("select.past_hard_end", "Dài")]
    assert plan.duration_ms == 3300 + 3500


def test_titles_match_whatever_the_unicode_form_and_case() -> None:
    import unicodedata

    schedule, errors, _ = parse(f"""
[[slot]]
id = "a"
times = ["06:00"]
  [[slot.item]]
  clip = "{unicodedata.normalize('NFD', 'nhạc hiệu đài')}"
""")
    assert errors == []
    [occ] = expand(schedule, date(2026, 12, 1), date(2026, 12, 1), TZ)
    assert titles(select(occ, schedule, example_library(), History())) == ["Nhạc hiệu Đài"]


RELAY = """
[[slot]]
id = "tiep-am"
name = "Tiếp âm Đài tỉnh"
times = ["18:00"]
hard_end = "18:30"
  [[slot.item]]
  clip = "Nhạc hiệu Đài"
  [[slot.item]]
  relay = "http://tinh.example:8000/fm"
  title = "Thời sự Đài tỉnh"
  programme = "Thời sự tỉnh"
"""


def test_a_relay_without_a_length_runs_to_the_hard_end_after_what_precedes_it() -> None:
    schedule, errors, _ = parse(RELAY)
    assert errors == []
    [occ] = expand(schedule, date(2026, 12, 1), date(2026, 12, 1), TZ)
    plan = select(occ, schedule, example_library(), History())
    chime, relay = plan.items
    assert relay.relay == "http://tinh.example:8000/fm" and relay.clip.kind == Kind.RELAY
    assert relay.clip.title == "Thời sự Đài tỉnh" and relay.clip.programme == "Thời sự tỉnh"
    assert relay.offset_ms == chime.clip.duration_ms and plan.duration_ms == 30 * 60_000
    # A relay is not a clip: it never enters the rotation history.
    history = History()
    history.record(plan)
    assert 0 not in history.last_aired


def test_a_relay_longer_than_the_slot_stops_at_the_hard_end_and_a_short_one_keeps_its_length() -> None:
    for minutes, expected_ms in (("45", None), ("10", 10 * 60_000)):
        schedule, errors, _ = parse(RELAY.replace('title = "Thời sự Đài tỉnh"', f"minutes = {minutes}"))
        assert errors == []
        [occ] = expand(schedule, date(2026, 12, 1), date(2026, 12, 1), TZ)
        plan = select(occ, schedule, example_library(), History())
        chime, relay = plan.items
        assert relay.clip.duration_ms == (expected_ms or 30 * 60_000 - chime.clip.duration_ms)
        assert relay.clip.title == "http://tinh.example:8000/fm"  # no title: its source
