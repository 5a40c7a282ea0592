"""Bulletins down, on a real PostgreSQL: published once, fetched by their targeted stations,
checked by hash, imported through the normal import steps, aired as their level says, and
reported back up; a station offline at the time gets them when it returns."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from benchmarks.common import wait_until
from playout.clock import VirtualClock
from playout.db import open_database
from playout.db.models import Airing, Clip
from playout.errors import PlayoutError, UsageError
from playout.model import Kind, Level, Outcome
from playout.province.bulletins import State, StationBulletins, publish
from playout.province.forward import central_engine
from playout.province.models import BulletinReport, StationBulletin
from tests.conftest import free_port, require_program
from tests.province.helpers import ProvinceStation, hours
from tests.province.test_forward import forwarder, stations  # noqa: F401  (the fixture)


def tone(folder: Path, name: str, hz: int) -> Path:
    """A short spoken-word stand-in: a few seconds of tone with silence around it."""
    require_program("ffmpeg")
    path = folder / name
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"sine=frequency={hz}:duration=2",
                    "-af", "adelay=300,apad=pad_dur=0.3", "-ac", "1", "-y", str(path)], check=True)  # fmt: skip
    return path


def receiver(st: ProvinceStation) -> StationBulletins:
    return StationBulletins(st.app.db, st.sid, st.clock, st.app.importer, st.app.config.station.timezone)


def air_now(st: ProvinceStation):  # noqa: ANN201
    return lambda clip_id, level: st.core.air_now(clip_id, level).key


def settled(st: ProvinceStation) -> bool:
    """No manual airing of the station is still pending or on air."""
    with st.app.db.session() as s:
        return not s.execute(select(Airing.key).where(Airing.manual == True,  # noqa: E712
                                                      Airing.outcome.in_(["pending", "in_progress"]))).all()  # type: ignore[attr-defined]


def bulletin_airings(st: ProvinceStation) -> dict[str, tuple[str, str]]:
    """Title -> (level, outcome) of the station's manual airings."""
    with st.app.db.session() as s:
        rows = s.execute(select(Airing.title, Airing.level, Airing.outcome).where(Airing.manual == True)).all()  # noqa: E712
    return {t: (lv, o) for t, lv, o in rows}


def states(st: ProvinceStation) -> dict[str, str]:
    with st.app.db.session() as s:
        return {b.title: b.state for b in s.execute(select(StationBulletin)).scalars()}


