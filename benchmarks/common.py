"""Helpers shared by the benchmarks: a throwaway station, a free port, measuring a process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLAYOUT = [sys.executable, "-m", "playout"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def station(root: Path, output: str = 'module = "null"', extra: str = "") -> Path:
    """A station folder with its own config (database, library, schedules; the control socket
    beside its database, its own web port)."""
    (root / "schedules").mkdir(parents=True, exist_ok=True)
    text = (ROOT / "playout.toml").read_text(encoding="utf-8").split("[output]")[0]
    text += f"[output]\n{output}\n\n[daemon]\n{extra}\n\n[web]\nport = {free_port()}\n"
    config = root / "playout.toml"
    config.write_text(text, encoding="utf-8")
    return config


def cli(config: Path, *args: str, **kw) -> subprocess.CompletedProcess:  # noqa: ANN003
    return subprocess.run([*PLAYOUT, *args, "--config", str(config)], check=True, capture_output=True, text=True, **kw)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory in MiB."""
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024


def wait_until(predicate, timeout: float) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def start_pulse(folder: Path, sinks: tuple[str, ...] = ("playout_test",)) -> tuple[subprocess.Popen, str, dict]:
    """A private PulseAudio server with null sinks (real-time audio devices without a sound
    card), as an ordinary background process. Returns it, its address and its environment."""
    socket_path = folder / "native"
    script = folder / "default.pa"
    script.write_text(
        "".join(f"load-module module-null-sink sink_name={s} rate=48000 channels=2\n" for s in sinks)
        + f"load-module module-native-protocol-unix socket={socket_path} auth-anonymous=1\n"
        + f"set-default-sink {sinks[0]}\n"
    )
    env = {**os.environ, "HOME": str(folder), "XDG_RUNTIME_DIR": str(folder), "PULSE_RUNTIME_PATH": str(folder)}
    proc = subprocess.Popen(
        ["pulseaudio", "-n", "-F", str(script), "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no",
         "--system=false", "--disallow-exit", "--log-target=file:" + str(folder / "pulse.log")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    server = f"unix:{socket_path}"
    env["PULSE_SERVER"] = server

    def up() -> bool:
        return proc.poll() is not None or subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode == 0

    wait_until(up, 15)
    if proc.poll() is not None:
        raise RuntimeError(f"PulseAudio did not start: {(folder / 'pulse.log').read_text(errors='replace')[-2000:]}")
    # A studio PC runs its sound server at real-time priority (rtkit does it for PulseAudio's
    # and PipeWire's audio threads). Here every thread of the server gets it where permitted
    # (root): otherwise a machine with both cores busy starves the server's main thread, which
    # takes the clients' audio, and every stream on it runs dry, whoever writes it (measured:
    # 60-75 ms stalls of a stream written at real-time priority).
    subprocess.run(["chrt", "--all-tasks", "--rr", "--pid", "15", str(proc.pid)], capture_output=True, check=False)
    return proc, server, env


def stop_all(procs: list[subprocess.Popen]) -> None:
    """Stop what a benchmark started, newest first: politely, then for good."""
    for p in reversed(procs):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def percentiles(values: list[float]) -> dict:
    """p50, p99 and max of a sample (nearest rank), and its size."""
    values = sorted(values)
    if not values:
        return {"p50": None, "p99": None, "max": None, "n": 0}

    def at(q: float) -> float:
        return round(values[min(len(values) - 1, int(q * len(values)))], 1)

    return {"p50": at(0.50), "p99": at(0.99), "max": round(values[-1], 1), "n": len(values)}
