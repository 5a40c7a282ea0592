"""Which zones an occurrence airs in: what the daemon locks and `schedule check` compares.

Pure: the station's zone ids come in, in the configuration's order, and the order is kept,
because the daemon takes the zones' locks in that order (two occurrences never deadlock).
"""

from __future__ import annotations

from collections.abc import Sequence

from playout.scheduling.model import Slot


def slot_zones(slot: Slot, known: Sequence[str]) -> list[str]:
    """The station's zones an occurrence of this slot airs in: the slot's own (default: all),
    narrowed to its items' where every item names zones and no chime opens it for all.
    Zone ids the station does not have are left out (`schedule check` reports them)."""
    wanted = set(known if slot.zones is None else slot.zones)
    if slot.chime is None and slot.items and all(i.zones is not None for i in slot.items):
        wanted &= {z for i in slot.items for z in i.zones or ()}
    return [z for z in known if z in wanted]
