"""Benchmark: 1,000 IP loudspeakers on one Icecast zone while the station airs a 60 s clip.

A private icecast2 on loopback with the shipped settings (`playout/output/icecast_local.py`:
burst 16 kB, queue 512 kB), a station with the shipped example's two zones (the wired
amplifier as `null`, and an Icecast mount), and the real daemon (`playout run`). The clip (60 s
of changing tones, imported like any clip) is scheduled twice: first with 1,000 speakers on
the station's server, then with 1,000 speakers on a second icecast2 relaying the mount.

A speaker here is a plain HTTP client on 127.0.0.1 (a few worker processes, each holding
hundreds of non-blocking connections), which reads the stream as a speaker does and splits
it into MP3 frames as they arrive, keeping each frame's hash and arrival time (the kernel's
receive stamp, so that a busy worker does not count its own lateness as Icecast's). Decoding 1,000
streams live would measure this PC's ffmpeg, not Icecast, so it is checked this way:

- a reference client (one of the 1,000) keeps its bytes; after the run they are decoded and
  the clip is found in them by cross-correlation and compared over its whole length by
  short-block magnitude spectra (`find_whole`, as the Icecast tests do): it must be whole
  (alike > 0.97, no silence > 20 ms);
- every other client must hold, from three frames before the clip starts to three after it
  ends, exactly the reference's frames, byte for byte, none missing: then it decodes to the
  same sound;
- a few independent listeners (ffmpeg pulling the mount and decoding live) are checked by
  `find_whole` too, so the frame splitting is not the only judge.

Delays from the scheduled instant to the clip's first frame at a client (to one 24 ms frame):
`arrival` (the bytes in hand) and `heard` (a speaker that starts playing at its first byte
and plays at real time from then on, so Icecast's burst puts it that far behind live; it
runs dry when a frame arrives after it was due: a gap, counted when longer than 20 ms).
References in the same run: the output's own start (the airing log's lateness for the
Icecast zone: when the first frame reached the encoder), and, for the relay, one client
alone on the station's server at the same airing.

    .venv/bin/python -m benchmarks.icecast_listeners [--clients 1000] [--seconds 60] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import selectors
import shutil
import socket
import sqlite3
import struct
import subprocess
import tempfile
import time
import zlib
from array import array
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from benchmarks.common import PLAYOUT, ROOT, cli, cpu_seconds, free_port, percentiles, rss_mb, station, wait_until
from playout.output import icecast_local

RATE = 48_000
MOUNT = "/loa-ip"
TITLE = "Đo thử 1000 loa"
HEARD_P99_TARGET_MS = 3000
GAP_MS = 20
MARGIN = 3  # frames
CONNECTING = 64  # speakers of one worker connecting at once

# -- a speaker: an HTTP client that splits the MP3 stream into frames ----------------------------

_BITRATES = {3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
             2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)}  # fmt: skip
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def frame_length(b: bytes | bytearray, i: int) -> int:
    """The length of the MPEG audio layer III frame whose header starts at b[i], or 0."""
    if b[i] != 0xFF or b[i + 1] & 0xE0 != 0xE0:
        return 0
    version, layer = (b[i + 1] >> 3) & 3, (b[i + 1] >> 1) & 3
    rate_i, br_i = (b[i + 2] >> 2) & 3, b[i + 2] >> 4
    if version == 1 or layer != 1 or rate_i == 3 or br_i in (0, 15):
        return 0
    kbps = _BITRATES[3 if version == 3 else 2][br_i]
    rate = _RATES[version][rate_i]
    return (144_000 if version == 3 else 72_000) * kbps // rate + ((b[i + 2] >> 1) & 1)


@dataclass
class Received:
    """What one client got: each whole frame's hash and arrival time (wall clock, s)."""

    ok: bool = False
    error: str = ""
    first_byte: float = 0.0
    retries: int = 0  # connections given up for want of an answer, and made again
    hashes: array = field(default_factory=lambda: array("Q"))
    times: array = field(default_factory=lambda: array("d"))
    raw: bytearray | None = None  # the frames themselves, for the reference client


SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux: the kernel stamps each received packet


class Speaker:
    """One connection. Arrival times are the kernel's receive stamps (SO_TIMESTAMPNS), not
    when this process got round to reading: a worker busy with its other hundreds of
    connections must not make Icecast look late."""

    def __init__(self, got: Received, port: int) -> None:
        self.got = got
        self.buf = bytearray()
        self.header = True
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock.setblocking(False)
        self.request = f"GET {MOUNT} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: playout-bench\r\n\r\n".encode()
        self.since = time.monotonic()
        self.sock.connect_ex(("127.0.0.1", port))

    def read(self) -> bool:
        """Take what has arrived; False when the connection is over."""
        try:
            data, anc, _, _ = self.sock.recvmsg(65536, 64)
        except BlockingIOError:
            return True
        except OSError as exc:
            self.got.error = self.got.error or str(exc)
            return False
        if not data:
            return False
        now = time.time()
        for level, kind, value in anc:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(value) >= 16:
                sec, nsec = struct.unpack("qq", value[:16])
                now = sec + nsec / 1e9
        self.feed(data, now)
        return not self.got.error

    def feed(self, data: bytes, now: float) -> None:
        buf = self.buf
        buf += data
        if self.header:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buf[: buf.find(b"\r\n")])
            if b" 200" not in status:
                self.got.error = status.decode("latin-1")
                return
            self.header, self.got.ok, self.got.first_byte = False, True, now
            del buf[: end + 4]
        pos, n = 0, len(buf)
        while pos + 4 <= n:
            size = frame_length(buf, pos)
            if not size:
                pos += 1  # not in step with the frames (a burst starts anywhere): find the next header
                continue
            if pos + size + 4 > n:
                break
            if not frame_length(buf, pos + size):
                pos += 1
                continue
            frame = bytes(buf[pos: pos + size])
            self.got.hashes.append(zlib.crc32(frame) << 32 | zlib.adler32(frame))
            self.got.times.append(now)
            if self.got.raw is not None:
                self.got.raw += frame
            pos += size
        del buf[:pos]


def speakers(port: int, n: int, connect_at: float, until: float, keep_first: bool) -> tuple[list[Received], float]:
    """One worker process: `n` speakers from `connect_at` to `until`; and the worker's CPU seconds.

    They connect a few at a time, each as soon as an earlier one has its answer: Icecast's
    listen queue is 5 deep, and a connection refused there is retried by TCP only after 1, 3,
    7 s... (speakers in the field connect at their own moments, not a thousand at once)."""
    results = [Received(raw=bytearray() if keep_first and i == 0 else None) for i in range(n)]
    time.sleep(max(0.0, connect_at - time.time()))
    sel = selectors.DefaultSelector()
    waiting = list(range(n))[::-1]
    pending: set[Speaker] = set()  # connecting, or waiting for Icecast's answer
    while time.time() < until:
        while waiting and len(pending) < CONNECTING:
            sp = Speaker(results[waiting.pop()], port)
            pending.add(sp)
            sel.register(sp.sock, selectors.EVENT_WRITE, sp)
        for key, events in sel.select(timeout=0.05 if pending else 0.2):
            sp = key.data
            if events & selectors.EVENT_WRITE:
                err = sp.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    sp.got.error = os.strerror(err)
                else:
                    sp.sock.send(sp.request)
                    sel.modify(sp.sock, selectors.EVENT_READ, sp)
                    continue
            elif sp.read():
                if sp.got.ok:
                    pending.discard(sp)
                continue
            pending.discard(sp)
            sel.unregister(sp.sock)
            sp.sock.close()
        # No answer within 5 s (the connection lost in Icecast's full listen queue, TCP
        # waiting to retry): hang up and call again, as a speaker does.
        for sp in [sp for sp in pending if time.monotonic() - sp.since > 5]:
            pending.discard(sp)
            sel.unregister(sp.sock)
            sp.sock.close()
            sp.got.retries += 1
            sp.got.error, sp.got.ok = "", False
            sp.buf.clear()
            waiting.append(next(i for i, r in enumerate(results) if r is sp.got))
    for key in list(sel.get_map().values()):
        key.fileobj.close()  # type: ignore[union-attr]
    return results, time.process_time()


