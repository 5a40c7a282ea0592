"""Zones on the web page: the Log page's zone column and filter, the Tally page's per-zone
table and filter, the Week page's zones where a slot or item is not for every zone, and
the Air-now form's zone choice passed through the control interface."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from playout import config as config_mod
from playout.airlog import AiringLog
from playout.app import App
from playout.clock import VirtualClock
from playout.db.models import Airing
from playout.users import UserRepository
from tests.conftest import Station
from tests.web.conftest import EX, PASSWORDS, FakeControl, Web, token

ZONES = ('[output]\nmodule = "null"\n\n[[zone]]\nid = "xa-a"\nname = "Loa dây xã"\nmodule = "null"\n\n'
         '[[zone]]\nid = "ap-3"\nname = "Ấp 3"\nmodule = "null"\n')  # fmt: skip


@pytest.fixture
def zoned(station: Station) -> Web:
    text = station.config.read_text(encoding="utf-8").split("[output]")[0] + ZONES
    station.config.write_text(text, encoding="utf-8")
    app = App(config=config_mod.load(station.config), clock=VirtualClock(datetime(2026, 11, 30, 1, 0, tzinfo=UTC)))
    assert [z.id for z in app.config.zones] == ["xa-a", "ap-3"]
    users = UserRepository(app.db, app.clock)
    for name, role in (("kythuat", "technician"), ("lanhdao", "manager")):
        users.add(name, role, PASSWORDS[name])
    assert station.cli("import", str(EX / "nhac-hieu.ogg"), "--kind", "chime").exit_code == 0
    return Web(station, app, FakeControl())


def _log(web: Web) -> None:
    """A session aired to both zones (the chime) and a notice to ap-3 only, as the daemon writes them."""
    at = datetime(2026, 11, 29, 22, 30, tzinfo=UTC)

    def row(occ: str, zone: str, title: str, kind: str, programme: str | None = None) -> Airing:
        return Airing(key=f"{occ}/1@{zone}", occurrence=occ, position=1, slot=occ.split("@")[0], scheduled_at=at,
                      started_at=at, clip_id=1, title=title, kind=kind, programme=programme, duration_ms=3000,
                      played_ms=3000, outcome="aired", zone=zone, output="null")  # fmt: skip

    AiringLog(web.app.db).insert([row("sang@x", "xa-a", "Nhạc hiệu Đài", "chime"),
                                  row("sang@x", "ap-3", "Nhạc hiệu Đài", "chime")])  # fmt: skip
    AiringLog(web.app.db).insert([row("ap3@x", "ap-3", "Thông báo ấp 3", "announcement")])


def test_the_log_page_shows_and_filters_by_zone(zoned: Web) -> None:
    _log(zoned)
    c = zoned.login("lanhdao")
    page = c.get("/log?from=2026-11-30&to=2026-11-30").get_data(as_text=True)
    assert '<th class="opt">Vùng loa</th>' in page and '<select name="zone">' in page
    assert page.count('<td class="zone mono opt">ap-3</td>') == 2 and page.count('<td class="zone mono opt">xa-a</td>') == 1
    page = c.get("/log?from=2026-11-30&to=2026-11-30&zone=xa-a").get_data(as_text=True)
    assert '<td class="zone mono opt">xa-a</td>' in page and '<td class="zone mono opt">ap-3</td>' not in page
    assert '<option value="xa-a" selected>Loa dây xã</option>' in page
    # The export links carry the filter: the file has that zone's rows only.
    assert "zone=xa-a" in page
    data = c.get("/log/export?format=csv&from=2026-11-30&to=2026-11-30&zone=ap-3").get_data()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    zone = rows[0].index("Vùng loa")
    assert [r[zone] for r in rows[1:]] == ["ap-3", "ap-3"]
    # A zone the station does not have: one sentence, and the page shows everything.
    page = c.get("/log?from=2026-11-30&to=2026-11-30&zone=ap-7").get_data(as_text=True)
    assert "Không có vùng loa ap-7 (các vùng: xa-a, ap-3)." in page and page.count('<td class="zone mono opt">') == 3


def test_the_tally_page_has_a_zone_table_and_a_zone_filter(zoned: Web) -> None:
    import openpyxl

    _log(zoned)
    c = zoned.login("lanhdao")
    page = c.get("/tally?year=2026").get_data(as_text=True)
    assert 'id="by-zone"' in page and "Lượt phát theo vùng loa" in page
    assert "<th class=\"num\">Loa dây xã (xa-a)</th><th class=\"num\">Ấp 3 (ap-3)</th>" in page
    # The chime aired once (one occurrence, two zones), once in each zone.
    assert '<tr><td>Nhạc hiệu</td><td class="num mono">1</td><td class="num mono">1</td></tr>' in page
    assert '<tr><td>Thông báo</td><td class="num mono">0</td><td class="num mono">1</td></tr>' in page
    page = c.get("/tally?year=2026&zone=ap-3").get_data(as_text=True)
    assert 'id="by-zone"' not in page and "Vùng loa: Ấp 3 (ap-3)" in page
    assert "/tally/download?year=2026&amp;format=xlsx&amp;zone=ap-3" in page
    r = c.get("/tally/download?year=2026&format=xlsx&zone=xa-a")
    assert r.status_code == 200 and "tong-hop-2026-xa-a.xlsx" in r.headers["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(r.get_data()))
    assert wb.sheetnames == ["Tổng hợp", "Theo tháng"]  # one zone: no per-zone sheet
    values = [c.value for row in wb["Tổng hợp"].iter_rows() for c in row if c.value]
    assert any("Vùng loa: Loa dây xã (xa-a)" in str(v) for v in values)
    assert not any("Thông báo" == v for v in values)
    r = c.get("/tally/download?year=2026&format=xlsx")
    assert openpyxl.load_workbook(io.BytesIO(r.get_data())).sheetnames == ["Tổng hợp", "Theo tháng", "Theo vùng loa"]


def test_the_week_page_shows_zones_where_not_all(zoned: Web) -> None:
    (zoned.station.root / "schedules" / "z.toml").write_text(
        '[[slot]]\nid = "ca-xa"\ntimes = ["06:00"]\nchime = false\n'
        '  [[slot.item]]\n  clip = "Nhạc hiệu Đài"\n'
        '[[slot]]\nid = "ap-ba"\ntimes = ["07:00"]\nchime = false\nzones = ["ap-3"]\n'
        '  [[slot.item]]\n  clip = "Nhạc hiệu Đài"\n'
        '[[slot]]\nid = "mot-muc"\ntimes = ["08:00"]\nchime = false\n'
        '  [[slot.item]]\n  clip = "Nhạc hiệu Đài"\n  zones = ["xa-a"]\n'
        '[[slot]]\nid = "ca-hai"\ntimes = ["09:00"]\nchime = false\nzones = ["xa-a", "ap-3"]\n'
        '  [[slot.item]]\n  clip = "Nhạc hiệu Đài"\n', encoding="utf-8")  # fmt: skip
    page = zoned.login("lanhdao").get("/week").get_data(as_text=True)
    assert "ca-xa" in page and "ap-ba" in page and "mot-muc" in page and "ca-hai" in page
    assert page.count('<p class="zones" title="Vùng loa">◉ Ấp 3</p>') == 7  # one a day
    assert page.count('<span class="zones">◉ Loa dây xã</span>') == 7
    assert page.count("◉") == 14  # both zones named = every zone: nothing shown


def test_the_air_now_form_offers_zones_and_passes_them_on(zoned: Web) -> None:
    c = zoned.login("kythuat")
    page = c.get("/air-now").get_data(as_text=True)
    assert 'id="zones"' in page
    assert '<input type="checkbox" name="zones" value="xa-a" checked>' in page
    assert '<input type="checkbox" name="zones" value="ap-3" checked>' in page
    csrf = token(c, "/air-now")
    # Narrowed to ap-3: the confirmation says so and keeps the choice; the daemon is asked for ap-3.
    r = c.post("/air-now", data={"clip": "1", "level": "emergency", "zones": ["ap-3"], "csrf_token": csrf})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Chỉ phát tới: Ấp 3" in html and '<input type="hidden" name="zones" value="ap-3">' in html
    assert 'value="xa-a"' not in html
    r = c.post("/air-now", data={"clip": "1", "level": "emergency", "zones": ["ap-3"], "confirm": "1", "csrf_token": csrf})
    assert r.status_code == 302
    assert zoned.control.calls[-1] == ("POST", "/air-now", {"clip": "1", "level": "emergency", "zones": ["ap-3"]})
    # Every zone ticked: the daemon's default (all), no list sent.
    r = c.post("/air-now", data={"clip": "1", "level": "normal", "zones": ["xa-a", "ap-3"], "confirm": "1",
                                 "csrf_token": csrf})  # fmt: skip
    assert r.status_code == 302 and zoned.control.calls[-1] == ("POST", "/air-now", {"clip": "1", "level": "normal"})
    # None ticked, or a zone the station does not have: one sentence, nothing aired.
    calls = len(zoned.control.calls)
    r = c.post("/air-now", data={"clip": "1", "level": "normal", "confirm": "1", "csrf_token": csrf})
    assert r.status_code == 400 and "Hãy chọn ít nhất một vùng loa." in r.get_data(as_text=True)
    r = c.post("/air-now", data={"clip": "1", "level": "normal", "zones": ["ap-7"], "confirm": "1", "csrf_token": csrf})
    assert r.status_code == 400 and "Không có vùng loa ap-7" in r.get_data(as_text=True)
    assert len(zoned.control.calls) == calls


def test_skip_lists_the_zones_and_can_be_narrowed_to_some(zoned: Web) -> None:
    # The daemon's status: something on air in ap-3 only.
    answer = zoned.control.call

    def status_with_zones(method, path, body=None, actor=None):  # noqa: ANN001, ANN202
        found = answer(method, path, body, actor)
        if path == "/status":
            found["zones"] = [{"id": "xa-a", "name": "Loa dây xã", "output": "null", "error": None, "playing": None},
                              {"id": "ap-3", "name": "Ấp 3", "output": "null", "error": None,
                               "playing": "Nhạc hiệu Đài"}]  # fmt: skip
        return found

    zoned.control.call = status_with_zones  # type: ignore[method-assign]
    c = zoned.login("kythuat")
    csrf = token(c, "/")
    html = c.post("/skip", data={"csrf_token": csrf}).get_data(as_text=True)
    assert '<input type="hidden" name="zone_choice" value="1">' in html
    assert '<input type="checkbox" name="zones" value="ap-3" checked> Ấp 3' in html and "— «Nhạc hiệu Đài»" in html
    assert '<input type="checkbox" name="zones" value="xa-a" > Loa dây xã' in html and "(không phát gì)" in html
    # Narrowed to ap-3: only that zone is asked to skip.
    assert c.post("/skip", data={"csrf_token": csrf, "confirm": "1", "zone_choice": "1", "zones": ["ap-3"]}).status_code == 302
    assert zoned.control.calls[-1] == ("POST", "/skip", {"zones": ["ap-3"]})
    # Every zone ticked: the daemon's default (all), no list sent.
    c.post("/skip", data={"csrf_token": csrf, "confirm": "1", "zone_choice": "1", "zones": ["xa-a", "ap-3"]})
    assert zoned.control.calls[-1] == ("POST", "/skip", None)
    # None ticked, or a zone the station does not have: one sentence, nothing skipped.
    calls = len(zoned.control.calls)
    r = c.post("/skip", data={"csrf_token": csrf, "confirm": "1", "zone_choice": "1"}, follow_redirects=True)
    assert "Hãy chọn ít nhất một vùng loa." in r.get_data(as_text=True)
    r = c.post("/skip", data={"csrf_token": csrf, "confirm": "1", "zone_choice": "1", "zones": ["ap-7"]},
               follow_redirects=True)  # fmt: skip
    assert "Không có vùng loa ap-7" in r.get_data(as_text=True)
    assert not any(p == "/skip" for _, p, _ in zoned.control.calls[calls:])


def test_a_station_with_one_zone_sees_no_zone_clutter(web: Web) -> None:
    c = web.login("kythuat")
    assert "Vùng loa" not in c.get("/log").get_data(as_text=True)
    assert 'id="by-zone"' not in c.get("/tally").get_data(as_text=True)
    assert 'name="zones"' not in c.get("/air-now").get_data(as_text=True)
    csrf = token(c, "/air-now")
    r = c.post("/air-now", data={"clip": "1", "level": "normal", "confirm": "1", "csrf_token": csrf})
    assert r.status_code == 302 and web.control.calls[-1] == ("POST", "/air-now", {"clip": "1", "level": "normal"})