def test_a_bulletin_at_each_level_reaches_its_stations(stations: list[ProvinceStation], central_url: str,  # noqa: F811
                                                        tmp_path: Path) -> None:  # fmt: skip
    a, b, c = stations
    central = central_engine(central_url)
    t0 = a.clock.now()
    province = VirtualClock(t0)
    every = [a.sid, b.sid, c.sid]
    titles = {Level.NORMAL: "Lịch tiêm chủng tháng 12", Level.PRIORITY: "Thông báo cắt điện",
              Level.EMERGENCY: "Cảnh báo bão số 9"}  # fmt: skip
    for i, (level, title) in enumerate(titles.items()):
        publish(central, tone(tmp_path, f"b{i}.mp3", 440 + 110 * i), title=title, level=level, targets=every,
                valid_from=t0, valid_until=t0 + hours(6), by="so-vhtt", clock=province)  # fmt: skip
    # Valid one hour only, for a and c; b is not targeted.
    publish(central, tone(tmp_path, "b3.wav", 880), title="Tin nhanh 1 giờ", level=Level.PRIORITY,
            targets=[a.sid, c.sid], valid_from=t0, valid_until=t0 + hours(1), by="so-vhtt", clock=province)  # fmt: skip

    # Two stations are online.
    for st in (a, b):
        receiver(st).fetch(central, air_now(st))
        assert wait_until(lambda st=st: settled(st), 30)
    assert states(a) == {titles[Level.NORMAL]: State.WAITING, titles[Level.PRIORITY]: State.AIRED,
                         titles[Level.EMERGENCY]: State.AIRED, "Tin nhanh 1 giờ": State.AIRED}  # fmt: skip
    assert set(states(b)) == set(titles.values())  # only what targets it
    for st in (a, b):
        aired = bulletin_airings(st)
        assert aired[titles[Level.EMERGENCY]] == ("emergency", Outcome.AIRED.value)
        assert aired[titles[Level.PRIORITY]] == ("priority", Outcome.AIRED.value)
        assert titles[Level.NORMAL] not in aired  # normal waits for the technician
        with st.app.db.session() as s:  # imported through the normal steps: an announcement in the library
            clip = s.execute(select(Clip).where(Clip.title == titles[Level.EMERGENCY])).scalar_one()
        assert clip.kind == Kind.ANNOUNCEMENT.value and abs(clip.loudness_after_lufs - (-16)) < 1.0
    # The technician at a accepts the normal bulletin; b's declines it.
    normal_uid = {x.title: x.uid for x in receiver(a).list()}[titles[Level.NORMAL]]
    receiver(a).accept(normal_uid[:8], "kythuat-a", air_now(a))
    assert wait_until(lambda: settled(a), 30)
    assert bulletin_airings(a)[titles[Level.NORMAL]] == ("normal", Outcome.AIRED.value)
    receiver(b).reject(normal_uid, "kythuat-b")
    with pytest.raises(PlayoutError, match="no longer waiting"):
        receiver(b).accept(normal_uid, "kythuat-b", air_now(b))
    assert titles[Level.NORMAL] not in bulletin_airings(b)

    # The third is offline: its fetch fails and it receives nothing.
    dead = central_engine(f"postgresql+psycopg://playout@127.0.0.1:{free_port()}/none")
    with pytest.raises(OperationalError):
        receiver(c).fetch(dead, air_now(c))
    assert states(c) == {}
    # It comes back two hours later: within the window of three, past the one-hour one.
    c.clock.advance(hours(2))
    receiver(c).fetch(central, air_now(c))
    assert wait_until(lambda: settled(c), 30)
    assert states(c) == {titles[Level.NORMAL]: State.WAITING, titles[Level.PRIORITY]: State.AIRED,
                         titles[Level.EMERGENCY]: State.AIRED, "Tin nhanh 1 giờ": State.EXPIRED}  # fmt: skip
    assert "Tin nhanh 1 giờ" not in bulletin_airings(c)
    # Its waiting normal bulletin cannot be accepted once the window has closed.
    c.clock.advance(hours(5))
    with pytest.raises(PlayoutError, match="expired"):
        receiver(c).accept(normal_uid, "kythuat-c", air_now(c))
    assert states(c)[titles[Level.NORMAL]] == State.EXPIRED

    # Receipt, acceptance and each airing are reported up with the station's records.
    for st in stations:
        fw = forwarder(st, central_url)
        fw.join()
        fw.forward_all()
    with central.connect() as conn:
        reports = conn.execute(select(BulletinReport.station_id, BulletinReport.event, BulletinReport.ref,
                                      BulletinReport.actor)).all()  # fmt: skip
    events = sorted((sid, ev) for sid, ev, _ref, _who in reports)
    assert events.count((a.sid, "received")) == 4 and events.count((a.sid, "aired")) == 4
    assert events.count((b.sid, "received")) == 3 and events.count((b.sid, "aired")) == 2
    assert events.count((b.sid, "rejected")) == 1 and events.count((a.sid, "accepted")) == 1
    assert events.count((c.sid, "received")) == 4 and events.count((c.sid, "aired")) == 2
    assert events.count((c.sid, "expired")) == 2
    assert (a.sid, "accepted", "", "kythuat-a") in [tuple(r) for r in reports]
    # Each "aired" names the airing, which the central log holds (by station and key) as aired.
    aired = {(sid, ref) for sid, ev, ref, _ in reports if ev == "aired"}
    with central.connect() as conn:
        from playout.province.models import ProvinceAiring

        logged = {(sid, key): outcome for sid, key, outcome in conn.execute(
            select(ProvinceAiring.station_id, ProvinceAiring.key, ProvinceAiring.outcome)
            .where(ProvinceAiring.manual == True))}  # noqa: E712  # fmt: skip
    assert len(aired) == 8 and set(logged) == aired and set(logged.values()) == {"aired"}


def test_a_bulletin_whose_audio_does_not_match_its_hash_is_not_aired(
    stations: list[ProvinceStation], central_url: str, tmp_path: Path  # noqa: F811
) -> None:  # fmt: skip
    a = stations[0]
    central = central_engine(central_url)
    t0 = a.clock.now()
    publish(central, tone(tmp_path, "x.mp3", 500), title="Khẩn", level=Level.EMERGENCY, targets=None,
            valid_from=t0, valid_until=t0 + hours(1), by="so-vhtt", clock=VirtualClock(t0))  # fmt: skip
    with central.begin() as conn:  # damaged on the way or at rest: it no longer matches its hash
        conn.execute(text("update bulletins set audio = substring(audio from 1 for length(audio) / 2)"))
    receiver(a).fetch(central, air_now(a))
    assert states(a) == {"Khẩn": State.FAILED}
    assert bulletin_airings(a) == {}
    with a.app.db.session() as s:
        assert s.execute(select(Clip).where(Clip.title == "Khẩn")).first() is None


