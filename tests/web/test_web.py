"""The web page without a browser: accounts, roles, CSRF, uploads, throttling, languages."""

from __future__ import annotations

import io
import re
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from playout import i18n
from playout.i18n import t
from tests.conftest import ROOT
from tests.web.conftest import EX, PASSWORDS, Web, token

PAGES = ["/", "/now/live", "/week", "/library", "/log", "/tally", "/air-now", "/log/export?format=csv",
         "/tally/download?format=xlsx", "/library/1/audio"]  # fmt: skip


def _upload(client, name: str, data: bytes, kind: str = "chime", csrf: str | None = None):  # noqa: ANN001, ANN202
    headers = {"X-Requested-With": "fetch"}
    if csrf is not None:
        headers["X-CSRF-Token"] = csrf
    return client.post("/library/upload", data={"kind": kind, "file": (io.BytesIO(data), name)}, headers=headers,
                       content_type="multipart/form-data")  # fmt: skip


def test_pages_refuse_anonymous_users(web: Web) -> None:
    c = web.client()
    for path in PAGES:
        r = c.get(path)
        assert r.status_code == 302 and "/login" in r.headers["Location"], path
    assert c.get("/now/live", headers={"X-Requested-With": "fetch"}).status_code == 401
    assert c.post("/air-now", data={"clip": "1", "level": "emergency", "confirm": "1"}).status_code == 401
    assert _upload(c, "x.ogg", b"x").status_code == 401
    assert web.control.calls == []


def test_a_manager_reads_and_exports_but_cannot_upload_retire_or_air(web: Web) -> None:
    c = web.login("lanhdao")
    for path in PAGES:
        if path != "/air-now":
            assert c.get(path).status_code == 200, path
    csrf = token(c, "/library")
    html = c.get("/library").get_data(as_text=True)
    assert "Phát ngay" not in html and 'id="upload"' not in html and "Ngừng phát</button>" not in html
    refused = t("web.forbidden", "vi", role="lãnh đạo")
    assert c.get("/air-now").status_code == 403
    r = c.post("/air-now", data={"clip": "1", "level": "emergency", "confirm": "1", "csrf_token": csrf})
    assert r.status_code == 403 and refused in r.get_data(as_text=True)
    r = _upload(c, "nhac-hieu.ogg", (EX / "nhac-hieu.ogg").read_bytes(), csrf=csrf)
    assert r.status_code == 403 and r.json["message"] == refused
    assert c.post("/library/1/retire", data={"csrf_token": csrf}).status_code == 403
    assert c.post("/skip", data={"csrf_token": csrf}).status_code == 403
    assert not web.control.asked("/air-now") and not web.control.asked("/skip")
    assert [c.title for c in web.app.clips.list() if not c.retired] == ["Nhạc hiệu Đài"]


def test_a_forged_form_without_its_csrf_token_is_refused(web: Web) -> None:
    c = web.login("kythuat")
    form = {"clip": "1", "level": "emergency", "confirm": "1"}
    for forged in (form, {**form, "csrf_token": "not-the-token"}):
        r = c.post("/air-now", data=forged)
        assert r.status_code == 400 and t("web.csrf", "vi") in r.get_data(as_text=True)
    assert c.post("/library/1/retire", data={}).status_code == 400
    assert _upload(c, "nhac-hieu.ogg", b"x", csrf="wrong").status_code == 400
    assert not web.control.asked("/air-now") and not web.app.clips.get(1).retired
    # Another browser's login form carries its own token, not this session's.
    assert web.client().post("/login", data={"name": "kythuat", "password": PASSWORDS["kythuat"]}).status_code == 400
    # With the token the same form goes through: a confirmation first, then the daemon is asked.
    csrf = token(c, "/air-now")
    r = c.post("/air-now", data={"clip": "1", "level": "emergency", "csrf_token": csrf})
    assert r.status_code == 200 and "Phát ngay bài #1 «Nhạc hiệu Đài» (0:03) ở mức khẩn cấp?" in r.get_data(as_text=True)
    assert not web.control.asked("/air-now")
    r = c.post("/air-now", data={**form, "csrf_token": csrf})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert ("POST", "/air-now", {"clip": "1", "level": "emergency"}) in web.control.calls


