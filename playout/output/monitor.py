"""Confidence monitoring: listening to what went out and confirming each airing.

Runs as its own process (`python -m playout.output.monitor`), started by the `StreamPlayer`
when `[output] monitor` names something to listen to: a PulseAudio sink's monitor source, or
a capture input wired from the amplifier's output. It records continuously and keeps the
last minutes of sound (a loudness envelope per 10 ms, and the raw samples of the last
`RAW_S` seconds). For each item the daemon sends the expected audio's place in the session
file and, once the engine reports it, the instant its first frame came out; the monitor
then finds the item in what it heard (cross-correlation of the first second: the measured
onset) and compares the loudness envelopes over the whole item (silence where there should
be sound: a cut, a dead amplifier). The answer goes into the airing log as `verified`.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
import time
from dataclasses import dataclass

import numpy as np

from playout.clock import wall_ns
from playout.output.devices import FRAME_BYTES, RATE, AlsaStream, DeviceError, PulseStream

BLOCK = RATE // 100  # 10 ms
SUB = RATE // 1000  # 1 ms: the resolution at which an item's expected loudness is kept
RAW_S = 60
ENVELOPE_S = 3 * 3600
ONSET_S = 1.0  # how much of an item's start is matched to find its onset
SEARCH_S = 0.5  # how far either side of the reported instant the onset is looked for
SOUND_DB = -45.0  # an expected block louder than this should be heard
SILENT_GAP_DB = 30.0  # heard this much quieter than expected (after matching levels): not heard
OUTLIERS = 10  # reads in a row off the timeline (100 ms) that start a new one
WHOLE_MS = 10  # more silent-where-sound-expected than this: not whole (a cut of 30 ms always is)
REALIGN_S = 3.0  # how much later the rest of an item is looked for after the output ran dry
REALIGN_MAX = 5  # gaps re-found in one item (then the rest is compared where it stands)


def _db(x: np.ndarray) -> np.ndarray:
    return 10 * np.log10(np.maximum(x, 1e-10))


def envelope(samples: np.ndarray) -> np.ndarray:
    """Mean power per 10 ms block in dBFS (samples as floats in [-1, 1])."""
    n = len(samples) // BLOCK
    blocks = samples[: n * BLOCK].reshape(n, BLOCK)
    return _db((blocks * blocks).mean(axis=1))


def sub_power(samples: np.ndarray) -> np.ndarray:
    """Mean power per millisecond (samples as floats in [-1, 1])."""
    n = len(samples) // SUB
    subs = samples[: n * SUB].reshape(n, SUB)
    return (subs * subs).mean(axis=1)


@dataclass
class Expected:
    id: int
    index: int
    head: np.ndarray  # the first ONSET_S of the item, mono floats
    power: np.ndarray  # the whole item's mean power per millisecond
    at_ns: int | None = None
    frames: int | None = None

    def envelope(self, skip_ms: int, blocks: int) -> np.ndarray:
        """The item's envelope (dBFS per 10 ms) from `skip_ms` into it: the blocks that line
        up with the capture's own 10 ms blocks once the item's start is found in them."""
        p = self.power[skip_ms: skip_ms + blocks * 10]
        n = len(p) // 10
        return _db(p[: n * 10].reshape(n, 10).mean(axis=1))

    def sure_envelope(self, skip_ms: int, blocks: int) -> np.ndarray:
        """`envelope`, each block as quiet as it is at any start within a millisecond either
        side: the item's start is found to the sample, its loudness kept to the millisecond,
        and a block must not count as sound for a sliver of a word at its edge."""
        shifted = [self.envelope(max(0, skip_ms + d), blocks) for d in (-1, 0, 1)]
        n = min(map(len, shifted))
        return np.minimum.reduce([e[:n] for e in shifted])


class Capture:
    """The capture thread: samples, their time stamps, and the rolling stores."""

    def __init__(self, source: str, stream: object | None = None) -> None:
        module, _, name = source.partition(":")
        self.source = source
        if stream is None:
            stream = AlsaStream(name, record=True) if module == "alsa" else PulseStream(name, record=True, name="playout-monitor")
        self.stream = stream
        self.raw = np.zeros(RAW_S * RATE, dtype=np.float32)
        self.env = np.full(ENVELOPE_S * 100, -100.0, dtype=np.float32)
        self.read = 0  # samples read so far
        self.bases: list[int] = []  # wall time of sample 0, one estimate per read
        self.lock = threading.Lock()
        self.error: str | None = None
        # A capture stream's first figures are unsettled (a suspended sink wakes up, the
        # first reads come in a burst): nothing is judged until they are steady.
        self.settled = False
        self.settled_read = 0  # samples before this one have no trustworthy time stamp
        self.apart: list[int] = []  # time stamps of the latest reads far from the timeline
        self.restarts = 0  # new timelines started after the first (samples lost, a busy machine)
        self.apart_read = 0

    def base_ns(self) -> int:
        # A read can only come late (the reader woke late), never early, so lateness only
        # pushes an estimate up: the low tail of the recent estimates is the truest.
        with self.lock:
            return int(np.percentile(self.bases[-200:], 10)) if self.bases else wall_ns()

    def covered_until_ns(self) -> int:
        return self.base_ns() + self.read * 1_000_000_000 // RATE

    def run(self) -> None:
        # Capturing is real-time work too: a reader that wakes late blurs the time stamps.
        # Only this thread asks for it (Linux schedules threads one by one): the analysis, a
        # burst of FFTs and a long item's envelope, stays at ordinary priority.
        if os.environ.get("PLAYOUT_RT", "1") != "0":
            from playout.output.engine import raise_priority

            os.environ.setdefault("PLAYOUT_RT_PRIORITY", "10")
            raise_priority()
        while True:
            try:
                data = self.stream.read(BLOCK * 2)
                latency = self.stream.latency_us()
            except DeviceError as exc:
                self.error = str(exc)
                return
            self.feed(np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768, wall_ns(), latency)

    def feed(self, x: np.ndarray, now_ns: int, latency_us: int) -> None:
        """Store one read of BLOCK samples, the last of which was captured `latency_us`
        before `now_ns`."""
        n = len(x)
        with self.lock:
            start = self.read % len(self.raw)
            first = min(n, len(self.raw) - start)
            self.raw[start:start + first] = x[:first]
            self.raw[: n - first] = x[first:]
            if n == BLOCK:
                self.env[(self.read // BLOCK) % len(self.env)] = envelope(x)[0]
            self.read += n
            # A stream's first figures are unsettled (a suspended sink wakes, reads come in a
            # burst) and a capture can lose samples: time stamps far from the recent ones,
            # read after read, start a new timeline, and nothing before it is judged. One
            # such read alone is a latency figure out of date (on a busy machine): ignored.
            base = now_ns - latency_us * 1000 - self.read * 1_000_000_000 // RATE
            if self.bases and abs(base - int(np.median(self.bases[-50:]))) > 20_000_000:
                if not self.apart:
                    self.apart_read = self.read - n
                self.apart.append(base)
                if len(self.apart) < OUTLIERS:
                    return
                self.bases = self.apart
                self.restarts += 1
                self.settled = False
                self.settled_read = self.apart_read
            else:
                self.bases.append(base)
            self.apart = []
            if not self.settled and len(self.bases) >= 100:
                self.settled = True
            if len(self.bases) > 1000:
                del self.bases[:500]

    # Wall times become sample numbers through one estimate of the timeline (`base_ns()`),
    # taken once per analysis: two estimates a few reads apart differ by up to milliseconds.

    def samples(self, first: int, count: int) -> np.ndarray | None:
        """`count` samples from sample number `first`, if still kept."""
        with self.lock:
            if first < max(self.settled_read, self.read - len(self.raw)) or first + count > self.read:
                return None
            idx = np.arange(first, first + count) % len(self.raw)
            return self.raw[idx].copy()

    def blocks(self, first: int, count: int) -> np.ndarray | None:
        """The envelope of `count` 10 ms blocks from block number `first` (block b holds
        samples b*BLOCK to (b+1)*BLOCK), if still kept."""
        with self.lock:
            oldest = max(self.settled_read, self.read - len(self.env) * BLOCK)
            if first * BLOCK < oldest or (first + count) * BLOCK > self.read:
                return None
            idx = np.arange(first, first + count) % len(self.env)
            return self.env[idx].copy()


def load_expected(path: str, offset: int, frames: int, id_: int, index: int) -> Expected:
    """The expected audio of one item, from the session's raw file, as mono."""
    head_n = min(frames, int(ONSET_S * RATE))
    powers = []
    with open(path, "rb") as f:
        f.seek(offset * FRAME_BYTES)
        left = frames
        head = None
        while left > 0:
            n = min(left, RATE * 10)  # a multiple of SUB: the chunks' milliseconds line up
            chunk = np.frombuffer(f.read(n * FRAME_BYTES), dtype="<i2")
            if chunk.size == 0:
                break
            mono = chunk.reshape(-1, 2).astype(np.float32).mean(axis=1) / 32768
            if head is None:
                head = mono[:head_n].copy()
            powers.append(sub_power(mono))
            left -= len(mono)
    return Expected(id_, index, head if head is not None else np.zeros(0, np.float32),
                    np.concatenate(powers).astype(np.float32) if powers else np.zeros(0, np.float32))  # fmt: skip


