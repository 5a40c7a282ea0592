"""Relays against a real icecast2: an upstream programme (ffmpeg sending a tone to a mount,
as the province's stream would) relayed by the output engine to the file output, which
keeps every frame that played; the log's figures are checked against that recording."""

from __future__ import annotations

import subprocess
import wave
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from playout.clock import SystemClock
from playout.library.ffmpeg import locate_tools
from playout.model import Outcome
from playout.output.devices import DeviceSpec
from playout.output.player import StreamPlayer
from playout.player import Cue
from tests.conftest import require_program
from tests.daemon.helpers import air_until, wait_for
from tests.icecast import Icecast
from tests.output.test_output_live import Observer, tone

RATE = 48_000
UPSTREAM_HZ = 660


class Upstream:
    """The programme relayed: a 660 Hz tone sent to a mount in real time."""

    def __init__(self, icecast: Icecast, mount: str = "tinh", source: str = f"sine=frequency={UPSTREAM_HZ}") -> None:
        require_program("ffmpeg")
        self.icecast, self.mount, self.source = icecast, mount, source
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["ffmpeg", "-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i", f"{self.source}:sample_rate={RATE}",
             "-ac", "1", "-c:a", "libmp3lame", "-b:a", "64k", "-content_type", "audio/mpeg", "-flush_packets", "1", "-f", "mp3",
             self.icecast.url(self.mount)], stderr=subprocess.DEVNULL)  # fmt: skip
        wait_for(lambda: f"/{self.mount}" in self.icecast.mounts(), 10, "the upstream to be on its mount")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


def _recording(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)[:, 0].astype(np.float32) / 32768


def _tone_blocks(x: np.ndarray, hz: int) -> np.ndarray:
    """For each 20 ms block: does the tone at `hz` dominate it (and is it not silence)?"""
    block = RATE // 50
    n = len(x) // block
    spectra = np.abs(np.fft.rfft(x[: n * block].reshape(n, block), axis=1))
    peak = spectra.argmax(axis=1) * 50  # bin width 50 Hz
    loud = np.abs(x[: n * block].reshape(n, block)).max(axis=1) > 0.01
    return loud & (np.abs(peak - hz) <= 50)


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """The stretches (first, past-last) of True."""
    edges = np.diff(np.concatenate([[0], flags.astype(np.int8), [0]]))
    return list(zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0], strict=True))


def _whole_but_for_the_machine(outcome: Outcome, played_ms: int, reason: str | None, length_ms: int) -> bool:
    """The relay aired whole from its source: every second of it relayed, no dropout. On a
    machine loaded enough to starve the output engine itself, the engine says so (an
    underrun, its own record, checked by the engine's tests) and that is the only other
    reason allowed here."""
    if "dropped out" in (reason or "") or not length_ms - 100 <= played_ms <= length_ms:
        return False
    return (outcome, reason) == (Outcome.AIRED, None) or (outcome == Outcome.PARTIAL and "(underrun)" in (reason or ""))


def _player(tmp_path: Path) -> tuple[StreamPlayer, Path]:
    capture = tmp_path / "out.wav"
    player = StreamPlayer(DeviceSpec("file", file=str(capture)), SystemClock(), locate_tools(), tmp_path)
    assert player.device_error is None
    return player, capture


