"""The composition root: the one place that builds real adapters from the configuration.

Commands (and later the daemon and the web page) ask an `App` for what they need; tests
build one with a virtual clock or another database URL instead of patching modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from playout import config as config_mod
from playout.clock import Clock, SystemClock
from playout.config import Config
from playout.db import Database, open_database
from playout.library.clips import ClipRepository
from playout.library.ffmpeg import locate_tools
from playout.library.importer import Importer


@dataclass
class App:
    config: Config
    clock: Clock = field(default_factory=SystemClock)
    database_url: str | None = None  # overrides the configured database (--db)

    @property
    def lang(self) -> str:
        return self.config.station.language

    @cached_property
    def db(self) -> Database:
        return open_database(self.database_url or self.config.database_url)

    @cached_property
    def clips(self) -> ClipRepository:
        return ClipRepository(self.db, self.clock)

    def importer(self) -> Importer:
        tools = locate_tools()
        return Importer(self.db, tools, self.config.library, self.clock, self.config.station.timezone)


def build(config_path: Path | str | None = None, *, clock: Clock | None = None) -> App:
    cfg = config_mod.load(config_mod.resolve_path(config_path))
    return App(config=cfg, clock=clock or SystemClock())
