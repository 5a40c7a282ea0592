"""The web page in a real browser (Debian's Chromium through Playwright) against a real
daemon: real APScheduler, libVLC on the null output, SQLite, ffmpeg for the upload.

The station has the example's clips and schedules and, for the tally, this year so far
replayed by `playout simulate` into its log. Screenshots of every page, on a 1366×768 office
screen and on a phone, go to $PLAYOUT_ARTIFACTS (default tests/artifacts/); with
$PLAYOUT_DOCS_SCREENSHOTS=DIR the README's pictures of the Week and Tally pages are written there too.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from playout import app as app_mod
from playout.daemon.live import LiveDaemon
from tests.conftest import IN_CI, ROOT, Station, free_port, require_program
from tests.web.conftest import EX, PASSWORDS

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
DESK = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
TIMEOUT = 20_000  # ms: a shared 2-core machine can be slow; nothing here waits for a fixed time


def _playwright():  # noqa: ANN202
    try:
        from playwright.sync_api import expect, sync_playwright

        expect.set_options(timeout=TIMEOUT)
    except ImportError as exc:  # under CI a missing component fails, never skips
        if IN_CI:
            pytest.fail(f"playwright is not installed: {exc}")
        pytest.skip(f"playwright is not installed: {exc}")
    return sync_playwright, expect


class Live:
    def __init__(self, station: Station, daemon: LiveDaemon, browser, artifacts: Path) -> None:  # noqa: ANN001
        self.station = station
        self.daemon = daemon
        self.browser = browser
        self.artifacts = artifacts
        host, port = daemon.web.address  # type: ignore[union-attr]
        self.base = f"http://{host}:{port}"
        self.docs = Path(os.environ["PLAYOUT_DOCS_SCREENSHOTS"]) if os.environ.get("PLAYOUT_DOCS_SCREENSHOTS") else None

    def page(self, user: str, viewport: dict = DESK):  # noqa: ANN201
        ctx = self.browser.new_context(viewport=viewport, accept_downloads=True, locale="vi-VN",
                                       is_mobile=viewport is PHONE, has_touch=viewport is PHONE)  # fmt: skip
        ctx.set_default_timeout(TIMEOUT)
        page = ctx.new_page()
        page.goto(self.base + "/")
        page.fill("input[name=name]", user)
        page.fill("input[name=password]", PASSWORDS[user])
        page.click("button[type=submit]")
        page.wait_for_url(self.base + "/")
        return page

    def shot(self, page, name: str) -> Path:  # noqa: ANN001
        size = "phone" if page.viewport_size["width"] < 600 else "desk"
        path = self.artifacts / f"{name}-{size}.png"
        page.screenshot(path=str(path), full_page=True)
        if self.docs is not None and size == "desk" and name in ("week", "tally"):
            self.docs.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(self.docs / f"web-{name}.png"), full_page=False)
        return path


def _station(root: Path) -> Station:
    root.mkdir(parents=True)
    shutil.copytree(ROOT / "schedules", root / "schedules")
    text = (ROOT / "playout.toml").read_text(encoding="utf-8").split("[output]")[0]
    text += f'[output]\nmodule = "null"\n\n[web]\nport = {free_port()}\n'  # fmt: skip
    (root / "playout.toml").write_text(text, encoding="utf-8")
    st = Station(root=root, config=root / "playout.toml")
    for args in (
        [str(EX / "nhac-hieu.ogg"), "--kind", "chime"],
        [str(EX / "khau-hieu-01-cai-cach-hanh-chinh.mp3"), str(EX / "khau-hieu-02-dich-vu-cong.wav"), "--kind",
         "slogan", "--tag", "CCHC"],
        [*map(str, sorted(EX.glob("cchc-*"))), "--kind", "segment", "--program", "CCHC"],
        [str(EX / "dong-hanh-cung-nhan-dan-2026-11.ogg"), "--kind", "segment", "--program", "Đồng hành cùng Nhân dân",
         "--episode-date", "2026-11-01"],
    ):  # fmt: skip
        assert st.cli("import", *args).exit_code == 0
    for name, role in (("kythuat", "technician"), ("lanhdao", "manager")):
        assert st.cli("users", "add", name, "--role", role, "--password-stdin", input=PASSWORDS[name] + "\n").exit_code == 0
    # This year so far, aired by the daemon's own code on a virtual clock: the tally has months.
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    first, last = max(date(today.year, 1, 1), today - timedelta(days=330)), today - timedelta(days=2)
    if first <= last:
        r = st.cli("simulate", "--from", first.isoformat(), "--to", last.isoformat(), "--db", str(st.db_path))
        assert r.exit_code == 0, r.output
    return st


def running(st: Station) -> Iterator[Live]:
    """The daemon on this station, and a Chromium to drive its page (a module's fixture)."""
    require_program("chromium")
    require_program("ffmpeg")
    sync_playwright, _ = _playwright()
    artifacts = Path(os.environ.get("PLAYOUT_ARTIFACTS") or ROOT / "tests" / "artifacts")
    artifacts.mkdir(parents=True, exist_ok=True)
    daemon = LiveDaemon(app_mod.build(st.config))
    daemon.start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                yield Live(st, daemon, browser, artifacts)
            finally:
                browser.close()
    finally:
        daemon.stop()


def with_microphone(p, base: str, wav: Path, *args: str):  # noqa: ANN001, ANN201
    """A Chromium whose microphone says `wav`, and a page of it logged in as the technician."""
    browser = p.chromium.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}", *args])  # fmt: skip
    ctx = browser.new_context(viewport=DESK, locale="vi-VN")
    ctx.set_default_timeout(TIMEOUT)
    page = ctx.new_page()
    page.goto(base + "/login")
    page.fill("input[name=name]", "kythuat")
    page.fill("input[name=password]", PASSWORDS["kythuat"])
    page.click("button[type=submit]")
    return browser, page


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    yield from running(_station(tmp_path_factory.mktemp("web") / "station"))


