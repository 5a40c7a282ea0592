"""The technician's work without a terminal: clips edited, retired and put back, uploaded with
their fields; accounts added, given a role, reset and removed; everyone's own password; and
one list of who did what. Driven with Flask's test client on a real database and library."""

from __future__ import annotations

import io
from datetime import date, timedelta

from playout.users import UserRepository
from tests.web.conftest import EX, PASSWORDS, Web, token


def _activity(web: Web, client, **filters) -> str:  # noqa: ANN001
    query = "&".join(f"{k}={v}" for k, v in {"from": "01/11/2026", "to": "30/11/2026", **filters}.items())
    return client.get(f"/activity?{query}").get_data(as_text=True).split('id="activity"')[1]


def test_a_technician_edits_a_clip_and_a_wrong_field_is_marked_and_nothing_saved(web: Web) -> None:
    c = web.login("kythuat")
    page = c.get("/library/1/edit")
    assert page.status_code == 200 and 'value="Nhạc hiệu Đài"' in page.get_data(as_text=True)
    csrf = token(c, "/library/1/edit")
    bad = {"csrf_token": csrf, "title": "", "kind": "slogan", "programme": "", "tags": "",
           "episode_date": "", "valid_from": "05/12/2026", "valid_until": "01/12/2026"}  # fmt: skip
    r = c.post("/library/1/edit", data=bad)
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert 'id="e-title">Bài cần có tiêu đề.</span>' in html
    assert 'id="e-valid_until">Ngày bắt đầu hiệu lực 05/12/2026 sau ngày kết thúc 01/12/2026.</span>' in html
    assert web.app.clips.get(1).kind == "chime"  # nothing saved
    r = c.post("/library/1/edit", data={**bad, "title": "Tin bão số 9", "kind": "announcement", "programme": "Phòng chống thiên tai",
                                        "tags": "bão lũ, khẩn , bão lũ", "episode_date": "1/12/2026",
                                        "valid_from": "01/12/2026", "valid_until": "03/12/2026"})  # fmt: skip
    assert r.status_code == 302
    clip = web.app.clips.get(1)
    assert (clip.title, clip.kind, clip.programme, clip.tag_list) == ("Tin bão số 9", "announcement", "Phòng chống thiên tai",
                                                                      ["bão lũ", "khẩn"])  # fmt: skip
    assert (clip.episode_date, clip.valid_from, clip.valid_until) == (date(2026, 12, 1), date(2026, 12, 1), date(2026, 12, 3))
    library = c.get("/library?status=all").get_data(as_text=True)
    assert "Đã lưu thông tin bài #1 «Tin bão số 9»." in library and "01/12/2026–03/12/2026" in library
    # Retired, then put back: both from the page, both in the journal with who did it.
    assert c.post("/library/1/retire", data={"csrf_token": csrf}).status_code == 302 and web.app.clips.get(1).retired
    assert c.post("/library/1/unretire", data={"csrf_token": csrf}).status_code == 302
    assert not web.app.clips.get(1).retired
    listed = _activity(web, c)
    assert "sửa thông tin bài" in listed and "Tiêu đề: Nhạc hiệu Đài → Tin bão số 9" in listed
    assert "Hiệu lực đến: — → 03/12/2026" in listed and "Nhãn: — → bão lũ, khẩn" in listed
    assert "cho phát lại bài" in listed and "kythuat" in listed


def test_a_manager_cannot_edit_clips_or_manage_accounts(web: Web) -> None:
    c = web.login("lanhdao")
    csrf = token(c, "/library")
    assert c.get("/library/1/edit").status_code == 403
    assert c.post("/library/1/edit", data={"csrf_token": csrf, "title": "x", "kind": "slogan"}).status_code == 403
    assert c.post("/library/1/unretire", data={"csrf_token": csrf}).status_code == 403
    assert c.get("/accounts").status_code == 403
    assert c.post("/accounts/add", data={"csrf_token": csrf, "name": "x", "role": "technician", "password": "12345678",
                                         "password_again": "12345678"}).status_code == 403  # fmt: skip
    assert c.post("/accounts/kythuat/remove", data={"csrf_token": csrf, "confirm": "1"}).status_code == 403
    assert c.post("/accounts/lanhdao/role", data={"csrf_token": csrf, "role": "technician"}).status_code == 403
    assert web.app.clips.get(1).title == "Nhạc hiệu Đài" and UserRepository(web.app.db, web.clock).get("lanhdao").role == "manager"
    assert "Tài khoản</a>" not in c.get("/").get_data(as_text=True)
    # A forged form (no token) is refused like every other.
    assert web.login("kythuat").post("/accounts/add", data={"name": "x", "role": "manager"}).status_code == 400


