"""The Icecast output against a real icecast2: what a listener on the mount receives.

A listener here is ffmpeg reading the mount over HTTP, as an IP loudspeaker does, decoding
what it gets; the aired clip must be found in it, whole, by cross-correlation.
"""

from __future__ import annotations

import subprocess
import threading
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from playout.clock import SystemClock
from playout.library.ffmpeg import locate_tools
from playout.model import Outcome
from playout.output.devices import DeviceSpec, IcecastTarget, describe_output
from playout.output.player import StreamPlayer
from tests.conftest import free_port, require_program
from tests.daemon.helpers import wait_for
from tests.icecast import Icecast
from tests.output.test_output_live import Observer, tone

RATE = 48_000


def _player(url: str, tmp_path: Path, codec: str = "mp3") -> StreamPlayer:
    require_program("ffmpeg")
    return StreamPlayer(DeviceSpec("icecast", url, codec=codec, title="Ấp 3"), SystemClock(), locate_tools(), tmp_path)


class Listener:
    """ffmpeg pulling the mount for `seconds`, decoding it to 48 kHz mono."""

    def __init__(self, url: str, path: Path, seconds: float) -> None:
        self.path = path
        self.proc = subprocess.Popen(["ffmpeg", "-nostdin", "-v", "error", "-i", url, "-t", str(seconds), "-ac", "1",
                                      "-ar", str(RATE), "-f", "s16le", "-y", str(path)],
                                     stderr=subprocess.PIPE)  # fmt: skip

    def received(self, timeout: float) -> np.ndarray:
        _, err = self.proc.communicate(timeout=timeout)
        assert self.proc.returncode == 0, err
        return np.frombuffer(self.path.read_bytes(), dtype="<i2").astype(np.float32) / 32768


def _mono(path: Path) -> np.ndarray:
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-ac", "1", "-ar", str(RATE), "-f", "s16le", "-"],
                         capture_output=True, check=True).stdout  # fmt: skip
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768