def test_an_upload_that_is_not_audio_gets_the_same_message_as_the_cli(web: Web, tmp_path: Path) -> None:
    notes = tmp_path / "ghi-chú cuộc họp.mp3"
    notes.write_text("Biên bản họp giao ban, không phải âm thanh.\n" * 20, encoding="utf-8")
    cli = web.station.cli("import", str(notes), "--kind", "slogan")
    assert cli.exit_code == 1
    cli_line = next(line for line in cli.output.splitlines() if "ffmpeg" in line).strip().removeprefix("✗ ")
    expected = cli_line.replace(str(tmp_path) + "/", "")
    assert expected.startswith("ghi-chú cuộc họp.mp3: không phải tệp âm thanh mà ffmpeg đọc được")

    c = web.login("kythuat")
    r = _upload(c, notes.name, notes.read_bytes(), kind="slogan", csrf=token(c, "/library"))
    assert r.status_code == 422 and r.json["ok"] is False
    assert r.json["message"] == expected
    assert len(web.app.clips.list()) == 1
    assert list(web.uploads.iterdir()) == []  # the upload left nothing behind


def test_an_upload_goes_through_the_importer_and_no_client_path_reaches_the_disk(web: Web) -> None:
    c = web.login("kythuat")
    csrf = token(c, "/library")
    data = (EX / "khau-hieu-03-tong-dai-1022.ogg").read_bytes()
    r = _upload(c, "../../../etc/khau-hieu-03-tong-dai-1022.ogg", data, kind="slogan", csrf=csrf)
    assert r.status_code == 200, r.json
    assert r.json["status"] == "imported" and r.json["message"].startswith("khau-hieu-03-tong-dai-1022.ogg: đã nhập #2")
    clip = web.app.clips.get(r.json["clip_id"])
    assert (clip.kind, clip.original_name, clip.title) == ("slogan", "khau-hieu-03-tong-dai-1022.ogg",
                                                          "Khẩu hiệu 3: Tổng đài 1022")  # fmt: skip
    assert list(web.uploads.iterdir()) == []
    again = _upload(c, "copy.ogg", data, kind="slogan", csrf=csrf)
    assert again.status_code == 200 and again.json["status"] == "duplicate"
    assert "Khẩu hiệu 3: Tổng đài 1022" in c.get("/library?q=tổng đài").get_data(as_text=True)
    bad = _upload(c, "x.ogg", data, kind="jingle", csrf=csrf)
    assert bad.status_code == 400 and bad.json["message"].startswith("Chưa nạp: Loại 'jingle' không hợp lệ")


