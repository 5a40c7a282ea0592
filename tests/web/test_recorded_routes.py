"""The live page's recordings on the server side: the library upload takes a validity window
(the import's own check, one clear sentence for a bad one, nothing imported), and the air
route is the daemon's air-now for a technician only."""

from __future__ import annotations

import io

from tests.web.conftest import EX, Web, token


def _upload(client, csrf: str, **fields: str):  # noqa: ANN001, ANN202
    data = {"kind": "announcement", "file": (io.BytesIO((EX / "khau-hieu-01-cai-cach-hanh-chinh.mp3").read_bytes()), "thong-bao.mp3"), **fields}
    return client.post("/library/upload", data=data, headers={"X-Requested-With": "fetch", "X-CSRF-Token": csrf},
                       content_type="multipart/form-data")  # fmt: skip


def test_an_upload_keeps_its_validity_window_and_a_bad_one_is_one_sentence(web: Web) -> None:
    tech = web.login("kythuat")
    csrf = token(tech, "/live")
    before = len(web.app.clips.list())
    bad = _upload(tech, csrf, title="Thông báo", valid_from="2026-12-03", valid_until="2026-12-01")
    assert bad.status_code == 400
    assert bad.get_json()["message"] == "Chưa nạp: Ngày bắt đầu hiệu lực 03/12/2026 sau ngày kết thúc 01/12/2026."
    wrong = _upload(tech, csrf, title="Thông báo", valid_from="31/02/2026")  # no such day
    assert wrong.status_code == 400 and "31/02/2026" in wrong.get_json()["message"]
    assert "Hiệu lực từ" in wrong.get_json()["message"]  # the field named
    assert len(web.app.clips.list()) == before  # nothing imported
    ok = _upload(tech, csrf, title="Thông báo tiêm phòng", valid_from="2026-12-01", valid_until="2026-12-03")
    assert ok.status_code == 200, ok.get_json()
    clip = web.app.clips.get(ok.get_json()["clip_id"])
    assert (clip.kind, clip.title, str(clip.valid_from), str(clip.valid_until)) == (
        "announcement", "Thông báo tiêm phòng", "2026-12-01", "2026-12-03")


def test_airing_a_recording_is_the_daemons_air_now_for_a_technician_only(web: Web) -> None:
    manager = web.login("lanhdao")
    refused = manager.post("/live/recorded/air", json={"clip": 1, "level": "priority"},
                           headers={"X-CSRF-Token": token(manager, "/"), "X-Requested-With": "fetch"})  # fmt: skip
    assert refused.status_code in (302, 403) and not web.control.asked("/air-now")
    tech = web.login("kythuat")
    headers = {"X-CSRF-Token": token(tech, "/live"), "X-Requested-With": "fetch"}
    assert tech.post("/live/recorded/air", json={"clip": "x"}, headers=headers).status_code == 400
    assert not web.control.asked("/air-now")
    done = tech.post("/live/recorded/air", json={"clip": 1, "level": "priority", "zones": ["ap-3"]}, headers=headers)
    assert done.status_code == 200 and done.get_json()["ok"]
    assert ("POST", "/air-now", {"clip": "1", "level": "priority", "zones": ["ap-3"]}) in web.control.calls
    assert web.control.actors[-1].name == "kythuat"
