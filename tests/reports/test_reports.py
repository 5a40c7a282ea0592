"""The manager's exports on a year simulated from the example schedule, with a library that
has what a real station loads: a CCHC episode every Monday, a "Đồng hành cùng Nhân dân"
episode every month, ten slogans. The tally must give back the annual report's figures."""

from __future__ import annotations

import csv
import shutil
import sqlite3
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from playout.db import open_database
from playout.db.models import Clip
from playout.reports.period import current_umask
from tests.conftest import ROOT, Station, require_program, shipped_config


def mondays(year: int) -> list[date]:
    d = date(year, 1, 1)
    d += timedelta(days=(7 - d.weekday()) % 7)
    return [d + timedelta(weeks=i) for i in range(53) if (d + timedelta(weeks=i)).year == year]


def first_saturdays(year: int) -> list[date]:
    out = []
    for m in range(1, 13):
        d = date(year, m, 1)
        out.append(d + timedelta(days=(5 - d.weekday()) % 7))
    return out


def _clip(n: int, title: str, kind: str, programme: str | None = None, episode: date | None = None, ms: int = 5000) -> Clip:
    return Clip(id=n, title=title, kind=kind, programme=programme, episode_date=episode, duration_ms=ms,
                loudness_before_lufs=-20, loudness_after_lufs=-16, true_peak_before_dbtp=-3, true_peak_after_dbtp=-1.5,
                sample_rate=48000, channels=1, content_hash=f"{n:064x}", source_hash=f"{n:064x}",
                original_name=f"{n}.flac", path=f"xx/{n}.flac", imported_at=datetime(2026, 12, 1, tzinfo=UTC))  # fmt: skip


@pytest.fixture(scope="module")
def year_log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Station, Path]:
    root = tmp_path_factory.mktemp("reports") / "station"
    root.mkdir()
    (root / "playout.toml").write_text(shipped_config(), encoding="utf-8")
    shutil.copytree(ROOT / "schedules", root / "schedules")
    st = Station(root=root, config=root / "playout.toml")
    db = open_database(f"sqlite:///{st.db_path}")
    clips = [_clip(1, "Nhạc hiệu Đài", "chime", ms=3000)]
    clips += [_clip(10 + i, f"Khẩu hiệu {i + 1}", "slogan", ms=4000 + 100 * i) for i in range(10)]
    clips += [_clip(100 + i, f"CCHC số {i + 1}", "segment", "CCHC", d, 300_000) for i, d in enumerate(mondays(2027))]
    clips += [_clip(200 + i, f"Đồng hành tháng {i + 1}", "segment", "Đồng hành cùng Nhân dân", d, 600_000)
              for i, d in enumerate(first_saturdays(2027))]  # fmt: skip
    with db.session() as s:
        s.add_all(clips)
        s.commit()
    log = root / "nam-2027.db"
    r = st.cli("simulate", "--from", "2027-01-01", "--to", "2027-12-31", "--db", str(log))
    assert r.exit_code == 0, r.output
    return st, log


def test_tally_gives_the_annual_report_figures(year_log: tuple[Station, Path]) -> None:
    st, log = year_log
    r = st.cli("tally", "--year", "2027", "--db", str(log))
    assert r.exit_code == 0, r.output
    n_mondays = len(mondays(2027))
    text = r.stdout
    # 52 Mondays -> 52 premieres, and each rebroadcast on Thursday: 104 airings.
    assert f"Thực hiện {n_mondays} chuyên mục CCHC phát sóng trên Đài Truyền thanh huyện Tân Hồng ({2 * n_mondays} lượt phát)." in text
    assert "Thực hiện 12 chuyên mục Đồng hành cùng Nhân dân phát sóng trên Đài Truyền thanh huyện Tân Hồng (12 lượt phát)." in text
    assert "Tuyên truyền 10 khẩu hiệu trên hệ thống truyền thanh (1.460 lượt phát)." in text
    assert f"| CCHC (chuyên mục) | {n_mondays} | {2 * n_mondays} | 8:40:00 | 0 |" in text
    en = st.cli("tally", "--year", "2027", "--db", str(log), "--lang", "en").stdout
    assert f"Aired {n_mondays} CCHC segments on Đài Truyền thanh huyện Tân Hồng ({2 * n_mondays} airings)." in en
    assert "Aired 10 slogans (1,460 airings)." in en


