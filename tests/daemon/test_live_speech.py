"""Live from the web page, the daemon's side: the routes the page calls in-process (through
the same authorisation and journal as every control route), a live to one zone of two, the
chunks' places in the stream (a lost chunk is silence, a repeated one dropped), a page that
stops sending (the live ends, recorded so), the recording imported, and the socket that
cannot carry sound at all."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from playout import app as app_mod
from playout.actions import Actor
from playout.daemon import control
from playout.daemon.control import LocalControl, Refused
from playout.daemon.live import LiveDaemon
from playout.errors import PlayoutError
from tests.daemon.helpers import daemon_station, rows, wait_for

TECH = Actor("kythuat", "web", "127.0.0.1", "technician")
OTHER = Actor("kythuat2", "web", "127.0.0.1", "technician")
MANAGER = Actor("lanhdao", "web", "127.0.0.1", "manager")


def _tone(n: int, start: int = 0) -> bytes:
    t = np.arange(start, start + n) / 48_000
    return (np.sin(2 * np.pi * 440 * t) * 8000).astype("<i2").tobytes()


def test_a_live_to_one_zone_ends_when_the_page_falls_silent_and_is_kept(tmp_path: Path) -> None:
    zones = ('module = "null"\n\n[[zone]]\nid = "xa-a"\nmodule = "null"\n\n'
             '[[zone]]\nid = "ap-3"\nmodule = "null"\n')  # fmt: skip
    st = daemon_station(tmp_path, zones)
    d = LiveDaemon(app_mod.build(st.config))
    d.start()
    web = LocalControl(d.control.dispatcher)
    try:
        d.speech.quiet_s = 1.0
        with pytest.raises(Refused) as refused:
            web.call("POST", "/live/start", {"level": "priority"}, actor=MANAGER)
        assert refused.value.status == 403
        live = web.call("POST", "/live/start", {"level": "priority", "zones": ["ap-3"]}, actor=TECH)
        assert live["zones"] == ["ap-3"] and live["title"].endswith(" — kythuat")
        with pytest.raises(PlayoutError, match="already live"):
            web.call("POST", "/live/start", {"level": "normal"}, actor=OTHER)
        chunk = {"id": live["id"], "t_ms": time.time() * 1000}
        with pytest.raises(PlayoutError, match="not this account"):
            web.call("POST", "/live/chunk", {**chunk, "pos": 0, "pcm": _tone(4800)}, actor=OTHER)
        with pytest.raises(PlayoutError, match="not valid"):
            web.call("POST", "/live/chunk", {**chunk, "pos": 0, "pcm": b"\0\0\0"}, actor=TECH)
        # Over the socket, the sound cannot even be said: JSON has no bytes.
        with pytest.raises(PlayoutError, match="pcm"):
            control.call(d.cfg.daemon.control_socket, "POST", "/live/chunk", {**chunk, "pos": 0, "pcm": "AAAA"})
        web.call("POST", "/live/chunk", {**chunk, "pos": 0, "pcm": _tone(4800)}, actor=TECH)
        web.call("POST", "/live/chunk", {**chunk, "pos": 9600, "pcm": _tone(4800, 9600)}, actor=TECH)  # one lost
        web.call("POST", "/live/chunk", {**chunk, "pos": 9600, "pcm": _tone(9600, 9600)}, actor=TECH)  # again, half new
        talk = d.speech.talk
        assert talk is not None and talk.received == 19200 and talk.lost == 4800
        # The page speaks in real time until the output has the live on air, then falls silent.
        pos = 19200
        while web.call("POST", "/live/state", {"id": live["id"]}, actor=TECH)["state"] != "on_air":
            assert pos < 48_000 * 20, "the live never came on air"
            web.call("POST", "/live/chunk", {**chunk, "pos": pos, "pcm": _tone(4800, pos)}, actor=TECH)
            pos += 4800
            time.sleep(0.1)  # the page's pace: a chunk every 100 ms
        assert talk.done.wait(30), "the live did not end when the page fell silent"
        assert talk.state == "saved" and talk.clip_id is not None
        [row] = wait_for(lambda: [r for r in rows(st, "live@") if r["clip_id"]], 10, "the row to point at the clip")
        assert row["zone"] == "ap-3" and row["outcome"] == "aired" and row["level"] == "priority" and row["manual"]
        assert row["reason"] == "the page stopped sending (1 s without sound from it)"
        assert row["actor"] == "kythuat (web, 127.0.0.1)" and row["kind"] == "announcement"
        clip = d.app.clips.get(row["clip_id"])
        assert getattr(clip.kind, "value", clip.kind) == "announcement" and clip.title == live["title"]
        assert clip.duration_ms >= pos * 1000 // 48_000 - 300  # all that was said (a little trimmed at the ends)
        journal = [(a.action, a.outcome) for a in d.actions.between(_epoch(), _far())[0]]
        assert ("live/start", "ok") in journal and ("live-stop", "ended: the page stopped sending") in journal
        assert ("live-record", "ok") in journal and ("live/start", "refused: not permitted") in journal
        with pytest.raises(PlayoutError, match="not this account"):
            web.call("POST", "/live/stop", {"id": "not-it"}, actor=TECH)
    finally:
        d.stop()


def _epoch():  # noqa: ANN202
    from datetime import UTC, datetime

    return datetime(2000, 1, 1, tzinfo=UTC)


def _far():  # noqa: ANN202
    from datetime import UTC, datetime

    return datetime(2100, 1, 1, tzinfo=UTC)
