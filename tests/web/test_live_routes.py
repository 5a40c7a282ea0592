"""Live from the page, the web routes: a technician's only, with the CSRF token and from the
page's own origin; the sound goes to the daemon as it came, with its place and time."""

from __future__ import annotations

from playout.i18n import t
from tests.web.conftest import Web, token

CHUNK = b"\x01\x00" * 4800


def test_only_a_technician_on_the_page_itself_may_speak(web: Web) -> None:
    anon = web.client()
    assert anon.post("/live/chunk?id=x&pos=0&t=1", data=CHUNK, headers={"X-Requested-With": "fetch"}).status_code == 401
    manager = web.login("lanhdao")
    csrf = token(manager, "/")
    assert manager.get("/live").status_code == 403
    r = manager.post("/live/start", json={"level": "emergency"}, headers={"X-CSRF-Token": csrf, "X-Requested-With": "fetch"})
    assert r.status_code == 403 and r.json["message"] == t("web.forbidden", "vi", role="lãnh đạo")
    tech = web.login("kythuat")
    page = tech.get("/live").get_data(as_text=True)
    assert "Phát trực tiếp từ micrô" in page and "live-worklet.js" in page
    csrf = token(tech, "/")
    fetch = {"X-CSRF-Token": csrf, "X-Requested-With": "fetch"}
    assert tech.post("/live/chunk?id=x&pos=0&t=1", data=CHUNK, headers={"X-Requested-With": "fetch"}).status_code == 400
    foreign = {**fetch, "Origin": "http://127.0.0.1:9999"}
    assert tech.post("/live/start", json={"level": "emergency"}, headers=foreign).status_code == 403
    assert not web.control.asked("/live/start") and not web.control.asked("/live/chunk")
    assert tech.post("/live/start", json={"level": "emergency", "zones": [], "x": 1}, headers=fetch).status_code == 200
    assert ("POST", "/live/start", {"level": "emergency", "zones": []}) in web.control.calls
    r = tech.post("/live/chunk?id=abc&pos=4800&t=1700000000000.5", data=CHUNK, headers=fetch,
                  content_type="application/octet-stream")  # fmt: skip
    assert r.status_code == 200
    assert ("POST", "/live/chunk", {"id": "abc", "pos": 4800, "t_ms": 1700000000000.5, "pcm": CHUNK}) in web.control.calls
    big = tech.post("/live/chunk?id=abc&pos=9600&t=1", data=b"\0" * 200_000, headers=fetch)
    assert big.status_code == 413 and not any(c[2].get("pos") == 9600 for c in web.control.calls if c[2])
    assert tech.post("/live/stop", json={"id": "abc"}, headers=fetch).status_code == 200
    assert ("POST", "/live/stop", {"id": "abc"}) in web.control.calls
