"""Zones: one station, several groups of loudspeakers, each airing on record.

The live daemon with a wired zone (a WAV file standing for the amplifier), an Icecast mount
on a real icecast2, and an Icecast zone whose server is unreachable: each occurrence has a
row per zone and item with that zone's own outcome, targeting by slot and item holds, and
the unreachable zone is a failed zone with a clear status line, never a stopped daemon.
"""

from __future__ import annotations

import time
import wave
from pathlib import Path

import pytest

from playout import app as app_mod
from playout.daemon.live import LiveDaemon
from playout.model import Level
from playout.output.zones import Zones
from playout.scheduling.check import check
from playout.scheduling.parse import parse_files
from tests.conftest import free_port
from tests.daemon.helpers import TZ, at, daemon_station, final, rows, wait_for
from tests.icecast import Icecast

SLOGAN = "Khẩu hiệu 1: Cải cách hành chính phục vụ nhân dân"


def _zones(tmp_path: Path, icecast: Icecast) -> str:
    return (f'module = "null"\n\n'
            f'[[zone]]\nid = "xa-a"\nname = "Loa dây xã"\nmodule = "file"\nfile = "{tmp_path / "wired.wav"}"\n\n'
            f'[[zone]]\nid = "ap-3"\nname = "Ấp 3"\nicecast = "{icecast.url("ap-3")}"\n\n'
            f'[[zone]]\nid = "ap-9"\nname = "Ấp 9"\nicecast = "icecast://source:pw@127.0.0.1:{free_port()}/ap-9"\n')  # fmt: skip


def test_an_occurrence_airs_to_each_zone_with_its_own_record(tmp_path: Path, icecast: Icecast) -> None:
    st = daemon_station(tmp_path, _zones(tmp_path, icecast))
    when = at(4)
    schedule = (f'[[slot]]\nid = "pa"\ntimes = ["{when.strftime("%H:%M:%S")}"]\nchime = false\n'
                f'  [[slot.item]]\n  clip = "{SLOGAN}"\n'
                f'  [[slot.item]]\n  clip = "Nhạc hiệu Đài"\n  zones = ["xa-a"]\n')  # fmt: skip
    (st.root / "schedules" / "test.toml").write_text(schedule, encoding="utf-8")
    daemon = LiveDaemon(app_mod.build(st.config))
    assert isinstance(daemon.player, Zones) and list(daemon.player.zones) == ["xa-a", "ap-3", "ap-9"]
    daemon.start()
    try:
        # The unreachable zone is a status line naming it; the daemon runs on.
        _, status = daemon._status({}, None)  # type: ignore[arg-type]
        failed = [p for p in status["problems"] if p["id"] == "problem.output_failed"]
        assert len(failed) == 1 and "ap-9" in failed[0]["params"]["output"] and "unreachable" in failed[0]["params"]["detail"]
        assert "pw" not in str(status)
        assert [z["id"] for z in status["zones"]] == ["xa-a", "ap-3", "ap-9"]
        done = wait_for(lambda: (r := rows(st, "pa@")) and len(r) == 4
                        and all(x["outcome"] not in ("pending", "in_progress") for x in r) and r,
                        40, "the airing to end in every zone")  # fmt: skip
        wait_for(lambda: "/ap-3" in icecast.mounts(), 5, "the Icecast zone's source")
    finally:
        daemon.stop()
    got = sorted((r["zone"], r["position"], r["outcome"], r["key"].split("/")[-1]) for r in done)
    assert got == [("ap-3", 1, "aired", "1@ap-3"), ("ap-9", 1, "failed", "1@ap-9"),
                   ("xa-a", 1, "aired", "1@xa-a"), ("xa-a", 2, "aired", "2@xa-a")], got  # fmt: skip
    by_zone = {(r["zone"], r["position"]): r for r in done}
    assert "unreachable" in by_zone["ap-9", 1]["reason"]
    # The same instant in every zone that aired, each on time by its own output's figures.
    for zone in ("xa-a", "ap-3"):
        assert abs(by_zone[zone, 1]["lateness_ms"]) < 50, (zone, by_zone[zone, 1]["lateness_ms"])
    assert by_zone["ap-3", 1]["output"].startswith("icecast:http://127.0.0.1:")
    # The wired zone's file has the sound where the log says.
    with wave.open(str(tmp_path / "wired.wav")) as w:
        assert w.getnframes() > 48_000 * 4


