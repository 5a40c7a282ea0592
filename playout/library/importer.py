"""Bringing audio files into the library, one file at a time, all or nothing per file.

The importer sequences the steps in `steps` and reports each file's outcome through a
callback, so the CLI can draw a progress bar and the web page can stream results. A file
that fails leaves neither a row nor a file behind and never stops the rest of the batch.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path, PurePath

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from playout.clock import Clock
from playout.config import LibraryConfig
from playout.db import Database
from playout.db.models import Clip
from playout.errors import ImportRejected, PlayoutError
from playout.i18n import fmt_duration, t
from playout import leftovers
from playout.library import steps
from playout.library.ffmpeg import Tools
from playout.model import Kind

AUDIO_SUFFIXES = {
    ".mp3", ".wav", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".mp4", ".flac", ".wma",
    ".aif", ".aiff", ".mp2", ".ac3", ".amr", ".webm", ".mka",
}  # fmt: skip


@dataclass(frozen=True)
class ImportRequest:
    """What the technician said about the files being imported."""

    kind: Kind
    programme: str | None = None
    title: str | None = None
    episode_date: date | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    tags: tuple[str, ...] = ()
    dry_run: bool = False


class Status(StrEnum):
    IMPORTED = "imported"
    WOULD_IMPORT = "would_import"
    DUPLICATE = "duplicate"
    FAILED = "failed"


@dataclass(frozen=True)
class FileResult:
    source: PurePath  # as the person named it
    status: Status
    clip: Clip | None = None  # the new clip, the would-be clip, or the existing duplicate
    error: PlayoutError | None = None

    def message(self, lang: str) -> str:
        """The one line a person reads about this file (the CLI prints it, the web page shows it)."""
        clip = self.clip
        if self.status == Status.FAILED:
            assert self.error is not None
            return self.error.render(lang)
        assert clip is not None
        params = dict(file=self.source, clip_id=clip.id, title=clip.title)
        if self.status == Status.DUPLICATE:
            return t("import.duplicate", lang, **params)
        params.update(duration=fmt_duration(clip.duration_ms), loudness=f"{clip.loudness_after_lufs:.1f}")
        if self.status == Status.WOULD_IMPORT:
            params["loudness"] = f"{clip.loudness_before_lufs:.1f}"
            return t("import.would_import", lang, **params)
        return t("import.imported", lang, **params)


@dataclass
class ImportReport:
    results: list[FileResult] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.status == Status.FAILED]


def expand_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given, and the audio files found in folders (recursively, in name order).

    A file named explicitly is always tried, whatever its extension: ffmpeg, not the name,
    decides whether it is audio. Hidden files and folders are skipped inside folders.
    """
    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                rel = found.relative_to(path)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                if found.is_file() and found.suffix.lower() in AUDIO_SUFFIXES:
                    yield found
        else:
            yield path


