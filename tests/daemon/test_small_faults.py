"""Small faults: a check of a database that is not there, a status client that gives up, a
schedules folder removed and made again."""

from __future__ import annotations

import shutil
import socket
import struct
import threading
from pathlib import Path

import pytest

from playout import app as app_mod
from playout.daemon.control import ControlServer, Dispatcher, Route
from tests.conftest import free_port, make_station
from tests.daemon.helpers import daemon_station, wait_for


def test_db_check_on_a_database_that_does_not_exist_says_so_not_damaged(tmp_path: Path) -> None:
    st = make_station(tmp_path / "st")
    r = st.cli("db", "check")
    assert r.exit_code == 4
    assert "Không có tệp cơ sở dữ liệu" in r.output and "hỏng" not in r.output
    assert not st.db_path.exists()


def test_a_status_client_that_gives_up_leaves_no_traceback(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    asked, answer = threading.Event(), threading.Event()

    def slow(_body: dict, _actor: object) -> tuple[int, dict]:
        asked.set()
        answer.wait(10)
        return 200, {"text": "x" * 200_000}

    path = tmp_path / "playout.sock"
    server = ControlServer(path, None, Dispatcher({("GET", "/status"): Route(slow, False, {})}))
    server.start()
    before = threading.active_count()
    try:
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.connect(str(path))
        client.sendall(b"GET /status HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert asked.wait(10)
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # gone: a reset
        client.close()
        answer.set()
        wait_for(lambda: threading.active_count() < before + 1, 10, "the request's thread to end")
    finally:
        server.stop()
    err = capsys.readouterr().err
    assert "Traceback" not in err and "BrokenPipe" not in err and "ConnectionReset" not in err, err


def test_a_schedules_folder_removed_then_made_again_empty_is_no_longer_reported_missing(tmp_path: Path) -> None:
    from playout.daemon.live import LiveDaemon

    st = daemon_station(tmp_path)
    folder = st.root / "schedules"
    daemon = LiveDaemon(app_mod.build(st.config))
    daemon.start()
    try:
        assert daemon.schedule_errors == []
        shutil.rmtree(folder)
        daemon._last_watch = 0
        daemon._tick()
        assert daemon.schedule_errors  # the folder is missing
        folder.mkdir()
        daemon._last_watch = 0
        daemon._tick()
        assert daemon.schedule_errors == []
    finally:
        daemon.stop()
