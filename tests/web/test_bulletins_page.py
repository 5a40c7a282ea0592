"""The station's bulletins page: a technician puts a normal bulletin from the province into
the schedule at a chosen time, airs one now or declines one; a manager only reads; every
decision is journalled with who made it."""

from __future__ import annotations

import dataclasses
import tomllib
from datetime import timedelta

from sqlalchemy import select

from playout.db.models import Action
from playout.province.models import StationBulletin
from playout.web import create_app
from tests.web.conftest import Web, token


def _bulletin(web: Web, uid: str, title: str) -> None:
    now = web.app.clock.now()
    with web.app.db.session() as s:
        s.add(StationBulletin(uid=uid, title=title, level="normal", valid_from=now, valid_until=now + timedelta(days=2),
                              clip_id=1, state="waiting", received_at=now))  # fmt: skip
        s.commit()


def test_a_technician_schedules_airs_or_declines_a_bulletin_and_a_manager_only_reads(web: Web) -> None:
    cfg = web.app.config
    web.app.config = dataclasses.replace(cfg, province=dataclasses.replace(cfg.province, station_id="xa-a"))
    web.flask = create_app(web.app, web.control)
    _bulletin(web, "0f1e2d3c-aaaa-4bbb-8ccc-000000000001", "Lịch tiêm chủng tháng 12")
    _bulletin(web, "0f1e2d3c-aaaa-4bbb-8ccc-000000000002", "Thông báo họp dân")
    _bulletin(web, "0f1e2d3c-aaaa-4bbb-8ccc-000000000003", "Tin thể thao")

    manager = web.login("lanhdao")
    page = manager.get("/bulletins").get_data(as_text=True)
    assert "Lịch tiêm chủng tháng 12" in page and "Xếp vào lịch" not in page  # a manager reads only
    csrf = token(manager, "/bulletins")
    assert manager.post("/bulletins/0f1e2d3c-aaaa-4bbb-8ccc-000000000001/reject", data={"csrf_token": csrf}).status_code == 403

    tech = web.login("kythuat")
    csrf = token(tech, "/bulletins")
    page = tech.get("/bulletins").get_data(as_text=True)
    assert "Xếp vào lịch" in page and 'name="at" value="30/11/2026 09:00"' in page  # dd/mm/yyyy, typed
    local = web.app.clock.now().astimezone(cfg.station.timezone) + timedelta(hours=3)
    r = tech.post("/bulletins/0f1e2d3c-aaaa-4bbb-8ccc-000000000001/schedule",
                  data={"csrf_token": csrf, "at": local.strftime("%d/%m/%Y %H:%M")}, follow_redirects=True)  # fmt: skip
    assert "đã xếp lịch" in r.get_data(as_text=True)
    written = cfg.schedules_folder / "ban-tin-0f1e2d3c.toml"
    slot = tomllib.loads(written.read_text(encoding="utf-8"))["slot"][0]
    assert slot["times"] == [local.strftime("%H:%M")] and slot["item"][0]["clip"] == 1
    assert slot["name"] == "Bản tin: Lịch tiêm chủng tháng 12"
    # Past its window: one sentence, nothing written.
    late = (local + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    r = tech.post("/bulletins/0f1e2d3c-aaaa-4bbb-8ccc-000000000002/schedule", data={"csrf_token": csrf, "at": late},
                  follow_redirects=True)  # fmt: skip
    assert "chỉ phát được từ" in r.get_data(as_text=True)
    tech.post("/bulletins/0f1e2d3c-aaaa-4bbb-8ccc-000000000002/air", data={"csrf_token": csrf})
    assert web.control.calls[-1] == ("POST", "/air-now", {"clip": "1", "level": "normal"})
    tech.post("/bulletins/0f1e2d3c-aaaa-4bbb-8ccc-000000000003/reject", data={"csrf_token": csrf})
    with web.app.db.session() as s:
        states = {b.title: (b.state, b.decided_by) for b in s.execute(select(StationBulletin)).scalars()}
        journal = [(a.actor, a.action, a.outcome) for a in s.execute(select(Action).order_by(Action.id)).scalars()
                   if a.action.startswith("bulletin")]  # fmt: skip
    assert states == {"Lịch tiêm chủng tháng 12": ("scheduled", "web:kythuat"),
                      "Thông báo họp dân": ("aired", "web:kythuat"), "Tin thể thao": ("rejected", "web:kythuat")}
    assert [(a, act) for a, act, _ in journal] == [("kythuat", "bulletin-schedule"), ("kythuat", "bulletin-schedule"),
                                                    ("kythuat", "bulletin-air"), ("kythuat", "bulletin-reject")]
    assert journal[1][2].startswith("failed")
