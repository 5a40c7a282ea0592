"""The schedule editor: slots, their items and the station's chime and blackout dates, edited
in the browser and written to the TOML files the daemon reads (`playout.scheduling.store`).

Every save is checked first exactly as `playout schedule check` checks the folder, on the
files as they would be after the save; a save that brings an error writes nothing and shows
each error next to the field it is about. A technician edits; a manager reads.
"""

from __future__ import annotations

import difflib

import json
import re
from calendar import monthrange
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Flask, current_app, flash, g, redirect, render_template, request, url_for

from playout import preview as preview_mod
from playout.actions import ActionLog
from playout.app import App
from playout.i18n import t
from playout.model import CLIP_KINDS
from playout.scheduling import parse as P
from playout.scheduling import store
from playout.web import display
from playout.scheduling.check import check
from playout.scheduling.expand import expand
from playout.scheduling.model import LatestEpisode, NamedClip, Problem, Relay, Rotation
from playout.scheduling.parse import parse_files
from playout.web.auth import technician_only, web_actor

bp = Blueprint("schedule", __name__, url_prefix="/schedule")

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ORDINAL_KEYS = ("first", "second", "third", "fourth", "fifth", "last")
ORDINAL_OF = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
STATION_CHIME = "__station__"
ITEM_TYPES = ("clip", "latest", "rotation", "relay")
LINE_KEY = re.compile(r"^\s*([A-Za-z_]+)\s*=")
ITEM_HEADER = re.compile(r"^\s*\[\[\s*slot\s*\.\s*item\s*\]\]")


def _app() -> App:
    return current_app.extensions["playout"]


def _actions() -> ActionLog:
    return current_app.extensions["playout.actions"]


def _folder() -> store.Folder:
    return store.Folder.read(_app().config.schedules_folder)


def _station_zones() -> list[tuple[str, str]]:
    return [(z.id, z.name or z.id) for z in _app().config.zones]


# -- what a key means: an edit that keeps the meaning keeps the text as written -----------------


def _as_list(v: Any) -> list:
    return v if isinstance(v, list) else [v]


MEANINGS: dict[str, Any] = {
    "days": P._days,  # noqa: SLF001
    "monthly": P._monthly,  # noqa: SLF001
    "times": lambda v: sorted(P._time(x) for x in _as_list(v)),  # noqa: SLF001
    "except": lambda v: {P._date(x) for x in _as_list(v)},  # noqa: SLF001
    "blackout": lambda v: {P._date(x) for x in _as_list(v)},  # noqa: SLF001
    "valid_from": P._date,  # noqa: SLF001
    "valid_until": P._date,  # noqa: SLF001
    "anchor": P._date,  # noqa: SLF001
    "hard_end": P._time,  # noqa: SLF001
    "rotation": lambda v: {("programme" if k == "program" else k): x for k, x in v.items()} | {"count": v.get("count", 1)},
}


