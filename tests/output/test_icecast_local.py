"""The shipped example's two zones, with the private icecast2 `tools/bootstrap run` starts.

The example's zones (the wired amplifier as `null`, and an Icecast mount on 127.0.0.1) are
taken from the shipped playout.toml, on a free port instead of 8000; the private server is
started as run-example starts it (`python -m playout.output.icecast_local`), the daemon airs
to both zones without a failed zone, and the server stops when asked.
"""

from __future__ import annotations

import signal
import subprocess
import sys

from playout import app as app_mod
from playout.daemon.live import LiveDaemon
from playout.output.icecast_local import reachable
from tests.conftest import ROOT, free_port, require_program, shipped_config
from tests.daemon.helpers import at, daemon_station, final, slot, wait_for


def _example_zones(port: int) -> str:
    text = shipped_config(zones=True)
    zones = text[text.index("\n[[zone]]\n") + 1: text.index("\n[daemon]\n")]
    assert ":8000/loa-ip" in zones
    return 'module = "null"\n\n' + zones.replace(":8000/", f":{port}/")


def _helper(config) -> subprocess.Popen:  # noqa: ANN001
    return subprocess.Popen([sys.executable, "-m", "playout.output.icecast_local", "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)  # fmt: skip


def test_the_example_airs_to_both_zones_on_a_private_icecast(tmp_path) -> None:  # noqa: ANN001
    require_program("icecast2")
    port = free_port()
    st = daemon_station(tmp_path, _example_zones(port))
    helper = _helper(st.config)
    daemon = None
    try:
        assert helper.stdout is not None
        lines = [helper.stdout.readline().strip(), helper.stdout.readline().strip()]
        assert lines == [f"icecast2 riêng cho ví dụ: http://127.0.0.1:{port}/", "ready"], (
            lines, helper.stderr.read() if helper.poll() is not None else "")  # type: ignore[union-attr]
        assert reachable("127.0.0.1", port)
        # A second start finds the server answering and starts nothing.
        again = _helper(st.config)
        out, _ = again.communicate(timeout=30)
        assert again.returncode == 0 and out.strip() == "ready", out
        (st.root / "schedules" / "test.toml").write_text(slot("pa", at(4), ["Nhạc hiệu Đài"], chime=False), encoding="utf-8")
        daemon = LiveDaemon(app_mod.build(st.config))
        daemon.start()
        _, status = daemon._status({}, None)  # type: ignore[arg-type]
        assert [z["id"] for z in status["zones"]] == ["loa-day", "loa-ip"]
        done = wait_for(final(st, "pa@", 2), 40, "the chime to air in both zones")
        _, status = daemon._status({}, None)  # type: ignore[arg-type]
        assert not [p for p in status["problems"] if p["id"] == "problem.output_failed"], status["problems"]
        # The private server's admin account is the zone's: the daemon can tell who listens.
        assert daemon.speakers is not None
        polls = daemon.speakers.polls
        daemon.speakers.wake()
        wait_for(lambda: daemon.speakers.polls > polls, 10, "the speakers to be polled")
        _, status = daemon._status({}, None)  # type: ignore[arg-type]
        assert not [p for p in status["problems"] if p["id"] == "problem.speakers_unknown"], status["problems"]
    finally:
        if daemon is not None:
            daemon.stop()
        helper.send_signal(signal.SIGTERM)
        helper.wait(timeout=30)
    assert sorted((r["zone"], r["outcome"]) for r in done) == [("loa-day", "aired"), ("loa-ip", "aired")], done
    assert helper.returncode == 0 and not reachable("127.0.0.1", port)