def test_an_upload_carries_title_programme_tags_and_validity(web: Web) -> None:
    c = web.login("kythuat")
    csrf = token(c, "/library")
    data = {"kind": "announcement", "programme": "Thiên tai", "title": "Thông báo bão số 9", "tags": "bão, khẩn",
            "episode_date": "", "valid_from": "30/11/2026", "valid_until": "02/12/2026",
            "file": (io.BytesIO((EX / "khau-hieu-02-dich-vu-cong.wav").read_bytes()), "bao.wav")}  # fmt: skip
    r = c.post("/library/upload", data=data, headers={"X-Requested-With": "fetch", "X-CSRF-Token": csrf},
               content_type="multipart/form-data")  # fmt: skip
    assert r.status_code == 200, r.json
    clip = web.app.clips.get(r.json["clip_id"])
    assert (clip.title, clip.programme, clip.tag_list, clip.valid_from, clip.valid_until) == (
        "Thông báo bão số 9", "Thiên tai", ["bão", "khẩn"], date(2026, 11, 30), date(2026, 12, 2))
    data.update(valid_from="hôm nay", file=(io.BytesIO(b"x"), "y.wav"))
    r = c.post("/library/upload", data=data, headers={"X-Requested-With": "fetch", "X-CSRF-Token": csrf},
               content_type="multipart/form-data")  # fmt: skip
    assert r.status_code == 400 and r.json["message"] == \
        "Chưa nạp: Hiệu lực từ: 'hôm nay' không phải ngày hợp lệ (dạng ngày/tháng/năm, ví dụ 30/11/2026)."  # fmt: skip


def test_a_technician_manages_accounts_and_the_last_technician_stays(web: Web) -> None:
    users = UserRepository(web.app.db, web.clock)
    c = web.login("kythuat")
    csrf = token(c, "/accounts")
    add = {"csrf_token": csrf, "name": "pho-chu-tich", "role": "manager", "password": "mat-khau-moi-1"}
    r = c.post("/accounts/add", data={**add, "password_again": "khac-hẳn"})
    assert r.status_code == 400 and "Hai lần nhập mật khẩu không khớp." in r.get_data(as_text=True)
    assert users.get("pho-chu-tich") is None
    assert c.post("/accounts/add", data={**add, "password_again": "mat-khau-moi-1"}).status_code == 302
    assert users.get("pho-chu-tich").role == "manager"
    newcomer = web.login("pho-chu-tich", "mat-khau-moi-1")
    web.clock.advance(timedelta(seconds=1))
    # A role change and a reset password; the reset ends the account's open logins.
    assert c.post("/accounts/pho-chu-tich/role", data={"csrf_token": csrf, "role": "technician"}).status_code == 302
    assert users.get("pho-chu-tich").role == "technician"
    assert c.post("/accounts/pho-chu-tich/password", data={"csrf_token": csrf, "password": "mat-khau-thu-2",
                                                           "password_again": "mat-khau-thu-2"}).status_code == 302  # fmt: skip
    assert newcomer.get("/").status_code == 302  # logged out
    assert users.authenticate("pho-chu-tich", "mat-khau-thu-2") is not None
    # Removing asks first (a page, no script needed), then removes.
    asking = c.get("/accounts/pho-chu-tich/remove").get_data(as_text=True)
    assert "Xóa tài khoản «pho-chu-tich» (kỹ thuật viên)?" in asking and 'name="confirm" value="1"' in asking
    assert c.post("/accounts/pho-chu-tich/remove", data={"csrf_token": csrf}).status_code == 200
    assert users.get("pho-chu-tich") is not None
    assert c.post("/accounts/pho-chu-tich/remove", data={"csrf_token": csrf, "confirm": "1"}).status_code == 302
    assert users.get("pho-chu-tich") is None
    # The last technician can be neither demoted nor removed, not even by themselves.
    r = c.post("/accounts/kythuat/role", data={"csrf_token": csrf, "role": "manager"}, follow_redirects=True)
    assert "«kythuat» là kỹ thuật viên cuối cùng" in r.get_data(as_text=True) and users.get("kythuat").role == "technician"
    r = c.post("/accounts/kythuat/remove", data={"csrf_token": csrf, "confirm": "1"}, follow_redirects=True)
    assert "«kythuat» là kỹ thuật viên cuối cùng" in r.get_data(as_text=True) and users.get("kythuat") is not None
    listed = _activity(web, c, person="kythuat")
    for said in ("thêm tài khoản", "pho-chu-tich (manager)", "đổi vai trò tài khoản", "pho-chu-tich -&gt; technician",
                 "đặt lại mật khẩu", "xóa tài khoản", "không thành công: Hai lần nhập mật khẩu không khớp."):
        assert said in listed, said
    assert "mat-khau" not in listed  # never a password in the journal
    only_removals = _activity(web, c, kind="user-remove")
    assert "pho-chu-tich (technician)" in only_removals and "thêm tài khoản" not in only_removals


