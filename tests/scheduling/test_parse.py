"""The schedule file format: what parses, and the message each mistake gets."""

from __future__ import annotations

from datetime import date, time

from playout.i18n import t
from playout.model import Kind
from playout.scheduling.model import ClipRef, IfNoNew, LatestEpisode, NamedClip, Rotation
from playout.scheduling.parse import parse_files
from tests.conftest import ROOT
from tests.scheduling.helpers import ids, parse

SLOT = """
[[slot]]
id = "sang"
times = ["05:30"]
  [[slot.item]]
  clip = "Nhạc hiệu Đài"
"""


def test_shipped_example_parses_without_problems() -> None:
    files = [(p.name, p.read_bytes()) for p in sorted((ROOT / "schedules").glob("*.toml"))]
    result = parse_files(files)
    assert result.errors == [] and result.warnings == []
    slots = {s.id: s for s in result.schedule.slots}
    assert set(slots) == {"phien-sang", "phien-chieu"}
    sang = slots["phien-sang"]
    assert sang.times == (time(5, 30),) and sang.max_duration_ms == 30 * 60_000
    assert sang.chime == ClipRef() and result.schedule.default_chime == ClipRef(title="Nhạc hiệu Đài")
    premiere, slogans = sang.items
    assert premiere.what == LatestEpisode("CCHC", IfNoNew.SKIP)
    assert premiere.when is not None and premiere.when.weekdays == frozenset({0})
    assert slogans.what == Rotation(kind=Kind.SLOGAN, count=2) and slogans.when is None
    chieu = slots["phien-chieu"]
    assert chieu.items[1].what == LatestEpisode("Đồng hành cùng Nhân dân", IfNoNew.REPEAT)
    assert chieu.items[1].when is not None and chieu.items[1].when.monthly == frozenset({(1, 5)})


def test_the_relay_slot_the_schedules_readme_shows_parses_beside_the_example() -> None:
    """schedules/README.md tells how to add a relay slot to the example: it must parse as it
    is written there, next to the shipped files, and be a relay of the documented source."""
    from playout.scheduling.model import Relay

    text = (ROOT / "schedules" / "README.md").read_text(encoding="utf-8")
    block = text.split("A relay slot, to add as a file of its own")[1].split("```toml\n")[1].split("```")[0]
    files = [(p.name, p.read_bytes()) for p in sorted((ROOT / "schedules").glob("*.toml"))]
    result = parse_files([*files, ("tiep-am.toml", block.encode())])
    assert result.errors == [] and result.warnings == []
    [slot] = [s for s in result.schedule.slots if s.id == "tiep-am-tinh"]
    [item] = slot.items
    assert isinstance(item.what, Relay) and item.what.source == "http://127.0.0.1:8000/tinh"
    assert item.what.title == "Thời sự Đài tỉnh"


def test_full_vocabulary() -> None:
    schedule, errors, _ = parse("""
[station]
chime = 1
blackout = [2027-02-06, "2027-02-07"]

[[slot]]
id = "bao-cao"
name = "Báo cáo"
days = ["t2", "fri"]
times = ["07:00", 19:15:00]
every_weeks = 2
anchor = 2026-11-30
valid_from = 2026-12-01
valid_until = 2027-06-30
except = [2027-01-01]
chime = false
priority = 50
max_minutes = 20
  [[slot.item]]
  clip = 12
  [[slot.item]]
  rotation = { tag = "CCHC", programme = "CCHC", count = 3 }
  monthly = ["last fri", "2nd mon"]
""")
    assert errors == []
    [slot] = schedule.slots
    assert schedule.blackout == {date(2027, 2, 6), date(2027, 2, 7)}
    assert schedule.default_chime == ClipRef(clip_id=1)
    assert slot.name == "Báo cáo" and slot.chime is None and slot.priority == 50
    assert slot.times == (time(7, 0), time(19, 15)) and slot.max_duration_ms == 20 * 60_000
    r = slot.recurrence
    assert r.weekdays == {0, 4} and r.every_weeks == 2 and r.anchor == date(2026, 11, 30)
    assert (r.valid_from, r.valid_until, r.exceptions) == (date(2026, 12, 1), date(2027, 6, 30), {date(2027, 1, 1)})
    assert slot.items[0].what == NamedClip(ClipRef(clip_id=12))
    assert slot.items[1].when is not None and slot.items[1].when.monthly == {(-1, 4), (2, 0)}
    assert slot.items[1].what == Rotation(programme="CCHC", tag="CCHC", count=3)


def test_syntax_error_names_file_line_and_column() -> None:
    _, errors, _ = parse('[[slot]]\nid = "sang"\ntimes = ["05:30"\n')
    [e] = errors
    assert (e.source.file, e.source.line, e.msg_id) == ("f1.toml", 3, "schedule.syntax")
    assert "column" in t(e.msg_id, "en", **e.params)
    # What is wrong in the station's language, not only the TOML reader's English.
    assert t(e.msg_id, "en", **e.params).endswith("Unclosed array")
    assert t(e.msg_id, "vi", **e.params).endswith("danh sách chưa đóng: thiếu dấu ']' (có thể ở dòng trước)")


def test_impossible_and_malformed_times() -> None:
    _, errors, _ = parse(SLOT.replace('"05:30"', '"24:30", "5h30", "05:61"'))
    assert ids(errors) == [
        ("f1.toml", 4, "schedule.impossible_time"),
        ("f1.toml", 4, "schedule.bad_time"),
        ("f1.toml", 4, "schedule.impossible_time"),
    ]
    assert t(errors[1].msg_id, "vi", **errors[1].params) == "giờ '5h30' không hợp lệ: cần dạng GG:PP, ví dụ \"05:30\"."