def find_whole(received: np.ndarray, clip: np.ndarray) -> tuple[int, float, float]:
    """Where the clip lies in what was received (cross-correlation), how alike the two are
    over the clip's whole length there, and the longest stretch within it, in ms, where the
    listener got silence.

    Alike is the mean, over 20 ms blocks, of the cosine similarity of the two magnitude
    spectra: a voice codec (Opus in VoIP mode) keeps what is heard but not the waveform's
    phase, so a sample-by-sample correlation can fall to 0.8 on a perfect airing, while a
    block missing, cut or replaced by other sound drags this figure down."""
    n = len(received) + len(clip)
    size = 1 << (n - 1).bit_length()
    corr = np.fft.irfft(np.fft.rfft(received, size) * np.conj(np.fft.rfft(clip, size)), size)[: len(received)]
    lag = int(np.argmax(corr))
    seg = received[lag: lag + len(clip)]
    if len(seg) < len(clip):
        return lag, 0.0, float("inf")
    block = RATE // 50
    usable = len(clip) // block * block
    heard = np.abs(np.fft.rfft(seg[:usable].reshape(-1, block), axis=1))
    sent = np.abs(np.fft.rfft(clip[:usable].reshape(-1, block), axis=1))
    cosine = (heard * sent).sum(axis=1) / (np.linalg.norm(heard, axis=1) * np.linalg.norm(sent, axis=1) + 1e-12)
    alike = float(cosine.mean())
    blocks = np.abs(seg[: len(seg) // 480 * 480]).reshape(-1, 480).max(axis=1) < 0.01
    longest = run = 0
    for quiet in blocks:
        run = run + 1 if quiet else 0
        longest = max(longest, run)
    return lag, alike, longest * 10.0


def test_find_whole_tells_a_cut_or_a_stray_sound_from_a_whole_clip() -> None:
    t = np.arange(RATE * 2) / RATE
    clip = (0.5 * np.sin(2 * np.pi * (440 + 400 * t) * t)).astype(np.float32)
    received = np.concatenate([np.zeros(RATE // 2, np.float32), clip, np.zeros(RATE // 2, np.float32)])
    lag, alike, gap = find_whole(received, clip)
    assert lag == RATE // 2 and alike > 0.99 and gap == 0
    cut = received.copy()
    cut[RATE: RATE + RATE // 10] = 0  # 100 ms lost
    assert find_whole(cut, clip)[2] >= 90
    stray = received.copy()
    stray[RATE: RATE + RATE // 10] = 0.5 * np.sin(2 * np.pi * 3000 * t[: RATE // 10])  # 100 ms of other sound
    assert find_whole(stray, clip)[1] < 0.97


def test_a_mount_url_is_parsed_in_both_forms_and_its_password_never_shown() -> None:
    a = IcecastTarget.parse("icecast://source:s3cr%40t@10.0.0.5:8000/ap-3")
    b = IcecastTarget.parse("http://source:s3cr%40t@10.0.0.5:8000/ap-3")
    assert a == b and a.password == "s3cr@t" and a.mount == "/ap-3" and a.port == 8000
    assert a.url() == "icecast://source:s3cr%40t@10.0.0.5:8000/ap-3"
    assert describe_output("icecast", "icecast://source:s3cr%40t@10.0.0.5:8000/ap-3") == "icecast:http://10.0.0.5:8000/ap-3"
    assert "s3cr" not in DeviceSpec("icecast", "http://source:s3cr@h:8000/m").describe()
    for bad in ("icecast://host:8000", "ftp://h/m", "icecast://h:port/m"):
        with pytest.raises(ValueError):
            IcecastTarget.parse(bad)


@pytest.mark.parametrize("codec", ["mp3", "opus"])
def test_a_clip_aired_to_a_mount_reaches_a_listener_whole(icecast: Icecast, tmp_path: Path, codec: str) -> None:
    player = _player(icecast.url("ap-3"), tmp_path, codec)
    try:
        assert player.device_error is None
        wait_for(lambda: "/ap-3" in icecast.mounts(), 5, "the source to connect")
        # Silence flows between airings: a listener connects and stays connected.
        listener = Listener(icecast.listen_url("ap-3"), tmp_path / "heard.raw", 7.0)  # room for the output to settle after connecting
        cue = tone(tmp_path, 2.0)
        obs = Observer()
        player.play([cue], SystemClock().now() + timedelta(milliseconds=800), obs)
        assert obs.ends[0][0] == Outcome.AIRED, obs.ends
        # The source password is on no process's command line (any local account reads those).
        assert not [pid for pid, args in command_lines() if icecast.password in args]
        received = listener.received(timeout=20)
        if codec == "mp3":
            wait_for(lambda: player.titles == ["tone 440"], 5, "the mount's title to be set")
    finally:
        player.close()
    clip = _mono(cue.path)
    lag, alike, gap_ms = find_whole(received, clip)
    assert alike > 0.97, (lag, alike)
    assert gap_ms <= 20, gap_ms
    # Silence before the clip: the listener was connected before it aired.
    assert lag > RATE // 4 and np.abs(received[: lag - RATE // 10]).max() < 0.01


def test_listeners_on_a_relay_receive_the_aired_clip_whole(icecast: Icecast, tmp_path: Path) -> None:
    """A second icecast2 relaying the mount (how a province serves more speakers than one
    server can): listeners on the relay, and one on the station's own server, each
    receive the clip whole."""
    player = _player(icecast.url("ap-3"), tmp_path)
    relay = None
    try:
        wait_for(lambda: "/ap-3" in icecast.mounts(), 5, "the source to connect")
        relay = Icecast(relay_of=(icecast, "/ap-3"))
        wait_for(lambda: "/ap-3" in relay.mounts(), 10, "the relay to pull the mount")
        direct = Listener(icecast.listen_url("ap-3"), tmp_path / "direct.raw", 8.0)
        relayed = [Listener(relay.listen_url("ap-3"), tmp_path / f"relayed-{n}.raw", 8.0) for n in range(2)]
        cue = tone(tmp_path, 2.0)
        obs = Observer()
        player.play([cue], SystemClock().now() + timedelta(milliseconds=1500), obs)
        assert obs.ends[0][0] == Outcome.AIRED, obs.ends
        heard = [direct.received(timeout=20)] + [r.received(timeout=20) for r in relayed]
    finally:
        player.close()
        if relay is not None:
            relay.stop()
    clip = _mono(cue.path)
    for n, received in enumerate(heard):
        lag, alike, gap_ms = find_whole(received, clip)
        assert alike > 0.97 and gap_ms <= 20, (n, lag, alike, gap_ms)
        # Silence before the clip: each listener was connected before it aired.
        assert lag > RATE // 4 and np.abs(received[: lag - RATE // 10]).max() < 0.01, n


def test_icecast_restarted_mid_airing_makes_the_item_partial_and_the_source_reconnects(
        icecast: Icecast, tmp_path: Path) -> None:  # fmt: skip
    player = _player(icecast.url("ap-3"), tmp_path)
    try:
        wait_for(lambda: "/ap-3" in icecast.mounts(), 5, "the source to connect")
        obs = Observer()
        cue = tone(tmp_path, 4.0)
        t = threading.Thread(target=player.play, args=([cue], SystemClock().now() + timedelta(milliseconds=300), obs))
        t.start()
        wait_for(lambda: (np := player.now_playing()) is not None and np.position_ms > 500, 10, "the clip to be on air")
        icecast.kill()
        icecast.start()
        restarted = SystemClock().now()
        t.join(15)
        outcome, played_ms, reason, _ = obs.ends[0]
        assert outcome == Outcome.PARTIAL, (outcome, reason)
        assert 500 <= played_ms < 4000 and "Icecast" in (reason or "") and icecast.password not in (reason or "")
        wait_for(lambda: "/ap-3" in icecast.mounts(), 5, "the source to reconnect within 5 s")
        assert (SystemClock().now() - restarted).total_seconds() < 5
        # And the mount airs again.
        again = Observer()
        player.play([tone(tmp_path, 0.5, 600)], SystemClock().now() + timedelta(milliseconds=300), again)
        assert again.ends[0][0] == Outcome.AIRED, again.ends
    finally:
        player.close()


def command_lines() -> list[tuple[int, str]]:
    """Every process's command line, as `ps` shows it to any local account."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                found.append((int(proc.name), (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")))
            except OSError:
                continue
    return found


def test_a_wrong_source_password_is_said_and_the_mount_stays_free(icecast: Icecast, tmp_path: Path) -> None:
    player = _player(icecast.url("ap-3").replace(icecast.password, "not-the-password"), tmp_path)
    try:
        assert player.device_error is not None, "a refused source must be an output error"
        assert "password was refused" in player.device_error and "not-the-password" not in player.device_error
        assert "/ap-3" not in icecast.mounts()
    finally:
        player.close()


def test_an_unreachable_icecast_is_a_failed_output_with_a_clear_reason(tmp_path: Path) -> None:
    url = f"icecast://source:pw@127.0.0.1:{free_port()}/ap-3"
    player = _player(url, tmp_path)
    try:
        assert player.device_error is not None and "unreachable" in player.device_error and "pw@" not in player.device_error
        obs = Observer()
        player.play([tone(tmp_path, 0.5)], SystemClock().now(), obs)
        outcome, _, reason, _ = obs.ends[0]
        assert outcome == Outcome.FAILED and "unreachable" in (reason or ""), (outcome, reason)
    finally:
        player.close()
