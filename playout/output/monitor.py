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
RAW_S = 60
ENVELOPE_S = 3 * 3600
ONSET_S = 1.0  # how much of an item's start is matched to find its onset
SEARCH_S = 0.5  # how far either side of the reported instant the onset is looked for
SOUND_DB = -45.0  # an expected block louder than this should be heard
SILENT_GAP_DB = 30.0  # heard this much quieter than expected (after matching levels): not heard
WHOLE_MS = 20  # more silent-where-sound-expected than this: not whole


def _db(x: np.ndarray) -> np.ndarray:
    return 10 * np.log10(np.maximum(x, 1e-10))


def envelope(samples: np.ndarray) -> np.ndarray:
    """Mean power per 10 ms block in dBFS (samples as floats in [-1, 1])."""
    n = len(samples) // BLOCK
    blocks = samples[: n * BLOCK].reshape(n, BLOCK)
    return _db((blocks * blocks).mean(axis=1))


@dataclass
class Expected:
    id: int
    index: int
    head: np.ndarray  # the first ONSET_S of the item, mono floats
    env: np.ndarray  # the whole item's envelope
    at_ns: int | None = None
    frames: int | None = None


class Capture:
    """The capture thread: samples, their time stamps, and the rolling stores."""

    def __init__(self, source: str) -> None:
        module, _, name = source.partition(":")
        self.source = source
        self.stream = AlsaStream(name, record=True) if module == "alsa" else PulseStream(name, record=True, name="playout-monitor")
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
            now = wall_ns()
            x = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768
            n = len(x)
            with self.lock:
                start = self.read % len(self.raw)
                first = min(n, len(self.raw) - start)
                self.raw[start:start + first] = x[:first]
                self.raw[: n - first] = x[first:]
                if n == BLOCK:
                    self.env[(self.read // BLOCK) % len(self.env)] = envelope(x)[0]
                self.read += n
                # The last sample read was captured `latency` ago. A stream's first figures
                # are unsettled (a suspended sink wakes, reads come in a burst) and a capture
                # can lose samples: a time stamp far from the recent ones starts a new
                # timeline, and nothing before it is judged.
                base = now - latency * 1000 - self.read * 1_000_000_000 // RATE
                if self.bases and abs(base - int(np.median(self.bases[-50:]))) > 20_000_000:
                    self.bases.clear()
                    self.settled = False
                    self.settled_read = self.read
                self.bases.append(base)
                if not self.settled and len(self.bases) >= 100:
                    self.settled = True
                if len(self.bases) > 1000:
                    del self.bases[:500]

    def samples(self, from_ns: int, count: int) -> np.ndarray | None:
        """`count` samples from wall time from_ns, if still kept."""
        first = round((from_ns - self.base_ns()) * RATE / 1e9)
        with self.lock:
            if first < max(self.settled_read, self.read - len(self.raw)) or first + count > self.read:
                return None
            idx = np.arange(first, first + count) % len(self.raw)
            return self.raw[idx].copy()

    def envelope_from(self, from_ns: int, blocks: int) -> np.ndarray | None:
        first = round((from_ns - self.base_ns()) * RATE / 1e9)
        with self.lock:
            oldest = max(self.settled_read, self.read - len(self.env) * BLOCK)
            if first < oldest or first + blocks * BLOCK > self.read:
                return None
            # The stored envelope is on the capture's own 10 ms grid; align to the nearest block.
            b0 = round(first / BLOCK)
            idx = np.arange(b0, b0 + blocks) % len(self.env)
            return self.env[idx].copy()


def load_expected(path: str, offset: int, frames: int, id_: int, index: int) -> Expected:
    """The expected audio of one item, from the session's raw file, as mono."""
    head_n = min(frames, int(ONSET_S * RATE))
    envs = []
    with open(path, "rb") as f:
        f.seek(offset * FRAME_BYTES)
        left = frames
        head = None
        while left > 0:
            n = min(left, RATE * 10)
            chunk = np.frombuffer(f.read(n * FRAME_BYTES), dtype="<i2")
            if chunk.size == 0:
                break
            mono = chunk.reshape(-1, 2).astype(np.float32).mean(axis=1) / 32768
            if head is None:
                head = mono[:head_n].copy()
            envs.append(envelope(mono))
            left -= len(mono)
    return Expected(id_, index, head if head is not None else np.zeros(0, np.float32),
                    np.concatenate(envs) if envs else np.zeros(0, np.float32))  # fmt: skip


def analyse(cap: Capture, exp: Expected) -> dict:
    """Onset (where the item's start is found in what was heard) and wholeness."""
    assert exp.at_ns is not None
    result: dict = {"id": exp.id, "index": exp.index, "heard": False, "onset_ns": None, "silent_ms": None,
                    "whole": False}  # fmt: skip
    if not cap.settled or round((exp.at_ns - int(SEARCH_S * 1e9) - cap.base_ns()) * RATE / 1e9) < cap.settled_read:
        result["error"] = "the monitor was still starting"
        return result
    head = exp.head
    if len(head) >= BLOCK and float(np.abs(head).max()) > 1e-3:
        lo_ns = exp.at_ns - int(SEARCH_S * 1e9)
        window = cap.samples(lo_ns, len(head) + int(2 * SEARCH_S * RATE))
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
                result["heard"] = True
                result["onset_ns"] = lo_ns + lag * 1_000_000_000 // RATE
                result["match"] = round(float(score[lag]), 3)
    frames = exp.frames if exp.frames is not None else len(exp.env) * BLOCK
    blocks = min(len(exp.env), frames // BLOCK)
    start_ns = result["onset_ns"] if result["onset_ns"] is not None else exp.at_ns
    heard = cap.envelope_from(start_ns, blocks) if blocks else None
    if heard is not None and blocks:
        want = exp.env[:blocks]
        loud = want > SOUND_DB
        if loud.any():
            gain = float(np.median(heard[loud] - want[loud]))
            missing = loud & (heard < want + gain - SILENT_GAP_DB)
            # Blocks at the item's very edges straddle the 10 ms grid: ignore one each side.
            missing[:1] = missing[-1:] = False
            result["silent_ms"] = int(missing.sum()) * 10
            result["whole"] = result["heard"] and result["silent_ms"] <= WHOLE_MS
        else:
            result["silent_ms"] = 0
            result["whole"] = True
    return result


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
