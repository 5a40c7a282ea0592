"""The schedule editor from the technician's side, through Flask's test client: slots made,
edited, copied and deleted in the browser's forms land in the TOML files the daemon reads,
checked as `playout schedule check` checks them, with a backup and the comments kept."""

from __future__ import annotations

import re
import shutil
import tomllib
from datetime import timedelta

import pytest
from sqlalchemy import select

from playout.db.models import Action
from tests.conftest import ROOT
from tests.web.conftest import EX, Web, token


@pytest.fixture
def editor(web: Web) -> Web:
    st = web.station
    for args in (
        [str(EX / "khau-hieu-01-cai-cach-hanh-chinh.mp3"), str(EX / "khau-hieu-02-dich-vu-cong.wav"), "--kind", "slogan"],
        [*map(str, sorted(EX.glob("cchc-*"))), "--kind", "segment", "--program", "CCHC"],
    ):  # fmt: skip
        assert st.cli("import", *args).exit_code == 0
    return web


def folder(web: Web):  # noqa: ANN201
    return web.app.config.schedules_folder


def form_of(client, path: str) -> dict[str, str | list[str]]:  # noqa: ANN001
    """The form's fields as the page fills them (hidden ones, text, selected options, ticked boxes)."""
    return fields_of(client.get(path).get_data(as_text=True))


