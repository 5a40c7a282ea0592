"""A station's zones: one player per group of loudspeakers, controlled as one.

The station airs an occurrence to each zone it targets at the same instant, one player per
zone (see Station); for everything else (a skip, an emergency cutting in, what is on air,
closing at the end) `Zones` stands for all of them, so the daemon's controls need not know
how many zones there are.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from playout.player import Cue, NowPlaying, Observer, Player


class Zones:
    def __init__(self, players: dict[str, Player], names: dict[str, str] | None = None) -> None:
        if not players:
            raise ValueError("a station has at least one zone")
        self.zones = dict(players)
        self.names = names or {z: z for z in players}

    @property
    def output(self) -> str:
        if len(self.zones) == 1:
            return next(iter(self.zones.values())).output
        return ", ".join(f"{z}={p.output}" for z, p in self.zones.items())

    @property
    def workdir(self) -> Path | None:
        return next((getattr(p, "workdir", None) for p in self.zones.values() if getattr(p, "workdir", None)), None)

    def status(self) -> list[dict]:
        """Each zone's output, whether it works and what it has on air, for status and the web page."""
        return [{"id": z, "name": self.names.get(z, z), "output": p.output, "error": getattr(p, "device_error", None),
                 "playing": n.label if (n := p.now_playing()) is not None else None}
                for z, p in self.zones.items()]  # fmt: skip

    def select(self, zones: list[str] | None) -> dict[str, Player]:
        return {z: p for z, p in self.zones.items() if zones is None or z in zones}

    def play(self, cues: list[Cue], start_at: datetime, observer: Observer) -> None:
        """Only for a caller that does not know zones: the first zone plays."""
        next(iter(self.zones.values())).play(cues, start_at, observer)

    def skip(self) -> bool:
        return any([p.skip() for p in self.zones.values()])

    def interrupt(self, reason: str) -> bool:
        return any([p.interrupt(reason) for p in self.zones.values()])

    def stop_after_current(self, reason: str) -> None:
        for p in self.zones.values():
            p.stop_after_current(reason)

    def now_playing(self) -> NowPlaying | None:
        for p in self.zones.values():
            if (playing := p.now_playing()) is not None:
                return playing
        return None

    def close(self) -> None:
        for p in self.zones.values():
            p.close()
