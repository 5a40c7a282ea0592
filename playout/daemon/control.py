"""The daemon's local control interface: a small JSON-over-HTTP API on 127.0.0.1.

`playout status`, `air-now` and `skip` talk to it, and so will the web page. It binds to
the loopback address by default: controlling the transmitter is not for the network.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from playout.errors import PlayoutError

Handler = Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]


class ControlServer:
    def __init__(self, host: str, port: int, routes: dict[tuple[str, str], Handler]) -> None:
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            def _serve(self, method: str) -> None:
                route = outer.routes.get((method, self.path.split("?")[0]))
                if route is None:
                    return self._send(404, {"error": "not found"})
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}") if length else {}
                    if not isinstance(body, dict):
                        raise ValueError("a JSON object is expected")
                except ValueError as exc:
                    return self._send(400, {"error": str(exc)})
                try:
                    status, payload = route(body)
                except PlayoutError as exc:
                    status, payload = 400, {"error": exc.render("en"), "msg_id": exc.msg_id, "params": {
                        k: str(v) for k, v in exc.params.items()}}  # fmt: skip
                self._send(status, payload)

            def do_GET(self) -> None:  # noqa: N802
                self._serve("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._serve("POST")

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload, ensure_ascii=False, default=str).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up waiting: nothing to tell it

            def log_message(self, *_args: object) -> None:
                pass

        self.routes = routes
        self.server = ThreadingHTTPServer((host, port), _Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="control", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        return self.server.server_address[:2]  # type: ignore[return-value]

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class LocalControl:
    """The same routes called in the daemon's own process (the web page): the very handlers
    behind the HTTP interface, raising the same errors, without a round trip."""

    def __init__(self, routes: dict[tuple[str, str], Handler]) -> None:
        self.routes = routes

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        _status, payload = self.routes[(method, path)](body or {})
        return payload


def call(host: str, port: int, method: str, path: str, body: dict | None = None, timeout: float = 10) -> dict:
    """Ask the running daemon; a clear error when none answers."""
    data = json.dumps(body or {}).encode() if method == "POST" else None
    req = urllib.request.Request(f"http://{host}:{port}{path}", data=data, method=method,
                                 headers={"Content-Type": "application/json"})  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        payload = json.loads(exc.read() or b"{}")
        if "msg_id" in payload:
            raise PlayoutError(payload["msg_id"], **payload.get("params", {})) from None
        raise PlayoutError("daemon.refused", detail=payload.get("error", str(exc))) from None
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        raise PlayoutError("daemon.not_running", address=f"{host}:{port}", detail=str(getattr(exc, "reason", exc))) from None
