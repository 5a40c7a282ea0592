"""The live daemon end to end: real APScheduler, real libVLC, real SQLite, real time.

Few and short: each airs a couple of short clips a few seconds ahead.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from playout import app as app_mod
from playout.daemon import control
from playout.daemon.live import LiveDaemon
from playout.errors import PlayoutError
from tests.conftest import require_program
from tests.daemon.helpers import air_until, at, daemon_station, final, rows, slot, wait_for


@pytest.fixture(autouse=True)
def _needs_libvlc() -> None:
    require_program("ffmpeg")
    try:
        import vlc

        if vlc.Instance(["--quiet"]) is None:
            raise OSError("libVLC did not start")
    except (ImportError, OSError) as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"libVLC is not usable: {exc}")
        pytest.skip(f"libVLC is not usable: {exc}")


def _library(st, title: str) -> np.ndarray:  # noqa: ANN001
    import json

    clip = next(c for c in json.loads(st.cli("clips", "list", "--json").stdout) if c["title"] == title)
    data, rate = sf.read(str(st.library / clip["path"]), always_2d=True)
    assert rate == 48000
    return data.mean(axis=1)


def _align(got: np.ndarray, expected: np.ndarray, rate: int) -> np.ndarray:
    """The part of a recording that lines up with the expected audio (found on its first second)."""
    if got.ndim > 1:
        got = got.mean(axis=1)
    from scipy.signal import correlate

    lag = int(np.argmax(correlate(got, expected[:rate], mode="valid", method="fft")))
    aligned = got[lag : lag + len(expected)]
    assert len(aligned) == len(expected), "the recording is shorter than the sequence: its end was cut"
    return aligned


def _sounding_s(x: np.ndarray, rate: int, threshold: float = 0.02) -> float:
    loud = np.nonzero(np.abs(x) > threshold)[0]
    return (loud[-1] - loud[0]) / rate if len(loud) else 0.0


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_scheduled_clips_air_and_the_capture_is_the_chime_then_the_clip(tmp_path: Path) -> None:
    capture = tmp_path / "capture.wav"
    st = daemon_station(tmp_path, f'module = "file"\nfile = "{capture}"')
    when = at(6)  # the daemon is ready before, on a busy machine too
    (st.root / "schedules" / "test.toml").write_text(
        slot("thu", when, ["Khẩu hiệu 1: Cải cách hành chính phục vụ nhân dân"]), encoding="utf-8")
    done = air_until(st, "thu@", 2, 30, "the airing to finish")
    assert [(r["title"], r["outcome"]) for r in done] == [
        ("Nhạc hiệu Đài", "aired"), ("Khẩu hiệu 1: Cải cách hành chính phục vụ nhân dân", "aired")]
    assert abs(done[0]["lateness_ms"]) < 500
    assert done[0]["output"] == f"file:{capture}"

    got, rate = sf.read(str(capture), always_2d=True)
    got = got.mean(axis=1)
    expected = np.concatenate([_library(st, "Nhạc hiệu Đài"),
                               _library(st, "Khẩu hiệu 1: Cải cách hành chính phục vụ nhân dân")])
    assert rate == 48000
    # The whole sequence, sample for sample (16-bit rounding aside), with no gap between items.
    aligned = _align(got, expected, rate)
    assert _corr(aligned, expected) > 0.999
    assert np.max(np.abs(aligned - expected)) < 0.01


def test_airs_on_a_pulseaudio_null_sink_on_time(tmp_path: Path, pulse: str) -> None:
    """Chime + slogan on a PulseAudio null sink: logged as aired on time, and the sound is in
    the sink's monitor (the exact content is checked sample for sample on the file output)."""
    st = daemon_station(tmp_path, 'module = "pulse"\ndevice = "playout_test"')
    when = at(8)  # the daemon is ready and the output settled on the sink by then, on a busy machine too
    (st.root / "schedules" / "test.toml").write_text(
        slot("pa", when, ["Khẩu hiệu 1: Cải cách hành chính phục vụ nhân dân"]), encoding="utf-8")
    record = tmp_path / "monitor.wav"
    rec = subprocess.Popen(["parec", "-d", "playout_test.monitor", "--file-format=wav", "--rate=48000",
                            "--channels=1", str(record)])  # fmt: skip
    daemon = LiveDaemon(app_mod.build(st.config))
    daemon.start()
    try:
        done = wait_for(final(st, "pa@", 2), 30, "the airing to finish")
        time.sleep(0.5)  # the recorder's own buffer
    finally:
        daemon.stop()
        rec.send_signal(signal.SIGINT)
        rec.wait(timeout=10)
    assert [r["outcome"] for r in done] == ["aired", "aired"]
    assert abs(done[0]["lateness_ms"]) < 100
    got, rate = sf.read(str(record))
    expected = np.concatenate([_library(st, "Nhạc hiệu Đài"),
                               _library(st, "Khẩu hiệu 1: Cải cách hành chính phục vụ nhân dân")])
    sounding, wanted = _sounding_s(got, rate), _sounding_s(expected, rate)
    assert 0.85 * wanted <= sounding <= wanted + 1.0, (sounding, wanted)


