"""Reading the schedules folder: the only I/O of the scheduling package."""

from __future__ import annotations

from pathlib import Path

from playout.errors import NotFound
from playout.scheduling.model import Problem, Source
from playout.scheduling.parse import ParseResult, parse_files


def read_folder(folder: Path) -> tuple[list[tuple[str, bytes]], list[Problem]]:
    """Every *.toml file in the folder (not recursive, name order), as (display name, bytes)."""
    if not folder.is_dir():
        raise NotFound("schedule.no_folder", folder=folder)
    files, problems = [], []
    for path in sorted(folder.glob("*.toml")):
        name = str(path)
        try:
            files.append((name, path.read_bytes()))
        except OSError as exc:
            problems.append(Problem(Source(name), "schedule.io", {"detail": exc.strerror or str(exc)}))
    return files, problems


def load_folder(folder: Path) -> tuple[ParseResult, int]:
    files, problems = read_folder(folder)
    result = parse_files(files)
    result.errors[:0] = problems
    return result, len(files)


def slot_names(folder: Path) -> dict[str, str]:
    """Slot id -> name from the schedule files, for showing the log's slots to a reader (a
    folder that does not read gives none: the ids are shown)."""
    try:
        result, _ = load_folder(folder)
    except Exception:  # noqa: BLE001  (whatever the folder holds, the log is still shown)
        return {}
    return {slot.id: slot.name for slot in result.schedule.slots if slot.name}
