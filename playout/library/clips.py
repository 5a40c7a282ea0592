"""Reading and retiring clips. Clips are never deleted: the airing history refers to them."""

from __future__ import annotations

from sqlmodel import Session, select

from playout.clock import Clock
from playout.db import Database
from playout.db.models import Clip
from playout.errors import NotFound
from playout.library.steps import nfc
from playout.model import Kind
from playout.scheduling.select import ClipInfo, LibraryView


class ClipRepository:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def list(
        self, *, kind: str | None = None, programme: str | None = None, include_retired: bool = True
    ) -> list[Clip]:
        with self.db.session() as s:
            stmt = select(Clip).order_by(Clip.kind, Clip.programme, Clip.episode_date, Clip.id)
            if kind:
                stmt = stmt.where(Clip.kind == kind)
            if programme:
                stmt = stmt.where(Clip.programme == nfc(programme))
            if not include_retired:
                stmt = stmt.where(Clip.retired == False)  # noqa: E712
            return list(s.exec(stmt))

    def get(self, clip_id: int) -> Clip:
        with self.db.session() as s:
            return _get(s, clip_id)

    def retire(self, clip_id: int) -> tuple[Clip, bool]:
        """Mark a clip as never to be aired again; returns it and whether it changed."""
        with self.db.session() as s:
            clip = _get(s, clip_id)
            if clip.retired:
                return clip, False
            clip.retired = True
            clip.retired_at = self.clock.now()
            s.add(clip)
            s.commit()
            s.refresh(clip)
            return clip, True

    def unretire(self, clip_id: int) -> tuple[Clip, bool]:
        """Let a retired clip be chosen again; returns it and whether it changed."""
        with self.db.session() as s:
            clip = _get(s, clip_id)
            if not clip.retired:
                return clip, False
            clip.retired = False
            clip.retired_at = None
            s.add(clip)
            s.commit()
            s.refresh(clip)
            return clip, True

    def update(self, clip_id: int, changes: dict[str, object]) -> tuple[Clip, dict[str, tuple[object, object]]]:
        """Change what the technician says about a clip (title, programme, kind, tags, episode
        date, validity window); the audio is not touched. Returns the clip and, per field that
        changed, its old and new value."""
        editable = {"title", "programme", "kind", "tags", "episode_date", "valid_from", "valid_until"}
        unknown = set(changes) - editable
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        with self.db.session() as s:
            clip = _get(s, clip_id)
            done = {k: (getattr(clip, k), v) for k, v in changes.items() if getattr(clip, k) != v}
            for k, (_, new) in done.items():
                setattr(clip, k, new)
            if done:
                s.add(clip)
                s.commit()
                s.refresh(clip)
            return clip, done

    def view(self, clips: list[Clip] | None = None) -> LibraryView:
        """A snapshot of the whole library for selection (retired clips included, so that
        a schedule naming one is told it is retired rather than unknown)."""
        if clips is None:
            with self.db.session() as s:
                clips = list(s.exec(select(Clip)))
        return LibraryView(
            ClipInfo(
                id=c.id,  # type: ignore[arg-type]
                title=c.title,
                kind=Kind(c.kind),
                programme=c.programme,
                episode_date=c.episode_date,
                valid_from=c.valid_from,
                valid_until=c.valid_until,
                tags=frozenset(c.tag_list),
                duration_ms=c.duration_ms,
                retired=c.retired,
            )
            for c in clips
        )


def _get(s: Session, clip_id: int) -> Clip:
    # Database integers are 64-bit: a larger number (a typo) is no clip's, not an overflow.
    clip = s.get(Clip, clip_id) if -(2**63) <= clip_id < 2**63 else None
    if clip is None:
        raise NotFound("clips.not_found", clip_id=clip_id)
    return clip