def analyse(cap: Capture, exp: Expected) -> dict:
    """Onset (where the item's start is found in what was heard) and wholeness."""
    assert exp.at_ns is not None
    result: dict = {"id": exp.id, "index": exp.index, "heard": False, "onset_ns": None, "silent_ms": None,
                    "whole": False}  # fmt: skip
    base = cap.base_ns()

    def sample_at(ns: int) -> int:
        return round((ns - base) * RATE / 1e9)

    lo = sample_at(exp.at_ns - int(SEARCH_S * 1e9))
    if not cap.settled or lo < cap.settled_read:
        result["error"] = "the monitor was still starting" if not cap.restarts else \
            "the monitor's capture lost its time line (samples lost) and was settling on a new one"
        return result
    onset = None  # the sample number of the item's first sample in what was heard
    head = exp.head
    if len(head) >= BLOCK and float(np.abs(head).max()) > 1e-3:
        window = cap.samples(lo, len(head) + int(2 * SEARCH_S * RATE))
        if window is not None and float(np.abs(window).max()) > 1e-4:
            n = len(window) + len(head)
            size = 1 << (n - 1).bit_length()
            corr = np.fft.irfft(np.fft.rfft(window, size) * np.conj(np.fft.rfft(head, size)), size)[: len(window) - len(head) + 1]
            # Normalise by the energy of the window under the template: a loud unrelated
            # sound must not look like a match.
            cs = np.concatenate([[0.0], np.cumsum(window.astype(np.float64) ** 2)])
            head_energy = float((head * head).sum())
            # A stretch of near-silence must not score high by dividing by almost nothing:
            # the window's energy counts as at least a hundredth of the item's.
            heard = np.maximum(cs[len(head):] - cs[: len(cs) - len(head)], 0.01 * head_energy)
            score = corr / np.sqrt(heard * head_energy)
            lag = int(np.argmax(score))
            if score[lag] > 0.5:
                onset = lo + lag
                result["heard"] = True
                result["onset_ns"] = base + onset * 1_000_000_000 // RATE
                result["match"] = round(float(score[lag]), 3)
    if onset is None:
        onset = sample_at(exp.at_ns)
    frames = exp.frames if exp.frames is not None else len(exp.power) * SUB
    compared = compare(cap, exp, onset, frames)
    if compared is not None:
        result["silent_ms"], at, gaps = compared
        result["whole"] = result["heard"] and result["silent_ms"] <= WHOLE_MS
        if at:  # where, in ms from the item's start: a cut, a dead line, the output running dry
            result["silent_at_ms"] = at[:5]
        if gaps:
            result["gaps_ms"] = gaps[:5]
    return result