def test_uploads_over_the_size_limit_are_refused(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    web.flask.config["MAX_CONTENT_LENGTH"] = 4096
    c = web.login("kythuat")
    r = _upload(c, "lon.wav", b"\0" * 10_000, csrf=token(c, "/library"))
    assert r.status_code == 413
    assert list(web.uploads.iterdir()) == []


def test_listening_serves_the_stored_flac_with_ranges(web: Web) -> None:
    c = web.login("lanhdao")
    whole = c.get("/library/1/audio")
    assert whole.status_code == 200 and whole.mimetype == "audio/flac" and whole.data[:4] == b"fLaC"
    part = c.get("/library/1/audio", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.data) == 100
    assert c.get("/library/999/audio").status_code == 404


def test_failed_logins_are_throttled_per_name_and_address(web: Web) -> None:
    c = web.client()
    for _ in range(5):
        r = c.post("/login", data={"name": "kythuat", "password": "sai-mat-khau", "csrf_token": token(c)})
        assert r.status_code == 401 and t("web.bad_login", "vi") in r.get_data(as_text=True)
    right = {"name": "kythuat", "password": PASSWORDS["kythuat"]}
    r = c.post("/login", data={**right, "csrf_token": token(c)})
    assert r.status_code == 429 and t("web.throttled", "vi", minutes=5) in r.get_data(as_text=True)
    assert web.login("lanhdao")  # another name is not blocked
    web.clock.advance(timedelta(minutes=5, seconds=1))
    assert c.post("/login", data={**right, "csrf_token": token(c)}).status_code == 302


def test_cookies_and_headers(web: Web, tmp_path: Path) -> None:
    c = web.client()
    r = c.post("/login", data={"name": "kythuat", "password": PASSWORDS["kythuat"], "csrf_token": token(c)})
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    page = c.get("/")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-store"
    key = web.app.config.web.secret_key_file
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_a_new_password_or_a_removed_account_ends_the_login(web: Web) -> None:
    c = web.login("lanhdao")
    assert c.get("/log").status_code == 200
    assert web.station.cli("users", "passwd", "lanhdao", "--password-stdin", input="mat-khau-moi-1\n").exit_code == 0
    assert c.get("/log").status_code == 302
    c = web.login("lanhdao", "mat-khau-moi-1")
    assert web.station.cli("users", "remove", "lanhdao").exit_code == 0
    assert c.get("/log").status_code == 302


def test_vietnamese_by_default_and_english_on_request(web: Web) -> None:
    c = web.login("kythuat")
    assert "Thư viện" in c.get("/library").get_data(as_text=True)
    r = c.get("/library?lang=en")
    assert "Library" in r.get_data(as_text=True) and "lang=en" in r.headers["Set-Cookie"]
    html = c.get("/week").get_data(as_text=True)
    assert "Previous week" in html and 'lang="en"' in html
    assert "Lịch tuần" in c.get("/week?lang=vi").get_data(as_text=True)


def test_every_label_the_templates_use_exists_in_both_languages() -> None:
    used = set()
    for path in (ROOT / "playout" / "web" / "templates").glob("*.html"):
        used |= set(re.findall(r"""\b[LT]\(\s*'([a-z_]+\.[a-z_]+)'\s*[,)]""", path.read_text(encoding="utf-8")))
    assert len(used) > 40
    missing = sorted(k for k in used if k not in i18n.LABELS and k not in i18n.MESSAGES)
    assert missing == []


def test_users_command(web: Web) -> None:
    st = web.station
    r = st.cli("users", "add", "ky-thuat-2", "--role", "technician", "--password-stdin", input="mot-mat-khau\n")
    assert r.exit_code == 0 and "Đã tạo tài khoản «ky-thuat-2» (kỹ thuật viên)." in r.stdout
    assert st.cli("users", "add", "ky-thuat-2", "--role", "manager", "--password-stdin", input="mot-mat-khau\n"
                  ).exit_code == 2  # fmt: skip
    short = st.cli("users", "add", "x", "--role", "manager", "--password-stdin", input="ngan\n")
    assert short.exit_code == 2 and "Mật khẩu quá ngắn" in short.output
    assert st.cli("users", "add", "y", "--role", "boss", "--password-stdin", input="mot-mat-khau\n").exit_code == 2
    listed = st.cli("users", "list").stdout
    assert "ky-thuat-2" in listed and "lãnh đạo" in listed
    stored = web.app.db.engine.connect().exec_driver_sql("select password_hash from users where name = 'ky-thuat-2'")
    assert stored.scalar_one().startswith("$argon2id$")
    assert st.cli("users", "remove", "khong-co").exit_code == 1


def test_a_busy_web_port_stops_start_up_with_a_clear_message_and_frees_the_control_socket(web: Web) -> None:
    import socket

    from playout import config as config_mod
    from playout.app import App
    from playout.daemon.live import LiveDaemon
    from playout.errors import PlayoutError
    from playout.player import SimPlayer

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = {"PLAYOUT_WEB_PORT": str(taken.getsockname()[1])}
        app = App(config=config_mod.load(web.station.config, env=env), clock=web.clock)
        with pytest.raises(PlayoutError) as info:
            LiveDaemon(app, player=SimPlayer(web.clock))
    assert info.value.render("vi").startswith(f"Không mở được địa chỉ trang web 127.0.0.1:{env['PLAYOUT_WEB_PORT']}")
    assert not app.config.daemon.control_socket.exists()  # the control interface let its socket go


def test_the_now_page_shows_what_a_person_must_act_on(web: Web) -> None:
    web.control.problems = [
        {"id": "problem.log_backlog", "params": {"count": 3, "error": "database or disk is full"}},
        {"id": "problem.not_ready", "params": {"occurrence": "phien-sang@2026-11-30T05:30",
                                               "detail": "Nhạc hiệu Đài: audio file missing: /x.flac"}},
    ]  # fmt: skip
    page = web.login("lanhdao").get("/now/live").get_data(as_text=True)
    assert "không ghi được nhật ký phát (database or disk is full); 3 bản ghi đang giữ trong bộ nhớ" in page
    assert "chưa sẵn sàng phát phien-sang@2026-11-30T05:30: Nhạc hiệu Đài: audio file missing: /x.flac" in page


def test_the_chart_has_a_panel_per_line_each_with_whole_numbers_on_its_own_scale() -> None:
    from playout.reports import chart

    for peak, labels in ((1, [0, 1]), (2, [0, 1, 2]), (5, [0, 1, 2, 3, 4, 5]), (3, [0, 1, 2, 3, 4, 5]),
                         (13, [0, 4, 8, 12, 16, 20]), (658, [0, 200, 400, 600, 800, 1000])):  # fmt: skip
        shapes, _, _ = chart.panels([("CCHC", [peak])], ["01"])
        ticks = [s for s in shapes if isinstance(s, chart.Line)]
        values = [int(s.text) for s in shapes if isinstance(s, chart.Text) and s.anchor == "end"]
        assert values == labels
        bottom, top = ticks[0].y1, ticks[-1].y1
        [bar] = [s for s in shapes if isinstance(s, chart.Rect)]  # the bar's top sits where its value is on the axis
        assert abs(bar.y - (bottom - (bottom - top) * peak / labels[-1])) < 1e-6
    # The monthly programme's 1 fills its panel as the slogans' 60 fill theirs.
    shapes, _, _ = chart.panels([("Khẩu hiệu", [60, 62]), ("Đồng hành", [1, 1])], ["01", "02"])
    bars = [s for s in shapes if isinstance(s, chart.Rect)]
    assert len(bars) == 4 and min(b.h for b in bars) > 0.5 * max(b.h for b in bars)


def test_a_manager_downloads_the_report_as_word_and_pdf(web: Web) -> None:
    import docx

    c = web.login("lanhdao")
    r = c.get("/tally/download?format=docx")
    assert r.status_code == 200 and r.mimetype.endswith("wordprocessingml.document")
    d = docx.Document(io.BytesIO(r.data))
    assert [p.text for p in d.tables[0].cell(0, 1).paragraphs if p.text][0] == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert "BÁO CÁO" in [p.text for p in d.paragraphs]
    r = c.get("/tally/download?format=pdf")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")


def test_the_live_block_is_one_snapshot_shared_by_every_open_page(web: Web) -> None:
    """Twenty pages polling every second must not cost twenty status calls a second."""
    from datetime import timedelta

    web.flask.extensions["playout.live_spawn"] = lambda work: work()  # renew at once, not in a thread
    pages = [web.login("lanhdao") for _ in range(3)]
    statuses = lambda: sum(1 for _, p, _ in web.control.calls if p == "/status")  # noqa: E731
    before = statuses()
    for _ in range(5):
        for c in pages:
            r = c.get("/now/live")
            assert r.status_code == 200 and "Nhạc hiệu Đài" in r.get_data(as_text=True)
            assert r.headers["Cache-Control"] == "no-store"
    assert statuses() - before == 1, "one status call for fifteen requests inside half a second"
    web.control.problems.append({"id": "problem.log_backlog", "params": {"count": 3, "error": "x"}})
    assert "3 bản ghi" not in pages[0].get("/now/live").get_data(as_text=True), "the snapshot still holds"
    web.clock.advance(timedelta(seconds=0.6))
    assert "3 bản ghi" not in pages[0].get("/now/live").get_data(as_text=True), "the held block, renewal started"
    assert "3 bản ghi" in pages[1].get("/now/live").get_data(as_text=True) and statuses() - before == 2
    # English is rendered (and kept) apart from Vietnamese.
    vi = pages[1].get("/now/live").get_data(as_text=True)
    en = pages[1].get("/now/live?lang=en").get_data(as_text=True)
    assert en != vi and statuses() - before == 3


def test_live_snapshot_renders_once_for_concurrent_requests() -> None:
    import threading

    from playout.web.pages import LiveSnapshot

    live = LiveSnapshot(ttl=0.5)
    renders: list[int] = []
    gate = threading.Event()

    def render() -> str:
        gate.wait(5)
        renders.append(1)
        return f"block {len(renders)}"

    got: list[str] = []
    threads = [threading.Thread(target=lambda: got.append(live.get("vi", 10.0, render))) for _ in range(20)]
    for th in threads:
        th.start()
    gate.set()
    for th in threads:
        th.join(5)
    assert got == ["block 1"] * 20 and len(renders) == 1
    assert live.get("en", 10.1, render) == "block 2", "each language its own block"
    assert live.get("vi", 10.4, render) == "block 1"
    # After the ttl nobody waits: the held block is served while one renewal runs.
    started: list = []
    assert live.get("vi", 10.6, render, started.append) == "block 1"
    assert live.get("vi", 10.7, render, started.append) == "block 1" and len(started) == 1
    started[0]()
    assert live.get("vi", 10.8, render) == "block 3", "renewed"


def test_the_log_page_shows_what_the_output_monitor_heard(web: Web) -> None:
    from datetime import UTC, datetime

    from playout.airlog import AiringLog
    from playout.db.models import Airing

    at = datetime(2026, 11, 30, 10, 30, tzinfo=UTC)
    common = dict(occurrence="s@x", slot="s", scheduled_at=at, started_at=at, title="Khẩu hiệu", outcome="aired",
                  played_ms=3000, duration_ms=3000)  # fmt: skip
    AiringLog(web.app.db).insert([
        Airing(key="s@x/1", position=1, verified=True, heard_lateness_ms=3, **common),
        Airing(key="s@x/2", position=2, verified=False, heard_lateness_ms=None,
               verify_note="not heard at the output", **common),
    ])  # fmt: skip
    page = web.login("kythuat").get("/log?from=2026-11-30&to=2026-11-30").get_data(as_text=True)
    assert "Nghe lại ở đầu ra" in page
    assert "✓ <span class=\"mono\">+3 ms</span>" in page
    assert "✗" in page and "không nghe thấy ở đầu ra" in page and "not heard at the output" not in page


def test_the_now_page_shows_each_zone_and_its_speakers_and_the_log_who_heard_each_airing(web: Web) -> None:
    from datetime import UTC, datetime

    from playout.airlog import AiringLog
    from playout.db.models import Airing

    answer = web.control.call

    def call(method: str, path: str, body: dict | None = None, actor=None) -> dict:  # noqa: ANN001
        found = answer(method, path, body, actor)
        if path == "/status":
            found["zones"] = [{"id": "xa-a", "name": "Loa dây xã", "output": "alsa:default", "error": None},
                              {"id": "ap-3", "name": "Ấp 3", "output": "icecast:http://127.0.0.1:8000/ap-3",
                               "error": None}]  # fmt: skip
            found["speakers"] = [{"zone": "ap-3", "total": 2, "online": 1, "unregistered": 3, "listeners": 4,
                                  "polled_at": "2026-11-30T05:29:58+07:00", "error": None, "speakers": [
                {"id": "ap3-01", "name": "Loa cổng chợ", "place": "Chợ ấp 3", "online": True,
                 "since": "2026-11-30T04:12:07+07:00"},
                {"id": "ap3-02", "name": "Loa <trường> học", "place": "", "online": False,
                 "since": "2026-11-30T05:20:31+07:00"}]}]  # fmt: skip
            found["last"] = [{"scheduled": "2026-11-30T05:20:00+07:00", "started": "2026-11-30T05:20:00+07:00",
                              "slot": "pa", "title": "Khẩu hiệu", "outcome": "aired", "reason": None, "manual": False,
                              "actor": None, "zone": "ap-3", "speakers_heard": 212, "speakers_total": 230}]  # fmt: skip
        return found

    web.control.call = call  # type: ignore[method-assign]
    page = web.login("lanhdao").get("/now/live").get_data(as_text=True)
    assert "Loa dây xã" in page and "icecast:http://127.0.0.1:8000/ap-3" in page
    assert '<details id="speakers-ap-3">' in page
    assert "1 / 2 loa trực tuyến" in page and "3 kết nối chưa đăng ký" in page
    assert "Loa cổng chợ" in page and "30/11 04:12:07" in page and "30/11 05:20:31" in page
    assert "Loa &lt;trường&gt; học" in page  # a name is text, never markup
    assert "212 / 230" in page

    at = datetime(2026, 11, 30, 10, 30, tzinfo=UTC)
    common = dict(occurrence="s@x", slot="s", scheduled_at=at, started_at=at, title="Khẩu hiệu", outcome="aired",
                  played_ms=3000, duration_ms=3000)  # fmt: skip
    AiringLog(web.app.db).insert([
        Airing(key="s@x/1@ap-3", position=1, zone="ap-3", speakers_heard=1, speakers_total=2, **common),
        Airing(key="s@x/1@ap-9", position=1, zone="ap-9", speakers_heard=None, speakers_total=230, **common),
        Airing(key="s@x/1@xa-a", position=1, zone="xa-a", **common),
    ])  # fmt: skip
    log = web.login("kythuat").get("/log?from=2026-11-30&to=2026-11-30").get_data(as_text=True)
    cells = re.findall(r'<td class="num mono nowrap speakers opt">([^<]*)</td>', log)
    assert sorted(cells) == ["", "1 / 2", "? / 230"], cells