def test_a_manual_airing_goes_to_the_zones_asked(tmp_path: Path) -> None:
    zones = ('module = "null"\n\n[[zone]]\nid = "xa-a"\nmodule = "null"\n\n'
             '[[zone]]\nid = "ap-3"\nmodule = "null"\n')  # fmt: skip
    st = daemon_station(tmp_path, zones)
    daemon = LiveDaemon(app_mod.build(st.config))
    daemon.start()
    try:
        row = daemon.station.air_now(2, Level.NORMAL, "test", ["ap-3"])
        assert row.zone == "ap-3" and row.key.endswith("/1@ap-3")
        done = wait_for(lambda: (r := rows(st, "manual@")) and r[0]["outcome"] == "aired" and r, 20, "the airing")
        assert [r["zone"] for r in done] == ["ap-3"]
        with pytest.raises(Exception, match="ap-7"):
            daemon.station.air_now(2, Level.NORMAL, "test", ["ap-7"])
        # Through the control interface: the journal says where it went.
        from playout.actions import Actor

        _, answer = daemon._air_now({"clip": "2", "level": Level.NORMAL, "zones": ["xa-a"]},
                                    Actor("kythuat", "web", "127.0.0.1", "technician"))  # fmt: skip
        assert answer["detail"].endswith("(normal) to xa-a")
        wait_for(lambda: len(r := rows(st, "manual@")) == 2 and all(x["outcome"] == "aired" for x in r), 20, "both")
    finally:
        daemon.stop()


def test_a_single_output_station_is_one_zone_and_keeps_its_keys(tmp_path: Path) -> None:
    st = daemon_station(tmp_path)
    app = app_mod.build(st.config)
    assert [z.id for z in app.config.zones] == ["main"]
    player = app.player()
    try:
        station = app.station(player, lambda: parse_files([]).schedule)
        row = station.air_now(2, Level.NORMAL, "test")
        assert row.zone == "main" and row.key.endswith("/1")
        wait_for(lambda: station.wait_idle(0.1) and rows(st, "manual@")[0]["outcome"] == "aired", 20, "the airing")
    finally:
        player.close()


def test_schedule_check_knows_the_zone_ids() -> None:
    text = ('[[slot]]\nid = "pa"\ntimes = ["06:00"]\nzones = ["xa-a", "ap-7"]\n'
            '  [[slot.item]]\n  clip = 1\n  zones = ["ap-8"]\n'
            '[[slot]]\nid = "bad"\ntimes = ["07:00"]\nzones = "xa-a"\n  [[slot.item]]\n  clip = 1\n')  # fmt: skip
    result = parse_files([("s.toml", text.encode())])
    assert [e.msg_id for e in result.errors] == ["schedule.bad_zones"]
    [pa] = result.schedule.slots
    assert pa.zones == ("xa-a", "ap-7") and pa.items[0].zones == ("ap-8",)
    from playout.scheduling.select import LibraryView

    errors, _ = check(result.schedule, LibraryView([]), __import__("datetime").date(2026, 11, 30), TZ, ("xa-a", "ap-3"))
    unknown = sorted(e.params["zone"] for e in errors if e.msg_id == "schedule.unknown_zone")
    assert unknown == ["ap-7", "ap-8"]