def fields_of(html: str) -> dict[str, str | list[str]]:
    fields: dict[str, str | list[str]] = {}
    for m in re.finditer(r"<input ([^>]*)>", html):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', m.group(1)))
        name = attrs.get("name")
        if not name or "disabled" in m.group(1).split():
            continue
        if attrs.get("type") == "checkbox":
            if re.search(r"\bchecked\b", m.group(1)):
                fields.setdefault(name, []).append(attrs["value"])  # type: ignore[union-attr]
            continue
        fields[name] = attrs.get("value", "")
    for m in re.finditer(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', m.group(2))
        first = re.search(r'<option value="([^"]*)"', m.group(2))
        fields[m.group(1)] = chosen.group(1) if chosen else (first.group(1) if first else "")
    return fields


def unescape(text: str) -> str:
    return text.replace("&#34;", '"').replace("&quot;", '"').replace("&#39;", "'").replace("&amp;", "&")


def post(client, path: str, fields: dict, **changes) -> object:  # noqa: ANN001
    data = {k: unescape(v) if isinstance(v, str) else v for k, v in {**fields, **changes}.items()}
    return client.post(path, data=data)


def actions(web: Web) -> list[Action]:
    with web.app.db.session() as s:
        return list(s.execute(select(Action).order_by(Action.id)).scalars())


def test_a_technician_creates_a_slot_and_the_check_and_the_week_see_it(editor: Web) -> None:
    c = editor.login("kythuat")
    assert "Chưa có khung giờ nào" in c.get("/schedule/").get_data(as_text=True)
    fields = form_of(c, "/schedule/new")
    r = post(c, "/schedule/new", fields, name="Phiên sáng", id="phien-sang", times="05:30", hard_end="06:00",
             chime="Nhạc hiệu Đài", days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
             **{"item-0-type": "rotation", "item-0-rot_kind": "slogan", "item-0-rot_count": "2"})  # fmt: skip
    assert r.status_code == 302, r.get_data(as_text=True)
    written = (folder(editor) / "phien-sang.toml").read_text(encoding="utf-8")
    data = tomllib.loads(written)
    assert data == {"slot": [{"id": "phien-sang", "name": "Phiên sáng", "days": "daily", "times": ["05:30"],
                              "chime": "Nhạc hiệu Đài", "hard_end": "06:00",
                              "item": [{"rotation": {"kind": "slogan", "count": 2}}]}]}  # fmt: skip
    check = editor.station.cli("schedule", "check")
    assert check.exit_code == 0, check.output
    show = editor.station.cli("schedule", "show", "--week", "2026-W49")
    assert show.exit_code == 0 and "phien-sang" in show.output and "Nhạc hiệu Đài" in show.output
    index = c.get("/schedule/").get_data(as_text=True)
    assert 'data-slot="phien-sang"' in index and "Đã lưu khung giờ phien-sang vào tệp phien-sang.toml." in index
    done = actions(editor)[-1]
    assert (done.actor, done.via, done.action, done.outcome) == ("kythuat", "web", "schedule-add", "ok")
    assert done.detail == "phien-sang.toml: phien-sang"


def test_an_invalid_edit_is_refused_with_the_field_marked_and_nothing_written(editor: Web) -> None:
    shutil.copy(ROOT / "schedules" / "phien-sang.toml", folder(editor) / "phien-sang.toml")
    shutil.copy(ROOT / "schedules" / "station.toml", folder(editor) / "station.toml")
    before = (folder(editor) / "phien-sang.toml").read_bytes()
    c = editor.login("kythuat")
    fields = form_of(c, "/schedule/slot/phien-sang")
    assert fields["times"] == "05:30" and fields["hard_end"] == "06:00" and fields["chime"] == "__station__"
    r = post(c, "/schedule/slot/phien-sang", fields, times="25:30", priority="200")
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert re.search(r'name="times" id="f-times" value="25:30"[^>]* aria-invalid="true">\s*'
                     r'<p class="field-error" role="alert">⚠ giờ &#39;25:30&#39; không tồn tại', html)  # fmt: skip
    assert re.search(r'name="priority"[^>]* aria-invalid="true">\s*<p class="field-error" role="alert">⚠ ', html)
    assert "Chưa lưu gì: lịch sẽ có 2 lỗi" in html
    assert (folder(editor) / "phien-sang.toml").read_bytes() == before
    assert not (folder(editor) / ".backup").exists()
    refused = actions(editor)[-1]
    assert refused.action == "schedule-edit" and refused.outcome.startswith("refused: 2 error(s)")

    # An item's field: a programme the library does not have.
    r = post(c, "/schedule/slot/phien-sang", fields, **{"item-0-latest": "Không có"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert re.search(r'name="item-0-latest" aria-invalid="true">.*?</select>\s*<p class="field-error" '
                     r'role="alert">⚠ [^<]*Không có', html, re.S)  # fmt: skip


def test_an_edit_keeps_the_comments_and_the_old_version(editor: Web) -> None:
    shutil.copy(ROOT / "schedules" / "phien-sang.toml", folder(editor) / "phien-sang.toml")
    shutil.copy(ROOT / "schedules" / "station.toml", folder(editor) / "station.toml")
    before = (folder(editor) / "phien-sang.toml").read_bytes()
    editor.clock.advance(timedelta(hours=1, minutes=3, seconds=4))  # 02:03:04 UTC
    c = editor.login("kythuat")
    fields = form_of(c, "/schedule/slot/phien-sang")
    r = post(c, "/schedule/slot/phien-sang", fields, priority="20", times="05:15")
    assert r.status_code == 302, r.get_data(as_text=True)
    text = (folder(editor) / "phien-sang.toml").read_text(encoding="utf-8")
    # Every comment of the hand-written file is still there, and the changed lines keep theirs.
    for line in before.decode().splitlines():
        if "#" in line and not line.lstrip().startswith(("times", "priority")):
            assert line in text, line
    assert 'priority = 20                  # a higher priority wins when two slots overlap' in text
    assert 'times = ["05:15"]' in text
    assert 'days = "daily"                 # or a list' in text  # the unchanged days stay as written
    backup = folder(editor) / ".backup" / "phien-sang.toml.20261130-090304"  # station time (UTC+7)
    assert backup.read_bytes() == before
    assert actions(editor)[-1].detail == "phien-sang.toml: phien-sang; previous version .backup/phien-sang.toml.20261130-090304"
    # The daemon's loader reads only the folder's *.toml: the backup is not a second slot.
    assert editor.station.cli("schedule", "check").exit_code == 0
    # The journal keeps what changed, and the Activity page shows it: the old and new lines.
    diff = actions(editor)[-1].diff
    assert diff.startswith("--- a/phien-sang.toml\n+++ b/phien-sang.toml\n"), diff
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert len(changed) == 4 and any(x.startswith("-times") for x in changed) and '+times = ["05:15"]' in changed, diff
    page = c.get("/activity").get_data(as_text=True)
    assert "Xem thay đổi trong tệp lịch" in page and '<span class="add">+times = [&#34;05:15&#34;]</span>' in page, page


def test_a_file_edited_by_hand_while_the_page_is_open_is_not_overwritten(editor: Web) -> None:
    shutil.copy(ROOT / "schedules" / "phien-sang.toml", folder(editor) / "phien-sang.toml")
    shutil.copy(ROOT / "schedules" / "station.toml", folder(editor) / "station.toml")
    c = editor.login("kythuat")
    fields = form_of(c, "/schedule/slot/phien-sang")
    path = folder(editor) / "phien-sang.toml"
    by_hand = path.read_text(encoding="utf-8").replace('times = ["05:30"]', 'times = ["05:45"]')
    path.write_text(by_hand, encoding="utf-8")
    r = post(c, "/schedule/slot/phien-sang", fields, priority="30")
    assert r.status_code == 409
    assert ("Tệp phien-sang.toml đã được sửa (bằng tay hoặc từ trang khác) sau khi trang này được mở; chưa lưu gì."
            in r.get_data(as_text=True))  # fmt: skip
    assert path.read_text(encoding="utf-8") == by_hand
    assert actions(editor)[-1].outcome == "refused: the file changed on disk since the page was loaded"
    # Opened again, the page shows the hand edit and saves on top of it.
    fields = form_of(c, "/schedule/slot/phien-sang")
    assert fields["times"] == "05:45"
    assert post(c, "/schedule/slot/phien-sang", fields, priority="30").status_code == 302
    assert tomllib.loads(path.read_text(encoding="utf-8"))["slot"][0]["times"] == ["05:45"]


def test_copy_then_delete(editor: Web) -> None:
    shutil.copy(ROOT / "schedules" / "phien-sang.toml", folder(editor) / "phien-sang.toml")
    shutil.copy(ROOT / "schedules" / "station.toml", folder(editor) / "station.toml")
    c = editor.login("kythuat")
    fields = form_of(c, "/schedule/slot/phien-sang/copy")
    assert fields["id"] == "phien-sang-2" and fields["name"] == "Phiên sáng (bản sao)"
    # The copy at the same time would overlap the original at the same priority: refused.
    r = post(c, "/schedule/new", fields, file="")
    assert r.status_code == 422
    assert re.search(r'name="times"[^>]* aria-invalid="true">\s*<p class="field-error" role="alert">⚠ [^<]*phien-sang',
                     r.get_data(as_text=True))  # fmt: skip
    assert not (folder(editor) / "phien-sang-2.toml").exists()
    r = post(c, "/schedule/new", fields, file="", times="11:00", hard_end="11:30")
    assert r.status_code == 302, r.get_data(as_text=True)
    copied = tomllib.loads((folder(editor) / "phien-sang-2.toml").read_text(encoding="utf-8"))["slot"][0]
    original = tomllib.loads((folder(editor) / "phien-sang.toml").read_text(encoding="utf-8"))["slot"][0]
    assert copied["item"] == original["item"] and copied["times"] == ["11:00"] and copied["chime"] is True
    assert actions(editor)[-1].action == "schedule-copy"

    page = c.get("/schedule/slot/phien-sang-2/delete").get_data(as_text=True)
    assert "Xóa khung giờ phien-sang-2 «Phiên sáng (bản sao)» khỏi tệp phien-sang-2.toml?" in page
    digests = re.search(r'name="digests" value="([^"]*)"', page).group(1)  # type: ignore[union-attr]
    r = c.post("/schedule/slot/phien-sang-2/delete", data={"csrf_token": token(c, "/schedule/"), "confirm": "1",
                                                           "digests": unescape(digests)})  # fmt: skip
    assert r.status_code == 302
    assert not (folder(editor) / "phien-sang-2.toml").exists()  # nothing else was in it
    assert list((folder(editor) / ".backup").glob("phien-sang-2.toml.*"))
    assert actions(editor)[-1].action == "schedule-delete"


def test_a_manager_reads_and_cannot_save(editor: Web) -> None:
    shutil.copy(ROOT / "schedules" / "phien-sang.toml", folder(editor) / "phien-sang.toml")
    c = editor.login("lanhdao")
    page = c.get("/schedule/slot/phien-sang").get_data(as_text=True)
    assert "<fieldset class=\"plain\" disabled>" in page and 'id="save"' not in page
    fields = form_of(editor.login("kythuat"), "/schedule/slot/phien-sang")
    r = c.post("/schedule/slot/phien-sang", data={**fields, "csrf_token": token(c, "/schedule/")})
    assert r.status_code == 403
    assert c.post("/schedule/station", data={"csrf_token": token(c, "/schedule/")}).status_code == 403
    # and without the CSRF token a technician's save is refused before anything is read
    t = editor.login("kythuat")
    assert t.post("/schedule/slot/phien-sang", data={k: v for k, v in fields.items() if k != "csrf_token"}).status_code == 400


def test_station_blackout_and_the_month_view(editor: Web) -> None:
    c = editor.login("kythuat")
    fields = form_of(c, "/schedule/station")
    r = post(c, "/schedule/station", fields, chime="Nhạc hiệu Đài", add="2026-12-12")
    assert r.status_code == 302, r.get_data(as_text=True)
    data = tomllib.loads((folder(editor) / "station.toml").read_text(encoding="utf-8"))
    assert str(data["station"]["blackout"][0]) == "2026-12-12" and data["station"]["chime"] == "Nhạc hiệu Đài"
    fields = form_of(c, "/schedule/new")
    r = post(c, "/schedule/new", fields, name="Phiên chiều", id="phien-chieu", times="17:30", chime="__station__",
             days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
             **{"item-0-type": "latest", "item-0-latest": "CCHC", "item-0-days": ["thu"], "item-0-if_no_new": "repeat"})  # fmt: skip
    assert r.status_code == 302, r.get_data(as_text=True)
    month = c.get("/schedule/month?month=2026-12").get_data(as_text=True)
    cell = lambda d: re.search(rf'data-date="{d}">(.*?)</td>', month, re.S).group(1)  # noqa: E731
    assert "Phiên chiều" in cell("2026-12-11") and "17:30" in cell("2026-12-11")
    assert "Ngừng phát" in cell("2026-12-12") and "Phiên chiều" not in cell("2026-12-12")
    # A bad date is refused next to the field.
    fields = form_of(c, "/schedule/station")
    r = post(c, "/schedule/station", fields, blackout="2026-12-12, 2026-13-01")
    assert r.status_code == 422
    assert re.search(r'id="f-blackout"[^>]* aria-invalid="true">\s*<p class="field-error" role="alert">⚠ [^<]*2026-13-01',
                     r.get_data(as_text=True))  # fmt: skip
    kept = tomllib.loads((folder(editor) / "station.toml").read_text(encoding="utf-8"))["station"]["blackout"]
    assert [str(d) for d in kept] == ["2026-12-12"]


def test_items_are_moved_and_removed_and_the_file_follows(editor: Web) -> None:
    shutil.copy(ROOT / "schedules" / "phien-chieu.toml", folder(editor) / "phien-chieu.toml")
    shutil.copy(ROOT / "schedules" / "station.toml", folder(editor) / "station.toml")
    c = editor.login("kythuat")
    fields = form_of(c, "/schedule/slot/phien-chieu")
    assert [fields[f"item-{i}-type"] for i in range(4)] == ["latest", "latest", "rotation", ""]
    # The rotation first: the page comes back with the items in their new order, nothing written.
    r = post(c, "/schedule/slot/phien-chieu", fields, action="up-2")
    assert r.status_code == 200
    r = post(c, "/schedule/slot/phien-chieu", fields_of(r.get_data(as_text=True)), action="up-1")
    moved = fields_of(r.get_data(as_text=True))
    assert [moved[f"item-{i}-type"] for i in range(3)] == ["rotation", "latest", "latest"]
    assert tomllib.loads((folder(editor) / "phien-chieu.toml").read_text(encoding="utf-8"))["slot"][0]["item"][0] == {
        "latest": "CCHC", "days": ["thu"], "if_no_new": "repeat"}  # fmt: skip
    r = post(c, "/schedule/slot/phien-chieu", moved, **{"item-2-remove": "1"})
    assert r.status_code == 302, r.get_data(as_text=True)
    items = tomllib.loads((folder(editor) / "phien-chieu.toml").read_text(encoding="utf-8"))["slot"][0]["item"]
    assert items == [{"rotation": {"kind": "slogan", "count": 2}}, {"latest": "CCHC", "days": ["thu"], "if_no_new": "repeat"}]
    # A new item is written whole, with the choice the form showed.
    fields = form_of(c, "/schedule/slot/phien-chieu")
    assert post(c, "/schedule/slot/phien-chieu", fields, **{"item-2-type": "latest", "item-2-latest": "CCHC"}).status_code == 302
    items = tomllib.loads((folder(editor) / "phien-chieu.toml").read_text(encoding="utf-8"))["slot"][0]["item"]
    assert items[2] == {"latest": "CCHC", "if_no_new": "repeat"}


def test_zones_are_ticked_from_the_configuration_and_an_unknown_one_is_refused(station) -> None:  # noqa: ANN001
    from datetime import UTC, datetime

    from playout import config as config_mod
    from playout.app import App
    from playout.clock import VirtualClock
    from playout.users import UserRepository
    from tests.web.conftest import PASSWORDS, FakeControl
    from tests.web.test_zones_web import ZONES

    station.config.write_text(station.config.read_text(encoding="utf-8").split("[output]")[0] + ZONES, encoding="utf-8")
    app = App(config=config_mod.load(station.config), clock=VirtualClock(datetime(2026, 11, 30, 1, 0, tzinfo=UTC)))
    UserRepository(app.db, app.clock).add("kythuat", "technician", PASSWORDS["kythuat"])
    assert station.cli("import", str(EX / "nhac-hieu.ogg"), "--kind", "chime").exit_code == 0
    web = Web(station, app, FakeControl())
    c = web.login("kythuat")
    page = c.get("/schedule/new").get_data(as_text=True)
    assert 'name="zones" value="xa-a"' in page and "Ấp 3" in page and 'name="item-0-zones" value="ap-3"' in page
    fields = form_of(c, "/schedule/new")
    r = post(c, "/schedule/new", fields, name="Thông báo ấp 3", id="ap-3-sang", times="06:30", zones=["ap-3"],
             **{"item-0-type": "clip", "item-0-clip": "Nhạc hiệu Đài"})  # fmt: skip
    assert r.status_code == 302, r.get_data(as_text=True)
    slot = tomllib.loads((folder(web) / "ap-3-sang.toml").read_text(encoding="utf-8"))["slot"][0]
    assert slot["zones"] == ["ap-3"] and slot["item"] == [{"clip": "Nhạc hiệu Đài"}]
    # A zone written by hand that the configuration does not have is shown, and refused on save.
    path = folder(web) / "ap-3-sang.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('zones = ["ap-3"]', 'zones = ["ap-9"]'), encoding="utf-8")
    fields = form_of(c, "/schedule/slot/ap-3-sang")
    assert fields["zones"] == ["ap-9"]
    r = post(c, "/schedule/slot/ap-3-sang", fields, name="Thông báo")
    assert r.status_code == 422
    assert re.search(r'<fieldset class="zones invalid">.*?</fieldset>\s*<p class="field-error" role="alert">⚠ [^<]*ap-9',
                     r.get_data(as_text=True), re.S)  # fmt: skip


def test_every_field_of_the_format_is_written_as_the_readme_spells_it(editor: Web) -> None:
    c = editor.login("kythuat")
    fields = form_of(c, "/schedule/new")
    data = {**fields, "name": "Họp dân", "id": "hop-dan", "times": "19:00, 20:00", "days": ["mon", "thu"],
            "monthly_rows": "2", "monthly_n_0": "last", "monthly_d_0": "fri", "every_weeks": "2",
            "anchor": "30/11/2026", "valid_from": "1/12/2026", "valid_until": "2027-06-30",
            "except": "01/01/2027, 06/02/2027", "chime": "Nhạc hiệu Đài", "priority": "50", "max_minutes": "30",
            "n_items": "2", "item-0-type": "clip", "item-0-clip": "Nhạc hiệu Đài", "item-0-valid_from": "2026-12-01",
            "item-0-except": "2026-12-24", "item-0-monthly_rows": "1", "item-0-monthly_n_0": "first",
            "item-0-monthly_d_0": "mon", "item-1-type": "relay", "item-1-relay": "line-in", "item-1-minutes": "5",
            "item-1-title": "Tiếp âm VOV1", "item-1-programme": "Thời sự"}  # fmt: skip
    # "Add an item" brings the form back with one more item, nothing written.
    r = post(c, "/schedule/new", {**data, "n_items": "1"}, action="add_item")
    assert r.status_code == 200 and 'name="item-1-type"' in r.get_data(as_text=True)
    assert not (folder(editor) / "hop-dan.toml").exists()
    r = post(c, "/schedule/new", data, action="save")
    assert r.status_code == 302, r.get_data(as_text=True)
    from datetime import date

    slot = tomllib.loads((folder(editor) / "hop-dan.toml").read_text(encoding="utf-8"))["slot"][0]
    assert slot == {
        "id": "hop-dan", "name": "Họp dân", "days": ["mon", "thu"], "monthly": "last fri", "every_weeks": 2,
        "anchor": date(2026, 11, 30), "times": ["19:00", "20:00"], "valid_from": date(2026, 12, 1),
        "valid_until": date(2027, 6, 30), "except": [date(2027, 1, 1), date(2027, 2, 6)], "chime": "Nhạc hiệu Đài",
        "max_minutes": 30, "priority": 50,
        "item": [{"clip": "Nhạc hiệu Đài", "monthly": "first mon", "except": [date(2026, 12, 24)],
                  "valid_from": date(2026, 12, 1)},
                 {"relay": "line-in", "minutes": 5, "title": "Tiếp âm VOV1", "programme": "Thời sự"}],
    }  # fmt: skip
    # The form shows it back as it was made (dates as dd/mm/yyyy, typed so or as ISO), in
    # English too.
    again = form_of(c, "/schedule/slot/hop-dan?lang=en")
    assert again["monthly_n_0"] == "last" and again["monthly_d_0"] == "fri" and again["days"] == ["mon", "thu"]
    assert again["item-1-type"] == "relay" and again["item-1-minutes"] == "5" and again["except"] == "01/01/2027, 06/02/2027"
    assert again["anchor"] == "30/11/2026" and again["valid_from"] == "01/12/2026" and again["valid_until"] == "30/06/2027"
    assert "Check and save" in c.get("/schedule/slot/hop-dan").get_data(as_text=True)
    for path in ("/schedule/", "/schedule/station", "/schedule/month?month=2026-12", "/schedule/slot/hop-dan/copy",
                 "/schedule/slot/hop-dan/delete"):  # fmt: skip
        assert c.get(path).status_code == 200, path


def test_a_clip_written_by_number_by_hand_stays_a_number(editor: Web) -> None:
    (folder(editor) / "so.toml").write_text('[[slot]]\nid = "so"\ntimes = ["12:00"]\nchime = 1\n\n'
                                             '[[slot.item]]\nclip = 1   # the chime by its number\n\n'
                                             '[[slot.item]]\nlatest = "CCHC"\n', encoding="utf-8")  # fmt: skip
    c = editor.login("kythuat")
    fields = form_of(c, "/schedule/slot/so")
    assert fields["chime"] == "1" and fields["item-0-clip"] == "1"
    assert post(c, "/schedule/slot/so", fields, name="Trưa").status_code == 302
    text = (folder(editor) / "so.toml").read_text(encoding="utf-8")
    assert "chime = 1\n" in text and "clip = 1   # the chime by its number" in text and 'name = "Trưa"' in text
    # Without days it aired daily, and the latest episode was aired again when nothing new came:
    # both still, without a key added for what the form showed.
    assert "days" not in text and "if_no_new" not in text
    assert fields["days"] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def test_an_error_the_form_has_no_field_for_is_named_at_the_top(editor: Web) -> None:
    (folder(editor) / "so.toml").write_text('[[slot]]\nid = "so"\ntimes = ["12:00"]\nmau = "do"\n\n'
                                             '[[slot.item]]\nclip = 1\n', encoding="utf-8")  # fmt: skip
    c = editor.login("kythuat")
    r = post(c, "/schedule/slot/so", form_of(c, "/schedule/slot/so"), name="Trưa")
    assert r.status_code == 422
    general = re.search(r'<div class="card problems" id="general-errors">(.*?)</div>', r.get_data(as_text=True), re.S)
    assert general and "so.toml:4" in general.group(1) and "mau" in general.group(1)