def test_exports_agree_with_each_other_and_with_the_tally(year_log: tuple[Station, Path], tmp_path: Path) -> None:
    import openpyxl

    st, log = year_log
    csv_path, xlsx_path = tmp_path / "nhat-ky.csv", tmp_path / "nhat-ky.xlsx"
    args = ["log", "export", "--from", "2027-01-01", "--to", "2027-12-31", "--db", str(log)]
    assert st.cli(*args, "--out", str(csv_path)).exit_code == 0
    assert st.cli(*args, "--format", "xlsx", "--out", str(xlsx_path)).exit_code == 0

    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Giờ theo lịch", "Bắt đầu phát", "Kết thúc"]
    assert any(r[5] == "Đồng hành tháng 1" and r[6] == "Đồng hành cùng Nhân dân" for r in body)
    assert {r[12] for r in body} <= {"đã phát", "bỏ qua"}

    # Read back with a different library from the one that wrote it.
    wb = openpyxl.load_workbook(xlsx_path, read_only=False)
    ws = wb.active
    assert "Đài Truyền thanh huyện Tân Hồng" in ws["A1"].value and "2027-01-01" in ws["A1"].value
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref.startswith("A3:")
    assert [c.value for c in ws[3]] == header
    # It prints: A4 landscape, every column on the page's width, the header on every page.
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToHeight == 0 and header_row(ws) == 3 and ws.row_dimensions[3].height >= 30
    assert csv_path.stat().st_mode & 0o777 == 0o666 & ~current_umask()
    first = [c for c in ws[4]]
    assert isinstance(first[0].value, datetime) and first[0].value == datetime(2027, 1, 1, 5, 30)
    assert first[9].value == timedelta(seconds=3) and first[9].number_format == "[h]:mm:ss"  # a real time value
    xlsx_rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    assert len(xlsx_rows) == len(body)
    # Same rows in both files, and the aired ones are exactly what the tally counts.
    assert [r[5] or "" for r in xlsx_rows] == [r[5] for r in body]
    aired_csv = sum(1 for r in body if r[12] == "đã phát")
    con = sqlite3.connect(log)
    assert aired_csv == con.execute("select count(*) from airings where outcome = 'aired'").fetchone()[0]
    tally_csv = tmp_path / "tally.csv"
    assert st.cli("tally", "--year", "2027", "--db", str(log), "--format", "csv", "--out", str(tally_csv)).exit_code == 0
    tally_rows = list(csv.reader(tally_csv.read_text(encoding="utf-8-sig").splitlines()))
    assert sum(int(r[2].replace(".", "")) for r in tally_rows[1:]) == aired_csv
    monthly = {r[0]: [int(x) for x in r[6:]] for r in tally_rows[1:]}
    assert len(monthly["Đồng hành cùng Nhân dân (chuyên mục)"]) == 12
    assert monthly["Đồng hành cùng Nhân dân (chuyên mục)"] == [1] * 12