def test_the_station_core_records_each_zone_and_honours_item_zones(tmp_path: Path) -> None:
    """On a virtual clock: two zones of simulated players, one of which cannot play a clip;
    an item meant for one zone only; a slot for one zone; a simulation without zones. (That
    the zones start together is measured in real time above: two simulated players share
    one virtual clock and move it in turn.)"""
    from playout.player import SimPlayer
    from tests.daemon.test_station import Rig, local
    from tests.scheduling.helpers import parse

    sched, errors, _ = parse('[[slot]]\nid = "pa"\ntimes = ["05:30"]\n'
                             '  [[slot.item]]\n  clip = "Khẩu hiệu 1"\n'
                             '  [[slot.item]]\n  clip = "Khẩu hiệu 2"\n  zones = ["ap-3"]\n'
                             '[[slot]]\nid = "hamlet"\ntimes = ["06:00"]\nzones = ["ap-3"]\n'
                             '  [[slot.item]]\n  clip = "Khẩu hiệu 3"\n')  # fmt: skip
    assert errors == []
    rig = Rig(tmp_path, local(2026, 11, 30, 5, 29, 57), schedule=sched)
    wired = rig.player
    ip = SimPlayer(rig.clock, output="icecast:ap-3", fail={"Khẩu hiệu 1": "Icecast unreachable"})
    rig.station.player = Zones({"xa-a": wired, "ap-3": ip})
    for occ in rig.station.pending(rig.clock.now(), local(2026, 11, 30, 6, 30)):
        rig.station.air(occ)
    got = [(r.key.split("@", 1)[1], r.zone, r.title, r.outcome, r.output) for r in rig.rows()]
    assert sorted(got) == sorted([
        ("2026-11-30T05:30/1@xa-a", "xa-a", "Khẩu hiệu 1", "aired", "simulation"),
        ("2026-11-30T05:30/1@ap-3", "ap-3", "Khẩu hiệu 1", "failed", "icecast:ap-3"),
        ("2026-11-30T05:30/2@ap-3", "ap-3", "Khẩu hiệu 2", "aired", "icecast:ap-3"),
        ("2026-11-30T06:00/1@ap-3", "ap-3", "Khẩu hiệu 3", "aired", "icecast:ap-3"),
    ]), got  # fmt: skip
    assert [r.reason for r in rig.rows() if r.outcome == "failed"] == ["Icecast unreachable"]

    # A simulation (one player, no zones) airs everything, whatever the zones say.
    sim = Rig(tmp_path / "sim", local(2026, 11, 30, 5, 29, 57), schedule=sched)
    for occ in sim.station.pending(sim.clock.now(), local(2026, 11, 30, 6, 30)):
        sim.station.air(occ)
    assert [(r.title, r.outcome, r.zone) for r in sim.rows()] == [
        ("Khẩu hiệu 1", "aired", None), ("Khẩu hiệu 2", "aired", None), ("Khẩu hiệu 3", "aired", None)]


