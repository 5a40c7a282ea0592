"""The schedule files as the web page edits them: read with their comments, changed key by
key, checked as a whole set before anything is written, then written atomically.

The TOML files stay the source of truth and stay hand-editable. An edit changes only the keys
whose meaning changed (a key written `days = ["t2", "t5"]` by hand stays so while the days
are the same), keeps the comments and keys it does not own, and keeps the previous version in
`.backup/` (which the daemon, reading only `*.toml` in the folder itself, never loads). A file
that changed on disk since the page read it is not overwritten: the page carries the digest
of every file it was built from.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from playout.errors import PlayoutError

FILE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}\.toml$")
BACKUP_DIR = ".backup"
ABSENT = "absent"
STATION_FILE = "station.toml"

# Keys in the order a new slot or item is written (the README's order).
SLOT_ORDER = ("id", "name", "days", "monthly", "every_weeks", "anchor", "times", "valid_from", "valid_until",
              "except", "chime", "hard_end", "max_minutes", "priority", "zones")  # fmt: skip
ITEM_ORDER = ("clip", "latest", "if_no_new", "rotation", "relay", "minutes", "title", "programme", "days", "monthly",
              "except", "valid_from", "valid_until", "zones")  # fmt: skip
STATION_ORDER = ("chime", "blackout")
DEFAULTS = {"if_no_new": "repeat", "priority": 10, "every_weeks": 1, "days": "daily"}

_lock = threading.Lock()  # one writer at a time in this process: check-then-write is one step


class EditConflict(PlayoutError):
    """The file changed on disk since the page was loaded."""


def digest(data: bytes | None) -> str:
    return ABSENT if data is None else hashlib.sha256(data).hexdigest()


def valid_file_name(name: str) -> bool:
    return bool(FILE_NAME.match(name))


@dataclass
class SlotPlace:
    file: str  # the file's name in the folder
    index: int  # its position among the file's [[slot]] tables
    values: dict[str, Any]  # plain Python values, items under "item"


@dataclass
class Folder:
    """The schedules folder: its files' bytes as read once (a snapshot), and writing a change."""

    path: Path
    files: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> Folder:
        files = {}
        if path.is_dir():
            for p in sorted(path.glob("*.toml")):
                try:
                    files[p.name] = p.read_bytes()
                except OSError:
                    continue
        return cls(path, files)

    def digests(self) -> dict[str, str]:
        return {name: digest(data) for name, data in self.files.items()}

    def doc(self, name: str) -> tomlkit.TOMLDocument | None:
        """The file as an editable document (None: not UTF-8 or not TOML; the check says why)."""
        data = self.files.get(name)
        if data is None:
            return tomlkit.document()
        try:
            return tomlkit.parse(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, TOMLKitError, ValueError):
            return None

    def slots(self) -> list[SlotPlace]:
        found = []
        for name in self.files:
            doc = self.doc(name)
            if doc is None:
                continue
            tables = doc.get("slot")
            if not isinstance(tables, list):
                continue
            for index, table in enumerate(tables):
                if isinstance(table, dict):
                    found.append(SlotPlace(name, index, plain(table)))
        return found

    def find(self, slot_id: str) -> SlotPlace | None:
        return next((s for s in self.slots() if s.values.get("id") == slot_id), None)

    def station_file(self) -> str:
        """The file holding [station] (station.toml when none does yet)."""
        for name in self.files:
            doc = self.doc(name)
            if doc is not None and isinstance(doc.get("station"), dict):
                return name
        return STATION_FILE

    def station(self) -> dict[str, Any]:
        doc = self.doc(self.station_file())
        return plain(doc.get("station", {})) if doc is not None else {}

    def display_files(self, changes: dict[str, bytes | None]) -> list[tuple[str, bytes]]:
        """The would-be set of files, named as `playout schedule check` names them."""
        merged = {**self.files, **changes}
        return [(str(self.path / name), data) for name, data in sorted(merged.items()) if data is not None]

    def write(self, changes: dict[str, bytes | None], expected: dict[str, str], stamp: datetime) -> list[str]:
        """Write each changed file (None: remove it) after keeping its previous version in
        .backup/; refuse everything if any of them is not what the page was built from.
        Returns the backups' names (relative to the folder)."""
        with _lock:
            for name in changes:
                try:
                    now = (self.path / name).read_bytes()
                except FileNotFoundError:
                    now = None
                if digest(now) != expected.get(name, ABSENT):
                    raise EditConflict("editor.conflict", file=name)
            backups = []
            for name, data in changes.items():
                target = self.path / name
                if target.exists():
                    backups.append(self._backup(target, stamp))
                if data is None:
                    target.unlink(missing_ok=True)
                else:
                    _atomic_write(target, data)
            _fsync_dir(self.path)
            return backups

    def _backup(self, target: Path, stamp: datetime) -> str:
        folder = self.path / BACKUP_DIR
        folder.mkdir(exist_ok=True)
        base = f"{target.name}.{stamp.strftime('%Y%m%d-%H%M%S')}"
        dest, n = folder / base, 1
        while dest.exists():  # two saves in one second keep both versions
            n += 1
            dest = folder / f"{base}-{n}"
        _atomic_write(dest, target.read_bytes())
        _fsync_dir(folder)
        return f"{BACKUP_DIR}/{dest.name}"


