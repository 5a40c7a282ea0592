"""How the pages write what the log and the daemon store: slots by their names, reasons in the
reader's language, dates as dd/mm/yyyy, weeks as a reader counts them, outputs by what they are.

The stored values stay what they are (ids, English reasons, ISO dates: the exports and the
province read them); only what a person reads changes.
"""

from __future__ import annotations

import re
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g

from playout import reasons
from playout.reasons import slot_name
from playout.app import App
from playout.db.models import Airing
from playout.i18n import label, t
from playout.model import Outcome

# The slots the daemon writes for what the schedule did not plan.
DATE_FORMAT = "%d/%m/%Y"
_DMY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")


def parse_date(text: str) -> date:
    """A date as a person types it: dd/mm/yyyy (also d/m/yyyy, with dots or dashes), or the
    ISO form the page's own links carry. ValueError when it is neither."""
    text = text.strip()
    if m := _DMY.match(text):
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    return date.fromisoformat(text)


def parse_datetime(text: str) -> datetime:
    """A local date and time as typed: "dd/mm/yyyy HH:MM", or ISO ("2026-11-30T17:00")."""
    text = text.strip()
    day, _, clock = text.replace("T", " ").partition(" ") if "/" in text or "." in text else ("", "", "")
    if day:
        hour, _, minute = clock.strip().partition(":")
        if not hour.isdigit() or not minute.isdigit():
            raise ValueError(text)
        return datetime.combine(parse_date(day), datetime.min.time()).replace(hour=int(hour), minute=int(minute))
    return datetime.fromisoformat(text)


def show_date(value: date | None) -> str:
    return value.strftime(DATE_FORMAT) if value else ""


def week_label(first: date, lang: str) -> str:
    """ "Tuần 49 (30/11–06/12/2026)": the week's number and its first and last days."""
    last = first + timedelta(days=6)
    start = first.strftime("%d/%m") if first.year == last.year else first.strftime(DATE_FORMAT)
    return t("web.week_label", lang, week=first.isocalendar()[1], first=start, last=last.strftime(DATE_FORMAT))


def output_name(output: str | None, lang: str) -> str:
    """An output as the technician knows it: "null" is the test output that plays to nothing."""
    if not output:
        return ""
    module, _, device = output.partition(":")
    key = f"output.{module}"
    name = label(key, lang) if key in _output_keys() else module
    return f"{name} ({device})" if device else name


def _output_keys() -> set[str]:
    from playout.i18n import LABELS

    return {k for k in LABELS if k.startswith("output.")}


class SlotNames:
    """Slot id -> name from the schedule files, read again only when a file changed (the
    Now page asks every second)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._seen: tuple | None = None
        self._names: dict[str, str] = {}

    def _stamp(self) -> tuple:
        try:
            return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in self.folder.rglob("*.toml")))
        except OSError:
            return ()

    def get(self) -> dict[str, str]:
        stamp = self._stamp()
        with self._lock:
            if stamp != self._seen:
                from playout.scheduling.files import slot_names

                self._names = slot_names(self.folder)
                self._seen = stamp
            return self._names


def queued_manual(app: App, now: datetime) -> list[Airing]:
    """Clips aired by hand that wait for the current airing to end (a normal or priority
    air-now): the daemon wrote them pending and plays them when the output is free."""
    from sqlmodel import select

    with app.db.session() as s:
        stmt = (select(Airing).where(Airing.manual == True, Airing.outcome == Outcome.PENDING.value,  # noqa: E712
                                     Airing.started_at == None, Airing.scheduled_at >= now - timedelta(hours=6))  # noqa: E711
                .order_by(Airing.scheduled_at, Airing.id))  # fmt: skip
        return list(s.exec(stmt))


def install(web: Flask, app: App) -> None:
    slots = SlotNames(app.config.schedules_folder)
    web.extensions["playout.slot_names"] = slots

    @web.context_processor
    def _display() -> dict[str, Any]:
        lang = g.get("lang", app.lang)
        known: dict[str, dict[str, str]] = {}  # the folder is looked at once per page, not once per row

        def name(slot: str | None) -> str:
            if "names" not in known:
                known["names"] = slots.get()
            return slot_name(slot, lang, known["names"])

        return {
            "slot_name": name,
            "reason": lambda text: reasons.render(text, lang),
            "output_name": lambda output: output_name(output, lang),
            "show_date": show_date,
        }


def slot_names() -> dict[str, str]:
    return current_app.extensions["playout.slot_names"].get()
