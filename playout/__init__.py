"""playout: radio automation for district radio stations with loudspeaker networks."""

__version__ = "0.1.0"
