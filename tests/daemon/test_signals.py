"""Signals against the daemon's main loop: a stop request is never lost, never hangs it.

A signal handler runs in the main thread between two bytecodes of whatever it interrupted;
one that takes a lock the interrupted code holds (an Event's, inside Event.wait, or its own
Event.set when a second SIGTERM arrives during the first handler) hangs the daemon for good.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.conftest import ROOT
from tests.daemon.helpers import daemon_station, wait_for

# The daemon's own run_forever, with start and stop reduced to nothing: only the wait loop and
# the signal handling are under test. A sender thread fires bursts of one to three SIGTERMs at
# random moments; each round must end with the loop returning.
_LOOP = textwrap.dedent("""
    import os, random, signal, sys, threading
    from playout.daemon.live import LiveDaemon

    rng = random.Random(int(sys.argv[2]))
    pid = os.getpid()
    state = {"lines": 0, "at": 0, "fired": False}

    def fire():
        if not state["fired"]:
            state["fired"] = True
            os.kill(pid, signal.SIGTERM)

    def tracer(frame, event, arg):
        # A random line of whatever the main thread runs after start(): inside the wait
        # loop, inside threading's own locked sections, anywhere.
        if event == "line" and not state["fired"]:
            state["lines"] += 1
            if state["lines"] >= state["at"]:
                fire()
        return tracer

    class Bare(LiveDaemon):
        def __init__(self):
            self.stopping = threading.Event()
        def start(self):  # the handlers are in place
            state.update(lines=0, at=rng.randrange(12), fired=False)
            # If the loop blocks before that line, a thread sends it at a random moment.
            threading.Timer(rng.uniform(0, 0.003), fire).start()
            sys.settrace(tracer)
        def stop(self):
            sys.settrace(None)

    rounds = int(sys.argv[1])
    for n in range(rounds):
        Bare().run_forever()
    print(f"{rounds} rounds, {rounds} SIGTERMs, each stopped the loop", flush=True)
""")


def test_a_thousand_sigterms_at_random_moments_each_stop_the_wait_loop(tmp_path: Path) -> None:
    script = tmp_path / "loop.py"
    script.write_text(_LOOP, encoding="utf-8")
    try:
        done = subprocess.run([sys.executable, str(script), "1000", "14"], cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise AssertionError("the wait loop hung on a SIGTERM (a signal handler waiting for a lock)") from exc
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("1000 rounds,"), done.stdout


def test_sighup_while_the_daemon_is_still_starting_does_not_kill_it(tmp_path: Path) -> None:
    """SIGHUP as soon as the daemon holds its lock (the start of its slow start-up: database
    check, audio output, web server): it goes on to be ready, and SIGTERM stops it cleanly."""
    st = daemon_station(tmp_path)
    lock = st.root / "playout.db.lock"
    exe = Path(sys.executable).with_name("playout")
    env = {**os.environ, "PLAYOUT_CONFIG": str(st.config)}
    proc = subprocess.Popen([str(exe), "run"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: lock.exists() and lock.read_text().strip() == str(proc.pid), 30, "the daemon to take its lock")
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: proc.poll() is not None or st.cli("status").exit_code == 0, 30, "the daemon to be ready")
        assert proc.poll() is None, "SIGHUP during start-up killed the daemon"
        proc.send_signal(signal.SIGHUP)  # once running: the schedule is read again
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "playout stopped" in err, err[-2000:]
