"""The output device goes away during an airing, stays away, and comes back.

A private PulseAudio server (not the suite's shared one: these tests kill it) with a null
sink; the output engine (and, for comparison, the former libVLC player) plays to it. When the
server dies or the sink is removed the item must not be logged as aired; once the device is
back the next airing plays normally.
"""

from __future__ import annotations

import subprocess
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from playout.clock import SystemClock
from playout.library.ffmpeg import locate_tools
from playout.model import Outcome
from playout.player import Cue
from tests.conftest import require_program
from tests.daemon.test_live import _needs_libvlc  # noqa: F401 (autouse: libVLC must work)


class Observer:
    def __init__(self) -> None:
        self.sounding = threading.Event()
        self.outcomes: list[tuple[Outcome, int, str | None]] = []

    def started(self, _index: int, _at: datetime) -> None:
        self.sounding.set()

    def ended(self, _index: int, outcome: Outcome, played_ms: int, reason: str | None, _at: datetime) -> None:
        self.outcomes.append((outcome, played_ms, reason))


@pytest.fixture
def private_pulse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    require_program("pulseaudio")
    require_program("pactl")
    from benchmarks.common import start_pulse

    folder = tmp_path / "pulse"
    folder.mkdir()
    procs = []

    def start() -> dict:
        proc, server, env = start_pulse(folder)
        procs.append(proc)
        monkeypatch.setenv("PULSE_SERVER", server)
        return env

    def kill() -> None:
        procs[-1].kill()
        procs[-1].wait(timeout=10)

    start.kill = kill  # type: ignore[attr-defined]
    yield start
    for p in procs:
        p.kill()
        p.wait(timeout=10)


def _tone(tmp_path: Path, seconds: float) -> Cue:
    path = tmp_path / f"tone{seconds}.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
                    "-ac", "2", "-ar", "48000", str(path)], check=True)  # fmt: skip
    return Cue(path, round(seconds * 1000), "tone", 2)


@pytest.fixture(params=["stream", "libvlc"])
def make_player(request: pytest.FixtureRequest, tmp_path: Path):  # noqa: ANN201
    def make():  # noqa: ANN202
        if request.param == "libvlc":
            from playout.player.vlc import OutputSpec, VlcPlayer

            return VlcPlayer(OutputSpec("pulse", "playout_test"), SystemClock(), locate_tools(), tmp_path)
        from playout.output.devices import DeviceSpec
        from playout.output.player import StreamPlayer

        return StreamPlayer(DeviceSpec("pulse", "playout_test"), SystemClock(), locate_tools(), tmp_path)

    return make


def _play(player, cue: Cue, during=None) -> list:  # noqa: ANN001
    obs = Observer()
    if during is not None:
        threading.Thread(target=lambda: (obs.sounding.wait(10), during())).start()
    player.play([cue], SystemClock().now() + timedelta(milliseconds=200), obs)
    return obs.outcomes


def test_pulseaudio_killed_mid_airing_then_down_then_back(tmp_path: Path, private_pulse, make_player) -> None:  # noqa: ANN001
    private_pulse()
    player = make_player()
    try:
        cue = _tone(tmp_path, 4)
        [(outcome, played, reason)] = _play(player, cue, during=lambda: (threading.Event().wait(1), private_pulse.kill()))
        assert outcome in (Outcome.PARTIAL, Outcome.FAILED) and played < 3500
        assert reason is not None and reason.startswith("the output failed: ")

        [(outcome, played, reason)] = _play(player, _tone(tmp_path, 1))  # the server is still down
        assert outcome == Outcome.FAILED and reason.startswith("the output failed: "), (outcome, reason)
        streaming = hasattr(player, "device_error")
        if streaming:  # the daemon's status and the Now page show it (LiveDaemon.problems)
            assert player.device_error and "PulseAudio" in player.device_error

        private_pulse()  # back
        assert _play(player, cue) == [(Outcome.AIRED, 4000, None)]
        if streaming:
            assert player.device_error is None
    finally:
        player.close()


def test_sink_removed_mid_airing_is_not_logged_as_aired(tmp_path: Path, private_pulse, make_player) -> None:  # noqa: ANN001
    env = private_pulse()
    player = make_player()

    def unload() -> None:
        threading.Event().wait(1)
        subprocess.run(["pactl", "unload-module", "module-null-sink"], env=env, check=True)

    try:
        [(outcome, played, reason)] = _play(player, _tone(tmp_path, 4), during=unload)
        assert outcome in (Outcome.PARTIAL, Outcome.FAILED) and played < 3500, (outcome, played, reason)
        subprocess.run(["pactl", "load-module", "module-null-sink", "sink_name=playout_test", "rate=48000",
                        "channels=2"], env=env, check=True, capture_output=True)  # fmt: skip
        assert _play(player, _tone(tmp_path, 1)) == [(Outcome.AIRED, 1000, None)]
    finally:
        player.close()
