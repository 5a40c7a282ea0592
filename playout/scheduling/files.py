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
