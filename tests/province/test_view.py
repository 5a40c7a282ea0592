"""The province's view and exports from the central record: stations, bulletins, the tally
per station and in total, in CSV, XLSX and the documented JSON form."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import openpyxl
from sqlalchemy import text

from playout.province import tally
from playout.province.forward import central_engine
from playout.province.view import stations as station_views
from playout.reports.period import Period
from tests.province.helpers import ProvinceStation, hours, local_midnight
from tests.province.test_forward import forwarder, stations  # noqa: F401  (the fixture)


def test_the_tally_across_stations_and_its_exports(stations: list[ProvinceStation], central_url: str,  # noqa: F811
                                                   tmp_path: Path) -> None:  # fmt: skip
    a, b, c = stations
    day = local_midnight(date(2026, 12, 1), a.app)
    for st, until in ((a, 24), (b, 12), (c, 8)):
        st.air_until(day + hours(until))
        if st is a:  # two slogans cut short: at 95% it counts (partial_share 0.9), at 50% it does not
            with a.app.db.engine.begin() as conn:
                keys = [k for (k,) in conn.execute(text("select key from airings where kind = 'slogan' limit 2"))]
                for key, share in zip(keys, (0.95, 0.5), strict=True):
                    conn.execute(text("update airings set outcome = 'partial', played_ms = cast(duration_ms * :s as "
                                      "integer) where key = :k"), {"s": share, "k": key})  # fmt: skip
        fw = forwarder(st, central_url)
        fw.join()
        fw.forward_all({"station": st.app.config.station.name, "problems": [{"id": "x"}] if st is c else []})
    central = central_engine(central_url)
    views = {v.station_id: v for v in station_views(central, a.clock.now())}
    assert views[a.sid].airings == 96 and views[b.sid].airings == 42 and views[c.sid].airings == 18
    assert views[c.sid].problems == [{"id": "x"}] and not views[a.sid].silent and views[c.sid].silent

    period = Period(date(2026, 12, 1), date(2026, 12, 31), a.app.config.station.timezone)
    pt = tally.compute(central, period, "Tỉnh Đồng Tháp")
    by_sid = {s.station_id: s for s in pt.stations}
    assert [ln.airings for ln in by_sid[a.sid].tally.lines if ln.kind == "slogan"] == [64 - 1]  # 32 sessions × 2
    assert [ln.airings for ln in pt.total.lines if ln.kind == "slogan"] == [63 + 28 + 12]
    assert [ln.airings for ln in pt.total.lines if ln.kind == "chime"] == [32 + 14 + 6]
    doc = tally.as_json(pt, "vi")
    assert doc["format"] == "playout-province-tally/1" and len(doc["stations"]) == 3
    assert any("Tuyên truyền 3 khẩu hiệu" in s and "(63 lượt phát)" in s for s in doc["stations"][0]["sentences"])

    tally.write(pt, "json", tmp_path / "t.json", "vi")
    assert json.loads((tmp_path / "t.json").read_text(encoding="utf-8")) == json.loads(json.dumps(doc))
    n = tally.write(pt, "csv", tmp_path / "t.csv", "en")
    rows = list(csv.reader((tmp_path / "t.csv").open(encoding="utf-8-sig")))
    assert rows[0][0] == "Station" and len(rows) == n + 1
    assert [r for r in rows if r[0] == "Province total" and r[1] == "Slogan"][0][3] == "103"
    tally.write(pt, "xlsx", tmp_path / "t.xlsx", "vi")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx")["Tong hop"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=4)]
    assert ["Toàn tỉnh", "Khẩu hiệu", 3 * 3, 103] == [v for v in values if v[0] == "Toàn tỉnh" and v[1] == "Khẩu hiệu"][0][:4]


def test_the_province_commands_read_the_central_record(stations: list[ProvinceStation], central_url: str,  # noqa: F811
                                                       tmp_path: Path) -> None:  # fmt: skip
    a = stations[0]
    a.air_until(local_midnight(date(2026, 12, 1), a.app) + hours(7))
    fw = forwarder(a, central_url)
    fw.join()
    fw.forward_all({"station": "x"})
    r = a.cli.cli("province", "stations", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["airings"] == 12
    out = tmp_path / "tinh.json"
    r = a.cli.cli("province", "tally", "--from", "2026-12-01", "--to", "2026-12-31", "--format", "json", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert json.loads(out.read_text(encoding="utf-8"))["total"]["lines"]
    r = a.cli.cli("province", "tally", "--year", "2026", "--format", "odt", "--out", str(tmp_path / "x.odt"))
    assert r.exit_code == 2 and "odt" in r.output and "docx" in r.output
