from __future__ import annotations

from pathlib import Path

import pytest

from playout import config
from playout.errors import ConfigError
from tests.conftest import ROOT


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "playout.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_shipped_config_loads_with_documented_defaults() -> None:
    cfg = config.load(ROOT / "playout.toml", env={})
    assert cfg.station.timezone.key == "Asia/Ho_Chi_Minh"
    assert cfg.station.language == "vi"
    assert cfg.library.loudness_target_lufs == -16.0
    assert cfg.library.max_duration_ms == 2 * 3600 * 1000
    assert cfg.library.folder == ROOT / "audio" / "library"
    assert cfg.database_url == f"sqlite:///{ROOT / 'playout.db'}"
    # The example's two zones: the wired amplifier (null) and a mount for IP loudspeakers.
    assert [(z.id, z.output.module) for z in cfg.zones] == [("loa-day", "null"), ("loa-ip", "icecast")]
    assert cfg.zones[1].output.device == "icecast://source:hackme@127.0.0.1:8000/loa-ip"


def test_empty_file_gives_defaults(tmp_path: Path) -> None:
    cfg = config.load(write(tmp_path, ""), env={})
    assert cfg.station.timezone.key == "Asia/Ho_Chi_Minh"
    assert cfg.schedules_folder == tmp_path / "schedules"


def test_every_bad_value_is_reported_with_key_value_and_expectation(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[station]\ntimezone = "Mars/Olympus"\nlanguage = "fr"\n'
        '[library]\nloudness_target_lufs = "loud"\nmin_silence_ms = 2.5\ncolour = "red"\n[studio]\nx = 1\n',
    )
    with pytest.raises(ConfigError) as info:
        config.load(path, env={})
    text = info.value.render("en")
    assert str(path) in text
    assert "[station] timezone = 'Mars/Olympus': invalid value, expected an IANA time zone name" in text
    assert "[station] language = 'fr': invalid value, expected one of vi, en" in text
    assert "[library] loudness_target_lufs = 'loud': invalid value, expected a number from -40 to -5" in text
    assert "[library] min_silence_ms = 2.5: invalid value, expected a whole number from 10 to 10000" in text
    assert "[library] colour: unknown key" in text
    assert "[studio]: unknown section" in text
    assert len(info.value.problems) == 6


def test_replan_interval_is_half_an_hour_unless_set(tmp_path: Path) -> None:
    assert config.load(ROOT / "playout.toml", env={}).daemon.replan_minutes == 30
    assert config.load(write(tmp_path, "[daemon]\nreplan_minutes = 3\n"), env={}).daemon.replan_minutes == 3
    with pytest.raises(ConfigError) as info:
        config.load(write(tmp_path, "[daemon]\nreplan_minutes = 0\n"), env={})
    assert "[daemon] replan_minutes = 0: invalid value, expected a whole number from 1 to 1440" in info.value.render("en")


def test_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '[station]\nname = "Đài\n')
    with pytest.raises(ConfigError) as info:
        config.load(path, env={})
    assert "line 2" in info.value.render("en") and "lỗi cú pháp TOML" in info.value.render("vi")
    # The reader's reason in the station's language too, with where it is.
    assert info.value.render("en").endswith("Illegal character '\\n' (at line 2, column 12)")
    assert info.value.render("vi").endswith("ký tự không được phép ở đây: '\\n' (một chuỗi chưa đóng dấu nháy?) (dòng 2, cột 12)")


def test_not_utf8_and_bom(tmp_path: Path) -> None:
    p = tmp_path / "playout.toml"
    p.write_bytes('[station]\nname = "Đài"\n'.encode("utf-16"))
    with pytest.raises(ConfigError, match="invalid"):
        config.load(p, env={})
    p.write_bytes(b"\xef\xbb\xbf" + '[station]\nname = "Đài"\n'.encode())
    assert config.load(p, env={}).station.name == "Đài"


def test_environment_overrides_file_and_is_validated(tmp_path: Path) -> None:
    path = write(tmp_path, '[station]\nlanguage = "vi"\n')
    cfg = config.load(path, env={"PLAYOUT_STATION_LANGUAGE": "en", "PLAYOUT_LIBRARY_LOUDNESS_TARGET_LUFS": "-18"})
    assert cfg.station.language == "en" and cfg.library.loudness_target_lufs == -18.0
    with pytest.raises(ConfigError) as info:
        config.load(path, env={"PLAYOUT_LIBRARY_MIN_SILENCE_MS": "lots"})
    assert "environment variable PLAYOUT_LIBRARY_MIN_SILENCE_MS = 'lots'" in info.value.render("en")


def test_missing_file_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        config.load(tmp_path / "nope.toml", env={})
    assert "nope.toml" in info.value.render("vi")


def test_config_path_resolution() -> None:
    assert config.resolve_path("x.toml", env={"PLAYOUT_CONFIG": "y.toml"}) == Path("x.toml")
    assert config.resolve_path(None, env={"PLAYOUT_CONFIG": "y.toml"}) == Path("y.toml")
    assert config.resolve_path(None, env={}) == Path("playout.toml")


def test_cli_reports_bad_config_and_exits_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from playout.cli import app

    path = write(tmp_path, '[station]\ntimezone = "UTC+7"\n')
    r = CliRunner().invoke(app, ["clips", "list", "--config", str(path)])
    assert r.exit_code == 2
    assert "[station] timezone = 'UTC+7'" in r.output
    assert "Traceback" not in r.output


def test_report_letterhead_keys(tmp_path: Path) -> None:
    path = write(tmp_path, '[station]\nname = "Đài Truyền thanh xã Tân Hồng"\nplace = "Tân Hồng"\n'
                 '[reports]\nsigner = "Nguyễn Văn An"\nsigner_title = "Trưởng Đài"\nsymbol = "ĐTT"\n'
                 'recipients = ["UBND xã Tân Hồng", "Lưu: VT"]\n')  # fmt: skip
    cfg = config.load(path, env={})
    assert cfg.station.issuing_body == "Đài Truyền thanh xã Tân Hồng", "defaults to the station's name"
    assert cfg.station.place == "Tân Hồng" and cfg.station.parent_body == ""
    assert cfg.report.recipients == ("UBND xã Tân Hồng", "Lưu: VT") and cfg.report.signer == "Nguyễn Văn An"
    env = {"PLAYOUT_REPORTS_RECIPIENTS": "A; B ;"}
    assert config.load(path, env=env).report.recipients == ("A", "B")
    bad = write(tmp_path, '[reports]\nrecipients = "UBND"\ntitle = "a\\nb"\n[station]\nplace = 3\n')
    with pytest.raises(ConfigError) as info:
        config.load(bad, env={})
    text = info.value.render("en")
    assert "[reports] recipients = 'UBND'" not in text  # a single text is one recipient (as from the environment)
    assert "[reports] title = 'a\\nb': invalid value, expected a text of one line" in text
    assert "[station] place = 3: invalid value" in text


def test_a_missing_configuration_file_is_one_sentence_that_says_how_to_name_it(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    # Run from a folder without playout.toml, it was called "invalid (1 problem)" with no hint.
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        config.load(Path("playout.toml"), env={})
    said = info.value.render("vi")
    assert said == (f"Không tìm thấy tệp cấu hình {tmp_path / 'playout.toml'}; hãy chỉ ra tệp bằng --config TỆP "
                    "(hoặc biến PLAYOUT_CONFIG), hoặc chạy playout trong thư mục của đài.")  # fmt: skip
    assert "\n" not in info.value.render("en") and "invalid" not in info.value.render("en")