def test_a_technician_loads_clips_sees_the_week_airs_a_clip_and_exports_the_log(live: Live, tmp_path: Path) -> None:
    _, expect = _playwright()
    page = live.page("kythuat")
    expect(page.locator("#live-state")).to_have_text("tự cập nhật")
    live.shot(page, "now-idle")

    # Library: two files dropped at once; one is audio, the other is not.
    notes = tmp_path / "bien-ban-hop.mp3"
    notes.write_text("Biên bản họp giao ban.\n" * 50, encoding="utf-8")
    page.click("nav >> text=Thư viện")
    page.select_option("#up-kind", "slogan")
    page.set_input_files("#files", [str(EX / "khau-hieu-03-tong-dai-1022.ogg"), str(notes)])
    expect(page.locator("#up-results li[data-outcome]")).to_have_count(2)
    expect(page.locator("#up-results li[data-outcome=ok]")).to_contain_text(
        "khau-hieu-03-tong-dai-1022.ogg: đã nhập #7 «Khẩu hiệu 3: Tổng đài 1022»")
    cli = live.station.cli("import", str(notes), "--kind", "slogan")
    same = next(ln for ln in cli.output.splitlines() if "ffmpeg" in ln).strip().removeprefix("✗ ")
    expect(page.locator("#up-results li[data-outcome=error]")).to_have_text("✗ " + same.replace(str(tmp_path) + "/", ""))
    row = page.locator("#clips tr", has_text="Khẩu hiệu 3: Tổng đài 1022")
    expect(row).to_contain_text("khẩu hiệu")
    row.locator("button.listen").click()  # the stored FLAC plays in the browser
    page.wait_for_function("() => { const a = document.querySelector('#clips audio'); return a && a.duration > 4; }")
    live.shot(page, "library")

    # Week: the grid of this week's airings; the next week is one click away.
    page.click("nav >> text=Lịch tuần")
    expect(page.locator("table.week")).to_contain_text("Nhạc hiệu Đài")
    expect(page.locator("table.week th.today")).to_have_count(1)
    live.shot(page, "week")
    page.click("text=Tuần sau →")
    expect(page.locator("table.week thead th.today")).to_have_count(0)

    # Air now: pick, confirm (emergency: interrupt), then see it on Now and in the log.
    page.click("nav >> text=Phát ngay")
    page.fill("#clip-filter", "khai sinh")
    page.select_option("#clip", label="#4 CCHC: Đăng ký khai sinh trực tuyến (CCHC) · 0:10")
    page.check("input[name=level][value=emergency]")
    live.shot(page, "air-now")
    page.click("text=Tiếp tục")
    expect(page.locator(".confirm .question")).to_have_text(
        "Phát ngay bài #4 «CCHC: Đăng ký khai sinh trực tuyến» (0:10) ở mức khẩn cấp?")
    live.shot(page, "air-confirm")
    page.click("#confirm-air")
    page.wait_for_url(live.base + "/")
    expect(page.locator(".flash.ok")).to_have_text("Đang phát ngay (khẩn cấp): #4 «CCHC: Đăng ký khai sinh trực tuyến».")
    expect(page.locator("#playing-title")).to_have_text("CCHC: Đăng ký khai sinh trực tuyến")
    expect(page.locator("#last-airings")).to_contain_text("Phát tay")
    live.shot(page, "now")
    page.click("text=Bỏ qua bài đang phát")  # it asks first
    expect(page.locator(".confirm .question")).to_contain_text("Bỏ qua bài đang phát «CCHC: Đăng ký khai sinh trực tuyến»?")
    live.shot(page, "skip-confirm")
    page.click("#confirm-skip")
    expect(page.locator(".flash.ok")).to_have_text("Đã bỏ qua bài đang phát.")
    expect(page.locator("#last-airings tbody tr").first).to_contain_text("bị ngắt")

    page.click("nav >> text=Nhật ký")
    first_row = page.locator("#log tbody tr").first
    expect(first_row).to_contain_text("CCHC: Đăng ký khai sinh trực tuyến")
    expect(first_row).to_contain_text("Phát tay khẩn cấp")
    page.select_option("select[name=kind]", "segment")
    page.click("text=Lọc")
    expect(page.locator("#log tbody tr").first).to_contain_text("CCHC")
    live.shot(page, "log")
    with page.expect_download() as info:
        page.click("#export-xlsx")
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    import openpyxl

    ws = openpyxl.load_workbook(saved).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[2][:3] == ["Giờ theo lịch", "Bắt đầu phát", "Kết thúc"]
    manual = [r for r in rows[3:] if r[5] == "CCHC: Đăng ký khai sinh trực tuyến" and r[14] == "có"]
    assert manual and manual[0][15] == "khẩn cấp" and manual[0][7] == "chuyên mục"
    assert {r[7] for r in rows[3:]} == {"chuyên mục"}  # the filtered view, not the whole log

    # English is one click away and stays.
    page.click("text=English")
    expect(page.locator("nav")).to_contain_text("Library")
    page.click("nav >> text=Week")
    expect(page.locator("h1")).to_contain_text("Week")