# -- the form: from the file's values, from the request, to the file's values ------------------


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, list):
        return ", ".join(_text(x) for x in v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if hasattr(v, "strftime") and hasattr(v, "hour") and not hasattr(v, "day"):
        return v.strftime("%H:%M") if v.second == 0 else v.strftime("%H:%M:%S")
    if hasattr(v, "strftime") and hasattr(v, "day") and not hasattr(v, "hour"):
        return v.strftime("%d/%m/%Y")  # a date as the page shows and takes it
    return str(v)


def _day_set(v: Any) -> list[str]:
    if v is None:
        return []
    try:
        return [DAY_KEYS[d] for d in sorted(P._days(v))]  # noqa: SLF001
    except P._Invalid:  # noqa: SLF001
        return []


def _monthly_rows(v: Any) -> list[tuple[str, str]]:
    if v is None:
        return []
    try:
        return sorted((ORDINAL_OF[n], DAY_KEYS[d]) for n, d in P._monthly(v))  # noqa: SLF001
    except P._Invalid:  # noqa: SLF001
        return []


def _recurrence_form(v: dict[str, Any]) -> dict[str, Any]:
    days = _day_set(v.get("days"))
    return {"days": days, "monthly": _monthly_rows(v.get("monthly")),
            "except": _text(v.get("except")), "valid_from": _text(v.get("valid_from")),
            "valid_until": _text(v.get("valid_until"))}  # fmt: skip


def form_from_values(v: dict[str, Any]) -> dict[str, Any]:
    """A slot as the form shows it."""
    chime = v.get("chime")
    f = {
        "id": _text(v.get("id")), "name": _text(v.get("name")), "times": _text(v.get("times")),
        "every_weeks": _text(v.get("every_weeks")), "anchor": _text(v.get("anchor")),
        "chime": STATION_CHIME if chime is True else "" if chime in (None, False) else _text(chime),
        "priority": _text(v.get("priority")), "hard_end": _text(v.get("hard_end")),
        "max_minutes": _text(v.get("max_minutes")), "zones": list(v.get("zones") or []),
        **_recurrence_form(v),
    }  # fmt: skip
    if "days" not in v and "monthly" not in v:
        f["days"] = list(DAY_KEYS)  # a slot without days airs daily
    items = []
    for index, raw in enumerate(v.get("item") or []):
        if not isinstance(raw, dict):
            continue
        rot = raw.get("rotation") if isinstance(raw.get("rotation"), dict) else {}
        kind = next((k for k in ITEM_TYPES if k in raw), "")
        items.append({
            "index": index, "type": kind, "clip": _text(raw.get("clip")), "latest": _text(raw.get("latest")),
            "if_no_new": _text(raw.get("if_no_new")), "rot_kind": _text(rot.get("kind")),
            "rot_programme": _text(rot.get("programme", rot.get("program"))), "rot_tag": _text(rot.get("tag")),
            "rot_count": _text(rot.get("count")), "relay": _text(raw.get("relay")), "minutes": _text(raw.get("minutes")),
            "title": _text(raw.get("title")), "programme": _text(raw.get("programme")),
            "zones": list(raw.get("zones") or []), **_recurrence_form(raw),
        })  # fmt: skip
    f["items"] = items
    return f


def _blank_item() -> dict[str, Any]:
    return {"index": None, "type": "", "days": [], "monthly": [], "zones": []}


def _form_recurrence(prefix: str) -> dict[str, Any]:
    form = request.form
    rows = []
    for k in range(int(form.get(f"{prefix}monthly_rows", "0") or 0)):
        n, d = form.get(f"{prefix}monthly_n_{k}", ""), form.get(f"{prefix}monthly_d_{k}", "")
        if n and d:
            rows.append((n, d))
    return {"days": [d for d in DAY_KEYS if d in form.getlist(f"{prefix}days")], "monthly": rows,
            "except": form.get(f"{prefix}except", "").strip(), "valid_from": form.get(f"{prefix}valid_from", "").strip(),
            "valid_until": form.get(f"{prefix}valid_until", "").strip()}  # fmt: skip


def form_from_request() -> dict[str, Any]:
    form = request.form
    f = {k: form.get(k, "").strip() for k in ("id", "name", "times", "every_weeks", "anchor", "chime", "priority",
                                               "hard_end", "max_minutes")}  # fmt: skip
    f["zones"] = form.getlist("zones")
    f.update(_form_recurrence(""))
    items = []
    for i in range(int(form.get("n_items", "0") or 0)):
        p = f"item-{i}-"
        if form.get(p + "remove"):
            continue
        index = form.get(p + "index", "")
        item = {k: form.get(p + k, "").strip() for k in ("type", "clip", "latest", "if_no_new", "rot_kind",
                                                         "rot_programme", "rot_tag", "rot_count", "relay", "minutes",
                                                         "title", "programme")}  # fmt: skip
        if not item["type"] and not index:
            continue  # an empty row for a new item, left empty
        item["index"] = int(index) if index.isdigit() else None
        item["row"] = i
        item["zones"] = form.getlist(p + "zones")
        item.update(_form_recurrence(p))
        items.append(item)
    f["items"] = items
    return f


def _number(text: str) -> Any:
    """A number as typed; anything else stays text, for the check to name."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def _clip(text: str) -> Any:
    """A clip as the file names it: a number written by hand stays a number."""
    return int(text) if text.isascii() and text.isdigit() else text


def _day(text: str) -> Any:
    """A date as typed (dd/mm/yyyy, or ISO); anything else stays text, for the check to name."""
    try:
        return display.parse_date(text)
    except ValueError:
        return text.strip()


def _dates(text: str) -> list:
    return [_day(x) for x in re.split(r"[,;\s]+", text) if x]


def _recurrence_values(f: dict[str, Any], out: dict[str, Any], *, slot: bool) -> None:
    """A slot with every day ticked, or none and no monthly rule, airs daily; an item with
    every day or none ticked plays on every day its slot airs."""
    if f["days"] and len(f["days"]) < 7:
        out["days"] = list(f["days"])
    elif slot and (f["days"] or not f["monthly"]):
        out["days"] = "daily"
    monthly = [f"{n} {d}" for n, d in f["monthly"]]
    if monthly:
        out["monthly"] = monthly[0] if len(monthly) == 1 else monthly
    if f["except"]:
        out["except"] = _dates(f["except"])
    for key in ("valid_from", "valid_until"):
        if f[key]:
            out[key] = _day(f[key])


def values_from_form(f: dict[str, Any]) -> dict[str, Any]:
    """The slot's TOML values (plain Python) from the form."""
    v: dict[str, Any] = {}
    for key in ("id", "name"):
        if f[key]:
            v[key] = f[key]
    _recurrence_values(f, v, slot=True)
    if f["every_weeks"]:
        v["every_weeks"] = _number(f["every_weeks"])
    if f["anchor"]:
        v["anchor"] = _day(f["anchor"])
    v["times"] = [x for x in re.split(r"[,;\s]+", f["times"]) if x]
    if f["chime"]:
        v["chime"] = True if f["chime"] == STATION_CHIME else _clip(f["chime"])
    if f["hard_end"]:
        v["hard_end"] = f["hard_end"]
    if f["max_minutes"]:
        v["max_minutes"] = _number(f["max_minutes"])
    if f["priority"]:
        v["priority"] = _number(f["priority"])
    if f["zones"]:
        v["zones"] = list(f["zones"])
    items = []
    for item in f["items"]:
        out: dict[str, Any] = {"_index": item["index"]}
        kind = item["type"]
        if kind == "clip":
            out["clip"] = _clip(item["clip"])
        elif kind == "latest":
            out["latest"] = item["latest"]
            if item["if_no_new"]:
                out["if_no_new"] = item["if_no_new"]
        elif kind == "rotation":
            rot: dict[str, Any] = {}
            for key in ("kind", "programme", "tag"):
                if item[f"rot_{key}"]:
                    rot[key] = item[f"rot_{key}"]
            rot["count"] = _number(item["rot_count"] or "1")
            out["rotation"] = rot
        elif kind == "relay":
            out["relay"] = item["relay"]
            if item["minutes"]:
                out["minutes"] = _number(item["minutes"])
            for key in ("title", "programme"):
                if item[key]:
                    out[key] = item[key]
        else:
            out["clip"] = ""  # no kind chosen: the check says an item needs one
        _recurrence_values(item, out, slot=False)
        if item["zones"]:
            out["zones"] = list(item["zones"])
        items.append(out)
    v["item"] = items
    return v


# -- checking the would-be files ---------------------------------------------------------------


def _problems(files: list[tuple[str, bytes]]) -> tuple[list[Problem], list[Problem]]:
    """What `playout schedule check` says of this set of files."""
    app = _app()
    result = parse_files(files)
    errors, warnings = check(result.schedule, app.clips.view(), preview_mod.today(app), app.config.station.timezone,
                             tuple(z.id for z in app.config.zones) or None, app.clock.now())  # fmt: skip
    return preview_mod.sorted_problems([*result.errors, *errors]), [*result.warnings, *warnings]


def _key(p: Problem) -> tuple:
    return p.source.file, p.msg_id, tuple(sorted((k, str(v)) for k, v in p.params.items()))


def _new_problems(folder: store.Folder, changes: dict[str, bytes | None]) -> tuple[list[Problem], list[Problem]]:
    """The errors that stop the change: every error in a file it writes, and any it brings
    elsewhere (an error another file already had does not block an unrelated save); and every
    warning of the would-be set."""
    before, _ = _problems(folder.display_files({}))
    known = {_key(p) for p in before}
    written = {str(folder.path / name) for name in changes}
    after, warnings = _problems(folder.display_files(changes))
    return [p for p in after if p.source.file in written or _key(p) not in known], warnings


# Problems `check` places on a slot's or an item's first line, by the field they are about.
SLOT_FIELD = {"schedule.no_station_chime": "chime", "schedule.unknown_clip": "chime", "schedule.ambiguous_clip": "chime",
              "schedule.cannot_fit": "hard_end", "schedule.overlap": "times", "schedule.conflict": "times",
              "schedule.window_ended": "valid_until", "schedule.unknown_zone": "zones"}  # fmt: skip
ITEM_FIELD = {"schedule.unknown_clip": "clip", "schedule.ambiguous_clip": "clip", "schedule.unknown_programme": "latest",
              "schedule.empty_pool": "rotation", "schedule.pool_of_one": "rotation", "schedule.unknown_zone": "zones",
              "schedule.no_episode_next": "latest"}  # fmt: skip


SLOT_FIELDS = {"id", "name", "times", "days", "monthly", "every_weeks", "anchor", "valid_from", "valid_until", "except",
               "chime", "priority", "hard_end", "max_minutes", "zones"}  # fmt: skip
ITEM_FIELDS = {"clip", "latest", "if_no_new", "rotation", "relay", "minutes", "title", "programme", "days", "monthly",
               "except", "valid_from", "valid_until", "zones"}  # fmt: skip
STATION_FIELDS = {"chime", "blackout"}


def _fields_of(problems: list[Problem], path: str, text: str, block: tuple[int, int],
               slot: bool = True) -> tuple[dict[str, list[str]], list[str]]:  # fmt: skip
    """Each problem inside the slot's (or the station's) lines, by the form field it is about;
    the others as lines for the top of the form."""
    lines = text.split("\n")
    fields: dict[str, list[str]] = {}
    general: list[str] = []
    lo, hi = block
    for p in problems:
        message = t(p.msg_id, g.lang, **p.params)
        if p.source.file != path or not lo <= p.source.line <= hi:
            general.append(preview_mod.problem_line(p, "error", g.lang))
            continue
        item = sum(1 for n in range(lo, p.source.line + 1) if ITEM_HEADER.match(lines[n - 1])) - 1
        m = LINE_KEY.match(lines[p.source.line - 1])
        key = m.group(1) if m else (ITEM_FIELD if item >= 0 else SLOT_FIELD).get(p.msg_id, "")
        if p.msg_id == "schedule.missing_key":
            key = str(p.params.get("key", ""))
        if key == "hard_end" and "hard_end" not in text:
            key = "max_minutes"
        if key == "program":
            key = "rotation"
        if not slot:  # the [station] table
            if key in STATION_FIELDS:
                fields.setdefault(key, []).append(message)
            else:
                general.append(preview_mod.problem_line(p, "error", g.lang))
            continue
        if key and key not in (ITEM_FIELDS if item >= 0 else SLOT_FIELDS):
            # A key the form has no field for (one written by hand, unknown to the format):
            # the sentence names the file, the line and the key.
            general.append(preview_mod.problem_line(p, "error", g.lang))
            continue
        name = (f"item-{item}-{key}" if key else f"item-{item}") if item >= 0 else (key or "slot")
        fields.setdefault(name, []).append(message)
    return fields, general


def _slot_block(text: str, index: int) -> tuple[int, int]:
    loc = P._Locator(text)  # noqa: SLF001
    start, _ = loc.block(index)
    end = next((n - 1 for n, h in loc.headers if n > start and h in ("slot", "station")), len(loc.lines))
    return start, end


def _station_block(text: str) -> tuple[int, int]:
    loc = P._Locator(text)  # noqa: SLF001
    start = next((n for n, h in loc.headers if h == "station"), 0)
    end = next((n - 1 for n, h in loc.headers if n > start), len(loc.lines))
    return start, end


# -- pages -------------------------------------------------------------------------------------


def _pickers() -> dict[str, Any]:
    app = _app()
    clips = [c for c in app.clips.list() if not c.retired]
    return {
        "clip_titles": sorted({c.title for c in clips}),
        "programmes": sorted({c.programme for c in clips if c.programme}),
        "tags": sorted({tag.strip() for c in clips for tag in (c.tags or "").split(",") if tag.strip()}),
        "kinds": [k.value for k in CLIP_KINDS],
        "zone_choices": _station_zones() if len(_app().config.zones) > 1 else [],
        "day_keys": DAY_KEYS, "ordinals": ORDINAL_KEYS, "station_chime": STATION_CHIME, "item_types": ITEM_TYPES,
    }  # fmt: skip


def _render_form(f: dict[str, Any], *, mode: str, file: str, orig_id: str, digests: dict[str, str],
                 errors: dict[str, list[str]] | None = None, general: list[str] | None = None,
                 warnings: list[str] | None = None, status: int = 200) -> Any:  # fmt: skip
    folder_files = sorted(_folder().files)
    return render_template(
        "schedule_slot.html", page="schedule", f=f, mode=mode, file=file, orig_id=orig_id,
        digests=json.dumps(digests), errors=errors or {}, general=general or [], warnings=warnings or [],
        files=folder_files, readonly=g.user.role != "technician", **_pickers(),
    ), status  # fmt: skip


@bp.route("/")
def index() -> Any:
    app = _app()
    folder = _folder()
    found = preview_mod.findings(app)
    problems = [("error", preview_mod.problem_line(p, "error", g.lang)) for p in found.errors]
    problems += [("warning", preview_mod.problem_line(p, "warning", g.lang)) for p in found.warnings]
    slots = []
    for place in folder.slots():
        f = form_from_values(place.values)
        slots.append({"file": place.file, "f": f, "items": len(f["items"])})
    settings = folder.station()
    return render_template("schedule_index.html", page="schedule", slots=slots, problems=problems,
                           settings=settings, station_file=folder.station_file(),
                           blackout=sorted(_text(d) for d in _as_list(settings.get("blackout", []))),
                           day_keys=DAY_KEYS, station_chime=STATION_CHIME)  # fmt: skip


@bp.route("/new", methods=["GET", "POST"])
@technician_only
def new() -> Any:
    folder = _folder()
    if request.method == "GET":
        f = {"id": "", "name": "", "times": "", "every_weeks": "", "anchor": "", "chime": "", "priority": "",
             "hard_end": "", "max_minutes": "", "zones": [], "days": list(DAY_KEYS), "monthly": [], "except": "",
             "valid_from": "", "valid_until": "", "items": [_blank_item()]}  # fmt: skip
        return _render_form(f, mode="new", file="", orig_id="", digests=folder.digests())
    return _save(folder, None)


@bp.route("/slot/<slot_id>", methods=["GET", "POST"])
def slot(slot_id: str) -> Any:
    folder = _folder()
    place = folder.find(slot_id)
    if request.method == "POST":
        return technician_only(lambda: _save(folder, slot_id))()
    if place is None:
        flash(t("editor.no_slot", g.lang, slot=slot_id), "error")
        return redirect(url_for("schedule.index"))
    f = form_from_values(place.values)
    if g.user.role == "technician":
        f["items"].append(_blank_item())
    return _render_form(f, mode="edit", file=place.file, orig_id=slot_id, digests=folder.digests())


@bp.route("/slot/<slot_id>/copy")
@technician_only
def copy(slot_id: str) -> Any:
    folder = _folder()
    place = folder.find(slot_id)
    if place is None:
        flash(t("editor.no_slot", g.lang, slot=slot_id), "error")
        return redirect(url_for("schedule.index"))
    f = form_from_values(place.values)
    taken = {s.values.get("id") for s in folder.slots()}
    n = 2
    while f"{slot_id}-{n}"[:64] in taken:
        n += 1
    f["id"] = f"{slot_id}-{n}"[:64]
    f["name"] = t("editor.copy_name", g.lang, name=f["name"] or slot_id)
    for item in f["items"]:
        item["index"] = None  # every item is new in the copy
    f["items"].append(_blank_item())
    return _render_form(f, mode="copy", file=place.file, orig_id="", digests=folder.digests())


def _target_file(folder: store.Folder, f: dict[str, Any], orig_file: str | None) -> str | None:
    if orig_file:
        return orig_file
    chosen = request.form.get("file", "")
    if chosen in folder.files:
        return chosen
    name = f"{f['id']}.toml"
    return name if store.valid_file_name(name) else None


def _save(folder: store.Folder, orig_id: str | None) -> Any:
    lang = g.lang
    f = form_from_request()
    mode = request.form.get("mode", "edit" if orig_id else "new")
    try:
        digests = {str(k): str(v) for k, v in json.loads(request.form.get("digests", "{}")).items()}
    except (ValueError, AttributeError):
        digests = {}
    place = folder.find(orig_id) if orig_id else None
    if orig_id and place is None:
        flash(t("editor.no_slot", lang, slot=orig_id), "error")
        return redirect(url_for("schedule.index"))
    file = _target_file(folder, f, place.file if place else None)

    def again(errors: dict | None = None, general: list | None = None, warnings: list | None = None,
              status: int = 200) -> Any:  # fmt: skip
        f["items"].append(_blank_item())
        return _render_form(f, mode=mode, file=file or request.form.get("file", ""), orig_id=orig_id or "",
                            digests=digests, errors=errors, general=general, warnings=warnings, status=status)  # fmt: skip

    if request.form.get("action") == "add_item":
        return again()
    if (move := re.fullmatch(r"up-(\d+)", request.form.get("action", ""))) is not None:
        rows = [item.get("row") for item in f["items"]]
        if int(move.group(1)) in rows and (n := rows.index(int(move.group(1)))) > 0:
            f["items"][n - 1], f["items"][n] = f["items"][n], f["items"][n - 1]
        return again()
    action = {"edit": "schedule-edit", "copy": "schedule-copy"}.get(mode, "schedule-add")
    if file is None:
        return again({"id": [t("schedule.bad_slot_id", lang, value=repr(f["id"]))]}, status=422)
    if digests.get(file, store.ABSENT) != store.digest(folder.files.get(file)):
        return _conflict(action, file, f["id"] or orig_id or "", again)
    doc = folder.doc(file)
    if doc is None:
        return again(general=[t("editor.unreadable", lang, file=file)], status=422)
    values = values_from_form(f)
    index = store.apply_slot(doc, place.index if place else None, values, MEANINGS)
    data = store.dumps(doc)
    errors, warnings = _new_problems(folder, {file: data})
    path = str(folder.path / file)
    if errors:
        fields, general = _fields_of(errors, path, data.decode("utf-8"), _slot_block(data.decode("utf-8"), index))
        _actions().record(web_actor(), action, f"{file}: {f['id'] or orig_id}",
                          f"refused: {len(errors)} error(s): " + "; ".join(t(p.msg_id, 'en', **p.params) for p in errors))  # fmt: skip
        flash(t("editor.refused", lang, errors=len(errors)), "error")
        return again(fields, general, [preview_mod.problem_line(p, "warning", lang) for p in warnings], status=422)
    change = _diff(folder, {file: data})
    try:
        backups = folder.write({file: data}, digests, _app().clock.now().astimezone(_app().config.station.timezone))
    except store.EditConflict:
        return _conflict(action, file, f["id"], again)
    _actions().record(web_actor(), action, f"{file}: {f['id']}" + (f" (was {orig_id})" if orig_id and orig_id != f["id"] else "")
                      + (f"; previous version {backups[0]}" if backups else ""), diff=change)  # fmt: skip
    flash(t("editor.saved", lang, slot=f["id"], file=file), "ok")
    return redirect(url_for("schedule.index"))


def _diff(folder: store.Folder, changes: dict[str, bytes | None]) -> str:
    """The files as they are and as they will be written (None: removed), as a unified diff:
    what a schedule change changed, kept with it in the journal."""
    def lines(data: bytes | None) -> list[str]:
        return data.decode("utf-8", errors="replace").splitlines(keepends=True) if data is not None else []

    out: list[str] = []
    for name, new in changes.items():
        old = folder.files.get(name)
        out += difflib.unified_diff(lines(old), lines(new), fromfile=f"a/{name}" if old is not None else "/dev/null",
                                    tofile=f"b/{name}" if new is not None else "/dev/null")  # fmt: skip
    return "".join(line if line.endswith("\n") else line + "\n" for line in out)


def _conflict(action: str, file: str, what: str, again: Any) -> Any:
    _actions().record(web_actor(), action, f"{file}: {what}", "refused: the file changed on disk since the page was loaded")
    message = t("editor.conflict", g.lang, file=file)
    flash(message, "error")
    return again(general=[message], status=409)


@bp.route("/slot/<slot_id>/delete", methods=["GET", "POST"])
@technician_only
def delete(slot_id: str) -> Any:
    folder = _folder()
    place = folder.find(slot_id)
    if place is None:
        flash(t("editor.no_slot", g.lang, slot=slot_id), "error")
        return redirect(url_for("schedule.index"))
    if request.method == "GET" or request.form.get("confirm") != "1":
        return render_template("schedule_delete.html", page="schedule", slot_id=slot_id, file=place.file,
                               name=place.values.get("name", slot_id), digests=json.dumps(folder.digests()))  # fmt: skip
    try:
        digests = {str(k): str(v) for k, v in json.loads(request.form.get("digests", "{}")).items()}
    except (ValueError, AttributeError):
        digests = {}
    doc = folder.doc(place.file)
    assert doc is not None  # found in it
    empty = store.remove_slot(doc, place.index)
    data = None if empty else store.dumps(doc)
    errors, _ = _new_problems(folder, {place.file: data})
    if errors:
        _actions().record(web_actor(), "schedule-delete", f"{place.file}: {slot_id}", f"refused: {len(errors)} error(s)")
        for p in errors:
            flash(preview_mod.problem_line(p, "error", g.lang), "error")
        return redirect(url_for("schedule.index"))
    change = _diff(folder, {place.file: data})
    try:
        backups = folder.write({place.file: data}, digests, _app().clock.now().astimezone(_app().config.station.timezone))
    except store.EditConflict:
        _actions().record(web_actor(), "schedule-delete", f"{place.file}: {slot_id}",
                          "refused: the file changed on disk since the page was loaded")  # fmt: skip
        flash(t("editor.conflict", g.lang, file=place.file), "error")
        return redirect(url_for("schedule.index"))
    _actions().record(web_actor(), "schedule-delete", f"{place.file}: {slot_id}" + (f"; previous version {backups[0]}"
                                                                                    if backups else ""), diff=change)  # fmt: skip
    flash(t("editor.deleted", g.lang, slot=slot_id, file=place.file), "ok")
    return redirect(url_for("schedule.index"))


@bp.route("/station", methods=["GET", "POST"])
def station() -> Any:
    folder = _folder()
    file = folder.station_file()
    current = folder.station()
    f = {"chime": _text(current.get("chime")), "blackout": _text(current.get("blackout", [])), "add": ""}
    digests = folder.digests()
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    status = 200
    if request.method == "POST":
        if g.user.role != "technician":
            return technician_only(lambda: None)()
        f = {"chime": request.form.get("chime", "").strip(), "blackout": request.form.get("blackout", "").strip(),
             "add": request.form.get("add", "").strip()}  # fmt: skip
        try:
            digests = {str(k): str(v) for k, v in json.loads(request.form.get("digests", "{}")).items()}
        except (ValueError, AttributeError):
            digests = {}
        dates = _dates(f["blackout"]) + (_dates(f["add"]) if f["add"] else [])
        dates = sorted(set(dates), key=str)
        values: dict[str, Any] = {"blackout": dates}
        if f["chime"]:
            values["chime"] = _clip(f["chime"])
        if digests.get(file, store.ABSENT) != store.digest(folder.files.get(file)):
            _actions().record(web_actor(), "schedule-station", file, "refused: the file changed on disk since the page was loaded")
            general, status = [t("editor.conflict", g.lang, file=file)], 409
        elif (doc := folder.doc(file)) is None:
            general, status = [t("editor.unreadable", g.lang, file=file)], 422
        else:
            store.apply_station(doc, values, MEANINGS)
            data = store.dumps(doc)
            new_errors, _ = _new_problems(folder, {file: data})
            if new_errors:
                text = data.decode("utf-8")
                errors, general = _fields_of(new_errors, str(folder.path / file), text, _station_block(text), slot=False)
                _actions().record(web_actor(), "schedule-station", file, f"refused: {len(new_errors)} error(s)")
                flash(t("editor.refused", g.lang, errors=len(new_errors)), "error")
                status = 422
            else:
                change = _diff(folder, {file: data})
                try:
                    backups = folder.write({file: data}, digests,
                                           _app().clock.now().astimezone(_app().config.station.timezone))  # fmt: skip
                except store.EditConflict:
                    general, status = [t("editor.conflict", g.lang, file=file)], 409
                else:
                    _actions().record(web_actor(), "schedule-station", f"{file}: chime {f['chime'] or '-'}, blackout "
                                      + (", ".join(str(d) for d in dates) or "-")
                                      + (f"; previous version {backups[0]}" if backups else ""), diff=change)  # fmt: skip
                    flash(t("editor.station_saved", g.lang, file=file), "ok")
                    return redirect(url_for("schedule.index"))
        if status == 409:
            flash(general[0], "error")
    return render_template("schedule_station.html", page="schedule", f=f, file=file, digests=json.dumps(digests),
                           errors=errors, general=general, readonly=g.user.role != "technician",
                           **_pickers()), status  # fmt: skip


@bp.route("/month")
def month() -> Any:
    """Which slots air on which day of a month (read only; the week page shows what they play)."""
    app = _app()
    today = preview_mod.today(app)
    first = today.replace(day=1)
    if m := re.fullmatch(r"(\d{4})-(\d{2})", request.args.get("month", "").strip()):
        try:
            first = date(int(m.group(1)), int(m.group(2)), 1)
        except ValueError:
            pass
    last = first.replace(day=monthrange(first.year, first.month)[1])
    folder = _folder()
    result = parse_files(folder.display_files({}))
    occurrences = expand(result.schedule, first, last, app.config.station.timezone)
    by_day: dict[date, list] = {}
    for occ in occurrences:
        # The items that play only on some dates, named where they do: the premiere on
        # Monday, the first Saturday's programme.
        extra = [_describe(i.what) for i in occ.slot.items if i.when is not None and i.when.occurs_on(occ.local_date)]
        by_day.setdefault(occ.local_date, []).append((occ, extra))
    start = first - timedelta(days=first.weekday())
    weeks = []
    day = start
    while day <= last:
        weeks.append([day + timedelta(days=i) for i in range(7)])
        day += timedelta(days=7)
    prev_month = (first - timedelta(days=1)).replace(day=1)
    next_month = last + timedelta(days=1)
    return render_template("schedule_month.html", page="schedule", weeks=weeks, first=first, by_day=by_day,
                           blackout=result.schedule.blackout, today=today, broken=bool(result.errors),
                           prev=prev_month.strftime("%Y-%m"), next=next_month.strftime("%Y-%m"),
                           this=today.strftime("%Y-%m"), iso_week=_iso_week)  # fmt: skip


def _describe(what: Any) -> str:
    if isinstance(what, LatestEpisode):
        return what.programme
    if isinstance(what, NamedClip):
        return str(what.ref.title or what.ref)
    if isinstance(what, Rotation):
        return what.describe()
    if isinstance(what, Relay):
        return what.title or what.programme or what.source
    return ""


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def install(web: Flask) -> None:
    web.register_blueprint(bp)
