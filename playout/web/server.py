"""Serving the web page from the daemon's process, with waitress (a production WSGI server,
pure Python) in a background thread next to the control interface.

waitress reads a whole request body (spooled to a temporary file) before the application
sees the request; the request's headers are therefore checked here first: a body from
anyone not logged in is refused before a byte of it is read, except the login form, which
is small and bounded.
"""

from __future__ import annotations

import errno
import logging
import threading

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import create_server
from waitress.utilities import Error

from playout.app import App
from playout.errors import PlayoutError
from playout.i18n import t
from playout.web import Control, create_app
from playout.web.auth import session_valid

LOGIN_FORM_MAX = 16 * 1024  # a name, a password, a CSRF token


class _LoginFirst(Error):
    code = 401
    reason = "Unauthorized"


def _gated_channel(gate) -> type[HTTPChannel]:  # noqa: ANN001
    """A waitress channel whose parser asks `gate(parser)` once a request's headers are in;
    a refusal completes the request at once, without reading its body."""

    class Parser(HTTPRequestParser):
        def parse_header(self, header_plus: bytes) -> None:
            super().parse_header(header_plus)
            refusal = gate(self) if (self.content_length > 0 or self.chunked) else None
            if refusal is not None:
                self.error = _LoginFirst(refusal)
                self.body_rcv = None
                self.completed = True

    class Channel(HTTPChannel):
        parser_class = Parser

    return Channel


class WebServer:
    def __init__(self, app: App, control: Control | None, *, province: bool = False) -> None:
        cfg = app.config.web
        wsgi = create_app(app, control, province=province)
        try:
            self.server = create_server(
                wsgi, host=cfg.host, port=cfg.port, threads=4, ident="playout",
                # The upload limit is enforced here too, before Flask sees a byte.
                max_request_body_size=cfg.max_upload_bytes + 1024 * 1024,
                channel_timeout=120, clear_untrusted_proxy_headers=True,
            )  # fmt: skip
        except OSError as exc:
            raise PlayoutError("web.port_busy", address=f"{cfg.host}:{cfg.port}", detail=exc.strerror) from None

        def gate(parser: HTTPRequestParser) -> str | None:
            if session_valid(wsgi, parser.headers.get("COOKIE", "")):
                return None
            if parser.path == "/login" and not parser.chunked and parser.content_length <= LOGIN_FORM_MAX:
                return None
            return t("web.login_needed", app.lang)

        self.server.channel_class = _gated_channel(gate)  # type: ignore[union-attr]
        self._stopping = False
        self.thread = threading.Thread(target=self._run, name="web", daemon=True)

    def _run(self) -> None:
        try:
            self.server.run()
        except OSError as exc:
            # stop() closes the sockets under the loop's select(): the end of the loop, not a fault.
            if not (self._stopping and exc.errno == errno.EBADF):
                raise

    @property
    def address(self) -> tuple[str, int]:
        return str(self.server.effective_host), int(self.server.effective_port)  # type: ignore[union-attr]

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Close the listening socket and every open connection; the loop then ends."""
        self._stopping = True
        logging.getLogger("waitress").setLevel(logging.ERROR)
        server = self.server
        while server._map:  # noqa: SLF001 - waitress has no public way to stop from another thread
            for channel in list(server._map.values()):  # noqa: SLF001
                channel.handle_close()
        server.task_dispatcher.shutdown()
        if self.thread.is_alive():
            self.thread.join(timeout=5)