def test_sigkill_mid_airing_gives_one_interrupted_row_no_duplicate_and_the_schedule_continues(tmp_path: Path) -> None:
    st = daemon_station(tmp_path)
    first, second = at(3), at(25)
    (st.root / "schedules" / "test.toml").write_text(
        slot("kill", first, ["CCHC: Đăng ký khai sinh trực tuyến"], chime=False)
        + slot("after", second, ["Khẩu hiệu 1: Cải cách hành chính phục vụ nhân dân"], chime=False),
        encoding="utf-8")  # fmt: skip
    exe = Path(sys.executable).with_name("playout")
    env = {**os.environ, "PLAYOUT_CONFIG": str(st.config)}
    proc = subprocess.Popen([str(exe), "run"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: any(r["outcome"] == "in_progress" for r in rows(st, "kill@")), 30, "the airing to start")
        time.sleep(1)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert [r["outcome"] for r in rows(st, "kill@")] == ["in_progress"]
        proc = subprocess.Popen([str(exe), "run"], env=env, stderr=subprocess.PIPE, text=True)
        wait_for(final(st, "after@", 1), 40, "the next occurrence to air")
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "playout stopped" in err  # SIGTERM stops cleanly
    killed = rows(st, "kill@")
    assert [(r["outcome"], r["reason"]) for r in killed] == [("interrupted", "daemon stopped during the airing")]
    assert [r["outcome"] for r in rows(st, "after@")] == ["aired"]
    keys = [r["key"] for r in rows(st)]
    assert len(keys) == len(set(keys))
    assert "recovered after a stop: 1 airing(s) interrupted" in err


def test_schedule_edits_are_picked_up_and_garbage_keeps_the_last_good(tmp_path: Path,
                                                                      caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    st = daemon_station(tmp_path)
    sched = st.root / "schedules" / "test.toml"
    sched.write_text(slot("mot", at(3600), ["Khẩu hiệu 1: Cải cách hành chính phục vụ nhân dân"]), encoding="utf-8")
    daemon = LiveDaemon(app_mod.build(st.config))
    daemon.start()
    try:
        assert [s.id for s in daemon.schedule.slots] == ["mot"]
        sched.write_text(sched.read_text(encoding="utf-8")
                         + slot("hai", at(7200), ["Nhạc hiệu Đài"], chime=False), encoding="utf-8")  # fmt: skip
        daemon._last_watch = 0
        daemon._tick()
        assert [s.id for s in daemon.schedule.slots] == ["mot", "hai"]
        assert any(j.id.startswith("hai@") for j in daemon.scheduler.get_jobs())
        good = sched.read_text(encoding="utf-8")
        sched.write_text('[[slot]]\nid = "hai"\ntimes = ["24:30"]\n', encoding="utf-8")
        daemon._last_watch = 0
        daemon._tick()
        assert [s.id for s in daemon.schedule.slots] == ["mot", "hai"]
        assert daemon.schedule_errors and f"{sched}:3:" in daemon.schedule_errors[0]
        assert "không tồn tại" in daemon.schedule_errors[0]  # shown in the station's language
        status = control.call(daemon.cfg.daemon.control_socket, "GET", "/status")
        assert status["schedule"]["errors"] == daemon.schedule_errors
        assert [n["slot"] for n in status["next"]][:2] == ["mot", "hai"]
        # Mended back to what was airing: the log says the errors are gone (the schedule did not change).
        sched.write_text(good, encoding="utf-8")
        caplog.set_level(logging.INFO, logger="playout.daemon")
        daemon._last_watch = 0
        daemon._tick()
        assert daemon.schedule_errors == []
        assert "schedule files read: the errors are mended, the schedule is as before (2 slot(s) from 2 file(s))" in [
            r.getMessage() for r in caplog.records], [r.getMessage() for r in caplog.records]
    finally:
        daemon.stop()


def test_control_air_now_skip_and_errors(tmp_path: Path) -> None:
    st = daemon_station(tmp_path)
    daemon = LiveDaemon(app_mod.build(st.config))
    daemon.start()
    sock = daemon.cfg.daemon.control_socket
    try:
        r = st.cli("air-now", "CCHC: Đăng ký khai sinh trực tuyến", "--level", "emergency")
        assert r.exit_code == 0 and "Đang phát ngay (khẩn cấp)" in r.stdout
        wait_for(lambda: daemon.player.now_playing(), 10, "the manual airing to start")
        status = st.cli("status")
        assert status.exit_code == 0 and "Đang phát: CCHC: Đăng ký khai sinh trực tuyến" in status.stdout
        assert st.cli("skip").stdout.strip() == "Đã bỏ qua bài đang phát."
        done = wait_for(final(st, "manual@", 1), 10, "the skip")
        assert (done[0]["outcome"], done[0]["manual"], done[0]["level"]) == ("interrupted", 1, "emergency")
        # The last airings in the station's language: the slot by its name, the reason translated.
        last = st.cli("status").stdout.split("Vừa phát")[-1]
        assert "Phát tay" in last and "bỏ qua" in last and "skipped" not in last and "manual" not in last, last
        bad = st.cli("air-now", "Không có bài này")
        assert bad.exit_code == 1 and "Không tìm thấy bài «Không có bài này»" in bad.output
        superscript = st.cli("air-now", "²")  # a digit to str.isdigit, not to int(): once a crash
        assert superscript.exit_code == 1 and "Không tìm thấy bài «²»" in superscript.output
        with pytest.raises(PlayoutError):
            control.call(sock, "POST", "/air-now", {"clip": "999"})
    finally:
        daemon.stop()
    gone = st.cli("status")
    assert gone.exit_code == 1 and "Không liên lạc được với playout đang chạy" in gone.output
    assert "(chưa chạy)" in gone.output and "No such file" not in gone.output  # the system's English left out


def test_status_names_an_audio_file_deleted_before_its_airing(tmp_path: Path) -> None:
    st = daemon_station(tmp_path)
    (st.root / "schedules" / "test.toml").write_text(
        slot("soon", at(300), ["Khẩu hiệu 1: Cải cách hành chính phục vụ nhân dân"]), encoding="utf-8")
    import json

    chime = next(c for c in json.loads(st.cli("clips", "list", "--json").stdout) if c["title"] == "Nhạc hiệu Đài")
    (st.library / chime["path"]).unlink()
    daemon = LiveDaemon(app_mod.build(st.config))
    daemon.start()
    try:
        [(key, [problem])] = daemon.check_readiness().items()
        assert key.startswith("soon@") and problem.startswith("Nhạc hiệu Đài: audio file missing: ")
        status = st.cli("status")
    finally:
        daemon.stop()
    assert status.exit_code == 0
    assert f"CẢNH BÁO: chưa sẵn sàng phát {key}: Nhạc hiệu Đài: audio file missing" in status.stdout


def test_an_emergency_during_the_pre_roll_of_another_airing_does_not_wait_for_it(tmp_path: Path) -> None:
    st = daemon_station(tmp_path)
    daemon = LiveDaemon(app_mod.build(st.config))
    daemon.start()
    try:
        assert st.cli("air-now", "CCHC: Đăng ký khai sinh trực tuyến").exit_code == 0
        assert st.cli("air-now", "Khẩu hiệu 1: Cải cách hành chính phục vụ nhân dân", "--level", "emergency").exit_code == 0
        done = wait_for(final(st, "manual@", 2), 30, "both manual airings to settle")
    finally:
        daemon.stop()
    first, emergency = sorted(done, key=lambda r: r["key"])
    assert (first["outcome"], first["reason"]) in {("skipped", "interrupted by an emergency announcement"),
                                                   ("interrupted", "interrupted by an emergency announcement")}
    assert emergency["outcome"] == "aired" and emergency["level"] == "emergency"
    assert emergency["lateness_ms"] is None  # a manual airing is not "late"
    started = datetime.fromisoformat(emergency["started_at"])
    asked = datetime.fromisoformat(emergency["scheduled_at"])
    assert (started - asked).total_seconds() < 5  # not after the whole CCHC segment


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_sent_to_the_whole_process_group_finishes_the_airing(tmp_path: Path, sig: int) -> None:
    """Ctrl-C in the terminal (SIGINT to the foreground group) or a stop to the whole group:
    the output engine is not killed under the daemon; the airing on air ends whole, and the
    daemon stops after it without starting an engine again."""
    st = daemon_station(tmp_path)
    when = at(10)  # the daemon is ready well before, on a busy machine too
    (st.root / "schedules" / "test.toml").write_text(
        slot("stop", when, ["Khẩu hiệu 1: Cải cách hành chính phục vụ nhân dân"], chime=False), encoding="utf-8")
    exe = Path(sys.executable).with_name("playout")
    env = {**os.environ, "PLAYOUT_CONFIG": str(st.config)}
    proc = subprocess.Popen([str(exe), "run"], env=env, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        wait_for(lambda: any(r["outcome"] == "in_progress" for r in rows(st, "stop@")), 30, "the airing to start")
        os.killpg(proc.pid, sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert [(r["outcome"], r["played_ms"] >= r["duration_ms"] - 10) for r in rows(st, "stop@")] == [("aired", True)], err
    assert "finishing the current airing" in err and "starting it again" not in err, err
