"""IP loudspeakers against a real icecast2: the live daemon polls Icecast's listener list,
knows which registered speakers are connected (recognised by their address: each test
listener connects from its own loopback address), counts an unregistered one, and records
for an airing how many registered speakers were connected throughout it; a speaker that
disconnects mid-airing is not counted.
"""

from __future__ import annotations

import base64
import socket
import threading
from pathlib import Path

from playout import app as app_mod
from playout.daemon.live import LiveDaemon
from tests.daemon.helpers import at, rows, slot, wait_for
from tests.daemon.helpers import daemon_station
from tests.icecast import Icecast

SEGMENT = "CCHC: Đăng ký khai sinh trực tuyến"  # 11 s: long enough to drop a speaker in the middle


class HttpListener:
    """A speaker: an HTTP client pulling the mount from its own address, reading as it comes."""

    def __init__(self, port: int, mount: str, address: str, login: tuple[str, str] | None = None) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(address, 0))
        auth = f"Authorization: Basic {base64.b64encode(':'.join(login).encode()).decode()}\r\n" if login else ""
        self.sock.sendall(f"GET /{mount} HTTP/1.0\r\nHost: 127.0.0.1\r\nUser-Agent: LoaIP-test\r\n{auth}\r\n".encode())
        self.received = 0
        self.head = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            if len(self.head) < 64:
                self.head += data[:64]
            self.received += len(data)

    def close(self) -> None:
        self._stop.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self._thread.join(timeout=5)


def test_the_daemon_knows_who_listens_and_records_who_heard_an_airing_throughout(tmp_path: Path,
                                                                                  icecast: Icecast) -> None:  # fmt: skip
    zones = (f'module = "null"\n\n[speakers]\npoll_seconds = 1\n\n'
             f'[[zone]]\nid = "ap-3"\nname = "Ấp 3"\nicecast = "{icecast.url("ap-3")}"\n'
             f'admin_password = "{icecast.password}"\n')  # fmt: skip
    st = daemon_station(tmp_path, zones)
    (st.root / "speakers.toml").write_text(
        '[[speaker]]\nid = "ap3-01"\nzone = "ap-3"\nname = "Loa cổng chợ"\nplace = "Chợ ấp 3"\nip = "127.0.0.2"\n\n'
        '[[speaker]]\nid = "ap3-02"\nzone = "ap-3"\nname = "Loa trường học"\nip = "127.0.0.3"\n', encoding="utf-8")
    daemon = LiveDaemon(app_mod.build(st.config))
    listeners: list[HttpListener] = []
    daemon.start()
    try:
        wait_for(lambda: "/ap-3" in icecast.mounts(), 10, "the zone's source on its mount")
        before = daemon._status({}, None)[1]["speakers"]  # type: ignore[arg-type]
        assert [(z["zone"], z["online"], z["total"]) for z in before] == [("ap-3", 0, 2)]
        assert icecast.password not in str(daemon._status({}, None))  # type: ignore[arg-type]
        a, b, stranger = (HttpListener(icecast.port, "ap-3", f"127.0.0.{n}") for n in (2, 3, 4))
        listeners += [a, b, stranger]

        def connected() -> dict | None:
            [zone] = daemon._status({}, None)[1]["speakers"]  # type: ignore[arg-type]
            return zone if zone["online"] == 2 and zone["unregistered"] == 1 else None

        zone = wait_for(connected, 10, "both speakers online and the stranger counted")
        assert [(s["id"], s["online"]) for s in zone["speakers"]] == [("ap3-01", True), ("ap3-02", True)]
        assert a.head.startswith(b"HTTP/1.0 200") and b.head.startswith(b"HTTP/1.0 200")
        # The technician's listing, from the file and the running daemon.
        listing = st.cli("speakers")
        assert listing.exit_code == 0, listing.output
        assert "Loa cổng chợ" in listing.output and "Chợ ấp 3" in listing.output and "127.0.0.3" in listing.output
        assert "2 / 2 loa trực tuyến, 1 kết nối chưa đăng ký" in listing.output and "trực tuyến từ" in listing.output

        when = at(4)
        (st.root / "schedules" / "test.toml").write_text(slot("pa", when, [SEGMENT], chime=False), encoding="utf-8")
        row = wait_for(lambda: (r := rows(st, "pa@")) and r[0]["outcome"] == "in_progress" and r[0], 20,
                       "the segment to start")  # fmt: skip
        wait_for(lambda: daemon.player.now_playing() is not None and daemon.player.now_playing().position_ms > 3000,
                 10, "three seconds of the segment")  # fmt: skip
        b.close()  # the school's speaker drops off mid-airing
        [done] = wait_for(lambda: (r := rows(st, "pa@")) and r[0]["speakers_total"] is not None and r, 30,
                          "the airing's speakers to be recorded")  # fmt: skip
        assert done["outcome"] == "aired" and done["key"] == row["key"]
        assert (done["speakers_heard"], done["speakers_total"]) == (1, 2)
        status = daemon._status({}, None)[1]  # type: ignore[arg-type]
        [zone] = status["speakers"]
        assert [(s["id"], s["online"]) for s in zone["speakers"]] == [("ap3-01", True), ("ap3-02", False)]
        assert zone["speakers"][1]["since"] is not None  # offline since the poll that missed it
        assert status["last"][0]["speakers_heard"] == 1 and status["last"][0]["speakers_total"] == 2
        # `playout status` says it too: the zone's count, the speaker offline, the airing's "1 / 2".
        shown = st.cli("status")
        assert shown.exit_code == 0, shown.output
        assert "1 / 2 loa trực tuyến, 1 kết nối chưa đăng ký" in shown.output
        assert "ap3-02  Loa trường học  mất kết nối từ" in shown.output and " 1 / 2 " in shown.output
    finally:
        for listener in listeners:
            listener.close()
        daemon.stop()