def test_a_relay_airs_after_the_chime_for_its_length_and_ends_faded(icecast: Icecast, tmp_path: Path) -> None:
    upstream = Upstream(icecast)
    player, capture = _player(tmp_path)
    try:
        chime = tone(tmp_path, 1.0, 1000)  # a chirp from 1000 Hz up: never the upstream's 660
        obs = Observer()
        player.play([chime, Cue(Path(), 6000, "Tiếp âm Đài tỉnh", relay=icecast.listen_url("tinh"))],
                    SystemClock().now() + timedelta(seconds=2), obs)  # fmt: skip
    finally:
        player.close()
        upstream.stop()
    assert obs.ends[0][0] == Outcome.AIRED and _whole_but_for_the_machine(*obs.ends[1][:3], 6000), obs.ends
    # The relay follows the chime without a gap, on the frame the log says.
    assert abs((obs.starts[1] - obs.starts[0]).total_seconds() - 1) < 1e-4
    x = _recording(capture)
    relayed = _runs(_tone_blocks(x, UPSTREAM_HZ))
    chimed = _runs(_tone_blocks(x, 1000) | _tone_blocks(x, 1050))  # the chime's chirp starts at 1000 Hz
    assert relayed and chimed
    first, last = relayed[0][0], relayed[-1][1]
    assert abs(first - chimed[0][0] - 50) <= 2  # 50 blocks of 20 ms: right after the 1 s chime
    # Six seconds of the upstream, then nothing (the last half second fades out).
    assert 5.4 <= (last - first) / 50 <= 6.02 and len(relayed) == 1
    assert not np.abs(x[(first + 301) * RATE // 50:]).max() > 0.01


FALLBACK_HZ = 330


def _fallback_clip(tmp_path: Path) -> Cue:
    """The station's fallback clip: 1.5 s of a steady 330 Hz tone (shorter than the gap, so
    the gap shows it looped)."""
    path = tmp_path / "fallback.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency={FALLBACK_HZ}:sample_rate={RATE}:d=1.5",
                    "-ac", "2", str(path)], check=True)  # fmt: skip
    return Cue(path, 1500, "Nhạc chờ", 2)