def test_everyone_changes_their_own_password_with_the_current_one(web: Web) -> None:
    users = UserRepository(web.app.db, web.clock)
    c = web.login("lanhdao")
    other = web.login("lanhdao")
    web.clock.advance(timedelta(seconds=1))
    csrf = token(c, "/password")
    r = c.post("/password", data={"csrf_token": csrf, "current": "sai", "password": "mat-khau-moi-9",
                                  "password_again": "mat-khau-moi-9"})  # fmt: skip
    assert r.status_code == 400 and "Mật khẩu hiện tại không đúng." in r.get_data(as_text=True)
    r = c.post("/password", data={"csrf_token": csrf, "current": PASSWORDS["lanhdao"], "password": "ngan",
                                  "password_again": "ngan"})  # fmt: skip
    assert r.status_code == 400 and "Mật khẩu quá ngắn: cần ít nhất 8 ký tự." in r.get_data(as_text=True)
    r = c.post("/password", data={"csrf_token": csrf, "current": PASSWORDS["lanhdao"], "password": "mat-khau-moi-9",
                                  "password_again": "mat-khau-moi-9"})  # fmt: skip
    assert r.status_code == 302 and users.authenticate("lanhdao", "mat-khau-moi-9") is not None
    assert c.get("/").status_code == 200  # this login goes on
    assert other.get("/").status_code == 302  # the other one has ended
    listed = _activity(web, c, kind="password")
    assert "đổi mật khẩu của mình" in listed and "lanhdao" in listed


def test_activity_is_one_list_filterable_by_person_kind_and_date(web: Web) -> None:
    from playout.actions import ActionLog, Actor

    journal = ActionLog(web.app.db, web.clock)
    journal.record(Actor("tuan", "cli", "pid 42", "operator"), "import", "bao.wav -> #2", "imported")
    # Years on, so that the fixture's own import (journalled at the real date) never falls in
    # the window of the later actions, whatever day the test runs.
    web.clock.advance(timedelta(days=3653))
    journal.record(Actor("kythuat", "web", "10.0.0.5", "technician"), "air-now", "#1 Nhạc hiệu Đài (emergency)")
    journal.record(Actor("kythuat", "web", "10.0.0.5", "technician"), "skip", "Nhạc hiệu Đài")
    later = web.clock.now().astimezone(web.app.config.station.timezone).date()
    day = later.strftime("%d/%m/%Y")
    day_before = (later - timedelta(days=1)).strftime("%d/%m/%Y")
    c = web.login("lanhdao")  # a manager reads it too
    upto = {"to": day}
    everything = _activity(web, c, **upto)
    assert everything.index("bỏ qua") < everything.index("phát ngay") < everything.index("nạp bài")  # newest first
    assert "đã nạp" in everything and "dòng lệnh · pid 42" in everything
    assert "phát ngay" not in _activity(web, c, person="tuan", **upto)
    assert "nạp bài" not in _activity(web, c, kind="skip", **upto)
    recent = _activity(web, c, **{"from": day_before, "to": day})
    assert "bỏ qua" in recent and "nạp bài" not in recent
    # Its CSV (the journal's export) says the outcomes in the same words.
    exported = c.get(f"/log/actions?from=30/11/2026&to={day}").get_data(as_text=True)
    assert "đã nạp" in exported and ",imported" not in exported


def test_the_new_pages_read_in_english_too(web: Web) -> None:
    c = web.login("kythuat")
    for path, said in (("/library/1/edit?lang=en", "Edit clip #1"), ("/accounts?lang=en", "Web page accounts"),
                       ("/accounts/lanhdao/remove?lang=en", "Remove the account “lanhdao” (manager)?"),
                       ("/activity?lang=en", "Who did what"), ("/password?lang=en", "Change your password")):  # fmt: skip
        r = c.get(path)
        assert r.status_code == 200 and said in r.get_data(as_text=True), path
