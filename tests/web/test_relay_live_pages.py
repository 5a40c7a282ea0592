"""Relays and lives as the station's people see them: the Week grid marks a relay slot with
its source and length; Now says "Tiếp âm …" with the source's state (connected but silent since
when, connected, then dropped since when, after a real Icecast upstream is killed) and "Trực tiếp — who" for a live; the
log's export, read back, names both for what they were. A real daemon (file output) behind the
web application, driven with Flask's test client as a manager would use it."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import datetime
from pathlib import Path

from playout import app as app_mod
from playout.actions import Actor
from playout.daemon.control import LocalControl
from playout.daemon.live import LiveDaemon
from playout.users import UserRepository
from playout.web import create_app
from tests.daemon.helpers import TZ, at, daemon_station, final, wait_for
from tests.icecast import Icecast
from tests.output.test_relay import Upstream
from tests.web.conftest import PASSWORDS, token

TECH = Actor("kythuat", "web", "127.0.0.1", "technician")


def _tone(n: int, start: int = 0) -> bytes:
    import numpy as np

    t = np.arange(start, start + n) / 48_000
    return (np.sin(2 * np.pi * 440 * t) * 8000).astype("<i2").tobytes()


def test_a_relay_and_a_live_on_week_now_and_in_the_export(icecast: Icecast, tmp_path: Path) -> None:
    upstream = Upstream(icecast, source="anullsrc=channel_layout=mono")  # connected, silent at first
    capture = tmp_path / "out.wav"
    st = daemon_station(tmp_path, f'module = "file"\nfile = "{capture}"')
    when = at(5)
    url = icecast.listen_url("tinh")
    (st.root / "schedules" / "tiep-am.toml").write_text(
        f'[[slot]]\nid = "tiep-am"\ntimes = ["{when:%H:%M:%S}"]\nchime = false\n'
        f'  [[slot.item]]\n  relay = "{url}"\n  minutes = 0.5\n  title = "Thời sự Đài tỉnh"\n',
        encoding="utf-8")  # fmt: skip
    d = LiveDaemon(app_mod.build(st.config))
    users = UserRepository(d.app.db, d.app.clock)
    users.add("lanhdao", "manager", PASSWORDS["lanhdao"])
    site = create_app(d.app, LocalControl(d.control.dispatcher))
    page = site.test_client()
    r = page.post("/login", data={"name": "lanhdao", "password": PASSWORDS["lanhdao"], "csrf_token": token(page)})
    assert r.status_code == 302
    d.start()
    try:
        # The Week grid: the relay slot, as a relay, with its source and its length (30 s).
        week = page.get(f"/week?week={when:%G-W%V}").get_data(as_text=True)
        cell = week[week.index("tiep-am"):][:1500]
        assert "Tiếp âm Thời sự Đài tỉnh" in cell and f"◂ {url}" in cell and "0:30" in cell, cell
        assert 'class="k-relay"' in cell

        def now() -> str:
            return page.get("/now/live").get_data(as_text=True)

        # Connected and silent (an encoder on a dead input) is not "connected": Now says since when.
        wait_for(lambda: re.search(r"nguồn đã kết nối, không có tiếng từ \d\d:\d\d:\d\d", now()), 20,
                 "Now to show the source silent")  # fmt: skip
        upstream.stop()
        upstream.source = "sine=frequency=660"
        upstream.start()
        wait_for(lambda: "nguồn đã kết nối</span>" in now(), 20, "Now to show the relay connected and heard")
        shown = now()
        assert "Tiếp âm Thời sự Đài tỉnh" in shown and f"◂ {url}" in shown
        upstream.stop()  # the province's encoder goes away
        killed = datetime.now(TZ).replace(microsecond=0)
        dropped = wait_for(lambda: re.search(r"mất nguồn từ (\d\d:\d\d:\d\d)", now()), 15, "Now to show the dropout")
        since = datetime.combine(killed.date(), datetime.strptime(dropped.group(1), "%H:%M:%S").time(), TZ)
        assert 0 <= (since - killed).total_seconds() <= 10, (since, killed)
        [relay] = wait_for(final(st, "tiep-am@", 1), 40, "the relay to finish")
        assert relay["kind"] == "relay" and "dropped out" in relay["reason"], relay

        # A live from the page's microphone: Now says who speaks.
        d.speech.quiet_s = 2.0
        live = LocalControl(d.control.dispatcher).call("POST", "/live/start", {"level": "normal"}, actor=TECH)
        pos = 0

        def speak() -> str:
            nonlocal pos
            LocalControl(d.control.dispatcher).call("POST", "/live/chunk", {"id": live["id"], "t_ms": time.time() * 1000,
                                                    "pos": pos, "pcm": _tone(4800, pos)}, actor=TECH)  # fmt: skip
            pos += 4800
            return now()

        shown = wait_for(lambda: "Trực tiếp — kythuat đang nói" in (text := speak()) and text, 15, "Now to show the live")
        assert live["title"] in shown
        LocalControl(d.control.dispatcher).call("POST", "/live/stop", {"id": live["id"]}, actor=TECH)
        wait_for(lambda: d.speech.talk.done.is_set(), 30, "the live to be kept")
    finally:
        d.stop()
        upstream.stop()
    # The export a manager downloads, read back: the relay is a relay, the live a live.
    got = page.get(f"/log/export?format=csv")
    assert got.status_code == 200, got.get_data(as_text=True)[:300]
    table = list(csv.DictReader(io.StringIO(got.get_data(as_text=True).lstrip("\ufeff"))))
    kinds = {row["Tiêu đề"]: row for row in table}
    assert kinds["Thời sự Đài tỉnh"]["Loại"] == "tiếp âm", kinds
    # The two dropouts (the silence at first, the upstream killed), in the reader's words.
    assert "bị mất 2 lần" in kinds["Thời sự Đài tỉnh"]["Lý do"], kinds["Thời sự Đài tỉnh"]
    spoken = kinds[live["title"]]
    assert live["title"].startswith("Phát trực tiếp ") and spoken["Khung giờ"] == "live", spoken
    assert spoken["Người thực hiện"].startswith("kythuat"), spoken
    # The log page shows the relay's kind as such.
    log_page = page.get("/log").get_data(as_text=True)
    assert '<span class="k k-relay">tiếp âm</span>' in log_page
    assert "bắt đầu phát trực tiếp" in log_page  # the journal's live start, by its name
