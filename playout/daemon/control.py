"""The daemon's control interface: JSON over HTTP on a Unix socket, for the station's users.

`playout status`, `air-now`, `skip` and `reload` talk to it. It is a Unix socket, not a TCP
port, because a TCP port on 127.0.0.1 is reachable by every web page open in a browser on the
studio PC (a `fetch` in no-cors mode, a self-submitting form, DNS rebinding) and by every
local account. A socket file is reachable by neither a browser nor an account the file's
permissions leave out: it is made readable and writable by its owner and the station's group
(`[daemon] control_group`, default `playout`) only, and the daemon asks the kernel who is
calling (SO_PEERCRED) to check that again and to record who did what.

The web page calls the same routes in the daemon's own process (`LocalControl`), through the
same authorisation, validation and journal, with the web account as the actor.
"""

from __future__ import annotations

import grp
import http.client
import json
import logging
import os
import socket
import socketserver
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from playout.actions import ActionLog, Actor, unix_user
from playout.errors import PlayoutError
from playout.i18n import Said
from playout.model import Level

log = logging.getLogger("playout.control")

MAX_BODY = 16 * 1024  # the largest request any route needs is a clip title and a level
READ_TIMEOUT_S = 5.0  # a client that has not sent its request by then is dropped
MAX_CONNECTIONS = 16  # at once; more are closed at once rather than each holding a thread
HOST = "localhost"  # the Host the client sends; anything else is refused
SOCKET_PATH_MAX = 107  # sun_path, less its terminating NUL

Handler = Callable[[dict[str, Any], Actor], tuple[int, dict[str, Any]]]


@dataclass(frozen=True)
class Route:
    handler: Handler
    operate: bool  # changes what airs (air now, skip, reload): technicians and the station's users only
    fields: dict[str, Callable[[Any], Any]]  # each accepted body field and its validator


class Refused(PlayoutError):
    """A request the control interface does not accept; `status` is its HTTP status."""

    def __init__(self, status: int, msg_id: str, **params: object) -> None:
        super().__init__(msg_id, **params)
        self.status = status


