"""The web page's server (waitress) before the application: a body from someone not logged
in is refused before it is read, and a foreign Host is refused, on a real socket."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator

import pytest

from playout import config as config_mod
from playout.app import App
from playout.web.server import LOGIN_FORM_MAX, WebServer
from tests.conftest import free_port
from tests.web.conftest import PASSWORDS, FakeControl, Web


@pytest.fixture
def served(web: Web) -> Iterator[tuple[Web, int]]:
    port = free_port()
    app = App(config=config_mod.load(web.station.config, env={"PLAYOUT_WEB_PORT": str(port)}), clock=web.clock)
    server = WebServer(app, FakeControl())
    server.start()
    try:
        yield web, port
    finally:
        server.stop()


def _exchange(port: int, data: bytes, timeout: float = 5) -> bytes:
    """Send a request's head (and whatever body is given) and read the answer, without ever
    sending the rest of the body the head announced."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        try:
            while chunk := s.recv(65536):
                out += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    return out


def _head(path: str, length: int | None, cookie: str = "", extra: str = "") -> bytes:
    size = f"Content-Length: {length}\r\n" if length is not None else "Transfer-Encoding: chunked\r\n"
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=x\r\n"
            f"{size}{'Cookie: ' + cookie + chr(13) + chr(10) if cookie else ''}{extra}\r\n").encode()  # fmt: skip


def _login(port: int) -> str:
    """Log in over the socket; the session cookie."""
    page = _exchange(port, b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").decode()
    cookie = re.search(r"Set-Cookie: (playout_session=[^;]+)", page).group(1)  # type: ignore[union-attr]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    form = f"name=kythuat&password={PASSWORDS['kythuat']}&csrf_token={csrf}".encode()
    answer = _exchange(port, (f"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nConnection: close\r\n"
                              "Content-Type: application/x-www-form-urlencoded\r\n"
                              f"Content-Length: {len(form)}\r\n\r\n").encode() + form).decode()  # fmt: skip
    assert answer.startswith("HTTP/1.1 302"), answer[:300]
    return re.search(r"Set-Cookie: (playout_session=[^;]+)", answer).group(1)  # type: ignore[union-attr]


def test_an_anonymous_body_is_refused_before_it_is_read(served: tuple[Web, int]) -> None:
    web, port = served
    started = time.monotonic()
    for request in (_head("/library/upload", 200 * 1024 * 1024), _head("/library/upload", None),
                    _head("/skip", 10), _head("/login", LOGIN_FORM_MAX + 1), _head("/login", None),
                    _head("/library/upload", 200 * 1024 * 1024, cookie="playout_session=forged.value.sig")):  # fmt: skip
        answer = _exchange(port, request)
        assert answer.startswith(b"HTTP/1.1 401 Unauthorized"), (request[:60], answer[:200])
        assert "Hãy đăng nhập." in answer.decode()
    assert time.monotonic() - started < 5  # answered at once: nothing waited for the 200 MB
    assert not any(web.uploads.iterdir()) if web.uploads.exists() else True


def test_a_logged_in_upload_and_the_small_login_form_still_go_through(served: tuple[Web, int]) -> None:
    _web, port = served
    cookie = _login(port)
    body = (b"--x\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nchime\r\n--x\r\nContent-Disposition: form-data; "
            b"name=\"file\"; filename=\"a.ogg\"\r\nContent-Type: audio/ogg\r\n\r\nnot audio\r\n--x--\r\n")  # fmt: skip
    # Without its CSRF token the page refuses it, but only after the server let the body in.
    answer = _exchange(port, _head("/library/upload", len(body), cookie, "Connection: close\r\n") + body)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:300]
    # A logged-in body that does not come is waited for, not refused.
    with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
        s.sendall(_head("/library/upload", 10_000, cookie))
        with pytest.raises(TimeoutError):
            s.recv(100)


def test_the_real_server_refuses_a_rebound_host_name(served: tuple[Web, int]) -> None:
    _web, port = served
    answer = _exchange(port, b"GET /now/live HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 421"), answer[:200]
    answer = _exchange(port, b"GET /login HTTP/1.1\r\nHost: evil.example:8471\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 421") and "evil.example" in answer.decode()
