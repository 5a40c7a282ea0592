"""The daemon's poller of Icecast's listener lists: every few seconds, each Icecast zone's
server is asked who listens to its mount (`/admin/listclients`, with the zone's admin
account), and what it says is fed to the pure `Presence`. It runs in a thread of its own
that shares nothing with the output but that object's lock, so a slow or dead Icecast never
delays what airs. It also notices an edited registry file and reads it again (a file with
mistakes keeps the last good registry; status names the mistakes).
"""

from __future__ import annotations

import base64
import http.client
import logging
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from playout.clock import Clock
from playout.speakers import Listener, Presence, Problem, Registry, load_registry, parse_listclients

log = logging.getLogger("playout.speakers")

TIMEOUT_S = 3.0


@dataclass(frozen=True)
class StatsSource:
    """Where to ask who listens to one zone's mount. The password stays in here: never in
    a message, a log line or status."""

    zone: str
    host: str
    port: int
    mount: str
    user: str
    password: str

    @property
    def where(self) -> str:
        return f"http://{self.host}:{self.port}{self.mount}"

    def listeners(self) -> list[Listener]:
        """Icecast's listener list for the mount; a mount with no source has none. Raises
        OSError with a sentence that carries no password."""
        query = urllib.parse.urlencode({"mount": self.mount})
        request = urllib.request.Request(f"http://{self.host}:{self.port}/admin/listclients?{query}")
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")  # sent at once: no 401 round trip
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:  # noqa: S310 (http only, from config)
                body = answer.read(4 * 1024 * 1024)
        except urllib.error.HTTPError as exc:
            text = exc.read(2000).decode("utf-8", "replace") if exc.fp else ""
            if exc.code == 400 and "does not exist" in text:
                return []  # no source on the mount: nobody can be listening to it
            if exc.code in (401, 403):
                raise OSError(f"Icecast {self.where} refused the admin user {self.user!r} (HTTP {exc.code}): "
                              "check the zone's admin_user and admin_password") from None  # fmt: skip
            raise OSError(f"Icecast {self.where} answered HTTP {exc.code}") from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise OSError(f"Icecast {self.where} is unreachable ({reason})") from None
        try:
            return parse_listclients(body)
        except ValueError as exc:
            raise OSError(f"Icecast {self.where}: {exc}") from None


class SpeakerPoller:
    def __init__(self, presence: Presence, sources: list[StatsSource], clock: Clock, interval_s: float,
                 registry_file: Path, zones: dict[str, bool]) -> None:  # fmt: skip
        self.presence = presence
        self.sources = sources
        self.clock = clock
        self.interval_s = interval_s
        self.registry_file = registry_file
        self.zones = zones
        self._file_sig: tuple | None = self._signature()
        self._wake = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="speakers", daemon=True)
        self.polls = 0  # how many rounds have run (for tests and status)
        self._errors: dict[str, str] = {}
        presence.wake = self.wake

    def _signature(self) -> tuple | None:
        try:
            st = self.registry_file.stat()
            return (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            return None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._wake.set()
        self._thread.join(timeout=TIMEOUT_S * 2)

    def wake(self) -> None:
        """Poll now (an item just ended: its speakers are counted at once)."""
        self._wake.set()

    def _run(self) -> None:
        while not self._done.is_set():
            self._wake.clear()
            try:
                self.poll_once()
            except Exception:  # the poller must go on
                log.exception("polling Icecast's listeners failed")
            self._wake.wait(self.interval_s)

    def poll_once(self) -> None:
        self._reload_if_changed()
        for source in self.sources:
            at = self.clock.now()  # before asking: what Icecast answers is no older than this
            try:
                listeners = source.listeners()
            except OSError as exc:
                if self._errors.get(source.zone) != str(exc):
                    log.warning("zone %s: cannot tell which speakers are connected: %s", source.zone, exc)
                self._errors[source.zone] = str(exc)
                self.presence.failed(source.zone, at, str(exc))
                continue
            if self._errors.pop(source.zone, None) is not None:
                log.info("zone %s: Icecast's listener list is available again", source.zone)
            self.presence.polled(source.zone, at, listeners)
        self.polls += 1

    def _reload_if_changed(self) -> None:
        sig = self._signature()
        if sig == self._file_sig:
            return
        self._file_sig = sig
        registry, problems = load_registry(self.registry_file, self.zones)
        apply(self.presence, registry, problems)


def apply(presence: Presence, registry: Registry, problems: list[Problem]) -> None:
    """Adopt a registry read from the file; one with mistakes keeps the speakers it had,
    besides those the file now lists without mistakes."""
    if problems:
        for p in problems:
            log.error("speakers registry: %s", p.render("en"))
        kept = {s.id: s for s in presence.registry.speakers}
        kept.update({s.id: s for s in registry.speakers})
        registry = Registry(tuple(kept.values()))
    else:
        log.info("speakers registry: %d speaker(s)", len(registry.speakers))
    presence.set_registry(registry, problems)
