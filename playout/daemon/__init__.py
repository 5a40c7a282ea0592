"""The playout daemon: the station core (what to air, once only) and its live wiring."""
