"""One error hierarchy for the whole project.

Every error carries a message id and its parameters rather than a finished sentence, so the
same failure reads in Vietnamese for the technician and in English for a log or a developer.
The CLI turns any of these into one sentence and a non-zero exit; the daemon contains them
to the airing they concern.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from playout import i18n


def shown(value: Any) -> Any:
    """A text or path parameter as a message shows it: control and other unprintable characters
    escaped (\\x1e, \\u202e), so one error stays one line and typed text cannot drive the terminal."""
    if not isinstance(value, str | PurePath) or str(value).isprintable():
        return value
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in str(value))


class PlayoutError(Exception):
    """A failure a person can act on, described by a message id and parameters."""

    exit_code = 1

    def __init__(self, msg_id: str, **params: Any) -> None:
        super().__init__(msg_id)
        self.msg_id = msg_id
        self.params = params

    def render(self, lang: str = "en") -> str:
        return i18n.t(self.msg_id, lang, **{k: shown(v) for k, v in self.params.items()})

    def __str__(self) -> str:
        return self.render("en")


class ConfigError(PlayoutError):
    """The configuration cannot be used; carries every problem found, not just the first."""

    exit_code = 2

    def __init__(self, path: str, problems: list[PlayoutError]) -> None:
        super().__init__("config.invalid", path=path, count=len(problems))
        self.path = path
        self.problems = problems

    def render(self, lang: str = "en") -> str:
        if len(self.problems) == 1 and self.problems[0].msg_id in ("config.missing", "config.unreadable"):
            return self.problems[0].render(lang)  # no file to call invalid: one sentence
        head = i18n.t(self.msg_id, lang, **{k: shown(v) for k, v in self.params.items()})
        return "\n".join([head, *("  " + p.render(lang) for p in self.problems)])


class UsageError(PlayoutError):
    """A command-line argument is wrong (a date, an option value)."""

    exit_code = 2


class ToolMissing(PlayoutError):
    """An external program the project relies on (ffmpeg, ffprobe) is not installed."""

    exit_code = 3


class ImportRejected(PlayoutError):
    """One audio file cannot enter the library; the others in the batch go on."""


class NotFound(PlayoutError):
    """A clip, slot or record named by the user does not exist."""


class DatabaseError(PlayoutError):
    """The database cannot be opened, is damaged, or is newer than this program."""

    exit_code = 4