# -- measuring ----------------------------------------------------------------------------------


def tree(pid: int) -> list[int]:
    """A process and all its descendants (the daemon's output engines and encoders)."""
    children: dict[int, list[int]] = {}
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                ppid = int((p / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(p.name))
    out, todo = [], [pid]
    while todo:
        q = todo.pop()
        out.append(q)
        todo.extend(children.get(q, []))
    return out


class Usage:
    """CPU (share of one core) and resident memory of processes over a window."""

    def __init__(self, pids: dict[str, list[int]]) -> None:
        self.pids = pids
        self.t0 = time.monotonic()
        self.cpu0 = {name: self._cpu(ps) for name, ps in pids.items()}

    @staticmethod
    def _cpu(pids: list[int]) -> dict[int, float]:
        out = {}
        for p in pids:
            try:
                out[p] = cpu_seconds(p)
            except OSError:
                pass
        return out

    def end(self) -> dict:
        wall = time.monotonic() - self.t0
        out = {}
        for name, ps in self.pids.items():
            now = self._cpu(ps)
            used = sum(now[p] - self.cpu0[name].get(p, 0.0) for p in now)
            rss = peak = 0.0
            for p in now:
                try:
                    r, h = rss_mb(p)
                except OSError:
                    continue
                rss, peak = rss + r, peak + h
            out[name] = {"cpu_percent_of_one_core": round(100 * used / wall, 1), "rss_mb": round(rss, 1),
                         "peak_rss_mb": round(peak, 1)}  # fmt: skip
        return out


def decode_mp3(data: bytes) -> np.ndarray:
    pcm = subprocess.run(["ffmpeg", "-v", "error", "-f", "mp3", "-i", "pipe:0", "-ac", "1", "-ar", str(RATE),
                          "-f", "s16le", "pipe:1"], input=data, capture_output=True, check=True).stdout  # fmt: skip
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768


def decode_file(path: Path) -> np.ndarray:
    pcm = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-ac", "1", "-ar", str(RATE), "-f", "s16le",
                          "pipe:1"], capture_output=True, check=True).stdout  # fmt: skip
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768


def make_clip(path: Path, seconds: int) -> None:
    """`seconds` of tones that change every quarter second: no stretch of it is like another,
    so the cross-correlation has one peak, and a voice codec keeps tones well."""
    rng = np.random.default_rng(15)
    step = RATE // 4
    out = np.empty(seconds * RATE, np.float32)
    t = np.arange(step) / RATE
    for k in range(seconds * 4):
        f1, f2 = rng.uniform(300, 2500, 2)
        out[k * step: (k + 1) * step] = 0.3 * np.sin(2 * np.pi * f1 * t) + 0.15 * np.sin(2 * np.pi * f2 * t)
    subprocess.run(["ffmpeg", "-v", "error", "-f", "f32le", "-ar", str(RATE), "-ac", "1", "-i", "pipe:0", "-y",
                    str(path)], input=out.tobytes(), check=True)  # fmt: skip


@dataclass
class Phase:
    name: str
    slot: str
    server_port: int  # where the speakers connect
    at: datetime  # the scheduled instant
    connect_at: float = 0.0  # when the speakers start connecting (wall clock, s)