def test_bad_publications_are_refused_with_one_sentence(central_url: str, tmp_path: Path) -> None:
    open_database(central_url).dispose()
    central = central_engine(central_url)
    t0 = datetime.fromisoformat("2026-12-01T00:00:00+00:00")
    clock = VirtualClock(t0)
    good = tone(tmp_path, "ok.mp3", 300)
    with pytest.raises(UsageError) as info:
        publish(central, good, title="x", level=Level.NORMAL, targets=None, valid_from=t0, valid_until=t0,
                by="p", clock=clock)  # fmt: skip
    assert "must come after its start" in info.value.render("en")
    with pytest.raises(UsageError) as info:
        publish(central, tmp_path / "missing.mp3", title="x", level=Level.NORMAL, targets=None, valid_from=t0,
                valid_until=t0 + hours(1), by="p", clock=clock)  # fmt: skip
    assert "Không đọc được tệp âm thanh" in info.value.render("vi")
    with pytest.raises(UsageError):
        publish(central, good, title="  ", level=Level.NORMAL, targets=None, valid_from=t0,
                valid_until=t0 + hours(1), by="p", clock=clock)  # fmt: skip
    with pytest.raises(UsageError):
        publish(central, good, title="x", level=Level.NORMAL, targets=["a,b"], valid_from=t0,
                valid_until=t0 + hours(1), by="p", clock=clock)  # fmt: skip
    with central.connect() as conn:
        assert conn.execute(text("select count(*) from bulletins")).scalar_one() == 0


def test_a_normal_bulletin_accepted_into_the_schedule_airs_at_that_time_and_is_reported(
        stations: list[ProvinceStation], central_url: str, tmp_path: Path) -> None:  # noqa: F811  # fmt: skip
    from playout.player import SimPlayer
    from playout.scheduling.files import load_folder

    a = stations[0]
    central = central_engine(central_url)
    t0 = a.clock.now()  # local midnight; the station's own sessions start at 05:00
    published = publish(central, tone(tmp_path, "lich.mp3", 550), title='Lịch tiêm "chủng" tháng 12', level=Level.NORMAL,
                        targets=[a.sid], valid_from=t0, valid_until=t0 + hours(6), by="so-vhtt", clock=VirtualClock(t0))  # fmt: skip
    inbox = receiver(a)
    inbox.fetch(central, air_now(a))
    assert states(a) == {'Lịch tiêm "chủng" tháng 12': State.WAITING}
    folder = a.app.config.schedules_folder
    with pytest.raises(PlayoutError) as outside:
        inbox.schedule(published.uid[:8], "web:kythuat", t0 + hours(7), folder)
    assert outside.value.msg_id == "bulletin.outside_window"
    b = inbox.schedule(published.uid[:8], "web:kythuat", t0 + hours(2) + timedelta(minutes=5), folder)
    assert b.state == State.SCHEDULED and b.airing_key == f"ban-tin-{published.uid[:8]}@2026-12-01T02:05"
    written = folder / f"ban-tin-{published.uid[:8]}.toml"
    assert written.is_file() and a.cli.cli("schedule", "check").exit_code == 0
    # The daemon reads its schedule folder: the bulletin's slot airs at its time.
    result, _ = load_folder(folder)
    a.core = a.app.station(SimPlayer(a.clock), lambda: result.schedule)
    a.air_until(t0 + hours(3))
    with a.app.db.session() as s:
        row = s.execute(select(Airing).where(Airing.occurrence == b.airing_key)).scalars().one()
    assert (row.clip_id, row.outcome) == (b.clip_id, Outcome.AIRED.value)
    inbox.act(None)
    assert states(a) == {'Lịch tiêm "chủng" tháng 12': State.AIRED}
    with a.app.db.session() as s:
        events = [(r.event, r.ref, r.actor) for r in s.execute(select(BulletinReport).order_by(BulletinReport.id)).scalars()]
    assert events == [("received", "", "station"), ("accepted", "", "web:kythuat"),
                      ("scheduled", b.airing_key, "web:kythuat"), ("aired", row.key, "web:kythuat")]  # fmt: skip
