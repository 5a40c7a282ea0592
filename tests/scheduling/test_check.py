"""Semantic checks: what only the library and real durations reveal."""

from __future__ import annotations

from datetime import date, datetime

from playout.model import Kind
from playout.scheduling.check import check
from playout.scheduling.select import LibraryView
from tests.scheduling.helpers import TZ, clip, example_library, parse
from tests.scheduling.test_select import example_schedule

TODAY = date(2026, 11, 28)


def run(text: str, library: LibraryView | None = None):  # noqa: ANN201
    schedule, errors, _ = parse('[station]\nchime = "Nhạc hiệu Đài"\n' + text)
    assert errors == []
    return check(schedule, library or example_library(), TODAY, TZ)


def msg_ids(problems) -> list[tuple[int, str]]:  # noqa: ANN001
    return [(p.source.line, p.msg_id) for p in problems]


def test_shipped_example_is_clean_with_the_example_library() -> None:
    assert check(example_schedule(), example_library(), TODAY, TZ) == ([], [])


def test_unknown_clip_programme_and_empty_pool() -> None:
    errors, _ = run("""
[[slot]]
id = "a"
times = ["06:00"]
  [[slot.item]]
  clip = "Không có"
  [[slot.item]]
  latest = "Không có chương trình"
  [[slot.item]]
  rotation = { tag = "không-có" }
""")
    # Each at the line that names what the item airs, not at its [[slot.item]] header.
    assert msg_ids(errors) == [(8, "schedule.unknown_clip"), (10, "schedule.unknown_programme"), (12, "schedule.empty_pool")]


def test_a_slot_left_out_for_its_own_error_still_has_its_items_checked() -> None:
    # A wrong hard end hid an unknown programme in the same slot until the first was mended.
    schedule, parse_errors, _ = parse("""[station]
chime = "Nhạc hiệu Đài"
[[slot]]
id = "a"
times = ["05:30"]
hard_end = "05:30"
  [[slot.item]]
  latest = "CCHX"
""")
    assert msg_ids(parse_errors) == [(6, "schedule.hard_end_before_start")]
    assert schedule.slots == ()  # never aired
    errors, _ = check(schedule, example_library(), TODAY, TZ)
    assert msg_ids(errors) == [(8, "schedule.unknown_programme")]


def test_ambiguous_title() -> None:
    library = LibraryView([*example_library().clips, clip(50, "Khẩu hiệu 1")])
    errors, _ = run('[[slot]]\nid = "a"\ntimes = ["06:00"]\n  [[slot.item]]\n  clip = "Khẩu hiệu 1"\n', library)
    assert msg_ids(errors) == [(7, "schedule.ambiguous_clip")]
    assert errors[0].params["ids"] == "#2, #50"


def test_station_chime_missing() -> None:
    schedule, _, _ = parse('[[slot]]\nid = "a"\ntimes = ["06:00"]\nchime = true\n  [[slot.item]]\n  clip = 2\n')
    errors, _ = check(schedule, example_library(), TODAY, TZ)
    assert msg_ids(errors) == [(1, "schedule.no_station_chime")]


def test_sequence_that_cannot_fit_its_hard_end() -> None:
    library = LibraryView([*example_library().clips, clip(40, "Dài", Kind.SEGMENT, "X", date(2026, 1, 1), ms=50_000)])
    errors, _ = run("""
[[slot]]
id = "chat"
times = ["06:00"]
hard_end = "06:01"
chime = true
  [[slot.item]]
  clip = "Dài"
  [[slot.item]]
  rotation = { kind = "slogan", count = 3 }
""", library)
    assert msg_ids(errors) == [(4, "schedule.cannot_fit")]
    assert errors[0].params["limit"] == "1:00"


def test_equal_priority_overlap_is_an_error_different_priority_a_warning() -> None:
    slots = """
[[slot]]
id = "a"
times = ["06:00"]
  [[slot.item]]
  clip = "CCHC tuần 48"
[[slot]]
id = "b"
times = ["06:00"]
days = ["mon"]
priority = PRIO
  [[slot.item]]
  clip = "Khẩu hiệu 1"
"""
    errors, warnings = run(slots.replace("PRIO", "10"))
    assert msg_ids(errors) == [(9, "schedule.overlap")]
    assert errors[0].params["when"] == "2026-11-30 06:00"
    errors, warnings = run(slots.replace("PRIO", "90"))
    assert errors == [] and msg_ids(warnings) == [(4, "schedule.conflict")]


