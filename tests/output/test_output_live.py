"""The output end to end on a PulseAudio null sink: the airing log against the recording.

The sink's monitor is recorded independently (`parec`) while the daemon or the player airs;
each onset found in the recording is compared with what the log says. The recording's time
origin is the instant `parec` stopped minus the frames it wrote, good to about 10 ms; the
daemon's own monitor (confidence monitoring) measures the same onset from inside and must
agree with the log within 5 ms.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from playout import app as app_mod
from playout.clock import SystemClock
from playout.daemon.live import LiveDaemon
from playout.library.ffmpeg import locate_tools
from playout.model import Outcome
from playout.output.devices import DeviceSpec
from playout.output.player import StreamPlayer
from playout.player import Cue
from tests.conftest import require_program
from tests.daemon.helpers import air_until, at, daemon_station, rows, slot, wait_for

RATE = 48_000
RECORDING_TOLERANCE_MS = 20


def Recorder(path: Path, device: str = "playout_test.monitor"):  # noqa: ANN201, N802
    """parec on the sink's monitor, raw mono (the benchmark's recorder)."""
    require_program("parec")
    from benchmarks.start_accuracy import Recorder as _Recorder

    return _Recorder(device, path, dict(os.environ))


def onset(data: np.ndarray, origin: float, near: datetime, threshold: float = 0.02) -> float | None:
    """Wall time (epoch s) at which sound starts within 2 s after `near` - 0.5 s."""
    lo = max(0, int((near.timestamp() - 0.5 - origin) * RATE))
    seg = np.abs(data[lo: lo + 3 * RATE]) > threshold
    if not seg.any():
        return None
    return origin + (lo + int(np.argmax(seg))) / RATE


def silent_stretch_ms(data: np.ndarray, origin: float, start: float, end: float) -> float:
    """The longest run of 10 ms blocks with no sound between two wall times."""
    x = data[int((start - origin) * RATE): int((end - origin) * RATE)]
    blocks = np.abs(x[: len(x) // 480 * 480]).reshape(-1, 480).max(axis=1) < 0.001
    best = run = 0
    for quiet in blocks:
        run = run + 1 if quiet else 0
        best = max(best, run)
    return best * 10.0


def tone(tmp_path: Path, seconds: float, freq: int = 440) -> Cue:
    """A tone with a chirp at its start, so its onset is unambiguous to correlation too."""
    path = tmp_path / f"tone-{freq}-{seconds}.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"aevalsrc=0.5*sin(2*PI*({freq}+400*t)*t):s={RATE}:d={seconds}", "-ac", "2", str(path)],
                   check=True)  # fmt: skip
    return Cue(path, round(seconds * 1000), f"tone {freq}", 2)


class Observer:
    def __init__(self, expect_verdicts: int = 0) -> None:
        self.starts: dict[int, datetime] = {}
        self.ends: dict[int, tuple[Outcome, int, str | None, datetime]] = {}
        self.heard: dict[int, tuple[bool | None, datetime | None, str | None]] = {}
        self.sounding = threading.Event()
        self.verdicts = threading.Event()
        self.expect = expect_verdicts

    def started(self, index: int, at_: datetime) -> None:
        self.starts[index] = at_
        self.sounding.set()

    def ended(self, index: int, outcome: Outcome, played_ms: int, reason: str | None, at_: datetime) -> None:
        self.ends[index] = (outcome, played_ms, reason, at_)

    def verified(self, index: int, whole: bool | None, onset_: datetime | None, note: str | None) -> None:
        self.heard[index] = (whole, onset_, note)
        if len(self.heard) >= self.expect:
            self.verdicts.set()


@pytest.fixture
def player(pulse: str, tmp_path: Path):  # noqa: ANN201
    require_program("ffmpeg")
    p = StreamPlayer(DeviceSpec("pulse", "playout_test"), SystemClock(), locate_tools(), tmp_path, monitor="auto")
    # The monitor's time stamps settle a few seconds after it starts listening.
    yield p
    p.close()


def _settled(p: StreamPlayer, tmp_path: Path) -> None:
    """Air short throwaway tones until the monitor gives a verdict on one (it needs a few
    seconds of steady figures after it starts listening)."""
    for _ in range(20):
        obs = Observer(expect_verdicts=1)
        p.play([tone(tmp_path, 0.3, 300)], SystemClock().now() + timedelta(milliseconds=300), obs)
        assert obs.verdicts.wait(10), "the monitor gave no answer"
        if obs.heard[0][0] is not None:
            return
    raise AssertionError("the monitor never settled")


def test_the_daemon_log_matches_the_recording_and_the_monitor_verifies_it(tmp_path: Path, pulse: str) -> None:
    st = daemon_station(tmp_path, 'module = "pulse"\ndevice = "playout_test"\nmonitor = "auto"')
    when = at(9)  # the monitor settles a few seconds after the daemon starts
    title = "Khẩu hiệu 1: Cải cách hành chính phục vụ nhân dân"
    (st.root / "schedules" / "test.toml").write_text(slot("pa", when, [title]), encoding="utf-8")
    rec = Recorder(tmp_path / "monitor.raw")
    daemon = LiveDaemon(app_mod.build(st.config))
    daemon.start()
    try:
        done = wait_for(lambda: (r := rows(st, "pa@")) and len(r) == 2 and all(x["verified"] is not None for x in r)
                        and r, 40, "the airing to end and be verified")  # fmt: skip
    finally:
        daemon.stop()
        data, origin = rec.stop()
    assert [(r["outcome"], r["verified"]) for r in done] == [("aired", 1), ("aired", 1)], done
    first = done[0]
    # The log's lateness is what the output said; the monitor heard the same within 5 ms.
    assert abs(first["lateness_ms"]) < 10
    assert abs(first["heard_lateness_ms"] - first["lateness_ms"]) <= 5, (first["heard_lateness_ms"], first["lateness_ms"])
    # An independent recording of the sink agrees with the log.
    heard = onset(data, origin, when)
    assert heard is not None, "nothing was heard at the output"
    assert abs((heard - when.timestamp()) * 1000 - first["lateness_ms"]) < RECORDING_TOLERANCE_MS
    # The second item starts where the first ends, in the log as in the sound.
    assert first["ended_at"] == done[1]["started_at"]


def test_a_late_start_is_recorded_late_as_it_was_heard(player: StreamPlayer, tmp_path: Path) -> None:
    _settled(player, tmp_path)
    rec = Recorder(tmp_path / "late.raw")
    due = SystemClock().now() - timedelta(milliseconds=1500)  # the instant has passed already
    obs = Observer(expect_verdicts=1)
    player.play([tone(tmp_path, 1.0)], due, obs)
    assert obs.verdicts.wait(10)
    data, origin = rec.stop()
    logged_late_ms = (obs.starts[0] - due).total_seconds() * 1000
    assert logged_late_ms > 1500
    heard = onset(data, origin, obs.starts[0])
    assert heard is not None
    assert abs((heard - due.timestamp()) * 1000 - logged_late_ms) < RECORDING_TOLERANCE_MS
    whole, heard_at, _ = obs.heard[0]
    assert whole is True and heard_at is not None
    assert abs((heard_at - obs.starts[0]).total_seconds() * 1000) <= 5


def test_a_stalled_output_mid_item_is_partial_and_the_monitor_hears_the_hole(player: StreamPlayer, tmp_path: Path) -> None:
    _settled(player, tmp_path)
    rec = Recorder(tmp_path / "cut.raw")
    obs = Observer(expect_verdicts=1)
    cue = tone(tmp_path, 2.0)

    def stall() -> None:
        obs.sounding.wait(10)
        time.sleep(0.5)  # into the item
        assert player.proc is not None
        os.kill(player.proc.pid, signal.SIGSTOP)  # the output process is held up...
        time.sleep(0.4)  # ...for 400 ms: the device runs dry
        os.kill(player.proc.pid, signal.SIGCONT)

    t = threading.Thread(target=stall)
    t.start()
    player.play([cue], SystemClock().now() + timedelta(milliseconds=300), obs)
    t.join()
    assert obs.verdicts.wait(10)
    data, origin = rec.stop()
    outcome, played_ms, reason, ended_at = obs.ends[0]
    assert outcome == Outcome.PARTIAL and "underrun" in (reason or ""), (outcome, reason)
    # The hole is in the recording, and the monitor says the item was not heard whole.
    hole = silent_stretch_ms(data, origin, obs.starts[0].timestamp() + 0.1, ended_at.timestamp() - 0.1)
    assert hole >= 250, hole
    whole, _, note = obs.heard[0]
    assert whole is False and "silence" in (note or "")


def test_a_session_due_as_another_ends_on_its_output_starts_on_its_instant(tmp_path: Path, pulse: str) -> None:
    # The first session (a 2.8 s tone) ends 0.2 s before the second's instant. The second
    # (the chime and a slogan twice) waits for the output meanwhile; its clips are decoded
    # while it waits, so it starts on its instant, not after its decoding (three ffmpeg runs,
    # 0.3 s and more on a loaded machine).
    # A shared machine stalls now and then for longer than the shipped 50 ms buffer (once 80 ms:
    # the tone ran 31 ms dry, on record as partial, and ended that much later). That run says
    # nothing of the handover either way, so it is run again, once; a run without a stall is
    # judged in full, and two runs in a row with one fail.
    for attempt in (1, 2):
        st = daemon_station(tmp_path / f"run{attempt}", 'module = "pulse"\ndevice = "playout_test"')
        assert st.cli("import", str(tone(tmp_path, 2.8).path), "--kind", "other", "--title", "Tone").exit_code == 0
        first = at(5)
        second = first + timedelta(seconds=3)
        (st.root / "schedules" / "test.toml").write_text(
            slot("a", first, ["Tone"], chime=False)
            + slot("b", second, ["Khẩu hiệu 1: Cải cách hành chính phục vụ nhân dân"] * 2), encoding="utf-8")  # fmt: skip
        done = air_until(st, "b@", 3, 30, "the second session to air")
        a = rows(st, "a@")
        if attempt == 1 and any("underrun" in (r["reason"] or "") for r in a + done):
            continue
        assert [r["outcome"] for r in a + done] == ["aired"] * 4, a + done
        assert [r["played_ms"] for r in done] == [r["duration_ms"] for r in done]
        ended = datetime.fromisoformat(a[0]["ended_at"])
        gap_ms = (datetime.fromisoformat(done[0]["scheduled_at"]) - ended).total_seconds() * 1000
        assert 150 < gap_ms < 250, (a, gap_ms)  # the first ended just before the second's instant
        assert done[0]["lateness_ms"] < 10, (done[0]["lateness_ms"], gap_ms)
        return


def test_clips_decoded_ahead_air_without_decoding_again_unless_the_file_changed(player: StreamPlayer,
                                                                                tmp_path: Path) -> None:  # fmt: skip
    kept, replaced = tone(tmp_path, 0.5, 500), tone(tmp_path, 0.5, 700)
    player.prepare([kept, replaced, kept])
    os.utime(replaced.path, ns=(time.time_ns(), time.time_ns() + 10**9))  # the file changed since
    player.tools = dataclasses.replace(player.tools, ffmpeg="/bin/false")  # from here on nothing decodes
    obs = Observer()
    player.play([kept, replaced, kept], SystemClock().now() + timedelta(milliseconds=300), obs)
    assert obs.ends[0][0] == obs.ends[2][0] == Outcome.AIRED, obs.ends  # decoded ahead, once for both
    assert obs.ends[0][1] == obs.ends[2][1] == 500
    assert obs.ends[1][0] == Outcome.FAILED and "cannot decode" in (obs.ends[1][2] or ""), obs.ends[1]
    assert not list(tmp_path.glob("playout-seq-*")), "what was decoded ahead is not left behind"
