"""An announcement recorded on the live page and listened to, then aired now. The recording
itself is imported through the library's own upload (the normal import steps, with its
title and validity window); this route airs the clip it became, through the daemon's
air-now, so the log, the journal and the level rules are those of any manual airing."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, g, jsonify, request

from playout.errors import PlayoutError
from playout.i18n import t
from playout.web.auth import technician_only, web_actor

bp = Blueprint("recorded", __name__)


@bp.route("/live/recorded/air", methods=["POST"])
@technician_only
def air() -> Any:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        body = {}
    try:
        clip = int(str(body.get("clip", "")))
    except ValueError:
        return jsonify({"ok": False, "message": t("daemon.no_clip", g.lang, clip=str(body.get("clip", ""))[:40])}), 400
    call: dict[str, Any] = {"clip": str(clip), "level": body.get("level", "normal")}
    zones = body.get("zones")
    if isinstance(zones, list) and zones:
        call["zones"] = zones
    try:
        done = current_app.extensions["playout.control"].call("POST", "/air-now", call, actor=web_actor())
    except PlayoutError as exc:
        return jsonify({"ok": False, "message": exc.render(g.lang)}), getattr(exc, "status", 400)
    return jsonify({"ok": True, "clip_id": done["clip_id"], "title": done["title"], "level": done["level"]})


def install(web: Flask) -> None:
    web.register_blueprint(bp)
