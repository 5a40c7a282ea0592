from __future__ import annotations

import json
from pathlib import Path

from tests.audio_factory import programme_like, write
from tests.conftest import Station


def test_list_show_retire(station: Station, tmp_path: Path) -> None:
    a = write(programme_like(), tmp_path / "cchc-2026-11-23.wav")
    b = write(programme_like(sound_ms=1800), tmp_path / "slogan.ogg")
    assert station.cli("import", str(a), "--kind", "segment", "--program", "CCHC").exit_code == 0
    assert station.cli("import", str(b), "--kind", "slogan").exit_code == 0

    listed = station.cli("clips", "list")
    assert listed.exit_code == 0
    assert "cchc-2026-11-23" in listed.stdout and "chuyên mục" in listed.stdout and "0:02" in listed.stdout
    assert "-16.0" in listed.stdout

    none = station.cli("clips", "list", "--program", "XYZ")
    assert none.exit_code == 0 and none.stdout.strip() == "Không có bài nào khớp bộ lọc (xem tất cả: playout clips list)."

    only = json.loads(station.cli("clips", "list", "--kind", "segment", "--json").stdout)
    assert [c["programme"] for c in only] == ["CCHC"]
    assert only[0]["episode_date"] == "2026-11-23" and only[0]["duration_ms"] > 2000

    shown = station.cli("clips", "show", "1")
    assert shown.exit_code == 0 and "LUFS" in shown.stdout and "cchc-2026-11-23.wav" in shown.stdout

    retired = station.cli("clips", "retire", "2")
    assert retired.exit_code == 0 and "Đã ngừng phát #2" in retired.stdout
    again = station.cli("clips", "retire", "2")
    assert again.exit_code == 0 and "đã ngừng phát từ trước" in again.stdout
    data = json.loads(station.cli("clips", "show", "2", "--json").stdout)
    assert data["retired"] is True and data["retired_at"]
    # Retired, not deleted: the file and the row stay.
    assert (station.library / data["path"]).exists()
    assert "ngừng phát" in station.cli("clips", "list").stdout


def test_unknown_clip_is_one_sentence(station: Station) -> None:
    r = station.cli("clips", "show", "42")
    assert r.exit_code == 1
    assert r.output.strip() == "Thư viện không có tệp âm thanh số #42."
    assert station.cli("clips", "retire", "42").exit_code == 1


def test_empty_library(station: Station) -> None:
    r = station.cli("clips", "list")
    assert r.exit_code == 0 and "Thư viện chưa có tệp nào." in r.stdout
