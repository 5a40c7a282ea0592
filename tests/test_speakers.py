"""The speakers registry file and the pure "who is connected" core, with literal times.

What each poll found is fed by hand (the fake Icecast statistics source is this test); the
real poller against a real icecast2 is tested in tests/daemon/test_speakers_live.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from playout.speakers import Listener, Presence, Registry, Speaker, load_registry, parse_listclients, parse_registry

ZONES = {"xa-a": False, "ap-3": True, "ap-9": True}
T0 = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


def s(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


GOOD = """\
# Loa IP của xã
[[speaker]]
id = "ap3-01"
zone = "ap-3"
name = "Loa cổng chợ"
place = "Chợ ấp 3"
ip = "10.8.0.21"

[[speaker]]
id = "ap3-02"
zone = "ap-3"
name = "Loa trường học"
user = "ap3-02"

[[speaker]]
id = "ap9-01"
zone = "ap-9"
name = "Loa ấp 9"
ip = "10.8.0.91"
user = "ap9-01"
"""


def test_a_registry_file_lists_speakers_per_zone() -> None:
    registry, problems = parse_registry(GOOD, "speakers.toml", ZONES)
    assert problems == []
    assert [x.id for x in registry.in_zone("ap-3")] == ["ap3-01", "ap3-02"]
    assert registry.in_zone("ap-9") == [Speaker("ap9-01", "ap-9", "Loa ấp 9", "", "10.8.0.91", "ap9-01")]


def _problems(text: str) -> list[str]:
    _, problems = parse_registry(text, "speakers.toml", ZONES)
    return [p.render("en") for p in problems]


def test_each_mistake_is_one_sentence_with_file_and_line() -> None:
    text = GOOD + """
[[speaker]]
id = "ap3-01"
zone = "ap-3"
name = "Trùng id"
ip = "10.8.0.22"

[[speaker]]
id = "xa-01"
zone = "xa-a"
name = "Loa dây"
ip = "10.8.0.23"

[[speaker]]
id = "ap4-01"
zone = "ap-4"
name = "Vùng không có"
ip = "10.8.0.24"

[[speaker]]
id = "ap3-09"
zone = "ap-3"
name = "Địa chỉ sai"
ip = "10.8.0.300"
colour = "red"

[[speaker]]
id = "ap3-10"
zone = "ap-3"
name = "Không nhận ra được"

