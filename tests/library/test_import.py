"""Import from the technician's side: the `playout import` command on real files, real
ffmpeg, real SQLite; the stored audio checked with an independent loudness meter."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import unicodedata
from pathlib import Path

import pytest

from tests.audio_factory import (
    duration_ms,
    leading_silence_ms,
    loudness_lufs,
    programme_like,
    trailing_silence_ms,
    true_peak_dbtp,
    write,
)
from tests.conftest import Station


def rows(station: Station) -> list[dict]:
    if not station.db_path.exists():
        return []
    con = sqlite3.connect(station.db_path)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute("select * from clips order by id")]
    except sqlite3.OperationalError:
        return []
    finally:
        con.close()


def assert_library_unchanged(station: Station, before_rows: list[dict], before_files: list[Path]) -> None:
    assert rows(station) == before_rows
    assert station.library_files() == before_files


@pytest.mark.parametrize("fmt", ["mp3", "wav", "ogg", "m4a", "flac", "wma"])
def test_each_format_is_normalised_trimmed_and_registered(station: Station, tmp_path: Path, fmt: str) -> None:
    source = write(programme_like(peaky=fmt in ("mp3", "wav")), tmp_path / f"clip.{fmt}")

    r = station.cli("import", str(source), "--kind", "slogan")

    assert r.exit_code == 0, r.output
    [row] = rows(station)
    stored = station.library / row["path"]
    assert stored.exists() and stored.suffix == ".flac"
    # Independent measurement (pyloudnorm, scipy), not ffmpeg's own figures.
    assert abs(loudness_lufs(stored) - (-16.0)) <= 0.5
    assert true_peak_dbtp(stored) <= -1.0 + 0.3
    assert abs(row["loudness_after_lufs"] - loudness_lufs(stored)) <= 0.5
    # 700 ms of silence before and 900 ms after 2.5 s of sound: both trimmed.
    assert leading_silence_ms(stored) <= 30
    assert trailing_silence_ms(stored) <= 60
    assert abs(duration_ms(stored) - 2500) <= 80
    assert abs(row["duration_ms"] - duration_ms(stored)) <= 5
    assert row["loudness_before_lufs"] < -20
    assert row["sample_rate"] == 48000 and row["channels"] == 1
    assert row["kind"] == "slogan" and row["original_name"] == f"clip.{fmt}"
    assert len(row["content_hash"]) == 64 and row["path"].endswith(row["content_hash"] + ".flac")


def test_stereo_stays_stereo_and_title_comes_from_tag(station: Station, tmp_path: Path) -> None:
    source = write(programme_like(channels=2), tmp_path / "x.mp3", tags={"title": "Khẩu hiệu về dịch vụ công"})
    r = station.cli("import", str(source), "--kind", "slogan")
    assert r.exit_code == 0, r.output
    [row] = rows(station)
    assert row["channels"] == 2
    assert row["title"] == "Khẩu hiệu về dịch vụ công"


def test_vietnamese_names_in_nfd_are_stored_nfc(station: Station, tmp_path: Path) -> None:
    name = unicodedata.normalize("NFD", "Khẩu hiệu Cải cách.wav")
    source = write(programme_like(), tmp_path / name)
    programme = unicodedata.normalize("NFD", "Đồng hành cùng Nhân dân")
    r = station.cli("import", str(source), "--kind", "segment", "--program", programme)
    assert r.exit_code == 0, r.output
    [row] = rows(station)
    assert row["title"] == unicodedata.normalize("NFC", "Khẩu hiệu Cải cách")
    assert row["programme"] == "Đồng hành cùng Nhân dân"
    assert unicodedata.is_normalized("NFC", row["original_name"])
    # The NFC spelling finds it in the list.
    listed = json.loads(station.cli("clips", "list", "--program", "Đồng hành cùng Nhân dân", "--json").stdout)
    assert [c["id"] for c in listed] == [row["id"]]


def test_segment_metadata_and_episode_date_from_file_name(station: Station, tmp_path: Path) -> None:
    source = write(programme_like(), tmp_path / "cchc-2026-11-30.wav")
    r = station.cli(
        "import", str(source), "--kind", "segment", "--program", "CCHC",
        "--valid-from", "2026-11-30", "--valid-until", "2026-12-31", "--tag", "cchc", "--tag", "tuần",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    [row] = rows(station)
    assert row["episode_date"] == "2026-11-30"
    assert (row["valid_from"], row["valid_until"]) == ("2026-11-30", "2026-12-31")
    assert row["tags"] == "cchc,tuần"


def test_reimport_is_reported_as_duplicate_and_adds_nothing(station: Station, tmp_path: Path) -> None:
    source = write(programme_like(), tmp_path / "a.wav")
    assert station.cli("import", str(source), "--kind", "slogan").exit_code == 0
    before_rows, before_files = rows(station), station.library_files()

    # The same bytes again, and the same audio in another container (found by content hash).
    same_audio = tmp_path / "a-copy.flac"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(source), str(same_audio)], check=True)
    r = station.cli("import", str(source), str(same_audio), "--kind", "slogan")

    assert r.exit_code == 0, r.output
    assert r.output.count("trùng với bản đã có #1") == 2
    assert "trùng 2" in r.output
    assert_library_unchanged(station, before_rows, before_files)


def test_folder_import_is_recursive_with_progress_and_summary(station: Station, tmp_path: Path) -> None:
    folder = tmp_path / "week"
    write(programme_like(sound_ms=1500), folder / "a.mp3")
    write(programme_like(sound_ms=1700), folder / "sub" / "b.ogg")
    (folder / "notes.txt").write_text("not audio, not picked from a folder")
    (folder / ".hidden").mkdir()
    write(programme_like(sound_ms=1600), folder / ".hidden" / "c.wav")
    r = station.cli("import", str(folder), "--kind", "slogan")
    assert r.exit_code == 0, r.output
    assert len(rows(station)) == 2
    assert "Đang nhập" in r.output and "2/2" in r.output
    assert "Đã nhập 2, trùng 0, lỗi 0." in r.output


def test_dry_run_measures_but_writes_nothing(station: Station, tmp_path: Path) -> None:
    source = write(programme_like(), tmp_path / "a.wav")
    r = station.cli("import", str(source), "--kind", "slogan", "--dry-run")
    assert r.exit_code == 0, r.output
    assert "sẽ nhập" in r.output and "Thư viện không thay đổi" in r.output
    assert rows(station) == [] and station.library_files() == []


def test_messages_in_english_when_configured(station: Station, tmp_path: Path) -> None:
    source = write(programme_like(), tmp_path / "a.wav")
    r = station.cli("import", str(source), "--kind", "slogan", env={"PLAYOUT_STATION_LANGUAGE": "en"})
    assert r.exit_code == 0, r.output
    assert "Imported 1, duplicates 0, failed 0." in r.output


# -- bad input: one clear sentence naming the file, nothing written -------------------------


def _make_bad(kind: str, tmp_path: Path) -> tuple[Path, str]:
    """A bad input file and the words its message must contain."""
    if kind == "empty":
        p = tmp_path / "empty.mp3"
        p.write_bytes(b"")
        return p, "tệp rỗng"
    if kind == "random":
        p = tmp_path / "noise.mp3"
        p.write_bytes(bytes(range(256)) * 40)
        return p, "không phải tệp âm thanh"
    if kind == "truncated":
        full = write(programme_like(sound_ms=8000), tmp_path / "full.mp3")
        p = tmp_path / "truncated.mp3"
        p.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
        return p, "bị cắt cụt"
    if kind == "video":
        p = tmp_path / "video.mp4"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=d=1:s=64x48", "-c:v", "mpeg4", str(p)],
            check=True,
        )
        return p, "tệp video không có luồng âm thanh"
    if kind == "picture":
        p = tmp_path / "khau-hieu.mp3"  # a PNG under an audio name: a picture, not "a video"
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=d=1:s=64x48", "-frames:v", "1",
                        "-c:v", "png", "-f", "image2", str(p)], check=True)  # fmt: skip
        return p, "đây là một tấm ảnh (PNG), không phải âm thanh."
    if kind == "damaged":
        full = write(programme_like(sound_ms=8000), tmp_path / "full.mp3")
        data = bytearray(full.read_bytes())
        for at in range(len(data) // 4, len(data) * 3 // 4, 997):
            data[at : at + 40] = bytes(40)
        p = tmp_path / "damaged.mp3"
        p.write_bytes(bytes(data))
        return p, "tệp bị hỏng, có đoạn không giải mã được."
    if kind == "silence":
        from pydub import AudioSegment

        return write(AudioSegment.silent(3000), tmp_path / "silence.wav"), "chỉ có khoảng lặng"
    if kind == "missing":
        return tmp_path / "does-not-exist.mp3", "không tồn tại"
    if kind == "dangling":
        p = tmp_path / "link.mp3"
        p.symlink_to(tmp_path / "gone.mp3")
        return p, "không tồn tại"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["empty", "random", "truncated", "video", "picture", "damaged", "silence", "missing",
                                  "dangling"])
def test_bad_input_is_rejected_with_one_clear_sentence(station: Station, tmp_path: Path, kind: str) -> None:
    good = write(programme_like(), tmp_path / "good.wav")
    assert station.cli("import", str(good), "--kind", "slogan").exit_code == 0
    before_rows, before_files = rows(station), station.library_files()
    bad, words = _make_bad(kind, tmp_path)

    r = station.cli("import", str(bad), "--kind", "slogan")

    assert r.exit_code == 1
    failure_lines = [line for line in r.output.splitlines() if str(bad) in line and words in line]
    assert failure_lines, r.output
    assert "Traceback" not in r.output
    # One sentence in the station's language: none of ffmpeg's own English reaches the person.
    for english in ("ffprobe", "Conversion failed", "Invalid data", "video", "Error", "stream #", "No such"):
        assert english not in r.output.replace(str(bad), "").replace("tệp video", ""), (english, r.output)

    assert_library_unchanged(station, before_rows, before_files)
    assert not list((station.library / ".incoming").iterdir())


def test_too_long_is_rejected(station: Station, tmp_path: Path) -> None:
    source = write(programme_like(sound_ms=9000), tmp_path / "long.wav")
    r = station.cli("import", str(source), "--kind", "segment", env={"PLAYOUT_LIBRARY_MAX_DURATION_MINUTES": "0.1"})
    assert r.exit_code == 1
    assert "vượt quá giới hạn 0:06" in r.output and "long.wav" in r.output
    assert rows(station) == []


def test_unreadable_file_is_rejected(station: Station, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = write(programme_like(), tmp_path / "locked.wav")
    real_open = Path.open

    def deny(self: Path, *args, **kwargs):  # noqa: ANN002, ANN003
        if self == source:
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", deny)  # as root, chmod cannot make a file unreadable
    r = station.cli("import", str(source), "--kind", "slogan")
    assert r.exit_code == 1
    assert "locked.wav: không có quyền đọc tệp." in r.output and "Permission" not in r.output
    assert rows(station) == []


def test_one_failure_does_not_stop_the_batch(station: Station, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    write(programme_like(), folder / "1-good.wav")
    (folder / "2-bad.mp3").write_bytes(b"\x00" * 4000)
    write(programme_like(sound_ms=1800), folder / "3-good.ogg")
    r = station.cli("import", str(folder), "--kind", "slogan")
    assert r.exit_code == 1
    assert "Đã nhập 2, trùng 0, lỗi 1." in r.output
    assert "2-bad.mp3" in r.output.split("Đã nhập 2")[1]  # listed again under the summary
    assert [row["original_name"] for row in rows(station)] == ["1-good.wav", "3-good.ogg"]


def test_unknown_kind_is_a_clear_error(station: Station, tmp_path: Path) -> None:
    source = write(programme_like(), tmp_path / "a.wav")
    r = station.cli("import", str(source), "--kind", "jingle")
    assert r.exit_code == 2
    assert "Loại 'jingle' không hợp lệ; chọn một trong: segment, slogan, chime, announcement, other." in r.output
    assert rows(station) == []


@pytest.mark.parametrize("option", ["--episode-date", "--valid-from"])
def test_bad_date_option_is_a_clear_error(station: Station, tmp_path: Path, option: str) -> None:
    source = write(programme_like(), tmp_path / "a.wav")
    r = station.cli("import", str(source), "--kind", "segment", option, "30/11/2026")
    assert r.exit_code == 2
    assert f"{option}: '30/11/2026' không phải ngày hợp lệ" in r.output


def test_missing_ffmpeg_is_a_clear_error(station: Station, tmp_path: Path) -> None:
    source = write(programme_like(), tmp_path / "a.wav")
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    r = station.cli("import", str(source), "--kind", "slogan", env={"PATH": str(empty)})
    assert r.exit_code == 3
    assert "Không tìm thấy chương trình ffmpeg; hãy cài đặt: apt-get install ffmpeg" in r.output
    assert rows(station) == []


def test_real_command_line_end_to_end(station: Station, tmp_path: Path) -> None:
    """The installed `playout` entry point, in a subprocess, as a technician types it."""
    import os
    import sys

    source = write(programme_like(), tmp_path / "a.mp3")
    env = {**os.environ, "PLAYOUT_CONFIG": str(station.config)}
    exe = Path(sys.executable).with_name("playout")
    done = subprocess.run([str(exe), "import", str(source), "--kind", "chime"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    listed = subprocess.run([str(exe), "clips", "list"], env=env, capture_output=True, text=True)
    assert listed.returncode == 0 and "nhạc hiệu" in listed.stdout and "-16.0" in listed.stdout


def test_clips_that_need_the_limiter_still_reach_the_loudness_target(station: Station, tmp_path: Path) -> None:
    """Full-scale clicks over quiet programme: plain gain to -16 LUFS would put the true peak
    far over the ceiling, so the limiter works hard and takes loudness away; the gain search
    must still land on the target. Checked with two meters that are not the importer's own
    measurement: pyloudnorm, and ffmpeg's ebur128 over the stored file."""
    import re

    folder = tmp_path / "peaky"
    for i, level in enumerate((-32.0, -29.0, -27.0, -24.0)):
        write(programme_like(sound_ms=6000 + 1000 * i, level_dbfs=level, peaky=True), folder / f"p{i}.wav")
    r = station.cli("import", str(folder), "--kind", "slogan")
    assert r.exit_code == 0, r.output
    found = rows(station)
    assert len(found) == 4
    for row in found:
        stored = station.library / row["path"]
        assert row["true_peak_before_dbtp"] + (-16.0 - row["loudness_before_lufs"]) > 3, "the limiter was needed"
        done = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(stored), "-af", "ebur128=peak=true",
                               "-f", "null", "-"], capture_output=True, text=True, check=True)  # fmt: skip
        ebur128 = float(re.findall(r"I:\s+(-?[\d.]+) LUFS", done.stderr)[-1])
        assert abs(loudness_lufs(stored) - (-16.0)) <= 0.2, row["original_name"]
        assert abs(ebur128 - (-16.0)) <= 0.2, row["original_name"]
        assert true_peak_dbtp(stored) <= -1.0 + 0.1
        assert abs(row["loudness_after_lufs"] - loudness_lufs(stored)) <= 0.1


