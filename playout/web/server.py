"""Serving the web page from the daemon's process, with waitress (a production WSGI server,
pure Python) in a background thread next to the control interface."""

from __future__ import annotations

import logging
import threading

from waitress.server import create_server

from playout.app import App
from playout.errors import PlayoutError
from playout.web import Control, create_app


class WebServer:
    def __init__(self, app: App, control: Control) -> None:
        cfg = app.config.web
        wsgi = create_app(app, control)
        try:
            self.server = create_server(
                wsgi, host=cfg.host, port=cfg.port, threads=4, ident="playout",
                # The upload limit is enforced here too, before Flask sees a byte.
                max_request_body_size=cfg.max_upload_bytes + 1024 * 1024,
                channel_timeout=120, clear_untrusted_proxy_headers=True,
            )  # fmt: skip
        except OSError as exc:
            raise PlayoutError("web.port_busy", address=f"{cfg.host}:{cfg.port}", detail=exc.strerror) from None
        self.thread = threading.Thread(target=self.server.run, name="web", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        return str(self.server.effective_host), int(self.server.effective_port)  # type: ignore[union-attr]

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Close the listening socket and every open connection; the loop then ends."""
        logging.getLogger("waitress").setLevel(logging.ERROR)
        server = self.server
        while server._map:  # noqa: SLF001 - waitress has no public way to stop from another thread
            for channel in list(server._map.values()):  # noqa: SLF001
                channel.handle_close()
        server.task_dispatcher.shutdown()
        if self.thread.is_alive():
            self.thread.join(timeout=5)