def test_a_manager_sees_the_tally_and_pages_fit_a_phone(live: Live) -> None:
    _, expect = _playwright()
    page = live.page("lanhdao")
    expect(page.locator("nav")).not_to_contain_text("Phát ngay")
    page.click("nav >> text=Tổng hợp")
    expect(page.locator("table.tally")).to_contain_text("Khẩu hiệu")
    expect(page.locator("svg.chart rect").first).to_be_visible()
    live.shot(page, "tally")
    with page.expect_download() as info:
        page.click("text=Tải PDF")
    assert info.value.suggested_filename.endswith(".pdf")

    phone = live.page("kythuat", PHONE)
    expect(phone.locator("#nav")).to_be_hidden()
    phone.click(".menu-toggle")
    expect(phone.locator("#nav")).to_be_visible()
    live.shot(phone, "menu")
    for path, name in (("/", "now"), ("/week", "week"), ("/library", "library"), ("/log", "log"), ("/tally", "tally"),
                       ("/air-now", "air-now"), ("/library/1/edit", "clip-edit"), ("/accounts", "accounts"),
                       ("/activity", "activity"), ("/password", "password")):  # fmt: skip
        phone.goto(live.base + path)
        # Nothing wider than the screen except inside the sideways-scrolling boxes.
        width = phone.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)
        # Now and Log keep each airing's title and outcome on the screen, not scrolled away.
        for cells in {"/": ["#last-airings tbody tr:first-child td.title", "#last-airings tbody tr:first-child .badge"],
                      "/log": ["#log tbody tr:first-child td.title", "#log tbody tr:first-child td.outcome"]}.get(path, []):
            box = phone.locator(cells).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (path, cells, box)
        if path == "/tally":  # the chart's twelve months all on the screen, one panel to a row
            chart = phone.locator("svg.narrow-chart")
            expect(chart).to_be_visible()
            expect(phone.locator("svg.wide-chart")).to_be_hidden()
            box = chart.bounding_box()
            assert box is not None and box["x"] + box["width"] <= PHONE["width"], box
            months = chart.locator("text").all_text_contents()
            assert all(f"{m:02d}" in months for m in range(1, 13)), months
        live.shot(phone, name)


