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


@pytest.fixture
def icecast():  # noqa: ANN201
    server = Icecast()
    yield server
    server.stop()


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
