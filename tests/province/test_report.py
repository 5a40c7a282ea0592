"""The province's report in the administrative format, DOCX and PDF (the station's report with
the province's total under I and a part per station under II): each station's sentences and
table are what that station's own tally of its own log says, and the total adds them up."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import docx
from sqlalchemy import text

from playout.province import tally
from playout.province.forward import central_engine
from playout.reports import tally as station_tally
from playout.reports.document import Letterhead, main_table
from playout.reports.period import Period
from tests.conftest import require_program
from tests.province.helpers import ProvinceStation, hours, local_midnight
from tests.province.test_forward import forwarder, stations  # noqa: F401  (the fixture)

HEAD = Letterhead("Sở Văn hóa, Thể thao và Du lịch", parent_body="UBND tỉnh Đồng Tháp", place="Cao Lãnh",
                  issued=date(2027, 1, 5), symbol="SVHTTDL", signer="Nguyễn Văn A", recipients=("UBND tỉnh",))  # fmt: skip


def _forward_a_month(stations: list[ProvinceStation], central_url: str) -> Period:  # noqa: F811
    a, b, c = stations
    day = local_midnight(date(2026, 12, 1), a.app)
    for st, until in ((a, 24), (b, 12), (c, 8)):
        st.air_until(day + hours(until))
        if st is b:  # two slogans cut short: at 95% it counts (partial_share 0.9), at 50% it did not air whole
            with b.app.db.engine.begin() as conn:
                keys = [k for (k,) in conn.execute(text("select key from airings where kind = 'slogan' limit 2"))]
                for key, share in zip(keys, (0.95, 0.5), strict=True):
                    conn.execute(text("update airings set outcome = 'partial', played_ms = cast(duration_ms * :s as "
                                      "integer) where key = :k"), {"s": share, "k": key})  # fmt: skip
        fw = forwarder(st, central_url)
        fw.join()
        fw.forward_all({"station": st.app.config.station.name, "problems": []})
    return Period(date(2026, 12, 1), date(2026, 12, 31), a.app.config.station.timezone)


def test_the_province_report_has_the_total_and_a_part_per_station(stations: list[ProvinceStation],  # noqa: F811
                                                                  central_url: str, tmp_path: Path) -> None:  # fmt: skip
    period = _forward_a_month(stations, central_url)
    # What each station aired, by its own tally of its own log: what the report must say of it.
    own = {st.sid: station_tally.compute(st.app.db, period, st.app.config.station.name) for st in stations}
    central = central_engine(central_url)
    pt = tally.compute(central, period, "Tỉnh Đồng Tháp")
    central.dispose()
    dest = tmp_path / "tinh.docx"
    assert tally.write(pt, "docx", dest, "vi", HEAD) == len(tally.table_rows(pt, "vi")) - 1

    d = docx.Document(str(dest))
    paras = [p.text for p in d.paragraphs]
    tables = [[[cell.text for cell in row.cells] for row in t.rows] for t in d.tables]
    header, total, *parts, signature = tables
    assert "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH" in header[0][0] and header[1][0].endswith("/BC-SVHTTDL")
    assert "Nguyễn Văn A" in signature[0][1]
    assert "I. KẾT QUẢ PHÁT SÓNG TOÀN TỈNH" in paras and "II. KẾT QUẢ PHÁT SÓNG TỪNG ĐÀI" in paras

    # Part I: the province's total, with the figures known from the schedule: a session every
    # 30 minutes 05:00-21:00 (chime and two of three slogans), 24, 12 and 8 hours aired; the
    # 50% slogan does not count, the 95% one does.
    slogans, chimes = 32 * 2 + 14 * 2 - 1 + 6 * 2, 32 + 14 + 6
    assert [r[2] for r in total if r[0] == "Khẩu hiệu"] == [str(slogans)]
    assert [r[2] for r in total if r[0] == "Nhạc hiệu"] == [str(chimes)]
    assert [r[5] for r in total if r[0] == "Khẩu hiệu"] == [station_tally.not_aired_text({"partial": 1}, "vi")]
    start = paras.index("I. KẾT QUẢ PHÁT SÓNG TOÀN TỈNH") + 1
    assert f"Tuyên truyền 9 khẩu hiệu trên hệ thống truyền thanh ({slogans} lượt phát)." in paras[start:start + 3]

    # Part II: one heading, the sentences and the table per station, as its own tally says.
    assert len(parts) == 3
    for i, (st, table) in enumerate(zip(sorted(stations, key=lambda s: s.sid), parts, strict=True), 1):
        heading = f"{i}. {st.app.config.station.name} ({st.sid})"
        at = paras.index(heading)
        sentences = station_tally.summary(own[st.sid], "vi")
        assert sentences and paras[at + 1 : at + 1 + len(sentences)] == sentences
        assert paras[at + 1 + len(sentences)] == f"Bảng {i + 1}. Tổng hợp phát sóng — {st.app.config.station.name} ({st.sid})"
        assert table == main_table(own[st.sid], "vi")
    # The total's table adds the stations' up, line by line.
    by_line = {r[0]: r for r in total[1:]}
    for col in (1, 2, 4):
        for name, row in by_line.items():
            assert int(row[col].replace(".", "")) == sum(int(r[col].replace(".", "")) for p in parts for r in p[1:]
                                                         if r[0] == name)  # fmt: skip
    tan_thanh = parts[[st.sid for st in sorted(stations, key=lambda s: s.sid)].index("xa-tan-thanh")]
    assert [r[5] for r in tan_thanh if r[0] == "Khẩu hiệu"] == [station_tally.not_aired_text({"partial": 1}, "vi")]


def test_the_province_report_as_pdf_from_the_command_line(stations: list[ProvinceStation], central_url: str,  # noqa: F811
                                                          tmp_path: Path) -> None:  # fmt: skip
    require_program("pdftotext")
    _forward_a_month(stations, central_url)
    a = stations[0]
    out = tmp_path / "tinh.pdf"
    r = a.cli.cli("province", "tally", "--from", "2026-12-01", "--to", "2026-12-31", "--format", "pdf", "--out", str(out))
    assert r.exit_code == 0, r.output
    words = " ".join(subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout.split())
    assert "KẾT QUẢ PHÁT SÓNG TOÀN TỈNH" in words and "KẾT QUẢ PHÁT SÓNG TỪNG ĐÀI" in words
    for i, st in enumerate(sorted(stations, key=lambda s: s.sid), 1):
        assert f"{i}. {st.app.config.station.name} ({st.sid})" in words
    assert f"({32 * 2 + 14 * 2 - 1 + 6 * 2} lượt phát)" in words
    r = a.cli.cli("province", "tally", "--year", "2026", "--format", "docx", "--out", str(tmp_path / "tinh.docx"))
    assert r.exit_code == 0 and r.stdout.strip() == f"Đã lưu {tmp_path / 'tinh.docx'}.", r.output
    assert "TOÀN TỈNH" in " ".join(p.text for p in docx.Document(str(tmp_path / "tinh.docx")).paragraphs)


def test_an_item_aired_to_two_zones_counts_once_as_in_the_stations_own_tally(stations: list[ProvinceStation],  # noqa: F811
                                                                            central_url: str) -> None:  # fmt: skip
    a = stations[0]
    a.air_until(local_midnight(date(2026, 12, 1), a.app) + hours(8))  # 6 sessions: 6 chimes, 12 slogans
    # A station with a second zone logs a row per zone and item (its key ending "@zone"): every
    # item went to "loa-2" too, the first slogan missed there.
    with a.app.db.engine.begin() as conn:
        cols = [r[1] for r in conn.execute(text("pragma table_info(airings)")) if r[1] not in ("id", "key", "zone")]
        conn.execute(text(f"insert into airings (key, zone, {', '.join(cols)}) select key || '@loa-2', 'loa-2', "
                          f"{', '.join(cols)} from airings"))  # fmt: skip
        first = conn.execute(text("select key from airings where zone = 'loa-2' and kind = 'slogan' order by key")).first()
        conn.execute(text("update airings set outcome = 'missed', played_ms = 0 where key = :k"), {"k": first[0]})
        # and the second slogan cut near its end there: partial, but enough to count (95 %).
        second = conn.execute(text("select key from airings where zone = 'loa-2' and kind = 'slogan' order by key "
                                   "limit 1 offset 1")).first()  # fmt: skip
        conn.execute(text("update airings set outcome = 'partial', played_ms = duration_ms * 95 / 100 where key = :k"),
                     {"k": second[0]})  # fmt: skip
    fw = forwarder(a, central_url)
    fw.join()
    fw.forward_all({"station": a.app.config.station.name})
    period = Period(date(2026, 12, 1), date(2026, 12, 31), a.app.config.station.timezone)
    own = station_tally.compute(a.app.db, period, a.app.config.station.name)
    central = central_engine(central_url)
    pt = tally.compute(central, period, "Tỉnh Đồng Tháp")
    assert [(ln.kind, ln.airings) for ln in own.lines] == [("slogan", 12), ("chime", 6)]
    assert [ln.not_aired for ln in own.lines] == [{"missed": 1}, {}]
    (part,) = pt.stations
    fields = [(ln.kind, ln.programme, ln.clips, ln.airings, ln.airtime_ms, ln.manual, ln.not_aired) for ln in own.lines]
    assert [(ln.kind, ln.programme, ln.clips, ln.airings, ln.airtime_ms, ln.manual, ln.not_aired)
            for ln in part.tally.lines] == fields  # fmt: skip
    # Days summed the older way (that item counted twice, its air time doubled) are summed
    # again at the station's next forward, with nothing new to send.
    with central.begin() as conn:
        conn.execute(text("update province_airing_days set airings = airings * 2, played_ms = played_ms * 2 "
                          "where station_id = :s"), {"s": a.sid})  # fmt: skip
    with a.app.db.engine.begin() as conn:
        conn.execute(text("update province_link set sums_version = 1"))
    assert tally.compute(central, period, "Tỉnh Đồng Tháp").stations[0].tally.lines[0].airings == 24
    fw.forward_all()
    (part,) = tally.compute(central, period, "Tỉnh Đồng Tháp").stations
    assert [(ln.kind, ln.programme, ln.clips, ln.airings, ln.airtime_ms, ln.manual, ln.not_aired)
            for ln in part.tally.lines] == fields  # fmt: skip
    with a.app.db.engine.connect() as conn:
        assert conn.execute(text("select sums_version from province_link")).scalar_one() == 2
    central.dispose()