def test_back_to_back_slots_do_not_overlap() -> None:
    errors, warnings = run("""
[[slot]]
id = "a"
times = ["06:00"]
  [[slot.item]]
  clip = "Khẩu hiệu 1"
[[slot]]
id = "b"
times = ["06:01"]
  [[slot.item]]
  clip = "Khẩu hiệu 2"
""")
    assert (errors, warnings) == ([], [])


def test_warnings_pool_of_one_window_ended_no_episode_for_next_airing() -> None:
    library = LibraryView([*example_library().clips, clip(60, "Bão", Kind.ANNOUNCEMENT),
                           clip(61, "Sắp có", Kind.SEGMENT, "Mới", date(2027, 3, 1))])  # fmt: skip
    errors, warnings = run("""
[[slot]]
id = "cu"
times = ["06:00"]
valid_until = 2026-10-31
  [[slot.item]]
  rotation = { kind = "announcement" }
[[slot]]
id = "moi"
times = ["07:00"]
  [[slot.item]]
  latest = "Mới"
""", library)  # fmt: skip
    assert errors == []
    assert sorted(msg_ids(warnings)) == [(4, "schedule.window_ended"), (9, "schedule.pool_of_one"),
                                         (10, "schedule.no_episode_next")]  # fmt: skip
    [missing] = [w for w in warnings if w.msg_id == "schedule.no_episode_next"]
    assert missing.params["when"] == "2026-11-28 07:00"  # today's airing, still to come at midnight
    # Checked after today's 07:00: the warning names the next airing, not the one gone by.
    schedule, _, _ = parse('[station]\nchime = "Nhạc hiệu Đài"\n[[slot]]\nid = "moi"\ntimes = ["07:00"]\n'
                           '  [[slot.item]]\n  latest = "Mới"\n')  # fmt: skip
    later = datetime(2026, 11, 28, 7, 1, tzinfo=TZ)
    _, warnings = check(schedule, library, TODAY, TZ, None, later)
    assert [w.params["when"] for w in warnings if w.msg_id == "schedule.no_episode_next"] == ["2026-11-29 07:00"]


def test_overlaps_are_per_zone() -> None:
    """Two slots at the same time in different zones both air, each on time: no overlap.
    In a zone they share (named, or every zone by default), the same error as ever."""
    def slots(zones_a: str, zones_b: str, item_zones: str = "") -> str:
        return f"""
[[slot]]
id = "a"
times = ["06:00"]
{zones_a}
  [[slot.item]]
  clip = "CCHC tuần 48"
[[slot]]
id = "b"
times = ["06:00"]
chime = false
{zones_b}
  [[slot.item]]
  clip = "Khẩu hiệu 1"
{item_zones}
"""

    def overlap_ids(text: str, station: tuple[str, ...] | None) -> list[str]:
        schedule, errors, _ = parse('[station]\nchime = "Nhạc hiệu Đài"\n' + text)
        assert errors == []
        found, _ = check(schedule, example_library(), TODAY, TZ, station)
        return [e.msg_id for e in found]

    station = ("xa-a", "ap-3", "ap-9")
    assert overlap_ids(slots('zones = ["xa-a"]', 'zones = ["ap-3", "ap-9"]'), station) == []
    assert overlap_ids(slots('zones = ["xa-a", "ap-3"]', 'zones = ["ap-3"]'), station) == ["schedule.overlap"]
    assert overlap_ids(slots("", 'zones = ["ap-9"]'), station) == ["schedule.overlap"]  # "a" airs everywhere
    # An item narrowed to another zone: slot "b" (no chime) only airs in ap-9.
    assert overlap_ids(slots('zones = ["xa-a"]', "", '  zones = ["ap-9"]'), station) == []
    # Without the station's zone ids: named zones are compared, a slot without zones is everywhere.
    assert overlap_ids(slots('zones = ["xa-a"]', 'zones = ["ap-3"]'), None) == []
    assert overlap_ids(slots("", 'zones = ["ap-3"]'), None) == ["schedule.overlap"]
    # A station with one zone, as before: everything overlaps.
    assert overlap_ids(slots("", ""), ("main",)) == ["schedule.overlap"]