def test_tally_xlsx_and_pdf_for_the_manager(year_log: tuple[Station, Path], tmp_path: Path) -> None:
    import openpyxl

    require_program("pdftoppm")
    st, log = year_log
    xlsx, pdf = tmp_path / "tong-hop-2027.xlsx", tmp_path / "tong-hop-2027.pdf"
    assert st.cli("tally", "--year", "2027", "--db", str(log), "--format", "xlsx", "--out", str(xlsx)).exit_code == 0
    made = st.cli("tally", "--year", "2027", "--db", str(log), "--format", "pdf", "--out", str(pdf))
    assert made.exit_code == 0 and made.stdout.strip() == f"Đã lưu {pdf}."  # a report, not "1 row"
    wb = openpyxl.load_workbook(xlsx)
    sheet = wb["Tổng hợp"]
    assert sheet._charts, "the tally sheet has its chart of monthly airings"
    values = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any(isinstance(v, str) and v.startswith("Thực hiện 52 chuyên mục CCHC") for v in values)
    assert [c.value for c in wb["Theo tháng"][1]][1:] == [f"{m:02d}/2027" for m in range(1, 13)]
    assert pdf.read_bytes().startswith(b"%PDF") and b"DejaVuSans" in pdf.read_bytes()
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    import numpy as np
    from PIL import Image

    page = np.asarray(Image.open(tmp_path / "page-1.png").convert("L"))
    assert (page < 128).mean() > 0.01, "the first page is (nearly) blank"
    done = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    for text in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BÁO CÁO", "Nơi nhận:",
                 "Thực hiện 52 chuyên mục CCHC", "Tổng hợp phát sóng", "Đồng hành cùng Nhân dân"):
        assert text in done.stdout, text

    # Printing: A4 landscape, one page wide, the header row on every page and tall enough for
    # its wrapped words; the monthly sheet lists every line of the tally, the chime included.
    for ws in (sheet, wb["Theo tháng"]):
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage and (ws.page_setup.fitToWidth or 1) == 1  # 1: OOXML default
        assert ws.page_setup.fitToHeight == 0
        rows = (ws.print_title_rows or "").replace("$", "")
        assert rows and rows.split(":")[0] == rows.split(":")[1]
        header = int(rows.split(":")[0])
        for c in ws[header]:
            if c.value:  # every wrapped line of every header shows (about a character per unit of width)
                width = ws.column_dimensions[c.column_letter].width
                assert c.alignment.wrap_text and ws.row_dimensions[header].height >= 15 * -(-len(c.value) // (width - 1))
    assert sheet.row_dimensions[header_row(sheet)].height >= 30, "'Số bài khác nhau' takes two lines"
    tally_names = [r[0].value for r in sheet.iter_rows(min_row=header + 1, max_col=1) if r[0].value]
    month_names = [r[0].value for r in wb["Theo tháng"].iter_rows(min_row=2, max_col=1)]
    assert "Nhạc hiệu" in month_names and all(n in tally_names for n in month_names)
    assert len(sheet._charts) == len(month_names), "one chart per line, each on its own scale"


def header_row(ws: object) -> int:
    return int(ws.print_title_rows.replace("$", "").split(":")[0])  # type: ignore[attr-defined]


def test_tally_docx_is_the_decree_layout_and_editable(year_log: tuple[Station, Path], tmp_path: Path) -> None:
    """The Word report: header block, title, the summary sentences, tables, chart, recipients
    and signature, as text python-docx reads back; LibreOffice opens it, converts it to PDF
    and it renders (page 1 is saved as an image for the README)."""
    import os

    import docx
    import numpy as np
    from PIL import Image

    require_program("soffice")
    require_program("pdftoppm")
    st, log = year_log
    out = tmp_path / "bao-cao-2027.docx"
    env = {"PLAYOUT_STATION_NAME": "Đài Truyền thanh xã Tân Hồng", "PLAYOUT_STATION_PARENT_BODY": "UBND xã Tân Hồng",
           "PLAYOUT_STATION_PLACE": "Tân Hồng", "PLAYOUT_REPORTS_SYMBOL": "ĐTT",
           "PLAYOUT_REPORTS_SIGNER": "Nguyễn Văn An", "PLAYOUT_REPORTS_SIGNER_TITLE": "Trưởng Đài",
           "PLAYOUT_REPORTS_RECIPIENTS": "UBND xã Tân Hồng; Sở Văn hóa, Thể thao và Du lịch"}  # fmt: skip
    old = os.umask(0o027)
    try:
        r = st.cli("tally", "--year", "2027", "--db", str(log), "--format", "docx", "--out", str(out), env=env)
    finally:
        os.umask(old)
    assert r.exit_code == 0, r.output
    assert out.stat().st_mode & 0o777 == 0o640, "the file follows the user's umask"

    d = docx.Document(str(out))
    head, *tables, end = d.tables
    left = [p.text for p in head.cell(0, 0).paragraphs if p.text]
    assert left == ["UBND XÃ TÂN HỒNG", "ĐÀI TRUYỀN THANH XÃ TÂN HỒNG"]
    assert [p.text for p in head.cell(0, 1).paragraphs if p.text] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                                                                       "Độc lập - Tự do - Hạnh phúc"]  # fmt: skip
    assert head.cell(1, 0).text.replace("\u00a0", " ").split() == ["Số:", "/BC-ĐTT"]
    import re

    assert re.fullmatch(r"Tân Hồng, ngày \d\d tháng (0[12]|[3-9]|1[0-2]) năm \d{4}", head.cell(1, 1).text)
    body = [p.text for p in d.paragraphs if p.text]
    assert body[:2] == ["BÁO CÁO", "Kết quả phát sóng năm 2027"]
    assert any(p.startswith("Thực hiện 52 chuyên mục CCHC phát sóng trên Đài Truyền thanh xã Tân Hồng") for p in body)
    assert any(p.startswith("Tuyên truyền 10 khẩu hiệu") for p in body)
    main, months = tables
    assert [c.text for c in main.rows[0].cells][:3] == ["Chương trình / loại", "Số bài khác nhau", "Lượt phát"]
    by_name = {row.cells[0].text: [c.text for c in row.cells[1:]] for row in months.rows[1:]}
    assert by_name["Đồng hành cùng Nhân dân (chuyên mục)"] == ["1"] * 12
    assert [c.text for c in months.rows[0].cells][1:] == [f"{m:02d}" for m in range(1, 13)]
    assert set(by_name) == {row.cells[0].text for row in main.rows[1:]}
    recipients = [p.text for p in end.cell(0, 0).paragraphs if p.text]
    assert recipients == ["Nơi nhận:", "- UBND xã Tân Hồng;", "- Sở Văn hóa, Thể thao và Du lịch;", "- Lưu: VT."]
    assert [p.text for p in end.cell(0, 1).paragraphs if p.text] == ["TRƯỞNG ĐÀI", "Nguyễn Văn An"]
    assert len(d.inline_shapes) == 1, "only the chart is a picture; everything else is text"
    assert d.sections[0].different_first_page_header_footer

    # LibreOffice, headless, with a profile of its own (a shared one is locked by another run).
    done = subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
                          capture_output=True, text=True, timeout=180)  # fmt: skip
    pdf = tmp_path / "bao-cao-2027.pdf"
    assert done.returncode == 0 and pdf.is_file(), done.stdout + done.stderr
    pages = [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"], capture_output=True,
                            text=True, check=True).stdout for n in (1, 2)]  # fmt: skip
    first = pages[0]
    # The header block side by side: the issuing body and the national name on one line.
    assert any("ĐÀI TRUYỀN THANH XÃ TÂN HỒNG" in ln and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in ln
               or "UBND XÃ TÂN HỒNG" in ln and "CỘNG HÒA" in ln for ln in first.splitlines())  # fmt: skip
    assert "BÁO CÁO" in first and "Thực hiện 52 chuyên mục CCHC" in first
    assert pages[1].split()[0] == "2", "page 2 is numbered at its top; page 1 is not"
    assert first.split()[0] != "1"
    assert "Nơi nhận:" in "".join(pages) or "Nơi nhận:" in subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "docx")], check=True)
    png = next(tmp_path.glob("docx-*1.png"))
    page = np.asarray(Image.open(png).convert("L"))
    h, w = page.shape
    band = page[: h // 8]
    assert (band[:, : w // 2] < 128).mean() > 0.002 and (band[:, w // 2 :] < 128).mean() > 0.002, "two header blocks"
    if os.environ.get("PLAYOUT_DOCS_SCREENSHOTS"):
        shutil.copy(png, Path(os.environ["PLAYOUT_DOCS_SCREENSHOTS"]) / "report-docx-page1.png")


def test_report_header_words() -> None:
    from playout.reports.document import Letterhead, date_line, recipient_lines

    head = Letterhead("Đài", place="Tân Hồng", issued=date(2027, 2, 5))
    assert date_line(head, "vi") == "Tân Hồng, ngày 05 tháng 02 năm 2027"
    assert date_line(Letterhead("Đài", place="Tân Hồng", issued=date(2027, 11, 25)), "vi") == (
        "Tân Hồng, ngày 25 tháng 11 năm 2027")
    assert date_line(Letterhead("Đài"), "vi") == "……, ngày … tháng … năm …"
    assert recipient_lines(head, "vi") == ["- Lưu: VT."]
    assert recipient_lines(Letterhead("Đài", recipients=("A;", "Lưu: VT, ĐTT")), "vi") == ["- A;", "- Lưu: VT, ĐTT."]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["tally", "--from", "2027-12-31", "--to", "2027-01-01"], 2, "--from 2027-12-31 sau --to 2027-01-01."),
        (["tally", "--year", "2027", "--program", "Không có"], 2, "Không có chương trình «Không có»"),
        (["log", "export", "--from", "2027-01-01", "--to", "2027-01-31", "--outcome", "played", "--out", "x.csv"], 2,
         "Kết quả 'played' không hợp lệ"),
        (["tally", "--year", "2027", "--format", "odt", "--out", "x.odt"], 2, "Định dạng 'odt' không hợp lệ"),
        (["tally", "--year", "2027", "--format", "pdf"], 2, "Định dạng pdf cần --out TỆP."),
    ],
)
def test_bad_input_is_one_sentence(year_log: tuple[Station, Path], args: list[str], code: int, message: str) -> None:
    st, log = year_log
    r = st.cli(*args, "--db", str(log))
    assert r.exit_code == code and message in r.output, r.output