def clip_field(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip() or len(str(value)) > 500:
        raise Refused(400, "control.bad_field", field="clip", value=str(value)[:80],
                      expected="a clip number or title")  # fmt: skip
    return str(value).strip()


def zones_field(value: Any) -> list[str]:
    """Which zones a manual airing goes to: a list of zone ids (empty: all)."""
    import re

    if not isinstance(value, list) or len(value) > 100 or not all(
            isinstance(z, str) and re.match(r"^[a-z0-9][a-z0-9_-]{0,63}$", z) for z in value):  # fmt: skip
        raise Refused(400, "control.bad_field", field="zones", value=str(value)[:80], expected="a list of zone ids")
    return list(dict.fromkeys(value))


def live_id_field(value: Any) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= 64:
        raise Refused(400, "control.bad_field", field="id", value=str(value)[:80], expected="a live's id")
    return value


def live_pos_field(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Refused(400, "control.bad_field", field="pos", value=str(value)[:80], expected="a sample number")
    return value


def live_time_field(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise Refused(400, "control.bad_field", field="t_ms", value=str(value)[:80], expected="a time in ms")
    return float(value)


def live_pcm_field(value: Any) -> bytes:
    """The page's sound: bytes, which only the web page in the daemon's process can send."""
    if not isinstance(value, bytes):
        raise Refused(400, "control.bad_field", field="pcm", value=type(value).__name__, expected="16-bit PCM")
    return value


def level_field(value: Any) -> Level:
    try:
        return Level(value)
    except (ValueError, TypeError):
        raise Refused(400, "control.bad_level", value=str(value)[:80],
                      choices=", ".join(lv.value for lv in Level)) from None  # fmt: skip


class Dispatcher:
    """Route lookup, authorisation, validation and the journal: everything a request goes
    through, whether it came over the socket or from the web page."""

    def __init__(self, routes: dict[tuple[str, str], Route], journal: ActionLog | None = None) -> None:
        self.routes = routes
        self.journal = journal

    def dispatch(self, method: str, path: str, body: dict[str, Any], actor: Actor) -> tuple[int, dict[str, Any]]:
        """Returns (status, payload); raises Refused or PlayoutError for what a person must read."""
        route = self.routes.get((method, path))
        if route is None:
            raise Refused(404, "control.not_found", path=path[:80])
        name = path.strip("/")
        if route.operate and not actor.may_operate():
            self._journal(actor, name, str(body)[:200], "refused: not permitted")
            raise Refused(403, "control.not_permitted", user=actor.name)
        unknown = sorted(set(body) - set(route.fields))
        if unknown:
            raise Refused(400, "control.unknown_field", field=str(unknown[0])[:80], known=", ".join(route.fields) or "—")
        values = {key: check(body[key]) for key, check in route.fields.items() if key in body}
        try:
            status, payload = route.handler(values, actor)
        except PlayoutError as exc:
            if route.operate:
                self._journal(actor, name, _detail(values), "failed: " + exc.render("en"))
            raise
        if route.operate:
            self._journal(actor, name, payload.get("detail") or _detail(values), "ok")
        return status, payload

    def _journal(self, actor: Actor, action: str, detail: str, outcome: str) -> None:
        if self.journal is not None:
            self.journal.record(actor, action, detail, outcome)


def _detail(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v.value if isinstance(v, Level) else v}" for k, v in values.items())


def _error(exc: PlayoutError) -> dict[str, Any]:
    return {"error": exc.render("en"), "msg_id": exc.msg_id, "params": {k: str(v) for k, v in exc.params.items()}}


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 64

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address) -> None:  # noqa: ANN001
        if not self.slots.acquire(blocking=False):  # busy: close it rather than queue a thread
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:  # noqa: ANN001
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()


class ControlServer:
    def __init__(self, path: Path, group: str | None, dispatcher: Dispatcher) -> None:
        self.path = Path(path)
        self.dispatcher = dispatcher
        self.group_gid = _group_gid(group)
        self.group = group
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            timeout = READ_TIMEOUT_S  # every read and write on the connection
            protocol_version = "HTTP/1.0"  # one request per connection

            def _serve(self, method: str) -> None:
                try:
                    actor = outer.caller(self.request)
                    body = self._body(method)
                    status, payload = outer.dispatcher.dispatch(method, self.path.split("?")[0], body, actor)
                except Refused as exc:
                    return self._send(exc.status, _error(exc))
                except PlayoutError as exc:
                    return self._send(400, _error(exc))
                except TimeoutError:
                    return self._send(408, _error(Refused(408, "control.too_slow", seconds=READ_TIMEOUT_S)))
                except Exception as exc:  # a request must never take the interface down with it
                    log.exception("control request %s %s failed", method, self.path)
                    return self._send(500, _error(PlayoutError("daemon.refused", detail=type(exc).__name__)))
                self._send(status, payload)

            def _body(self, method: str) -> dict[str, Any]:
                if (self.headers.get("Host") or "").lower() != HOST:
                    raise Refused(421, "control.bad_host", host=(self.headers.get("Host") or "")[:80])
                # No browser ever has a reason to be here: a request that says where a page
                # sent it from is refused outright.
                if self.headers.get("Origin") is not None or self.headers.get("Sec-Fetch-Site") is not None:
                    raise Refused(403, "control.browser")
                if self.headers.get("Transfer-Encoding") is not None:
                    raise Refused(400, "control.bad_length", value="Transfer-Encoding")
                raw_length = (self.headers.get("Content-Length") or "0").strip()
                if not raw_length.isascii() or not raw_length.isdigit():
                    raise Refused(400, "control.bad_length", value=raw_length[:40])
                length = int(raw_length)
                if length > MAX_BODY:
                    raise Refused(413, "control.too_large", limit=MAX_BODY)
                if method == "GET":
                    if length:
                        raise Refused(400, "control.bad_length", value=raw_length)
                    return {}
                kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                if kind != "application/json":
                    raise Refused(415, "control.not_json", type=kind[:80] or "—")
                data = self.rfile.read(length)
                if len(data) < length:
                    raise Refused(400, "control.bad_length", value=raw_length)
                try:
                    body = json.loads(data or b"{}")
                except (ValueError, RecursionError):
                    raise Refused(400, "control.bad_json") from None
                if not isinstance(body, dict):
                    raise Refused(400, "control.bad_json")
                return body

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
                    self.wfile.flush()
                    if status >= 400:
                        # Let the answer reach a client still sending what was refused: read
                        # (and drop) a little of it, briefly, instead of resetting the connection.
                        self.request.shutdown(socket.SHUT_WR)
                        self.request.settimeout(1.0)
                        left = 256 * 1024
                        while left > 0 and (chunk := self.request.recv(min(left, 65536))):
                            left -= len(chunk)
                except OSError:  # the client went away, or would not stop sending
                    pass

            def log_message(self, *_args: object) -> None:
                pass

            def address_string(self) -> str:
                return "local"

        self.server = _Server(str(_bindable(self.path)), _Handler, bind_and_activate=False)
        self._bind()
        self.thread = threading.Thread(target=self.server.serve_forever, name="control", daemon=True)

    def _bind(self) -> None:
        if self.path.is_socket():
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                probe.connect(str(self.path))
            except OSError:  # nobody listens: left by a daemon that was killed
                self.path.unlink(missing_ok=True)
            else:
                raise OSError(98, "another playout answers on this socket")
            finally:
                probe.close()
        elif self.path.exists():
            raise OSError(17, "a file that is not a socket is in the way")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Nobody but the owner may connect until the group is set: the socket is born 0600.
        old = os.umask(0o177)
        try:
            self.server.server_bind()
        finally:
            os.umask(old)
        if self.group_gid is not None:
            try:
                os.chown(self.path, -1, self.group_gid)
                os.chmod(self.path, 0o660)
            except PermissionError:
                log.warning("cannot give the control socket to group %s (the daemon's user is not in it); only "
                            "%s may control playout", self.group, unix_user(os.geteuid()))  # fmt: skip
        self.server.server_activate()

    def caller(self, conn: socket.socket) -> Actor:
        """Who is on the other end, from the kernel; refused unless the daemon's own user,
        root, or a member of the station's group."""
        pid, uid, gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
        actor = Actor(unix_user(uid), "cli", f"pid {pid}", "operator")
        if uid in (0, os.geteuid()) or (self.group_gid is not None and _in_group(uid, gid, pid, self.group_gid)):
            return actor
        if self.dispatcher.journal is not None:
            self.dispatcher.journal.record(actor, "connect", str(self.path), "refused: not in the station's group")
        raise Refused(403, "control.not_in_group", user=actor.name, group=self.group or "—")

    @property
    def address(self) -> str:
        return str(self.path)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        if self.thread.is_alive():
            self.server.shutdown()
        self.server.server_close()
        try:
            if self.path.is_socket():
                self.path.unlink()
        except OSError:
            pass


def _group_gid(group: str | None) -> int | None:
    if not group:
        return None
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        return None


def _in_group(uid: int, gid: int, pid: int, wanted: int) -> bool:
    """Is the caller in the group: its process's groups (as the kernel has them), else the
    group database."""
    if gid == wanted:
        return True
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Groups:"):
                return wanted in {int(g) for g in line.split()[1:]}
    except (OSError, ValueError):
        pass
    try:
        return unix_user(uid) in grp.getgrgid(wanted).gr_mem
    except KeyError:
        return False


def _bindable(path: Path) -> Path:
    if len(os.fsencode(path)) > SOCKET_PATH_MAX:
        raise OSError(36, f"the socket path is longer than {SOCKET_PATH_MAX} bytes")
    return path


class LocalControl:
    """The same routes called in the daemon's own process (the web page): through the same
    authorisation, validation and journal, raising the same errors, without a round trip."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher

    def call(self, method: str, path: str, body: dict | None = None, actor: Actor | None = None) -> dict:
        if actor is None:
            raise Refused(403, "control.not_permitted", user="?")
        _status, payload = self.dispatcher.dispatch(method, path, body or {}, actor)
        return payload


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: Path, timeout: float) -> None:
        super().__init__(HOST, timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(str(self.socket_path))


def call(socket_path: Path, method: str, path: str, body: dict | None = None, timeout: float = 10,
         group: str | None = "playout") -> dict:  # fmt: skip
    """Ask the running daemon; a clear error when none answers or it refuses this user."""
    data = json.dumps(body or {}).encode() if method == "POST" else None
    conn = _UnixConnection(Path(socket_path), timeout)
    try:
        headers = {"Content-Type": "application/json"} if data is not None else {}
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
    except PermissionError:
        raise PlayoutError("daemon.not_permitted", user=unix_user(os.getuid()), socket=socket_path,
                           group=group or "playout") from None  # fmt: skip
    except (OSError, http.client.HTTPException) as exc:
        # No socket, or nobody behind it: said in the reader's words; anything else as the system says it.
        quiet = isinstance(exc, FileNotFoundError | ConnectionRefusedError)
        detail = Said("daemon.nobody_listens") if quiet else str(getattr(exc, "strerror", None) or exc)
        raise PlayoutError("daemon.not_running", address=socket_path, detail=detail) from None
    finally:
        conn.close()
    try:
        payload = json.loads(raw or b"{}")
    except ValueError:
        payload = {"error": raw[:200].decode(errors="replace")}
    if resp.status >= 400:
        if "msg_id" in payload:
            raise PlayoutError(payload["msg_id"], **payload.get("params", {}))
        raise PlayoutError("daemon.refused", detail=payload.get("error", resp.reason))
    return payload