def judge(phase: Phase, results: list[Received], clip: np.ndarray, listeners: list[np.ndarray]) -> dict:
    """The figures of one airing from what the clients received (see the module's text)."""
    from tests.output.test_icecast import find_whole

    scheduled = phase.at.timestamp()
    ref = results[0]
    assert ref.raw is not None
    if not ref.ok:
        raise RuntimeError(f"the reference client got nothing: {ref.error}")
    pcm = decode_mp3(bytes(ref.raw))
    lag, alike, gap = find_whole(pcm, clip)
    # The decoder puts out one frame of samples for each frame (1152 at 48 kHz) after a
    # fixed delay; frames it could not decode at the very start are dropped.
    spf = 1152
    dropped = max(0, len(ref.hashes) - len(pcm) // spf)
    f0 = max(0, (lag - 529) // spf + dropped)  # 529: the MP3 decoder's own delay, in samples
    frames = int(np.ceil(len(clip) / spf)) + 1
    # Compared: the clip's frames and MARGIN more on each side, so that a frame or two of
    # error in f0 leaves none of the clip unchecked.
    span = list(ref.hashes[f0 - MARGIN: f0 + frames + MARGIN])
    if f0 < MARGIN or len(span) < frames + 2 * MARGIN:
        raise RuntimeError("the reference client does not hold the whole clip")
    anchor = ref.hashes[f0 + 2 * MARGIN]  # inside the clip: tones, unlike silence, do not repeat
    whole = broken = 0
    arrival, heard, gapped = [], [], 0
    failed: dict[str, int] = {}
    reasons: dict[str, int] = {}
    for got in results:
        if not got.ok:
            failed[got.error[:80] or "no answer"] = failed.get(got.error[:80] or "no answer", 0) + 1
            continue
        try:
            j0 = got.hashes.index(anchor) - 2 * MARGIN
        except ValueError:
            j0 = -1
        if j0 < MARGIN:
            broken += 1
            if got.first_byte > scheduled:
                why = "connected only after the clip began"
            elif not got.times or got.times[-1] < scheduled + 1:
                why = "the clip's first frames never arrived"
            else:
                why = "the clip's first frames differ"
            reasons[why] = reasons.get(why, 0) + 1
            continue
        mine = list(got.hashes[j0 - MARGIN: j0 + frames + MARGIN])
        if mine != span:
            broken += 1
            why = (f"stream ended {len(span) - len(mine)} frames before the clip's end" if len(mine) < len(span)
                   else "frames differ from the reference's")  # fmt: skip
            if len(mine) == len(span):
                first = next(k for k in range(len(span)) if mine[k] != span[k])
                why += f" (first at frame {first - MARGIN} of the clip)"
                extra = list(got.hashes[j0 - MARGIN + first: j0 - MARGIN + first + 40])
                if span[first] in extra:
                    why += f"; {extra.index(span[first])} frames inserted there"
                elif mine[first] in span[first: first + 40]:
                    why += f"; {span[first: first + 40].index(mine[first])} frames missing there"
            reasons[why] = reasons.get(why, 0) + 1
            continue
        whole += 1
        times = np.frombuffer(got.times, dtype=np.float64)
        arrival.append((times[j0] - scheduled) * 1000)
        # A speaker that starts at its first frame and plays at real time: frame k plays at
        # max(when frame k-1 ended, when frame k arrived).
        play = times[0]
        stall = 0.0
        for k in range(1, j0 + frames + MARGIN):
            due = play + spf / RATE
            play = max(due, times[k])
            if k == j0:
                heard.append((play - scheduled) * 1000)
            elif k > j0:
                stall = max(stall, play - due)
        gapped += stall * 1000 > GAP_MS
    independent = []
    for received in listeners:
        _, a, g = find_whole(received, clip)
        independent.append({"alike": round(a, 4), "longest_silence_ms": g})
    n = len(results)
    return {
        "clients": n, "connected": sum(r.ok for r in results), "connect_failures": failed,
        "whole": whole, "not_whole": broken, "not_whole_why": reasons, "whole_share_percent": round(100 * whole / n, 2),
        "reference_client": {"alike": round(alike, 4), "longest_silence_ms": gap, "frames_in_clip": frames},
        "independent_listeners": independent,
        "arrival_delay_ms": percentiles(arrival), "heard_delay_ms": percentiles(heard),
        "admitted_after_s": percentiles([r.first_byte - phase.connect_at for r in results if r.ok]),
        "reconnections": sum(r.retries for r in results),
        "clients_with_gap_over_20ms": gapped,
    }  # fmt: skip


class FfmpegListener:
    """An independent listener: ffmpeg pulling the mount and decoding it live."""

    def __init__(self, port: int, path: Path, seconds: float) -> None:
        self.path = path
        self.proc = subprocess.Popen(["ffmpeg", "-nostdin", "-v", "error", "-i", f"http://127.0.0.1:{port}{MOUNT}",
                                      "-t", f"{seconds:.1f}", "-ac", "1", "-ar", str(RATE), "-f", "s16le", "-y",
                                      str(path)], stderr=subprocess.DEVNULL)  # fmt: skip

    def received(self) -> np.ndarray:
        self.proc.wait(timeout=60)
        return np.frombuffer(self.path.read_bytes(), dtype="<i2").astype(np.float32) / 32768


def run(clients: int = 1000, seconds: int = 60, workers: int = 2, ffmpeg_listeners: int = 2,
        relay: bool = True, burst_size: int = icecast_local.BURST_SIZE) -> dict:  # fmt: skip
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # Icecast and the workers inherit it
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4 * clients + 256)), hard))
    work = Path(tempfile.mkdtemp(prefix="playout-icecast-bench-"))
    password = secrets.token_hex(8)
    master = icecast_local.LocalIcecast(free_port(), password, clients=clients + 50, burst_size=burst_size)
    relay_server = None
    daemon = None
    try:
        master.start()
        zones = (f'module = "null"\n\n[[zone]]\nid = "loa-day"\nname = "Loa dây"\nmodule = "null"\n\n'
                 f'[[zone]]\nid = "loa-ip"\nname = "Cụm loa IP"\n'
                 f'icecast = "icecast://source:{password}@127.0.0.1:{master.port}{MOUNT}"\n')  # fmt: skip
        config = station(work, zones, extra="lead_seconds = 5")
        from playout import config as config_mod

        cfg = config_mod.load(config)
        tz = cfg.station.timezone
        make_clip(work / "clip.wav", seconds)
        cli(config, "import", str(work / "clip.wav"), "--kind", "other", "--title", TITLE)
        con = sqlite3.connect(work / "playout.db")
        (path,) = con.execute("select path from clips where title = ?", (TITLE,)).fetchone()
        con.close()
        clip = decode_file(cfg.library.folder / path)
        # Start the daemon, then connect every speaker early enough: Icecast 2.4 admits
        # listeners one by one (measured here: about 50 a second, some after TCP's retries).
        connect_before = 10 + clients / 25
        lead = int(connect_before + 10)
        first = datetime.now(tz).replace(microsecond=0) + timedelta(seconds=lead)
        phases = [Phase("direct", "direct", master.port, first)]
        if relay:
            # After the first airing and its listeners, the relay's start and the speakers' lead.
            phases.append(Phase("relay", "relayed", 0, first + timedelta(seconds=seconds + lead + 15)))
        (work / "schedules" / "bench.toml").write_text("".join(
            f'[[slot]]\nid = "{p.slot}"\ntimes = ["{p.at:%H:%M:%S}"]\nchime = false\n  [[slot.item]]\n  clip = "{TITLE}"\n'
            for p in phases), encoding="utf-8")  # fmt: skip
        daemon = subprocess.Popen([*PLAYOUT, "run", "--config", str(config)], stderr=(work / "daemon.log").open("wb"))
        if not wait_until(lambda: MOUNT in master.mounts() or daemon.poll() is not None, 60) or daemon.poll() is not None:
            raise RuntimeError(f"the daemon's Icecast zone did not connect: {(work / 'daemon.log').read_text()[-800:]}")
        out: dict = {"clients": clients, "clip_s": seconds, "workers": workers,
                     "icecast_settings": {"burst_size": burst_size,
                                          "queue_size": icecast_local.QUEUE_SIZE},
                     "codec": "mp3 mono 64 kbit/s"}  # fmt: skip
        pool = ProcessPoolExecutor(max_workers=workers + 1, mp_context=get_context("spawn"))
        judged: dict[str, Callable[[], dict]] = {}
        try:
            for phase in phases:
                if phase.name == "relay":
                    relay_server = icecast_local.LocalIcecast(free_port(), password, clients=clients + 50,
                                                              burst_size=burst_size, relay_of=(master.port, MOUNT))  # fmt: skip
                    relay_server.start()
                    if not wait_until(lambda: MOUNT in relay_server.mounts(), 15):
                        raise RuntimeError("the relay did not pull the mount")
                    phase.server_port = relay_server.port
                judged[phase.name] = measure(phase, work, pool, master, relay_server, daemon, clients, seconds,
                                             workers, ffmpeg_listeners, clip, connect_before, burst_size)  # fmt: skip
        finally:
            pool.shutdown()
        for name, figures in judged.items():
            out[name] = figures()
        con = sqlite3.connect(work / "playout.db")
        for phase in phases:
            rows = {z: (o, lat, r) for z, o, lat, r in con.execute(
                "select zone, outcome, lateness_ms, reason from airings where slot = ?", (phase.slot,))}  # fmt: skip
            out[phase.name]["airing_log"] = {z: {"outcome": o, "lateness_ms": lat, "reason": r}
                                             for z, (o, lat, r) in rows.items()}  # fmt: skip
            out[phase.name]["reference_output_start_lateness_ms"] = rows.get("loa-ip", (None, None, None))[1]
        con.close()
        out["checks"] = checks(out)
        return out
    finally:
        if daemon is not None and daemon.poll() is None:
            daemon.terminate()
            daemon.wait(timeout=60)
        if relay_server is not None:
            relay_server.stop()
        master.stop()
        shutil.rmtree(work, ignore_errors=True)