class Importer:
    def __init__(self, db: Database, tools: Tools, limits: LibraryConfig, clock: Clock, tz) -> None:  # noqa: ANN001
        self.db = db
        self.tools = tools
        self.limits = limits
        self.clock = clock
        self.tz = tz

    def run(
        self,
        files: Iterable[Path],
        request: ImportRequest,
        on_result: Callable[[FileResult], None] = lambda _r: None,
    ) -> ImportReport:
        report = ImportReport()
        self.sweep()
        for source in files:
            result = self.import_one(source, request)
            report.results.append(result)
            on_result(result)
        return report

    def sweep(self) -> list[Path]:
        """Remove what killed imports left: rendered files in `.incoming`, and stored files
        whose row was never committed. Skipped while another import runs."""

        def known() -> list[str]:
            with self.db.session() as s:
                return list(s.exec(select(Clip.path)))

        return leftovers.sweep_import(self.limits.folder, known)

    def import_one(self, source: Path, request: ImportRequest, shown_as: str | None = None) -> FileResult:
        """Import one file. `shown_as` is the name a person knows the file by when it is
        stored under another (an upload kept under a server-made name): messages, the title
        hint, the date in the name and the original name use it; only `source` is read."""
        name = PurePath(shown_as) if shown_as else source
        try:
            return self._import(source, request, name)
        except ImportRejected as exc:
            if shown_as:
                exc.params = {k: str(v).replace(str(source), shown_as) if isinstance(v, str | Path) else v
                              for k, v in exc.params.items()}  # fmt: skip
            return FileResult(name, Status.FAILED, error=exc)

    def _existing(self, **where: str) -> Clip | None:
        with self.db.session() as s:
            stmt = select(Clip)
            for column, value in where.items():
                stmt = stmt.where(getattr(Clip, column) == value)
            return s.exec(stmt).first()

    def _import(self, source: Path, request: ImportRequest, name: PurePath) -> FileResult:
        src_hash = steps.source_hash(source)
        if existing := self._existing(source_hash=src_hash):
            return FileResult(name, Status.DUPLICATE, clip=existing)
        probed = steps.probe(source, self.limits)
        analysis = steps.analyse(self.tools, source, probed, self.limits)
        clip = self._clip_row(name, request, probed, analysis, src_hash)
        if request.dry_run:
            return FileResult(name, Status.WOULD_IMPORT, clip=clip)

        library = self.limits.folder
        incoming = library / ".incoming"
        try:
            incoming.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise steps._reject("import.store_failed", source, raw=str(exc), folder=library,
                                code=errno.errorcode.get(exc.errno or 0, str(exc.errno))) from None
        with leftovers.importing(incoming):
            return self._store(source, request, name, clip, probed, analysis, incoming)

    def _store(self, source, request, name, clip, probed, analysis, incoming: Path) -> FileResult:  # noqa: ANN001
        library = self.limits.folder
        fd, temp_name = tempfile.mkstemp(suffix=".flac", dir=incoming)
        temp = Path(temp_name)
        created: Path | None = None
        try:
            os.close(fd)
            rendered = steps.render(self.tools, source, temp, probed, analysis, self.limits)
            content_hash = steps.file_hash(temp)
            if existing := self._existing(content_hash=content_hash):
                return FileResult(name, Status.DUPLICATE, clip=existing)
            clip.content_hash = content_hash
            clip.path = steps.library_relpath(content_hash)
            clip.loudness_after_lufs = rendered.loudness_lufs
            clip.true_peak_after_dbtp = rendered.true_peak_dbtp
            clip.duration_ms = rendered.duration_ms
            clip.sample_rate = rendered.sample_rate
            clip.channels = rendered.channels
            final, new_file = steps.store(temp, library, content_hash)
            created = final if new_file else None
            try:
                with self.db.session() as s:
                    s.add(clip)
                    s.commit()
                    s.refresh(clip)
            except IntegrityError:
                # Another import registered the same audio between our check and our write.
                if existing := self._existing(content_hash=content_hash):
                    created = None  # the file belongs to that clip now
                    return FileResult(name, Status.DUPLICATE, clip=existing)
                raise
            created = None
            return FileResult(name, Status.IMPORTED, clip=clip)
        except OSError as exc:
            raise steps._reject("import.store_failed", source, raw=str(exc), folder=library,
                                code=errno.errorcode.get(exc.errno or 0, str(exc.errno))) from None
        finally:
            temp.unlink(missing_ok=True)
            if created is not None:
                created.unlink(missing_ok=True)

    def _clip_row(self, source, request, probed, analysis, src_hash) -> Clip:  # noqa: ANN001
        episode_date = request.episode_date
        if episode_date is None and request.kind == Kind.SEGMENT:
            episode_date = steps.date_from_name(source) or self.clock.now().astimezone(self.tz).date()
        return Clip(
            title=steps.nfc(request.title) if request.title else steps.default_title(source, probed),
            kind=request.kind.value,
            programme=steps.nfc(request.programme) if request.programme else None,
            episode_date=episode_date,
            valid_from=request.valid_from,
            valid_until=request.valid_until,
            tags=",".join(sorted({steps.nfc(t).strip() for t in request.tags if t.strip()})),
            duration_ms=analysis.sound_end_ms - analysis.sound_start_ms,
            loudness_before_lufs=analysis.loudness_lufs,
            loudness_after_lufs=analysis.loudness_lufs,
            true_peak_before_dbtp=analysis.true_peak_dbtp,
            true_peak_after_dbtp=analysis.true_peak_dbtp,
            sample_rate=probed.sample_rate,
            channels=probed.channels,
            content_hash="",
            source_hash=src_hash,
            original_name=steps.nfc(source.name),
            path="",
            imported_at=self.clock.now(),
        )
