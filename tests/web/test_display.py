"""What the pages write for what the log stores: slot names, reasons in the reader's language,
dates as dd/mm/yyyy, a week as a reader counts it, an output by what it is; and the dangerous
or waiting actions saying what they do."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import UTC, date, datetime

from playout.airlog import AiringLog
from playout.db.models import Airing
from playout.reasons import render
from playout.web.display import parse_date, parse_datetime, week_label
from tests.conftest import ROOT
from tests.web.conftest import Web, token

AT = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)  # 07:30 in the station


def _rows(web: Web) -> None:
    shutil.copy(ROOT / "schedules" / "phien-sang.toml", web.station.root / "schedules" / "phien-sang.toml")
    common = dict(scheduled_at=AT, started_at=AT, played_ms=3000, duration_ms=3000, kind="slogan")
    AiringLog(web.app.db).insert([
        Airing(key="phien-sang@x/1", occurrence="phien-sang@x", position=1, slot="phien-sang", title="Khẩu hiệu 1",
               outcome="interrupted", reason="skipped by the technician", **common),
        Airing(key="phien-sang@x/3", occurrence="phien-sang@x", position=3, slot="phien-sang", title="Khẩu hiệu 2",
               outcome="failed", reason="at air time: audio file does not decode: /lib/x.flac (Invalid data found "
               "when processing input)", **common),
        Airing(key="manual@x/1", occurrence="manual@x", position=1, slot="manual", title="Thông báo bão",
               outcome="aired", manual=True, level="normal", reason="a reason nobody wrote down", **common),
    ])  # fmt: skip


def test_reasons_stored_in_english_read_in_vietnamese_and_tools_words_are_left_out() -> None:
    assert render("skipped by the technician", "vi") == "kỹ thuật viên bỏ qua"
    assert render("interrupted by an emergency announcement", "vi") == "bị ngắt bởi thông báo khẩn cấp"
    undecodable = "at air time: audio file does not decode: /a/b.flac (Invalid data found when processing input)"
    assert render(undecodable, "vi") == "đến giờ phát: tệp âm thanh /a/b.flac bị hỏng, không giải mã được"
    assert render(undecodable, "en") == undecodable  # the English reader keeps every word
    # A schedule's reason for dropping an item is its message's English: read back with its parameters.
    dropped = "no new episode of “CCHC” (the latest, “Số 48”, already aired)"
    assert render(dropped, "vi") == "chưa có số mới của «CCHC» (số gần nhất «Số 48» đã phát)"
    assert render("failed: a.ogg: not an audio file ffmpeg can read.", "vi") == \
        "không thành công: a.ogg: không phải tệp âm thanh mà ffmpeg đọc được."  # fmt: skip
    relay = "the source VOV1 dropped out 2 times (at 0:10 for 3 s, at 1:02 for 5 s); 50 of 60 s relayed"
    assert render(relay, "vi") == "nguồn VOV1 bị mất 2 lần (lúc 0:10 trong 3 giây, lúc 1:02 trong 5 giây); " \
                                  "đã tiếp âm 50 trên 60 giây"  # fmt: skip
    # The monitor's note, with where the silence fell (that detail is the English reader's).
    heard = "heard with 70 ms of silence where there should be sound (from 1.13 s into it; the rest came after a gap of 59 ms)"
    assert render(heard, "vi") == "nghe thấy 70 ms im lặng ở chỗ lẽ ra có tiếng"
    assert render("something new the daemon says", "vi") == "something new the daemon says"  # kept, not lost
    assert render(None, "vi") == ""
    # The journal's outcomes: one word each, in the reader's words.
    assert [render(w, "vi") for w in ("ok", "imported", "scheduled", "already retired")] == \
        ["xong", "đã nạp", "đã xếp lịch", "đã ngừng phát từ trước"]  # fmt: skip
    assert render("refused: not permitted", "en") == "refused: not permitted"


def test_dates_are_typed_and_read_as_day_month_year() -> None:
    assert parse_date("30/11/2026") == parse_date("2026-11-30") == parse_date("30.11.2026") == date(2026, 11, 30)
    assert parse_date(" 1/2/2027 ") == date(2027, 2, 1)
    for bad in ("31/02/2026", "11/30/2026x", "hôm qua"):
        try:
            parse_date(bad)
        except ValueError:
            continue
        raise AssertionError(bad)
    assert parse_datetime("30/11/2026 17:05") == parse_datetime("2026-11-30T17:05") == datetime(2026, 11, 30, 17, 5)
    for bad in ("30/11/2026", "30/11/2026 5h", "31/11/2026 17:00"):
        try:
            parse_datetime(bad)
        except ValueError:
            continue
        raise AssertionError(bad)
    assert week_label(date(2026, 11, 30), "vi") == "Tuần 49 (30/11–06/12/2026)"
    assert week_label(date(2026, 12, 28), "en") == "Week 53 (28/12/2026–03/01/2027)"


def test_the_log_shows_slot_names_reasons_and_dates_in_the_readers_language(web: Web) -> None:
    _rows(web)
    c = web.login("lanhdao")
    page = c.get("/log?from=30/11/2026&to=30/11/2026").get_data(as_text=True)
    assert "Phiên sáng" in page and ">phien-sang<" not in page and "Phát tay" in page
    assert "bài 3" in page and "phien-sang/3" not in page
    assert "kỹ thuật viên bỏ qua" in page and "skipped by the technician" not in page
    assert "tệp âm thanh /lib/x.flac bị hỏng, không giải mã được" in page and "Invalid data" not in page
    assert "a reason nobody wrote down" in page
    assert "30/11/2026 07:30:00" in page and "2026-11-30 07:30" not in page
    assert 'name="from" value="30/11/2026"' in page and 'type="date"' not in page
    # A date typed wrongly is one sentence, and the page still answers with the default period.
    wrong = c.get("/log?from=31/02/2026").get_data(as_text=True)
    assert "Từ ngày: &#39;31/02/2026&#39; không phải ngày hợp lệ (dạng ngày/tháng/năm, ví dụ 30/11/2026)." in wrong
    # The exports say the same in the same language; English keeps the stored words.
    for url in ("/log/export?format=csv&from=30/11/2026&to=30/11/2026", "/log/export?format=csv&from=2026-11-30&to=2026-11-30&lang=vi"):
        answer = c.get(url)
        assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"  # once (it was said twice)
        text = answer.get_data(as_text=True).lstrip("\ufeff")
        reasons = [r[13] for r in csv.reader(io.StringIO(text))][1:]
        assert sorted(reasons) == ["a reason nobody wrote down", "kỹ thuật viên bỏ qua",
                                   "đến giờ phát: tệp âm thanh /lib/x.flac bị hỏng, không giải mã được"], reasons  # fmt: skip
    english = c.get("/log/export?format=csv&from=30/11/2026&to=30/11/2026&lang=en").get_data(as_text=True)
    assert "skipped by the technician" in english and "Invalid data found" in english
    import openpyxl

    xlsx = c.get("/log/export?format=xlsx&from=30/11/2026&to=30/11/2026&lang=vi").data
    ws = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    assert "kỹ thuật viên bỏ qua" in [row[13] for row in ws.iter_rows(values_only=True)]


def test_the_week_is_named_as_a_reader_counts_it_and_slots_by_their_names(web: Web) -> None:
    shutil.copy(ROOT / "schedules" / "phien-sang.toml", web.station.root / "schedules" / "phien-sang.toml")
    page = web.login("lanhdao").get("/week?week=2026-W49").get_data(as_text=True)
    assert "Tuần 49 (30/11–06/12/2026)" in page and "2026-W49" not in page.split("<h1>")[1].split("</h1>")[0]


def test_now_says_what_the_output_is_and_a_waiting_clip_shows_under_next(web: Web) -> None:
    _rows(web)
    AiringLog(web.app.db).insert([Airing(
        key="manual@later/1", occurrence="manual@later", position=1, slot="manual", scheduled_at=web.clock.now(),
        clip_id=1, title="Nhạc hiệu Đài", outcome="pending", manual=True, level="normal")])  # fmt: skip
    c = web.login("kythuat")
    block = c.get("/now/live").get_data(as_text=True)
    assert "Không ra loa (chạy thử)" in block and "Đầu ra</dt><dd class=\"mono\">null" not in block
    assert '<span class="badge o-aired">Tốt</span>' in block and ">OK<" not in block
    upcoming = block.split('id="next-airings"')[1].split("</tbody>")[0]
    assert "chờ bài đang phát kết thúc" in upcoming and "Nhạc hiệu Đài" in upcoming and "Phát tay" in upcoming
    # A normal air-now says it waits for what is on air, not that it airs now.
    csrf = token(c, "/air-now")
    r = c.post("/air-now", data={"clip": "1", "level": "normal", "confirm": "1", "csrf_token": csrf},
               follow_redirects=True)  # fmt: skip
    said = r.get_data(as_text=True)
    assert "Sẽ phát sau khi bài đang phát kết thúc (thông thường): #1" in said and "Đang phát ngay" not in said


def test_skipping_what_is_on_air_asks_first_and_works_without_a_script(web: Web) -> None:
    c = web.login("kythuat")
    now = c.get("/").get_data(as_text=True)
    csrf = token(c, "/")
    assert 'action="/skip"' in now
    asking = c.post("/skip", data={"csrf_token": csrf})
    html = asking.get_data(as_text=True)
    assert asking.status_code == 200 and "Bỏ qua bài đang phát «Nhạc hiệu Đài»?" in html
    assert 'name="confirm" value="1"' in html and not web.control.asked("/skip")
    assert c.post("/skip", data={"csrf_token": csrf, "confirm": "1"}).status_code == 302
    assert web.control.asked("/skip")


def test_slot_names_follow_the_schedule_files(tmp_path) -> None:  # noqa: ANN001
    from playout.web.display import SlotNames

    folder = tmp_path / "schedules"
    folder.mkdir()
    names = SlotNames(folder)
    assert names.get() == {}
    text = (ROOT / "schedules" / "phien-sang.toml").read_text(encoding="utf-8")
    (folder / "phien-sang.toml").write_text(text, encoding="utf-8")
    assert names.get()["phien-sang"] == "Phiên sáng"
    (folder / "phien-sang.toml").write_text(text.replace('name = "Phiên sáng"', 'name = "Buổi sáng"'), encoding="utf-8")
    assert names.get()["phien-sang"] == "Buổi sáng"
    (folder / "phien-sang.toml").write_text("[[slot]\nbroken", encoding="utf-8")  # unreadable: ids shown as they are
    assert names.get() == {}