def test_wrong_admin_credentials_are_a_status_line_and_airings_say_unknown(tmp_path: Path, icecast: Icecast) -> None:
    zones = (f'module = "null"\n\n[speakers]\npoll_seconds = 1\n\n'
             f'[[zone]]\nid = "ap-3"\nname = "Ấp 3"\nicecast = "{icecast.url("ap-3")}"\n'
             f'admin_password = "sai-mat-khau"\n')  # fmt: skip
    st = daemon_station(tmp_path, zones)
    (st.root / "speakers.toml").write_text('[[speaker]]\nid = "ap3-01"\nzone = "ap-3"\nname = "Loa"\nip = "127.0.0.2"\n'
                                           '[[speaker]]\nid = "bad id"\nzone = "ap-3"\nname = "Loa"\nip = "127.0.0.5"\n',
                                           encoding="utf-8")  # fmt: skip
    daemon = LiveDaemon(app_mod.build(st.config))
    daemon.start()
    try:
        def refused() -> list | None:
            found = [p for p in daemon.problems() if p["id"] == "problem.speakers_unknown"]
            return found or None

        [problem] = wait_for(refused, 10, "the refused admin login in status")
        assert "401" in problem["params"]["detail"] and "sai-mat-khau" not in str(daemon.problems())
        [mistake] = [p for p in daemon.problems() if p["id"] == "problem.speakers_file"]
        assert "speakers.toml:7:" in mistake["params"]["detail"]
        daemon.station.air_now(2, __import__("playout.model", fromlist=["Level"]).Level.NORMAL, "test")
        [done] = wait_for(lambda: (r := rows(st, "manual@")) and r[0]["speakers_total"] is not None and r, 30,
                          "the airing's speakers to be recorded")  # fmt: skip
        assert (done["speakers_heard"], done["speakers_total"]) == (None, 1)
        listing = st.cli("speakers")
        assert listing.exit_code == 2 and "speakers.toml:7:" in listing.output and "chưa rõ" in listing.output
    finally:
        daemon.stop()


def test_speakers_behind_one_address_are_recognised_by_their_user_names(tmp_path: Path) -> None:
    """Two speakers behind one address (a carrier's NAT), each logging in to the mount with
    its own user name (Icecast's htpasswd listener authentication); a listener without a
    login is refused by Icecast and never counted."""
    icecast = Icecast(listener_users={"ap-3": {"ap3-01": "mk-01", "ap3-02": "mk-02"}})
    listeners: list[HttpListener] = []
    try:
        zones = (f'module = "null"\n\n[speakers]\npoll_seconds = 1\n\n'
                 f'[[zone]]\nid = "ap-3"\nname = "Ấp 3"\nicecast = "{icecast.url("ap-3")}"\n'
                 f'admin_password = "{icecast.password}"\n')  # fmt: skip
        st = daemon_station(tmp_path, zones)
        (st.root / "speakers.toml").write_text(
            '[[speaker]]\nid = "ap3-01"\nzone = "ap-3"\nname = "Loa 1"\nip = "127.0.0.1"\nuser = "ap3-01"\n\n'
            '[[speaker]]\nid = "ap3-02"\nzone = "ap-3"\nname = "Loa 2"\nip = "127.0.0.1"\nuser = "ap3-02"\n\n'
            '[[speaker]]\nid = "ap3-03"\nzone = "ap-3"\nname = "Loa 3"\nuser = "ap3-03"\n', encoding="utf-8")
        daemon = LiveDaemon(app_mod.build(st.config))
        daemon.start()
        try:
            wait_for(lambda: "/ap-3" in icecast.mounts(), 10, "the zone's source on its mount")
            listeners += [HttpListener(icecast.port, "ap-3", "127.0.0.1", ("ap3-01", "mk-01")),
                          HttpListener(icecast.port, "ap-3", "127.0.0.1", ("ap3-02", "mk-02")),
                          HttpListener(icecast.port, "ap-3", "127.0.0.1")]  # fmt: skip

            def both() -> dict | None:
                [zone] = daemon._status({}, None)[1]["speakers"]  # type: ignore[arg-type]
                return zone if zone["online"] == 2 else None

            zone = wait_for(both, 10, "both speakers online")
            assert [(s["id"], s["online"]) for s in zone["speakers"]] == [
                ("ap3-01", True), ("ap3-02", True), ("ap3-03", False)]  # fmt: skip
            assert zone["unregistered"] == 0 and zone["listeners"] == 2
            assert listeners[2].head.startswith(b"HTTP/1.0 401")
        finally:
            daemon.stop()
    finally:
        for listener in listeners:
            listener.close()
        icecast.stop()
