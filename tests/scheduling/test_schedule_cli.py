"""`playout schedule check` and `show` on the shipped example, with the example clips
imported for real, and on broken copies of it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, Station, require_program


@pytest.fixture
def broken(example_station: Station, tmp_path: Path) -> Station:
    """A copy of the example station whose schedule files a test may break."""
    root = tmp_path / "copy"
    shutil.copytree(example_station.root, root)
    text = (root / "playout.toml").read_text(encoding="utf-8")
    (root / "playout.toml").write_text(text, encoding="utf-8")
    return Station(root=root, config=root / "playout.toml")


def test_check_passes_on_the_shipped_example(example_station: Station) -> None:
    r = example_station.cli("schedule", "check")
    assert r.exit_code == 0, r.output
    assert "Lịch phát hợp lệ: 2 khung giờ trong 3 tệp, 0 cảnh báo." in r.stdout


def test_check_lists_every_error_with_file_and_line(broken: Station) -> None:
    sang = broken.root / "schedules" / "phien-sang.toml"
    sang.write_text(sang.read_text(encoding="utf-8").replace('"05:30"', '"24:30"'), encoding="utf-8")
    chieu = broken.root / "schedules" / "phien-chieu.toml"
    chieu.write_text(chieu.read_text(encoding="utf-8").replace('latest = "Đồng hành cùng Nhân dân"',
                                                               'latest = "Đồng hành"'), encoding="utf-8")  # fmt: skip
    (broken.root / "schedules" / "ban-sao.toml").write_bytes(sang.read_bytes())
    (broken.root / "schedules" / "windows.toml").write_bytes('[[slot]]\nid = "x"\nname = "Phiên'.encode("cp1258") + b"\xfe\"\n")

    r = broken.cli("schedule", "check")

    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    assert f"{sang}:8: lỗi: giờ '24:30' không tồn tại: giờ từ 00 đến 23, phút từ 00 đến 59." in lines
    assert f"{chieu}:20: lỗi: thư viện chưa có chuyên mục nào của chương trình «Đồng hành»." in lines
    assert any(line.startswith(f"{broken.root / 'schedules' / 'windows.toml'}:3: lỗi: tệp không phải văn bản UTF-8")
               for line in lines)  # fmt: skip
    assert any("ban-sao.toml:8: lỗi: giờ '24:30'" in line for line in lines)
    assert lines[-1].startswith("Lịch phát có ") and "lỗi" in lines[-1]
    assert "Traceback" not in r.output


def test_check_in_english(broken: Station) -> None:
    sang = broken.root / "schedules" / "phien-sang.toml"
    sang.write_text(sang.read_text(encoding="utf-8").replace('"05:30"', '"5h30"'), encoding="utf-8")
    r = broken.cli("schedule", "check", env={"PLAYOUT_STATION_LANGUAGE": "en"})
    assert r.exit_code == 1
    assert f"{sang}:8: error: time '5h30' is invalid: expected HH:MM, e.g. \"05:30\"." in r.stdout


def test_show_week_prints_what_the_example_describes(example_station: Station) -> None:
    r = example_station.cli("schedule", "show", "--week", "2026-W49")
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "2026-11-30 → 2026-12-06" in out
    for day in ("Thứ Hai 2026-11-30", "Thứ Năm 2026-12-03", "Thứ Bảy 2026-12-05", "Chủ Nhật 2026-12-06"):
        assert day in out
    assert out.count("Nhạc hiệu Đài") == 14
    assert out.count("CCHC: Công khai thủ tục đất đai") == 2  # Monday premiere, Thursday rebroadcast
    assert out.count("Đồng hành cùng Nhân dân tháng 11") == 1  # first Saturday evening


def test_show_json_for_machines(example_station: Station) -> None:
    r = example_station.cli("schedule", "show", "--date", "2026-11-30", "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert [o["key"] for o in data] == ["phien-sang@2026-11-30T05:30", "phien-chieu@2026-11-30T17:30"]
    morning = data[0]
    assert morning["start"] == "2026-11-30T05:30:00+07:00"
    assert [i["kind"] for i in morning["items"]] == ["chime", "segment", "slogan", "slogan"]
    assert morning["items"][1]["programme"] == "CCHC"
    assert morning["duration_ms"] == sum(i["duration_ms"] for i in morning["items"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--week", "2026-48"], "--week: '2026-48' không phải tuần hợp lệ"),
        (["--from", "2026-12-10", "--to", "2026-12-01"], "--from 2026-12-10 sau --to 2026-12-01."),
        (["--date", "30/11/2026"], "--date: '30/11/2026' không phải ngày hợp lệ"),
        (["--week", "2026-W48", "--date", "2026-11-30"], "Chỉ chọn một trong --week, --date, hoặc --from/--to."),
        (["--from", "2026-01-01", "--to", "2028-01-01"], "Khoảng thời gian quá dài (731 ngày); tối đa 366 ngày."),
    ],
)
def test_show_rejects_bad_periods_in_one_sentence(example_station: Station, args: list[str], message: str) -> None:
    r = example_station.cli("schedule", "show", *args)
    assert r.exit_code == 2
    assert message in r.output


def test_show_refuses_a_broken_schedule(broken: Station) -> None:
    sang = broken.root / "schedules" / "phien-sang.toml"
    sang.write_text("[[slot]\n", encoding="utf-8")
    r = broken.cli("schedule", "show")
    assert r.exit_code == 2
    assert f"{sang}:1: lỗi:" in r.output and "playout schedule check" in r.output


def test_show_past_days_as_the_log_has_them(broken: Station) -> None:
    """A past occurrence shows what the airing log says aired (not a fresh selection with
    today's history); a past one with no record says so."""
    from datetime import UTC, datetime

    from playout.airlog import AiringLog
    from playout.db import open_database
    from playout.db.models import Airing

    clips = {c["title"]: c for c in json.loads(broken.cli("clips", "list", "--json").stdout)}
    log = AiringLog(open_database(f"sqlite:///{broken.db_path}"))
    occ = "phien-sang@2026-11-23T05:30"
    at = datetime(2026, 11, 22, 22, 30, tzinfo=UTC)

    def row(position: int, title: str, outcome: str, reason: str | None = None) -> Airing:
        c = clips[title]
        return Airing(key=f"{occ}/{position}", occurrence=occ, position=position, slot="phien-sang", scheduled_at=at,
                      clip_id=c["id"], title=title, kind=c["kind"], duration_ms=c["duration_ms"], output="null",
                      outcome=outcome, reason=reason, started_at=at, played_ms=c["duration_ms"])  # fmt: skip

    log.insert([row(1, "Nhạc hiệu Đài", "aired"), row(2, "Khẩu hiệu 3: Tổng đài 1022", "aired"),
                row(3, "Khẩu hiệu 2: Dịch vụ công trực tuyến", "interrupted", "skipped by the technician")])  # fmt: skip
    r = broken.cli("schedule", "show", "--date", "2026-11-23", "--format", "json")
    assert r.exit_code == 0, r.output
    morning, evening = json.loads(r.stdout)
    assert [i["title"] for i in morning["items"]] == [
        "Nhạc hiệu Đài", "Khẩu hiệu 3: Tổng đài 1022", "Khẩu hiệu 2: Dịch vụ công trực tuyến"]
    assert morning["notes"] == ["Khẩu hiệu 2: Dịch vụ công trực tuyến: bị ngắt (skipped by the technician)"]
    assert evening["notes"] == ["không có trong nhật ký phát (playout không chạy lúc đó?)"]


def test_show_gives_times_to_the_nearest_second_as_its_durations() -> None:
    from datetime import datetime

    from playout.cli.schedule import _second

    # A 3.5 s clip from 17:30:03.000: shown 17:30:03 → 17:30:07 beside its 0:04 (it read 17:30:06).
    assert (_second(datetime(2026, 12, 5, 17, 30, 3)), _second(datetime(2026, 12, 5, 17, 30, 6, 500_000))) == (
        "17:30:03", "17:30:07")
    assert _second(datetime(2026, 12, 5, 17, 30, 6, 499_000)) == "17:30:06"