def measure(phase: Phase, work: Path, pool: ProcessPoolExecutor, master: icecast_local.LocalIcecast,
            relay_server: icecast_local.LocalIcecast | None, daemon: subprocess.Popen, clients: int, seconds: int,
            workers: int, ffmpeg_listeners: int, clip: np.ndarray, connect_before: float,
            burst_size: int) -> Callable[[], dict]:  # fmt: skip
    scheduled = phase.at.timestamp()
    connect_at = phase.connect_at = scheduled - connect_before
    until = scheduled + seconds + 4
    share = [clients // workers + (1 if i < clients % workers else 0) for i in range(workers)]
    jobs = [pool.submit(speakers, phase.server_port, n, connect_at, until, i == 0) for i, n in enumerate(share)]
    # For the relay: one client alone on the station's own server, at the same airing.
    alone = pool.submit(speakers, master.port, 1, connect_at, until, True) if phase.name == "relay" else None
    wait_until(lambda: time.time() >= connect_at + 1, 60)
    # ffmpeg counts the audio it decodes, which starts a burst behind live: ask for that much more.
    behind = burst_size / (64_000 / 8) + 1
    listeners = [FfmpegListener(phase.server_port, work / f"{phase.name}-{i}.raw", until - time.time() + behind)
                 for i in range(ffmpeg_listeners)]  # fmt: skip
    wait_until(lambda: time.time() >= scheduled, 60)
    pids = {"daemon (with its engines and encoders)": tree(daemon.pid), "icecast (station's server)": [master.pid]}
    if relay_server is not None:
        pids["icecast relay"] = [relay_server.pid]
    pids["speakers (client workers)"] = [p for p in pool._processes]  # noqa: SLF001
    usage = Usage(pids)  # type: ignore[arg-type]
    wait_until(lambda: time.time() >= scheduled + seconds, seconds + 30)
    used = usage.end()
    results: list[Received] = []
    for job in jobs:
        got, _cpu = job.result(timeout=120)
        results.extend(got)
    heard = [listener.received() for listener in listeners]
    one = alone.result(timeout=120)[0][0] if alone is not None else None

    def figures() -> dict:
        """Judged after every airing, so that judging does not eat into the next one's lead."""
        out = judge(phase, results, clip, heard)
        out["usage_during_the_clip"] = used
        if one is not None:
            out["reference_one_client_on_the_station_server"] = judge(phase, [one], clip, [])
        return out

    return figures


def checks(out: dict) -> dict:
    """Each target against its figure: met or MISSED, never a verdict over a figure not checked."""
    c = {}
    for name in ("direct", "relay"):
        if name not in out:
            continue
        f = out[name]
        c[f"{name}: every client received the whole clip"] = f["whole"] == f["clients"]
        c[f"{name}: the reference client's clip is whole (alike > 0.97, silence <= 20 ms)"] = (
            f["reference_client"]["alike"] > 0.97 and f["reference_client"]["longest_silence_ms"] <= GAP_MS)
        c[f"{name}: independent listeners whole"] = all(
            x["alike"] > 0.97 and x["longest_silence_ms"] <= GAP_MS for x in f["independent_listeners"])
        c[f"{name}: no speaker ran dry > 20 ms"] = f["clients_with_gap_over_20ms"] == 0
        p99 = f["heard_delay_ms"]["p99"]
        c[f"{name}: heard delay p99 <= 3 s"] = p99 is not None and p99 <= HEARD_P99_TARGET_MS
        c[f"{name}: the Icecast zone's airing is recorded aired"] = f["airing_log"].get("loa-ip", {}).get("outcome") == "aired"
    return {k: "met" if v else "MISSED" for k, v in c.items()}


def rows(r: dict) -> list[tuple[str, str, str, str]]:
    """(what, figure, reference, target and verdict) for the benchmark table."""
    out = []
    checks_ = r["checks"]
    for name, label in (("direct", "on the station's Icecast"), ("relay", "through one Icecast relay")):
        if name not in r:
            continue
        f = r[name]
        a, h = f["arrival_delay_ms"], f["heard_delay_ms"]
        ref = f["reference_output_start_lateness_ms"]
        out.append((f"6. {f['clients']} IP speakers {label}, {r['clip_s']} s clip: whole",
                    f"{f['whole']} of {f['clients']} ({f['whole_share_percent']}%), {f['clients_with_gap_over_20ms']} ran dry",
                    f"reference client alike {f['reference_client']['alike']}; ffmpeg listeners "
                    + ", ".join(str(x["alike"]) for x in f["independent_listeners"]),
                    f"100%: {checks_[f'{name}: every client received the whole clip']}"))
        extra = ""
        if (alone := f.get("reference_one_client_on_the_station_server")) is not None:
            extra = f"; one client alone on the station's server heard p50 {alone['heard_delay_ms']['p50']} ms"
        out.append(("   delay, scheduled instant to the clip's first frame",
                    f"heard p50 {h['p50']} / p99 {h['p99']} ms; bytes in hand p50 {a['p50']} / p99 {a['p99']} ms",
                    f"output's own start (log) {ref} ms{extra}",
                    f"heard p99 ≤ 3 s: {checks_[f'{name}: heard delay p99 <= 3 s']}"))
        u = f["usage_during_the_clip"]
        adm = f["admitted_after_s"]
        out.append(("   speakers admitted by Icecast (all connecting at once)",
                    f"p50 {adm['p50']} / max {adm['max']} s after connecting; {f['reconnections']} called again",
                    "", ""))
        out.append(("   CPU (% of a core) / RSS during the clip", "; ".join(
            f"{k} {v['cpu_percent_of_one_core']}% / {v['rss_mb']} MB" for k, v in u.items()), "", ""))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-relay", action="store_true")
    parser.add_argument("--burst-size", type=int, default=icecast_local.BURST_SIZE,
                        help="Icecast's burst-size, to see what it trades (default: the shipped setting)")
    parser.add_argument("--quick", action="store_true", help="50 speakers, a 15 s clip: a smoke run")
    args = parser.parse_args()
    clients, seconds = (50, 15) if args.quick else (args.clients, args.seconds)
    r = run(clients, seconds, args.workers, relay=not args.no_relay, burst_size=args.burst_size)
    print(json.dumps(r, indent=2, ensure_ascii=False))
    print("\n| benchmark | figure | reference | target |\n|---|---|---|---|")
    for row in rows(r):
        print("| " + " | ".join(row) + " |")
    if not args.quick and args.burst_size == icecast_local.BURST_SIZE:
        results = ROOT / "benchmarks" / "results"
        results.mkdir(exist_ok=True)
        path = results / f"icecast-listeners-{datetime.now():%Y-%m-%dT%H%M%S}.json"
        path.write_text(json.dumps(r, indent=2, ensure_ascii=False), encoding="utf-8")
        print(f"\nfigures written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
