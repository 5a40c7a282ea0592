"""The output engine: one stream kept open for the daemon's life, sessions placed on the frame.

Runs as its own process (`python -m playout.output.engine`), started by the daemon's
`StreamPlayer`, so that nothing in the daemon (the web page, the readiness check, an import)
can hold it up: it has its own interpreter lock, and asks for real-time scheduling (or the
highest nice it may take) at start.

It writes to one device for its whole life: silence between airings, so the device's clock
and buffers never restart. A session arrives ahead of its instant as a file of raw frames
(decoded by ffmpeg in the daemon) and the instant. Each time the engine writes a block it
asks the device how many written frames have not played yet (its delay); with the wall
clock read at the same moment, that gives the instant at which any written frame will play,
and the session's first frame is put exactly where that instant falls. The same figures,
read after the fact, say when each item's first and last frame came out: the airing log's
times and outcomes come from here, never from a timer.

Commands (one JSON object a line on stdin) and events (on stdout) are described by
`playout/output/protocol.md`-style docstrings below: see `Engine.command` and `Engine.emit`.
"""

from __future__ import annotations

import json
import mmap
import os
import queue
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from playout.clock import wall_ns
from playout.output.devices import FRAME_BYTES, RATE, Device, DeviceError, DeviceSpec
from playout.output.relay import LiveSource

BLOCK = RATE // 100  # frames per write: 10 ms
GAP_MS = 10  # a jump of the play-out time by more than this is a gap in the output
FADE = RATE // 200  # 5 ms fade on a cut, so a skip does not click
RETRY_S = 0.5  # reopening a failed device
WAIT_S = 2  # a session waits this long past its instant for a device that cannot be opened
NS_S = 1_000_000_000
DELAY_GRACE_S = 2.0
STEADY_BLOCKS = 100  # a second of steady figures before a session is placed (a sink waking up)
STEADY_MS = 2.0  # how long a device may fail to report its delay before it counts as failed


@dataclass
class Session:
    id: int
    path: Path
    at_ns: int | None  # None: as soon as possible
    items: list[int]  # frames of each item, back to back in the file
    data: mmap.mmap | bytes = b""
    start: int | None = None  # stream frame of the first item's first frame
    pos: int = 0  # frames of the file written so far
    current: int = 0  # item being written
    cut_at: int | None = None  # stream frame after which the rest is dropped (interrupt)
    ends: list[int | None] = field(default_factory=list)  # stream frame after each item's last frame
    starts: list[int | None] = field(default_factory=list)
    outcome: list[tuple[str, str | None] | None] = field(default_factory=list)
    reported_start: set[int] = field(default_factory=set)
    reported_end: set[int] = field(default_factory=set)
    gaps_ms: list[float] = field(default_factory=list)
    stop_after: str | None = None
    pending_skip: str | None = None
    received_ns: int = 0
    live: dict[int, LiveSource] = field(default_factory=dict)  # relay items: frames from a feed, not the file
    silent: set[int] = field(default_factory=set)  # live items whose source is in a dropout, as said

    def __post_init__(self) -> None:
        n = len(self.items)
        self.ends, self.starts, self.outcome = [None] * n, [None] * n, [None] * n
        self.gaps_ms = [0.0] * n
        self.offsets = [0]  # where each item's frames begin in the file (a relay has none there)
        for i, frames in enumerate(self.items):
            self.offsets.append(self.offsets[-1] + (0 if i in self.live else frames))

    def close(self) -> None:
        if isinstance(self.data, mmap.mmap):
            self.data.close()
        for src in self.live.values():
            src.close()


