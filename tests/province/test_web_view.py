"""The province's page: the same web application pointed at the central PostgreSQL, for
accounts of role province — stations, the tally across stations and per station, bulletins
with who received and aired them. Station accounts are refused there, and province accounts
on a station's page."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import docx
import openpyxl
from sqlalchemy import text

from playout.app import App
from playout.users import UserRepository
from playout.web import create_app
from tests.province.helpers import ProvinceStation, hours, local_midnight
from tests.province.test_forward import forwarder, stations  # noqa: F401  (the fixture)
from tests.web.conftest import token

PASSWORD = "mật khẩu tỉnh 2026"


def _login(flask, name: str, password: str):  # noqa: ANN001, ANN202
    c = flask.test_client()
    r = c.post("/login", data={"name": name, "password": password, "csrf_token": token(c)})
    return c, r


def test_the_province_sees_its_stations_tally_and_bulletins(stations: list[ProvinceStation],  # noqa: F811
                                                            central_url: str) -> None:  # fmt: skip
    a, b, c = stations
    day = local_midnight(date(2026, 12, 1), a.app)
    for st, until in ((a, 12), (b, 8)):
        st.air_until(day + hours(until))
        fw = forwarder(st, central_url)
        fw.join()
        fw.forward_all({"station": st.app.config.station.name, "problems": []})
    province = App(a.app.config, a.clock, database_url=central_url)
    users = UserRepository(province.db, province.clock)
    users.add("tinh", "province", PASSWORD)
    users.add("kythuat", "technician", PASSWORD)
    with province.db.engine.begin() as conn:  # a bulletin, received by one station and aired there
        conn.execute(text("INSERT INTO bulletins (uid, title, level, targets, valid_from, valid_until, published_at, "
                          "published_by, audio, audio_hash, original_name) VALUES ('b-1', 'Cảnh báo bão số 9', "
                          "'emergency', '*', :f, :u, :f, 'tinh', '', '', 'bao.mp3')"),
                     {"f": datetime(2026, 12, 1, 1, tzinfo=UTC), "u": datetime(2026, 12, 2, tzinfo=UTC)})  # fmt: skip
        for event, minute in (("received", 1), ("aired", 2)):
            conn.execute(text("INSERT INTO bulletin_reports (bulletin_uid, station_id, event, ref, at, actor, detail) "
                              "VALUES ('b-1', :s, :e, '', :at, NULL, NULL)"),
                         {"s": a.sid, "e": event, "at": datetime(2026, 12, 1, 1, minute, tzinfo=UTC)})  # fmt: skip
    flask = create_app(province, None, province=True)

    client, r = _login(flask, "tinh", PASSWORD)
    assert r.status_code == 302 and r.headers["Location"].endswith("/stations")
    page = client.get("/stations").get_data(as_text=True)
    assert a.sid in page and b.sid in page and "Đài truyền thanh xã xa-an-binh" in page
    tally_page = client.get("/tally?year=2026").get_data(as_text=True)
    assert "Toàn tỉnh" in tally_page and tally_page.count("class=\"card station-tally\"") == 2
    assert "khẩu hiệu" in tally_page  # the annual report's sentences, per station and in total
    download = client.get("/tally/download?year=2026&format=xlsx")
    assert download.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(download.data))["Tong hop"]
    assert any(row[0] == "Toàn tỉnh" for row in sheet.iter_rows(min_row=4, values_only=True))
    assert "format=docx" in tally_page and "format=pdf" in tally_page
    report = client.get("/tally/download?year=2026&format=docx")  # the report, a part per station (test_report.py)
    assert report.status_code == 200 and report.headers["Content-Disposition"].endswith("tinh-2026.docx")
    paragraphs = [p.text for p in docx.Document(io.BytesIO(report.data)).paragraphs]
    assert "II. KẾT QUẢ PHÁT SÓNG TỪNG ĐÀI" in paragraphs
    assert f"1. Đài truyền thanh xã {a.sid} ({a.sid})" in paragraphs
    assert client.get("/tally/download?year=2026&format=odt").status_code == 404
    bulletins = client.get("/bulletins").get_data(as_text=True)
    assert "Cảnh báo bão số 9" in bulletins and "đã nhận" in bulletins and "đã phát" in bulletins

    # A station's technician account is refused on the province's page...
    tech, r = _login(flask, "kythuat", PASSWORD)
    assert tech.get("/stations").status_code == 403
    # ...and a province account on a station's page.
    station_page = create_app(App(a.app.config, a.clock, database_url=central_url), None)
    prov, _ = _login(station_page, "tinh", PASSWORD)
    assert prov.get("/now").status_code == 403