def test_gain_search_steps() -> None:
    from playout.library.steps import next_gain

    assert next_gain(-16, [(8.0, -22.0)]) == 14.0  # one render: as if plain gain
    # A limiter that gives 0.5 LU per dB: the secant follows it.
    assert abs(next_gain(-16, [(8.0, -22.0), (14.0, -19.0)]) - 20.0) < 1e-9
    # Bracketed: interpolate between the closest below and above.
    assert abs(next_gain(-16, [(8.0, -22.0), (14.0, -17.0), (16.0, -15.0)]) - 15.0) < 1e-9
    # Equal loudness from two gains (a flat stretch): halve the bracket or step plainly.
    assert next_gain(-16, [(8.0, -20.0), (9.0, -20.0)]) == 13.0


def test_what_ffmpeg_said_goes_to_the_log_not_to_the_person(
    station: Station, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    bad = tmp_path / "bien-ban.mp3"
    bad.write_bytes(bytes(range(256)) * 40)
    caplog.set_level(logging.INFO, logger="playout.library.steps")
    r = station.cli("import", str(bad), "--kind", "slogan")
    assert r.exit_code == 1
    assert f"{bad}: không phải tệp âm thanh mà ffmpeg đọc được." in r.output
    logged = [rec.getMessage() for rec in caplog.records if rec.name == "playout.library.steps"]
    assert logged and str(bad) in logged[0] and "import.not_audio" in logged[0]
    assert len(logged[0]) > len(f"import {bad} rejected (import.not_audio): "), "the tool's own words are kept"
