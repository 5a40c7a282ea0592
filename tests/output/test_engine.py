"""The output engine's arithmetic, on a fake device and a fake clock (no real time).

The fake device plays RATE frames per fake second with a fixed extra latency, can be told
to fail, or to stall (play nothing for a while: an underrun from the writer's side). The
engine is driven step by step, so every figure it reports can be checked exactly.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from playout.output.devices import FRAME_BYTES, RATE, DeviceError
from playout.output.engine import BLOCK, Engine

NS = 1_000_000_000
T0 = 1_800_000_000 * NS  # an arbitrary wall-clock instant


class FakeClock:
    def __init__(self) -> None:
        self.ns = T0

    def __call__(self) -> int:
        return self.ns


class FakeDevice:
    """Plays from the moment of its first write; `latency_frames` more than what is queued
    (a sound card's own pipeline). write() blocks (advances the fake clock) while more than
    `buffer` frames wait."""

    def __init__(self, clock: FakeClock, buffer: int = RATE // 10, latency_frames: int = 240) -> None:
        self.clock = clock
        self.buffer = buffer
        self.latency = latency_frames
        self.written = 0
        self.origin: int | None = None
        self.frames = bytearray()
        self.fail_after: int | None = None  # frames written before write() fails
        self.stall_from: int | None = None  # fake ns at which the device stops taking frames...
        self.stall_ns = 0  # ...for this long (what it plays meanwhile is silence it makes up)
        self.name = "fake"
        self.misreport_at: int | None = None  # frames written when delay() is off once...
        self.misreport_frames = 0  # ...by this many frames (too small)

    def played(self) -> int:
        if self.origin is None:
            return 0
        return max(0, min(self.written, (self.clock.ns - self.origin) * RATE // NS - self.latency))

    def write(self, data: bytes) -> None:
        if self.fail_after is not None and self.written >= self.fail_after:
            raise DeviceError("fake: the device went away")
        if self.origin is None:
            self.origin = self.clock.ns
        if self.stall_from is not None and self.clock.ns >= self.stall_from:
            # The writer was held up: the device ran dry and its timeline moved on.
            self.clock.ns += self.stall_ns
            self.origin += self.stall_ns - (self.written - self.played()) * NS // RATE
            self.stall_from = None
        n = len(data) // FRAME_BYTES
        while self.written + n - self.played() > self.buffer:
            self.clock.ns += NS // 1000
        self.written += n
        self.frames += data

    def delay(self) -> int:
        if self.misreport_at is not None and self.written >= self.misreport_at:
            self.misreport_at = None  # once: a timing update that came late, then corrected
            return max(0, self.written - self.played() - self.misreport_frames)
        return self.written - self.played()

    def close(self) -> None:
        pass


class FakeSpec:
    def __init__(self, device: FakeDevice) -> None:
        self.device = device

    def open(self) -> FakeDevice:
        return self.device

    def describe(self) -> str:
        return "fake"


def session_file(tmp_path: Path, lengths: list[int]) -> tuple[Path, list[np.ndarray]]:
    """Items of distinct constant levels, so each one is recognisable in the output."""
    items = [np.full((n, 2), 1000 * (k + 1), dtype="<i2") for k, n in enumerate(lengths)]
    path = tmp_path / "session.pcm"
    path.write_bytes(b"".join(i.tobytes() for i in items))
    return path, items


class Rig:
    def __init__(self, tmp_path: Path, **device: int) -> None:
        self.clock = FakeClock()
        self.device = FakeDevice(self.clock, **device)
        self.out = io.StringIO()
        self.engine = Engine(FakeSpec(self.device), out=self.out, now_ns=self.clock)  # type: ignore[arg-type]
        self.engine._open()
        self.tmp = tmp_path

    def step(self, n: int = 1) -> None:
        for _ in range(n):
            try:
                self.engine.step()
            except DeviceError as exc:
                self.engine._device_failed(str(exc))
                return

    def settle(self) -> None:
        """Write until the device's figures have held steady long enough to place a session."""
        while not self.engine.settled:
            self.step()

    def events(self) -> list[dict]:
        return [json.loads(line) for line in self.out.getvalue().splitlines()]

    def until_done(self, sid: int, limit: int = 2000) -> list[dict]:
        for _ in range(limit):
            if any(e["ev"] == "done" and e.get("id") == sid for e in self.events()):
                return [e for e in self.events() if e.get("id") == sid]
            self.step()
        raise AssertionError("the session did not end")

    def frame_of(self, ns: int) -> int:
        """Where in everything the device played (its own timeline) wall time ns falls."""
        assert self.device.origin is not None
        return (ns - self.device.origin) * RATE // NS - self.device.latency


def test_the_first_frame_is_placed_at_the_instant_whatever_the_device_latency(tmp_path: Path) -> None:
    for latency in (0, 240, 4800):  # 0, 5 ms and 100 ms of the device's own latency
        rig = Rig(tmp_path, latency_frames=latency)
        rig.settle()
        path, items = session_file(tmp_path, [4800, 9600])
        at = rig.clock.ns + NS // 2 + 1234567  # not on a block boundary
        rig.engine.commands.put({"op": "play", "id": 1, "path": str(path), "at_ns": at, "items": [4800, 9600]})
        events = rig.until_done(1)
        started = [e for e in events if e["ev"] == "started"]
        # The frame that plays at `at`, on the device's own timeline, is the session's first.
        first = rig.frame_of(at)
        out = np.frombuffer(bytes(rig.device.frames), dtype="<i2").reshape(-1, 2)
        assert out[first - 1, 0] == 0 and out[first, 0] == 1000, f"latency {latency}: not on the frame"
        # Junction sample-exact: item 2 follows item 1 with no gap or overlap.
        assert out[first + 4799, 0] == 1000 and out[first + 4800, 0] == 2000 and out[first + 14399, 0] == 2000
        assert out[first + 14400, 0] == 0
        # What is reported is when the frames came out: within one frame of the truth.
        assert abs(started[0]["at_ns"] - at) <= NS // RATE
        assert abs(started[1]["at_ns"] - (at + NS // 10)) <= NS // RATE
        ended = [e for e in events if e["ev"] == "ended"]
        assert [(e["outcome"], e["frames"]) for e in ended] == [("aired", 4800), ("aired", 9600)]


def test_an_instant_already_past_plays_at_once_and_is_reported_late(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.settle()
    path, _ = session_file(tmp_path, [4800])
    at = rig.clock.ns - 2 * NS
    rig.engine.commands.put({"op": "play", "id": 7, "path": str(path), "at_ns": at, "items": [4800]})
    events = rig.until_done(7)
    started = next(e for e in events if e["ev"] == "started")
    late_ms = (started["at_ns"] - at) / 1e6
    # Two seconds, plus what was already queued in the device: never reported as on time.
    assert 2000 < late_ms < 2000 + 120


def test_no_session_is_placed_before_the_device_figures_are_steady(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    path, _ = session_file(tmp_path, [4800])
    at = rig.clock.ns + NS // 20  # due 50 ms after the device opened: before it has settled
    rig.engine.commands.put({"op": "play", "id": 8, "path": str(path), "at_ns": at, "items": [4800]})
    events = rig.until_done(8)
    started = next(e for e in events if e["ev"] == "started")
    assert started["at_ns"] > at + 100_000_000  # placed late, and said to be late


def test_a_device_failure_mid_item_reports_what_came_out_and_fails_the_rest(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.settle()
    path, _ = session_file(tmp_path, [RATE, RATE])
    rig.engine.commands.put({"op": "play", "id": 2, "path": str(path), "at_ns": rig.clock.ns + NS // 5,
                             "items": [RATE, RATE]})  # fmt: skip
    rig.engine._drain_commands()
    while rig.engine.sessions[0].start is None:
        rig.step()
    start = rig.engine.sessions[0].start
    rig.device.fail_after = start + RATE // 2  # half of item 1 written, then the device is gone
    events = rig.until_done(2)
    ended = {e["index"]: e for e in events if e["ev"] == "ended"}
    assert ended[0]["outcome"] == "partial" and "went away" in ended[0]["reason"]
    # Only what the device had played counts, not what was written into its buffer.
    assert ended[0]["frames"] == rig.engine.consumed - start
    assert ended[0]["frames"] < RATE // 2
    assert ended[1]["outcome"] == "failed"


def test_skip_interrupt_and_stop_after(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.settle()
    path, _ = session_file(tmp_path, [RATE, RATE, RATE])
    rig.engine.commands.put({"op": "play", "id": 3, "path": str(path), "at_ns": rig.clock.ns + NS // 5,
                             "items": [RATE] * 3})  # fmt: skip
    rig.step(50)  # into item 1
    rig.engine.commands.put({"op": "skip", "id": 3, "reason": "skipped by the technician"})
    rig.step(30)
    rig.engine.commands.put({"op": "stop_after", "id": 3, "reason": "for a priority announcement"})
    events = rig.until_done(3)
    ended = {e["index"]: e for e in events if e["ev"] == "ended"}
    assert ended[0]["outcome"] == "interrupted" and 0 < ended[0]["frames"] < RATE
    assert ended[1]["outcome"] == "aired" and ended[1]["frames"] == RATE
    assert ended[2]["outcome"] == "skipped" and ended[2]["frames"] == 0
    started = {e["index"]: e["at_ns"] for e in events if e["ev"] == "started"}
    # The skipped item's end is the next one's start: no gap.
    assert abs(ended[0]["at_ns"] - started[1]) <= NS // RATE

    rig.engine.commands.put({"op": "play", "id": 4, "path": str(path), "at_ns": rig.clock.ns + NS // 5,
                             "items": [RATE] * 3})  # fmt: skip
    rig.step(40)
    rig.engine.commands.put({"op": "interrupt", "id": 4, "reason": "an emergency"})
    events = rig.until_done(4)
    ended = {e["index"]: e for e in events if e["ev"] == "ended"}
    assert ended[0]["outcome"] == "interrupted" and ended[0]["frames"] > 0
    assert ended[1]["outcome"] == ended[2]["outcome"] == "skipped"


def test_an_underrun_mid_item_makes_it_partial(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.settle()
    path, _ = session_file(tmp_path, [RATE])
    rig.engine.commands.put({"op": "play", "id": 5, "path": str(path), "at_ns": rig.clock.ns + NS // 5, "items": [RATE]})
    rig.step(40)
    rig.device.stall_from, rig.device.stall_ns = rig.clock.ns, 300_000_000  # the writer held up 300 ms
    events = rig.until_done(5)
    ended = next(e for e in events if e["ev"] == "ended")
    assert ended["outcome"] == "partial" and "underrun" in ended["reason"]


@pytest.mark.parametrize("missing", [True, False])
def test_a_session_file_that_cannot_be_read_fails_its_items(tmp_path: Path, missing: bool) -> None:
    rig = Rig(tmp_path)
    path = tmp_path / ("absent.pcm" if missing else "short.pcm")
    if not missing:
        path.write_bytes(np.full((100, 2), 500, dtype="<i2").tobytes())  # far shorter than claimed
    rig.engine.commands.put({"op": "play", "id": 6, "path": str(path), "at_ns": rig.clock.ns + NS // 5, "items": [RATE]})
    events = rig.until_done(6)
    ended = next(e for e in events if e["ev"] == "ended")
    if missing:
        assert ended["outcome"] == "failed" and "cannot read" in ended["reason"]
    else:  # the item ends where its audio does, and says how much that was
        assert ended["outcome"] == "aired" and ended["frames"] == 100


def test_a_relay_airs_for_its_length_at_the_live_edge_and_records_its_dropouts(tmp_path: Path) -> None:
    """A relay item after a clip: the feed writes a block of source a step (7000 before the relay
    starts, 5000 after), stops for 4 s, then for 0.5 s. The relay starts on the clip's last
    frame with the freshest half second of the source, lasts exactly its length, ends faded;
    the long stop is a dropout on record (at the output: the half second in hand airs first),
    the short one is silence but no dropout; what aired of the source is counted."""
    import os

    from playout.output.relay import FADE_OUT, KEEP

    rig = Rig(tmp_path)
    rig.settle()
    path, _ = session_file(tmp_path, [4800])
    fifo = tmp_path / "relay.fifo"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
    relay_frames = 9 * RATE
    at = rig.clock.ns + NS // 2
    rig.engine.commands.put({"op": "play", "id": 1, "path": str(path), "at_ns": at,
                             "items": [4800, {"frames": relay_frames, "live": str(fifo)}]})  # fmt: skip
    rig.step()
    src = rig.engine.sessions[0].live[1]
    k = 0  # blocks of the feed since the relay began
    for _ in range(2000):
        if src.started:
            k += 1
        t = k * BLOCK / RATE
        if not (2.0 <= t < 6.0 or 7.0 <= t < 7.5):
            level = 5000 if src.started else 7000
            os.write(writer, np.full((BLOCK, 2), level, dtype="<i2").tobytes())
        rig.step()
        if any(e["ev"] == "done" for e in rig.events()):
            break
    os.close(writer)
    events = [e for e in rig.events() if e.get("id") == 1]
    ended = {e["index"]: e for e in events if e["ev"] == "ended"}
    started = {e["index"]: e for e in events if e["ev"] == "started"}
    out = np.frombuffer(bytes(rig.device.frames), dtype="<i2").reshape(-1, 2)[:, 0]
    first = rig.frame_of(at)
    relay = first + 4800  # sample-exact after the clip
    assert out[relay - 1] == 1000 and out[relay] == 7000 and out[relay + KEEP - 1] == 7000 and out[relay + KEEP] == 5000
    assert out[relay + relay_frames - FADE_OUT - 1] == 5000 and abs(int(out[relay + relay_frames - 1])) < 20
    assert not out[relay + relay_frames:].any()  # exactly its length, then silence
    assert abs(started[1]["at_ns"] - (at + NS // 10)) <= NS // RATE
    assert ended[1]["outcome"] == "aired" and ended[1]["frames"] == relay_frames
    [(a, b)] = ended[1]["relay"]["dropouts"]
    relay_ns = started[1]["at_ns"]
    assert abs((a - relay_ns) / NS - 2.5) <= 0.011 and abs((b - relay_ns) / NS - 6.0) <= 0.011
    assert abs(ended[1]["relay"]["aired"] - 5 * RATE) <= BLOCK  # 9 s less the 3.5 s dropout and the 0.5 s lull
    assert out[relay + int(6.5 * RATE)] == 5000 and out[relay + int(7.25 * RATE)] == 0  # back; the lull is silence


def test_a_relay_dropout_airs_the_fallback_clip_looped_until_the_source_is_back(tmp_path: Path) -> None:
    """The same feed stopping for 4 s, with a 0.2 s fallback clip (each 10 ms its own level):
    the half second in hand airs, then silence until the stop has lasted 3 s (a source's own
    pause is not a dropout), then the clip from its first frame, looped, until the source is
    heard again; the record counts the source's frames and, apart, the clip's."""
    import os

    from playout.output.relay import DROPOUT_S, KEEP

    rig = Rig(tmp_path)
    rig.settle()
    path, _ = session_file(tmp_path, [4800])
    fifo = tmp_path / "relay.fifo"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
    clip_frames = RATE // 5
    levels = 100 + np.arange(clip_frames) // BLOCK  # 100, 101, ... 119
    fallback = tmp_path / "fallback.pcm"
    fallback.write_bytes(np.repeat(levels, 2).astype("<i2").tobytes())
    relay_frames = 9 * RATE
    at = rig.clock.ns + NS // 2
    rig.engine.commands.put({"op": "play", "id": 1, "path": str(path), "at_ns": at,
                             "items": [4800, {"frames": relay_frames, "live": str(fifo), "fallback": str(fallback)}]})  # fmt: skip
    rig.step()
    src = rig.engine.sessions[0].live[1]
    k = 0
    for _ in range(2000):
        if src.started:
            k += 1
        if not 2.0 <= k * BLOCK / RATE < 6.0:
            os.write(writer, np.full((BLOCK, 2), 5000 if src.started else 7000, dtype="<i2").tobytes())
        rig.step()
        if any(e["ev"] == "done" for e in rig.events()):
            break
    os.close(writer)
    ended = {e["index"]: e for e in rig.events() if e.get("id") == 1 and e["ev"] == "ended"}
    out = np.frombuffer(bytes(rig.device.frames), dtype="<i2").reshape(-1, 2)[:, 0]
    relay = rig.frame_of(at) + 4800
    gone = relay + 2 * RATE + KEEP  # the half second in hand has aired
    gone = relay + np.nonzero(out[relay:] == 0)[0][0]  # the half second in hand has aired
    assert abs(gone - relay - 2 * RATE - KEEP) <= BLOCK and out[gone - 1] == 5000
    fill = gone + np.nonzero(out[gone:])[0][0]
    assert abs(fill - gone - DROPOUT_S * RATE) <= BLOCK and out[fill] == 100  # the clip from its start
    back = fill + np.nonzero(out[fill:] == 5000)[0][0]  # the feed writes again: the source cuts back in at once
    assert abs(back - relay - 6 * RATE) <= BLOCK
    filled = out[fill:back]
    assert np.array_equal(filled, np.resize(levels, len(filled)))  # the clip, looped
    assert len(filled) > 2 * clip_frames and (out[back: back + RATE] == 5000).all()
    record = ended[1]["relay"]
    assert record["fallback"] == len(filled)
    assert abs(record["aired"] - (9 * RATE - (back - gone))) <= BLOCK
    [(a, b)] = record["dropouts"]
    assert abs((b - a) / NS - (back - gone) / RATE) <= 0.011


def test_a_feed_that_comes_in_a_burst_is_cut_to_its_freshest_half_second(tmp_path: Path) -> None:
    import os

    from playout.output.relay import KEEP, MAX_AHEAD, LiveSource

    fifo = tmp_path / "f"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
    src = LiveSource(str(fifo), RATE)
    for n in range(8):  # 8 × 8192 frames, oldest first
        os.write(writer, np.full((8192, 2), n, dtype="<i2").tobytes())
        src.drain()
    assert len(src.buf) == KEEP * FRAME_BYTES and np.frombuffer(bytes(src.buf[-4:]), "<i2")[0] == 7
    src.take(BLOCK, 0)  # started: now up to MAX_AHEAD may wait before the edge is taken again
    for n in range(8, 16):
        os.write(writer, np.full((8192, 2), n, dtype="<i2").tobytes())
        src.drain()
        assert len(src.buf) <= MAX_AHEAD * FRAME_BYTES
    os.close(writer)
    src.close()


def test_finish_ends_an_open_ended_live_item_where_it_is_with_the_fade(tmp_path: Path) -> None:
    """A microphone item (an hour at most, 0.2 s of jitter room): the feed writes a block a
    step; `finish` after 2 s ends it half a second later, faded, outcome aired, its length
    what really came out; the session is done and the output silent after it."""
    import os

    from playout.output.relay import FADE_OUT

    rig = Rig(tmp_path)
    rig.settle()
    fifo = tmp_path / "mic.fifo"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
    empty = tmp_path / "empty.pcm"
    empty.write_bytes(b"")
    os.write(writer, np.full((RATE, 2), 3000, dtype="<i2").tobytes())  # a second waiting: 0.2 s is kept
    rig.engine.commands.put({"op": "play", "id": 7, "path": str(empty), "at_ns": None,
                             "items": [{"frames": 3600 * RATE, "live": str(fifo), "keep_ms": 200}]})  # fmt: skip
    rig.step()
    src = rig.engine.sessions[0].live[0]
    assert src.keep == RATE // 5
    for _ in range(200):  # two seconds of speech, a block each step
        os.write(writer, np.full((BLOCK, 2), 3000, dtype="<i2").tobytes())
        rig.step()
    said = src.out
    rig.engine.commands.put({"op": "finish", "id": 7})
    for _ in range(200):
        os.write(writer, np.full((BLOCK, 2), 3000, dtype="<i2").tobytes())
        rig.step()
        if any(e["ev"] == "done" for e in rig.events()):
            break
    events = [e for e in rig.events() if e.get("id") == 7]
    [ended] = [e for e in events if e["ev"] == "ended"]
    [started] = [e for e in events if e["ev"] == "started"]
    assert ended["outcome"] == "aired" and ended["reason"] is None
    assert said <= ended["frames"] - FADE_OUT <= said + BLOCK  # ends half a second after the command
    out = np.frombuffer(bytes(rig.device.frames), dtype="<i2").reshape(-1, 2)[:, 0]
    first = started["frame"]
    assert out[first] == 3000 and out[first + ended["frames"] - FADE_OUT - 1] == 3000
    assert abs(int(out[first + ended["frames"] - 1])) < 20 and not out[first + ended["frames"]:].any()
    assert (ended["at_ns"] - started["at_ns"]) * RATE // NS == ended["frames"]
    os.close(writer)


def test_a_microphone_feed_that_fell_behind_comes_back_to_its_jitter_room(tmp_path: Path) -> None:
    """Chunks of 100 ms every 100 ms, 0.2 s kept; three chunks 300 ms late (the 0.2 s in hand
    airs, then 100 ms of silence) and the delay would stay 100 ms longer for good: within
    two seconds the excess is cut."""
    import os

    from playout.output.relay import TRIM_MIN, LiveSource

    fifo = tmp_path / "mic"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
    src = LiveSource(str(fifo), 60 * RATE, keep=RATE // 5, max_ahead=RATE * 3 // 5, adapt=True)
    chunk = np.full((RATE // 10, 2), 1000, dtype="<i2").tobytes()
    os.write(writer, chunk * 2)
    src.drain()
    levels = []
    for step in range(800):  # 8 s of 10 ms blocks; a chunk arrives every tenth block...
        if step % 10 == 0 and not 100 <= step < 130:  # ...except for 300 ms after the first second
            os.write(writer, chunk)
        if step == 130:
            for _ in range(3):  # the late ones, at once
                src.drain()
                os.write(writer, chunk)
        src.drain()
        levels.append(len(src.buf) // FRAME_BYTES)
        src.take(BLOCK, step * BLOCK)
    os.close(writer)
    src.close()
    before, after = max(levels[:100]), max(levels[-200:])
    assert max(levels[130:200]) >= before + RATE // 20  # behind after the late chunks (100 ms of silence aired)
    assert after <= before and src.trimmed >= TRIM_MIN  # and back within ADAPT_S twice


def test_a_timing_report_that_jumps_while_the_writer_kept_up_is_not_a_hole(tmp_path: Path) -> None:
    """PulseAudio interpolates its latency between timing updates: one report 15 ms off,
    then right again, moves the play-out time by 15 ms and back although every frame went
    out. The writer was never late, so the device cannot have run dry: the item aired whole."""
    rig = Rig(tmp_path)
    rig.settle()
    path, _ = session_file(tmp_path, [RATE])
    rig.engine.commands.put({"op": "play", "id": 1, "path": str(path), "at_ns": rig.clock.ns + NS // 5, "items": [RATE]})
    rig.device.misreport_at = rig.device.written + RATE // 2
    rig.device.misreport_frames = 720  # 15 ms
    ended = [e for e in rig.until_done(1) if e["ev"] == "ended"]
    assert rig.device.misreport_at is None  # the glitch happened
    assert [(e["outcome"], e["reason"]) for e in ended] == [("aired", None)]
