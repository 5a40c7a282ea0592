"""Typed values shared by the core and the adapters."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """What a clip is for; kinds are counted separately in the tally."""

    SEGMENT = "segment"  # chuyên mục: an episode of a programme
    SLOGAN = "slogan"  # khẩu hiệu
    CHIME = "chime"  # nhạc hiệu / tín hiệu
    ANNOUNCEMENT = "announcement"  # thông báo
    OTHER = "other"