def test_impossible_date() -> None:
    _, errors, _ = parse(SLOT.replace('times = ["05:30"]', 'times = ["05:30"]\nvalid_from = "2026-02-30"'))
    assert ids(errors) == [("f1.toml", 5, "schedule.bad_date")]


def test_not_utf8_names_the_line() -> None:
    data = SLOT.encode().replace("Nhạc hiệu Đài".encode(), "Nhạc hiệu Đài".encode("cp1258", errors="replace"))
    data = SLOT.encode().replace(b"clip = ", b"clip = \xff")
    result = parse_files([("cp.toml", data)])
    assert ids(result.errors) == [("cp.toml", 6, "schedule.not_utf8")]
    assert "0xff" in t("schedule.not_utf8", "en", **result.errors[0].params)


def test_bom_is_accepted_with_a_warning() -> None:
    result = parse_files([("bom.toml", b"\xef\xbb\xbf" + SLOT.encode())])
    assert result.errors == [] and len(result.schedule.slots) == 1
    assert ids(result.warnings) == [("bom.toml", 1, "schedule.bom")]


def test_empty_file_is_a_warning() -> None:
    result = parse_files([("empty.toml", b""), ("blank.toml", b"\n  \n# only a comment\n")])
    assert result.errors == []
    assert [w.msg_id for w in result.warnings] == ["schedule.empty", "schedule.empty"]


def test_duplicate_slot_ids_across_files() -> None:
    _, errors, _ = parse(SLOT, "# another file\n" + SLOT)
    assert ids(errors) == [("f2.toml", 3, "schedule.duplicate_slot")]
    assert errors[0].params["other"] == "f1.toml:2"


def test_every_error_is_listed_not_just_the_first() -> None:
    _, errors, _ = parse("""
[[slot]]
id = "Phiên Sáng"
times = ["05:30"]
days = ["someday"]
colour = "red"
  [[slot.item]]
  latest = "CCHC"
  if_no_new = "maybe"
  [[slot.item]]
  rotation = { count = 2 }
[[slot]]
id = "toi"
times = ["19:00"]
hard_end = "18:00"
""")
    assert ids(errors) == [
        ("f1.toml", 3, "schedule.bad_slot_id"),
        ("f1.toml", 6, "schedule.unknown_key"),
        ("f1.toml", 5, "schedule.bad_weekday"),
        ("f1.toml", 9, "schedule.bad_choice"),
        ("f1.toml", 11, "schedule.bad_rotation"),
        ("f1.toml", 15, "schedule.hard_end_before_start"),
        ("f1.toml", 12, "schedule.no_items"),
    ]


def test_item_needs_exactly_one_thing_to_play() -> None:
    _, errors, _ = parse(SLOT.replace('clip = "Nhạc hiệu Đài"', 'clip = "A"\n  latest = "CCHC"'))
    assert ids(errors) == [("f1.toml", 5, "schedule.item_what")]


def test_hard_end_needs_a_single_time() -> None:
    _, errors, _ = parse(SLOT.replace('times = ["05:30"]', 'times = ["05:30", "17:30"]\nhard_end = "06:00"'))
    assert ids(errors) == [("f1.toml", 5, "schedule.hard_end_needs_one_time")]


def test_two_different_station_chimes() -> None:
    _, errors, _ = parse('[station]\nchime = "A"\n', '[station]\nchime = "B"\n')
    assert ids(errors) == [("f2.toml", 2, "schedule.two_chimes")]


def test_empty_times_and_non_ascii_digits() -> None:
    _, errors, _ = parse(SLOT.replace('times = ["05:30"]', "times = []"))
    assert ids(errors) == [("f1.toml", 4, "schedule.no_times")]
    _, errors, _ = parse(SLOT.replace('"05:30"', '"٠٥:٣٠"'))
    assert ids(errors) == [("f1.toml", 4, "schedule.bad_time")]


def test_relay_items_and_their_mistakes() -> None:
    from playout.scheduling.model import Relay

    schedule, errors, _ = parse(SLOT + '  [[slot.item]]\n  relay = "https://u:pw@vov.example/live.m3u8"\n  minutes = 15\n'
                                       '  title = "Tiếp âm VOV"\n  [[slot.item]]\n  relay = "line-in"\n  minutes = 0.5\n')  # fmt: skip
    assert errors == []
    assert [i.what for i in schedule.slots[0].items[1:]] == [
        Relay("https://u:pw@vov.example/live.m3u8", 15.0, "Tiếp âm VOV"), Relay("line-in", 0.5)]
    _, errors, _ = parse(SLOT + '  [[slot.item]]\n  relay = "ftp://x/y"\n  minutes = 5\n'
                                '  [[slot.item]]\n  relay = "http://x/y"\n'
                                '  [[slot.item]]\n  clip = 3\n  minutes = 5\n'
                                '  [[slot.item]]\n  relay = "http://x/y"\n  minutes = 0\n')  # fmt: skip
    assert [(m, line) for _, line, m in ids(errors)] == [
        ("schedule.bad_relay", 8), ("schedule.relay_only", 14), ("schedule.bad_number", 17),
        ("schedule.relay_length", 10)]  # fmt: skip
    assert "line-in" in t("schedule.bad_relay", "vi", value="'ftp://x/y'")