def test_the_upstream_gone_mid_relay_is_a_dropout_on_record_the_fallback_fills_it_and_the_relay_resumes(
        icecast: Icecast, tmp_path: Path) -> None:  # fmt: skip
    upstream = Upstream(icecast)
    player, capture = _player(tmp_path)
    try:
        obs = Observer()
        import threading

        relay = Cue(Path(), 14_000, "Tiếp âm", relay=icecast.listen_url("tinh"), fallback=_fallback_clip(tmp_path))
        t = threading.Thread(target=player.play, args=([relay], SystemClock().now() + timedelta(seconds=1.5), obs))
        t.start()
        wait_for(lambda: 0 in obs.starts, 10, "the relay to start")
        wait_for(lambda: (SystemClock().now() - obs.starts[0]).total_seconds() > 3, 10, "three seconds of relay")
        upstream.stop()  # the province's encoder goes away...
        wait_for(lambda: f"/{upstream.mount}" not in icecast.mounts(), 10, "the mount to drop")
        wait_for(lambda: (SystemClock().now() - obs.starts[0]).total_seconds() > 7, 10, "a dropout of some seconds")
        assert "/tinh" in (player.relay_problem or "")  # status and the Now page say so
        upstream.start()  # ...and comes back
        wait_for(lambda: player.relay_problem is None, 10, "the source to count as back")
        t.join(30)
    finally:
        player.close()
        upstream.stop()
    outcome, played_ms, reason, _ = obs.ends[0]
    assert outcome == Outcome.PARTIAL and "dropped out 1 time " in (reason or ""), (outcome, reason)
    assert "the fallback clip Nhạc chờ aired" in (reason or ""), reason
    x = _recording(capture)
    runs = [r for r in _runs(_tone_blocks(x, UPSTREAM_HZ)) if r[1] - r[0] > 10]
    assert len(runs) == 2, runs  # before the dropout, and after the relay resumed
    gap_s = (runs[1][0] - runs[0][1]) / 50
    assert gap_s >= 3
    # In the gap, at the output: up to the 3 s that make it a dropout silence (the source's
    # own pause would be as long), then the fallback clip, looped, until the source cuts back in.
    filled = [r for r in _runs(_tone_blocks(x, FALLBACK_HZ)) if r[1] - r[0] > 5]
    assert filled and all(runs[0][1] <= a and b <= runs[1][0] + 1 for a, b in filled), (runs, filled)
    first_fill = filled[0][0]
    # (the source may trickle in for a moment after it went: what the server and ffmpeg still held)
    last_heard = max(b for a, b in _runs(_tone_blocks(x, UPSTREAM_HZ)) if b <= first_fill)
    assert 2.9 <= (first_fill - last_heard) / 50 <= 3.3, (runs, filled, last_heard)
    assert abs(filled[-1][1] - runs[1][0]) <= 2, (runs, filled)  # the source cuts back in where the fallback stops
    heard_fill_s = sum(b - a for a, b in filled) / 50
    assert heard_fill_s >= (runs[1][0] - last_heard) / 50 - 3.3 - 0.1, (heard_fill_s, last_heard, runs)
    assert not np.abs(x[last_heard * RATE // 50 + RATE // 10: first_fill * RATE // 50 - RATE // 10]).max() > 0.01
    fill_s = float((reason or "").split("the fallback clip Nhạc chờ aired ")[1].split(" s")[0])
    assert abs(fill_s - heard_fill_s) <= 1, (fill_s, heard_fill_s)
    # What the log says aired of the source is what the recording has of it, within a block or so.
    heard_ms = sum(b - a for a, b in runs) * 20
    assert abs(played_ms - heard_ms) <= 600, (played_ms, heard_ms)
    assert played_ms < 14_000 - 3000


def test_a_scheduled_relay_slot_airs_and_is_logged_like_any_airing(icecast: Icecast, tmp_path: Path) -> None:
    from tests.daemon.helpers import at, daemon_station

    upstream = Upstream(icecast)
    capture = tmp_path / "out.wav"
    st = daemon_station(tmp_path, f'module = "file"\nfile = "{capture}"')
    when = at(4)
    (st.root / "schedules" / "tiep-am.toml").write_text(
        f'[[slot]]\nid = "tiep-am"\nname = "Tiếp âm Đài tỉnh"\ntimes = ["{when:%H:%M:%S}"]\nchime = true\n'
        f'  [[slot.item]]\n  relay = "{icecast.listen_url("tinh")}"\n  minutes = 0.05\n  title = "Thời sự Đài tỉnh"\n',
        encoding="utf-8")  # fmt: skip
    checked = st.cli("schedule", "check")
    assert checked.exit_code == 0, checked.output
    try:
        done = air_until(st, "tiep-am@", 2, 30, "the relay to finish")
    finally:
        upstream.stop()
    chime, relay = done
    assert (relay["kind"], relay["title"]) == ("relay", "Thời sự Đài tỉnh")
    assert _whole_but_for_the_machine(Outcome(relay["outcome"]), relay["played_ms"], relay["reason"], 3000), relay
    assert relay["clip_id"] is None and relay["duration_ms"] == 3000 and abs(relay["played_ms"] - 3000) <= 20
    x = _recording(capture)
    first, last = _runs(_tone_blocks(x, UPSTREAM_HZ))[-1]  # (the chime has a moment at 660 Hz of its own)
    assert 2.4 <= (last - first) / 50 <= 3.02 and not np.abs(x[(last + 2) * RATE // 50:]).max() > 0.01


def test_a_scheduled_relay_whose_source_never_comes_airs_the_station_fallback_clip(tmp_path: Path) -> None:
    """The daemon's side: `[daemon] fallback_clip` fills a relay's dropout. The source is a port
    where nothing answers; after 3 s of silence the slogan (the fallback) is heard at the output,
    from its first sound, and the row says the source never came and the fallback aired."""
    from tests.conftest import free_port
    from tests.daemon.helpers import EX, at, daemon_station

    capture = tmp_path / "out.wav"
    st = daemon_station(tmp_path, f'module = "file"\nfile = "{capture}"')
    text = st.config.read_text(encoding="utf-8")
    st.config.write_text(text.replace("[daemon]\n", '[daemon]\nfallback_clip = "2"\n', 1), encoding="utf-8")
    when = at(4)
    (st.root / "schedules" / "tiep-am.toml").write_text(
        f'[[slot]]\nid = "tiep-am"\ntimes = ["{when:%H:%M:%S}"]\nchime = false\n'
        f'  [[slot.item]]\n  relay = "http://127.0.0.1:{free_port()}/tinh"\n  minutes = 0.12\n  title = "Thời sự Đài tỉnh"\n',
        encoding="utf-8")  # fmt: skip
    [relay] = air_until(st, "tiep-am@", 1, 40, "the relay to finish")
    assert relay["outcome"] == "failed" and "never came" in relay["reason"], relay
    assert "the fallback clip Khẩu hiệu" in relay["reason"], relay["reason"]
    x = _recording(capture)
    loud = np.nonzero(np.abs(x) > 0.01)[0]
    assert len(loud), "nothing was heard"
    # The slogan as imported, decoded: the recording's sound is it, from its start.
    slogan = np.frombuffer(subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(EX / "khau-hieu-01-cai-cach-hanh-chinh.mp3"), "-ac", "1", "-ar", str(RATE),
         "-f", "s16le", "-"], capture_output=True, check=True).stdout, dtype="<i2").astype(np.float32)  # fmt: skip
    heard = x[loud[0]: loud[0] + RATE]
    ref = slogan[np.nonzero(np.abs(slogan) > 0.01 * 32768)[0][0]:][: 2 * RATE]
    corr = np.correlate(ref, heard, mode="valid")
    k = int(np.argmax(corr))
    score = corr[k] / (np.linalg.norm(ref[k: k + len(heard)]) * np.linalg.norm(heard))
    assert score > 0.9 and k < RATE // 10, (score, k)  # the slogan, within its first 0.1 s
    # ...after the 3 s of silence that make a dropout, and to the relay's end (7.2 s, faded).
    assert loud[0] >= 2.9 * RATE
    assert 3.9 <= (loud[-1] - loud[0]) / RATE <= 4.3, (loud[-1] - loud[0]) / RATE


def test_a_source_connected_but_silent_is_said_silent_since_when_until_it_is_heard(icecast: Icecast,
                                                                                 tmp_path: Path) -> None:  # fmt: skip
    # Connected is not heard: an encoder left running on a dead input sends silence.
    upstream = Upstream(icecast, source="anullsrc=channel_layout=mono")
    player, capture = _player(tmp_path)
    try:
        obs = Observer()
        import threading

        relay = Cue(Path(), 16_000, "Tiếp âm", relay=icecast.listen_url("tinh"))
        t = threading.Thread(target=player.play, args=([relay], SystemClock().now() + timedelta(seconds=1.5), obs))
        t.start()
        wait_for(lambda: 0 in obs.starts, 10, "the relay to start")
        assert player.relays[0]["state"] == "on" and player.relays[0]["silent_since"] is None
        silent = wait_for(lambda: player.relay_silent, 10, "the silence to be said")
        said = datetime.fromisoformat(player.relays[0]["silent_since"])
        assert "/tinh" in silent and player.relay_problem is None
        assert abs((said - obs.starts[0]).total_seconds()) <= 1.5, (said, obs.starts[0])  # from the relay's start
        upstream.stop()
        upstream.source = f"sine=frequency={UPSTREAM_HZ}"
        upstream.start()  # the encoder's input is mended: the source is heard again
        wait_for(lambda: player.relays and player.relays[0]["silent_since"] is None and player.relay_problem is None,
                 15, "the source to be heard again")  # fmt: skip
        assert player.relay_silent is None
        t.join(30)
    finally:
        player.close()
        upstream.stop()
    outcome, _played_ms, reason, _ = obs.ends[0]
    assert outcome == Outcome.PARTIAL and "dropped out" in (reason or ""), (outcome, reason)
    assert _runs(_tone_blocks(_recording(capture), UPSTREAM_HZ))  # it was heard, after the silence