def test_a_technician_edits_a_clip_manages_an_account_and_sees_who_did_what(live: Live) -> None:
    _, expect = _playwright()
    page = live.page("kythuat")
    page.goto(live.base + "/library")
    page.locator("#clips tr", has_text="Khẩu hiệu 1").get_by_role("link", name="Sửa").click()
    page.fill("#f-valid_from", "30/02/2026")
    page.fill("#f-tags", "CCHC, mùa mưa bão")
    page.click("#save-clip")
    expect(page.locator("#e-valid_from")).to_contain_text("'30/02/2026' không phải ngày hợp lệ")
    live.shot(page, "clip-edit")
    page.fill("#f-valid_from", "01/12/2026")
    page.fill("#f-valid_until", "31/12/2026")
    page.click("#save-clip")
    expect(page.locator(".flash.ok")).to_contain_text("Đã lưu thông tin bài")
    expect(page.locator("#clips tr", has_text="Khẩu hiệu 1")).to_contain_text("01/12/2026–31/12/2026")

    page.click("nav >> text=Tài khoản")
    page.fill("#add-account input[name=name]", "vanthu")
    page.fill("#add-account input[name=password]", "mat-khau-van-thu")
    page.fill("#add-account input[name=password_again]", "mat-khau-van-thu")
    page.click("#add-account button[type=submit]")
    expect(page.locator(".flash.ok")).to_have_text("Đã tạo tài khoản «vanthu» (lãnh đạo).")
    live.shot(page, "accounts")
    page.locator("#accounts tr[data-user=vanthu]").get_by_role("link", name="Xóa").click()
    expect(page.locator(".confirm .question")).to_contain_text("Xóa tài khoản «vanthu» (lãnh đạo)?")
    live.shot(page, "account-remove")
    page.click("#confirm-remove")
    expect(page.locator("#accounts tr[data-user=vanthu]")).to_have_count(0)

    page.click("nav >> text=Hoạt động")
    expect(page.locator("#activity tbody tr").first).to_contain_text("xóa tài khoản")
    expect(page.locator("#activity")).to_contain_text("sửa thông tin bài")
    live.shot(page, "activity")
    page.click("header .who")
    live.shot(page, "password")


