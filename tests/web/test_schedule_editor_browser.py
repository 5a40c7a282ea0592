"""A technician who has never seen a TOML file makes the shipped example week in the browser
(Debian's Chromium through Playwright) from an empty schedules folder, against a real daemon;
`playout schedule show --week` then prints the same week from those files as from the
shipped example. Screenshots of the editor's pages at 1366×768 and 390×844 go to
$PLAYOUT_ARTIFACTS (default tests/artifacts/); with $PLAYOUT_DOCS_SCREENSHOTS=DIR the
README's picture of the editor is written there too.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import ROOT, Station, free_port
from tests.web.conftest import EX, PASSWORDS
from tests.web.test_browser import DESK, PHONE, Live, _playwright, running

pytestmark = pytest.mark.browser


def _station(root: Path) -> Station:
    root.mkdir(parents=True)
    (root / "schedules").mkdir()  # empty: the technician makes every slot in the browser
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
    return st


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    yield from running(_station(tmp_path_factory.mktemp("editor") / "station"))


def _first_saturday_week() -> tuple[str, date]:
    """The ISO week of next month's first Saturday: it has every item of the example."""
    today = date.today()
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    saturday = first + timedelta(days=(5 - first.weekday()) % 7)
    year, week, _ = saturday.isocalendar()
    return f"{year}-W{week:02d}", saturday


def _item(page, n: int, kind: str, **fields: str) -> None:  # noqa: ANN001
    """Fill item number n (0-based) of the slot form; `days`/`monthly` open "only on some dates"."""
    p = f"item-{n}-"
    page.select_option(f"select[name='{p}type']", kind)
    for name, value in fields.items():
        if name in ("days", "monthly"):
            continue
        selector = f"[name='{p}{name}']"
        if page.locator(f"select{selector}").count():
            page.select_option(f"select{selector}", value)
        else:
            page.fill(f"input{selector}", value)
    if "days" in fields or "monthly" in fields:
        page.click(f"#item-{n} details.item-when summary")
        for day in fields.get("days", "").split():
            page.check(f"#item-{n} input[name='{p}days'][value={day}]")
        if "monthly" in fields:
            ordinal, day = fields["monthly"].split()
            page.select_option(f"select[name='{p}monthly_n_0']", ordinal)
            page.select_option(f"select[name='{p}monthly_d_0']", day)


def _slot(page, live: Live, *, name: str, slot_id: str, times: str, hard_end: str, items: list[tuple[str, dict]]) -> None:  # noqa: ANN001
    _, expect = _playwright()
    page.goto(live.base + "/schedule/")
    page.click("#new-slot")
    page.fill("#f-name", name)
    page.fill("#f-id", slot_id)
    page.fill("#f-times", times)
    page.fill("#f-hard_end", hard_end)
    page.select_option("#f-chime", "__station__")
    for n, (kind, fields) in enumerate(items):
        if n:
            page.click("#add-item")  # the page comes back with one more empty item, nothing saved
            expect(page.locator(f"#item-{n}")).to_be_visible()
        _item(page, n, kind, **fields)
    page.click("#save")
    expect(page.locator(".flash.ok")).to_have_text(f"Đã lưu khung giờ {slot_id} vào tệp {slot_id}.toml.")