def compare(cap: Capture, exp: Expected, onset: int, frames: int) -> tuple[int, list[int], list[int]] | None:
    """Silence where there should be sound, from the item's first sample heard at capture
    sample `onset`: (milliseconds unheard, where they fall in the item, the gaps after which
    the rest of the item came later than it should). Loudness is compared block by block over
    the same samples: the capture's blocks from the first whole one, the item's from the same
    sample (to the millisecond); blocks on two grids a few milliseconds apart call sound
    heard silent wherever the item itself falls silent sharply (speech with digital silence
    between words). An output that ran dry plays the rest of the item late: where sound goes
    missing, the rest is looked for further on (`realign`) and compared from where it is
    found, so the figure is the gap, not everything after it."""
    total_ms = min(frames, len(exp.power) * SUB) // SUB
    m, delay = 0, 0  # compare from the item's millisecond m, heard `delay` samples late
    silent, at, gaps = 0, [], []
    gain = None
    for _ in range(REALIGN_MAX + 1):
        start = onset + m * SUB + delay  # where the item's millisecond m was heard
        b0 = -(-start // BLOCK)
        skip = m + round((b0 * BLOCK - start) / SUB)
        blocks = max(0, (total_ms - skip) // 10)
        if gaps:  # the rest came late: judge what has been heard of it so far
            blocks = min(blocks, cap.read // BLOCK - b0)
        heard = cap.blocks(b0, blocks) if blocks > 0 else None
        if heard is None:
            return None if gain is None else (silent, at, gaps)
        want = exp.sure_envelope(skip, blocks)
        heard = heard[: len(want)]
        loud = want > SOUND_DB
        if not loud.any():
            return (silent, at, gaps) if gain is not None else (0, [], [])
        if gain is None:  # the level heard against the level sent, from the first stretch
            gain = float(np.median(heard[loud] - want[loud]))
        missing = loud & (heard < want + gain - SILENT_GAP_DB)
        # The item's last block may straddle its end: ignore it.
        missing[-1:] = False
        if not missing.any():
            return silent, at, gaps
        first = int(np.flatnonzero(missing)[0])
        later = realign(cap, exp, onset, skip + 10 * first, delay)
        if later is None or abs(later - delay) < 2 * SUB:  # sound missing in place: a cut
            silent += int(missing.sum()) * 10
            at += [int(skip + 10 * k) for k in np.flatnonzero(missing)]
            return silent, at, gaps
        gap = round(abs(later - delay) / SUB)
        silent += gap
        at.append(int(skip + 10 * first))
        gaps.append(gap)
        m, delay = skip + 10 * first, later
    return silent, at, gaps


def realign(cap: Capture, exp: Expected, onset: int, m: int, delay: int) -> int | None:
    """Where the item's millisecond `m` onwards was really heard (its delay in samples), by
    matching a second of the item's loudness (per millisecond) against what was heard from
    half a second before to `REALIGN_S` after the place expected; None if nothing matches."""
    width = min(1000, len(exp.power) - m)
    if width < 200:
        return None
    back = 500
    ahead = int(REALIGN_S * 1000)
    first = onset + (m - back) * SUB + delay
    heard = cap.samples(first, (back + ahead + width) * SUB)
    if heard is None:
        return None
    floor = SOUND_DB - 15
    h = np.maximum(_db(sub_power(heard)), floor)
    e = np.maximum(_db(exp.power[m: m + width].astype(np.float64)), floor)
    e = e - e.mean()
    if float(np.sqrt((e * e).sum())) < 1e-6:
        return None
    windows = np.lib.stride_tricks.sliding_window_view(h, width)
    w = windows - windows.mean(axis=1, keepdims=True)
    norm = np.sqrt((w * w).sum(axis=1)) * np.sqrt((e * e).sum())
    score = (w @ e) / np.maximum(norm, 1e-9)
    k = int(np.argmax(score))
    if score[k] < 0.7:
        return None
    return delay + (k - back) * SUB


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="playout-monitor")
    p.add_argument("--source", required=True, help="pulse:SOURCE or alsa:DEVICE")
    args = p.parse_args(argv)
    out_lock = threading.Lock()

    def emit(event: str, **fields: object) -> None:
        with out_lock:
            sys.stdout.write(json.dumps({"ev": event, **fields}) + "\n")
            sys.stdout.flush()

    try:
        cap = Capture(args.source)
    except DeviceError as exc:
        emit("error", message=str(exc))
        return 1
    threading.Thread(target=cap.run, daemon=True).start()
    emit("ready", source=args.source)
    requests: queue.Queue = queue.Queue()

    def reader() -> None:
        for line in sys.stdin:
            try:
                requests.put(json.loads(line))
            except ValueError:
                continue
        requests.put({"op": "quit"})

    threading.Thread(target=reader, daemon=True).start()
    waiting: dict[tuple[int, int], Expected] = {}
    while True:
        try:
            req = requests.get(timeout=0.05)
        except queue.Empty:
            req = None
        if req is not None:
            op = req.get("op")
            key = (req.get("id"), req.get("index"))
            if op == "quit":
                return 0
            if op == "expect":
                try:
                    waiting[key] = load_expected(req["path"], req["offset"], req["frames"], *key)
                except (OSError, ValueError) as exc:
                    emit("verified", id=key[0], index=key[1], heard=False, whole=False, error=str(exc))
            elif op == "at" and key in waiting:
                waiting[key].at_ns = req["at_ns"]
            elif op == "ended" and key in waiting:
                waiting[key].frames = req["frames"]
                if waiting[key].at_ns is None:
                    waiting.pop(key)
            elif op == "forget":
                waiting.pop(key, None)
        if cap.error:
            emit("error", message=cap.error)
            return 1
        covered = cap.covered_until_ns()
        for key, exp in list(waiting.items()):
            if exp.at_ns is None or exp.frames is None:
                continue
            end_ns = exp.at_ns + exp.frames * 1_000_000_000 // RATE + int(SEARCH_S * 1e9)
            if covered >= end_ns + 100_000_000:
                waiting.pop(key)
                emit("verified", **analyse(cap, exp))


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
