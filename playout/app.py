"""The composition root: the one place that builds real adapters from the configuration.

Commands (and later the daemon and the web page) ask an `App` for what they need; tests
build one with a virtual clock or another database URL instead of patching modules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from playout import config as config_mod
from playout.clock import Clock, SystemClock
from playout.config import Config
from playout.db import Database, open_database
from playout.db.models import Clip
from playout.library.clips import ClipRepository
from playout.library.ffmpeg import locate_tools
from playout.library.importer import Importer
from playout.library.verify import FileVerifier
from playout.airlog import AiringLog
from playout.daemon.station import ClipFile, Station
from playout.player import Player
from playout.scheduling.model import ClipRef, Schedule
from playout.scheduling.select import LibraryView
from playout.speakers import Presence, Registry, load_registry
from playout.speakers import Problem as SpeakerProblem

if TYPE_CHECKING:
    from playout.daemon.speakers import SpeakerPoller


@dataclass
class App:
    config: Config
    clock: Clock = field(default_factory=SystemClock)
    database_url: str | None = None  # overrides the configured database (--db)

    @property
    def lang(self) -> str:
        return self.config.station.language

    durable: bool = True  # False for a simulation's throwaway log

    @property
    def db_url(self) -> str:
        return self.database_url or self.config.database_url

    @cached_property
    def db(self) -> Database:
        return open_database(self.db_url, durable=self.durable)

    @cached_property
    def clips(self) -> ClipRepository:
        return ClipRepository(self.db, self.clock)

    def clip_files(self, clips: list[Clip] | None = None) -> dict[int, ClipFile]:
        folder = self.config.library.folder
        rows = self.clips.list() if clips is None else clips
        return {c.id: ClipFile(folder / c.path, c.content_hash, c.channels) for c in rows}  # type: ignore[misc]

    def station(self, player: Player, schedule: Callable[[], Schedule], *, snapshot: bool = False) -> Station:
        """The station core wired to this app's database and library.

        With `snapshot` the library is read once (simulation); otherwise before each airing,
        so clips imported while the daemon runs are aired without a restart.
        """
        cfg = self.config
        fallback = cfg.daemon.fallback_clip
        fallback_ref = None
        if fallback:
            fallback_ref = ClipRef.from_text(fallback)
        if snapshot:
            rows = self.clips.list()
            view, files = self.clips.view(rows), self.clip_files(rows)
            library: Callable[[], LibraryView] = lambda: view  # noqa: E731
            clip_file: Callable[[int], ClipFile | None] = files.get
        else:
            files: dict[int, ClipFile] = {}

            def library() -> LibraryView:
                # One read of the clips table serves both the snapshot and the file map.
                rows = self.clips.list()
                files.clear()
                files.update(self.clip_files(rows))
                return self.clips.view(rows)

            def clip_file(clip_id: int) -> ClipFile | None:
                if clip_id not in files:
                    files.update(self.clip_files())
                return files.get(clip_id)

        verifier = FileVerifier(locate_tools().ffmpeg) if not snapshot else None
        return Station(
            clock=self.clock, airlog=AiringLog(self.db), player=player, tz=cfg.station.timezone, schedule=schedule,
            library=library, clip_file=clip_file, catch_up=timedelta(milliseconds=cfg.daemon.catch_up_ms),
            fallback=fallback_ref, check_files=not snapshot, remember_history=snapshot,
            verify=(lambda f, decode: verifier.problem(f.path, f.content_hash, decode=decode)) if verifier else None,
            presence=None if snapshot else self.presence,
        )  # fmt: skip

    def player(self) -> Player:
        """The station's output: one player per zone, as a `Zones`. An output that cannot be
        opened (an Icecast server not reachable) is a zone that fails its airings with the
        reason, and keeps trying; the others air."""
        from playout.output.zones import Zones

        zones = self.config.zones or (config_mod.ZoneConfig(config_mod.MAIN_ZONE, self.config.station.name,
                                                            self.config.output),)  # fmt: skip
        return Zones({z.id: self._player(z.output, z.name) for z in zones}, {z.id: z.name for z in zones})

    def _player(self, out: config_mod.OutputConfig, name: str) -> Player:
        if out.engine == "libvlc" and out.module != "icecast":
            from playout.player.vlc import OutputSpec, VlcPlayer

            return VlcPlayer(OutputSpec(out.module, out.device, str(out.file) if out.file else ""), self.clock,
                             locate_tools())  # fmt: skip
        from playout.output.devices import DeviceSpec
        from playout.output.player import StreamPlayer

        spec = DeviceSpec(out.module, out.device, str(out.file) if out.file else "", out.buffer_ms, codec=out.codec,
                          bitrate_kbps=out.bitrate_kbps, channels=out.channels, title=name)  # fmt: skip
        return StreamPlayer(spec, self.clock, locate_tools(), latency_offset_ms=out.latency_offset_ms,
                            monitor=out.monitor, line_in=self.config.daemon.line_in)

    def zone_kinds(self) -> dict[str, bool]:
        """Each zone id, and whether it is an Icecast mount (only those have IP speakers)."""
        return {z.id: z.output.module == "icecast" for z in self.config.zones}

    def speaker_registry(self) -> tuple[Registry, list[SpeakerProblem]]:
        return load_registry(self.config.speakers.file, self.zone_kinds())

    @cached_property
    def presence(self) -> Presence | None:
        """Who is connected to each Icecast zone (None: the station has no Icecast zone)."""
        icecast = [z for z, is_icecast in self.zone_kinds().items() if is_icecast]
        if not icecast:
            return None
        registry, problems = self.speaker_registry()
        presence = Presence(Registry(), icecast)
        from playout.daemon.speakers import apply

        apply(presence, registry, problems)
        return presence

    def speaker_poller(self) -> SpeakerPoller | None:
        """The thread that asks each Icecast zone's server who listens, for `presence`."""
        from playout.daemon.speakers import SpeakerPoller, StatsSource
        from playout.output.devices import IcecastTarget

        if self.presence is None:
            return None
        sources = []
        for z in self.config.zones:
            if z.output.module == "icecast":
                target = IcecastTarget.parse(z.output.device)
                sources.append(StatsSource(z.id, target.host, target.port, target.mount, z.admin_user,
                                           z.admin_password))  # fmt: skip
        return SpeakerPoller(self.presence, sources, self.clock, self.config.speakers.poll_seconds,
                             self.config.speakers.file, self.zone_kinds())  # fmt: skip

    def importer(self) -> Importer:
        tools = locate_tools()
        return Importer(self.db, tools, self.config.library, self.clock, self.config.station.timezone)


def build(config_path: Path | str | None = None, *, clock: Clock | None = None) -> App:
    cfg = config_mod.load(config_mod.resolve_path(config_path))
    return App(config=cfg, clock=clock or SystemClock())