class Engine:
    def __init__(self, spec: DeviceSpec, out=sys.stdout, now_ns=wall_ns) -> None:  # noqa: ANN001
        self.spec = spec
        self.now_ns = now_ns  # the wall clock; tests give a fake device and its own clock
        self.out = out
        self.commands: queue.Queue[dict] = queue.Queue()
        self.device: Device | None = None
        self.written = 0  # frames written to the current device
        self.consumed = 0  # frames that have come out of it
        self.when_ns = 0  # wall time at which `consumed` was measured
        self.queued = 0  # frames written but not yet played, then
        self.expect_ns: int | None = None  # when frame `written` was predicted to play
        self.sessions: list[Session] = []
        self.running = True
        self._delay_failing_since: float | None = None
        self.steady = 0  # blocks in a row whose play-out time was where it was predicted
        self.settled = False
        self._out_lock = threading.Lock()

    # -- the link to the daemon --------------------------------------------------------------

    def emit(self, event: str, **fields: object) -> None:
        """Events: ready, error, started/ended (per item, with the wall time its first or last
        frame came out and the frames played), silent/sound (a relay's source in a dropout
        from, and back at), done (per session)."""
        line = json.dumps({"ev": event, **fields}, ensure_ascii=False)
        with self._out_lock:
            try:
                self.out.write(line + "\n")
                self.out.flush()
            except (BrokenPipeError, ValueError):
                self.running = False

    def read_commands(self, stream) -> None:  # noqa: ANN001
        for line in stream:
            line = line.strip()
            if line:
                try:
                    self.commands.put(json.loads(line))
                except ValueError:
                    self.emit("error", message=f"bad command: {line[:80]}")
        self.commands.put({"op": "quit"})

    def command(self, cmd: dict) -> None:
        """play {id, path, at_ns|null, items: [frames | {frames, live: fifo}…]}; skip {id};
        interrupt {id, reason}; stop_after {id, reason}; finish {id, index?}; quit. An item
        given as {frames, live, keep_ms?, max_ms?, adapt?} is a relay: `frames` long at the output
        (at most), its sound read as it comes from the named pipe `live` (a `RelayFeed`, or a
        `PushFeed` the page's microphone writes), not from the file, with keep_ms of jitter
        room (`adapt`: a delay grown by a late chunk shrinks back, see `LiveSource`; `fallback`: a
        raw file of the clip that fills a relay's dropouts). `finish` ends a session's live item (or item `index`) where it is now, with
        the half-second fade: outcome aired (the speaker pressed stop)."""
        op = cmd.get("op")
        if op == "quit":
            self.running = False
        elif op == "play":
            path = Path(cmd["path"])
            items = [int(f["frames"]) if isinstance(f, dict) else int(f) for f in cmd["items"]]
            live: dict[int, LiveSource] = {}
            try:
                for i, f in enumerate(cmd["items"]):
                    if isinstance(f, dict) and f.get("live"):
                        keep = {k: int(f[k]) * RATE // 1000 for k in ("keep_ms", "max_ms") if f.get(k)}
                        live[i] = LiveSource(str(f["live"]), int(f["frames"]), adapt=bool(f.get("adapt")),
                                             fallback=f.get("fallback"), **{
                            {"keep_ms": "keep", "max_ms": "max_ahead"}[k]: v for k, v in keep.items()})
            except OSError as exc:
                for src in live.values():
                    src.close()
                for i in range(len(items)):
                    self.emit("ended", id=int(cmd["id"]), index=i, outcome="failed", frames=0, at_ns=self.now_ns(),
                              reason=f"cannot open the relay feed: {exc}")  # fmt: skip
                self.emit("done", id=int(cmd["id"]))
                return
            s = Session(int(cmd["id"]), path, cmd.get("at_ns"), items, received_ns=self.now_ns(), live=live)
            try:
                with path.open("rb") as f:
                    size = os.fstat(f.fileno()).st_size
                    s.data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
            except OSError as exc:
                for i in range(len(s.items)):
                    self.emit("ended", id=s.id, index=i, outcome="failed", frames=0, at_ns=self.now_ns(),
                              reason=f"cannot read the rendered audio: {exc}")  # fmt: skip
                s.close()
                self.emit("done", id=s.id)
                return
            self.sessions.append(s)
        elif op == "finish":  # an open-ended live item (a microphone) ends here, faded, aired
            for s in self.sessions:
                if s.id == cmd.get("id"):
                    for i, src in s.live.items():
                        if (cmd.get("index") is None or cmd.get("index") == i) and s.ends[i] is None:
                            s.items[i] = src.end_soon()
        elif op in ("skip", "interrupt", "stop_after"):
            for s in self.sessions:
                if s.id == cmd.get("id") or cmd.get("id") is None:
                    reason = cmd.get("reason") or op
                    if op == "skip":
                        s.pending_skip = reason
                    elif op == "interrupt":
                        self._interrupt(s, reason)
                    else:
                        s.stop_after = reason

    # -- placing frames ----------------------------------------------------------------------

    def _frame_at(self, at_ns: int) -> int:
        """The stream frame that plays at wall time at_ns, by the device's last report."""
        return self.consumed + round((at_ns - self.when_ns) * RATE / 1e9)

    def _time_of(self, frame: int) -> int:
        return self.when_ns + round((frame - self.consumed) * 1e9 / RATE)

    def _interrupt(self, s: Session, reason: str) -> None:
        if s.start is None:  # not a frame written yet: nothing sounded
            for i in range(len(s.items)):
                s.outcome[i] = ("skipped", reason)
                s.starts[i] = s.ends[i] = self.written
            s.cut_at = self.written
            return
        s.cut_at = self.written
        for i in range(len(s.items)):
            if s.ends[i] is None:
                if s.starts[i] is None:
                    s.starts[i] = s.ends[i] = self.written
                    s.outcome[i] = ("skipped", reason)
                else:
                    s.ends[i] = self.written
                    s.outcome[i] = ("interrupted", reason)
        for src in s.live.values():
            src.finish()

    def _next_block(self) -> bytes:
        """The next BLOCK frames: silence, or the session's frames where they fall."""
        buf = bytearray(BLOCK * FRAME_BYTES)
        filled = 0
        while filled < BLOCK and self.sessions:
            s = self.sessions[0]
            if s.cut_at is not None:
                break
            if s.start is None:
                if not self.settled:
                    break  # the device's figures are not settled yet: no instant can be placed
                want = self.written + filled if s.at_ns is None else max(self.written + filled, self._frame_at(s.at_ns))
                if want >= self.written + BLOCK:
                    break  # not in this block yet
                filled = want - self.written
                s.start = want
                s.starts[0] = want
            i = s.current
            if s.pending_skip is not None:
                reason, s.pending_skip = s.pending_skip, None
                self._fade_out(buf, filled)
                s.ends[i], s.outcome[i] = self.written + filled, ("interrupted", reason)
                if i in s.live:
                    s.live[i].finish()
                s.pos = s.offsets[i + 1]
                s.current += 1
                if s.current < len(s.items):
                    s.starts[s.current] = self.written + filled
                continue
            if i >= len(s.items):
                s.cut_at = self.written + filled
                break
            if i in s.live:  # a relay: what the feed has, silence for what it lacks, for its length
                src = s.live[i]
                take = min(BLOCK - filled, s.items[i] - src.out)
                buf[filled * FRAME_BYTES:(filled + take) * FRAME_BYTES] = src.take(take, self.written + filled)
                filled += take
                if src.out >= s.items[i]:
                    src.finish()
                    self._item_done(s, i, self.written + filled)
                continue
            end = s.offsets[i + 1]
            take = min(BLOCK - filled, end - s.pos)
            chunk = s.data[s.pos * FRAME_BYTES:(s.pos + take) * FRAME_BYTES]
            got = len(chunk) // FRAME_BYTES
            buf[filled * FRAME_BYTES:(filled + got) * FRAME_BYTES] = chunk[: got * FRAME_BYTES]
            filled += got
            s.pos += got
            if got < take:  # the file is shorter than said: the item ends where its audio does
                s.pos = end
            if s.pos >= end:
                self._item_done(s, i, self.written + filled)
        return bytes(buf)

    @staticmethod
    def _item_done(s: Session, i: int, at: int) -> None:
        """Item i's last frame is stream frame `at`: the next one starts there (or, after a
        priority announcement's "stop after", the rest is skipped)."""
        s.ends[i] = at
        s.outcome[i] = ("aired", None)
        s.current += 1
        if s.current < len(s.items):
            if s.stop_after is not None:
                for j in range(s.current, len(s.items)):
                    s.starts[j] = s.ends[j] = at
                    s.outcome[j] = ("skipped", s.stop_after)
                s.current = len(s.items)
            else:
                s.starts[s.current] = at

    @staticmethod
    def _fade_out(buf: bytearray, upto: int) -> None:
        """A short fade before a cut point already in this block (a skip mid-item)."""
        import array

        start = max(0, upto - FADE)
        samples = array.array("h", bytes(buf[start * FRAME_BYTES: upto * FRAME_BYTES]))
        n = len(samples)
        for k in range(n):
            samples[k] = int(samples[k] * (1 - (k // 2) / max(1, n // 2)))
        buf[start * FRAME_BYTES: upto * FRAME_BYTES] = samples.tobytes()

    # -- what came out -----------------------------------------------------------------------

    def _report(self) -> None:
        """Items whose first or last frame has come out since the last report."""
        for s in list(self.sessions):
            for i, src in s.live.items():
                # A source silent or gone for DROPOUT_S is said while it lasts, from when
                # (the daemon shows it on Now: connected is not the same as heard).
                silent = bool(src.dropouts) and src.dropouts[-1][1] is None
                if silent != (i in s.silent):
                    a, b = src.dropouts[-1]
                    (s.silent.add if silent else s.silent.discard)(i)
                    self.emit("silent" if silent else "sound", id=s.id, index=i,
                              at_ns=self._time_of(src.base + (a if silent else b if b is not None else src.out)))  # fmt: skip
            for i in range(len(s.items)):
                st, en, oc = s.starts[i], s.ends[i], s.outcome[i]
                if st is not None and i not in s.reported_start and oc is not None and oc[0] == "skipped":
                    s.reported_start.add(i)
                if st is not None and i not in s.reported_start and self.consumed >= st:
                    s.reported_start.add(i)
                    self.emit("started", id=s.id, index=i, at_ns=self._time_of(st), frame=st)
                if en is not None and oc is not None and i not in s.reported_end and self.consumed >= en:
                    s.reported_end.add(i)
                    outcome, reason = oc
                    if outcome == "aired" and s.gaps_ms[i] > 0:
                        outcome, reason = "partial", f"the output ran dry for {s.gaps_ms[i]:.0f} ms (underrun)"
                    played = 0 if outcome == "skipped" else en - (st or en)
                    extra = {}
                    if i in s.live:  # a relay: how much of the source aired, and its dropouts, at the output
                        src = s.live[i]
                        extra["relay"] = {"aired": src.aired, "fallback": src.fallback_aired,
                                          "start_ns": self._time_of(src.base), "dropouts": [
                            [self._time_of(src.base + a), self._time_of(src.base + (b if b is not None else src.out))]
                            for a, b in src.dropouts]}  # fmt: skip
                    self.emit("ended", id=s.id, index=i, outcome=outcome, reason=reason, frames=played,
                              at_ns=self._time_of(en), **extra)  # fmt: skip
            if len(s.reported_end) == len(s.items):
                self.sessions.remove(s)
                s.close()
                self.emit("done", id=s.id)

    def _device_failed(self, error: str) -> None:
        """The device went away: what it had not played is lost. Items on air end with the
        frames that really came out; items not begun fail (the daemon airs the fallback)."""
        for s in list(self.sessions):
            if s.start is None:
                continue  # not placed yet: it waits for the device to come back
            for i in range(len(s.items)):
                if i in s.reported_end:
                    continue
                st = s.starts[i]
                if st is not None and self.consumed > st:
                    if i not in s.reported_start:
                        self.emit("started", id=s.id, index=i, at_ns=self._time_of(st))
                    played = min(self.consumed, s.ends[i] or self.consumed) - st
                    self.emit("ended", id=s.id, index=i, outcome="partial", frames=played, at_ns=self.now_ns(),
                              reason=f"the output failed: {error}")  # fmt: skip
                else:
                    self.emit("ended", id=s.id, index=i, outcome="failed", frames=0, at_ns=self.now_ns(),
                              reason=f"the output failed: {error}")  # fmt: skip
            self.sessions.remove(s)
            s.close()
            self.emit("done", id=s.id)

    # -- the loop ----------------------------------------------------------------------------

    def _open(self) -> None:
        last_error = None
        while self.running:
            try:
                self.device = self.spec.open()
                break
            except DeviceError as exc:
                if str(exc) != last_error:
                    self.emit("error", message=str(exc))
                    last_error = str(exc)
                self._drain_commands()
                self._fail_due(str(exc))
                time.sleep(RETRY_S)
        self.written = self.consumed = self.queued = 0
        self.when_ns = self.now_ns()
        self.expect_ns = None
        self.steady = 0
        self.settled = False
        if self.device is not None:
            self.emit("ready", device=self.spec.describe())

    def _fail_due(self, error: str) -> None:
        """While no device can be opened, a session more than WAIT_S past its instant fails
        whole (the daemon airs the fallback when the output is back); one due sooner waits for
        the device and airs late, its lateness on record."""
        now = self.now_ns()
        for s in list(self.sessions):
            if s.received_ns + WAIT_S * NS_S <= now and (s.at_ns is None or s.at_ns + WAIT_S * NS_S <= now):
                for i in range(len(s.items)):
                    self.emit("ended", id=s.id, index=i, outcome="failed", frames=0, at_ns=now,
                              reason=f"the output failed: {error}")  # fmt: skip
                self.sessions.remove(s)
                s.close()
                self.emit("done", id=s.id)

    def _drain_commands(self) -> None:
        while True:
            try:
                self.command(self.commands.get_nowait())
            except queue.Empty:
                return

    def _delay(self) -> int:
        """The device's delay; where it cannot say for a moment (ALSA's PulseAudio plugin
        before its first timing update, or under load), the last figure carried forward by
        the clock. Silent for longer than DELAY_GRACE_S is a failed device."""
        try:
            delay = self.device.delay()  # type: ignore[union-attr]
            self._delay_failing_since = None
            return delay
        except DeviceError:
            now = time.monotonic()
            if self._delay_failing_since is None:
                self._delay_failing_since = now
            elif now - self._delay_failing_since > DELAY_GRACE_S:
                raise
            elapsed = (self.now_ns() - self.when_ns) * RATE // 1_000_000_000
            return max(0, self.written - min(self.written, self.consumed + elapsed))

    def step(self) -> None:
        """Write one block and take the device's figures: the whole real-time loop."""
        self._drain_commands()
        for s in self.sessions:
            for src in s.live.values():
                if not src.done:
                    src.drain()
        block = self._next_block()
        assert self.device is not None
        self.device.write(block)
        self.written += BLOCK
        delay = self._delay()
        now = self.now_ns()
        # Could the device have run dry since the last block? Only if this one came later than
        # all that was queued then could last. A jump in the play-out time without that is the
        # device's timing report correcting itself (PulseAudio interpolates between updates),
        # not a hole in the sound.
        starved = (now - self.when_ns) * RATE >= self.queued * 1_000_000_000
        self.consumed, self.when_ns, self.queued = self.written - delay, now, delay
        predicted = self._time_of(self.written)
        if self.expect_ns is not None:
            jump_ms = (predicted - self.expect_ns) / 1e6 - BLOCK * 1000 / RATE
            if jump_ms > GAP_MS and starved:  # the device ran dry: what was on air has a hole
                for s in self.sessions:
                    for i in range(len(s.items)):
                        st, en = s.starts[i], s.ends[i]
                        if st is not None and st <= self.consumed and (en is None or en > self.consumed - BLOCK):
                            s.gaps_ms[i] += jump_ms
            # A stream's first figures are unsettled (prebuffering, a suspended sink waking):
            # sessions are placed only once the timeline has held steady for a while.
            self.steady = self.steady + 1 if abs(jump_ms) < STEADY_MS else 0
            # Once settled, a stream stays so until it is reopened: under load its figures
            # jitter by a few ms, which must not hold a session back.
            self.settled = self.settled or self.steady >= STEADY_BLOCKS
        self.expect_ns = predicted
        self._report()

    def run(self) -> None:
        self._open()
        while self.running and self.device is not None:
            try:
                self.step()
            except DeviceError as exc:
                self.emit("error", message=str(exc))
                self._device_failed(str(exc))
                try:
                    self.device.close()
                except Exception:  # noqa: BLE001 - the device is gone either way
                    pass
                self.device = None
                self._open()
        if self.device is not None:
            self.device.close()


def raise_priority() -> str:
    """Real-time scheduling if the system allows it (root, rtkit, or CPUSchedulingPolicy in
    the unit), else the highest nice it may take. Returns what it got, for the log."""
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(int(os.environ.get("PLAYOUT_RT_PRIORITY", "20"))))
        return "real-time (SCHED_FIFO)"
    except (PermissionError, OSError, AttributeError):
        pass
    for nice in (-15, -10, -5):
        try:
            os.setpriority(os.PRIO_PROCESS, 0, nice)
            return f"nice {nice}"
        except OSError:
            continue
    return f"nice {os.getpriority(os.PRIO_PROCESS, 0)}"


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="playout-output")
    p.add_argument("--module", required=True)
    p.add_argument("--device", default="")
    p.add_argument("--file", default="")
    p.add_argument("--buffer-ms", type=int, default=100)
    p.add_argument("--codec", default="mp3")
    p.add_argument("--bitrate-kbps", type=int, default=64)
    p.add_argument("--channels", type=int, default=1)
    p.add_argument("--title", default="")
    args = p.parse_args(argv)
    # An Icecast mount's URL carries its source password: it comes in the environment, not
    # on the command line every local user can read.
    device = os.environ.pop("PLAYOUT_OUTPUT_DEVICE", "") or args.device
    priority = raise_priority() if os.environ.get("PLAYOUT_RT", "1") != "0" else "unchanged"
    engine = Engine(DeviceSpec(args.module, device, args.file, args.buffer_ms, codec=args.codec,
                               bitrate_kbps=args.bitrate_kbps, channels=args.channels, title=args.title))
    engine.emit("hello", priority=priority, pid=os.getpid())
    threading.Thread(target=engine.read_commands, args=(sys.stdin,), daemon=True).start()
    engine.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