[[speaker]]
id = "ap3-11"
zone = "ap-3"
name = "Cùng địa chỉ"
ip = "10.8.0.21"
"""
    got = _problems(text)
    assert got == [
        'speakers.toml:23: id = "ap3-01" is already another speaker\'s.',
        "speakers.toml:30: zone xa-a is not an Icecast mount: IP speakers belong to zones with icecast = \"…\".",
        "speakers.toml:36: there is no zone ap-4 in playout.toml (zones: xa-a, ap-3, ap-9).",
        "speakers.toml:45: unknown key colour (known keys: id, zone, name, place, ip, user).",
        'speakers.toml:44: ip = "10.8.0.300" is not an IP address (e.g. "10.8.0.21").',
        "speakers.toml:47: speaker ap3-10 needs an ip or a user to be recognised among Icecast's listeners.",
        "speakers.toml:56: speaker ap3-11 would be recognised exactly like speaker ap3-01 (same zone, ip and user): "
        "give each a user.",
    ], got
    # The speakers without a mistake are kept.
    registry, _ = parse_registry(text, "speakers.toml", ZONES)
    assert [x.id for x in registry.speakers] == ["ap3-01", "ap3-02", "ap9-01"]


def test_a_broken_file_is_one_sentence_and_vietnamese_by_default(tmp_path: Path) -> None:
    assert _problems('[[speaker]]\nid = "a\nzone = "ap-3"\n') == [
        "speakers.toml:2: TOML syntax error: Illegal character '\\n'"]  # fmt: skip
    assert _problems('[[speaker]]\nzone = "ap-3"\nip = "10.0.0.1"\n') == [
        "speakers.toml:1: this speaker has no id.", "speakers.toml:1: this speaker has no name."]  # fmt: skip
    assert _problems('speaker = "ap3-01"\n') == ["speakers.toml:1: each speaker is a [[speaker]] table."]
    path = tmp_path / "speakers.toml"
    path.write_bytes('[[speaker]]\nname = "Loa ch\xf4"\n'.encode("latin-1"))
    _, problems = load_registry(path, ZONES)
    assert [p.render("vi") for p in problems] == [
        f"{path}:2: tệp không phải văn bản UTF-8 (byte 0xf4); hãy lưu lại dạng UTF-8."]  # fmt: skip
    assert load_registry(tmp_path / "none.toml", ZONES) == (Registry(), [])


def test_icecasts_listener_list_is_read() -> None:
    xml = (b'<?xml version="1.0"?>\n<icestats><source mount="/ap-3"><Listeners>2</Listeners>'
           b"<listener><IP>10.8.0.21</IP><UserAgent>LoaIP/1.0</UserAgent><Connected>75</Connected><ID>2</ID></listener>"
           b"<listener><IP>::ffff:10.8.0.30</IP><UserAgent>x</UserAgent><Connected>3</Connected><ID>7</ID>"
           b"<username>ap3-02</username></listener></source></icestats>")  # fmt: skip
    assert parse_listclients(xml) == [Listener("10.8.0.21", 75, None, "LoaIP/1.0", "2"),
                                      Listener("10.8.0.30", 3, "ap3-02", "x", "7")]  # fmt: skip
    for bad in (b"<html>401</html>", b"not xml"):
        try:
            parse_listclients(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} was taken for a listener list")


def _presence() -> Presence:
    registry, _ = parse_registry(GOOD, "speakers.toml", ZONES)
    return Presence(registry, ["ap-3", "ap-9"])


A = Listener("10.8.0.21", 0)  # ap3-01, by its address
B = Listener("10.8.0.30", 0, user="ap3-02")  # ap3-02, by its user name
STRANGER = Listener("10.8.0.77", 0)


def at(listener: Listener, since: float, now: float) -> Listener:
    """The listener as a poll at `now` reports it, connected since `since`."""
    return Listener(listener.ip, int(now - since), listener.user)


def test_speakers_are_online_since_their_connection_and_offline_since_the_poll_that_missed_them() -> None:
    p = _presence()
    p.polled("ap-3", s(100), [at(A, 40, 100), at(B, 90, 100), STRANGER])
    p.polled("ap-9", s(100), [])
    zones = {z["zone"]: z for z in p.snapshot()}
    ap3 = zones["ap-3"]
    assert (ap3["online"], ap3["total"], ap3["unregistered"]) == (2, 2, 1)
    assert [(x["id"], x["online"], x["since"]) for x in ap3["speakers"]] == [
        ("ap3-01", True, s(40).isoformat()), ("ap3-02", True, s(90).isoformat())]  # fmt: skip
    assert zones["ap-9"]["speakers"][0]["online"] is False and zones["ap-9"]["speakers"][0]["since"] is None
    p.polled("ap-3", s(105), [at(A, 40, 105)])
    ap3 = {z["zone"]: z for z in p.snapshot()}["ap-3"]
    assert [(x["id"], x["online"], x["since"]) for x in ap3["speakers"]] == [
        ("ap3-01", True, s(40).isoformat()), ("ap3-02", False, s(105).isoformat())]  # fmt: skip
    assert ap3["unregistered"] == 0
    # A speaker must match on both where both are given: the right address, the wrong user.
    p.polled("ap-9", s(110), [Listener("10.8.0.91", 5, user="someone")])
    ap9 = {z["zone"]: z for z in p.snapshot()}["ap-9"]
    assert (ap9["online"], ap9["unregistered"]) == (0, 1)


def _record(p: Presence, zone: str, start: float, end: float) -> list[tuple[int | None, int]]:
    got: list[tuple[int | None, int]] = []
    assert p.expect(zone, s(start), s(end), lambda heard, total: got.append((heard, total)))
    return got


def test_an_item_counts_the_speakers_connected_from_its_start_to_its_end() -> None:
    p = _presence()
    p.polled("ap-3", s(0), [at(A, -50, 0), at(B, -10, 0)])
    got = _record(p, "ap-3", 10, 70)
    p.polled("ap-3", s(65), [at(A, -50, 65), at(B, -10, 65)])
    assert got == []  # not yet: the item runs until 70
    p.polled("ap-3", s(70.2), [at(A, -50, 70.2), at(B, -10, 70.2)])
    assert got == [(2, 2)]
    assert p.waiting == 0


def test_a_speaker_that_dropped_during_the_item_is_not_counted_even_if_back_by_its_end() -> None:
    p = _presence()
    got = _record(p, "ap-3", 10, 70)
    # B dropped at 30 and came back at 35, between two polls: Icecast's connection age
    # gives it away.
    p.polled("ap-3", s(72), [at(A, 0, 72), at(B, 35, 72)])
    assert got == [(1, 2)]


def test_a_speaker_that_connected_after_the_start_is_not_counted() -> None:
    p = _presence()
    got = _record(p, "ap-3", 10, 70)
    p.polled("ap-3", s(71), [at(A, 9.5, 71), at(B, 12, 71)])  # A within Icecast's whole second
    assert got == [(1, 2)]


def test_a_speaker_gone_by_the_end_is_not_counted() -> None:
    p = _presence()
    got = _record(p, "ap-3", 10, 70)
    p.polled("ap-3", s(71), [at(A, 0, 71)])
    assert got == [(1, 2)]


def test_when_icecast_cannot_be_asked_the_count_is_unknown_not_zero() -> None:
    p = _presence()
    got = _record(p, "ap-3", 10, 70)
    p.failed("ap-3", s(71), "Icecast http://127.0.0.1:8000/ap-3 is unreachable")
    assert got == [(None, 2)]
    zone = {z["zone"]: z for z in p.snapshot()}["ap-3"]
    assert zone["error"] and zone["online"] == 0
    # Icecast back, its listeners connected all along: they count again.
    got = _record(p, "ap-3", 80, 90)
    p.polled("ap-3", s(91), [at(A, 0, 91)])
    assert got == [(1, 2)]


def test_each_zone_counts_its_own_speakers_and_an_unpolled_zone_records_nothing() -> None:
    p = _presence()
    ap3, ap9 = _record(p, "ap-3", 10, 20), _record(p, "ap-9", 10, 20)
    p.polled("ap-9", s(21), [Listener("10.8.0.91", 60, user="ap9-01")])
    assert (ap3, ap9) == ([], [(1, 1)])
    assert not p.expect("xa-a", s(10), s(20), lambda *_: None)


def test_an_edited_registry_counts_from_the_next_poll() -> None:
    p = _presence()
    p.polled("ap-3", s(0), [at(A, -5, 0), at(B, -5, 0)])
    registry, _ = parse_registry(GOOD.replace('ip = "10.8.0.21"\n', 'ip = "10.8.0.22"\n'), "speakers.toml", ZONES)
    p.set_registry(registry, [])
    got = _record(p, "ap-3", 10, 20)
    p.polled("ap-3", s(21), [at(A, -5, 21), at(B, -5, 21)])
    assert got == [(1, 2)]
    assert {z["zone"]: z for z in p.snapshot()}["ap-3"]["unregistered"] == 1


def test_the_station_core_records_each_item_of_an_icecast_zone_at_the_next_poll(tmp_path: Path) -> None:
    """The station core on a virtual clock with a simulated player as its Icecast zone; the
    fake Icecast statistics are the polls this test feeds. Each item gets its own count.
    (One zone: two simulated players would move the one virtual clock in turn, and the
    items' start times would depend on which thread ran first.)"""
    from playout.output.zones import Zones
    from playout.player import SimPlayer
    from tests.daemon.test_station import Rig, local

    rig = Rig(tmp_path, local(2026, 11, 30, 5, 29, 57))
    presence = _presence()
    rig.station.player = Zones({"ap-3": SimPlayer(rig.clock, output="icecast:ap-3")})
    rig.station.presence = presence
    [occ] = rig.station.pending(rig.clock.now(), local(2026, 11, 30, 6, 0))
    rig.station.air(occ)
    ip_rows = [r for r in rig.rows() if r.zone == "ap-3"]
    assert len(ip_rows) == 4 and presence.waiting == 4
    assert all(r.speakers_total is None for r in rig.rows())  # nothing until Icecast was asked
    # A connected all along; B dropped and came back at 05:30:05, during the second item.
    poll = rig.clock.now() + timedelta(seconds=1)
    back = local(2026, 11, 30, 5, 30, 5)
    presence.polled("ap-3", poll, [Listener(A.ip, 3600), Listener(B.ip, int((poll - back).total_seconds()), B.user)])
    assert presence.waiting == 0
    got = {r.position: (r.started_at, r.speakers_heard, r.speakers_total) for r in rig.rows() if r.zone == "ap-3"}
    for started, heard, total in got.values():
        assert total == 2 and heard == (2 if started >= back - timedelta(seconds=1) else 1), (started, heard)
    assert sorted(heard for _, heard, _ in got.values()) == [1, 1, 2, 2]
    # What is in the database, not only in the row objects.
    assert sorted((r.position, r.speakers_heard) for r in rig.airlog.rows(occ.key) if r.zone == "ap-3") == [
        (1, 1), (2, 1), (3, 2), (4, 2)]  # fmt: skip


def test_an_edited_registry_file_is_read_again_and_a_mistake_keeps_the_speakers_there_were(tmp_path: Path) -> None:
    import os

    from playout.clock import VirtualClock
    from playout.daemon.speakers import SpeakerPoller, apply

    path = tmp_path / "speakers.toml"
    path.write_text(GOOD, encoding="utf-8")
    presence = Presence(Registry(), ["ap-3", "ap-9"])
    apply(presence, *load_registry(path, ZONES))
    poller = SpeakerPoller(presence, [], VirtualClock(T0), 5, path, ZONES)
    assert [x.id for x in presence.registry.speakers] == ["ap3-01", "ap3-02", "ap9-01"]

    def edit(text: str, tick: int) -> None:
        path.write_text(text, encoding="utf-8")
        os.utime(path, ns=(tick * 10**9, tick * 10**9))  # a new modification time, whatever the file system's
        poller.poll_once()

    edit(GOOD + '\n[[speaker]]\nid = "ap3-03"\nzone = "ap-3"\nname = "Loa mới"\nip = "10.8.0.23"\n', 1)
    assert [x.id for x in presence.registry.speakers] == ["ap3-01", "ap3-02", "ap9-01", "ap3-03"]
    assert presence.registry_problems == []
    # A typo: ap3-03's address is wrong, and ap9-01 was taken out. The speakers there were stay
    # (ap3-03 as it was) until the file is right; the mistake is named.
    broken = GOOD.split("[[speaker]]\nid = \"ap9-01\"")[0] + '[[speaker]]\nid = "ap3-03"\nzone = "ap-3"\nname = "Loa mới"\nip = "10.8.0.999"\n'
    edit(broken, 2)
    assert [x.id for x in presence.registry.speakers] == ["ap3-01", "ap3-02", "ap9-01", "ap3-03"]
    assert [x.ip for x in presence.registry.speakers if x.id == "ap3-03"] == ["10.8.0.23"]
    assert [p.render("en") for p in presence.registry_problems] == [
        f'{path}:19: ip = "10.8.0.999" is not an IP address (e.g. "10.8.0.21").']  # fmt: skip
    edit(broken.replace("10.8.0.999", "10.8.0.24"), 3)
    assert [x.id for x in presence.registry.speakers] == ["ap3-01", "ap3-02", "ap3-03"]
    assert presence.registry_problems == []
