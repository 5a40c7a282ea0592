"""The output: where the sound goes, placed on the instant, and what came out of it.

`engine.py` is the real-time part (its own process), `devices.py` the devices it writes to,
`player.py` the daemon's `Player` over it, `monitor.py` the confidence monitor that listens
to the output and confirms each airing.
"""