def test_output_file_safety(year_log: tuple[Station, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    st, log = year_log
    args = ["log", "export", "--from", "2027-01-01", "--to", "2027-01-31", "--db", str(log)]
    missing = tmp_path / "khong-co" / "x.csv"
    r = st.cli(*args, "--out", str(missing))
    assert r.exit_code == 2 and f"Thư mục {missing.parent} không tồn tại; không ghi gì." in r.output
    target = tmp_path / "x.csv"
    target.write_text("bản cũ")
    r = st.cli(*args, "--out", str(target))
    assert r.exit_code == 2 and "đã có; thêm --force" in r.output and target.read_text() == "bản cũ"

    from playout.reports import export

    def broken(*_a, **_k):  # noqa: ANN002, ANN003, ANN202
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "write_csv", broken)
    with pytest.raises(OSError):
        st.cli(*args, "--out", str(target), "--force")
    assert target.read_text() == "bản cũ"  # the old file is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.csv"]  # and no temporary file is left
    monkeypatch.undo()
    assert st.cli(*args, "--out", str(target), "--force").exit_code == 0
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")


def test_missing_database_file(year_log: tuple[Station, Path], tmp_path: Path) -> None:
    st, _ = year_log
    r = st.cli("tally", "--year", "2027", "--db", str(tmp_path / "none.db"))
    assert r.exit_code == 2 and "Không có tệp cơ sở dữ liệu" in r.output
    assert not (tmp_path / "none.db").exists()


def test_export_reads_while_the_daemon_writes(year_log: tuple[Station, Path]) -> None:
    """A long export holds a read snapshot; the daemon's writes go through at the same time."""
    from playout.reports import export
    from playout.reports.period import Period
    from zoneinfo import ZoneInfo

    _, log = year_log
    db = open_database(f"sqlite:///{log}")
    stream = export.rows(db, Period(date(2027, 1, 1), date(2027, 12, 31), ZoneInfo("Asia/Ho_Chi_Minh")), export.Filters())
    first = next(stream)  # the export is mid-way, its transaction open
    writer = sqlite3.connect(log, timeout=5)
    writer.execute("update daemon_state set alive_at = alive_at")
    writer.execute("insert into daemon_state (id, alive_at, started_at) values (2, '2027-12-31 00:00:00', '2027-12-31 00:00:00')")
    writer.commit()  # would raise "database is locked" if the reader blocked the writer
    writer.execute("delete from daemon_state where id = 2")
    writer.commit()
    writer.close()
    assert first is not None and sum(1 for _ in stream) > 1000


def test_the_fast_sqlite_paths_give_the_same_results_as_the_generic_ones(
    year_log: tuple[Station, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CSV export and monthly tally let SQLite format and bucket when the zone's offset is
    constant; the generic Python path (any zone, any database) must agree exactly."""
    from zoneinfo import ZoneInfo

    from playout.reports import export, tally
    from playout.reports.period import Period

    _, log = year_log
    copy = tmp_path / "log.db"
    shutil.copy(log, copy)
    con = sqlite3.connect(copy)  # rows with every awkward value the text fields can hold
    for i, (title, reason, level, manual, late) in enumerate([
        ('Khẩu hiệu "an toàn", mùa mưa', "bỏ qua, theo yêu cầu", "emergency", 1, -1499),
        ("Dòng 1\nDòng 2", 'nói "dừng"\r\n', None, 0, 500), ("Thông báo bão số 5", None, "priority", 1, None),
        ("=1+2", "x", "normal", 0, 123456789),
    ]):  # fmt: skip
        con.execute(
            "insert into airings (key, occurrence, position, slot, item, scheduled_at, started_at, ended_at, played_ms,"
            " lateness_ms, clip_id, title, programme, kind, duration_ms, content_hash, output, outcome, reason, manual,"
            " level, verified, heard_lateness_ms, verify_note, speakers_heard, speakers_total)"
            " values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (f"odd{i}@2027-03-03T10:00:00/1", f"odd{i}@2027-03-03T10:00:00", 1, f"odd{i}", None,
             "2027-03-03 03:00:00.999999", None if i == 2 else "2027-03-03 03:00:01.5", None, 1499 + i, late,
             None if i == 2 else 1, title, "Đồng hành, cùng" if i == 0 else None, "announcement" if i else None,
             3_599_500 + i, None, "pulse:x,y" if i == 1 else None, "partial" if i else "skipped", reason, manual,
             level, [None, 1, 0, None][i], [None, 4, None, None][i], [None, None, "heard with 30 ms of silence", None][i],
             [None, 212, None, 0][i], [None, 230, 230, 2][i]),
        )  # fmt: skip
    con.commit()
    con.close()
    db = open_database(f"sqlite:///{copy}")
    period = Period(date(2027, 1, 1), date(2027, 12, 31), ZoneInfo("Asia/Ho_Chi_Minh"))
    assert period.constant_offset_minutes() == 420
    export.write_csv(db, period, export.Filters(), "vi", tmp_path / "fast.csv")
    fast_tally = tally.compute(db, period, "x")
    monkeypatch.setattr(Period, "constant_offset_minutes", lambda self: None)
    export.write_csv(db, period, export.Filters(), "vi", tmp_path / "slow.csv")
    slow_tally = tally.compute(db, period, "x")
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "slow.csv").read_bytes()
    text = (tmp_path / "fast.csv").read_text(encoding="utf-8-sig")
    assert '"Khẩu hiệu ""an toàn"", mùa mưa","Đồng hành, cùng"' in text and ',-1.499,' in text
    # What the output monitor heard: empty where nothing listened, yes with the onset, no with why.
    assert ",có,0.004,," in text and ",không,,heard with 30 ms of silence," in text
    # An Icecast zone's speakers heard throughout, of those registered; "?" where Icecast could not say.
    assert ",có,0.004,,212 / 230," in text and ",? / 230," in text and ",0 / 2," in text
    assert '"Dòng 1\nDòng 2"' in text and ',0:00:02,,phát một phần,' in text
    assert fast_tally == slow_tally
    assert Period(date(2026, 1, 1), date(2026, 12, 31), ZoneInfo("Europe/Berlin")).constant_offset_minutes() is None


def test_an_item_aired_to_several_zones_counts_once_in_the_tally(tmp_path: Path) -> None:
    from zoneinfo import ZoneInfo

    from playout.airlog import AiringLog
    from playout.db.models import Airing
    from playout.reports import tally
    from playout.reports.period import Period

    db = open_database(f"sqlite:///{tmp_path / 'z.db'}")
    at = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)

    def row(zone: str, outcome: str, position: int = 1, **extra: object) -> Airing:
        return Airing(key=f"pa@x/{position}@{zone}", occurrence="pa@x", position=position, slot="pa", scheduled_at=at,
                      clip_id=1, title="t", programme="CCHC", kind="segment", duration_ms=1000,
                      played_ms=extra.pop("played_ms", 1000), outcome=outcome, zone=zone, **extra)  # fmt: skip

    AiringLog(db).insert([row("xa-a", "aired", manual=True), row("ap-3", "aired", manual=True, played_ms=990),
                          row("ap-9", "failed"),
                          # The same segment again, interrupted in two zones.
                          row("xa-a", "interrupted", 2, played_ms=200), row("ap-3", "interrupted", 2, played_ms=200)])  # fmt: skip
    result = tally.compute(db, Period(date(2026, 11, 1), date(2026, 11, 30), ZoneInfo("Asia/Ho_Chi_Minh")), "x")
    [line] = result.lines
    assert line.airings == 1 and line.monthly[(2026, 11)] == 1
    # Its air time and its being aired by hand once, not once per zone.
    assert (line.airtime_ms, line.manual) == (1000, 1)
    # What one zone did not get stays on record; an item interrupted in two zones is one item interrupted.
    assert line.not_aired == {"failed": 1, "interrupted": 1}
    assert tally.table(result, "vi")[0][2:5] == ["1", "0:00:01", "1"]


def _zoned_station(tmp_path: Path) -> Station:
    """A station with three zones and a log as the daemon writes it for them: a session aired
    to two zones (one of its items only to one), a hamlet notice to ap-3 alone, an item ap-9
    did not get, an emergency by hand to ap-3."""
    from playout.airlog import AiringLog
    from playout.db.models import Airing

    root = tmp_path / "zoned"
    root.mkdir()
    text = (ROOT / "playout.toml").read_text(encoding="utf-8").split("[output]")[0]
    text += ('[output]\nmodule = "null"\n\n[[zone]]\nid = "xa-a"\nname = "Loa dây xã"\nmodule = "null"\n\n'
             '[[zone]]\nid = "ap-3"\nname = "Ấp 3"\nmodule = "null"\n\n[[zone]]\nid = "ap-9"\nname = "Ấp 9"\nmodule = "null"\n')  # fmt: skip
    (root / "playout.toml").write_text(text, encoding="utf-8")
    st = Station(root=root, config=root / "playout.toml")
    db = open_database(f"sqlite:///{st.db_path}")

    def clips() -> tuple[Clip, ...]:
        return (_clip(1, "Nhạc hiệu Đài", "chime", ms=3000), _clip(10, "Khẩu hiệu 1", "slogan"),
                _clip(100, "CCHC số 1", "segment", "CCHC", date(2026, 11, 23), 300_000),
                _clip(300, "Thông báo ấp 3", "announcement"))  # fmt: skip

    with db.session() as s:
        s.add_all(clips())
        s.commit()

    def row(occ: str, pos: int, clip: Clip, zone: str, outcome: str = "aired", **extra: object) -> Airing:
        at = datetime.fromisoformat(occ.split("@")[1]).replace(tzinfo=UTC)
        return Airing(key=f"{occ}/{pos}@{zone}", occurrence=occ, position=pos, slot=occ.split("@")[0], scheduled_at=at,
                      clip_id=clip.id, title=clip.title, programme=clip.programme, kind=clip.kind,
                      duration_ms=clip.duration_ms, played_ms=clip.duration_ms if outcome == "aired" else 0,
                      outcome=outcome, zone=zone, output="null", **extra)  # fmt: skip

    chime, slogan, cchc, notice = clips()
    log = AiringLog(db)
    for day in (23, 30):  # two Monday sessions, to xa-a and ap-3; the slogan only in xa-a
        occ = f"sang@2026-11-{day}T22:30:00"
        log.insert([row(occ, 1, chime, "xa-a"), row(occ, 1, chime, "ap-3"), row(occ, 2, cchc, "xa-a"),
                    row(occ, 2, cchc, "ap-3"), row(occ, 3, slogan, "xa-a")])  # fmt: skip
    log.insert([row("ap3@2026-11-24T01:00:00", 1, notice, "ap-3"),
                row("ap3@2026-11-24T01:00:00", 1, notice, "ap-9", "failed", reason="Icecast unreachable")])  # fmt: skip
    log.insert([row("manual@2026-11-25T03:00:00", 1, notice, "ap-3", manual=True, level="emergency", actor="ktv")])
    return st


def test_the_tally_per_zone_and_filtered_by_zone(tmp_path: Path) -> None:
    import docx
    import openpyxl

    st = _zoned_station(tmp_path)
    r = st.cli("tally", "--from", "2026-11-01", "--to", "2026-12-31")
    assert r.exit_code == 0, r.output
    md = r.stdout
    # Counted once per programme and item, as before: CCHC aired twice (two sessions), however many zones.
    assert "| CCHC (chuyên mục) | 1 | 2 |" in md
    assert "## Lượt phát theo vùng loa" in md
    assert "| Chương trình / loại | Loa dây xã (xa-a) | Ấp 3 (ap-3) |" in md  # ap-9 aired nothing: no column
    assert "| CCHC (chuyên mục) | 2 | 2 |" in md and "| Khẩu hiệu | 2 | 0 |" in md
    assert "| Thông báo | 0 | 2 |" in md  # the notice and the emergency, both only in ap-3

    r = st.cli("tally", "--from", "2026-11-01", "--to", "2026-12-31", "--zone", "ap-3")
    assert r.exit_code == 0, r.output
    assert "Vùng loa: Ấp 3 (ap-3)" in r.stdout and "theo vùng loa" not in r.stdout
    assert "| CCHC (chuyên mục) | 1 | 2 |" in r.stdout and "Khẩu hiệu" not in r.stdout
    r = st.cli("tally", "--year", "2026", "--zone", "ap-9", "--lang", "en")
    assert r.exit_code == 0 and "| Announcement | 0 | 0 | 0:00:00 | 0 | failed 1 |" in r.stdout, r.stdout

    r = st.cli("tally", "--year", "2026", "--zone", "ap-7")
    assert r.exit_code != 0 and "Không có vùng loa ap-7 (các vùng: xa-a, ap-3, ap-9)" in r.output
    assert "Traceback" not in r.output

    # The same table in every file the manager hands in.
    xlsx, csv_path, docx_path, pdf = (tmp_path / f"t.{x}" for x in ("xlsx", "csv", "docx", "pdf"))
    for path in (xlsx, csv_path, docx_path, pdf):
        args = ["tally", "--year", "2026", "--format", path.suffix[1:], "--out", str(path)]
        assert st.cli(*args).exit_code == 0, path
    wb = openpyxl.load_workbook(xlsx)
    zones = [[c.value for c in row] for row in wb["Theo vùng loa"].iter_rows()]
    assert zones[0] == ["Chương trình / loại", "Loa dây xã (xa-a)", "Ấp 3 (ap-3)"]
    assert ["CCHC (chuyên mục)", 2, 2] in zones and ["Khẩu hiệu", 2, 0] in zones and ["Thông báo", 0, 2] in zones
    rows = list(csv.reader(csv_path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][-2:] == ["Vùng loa Loa dây xã (xa-a)", "Vùng loa Ấp 3 (ap-3)"]
    assert next(r for r in rows if r[0] == "CCHC (chuyên mục)")[-2:] == ["2", "2"]
    doc = docx.Document(str(docx_path))
    texts = [[c.text for c in t.rows[0].cells] for t in doc.tables]
    assert ["Chương trình / loại", "Loa dây xã (xa-a)", "Ấp 3 (ap-3)"] in texts
    assert any("Lượt phát theo vùng loa" in p.text for p in doc.paragraphs)
    require_program("pdftotext")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Lượt phát theo vùng loa" in text and "Ấp 3 (ap-3)" in text

    # The airing log, exported for one zone: only its rows, and the zone in a column.
    out = tmp_path / "ap3.csv"
    r = st.cli("log", "export", "--from", "2026-11-01", "--to", "2026-12-31", "--zone", "ap-3", "--out", str(out))
    assert r.exit_code == 0, r.output
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    col = rows[0].index("Vùng loa")
    assert len(rows) == 1 + 6 and {r[col] for r in rows[1:]} == {"ap-3"}
    out = tmp_path / "ap3.xlsx"
    r = st.cli("log", "export", "--from", "2026-11-01", "--to", "2026-12-31", "--zone", "ap-3", "--format", "xlsx",
               "--out", str(out))  # fmt: skip
    assert r.exit_code == 0, r.output
    ws = openpyxl.load_workbook(out).active
    header = [c.value for c in ws[3]]
    assert [r[header.index("Vùng loa")] for r in ws.iter_rows(min_row=4, values_only=True)] == ["ap-3"] * 6
    r = st.cli("log", "export", "--from", "2026-11-01", "--to", "2026-12-31", "--zone", "ap-7", "--out",
               str(tmp_path / "x.csv"))  # fmt: skip
    assert r.exit_code != 0 and "ap-7" in r.output and not (tmp_path / "x.csv").exists()
    # A zone taken out of playout.toml keeps its history.
    text = st.config.read_text(encoding="utf-8")
    st.config.write_text(text.split('[[zone]]\nid = "ap-9"')[0], encoding="utf-8")
    assert "ap-9" not in st.config.read_text(encoding="utf-8")
    r = st.cli("tally", "--year", "2026", "--zone", "ap-9", "--lang", "en")
    assert r.exit_code == 0 and "| Announcement | 0 | 0 | 0:00:00 | 0 | failed 1 |" in r.stdout, r.output


def test_a_station_without_zones_has_no_zone_table(year_log: tuple[Station, Path], tmp_path: Path) -> None:
    import openpyxl

    st, log = year_log
    r = st.cli("tally", "--year", "2027", "--db", str(log))
    assert r.exit_code == 0 and "Thực hiện 52 chuyên mục CCHC" in r.stdout
    assert "vùng" not in r.stdout.lower()
    xlsx = tmp_path / "t.xlsx"
    assert st.cli("tally", "--year", "2027", "--db", str(log), "--format", "xlsx", "--out", str(xlsx)).exit_code == 0
    assert openpyxl.load_workbook(xlsx).sheetnames == ["Tổng hợp", "Theo tháng"]
    # Rows written before zones (no zone) are the station's one zone, "main".
    r = st.cli("tally", "--year", "2027", "--db", str(log), "--zone", "main")
    assert r.exit_code == 0 and "Thực hiện 52 chuyên mục CCHC" in r.stdout