def _atomic_write(target: Path, data: bytes) -> None:
    """A temporary file in the same folder (named so that no reader of *.toml sees it), synced,
    then renamed over the target: a reader sees the old file or the new one, never half."""
    temp = target.with_name(f".{target.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        with open(temp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if target.exists():
            os.chmod(temp, target.stat().st_mode & 0o777)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def plain(value: Any) -> Any:
    """tomlkit's values as plain Python ones."""
    return value.unwrap() if hasattr(value, "unwrap") else value


# -- changing a document ---------------------------------------------------------------------


def _same(old: Any, new: Any, meaning: Any) -> bool:
    if plain(old) == new:
        return True
    if meaning is None:
        return False
    try:
        return meaning(plain(old)) == meaning(new)
    except Exception:  # an old value that does not parse has changed if it is replaced  # noqa: BLE001
        return False


def _toml_value(value: Any) -> Any:
    if isinstance(value, dict):
        inline = tomlkit.inline_table()
        inline.update(value)
        return inline
    return value


def set_keys(table: Any, values: dict[str, Any], owned: tuple[str, ...], meanings: dict[str, Any],
             fresh: bool = False) -> None:  # fmt: skip
    """Make the owned keys of `table` say `values`: a key whose meaning is unchanged is left as
    written (with its comment); one that is gone from `values` is removed; keys not owned stay.
    In a table that was already written (not `fresh`), a default is not added where the key
    is absent: absent already means it."""
    for key in owned:
        if key in values:
            if key in table and _same(table[key], values[key], meanings.get(key)):
                continue
            if not fresh and key not in table and key in DEFAULTS and values[key] == DEFAULTS[key]:
                continue  # an absent key already means its default
            _put(table, key, _toml_value(values[key]))
        elif key in table:
            del table[key]


def _put(table: Any, key: str, value: Any) -> None:
    """A replaced value keeps its line's comment; a new key goes after the table's last
    plain key (before the comments that introduce the next table, and before its items)."""
    if key in table:
        table[key] = value
        return
    plain_keys = [k for k in table if not isinstance(table[k], tomlkit.items.AoT | tomlkit.items.Table)]
    if plain_keys and hasattr(table, "value"):
        try:
            table.value._insert_after(plain_keys[-1], key, tomlkit.item(value))  # noqa: SLF001
            return
        except (TOMLKitError, ValueError, KeyError):
            pass
    table[key] = value


def apply_slot(doc: Any, index: int | None, values: dict[str, Any], meanings: dict[str, Any]) -> int:
    """Put a slot's values into the document: replace slot number `index`, or (None) append
    a new one. `values["item"]` lists the items in order, each with `_index` (its place in
    the file before the edit) or without (a new item). Returns the slot's index."""
    slots = doc.get("slot")
    if slots is None:
        slots = tomlkit.aot()
        doc.append("slot", slots)
    fresh = index is None
    if index is None:
        slots.append(tomlkit.table())
        index = len(slots) - 1
    table = slots[index]
    set_keys(table, values, SLOT_ORDER, meanings, fresh)
    items_wanted = values.get("item", [])
    items = table.get("item")
    if items is None:
        items = tomlkit.aot()
        table.append("item", items)
    kept = [v["_index"] for v in items_wanted if v.get("_index") is not None]
    old_tables = list(items)
    wanted_tables = []
    for wanted in items_wanted:
        table_ = old_tables[wanted["_index"]] if wanted.get("_index") is not None else tomlkit.table()
        set_keys(table_, wanted, ITEM_ORDER, meanings, fresh=wanted.get("_index") is None)
        wanted_tables.append(table_)
    if kept == sorted(kept):
        # Kept in their order, new ones after them: remove the others, append the new ones,
        # and every kept item stays where it was written.
        for i in sorted(range(len(old_tables)), reverse=True):
            if i not in kept:
                del items[i]
        for wanted, table_ in zip(items_wanted, wanted_tables, strict=True):
            if wanted.get("_index") is None:
                items.append(table_)
    else:  # moved: the items are written again in their new order
        while len(items):
            del items[0]
        for table_ in wanted_tables:
            items.append(table_)
    return index


def remove_slot(doc: Any, index: int) -> bool:
    """Remove slot number `index`; True when the file then holds nothing (no slot, no station)."""
    slots = doc["slot"]
    del slots[index]
    if not len(slots):
        del doc["slot"]
    return not any(k in doc for k in ("slot", "station"))


def apply_station(doc: Any, values: dict[str, Any], meanings: dict[str, Any]) -> None:
    station = doc.get("station")
    if station is None:
        station = tomlkit.table()
        doc.append("station", station)
        station = doc["station"]
    set_keys(station, values, STATION_ORDER, meanings)


def dumps(doc: Any) -> bytes:
    return tomlkit.dumps(doc).encode("utf-8")


def day_values(value: Any) -> Any:
    """Dates as TOML dates where they are dates (a string that is not one stays a string, for
    the check to name)."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return value
    return value
