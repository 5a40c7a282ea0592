"""A web page on a throwaway station, driven with Flask's test client; the daemon's control
routes are a fake that records what it was asked."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from playout import config as config_mod
from playout.app import App
from playout.clock import VirtualClock
from playout.users import UserRepository
from playout.web import create_app
from tests.conftest import ROOT, Station

EX = ROOT / "audio" / "examples"
PASSWORDS = {"kythuat": "mat-khau-ky-thuat", "lanhdao": "mat-khau-lanh-dao"}


class FakeControl:
    """Answers like the daemon's control routes and remembers every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict | None]] = []
        self.problems: list[dict] = []
        self.actors: list = []

    def call(self, method: str, path: str, body: dict | None = None, actor=None) -> dict:  # noqa: ANN001
        assert actor is not None and actor.via == "web"  # the web page always says who acts
        self.calls.append((method, path, body))
        self.actors.append(actor)
        if path == "/status":
            return {"station": "Đài thử", "now": "2026-11-30T05:30:00+07:00", "started_at": "2026-11-30T05:00:00+07:00",
                    "output": "null", "ntp_synchronized": True, "schedule": {"slots": 2, "errors": []},
                    "now_playing": {"title": "Nhạc hiệu Đài", "position_ms": 1000, "duration_ms": 3000},
                    "next": [], "last": [], "problems": self.problems}  # fmt: skip
        if path == "/air-now":
            return {"key": "manual@x/1", "clip_id": int(body["clip"]), "title": "?", "level": body["level"]}
        return {"skipped": False}

    def asked(self, path: str) -> bool:
        return any(p == path for _, p, _ in self.calls)


class Web:
    def __init__(self, station: Station, app: App, control: FakeControl) -> None:
        self.station = station
        self.app = app
        self.control = control
        self.flask = create_app(app, control)
        self.clock: VirtualClock = app.clock  # type: ignore[assignment]

    def client(self):  # noqa: ANN201
        return self.flask.test_client()

    def login(self, name: str, password: str | None = None):  # noqa: ANN201
        c = self.client()
        r = c.post("/login", data={"name": name, "password": password or PASSWORDS[name], "csrf_token": token(c)})
        assert r.status_code == 302, r.get_data(as_text=True)
        return c

    @property
    def uploads(self) -> Path:
        return self.app.config.library.folder / ".incoming" / "web"


def token(client, path: str = "/login") -> str:  # noqa: ANN001
    """The CSRF token the page gives this client's session."""
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


@pytest.fixture
def web(station: Station) -> Web:
    app = App(config=config_mod.load(station.config), clock=VirtualClock(datetime(2026, 11, 30, 1, 0, tzinfo=UTC)))
    users = UserRepository(app.db, app.clock)
    for name, role in (("kythuat", "technician"), ("lanhdao", "manager")):
        users.add(name, role, PASSWORDS[name])
    assert station.cli("import", str(EX / "nhac-hieu.ogg"), "--kind", "chime").exit_code == 0
    return Web(station, app, FakeControl())