def test_icecast_restarted_mid_airing_is_partial_in_that_zone_only(tmp_path: Path, icecast: Icecast) -> None:
    """The Icecast server killed while a segment airs to two zones (a wired zone written to a
    file, and a mount) and started again: the mount's row is `partial` with the reason and
    the seconds that went out, the wired zone's row `aired`, the source back within 5 s."""
    st = daemon_station(tmp_path, (f'module = "null"\n\n'
                                   f'[[zone]]\nid = "xa-a"\nmodule = "file"\nfile = "{tmp_path / "wired.wav"}"\n\n'
                                   f'[[zone]]\nid = "ap-3"\nicecast = "{icecast.url("ap-3")}"\n'))  # fmt: skip
    when = at(4)
    (st.root / "schedules" / "test.toml").write_text(
        f'[[slot]]\nid = "pa"\ntimes = ["{when.strftime("%H:%M:%S")}"]\nchime = false\n'
        f'  [[slot.item]]\n  clip = 3\n', encoding="utf-8")  # the CCHC segment, 11 s  # fmt: skip
    daemon = LiveDaemon(app_mod.build(st.config))
    daemon.start()
    try:
        wait_for(lambda: "/ap-3" in icecast.mounts(), 10, "the Icecast zone's source")
        ip = daemon.player.zones["ap-3"]
        wait_for(lambda: (np := ip.now_playing()) is not None and np.position_ms > 2000, 20, "the segment on air")
        icecast.kill()
        icecast.start()
        restarted = time.monotonic()
        wait_for(lambda: "/ap-3" in icecast.mounts(), 5, "the source to reconnect within 5 s")
        assert time.monotonic() - restarted < 5
        done = wait_for(final(st, "pa@", 2), 30, "the airing to end in both zones")
    finally:
        daemon.stop()
    by_zone = {r["zone"]: r for r in done}
    assert by_zone["xa-a"]["outcome"] == "aired", by_zone["xa-a"]
    ip_row = by_zone["ap-3"]
    assert ip_row["outcome"] == "partial", ip_row
    assert "Icecast" in ip_row["reason"] and icecast.password not in ip_row["reason"], ip_row["reason"]
    # What went out before the server died: at least the two seconds seen on air, not the whole.
    assert 2000 <= ip_row["played_ms"] < by_zone["xa-a"]["played_ms"] - 1000, (ip_row["played_ms"], by_zone["xa-a"])


def _two_zone_rig(tmp_path: Path, text: str, start):  # noqa: ANN001, ANN202
    """A station core with two zones of simulated players on one virtual clock that the test
    moves (so an airing waits for the clock, not the clock for the airing)."""
    from playout.player import SimPlayer
    from tests.daemon.test_station import Rig
    from tests.scheduling.helpers import parse

    sched, errors, _ = parse(text)
    assert errors == []
    rig = Rig(tmp_path, start, schedule=sched, drives_clock=False)
    ip = SimPlayer(rig.clock, output="icecast:ap-3", drives_clock=False)
    rig.station.player = Zones({"xa-a": rig.player, "ap-3": ip})
    return rig, rig.player, ip


