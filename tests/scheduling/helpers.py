from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from playout.model import Kind
from playout.scheduling.parse import parse_files
from playout.scheduling.model import Schedule
from playout.scheduling.select import ClipInfo, LibraryView

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def clip(id: int, title: str, kind: Kind = Kind.SLOGAN, programme: str | None = None, episode: date | None = None,
         ms: int = 5000, valid_from: date | None = None, valid_until: date | None = None, tags=(), retired=False) -> ClipInfo:  # noqa: A002, ANN001
    return ClipInfo(id=id, title=title, kind=kind, programme=programme, episode_date=episode, valid_from=valid_from,
                    valid_until=valid_until, tags=frozenset(tags), duration_ms=ms, retired=retired)  # fmt: skip


def example_library() -> LibraryView:
    """The shipped example clips, as the example schedule expects them."""
    return LibraryView([
        clip(1, "Nhạc hiệu Đài", Kind.CHIME, ms=3300),
        clip(2, "Khẩu hiệu 1", ms=3500), clip(3, "Khẩu hiệu 2", ms=3700), clip(4, "Khẩu hiệu 3", ms=4800),
        clip(5, "CCHC tuần 48", Kind.SEGMENT, "CCHC", date(2026, 11, 23), ms=10_000),
        clip(6, "CCHC tuần 49", Kind.SEGMENT, "CCHC", date(2026, 11, 30), ms=8_000),
        clip(7, "Đồng hành tháng 11", Kind.SEGMENT, "Đồng hành cùng Nhân dân", date(2026, 11, 1), ms=10_000),
    ])  # fmt: skip


def parse(*texts: str) -> tuple[Schedule, list, list]:
    result = parse_files([(f"f{i}.toml", t.encode()) for i, t in enumerate(texts, 1)])
    return result.schedule, result.errors, result.warnings


def ids(problems) -> list[tuple[str, int, str]]:  # noqa: ANN001
    return [(p.source.file, p.source.line, p.msg_id) for p in problems]
