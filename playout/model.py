"""Typed values shared by the core and the adapters."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit

# The dates the commands accept: from the Unix epoch to the end of this century. Near year
# 9999 a week's end or a UTC conversion falls off Python's calendar; long before that,
# planning a preview from today up to a mistyped year (2926 for 2026) would run for minutes.
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2099, 12, 31)


class Kind(StrEnum):
    """What a clip is for; kinds are counted separately in the tally."""

    SEGMENT = "segment"  # chuyên mục: an episode of a programme
    SLOGAN = "slogan"  # khẩu hiệu
    CHIME = "chime"  # nhạc hiệu / tín hiệu
    ANNOUNCEMENT = "announcement"  # thông báo
    OTHER = "other"
    RELAY = "relay"  # tiếp âm: a programme from elsewhere aired live (a schedule item, never a clip)


# What a clip in the library can be (a relay is aired from its source, not imported).
CLIP_KINDS = tuple(k for k in Kind if k is not Kind.RELAY)


class Outcome(StrEnum):
    """What became of one item of one airing. `pending` and `in_progress` are transient:
    after a crash they become `missed` and `interrupted`, never silently replayed."""

    PENDING = "pending"  # written before the occurrence starts; not started yet
    IN_PROGRESS = "in_progress"
    AIRED = "aired"
    PARTIAL = "partial"  # ended early, part of the clip played (output stalled, stopped)
    INTERRUPTED = "interrupted"  # cut by an operator, an emergency, a crash or a stop
    FAILED = "failed"  # could not play: file missing or unreadable, player error
    MISSED = "missed"  # fell due while the daemon was down, too late to catch up
    SKIPPED = "skipped"  # not played by rule: past the hard end, no new episode, busy

    @property
    def final(self) -> bool:
        return self not in (Outcome.PENDING, Outcome.IN_PROGRESS)


class Level(StrEnum):
    """The three levels of a manual airing in Vietnam's rules for grassroots radio."""

    NORMAL = "normal"  # thông thường: when nothing else is on air
    PRIORITY = "priority"  # ưu tiên: as soon as the current item ends
    EMERGENCY = "emergency"  # khẩn cấp: at once, interrupting the current item


def describe_source(source: str) -> str:
    """A relay source as it may be shown and logged: a URL without its password."""
    if source.startswith("line-in"):
        return source
    parts = urlsplit(source)
    if parts.password is None and parts.username is None:
        return source
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, ""))
