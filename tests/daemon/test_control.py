"""The control interface: a Unix socket only the station's users can drive, which checks
every request and survives hostile ones."""

from __future__ import annotations

import grp
import os
import pwd
import secrets
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from playout import app as app_mod
from playout.daemon import control
from playout.daemon.live import LiveDaemon
from playout.errors import PlayoutError
from tests.daemon.helpers import daemon_station, final, wait_for

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="creating throwaway Unix users needs root")


def raw(path: Path, data: bytes, timeout: float = 10) -> bytes:
    """Send bytes as they are on the socket and read the whole answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(str(path))
        s.sendall(data)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    return out


def post(body: bytes, content_type: str = "application/json", extra: str = "", path: str = "/air-now") -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: {content_type}\r\n{extra}"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body  # fmt: skip


def journal(db: Path) -> list[tuple]:
    con = sqlite3.connect(db, timeout=30)
    try:
        return con.execute("select actor, via, address, action, detail, outcome from actions order by id").fetchall()
    finally:
        con.close()


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple]:
    st = daemon_station(tmp_path)
    daemon = LiveDaemon(app_mod.build(st.config))
    daemon.start()
    try:
        yield st, daemon, daemon.cfg.daemon.control_socket
    finally:
        daemon.stop()


def test_the_control_interface_is_a_socket_for_its_owner_and_group_not_a_tcp_port(running: tuple) -> None:
    st, daemon, sock = running
    mode = os.stat(sock).st_mode & 0o777
    group = daemon.cfg.daemon.control_group
    assert mode in (0o660, 0o600) and not mode & 0o007  # nobody else may connect
    if group and _gid(group) is not None:
        assert mode == 0o660 and os.stat(sock).st_gid == _gid(group)
    assert daemon.control.server.socket.family == socket.AF_UNIX  # no TCP port for a browser to reach
    assert st.cli("status").exit_code == 0


def _gid(name: str) -> int | None:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        return None


def test_a_bad_level_is_a_400_with_one_sentence_and_the_daemon_keeps_answering(running: tuple) -> None:
    st, daemon, sock = running
    answer = raw(sock, post(b'{"clip":"1","level":"khan-cap"}'))
    assert answer.startswith(b"HTTP/1.0 400 ")
    assert "The level “khan-cap” is not valid; expected one of: normal, priority, emergency." in answer.decode()
    with pytest.raises(PlayoutError) as info:
        control.call(sock, "POST", "/air-now", {"clip": "1", "level": "khan-cap"})
    assert info.value.render("vi") == "Mức phát «khan-cap» không hợp lệ; cần một trong: normal, priority, emergency."
    cli = st.cli("air-now", "1", "--level", "khan-cap")
    assert cli.exit_code == 2 and "Traceback" not in cli.output
    for body, status in ((b'{"clip": ["1"]}', b"400"), (b'{"clip":"1","colour":"red"}', b"400"), (b"[1]", b"400"),
                         (b"{nope", b"400"), (b'{"clip":"1","level":null}', b"400")):  # fmt: skip
        assert raw(sock, post(body)).split(b" ")[1] == status, body
    assert control.call(sock, "GET", "/status")["station"]


def test_hostile_requests_are_refused_without_harm(running: tuple) -> None:
    st, daemon, sock = running
    body = b'{"clip":"1","level":"emergency"}'
    cases = {
        "text/plain": (post(body, "text/plain"), b"415"),
        "a form": (post(b"clip=1", "application/x-www-form-urlencoded"), b"415"),
        "another Host": (post(body).replace(b"Host: localhost", b"Host: evil.example"), b"421"),
        "a page's Origin": (post(body, extra="Origin: http://127.0.0.1:9999\r\n"), b"403"),
        "a browser's fetch": (post(body, extra="Sec-Fetch-Site: cross-site\r\n"), b"403"),
        "Content-Length: abc": (post(body).replace(f"Content-Length: {len(body)}".encode(), b"Content-Length: abc"),
                                b"400"),
        "a negative length": (post(body).replace(f"Content-Length: {len(body)}".encode(), b"Content-Length: -5"),
                              b"400"),
        "a huge body": (post(b" " * 20_000 + body), b"413"),
        "chunked": (post(body).replace(f"Content-Length: {len(body)}".encode(), b"Transfer-Encoding: chunked"),
                    b"400"),
    }  # fmt: skip
    for what, (request, status) in cases.items():
        answer = raw(sock, request)
        assert answer.split(b" ")[1] == status, (what, answer[:200])
    assert daemon.player.now_playing() is None  # nothing aired
    assert not [r for r in journal(st.db_path) if r[3] == "air-now" and r[5] == "ok"]
    assert control.call(sock, "GET", "/status")["now_playing"] is None  # and it still answers


def test_stalled_clients_are_dropped_and_do_not_hold_threads(running: tuple) -> None:
    _st, daemon, sock = running
    before = threading.active_count()
    stalled = []
    for _ in range(50):  # headers announcing a body that never comes
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(control.READ_TIMEOUT_S + 5)
        s.connect(str(sock))
        s.sendall(b"POST /skip HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n")
        stalled.append(s)
    try:
        assert threading.active_count() <= before + control.MAX_CONNECTIONS + 2
        started = time.monotonic()
        for s in stalled:  # each is answered (408), or closed at once when all slots were taken
            try:
                answer = s.recv(4096)
            except ConnectionResetError:
                answer = b""
            assert answer == b"" or answer.split(b" ")[1] == b"408"
        assert time.monotonic() - started < control.READ_TIMEOUT_S + 3
    finally:
        for s in stalled:
            s.close()
    assert control.call(sock, "GET", "/status")["station"]  # free again


def test_air_now_by_the_station_user_is_recorded_with_who_did_it(running: tuple) -> None:
    st, daemon, sock = running
    me = pwd.getpwuid(os.getuid()).pw_name
    assert st.cli("air-now", "CCHC: Đăng ký khai sinh trực tuyến", "--level", "emergency").exit_code == 0
    wait_for(lambda: daemon.player.now_playing(), 10, "the manual airing to start")
    assert st.cli("skip").exit_code == 0
    [row] = wait_for(final(st, "manual@", 1), 10, "the skip")
    assert row["actor"].startswith(f"{me} (cli, pid ")
    assert st.cli("schedule", "reload").exit_code == 0
    everything = journal(st.db_path)
    imports = [a for a in everything if a[3] == "import"]  # the station's clips, by `playout import`
    assert len(imports) == 3 and all(a[:2] == (me, "cli") and a[5] == "imported" for a in imports)
    actions = [a for a in everything if a[3] != "import"]
    assert [(a[0], a[1], a[3], a[5]) for a in actions] == [(me, "cli", "air-now", "ok"), (me, "cli", "skip", "ok"),
                                                            (me, "cli", "reload", "ok")]  # fmt: skip
    assert "CCHC: Đăng ký khai sinh trực tuyến (emergency)" in actions[0][4]
    assert all(a[2].startswith("pid ") for a in actions)
    log_csv = st.root / "log.csv"
    assert st.cli("log", "export", "--from", "2020-01-01", "--to", "2099-12-31", "--out", str(log_csv)).exit_code == 0
    assert f"{me} (cli, pid " in log_csv.read_text(encoding="utf-8-sig")


@pytest.fixture
def accounts() -> Iterator[tuple[str, str, str]]:
    """A throwaway group and two throwaway users: one in it, one not."""
    tag = secrets.token_hex(3)
    group, member, outsider = f"pt{tag}", f"pm{tag}", f"po{tag}"
    subprocess.run(["groupadd", "--system", group], check=True)
    try:
        subprocess.run(["useradd", "--system", "--no-create-home", "-G", group, member], check=True)
        subprocess.run(["useradd", "--system", "--no-create-home", outsider], check=True)
        yield group, member, outsider
    finally:
        for user in (member, outsider):
            subprocess.run(["userdel", user], check=False, capture_output=True)
        subprocess.run(["groupdel", group], check=False, capture_output=True)


def _as_user(name: str, sock: Path, group: str) -> tuple[str, str]:
    """Ask the daemon for its status as another Unix user (a forked child that drops to that
    user's ids); returns how it went and the sentence the command would print."""
    entry = pwd.getpwnam(name)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(read)
            os.setgroups(os.getgrouplist(name, entry.pw_gid))
            os.setgid(entry.pw_gid)
            os.setuid(entry.pw_uid)
            try:
                control.call(sock, "GET", "/status", group=group)
                result = "answered\tok"
            except PlayoutError as exc:
                result = f"refused\t{exc.render('en')}"
            os.write(write, result.encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as f:
        how, line = f.read().split("\t", 1)
    return how, line


@needs_root
def test_a_local_user_outside_the_group_is_refused_and_a_member_is_let_in(tmp_path: Path, accounts: tuple) -> None:
    group, member, outsider = accounts
    # A folder everyone may enter, so that only the socket's own permissions decide.
    public = Path(tempfile.mkdtemp(prefix="playout-ctl-", dir="/tmp"))
    public.chmod(0o755)
    st = daemon_station(tmp_path)
    env = {"PLAYOUT_DAEMON_CONTROL_SOCKET": str(public / "control.sock"), "PLAYOUT_DAEMON_CONTROL_GROUP": group}
    from playout import config as config_mod

    daemon = LiveDaemon(app_mod.App(config=config_mod.load(st.config, env=env)))
    daemon.start()
    sock = daemon.cfg.daemon.control_socket
    try:
        assert os.stat(sock).st_gid == grp.getgrnam(group).gr_gid and os.stat(sock).st_mode & 0o777 == 0o660
        assert _as_user(outsider, sock, group) == ("refused", f"The account {outsider} may not control playout ({sock}): ask for "
                                                       f"it to be added to the station's group (sudo adduser {outsider} "
                                                       f"{group}), then log in again.")  # fmt: skip
        assert _as_user(member, sock, group) == ("answered", "ok")
        # Should the file's permissions be loosened by mistake, the daemon still asks the kernel.
        os.chmod(sock, 0o666)
        assert _as_user(outsider, sock, group) == ("refused", f"The account {outsider} is not in the group {group}, so it "
                                                       "may not control playout.")  # fmt: skip
        refused = [a for a in journal(st.db_path) if a[3] == "connect"]
        assert refused and refused[-1][0] == outsider and refused[-1][5].startswith("refused")
    finally:
        daemon.stop()
        subprocess.run(["rm", "-rf", str(public)], check=False)
