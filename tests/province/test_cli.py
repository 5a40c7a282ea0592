"""The province's commands: publish, list, reject, status, with their one-sentence errors."""

from __future__ import annotations

from pathlib import Path

from playout import config as config_mod
from playout.errors import ConfigError
from tests.province.helpers import ProvinceStation
from tests.province.test_bulletins import receiver, tone
from tests.province.test_forward import stations  # noqa: F401  (the fixture)


def test_publish_fetch_list_and_reject_from_the_command_line(stations: list[ProvinceStation],  # noqa: F811
                                                             central_url: str, tmp_path: Path) -> None:  # fmt: skip
    a = stations[0]
    r = a.cli.cli("province", "setup-central", "--central", central_url.replace("@", ":secret@", 1),
                  env={"PLAYOUT_STATION_LANGUAGE": "en"})  # fmt: skip
    assert r.exit_code == 0 and "is ready" in r.stdout and "secret" not in r.stdout
    audio = tone(tmp_path, "lich.mp3", 520)
    r = a.cli.cli("province", "publish", str(audio), "--title", "Lịch họp dân", "--level", "khan", "--until",
                  "2026-12-31 17:00")  # fmt: skip
    assert r.exit_code == 2 and "Mức «khan» không hợp lệ" in r.output
    r = a.cli.cli("province", "publish", str(audio), "--title", "Lịch họp dân", "--level", "normal",
                  "--until", "31/12/2026")  # fmt: skip
    assert r.exit_code == 2 and "--until 31/12/2026" in r.output
    r = a.cli.cli("province", "publish", str(audio), "--title", "Lịch họp dân", "--level", "normal", "--to",
                  f"{a.sid},xa-khac", "--from", "2026-11-01 00:00", "--until", "2099-12-31 17:00")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "Đã phát hành bản tin «Lịch họp dân» (thông thường)" in r.stdout
    assert a.cli.cli("bulletin", "list").stdout.strip() == "Chưa nhận bản tin nào từ tỉnh."
    from playout.province.forward import central_engine

    receiver(a).fetch(central_engine(central_url), None)
    listed = a.cli.cli("bulletin", "list", env={"PLAYOUT_STATION_LANGUAGE": "en"}).stdout
    assert "normal" in listed and "waiting" in listed and "Lịch họp dân" in listed
    uid = listed.split()[0]
    r = a.cli.cli("bulletin", "reject", uid)
    assert r.exit_code == 0 and "Đã từ chối bản tin «Lịch họp dân»." in r.stdout
    r = a.cli.cli("bulletin", "accept", uid)
    assert r.exit_code == 1 and "không còn chờ duyệt" in r.output
    r = a.cli.cli("bulletin", "accept", "ffffffff")
    assert r.exit_code == 1 and "ffffffff" in r.output
    r = a.cli.cli("province", "status", env={"PLAYOUT_STATION_LANGUAGE": "en"})
    assert r.exit_code == 0 and f"Station {a.sid}:" in r.stdout


def test_the_province_settings_are_checked(tmp_path: Path) -> None:
    def problems(body: str) -> str:
        path = tmp_path / "playout.toml"
        path.write_text(body, encoding="utf-8")
        try:
            config_mod.load(path, env={})
        except ConfigError as exc:
            return exc.render("en")
        return ""

    assert problems('[province]\nstation_id = "xa-an-binh"\n') == ""
    assert "station_id" in problems('[province]\ncentral_url = "postgresql://h/db"\n')
    assert "a PostgreSQL URL" in problems('[province]\nstation_id = "x"\ncentral_url = "mysql://h/db"\n')
    assert "letters, digits" in problems('[province]\nstation_id = "xã an bình"\n')
    assert "forward_seconds" in problems('[province]\nforward_seconds = 0\n')