HOSTILE = """<!doctype html><meta charset="utf-8"><title>khuyến mãi</title>
<form id="form" method="POST" enctype="text/plain" action="{web}/air-now">
<input name='{{"clip":"1","level":"emergency","confirm":"1","x":"' value='"}}'></form>
<script>
const body = '{{"clip":"1","level":"emergency"}}';
const results = {{}};
async function attack() {{
  const targets = [["control", "http://127.0.0.1:8470/air-now"], ["air", "{web}/air-now"], ["skip", "{web}/skip"],
                   ["reload", "http://127.0.0.1:8470/reload"]];
  for (const [name, url] of targets) {{
    try {{
      await fetch(url, {{method: "POST", mode: "no-cors", credentials: "include",
                         headers: {{"Content-Type": "text/plain"}}, body}});
      results[name] = "sent";
    }} catch (e) {{ results[name] = "failed: " + e; }}
  }}
  try {{
    const r = await fetch("{web}/now/live", {{credentials: "include"}});
    results.read = "read: " + (await r.text());
  }} catch (e) {{ results.read = "blocked: " + e; }}
  document.title = "done";
}}
attack();
</script>"""


def _serve(html: str) -> tuple[object, int]:
    import http.server
    import threading

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            data = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def _manual_rows(live: Live) -> list[tuple]:
    import sqlite3

    con = sqlite3.connect(live.station.db_path, timeout=30)
    try:
        return con.execute("select key, actor from airings where manual = 1 order by id").fetchall()
    finally:
        con.close()


def _journal(live: Live) -> list[tuple]:
    import sqlite3

    con = sqlite3.connect(live.station.db_path, timeout=30)
    try:
        return con.execute("select actor, via, action, outcome from actions where action != 'import' order by id").fetchall()
    finally:
        con.close()


def test_a_hostile_page_on_another_port_cannot_air_skip_or_read(live: Live) -> None:
    """A page from another loopback port, opened by the logged-in technician (its cookie is
    "same-site" to the browser), and a DNS-rebinding name: nothing airs, skips or is read.
    The station's own user airs with `playout air-now` all the same."""
    import pwd

    _, expect = _playwright()
    manual, journalled = _manual_rows(live), _journal(live)
    page = live.page("kythuat")  # logged in: the browser holds a live session cookie
    expect(page.locator("#live-state")).to_have_text("tự cập nhật")
    server, port = _serve(HOSTILE.format(web=live.base))
    try:
        hostile = page.context.new_page()
        hostile.goto(f"http://127.0.0.1:{port}/")
        hostile.wait_for_function("document.title === 'done'", timeout=TIMEOUT)
        results = hostile.evaluate("results")
        assert results["read"].startswith("blocked"), results["read"][:300]
        assert "Nhạc hiệu" not in results["read"]
        with hostile.expect_navigation() as sent:  # the text/plain form, with the technician's cookie
            hostile.evaluate("document.getElementById('form').submit()")
        assert sent.value is not None and sent.value.status == 403
        assert "Yêu cầu gửi từ một trang khác (http://127.0.0.1:" in hostile.content()
    finally:
        server.shutdown()  # type: ignore[attr-defined]
    # DNS rebinding: a name of the attacker's that now resolves to this PC.
    _, web_port = live.daemon.web.address  # type: ignore[union-attr]
    rebinding = live.browser.browser_type.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--host-resolver-rules=MAP evil.example 127.0.0.1"])  # fmt: skip
    try:
        evil = rebinding.new_page()
        for path in ("/now/live", "/login", "/"):
            answer = evil.goto(f"http://evil.example:{web_port}{path}")
            assert answer is not None and answer.status == 421, path
        status = evil.evaluate("""async () => (await fetch('/skip', {method: 'POST',
                                  headers: {'Content-Type': 'text/plain'}, body: 'x'})).status""")
        assert status in (401, 421)  # no login for that name: refused before its body is read
    finally:
        rebinding.close()
    assert _manual_rows(live) == manual and _journal(live) == journalled  # nothing aired, skipped or reloaded
    assert live.daemon.player.now_playing() is None
    aired = live.station.cli("air-now", "Nhạc hiệu Đài")
    assert aired.exit_code == 0, aired.output
    [(key, actor)] = [r for r in _manual_rows(live) if r not in manual]
    assert key.startswith("manual@") and actor.startswith(f"{pwd.getpwuid(os.getuid()).pw_name} (cli, pid ")