def _run_clock(rig, threads, step_ms: int = 500, limit_s: int = 60) -> None:  # noqa: ANN001
    """Move the virtual clock on in steps until every airing thread has ended. After each
    step, the players waiting for the clock are given time to see it (on a busy machine a
    polling thread can be a tenth of a second late, which is seconds of virtual time)."""
    import threading
    from datetime import timedelta

    players = list(rig.station.zones.values())
    for _ in range(limit_s * 1000 // step_ms):
        if not any(th.is_alive() for th in threads):
            return
        rig.clock.advance(timedelta(milliseconds=step_ms))
        now = rig.clock.now()
        wait_for(lambda: all(p.saw(now) for p in players), 5, "the players to see the clock move")
        threading.Event().wait(0.03)  # and what they started, time to run
    raise AssertionError("the airings did not end")


def _on_air_in_both(tmp_path: Path, items: list[str], seconds_in: int):  # noqa: ANN202
    """A session of these clips to both zones at 05:30, started and `seconds_in` seconds on
    the air (the virtual clock at 05:29:59 + 1 + seconds_in). Returns the rig, both players
    and the airing thread."""
    import threading
    from datetime import timedelta

    from tests.daemon.test_station import local

    rig, wired, ip = _two_zone_rig(tmp_path, '[[slot]]\nid = "both"\ntimes = ["05:30"]\nchime = false\n' + "".join(
        f'  [[slot.item]]\n  clip = "{title}"\n' for title in items), local(2026, 11, 30, 5, 29, 59))  # fmt: skip
    [occ] = rig.station.pending(rig.clock.now(), local(2026, 11, 30, 6))
    session = threading.Thread(target=rig.station.air, args=(occ,), daemon=True)
    session.start()
    wait_for(lambda: sorted(rig.station._locks.busy()) == ["ap-3", "xa-a"], 5, "the session to hold both zones")
    rig.clock.advance(timedelta(seconds=1 + seconds_in))
    wait_for(lambda: wired.now_playing() and ip.now_playing(), 5, "the session to play in both zones")
    return rig, wired, ip, session


def test_disjoint_zones_air_together_on_time_and_a_shared_zone_waits(tmp_path: Path) -> None:
    """Two sessions at 05:30, one to each zone, both start at 05:30 (with one lock for the
    station the second started when the first ended); a session at 05:30:05 to both zones
    waits for both and starts in both at once, when the longer one ends."""
    import threading
    from datetime import timedelta

    from tests.daemon.test_station import local

    rig, wired, ip = _two_zone_rig(tmp_path, (
        '[[slot]]\nid = "wired"\ntimes = ["05:30"]\nchime = false\nzones = ["xa-a"]\n'
        '  [[slot.item]]\n  clip = "CCHC tuần 48"\n'
        '[[slot]]\nid = "hamlet"\ntimes = ["05:30"]\nchime = false\nzones = ["ap-3"]\n'
        '  [[slot.item]]\n  clip = "Khẩu hiệu 1"\n'
        '[[slot]]\nid = "both"\ntimes = ["05:30:05"]\nchime = false\n'
        '  [[slot.item]]\n  clip = "Khẩu hiệu 3"\n'), local(2026, 11, 30, 5, 29, 59))  # fmt: skip
    occs = {o.slot.id: o for o in rig.station.pending(rig.clock.now(), local(2026, 11, 30, 6))}
    threads = [threading.Thread(target=rig.station.air, args=(occs[s],), daemon=True) for s in ("wired", "hamlet")]
    for th in threads:
        th.start()
    wait_for(lambda: sorted(rig.station._locks.busy()) == ["ap-3", "xa-a"], 5, "both sessions to hold their zones")
    threads.append(threading.Thread(target=rig.station.air, args=(occs["both"],), daemon=True))
    threads[-1].start()
    _run_clock(rig, threads)
    t0 = local(2026, 11, 30, 5, 30)
    # A player notices the moved clock within a step, or two when the machine is busy.
    slack = timedelta(seconds=1)
    assert [label for _, label in wired.played] == ["CCHC tuần 48", "Khẩu hiệu 3"]
    assert [label for _, label in ip.played] == ["Khẩu hiệu 1", "Khẩu hiệu 3"]
    assert wired.played[0][0] - t0 < slack and ip.played[0][0] - t0 < slack  # both on time (not 10 s apart)
    # The shared session: after CCHC (10 s), in both zones, although ap-3 was free at 05:30:03.5.
    for player in (wired, ip):
        assert timedelta(seconds=10) <= player.played[1][0] - t0 < timedelta(seconds=10) + slack
    by = {(r.slot, r.zone): r for r in rig.rows()}
    assert by["wired", "xa-a"].lateness_ms < 1000 and by["hamlet", "ap-3"].lateness_ms < 1000
    assert ("wired", "ap-3") not in by and ("hamlet", "xa-a") not in by
    assert all(r.outcome == "aired" for r in by.values())


def test_an_emergency_to_one_zone_interrupts_only_that_zone_and_waits_for_no_other(tmp_path: Path) -> None:
    from datetime import timedelta

    from tests.daemon.test_station import local

    rig, wired, ip, session = _on_air_in_both(tmp_path, ["CCHC tuần 48"], 2)
    manual = rig.station.air_now(2, Level.EMERGENCY, "kỹ thuật viên", ["ap-3"])
    # It starts without the clock moving on: it waits for nothing in xa-a (which airs CCHC
    # until 05:30:10; with one airing at a time for the station this never came).
    wait_for(lambda: rig.airlog.rows(manual.occurrence)[0].outcome == "in_progress", 10, "the emergency to start")
    _run_clock(rig, [session])
    wait_for(lambda: rig.airlog.rows(manual.occurrence)[0].outcome == "aired" or rig.clock.advance(timedelta(seconds=1)),
             10, "the emergency to air")  # fmt: skip
    t0 = local(2026, 11, 30, 5, 30)
    by = {(r.slot, r.zone): r for r in rig.rows()}
    assert by["both", "xa-a"].outcome == "aired"
    assert by["both", "ap-3"].outcome == "interrupted" and by["both", "ap-3"].actor == "kỹ thuật viên"
    assert [zone for (slot, zone) in by if slot == "manual"] == ["ap-3"]
    assert by["manual", "ap-3"].started_at == t0 + timedelta(seconds=2)
    assert [label for _, label in wired.played] == ["CCHC tuần 48"]


def test_the_daemon_airs_two_sessions_at_one_instant_to_two_zones_both_on_time(tmp_path: Path) -> None:
    """Real time, real outputs (two paced WAV-file outputs): a session to each zone at the
    same instant. Each starts on time by its own output's figures; with one airing at a time
    for the station the second would have started when the first ended, seconds late."""
    zones = (f'module = "null"\n\n[[zone]]\nid = "xa-a"\nmodule = "file"\nfile = "{tmp_path / "xa-a.wav"}"\n\n'
             f'[[zone]]\nid = "ap-3"\nmodule = "file"\nfile = "{tmp_path / "ap-3.wav"}"\n')  # fmt: skip
    st = daemon_station(tmp_path, zones)
    when = at(5)
    hhmmss = when.strftime("%H:%M:%S")
    (st.root / "schedules" / "test.toml").write_text(
        f'[[slot]]\nid = "wired"\ntimes = ["{hhmmss}"]\nchime = false\nzones = ["xa-a"]\n'
        f'  [[slot.item]]\n  clip = "{SLOGAN}"\n'
        f'[[slot]]\nid = "hamlet"\ntimes = ["{hhmmss}"]\nchime = false\nzones = ["ap-3"]\n'
        f'  [[slot.item]]\n  clip = "Nhạc hiệu Đài"\n', encoding="utf-8")  # fmt: skip
    assert st.cli("schedule", "check").exit_code == 0  # different zones: no overlap
    daemon = LiveDaemon(app_mod.build(st.config))
    daemon.start()
    try:
        done = wait_for(lambda: (r := rows(st)) and len(r) == 2
                        and all(x["outcome"] not in ("pending", "in_progress") for x in r) and r,
                        40, "both sessions to end")  # fmt: skip
    finally:
        daemon.stop()
    by = {r["slot"]: r for r in done}
    assert (by["wired"]["zone"], by["hamlet"]["zone"]) == ("xa-a", "ap-3")
    for slot_id in ("wired", "hamlet"):
        assert by[slot_id]["outcome"] == "aired", by[slot_id]
        assert abs(by[slot_id]["lateness_ms"]) < 50, (slot_id, by[slot_id]["lateness_ms"])
    # They overlapped on the air: each began before the other ended.
    assert by["wired"]["started_at"] < by["hamlet"]["ended_at"] and by["hamlet"]["started_at"] < by["wired"]["ended_at"]
    for zone in ("xa-a", "ap-3"):
        with wave.open(str(tmp_path / f"{zone}.wav")) as w:
            assert w.getnframes() > w.getframerate() * 3


def test_an_emergency_goes_before_a_session_that_was_waiting_for_its_zones(tmp_path: Path) -> None:
    """A session for both zones is due while a hamlet notice still airs in ap-3: it holds xa-a
    and waits for ap-3. An emergency to every zone cuts the notice, takes both zones at once
    (the waiting session gives xa-a back) and airs; the session airs after it."""
    import threading
    from datetime import timedelta

    from tests.daemon.test_station import local

    rig, wired, ip = _two_zone_rig(tmp_path, (
        '[[slot]]\nid = "hamlet"\ntimes = ["05:30"]\nchime = false\nzones = ["ap-3"]\n'
        '  [[slot.item]]\n  clip = "CCHC tuần 48"\n'
        '[[slot]]\nid = "both"\ntimes = ["05:30:02"]\nchime = false\n'
        '  [[slot.item]]\n  clip = "Khẩu hiệu 3"\n'), local(2026, 11, 30, 5, 29, 59))  # fmt: skip
    occs = {o.slot.id: o for o in rig.station.pending(rig.clock.now(), local(2026, 11, 30, 6))}
    threads = [threading.Thread(target=rig.station.air, args=(occs["hamlet"],), daemon=True)]
    threads[0].start()
    wait_for(lambda: rig.station._locks.busy() == ["ap-3"], 5, "the notice to hold ap-3")
    threads.append(threading.Thread(target=rig.station.air, args=(occs["both"],), daemon=True))
    threads[1].start()
    wait_for(lambda: rig.station._locks.waiting() == {"ap-3": 1}, 5, "the session to hold xa-a and wait for ap-3")
    rig.clock.advance(timedelta(seconds=4))  # 05:30:03, the notice on air
    wait_for(lambda: ip.now_playing(), 5, "the notice to play")
    manual = rig.station.air_now(2, Level.EMERGENCY, "kỹ thuật viên")
    wait_for(lambda: all(r.outcome == "in_progress" for r in rig.airlog.rows(manual.occurrence)), 10,
             "the emergency to start in both zones without the clock moving on")  # fmt: skip
    _run_clock(rig, threads)
    t0 = local(2026, 11, 30, 5, 30)
    by = {(r.slot, r.zone): r for r in rig.rows()}
    assert by["hamlet", "ap-3"].outcome == "interrupted"
    assert by["manual", "xa-a"].started_at == by["manual", "ap-3"].started_at == t0 + timedelta(seconds=3)
    # The session aired after the emergency (Khẩu hiệu 1, 3.5 s), in both zones, whole.
    for zone in ("xa-a", "ap-3"):
        assert by["both", zone].outcome == "aired"
        assert by["both", zone].started_at >= by["manual", zone].ended_at
    assert [label for _, label in wired.played] == ["Khẩu hiệu 1", "Khẩu hiệu 3"]


def test_a_priority_announcement_to_one_zone_skips_the_rest_there_only(tmp_path: Path) -> None:
    from datetime import timedelta

    rig, wired, ip, session = _on_air_in_both(tmp_path, ["Khẩu hiệu 1", "Khẩu hiệu 2"], 1)
    manual = rig.station.air_now(7, Level.PRIORITY, "kỹ thuật viên", ["ap-3"])
    _run_clock(rig, [session])
    wait_for(lambda: rig.airlog.rows(manual.occurrence)[0].outcome == "aired" or rig.clock.advance(timedelta(seconds=1)),
             30, "the announcement to air")  # fmt: skip
    by = {(r.slot, r.position, r.zone): r for r in rig.rows()}
    assert [by["both", n, "xa-a"].outcome for n in (1, 2)] == ["aired", "aired"]
    assert [by["both", n, "ap-3"].outcome for n in (1, 2)] == ["aired", "skipped"]
    assert by["both", 2, "ap-3"].actor == "kỹ thuật viên" and by["both", 2, "xa-a"].actor is None
    # In ap-3 it followed the current item at once (within a clock step, or two when the
    # machine is busy: the test moves the clock while the threads run), while xa-a still aired
    # Khẩu hiệu 2.
    gap = by["manual", 1, "ap-3"].started_at - by["both", 1, "ap-3"].ended_at
    assert timedelta(0) <= gap < timedelta(seconds=1), gap
    assert by["manual", 1, "ap-3"].started_at < by["both", 2, "xa-a"].ended_at
    assert [label for _, label in ip.played] == ["Khẩu hiệu 1", "Đồng hành tháng 11"]


def test_a_skip_in_one_zone_ends_the_item_there_only(tmp_path: Path) -> None:
    rig, wired, ip, session = _on_air_in_both(tmp_path, ["CCHC tuần 48", "Khẩu hiệu 1"], 2)
    # What each zone has on air, for the skip's question on the web page.
    assert [(z["id"], z["playing"]) for z in rig.station.player.status()] == [("xa-a", "CCHC tuần 48"),
                                                                              ("ap-3", "CCHC tuần 48")]  # fmt: skip
    with pytest.raises(Exception, match="ap-7"):
        rig.station.skip("kỹ thuật viên", ["ap-7"])
    assert rig.station.skip("kỹ thuật viên", ["ap-3"]) is True
    _run_clock(rig, [session])
    by = {(r.position, r.zone): r for r in rig.rows()}
    assert (by[1, "ap-3"].outcome, by[1, "ap-3"].actor) == ("interrupted", "kỹ thuật viên")
    assert (by[1, "xa-a"].outcome, by[1, "xa-a"].actor) == ("aired", None)
    # The rest of the session followed in both zones: in ap-3 at once, in xa-a after CCHC.
    assert by[2, "ap-3"].outcome == by[2, "xa-a"].outcome == "aired"
    assert by[2, "ap-3"].started_at < by[1, "xa-a"].ended_at
    assert rig.station.skip("kỹ thuật viên") is False  # nothing on air anywhere now


def test_schedule_check_on_a_station_with_zones(tmp_path: Path) -> None:
    """From the technician's side: disjoint zones at one time are fine; a shared zone is the
    overlap error it always was."""
    zones = ('module = "null"\n\n[[zone]]\nid = "xa-a"\nmodule = "null"\n\n'
             '[[zone]]\nid = "ap-3"\nmodule = "null"\n')  # fmt: skip
    st = daemon_station(tmp_path, zones)

    def write(zones_b: str) -> None:
        (st.root / "schedules" / "z.toml").write_text(
            '[[slot]]\nid = "wired"\ntimes = ["06:00"]\nchime = false\nzones = ["xa-a"]\n'
            '  [[slot.item]]\n  clip = "Nhạc hiệu Đài"\n'
            f'[[slot]]\nid = "hamlet"\ntimes = ["06:00"]\nchime = false\nzones = {zones_b}\n'
            '  [[slot.item]]\n  clip = "Nhạc hiệu Đài"\n', encoding="utf-8")  # fmt: skip

    write('["ap-3"]')
    r = st.cli("schedule", "check")
    assert r.exit_code == 0, r.output
    write('["ap-3", "xa-a"]')
    r = st.cli("schedule", "check")
    assert r.exit_code != 0 and "trùng với" in r.output and "hamlet" in r.output, r.output


def test_two_sessions_at_one_instant_in_two_zones_take_turns_in_a_rotation_pool(tmp_path: Path) -> None:
    """Both pick a slogan from the same pool at 05:30; the second to choose sees the first's
    pick (in the log, pending) and takes the next, as two sessions one after the other would."""
    import threading

    from tests.daemon.test_station import local

    rig, wired, ip = _two_zone_rig(tmp_path, "".join(
        f'[[slot]]\nid = "{sid}"\ntimes = ["05:30"]\nchime = false\nzones = ["{zone}"]\n'
        '  [[slot.item]]\n  rotation = { kind = "slogan" }\n' for sid, zone in (("wired", "xa-a"), ("hamlet", "ap-3"))),
        local(2026, 11, 30, 5, 29, 59))  # fmt: skip
    occs = rig.station.pending(rig.clock.now(), local(2026, 11, 30, 6))
    threads = [threading.Thread(target=rig.station.air, args=(o,), daemon=True) for o in occs]
    for th in threads:
        th.start()
    wait_for(lambda: sorted(rig.station._locks.busy()) == ["ap-3", "xa-a"], 5, "both sessions to hold their zones")
    _run_clock(rig, threads)
    picked = [label for player in (wired, ip) for _, label in player.played]
    assert len(picked) == 2 and picked[0] != picked[1], picked
    assert {r.title for r in rig.rows() if r.outcome == "aired"} == set(picked)