def test_a_technician_makes_the_example_week_in_the_browser(live: Live, tmp_path: Path) -> None:
    _, expect = _playwright()
    page = live.page("kythuat")
    page.click("nav >> text=Sửa lịch")
    expect(page.locator("#no-slots")).to_be_visible()

    # The station's chime and a blackout day (Tết 2027, outside the week compared below).
    page.click("text=Cài đặt chung của đài")
    page.select_option("#f-chime", "Nhạc hiệu Đài")
    page.fill("#f-add", "06/02/2027")  # as a Vietnamese office writes a date
    page.click("#save")
    expect(page.locator(".flash.ok")).to_contain_text("station.toml")
    expect(page.locator("#station-blackout")).to_have_text("06/02/2027")

    _slot(page, live, name="Phiên sáng", slot_id="phien-sang", times="05:30", hard_end="06:00", items=[
        ("latest", {"latest": "CCHC", "if_no_new": "skip", "days": "mon"}),
        ("rotation", {"rot_kind": "slogan", "rot_count": "2"}),
    ])  # fmt: skip
    _slot(page, live, name="Phiên chiều", slot_id="phien-chieu", times="17:30", hard_end="18:00", items=[
        ("latest", {"latest": "CCHC", "if_no_new": "repeat", "days": "thu"}),
        ("latest", {"latest": "Đồng hành cùng Nhân dân", "monthly": "first sat"}),
        ("rotation", {"rot_kind": "slogan", "rot_count": "2"}),
    ])  # fmt: skip
    expect(page.locator("#slots tbody tr")).to_have_count(2)
    live.shot(page, "editor")
    if live.docs is not None:  # the README's picture: the evening session's form, whole
        page.goto(live.base + "/schedule/slot/phien-chieu")
        live.docs.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(live.docs / "web-editor.png"), full_page=True)

    # The command line reads the same files: the same week as the shipped example's.
    st = live.station
    week, saturday = _first_saturday_week()
    shutil.copytree(ROOT / "schedules", st.root / "shipped-schedules")
    shipped_config = st.root / "shipped.toml"  # beside the station's: the same database and library
    shipped_config.write_text(st.config.read_text(encoding="utf-8").replace(
        'folder = "schedules"', 'folder = "shipped-schedules"'), encoding="utf-8")  # fmt: skip
    assert 'folder = "shipped-schedules"' in shipped_config.read_text(encoding="utf-8")
    made = st.cli("schedule", "show", "--week", week)
    example = st.cli("schedule", "show", "--week", week, env={"PLAYOUT_CONFIG": str(shipped_config)})
    assert made.exit_code == 0 and example.exit_code == 0, made.output + example.output
    (live.artifacts / "editor-week-made.txt").write_text(made.output, encoding="utf-8")
    (live.artifacts / "editor-week-example.txt").write_text(example.output, encoding="utf-8")
    assert made.output == example.output
    assert "Đồng hành cùng Nhân dân" in made.output and "CCHC" in made.output and "Nhạc hiệu Đài" in made.output
    check = st.cli("schedule", "check")
    assert check.exit_code == 0, check.output

    # The month beside the week: the first Saturday's evening session, the blackout day.
    page.goto(live.base + f"/week?week={week}")
    page.click(".pagehead >> text=Lịch tháng")
    thursday = saturday - timedelta(days=2)  # the month of the week's Thursday, as ISO weeks count
    expect(page.locator("h1")).to_have_text(f"Lịch tháng {thursday:%m/%Y}")
    page.goto(live.base + f"/schedule/month?month={saturday:%Y-%m}")
    cell = page.locator(f"td[data-date='{saturday.isoformat()}']")
    expect(cell).to_contain_text("05:30 Phiên sáng")
    expect(cell).to_contain_text("17:30 Phiên chiều+ Đồng hành cùng Nhân dân")
    live.shot(page, "editor-month")
    page.goto(live.base + "/schedule/month?month=2027-02")
    expect(page.locator("td[data-date='2027-02-06']")).to_contain_text("Ngừng phát")
    expect(page.locator("td[data-date='2027-02-06']")).not_to_contain_text("Phiên sáng")

    # An invalid edit is refused, the field marked; the file is untouched.
    path = st.root / "schedules" / "phien-sang.toml"
    before = path.read_bytes()
    page.goto(live.base + "/schedule/slot/phien-sang")
    live.shot(page, "editor-slot")
    page.fill("#f-times", "05:70")
    page.click("#save")
    expect(page.locator("#f-times")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-times + .field-error")).to_contain_text("05:70")
    expect(page.locator(".flash.error")).to_contain_text("Chưa lưu gì")
    live.shot(page, "editor-refused")
    assert path.read_bytes() == before

    # A hand edit while the page is open is detected, not overwritten.
    page.goto(live.base + "/schedule/slot/phien-sang")
    by_hand = before.decode().replace('"06:00"', '"06:05"') + "# edited by hand\n"
    path.write_text(by_hand, encoding="utf-8")
    page.fill("#f-priority", "20")
    page.click("#save")
    expect(page.locator(".flash.error")).to_contain_text("đã được sửa (bằng tay hoặc từ trang khác)")
    assert path.read_text(encoding="utf-8") == by_hand

    # On a phone, every page of the editor fits the screen.
    phone = live.page("kythuat", PHONE)
    for url, name in (("/schedule/", "editor"), ("/schedule/slot/phien-chieu", "editor-slot"),
                      ("/schedule/station", "editor-station"), (f"/schedule/month?month={saturday:%Y-%m}", "editor-month")):  # fmt: skip
        phone.goto(live.base + url)
        live.shot(phone, name)
        width = phone.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (url, width)
    desk = live.page("kythuat", DESK)
    desk.goto(live.base + "/schedule/station")
    live.shot(desk, "editor-station")


def test_a_manager_reads_the_schedule_but_cannot_change_it(live: Live) -> None:
    _, expect = _playwright()
    page = live.page("lanhdao")
    page.goto(live.base + "/schedule/")
    expect(page.locator("#new-slot")).to_have_count(0)
    page.goto(live.base + "/schedule/slot/phien-sang")
    expect(page.locator("#save")).to_have_count(0)
    expect(page.locator("#f-times")).to_be_disabled()
